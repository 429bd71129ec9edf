"""The report's first page: what the person did and how their body answered, in plain words.

Design decision: the numbers of the first page are few and each is defined once, here, by
the HRV core on the recording's beats, so the report, ``vagal history``'s "what helps you"
and the tests all use the same definitions:

* **start** and **end**: the first and the last :data:`START_END_S` (2 minutes) of beats,
  each analysed as a record on its own (``vagal.hrv.analyze_rr`` on exactly those beats,
  with artifact correction): heart rate (60000 / mean NN), RMSSD and coherence. A session
  shorter than twice that is described as a whole (its two ends would overlap).
* **time at each coherence level**: the session's 64 s coherence windows, at most 5 s
  apart (``vagal.hrv.coherence.coherence_series``), each counted for
  :data:`~vagal.report.data.ROLLING_STEP_S` (HeartMath's 5 s update) at its level of
  :data:`vagal.metrics.COHERENCE_LEVELS`.
* **how closely heart rate followed the breath**: the phase-locking value of heart rate to
  the guide (``vagal.hrv.breath.phase_sync``, 0 to 1, docs/methods.md §6.4) on 60 s windows
  every 30 s in which the guide held one rate (no ease, no change), averaged.
* **check-ins**: the first "before" and the last "after" check-in of the session.

The words are kind and never a verdict: a higher heart rate at the end is said as what
it is, with what often causes it, and never as a failure. Nothing here draws; the renderer
lays these sentences out.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final

import numpy as np
import numpy.typing as npt

from vagal.metrics import COHERENCE_LEVELS, SETTLED_WORDS, coherence_level, metric
from vagal.report import helps

if TYPE_CHECKING:
    from vagal.events import Event, PacerChanged
    from vagal.sessions.recording import Recording

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

START_END_S: Final = helps.START_END_S
"""The start and the end of a session: its first and last 2 minutes (defined, numpy-free, in
:mod:`vagal.report.helps`, which ``vagal history`` reads back without numpy)."""

FOLLOW_WINDOW_S: Final = 60.0
"""Window for heart rate following the guide: the live engine's breath window (§6.4)."""
FOLLOW_STEP_S: Final = 30.0
"""Step between those windows (they overlap by half)."""
FOLLOW_FS_HZ: Final = 4.0
"""Resampling rate of the heart-rate series for the phase (as live)."""
SAME_HR_BPM: Final = 2.0
"""Heart rate at the end within this of the start reads "about the same" (a resting heart rate
moves by about this much from minute to minute)."""
SAME_RMSSD_PCT: Final = 10.0
"""RMSSD at the end within this share of the start reads "about the same" (two-minute RMSSD
values of a still person differ by about 10 % from one to the next, Esco & Flatt 2014)."""
SAME_COHERENCE: Final = 0.2
"""Coherence within this of the start reads "about the same"."""
CLOSELY: Final = 0.7
"""A phase-locking value from here reads "closely"."""
PARTLY: Final = 0.4
"""From here to :data:`CLOSELY` it reads "much of the time"; below, "now and then"."""


@dataclass(frozen=True, slots=True)
class Window:
    """The numbers of one stretch of the session, analysed on its own."""

    start_s: float
    end_s: float
    values: dict[str, float | None]
    """``analyze_rr(...).to_dict()`` metric values of the stretch (None where it is too short)."""

    @property
    def mean_hr_bpm(self) -> float | None:
        return self.values.get("mean_hr_bpm")

    @property
    def rmssd_ms(self) -> float | None:
        return self.values.get("rmssd_ms")

    @property
    def coherence(self) -> float | None:
        return self.values.get("coherence")


@dataclass(frozen=True, slots=True)
class CheckInSeen:
    """A check-in as the report shows it (a copy of ``vagal.events.CheckIn``'s fields)."""

    t_s: float
    when: str
    settled: int
    words: str = ""

    @property
    def settled_words(self) -> str:
        """The scale's words for ``settled`` (:data:`vagal.metrics.SETTLED_WORDS`)."""
        return SETTLED_WORDS.get(self.settled, f"{self.settled}")


