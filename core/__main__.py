"""`python -m core ...`: the command line over the same engine the pages use."""

import sys

from core.cli import main

sys.exit(main())
