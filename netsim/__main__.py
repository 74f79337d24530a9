"""``python -m netsim`` = the ``netsim`` command."""

import sys

from netsim.cli import console

sys.exit(console())
