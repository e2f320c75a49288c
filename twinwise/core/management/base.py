"""Base for twinwise commands: bad input → one line on stderr and exit code 2."""

import sys

from django.core.management.base import BaseCommand

from twinwise.access.policy import PermissionDenied
from twinwise.core.errors import UserFacingError


class TwinwiseCommand(BaseCommand):
    """Subclasses define `run()`; this turns user-facing errors into `twinwise: error: …` and exit 2."""

    def handle(self, *args, **options):
        try:
            return self.run(*args, **options)
        except (UserFacingError, PermissionDenied) as exc:
            self.stderr.write(f"twinwise: error: {exc}")
            sys.exit(2)
        except OSError as exc:
            self.stderr.write(
                f"twinwise: error: {exc.strerror or exc}: {getattr(exc, 'filename', '') or ''}".rstrip(
                    ": "
                )
            )
            sys.exit(2)
