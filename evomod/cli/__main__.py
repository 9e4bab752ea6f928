"""``python -m evomod.cli``."""

import sys

from evomod.cli import main

sys.exit(main())
