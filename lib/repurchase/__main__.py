"""``python -m repurchase``: see :mod:`repurchase.cli`."""

import sys

from repurchase.publish.cli import main

sys.exit(main())
