"""The dashboard's own heart-rate/RR trace, kept from the events it receives.

Design decision: the scrolling trace is the dashboard's business, not the engine's. The
app feeds this buffer with the same events the engine folds (``add(event)`` from the
driver's ``on_event``) and reads the last stretch of it when it redraws. It is bounded
(the last :data:`TRACE_S` seconds at most, sized for 240 bpm) and kept in two preallocated
float arrays, so a redraw slices the stretch it needs by position (a binary search on the
times) and hands the trace widget array views: no scan of the whole buffer and no Python
lists, every half second.

What is drawn is what the engine would show as heart rate: every beat with a number and
later than the one before (settling beats too), NaN where the data breaks (a gap, a jump
in the beat times, a drop-out under way), and, for straps that send heart rate without
RR intervals, the interval their heart rate implies (display only, never a metric).

Pure Python and numpy (imported on first use); no Textual, so it is tested on its own.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Final, Literal

from vagal.events import Beat, Event, Gap, HeartRateOnly

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    FloatArray = npt.NDArray[np.float64]

TRACE_S: Final = 600.0
"""How much heart-rate/RR trace is kept for the dashboard, seconds."""
MIN_RR_MS: Final = 250.0
"""Shortest RR the buffer is sized for (240 bpm)."""
NO_DATA_S: Final = 5.0
"""A strap's heart rate without RR is drawn only when no beat came for this long (the engine's drop-out)."""
JUMP_TOLERANCE_S: Final = 1.0
"""A beat that does not join the one before within this is after a break: the line breaks there."""

TraceKind = Literal["hr", "rr"]


class TraceBuffer:
    """The recent (t_s, rr_ms) points the dashboard's trace draws, NaN where the data breaks.

    Args:
        trace_s: Seconds the buffer is sized for (the points of ``trace_s`` at 240 bpm).
    """

    def __init__(self, trace_s: float = TRACE_S) -> None:
        if not trace_s > 0:
            raise ValueError(f"trace_s must be > 0 seconds, got {trace_s=}")
        self.trace_s = trace_s
        self.maxlen = int(trace_s * 1000.0 / MIN_RR_MS) + 64
        """The most points kept (the oldest go first)."""
        self._cap = 2 * self.maxlen
        self._t: FloatArray | None = None
        self._v: FloatArray | None = None
        self._tmax: FloatArray | None = None
        """Running maximum of the times, so a search by time works though a break point may
        lie a little before the beat drawn just ahead of it."""
        self._lo = 0
        self._hi = 0
        self._last_beat_t: float | None = None

    def __len__(self) -> int:
        return self._hi - self._lo

    def clear(self) -> None:
        """Forget every point (a replay that jumps back starts its trace afresh)."""
        self._lo = self._hi = 0
        self._last_beat_t = None

    def add(self, event: Event) -> None:
        """Take one event, in time order (the ones that are not drawn are ignored)."""
        if isinstance(event, Beat):
            t, rr = event.t_s, event.rr_ms
            if not (math.isfinite(t) and math.isfinite(rr) and rr > 0):
                return  # not a number: never shown as a heart rate
            last = self._last_beat_t
            if last is not None and t <= last:
                return  # not after the previous beat: bad data, not drawn
            self._last_beat_t = t
            if last is not None and t - last > JUMP_TOLERANCE_S + rr / 1000.0:
                self._append(last, math.nan)
            self._append(t, rr)
        elif isinstance(event, Gap):
            self._append(event.start_s, math.nan)
            if self._last_beat_t is None or event.end_s > self._last_beat_t:
                self._last_beat_t = event.end_s
        elif isinstance(event, HeartRateOnly):
            last = self._last_beat_t
            if event.hr_bpm > 0 and (last is None or event.t_s - last > NO_DATA_S):
                self._append(event.t_s, 60000.0 / event.hr_bpm)

    def rr(
        self, span_s: float, *, now_s: float, gap_started_s: float | None = None
    ) -> tuple[FloatArray, FloatArray]:
        """The RR intervals of the last ``span_s`` seconds: ``(t_s, rr_ms)``, NaN where it breaks.

        Args:
            span_s: Seconds back from ``now_s``.
            now_s: Session time of the right edge.
            gap_started_s: When a drop-out under way began (the line ends there); None: data flows.

        Returns:
            Views of the buffer where possible (do not change them).
        """
        import numpy as np

        t, v = self._tail(now_s - span_s)
        if gap_started_s is not None and v.size and not math.isnan(v[-1]):
            t = np.append(t, gap_started_s)
            v = np.append(v, math.nan)
        return t, v

    def hr(
        self, span_s: float, *, now_s: float, gap_started_s: float | None = None
    ) -> tuple[FloatArray, FloatArray]:
        """The instantaneous heart rate of the last ``span_s`` seconds: ``(t_s, hr_bpm)``, NaN at breaks."""
        import numpy as np

        t, rr = self.rr(span_s, now_s=now_s, gap_started_s=gap_started_s)
        with np.errstate(divide="ignore", invalid="ignore"):
            return t, 60000.0 / rr

    def series(
        self, kind: TraceKind, span_s: float, *, now_s: float, gap_started_s: float | None = None
    ) -> tuple[FloatArray, FloatArray]:
        """:meth:`hr` or :meth:`rr`, by ``kind``."""
        if kind == "hr":
            return self.hr(span_s, now_s=now_s, gap_started_s=gap_started_s)
        return self.rr(span_s, now_s=now_s, gap_started_s=gap_started_s)

    # -- storage ---------------------------------------------------------------------------

    def _append(self, t_s: float, value: float) -> None:
        import numpy as np

        if self._t is None or self._v is None or self._tmax is None:
            self._t = np.empty(self._cap, dtype=np.float64)
            self._v = np.empty(self._cap, dtype=np.float64)
            self._tmax = np.empty(self._cap, dtype=np.float64)
        if self._hi == self._cap:
            # Full: move the newest points to the front (amortised O(1) a point).
            keep = self._hi - self._lo
            for arr in (self._t, self._v, self._tmax):
                arr[:keep] = arr[self._lo : self._hi]
            self._lo, self._hi = 0, keep
        i = self._hi
        self._t[i] = t_s
        self._v[i] = value
        self._tmax[i] = t_s if i == self._lo or t_s > self._tmax[i - 1] else self._tmax[i - 1]
        self._hi = i + 1
        if self._hi - self._lo > self.maxlen:
            self._lo += 1

    def _tail(self, cut_s: float) -> tuple[FloatArray, FloatArray]:
        """The points with ``t_s >= cut_s``, by position."""
        import numpy as np

        if self._t is None or self._v is None or self._tmax is None or self._hi == self._lo:
            empty = np.empty(0, dtype=np.float64)
            return empty, empty
        lo, hi = self._lo, self._hi
        # Every point before the first whose running maximum reaches the cut lies before it.
        start = lo + int(np.searchsorted(self._tmax[lo:hi], cut_s, side="left"))
        t, v = self._t[start:hi], self._v[start:hi]
        if t.size and t.min() < cut_s:
            keep = t >= cut_s  # a break point a little before the beat ahead of it: rare
            t, v = t[keep], v[keep]
        return t, v


__all__ = ["TRACE_S", "TraceBuffer", "TraceKind"]
