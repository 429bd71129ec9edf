"""The final numbers of a session: the batch core on the session's beats, once it has ended.

Design decision: the live engine is causal (it decides each beat from the beats before it,
on trailing windows), so its whole-session figures differ from ``vagal analyze`` on the
same file: on MIT-BIH record 100 its RMSSD was 4.8 % higher and it flagged 1.0 % of the
beats where the batch correction changes 3.6 %. A person who replays a session and then
reads its report would see two answers. So the summary at the end of a live, simulated or
replayed session is computed here, by the batch path, on exactly the beats a reader of
the recording gets: :func:`final_summary` equals ``vagal analyze FILE --json`` (to 1e-9,
tests/test_final_numbers.py), and the live engine stays what is shown *during* the
session.

:func:`session_beats` turns events into the arrays the batch core takes with the session
reader's rule (``vagal.sessions.reader.read_session``): settling beats are left out with a
break before the next beat, and every ``Gap`` is a break. :class:`SessionLog` is a sink
that keeps what the summary needs (the beats, gaps, markers, check-ins and pacer changes,
and the times of the first and the latest event).

Besides analyze's keys the summary gives what the end-of-session screen shows: heart rate
and RMSSD over the first and the last two minutes (batch numbers on the corrected beats),
the time at each coherence level (the record's 64 s coherence windows, as
``analyze``'s coherence is their mean), the markers and the check-ins.

References:
    docs/methods.md §1 (time domain), §5.4 (correction), §6.1 (coherence windows).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Final

from vagal.events import Beat, CheckIn, Event, Gap, Marker, PacerChanged

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    from vagal.hrv.analysis import HrvResult

PART_S: Final = 120.0
"""The start and the end of a session are its first and its last two minutes."""
COHERENCE_LEVEL_FLOORS: Final[tuple[float, ...]] = (0.0, 0.5, 1.0, 2.0)
"""The lowest coherence ratio of each of the dashboard's gentle levels, in order
(``vagal.ui.widgets.tiles.COHERENCE_LEVELS``; a test keeps the two equal)."""
COHERENCE_LEVEL_WORDS: Final[tuple[str, ...]] = ("finding a rhythm", "settling in", "steady", "in tune")
"""The words of each level, as the dashboard says them: gentle words, not a grade."""
NOT_COMPUTABLE: Final = "not computable"
"""The reason for a missing value when the batch core gave none (as ``vagal analyze`` says)."""
KEPT_TYPES: Final = (Beat, Gap, Marker, CheckIn, PacerChanged)
"""The event types the final numbers read (what a :class:`SessionLog` keeps)."""


def session_beats(
    events: Sequence[Event],
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64], npt.NDArray[np.bool_]]:
    """The beats of a session as the batch core takes them: ``(rr_ms, t_s, breaks)``.

    The session reader's rule, so a live session gives the arrays its recording gives:
    settling beats (the first seconds after a (re)connect) are left out and break the
    record before the next beat; every ``Gap`` breaks it; nothing comes before the first
    beat, so ``breaks[0]`` is False.

    Args:
        events: The session's events in time order (other kinds are passed over).

    Returns:
        RR intervals in ms, beat times in seconds, and the breaks.
    """
    import numpy as np

    rr: list[float] = []
    t: list[float] = []
    brk: list[bool] = []
    pending = False
    for ev in events:
        if isinstance(ev, Beat):
            if ev.settling:
                pending = True
                continue
            rr.append(ev.rr_ms)
            t.append(ev.t_s)
            brk.append(pending)
            pending = False
        elif isinstance(ev, Gap):
            pending = True
    if brk:
        brk[0] = False
    return np.asarray(rr, dtype=np.float64), np.asarray(t, dtype=np.float64), np.asarray(brk, dtype=np.bool_)


def result_dict(res: HrvResult) -> dict[str, Any]:
    """A batch result as ``vagal analyze --json`` gives it (without ``file``).

    ``psd_method``, the 25 keys of ``HrvResult.to_dict()`` and ``quality``, the other rows
    of the analyze table (``vagal.metrics.ANALYZE``), then ``reasons`` for every null.
    """
    from vagal.metrics import ANALYZE, keys

    obj: dict[str, Any] = {"psd_method": res.psd_method, **res.to_dict()}
    for key in keys(ANALYZE):
        if key not in obj:
            raw = float(getattr(res, key))
            obj[key] = raw if math.isfinite(raw) else None
    obj["reasons"] = {
        key: res.reasons.get(key, NOT_COMPUTABLE)
        for key, value in obj.items()
        if value is None and key != "psd_method"
    }
    return obj


def _part(res: HrvResult, lo_s: float, hi_s: float) -> dict[str, Any]:
    """Heart rate and RMSSD of the corrected beats between ``lo_s`` and ``hi_s`` (batch)."""
    import numpy as np

    from vagal.hrv.time_domain import time_domain

    t = res.nn_t_s
    sel = (t > lo_s) & (t <= hi_s)
    nn = res.nn_ms[sel]
    b = res.nn_breaks[sel].copy()
    if b.size:
        b[0] = False
    out: dict[str, Any] = {"from_s": lo_s, "to_s": hi_s, "n_beats": int(nn.size)}
    if nn.size == 0:
        out.update(mean_hr_bpm=None, rmssd_ms=None)
        return out
    td = time_domain(nn, breaks=b)
    for key in ("mean_hr_bpm", "rmssd_ms"):
        v = float(getattr(td, key))
        out[key] = v if np.isfinite(v) else None
    return out


def coherence_level(ratio: float) -> int:
    """The gentle level (index in :data:`COHERENCE_LEVEL_FLOORS`) of a coherence ratio."""
    level = 0
    for i, floor in enumerate(COHERENCE_LEVEL_FLOORS):
        if ratio >= floor:
            level = i
    return level


def coherence_time_at_levels(res: HrvResult) -> list[float]:
    """Seconds of the session at each coherence level, from the record's 64 s windows.

    The windows are those ``analyze``'s coherence is the mean of (at most 5 s apart, never
    across a gap). The first window of a stretch stands for its 64 s, each later one for
    the seconds since the one before, so the levels add up to the time the windows cover.

    Returns:
        One number of seconds per level of :data:`COHERENCE_LEVEL_FLOORS` (all 0 when the
        session has no 64 s without a gap).
    """
    import numpy as np

    from vagal.hrv.coherence import DEFAULT_STEP_S, DEFAULT_WINDOW_S, coherence_series

    out = [0.0] * len(COHERENCE_LEVEL_FLOORS)
    if res.nn_ms.size == 0:
        return out
    ends, ratios = coherence_series(res.nn_t_s, res.nn_ms, breaks=res.nn_breaks)
    prev: float | None = None
    for end, ratio in zip(ends.tolist(), ratios.tolist(), strict=True):
        # Windows of one stretch are at most 5 s apart; a longer step is the next stretch.
        same_stretch = prev is not None and end - prev <= DEFAULT_STEP_S + 1e-6
        weight = end - prev if same_stretch and prev is not None else DEFAULT_WINDOW_S
        prev = end
        if np.isfinite(ratio):
            out[coherence_level(ratio)] += weight
    return out


def final_summary(
    events: Sequence[Event],
    *,
    beats: tuple[npt.NDArray[np.float64], npt.NDArray[np.float64], npt.NDArray[np.bool_]] | None = None,
) -> dict[str, Any]:
    """The session's final numbers: the batch core on its beats and gaps.

    Args:
        events: The session's events in time order (a :class:`SessionLog`'s ``events``,
            or a recording's).
        beats: The beats already made into :func:`session_beats`' arrays (then ``events``
            need hold only the markers and check-ins: :meth:`SessionLog.take_beats`).

    Returns:
        ``vagal analyze --json``'s keys (without ``file``) with its values, then
        ``start`` and ``end`` (``from_s``, ``to_s``, ``n_beats``, ``mean_hr_bpm``,
        ``rmssd_ms`` over the first and the last :data:`PART_S` seconds of beats),
        ``coherence_levels_s`` (seconds at each level of :data:`COHERENCE_LEVEL_FLOORS`),
        ``markers`` (``t_s``, ``label``, ``feeling``) and ``check_ins`` (``t_s``,
        ``when``, ``settled``, ``words``), in time order.
    """
    from vagal.hrv import analyze_rr

    rr, t, breaks = beats if beats is not None else session_beats(events)
    res = analyze_rr(rr, t_s=t, breaks=breaks)
    out = result_dict(res)
    if t.size:
        t0 = float(t[0] - rr[0] / 1000.0)
        t1 = float(t[-1])
        out["start"] = _part(res, t0, min(t1, t0 + PART_S))
        out["end"] = _part(res, max(t0, t1 - PART_S), t1)
    else:
        out["start"] = out["end"] = None
    out["coherence_levels_s"] = coherence_time_at_levels(res)
    out["markers"] = [
        {"t_s": m.t_s, "label": m.label, "feeling": m.feeling}
        for m in sorted((e for e in events if isinstance(e, Marker)), key=lambda m: m.t_s)
    ]
    out["check_ins"] = [
        {"t_s": c.t_s, "when": c.when, "settled": c.settled, "words": c.words}
        for c in events
        if isinstance(c, CheckIn)
    ]
    return out


class SessionLog:
    """A sink that keeps what the final numbers need, in the order the session gave it.

    It keeps the beats, gaps, markers, check-ins and pacer changes (not the raw payloads:
    an hour is about 5,000 beats), and the time of the first and the latest event. It is a
    :class:`~vagal.engine.driver.Sink` (``write``, ``close``, ``error``).
    """

    def __init__(self) -> None:
        self.events: list[Event] = []
        """The kept events, in order."""
        self.first_t_s: float | None = None
        """The time of the first event given, seconds (None before any)."""
        self.last_t_s: float | None = None
        """The latest event time given, seconds (None before any)."""
        self.error: BaseException | None = None
        """Always None: keeping events in memory does not fail."""

    def write(self, event: Event) -> None:
        """Take one event (kept when the final numbers need it; its time always)."""
        if self.first_t_s is None:
            self.first_t_s = event.t_s
        self.last_t_s = event.t_s if self.last_t_s is None else max(self.last_t_s, event.t_s)
        if isinstance(event, KEPT_TYPES):
            self.events.append(event)

    def take_beats(self) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64], npt.NDArray[np.bool_]]:
        """The kept beats as the batch core's arrays (:func:`session_beats`), the Beat objects let go.

        ``events`` keeps every other kind, in order. For the end of a headless session: a
        day's 117,000 Beat objects are about 15 MB, which would otherwise sit under the
        final numbers' own peak (give the arrays to :func:`final_summary` as ``beats``).
        """
        beats = session_beats(self.events)
        self.events = [e for e in self.events if not isinstance(e, Beat)]
        return beats

    def close(self) -> None:
        """Nothing to release."""


__all__ = [
    "COHERENCE_LEVEL_FLOORS",
    "COHERENCE_LEVEL_WORDS",
    "KEPT_TYPES",
    "PART_S",
    "SessionLog",
    "coherence_level",
    "coherence_time_at_levels",
    "final_summary",
    "result_dict",
    "session_beats",
]
