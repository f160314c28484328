"""``python -m parley``: the same as the ``parley`` command."""

import sys

from parley.cli import main

if __name__ == "__main__":
    sys.exit(main())
