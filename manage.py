#!/usr/bin/env python
"""Django's manage.py; `twinning` (the console script) does the same with friendlier names."""

import sys

from twinning.config.cli import main

if __name__ == "__main__":
    main(sys.argv)
