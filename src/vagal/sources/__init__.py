"""Beat sources: the strap (bleak), the simulator, and replayed files, behind one interface.

Import the concrete sources from their modules (``vagal.sources.simulated`` …) or build
them with :func:`vagal.sources.factory.make_source`; this package imports nothing heavy.
"""

from __future__ import annotations

from vagal.sources.base import BeatSource

__all__ = ["BeatSource"]
