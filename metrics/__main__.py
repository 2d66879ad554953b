"""``python -m metrics``: the same CLI as the ``jar`` console script."""

from metrics.cli import main

raise SystemExit(main())
