"""The fast path of the core's spectral maths, for the live engine's short windows.

The live resampler, periodogram and band sums: the batch core's steps for one short window,
minus overhead, with numpy alone (the live engine imports no scipy: importing scipy.linalg and
scipy.signal costs 0.3–1 s of a replay's start, more than an hour of recomputes).

Design decisions:

* Every live spectral window (60–128 s) is shorter than the batch core's 256 s Welch segment,
  so ``vagal.hrv.spectral.psd_welch(x, fs, detrend="linear")`` reduces to a single segment: a
  least-squares line removed, a periodic Hann window, an FFT zero-padded to the next power of
  two ≥ max(N, 2048), one-sided density scaling. :func:`periodogram` computes exactly that
  (longer inputs are handed to ``psd_welch`` itself).
* :func:`resample` is ``vagal.hrv.spectral.resample`` (cubic spline, not-a-knot ends,
  evaluated on the 4 Hz grid from the first beat). The engine's windows all end at the same
  last beat, so :class:`TrailingSpline` builds the spline system of the longest window once and
  eliminates it from the *end* (Thomas' algorithm run backwards): every shorter window is a
  suffix of the same knots, whose system differs only in its first row, so each suffix costs
  one substitution sweep. The two non-dominant not-a-knot rows are eliminated by hand first,
  as the batch core does; the interior is diagonally dominant by a factor of 2, so no pivoting
  is needed. A window's few hundred knots take ~50 µs in a Python loop, where the batch core's
  cyclic reduction spends ~0.5 ms in numpy calls and a LAPACK banded solve costs the scipy
  import.
* The band sums (:func:`lf_hf_powers`, :func:`coherence_peak`, :func:`breath_peak_hz`) use
  index ranges of the fixed frequency grid computed once per FFT length, instead of building
  masks over 1,025 bins at every recompute; they select the same bins and sum them with the
  same trapezoid operations as ``band_powers``, ``coherence_ratio`` and
  ``vagal.hrv.breath.breathing_rate_per_min``.

Everything here equals the batch functions to 1e-9 on real data (tests/test_engine_core.py,
tests/test_engine_fastpath.py).

References:
    docs/methods.md §2.2, §2.4, §2.6, §6.1, §6.3.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Final

import numpy as np

if TYPE_CHECKING:
    import numpy.typing as npt

    FloatArray = npt.NDArray[np.float64]
    IntArray = npt.NDArray[np.intp]

MIN_NFFT: Final = 2048
"""Zero-padding floor: 2048 points at 4 Hz is 0.002 Hz spacing (docs/methods.md §2.4)."""
SEGMENT_S: Final = 256.0
"""The batch core's Welch segment; windows up to this long are one segment."""


@lru_cache(maxsize=64)
def _hann(n: int) -> tuple[FloatArray, float]:
    """Periodic Hann window of n points (scipy's "hann") and Σ w²."""
    w = 0.5 - 0.5 * np.cos(2.0 * np.pi * np.arange(n, dtype=np.float64) / n)
    return w, float(w @ w)


@lru_cache(maxsize=64)
def _tau(n: int) -> tuple[FloatArray, float]:
    tau = np.arange(n, dtype=np.float64) - (n - 1) / 2.0
    return tau, float(tau @ tau)


@lru_cache(maxsize=16)
def _freqs(nfft: int, fs_hz: float) -> FloatArray:
    """The one-sided FFT frequencies (``np.fft.rfftfreq``), computed once per length."""
    f: FloatArray = np.fft.rfftfreq(nfft, d=1.0 / fs_hz).astype(np.float64)
    f.setflags(write=False)
    return f


_STEPS_CACHE: dict[float, FloatArray] = {}


def _steps(m: int, fs_hz: float) -> FloatArray:
    """``np.arange(m) / fs_hz`` (the grid offsets), sliced from one cached array per rate."""
    steps = _STEPS_CACHE.get(fs_hz)
    if steps is None or steps.size < m:
        steps = np.arange(max(m, 4096), dtype=np.float64) / fs_hz
        steps.setflags(write=False)
        _STEPS_CACHE[fs_hz] = steps
    return steps[:m]


