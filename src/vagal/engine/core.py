"""The live engine: events in, :class:`~vagal.engine.snapshot.Snapshot` out, stepped by hand.

Design decisions:
* No clock of its own. Time comes from the events and from ``tick(t_s)``; the spectral
  metrics are recomputed on a timer of *session* time, so a replay at maximum speed gives
  exactly the numbers a real-time session would.
* :class:`Engine` only folds events: it decides what each event means and hands the work
  to its rooms, each a small class in its own module:

  - :mod:`vagal.engine.timedomain`: the beat windows (causal artifact classifier,
    RMSSD/SDNN/pNN50 window, the NN the spectral windows read) and the link (contact,
    source state, drop-outs and gaps);
  - :mod:`vagal.engine.spectral_metrics`: when to recompute LF/HF, coherence, breathing
    rate, RSA and phase synchrony, and the maths (the batch core's steps on the trailing
    windows);
  - :mod:`vagal.engine.summary`: whole-session running totals;
  - :mod:`vagal.engine.build`: the snapshot, with the words a person reads.

* Per beat the work is O(1), and everything kept is bounded by the windows, so memory is
  flat over a day of beats. An event that changes nothing a snapshot shows (a raw
  payload, a marker, a pacer change between recomputes) returns the previous snapshot
  object itself, so nothing downstream redraws for it.
* A gap (``Gap`` event, contact lost, a jump in the beat time axis) resets every window:
  no metric is ever computed across a gap. Settling beats and beats without contact are
  shown as heart rate but kept out of the metrics.
* The heart-rate trace the dashboard draws is not kept here: the dashboard keeps its own
  from the same events (``vagal.ui.trace_buffer``).

References:
    docs/methods.md §1.1, §2.6, §5.3, §6, §7.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from vagal.engine.build import MIN_TIME_DOMAIN_S, build_snapshot
from vagal.engine.snapshot import Snapshot
from vagal.engine.spectral_metrics import (
    BATCH,
    BREATH_WINDOW_S,
    COHERENCE_CHOICES_S,
    DEFAULT_COHERENCE_WINDOW_S,
    DEFAULT_SPECTRAL_EVERY_S,
    LF_HF_WINDOW_S,
    SPECTRAL_METRICS,
    PacerLike,
    Pending,
    SpectralMetrics,
    SpectralValues,
    recompute_one,
)
from vagal.engine.summary import SessionTotals
from vagal.engine.timedomain import Continuity, TimeDomain, VerdictListener
from vagal.events import (
    Beat,
    ContactChanged,
    Event,
    Gap,
    HeartRateOnly,
    Marker,
    PacerChanged,
    PayloadRejected,
    SourceState,
)

if TYPE_CHECKING:
    from vagal.engine.live_artifacts import BeatKind

DEFAULT_WINDOW_S: Final = 60.0
"""Live RMSSD/SDNN/pNN50 window (docs/methods.md §1.1: 60 s is the safe choice, 30 s usable)."""
WINDOW_CHOICES_S: Final = (30.0, 60.0, 300.0)
SMOOTH_BEATS: Final = 5
"""Heart rate for the big number: mean of the last 5 beats' rates (§1)."""
NO_DATA_S: Final = 5.0
"""With no beat for this long, ``tick`` shows a drop-out (the source reports the gap itself)."""
JUMP_TOLERANCE_S: Final = 1.0
"""A beat whose interval does not join the previous beat within this is after a gap."""
MAX_MARKERS: Final = 20
"""Markers the engine keeps for :attr:`Engine.markers` (the dashboard keeps its own list)."""


@dataclass(frozen=True, slots=True)
class EngineSettings:
    """Live analysis settings (defaults per docs/methods.md §7.3)."""

    window_s: float = DEFAULT_WINDOW_S
    """RMSSD/SDNN/pNN50/quality window, seconds: 30, 60 (default) or 300."""
    coherence_window_s: float = DEFAULT_COHERENCE_WINDOW_S
    """Coherence window, seconds: 64 (default) or 128."""
    spectral_every_s: float = DEFAULT_SPECTRAL_EVERY_S
    """How often (session seconds) the spectral metrics are recomputed, 1–5."""
    smooth_beats: int = SMOOTH_BEATS

    def __post_init__(self) -> None:
        if self.window_s not in WINDOW_CHOICES_S:
            raise ValueError(f"window_s must be one of {WINDOW_CHOICES_S}, got {self.window_s!r}")
        if self.coherence_window_s not in COHERENCE_CHOICES_S:
            raise ValueError(
                f"coherence_window_s must be one of {COHERENCE_CHOICES_S}, got {self.coherence_window_s!r}"
            )
        if not 0 < self.spectral_every_s <= 30:
            raise ValueError(f"spectral_every_s must be in (0, 30], got {self.spectral_every_s!r}")
        if self.smooth_beats < 1:
            raise ValueError(f"smooth_beats must be >= 1, got {self.smooth_beats!r}")


