"""Frequency-domain HRV: resampling, detrending, PSD and band powers (METHODS.md §2).

Design: the batch report and the live engine call the same small functions. Each one
does one step with named keywords, arrays in and arrays out, like ``scipy.signal.welch``.
scipy is imported inside the functions (it costs ~100 ms on first use, and ``vagal --help``
must not pay it); after the first call the import is a dictionary look-up, so the live
engine pays nothing per call.

Pipeline for reports: cubic spline at 4 Hz → smoothness priors (λ = 500) → Welch (Hann,
256 s, 50 % overlap, density) → trapezoid over half-open bands → ms².
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final, Literal

import numpy as np
import numpy.typing as npt

from vagal.hrv._common import NAN, FloatArray, as_rr

DEFAULT_FS_HZ: Final = 4.0
"""Resampling rate. Kubios's default; neurokit2 uses 100 Hz (METHODS.md §2.2)."""
DEFAULT_LAMBDA: Final = 500.0
"""Smoothness-priors λ: a high-pass at ≈ 0.035 Hz at 4 Hz (Tarvainen et al. 2002)."""
DEFAULT_SEGMENT_S: Final = 256.0
"""Welch segment length (Kubios 2.x material; METHODS.md §2.4)."""
MIN_NFFT: Final = 2048
"""Zero-pad to at least this many points: ≤ 0.002 Hz bin spacing at 4 Hz (display only)."""

VLF_BAND_HZ: Final = (0.0033, 0.04)
LF_BAND_HZ: Final = (0.04, 0.15)
HF_BAND_HZ: Final = (0.15, 0.40)
"""Task Force 1996 bands, half-open [lo, hi)."""

POWER_FLOOR_MS2: Final = 1e-9
"""Band power below this is rounding noise (a constant series), not heart rate variability:
ratios and peaks built on it are NaN. Any real RR series has many orders of magnitude more."""

LOMB_DF_HZ: Final = 0.001
"""Lomb–Scargle frequency spacing (METHODS.md §2.4: ≤ 0.001 Hz)."""
LOMB_F_MAX_HZ: Final = 0.5

Detrend = Literal["smoothness", "linear", "constant"]
_DETRENDS: Final = ("smoothness", "linear", "constant")


def _empty() -> tuple[FloatArray, FloatArray]:
    return np.empty(0, dtype=np.float64), np.empty(0, dtype=np.float64)


def resample(
    t_s: npt.ArrayLike, rr_ms: npt.ArrayLike, fs_hz: float = DEFAULT_FS_HZ
) -> tuple[FloatArray, FloatArray]:
    """Resample an RR series on an even time grid with a cubic spline.

    Each RR value is placed at its beat time (the end of the interval). The spline is
    evaluated only inside ``[t_s[0], t_s[-1]]`` (no extrapolation).

    Args:
        t_s: Beat times in seconds, strictly increasing.
        rr_ms: RR (NN) intervals in ms, one per beat time.
        fs_hz: Output rate in Hz; default 4 Hz (Kubios; METHODS.md §2.2).

    Returns:
        ``(t_grid_s, rr_grid_ms)``. Both are empty when fewer than 2 beats are given, when
        the times are not strictly increasing, or when a value is not finite.

    Raises:
        ValueError: ``fs_hz`` is not positive, or ``t_s`` and ``rr_ms`` differ in length.

    References:
        METHODS.md §2.2.
    """
    if not fs_hz > 0:
        raise ValueError(f"fs_hz must be > 0, got {fs_hz=}")
    t = as_rr(t_s)
    rr = as_rr(rr_ms)
    if t.size != rr.size:
        raise ValueError(f"t_s and rr_ms must have the same length: {t.size} vs {rr.size}")
    if t.size < 2 or not (np.isfinite(t).all() and np.isfinite(rr).all()):
        return _empty()
    dt = np.diff(t)
    if not (dt > 0).all():
        return _empty()
    n = int(np.floor((t[-1] - t[0]) * fs_hz + 1e-9)) + 1
    grid = t[0] + np.arange(n, dtype=np.float64) / fs_hz
    if t.size == 2:
        return grid, np.interp(grid, t, rr)
    from scipy.interpolate import CubicSpline

    return grid, CubicSpline(t, rr, extrapolate=False)(grid)


