"""`twinwise export partnerships|cases [--format csv|jsonl] [--as USER] [--output PATH]`."""

import os
import sys
import tempfile
from pathlib import Path

from django.contrib.auth import get_user_model

from twinwise.access.actors import Actor
from twinwise.cases.interchange import export_cases
from twinwise.core.errors import UserFacingError
from twinwise.core.management.base import TwinwiseCommand
from twinwise.interchange.exporters import FORMATS, export_partnerships

KINDS = ("partnerships", "cases")
EXPORTERS = {"partnerships": export_partnerships, "cases": export_cases}


def actor_named(username: str | None) -> Actor:
    """The actor to export for: anonymous (TLP:CLEAR only) unless a user is named."""
    if username is None:
        return Actor.anonymous()
    user = get_user_model().objects.filter(username=username, is_active=True).first()
    if user is None:
        raise UserFacingError(f"--as: there is no active user {username!r}")
    return Actor.from_user(user)


class Command(TwinwiseCommand):
    help = (
        "Write the partnerships or the shared cases a user may see as CSV or JSON Lines "
        "(INTERCHANGE.md) to standard output or a file, anonymous reports redacted as on the "
        "site. Without --as: only what anyone may see (TLP:CLEAR)."
    )

    def add_arguments(self, parser):
        # kind and --format are checked in run(), not by argparse choices, so a bad value
        # gives the one-line error every twinwise command gives.
        parser.add_argument("kind", help="what to export: partnerships or cases")
        parser.add_argument(
            "--format", dest="fmt", default="csv", help=f"{' or '.join(FORMATS)} (default csv)"
        )
        parser.add_argument(
            "--as", dest="as_user", metavar="USER", help="export what this user may see"
        )
        parser.add_argument(
            "--output",
            type=Path,
            metavar="PATH",
            help="write to this file instead of standard output",
        )

    def run(self, *args, kind, fmt, as_user, output, **options):
        if kind not in KINDS:
            raise UserFacingError(f"cannot export {kind!r}; use one of: {', '.join(KINDS)}")
        if fmt not in FORMATS:
            raise UserFacingError(
                f"--format: {fmt!r} is not an export format; use {' or '.join(FORMATS)}"
            )
        actor = actor_named(as_user)
        export = EXPORTERS[kind]
        if output is None:
            self._write_stdout(export, actor=actor, fmt=fmt)
            return
        count = self._write_file(export, output, actor=actor, fmt=fmt)
        self.stdout.write(f"{count} {kind} written to {output}")

    def _write_stdout(self, export, *, actor: Actor, fmt: str) -> None:
        try:
            export(actor=actor, fmt=fmt, out=self.stdout._out)
        except BrokenPipeError:
            # The reader stopped early (`| head`): not an error. Point stdout at /dev/null so
            # Python's flush at exit does not fail again (as the Python docs advise).
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())

    def _write_file(self, export, output: Path, *, actor: Actor, fmt: str) -> int:
        """Write next to `output`, then rename: an interrupted export leaves no half file."""
        if not output.resolve().parent.is_dir():
            raise UserFacingError(f"--output: the folder {output.parent} does not exist")
        fd, temp_name = tempfile.mkstemp(
            dir=output.resolve().parent, prefix=f".{output.name}.", suffix=".tmp"
        )
        try:
            with open(fd, "w", encoding="utf-8", newline="") as out:
                count = export(actor=actor, fmt=fmt, out=out)
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(temp_name, 0o666 & ~umask)  # mkstemp makes it private; a normal file is wanted
            os.replace(temp_name, output)
        finally:
            Path(temp_name).unlink(missing_ok=True)
        return count
