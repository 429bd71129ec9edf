"""The dashboard's own heart trace (vagal.ui.trace_buffer) against a plain reference.

The reference below is the simplest possible reading of the rules (a list of points, a
filter by time on every read), written for this test; the buffer must give exactly its
points while slicing by position and keeping a bounded store.
"""

from __future__ import annotations

import math
from collections import deque

import numpy as np
import numpy.typing as npt
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vagal.events import Beat, Event, Gap, HeartRateOnly, Marker
from vagal.ui.trace_buffer import TRACE_S, TraceBuffer

FloatArray = npt.NDArray[np.float64]


class Reference:
    """What the trace shows, the slow and obvious way."""

    def __init__(self, maxlen: int) -> None:
        self.points: deque[tuple[float, float]] = deque(maxlen=maxlen)
        self.last: float | None = None

    def add(self, e: Event) -> None:
        if isinstance(e, Beat):
            if not (math.isfinite(e.t_s) and math.isfinite(e.rr_ms) and e.rr_ms > 0):
                return
            if self.last is not None and e.t_s <= self.last:
                return
            if self.last is not None and e.t_s - self.last > 1.0 + e.rr_ms / 1000.0:
                self.points.append((self.last, math.nan))
            self.last = e.t_s
            self.points.append((e.t_s, e.rr_ms))
        elif isinstance(e, Gap):
            self.points.append((e.start_s, math.nan))
            if self.last is None or e.end_s > self.last:
                self.last = e.end_s
        elif isinstance(e, HeartRateOnly) and e.hr_bpm > 0 and (self.last is None or e.t_s - self.last > 5.0):
            self.points.append((e.t_s, 60000.0 / e.hr_bpm))

    def rr(self, span_s: float, now_s: float, gap_started_s: float | None) -> tuple[FloatArray, FloatArray]:
        pts = [p for p in self.points if p[0] >= now_s - span_s]
        if gap_started_s is not None and pts and not math.isnan(pts[-1][1]):
            pts.append((gap_started_s, math.nan))
        return np.array([p[0] for p in pts]), np.array([p[1] for p in pts])


def _same(a: tuple[FloatArray, FloatArray], b: tuple[FloatArray, FloatArray]) -> None:
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])  # NaN where NaN


_EVENT = st.one_of(
    st.tuples(st.just("beat"), st.floats(200.0, 2500.0)),
    st.tuples(st.just("late"), st.floats(2.0, 40.0)),
    st.tuples(st.just("back"), st.floats(0.0, 3.0)),
    st.tuples(st.just("junk"), st.sampled_from([math.nan, math.inf, 0.0, -3.0])),
    st.tuples(st.just("gap"), st.floats(0.5, 60.0)),
    st.tuples(st.just("gap-back"), st.floats(0.1, 30.0)),  # a contact loss reported after its beats
    st.tuples(st.just("hr"), st.integers(0, 200)),
    st.tuples(st.just("marker"), st.just(0.0)),
)


@settings(max_examples=150, deadline=None)
@given(st.lists(_EVENT, min_size=1, max_size=200), st.floats(1.0, 700.0), st.booleans(), st.integers(8, 64))
def test_the_trace_is_the_reference_on_any_event_stream(
    steps: list[tuple[str, float]], span_s: float, dropping: bool, maxlen: int
) -> None:
    trace = TraceBuffer()
    trace.maxlen = maxlen  # small, so the bound and the compaction are exercised too
    trace._cap = 2 * maxlen
    ref = Reference(maxlen)
    t = 0.0
    for kind, x in steps:
        if kind == "beat":
            t += x / 1000.0
            event: Event = Beat(t, x)
        elif kind == "late":
            t += x
            event = Beat(t, 900.0)
        elif kind == "back":
            event = Beat(t - x, 900.0)
        elif kind == "junk":
            event = Beat(t + 0.5, x)
        elif kind == "gap":
            event = Gap(t, t + x, "disconnected")
            t += x
        elif kind == "gap-back":
            event = Gap(t - x, t + 1.0, "contact_lost")
            t += 1.0
        elif kind == "hr":
            t += 1.0
            event = HeartRateOnly(t, int(x))
        else:
            event = Marker(t, "m")
        trace.add(event)
        ref.add(event)
        assert len(trace) == len(ref.points) <= maxlen
    gap_started = t - 1.0 if dropping else None
    _same(trace.rr(span_s, now_s=t, gap_started_s=gap_started), ref.rr(span_s, t, gap_started))
    t_hr, hr = trace.hr(span_s, now_s=t, gap_started_s=gap_started)
    t_ref, rr_ref = ref.rr(span_s, t, gap_started)
    np.testing.assert_array_equal(t_hr, t_ref)
    with np.errstate(divide="ignore", invalid="ignore"):
        np.testing.assert_array_equal(hr, 60000.0 / rr_ref)


def test_a_redraw_gets_views_of_the_store_and_the_store_stays_bounded(nsr_1h: FloatArray) -> None:
    """Real beats for three hours: the buffer holds what 600 s can hold at 240 bpm, and the
    90 s the widget draws come back as slices of the store, not copies."""
    trace = TraceBuffer()
    t = np.cumsum(np.tile(nsr_1h, 3)) / 1000.0
    for ti, rr in zip(t.tolist(), np.tile(nsr_1h, 3).tolist(), strict=True):
        trace.add(Beat(ti, rr))
    assert len(trace) == trace.maxlen == int(TRACE_S * 1000 / 250) + 64
    ts, rr_ms = trace.rr(90.0, now_s=float(t[-1]))
    assert trace._t is not None and np.shares_memory(ts, trace._t) and np.shares_memory(rr_ms, trace._v)
    inside = t >= t[-1] - 90.0
    np.testing.assert_array_equal(ts, t[inside])
    np.testing.assert_array_equal(rr_ms, np.tile(nsr_1h, 3)[inside])


def test_heart_rate_is_the_beats_own(nsr_5min: FloatArray) -> None:
    trace = TraceBuffer()
    t = np.cumsum(nsr_5min) / 1000.0
    for ti, rr in zip(t.tolist(), nsr_5min.tolist(), strict=True):
        trace.add(Beat(ti, rr))
    ts, hr = trace.hr(600.0, now_s=float(t[-1]))
    np.testing.assert_array_equal(ts, t)
    assert hr == pytest.approx(60000.0 / nsr_5min, rel=1e-15)
    trace.clear()
    assert len(trace) == 0 and trace.hr(600.0, now_s=float(t[-1]))[0].size == 0
