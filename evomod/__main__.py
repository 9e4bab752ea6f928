"""``python -m evomod``."""

import sys

from evomod.cli import main

sys.exit(main())