def nfft_for(n: int) -> int:
    """FFT length: next power of two ≥ max(n, 2048)."""
    return 1 << max(int(n - 1).bit_length(), MIN_NFFT.bit_length() - 1)


def detrend_linear(x: FloatArray) -> FloatArray:
    """``x`` minus its least-squares line."""
    tau, tt = _tau(x.size)
    # x.sum() / n is what x.mean() computes, without its Python wrapper (~5 µs a call)
    mean = float(x.sum()) / x.size
    out: FloatArray = x - mean - (float(x @ tau) / tt) * tau if tt > 0 else x - mean
    return out


def periodogram(x: FloatArray, fs_hz: float) -> tuple[FloatArray, FloatArray]:
    """PSD of one evenly sampled window, equal to ``psd_welch(x, fs_hz, detrend="linear")``.

    Args:
        x: Evenly sampled series (RR in ms gives ms²/Hz).
        fs_hz: Sampling rate, Hz.

    Returns:
        ``(f_hz, p)``, one-sided density; empty arrays for fewer than 8 samples or a
        non-finite value (as ``psd_welch``). ``f_hz`` is a shared read-only array.
    """
    n = x.size
    if n < 8 or not np.isfinite(x).all():
        e = np.empty(0, dtype=np.float64)
        return e, e.copy()
    if n > round(SEGMENT_S * fs_hz):
        from vagal.hrv.spectral import psd_welch

        return psd_welch(x, fs_hz, detrend="linear")
    w, ww = _hann(n)
    nfft = nfft_for(n)
    spec = np.fft.rfft(detrend_linear(x) * w, n=nfft)
    p = np.asarray((spec.real**2 + spec.imag**2) * (1.0 / (fs_hz * ww)), dtype=np.float64)
    p[1:-1] *= 2.0  # one-sided; nfft is even, so the last bin is Nyquist and not doubled
    return _freqs(nfft, fs_hz), p


# --------------------------------------------------------------------------- the spline


