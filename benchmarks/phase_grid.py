"""The phase diagrams' grids, computed by the sweep code and shipped as small files.

    python benchmarks/phase_grid.py [FAMILY ...] [--jobs -1]

The same as ``python -m collapse.phase``: see :mod:`collapse.phase` for each
family's grid (synthetic fraction 0, 0.1, ..., 1 x several sample sizes) and
settings. Prints each file's size and the time it took.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout

from collapse.phase import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
