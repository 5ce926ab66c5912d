"""``python -m repurchase``: see :mod:`repurchase.cli`."""

import sys

from .cli import main

sys.exit(main())
