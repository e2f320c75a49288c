#!/usr/bin/env python
"""`python manage.py …` works as well as the `twinwise` command."""

import sys

from twinwise.cli import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
