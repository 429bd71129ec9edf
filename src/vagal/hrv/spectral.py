"""Frequency-domain HRV: resampling, detrending, PSD and band powers (docs/methods.md §2).

Design: the batch report and the live engine call the same small functions. Each one
does one step with named keywords, arrays in and arrays out, like ``scipy.signal.welch``.
They use numpy alone (the spline, the banded solve and Welch are in :mod:`vagal.hrv._numeric`
and here, tested against scipy to 1e-9): importing scipy.signal and scipy.interpolate cost
``vagal analyze`` about 1 s of its 1.3 s.

Pipeline for reports: cubic spline at 4 Hz → smoothness priors (λ = 500) → Welch (Hann,
about 256 s, 50 % overlap, density, segments placed so that every sample is used:
:func:`segment_plan`) → trapezoid over half-open bands → ms². A record with gaps: the
same per stretch between gaps, averaged (:func:`welch_over_stretches`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final, Literal

import numpy as np
import numpy.typing as npt

from vagal.hrv._common import NAN, FloatArray, as_breaks, as_rr, stretches
from vagal.hrv._numeric import cubic_spline_on_grid, solve_spd_pentadiagonal

DEFAULT_FS_HZ: Final = 4.0
"""Resampling rate. Kubios's default; neurokit2 uses 100 Hz (docs/methods.md §2.2)."""
DEFAULT_LAMBDA: Final = 500.0
"""Smoothness-priors λ: a high-pass at ≈ 0.035 Hz at 4 Hz (Tarvainen et al. 2002)."""
DEFAULT_SEGMENT_S: Final = 256.0
"""Welch segment length (Kubios 2.x material; docs/methods.md §2.4)."""
MIN_NFFT: Final = 2048
"""Zero-pad to at least this many points: ≤ 0.002 Hz bin spacing at 4 Hz (display only)."""
MIN_STRETCH_S: Final = 30.0
"""Stretches between gaps shorter than this do not enter the Welch spectrum of a record."""
_WELCH_CHUNK: Final = 256
"""Segments transformed at once (256 × 2048 complex ≈ 4 MB), so a week-long record stays small."""

_SP_BLOCK: Final = 1 << 15
_SP_MARGIN: Final = 2048
"""A long series' smoothness-priors trend is solved in blocks of ``_SP_BLOCK`` samples (2.3 h at
4 Hz), each with ``_SP_MARGIN`` samples (8.5 min) of the series on either side, for λ up to 500 (a
larger λ is solved at once): the solution of this system forgets what lies further than a
few hundred samples away (the reach of a sample grows as √λ), so the blocks give the whole system's
trend to round-off (tests/test_hrv_spectral.py: 1e-9 on a day of real beats), while the
solver's temporaries stay those of one block (a day at once peaked at 90 MB)."""

VLF_BAND_HZ: Final = (0.0033, 0.04)
LF_BAND_HZ: Final = (0.04, 0.15)
HF_BAND_HZ: Final = (0.15, 0.40)
"""Task Force 1996 bands, half-open [lo, hi)."""

POWER_FLOOR_MS2: Final = 1e-9
"""Band power below this is rounding noise (a constant series), not heart rate variability:
ratios and peaks built on it are NaN. Any real RR series has many orders of magnitude more."""

LOMB_DF_HZ: Final = 0.001
"""Lomb–Scargle frequency spacing (docs/methods.md §2.4: ≤ 0.001 Hz)."""
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
        fs_hz: Output rate in Hz; default 4 Hz (Kubios; docs/methods.md §2.2).

    Returns:
        ``(t_grid_s, rr_grid_ms)``. Both are empty when fewer than 2 beats are given, when
        the times are not strictly increasing, or when a value is not finite.

    Raises:
        ValueError: ``fs_hz`` is not positive, or ``t_s`` and ``rr_ms`` differ in length.

    References:
        docs/methods.md §2.2.
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
    # scipy's CubicSpline(t, rr) (not-a-knot), in numpy: equal to 1e-9 (tests/test_hrv_numeric.py)
    return grid, cubic_spline_on_grid(t, rr, grid)


