"""The fast path of the core's spectral maths, for the live engine's short windows.

The live resampler and periodogram: the batch core's steps for one short window, minus overhead.

Design decision: every live spectral window (60–128 s) is shorter than the batch core's
256 s Welch segment, so ``vagal.hrv.spectral.psd_welch(x, fs, detrend="linear")`` reduces
to a single segment: a least-squares line removed, a periodic Hann window, an FFT
zero-padded to the next power of two ≥ max(N, 2048), one-sided density scaling. This
module computes exactly that with numpy alone (about 25 µs instead of about 180 µs for
scipy's general Welch machinery at 480 samples), which is what lets the engine recompute
LF/HF, coherence and breathing rate every few seconds of session time and still replay a
day of beats in seconds. tests/test_engine_core.py checks it against ``psd_welch`` to
1e-9 on real data; longer inputs are handed to ``psd_welch`` itself.

Likewise :func:`resample` is ``vagal.hrv.spectral.resample`` (cubic spline, not-a-knot
ends, evaluated on the 4 Hz grid from the first beat): the batch core's own system and
evaluation (:mod:`vagal.hrv._numeric`) with LAPACK's banded solver, which is faster than
the core's numpy-only solver on a window's few hundred knots. Equal to the batch function
to 1e-9 (tested); fewer than 4 beats are handed to the batch function itself.

References:
    docs/methods.md §2.4, §2.6.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING, Final

import numpy as np

if TYPE_CHECKING:
    import numpy.typing as npt

    FloatArray = npt.NDArray[np.float64]

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


def nfft_for(n: int) -> int:
    """FFT length: next power of two ≥ max(n, 2048)."""
    return 1 << max(int(n - 1).bit_length(), MIN_NFFT.bit_length() - 1)


def detrend_linear(x: FloatArray) -> FloatArray:
    """``x`` minus its least-squares line."""
    tau, tt = _tau(x.size)
    out: FloatArray = x - x.mean() - (float(x @ tau) / tt) * tau if tt > 0 else x - x.mean()
    return out


def periodogram(x: FloatArray, fs_hz: float) -> tuple[FloatArray, FloatArray]:
    """PSD of one evenly sampled window, equal to ``psd_welch(x, fs_hz, detrend="linear")``.

    Args:
        x: Evenly sampled series (RR in ms gives ms²/Hz).
        fs_hz: Sampling rate, Hz.

    Returns:
        ``(f_hz, p)``, one-sided density; empty arrays for fewer than 8 samples or a
        non-finite value (as ``psd_welch``).
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
    f = np.fft.rfftfreq(nfft, d=1.0 / fs_hz).astype(np.float64)
    return f, p


def resample(t_s: FloatArray, rr_ms: FloatArray, fs_hz: float) -> tuple[FloatArray, FloatArray]:
    """Equal to ``vagal.hrv.spectral.resample(t_s, rr_ms, fs_hz)`` for increasing beat times.

    The same not-a-knot system and the same Hermite evaluation as the batch spline
    (:mod:`vagal.hrv._numeric`), solved by LAPACK's banded solver: for the 150–500 knots of a
    live window that is about 10 µs, where the batch core's cyclic reduction (numpy only, so
    that ``vagal analyze`` need not import scipy) spends about 0.5 ms in numpy calls. The live
    engine imports scipy anyway (its breath metrics use ``scipy.signal.find_peaks``).

    Args:
        t_s: Beat times, seconds, strictly increasing (the engine guarantees it).
        rr_ms: NN intervals, ms.
        fs_hz: Output rate, Hz.

    Returns:
        ``(t_grid_s, rr_grid_ms)`` on ``t_s[0] + k / fs_hz`` up to the last beat.
    """
    n = t_s.size
    if n < 4:
        from vagal.hrv.spectral import resample as batch_resample

        return batch_resample(t_s, rr_ms, fs_hz)
    from scipy.linalg import solve_banded

    from vagal.hrv._numeric import hermite_on_grid, spline_system

    dx, slope, sub, diag, sup, rhs = spline_system(t_s, rr_ms)
    ab = np.empty((3, n))
    ab[0, 1:], ab[1], ab[2, :-1] = sup[:-1], diag, sub[1:]
    s = solve_banded((1, 1), ab, rhs, overwrite_ab=True, overwrite_b=True, check_finite=False)
    m = int(np.floor((t_s[-1] - t_s[0]) * fs_hz + 1e-9)) + 1
    grid = t_s[0] + np.arange(m, dtype=np.float64) / fs_hz
    return grid, hermite_on_grid(t_s, rr_ms, s, dx, slope, grid)