def detrend_smoothness_priors(x: npt.ArrayLike, lam: float = DEFAULT_LAMBDA) -> FloatArray:
    """Remove the slow trend with the smoothness-priors method.

    Solves ``(I + λ²·D2ᵀD2) z_trend = z`` with a banded Cholesky solver (O(N): the matrix
    is pentadiagonal) and returns ``z − z_trend``.

    Args:
        x: Evenly sampled series (e.g. the 4 Hz RR series in ms).
        lam: Smoothing parameter λ; default 500 (cut-off ≈ 0.035 Hz at 4 Hz).

    Returns:
        The detrended series, same length. Series shorter than 3 samples have no second
        difference: their mean is removed instead. Empty in, empty out.

    Raises:
        ValueError: ``lam`` is negative.

    References:
        METHODS.md §2.3 (Tarvainen, Ranta-aho & Karjalainen 2002).
    """
    if not lam >= 0:
        raise ValueError(f"lam must be >= 0, got {lam=}")
    z = as_rr(x)
    n = z.size
    if n == 0:
        return z.copy()
    if n < 3 or lam == 0:
        return z - z.mean() if n < 3 else np.zeros_like(z)
    from scipy.linalg import solveh_banded

    lam2 = lam * lam
    ab = np.zeros((3, n), dtype=np.float64)
    main = ab[2]
    main[: n - 2] += 1.0
    main[1 : n - 1] += 4.0
    main[2:] += 1.0
    main *= lam2
    main += 1.0
    s1 = ab[1, 1:]
    s1[: n - 2] -= 2.0
    s1[1:] -= 2.0
    s1 *= lam2
    ab[0, 2:] = lam2
    trend: FloatArray = solveh_banded(ab, z, check_finite=False)
    return z - trend


def _nfft(nperseg: int) -> int:
    return 1 << int(np.ceil(np.log2(max(nperseg, MIN_NFFT))))


