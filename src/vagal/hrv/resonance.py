"""Scoring a resonance-frequency assessment from RR intervals and the guide alone (docs/methods.md §6.6).

Design decision: the breathing guide is the respiration reference. vagal has no
respiration belt, so every criterion of the literature is computed against the guide's
own timing, which the schedule knows exactly: each step's scored window starts on a
breath start of the guide and holds whole breaths at one rate
(:func:`vagal.pacer.resonance_schedule`). Per step, on the window's beats (after the
Lipponen–Tarvainen correction):

* **RSA** (``rsa_bpm``): peak-to-trough heart rate of every guide breath, median over the
  breaths, on heart rate band-passed around the guide's frequency (the engine's
  :func:`vagal.hrv.breath.rsa_pacer_cycles`).
* **LF peak** (``lf_peak_hz``, ``lf_peak_ms2``, ``lf_peak_height_ms2_per_hz``): the largest
  point of the RR spectrum (ms²/Hz, one Hann periodogram of the window, 4 Hz cubic
  spline, linear detrend) in 0.04–0.26 Hz, the power within ±0.015 Hz of it (ms²) and its
  height. The RR spectrum (not heart rate's) so the numbers are the ms² that Kubios,
  Elite HRV and the rest of vagal report.
* **Concentration** (``peak_concentration``): power within ±0.015 Hz of the guide's
  frequency over all power in 0.04–0.26 Hz: 1 when the spectrum is one peak at the breath.
* **Phase** (``phase_deg``): per breath, the phase of heart rate's oscillation at the
  guide's frequency minus the phase of the guide's lung volume at that frequency; the
  circular mean over breaths; positive when heart rate leads. Near 0° at resonance.
  ``phase_consistency`` is the mean resultant length (0..1).
* **Smoothness** (``smoothness``): the share of heart rate's variance (mean and linear
  trend removed) that one sinusoid at the guide's frequency explains. A smooth,
  sine-like curve is near 1; beat-to-beat jitter, other rhythms and a wandering
  envelope lower it.

Heart rate is placed at the middle of each RR interval (the interval's mean rate
belongs there): at the beat that ends it, it would lag by half a beat (≈ 17° at
6/min and 65 bpm). The choice weighs the criteria (:data:`WEIGHTS`), each scaled to the
best followed step, and reports how clear the winner is (:data:`CLEAR_MARGIN`). A step
is marked and left out when the person plainly did not follow (no breath near the
guide's rate in the RR spectrum, a faster breath of their own, or heart rate not keeping
time with the guide) or when it has too many corrected beats or missing time; with too
few followed steps there is no result, and a plain reason.

The breath-linked helpers (band-pass, RSA per pacer cycle, the breathing-rate estimator)
are the engine's (:mod:`vagal.hrv.breath`), imported inside the functions: they are pure,
and one implementation serves the live dashboard and this assessment.

References:
    docs/methods.md §6.5–6.6 (Lehrer, Vaschillo & Vaschillo 2000; Lehrer & Gevirtz 2014;
    Shaffer & Meehan 2020; Capdevila et al. 2021).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field, fields, replace
from functools import lru_cache
from typing import TYPE_CHECKING, Final, Literal

import numpy as np
import numpy.typing as npt

from vagal.hrv._common import FloatArray, as_breaks, as_rr
from vagal.hrv.spectral import DEFAULT_FS_HZ, psd_welch
from vagal.pacer import PRESETS, BreathPattern, Pacer, ResonanceStep, pattern_at_rate

if TYPE_CHECKING:
    from vagal.hrv.artifacts import Corrected

SEARCH_BAND_HZ: Final = (0.04, 0.26)
"""Where the LF peak is looked for and the concentration's denominator (the coherence
ratio's band, docs/methods.md §6.1): it holds every rate from 2.4 to 15.6/min, so the children's
9.5/min (0.158 Hz, above the 0.15 Hz LF edge) is still measured."""
PEAK_HALF_WIDTH_HZ: Final = 0.015
"""Half-width of the peak window (HeartMath's, §6.1); a 2-min Hann window's main lobe is
±0.017 Hz, so a steady sinusoid puts ≈ 97 % of its power inside."""
FOLLOW_TOLERANCE_PER_MIN: Final = 0.75
"""A step counts as followed only when the breathing rate found in the RR spectrum is
within this of the guide's: half the next step (0.5/min) plus half the spectral
resolution of a 2-min window (1/120 Hz = 0.5/min)."""
PHASE_BAND_RATIO: Final = (0.6, 1.6)
"""Band-pass for the per-breath phase, as multiples of the guide's frequency."""
MIN_GUIDE_LOCKED: Final = 0.25
"""... and when at least a quarter of heart rate's breath-band variance keeps time with the
guide over the whole window (``guide_locked``). (The per-breath ``phase_consistency``
says much the same and is only reported: on the simulator a threshold on it left out no
step that this one kept; unrelated rhythms give it about 0.3 for 11 breaths, but up to
0.8 when slow Mayer waves sit near the guide's rate.)"""
OWN_BREATH_MIN_PER_MIN: Final = 9.0
"""A step is not followed when, read as if there were no guide, the RR spectrum shows a
breath of at least this rate and faster than the guide (the engine's unguided estimator,
which prefers a breath above 7/min over the Mayer waves): the person breathed at their
own pace. Below 9/min, that estimator mostly finds Mayer waves spilling over 7/min, not
a breath (resting breathing is 9-20/min)."""
MAX_ARTIFACT_SHARE: Final = 0.05
"""A step with more than 5 % of its beats corrected is left out (vagal greys out live HRV
above 5 % too, docs/methods.md §5.3)."""
MAX_MISSING_SHARE: Final = 0.05
"""... as is a step with more than 5 % of its scored time without beats (drop-outs)."""
MIN_FOLLOWED_STEPS: Final = 3
"""Fewest followed steps for a result (fewer when the pass has fewer steps, never under 2)."""
CLEAR_MARGIN: Final = 0.15
"""The best rate is "clear" when its combined score beats every other followed rate's by at
least this (scores run 0..1); otherwise every rate within it is named. Set from the
simulator (docs/methods.md §6.6): the same rate breathed twice in one session differs in
combined score by 0.126 (SD of the difference, 30 people × 5 rates), so two equally good
rates part by 0.15 or more about one time in eight."""
WEIGHTS: Final[dict[str, float]] = {
    "rsa": 0.30,
    "lf_peak_power": 0.25,
    "lf_peak_height": 0.15,
    "phase": 0.10,
    "smoothness": 0.10,
    "concentration": 0.10,
}
"""Weights of the criteria in the combined score (they sum to 1). The amplitude criteria
carry 0.70: they are measured on heart rate itself, and later work reduced the six
criteria to peak-to-trough heart rate and LF power (docs/methods.md §6.5). The phase, first in
Shaffer & Meehan's list, is measured here against the guide, not the breath (a person
breathing 0.6 s behind the guide shifts it by 22° at 6/min), so it only breaks near-ties.
Without the guide's timing (one file per rate) its weight is shared out among the rest."""

Confidence = Literal["clear", "close"]
_RR_MAX_MS: Final = 3000.0


@dataclass(frozen=True, slots=True)
class StepScore:
    """The criteria of one step of the assessment (None where not measurable)."""

    index: int
    """The step's position in its pass."""
    rate_per_min: float
    """The guide's rate, breaths per minute."""
    start_s: float
    """When the step began, session seconds."""
    scored_from_s: float
    """Start of the scored window, session seconds."""
    end_s: float
    """End of the scored window, session seconds."""
    followed: bool
    """True when the step was breathed with the guide and its beats are clean enough."""
    reason: str | None
    """Plain words for why the step is left out (None when followed)."""
    beats: int
    """Beats in the scored window."""
    artifact_pct: float
    """Share of those beats corrected, percent."""
    breathing_rate_per_min: float | None
    """The breath found in the RR spectrum, breaths/min: its dominant peak in 3-30/min, or
    the peak near the guide when that holds ≥ 30 % of the dominant one; for a step left
    out because the person breathed at their own pace, that faster breath."""
    rsa_bpm: float | None
    """Median peak-to-trough heart rate per guide breath, bpm."""
    lf_peak_hz: float | None
    """Frequency of the largest RR-spectrum point in 0.04–0.26 Hz, Hz."""
    lf_peak_ms2: float | None
    """RR power within ±0.015 Hz of that peak, ms²."""
    lf_peak_height_ms2_per_hz: float | None
    """The peak's height, ms²/Hz."""
    peak_concentration: float | None
    """RR power within ±0.015 Hz of the guide's frequency / power in 0.04–0.26 Hz (0..1)."""
    phase_deg: float | None
    """Heart rate's phase against the guide's lung volume at the guide's frequency, circular
    mean over breaths, degrees in (-180, 180]; positive: heart rate leads. None without
    the guide's timing."""
    phase_consistency: float | None
    """Mean resultant length of the per-breath phases (0..1)."""
    smoothness: float | None
    """Share of heart rate's variance explained by one sinusoid at the guide's frequency (0..1)."""
    guide_locked: float | None
    """The same share for heart rate band-passed around the guide's frequency (0..1): how
    much of the breath-band rhythm keeps time with the guide over the whole window."""
    score: float | None = None
    """Combined score 0..1 among the followed steps of its pass (None when left out)."""

    def to_dict(self) -> dict[str, float | int | bool | str | None]:
        """The step as JSON-ready values (``vagal resonance --json``'s ``steps`` items)."""
        return {
            "index": self.index,
            "rate_per_min": self.rate_per_min,
            "start_s": _r(self.start_s, 3),
            "scored_from_s": _r(self.scored_from_s, 3),
            "end_s": _r(self.end_s, 3),
            "followed": self.followed,
            "reason": self.reason,
            "beats": self.beats,
            "artifact_pct": _r(self.artifact_pct, 2),
            "breathing_rate_per_min": _r(self.breathing_rate_per_min, 2),
            "rsa_bpm": _r(self.rsa_bpm, 2),
            "lf_peak_hz": _r(self.lf_peak_hz, 4),
            "lf_peak_ms2": _r(self.lf_peak_ms2, 1),
            "lf_peak_height_ms2_per_hz": _r(self.lf_peak_height_ms2_per_hz, 1),
            "peak_concentration": _r(self.peak_concentration, 3),
            "phase_deg": _r(self.phase_deg, 1),
            "phase_consistency": _r(self.phase_consistency, 3),
            "smoothness": _r(self.smoothness, 3),
            "guide_locked": _r(self.guide_locked, 3),
            "score": _r(self.score, 3),
        }


def _r(x: float | None, nd: int) -> float | None:
    return None if x is None or not math.isfinite(x) else round(float(x), nd)


@dataclass(frozen=True, slots=True)
class ResonanceResult:
    """The assessment's outcome: every step's criteria and the rate chosen, or why none was."""

    steps: tuple[StepScore, ...]
    """Every step, followed or not, in the order breathed."""
    best_rate_per_min: float | None
    """The chosen rate, breaths per minute; None when there is no result."""
    confidence: Confidence | None
    """"clear" when the best step beats every other followed one by ``CLEAR_MARGIN`` or more,
    "close" otherwise; None when there is no result."""
    close_rates_per_min: tuple[float, ...] = ()
    """The rates within ``CLEAR_MARGIN`` of the best, best first (just the best when clear)."""
    margin: float | None = None
    """The best combined score minus the runner-up's (0..1)."""
    reason: str | None = None
    """Plain words for why there is no result (None when there is one)."""
    guided: bool = True
    """True when the guide's timing was known (the phase was measured)."""
    weights: dict[str, float] = field(default_factory=lambda: dict(WEIGHTS))
    """The weights used (without the guide's timing, the phase's share went to the rest)."""

    @property
    def summary(self) -> str:
        """The short verdict: "5.5 clearly", "5.5 or 5.0: close", or "no result"."""
        if self.best_rate_per_min is None:
            return "no result"
        if self.confidence == "clear":
            return f"{_rate(self.best_rate_per_min)} clearly"
        return _either(self.close_rates_per_min) + ": close"

    @property
    def followed_steps(self) -> int:
        """How many steps were followed."""
        return sum(1 for s in self.steps if s.followed)

    def to_dict(self) -> dict[str, object]:
        """JSON-ready: ``steps``, ``best_rate_per_min``, ``confidence`` and the plain sentence."""
        return {
            "steps": [s.to_dict() for s in self.steps],
            "best_rate_per_min": self.best_rate_per_min,
            "confidence": self.confidence,
            "summary": self.summary,
            "close_rates_per_min": list(self.close_rates_per_min),
            "margin": _r(self.margin, 3),
            "reason": self.reason,
            "guided": self.guided,
            "weights": dict(self.weights),
            "sentence": describe(self),
        }


def _rate(r: float) -> str:
    """A rate for people: "5.5", "6", "5.25"."""
    return f"{r:.2f}".rstrip("0").rstrip(".")


def _either(rates: Sequence[float]) -> str:
    """ "5.5", "5.5 or 5", "5.5, 5 or 6"."""
    names = [_rate(r) for r in rates]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]


