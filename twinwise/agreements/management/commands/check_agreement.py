"""`twinwise check-agreement PATH [--format json|text] [--lang xx]` (INTERCHANGE.md)."""

import json
import sys
from pathlib import Path

from twinwise.agreements import extraction
from twinwise.agreements.report import UnsupportedLanguage, as_text, check_or_refuse
from twinwise.core.errors import UserFacingError
from twinwise.core.management.base import TwinwiseCommand

FORMATS = ("json", "text")


def read_limited(path: str) -> tuple[bytes, str]:
    """The bytes of PATH (or standard input for "-"), refusing more than the limit unread."""
    limit = extraction.max_bytes()
    if path == "-":
        data = sys.stdin.buffer.read(limit + 1)
        name = "stdin.txt"
    else:
        file = Path(path)
        if file.is_dir():
            raise UserFacingError(f"{path} is a directory, not a document")
        if file.stat().st_size > limit:
            raise extraction.too_large()
        with file.open("rb") as handle:
            data = handle.read(limit + 1)
        name = file.name
    if len(data) > limit:
        raise extraction.too_large()
    return data, name


class Command(TwinwiseCommand):
    help = (
        "Check an agreement (.txt, .md, .pdf, .docx; '-' reads text from standard input) "
        "clause by clause for the risks of TAXONOMY.md. Exit code 0 whether or not risks "
        "are found, 2 on unreadable input. Nothing is stored."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="the document, or - for standard input")
        parser.add_argument("--format", dest="fmt", default="json", help="json (default) or text")
        parser.add_argument(
            "--lang",
            default=None,
            help="the document's language (en, de, fr, es, it) if not detected",
        )

    def run(self, *args, path, fmt, lang, **options):
        if fmt not in FORMATS:
            raise UserFacingError(f"--format: {fmt!r} is not a format; use json or text")
        data, name = read_limited(path)
        document = extraction.extract(data, name=name)
        try:
            result = check_or_refuse(document, lang=lang)
        except UnsupportedLanguage as exc:
            # Still show the segmented document, then fail with the one-line reason.
            self._write(exc.result.report, fmt)
            raise
        self._write(result.report, fmt)

    def _write(self, report: dict, fmt: str) -> None:
        if fmt == "json":
            self.stdout.write(json.dumps(report, ensure_ascii=False, indent=1))
        else:
            self.stdout.write(as_text(report), ending="")