@dataclass(frozen=True)
class PersonSummary:
    """Everything the first page says, as numbers (words come from the functions below)."""

    duration_s: float
    start: Window | None
    """The first :data:`START_END_S` (None: no beats there)."""
    end: Window | None
    """The last :data:`START_END_S` (None: the session is shorter than twice that)."""
    whole: dict[str, float | None]
    """The whole session's metric values (``analyze_rr``)."""
    level_s: tuple[float, ...]
    """Seconds at each of :data:`vagal.metrics.COHERENCE_LEVELS`."""
    following: float | None
    """Mean phase-locking value of heart rate to the guide (None: no guide, or too short)."""
    following_windows: int = 0
    """How many 60 s windows it is the mean of."""
    before: CheckInSeen | None = None
    after: CheckInSeen | None = None
    care: tuple[str, ...] = ()
    """The core's "read with care" sentences (``HrvResult.quality``)."""
    guided: bool = False
    """Whether a breathing guide ran during the session."""
    extra: dict[str, Any] = field(default_factory=dict)


def _values(result: Any) -> dict[str, float | None]:
    d = result.to_dict()
    out: dict[str, float | None] = {}
    for k, v in d.items():
        if k == "quality":
            continue
        out[k] = None if v is None else float(v)
    return out


LIGHT_KEYS: Final = ("mean_hr_bpm", "rmssd_ms", "coherence")
"""What a light analysis of a stretch gives (history's "what helps you" needs only these)."""


def _light_values(rr: FloatArray, t: FloatArray, b: BoolArray) -> dict[str, float | None]:
    """Heart rate, RMSSD and coherence exactly as ``analyze_rr`` computes them (the same core
    calls: artifact correction, ``time_domain``, ``mean_coherence``), without the spectrum,
    entropy and DFA that history does not show (they are most of ``analyze_rr``'s time)."""
    from vagal.hrv import time_domain
    from vagal.hrv.artifacts import correct_artifacts
    from vagal.hrv.coherence import mean_coherence

    fixed = correct_artifacts(rr, t_s=t, breaks=b)
    nn, tn, bn = fixed.rr_ms, fixed.t_s, fixed.breaks
    if nn.size == 0:
        return dict.fromkeys(LIGHT_KEYS)
    td = time_domain(nn, breaks=bn)
    coh, _ = mean_coherence(tn, nn, breaks=bn)

    def fin(v: float) -> float | None:
        return float(v) if np.isfinite(v) else None

    return {"mean_hr_bpm": fin(td.mean_hr_bpm), "rmssd_ms": fin(td.rmssd_ms), "coherence": coh}


def analyse_stretch(
    rr_ms: FloatArray, t_s: FloatArray, breaks: BoolArray, lo_s: float, hi_s: float, *, light: bool = False
) -> Window | None:
    """``analyze_rr`` on the beats ending in ``(lo_s, hi_s]``, as a record on its own.

    The first beat of the stretch is a break (its interval may have begun before it), so no
    beat-to-beat difference reaches outside. None when fewer than 2 beats fall inside. With
    ``light``, only :data:`LIGHT_KEYS` (the same numbers, computed the same way).
    """
    from vagal.hrv import analyze_rr

    sel = (t_s > lo_s) & (t_s <= hi_s)
    if int(sel.sum()) < 2:
        return None
    b = breaks[sel].copy()
    b[0] = True
    if light:
        return Window(lo_s, hi_s, _light_values(rr_ms[sel], t_s[sel], b))
    res = analyze_rr(rr_ms[sel], t_s=t_s[sel], breaks=b, correct=True)
    return Window(lo_s, hi_s, _values(res))


