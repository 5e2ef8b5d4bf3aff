"""``python -m matchmaker.demo [OUT_DIR]``: write the demo workspace (default ``data/demo``)."""

import sys

from matchmaker.demo.generate import main

sys.exit(main())
