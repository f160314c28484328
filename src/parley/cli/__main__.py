"""``python -m parley.cli``: the same as the ``parley`` command."""

import sys

from parley.cli import program

sys.exit(program())