def detrend_smoothness_priors(x: npt.ArrayLike, lam: float = DEFAULT_LAMBDA) -> FloatArray:
    """Remove the slow trend with the smoothness-priors method.

    Solves ``(I + λ²·D2ᵀD2) z_trend = z`` with a banded solver (O(N): the matrix is
    pentadiagonal and positive definite; :func:`vagal.hrv._numeric.solve_spd_pentadiagonal`,
    equal to scipy's banded Cholesky to 1e-9) and returns ``z − z_trend``.

    Args:
        x: Evenly sampled series (e.g. the 4 Hz RR series in ms).
        lam: Smoothing parameter λ; default 500 (cut-off ≈ 0.035 Hz at 4 Hz).

    Returns:
        The detrended series, same length. Series shorter than 3 samples have no second
        difference: their mean is removed instead. Empty in, empty out.

    Raises:
        ValueError: ``lam`` is negative.

    References:
        docs/methods.md §2.3 (Tarvainen, Ranta-aho & Karjalainen 2002).
    """
    if not lam >= 0:
        raise ValueError(f"lam must be >= 0, got {lam=}")
    z = as_rr(x)
    n = z.size
    if n == 0:
        return z.copy()
    if n < 3 or lam == 0:
        return z - z.mean() if n < 3 else np.zeros_like(z)
    lam2 = lam * lam
    # D2ᵀD2 has 1, 5, 6, …, 6, 5, 1 on its diagonal, −2, −4, …, −4, −2 beside it and 1 two out.
    main = np.zeros(n, dtype=np.float64)
    main[: n - 2] += 1.0
    main[1 : n - 1] += 4.0
    main[2:] += 1.0
    main *= lam2
    main += 1.0
    s1 = np.zeros(n - 1, dtype=np.float64)
    s1[: n - 2] -= 2.0
    s1[1:] -= 2.0
    s1 *= lam2
    s2 = np.full(n - 2, lam2)
    margin = _SP_MARGIN
    if n <= _SP_BLOCK + 2 * margin or lam > DEFAULT_LAMBDA:
        trend = solve_spd_pentadiagonal(main, s1, s2, z)
    else:
        trend = np.empty(n, dtype=np.float64)
        for a in range(0, n, _SP_BLOCK):
            b = min(a + _SP_BLOCK, n)
            lo, hi = max(a - margin, 0), min(b + margin, n)
            part = solve_spd_pentadiagonal(main[lo:hi], s1[lo : hi - 1], s2[lo : hi - 2], z[lo:hi])
            trend[a:b] = part[a - lo : b - lo]
    out: FloatArray = z - trend
    return out


def _nfft(nperseg: int) -> int:
    return 1 << int(np.ceil(np.log2(max(nperseg, MIN_NFFT))))


