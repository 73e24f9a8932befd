"""`python -m mlcrew` is the same as the `mlcrew` command."""

import sys

from mlcrew.cli import main

sys.exit(main())