def start_and_end(
    rec: Recording, *, window_s: float = START_END_S, light: bool = False
) -> tuple[Window | None, Window | None]:
    """The first and last ``window_s`` of a recording's beats, each analysed on its own.

    The start runs from the beginning of the first interval; the end is the window ending
    at the last beat. A recording shorter than ``2 × window_s`` has no separate end (None).
    """
    if rec.n_beats < 2:
        return None, None
    t, rr, b = rec.t_s, rec.rr_ms, rec.breaks
    begin = float(t[0] - rr[0] / 1000.0)
    last = float(t[-1])
    # A beat exactly at begin + window belongs to the start (the interval ends there).
    start = analyse_stretch(rr, t, b, begin - 1e-9, begin + window_s, light=light)
    end = analyse_stretch(rr, t, b, last - window_s, last,
                          light=light) if last - begin >= 2 * window_s else None
    return start, end


def time_at_levels(ratios: FloatArray, step_s: float) -> tuple[float, ...]:
    """Seconds at each coherence level: each window's ratio counted for ``step_s`` (NaN: not counted)."""
    out = [0.0] * len(COHERENCE_LEVELS)
    for r in ratios[np.isfinite(ratios)].tolist():
        out[coherence_level(r)] += step_s
    return tuple(out)


def _guided(ev: PacerChanged) -> bool:
    return ev.preset not in ("off", "none") and ev.rate_per_min > 0


def following_the_guide(
    pacer_events: tuple[PacerChanged, ...] | list[PacerChanged],
    nn_t_s: FloatArray,
    nn_ms: FloatArray,
    nn_breaks: BoolArray,
    *,
    window_s: float = FOLLOW_WINDOW_S,
    step_s: float = FOLLOW_STEP_S,
) -> tuple[float | None, int]:
    """How closely heart rate followed the guide: the mean phase-locking value and its window count.

    Windows of ``window_s`` every ``step_s`` within each stretch between gaps; a window
    counts only when the guide held one rate through it (no change, no ease). In each,
    heart rate (60000 / NN, resampled at 4 Hz) is locked against the guide's own phase
    (``vagal.hrv.breath.phase_sync`` with the guide's breath start and cycle length).

    Returns:
        ``(mean_plv, n_windows)``; ``(None, 0)`` without a guide or without such a window.
    """
    from vagal.hrv._common import stretches
    from vagal.hrv.breath import phase_sync
    from vagal.hrv.spectral import resample
    from vagal.pacer import pacer_from_events

    events = sorted((e for e in pacer_events if _guided(e)), key=lambda e: e.t_s)
    if not events or nn_ms.size < 4:
        return None, 0
    pacer = pacer_from_events(events)
    if pacer is None:
        return None, 0
    timeline = sorted(((e.t_s, _guided(e)) for e in pacer_events), key=lambda c: c[0])
    changes = [c for c, _ in timeline]
    plvs: list[float] = []
    for a, z in stretches(nn_breaks):
        ts, rs = nn_t_s[a:z], nn_ms[a:z]
        if ts.size < 16 or ts[-1] - ts[0] < window_s:
            continue
        tg, xg = resample(ts, rs, FOLLOW_FS_HZ)
        hr = 60000.0 / xg
        n_w = round(window_s * FOLLOW_FS_HZ)
        k_step = round(step_s * FOLLOW_FS_HZ)
        for i0 in range(0, tg.size - n_w + 1, k_step):
            lo, hi = float(tg[i0]), float(tg[i0 + n_w - 1])
            k = bisect.bisect_right(changes, lo) - 1
            if k < 0 or not timeline[k][1]:
                continue  # the guide had not started, or was off
            if k + 1 < len(changes) and changes[k + 1] <= hi:
                continue  # the guide changed inside the window
            r0, r1 = pacer.rate_at(lo), pacer.rate_at(hi)
            if not r0 > 0 or abs(r1 - r0) > 1e-6 * r0:
                continue  # easing: the guide's rate was still moving
            cycle_s = 60.0 / r1
            phi = float(pacer.phase_at(hi))
            cycle_start = hi - (phi - np.floor(phi)) * cycle_s
            res = phase_sync(tg[i0 : i0 + n_w], hr[i0 : i0 + n_w], FOLLOW_FS_HZ, cycle_start, cycle_s)
            if res is not None:
                plvs.append(res[0])
    if not plvs:
        return None, 0
    return float(np.mean(plvs)), len(plvs)