# --- per-step criteria ----------------------------------------------------------------


@lru_cache(maxsize=64)
def _guide_fundamental(pattern: BreathPattern) -> complex:
    """The guide's lung volume at its own frequency over one breath: Σ v(u)·e^{-2πiu}, u in [0, 1)."""
    pacer = Pacer(pattern)
    n = 512
    c = pattern.cycle_s
    u = np.arange(n, dtype=np.float64) / n
    v = np.array([pacer.volume_at(float(x) * c) for x in u])
    return complex(np.sum(v * np.exp(-2j * np.pi * u)))


def _band_power(f: FloatArray, p: FloatArray, lo: float, hi: float) -> float:
    m = (f >= lo - 1e-12) & (f <= hi + 1e-12)
    if np.count_nonzero(m) < 2:
        return math.nan
    return float(np.trapezoid(p[m], f[m]))


def _spline(x: FloatArray, y: FloatArray, grid: FloatArray) -> FloatArray:
    """Cubic spline through (x, y) on ``grid``; grid points past the ends take the end values."""
    from scipy.interpolate import CubicSpline

    g = np.clip(grid, x[0], x[-1])
    if x.size < 4:
        out: FloatArray = np.interp(g, x, y)
        return out
    res: FloatArray = CubicSpline(x, y)(g)
    return res