class Engine:
    """Folds events into live HRV metrics (see :mod:`vagal.engine.snapshot` for the contract).

    Args:
        settings: Analysis settings; defaults per docs/methods.md.
        pacer: The breathing pacer, when one runs (``vagal.pacer.Pacer``). Without it,
            the engine rebuilds one from ``PacerChanged`` events (a replayed session);
            with neither, RSA uses breath cycles detected in the data and phase
            synchrony has no value.
        batch: Make the spectral recomputes in batches (:mod:`vagal.engine.spectral_batch`):
            for a headless run at full speed, where nobody reads a snapshot between progress
            lines. Each due recompute keeps its inputs; reading a snapshot makes the latest
            one at once, and :meth:`summary`, a pacer change or a full batch makes the rest,
            in order. Every value (snapshots, ``summary``) is the same, bit for bit (tested).
    """

    def __init__(
        self, settings: EngineSettings | None = None, *, pacer: PacerLike | None = None, batch: bool = False
    ) -> None:
        self.settings = settings or EngineSettings()
        self._pacer = pacer
        self._batch = batch
        self._on_verdict: VerdictListener | None = None
        self._start()

    def _start(self) -> None:
        """Every room as new (used by ``__init__`` and :meth:`reset`)."""
        s = self.settings
        self._totals = SessionTotals()
        self._spectral = SpectralMetrics(s.coherence_window_s, s.spectral_every_s, self._pacer)
        self._td = TimeDomain(
            s.window_s, self._spectral.span_s, s.smooth_beats, self._totals, self._on_verdict
        )
        self._link = Continuity()
        self._markers: deque[tuple[float, str]] = deque(maxlen=MAX_MARKERS)
        self._t_s = 0.0
        self._snap = Snapshot()
        self._stale_at: float | None = None
        """Set by :meth:`fold`: the session time of a change not yet built into ``_snap``."""
        self._defer_before_s = -math.inf
        """Recomputes due before this session time are deferred (:meth:`replay_to`)."""
        self._pending: _Deferred | None = None
        """The latest deferred recompute: the only one a later snapshot could still show."""
        self._queue: list[Pending] = []
        """With ``batch``: the recomputes due and not yet added to the totals, in order."""

    # ------------------------------------------------------------------ public API

    @property
    def snapshot(self) -> Snapshot:
        """The latest snapshot (built here when :meth:`fold` left it out of date)."""
        if self._stale_at is not None:
            self._refresh()
        return self._snap

    @property
    def t_s(self) -> float:
        """Session time the engine has reached: the latest event or tick, seconds.

        A snapshot's ``t_s`` is the time of the last change it shows; this moves with
        every event, shown or not.
        """
        return self._t_s

    @property
    def pacer(self) -> PacerLike | None:
        """The pacer given at construction (None: recorded pacer changes are followed)."""
        return self._pacer

    @property
    def kinds(self) -> dict[BeatKind, int]:
        """Flagged beats by kind ("ectopic", "missed", "extra", "longshort", "range", "order"),
        and "merged": beats that carry an extra beat's half back (corrected, used)."""
        return self._totals.kinds

    @property
    def on_verdict(self) -> VerdictListener | None:
        """Optional ``callable(t_s, rr_ms, kind)`` told of every decided beat (tests, recorder).

        Kept by :meth:`reset`.
        """
        return self._on_verdict

    @on_verdict.setter
    def on_verdict(self, listener: VerdictListener | None) -> None:
        self._on_verdict = listener
        self._td.on_verdict = listener

    @property
    def markers(self) -> tuple[tuple[float, str], ...]:
        """The most recent markers (up to :data:`MAX_MARKERS`), (t_s, label), oldest first."""
        return tuple(self._markers)

    @property
    def gaps(self) -> int:
        """Gaps so far (drop-outs, contact losses, jumps in the beat time axis)."""
        return self._link.gaps

    def covered_s(self) -> float:
        """Seconds of steady beats behind the current window (since the last gap)."""
        return self._td.covered_s()

    def reset(self) -> None:
        """Forget every event and start afresh, with the same settings, pacer and ``on_verdict``.

        For a replay that jumps back: beats from before the jump must not sit in the
        windows beside beats from "later". A pacer followed from recorded events is
        forgotten too (the replay sends its changes again as it reaches them).
        """
        self._start()

    def push(self, event: Event) -> Snapshot:
        """Fold one event and return the snapshot after it.

        Args:
            event: Any :mod:`vagal.events` event, in time order.

        Returns:
            The snapshot after the event: the previous one itself when the event changed
            nothing it shows.
        """
        if self._fold(event):
            self._stale_at = None
            self._snap = self._build()
        elif self._stale_at is not None:
            self._refresh()
        return self._snap

    def fold(self, event: Event) -> None:
        """Fold one event without building its snapshot (a headless run at full speed).

        The same state as :meth:`push`; :attr:`snapshot` then builds the snapshot
        :meth:`push` would have returned after the last event, once, when it is read.
        """
        if self._fold(event):
            self._stale_at = self._t_s

    def _refresh(self) -> None:
        """Build the snapshot of the last change :meth:`fold` left out, with that change's time."""
        shown_at = self._stale_at
        self._stale_at = None
        if shown_at is None:
            return
        now = self._t_s
        self._t_s = shown_at
        try:
            self._snap = self._build()
        finally:
            self._t_s = now

    def replay_to(self, events: Iterable[Event], *, trends_from_s: float | None = None) -> Snapshot:
        """Start afresh and fold ``events``: the snapshot after the last, fast (seeking in a replay).

        Equal to :meth:`reset` followed by :meth:`push` of each event (tested on real
        recordings), but the snapshot is built once, at the end, and a spectral recompute
        due before ``trends_from_s`` is only made when it is the one a snapshot still
        shows: each due recompute keeps a copy of its inputs (the NN of the windows, about
        200 floats) and the next one, or a gap, makes it moot. A pacer change first makes
        the pending one, so it sees the pacer as it was. Recomputes from ``trends_from_s``
        on are made as they fall due.

        The difference shows only in :meth:`summary`: its spectral session means
        (``*_mean``) count the recomputes that were made.

        Args:
            events: Any :mod:`vagal.events` events, in time order (a session up to a point).
            trends_from_s: Session time from which every recompute is made (for a caller
                that also wants the session means from there on); None: only the last.

        Returns:
            The snapshot :meth:`push` would have returned after the last event
            (a fresh one for no events).
        """
        self.reset()
        self._defer_before_s = math.inf if trends_from_s is None else trends_from_s
        shown_at: float | None = None
        fold = self._fold
        try:
            for event in events:
                if fold(event):
                    shown_at = self._t_s
        finally:
            self._defer_before_s = -math.inf
            self._make_pending()
        if shown_at is not None:
            # Events after the last change (a marker, a pacer change) change nothing a
            # snapshot shows, but move the time on: the one-by-one snapshot is that of the
            # last change, built with its time.
            now = self._t_s
            self._t_s = shown_at
            try:
                self._snap = self._build()
            finally:
                self._t_s = now
        return self._snap

    def tick(self, t_s: float) -> Snapshot:
        """Advance session time without an event (the driver calls this every second).

        Recomputes the spectral metrics when their timer is due, and shows a drop-out when
        no beat has arrived for ``NO_DATA_S`` seconds.

        Returns:
            The snapshot: the previous one itself when nothing it shows changed.
        """
        link = self._link
        changed = False
        if link.last_beat_t is not None and link.gap_started_s is None and t_s - link.last_beat_t > NO_DATA_S:
            link.gap_started_s = link.last_beat_t
            changed = True
        if self._advance(t_s) or changed:
            self._stale_at = None
            self._snap = self._build()
        elif self._stale_at is not None:
            self._refresh()
        return self._snap

    def summary(self) -> dict[str, Any]:
        """Whole-session figures for the end-of-session summary.

        Returns:
            A dict: ``n_beats``, ``nn_beats`` (accepted), ``artifacts`` and ``artifact_kinds``,
            ``artifacts_pct`` (the same keys as ``vagal analyze --json`` where they mean the
            same), ``gaps``, ``gap_total_s``, ``mean_nn_ms``, ``mean_hr_bpm`` (60000 / mean
            NN), ``mean_inst_hr_bpm`` (mean of 60000 / NN), ``rmssd_ms`` (over every
            successive difference of the session; none spans a gap or a flagged beat), and
            the session means of the spectral metrics at each recompute (``*_mean``; None
            when never valid). Values are None where not computable.
        """
        self._flush()
        return self._totals.as_dict(gaps=self._link.gaps, gap_total_s=self._link.gap_total_s)

    def window_beats(self) -> list[tuple[float, float]]:
        """The accepted (t_s, rr_ms) in the current time-domain window (for tests)."""
        return self._td.stats.beats()

    def spectral_beats(self) -> list[tuple[float, float]]:
        """The accepted (t_s, rr_ms) of the current segment held for the spectral windows."""
        return list(zip(self._td.nn_t, self._td.nn_rr, strict=True))

    # ------------------------------------------------------------------ folding

    def _fold(self, event: Event) -> bool:
        """Fold one event; True when something a snapshot shows may have changed."""
        if isinstance(event, Beat):
            self._on_beat(event)
            return True
        link = self._link
        if isinstance(event, Gap):
            self._on_gap(event)
            return True
        if isinstance(event, ContactChanged):
            link.contact = event.contact
            if not event.contact:
                link.pause_at(event.t_s)
                self._reset_windows()
            self._advance(event.t_s)
            return True
        if isinstance(event, HeartRateOnly):
            self._td.last_hr_strap = event.hr_bpm
            if event.contact is not None:
                link.contact = event.contact
            self._advance(event.t_s)
            return True
        if isinstance(event, SourceState):
            link.source_state = event.state
            if event.state in ("reconnecting", "disconnected"):
                link.pause_at(event.t_s)
            if event.state == "ended":
                self._td.flush()
                self._recompute(max(event.t_s, self._t_s))
            self._advance(event.t_s)
            return True
        if isinstance(event, PayloadRejected):
            self._totals.rejected_payloads += 1
            self._advance(event.t_s)
            return True
        if isinstance(event, PacerChanged):
            # A deferred recompute read the pacer as it was before this change.
            self._flush()
            self._make_pending()
            self._spectral.follow(event)
        elif isinstance(event, Marker):
            self._markers.append((event.t_s, event.label))
        # A raw payload, a marker, a pacer change, the device's identity: nothing shown
        # changes, unless the spectral timer falls due on the way.
        return self._advance(event.t_s)

    def _on_beat(self, b: Beat) -> None:
        totals = self._totals
        totals.beats += 1
        t, rr = b.t_s, b.rr_ms
        if not (math.isfinite(t) and math.isfinite(rr) and rr > 0):
            # Not a number at all: counted and kept out (never shown as a heart rate).
            totals.flag("range")
            return
        link = self._link
        td = self._td
        last = link.last_beat_t
        if last is not None and t <= last:
            # Not after the previous beat (a duplicate, or a clock that went back): bad data,
            # counted and kept out; it must not reach a spline that needs increasing times.
            totals.flag("order")
            self._advance(t)
            return
        if last is not None and (t - rr / 1000.0) - last > JUMP_TOLERANCE_S:
            if link.after_gap_event:
                # The first beats after a reconnect came late: still the same drop-out.
                link.gap_total_s += (t - rr / 1000.0) - last
            else:
                # The time axis jumped with no Gap event (perhaps already shown as a drop-out
                # by ``tick``): treat it as one gap, never a long beat, and start afresh.
                link.count_gap(last, t - rr / 1000.0)
                self._reset_windows()
        link.after_gap_event = False
        if link.gap_started_s is not None and link.contact is not False:
            # Beats flow again: a drop-out seen by ``tick`` is over (the Gap event, if any,
            # has been counted already).
            link.gap_started_s = None
        link.last_beat_t = t
        td.last_rr = rr
        td.last_hr_strap = b.hr_bpm
        if b.contact is not None:
            link.contact = b.contact
        if b.settling or b.contact is False:
            td.last_settling = True
            if td.has_beats():
                self._reset_windows()
            else:
                td.detector.reset()
            self._advance(t)
            return
        td.last_settling = False
        td.push(t, rr)
        self._advance(t)

    def _on_gap(self, g: Gap) -> None:
        link = self._link
        link.count_gap(g.start_s, g.end_s)
        link.after_gap_event = True
        self._reset_windows()
        link.gap_started_s = None
        if g.reason == "contact_lost":
            link.contact = True
        # The next beat continues from the gap's end: its time jump is this gap, not another.
        if link.last_beat_t is None or g.end_s > link.last_beat_t:
            link.last_beat_t = g.end_s
        self._advance(g.end_s)

    def _reset_windows(self) -> None:
        """No metric across a gap: forget every window (the counters stay)."""
        self._td.reset()
        self._pending = None  # the gap's words replace whatever it would have shown
        self._spectral.clear("starting again after a gap")

    # ------------------------------------------------------------------ time and spectra

    def _advance(self, t_s: float) -> bool:
        """Move session time on; True when the spectral metrics were recomputed."""
        self._t_s = max(self._t_s, t_s)
        if self._spectral.due(self._t_s):
            self._recompute(self._t_s)
            return True
        return False

    def _recompute(self, t_s: float) -> None:
        td = self._td
        if t_s < self._defer_before_s:
            # Replaying to a point: keep the inputs; a later recompute or a gap makes it moot.
            self._pending = _Deferred(
                tuple(td.nn_t), tuple(td.nn_rr), td.covered_s(), self._totals.beats > 0, t_s
            )
            self._spectral.values = _DEFERRED
            return
        self._pending = None
        if self._batch:
            q = self._queue
            q.append(Pending(tuple(td.nn_t), tuple(td.nn_rr), td.covered_s(), self._totals.beats > 0, t_s))
            self._spectral.values = _QUEUED
            if len(q) >= BATCH:
                self._flush()
            return
        values = self._spectral.recompute(
            td.nn_t, td.nn_rr, td.covered_s(), any_beats=self._totals.beats > 0, t_s=t_s
        )
        self._totals.add_spectral(values)

    def _flush(self) -> None:
        """Make the queued recomputes (``batch``) and add them to the totals, in order."""
        q = self._queue
        if not q:
            return
        self._queue = []
        spectral = self._spectral
        shown = spectral.values is _QUEUED
        from vagal.engine.spectral_batch import recompute_batch

        values = recompute_batch(spectral, q)
        add = self._totals.add_spectral
        for v in values:
            add(v)
        if shown:
            spectral.values = values[-1]

    def _spectral_values(self) -> SpectralValues:
        """The spectral values a snapshot shows (the latest queued recompute made now, alone)."""
        spectral = self._spectral
        if spectral.values is _QUEUED:
            last = self._queue[-1]
            last.values = recompute_one(spectral, last)
            spectral.values = last.values
        return spectral.values

    def _make_pending(self) -> None:
        """Make the deferred recompute, if any (the pacer is about to change, or the replay ends)."""
        p = self._pending
        if p is None:
            return
        self._flush()
        self._pending = None
        values = self._spectral.recompute(p.nn_t, p.nn_rr, p.covered_s, any_beats=p.any_beats, t_s=p.t_s)
        self._totals.add_spectral(values)

    def _build(self) -> Snapshot:
        return build_snapshot(
            self._t_s,
            self._td,
            self._link,
            self._spectral_values(),
            self._totals,
            smooth_beats=self.settings.smooth_beats,
        )


@dataclass(frozen=True, slots=True)
class _Deferred:
    """The inputs of a recompute put off by :meth:`Engine.replay_to`."""

    nn_t: tuple[float, ...]
    nn_rr: tuple[float, ...]
    covered_s: float
    any_beats: bool
    t_s: float


_DEFERRED: Final = SpectralValues.none("(a deferred recompute: never shown)")
_QUEUED: Final = SpectralValues.none("(a queued recompute: made before it is shown)")
"""What the spectral values hold while a recompute is deferred; replaced before any snapshot."""


__all__ = [
    "BREATH_WINDOW_S",
    "DEFAULT_WINDOW_S",
    "LF_HF_WINDOW_S",
    "MIN_TIME_DOMAIN_S",
    "SPECTRAL_METRICS",
    "Engine",
    "EngineSettings",
    "PacerLike",
]