def checkins_of(events: tuple[Event,
                              ...] | list[Event] | None) -> tuple[CheckInSeen | None, CheckInSeen | None]:
    """The session's first "before" and last "after" check-in (``vagal.events.CheckIn``)."""
    from vagal.events import CheckIn

    seen = sorted(
        (CheckInSeen(e.t_s, e.when, e.settled, e.words) for e in events or () if isinstance(e, CheckIn)),
        key=lambda c: c.t_s,
    )
    before = next((c for c in seen if c.when == "before"), None)
    after = next((c for c in reversed(seen) if c.when == "after"), None)
    return before, after


def person_summary(
    rec: Recording,
    result: Any,
    *,
    duration_s: float,
    coherence_ratios: FloatArray,
    step_s: float,
) -> PersonSummary:
    """The first page's numbers for ``rec``.

    Args:
        rec: The recording.
        result: ``analyze_rr`` of the whole recording (``HrvResult``).
        duration_s: The session's length, seconds.
        coherence_ratios: The whole session's coherence windows (``coherence_series``).
        step_s: Their step, seconds.
    """
    start, end = start_and_end(rec)
    following, n_follow = following_the_guide(rec.pacer, result.nn_t_s, result.nn_ms, result.nn_breaks)
    before, after = checkins_of(rec.events)
    return PersonSummary(
        duration_s=duration_s,
        start=start,
        end=end,
        whole=_values(result),
        level_s=time_at_levels(coherence_ratios, step_s),
        following=following,
        following_windows=n_follow,
        before=before,
        after=after,
        care=tuple(result.quality),
        guided=any(_guided(e) for e in rec.pacer),
    )


# --- words ---------------------------------------------------------------------------------


def _num(key: str, value: float) -> str:
    """A value with its registry digits and unit ("72 bpm", "35 ms", "1.2")."""
    info = metric(key)
    text = info.text(value, live=True)
    return f"{text} {info.unit}" if info.unit else text


def minutes_text(seconds: float) -> str:
    """"12 min", "1 min 30 s", "40 s" (rounded to 10 s under 2 minutes, to a minute above)."""
    s = max(0.0, seconds)
    if s >= 120.0:
        return f"{round(s / 60.0)} min"
    s10 = round(s / 10.0) * 10
    m, sec = divmod(int(s10), 60)
    if m and sec:
        return f"{m} min {sec} s"
    if m:
        return f"{m} min"
    return f"{sec} s" if sec else "under 10 s"


def heart_rate_words(p: PersonSummary) -> tuple[str, str]:
    """(the numbers, a kind sentence) about heart rate at the start and at the end."""
    a = p.start.mean_hr_bpm if p.start else None
    b = p.end.mean_hr_bpm if p.end else None
    if a is None or b is None:
        whole = p.whole.get("mean_hr_bpm")
        if whole is None:
            return "Heart rate: not enough beats to say.", ""
        return (
            f"Heart rate: {_num('mean_hr_bpm', whole)} on average.",
            "The session was too short to compare its start with its end.",
        )
    nums = (
        f"Heart rate: {_num('mean_hr_bpm', a)} in the first two minutes, "
        f"{_num('mean_hr_bpm', b)} in the last two."
    )
    if b <= a - SAME_HR_BPM:
        kind = "It eased down as the session went on, as it often does when the body settles."
    elif b >= a + SAME_HR_BPM:
        kind = ("It was a little higher at the end. Talking, moving and feelings coming up all raise heart "
                "rate, and that is fine.")
    else:
        kind = "It stayed about the same: a steady heart rate is a calm place to practise from."
    return nums, kind