@dataclass(frozen=True, slots=True)
class _Criteria:
    breathing_rate_per_min: float | None
    rsa_bpm: float | None
    lf_peak_hz: float | None
    lf_peak_ms2: float | None
    lf_peak_height_ms2_per_hz: float | None
    peak_concentration: float | None
    phase_deg: float | None
    phase_consistency: float | None
    smoothness: float | None
    guide_locked: float | None
    unguided_rate_per_min: float | None
    """The engine's estimate as if there were no guide (it prefers a breath above 7/min
    over slower Mayer waves): a person breathing at their own pace shows up here."""


_SHOWN: Final = tuple(f.name for f in fields(_Criteria) if f.name != "unguided_rate_per_min")
"""The criteria a :class:`StepScore` shows."""
_NONE: Final = _Criteria(None, None, None, None, None, None, None, None, None, None, None)


def step_criteria(
    t_s: npt.ArrayLike,
    rr_ms: npt.ArrayLike,
    *,
    rate_per_min: float,
    scored_from_s: float,
    end_s: float,
    pattern: BreathPattern | None = None,
    fs_hz: float = DEFAULT_FS_HZ,
) -> _Criteria:
    """Every criterion of one scored window, on clean beats.

    Args:
        t_s: Beat times, seconds, strictly increasing (beats before and after the window
            may be included: they steady the spline and the band-pass at its edges).
        rr_ms: NN intervals, ms.
        rate_per_min: The guide's rate in the window, breaths per minute.
        scored_from_s: Start of the window: a breath start of the guide (the phase's
            origin); any time when ``pattern`` is None.
        end_s: End of the window.
        pattern: The guide's breath (its lung volume gives the phase reference); None when
            the guide's timing is unknown: then there is no ``phase_deg``, and the rest is
            measured against a steady rhythm at ``rate_per_min`` starting at ``scored_from_s``.
        fs_hz: Resampling rate, Hz.

    Returns:
        The criteria; a criterion is None when the window cannot give it (fewer than two
        whole breaths, no power in the band).

    References:
        docs/methods.md §6.6.
    """
    from vagal.hrv.breath import band_pass, breathing_rate_per_min, rsa_band_hz, rsa_pacer_cycles

    t = as_rr(t_s)
    rr = as_rr(rr_ms)
    cycle_s = 60.0 / rate_per_min
    f_g = rate_per_min / 60.0
    none = _NONE
    n = math.floor((end_s - scored_from_s) * fs_hz + 1e-9) + 1
    inside = (t >= scored_from_s) & (t <= end_s)
    if n < 8 or np.count_nonzero(inside) < 4 or t.size < 4:
        return none
    grid = scored_from_s + np.arange(n, dtype=np.float64) / fs_hz

    # The RR spectrum of the window: one Hann periodogram (a single Welch segment).
    rr_g = _spline(t, rr, grid)
    f, p = psd_welch(rr_g, fs_hz, segment_s=(n + 1) / fs_hz, detrend="linear")
    br = _breath_rate(f, p, rate_per_min) if f.size else None
    own = breathing_rate_per_min(f, p, paced=False) if f.size else None
    lo, hi = SEARCH_BAND_HZ
    sb = np.flatnonzero((f >= lo) & (f <= hi))
    lf_hz = lf_ms2 = lf_h = conc = None
    if sb.size >= 3:
        k = int(sb[np.argmax(p[sb])])
        total = _band_power(f, p, lo, hi)
        if p[k] > 0 and total > 0:
            lf_hz = float(f[k])
            lf_h = float(p[k])
            lf_ms2 = _band_power(f, p, lf_hz - PEAK_HALF_WIDTH_HZ, lf_hz + PEAK_HALF_WIDTH_HZ)
            conc = min(_band_power(f, p, f_g - PEAK_HALF_WIDTH_HZ, f_g + PEAK_HALF_WIDTH_HZ) / total, 1.0)

    # Heart rate at the middle of each interval, on a grid one breath wider each side
    # (the band-pass's edges) where the beats reach.
    mid = t - rr / 2000.0
    hr = 60000.0 / rr
    pad = cycle_s
    wide_lo = max(scored_from_s - pad, float(mid[0]))
    wide_hi = min(end_s + pad, float(mid[-1]))
    k0 = math.ceil((wide_lo - scored_from_s) * fs_hz - 1e-9)
    k1 = math.floor((wide_hi - scored_from_s) * fs_hz + 1e-9)
    k0, k1 = min(k0, 0), max(k1, n - 1)
    wide = scored_from_s + np.arange(k0, k1 + 1, dtype=np.float64) / fs_hz
    hr_w = _spline(mid, hr, wide)
    band = rsa_band_hz(f_g)
    hr_bp_w = band_pass(hr_w, fs_hz, band[0], band[1])
    sl = slice(-k0, -k0 + n)
    hr_g, hr_bp = hr_w[sl], hr_bp_w[sl]
    lo_p, hi_p = PHASE_BAND_RATIO
    hr_ph = band_pass(hr_w, fs_hz, lo_p * f_g, hi_p * f_g)[sl]

    amps = rsa_pacer_cycles(grid, hr_bp, scored_from_s, cycle_s)
    rsa = float(np.median(amps)) if len(amps) >= 2 else None

    # Per-breath phase at the guide's frequency (whole breaths only).
    u = (grid - scored_from_s) / cycle_s
    n_breaths = math.floor(float(u[-1]) + 1e-9)
    phase = consistency = None
    if n_breaths >= 2:
        k_idx = np.floor(u + 1e-9).astype(np.intp)
        keep = k_idx < n_breaths
        e = hr_ph[keep] * np.exp(-2j * np.pi * u[keep])
        z = np.bincount(k_idx[keep], weights=e.real, minlength=n_breaths) + 1j * np.bincount(
            k_idx[keep], weights=e.imag, minlength=n_breaths
        )
        mag = np.abs(z)
        if (mag > 0).all():
            m = complex(np.mean(z / mag))
            consistency = abs(m)
            if pattern is not None:
                ref = _guide_fundamental(pattern)
                phase = math.degrees(math.atan2((m * ref.conjugate()).imag, (m * ref.conjugate()).real))

    # Smoothness: R² of one sinusoid at the guide's frequency over mean + linear trend;
    # the same fit on the band-passed series gives the share locked to the guide.
    tau = grid - grid.mean()
    base = np.column_stack((np.ones(n), tau))
    full = np.column_stack((base, np.cos(2 * np.pi * u), np.sin(2 * np.pi * u)))
    smooth = _explained(base, full, hr_g)
    locked = _explained(base, full, hr_ph)

    return _Criteria(br, rsa, lf_hz, lf_ms2, lf_h, conc, phase, consistency, smooth, locked, own)


