"""``python -m parley``: the same as the ``parley`` command."""

import sys

from parley.cli import program

if __name__ == "__main__":
    sys.exit(program())
