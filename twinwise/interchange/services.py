"""One implementation of the file imports, shared by the CLI and (later) the web and API."""

from pathlib import Path

from django.conf import settings

from twinwise.access.actors import Actor
from twinwise.core.errors import UserFacingError
from twinwise.partnerships.services import ImportReport, Progress, partnerships_import

from .readers import decode_upload, detect_format, read_partnerships


def read_file_bytes(path: Path) -> bytes:
    """Read a file to import, refusing one over the size limit before reading it."""
    if not path.is_file():
        raise UserFacingError(f"{path}: no such file")
    size = path.stat().st_size
    if size > settings.IMPORT_MAX_BYTES:
        raise UserFacingError(
            f"{path.name}: the file is too large ({size / 1e6:.1f} MB); the limit is "
            f"{settings.IMPORT_MAX_BYTES / 1e6:.0f} MB (TWINWISE_IMPORT_MAX_BYTES)"
        )
    return path.read_bytes()


def import_partnerships_file(
    *,
    actor: Actor,
    name: str,
    data: bytes,
    create_places: bool = False,
    progress: Progress | None = None,
    on_validated=None,
) -> ImportReport:
    """Validate the whole file, then write everything in one transaction (or nothing)."""
    text = decode_upload(data, name=name)
    records = read_partnerships(text, detect_format(name, text))
    if on_validated:
        on_validated(len(records))
    return partnerships_import(
        actor=actor,
        records=records,
        create_places=create_places,
        dataset=f"import:{name}"[:50],
        progress=progress,
    )
