"""Time-domain HRV (Task Force 1996; Shaffer & Ginsberg 2017): docs/methods.md §1.

Pure numpy, no scipy: the live engine calls :func:`time_domain` on 60–120 s windows every
few seconds, so it does no set-up work beyond a handful of vector operations.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from vagal.hrv._common import NAN, as_breaks, as_rr, implausible_reason, successive_differences


@dataclass(frozen=True)
class TimeDomain:
    """Time-domain HRV of one NN series. NaN where not computable (see ``reasons``)."""

    mean_nn_ms: float
    """Mean NN interval."""
    mean_hr_bpm: float
    """60000 / mean NN (the heart rate of the mean interval)."""
    mean_inst_hr_bpm: float
    """Mean of the instantaneous heart rates 60000 / NN (slightly higher than mean_hr_bpm)."""
    min_hr_bpm: float
    """Lowest instantaneous heart rate (one beat)."""
    max_hr_bpm: float
    """Highest instantaneous heart rate (one beat)."""
    sdnn_ms: float
    """Standard deviation of NN, ddof=1."""
    rmssd_ms: float
    """Root mean square of successive differences (never across a gap)."""
    sdsd_ms: float
    """Standard deviation of successive differences, ddof=1."""
    pnn50_pct: float
    """Percent of successive differences with |d| > 50 ms, over the N−1 differences."""
    pnn20_pct: float
    """Percent of successive differences with |d| > 20 ms."""
    n_beats: int = 0
    """Number of NN intervals used."""
    n_diffs: int = 0
    """Number of successive differences used (pairs not spanning a gap)."""
    reasons: dict[str, str] = field(default_factory=dict)
    """Why a value is NaN, keyed by field name, in plain words."""


_FIELDS = (
    "mean_nn_ms",
    "mean_hr_bpm",
    "mean_inst_hr_bpm",
    "min_hr_bpm",
    "max_hr_bpm",
    "sdnn_ms",
    "rmssd_ms",
    "sdsd_ms",
    "pnn50_pct",
    "pnn20_pct",
)


def _empty(reason: str, n: int = 0) -> TimeDomain:
    values: dict[str, float] = dict.fromkeys(_FIELDS, NAN)
    return TimeDomain(**values, n_beats=n, reasons=dict.fromkeys(_FIELDS, reason))  # type: ignore[arg-type]


def time_domain(rr_ms: npt.ArrayLike, *, breaks: npt.ArrayLike | None = None) -> TimeDomain:
    """Time-domain HRV of an NN series.

    Args:
        rr_ms: NN intervals in ms (after artifact handling).
        breaks: ``breaks[i]`` True means a gap precedes beat i, so the difference
            ``rr[i] - rr[i-1]`` is not formed. Default: no gaps.

    Returns:
        A :class:`TimeDomain`. SDNN and SDSD use ddof=1, pNNx divide by the number of
        differences (N−1 without gaps); docs/methods.md §1 gives the peers' differences.
        Degenerate input gives NaN with a reason: no beats, one beat (no SDNN), no
        difference (no RMSSD/pNNx), one difference (no SDSD), or any value that is not a
        plausible RR interval (outside 200–3000 ms: every field is NaN, because one such
        value spoils them all). Constant RR is not degenerate here: SDNN = RMSSD = 0.

    Raises:
        ValueError: ``breaks`` does not have one flag per beat.

    References:
        docs/methods.md §1 (Task Force 1996; Shaffer & Ginsberg 2017; Mietus 2002 for pNN20).
    """
    rr = as_rr(rr_ms)
    b = as_breaks(breaks, rr.size)
    if rr.size == 0:
        return _empty("no beats")
    bad = implausible_reason(rr)
    if bad is not None:
        return _empty(bad, rr.size)
    reasons: dict[str, str] = {}
    mean_nn = float(rr.mean())
    inst_hr = 60000.0 / rr
    if rr.size >= 2:
        sdnn = float(rr.std(ddof=1))
    else:
        sdnn = NAN
        reasons["sdnn_ms"] = "needs at least 2 beats"
    d = successive_differences(rr, b)
    if d.size >= 1:
        ad = np.abs(d)
        rmssd = float(np.sqrt(np.mean(d * d)))
        pnn50 = float(100.0 * np.count_nonzero(ad > 50.0) / d.size)
        pnn20 = float(100.0 * np.count_nonzero(ad > 20.0) / d.size)
    else:
        rmssd = pnn50 = pnn20 = NAN
        why = "needs 2 successive beats without a gap"
        reasons.update(rmssd_ms=why, pnn50_pct=why, pnn20_pct=why)
    if d.size >= 2:
        sdsd = float(d.std(ddof=1))
    else:
        sdsd = NAN
        reasons["sdsd_ms"] = "needs 3 successive beats without a gap"
    return TimeDomain(
        mean_nn_ms=mean_nn,
        mean_hr_bpm=60000.0 / mean_nn,
        mean_inst_hr_bpm=float(inst_hr.mean()),
        min_hr_bpm=float(inst_hr.min()),
        max_hr_bpm=float(inst_hr.max()),
        sdnn_ms=sdnn,
        rmssd_ms=rmssd,
        sdsd_ms=sdsd,
        pnn50_pct=pnn50,
        pnn20_pct=pnn20,
        n_beats=int(rr.size),
        n_diffs=int(d.size),
        reasons=reasons,
    )
