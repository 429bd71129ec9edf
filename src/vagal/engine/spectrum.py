"""The live periodogram: the batch core's spectrum for one short window, without scipy's overhead.

Design decision: every live spectral window (60–128 s) is shorter than the batch core's
256 s Welch segment, so ``vagal.hrv.spectral.psd_welch(x, fs, detrend="linear")`` reduces
to a single segment: a least-squares line removed, a periodic Hann window, an FFT
zero-padded to the next power of two ≥ max(N, 2048), one-sided density scaling. This
module computes exactly that with numpy alone (about 25 µs instead of about 180 µs for
scipy's general Welch machinery at 480 samples), which is what lets the engine recompute
LF/HF, coherence and breathing rate every few seconds of session time and still replay a
day of beats in seconds. tests/test_engine_core.py checks it against ``psd_welch`` to
1e-9 on real data; longer inputs are handed to ``psd_welch`` itself.

References:
    METHODS.md §2.4, §2.6.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING, Final

import numpy as np

if TYPE_CHECKING:
    import numpy.typing as npt

    FloatArray = npt.NDArray[np.float64]

MIN_NFFT: Final = 2048
"""Zero-padding floor: 2048 points at 4 Hz is 0.002 Hz spacing (METHODS.md §2.4)."""
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
