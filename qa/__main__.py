"""`python -m qa ...` is the `seedqa` command."""

import sys

from qa.cli import main

sys.exit(main())