class TrailingSpline:
    """Not-a-knot cubic splines through the knots ``x[j:]`` for any ``j``, sharing one elimination.

    ``on_grid(j, fs_hz)`` equals ``vagal.hrv.spectral.resample(x[j:], y[j:], fs_hz)`` (to
    1e-9; tested) for increasing ``x`` with at least 4 knots from ``j`` on.

    Args:
        x: Knots (beat times, s), strictly increasing, at least 4.
        y: Values (NN intervals, ms).
    """

    __slots__ = ("_alpha", "_beta", "_di", "_dx", "_dxl", "_end", "_r", "_sll", "_slope", "_up", "x", "y")

    def __init__(self, x: FloatArray, y: FloatArray) -> None:
        n = x.size
        if n < 4:
            raise ValueError(f"a trailing spline needs at least 4 knots, got {n}")
        self.x = x
        self.y = y
        dx = x[1:] - x[:-1]  # np.diff without its wrapper
        slope = (y[1:] - y[:-1]) / dx
        self._dx = dx
        self._slope = slope
        dxl: list[float] = dx.tolist()
        sll: list[float] = slope.tolist()
        self._dxl = dxl
        self._sll = sll
        # Interior rows k = 1 … n-2 (stored at k-1) of scipy's CubicSpline system:
        # dx[k]·s[k-1] + 2(dx[k-1] + dx[k])·s[k] + dx[k-1]·s[k+1] = 3(dx[k]·m[k-1] + dx[k-1]·m[k]).
        di: list[float] = (2.0 * (dx[:-1] + dx[1:])).tolist()
        r: list[float] = (3.0 * (dx[1:] * slope[:-1] + dx[:-1] * slope[1:])).tolist()
        self._up = dxl[:-1]
        # The last row (not-a-knot) holds s[n-2] and s[n-1]; eliminate s[n-1] from row n-2 by
        # hand (its factor sup[n-2] / diag[n-1] is dx[-2] / dx[-2] = 1).
        d = float(x[-1] - x[-3])
        e_diag, e_sub = dxl[-2], d
        e_rhs = (dxl[-1] ** 2 * sll[-2] + (2.0 * d + dxl[-1]) * dxl[-2] * sll[-1]) / d
        self._end = (e_diag, e_sub, e_rhs)
        f1 = dxl[-2] / e_diag
        di[-1] -= f1 * e_sub
        r[-1] -= f1 * e_rhs
        self._di = di
        self._r = r
        # Backward sweep: s[k+1] = beta[k] - alpha[k]·s[k] for interior row k (stored at k-1),
        # from the bottom up. Row 1 is left out: every suffix changes it (its own first row).
        alpha: list[float] = []
        beta: list[float] = []
        a = b = 0.0
        lo = dxl[1:]
        for i in range(n - 3, 0, -1):
            u = dxl[i]
            w = di[i] - u * a
            a = lo[i] / w
            b = (r[i] - u * b) / w
            alpha.append(a)
            beta.append(b)
        alpha.reverse()
        beta.reverse()
        # alpha[i-1] / beta[i-1] belong to interior row i+1 (i = 1 … n-3).
        self._alpha = alpha
        self._beta = beta

    def slopes(self, j: int) -> list[float]:
        """The knot slopes of the not-a-knot spline through ``x[j:]`` (at least 4 knots)."""
        n = self.x.size
        if not 0 <= j <= n - 4:
            raise ValueError(f"a suffix needs at least 4 knots: j={j}, {n} knots")
        dxl, sll = self._dxl, self._sll
        # The suffix's first row (not-a-knot) holds s[j] and s[j+1]; eliminate s[j] from row
        # j+1 (its factor sub[j+1] / diag[j] is dx[j+1] / dx[j+1] = 1), as the batch core does.
        d = float(self.x[j + 2] - self.x[j])
        f_diag, f_sup = dxl[j + 1], d
        f_rhs = ((dxl[j] + 2.0 * d) * dxl[j + 1] * sll[j] + dxl[j] ** 2 * sll[j + 1]) / d
        f0 = dxl[j + 1] / f_diag
        di = self._di[j] - f0 * f_sup
        r = self._r[j] - f0 * f_rhs
        # Row j+1 with s[j+2] = beta - alpha·s[j+1] from the shared sweep (row j+2 is at j).
        u = self._up[j]
        s1 = (r - u * self._beta[j]) / (di - u * self._alpha[j])
        out = [0.0, s1]
        prev = s1
        for a, b in zip(self._alpha[j:], self._beta[j:], strict=True):
            prev = b - a * prev
            out.append(prev)
        e_diag, e_sub, e_rhs = self._end
        out.append((e_rhs - e_sub * prev) / e_diag)
        out[0] = (f_rhs - f_sup * s1) / f_diag
        return out

    def on_grid(self, j: int, fs_hz: float) -> tuple[FloatArray, FloatArray]:
        """``(t_grid_s, values)`` of the spline through ``x[j:]`` on ``x[j] + k / fs_hz`` up to
        the last knot."""
        x = self.x
        s = np.array(self.slopes(j), dtype=np.float64)
        x0 = float(x[j])
        m = int(np.floor((float(x[-1]) - x0) * fs_hz + 1e-9)) + 1
        grid = x0 + _steps(m, fs_hz)
        return grid, _hermite(x[j:], self.y[j:], s, self._dx[j:], self._slope[j:], grid)


def _hermite(
    x: FloatArray, y: FloatArray, s: FloatArray, dx: FloatArray, slope: FloatArray, grid: FloatArray
) -> FloatArray:
    """``vagal.hrv._numeric.hermite_on_grid`` with fewer temporaries (the same operations in the
    same order)."""
    s0 = s[:-1]
    tt = (s0 + s[1:] - 2.0 * slope) / dx
    c0 = tt / dx
    c1 = (slope - s0) / dx - tt
    i = np.searchsorted(x, grid, side="right")
    i -= 1
    # grid lies in [x0, xN]: only a point on the last knot needs moving into the last interval
    np.minimum(i, x.size - 2, out=i)
    u = grid - x[i]
    v = c0[i]
    v *= u
    v += c1[i]
    v *= u
    v += s0[i]
    v *= u
    v += y[i]
    return v