def rmssd_words(p: PersonSummary) -> tuple[str, str]:
    """(the numbers, a kind sentence) about RMSSD at the start and at the end."""
    a = p.start.rmssd_ms if p.start else None
    b = p.end.rmssd_ms if p.end else None
    label = "Beat-to-beat variability (RMSSD)"
    if a is None or b is None:
        whole = p.whole.get("rmssd_ms")
        if whole is None:
            return f"{label}: not enough beats to say.", ""
        return f"{label}: {_num('rmssd_ms', whole)} over the session.", ""
    nums = f"{label}: {_num('rmssd_ms', a)} at the start, {_num('rmssd_ms', b)} at the end."
    if b >= a * (1 + SAME_RMSSD_PCT / 100.0):
        kind = "It rose: more beat-to-beat variation often comes with a body that is settling."
    elif b <= a * (1 - SAME_RMSSD_PCT / 100.0):
        kind = ("It was lower at the end. It moves with breathing and with what a session brings up; "
                "one session says little on its own.")
    else:
        kind = "It stayed about the same."
    return nums, kind


def coherence_words(p: PersonSummary) -> tuple[str, str]:
    """(time at each level, a kind sentence)."""
    total = sum(p.level_s)
    if total <= 0:
        return ("Coherence: the session had no 64-second stretch of steady beats to measure it on.", "")
    parts = [f"{minutes_text(s)} {words}"
             for (lowest, words), s in zip(COHERENCE_LEVELS, p.level_s, strict=True) if s > 0]
    nums = "Your heart rhythm spent " + _join(parts) + "."
    kind = "Every level is fine; coherence tends to grow with practice, not with effort."
    return nums, kind


def following_words(p: PersonSummary) -> tuple[str, str]:
    """(how closely heart rate followed the guide, a kind sentence)."""
    label = metric("phase_sync").label
    if not p.guided:
        return (("There was no breathing guide in this session, so there is no rhythm to compare "
                "heart rate with."), "")
    if p.following is None:
        return ((f"{label}: the guide never held one rate for a whole minute of steady beats, so this "
                "could not be measured."), "")
    v = p.following
    if v >= CLOSELY:
        how = "closely"
        kind = "Heart rate rose with each in-breath and fell with each out-breath."
    elif v >= PARTLY:
        how = "much of the time"
        kind = "The two were in step for stretches of the session."
    else:
        how = "now and then"
        kind = "It often takes a few sessions for heart rate and breath to fall into step; there is no hurry."
    return f"Your heart rate followed the guide's breaths {how} ({v:.2f} on a scale from 0 to 1).", kind


def checkin_words(p: PersonSummary) -> str | None:
    """"You came in at 2 (a little settled), left at 4 (mostly settled)", or None without check-ins."""
    b, a = p.before, p.after
    if b is None and a is None:
        return None
    parts: list[str] = []
    if b is not None:
        parts.append(f"You came in at {b.settled} of 5 ({b.settled_words})")
    if a is not None:
        parts.append(f"{'left' if b is not None else 'You left'} at {a.settled} of 5 ({a.settled_words})")
    return ", ".join(parts) + "."


def checkin_notes(p: PersonSummary) -> list[str]:
    """The few words noted with each check-in, quoted (outside text: shown with ``printable``)."""
    from vagal.text import printable

    out: list[str] = []
    for c, when in ((p.before, "Before"), (p.after, "After")):
        if c is not None and c.words.strip():
            out.append(f"{when}, you noted: \u201c{printable(c.words.strip())}\u201d")
    return out


def care_words(p: PersonSummary) -> list[str]:
    """The core's "read with care" sentences, each a sentence that starts with a capital."""
    out: list[str] = []
    for q in p.care:
        text = q.strip()
        if text:
            out.append(text[0].upper() + text[1:] + ("" if text.endswith(".") else "."))
    return out


def _join(parts: list[str]) -> str:
    if len(parts) <= 1:
        return "".join(parts)
    return ", ".join(parts[:-1]) + " and " + parts[-1]