def _explained(base: FloatArray, full: FloatArray, y: FloatArray) -> float | None:
    """Share of ``y``'s variance left by ``base`` that the extra columns of ``full`` explain."""
    res0 = y - base @ np.linalg.lstsq(base, y, rcond=None)[0]
    res1 = y - full @ np.linalg.lstsq(full, y, rcond=None)[0]
    ss0 = float(res0 @ res0)
    return max(0.0, 1.0 - float(res1 @ res1) / ss0) if ss0 > 0 else None


def _breath_rate(f: FloatArray, p: FloatArray, rate_per_min: float) -> float | None:
    """The breathing rate in the RR spectrum, breaths/min (the engine's estimator).

    The dominant peak in 3-30/min, as the engine finds it; but when that is not near the
    guide and a peak near the guide holds at least ``PREFER_FAST_RATIO`` (30 %) of its
    power, the breath is that one: slow Mayer waves can outgrow the breath's peak when
    the guide is far from the resonance (the engine prefers a breath over them by the
    same ratio).
    """
    from vagal.hrv.breath import BREATH_BAND_HZ, PREFER_FAST_RATIO, breathing_rate_per_min

    br = breathing_rate_per_min(f, p, paced=True)
    if br is None or abs(br - rate_per_min) <= FOLLOW_TOLERANCE_PER_MIN:
        return br
    tol_hz = FOLLOW_TOLERANCE_PER_MIN / 60.0
    f_g = rate_per_min / 60.0
    near = np.flatnonzero((f >= f_g - tol_hz) & (f <= f_g + tol_hz))
    band = (f >= BREATH_BAND_HZ[0]) & (f < BREATH_BAND_HZ[1])
    if near.size < 3 or not band.any():
        return br
    k = int(near[np.argmax(p[near])])
    if k in (int(near[0]), int(near[-1])) or p[k] < PREFER_FAST_RATIO * float(p[band].max()):
        return br  # no peak of its own near the guide, or too small
    local = breathing_rate_per_min(f[k - 1 : k + 2], p[k - 1 : k + 2], paced=True)
    return local if local is not None else br