def segment_plan(n: int, target: int) -> tuple[int, npt.NDArray[np.intp]]:
    """Where the Welch segments of an n-sample series go: every sample is in one.

    Kubios and scipy take segments of the target length at a fixed 50 % step from the first
    sample, so whatever follows the last whole segment is dropped: up to a segment's length
    (a 300 s record with 256 s segments loses its last 44 s). vagal picks the number of
    segments k that fits best, makes them ``L = ⌊2n/(k+1)⌋`` samples long (a 300 s record:
    one 300 s segment; an hour: 27 segments of 257 s) and spreads their starts evenly from
    the first sample to ``n − L``, so the last one ends at the last sample. Successive
    segments then overlap by 50 % less at most 1.5 samples (``⌊·⌋`` and rounding), and the
    plan is the same read forwards or backwards up to that rounding.

    Args:
        n: Samples in the series (≥ 1).
        target: The segment length wanted, in samples (≥ 1).

    Returns:
        ``(nperseg, starts)``: the segment length and the first sample of each segment.

    References:
        docs/methods.md §2.4 (and docs/methods.md "Segment plan").
    """
    if n <= target:
        return n, np.zeros(1, dtype=np.intp)
    k = max(1, round(2.0 * (n / target - 1.0)) + 1)
    nperseg = int(2 * n // (k + 1))
    if k == 1:
        return nperseg, np.zeros(1, dtype=np.intp)
    j = np.arange(k, dtype=np.int64)
    span = n - nperseg
    # round(j·span/(k−1)) in integers, half up: the first start is 0 and the last n − L
    starts = (2 * j * span + (k - 1)) // (2 * (k - 1))
    return nperseg, starts.astype(np.intp)


def _hann(n: int) -> FloatArray:
    """Periodic Hann window of n points (scipy's ``get_window("hann", n)``)."""
    out: FloatArray = 0.5 - 0.5 * np.cos(2.0 * np.pi * np.arange(n, dtype=np.float64) / n)
    return out


def _welch(
    z: FloatArray, fs_hz: float, nperseg: int, starts: npt.NDArray[np.intp], nfft: int, detrend: str
) -> tuple[FloatArray, FloatArray]:
    """Mean one-sided Hann periodogram (density) of the segments ``z[s : s + nperseg]``.

    The same arithmetic as ``scipy.signal.welch(…, window="hann", scaling="density")`` on
    each segment (tests/test_hrv_numeric.py: equal to 1e-9).
    """
    win = _hann(nperseg)
    scale = 1.0 / (fs_hz * float(win @ win))
    offs = np.arange(nperseg)
    tau = offs - (nperseg - 1) / 2.0
    acc = np.zeros(nfft // 2 + 1, dtype=np.float64)
    for c in range(0, starts.size, _WELCH_CHUNK):
        seg = z[starts[c : c + _WELCH_CHUNK, None] + offs[None, :]]
        seg = seg - seg.mean(axis=1, keepdims=True)
        if detrend == "linear":
            seg = seg - np.outer((seg @ tau) / float(tau @ tau), tau)
        spec = np.fft.rfft(seg * win, n=nfft, axis=1)
        acc += (spec.real**2 + spec.imag**2).sum(axis=0)
    p = acc * (scale / starts.size)
    # one-sided: every bin but 0 (and Nyquist, when nfft is even) holds its negative twin
    p[1 : None if nfft % 2 else -1] *= 2.0
    f: FloatArray = np.fft.rfftfreq(nfft, d=1.0 / fs_hz).astype(np.float64)
    return f, p


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

    Hann window, 50 % overlap, one-sided density scaling; segments of about ``segment_s``,
    placed by :func:`segment_plan` so that every sample is in one (scipy and Kubios drop the
    samples after the last whole segment), and the FFT zero-padded to the next power of two
    ≥ max(nperseg, 2048).

    Args:
        x: Evenly sampled RR series in ms (from :func:`resample`).
        fs_hz: Its sampling rate in Hz.
        segment_s: Welch segment length in seconds; default 256 s (docs/methods.md §2.4).
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
        docs/methods.md §2.4, §7.2.
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
    if detrend == "smoothness":
        z = detrend_smoothness_priors(z, lam)
    nperseg, starts = segment_plan(z.size, max(round(segment_s * fs_hz), 1))
    n_fft = _nfft(nperseg) if nfft is None else max(int(nfft), nperseg)
    return _welch(z, fs_hz, nperseg, starts, n_fft, "linear" if detrend == "linear" else "constant")


def welch_over_stretches(
    t_s: npt.ArrayLike,
    rr_ms: npt.ArrayLike,
    breaks: npt.ArrayLike | None = None,
    *,
    fs_hz: float = DEFAULT_FS_HZ,
    segment_s: float = DEFAULT_SEGMENT_S,
    min_stretch_s: float = MIN_STRETCH_S,
) -> tuple[FloatArray, FloatArray, list[tuple[int, int]]]:
    """The Welch PSD of a record with gaps: each stretch between gaps, averaged.

    Each stretch is resampled and given :func:`psd_welch` (smoothness priors, about 256 s
    segments) on one frequency grid (the FFT length the longest segment needs); the spectra
    are averaged with weights by the samples of each stretch, so that every sample counts
    once. A record without gaps is one stretch: the result is ``psd_welch(resample(…))``.

    Args:
        t_s: Beat times in seconds.
        rr_ms: NN intervals in ms.
        breaks: ``breaks[i]`` True when a gap precedes beat i.
        fs_hz: Resampling rate; default 4 Hz.
        segment_s: Welch segment length; default 256 s.
        min_stretch_s: Stretches shorter than this (first to last beat) are left out;
            default 30 s.

    Returns:
        ``(f_hz, p_ms2_per_hz, used)``: the spectrum (empty when no stretch is long enough)
        and the ``(start, stop)`` beat indices of the stretches it was taken over.

    References:
        docs/methods.md §2.4 (and docs/methods.md "Records with gaps").
    """
    t = as_rr(t_s)
    rr = as_rr(rr_ms)
    b = as_breaks(breaks, rr.size)
    if t.size != rr.size:
        raise ValueError(f"t_s and rr_ms must have the same length: {t.size} vs {rr.size}")
    pieces: list[FloatArray] = []
    used: list[tuple[int, int]] = []
    for a, z in stretches(b):
        tg, xg = resample(t[a:z], rr[a:z], fs_hz)
        if tg.size and (tg[-1] - tg[0]) >= min_stretch_s:
            pieces.append(xg)
            used.append((a, z))
    target = max(round(segment_s * fs_hz), 1)
    nfft = max((_nfft(segment_plan(x.size, target)[0]) for x in pieces), default=0)
    acc: FloatArray | None = None
    f: FloatArray = np.empty(0, dtype=np.float64)
    total = 0
    kept: list[tuple[int, int]] = []
    for xg, ab in zip(pieces, used, strict=True):
        f, p = psd_welch(xg, fs_hz, segment_s=segment_s, nfft=nfft)
        if f.size == 0:
            continue
        acc = p * xg.size if acc is None else acc + p * xg.size
        total += xg.size
        kept.append(ab)
    if acc is None:
        e = np.empty(0, dtype=np.float64)
        return e, e.copy(), []
    return f, acc / total, kept


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
        docs/methods.md §2.4.
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
        docs/methods.md §2.1, §2.4.
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
