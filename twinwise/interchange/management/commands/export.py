"""`twinwise export partnerships [--format csv|jsonl] [--as USER] [--output PATH]`."""

import os
import sys
import tempfile
from pathlib import Path

from django.contrib.auth import get_user_model

from twinwise.access.actors import Actor
from twinwise.core.errors import UserFacingError
from twinwise.core.management.base import TwinwiseCommand
from twinwise.interchange.exporters import FORMATS, export_partnerships

KINDS = ("partnerships",)


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
        "Write the partnerships a user may see as CSV or JSON Lines (INTERCHANGE.md) to "
        "standard output or a file. Without --as: only what anyone may see (TLP:CLEAR)."
    )

    def add_arguments(self, parser):
        # kind and --format are checked in run(), not by argparse choices, so a bad value
        # gives the one-line error every twinwise command gives.
        parser.add_argument("kind", help="what to export: partnerships")
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
        if output is None:
            self._write_stdout(actor=actor, fmt=fmt)
            return
        count = self._write_file(output, actor=actor, fmt=fmt)
        self.stdout.write(f"{count} partnerships written to {output}")

    def _write_stdout(self, *, actor: Actor, fmt: str) -> None:
        try:
            export_partnerships(actor=actor, fmt=fmt, out=self.stdout._out)
        except BrokenPipeError:
            # The reader stopped early (`| head`): not an error. Point stdout at /dev/null so
            # Python's flush at exit does not fail again (as the Python docs advise).
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())

    def _write_file(self, output: Path, *, actor: Actor, fmt: str) -> int:
        """Write next to `output`, then rename: an interrupted export leaves no half file."""
        if not output.resolve().parent.is_dir():
            raise UserFacingError(f"--output: the folder {output.parent} does not exist")
        fd, temp_name = tempfile.mkstemp(
            dir=output.resolve().parent, prefix=f".{output.name}.", suffix=".tmp"
        )
        try:
            with open(fd, "w", encoding="utf-8", newline="") as out:
                count = export_partnerships(actor=actor, fmt=fmt, out=out)
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(temp_name, 0o666 & ~umask)  # mkstemp makes it private; a normal file is wanted
            os.replace(temp_name, output)
        finally:
            Path(temp_name).unlink(missing_ok=True)
        return count
