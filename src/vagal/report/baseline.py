"""A person's own usual range, from their short still readings (``vagal check``).

Design decision (docs/methods.md §10 gives the references and why): the rule is the one of
Plews et al. (2012–2014) and Buchheit (2014), which HRV4Training and Elite HRV follow in
spirit, on the readings of one position (sitting or lying: they differ):

* **a reading** is a ``vagal check`` session; its numbers come from the beats after its
  first :data:`SETTLE_S` (the body settles after sitting or lying down), analysed by the
  HRV core (``analyze_rr``); at least :data:`MIN_READING_S` of beats are needed.
* **a day's value** is that day's first reading (the morning one): ln RMSSD (RMSSD in ms)
  and heart rate.
* **the 7-day average** of a day is the mean of the day values in the 7 days ending that
  day, given at least :data:`MIN_WEEK_READINGS` of them (Plews et al. 2014: three readings
  a week keep the weekly mean valid).
* **the usual range** of a day is the mean of the day values in the :data:`BAND_DAYS` days
  ending that day ± :data:`BAND_SD` × their standard deviation (the smallest worthwhile
  change), given at least :data:`MIN_READINGS` of them (a first estimate, as the issue
  asks; Elite HRV gives one after a few days and settles over two weeks).
* **today against it**: a new reading is compared with the range of the 60 days *before*
  it, so it is not part of what it is measured against.

Nothing here is a score: the words say "within your usual range", "lower than usual" or
"higher than usual", with a gentle suggestion only for a lower RMSSD.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any, Final, Literal

if TYPE_CHECKING:
    from vagal.sessions.recording import Recording

SETTLE_S: Final = 60.0
"""The first minute of a reading is left out: heart rate settles after sitting or lying down
(Plews et al. 2013 measured after a minute of stabilisation)."""
MIN_READING_S: Final = 60.0
"""The least stretch of beats a reading needs: 60 s ln RMSSD agrees with the 5-minute one
(Esco & Flatt 2014; Plews et al. 2013, docs/methods.md §1.1)."""
DEFAULT_READING_S: Final = 180.0
"""A check lasts 3 minutes by default: a minute to settle and two to measure."""
WEEK_DAYS: Final = 7
MIN_WEEK_READINGS: Final = 3
BAND_DAYS: Final = 60
BAND_SD: Final = 0.5
MIN_READINGS: Final = 5
"""Readings needed before a usual range is given (a first estimate)."""
Position = Literal["sitting", "lying"]
POSITIONS: Final[tuple[Position, ...]] = ("sitting", "lying")
Compared = Literal["within", "lower", "higher"]


@dataclass(frozen=True, slots=True)
class Reading:
    """The numbers of one still reading."""

    day: str
    """Local date, YYYY-MM-DD."""
    start: str
    """ISO 8601 start."""
    rmssd_ms: float
    mean_hr_bpm: float
    position: str = "sitting"
    file: str = ""

    @property
    def ln_rmssd(self) -> float:
        return math.log(self.rmssd_ms)


def reading_values(rec: Recording) -> tuple[float | None, float | None, tuple[str, ...], float]:
    """A still reading's RMSSD and heart rate: ``analyze_rr`` on the beats after :data:`SETTLE_S`.

    A recording shorter than ``SETTLE_S + MIN_READING_S`` keeps its last ``MIN_READING_S``
    (a shorter settle); one shorter than ``MIN_READING_S`` gives no values.

    Returns:
        ``(rmssd_ms, mean_hr_bpm, quality, settle_s)``: None where the core gives none;
        ``quality`` is the core's "read with care" sentences, ``settle_s`` what was left out.
    """
    from vagal.hrv import analyze_rr

    if rec.n_beats < 2:
        return None, None, (), 0.0
    begin = float(rec.t_s[0] - rec.rr_ms[0] / 1000.0)
    length = float(rec.t_s[-1]) - begin
    if length < MIN_READING_S:
        return None, None, (), 0.0
    settle = min(SETTLE_S, length - MIN_READING_S)
    sel = rec.t_s > begin + settle
    if int(sel.sum()) < 2:
        return None, None, (), settle
    b = rec.breaks[sel].copy()
    b[0] = True
    res = analyze_rr(rec.rr_ms[sel], t_s=rec.t_s[sel], breaks=b, correct=True)
    rmssd = float(res.rmssd_ms)
    hr = float(res.mean_hr_bpm)
    ok = math.isfinite(rmssd) and rmssd > 0
    return (rmssd if ok else None), (hr if math.isfinite(hr) else None), tuple(res.quality), settle


@dataclass(frozen=True, slots=True)
class Range:
    """A usual range: mean ± :data:`BAND_SD` × SD over the readings it rests on."""

    mean: float
    sd: float
    n: int
    """Day values it rests on."""

    @property
    def low(self) -> float:
        return self.mean - BAND_SD * self.sd

    @property
    def high(self) -> float:
        return self.mean + BAND_SD * self.sd

    def compare(self, value: float) -> Compared:
        """Where ``value`` lies: "within" the range, or "lower" / "higher"."""
        if value < self.low:
            return "lower"
        if value > self.high:
            return "higher"
        return "within"

    def to_dict(self) -> dict[str, float | int]:
        return {"mean": self.mean, "sd": self.sd, "low": self.low, "high": self.high, "n": self.n}


def _range(values: Sequence[float]) -> Range | None:
    if len(values) < MIN_READINGS:
        return None
    n = len(values)
    mean = math.fsum(values) / n
    sd = math.sqrt(math.fsum((v - mean) ** 2 for v in values) / (n - 1))
    return Range(mean, sd, n)


def day_values(readings: Iterable[Reading], position: str) -> dict[date, Reading]:
    """Each day's first reading in ``position`` (the morning one), by date."""
    out: dict[date, Reading] = {}
    for r in sorted(readings, key=lambda r: r.start):
        if r.position != position:
            continue
        d = date.fromisoformat(r.day)
        out.setdefault(d, r)
    return out


