"""Two people's session state: an engine, a guide and the beats per person, and the together
view (:mod:`vagal.hrv.synchrony`) live every 5 s and over the whole session.

Design decision: nothing below the session changes for two people. Each person has their own
:class:`~vagal.engine.core.Engine`, exactly as a one-person session has; :class:`PairState`
folds both people's events (``person`` on the person-bound event types says whose; the
session's own events go to both) and adds what only two people have. It is stepped by hand
like the engine, so the headless runs (``vagal.commands.pair_session``), the replay for two
and the dashboard for two (``vagal.ui.pair_app``) share it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from vagal.engine.final import KEPT_TYPES as _KEPT_TYPES  # what PairState.kept holds
from vagal.events import Beat as _Beat
from vagal.events import Gap as _Gap
from vagal.events import Marker as _Marker
from vagal.events import PacerChanged as _PacerChanged

if TYPE_CHECKING:
    from vagal.engine.core import Engine
    from vagal.events import Event, PacerChanged
    from vagal.hrv.synchrony import PersonBeats, SessionSynchrony, SynchronyResult
    from vagal.pacer import Pacer

GuideSpec = Any
"""What :mod:`vagal.hrv.synchrony` takes as ``guide``: one phase function, a pair, or None."""


def is_person_bound(event: Event) -> bool:
    """True for an event that belongs to one person (a guide's ``person`` is None when it
    is the session's, shared; beats and the like always have one)."""
    return getattr(event, "person", None) is not None


@dataclass
class PairBeats:
    """One person's beats as they come (for the together view): not settling, breaks after gaps.

    The lists are what the dashboard reads; :meth:`person_beats` gives them as arrays from
    a copy kept alongside, extended by the beats added since it was last asked (the lists
    only grow), so a live recompute costs the same after an hour as after a day.
    """

    t_s: list[float] = field(default_factory=list)
    rr_ms: list[float] = field(default_factory=list)
    breaks: list[bool] = field(default_factory=list)
    pending_break: bool = False
    _arrays: tuple[Any, Any, Any] | None = field(default=None, repr=False, compare=False)
    """``(t, rr, breaks)`` buffers (numpy, room to grow) holding the first :attr:`_n_arrays` beats."""
    _n_arrays: int = field(default=0, repr=False, compare=False)

    def add(self, event: Event) -> None:
        if isinstance(event, _Beat):
            if event.settling:
                self.pending_break = True
                return
            self.t_s.append(event.t_s)
            self.rr_ms.append(event.rr_ms)
            self.breaks.append(self.pending_break and len(self.t_s) > 1)
            self.pending_break = False
        elif isinstance(event, _Gap):
            self.pending_break = True

    def _as_arrays(self, n: int) -> tuple[Any, Any, Any]:
        """The first ``n`` beats as arrays (views of the buffers; the caller must not write)."""
        import numpy as np

        have = self._n_arrays
        if n > have:
            bufs = self._arrays
            if bufs is None or bufs[0].size < n:
                cap = max(1024, 2 * n)
                grown = (np.empty(cap, np.float64), np.empty(cap, np.float64), np.empty(cap, np.bool_))
                if bufs is not None:
                    for old, new in zip(bufs, grown, strict=True):
                        new[:have] = old[:have]
                self._arrays = bufs = grown
            bufs[0][have:n] = self.t_s[have:n]
            bufs[1][have:n] = self.rr_ms[have:n]
            bufs[2][have:n] = self.breaks[have:n]
            self._n_arrays = have = n
        bufs = self._arrays
        if bufs is None:
            return np.empty(0, np.float64), np.empty(0, np.float64), np.empty(0, np.bool_)
        t, rr, brk = (b[:n] for b in bufs)
        for a in (t, rr, brk):
            a.flags.writeable = False
        return t, rr, brk

    def person_beats(self, *, correct: bool = False, upto: int | None = None) -> PersonBeats:
        """The beats so far (the first ``upto`` of them) for :mod:`vagal.hrv.synchrony`;
        ``correct``: artifact-corrected first, as ``analyze`` does."""
        from vagal.hrv.synchrony import PersonBeats

        n = len(self.t_s) if upto is None else len(range(len(self.t_s))[:upto])  # as t_s[:upto]
        t, rr, brk = self._as_arrays(n)
        if correct and rr.size >= 2:
            from vagal.hrv.artifacts import correct_artifacts

            fixed = correct_artifacts(rr, t_s=t, breaks=brk)
            return PersonBeats(fixed.t_s, fixed.rr_ms, fixed.breaks)
        return PersonBeats(t, rr, brk)


@dataclass
class PairState:
    """What a two-person session has folded so far: an engine, a guide and the beats per person.

    ``pacers`` is each person's guide: the same :class:`~vagal.pacer.Pacer` twice when the
    two share one, two pacers when each has their own (``--pace 6,8``), None for a person
    who follows none. Each engine follows its person's guide.
    """

    engines: tuple[Engine, Engine]
    pacers: tuple[Pacer | None, Pacer | None]
    live: bool = True
    """Recompute the live together view every 5 s of session time."""
    beats: tuple[PairBeats, PairBeats] = field(default_factory=lambda: (PairBeats(), PairBeats()))
    first_t_s: float | None = None
    t_s: float = 0.0
    live_updates: int = 0
    markers: list[tuple[float, str]] = field(default_factory=list)
    """The session's markers so far, ``(t_s, label)`` (the together view per segment)."""
    kept: tuple[list[Event], list[Event]] = field(default_factory=lambda: ([], []))
    """Each person's events that the final numbers are computed on (their beats, gaps,
    check-ins and guide, and the session's markers): :func:`vagal.engine.final.final_summary`."""
    _next_live_s: float | None = None
    _live: SynchronyResult | None = None
    _live_due: tuple[float, int, int] | None = None
    """The latest live recompute not made yet: (now_s, beats of each person then)."""

    @property
    def live_result(self) -> SynchronyResult | None:
        """The latest live together view, made when read (the beats lists only grow, and the
        guide's phase of a past time never changes, so it equals the one made on time)."""
        due = self._live_due
        if due is not None:
            from vagal.hrv.synchrony import synchrony_live

            self._live_due = None
            a, b = (p.person_beats(upto=n) for p, n in zip(self.beats, due[1:], strict=True))
            self._live = synchrony_live(a, b, now_s=due[0], guide=self.guide())
        return self._live

    @property
    def pacer(self) -> Pacer | None:
        """The shared guide (None when each person has their own, or when there is none)."""
        a, b = self.pacers
        return a if a is b else None

    @property
    def shared_guide(self) -> bool:
        """True when both people follow one guide (or neither follows any)."""
        return self.pacers[0] is self.pacers[1]

    def guide(self) -> GuideSpec:
        """The guide for :mod:`vagal.hrv.synchrony`: one phase function, a pair, or None."""
        a, b = self.pacers
        if a is b:
            return a.phase_at if a is not None else None
        return (a.phase_at if a is not None else None, b.phase_at if b is not None else None)

    def start_events(self) -> list[PacerChanged]:
        """The guides' start events, to fold and record first (one for a shared guide)."""
        a, b = self.pacers
        out = [p.start_event() for p in ((a,) if a is b else (a, b)) if p is not None]
        return out

    def push(self, person: int, event: Event) -> None:
        """Fold one person's event (or a session event, ``person`` 0, into both engines).

        A ``PacerChanged`` with a ``person`` is that person's own guide: it goes to their
        engine only; one without goes to both.
        """
        if self.first_t_s is None:
            self.first_t_s = event.t_s
        self.t_s = max(self.t_s, event.t_s)
        if isinstance(event, _PacerChanged) and event.person is not None:
            self.engines[event.person].fold(event)
            self.kept[event.person].append(event)
        elif is_person_bound(event):
            self.engines[person].fold(event)
            self.beats[person].add(event)
            if isinstance(event, _KEPT_TYPES):
                self.kept[person].append(event)
        else:
            if isinstance(event, _Marker):
                self.markers.append((event.t_s, event.label))
            for engine, kept in zip(self.engines, self.kept, strict=True):
                engine.fold(event)
                if isinstance(event, _KEPT_TYPES):
                    kept.append(event)
        if self.live:
            self._maybe_live()

    def replay_to(self, items: Sequence[tuple[int, Event]]) -> None:
        """Start afresh and fold ``items``, fast: the state :meth:`push` of each would leave
        (a seek in the replay for two).

        The routing is :meth:`push`'s own, run on a fresh state whose engines only collect
        their events; each real engine then folds its person's events at once with
        :meth:`~vagal.engine.core.Engine.replay_to` (one snapshot at the end). The live
        together view is made when read, as it always is, from the beats each person had
        when it last fell due.
        """
        from typing import cast

        sinks: tuple[_Collect, _Collect] = (_Collect(), _Collect())
        fresh = PairState(cast("tuple[Engine, Engine]", sinks), self.pacers, live=self.live)
        for person, event in items:
            fresh.push(person, event)
        for engine, sink in zip(self.engines, sinks, strict=True):
            engine.replay_to(sink.events)
        self.beats, self.first_t_s, self.t_s = fresh.beats, fresh.first_t_s, fresh.t_s
        self.live_updates, self.markers, self.kept = fresh.live_updates, fresh.markers, fresh.kept
        self._next_live_s, self._live, self._live_due = fresh._next_live_s, None, fresh._live_due

    def _maybe_live(self) -> None:
        if self._next_live_s is not None and self.t_s < self._next_live_s:
            return  # not due (most events)
        from vagal.hrv.synchrony import LIVE_RECOMPUTE_S, LIVE_SPAN_S

        if self._next_live_s is None:
            self._next_live_s = (self.first_t_s or 0.0) + LIVE_SPAN_S
        if self.t_s < self._next_live_s:
            return
        self._next_live_s += LIVE_RECOMPUTE_S * (
            math.floor((self.t_s - self._next_live_s) / LIVE_RECOMPUTE_S) + 1
        )
        self._live_due = (self.t_s, len(self.beats[0].t_s), len(self.beats[1].t_s))
        self.live_updates += 1

    def segments(self) -> list[tuple[str, float, float]]:
        """The session's parts between markers (:func:`marker_segments`)."""
        return marker_segments(self.markers, self.first_t_s or 0.0, self.t_s)

    def together_session(self) -> SessionSynchrony:
        """The whole session's together view and each part's between markers (artifacts
        corrected, as ``analyze`` does)."""
        from vagal.hrv.synchrony import synchrony_session

        a, b = (p.person_beats(correct=True) for p in self.beats)
        return synchrony_session(a, b, guide=self.guide(), segments=self.segments())

    def together(self) -> SynchronyResult:
        """The whole session's together view (artifacts corrected, as ``analyze`` does)."""
        return self.together_session().whole


class _Collect:
    """Stands in for an engine in :meth:`PairState.replay_to`: keeps what it is given to fold."""

    def __init__(self) -> None:
        self.events: list[Event] = []

    def fold(self, event: Event) -> None:
        self.events.append(event)


def marker_segments(
    markers: Sequence[tuple[float, str]], t0_s: float, t1_s: float
) -> list[tuple[str, float, float]]:
    """``(label, start_s, end_s)`` between markers: before the first marker ("start"),
    then from each marker to the next (named after the marker), to ``t1_s``. Empty without
    markers (the whole session is the only part).

    Args:
        markers: ``(t_s, label)`` of each marker, in any order.
        t0_s: The session's start, seconds.
        t1_s: The session's end, seconds.
    """
    if not markers:
        return []
    bounds = sorted(markers)
    out: list[tuple[str, float, float]] = []
    if bounds[0][0] > t0_s:
        out.append(("start", t0_s, bounds[0][0]))
    for i, (t, label) in enumerate(bounds):
        end = bounds[i + 1][0] if i + 1 < len(bounds) else t1_s
        out.append((label or f"marker {i + 1}", t, max(t, end)))
    return out


def new_state(
    pacer: Pacer | tuple[Pacer | None, Pacer | None] | None, *, live: bool = True
) -> PairState:
    """A fresh :class:`PairState`: one engine per person, each following their guide.

    Args:
        pacer: One guide for both, each person's own ``(A's, B's)``, or None.
        live: Recompute the live together view every 5 s of session time.
    """
    from vagal.engine.core import Engine

    pacers = pacer if isinstance(pacer, tuple) else (pacer, pacer)
    return PairState((Engine(pacer=pacers[0]), Engine(pacer=pacers[1])), pacers, live=live)
