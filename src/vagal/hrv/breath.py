"""Breath-linked heart-rate helpers: RSA amplitude, breathing rate, pacer↔HR phase synchrony.

Arrays in, numbers out, no state (part of the pure core; the live engine, the resonance
assessment and the reports share them): the engine calls these on its trailing windows on the
spectral timer (every few seconds of session time), never per beat.

* RSA (docs/methods.md §6.2): peak-to-trough heart rate per breath cycle, in bpm, on the 4 Hz
  heart-rate series band-passed to 0.05–0.5 Hz, narrowed to 0.6–1.6 × the breathing
  frequency (the pacer's, or the estimated one) so Mayer waves do not count as breaths.
  Cycles are the pacer's cycles when a pacer runs, otherwise the stretches between
  successive troughs of the band-passed series. The value shown is the median of the last
  cycles (5 by default).
* Breathing rate (§6.3): the dominant PSD peak of the resampled NN series in
  0.05–0.5 Hz (without a guide, a peak above 7/min is preferred over the Mayer waves when
  it is at least 30 % as strong), refined by parabolic interpolation, × 60.
* Phase synchrony (§6.4): the phase-locking value between the heart-rate oscillation
  (band-passed around the pacing frequency, Hilbert phase) and the pacer's phase,
  |mean(exp(i·Δφ))| in 0..1, and the mean lag of the heart-rate peak after the start of
  the in-breath.
"""

from __future__ import annotations

import math
from functools import lru_cache
from typing import TYPE_CHECKING, Final, TypeAlias

import numpy as np

if TYPE_CHECKING:
    import numpy.typing as npt

    FloatArray = npt.NDArray[np.float64]

RSA_BAND_HZ: Final = (0.05, 0.5)
"""Band-pass for the heart-rate series before cycle detection (docs/methods.md §6.2)."""
RSA_BAND_RATIO: Final = (0.6, 1.6)
"""Around a known breathing frequency the band narrows to 0.6–1.6 × it (within RSA_BAND_HZ),
so slow Mayer waves (≈ 0.1 Hz) do not add to the swing of fast breathing."""


def rsa_band_hz(breath_hz: float | None) -> tuple[float, float]:
    """The band-pass for RSA: around the breathing frequency when known, else 0.05–0.5 Hz."""
    lo, hi = RSA_BAND_HZ
    if breath_hz is None or not breath_hz > 0:
        return lo, hi
    return max(lo, RSA_BAND_RATIO[0] * breath_hz), min(hi, RSA_BAND_RATIO[1] * breath_hz)


BREATH_BAND_HZ: Final = (0.05, 0.5)
"""Where the breathing peak is looked for (3–30 breaths/min, §6.3)."""
SPONTANEOUS_MIN_HZ: Final = 0.12
"""Unguided resting breathing is rarely slower than about 7 breaths/min."""
PREFER_FAST_RATIO: Final = 0.3
"""See :func:`breathing_rate_per_min`."""
MIN_BREATH_S: Final = 2.0
"""Shortest breath cycle considered when detecting cycles (30 breaths/min)."""
SYNC_BAND_RATIO: Final = (0.65, 1.5)
"""Band-pass around the pacing frequency for the phase estimate, as multiples of it."""


TAPER_HZ: Final = 0.02
"""Width of the raised-cosine edges of the FFT band-pass (no ringing from a brick wall)."""


@lru_cache(maxsize=64)
def _gain(nfft: int, fs_hz: float, lo_hz: float, hi_hz: float) -> FloatArray:
    """Band-pass gain on the rfft bins: 1 inside [lo, hi], raised-cosine edges ``TAPER_HZ`` wide."""
    f_hz = _freqs(nfft, fs_hz)
    g = np.zeros_like(f_hz)
    g[(f_hz >= lo_hz) & (f_hz <= hi_hz)] = 1.0
    lo_edge = (f_hz < lo_hz) & (f_hz > lo_hz - TAPER_HZ)
    g[lo_edge] = 0.5 + 0.5 * np.cos(np.pi * (lo_hz - f_hz[lo_edge]) / TAPER_HZ)
    hi_edge = (f_hz > hi_hz) & (f_hz < hi_hz + TAPER_HZ)
    g[hi_edge] = 0.5 + 0.5 * np.cos(np.pi * (f_hz[hi_edge] - hi_hz) / TAPER_HZ)
    return g