def _covered_s(t: FloatArray, rr: FloatArray, a: float, b: float) -> float:
    """Seconds of [a, b] covered by the beats' intervals (each interval ends at its beat)."""
    if t.size == 0:
        return 0.0
    start = t - rr / 1000.0
    start[1:] = np.maximum(start[1:], t[:-1])
    return float(np.sum(np.clip(np.minimum(t, b) - np.maximum(start, a), 0.0, None)))


def _score_window(
    t_in: FloatArray,
    cleaned: Corrected,
    *,
    index: int,
    rate_per_min: float,
    start_s: float,
    scored_from_s: float,
    end_s: float,
    pattern: BreathPattern | None,
) -> StepScore:
    a, b = scored_from_s, end_s
    in_win = (t_in >= a) & (t_in <= b)
    n_in = int(np.count_nonzero(in_win))
    fixed = cleaned.corrected_indices
    n_fixed = int(np.count_nonzero(in_win[fixed])) if fixed.size else 0
    art_pct = 100.0 * n_fixed / n_in if n_in else 0.0
    tn, rn = cleaned.t_s, cleaned.rr_ms
    missing = (b - a) - _covered_s(tn, rn, a, b)

    def step(reason: str | None, c: _Criteria | None = None) -> StepScore:
        c = c or _NONE
        return StepScore(
            index=index,
            rate_per_min=rate_per_min,
            start_s=start_s,
            scored_from_s=a,
            end_s=b,
            followed=reason is None,
            reason=reason,
            beats=n_in,
            artifact_pct=art_pct,
            **{name: getattr(c, name) for name in _SHOWN},
        )

    if n_in < 4:
        return step("no heartbeats were recorded in this step")
    if missing > MAX_MISSING_SHARE * (b - a):
        return step(f"the strap lost the heartbeat for {missing:.0f} s of this step")
    if n_fixed > MAX_ARTIFACT_SHARE * n_in:
        return step(f"{art_pct:.0f} % of this step's beats needed correcting (the strap may have moved)")
    c = step_criteria(tn, rn, rate_per_min=rate_per_min, scored_from_s=a, end_s=b, pattern=pattern)
    br, own = c.breathing_rate_per_min, c.unguided_rate_per_min
    guide = f"the guide's {_rate(rate_per_min)}/min"
    if br is None or abs(br - rate_per_min) > FOLLOW_TOLERANCE_PER_MIN:
        if br is None:
            return step(f"the heart rate showed no breathing rhythm, not {guide}", c)
        return step(f"the heart rate's main rhythm was about {br:.1f}/min, not {guide}", c)
    if own is not None and own > rate_per_min + FOLLOW_TOLERANCE_PER_MIN and own >= OWN_BREATH_MIN_PER_MIN:
        c = replace(c, breathing_rate_per_min=own)
        return step(f"the heart rate showed breathing at about {own:.1f}/min, faster than {guide}", c)
    if (c.guide_locked or 0.0) < MIN_GUIDE_LOCKED:
        return step("the heart rate did not keep time with the guide's breaths", c)
    return step(None, c)


