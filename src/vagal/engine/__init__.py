"""The live engine: beats in, metrics and events out, with an injectable clock.

Plain Python, no Textual, no bleak, no sleeping. See :mod:`vagal.engine.snapshot` for
what it produces.
"""

from __future__ import annotations
