"""`python -m usikit` runs the command line."""

import sys

from usikit.cli import main

sys.exit(main())
