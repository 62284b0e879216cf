"""`python -m bot` is the same as `newsbrief`."""

import sys

from bot.cli import main

sys.exit(main())