def _checked(
    t_s: npt.ArrayLike, rr_ms: npt.ArrayLike, breaks: npt.ArrayLike | None
) -> tuple[FloatArray, FloatArray, npt.NDArray[np.bool_]]:
    t = as_rr(t_s)
    rr = as_rr(rr_ms)
    if t.size != rr.size:
        raise ValueError(f"t_s and rr_ms must have the same length: {t.size} vs {rr.size}")
    b = as_breaks(breaks, rr.size)
    if t.size and not (np.isfinite(t).all() and (np.diff(t) > 0).all()):
        raise ValueError("t_s must be finite and strictly increasing")
    return t, rr, b


def score_assessment(
    t_s: npt.ArrayLike,
    rr_ms: npt.ArrayLike,
    steps: Sequence[ResonanceStep],
    *,
    breaks: npt.ArrayLike | None = None,
    guided: bool = True,
) -> ResonanceResult:
    """Score every step of an assessment recorded as one RR series, and choose the rate.

    Args:
        t_s: Beat times, session seconds, strictly increasing.
        rr_ms: RR intervals, ms (raw: artifacts are corrected here, Lipponen–Tarvainen).
        steps: The schedule's steps (``resonance_schedule(...).steps``, or rebuilt from a
            recording). Each ``scored_from_s`` is a breath start of the guide.
        breaks: ``breaks[i]`` True when a gap (drop-out) precedes beat i.
        guided: False when the guide's timing is not known (then no phase is measured).

    Returns:
        The :class:`ResonanceResult`.

    Raises:
        ValueError: ``t_s`` and ``rr_ms`` differ in length, or ``t_s`` is not increasing.

    References:
        docs/methods.md §6.6.
    """
    from vagal.hrv.artifacts import correct_artifacts

    t, rr, b = _checked(t_s, rr_ms, breaks)
    cleaned = correct_artifacts(rr, t_s=t, breaks=b)
    scores = [
        _score_window(
            t,
            cleaned,
            index=s.index,
            rate_per_min=s.rate_per_min,
            start_s=s.start_s,
            scored_from_s=s.scored_from_s,
            end_s=s.end_s,
            pattern=s.pattern if guided else None,
        )
        for s in steps
    ]
    return choose(scores, guided=guided)


