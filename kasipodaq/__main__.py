"""The `kasipodaq` console script: Django's management commands for this project.

Commands are typed with dashes (`kasipodaq create-token`); their modules use
underscores, as Python requires.
"""

import os
import sys


def command_line(argv: list[str]) -> list[str]:
    if len(argv) > 1 and not argv[1].startswith("-"):
        argv = [argv[0], argv[1].replace("-", "_"), *argv[2:]]
    return argv


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    from django.core.management import execute_from_command_line

    execute_from_command_line(command_line(sys.argv))


if __name__ == "__main__":
    main()