def _window(days: dict[date, Reading], end: date, n_days: int, *, include_end: bool = True) -> list[Reading]:
    last = end if include_end else end - timedelta(days=1)
    first = end - timedelta(days=n_days - 1) if include_end else end - timedelta(days=n_days)
    return [r for d, r in days.items() if first <= d <= last]


@dataclass(frozen=True, slots=True)
class BaselineDay:
    """One day of the usual-range view (days with a reading only)."""

    day: str
    ln_rmssd: float
    rmssd_ms: float
    mean_hr_bpm: float
    week_ln_rmssd: float | None
    """The 7-day average of ln RMSSD (None below :data:`MIN_WEEK_READINGS` in the 7 days)."""
    week_hr_bpm: float | None
    band_ln_rmssd: Range | None
    """The usual range of the 60 days ending that day (None below :data:`MIN_READINGS`)."""
    band_hr_bpm: Range | None

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["band_ln_rmssd"] = self.band_ln_rmssd.to_dict() if self.band_ln_rmssd else None
        d["band_hr_bpm"] = self.band_hr_bpm.to_dict() if self.band_hr_bpm else None
        return d


def baseline_days(readings: Iterable[Reading], position: str) -> list[BaselineDay]:
    """The usual-range view, one entry per day with a reading in ``position``, oldest first."""
    days = day_values(readings, position)
    # The windows by bisection over the sorted days (each day once: linear, where a scan of every
    # day for every day was quadratic in years of readings). A window holds the same readings as
    # ``_window``'s; fsum is exactly rounded, so their order does not change a mean or an SD.
    order = sorted(days)
    values = [days[d] for d in order]
    out: list[BaselineDay] = []
    for i, d in enumerate(order):
        r = values[i]
        week = values[bisect.bisect_left(order, d - timedelta(days=WEEK_DAYS - 1)) : i + 1]
        band = values[bisect.bisect_left(order, d - timedelta(days=BAND_DAYS - 1)) : i + 1]
        ok_week = len(week) >= MIN_WEEK_READINGS
        out.append(
            BaselineDay(
                day=d.isoformat(),
                ln_rmssd=r.ln_rmssd,
                rmssd_ms=r.rmssd_ms,
                mean_hr_bpm=r.mean_hr_bpm,
                week_ln_rmssd=math.fsum(x.ln_rmssd for x in week) / len(week) if ok_week else None,
                week_hr_bpm=math.fsum(x.mean_hr_bpm for x in week) / len(week) if ok_week else None,
                band_ln_rmssd=_range([x.ln_rmssd for x in band]),
                band_hr_bpm=_range([x.mean_hr_bpm for x in band]),
            )
        )
    return out


