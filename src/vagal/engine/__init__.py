"""The live engine: events in, snapshots out, stepped by hand, with no clock of its own.

Plain Python, no Textual, no bleak, no sleeping; numpy and scipy only at the first
spectral recompute. :class:`vagal.engine.core.Engine` folds events and composes its rooms:

* :mod:`vagal.engine.timedomain`: the beat windows and the link (contact, drop-outs, gaps);
* :mod:`vagal.engine.spectral_metrics`: LF/HF, coherence, breathing rate, RSA, synchrony;
* :mod:`vagal.engine.summary`: the whole-session totals;
* :mod:`vagal.engine.build`: the :class:`~vagal.engine.snapshot.Snapshot` and its words.

Beside them: :mod:`vagal.engine.driver` (the thin async loop source → engine → sinks),
:mod:`vagal.engine.live_artifacts` (the causal beat classifier), :mod:`vagal.engine.rings`
(O(1) running window statistics), :mod:`vagal.hrv.live_spectral` and :mod:`vagal.hrv.breath`
(the live fast path of the core's spectral and breath maths). See
:mod:`vagal.engine.snapshot` for what the engine promises.
"""

from __future__ import annotations