@lru_cache(maxsize=16)
def _freqs(nfft: int, fs_hz: float) -> FloatArray:
    return np.fft.rfftfreq(nfft, d=1.0 / fs_hz).astype(np.float64)


Spectrum: TypeAlias = "tuple[npt.NDArray[np.complex128], int, int]"
"""(rfft of the detrended, zero-padded series, nfft, series length): shared by the filters."""


def spectrum(x: FloatArray) -> Spectrum:
    """rfft of the linearly detrended series, zero-padded to ≥ 2n (no wrap-around).

    Compute it once and pass it to :func:`band_pass` and :func:`phase_sync` as ``spec``.
    """
    from vagal.hrv.live_spectral import detrend_linear

    nfft = 1 << (2 * x.size - 1).bit_length()
    return np.fft.rfft(detrend_linear(x), n=nfft), nfft, x.size


def band_pass(
    x: FloatArray, fs_hz: float, lo_hz: float, hi_hz: float, *, spec: Spectrum | None = None
) -> FloatArray:
    """Zero-phase band-pass of an evenly sampled series (FFT with raised-cosine edges).

    Zero-phase by construction (a real gain), so peaks stay where they are; the series is
    detrended (least-squares line) and zero-padded to twice its length first.

    Args:
        x: The series.
        fs_hz: Its sampling rate, Hz.
        lo_hz: Lower edge, Hz.
        hi_hz: Upper edge, Hz.
        spec: ``spectrum(x)``, if already computed.

    Returns:
        The filtered series, same length.
    """
    X, nfft, n = spec if spec is not None else spectrum(x)
    y: FloatArray = np.fft.irfft(X * _gain(nfft, fs_hz, lo_hz, hi_hz), n=nfft)[:n]
    return y


def analytic_band(
    x: FloatArray, fs_hz: float, lo_hz: float, hi_hz: float, *, spec: Spectrum | None = None
) -> npt.NDArray[np.complex128]:
    """The analytic signal of the band-passed series (its real part is :func:`band_pass`)."""
    X, nfft, n = spec if spec is not None else spectrum(x)
    full = np.zeros(nfft, dtype=np.complex128)
    h = X * _gain(nfft, fs_hz, lo_hz, hi_hz)
    full[: h.size] = h
    full[1 : h.size - 1] *= 2.0
    z: npt.NDArray[np.complex128] = np.fft.ifft(full)[:n]
    return z


def rsa_pacer_cycles(t_s: FloatArray, hr_bp: FloatArray, cycle_start_s: float, cycle_s: float) -> list[float]:
    """Peak-to-trough heart rate of every complete pacer cycle inside ``t_s``.

    Args:
        t_s: Even time grid, seconds.
        hr_bp: Band-passed heart rate on that grid, bpm.
        cycle_start_s: The start of any in-breath of the pacer (a cycle boundary).
        cycle_s: Cycle length, seconds.

    Returns:
        One amplitude (bpm) per complete cycle, oldest first.
    """
    if t_s.size < 2 or not cycle_s > 0:
        return []
    t0, t1 = float(t_s[0]), float(t_s[-1])
    k0 = math.ceil((t0 - cycle_start_s) / cycle_s - 1e-9)
    k1 = math.floor((t1 - cycle_start_s) / cycle_s + 1e-9)
    if k1 <= k0:
        return []
    bounds = cycle_start_s + np.arange(k0, k1 + 1, dtype=np.float64) * cycle_s
    starts = np.searchsorted(t_s, bounds[:-1], side="left")
    end = int(np.searchsorted(t_s, bounds[-1], side="right"))
    if end - int(starts[-1]) < 2 or np.any(np.diff(starts) < 2):
        return []
    seg = hr_bp[:end]
    amps = np.maximum.reduceat(seg, starts) - np.minimum.reduceat(seg, starts)
    return [float(a) for a in amps]


