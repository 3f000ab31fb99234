"""The `twinning` command: Django's management commands under the project's name.

`twinning run` serves the platform; every other word is a management command
(`twinning load-programme`, `twinning import-regions FILE`, `twinning migrate`, ...).
Dashes and underscores are interchangeable in command names.
"""

import os
import sys

from django.core.management import execute_from_command_line

ALIASES = {"run": "runserver"}


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "twinning.config.settings")
    args = list(sys.argv if argv is None else argv)
    if len(args) > 1 and not args[1].startswith("-"):
        args[1] = ALIASES.get(args[1], args[1].replace("-", "_"))
    execute_from_command_line(args)


if __name__ == "__main__":
    main()
