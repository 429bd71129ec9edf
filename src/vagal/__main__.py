"""``python -m vagal``: the same entry point as the ``vagal`` console script."""

from __future__ import annotations

from vagal.cli import main

raise SystemExit(main())
