"""``python -m collapse``: see :mod:`collapse.cli`."""

import sys

from .cli import main

sys.exit(main())
