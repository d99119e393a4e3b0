"""``python -m nemoml.cli``: the same as the ``nemoml`` command."""

import sys

from nemoml.cli import main

sys.exit(main())
