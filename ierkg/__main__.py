"""`python -m ierkg` is the same as the `ierkg` command."""

import sys

from .cli import main

sys.exit(main())
