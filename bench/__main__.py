"""`python -m bench`: the quick benchmark set; `python -m bench --full` for everything."""

import sys

from bench.run import main

sys.exit(main())
