"""The one rule for RR plausibility and artifact thresholds, shared by batch and live.

Design decision: the batch corrector (:mod:`vagal.hrv.artifacts`) and the live classifier
(:mod:`vagal.engine.live_artifacts`) judge beats by the same constants, defined here once. This
module holds numbers only and imports nothing, because the live engine must stay free of
numpy at import time (``vagal.engine.core`` is checked for that); ``vagal.hrv`` re-exports
these names, so the HRV core is where they are documented and used (docs/methods.md §5.4).
"""

from __future__ import annotations

from typing import Final

RR_MIN_MS: Final = 200.0
"""Shortest RR that can be one heartbeat: 200 ms is 300 bpm.

No human sinus rhythm comes near it (maximal heart rates of healthy young people reach
about 200–220 bpm, 273–300 ms), so a shorter value is a double detection, not a beat: batch
merges it into the next interval, live rejects it. Between 200 ms and a person's own rhythm, the
Lipponen–Tarvainen detector judges the beat against the beats around it, which is a better
judge than a fixed bound: a fixed 300 ms (hrv-analysis' default) would refuse every beat of
a child or an athlete above 200 bpm.
"""
RR_MAX_MS: Final = 3000.0
"""Longest RR that can be one heartbeat: 3000 ms is 20 bpm.

Asymptomatic pauses of up to 3 s occur in healthy people, athletes and sleepers among them;
the 36th Bethesda Conference calls them "probably of no significance" and treats longer
ones as findings (Senturk et al. 2016 review the evidence; docs/methods.md §5.4). A longer value
in a recording of a person at rest is a drop-out and becomes a gap, never a beat. Intervals
below this that hold several beats (a strap or QRS detector missing beats) are found by
the missed-beat rules, which compare them with the person's own rhythm.
"""

ALPHA: Final = 5.2
"""Lipponen–Tarvainen threshold multiplier of the quartile deviation."""
C1: Final = 0.13
"""Slope of the ectopic decision boundary in the (dRR, S12) plane."""
C2: Final = 0.17
"""Offset of the ectopic decision boundary."""

THRESHOLD_FLOOR_MS: Final = 20.0
"""Floor of both Lipponen–Tarvainen thresholds (Th1 on dRR, Th2 on mRR), in ms.

The thresholds are 5.2 quartile deviations of the local spread. On a very steady record
quantised to the strap's or ECG's clock (1/1024 s ≈ 1 ms, 1/360 s ≈ 2.8 ms) the quartiles
of |dRR| sit on one or two quantisation steps, the threshold falls to a few ms and normal
beats (633 → 631 → 639 ms) are "corrected". 20 ms is seven 2.8 ms steps and below any
premature beat worth the name (an ectopic beat 10 % early at 200 bpm is 30 ms early).
Kubios' threshold-based correction has the same kind of floor: its strongest preset
("very strong") never flags a beat within 50 ms of the local average at 60 bpm.
"""

MISSED_MIN_RATIO: Final = 1.5
"""An interval is examined as holding missed beats when it is at least 1.5 times the local
rhythm (a real compensatory pause after a premature beat is at most about 1.5 times)."""
MISSED_MAX_BEATS: Final = 5
"""At most this many beats are recovered from one interval (4 missed beats: 2.45 s in a
490 ms rhythm). A longer interval is a drop-out: a gap, with no invented beats."""
EXTRA_MAX_RATIO: Final = 0.75
"""Two successive intervals each shorter than 0.75 times the local rhythm that add up to one
beat are one beat cut in two by a false detection (unless the cut falls within a quarter of
one end, when the Lipponen–Tarvainen extra-beat test finds it)."""