def rsa_detected_cycles(hr_bp: FloatArray, fs_hz: float) -> list[float]:
    """Peak-to-trough heart rate of breath cycles found from the data alone.

    A cycle runs from one trough of the band-passed heart rate to the next; troughs at
    least 2 s apart, with a prominence of at least 0.3 × the upper quartile of all
    trough prominences (the "advanced counting" rule, docs/methods.md §6.3), so small wiggles
    are not counted as breaths. The troughs are ``scipy.signal.find_peaks(-hr_bp,
    distance=…, prominence=0)``'s, found by :func:`find_peaks_prominent` (numpy only, the
    same peaks and prominences; tested against scipy).

    Args:
        hr_bp: Band-passed heart rate, bpm, evenly sampled.
        fs_hz: Its sampling rate, Hz.

    Returns:
        One amplitude (bpm) per complete cycle, oldest first.
    """
    if hr_bp.size < 3:
        return []
    dist = max(1, int(MIN_BREATH_S * fs_hz))
    troughs, prom = find_peaks_prominent(-hr_bp, dist)
    if troughs.size < 2:
        return []
    keep = prom >= 0.3 * percentile_linear(prom.tolist(), 75.0)
    troughs = troughs[keep]
    if troughs.size < 2:
        return []
    # max − min of hr_bp[a : b + 1] for successive troughs a, b: the segments [a, b) by
    # reduceat, then the shared end point b.
    seg = hr_bp[troughs[0] : troughs[-1] + 1]
    starts = troughs - troughs[0]
    ends = hr_bp[troughs[1:]]
    hi = np.maximum(np.maximum.reduceat(seg, starts)[:-1], ends)
    lo = np.minimum(np.minimum.reduceat(seg, starts)[:-1], ends)
    out: list[float] = (hi - lo).tolist()
    return out


def percentile_linear(values: list[float], q: float) -> float:
    """``np.percentile(values, q)`` (the default "linear" method), for a short list, bit for bit.

    The same virtual index and the same interpolation formula as numpy's ``_lerp``, without
    its machinery (~30 µs a call on a handful of values).
    """
    v = sorted(values)
    n = len(v)
    if n == 0:
        raise ValueError("percentile of an empty list")
    # numpy's "linear" method: virtual index (n − 1)·q, clipped to the sorted values
    virtual = (n - 1) * (q / 100.0)
    virtual = min(max(virtual, 0.0), float(n - 1))
    below = math.floor(virtual)
    above = min(below + 1, n - 1)
    gamma = virtual - below
    a, b = v[below], v[above]
    diff = b - a
    return b - diff * (1.0 - gamma) if gamma >= 0.5 else a + diff * gamma


def find_peaks_prominent(x: FloatArray, distance: int) -> tuple[npt.NDArray[np.intp], FloatArray]:
    """``scipy.signal.find_peaks(x, distance=distance, prominence=0.0)``: the peaks and their prominences.

    A peak is a local maximum (a flat top counts once, at its middle, rounded down); of peaks
    closer than ``distance`` samples the higher is kept (highest first, numpy's argsort order
    for ties, as scipy); the prominence is the peak's height above the higher of the two
    lowest points between it and the nearest higher sample on either side (or the ends).

    Where no two neighbouring samples are equal and all are finite (any real band-passed
    series), the local maxima and the prominences are found with whole-array operations;
    otherwise by scipy's own loops, in Python.

    Args:
        x: The series.
        distance: Minimal distance between peaks, samples (≥ 1).

    Returns:
        ``(peaks, prominences)``, peaks as increasing indices.
    """
    n = x.size
    d = x[1:] - x[:-1]
    strict = bool(np.isfinite(x).all()) and bool((d != 0).all())
    if n < 3:
        maxima = np.empty(0, dtype=np.intp)
    elif strict:
        maxima = np.flatnonzero((d[:-1] > 0) & (d[1:] < 0)) + 1
    else:
        maxima = np.array(_local_maxima_loop(x.tolist()), dtype=np.intp)
    peaks = maxima
    if distance > 1 and maxima.size > 1:
        peaks = maxima[_select_by_distance(maxima.tolist(), x[maxima], distance)]
    if peaks.size == 0:
        return peaks, np.empty(0, dtype=np.float64)
    if strict:
        prom = _prominences_strict(x, maxima, peaks)
    else:
        prom = np.array(_prominences_loop(x.tolist(), peaks.tolist()), dtype=np.float64)
    return peaks, prom


