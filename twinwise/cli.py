"""The `twinwise` console command: a thin front to Django's management commands.

`twinwise import partnerships PATH` maps to the `import` management command, `twinwise
check-agreement …` to `check_agreement`; every other word is passed to Django as is.
"""

import os
import sys


def _command_name(word: str) -> str:
    return word.replace("-", "_")


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "twinwise.settings.dev")
    from django.core.management import execute_from_command_line

    if args and not args[0].startswith("-"):
        args[0] = _command_name(args[0])
    execute_from_command_line(["twinwise", *args])
    return 0


if __name__ == "__main__":
    sys.exit(main())
