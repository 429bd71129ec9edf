"""Everything vagal computes on one record: :func:`analyze_rr` → :class:`HrvResult`.

Design: one pure function that runs the core in a fixed order (artifact correction,
time domain, spectrum, nonlinear, coherence) and keeps, for every metric it cannot give,
the reason in plain words. ``HrvResult.to_dict()`` is exactly what ``vagal analyze
--json`` prints; the report and the session list read the same object.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Final, Literal

import numpy as np
import numpy.typing as npt

from vagal.hrv._common import NAN, BoolArray, FloatArray, as_breaks, as_rr, stretches
from vagal.hrv.artifacts import (
    MISSED_MAX_BEATS,
    MISSED_MIN_RATIO,
    RR_MAX_MS,
    RR_MIN_MS,
    correct_artifacts,
    detect_artifacts,
    drop_implausible,
)
from vagal.hrv.coherence import mean_coherence
from vagal.hrv.nonlinear import (
    DFA_ALPHA1_SCALES,
    DFA_ALPHA2_SCALES,
    DFA_MIN_BOXES,
    SAMPEN_MIN_BEATS,
    dfa_alpha1,
    dfa_alpha2,
    poincare,
    sample_entropy,
)
from vagal.hrv.spectral import (
    MIN_STRETCH_S,
    BandPowers,
    band_powers,
    psd_lomb,
    welch_over_stretches,
)
from vagal.hrv.time_domain import time_domain

PsdMethod = Literal["welch", "lomb"]
_PSD_METHODS: Final = ("welch", "lomb")

MIN_HF_S: Final = 60.0
"""HF needs ≥ 1 min (Task Force: 10 periods of its lowest frequency would be 67 s)."""
MIN_LF_S: Final = 120.0
"""LF, LF/HF and nu need ≥ 2 min (docs/methods.md §2.1)."""
MIN_VLF_S: Final = 300.0
"""VLF and total power need the standard 5 min."""
LENGTH_GRACE: Final = 0.95
"""A band is computed on ≥ 95 % of its minimum length. A "5-minute" session is 285-300 s
of clean beats once the strap's settling seconds after connecting are left out (vagal's
own 5-minute recordings hold about 4.9 min); 15 s less changes the lowest VLF frequency
the record resolves by under 0.0002 Hz, so refusing it would blank VLF on every such
session for nothing."""
MIN_SEGMENT_S: Final = MIN_STRETCH_S
"""Stretches between gaps shorter than this (30 s) do not enter the Welch spectrum."""

CAREFUL_CORRECTED_PCT: Final = 5.0
"""Above this share of corrected beats a result says "read with care" (docs/methods.md §5.3:
hrv-analysis refuses a sample above 4 %; vagal still gives the numbers, and says so)."""
IMPLAUSIBLE_LONG_RATIO: Final = MISSED_MIN_RATIO
"""An NN interval at least this many times the median of the 11 around it is still implausible
after correction (missed beats or a pause the correction could not resolve)."""
IMPLAUSIBLE_SHORT_RATIO: Final = 0.5
"""An NN interval at most this fraction of the median of the 11 around it is still implausible
(an extra detection the correction could not resolve)."""

JSON_KEYS: Final = (
    "n_beats",
    "duration_s",
    "artifacts_pct",
    "mean_nn_ms",
    "mean_hr_bpm",
    "sdnn_ms",
    "rmssd_ms",
    "sdsd_ms",
    "pnn50_pct",
    "pnn20_pct",
    "vlf_ms2",
    "lf_ms2",
    "hf_ms2",
    "lf_hf",
    "lf_nu",
    "hf_nu",
    "total_power_ms2",
    "lf_peak_hz",
    "hf_peak_hz",
    "sd1_ms",
    "sd2_ms",
    "sampen",
    "dfa_alpha1",
    "dfa_alpha2",
    "coherence",
)
"""The metric keys of ``vagal analyze --json``, in order (the keys promised since the first
version); ``to_dict()`` adds ``quality`` (a list of "read with care" sentences) after them."""

_EXTRA = ("mean_inst_hr_bpm", "min_hr_bpm", "max_hr_bpm", "sd2_sd1")
"""HrvResult fields beyond the JSON keys (shown in the table)."""
_NEEDS_S: Final = {
    "vlf_ms2": MIN_VLF_S,
    "lf_ms2": MIN_LF_S,
    "hf_ms2": MIN_HF_S,
    "lf_hf": MIN_LF_S,
    "lf_nu": MIN_LF_S,
    "hf_nu": MIN_LF_S,
    "total_power_ms2": MIN_VLF_S,
    "lf_peak_hz": MIN_LF_S,
    "hf_peak_hz": MIN_HF_S,
}
"""The spectral metrics, in JSON order, and the seconds of beats each needs."""


def _empty_f() -> FloatArray:
    return np.empty(0, dtype=np.float64)


@dataclass(frozen=True)
class HrvResult:
    """All HRV metrics of one record. NaN where not computable; ``reasons`` says why."""

    n_beats: int
    """RR intervals given (before correction)."""
    duration_s: float
    """From the start of the first interval to the last beat."""
    artifacts_pct: float
    """Beats flagged as artifacts, % of n_beats (corrected unless ``corrected`` is False)."""
    mean_nn_ms: float
    mean_hr_bpm: float
    """60000 / mean NN."""
    sdnn_ms: float
    rmssd_ms: float
    sdsd_ms: float
    pnn50_pct: float
    pnn20_pct: float
    vlf_ms2: float
    lf_ms2: float
    hf_ms2: float
    lf_hf: float
    lf_nu: float
    hf_nu: float
    total_power_ms2: float
    lf_peak_hz: float
    hf_peak_hz: float
    sd1_ms: float
    sd2_ms: float
    sampen: float
    dfa_alpha1: float
    dfa_alpha2: float
    coherence: float
    """Mean coherence ratio over 64 s windows at most 5 s apart (peak ratio, docs/methods.md §6.1)."""
    reasons: dict[str, str] = field(default_factory=dict)
    """Why a metric is NaN (None in JSON), keyed by its JSON name, in plain words."""
    mean_inst_hr_bpm: float = NAN
    """Mean of the instantaneous heart rates."""
    min_hr_bpm: float = NAN
    """Lowest instantaneous heart rate (one beat)."""
    max_hr_bpm: float = NAN
    """Highest instantaneous heart rate (one beat)."""
    sd2_sd1: float = NAN
    """SD2 / SD1 of the Poincaré plot."""
    corrected: bool = True
    """Whether artifact correction was applied."""
    corrected_indices: npt.NDArray[np.intp] = field(default_factory=lambda: np.empty(0, dtype=np.intp))
    """Input indices of the beats that were corrected (or flagged, without correction)."""
    psd_method: str = "welch"
    """The spectral estimator used: "welch" or "lomb"."""
    psd_f_hz: FloatArray = field(default_factory=_empty_f)
    """Frequencies of the spectrum the band powers come from, Hz (the report draws it); empty
    when no spectrum could be computed (no stretch of 30 s between gaps)."""
    psd_ms2_per_hz: FloatArray = field(default_factory=_empty_f)
    """That spectrum, ms²/Hz: Welch averaged over the stretches, or Lomb–Scargle."""
    nn_ms: FloatArray = field(default_factory=_empty_f)
    """The NN series analysed (after correction)."""
    nn_t_s: FloatArray = field(default_factory=_empty_f)
    """Its beat times, seconds."""
    nn_breaks: BoolArray = field(default_factory=lambda: np.empty(0, dtype=np.bool_))
    """``nn_breaks[i]`` True when a gap precedes NN beat i."""
    quality: tuple[str, ...] = ()
    """Plain sentences, each starting "read with care: ", when the numbers rest on a record
    that needed much correction (more than 5 % of beats), still holds implausible intervals,
    or lost values to gaps. Empty when there is nothing to say. For the table, the report
    and the dashboard; ``vagal analyze --json`` carries it as ``quality``."""
    n_dropouts: int = 0
    """Input values treated as gaps, not beats: above RR_MAX_MS (3000 ms), not a number, or
    (with correction) longer than MISSED_MAX_BEATS beats of the rhythm around them, and
    (without correction) below RR_MIN_MS as well."""

    def to_dict(self) -> dict[str, Any]:
        """The ``vagal analyze --json`` keys: the metrics (NaN becomes None), then ``quality``."""
        out: dict[str, Any] = {}
        for k in JSON_KEYS:
            v = getattr(self, k)
            if isinstance(v, (int, np.integer)) and not isinstance(v, bool):
                out[k] = int(v)
            else:
                fv = float(v)
                out[k] = fv if np.isfinite(fv) else None
        out["quality"] = list(self.quality)
        return out


def _duration_s(rr: FloatArray, t: FloatArray) -> float:
    if rr.size == 0:
        return 0.0
    first = rr[0] if np.isfinite(rr[0]) else 0.0
    return float(t[-1] - (t[0] - first / 1000.0))


def _welch_gapped(t: FloatArray, nn: FloatArray, breaks: BoolArray) -> tuple[FloatArray, FloatArray, float]:
    """Welch PSD averaged over the stretches between gaps (``welch_over_stretches``).

    Returns ``(f_hz, p, span_s)``: span_s is the time covered by the stretches used.
    """
    f, p, used = welch_over_stretches(t, nn, breaks, min_stretch_s=MIN_SEGMENT_S)
    return f, p, sum(_duration_s(nn[a:z], t[a:z]) for a, z in used)


def _quality(nn: FloatArray, pct: float, n_dropouts: int, *, corrected: bool) -> tuple[str, ...]:
    """The "read with care" sentences of a result (see :attr:`HrvResult.quality`)."""
    out: list[str] = []
    if pct > CAREFUL_CORRECTED_PCT:
        if corrected:
            out.append(
                f"read with care: {pct:.1f} % of beats were corrected (more than "
                f"{CAREFUL_CORRECTED_PCT:g} %), so these numbers rest partly on estimated beats"
            )
        else:
            out.append(
                f"read with care: {pct:.1f} % of beats look like artifacts (more than "
                f"{CAREFUL_CORRECTED_PCT:g} %) and were left as they are, because correction was off"
            )
    if nn.size >= 3:
        from vagal.hrv._numeric import median_filter  # scipy.ndimage's, exactly; no scipy import

        ratio = nn / median_filter(nn, size=min(11, nn.size), mode="reflect")
        odd = int(np.count_nonzero((ratio >= IMPLAUSIBLE_LONG_RATIO) | (ratio <= IMPLAUSIBLE_SHORT_RATIO)))
        if odd:
            many = odd != 1
            around = (
                f"(at least {IMPLAUSIBLE_LONG_RATIO:g} times, or at most half, "
                f"the beats around {'them' if many else 'it'})"
            )
            if corrected:
                out.append(
                    f"read with care: {odd} interval{'s still look' if many else ' still looks'} implausible "
                    f"after correction {around}: missed or extra beats that could not be resolved"
                )
            else:
                out.append(
                    f"read with care: {odd} interval{'s look' if many else ' looks'} implausible {around}: "
                    "missed or extra beats, left in because correction was off"
                )
    if n_dropouts:
        what = (
            f"above {RR_MAX_MS:g} ms, not a number, or longer than {MISSED_MAX_BEATS} beats of the "
            "rhythm around them"
            if corrected
            else f"outside {RR_MIN_MS:g}–{RR_MAX_MS:g} ms or not a number"
        )
        out.append(
            f"read with care: {n_dropouts} RR value{'s' if n_dropouts != 1 else ''} could not be "
            f"a single beat ({what}) and {'were' if n_dropouts != 1 else 'was'} left out as "
            f"{'gaps' if n_dropouts != 1 else 'a gap'}; the rest was analysed"
        )
    return tuple(out)


def analyze_rr(
    rr_ms: npt.ArrayLike,
    *,
    t_s: npt.ArrayLike | None = None,
    breaks: npt.ArrayLike | None = None,
    correct: bool = True,
    psd: PsdMethod = "welch",
) -> HrvResult:
    """Full HRV analysis of one RR record.

    Args:
        rr_ms: RR intervals in ms, as recorded.
        t_s: Beat times in seconds; default the cumulative sum of ``rr_ms``.
        breaks: ``breaks[i]`` True when a gap precedes beat i.
        correct: Correct artifacts first (Lipponen & Tarvainen 2019 with vagal's rules,
            docs/methods.md §5.4); default True. With False, values that cannot be a beat
            (outside 200–3000 ms, not a number) are still left out as gaps and nothing
            else is changed.
        psd: "welch" (default: 4 Hz spline, smoothness priors, Welch 256 s) or "lomb"
            (Lomb–Scargle on the beat times; better with gaps).

    Returns:
        An :class:`HrvResult`. Never raises on data: a metric that cannot be computed is
        NaN with a reason (too short for the band, too few beats, constant RR, …). A few
        impossible values never blank the record: they are gaps, counted in
        ``n_dropouts`` and named in ``quality``, and the rest is analysed.

    Raises:
        ValueError: ``psd`` is not one of "welch", "lomb", or the lengths disagree.

    References:
        docs/methods.md §§1–3, 5, 6.1 and §7 (the decisions).
    """
    if psd not in _PSD_METHODS:
        raise ValueError(f"psd must be one of {_PSD_METHODS}, got {psd=}")
    rr = as_rr(rr_ms)
    b = as_breaks(breaks, rr.size)
    if t_s is None:
        t = np.cumsum(np.where(np.isfinite(rr), rr, 0.0)) / 1000.0
    else:
        t = as_rr(t_s)
        if t.size != rr.size:
            raise ValueError(f"t_s and rr_ms must have the same length: {t.size} vs {rr.size}")
    n = int(rr.size)
    duration = _duration_s(rr, t) if n else 0.0
    reasons: dict[str, str] = {}
    values: dict[str, float] = dict.fromkeys(JSON_KEYS[3:], NAN)

    if correct:
        fixed = correct_artifacts(rr, t_s=t, breaks=b)
        nn, tn, bn = fixed.rr_ms, fixed.t_s, fixed.breaks
        idx, pct = fixed.corrected_indices, fixed.pct
        n_dropouts = int(fixed.report.gaps.size)
    else:
        # Without correction an impossible value is still no beat: it is left out as a gap
        # (one value above 3000 ms used to blank every metric); nothing else is changed.
        rep = detect_artifacts(rr, breaks=b)
        nn, tn, bn, dropped = drop_implausible(rr, t_s=t, breaks=b)
        idx, pct = rep.all, rep.pct
        n_dropouts = int(dropped.size)
    quality = _quality(nn, pct, n_dropouts, corrected=correct)
    common = {
        "n_beats": n,
        "duration_s": duration,
        "artifacts_pct": pct,
        "corrected": correct,
        "corrected_indices": idx,
        "psd_method": psd,
        "nn_ms": nn,
        "nn_t_s": tn,
        "nn_breaks": bn,
        "quality": quality,
        "n_dropouts": n_dropouts,
    }
    if nn.size == 0:
        why_all = (
            "no beats"
            if n == 0
            else f"{n} RR value(s) outside {RR_MIN_MS:g}–{RR_MAX_MS:g} ms or too long for one beat, "
            "left out as gaps: no beats left"
        )
        reasons.update(dict.fromkeys([*values, *_EXTRA], why_all))
        return HrvResult(**values, reasons=reasons, **common)  # type: ignore[arg-type]

    # Time domain.
    td = time_domain(nn, breaks=bn)
    for k in ("mean_nn_ms", "mean_hr_bpm", "sdnn_ms", "rmssd_ms", "sdsd_ms", "pnn50_pct", "pnn20_pct"):
        values[k] = getattr(td, k)
        if k in td.reasons:
            reasons[k] = td.reasons[k]

    # Frequency domain.
    if psd == "welch":
        f, p, span_s = _welch_gapped(tn, nn, bn)
    else:
        f, p = psd_lomb(tn, nn)
        span_s = max((_duration_s(nn[a:z], tn[a:z]) for a, z in stretches(bn)), default=0.0)
    common["psd_f_hz"], common["psd_ms2_per_hz"] = f, p  # the very spectrum of the band powers
    bp: BandPowers | None = band_powers(f, p) if f.size else None
    for k, need in _NEEDS_S.items():
        if span_s < need * LENGTH_GRACE:
            reasons[k] = f"needs {need / 60:g} min of beats without a gap, has {span_s / 60:.1f} min"
        elif bp is None:
            reasons[k] = "no spectrum could be computed"
        else:
            values[k] = getattr(bp, k)
            if k in bp.reasons:
                reasons[k] = bp.reasons[k]

    # Nonlinear.
    sd1, sd2 = poincare(nn, breaks=bn)
    values["sd1_ms"], values["sd2_ms"] = sd1, sd2
    if np.isnan(sd1):
        reasons["sd1_ms"] = reasons["sd2_ms"] = "needs at least 3 successive beats without a gap"
    values["sampen"] = sample_entropy(nn, breaks=bn)
    if np.isnan(values["sampen"]):
        reasons["sampen"] = (
            f"needs at least {SAMPEN_MIN_BEATS} beats"
            if nn.size < SAMPEN_MIN_BEATS
            else "undefined here (constant RR, or no matching templates)"
        )
    for key, fn, scales in (
        ("dfa_alpha1", dfa_alpha1, DFA_ALPHA1_SCALES),
        ("dfa_alpha2", dfa_alpha2, DFA_ALPHA2_SCALES),
    ):
        values[key] = fn(nn)
        if np.isnan(values[key]):
            need = DFA_MIN_BOXES * scales[1]
            reasons[key] = (
                f"needs at least {need} beats" if nn.size < need else "undefined here (constant RR)"
            )

    # Coherence: the mean of the 64 s ratios, at most 5 s apart.
    coherence, cr = mean_coherence(tn, nn, breaks=bn)
    if coherence is not None:
        values["coherence"] = coherence
    else:
        reasons["coherence"] = (
            "needs 64 s of beats without a gap (at least 50 beats)"
            if cr.size == 0
            else "undefined here (no variation in heart rate)"
        )
    for k, v in values.items():
        if np.isnan(v) and k not in reasons:
            reasons[k] = "could not be computed from these beats"
    extra = {
        "mean_inst_hr_bpm": td.mean_inst_hr_bpm,
        "min_hr_bpm": td.min_hr_bpm,
        "max_hr_bpm": td.max_hr_bpm,
        "sd2_sd1": sd2 / sd1 if sd1 > 0 else NAN,
    }
    for k, v in extra.items():
        if np.isnan(v):
            reasons[k] = td.reasons.get(k) or reasons.get("sd1_ms") or "SD1 is 0 (no beat-to-beat change)"
    return HrvResult(**values, reasons=reasons, **extra, **common)  # type: ignore[arg-type]
