"""``python -m emulator`` is ``personalize-local``."""

import sys

from emulator.cli import main

sys.exit(main())
