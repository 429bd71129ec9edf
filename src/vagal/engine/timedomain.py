"""The time-domain room: the beat windows, and whether data is flowing (gaps and contact).

Two small state holders the :class:`~vagal.engine.core.Engine` composes:

* :class:`TimeDomain` holds what each beat updates: the causal artifact classifier
  (:mod:`vagal.engine.live_artifacts`, two beats of delay), the RMSSD/SDNN/pNN50 window
  (:class:`~vagal.engine.rings.WindowStats`, O(1) a beat), the accepted NN of the current
  segment that the spectral windows read, and the latest beat for the heart-rate number.
  Everything is bounded by the windows, so memory is flat over a day of beats.
* :class:`Continuity` holds the link: skin contact, the source's state, the drop-out
  under way and the gaps counted so far. A gap resets every window (no metric is ever
  computed across one); the counts stay.

Neither knows about events or words: the engine decides what an event means, and
:mod:`vagal.engine.build` says it to a person.

References:
    docs/methods.md §1.1 (windows), §5.3 (artifacts), §7.3 (live defaults).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING

from vagal.engine.live_artifacts import RR_MAX_MS, RR_MIN_MS, CausalArtifactDetector
from vagal.engine.rings import WindowStats

if TYPE_CHECKING:
    from vagal.engine.live_artifacts import BeatKind, Verdict
    from vagal.engine.summary import SessionTotals
    from vagal.events import SourceStateName

VerdictListener = Callable[[float, float, "BeatKind"], None]
"""Told of every decided beat: ``(t_s, rr_ms, kind)`` (tests, a recorder of decisions)."""


class TimeDomain:
    """The beat-by-beat windows of one segment (since the last gap).

    Args:
        window_s: The RMSSD/SDNN/pNN50 window, seconds.
        span_s: How much accepted NN to keep for the spectral windows, seconds.
        smooth_beats: Beats averaged for the smoothed heart rate.
        totals: The session totals every accepted NN and flagged beat is added to.
        on_verdict: Told of every decided beat.
    """

    __slots__ = (
        "detector",
        "flagged",
        "last_commit_t",
        "last_hr_strap",
        "last_ok_rr",
        "last_rr",
        "last_settling",
        "nn",
        "on_verdict",
        "recent_hr",
        "seg_start_s",
        "span_s",
        "stats",
        "totals",
        "window_s",
    )

    def __init__(
        self,
        window_s: float,
        span_s: float,
        smooth_beats: int,
        totals: SessionTotals,
        on_verdict: VerdictListener | None = None,
    ) -> None:
        self.window_s = window_s
        self.span_s = span_s
        self.totals = totals
        self.on_verdict = on_verdict
        self.stats = WindowStats(window_s)
        self.detector = CausalArtifactDetector()
        self.nn: deque[tuple[float, float]] = deque()
        """Accepted NN (t_s, rr_ms) of the current segment, for the spectral windows."""
        self.flagged: deque[float] = deque()
        """Times of flagged beats still inside the time-domain window."""
        self.seg_start_s: float | None = None
        """Start of the first accepted interval of the current segment (None: nothing yet)."""
        self.last_ok_rr: float | None = None
        """The last committed NN when the next one may form a difference with it."""
        self.last_commit_t: float | None = None
        self.recent_hr: deque[float] = deque(maxlen=smooth_beats)
        """The last beats' heart rates (bpm) for the big number."""
        self.last_rr: float | None = None
        """The last beat's RR (ms), shown as heart rate even while settling."""
        self.last_hr_strap: int | None = None
        """The strap's own heart-rate value, for straps without RR."""
        self.last_settling = False
        """True while the strap is settling (or without contact): shown, not analysed."""

    def reset(self) -> None:
        """No metric across a gap: forget every window (the session totals stay)."""
        self.detector.reset()
        self.stats.reset()
        self.nn.clear()
        self.flagged.clear()
        self.recent_hr.clear()
        self.seg_start_s = None
        self.last_ok_rr = None
        self.last_commit_t = None

    def has_beats(self) -> bool:
        """True when any window holds a beat."""
        return bool(self.nn) or self.stats.n > 0

    def push(self, t_s: float, rr_ms: float) -> None:
        """Classify one steady beat and commit what the classifier decided (two beats later)."""
        if RR_MIN_MS <= rr_ms <= RR_MAX_MS:
            self.recent_hr.append(60000.0 / rr_ms)
        self.commit(self.detector.push(t_s, rr_ms))

    def flush(self) -> None:
        """Commit the beats the classifier still holds (the session ended)."""
        self.commit(self.detector.flush())

    def commit(self, verdicts: list[Verdict]) -> None:
        """Add decided beats: accepted ones to every window and the totals, flagged ones counted."""
        totals = self.totals
        for t, rr, kind, brk in verdicts:
            cb = self.on_verdict
            if cb is not None:
                cb(t, rr, kind)
            if kind == "merged":
                totals.note(kind)
            elif kind != "ok":
                totals.flag(kind)
                self.flagged.append(t)
                self.last_ok_rr = None
                continue
            if self.seg_start_s is None:
                self.seg_start_s = t - rr / 1000.0
            prev = None if brk else self.last_ok_rr
            self.stats.add(t, rr, prev_rr_ms=prev)
            totals.add_nn(rr, prev)
            self.last_ok_rr = rr
            self.last_commit_t = t
            nn = self.nn
            nn.append((t, rr))
            cut = t - self.span_s
            while nn and nn[0][0] < cut:
                nn.popleft()
        if verdicts:
            cut = verdicts[-1][0] - self.window_s
            fl = self.flagged
            while fl and fl[0] <= cut:
                fl.popleft()

    def covered_s(self) -> float:
        """Seconds of steady beats behind the current window (since the last gap)."""
        if self.seg_start_s is None or self.last_commit_t is None:
            return 0.0
        return self.last_commit_t - self.seg_start_s


class Continuity:
    """Whether data flows: contact, the source's state, the drop-out under way, the gaps so far."""

    __slots__ = (
        "after_gap_event",
        "contact",
        "gap_started_s",
        "gap_total_s",
        "gaps",
        "last_beat_t",
        "source_state",
    )

    def __init__(self) -> None:
        self.contact: bool | None = None
        """Skin contact as the strap last reported it (None: it does not say)."""
        self.source_state: SourceStateName = "connecting"
        self.gap_started_s: float | None = None
        """When the current drop-out or contact loss began; None while data flows."""
        self.gaps = 0
        """Gaps so far (drop-outs, contact losses, jumps in the beat time axis)."""
        self.gap_total_s = 0.0
        """Their total length, seconds."""
        self.after_gap_event = False
        """True from a Gap event until the next beat: a late first beat is the same gap."""
        self.last_beat_t: float | None = None
        """Time of the last beat (or the end of the last gap): where the next beat continues."""

    def count_gap(self, start_s: float, end_s: float) -> None:
        """One more gap, from ``start_s`` to ``end_s``."""
        self.gaps += 1
        self.gap_total_s += max(0.0, end_s - start_s)

    def pause_at(self, t_s: float) -> None:
        """Data stopped at ``t_s`` (unless a drop-out is already under way)."""
        if self.gap_started_s is None:
            self.gap_started_s = t_s


__all__ = ["Continuity", "TimeDomain", "VerdictListener"]