def resample(t_s: FloatArray, rr_ms: FloatArray, fs_hz: float) -> tuple[FloatArray, FloatArray]:
    """Equal to ``vagal.hrv.spectral.resample(t_s, rr_ms, fs_hz)`` for increasing beat times.

    The same not-a-knot system and the same Hermite evaluation as the batch spline
    (:mod:`vagal.hrv._numeric`), solved by :class:`TrailingSpline`'s sweep.

    Args:
        t_s: Beat times, seconds, strictly increasing (the engine guarantees it).
        rr_ms: NN intervals, ms.
        fs_hz: Output rate, Hz.

    Returns:
        ``(t_grid_s, rr_grid_ms)`` on ``t_s[0] + k / fs_hz`` up to the last beat.
    """
    if t_s.size < 4:
        from vagal.hrv.spectral import resample as batch_resample

        return batch_resample(t_s, rr_ms, fs_hz)
    return TrailingSpline(t_s, rr_ms).on_grid(0, fs_hz)


# --------------------------------------------------------------------------- band sums


@dataclass(frozen=True, slots=True)
class _Bins:
    """Index ranges of the fixed frequency grid of one FFT length (the masks of the batch core)."""

    f: FloatArray
    lf: slice
    hf: slice
    lf_df: FloatArray
    hf_df: FloatArray
    search: slice
    """Coherence peak search, closed [0.04, 0.26] Hz."""
    peak_lo: IntArray
    peak_hi: IntArray
    """For a peak at bin ``search.start + i``: its ±0.015 Hz window is ``peak_lo[i]:peak_hi[i]``."""
    total: slice
    total_df: FloatArray
    breath: slice
    """Breathing band, half-open [0.05, 0.5) Hz."""
    fast_from: int
    """First bin of the breathing band at or above 7 breaths/min."""


def _half_open(f: FloatArray, band: tuple[float, float]) -> slice:
    """The bins with ``lo <= f < hi`` (f increasing): the batch core's half-open mask."""
    return slice(int(np.searchsorted(f, band[0], side="left")), int(np.searchsorted(f, band[1], side="left")))


_BINS_CACHE: dict[tuple[int, float], _Bins] = {}


def _bins_of(f_hz: FloatArray) -> _Bins:
    """The index ranges of an FFT frequency grid ``k · f_hz[1]`` (cached: size and spacing fix it)."""
    key = (f_hz.size, float(f_hz[1]))
    b = _BINS_CACHE.get(key)
    if b is None:
        b = _BINS_CACHE[key] = _bins(f_hz)
    return b


def _bins(f: FloatArray) -> _Bins:
    from vagal.hrv.breath import BREATH_BAND_HZ, SPONTANEOUS_MIN_HZ
    from vagal.hrv.coherence import PEAK_HALF_WIDTH_HZ, PEAK_SEARCH_HZ, TOTAL_BAND_HZ
    from vagal.hrv.spectral import HF_BAND_HZ, LF_BAND_HZ

    lf, hf, total, breath = (
        _half_open(f, b) for b in (LF_BAND_HZ, HF_BAND_HZ, TOTAL_BAND_HZ, BREATH_BAND_HZ)
    )
    search = slice(
        int(np.searchsorted(f, PEAK_SEARCH_HZ[0], side="left")),
        int(np.searchsorted(f, PEAK_SEARCH_HZ[1], side="right")),
    )
    f_pk = f[search]
    # coherence_ratio's window: PEAK_HALF_WIDTH_HZ around the peak, closed, with 1e-12 to spare.
    peak_lo = np.searchsorted(f, f_pk - PEAK_HALF_WIDTH_HZ - 1e-12, side="left")
    peak_hi = np.searchsorted(f, f_pk + PEAK_HALF_WIDTH_HZ + 1e-12, side="right")
    fast_from = max(int(np.searchsorted(f, SPONTANEOUS_MIN_HZ, side="left")), breath.start)
    return _Bins(
        f=f,
        lf=lf,
        hf=hf,
        lf_df=np.diff(f[lf]),
        hf_df=np.diff(f[hf]),
        search=search,
        peak_lo=peak_lo,
        peak_hi=peak_hi,
        total=total,
        total_df=np.diff(f[total]),
        breath=breath,
        fast_from=fast_from,
    )


def _trapz(p: FloatArray, df: FloatArray) -> float:
    """``np.trapezoid(p, f)`` with ``df = np.diff(f)`` given: the same operations, so the same sum."""
    return float((df * (p[1:] + p[:-1]) / 2.0).sum())