def score_recordings(
    recordings: Sequence[tuple[npt.ArrayLike, npt.ArrayLike]],
    rates_per_min: Sequence[float],
    *,
    settle_s: float = 0.0,
) -> ResonanceResult:
    """Score one recording per rate (``vagal resonance --from a.txt b.txt --rates …``).

    Each recording is a whole step, breathed at its rate by hand (e.g. with another app's
    pacer): its beats from ``settle_s`` after its first beat to its last are scored
    against a steady rhythm at the rate. The guide's timing is not in such files, so no
    phase is measured and its weight goes to the other criteria.

    Args:
        recordings: ``(t_s, rr_ms)`` per recording, each on its own time axis.
        rates_per_min: The rate breathed in each, breaths per minute.
        settle_s: Seconds at the start of each recording left out.

    Returns:
        The :class:`ResonanceResult`; its steps' times are each recording's own.

    Raises:
        ValueError: the counts differ, a rate is out of range, or ``settle_s`` < 0.
    """
    from vagal.hrv.artifacts import correct_artifacts

    if len(recordings) != len(rates_per_min):
        raise ValueError(
            f"one rate per recording: got {len(recordings)} recordings and {len(rates_per_min)} rates"
        )
    if not (math.isfinite(settle_s) and settle_s >= 0):
        raise ValueError(f"settle_s must be a finite number of seconds >= 0, got {settle_s!r}")
    scores: list[StepScore] = []
    for i, ((ts, rs), rate) in enumerate(zip(recordings, rates_per_min, strict=True)):
        pattern_at_rate(PRESETS["resonance"], rate)  # checks the rate (2-30/min)
        t, rr, b = _checked(ts, rs, None)
        if t.size < 4:
            scores.append(
                StepScore(
                    index=i, rate_per_min=float(rate), start_s=0.0, scored_from_s=0.0, end_s=0.0,
                    followed=False, reason="the recording holds too few beats", beats=int(t.size),
                    artifact_pct=0.0, **dict.fromkeys(_SHOWN),
                )
            )  # fmt: skip
            continue
        t0 = float(t[0] - rr[0] / 1000.0) if 0 < rr[0] < _RR_MAX_MS else float(t[0])
        cleaned = correct_artifacts(rr, t_s=t, breaks=b)
        scores.append(
            _score_window(
                t,
                cleaned,
                index=i,
                rate_per_min=float(rate),
                start_s=t0,
                scored_from_s=float(t[0]) + settle_s,
                end_s=float(t[-1]),
                pattern=None,
            )
        )
    return choose(scores, guided=False)


# --- the choice -------------------------------------------------------------------------


def _weights(guided: bool) -> dict[str, float]:
    if guided:
        return dict(WEIGHTS)
    rest = {k: v for k, v in WEIGHTS.items() if k != "phase"}
    total = sum(rest.values())
    return {k: v / total for k, v in rest.items()}


def _criterion_values(s: StepScore) -> dict[str, float | None]:
    phase = None if s.phase_deg is None else 0.5 * (1.0 + math.cos(math.radians(s.phase_deg)))
    return {
        "rsa": s.rsa_bpm,
        "lf_peak_power": s.lf_peak_ms2,
        "lf_peak_height": s.lf_peak_height_ms2_per_hz,
        "phase": phase,
        "smoothness": s.smoothness,
        "concentration": s.peak_concentration,
    }


