"""``python -m personalize_local`` is ``personalize-local``."""

import sys

from personalize_local.cli import main

sys.exit(main())
