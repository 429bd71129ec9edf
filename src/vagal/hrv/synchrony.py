"""Synchrony of two people's heart rhythms, always against chance (docs/methods.md §9).

Design decision: a synchrony figure is never shown without its null. Two people who
follow the same breathing guide have heart rhythms that move together by construction
(their heart rates both swing with the guide's breaths), so "how correlated are they"
answers nothing on its own. Every result here therefore carries the same statistic
computed on surrogate pairs that keep each person's own rhythm *and the guide's
schedule* but break the pairing, and says "above chance" only when the real pairing
beats the surrogates' 95th percentile.

The method, in four steps (docs/methods.md §9 has the choices and their sources):

1. **Heart-rate series.** Each person's instantaneous heart rate ``60000 / RR`` (bpm) is
   resampled at 4 Hz with :func:`vagal.hrv.spectral.resample` (cubic spline, one stretch
   between gaps at a time) and put on one common time grid; samples in a gap are NaN.
2. **Windowed cross-correlation** (Boker et al. 2002): 30 s windows of A, every 5 s; for
   each, Pearson r between A's window and B's window shifted by each lag in ±5 s (one
   sample = 0.25 s steps), after removing each segment's least-squares line. A positive
   lag means **B follows A**: r(τ) = corr(A(t), B(t + τ)).
3. **Peak picking** per window: the highest local maximum of r(τ) over ±0.5 s that lies
   at least 0.5 s inside the lag range (a maximum at the edge is no peak: the true one may
   lie outside). Peak r is averaged in Fisher z and back-transformed; a window has a
   *clear* peak when its peak r is at least 0.5. The lag is the median over clear peaks.
4. **The null.** For each of A's windows, B's data are taken from other stretches of the
   same record where B's guide is at the same phase (a whole number of guide cycles away,
   with the same number of cycles over the window, at least one window length away), so
   each surrogate pair has exactly the guide alignment of the real pair but not its
   timing. Without a guide, any stretch a window length away will do. The windows
   starting within 60 s of each other share one shift (overlapping windows are not
   independent, and the null must vary as much as the real pairing does); each of 500
   surrogates draws the blocks' shifts afresh and takes the same mean peak z.
   ``above_chance`` = observed > the surrogates' 95th percentile.

Shared coherence: per person and 64 s window, the share of heart-rate power within
±0.015 Hz of their guide's rate over the power in 0.04-0.26 Hz (the coherence ratio's
bands, :mod:`vagal.hrv.coherence`); "in tune" = a share of at least 0.5, and
``shared_coherence_pct`` is the share of windows in which both are in tune at once.

Pure: numpy in, numbers out, no I/O, no clock, no logging. Random draws come only from
the generator or seed passed in (default seed 0, so a replay gives the live numbers).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Final, Literal

import numpy as np
import numpy.typing as npt

from vagal.hrv._common import BoolArray, FloatArray, as_breaks, as_rr, implausible
from vagal.hrv.coherence import DEFAULT_WINDOW_S as COHERENCE_WINDOW_S
from vagal.hrv.coherence import NFFT, PEAK_HALF_WIDTH_HZ, PEAK_SEARCH_HZ
from vagal.hrv.spectral import DEFAULT_FS_HZ, resample

DEFAULT_WINDOW_S: Final = 30.0
"""WCC window length, seconds (SUSY's examples and Tschacher & Meier 2020 use 30 s segments)."""
DEFAULT_MAX_LAG_S: Final = 5.0
"""Lag range ±5 s (rMEA: "lags of ±5 seconds have been reported by multiple authors"; SUSY's
default is 3 s)."""
DEFAULT_STEP_S: Final = 5.0
"""Window increment, seconds: the live recompute cadence and the coherence step. rMEA leaves
it to the user (its example: 60 s windows every 30 s), SUSY uses non-overlapping segments;
overlap adds windows without biasing the test, because the null uses the same windows."""
PEAK_NEIGHBOURHOOD_S: Final = 0.5
"""A peak must be the largest r within ±0.5 s and lie at least 0.5 s inside the lag range
(the role of Boker et al.'s local search size)."""
CLEAR_PEAK_R: Final = 0.5
"""A peak is clear when its r is at least 0.5 (a quarter of the variance shared)."""
DEFAULT_N_SURROGATES: Final = 500
"""Surrogates per result (SUSY's ``surrogates.total`` default)."""
DEFAULT_BLOCK_S: Final = 60.0
"""The null shifts B's data in blocks: windows starting within 60 s share one shift."""
MAX_CANDIDATES_PER_WINDOW: Final = 64
"""At most this many other stretches per window (drawn at random when there are more)."""
GUIDE_PHASE_TOL_CYCLES: Final = 0.05
"""A stretch is at the same guide phase when its phase and its cycles over the window agree
within 0.05 cycles (or half a sample, for fast guides)."""
MAX_BEAT_GAP_S: Final = 3.0
"""Grid samples between beats further apart than this are a gap, not a beat (20 bpm)."""
MIN_WINDOWS: Final = 8
"""Fewest windows (each with at least one surrogate stretch) a result needs."""
LIVE_SPAN_S: Final = 120.0
"""The live result covers the last 2 minutes."""
LIVE_RECOMPUTE_S: Final = 5.0
"""The caller recomputes the live result every 5 s of session time."""
LIVE_NULL_SPAN_S: Final = 600.0
"""The live null takes B's other stretches from the last 10 minutes (two minutes hold too
few at one guide phase: its false-positive rate was 7-10 % instead of 5 %)."""
LIVE_ONE_SHIFT_POOL_S: Final = 210.0
"""Once the live pool holds 3.5 minutes, the two minutes' windows share one surrogate shift
(measured: 3-4 % false positives; 60 s blocks gave 5-7 %, and one shift on a shorter pool,
with few shifts to draw from, 11-19 %)."""
MIN_SEGMENT_S: Final = LIVE_SPAN_S
"""A marker segment shorter than this gets no result (the same two minutes as live)."""
IN_TUNE_SHARE: Final = 0.5
"""A person is in tune with their guide when at least half of their 0.04-0.26 Hz heart-rate
power lies within ±0.015 Hz of the guide's rate."""
DEFAULT_COHERENCE_WINDOW_S: Final = COHERENCE_WINDOW_S
"""Shared-coherence window, 64 s: the coherence ratio's (a 30 s window cannot resolve ±0.015 Hz)."""

Detrend = Literal["linear", "constant"]
_DETRENDS: Final = ("linear", "constant")
GuidePhase = Callable[[float], float]
"""The breathing guide's cycle phase (breaths since it started, continuous and increasing)
at a session time in seconds, e.g. ``Pacer.phase_at``."""
GuideSpec = GuidePhase | tuple[GuidePhase | None, GuidePhase | None] | None
"""One guide phase function for both people, a pair (A's, B's) (each may be None), or None."""
_ROWS_PER_PRODUCT: Final = 64
"""A's windows per matrix product with all of B's segments (bounds memory on long records)."""
_PAIRS_PER_BATCH: Final = 4096
"""(window, centre) pairs per batch of short FFTs (bounds memory: a few MB)."""
_SHARE_WINDOWS_PER_BATCH: Final = 512
"""Shared-coherence windows whose spectra are made at a time (~8 MB of 2,048-point spectra)."""
_PAIRS_PER_PEAK_BATCH: Final = 16384
"""Surrogate (window, stretch) pairs whose curves are made and peak-picked at a time (~5 MB each)."""


@dataclass(frozen=True)
class PersonBeats:
    """One person's beats: times, RR intervals and gap flags."""

    t_s: npt.ArrayLike
    """Beat times (end of each interval), session seconds, strictly increasing."""
    rr_ms: npt.ArrayLike
    """NN intervals, ms, one per beat time."""
    breaks: npt.ArrayLike | None = None
    """``breaks[i]`` True when a gap precedes beat i (None: no gaps)."""


@dataclass(frozen=True)
class WccTable:
    """Windowed cross-correlation: one row per window of A, one column per lag."""

    start_s: FloatArray
    """Time of the first sample of each of A's windows, seconds."""
    lags_s: FloatArray
    """The lags, seconds (positive: B follows A)."""
    r: FloatArray
    """Pearson r, shape (windows, lags); NaN where a segment has a gap or no variance."""


@dataclass(frozen=True)
class Peaks:
    """The picked peak of each window's cross-correlation."""

    r: FloatArray
    """Peak r (NaN: no peak inside the lag range)."""
    lag_s: FloatArray
    """Lag of the peak, seconds (NaN: no peak)."""
    clear: BoolArray
    """The window has a peak and its r is at least the clear-peak level."""


@dataclass(frozen=True)
class WindowSeries:
    """Per-window values behind a result (for plots: synchrony over time and its null)."""

    end_s: FloatArray
    """End time of each of A's windows, seconds."""
    peak_r: FloatArray
    """Peak r of the real pairing (NaN: no peak)."""
    lag_s: FloatArray
    """Lag of the peak, seconds (NaN: no peak)."""
    clear: BoolArray
    """The window has a clear peak."""
    null_p95_r: FloatArray
    """95th percentile of the peak r of this window's surrogate stretches (NaN with fewer than 20)."""


@dataclass(frozen=True)
class SynchronyResult:
    """Synchrony of two people over one stretch of time, with its null (docs/methods.md §9).

    Every value is None when it could not be computed, with the reason in ``reasons``
    (and in ``reason`` when nothing could be computed: a warm-up or a gap).
    """

    t_start_s: float
    """Start of the stretch analysed, session seconds."""
    t_end_s: float
    """End of the stretch analysed, session seconds."""
    n_windows: int
    """WCC windows used (both people's data complete, at least one surrogate stretch)."""
    wcc_peak_r_mean: float | None
    """Mean peak correlation: peak r averaged in Fisher z over windows with a peak, back-transformed."""
    wcc_lag_s_median: float | None
    """Median lag of the clear peaks, seconds; positive: person B follows person A."""
    wcc_clear_peak_pct: float | None
    """Share of windows with a clear peak, percent."""
    surrogate_p95: float | None
    """95th percentile of the surrogates' mean peak correlation (r units, like ``wcc_peak_r_mean``)."""
    above_chance: bool | None
    """``wcc_peak_r_mean`` > ``surrogate_p95``: more together than the guide and chance bring."""
    n_surrogates: int
    """Surrogates drawn (0 when no null could be built)."""
    p_surrogate: float | None
    """Share of surrogates whose statistic reaches the observed one (an empirical p-value;
    for reports and tests, not for the dashboard's words)."""
    shared_coherence_pct: float | None
    """Share of 64 s windows in which both people are in tune with their guide, percent."""
    in_tune_pct_a: float | None
    """Share of 64 s windows in which person A is in tune with their guide, percent."""
    in_tune_pct_b: float | None
    """Share of 64 s windows in which person B is in tune with their guide, percent."""
    guide_share_a: float | None
    """Person A's mean share of 0.04-0.26 Hz heart-rate power at their guide's rate (0..1)."""
    guide_share_b: float | None
    """Person B's mean share of 0.04-0.26 Hz heart-rate power at their guide's rate (0..1)."""
    reason: str | None = None
    """Plain words when nothing could be computed (warm-up, a gap); None otherwise."""
    reasons: dict[str, str] = field(default_factory=dict)
    """Why a value is None, keyed by field name."""
    windows: WindowSeries | None = None
    """The per-window values (None when nothing was computed)."""

    def as_dict(self) -> dict[str, float | bool | int | str | None]:
        """The summary keys of ``--json``'s ``together`` object (floats rounded for display)."""

        def rnd(v: float | None, nd: int) -> float | None:
            return None if v is None else round(v, nd)

        return {
            "wcc_peak_r_mean": rnd(self.wcc_peak_r_mean, 3),
            "wcc_lag_s_median": rnd(self.wcc_lag_s_median, 2),
            "wcc_clear_peak_pct": rnd(self.wcc_clear_peak_pct, 1),
            "surrogate_p95": rnd(self.surrogate_p95, 3),
            "above_chance": self.above_chance,
            "n_surrogates": self.n_surrogates,
            "p_surrogate": rnd(self.p_surrogate, 4),
            "n_windows": self.n_windows,
            "shared_coherence_pct": rnd(self.shared_coherence_pct, 1),
            "in_tune_pct_a": rnd(self.in_tune_pct_a, 1),
            "in_tune_pct_b": rnd(self.in_tune_pct_b, 1),
            "guide_share_a": rnd(self.guide_share_a, 3),
            "guide_share_b": rnd(self.guide_share_b, 3),
            "reason": self.reason,
        }


@dataclass(frozen=True)
class SegmentSynchrony:
    """The synchrony of one marked part of a session."""

    label: str
    """The segment's name (e.g. the marker that starts it)."""
    start_s: float
    """Start, session seconds."""
    end_s: float
    """End, session seconds."""
    result: SynchronyResult
    """Its result (computed within the segment only, null included)."""


@dataclass(frozen=True)
class SessionSynchrony:
    """The synchrony of a whole session and of each marked part."""

    whole: SynchronyResult
    """Over the whole session."""
    segments: tuple[SegmentSynchrony, ...]
    """Per segment, in the order given."""


# --- words -----------------------------------------------------------------------------

WORDS: Final[dict[str, str]] = {
    "together": "Moving together",
    "own": "Each in your own rhythm right now",
    "own_with_guide": "Both with the guide, each in your own rhythm",
    "lag_even": "hearts moving at about the same moment",
    "lag_follows": "{follower}'s heart rhythm follows {leader}'s by about {lag:.0f} s",
    "both_in_tune": "both in tune with the guide",
}
"""Every phrase a person may see about the two of them, in one place: calm, never blaming,
never a score of the relationship. Never "out of sync", "failing", "poor" or a grade."""


def describe(result: SynchronyResult, names: tuple[str, str] = ("A", "B")) -> str:
    """Plain, calm words for a result, for the dashboard and the report.

    Args:
        result: A synchrony result.
        names: How to call person A and person B.

    Returns:
        One short sentence: the warm-up reason while there is one; "Moving together" (with
        who follows whom when the lag is at least 1 s) when above chance; otherwise "Each
        in your own rhythm right now" (or "Both with the guide, each in your own rhythm"
        when both are in tune with the guide at once in at least half of the windows).
        Never a score.
    """
    if result.above_chance is None:
        return result.reason or WORDS["own"]
    both_in_tune = result.shared_coherence_pct is not None and result.shared_coherence_pct >= 50.0
    if not result.above_chance:
        return WORDS["own_with_guide"] if both_in_tune else WORDS["own"]
    parts = [WORDS["together"]]
    lag = result.wcc_lag_s_median
    if lag is not None:
        if abs(lag) < 1.0:
            parts.append(WORDS["lag_even"])
        else:
            leader, follower = (names[0], names[1]) if lag > 0 else (names[1], names[0])
            parts.append(WORDS["lag_follows"].format(follower=follower, leader=leader, lag=abs(lag)))
    if both_in_tune:
        parts.append(WORDS["both_in_tune"])
    return ": ".join(parts[:2]) + ("; " + parts[2] if len(parts) > 2 else "")


# --- windowed cross-correlation ---------------------------------------------------------------


def _check_options(
    fs_hz: float, window_s: float, max_lag_s: float, step_s: float, detrend: str
) -> tuple[int, int, int]:
    if not (math.isfinite(fs_hz) and fs_hz > 0):
        raise ValueError(f"fs_hz must be > 0, got {fs_hz=}")
    if detrend not in _DETRENDS:
        raise ValueError(f"detrend must be one of {_DETRENDS}, got {detrend=}")
    w = round(window_s * fs_hz) if math.isfinite(window_s) else 0
    if w < 8:
        raise ValueError(f"window_s must give at least 8 samples at fs_hz, got {window_s=}")
    lag = round(max_lag_s * fs_hz) if math.isfinite(max_lag_s) else -1
    if not 0 <= lag < w:
        raise ValueError(f"max_lag_s must be >= 0 and shorter than window_s, got {max_lag_s=}")
    step = round(step_s * fs_hz) if math.isfinite(step_s) else 0
    if step < 1:
        raise ValueError(f"step_s must be at least one sample, got {step_s=}")
    return w, lag, step


def _detrended(seg: FloatArray, detrend: Detrend) -> FloatArray:
    """Each row minus its mean (and its least-squares line). No BLAS call: a threaded
    matrix product of these small sizes costs milliseconds on a busy two-core machine."""
    w = seg.shape[1]
    out: FloatArray = seg - seg.mean(axis=1, keepdims=True)
    if detrend == "linear":
        u = np.arange(w, dtype=np.float64) - (w - 1) / 2.0
        slope = np.einsum("ij,j->i", out, u) / float(np.einsum("i,i->", u, u))
        out = out - slope[:, None] * u[None, :]
    return out


def _residual_norms(y: FloatArray, w: int, detrend: Detrend) -> FloatArray:
    """Norm of every w-sample segment ``y[p : p + w]`` after removing its mean (and line).

    From running sums (O(N)): with S0 = Σy, S1 = Σu·y (u centred in the segment) and S2 =
    Σy², the residual sum of squares is S2 − S0²/w − S1²/Σu². ``y`` should be roughly
    centred (the caller subtracts its mean) so that the sums stay small.
    """
    n = y.size
    c0 = np.concatenate(([0.0], np.cumsum(y)))
    c2 = np.concatenate(([0.0], np.cumsum(y * y)))
    s0 = c0[w:] - c0[: n - w + 1]
    ss = (c2[w:] - c2[: n - w + 1]) - s0 * s0 / w
    if detrend == "linear":
        idx = np.arange(n, dtype=np.float64)
        c1 = np.concatenate(([0.0], np.cumsum(idx * y)))
        p = np.arange(n - w + 1, dtype=np.float64)
        s1 = (c1[w:] - c1[: n - w + 1]) - (p + (w - 1) / 2.0) * s0  # Σ (u − (w−1)/2)·y[p+u]
        uu = w * (w * w - 1) / 12.0  # Σ (u − (w−1)/2)²
        ss = ss - s1 * s1 / uu
    out: FloatArray = np.sqrt(np.maximum(ss, 0.0))
    return out


def _all_valid(valid: BoolArray, w: int) -> BoolArray:
    """True at p when ``valid[p : p + w]`` is all True."""
    c = np.concatenate(([0], np.cumsum(~valid)))
    out: BoolArray = (c[w:] - c[:-w]) == 0
    return out


class _Lagged:
    """Normalised cross-products of A's windows with every B segment.

    ``curves(rows, centres)`` gives r(τ) for window ``rows[i]`` of A against B's segment
    starting at ``centres[i] + τ`` for every lag τ. The products Σ_u a[u]·b[p + u] come from
    FFTs (numpy's, single-threaded), one of two ways, whichever costs fewer FFT points:
    for all p at once, one FFT of the whole of B per window of A (a block of windows at a
    time; best on the live view's 10 minutes), or only at the lags of each (window, centre)
    pair, from a short FFT of B's stretch around the centre (best on a whole session: its
    cost grows with the pairs, where the other grows with the record's length times its
    windows, 0.3 s for an hour's together view and 3.3 s for four hours').
    """

    def __init__(
        self, a: FloatArray, b: FloatArray, starts: npt.NDArray[np.intp], w: int, lag: int, detrend: Detrend
    ) -> None:
        valid_b = np.isfinite(b)
        self.valid_b_pos = _all_valid(valid_b, w)
        """B's segment starting at p has no gap."""
        # Subtracting one constant changes no r, and keeps the running sums small.
        self._b = np.where(valid_b, b - (float(np.mean(b[valid_b])) if valid_b.any() else 0.0), 0.0)
        norms_b = _residual_norms(self._b, w, detrend)
        # A segment whose residual is rounding noise (a constant heart rate) has no r: the
        # floor is 1e-10 of the series' size per sample, far above rounding (~1e-15).
        floor_b = 1e-10 * math.sqrt(w) * float(np.max(np.abs(b[valid_b]), initial=0.0))
        with np.errstate(invalid="ignore", divide="ignore"):
            self._inv_b = np.where(self.valid_b_pos & (norms_b > floor_b), 1.0 / norms_b, np.nan)
        seg_a = a[starts[:, None] + np.arange(w)[None, :]]
        ok_a = np.isfinite(seg_a).all(axis=1)
        seg_a = np.where(ok_a[:, None], seg_a, 0.0)
        resid = _detrended(seg_a, detrend)
        norm_a = np.sqrt(np.einsum("ij,ij->i", resid, resid))
        floor_a = 1e-10 * math.sqrt(w) * np.max(np.abs(seg_a), axis=1, initial=0.0)
        self.valid_a = ok_a & (norm_a > floor_a) & (norm_a > 0)
        """A's window has no gap and some variance."""
        self._a_unit = np.where(
            self.valid_a[:, None], resid / np.where(norm_a > 0, norm_a, 1.0)[:, None], 0.0
        )
        self._w = w
        self._lag = lag
        self._nfft = _fast_len(self._b.size + w)
        self._fb: npt.NDArray[np.complex128] | None = np.fft.rfft(self._b, self._nfft)  # B's whole FFT
        self._offsets = np.arange(-lag, lag + 1)
        self._m = _fast_len(w + 2 * lag)
        """FFT length of a stretch of B around one centre: a window and its lags."""

    def curves(self, rows: npt.NDArray[np.intp], centres: npt.NDArray[np.intp]) -> FloatArray:
        """r(τ) for each (window row, B centre) pair, shape (pairs, 2·lag + 1)."""
        out = np.full((rows.size, self._offsets.size), np.nan)
        if rows.size == 0:
            return out
        n_rows = np.unique(rows).size
        whole = n_rows * 2 * self._nfft * math.log2(self._nfft)
        per_pair = rows.size * 2 * self._m * math.log2(self._m)
        if per_pair < whole and bool((centres >= self._lag).all()):
            out = self._pair_curves(rows, centres)
        else:
            out = self._whole_curves(rows, centres, out)
        out[~self.valid_a[rows]] = np.nan
        clipped: FloatArray = np.clip(out, -1.0, 1.0)
        return clipped

    def _pair_curves(self, rows: npt.NDArray[np.intp], centres: npt.NDArray[np.intp]) -> FloatArray:
        """Each pair from B's stretch ``[centre − lag, centre + lag + w)`` zero-padded to m:
        its circular correlation with the window is exact at the first 2·lag + 1 positions."""
        m, k = self._m, self._offsets.size
        b = np.concatenate((self._b, np.zeros(m)))
        uniq, row_of = np.unique(rows, return_inverse=True)
        fa = np.conj(np.fft.rfft(self._a_unit[uniq], m, axis=1))
        out = np.empty((rows.size, k))
        span = np.arange(m)
        for c in range(0, rows.size, _PAIRS_PER_BATCH):
            sl = slice(c, c + _PAIRS_PER_BATCH)
            seg = b[(centres[sl] - self._lag)[:, None] + span[None, :]]
            num = np.fft.irfft(fa[row_of[sl]] * np.fft.rfft(seg, m, axis=1), m, axis=1)[:, :k]
            pos = centres[sl, None] + self._offsets[None, :]
            out[sl] = num * self._inv_b[pos]
        return out

    def _whole_curves(
        self, rows: npt.NDArray[np.intp], centres: npt.NDArray[np.intp], out: FloatArray
    ) -> FloatArray:
        if self._fb is None:
            self._fb = np.fft.rfft(self._b, self._nfft)
        n_pos = self._b.size - self._w + 1
        uniq = np.unique(rows)
        for c in range(0, uniq.size, _ROWS_PER_PRODUCT):
            chunk = uniq[c : c + _ROWS_PER_PRODUCT]
            # Σ_u a_unit[u]·b[p + u] for every p (a circular correlation that never wraps for
            # p < n − w + 1). A's residual is orthogonal to a constant and a line, so B needs
            # no detrending in the numerator, only in its norm.
            fa = np.fft.rfft(self._a_unit[chunk], self._nfft, axis=1)
            num = np.fft.irfft(np.conj(fa) * self._fb[None, :], self._nfft, axis=1)[:, :n_pos]
            sel = np.flatnonzero((rows >= chunk[0]) & (rows <= chunk[-1]))
            local = np.searchsorted(chunk, rows[sel])
            pos = centres[sel, None] + self._offsets[None, :]
            out[sel] = num[local[:, None], pos] * self._inv_b[pos]
        return out


def _fast_len(n: int) -> int:
    """The smallest 2^a·3^b·5^c ≥ n: an FFT length pocketfft handles fast (≤ 1.25 n, not ≤ 2 n)."""
    best = 1 << math.ceil(math.log2(max(n, 1)))
    f5 = 1
    while f5 < best:
        f35 = f5
        while f35 < best:
            m = f35
            while m < n:
                m *= 2
            best = min(best, m)
            f35 *= 3
        f5 *= 5
    return best


def _starts(n: int, w: int, lag: int, step: int) -> npt.NDArray[np.intp]:
    """Start samples of A's windows: every ``step``, the last ending ``lag`` samples before the end."""
    last = n - w - lag
    if last < lag:
        return np.empty(0, dtype=np.intp)
    return np.arange(last, lag - 1, -step, dtype=np.intp)[::-1].copy()


def wcc(
    x: npt.ArrayLike,
    y: npt.ArrayLike,
    *,
    fs_hz: float = DEFAULT_FS_HZ,
    window_s: float = DEFAULT_WINDOW_S,
    max_lag_s: float = DEFAULT_MAX_LAG_S,
    step_s: float = DEFAULT_STEP_S,
    detrend: Detrend = "linear",
    t0_s: float = 0.0,
) -> WccTable:
    """Windowed cross-correlation of two evenly sampled series (Boker et al. 2002).

    Window k of ``x`` covers samples ``[s_k, s_k + w)``; for each lag τ (in samples,
    ``-L..L``) r is Pearson's correlation of that window with ``y[s_k + τ : s_k + τ + w]``,
    after removing each segment's least-squares line (``detrend="linear"``) or its mean
    (``"constant"``, plain Pearson r). So a positive lag means ``y`` follows ``x``. Windows
    start every ``step_s``; the last one ends ``max_lag_s`` before the end, and the first
    starts at least ``max_lag_s`` after the start, so that every lag has data.

    Args:
        x: Person A's series (e.g. heart rate in bpm at 4 Hz); NaN marks a gap.
        y: Person B's series, same length and grid.
        fs_hz: Sampling rate, Hz; default 4 Hz.
        window_s: Window length, seconds; default 30 s.
        max_lag_s: Largest lag, seconds; default 5 s.
        step_s: Window increment, seconds; default 5 s.
        detrend: "linear" (default) or "constant".
        t0_s: Time of the first sample, seconds.

    Returns:
        :class:`WccTable`. Empty (no rows) when the series are shorter than a window plus
        twice the lag range. NaN where a segment holds a gap or has no variance.

    Raises:
        ValueError: An option is out of range or the series differ in length.

    References:
        docs/methods.md §9.1.
    """
    w, lag, step = _check_options(fs_hz, window_s, max_lag_s, step_s, detrend)
    a = as_rr(x)
    b = as_rr(y)
    if a.size != b.size:
        raise ValueError(f"x and y must have the same length: {a.size} vs {b.size}")
    lags_s = np.arange(-lag, lag + 1, dtype=np.float64) / fs_hz
    starts = _starts(a.size, w, lag, step)
    if starts.size == 0:
        return WccTable(np.empty(0), lags_s, np.empty((0, lags_s.size)))
    lagged = _Lagged(a, b, starts, w, lag, detrend)
    rows = np.arange(starts.size, dtype=np.intp)
    return WccTable(t0_s + starts / fs_hz, lags_s, lagged.curves(rows, starts))


def pick_peaks(
    r: npt.ArrayLike,
    lags_s: npt.ArrayLike,
    *,
    neighbourhood_s: float = PEAK_NEIGHBOURHOOD_S,
    clear_r: float = CLEAR_PEAK_R,
) -> Peaks:
    """The peak of each window's cross-correlation (after Boker et al. 2002).

    A peak is a value of r(τ) that is the largest within ±``neighbourhood_s`` and lies at
    least ``neighbourhood_s`` inside the lag range, so that it is known to be a local
    maximum and not the edge of a rise that continues past the range. Of several, the
    highest is taken (Boker et al. take the one nearest lag 0; with the slow rhythms of
    paced breathing the range rarely holds two, and the highest is the better estimate of a
    lag of a few seconds when it does).

    Args:
        r: Cross-correlations, shape (windows, lags), evenly spaced lags.
        lags_s: The lags, seconds, increasing.
        neighbourhood_s: Half-width of the local-maximum test, seconds; default 0.5 s.
        clear_r: A peak is clear when its r is at least this; default 0.5.

    Returns:
        :class:`Peaks`; NaN r and lag where a window has no peak (or holds NaN).

    References:
        docs/methods.md §9.2.
    """
    rr = np.asarray(r, dtype=np.float64)
    lags = as_rr(lags_s)
    if rr.ndim != 2 or rr.shape[1] != lags.size:
        raise ValueError(f"r must have shape (windows, {lags.size}), got {rr.shape}")
    n = rr.shape[0]
    if n == 0:
        e = np.empty(0)
        return Peaks(e, e.copy(), np.zeros(0, dtype=np.bool_))
    dlag = float(lags[1] - lags[0]) if lags.size > 1 else 1.0
    m = max(1, round(neighbourhood_s / dlag))
    if lags.size < 2 * m + 1:
        return Peaks(np.full(n, np.nan), np.full(n, np.nan), np.zeros(n, dtype=np.bool_))
    ok: BoolArray = np.asarray(np.isfinite(rr).all(axis=1))
    safe = np.where(ok[:, None], rr, 0.0)
    k = lags.size - 2 * m
    centre = safe[:, m : m + k]
    local = safe[:, 0:k].copy()
    for d in range(1, 2 * m + 1):
        np.maximum(local, safe[:, d : d + k], out=local)
    is_peak = (centre >= local) & ok[:, None]
    has = is_peak.any(axis=1)
    j = np.argmax(np.where(is_peak, centre, -np.inf), axis=1)
    rows = np.arange(n)
    peak_r = np.where(has, centre[rows, j], np.nan)
    peak_lag = np.where(has, lags[m + j], np.nan)
    with np.errstate(invalid="ignore"):
        clear = has & (peak_r >= clear_r)
    return Peaks(peak_r, peak_lag, clear)


def _row_percentile_95(x: FloatArray, *, min_count: int) -> FloatArray:
    """Each row's 95th percentile of its finite values (numpy's linear interpolation), NaN
    for rows with fewer than ``min_count``: one sort instead of ``nanpercentile``'s loop."""
    k = np.isfinite(x).sum(axis=1)
    srt = np.sort(x, axis=1)  # NaN sorts last
    pos = 0.95 * np.maximum(k - 1, 0)
    lo = np.floor(pos).astype(np.intp)
    hi = np.minimum(lo + 1, np.maximum(k - 1, 0))
    rows = np.arange(x.shape[0])
    out: FloatArray = srt[rows, lo] + (pos - lo) * (srt[rows, hi] - srt[rows, lo])
    out[k < min_count] = np.nan
    return out


def _fisher_z(r: FloatArray) -> FloatArray:
    """Fisher's z = atanh(r), with r kept within ±(1 − 1e-12) (rMEA caps z at 10)."""
    out: FloatArray = np.arctanh(np.clip(r, -1.0 + 1e-12, 1.0 - 1e-12))
    return out


# --- surrogates -------------------------------------------------------------------------------


def _phase_matches(
    phase: FloatArray, s: npt.NDArray[np.intp] | int, p: npt.NDArray[np.intp], w: int, lag: int
) -> BoolArray:
    """True where B's guide at sample p is at the phase it has at sample s (a whole number of
    cycles away) and goes through the same number of cycles over a window and its lags.
    ``s`` and ``p`` broadcast against each other."""
    last = phase.size - 1
    span = w + 2 * lag
    s_arr = np.asarray(s, dtype=np.intp)
    rate = np.abs(phase[np.minimum(p + 1, last)] - phase[p])
    tol = np.maximum(GUIDE_PHASE_TOL_CYCLES, 0.5 * rate + 1e-9)  # half a sample is the grid's best
    d0 = phase[p] - phase[s_arr]
    same: BoolArray = np.abs(d0 - np.round(d0)) <= tol
    adv = phase[np.minimum(p - lag + span, last)] - phase[np.maximum(p - lag, 0)]
    adv0 = phase[np.minimum(s_arr - lag + span, last)] - phase[np.maximum(s_arr - lag, 0)]
    same &= np.abs(adv - adv0) <= GUIDE_PHASE_TOL_CYCLES
    return same


def _block_shifts(
    first: int,
    centre_ok: BoolArray,
    guide_b: FloatArray | None,
    w: int,
    lag: int,
    sep: int,
    fs_hz: float,
    rng: np.random.Generator,
) -> npt.NDArray[np.intp]:
    """Shifts (samples) that move B's data to other stretches for a block starting at ``first``.

    A stretch at sample p qualifies when its whole lag range has data (``centre_ok[p]``),
    it lies at least ``sep`` samples away, and, when B has a guide, B's guide is there at the
    same phase (:func:`_phase_matches`). Without a guide, every whole second qualifies.
    At most :data:`MAX_CANDIDATES_PER_WINDOW`, drawn at random.
    """
    n = centre_ok.size
    lo_p, hi_p = lag, n - 1 - lag
    if hi_p < lo_p:
        return np.empty(0, dtype=np.intp)
    if guide_b is None:
        p = np.arange(lo_p, hi_p + 1, max(1, round(fs_hz)), dtype=np.intp)
    else:
        phase = guide_b
        phi0 = phase[first]
        k = np.arange(math.ceil(phase[lo_p] - phi0 - 0.5), math.floor(phase[hi_p] - phi0 + 0.5) + 1)
        targets = phi0 + k.astype(np.float64)
        idx = np.clip(np.searchsorted(phase, targets), 1, n - 1)
        left = idx - 1
        p = np.where(np.abs(phase[left] - targets) <= np.abs(phase[idx] - targets), left, idx).astype(np.intp)
        p = p[(p >= lo_p) & (p <= hi_p)]
        p = p[_phase_matches(phase, first, p, w, lag)]
    p = p[(np.abs(p - first) >= sep) & centre_ok[p]]
    if p.size > MAX_CANDIDATES_PER_WINDOW:
        p = np.sort(rng.choice(p, MAX_CANDIDATES_PER_WINDOW, replace=False))
    shifts: npt.NDArray[np.intp] = (p - first).astype(np.intp)
    return shifts


# --- shared coherence -------------------------------------------------------------------------


def _band_integral(cum: FloatArray, df: float, lo_hz: FloatArray, hi_hz: FloatArray) -> FloatArray:
    """Each row's power between its own bin bounds, from the row's cumulative trapezoids."""
    rows = np.arange(cum.shape[0])
    lo = np.clip(np.ceil(lo_hz / df - 1e-9).astype(np.intp), 0, cum.shape[1] - 1)
    hi = np.clip(np.floor(hi_hz / df + 1e-9).astype(np.intp), 0, cum.shape[1] - 1)
    v: FloatArray = cum[rows, hi] - cum[rows, lo]
    return v


def _guide_shares(
    x: FloatArray, guide: FloatArray | None, ends: npt.NDArray[np.intp], w: int, fs_hz: float
) -> FloatArray:
    """Share of 0.04-0.26 Hz power within ±0.015 Hz of the guide's rate, per window ending at ``ends``.

    One Hann periodogram per window (linear detrend, zero-padded to 2048 points), as the
    coherence ratio's (:mod:`vagal.hrv.coherence`). NaN without a guide or with a gap.
    """
    out = np.full(ends.size, np.nan)
    if guide is None or ends.size == 0:
        return out
    starts = ends - w
    seg = x[starts[:, None] + np.arange(w)[None, :]]
    ph0 = guide[starts]
    ph1 = guide[np.minimum(ends, guide.size - 1)]
    f_guide = (ph1 - ph0) / ((np.minimum(ends, guide.size - 1) - starts) / fs_hz)
    ok = np.isfinite(seg).all(axis=1) & np.isfinite(f_guide) & (f_guide > 0)
    if not ok.any():
        return out
    nfft = max(NFFT, 1 << int(np.ceil(np.log2(w))))
    win = np.hanning(w + 1)[:-1]  # periodic Hann, as scipy's "hann" and the coherence ratio
    df = fs_hz / nfft
    fg_all = f_guide[ok]
    seg_ok = seg[ok]
    share = np.empty(fg_all.size)
    for c in range(0, fg_all.size, _SHARE_WINDOWS_PER_BATCH):  # bounds memory (2,048-point spectra)
        sl = slice(c, c + _SHARE_WINDOWS_PER_BATCH)
        resid = _detrended(seg_ok[sl], "linear")
        spec = np.fft.rfft(resid * win, n=nfft, axis=1)
        p = spec.real**2 + spec.imag**2
        cum = np.zeros_like(p)
        cum[:, 1:] = np.cumsum((p[:, 1:] + p[:, :-1]) * (df / 2.0), axis=1)
        fg = fg_all[sl]
        near = _band_integral(cum, df, fg - PEAK_HALF_WIDTH_HZ, fg + PEAK_HALF_WIDTH_HZ)
        # The total band is widened to hold the guide's band for guides faster than 15.6/min.
        total = _band_integral(
            cum,
            df,
            np.minimum(PEAK_SEARCH_HZ[0], fg - PEAK_HALF_WIDTH_HZ),
            np.maximum(PEAK_SEARCH_HZ[1], fg + PEAK_HALF_WIDTH_HZ),
        )
        with np.errstate(invalid="ignore", divide="ignore"):
            share[sl] = np.where(total > 0, near / total, np.nan)
    out[ok] = share
    return out


# --- the result -------------------------------------------------------------------------------


def _nothing(t0: float, t1: float, reason: str, n_windows: int = 0) -> SynchronyResult:
    keys = (
        "wcc_peak_r_mean",
        "wcc_lag_s_median",
        "wcc_clear_peak_pct",
        "surrogate_p95",
        "above_chance",
        "p_surrogate",
        "shared_coherence_pct",
        "in_tune_pct_a",
        "in_tune_pct_b",
        "guide_share_a",
        "guide_share_b",
    )
    return SynchronyResult(
        t_start_s=t0,
        t_end_s=t1,
        n_windows=n_windows,
        wcc_peak_r_mean=None,
        wcc_lag_s_median=None,
        wcc_clear_peak_pct=None,
        surrogate_p95=None,
        above_chance=None,
        n_surrogates=0,
        p_surrogate=None,
        shared_coherence_pct=None,
        in_tune_pct_a=None,
        in_tune_pct_b=None,
        guide_share_a=None,
        guide_share_b=None,
        reason=reason,
        reasons=dict.fromkeys(keys, reason),
    )


def _as_rng(rng: np.random.Generator | int) -> np.random.Generator:
    if isinstance(rng, np.random.Generator):
        return rng
    if isinstance(rng, (int, np.integer)) and not isinstance(rng, bool) and rng >= 0:
        return np.random.default_rng(int(rng))
    raise ValueError(f"rng must be a numpy Generator or a seed >= 0, got {rng!r}")


def synchrony_from_series(
    hr_a: npt.ArrayLike,
    hr_b: npt.ArrayLike,
    *,
    fs_hz: float = DEFAULT_FS_HZ,
    t0_s: float = 0.0,
    guide_a: npt.ArrayLike | None = None,
    guide_b: npt.ArrayLike | None = None,
    rng: np.random.Generator | int = 0,
    n_surrogates: int = DEFAULT_N_SURROGATES,
    window_s: float = DEFAULT_WINDOW_S,
    max_lag_s: float = DEFAULT_MAX_LAG_S,
    step_s: float = DEFAULT_STEP_S,
    detrend: Detrend = "linear",
    min_separation_s: float | None = None,
    clear_r: float = CLEAR_PEAK_R,
    coherence_window_s: float = DEFAULT_COHERENCE_WINDOW_S,
    min_windows: int = MIN_WINDOWS,
    block_s: float = DEFAULT_BLOCK_S,
    windows_from_s: float | None = None,
) -> SynchronyResult:
    """Synchrony of two heart-rate series on one even grid, with its null (docs/methods.md §9).

    Args:
        hr_a: Person A's heart rate, bpm, evenly sampled; NaN marks a gap.
        hr_b: Person B's heart rate on the same grid.
        fs_hz: Sampling rate, Hz; default 4 Hz.
        t0_s: Session time of the first sample, seconds.
        guide_a: Person A's guide phase (cycles) at each sample, or None (no guide).
        guide_b: Person B's guide phase at each sample (the same array when shared), or None.
        rng: Random generator or seed for the surrogates; default seed 0 (reproducible).
        n_surrogates: Surrogates to draw (≥ 20); default 500.
        window_s: WCC window, seconds; default 30 s.
        max_lag_s: Lag range ±, seconds; default 5 s.
        step_s: Window increment, seconds; default 5 s.
        detrend: Per-segment detrending: "linear" (default) or "constant".
        min_separation_s: A surrogate stretch lies at least this far from its window;
            default one window length.
        clear_r: Clear-peak level; default 0.5.
        coherence_window_s: Shared-coherence window, seconds; default 64 s.
        min_windows: Fewest usable windows for a result; default 8.
        block_s: Windows starting within this many seconds share one surrogate shift;
            default 60 s.
        windows_from_s: Analyse only the windows of A that start at or after this session
            time (the result covers ``[windows_from_s, end]``), while the null may take B's
            data from the whole series: the live view's last two minutes, with other
            stretches from earlier in the session. None: the whole series.

    Returns:
        :class:`SynchronyResult` over the whole series. Values are None (with reasons)
        when the series are too short or have too many gaps, or no null could be built.

    Raises:
        ValueError: An option is out of range or the arrays differ in length.

    References:
        docs/methods.md §9.
    """
    w, lag, step = _check_options(fs_hz, window_s, max_lag_s, step_s, detrend)
    if not (isinstance(n_surrogates, int) and n_surrogates >= 20):
        raise ValueError(f"n_surrogates must be a whole number >= 20, got {n_surrogates=}")
    gen = _as_rng(rng)
    a = as_rr(hr_a)
    b = as_rr(hr_b)
    n = a.size
    if b.size != n:
        raise ValueError(f"hr_a and hr_b must have the same length: {n} vs {b.size}")
    ga = None if guide_a is None else as_rr(guide_a)
    gb = None if guide_b is None else as_rr(guide_b)
    for name, g in (("guide_a", ga), ("guide_b", gb)):
        if g is not None and g.size != n:
            raise ValueError(f"{name} must have one phase per sample: {g.size} vs {n}")
        if g is not None and not (np.isfinite(g).all() and (np.diff(g) >= 0).all()):
            raise ValueError(f"{name} must be finite and non-decreasing (cycles since the guide started)")
    t1 = t0_s + (n - 1) / fs_hz if n else t0_s
    sep = round((window_s if min_separation_s is None else min_separation_s) * fs_hz)
    from_idx = 0 if windows_from_s is None else max(0, math.ceil((windows_from_s - t0_s) * fs_hz - 1e-9))
    t_from = t0_s + from_idx / fs_hz
    starts = _starts(n, w, lag, step)
    starts = starts[starts >= from_idx]
    if starts.size < min_windows:
        return _nothing(t_from, t1, "not enough time together yet for the together view")

    lagged = _Lagged(a, b, starts, w, lag, detrend)
    curve_ok = _all_valid(lagged.valid_b_pos, 2 * lag + 1)  # B has data at every lag around p
    centre_ok = np.zeros(n, dtype=np.bool_)
    centre_ok[lag : lag + curve_ok.size] = curve_ok
    obs_ok = lagged.valid_a & centre_ok[starts]
    if int(obs_ok.sum()) < min_windows:
        return _nothing(t_from, t1, "waiting for steady beats from both straps", int(obs_ok.sum()))
    # The null, in blocks: the windows starting within one block share one shift of B's data,
    # as the real windows that overlap share their data; otherwise each surrogate's mean would
    # vary less than the real one does (overlapping windows are far from independent).
    ok_rows = np.flatnonzero(obs_ok).astype(np.intp)
    block_len = max(1, round(block_s * fs_hz))
    block_of = (starts[ok_rows] - starts[ok_rows[0]]) // block_len
    shifts_of: dict[int, npt.NDArray[np.intp]] = {}
    for blk in np.unique(block_of):
        first = int(starts[ok_rows[np.argmax(block_of == blk)]])
        shifts_of[int(blk)] = _block_shifts(first, centre_ok, gb, w, lag, sep, fs_hz, gen)
    n_shift = max(max((v.size for v in shifts_of.values()), default=0), 1)
    blocks_sorted = sorted(shifts_of)
    shift_table = np.zeros((len(blocks_sorted), n_shift), dtype=np.intp)
    shift_ok = np.zeros((len(blocks_sorted), n_shift), dtype=np.bool_)
    for j, blk in enumerate(blocks_sorted):
        shift_table[j, : shifts_of[blk].size] = shifts_of[blk]
        shift_ok[j, : shifts_of[blk].size] = True
    bidx = np.searchsorted(np.array(blocks_sorted), block_of)
    sh = shift_table[bidx]  # (windows, shifts): each window takes its block's shifts
    pos = starts[ok_rows][:, None] + sh
    good = shift_ok[bidx] & (pos >= lag) & (pos < n - lag) & (np.abs(sh) >= sep)
    pos_c = np.clip(pos, 0, n - 1)
    good &= centre_ok[pos_c]
    if gb is not None:
        good &= _phase_matches(gb, starts[ok_rows][:, None], pos_c, w, lag)
    table_pos = np.where(good, pos, -1)
    usable = (table_pos >= 0).any(axis=1)
    if int(usable.sum()) < min_windows:
        return _nothing(
            t_from, t1, "not yet enough time at the same guide pace to compare with chance", int(usable.sum())
        )
    rows = ok_rows[usable]
    table_pos = table_pos[usable]
    block_of = block_of[usable]
    n_shifts = np.array([shifts_of[int(b)].size for b in block_of], dtype=np.intp)

    have = table_pos >= 0
    cand_rows = np.repeat(rows, have.sum(axis=1))
    cand_pos = table_pos[have]
    lags_s = np.arange(-lag, lag + 1) / fs_hz
    obs = pick_peaks(lagged.curves(rows, starts[rows]), lags_s, clear_r=clear_r)
    # The surrogate stretches' peaks, a batch at a time: only each one's peak r is kept (a
    # whole session's curves at once took 400 MB for six hours).
    cand_r = np.empty(cand_rows.size)
    for c in range(0, cand_rows.size, _PAIRS_PER_PEAK_BATCH):
        sl = slice(c, c + _PAIRS_PER_PEAK_BATCH)
        cand_r[sl] = pick_peaks(lagged.curves(cand_rows[sl], cand_pos[sl]), lags_s, clear_r=clear_r).r
    z_table = np.full(table_pos.shape, np.nan)
    z_table[have] = _fisher_z(cand_r)  # NaN where a stretch is missing or gives no peak
    r_table = np.full(table_pos.shape, np.nan)
    r_table[have] = cand_r

    reasons: dict[str, str] = {}
    obs_z = _fisher_z(obs.r)
    has = np.isfinite(obs_z)
    r_mean = float(np.tanh(np.mean(obs_z[has]))) if has.any() else None
    if r_mean is None:
        reasons["wcc_peak_r_mean"] = "no window has a peak inside the lag range"
    clear_pct = 100.0 * float(obs.clear.mean())
    lag_median = float(np.median(obs.lag_s[obs.clear])) if obs.clear.any() else None
    if lag_median is None:
        reasons["wcc_lag_s_median"] = "no window has a clear peak"

    # Surrogates: each block draws one of its shifts, afresh for each surrogate.
    uniq_blocks, block_idx = np.unique(block_of, return_inverse=True)
    per_block = np.array([shifts_of[int(b)].size for b in uniq_blocks], dtype=np.intp)
    draws = np.floor(gen.random((n_surrogates, uniq_blocks.size)) * np.maximum(per_block, 1)[None, :])
    col = draws.astype(np.intp)[:, block_idx]
    z = z_table[np.arange(rows.size)[None, :], np.minimum(col, n_shifts[None, :] - 1)]
    finite = np.isfinite(z)
    n_fin = finite.sum(axis=1)
    sums = np.where(finite, z, 0.0).sum(axis=1)
    # A surrogate in which no window has a peak is less together than any that has one
    # (z = -20 is r = -1 to double precision; -inf would spoil the percentile's interpolation).
    surr_z = np.where(n_fin > 0, sums / np.maximum(n_fin, 1), -20.0)
    if r_mean is not None and bool((n_fin > 0).any()):
        z_obs = float(np.mean(obs_z[has]))
        z95 = float(np.percentile(surr_z, 95.0))
        p95: float | None = float(np.tanh(z95))
        above: bool | None = z_obs > z95
        p_surr: float | None = float(np.mean(surr_z >= z_obs))
        n_surr = int(surr_z.size)
    else:
        p95, above, p_surr, n_surr = None, None, None, 0
        why = "the surrogate stretches give no peaks"
        reasons["surrogate_p95"] = reasons["above_chance"] = reasons["p_surrogate"] = why

    # Per-window null band (for plots): the 95th percentile of the window's surrogate stretches.
    null95 = _row_percentile_95(r_table, min_count=20)

    # Shared coherence on 64 s windows ending every step, the last at the end, all within
    # the stretch analysed.
    wc = round(coherence_window_s * fs_hz)
    first_end = from_idx + wc
    ends = (
        np.arange(n, first_end - 1, -step, dtype=np.intp)[::-1]
        if n >= first_end
        else np.empty(0, dtype=np.intp)
    )
    share_a = _guide_shares(a, ga, ends, wc, fs_hz)
    share_b = _guide_shares(b, gb, ends, wc, fs_hz)

    def mean_or_none(v: FloatArray, key: str, why: str) -> float | None:
        ok = v[np.isfinite(v)]
        if ok.size == 0:
            reasons[key] = why
            return None
        return float(ok.mean())

    no_guide = "needs a breathing guide and 64 s of steady beats"
    gsa = mean_or_none(share_a, "guide_share_a", no_guide)
    gsb = mean_or_none(share_b, "guide_share_b", no_guide)
    with np.errstate(invalid="ignore"):
        tune_a = np.where(np.isfinite(share_a), share_a >= IN_TUNE_SHARE, np.nan)
        tune_b = np.where(np.isfinite(share_b), share_b >= IN_TUNE_SHARE, np.nan)
    pa = mean_or_none(tune_a, "in_tune_pct_a", no_guide)
    pb = mean_or_none(tune_b, "in_tune_pct_b", no_guide)
    both = np.where(np.isfinite(tune_a) & np.isfinite(tune_b), tune_a * tune_b, np.nan)
    shared = mean_or_none(both, "shared_coherence_pct", "needs both people's guides and 64 s of steady beats")

    def pct(v: float | None) -> float | None:
        return None if v is None else 100.0 * v

    return SynchronyResult(
        t_start_s=t_from,
        t_end_s=t1,
        n_windows=int(rows.size),
        wcc_peak_r_mean=r_mean,
        wcc_lag_s_median=lag_median,
        wcc_clear_peak_pct=clear_pct,
        surrogate_p95=p95,
        above_chance=above,
        n_surrogates=n_surr,
        p_surrogate=p_surr,
        shared_coherence_pct=pct(shared),
        in_tune_pct_a=pct(pa),
        in_tune_pct_b=pct(pb),
        guide_share_a=gsa,
        guide_share_b=gsb,
        reasons=reasons,
        windows=WindowSeries(
            end_s=t0_s + (starts[rows] + w) / fs_hz,
            peak_r=obs.r,
            lag_s=obs.lag_s,
            clear=obs.clear,
            null_p95_r=null95,
        ),
    )


# --- from beats -------------------------------------------------------------------------------


def heart_rate_on_grid(
    beats: PersonBeats, grid_s: npt.ArrayLike, *, fs_hz: float = DEFAULT_FS_HZ
) -> FloatArray:
    """A person's heart rate (bpm) on a given even time grid, NaN in gaps.

    ``60000 / RR`` at each beat is resampled with :func:`vagal.hrv.spectral.resample`
    (cubic spline at ``fs_hz``), one stretch between gaps at a time, then linearly
    interpolated onto ``grid_s``. Implausible RR values (outside 200-3000 ms) are dropped
    and count as gaps; so do beats more than 3 s apart. Grid samples outside every
    stretch are NaN.

    Args:
        beats: The person's beats.
        grid_s: Even grid times, seconds.
        fs_hz: Resampling rate of the spline, Hz.

    Returns:
        Heart rate in bpm at each grid time (NaN where there is no data).

    Raises:
        ValueError: ``t_s``, ``rr_ms`` and ``breaks`` differ in length.
    """
    t = as_rr(beats.t_s)
    rr = as_rr(beats.rr_ms)
    if t.size != rr.size:
        raise ValueError(f"t_s and rr_ms must have the same length: {t.size} vs {rr.size}")
    brk = as_breaks(beats.breaks, rr.size).copy()
    grid = as_rr(grid_s)
    out = np.full(grid.size, np.nan)
    bad = implausible(rr) | ~np.isfinite(t)
    if bad.any():
        # A dropped beat leaves a hole: the next kept beat starts a new stretch.
        nxt = np.flatnonzero(bad) + 1
        brk[nxt[nxt < rr.size]] = True
        keep = ~bad
        t, rr, brk = t[keep], rr[keep], brk[keep]
    if t.size < 2:
        return out
    brk[1:] |= np.diff(t) > MAX_BEAT_GAP_S
    cuts = np.concatenate(([0], np.flatnonzero(brk[1:]) + 1, [t.size]))
    for lo, hi in itertools.pairwise(cuts):
        if hi - lo < 2:
            continue
        tg, hg = resample(t[lo:hi], 60000.0 / rr[lo:hi], fs_hz)
        if tg.size < 2:
            continue
        inside = (grid >= tg[0]) & (grid <= tg[-1])
        out[inside] = np.interp(grid[inside], tg, hg)
    return out


def _sample_guide(guide: GuidePhase | None, grid: FloatArray, fs_hz: float) -> FloatArray | None:
    """The guide's phase at each grid time: evaluated once a second and interpolated.

    A guide's phase is linear at a steady rate and quadratic in a ramp; between samples a
    second apart a ramp from 12 to 6/min over 2 minutes bends it by under 1e-4 cycles, far
    inside the 0.05-cycle tolerance of the phase matching, at a quarter of the calls.
    """
    if guide is None:
        return None
    every = max(1, round(fs_hz))
    idx = np.unique(np.concatenate((np.arange(0, grid.size, every), [grid.size - 1])))
    at = np.fromiter((guide(float(grid[i])) for i in idx), dtype=np.float64, count=idx.size)
    out: FloatArray = np.interp(grid, grid[idx], at)
    return out


def _split_guides(guide: GuideSpec) -> tuple[GuidePhase | None, GuidePhase | None]:
    if isinstance(guide, tuple):
        if len(guide) != 2:
            raise ValueError(f"guide must be one phase function for both or a pair (A, B), got {guide!r}")
        return guide[0], guide[1]
    return guide, guide


def _synchrony_between(
    a: PersonBeats,
    b: PersonBeats,
    t0: float,
    t1: float,
    guide: GuideSpec,
    rng: np.random.Generator | int,
    n_surrogates: int,
    fs_hz: float,
    pool_from_s: float | None = None,
    block_s: float = DEFAULT_BLOCK_S,
) -> SynchronyResult:
    """The result for ``[t0, t1]``; the null may use B's data from ``pool_from_s`` on."""
    g0 = t0 if pool_from_s is None else min(t0, pool_from_s)
    n = math.floor((t1 - g0) * fs_hz + 1e-9) + 1
    grid = t1 - (n - 1 - np.arange(n, dtype=np.float64)) / fs_hz  # ends exactly at t1
    ga, gb = _split_guides(guide)
    # A's windows all lie in [t0, t1]: only B's heart rate is needed over the null's pool.
    hr_a = np.full(n, np.nan)
    mine = grid >= t0 - 1e-9
    hr_a[mine] = heart_rate_on_grid(_tail(a, t0 - 5.0), grid[mine], fs_hz=fs_hz)
    hr_b = heart_rate_on_grid(b, grid, fs_hz=fs_hz)
    pa = _sample_guide(ga, grid, fs_hz)
    pb = pa if gb is ga else _sample_guide(gb, grid, fs_hz)
    return synchrony_from_series(
        hr_a,
        hr_b,
        fs_hz=fs_hz,
        t0_s=float(grid[0]),
        guide_a=pa,
        guide_b=pb,
        rng=rng,
        n_surrogates=n_surrogates,
        windows_from_s=None if pool_from_s is None else t0 - 1e-9,
        block_s=block_s,
    )


def _covered_from(beats: PersonBeats) -> float | None:
    t = as_rr(beats.t_s)
    rr = as_rr(beats.rr_ms)
    if t.size == 0:
        return None
    return float(t[0] - rr[0] / 1000.0) if rr.size and np.isfinite(rr[0]) else float(t[0])


def synchrony_live(
    a: PersonBeats,
    b: PersonBeats,
    *,
    now_s: float,
    guide: GuideSpec = None,
    rng: np.random.Generator | int = 0,
    n_surrogates: int = DEFAULT_N_SURROGATES,
    span_s: float = LIVE_SPAN_S,
    null_span_s: float = LIVE_NULL_SPAN_S,
    block_s: float | None = None,
    fs_hz: float = DEFAULT_FS_HZ,
) -> SynchronyResult:
    """The live together view: synchrony over the last two minutes, with its null.

    The caller recomputes it every :data:`LIVE_RECOMPUTE_S` (5 s) of session time. Until
    both people have beats covering the last ``span_s`` it returns a result whose
    ``reason`` says so in plain words (the warm-up). The windows analysed are those of the
    last ``span_s``; the null takes person B's other stretches from the last
    ``null_span_s`` (10 minutes) where both have beats, so that it has more than the few
    stretches two minutes hold; once that pool holds :data:`LIVE_ONE_SHIFT_POOL_S` (3.5
    minutes), all windows of the two minutes share one shift of B's data (a time-shifted
    pairing), before that they shift in 60 s blocks (docs/methods.md §9.6 has the measured
    false-positive rates). The beats may be the whole session.

    Args:
        a: Person A's beats.
        b: Person B's beats.
        now_s: Session time now, seconds (the end of the stretch).
        guide: One guide phase function for both (e.g. ``Pacer.phase_at``), a pair
            ``(A's, B's)`` (each may be None), or None (no guide).
        rng: Random generator or seed for the surrogates; default seed 0.
        n_surrogates: Surrogates to draw; default 500.
        span_s: Stretch analysed, seconds; default 120 s.
        null_span_s: How far back the null may take B's other stretches, seconds
            (at least ``span_s``); default 600 s.
        block_s: Windows starting within this many seconds share one surrogate shift;
            None: ``span_s`` once the pool holds 3.5 minutes, 60 s before.
        fs_hz: Grid rate, Hz; default 4 Hz.

    Returns:
        :class:`SynchronyResult` for ``[now_s - span_s, now_s]``.

    References:
        docs/methods.md §9.6.
    """
    if not (math.isfinite(now_s) and math.isfinite(span_s) and span_s > 0 and math.isfinite(null_span_s)):
        raise ValueError(f"now_s must be finite and span_s > 0, got {now_s=}, {span_s=}, {null_span_s=}")
    t0 = now_s - span_s
    starts = [_covered_from(p) for p in (a, b)]
    if any(s is None for s in starts) or max(s for s in starts if s is not None) > t0 + 1.0:
        have = [now_s - s for s in starts if s is not None]
        so_far = max(0.0, min(have)) if len(have) == 2 else 0.0
        return _nothing(
            t0,
            now_s,
            f"the together view starts after two minutes of both hearts ({_duration_words(so_far)} so far)",
        )
    both_from = max(s for s in starts if s is not None)
    pool_from = min(t0, max(now_s - max(null_span_s, span_s), both_from))
    if block_s is None:
        block_s = span_s if now_s - pool_from >= LIVE_ONE_SHIFT_POOL_S else DEFAULT_BLOCK_S
    # Beats from a few seconds before, so the spline starts on data.
    cut = [_tail(p, pool_from - 5.0) for p in (a, b)]
    return _synchrony_between(
        cut[0], cut[1], t0, now_s, guide, rng, n_surrogates, fs_hz, pool_from_s=pool_from, block_s=block_s
    )


def _duration_words(t_s: float) -> str:
    s = int(t_s)
    return f"{s} s" if s < 60 else f"{s // 60} min {s % 60:02d} s"


def _tail(p: PersonBeats, from_s: float) -> PersonBeats:
    t = as_rr(p.t_s)
    i = int(np.searchsorted(t, from_s, side="left"))
    rr = as_rr(p.rr_ms)
    brk = None if p.breaks is None else as_breaks(p.breaks, rr.size)[i:]
    return PersonBeats(t[i:], rr[i:], brk)


def synchrony_session(
    a: PersonBeats,
    b: PersonBeats,
    *,
    guide: GuideSpec = None,
    segments: Sequence[tuple[str, float, float]] = (),
    rng: np.random.Generator | int = 0,
    n_surrogates: int = DEFAULT_N_SURROGATES,
    fs_hz: float = DEFAULT_FS_HZ,
) -> SessionSynchrony:
    """Synchrony over a whole session and over each marked part (offline, for replay and reports).

    The whole session runs from the later of the two first beats to the earlier of the two
    last beats. Each segment is analysed on its own, its null drawn from within it (a part
    of a session may differ from the rest: talking, then breathing together).

    Args:
        a: Person A's beats.
        b: Person B's beats.
        guide: One guide phase function for both, a pair ``(A's, B's)``, or None.
        segments: ``(label, start_s, end_s)`` for each part to analyse (e.g. between
            markers); parts shorter than two minutes get a result with a reason.
        rng: Random generator or seed; default seed 0.
        n_surrogates: Surrogates per result; default 500.
        fs_hz: Grid rate, Hz; default 4 Hz.

    Returns:
        :class:`SessionSynchrony`.

    References:
        docs/methods.md §9.4.
    """
    gen = _as_rng(rng)
    spans = []
    for p in (a, b):
        t = as_rr(p.t_s)
        spans.append((float(t[0]), float(t[-1])) if t.size >= 2 else None)
    if spans[0] is None or spans[1] is None:
        whole = _nothing(0.0, 0.0, "needs beats from both people")
        t0 = t1 = 0.0
    else:
        t0 = max(spans[0][0], spans[1][0])
        t1 = min(spans[0][1], spans[1][1])
        whole = (
            _synchrony_between(a, b, t0, t1, guide, gen, n_surrogates, fs_hz)
            if t1 - t0 >= MIN_SEGMENT_S
            else _nothing(t0, max(t0, t1), "the two recordings overlap by less than two minutes")
        )
    parts = []
    for label, s0, s1 in segments:
        lo, hi = max(s0, t0), min(s1, t1)
        if hi - lo < MIN_SEGMENT_S:
            res = _nothing(lo, max(lo, hi), "this part is shorter than two minutes of both hearts")
        else:
            res = _synchrony_between(a, b, lo, hi, guide, gen, n_surrogates, fs_hz)
        parts.append(SegmentSynchrony(label, float(s0), float(s1), res))
    return SessionSynchrony(whole, tuple(parts))