def _local_maxima_loop(x: list[float]) -> list[int]:
    """scipy's ``_local_maxima_1d`` (midpoints of flat tops, edges excluded)."""
    out: list[int] = []
    i, i_max = 1, len(x) - 1
    while i < i_max:
        if x[i - 1] < x[i]:
            ahead = i + 1
            while ahead < i_max and x[ahead] == x[i]:
                ahead += 1
            if x[ahead] < x[i]:
                out.append((i + ahead - 1) // 2)
                i = ahead
        i += 1
    return out


def _select_by_distance(peaks: list[int], priority: FloatArray, distance: int) -> npt.NDArray[np.bool_]:
    """scipy's ``_select_by_peak_distance``: the higher of peaks closer than ``distance`` stays."""
    m = len(peaks)
    keep = [True] * m
    order: list[int] = np.argsort(priority).tolist()
    for j in reversed(order):
        if not keep[j]:
            continue
        pj = peaks[j]
        k = j - 1
        while k >= 0 and pj - peaks[k] < distance:
            keep[k] = False
            k -= 1
        k = j + 1
        while k < m and peaks[k] - pj < distance:
            keep[k] = False
            k += 1
    return np.array(keep, dtype=np.bool_)


def _prominences_loop(x: list[float], peaks: list[int]) -> list[float]:
    """scipy's ``_peak_prominences`` with no window: the scan to the nearest higher sample."""
    out: list[float] = []
    last = len(x) - 1
    for p in peaks:
        h = x[p]
        i, left = p, h
        while i >= 0 and x[i] <= h:
            left = min(left, x[i])
            i -= 1
        i, right = p, h
        while i <= last and x[i] <= h:
            right = min(right, x[i])
            i += 1
        out.append(h - max(left, right))
    return out


def _prominences_strict(
    x: FloatArray, maxima: npt.NDArray[np.intp], peaks: npt.NDArray[np.intp]
) -> FloatArray:
    """Prominences of ``peaks`` (a subset of ``maxima``, every local maximum) without scanning samples.

    With no two neighbouring samples equal, the series between two successive local maxima
    falls and then rises, and so does each end stretch towards the first and from the last
    maximum: a scan from a peak towards the nearest higher sample passes the whole low point
    of every stretch it enters. So the lowest point on each side is the minimum of the
    stretches' minima between the peak and the nearest higher *maximum* (or the end).
    """
    bounds = np.concatenate(([0], maxima))
    lows: list[float] = np.minimum.reduceat(x, bounds).tolist()
    # lows[i] is the low of the stretch before maxima[i] (i < M), lows[M] the one after the last.
    heights: list[float] = x[maxima].tolist()
    m = len(heights)
    where = np.searchsorted(maxima, peaks).tolist()
    out: list[float] = []
    for k in where:
        h = heights[k]
        left = lows[k]
        i = k - 1
        while i >= 0 and heights[i] <= h:
            left = min(left, lows[i])
            i -= 1
        right = lows[k + 1]
        i = k + 1
        while i < m and heights[i] <= h:
            right = min(right, lows[i + 1])
            i += 1
        out.append(h - max(left, right))
    return np.array(out, dtype=np.float64)


def breathing_rate_per_min(f_hz: FloatArray, p: FloatArray, *, paced: bool = False) -> float | None:
    """Breathing rate from the dominant spectral peak of the RR series, breaths/min.

    Without a guide, the slow Mayer waves (≈ 0.1 Hz, blood-pressure rhythm) can outgrow the
    breathing peak at rest; a peak above ``SPONTANEOUS_MIN_HZ`` (7 breaths/min) is then
    preferred when it holds at least ``PREFER_FAST_RATIO`` of the largest peak's power.
    With a guide the whole 0.05–0.5 Hz band is searched (slow breathing is expected).

    Args:
        f_hz: PSD frequencies, Hz (evenly spaced).
        p: PSD values.
        paced: True while a breathing guide runs.

    Returns:
        The rate (peak refined by parabolic interpolation), or None when the band is empty
        or holds no power.
    """
    lo, hi = BREATH_BAND_HZ
    idx = np.flatnonzero((f_hz >= lo) & (f_hz < hi))
    if idx.size < 3:
        return None
    k = int(idx[np.argmax(p[idx])])
    if not p[k] > 0:
        return None
    if not paced:
        fast = idx[f_hz[idx] >= SPONTANEOUS_MIN_HZ]
        if fast.size:
            k_fast = int(fast[np.argmax(p[fast])])
            if p[k_fast] >= PREFER_FAST_RATIO * p[k]:
                k = k_fast
    f_pk = float(f_hz[k])
    if 0 < k < f_hz.size - 1:
        y0, y1, y2 = float(p[k - 1]), float(p[k]), float(p[k + 1])
        den = y0 - 2.0 * y1 + y2
        if den < 0:
            shift = 0.5 * (y0 - y2) / den
            f_pk += max(-0.5, min(0.5, shift)) * float(f_hz[1] - f_hz[0])
    return 60.0 * f_pk


def phase_sync(
    t_s: FloatArray,
    hr: FloatArray,
    fs_hz: float,
    cycle_start_s: float,
    cycle_s: float,
    *,
    spec: Spectrum | None = None,
) -> tuple[float, float] | None:
    """Phase locking of heart rate to the pacer, and the lag of the heart-rate peak.

    The heart-rate series is band-passed around the pacing frequency f_p = 1/cycle_s
    (0.65–1.5 × f_p); its analytic-signal (Hilbert) phase φ_hr is 0 at each heart-rate peak. The pacer
    phase is φ_p = 2π·(t − cycle_start_s)/cycle_s, 0 at each start of the in-breath.
    The first and last half cycle are left out (filter edges).

    Args:
        t_s: Even time grid, seconds.
        hr: Heart rate on that grid, bpm (not filtered).
        fs_hz: Grid rate, Hz.
        cycle_start_s: The start of any in-breath.
        cycle_s: Pacer cycle length, seconds.
        spec: ``spectrum(hr)``, if already computed.

    Returns:
        ``(plv, lag_s)``: the phase-locking value |mean(exp(i(φ_hr − φ_p)))| in 0..1, and
        the mean time from the start of the in-breath to the heart-rate peak, in
        [0, cycle_s); None when the window holds less than two cycles.
    """
    if not cycle_s > 0 or t_s.size < 2 or (t_s[-1] - t_s[0]) < 2 * cycle_s:
        return None
    f_p = 1.0 / cycle_s
    z_full = analytic_band(hr, fs_hz, SYNC_BAND_RATIO[0] * f_p, SYNC_BAND_RATIO[1] * f_p, spec=spec)
    edge = int(0.5 * cycle_s * fs_hz)
    if z_full.size <= 2 * edge + 4:
        return None
    z = z_full[edge:-edge] if edge else z_full
    tt = t_s[edge:-edge] if edge else t_s
    phi_p = 2.0 * np.pi * (tt - cycle_start_s) / cycle_s
    amp = np.abs(z)
    if not (amp > 0).all():
        return None
    m = complex(np.mean((z / amp) * np.exp(-1j * phi_p)))
    plv = abs(m)
    delta = math.atan2(m.imag, m.real)
    # φ_hr = φ_p + Δ; the HR peak (φ_hr = 0) falls where φ_p = −Δ.
    lag_s = ((-delta) % (2.0 * math.pi)) / (2.0 * math.pi) * cycle_s
    return float(plv), float(lag_s)