def _band_sum(p: FloatArray, sl: slice, df: FloatArray) -> float:
    """One band as ``vagal.hrv.spectral._band`` sums it: NaN on fewer than 2 bins, 0 below the floor."""
    from vagal.hrv.spectral import POWER_FLOOR_MS2

    if sl.stop - sl.start < 2:
        return float("nan")
    power = _trapz(p[sl], df)
    return 0.0 if power < POWER_FLOOR_MS2 else power


def lf_hf_powers(f_hz: FloatArray, p: FloatArray) -> tuple[float, float, float]:
    """``(lf_ms2, hf_ms2, lf_hf)`` of a periodogram, equal to ``band_powers(f_hz, p)``'s.

    Args:
        f_hz: :func:`periodogram`'s frequencies (an FFT grid from 0 Hz).
        p: Its PSD, ms²/Hz.
    """
    from vagal.hrv.spectral import POWER_FLOOR_MS2

    b = _bins_of(f_hz)
    lf = _band_sum(p, b.lf, b.lf_df)
    hf = _band_sum(p, b.hf, b.hf_df)
    return lf, hf, (lf / hf if hf >= POWER_FLOOR_MS2 else float("nan"))


def coherence_peak(f_hz: FloatArray, p: FloatArray) -> tuple[float, int | None]:
    """The coherence ratio of a periodogram and where its peak sits in the search band.

    Returns:
        ``(ratio, edge)``: the ratio equal to ``vagal.hrv.coherence.coherence_ratio(f_hz, p)``
        (NaN where it is), and ``edge`` -1 when the peak is the band's slowest bin, +1 the
        fastest, 0 inside, None when the band holds fewer than 3 bins.
    """
    from vagal.hrv.spectral import POWER_FLOOR_MS2

    nan = float("nan")
    b = _bins_of(f_hz)
    s = b.search
    count = s.stop - s.start
    if count <= 0:
        return nan, None
    i = int(np.argmax(p[s]))
    edge = None if count < 3 else (-1 if i == 0 else (1 if i == count - 1 else 0))
    if not p[s.start + i] > 0:
        return nan, edge
    lo, hi = int(b.peak_lo[i]), int(b.peak_hi[i])
    t = b.total
    if hi - lo < 2 or t.stop - t.start < 2:
        return nan, edge
    peak = _trapz(p[lo:hi], np.diff(f_hz[lo:hi]))
    total = _trapz(p[t], b.total_df)
    rest = total - peak
    if not (rest > 0 and total >= POWER_FLOOR_MS2):
        return nan, edge
    return peak / rest, edge


def breath_peak_hz(f_hz: FloatArray, p: FloatArray, *, paced: bool) -> tuple[int, float] | None:
    """The bin and refined frequency of ``breathing_rate_per_min``'s peak (rate = 60 × Hz).

    Equal to ``vagal.hrv.breath.breathing_rate_per_min(f_hz, p, paced=paced) / 60`` on a
    :func:`periodogram` (tested); None where that is None.
    """
    from vagal.hrv.breath import PREFER_FAST_RATIO

    b = _bins_of(f_hz)
    br = b.breath
    if br.stop - br.start < 3:
        return None
    k = br.start + int(np.argmax(p[br]))
    pk = float(p[k])
    if not pk > 0:
        return None
    if not paced and b.fast_from < br.stop:
        k_fast = b.fast_from + int(np.argmax(p[b.fast_from : br.stop]))
        if p[k_fast] >= PREFER_FAST_RATIO * pk:
            k = k_fast
    f_pk = float(f_hz[k])
    if 0 < k < f_hz.size - 1:
        y0, y1, y2 = float(p[k - 1]), float(p[k]), float(p[k + 1])
        den = y0 - 2.0 * y1 + y2
        if den < 0:
            shift = 0.5 * (y0 - y2) / den
            f_pk += max(-0.5, min(0.5, shift)) * float(f_hz[1] - f_hz[0])
    return k, f_pk


__all__ = [
    "MIN_NFFT",
    "SEGMENT_S",
    "TrailingSpline",
    "breath_peak_hz",
    "coherence_peak",
    "detrend_linear",
    "lf_hf_powers",
    "nfft_for",
    "periodogram",
    "resample",
]