def _segment_length(n: int, target: int) -> int:
    """A segment length near ``target`` whose 50 %-overlapping segments cover all n samples.

    scipy's ``welch`` drops the samples after the last whole segment: a 300 s record with
    256 s segments would lose its last 44 s. vagal picks the number of segments k that
    fits best and stretches them to ``2n/(k+1)`` samples (a 300 s record: one 300 s
    segment; an hour: 27 segments of 257 s).
    """
    if n <= target:
        return n
    k = max(1, round(2.0 * (n / target - 1.0)) + 1)
    return int(2 * n // (k + 1))


def psd_welch(
    x: npt.ArrayLike,
    fs_hz: float = DEFAULT_FS_HZ,
    *,
    segment_s: float = DEFAULT_SEGMENT_S,
    detrend: Detrend = "smoothness",
    lam: float = DEFAULT_LAMBDA,
    nfft: int | None = None,
) -> tuple[FloatArray, FloatArray]:
    """Welch power spectral density of an evenly sampled RR series.

    Hann window, 50 % overlap, one-sided density scaling; segments of about ``segment_s``
    (stretched so that they cover the whole series, which METHODS.md's ``min(256 s·fs,
    N)`` would not: scipy drops the tail after the last whole segment) and the FFT
    zero-padded to the next power of two ≥ max(nperseg, 2048).

    Args:
        x: Evenly sampled RR series in ms (from :func:`resample`).
        fs_hz: Its sampling rate in Hz.
        segment_s: Welch segment length in seconds; default 256 s (METHODS.md §2.4).
        detrend: "smoothness" (default, for whole records: smoothness priors over the
            series, then each segment's mean removed), "linear" or "constant" (per segment;
            "linear" is what the live engine uses on 64–120 s windows, §2.3).
        lam: λ for the smoothness priors.
        nfft: FFT length (≥ the segment length); default the next power of two ≥
            max(nperseg, 2048). Give it to put several series on the same frequency grid.

    Returns:
        ``(f_hz, p_ms2_per_hz)``; both empty when fewer than 8 samples (2 s at 4 Hz) are
        given or a value is not finite.

    Raises:
        ValueError: An option is out of range (the message names it and the allowed values).

    References:
        METHODS.md §2.4, §7.2.
    """
    if detrend not in _DETRENDS:
        raise ValueError(f"detrend must be one of {_DETRENDS}, got {detrend=}")
    if not fs_hz > 0:
        raise ValueError(f"fs_hz must be > 0, got {fs_hz=}")
    if not segment_s > 0:
        raise ValueError(f"segment_s must be > 0, got {segment_s=}")
    z = as_rr(x)
    if z.size < 8 or not np.isfinite(z).all():
        return _empty()
    from scipy.signal import welch

    if detrend == "smoothness":
        z = detrend_smoothness_priors(z, lam)
        seg_detrend: Literal["linear", "constant"] = "constant"
    else:
        seg_detrend = detrend
    nperseg = _segment_length(z.size, round(segment_s * fs_hz))
    f, p = welch(
        z,
        fs=fs_hz,
        window="hann",
        nperseg=nperseg,
        noverlap=nperseg // 2,
        nfft=_nfft(nperseg) if nfft is None else max(int(nfft), nperseg),
        detrend=seg_detrend,
        scaling="density",
    )
    return f.astype(np.float64, copy=False), p.astype(np.float64, copy=False)


def psd_lomb(
    t_s: npt.ArrayLike,
    rr_ms: npt.ArrayLike,
    *,
    df_hz: float = LOMB_DF_HZ,
    f_max_hz: float = LOMB_F_MAX_HZ,
) -> tuple[FloatArray, FloatArray]:
    """Lomb–Scargle PSD of an unevenly sampled RR series, in ms²/Hz.

    No resampling, so gaps and removed beats need no interpolation. The mean is removed;
    the periodogram is evaluated on ``df_hz, 2·df_hz, … f_max_hz`` and scaled so that its
    trapezoid integral equals the variance of the series (Parseval), which makes its band
    powers comparable with Welch's. (The peers' Lomb outputs are not in ms²/Hz; §2.4.)

    Args:
        t_s: Beat times in seconds.
        rr_ms: RR intervals in ms.
        df_hz: Frequency spacing; default 0.001 Hz.
        f_max_hz: Highest frequency; default 0.5 Hz.

    Returns:
        ``(f_hz, p_ms2_per_hz)``; both empty for fewer than 4 beats, non-finite values, or
        times that are not strictly increasing. All zeros for a constant series.

    Raises:
        ValueError: ``df_hz`` or ``f_max_hz`` out of range, or length mismatch.

    References:
        METHODS.md §2.4.
    """
    if not (df_hz > 0 and f_max_hz > df_hz):
        raise ValueError(f"need 0 < df_hz < f_max_hz, got {df_hz=}, {f_max_hz=}")
    t = as_rr(t_s)
    rr = as_rr(rr_ms)
    if t.size != rr.size:
        raise ValueError(f"t_s and rr_ms must have the same length: {t.size} vs {rr.size}")
    if t.size < 4 or not (np.isfinite(t).all() and np.isfinite(rr).all()) or not (np.diff(t) > 0).all():
        return _empty()
    f = np.arange(1, int(np.floor(f_max_hz / df_hz + 1e-9)) + 1, dtype=np.float64) * df_hz
    y = rr - rr.mean()
    var = float(np.mean(y * y))
    if var == 0.0:
        return f, np.zeros_like(f)
    raw = _lomb_raw(t - t[0], y, 2.0 * np.pi * df_hz, f.size)
    area = float(np.trapezoid(raw, f))
    if not area > 0:
        return f, np.zeros_like(f)
    return f, raw * (var / area)


def _lomb_raw(t: FloatArray, y: FloatArray, d_omega: float, n_freq: int) -> FloatArray:
    """Classical Lomb–Scargle periodogram at ω = k·dω, k = 1…n_freq (unscaled).

    With z = Σ y·e^{iωt} and w = Σ e^{2iωt}, the time shift τ has 2ωτ = arg w, and
    ``P = ½ [Re(z e^{−iωτ})² / (N/2 + |w|/2) + Im(z e^{−iωτ})² / (N/2 − |w|/2)]`` (Lomb
    1976, Scargle 1982). e^{iωt} is stepped from one frequency to the next by a complex
    multiplication, which is ~10× faster than scipy's ``lombscargle`` on a day of beats
    (a few hundred frequencies × 100,000 beats) and agrees with it to 1e-9.
    """
    n = float(t.size)
    step = np.exp(1j * d_omega * t)
    e = step.copy()
    out = np.empty(n_freq, dtype=np.float64)
    for k in range(n_freq):
        z = complex(y @ e)
        w = complex(np.sum(e * e))
        rot = np.exp(-0.5j * np.angle(w))
        zr = z * rot
        aw = abs(w)
        den_c = (n + aw) / 2.0
        den_s = (n - aw) / 2.0
        out[k] = 0.5 * (zr.real**2 / den_c + (zr.imag**2 / den_s if den_s > 1e-12 * n else 0.0))
        e *= step
    return out


@dataclass(frozen=True)
class BandPowers:
    """Absolute and relative band powers of one PSD (NaN where not computable)."""

    vlf_ms2: float
    """Very low frequency power, 0.0033–0.04 Hz."""
    lf_ms2: float
    """Low frequency power, 0.04–0.15 Hz."""
    hf_ms2: float
    """High frequency power, 0.15–0.40 Hz."""
    total_power_ms2: float
    """VLF + LF + HF (Kubios' definition; nothing above 0.4 Hz)."""
    lf_hf: float
    """LF / HF."""
    lf_nu: float
    """100 · LF / (LF + HF), normalized units."""
    hf_nu: float
    """100 · HF / (LF + HF), normalized units."""
    lf_peak_hz: float
    """Frequency of the largest PSD value in LF."""
    hf_peak_hz: float
    """Frequency of the largest PSD value in HF."""
    reasons: dict[str, str] = field(default_factory=dict)
    """Why a value is NaN, keyed by field name."""


def _band(f: FloatArray, p: FloatArray, band: tuple[float, float]) -> tuple[float, float]:
    lo, hi = band
    m = (f >= lo) & (f < hi)
    if np.count_nonzero(m) < 2:
        return NAN, NAN
    fb, pb = f[m], p[m]
    power = float(np.trapezoid(pb, fb))
    if power < POWER_FLOOR_MS2:
        return 0.0, NAN
    return power, float(fb[int(np.argmax(pb))])


def band_powers(f_hz: npt.ArrayLike, p: npt.ArrayLike) -> BandPowers:
    """VLF, LF and HF power of a PSD, their ratios and the LF/HF peak frequencies.

    Args:
        f_hz: Frequencies in Hz, increasing.
        p: PSD in ms²/Hz at those frequencies.

    Returns:
        :class:`BandPowers`. Each band is integrated with the trapezoid rule over the PSD
        points in the half-open band [lo, hi) (as neurokit2 and hrv-analysis; pyhrv counts
        0.15 Hz twice). A band with fewer than 2 points is NaN; power below 1e-9 ms²
        (rounding noise of a constant series) counts as 0; LF/HF and nu are NaN when HF
        (or LF + HF) is 0; a peak is NaN when the band holds no power.

    References:
        METHODS.md §2.1, §2.4.
    """
    f = as_rr(f_hz)
    pp = as_rr(p)
    if f.size != pp.size:
        raise ValueError(f"f_hz and p must have the same length: {f.size} vs {pp.size}")
    reasons: dict[str, str] = {}
    vlf, _ = _band(f, pp, VLF_BAND_HZ)
    lf, lf_peak = _band(f, pp, LF_BAND_HZ)
    hf, hf_peak = _band(f, pp, HF_BAND_HZ)
    for name, v in (("vlf_ms2", vlf), ("lf_ms2", lf), ("hf_ms2", hf)):
        if np.isnan(v):
            reasons[name] = "the spectrum does not reach this band"
    total = vlf + lf + hf
    if np.isnan(total):
        reasons["total_power_ms2"] = "a band is missing from the spectrum"
    lf_hf = lf / hf if hf >= POWER_FLOOR_MS2 else NAN
    if np.isnan(lf_hf):
        reasons["lf_hf"] = "no HF power"
    s = lf + hf
    lf_nu = 100.0 * lf / s if s >= POWER_FLOOR_MS2 else NAN
    hf_nu = 100.0 * hf / s if s >= POWER_FLOOR_MS2 else NAN
    if np.isnan(lf_nu):
        reasons["lf_nu"] = reasons["hf_nu"] = "no LF or HF power"
    if np.isnan(lf_peak):
        reasons["lf_peak_hz"] = "no LF power"
    if np.isnan(hf_peak):
        reasons["hf_peak_hz"] = "no HF power"
    return BandPowers(
        vlf_ms2=vlf,
        lf_ms2=lf,
        hf_ms2=hf,
        total_power_ms2=total,
        lf_hf=lf_hf,
        lf_nu=lf_nu,
        hf_nu=hf_nu,
        lf_peak_hz=lf_peak,
        hf_peak_hz=hf_peak,
        reasons=reasons,
    )