@dataclass(frozen=True)
class UsualRange:
    """What a new reading is compared with: the range of the 60 days before its day."""

    position: str
    readings: int
    """Day values in those 60 days."""
    ln_rmssd: Range | None
    hr_bpm: Range | None

    @property
    def ready(self) -> bool:
        return self.ln_rmssd is not None

    def to_dict(self) -> dict[str, Any]:
        return {
            "position": self.position,
            "readings": self.readings,
            "needed": MIN_READINGS,
            "ln_rmssd": self.ln_rmssd.to_dict() if self.ln_rmssd else None,
            "rmssd_ms": (
                {"low": math.exp(self.ln_rmssd.low),
                 "high": math.exp(self.ln_rmssd.high)} if self.ln_rmssd else None
            ),
            "hr_bpm": self.hr_bpm.to_dict() if self.hr_bpm else None,
        }


def usual_range_before(readings: Iterable[Reading], day: date, position: str) -> UsualRange:
    """The usual range a reading taken on ``day`` is compared with (the 60 days before it)."""
    days = day_values(readings, position)
    prior = _window(days, day, BAND_DAYS, include_end=False)
    return UsualRange(position, len(prior), _range([r.ln_rmssd for r in prior]),
                      _range([r.mean_hr_bpm for r in prior]))


RMSSD_WORDS: Final[dict[Compared, str]] = {
    "within": "within your usual range",
    "lower": "lower than usual: a good day to go easy",
    "higher": "higher than usual",
}
HR_WORDS: Final[dict[Compared, str]] = {
    "within": "within your usual range",
    "lower": "lower than usual",
    "higher": "a little higher than usual",
}


def reading_words(rmssd_ms: float, hr_bpm: float | None,
                  usual: UsualRange) -> tuple[list[str], dict[str, str | None]]:
    """The gentle sentences about a new reading, and where each number lies ("within"…).

    Returns:
        ``(sentences, compared)``; before :data:`MIN_READINGS` readings the sentences say how
        many there are so far and ``compared`` holds None for each.
    """
    rm = f"{rmssd_ms:.0f} ms"
    hr = f"{hr_bpm:.0f} bpm" if hr_bpm is not None else "not measured"
    if usual.ln_rmssd is None:
        have = usual.readings + 1
        left = max(MIN_READINGS - have, 0)
        more = (f"after {left} more day{'s' if left != 1 else ''} of readings, vagal can show it" if left
                else "from tomorrow's reading on, vagal can show it")
        return (
            [f"RMSSD {rm}, heart rate {hr}.",
             (f"Readings on {have} of the {MIN_READINGS} days needed for a first estimate of your usual "
              "range "
             f"({usual.position}, one reading a day counts); {more}.")],
            {"rmssd": None, "hr": None},
        )
    c_rm = usual.ln_rmssd.compare(math.log(rmssd_ms))
    lines = [f"RMSSD {rm}: {RMSSD_WORDS[c_rm]}."]
    c_hr: Compared | None = None
    if hr_bpm is not None and usual.hr_bpm is not None:
        c_hr = usual.hr_bpm.compare(hr_bpm)
        lines.append(f"Heart rate {hr}: {HR_WORDS[c_hr]}.")
    lo, hi = math.exp(usual.ln_rmssd.low), math.exp(usual.ln_rmssd.high)
    lines.append(
        f"Your usual range ({usual.position}, from {usual.readings} readings in the last {BAND_DAYS} days): "
        "RMSSD "
        f"{lo:.0f}–{hi:.0f} ms" + (f", heart rate {usual.hr_bpm.low:.0f}–{usual.hr_bpm.high:.0f} bpm"
                                   if usual.hr_bpm is not None else "") + "."
    )
    return lines, {"rmssd": c_rm, "hr": c_hr}