def choose(steps: Sequence[StepScore], *, guided: bool = True) -> ResonanceResult:
    """Combine the criteria of the followed steps into scores and choose the rate.

    Each criterion is scaled to the best followed step (RSA, LF peak power and height,
    smoothness and concentration as a share of the largest; the phase as
    (1 + cos φ)/2, 1 at 0°), and the combined score is their weighted sum
    (:data:`WEIGHTS`). The best step wins; it is "clear" when no other followed step
    comes within :data:`CLEAR_MARGIN`, "close" otherwise (all those within it are
    named). A rate breathed twice (the refine pass) counts its better step.

    Returns:
        The result, with each followed step's ``score`` filled in; no result (and a plain
        reason) when fewer than ``MIN_FOLLOWED_STEPS`` steps were followed.
    """
    w = _weights(guided)
    followed = [s for s in steps if s.followed]
    need = max(2, min(MIN_FOLLOWED_STEPS, len(steps)))
    if len(followed) < need:
        if len(steps) < 2:
            why = "one rate alone cannot be compared with others"
        elif not followed:
            why = "no step showed the guide's rhythm in the heart rate, so there is nothing to compare"
        else:
            why = (
                f"only {len(followed)} of {len(steps)} steps showed the guide's rhythm in the heart rate; "
                f"choosing a rate needs at least {need}"
            )
        return ResonanceResult(tuple(steps), None, None, reason=why, guided=guided, weights=w)
    values = [_criterion_values(s) for s in followed]
    scored: list[StepScore] = []
    best_of: dict[str, float] = {}
    for name in w:
        vs = [x for v in values if (x := v[name]) is not None and math.isfinite(x)]
        best_of[name] = max(vs) if vs else 0.0
    by_index: dict[int, float] = {}
    for s, v in zip(followed, values, strict=True):
        total = 0.0
        for name, weight in w.items():
            x = v[name]
            if x is None or not math.isfinite(x):
                continue
            scale = 1.0 if name == "phase" else best_of[name]
            total += weight * (max(x, 0.0) / scale if scale > 0 else 0.0)
        by_index[id(s)] = total
    for s in steps:
        scored.append(s if not s.followed else _with_score(s, by_index[id(s)]))
    # One score per rate (a rate breathed twice keeps its better step).
    per_rate: dict[float, float] = {}
    for s in scored:
        if s.score is not None:
            per_rate[s.rate_per_min] = max(per_rate.get(s.rate_per_min, -1.0), s.score)
    ranked = sorted(per_rate.items(), key=lambda kv: kv[1], reverse=True)
    best_rate, best = ranked[0]
    margin = best - ranked[1][1] if len(ranked) > 1 else None
    if margin is None:
        return ResonanceResult(
            tuple(scored), None, None,
            reason="only one rate showed the guide's rhythm in the heart rate; choosing needs at least two",
            guided=guided, weights=w,
        )  # fmt: skip
    close = tuple(r for r, v in ranked if best - v < CLEAR_MARGIN)
    confidence: Confidence = "clear" if len(close) == 1 else "close"
    return ResonanceResult(tuple(scored), best_rate, confidence, close, margin, None, guided, w)


def _with_score(s: StepScore, score: float) -> StepScore:
    return replace(s, score=score)


# --- plain words ------------------------------------------------------------------------


def describe(result: ResonanceResult) -> str:
    """Plain, kind words for the result (the screen, the report and ``--json``'s ``sentence``).

    Says what was found and how sure it is, that the result varies from day to day
    (Capdevila et al. 2021: it changed at retest in two of three people) and that it
    rests on breathing with the guide. Never asks the person to try harder.
    """
    day_to_day = (
        "Your resonance rate can differ from day to day (in one study it had changed at a "
        "second visit for two people in three), so it is worth finding again now and then."
    )
    if result.best_rate_per_min is None:
        n = len(result.steps)
        left = [s for s in result.steps if not s.followed]
        why = result.reason or "the steps could not be compared"
        tail = ""
        if left and n:
            tail = (
                " That can happen for many reasons: the pace felt unfamiliar, the strap "
                "slipped, or the body was busy with something else. Any time you like, "
                "you can try again."
            )
        return f"No breathing rate was chosen this time: {why}.{tail}"
    best = _rate(result.best_rate_per_min)
    steps = result.steps
    rates = sorted({s.rate_per_min for s in steps})
    edge = ""
    if len(rates) > 2 and result.best_rate_per_min in (rates[0], rates[-1]):
        side = "slowest" if result.best_rate_per_min == rates[0] else "fastest"
        edge = f" It was the {side} rate tried, so your own rate may lie a little beyond it."
    if result.confidence == "clear":
        head = f"Your heart rate swung most with the breath at {best} breaths a minute, clearly."
    elif len(result.close_rates_per_min) >= 3 and len(result.close_rates_per_min) == len(
        {s.rate_per_min for s in steps if s.followed}
    ):
        head = (
            f"Your heart rate swung about as much at every rate that could be compared; {best} "
            "came out a little ahead. Any of them is a good pace to practise at."
        )
    else:
        others = _either(result.close_rates_per_min)
        head = (
            f"Your heart rate swung about as much at {others} breaths a minute; "
            f"{best} came out a little ahead. Any of these is a good pace to practise at."
        )
    skipped = [s for s in steps if not s.followed]
    follow = " The result rests on breathing along with the guide" + (
        f"; {len(skipped)} step{'s were' if len(skipped) != 1 else ' was'} left out because "
        "the heart rate did not show the guide's rhythm there or the beats were unclear."
        if skipped
        else ", and every step showed its rhythm."
    )
    return f"{head}{edge}{follow} {day_to_day}"
