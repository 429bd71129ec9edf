"""The coherence ratio (HeartMath method, docs/methods.md §6.1).

``CR = Peak / (Total − Peak)``: Peak is the power in a 0.030 Hz window centred on the
highest PSD point in 0.04–0.26 Hz, Total the power in 0.0033–0.4 Hz. vagal reports this
unsquared ratio and calls it "coherence (peak ratio)"; it is *not* HeartMath's
proprietary 0–16 score.

Per window: the last 64 s of beats, cubic spline at 4 Hz, linear detrend, one Hann
periodogram zero-padded to 2048 points (≈ 0.002 Hz spacing). For a whole record,
:func:`coherence_series` computes the same on 64 s windows at most 5 s apart that cover
every sample of each stretch between gaps, in batches of one matrix product (a day of
beats is ~17,000 windows).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Final

import numpy as np
import numpy.typing as npt

from vagal.hrv._common import NAN, FloatArray, as_breaks, as_rr, implausible, stretches
from vagal.hrv.spectral import DEFAULT_FS_HZ, POWER_FLOOR_MS2, resample

PEAK_SEARCH_HZ: Final = (0.04, 0.26)
"""Where the coherence peak is looked for."""
PEAK_HALF_WIDTH_HZ: Final = 0.015
"""Peak power is integrated over ±0.015 Hz around the peak (a 0.030 Hz window)."""
TOTAL_BAND_HZ: Final = (0.0033, 0.4)
"""Total power band (not 0.04–0.26 Hz, a common mistake; §6.1)."""
DEFAULT_WINDOW_S: Final = 64.0
"""HeartMath's window length."""
DEFAULT_STEP_S: Final = 5.0
"""HeartMath's update interval."""
MIN_BEATS: Final = 50
"""Fewest clean beats a window needs (docs/methods.md §6.1)."""
NFFT: Final = 2048
"""Periodogram length: 2048 points at 4 Hz is 0.00195 Hz spacing."""
_BATCH: Final = 512


def coherence_ratio(f_hz: npt.ArrayLike, p: npt.ArrayLike) -> float:
    """The coherence ratio of a PSD.

    Args:
        f_hz: Frequencies in Hz, increasing.
        p: PSD at those frequencies (any scale: the ratio does not depend on it).

    Returns:
        Peak / (Total − Peak), with Peak integrated (trapezoid) over the PSD points within
        ±0.015 Hz of the highest point in [0.04, 0.26] Hz and Total over [0.0033, 0.4) Hz.
        NaN when the spectrum does not cover the search band, holds no power there (a
        constant series: less than 1e-9 ms² in all), or all its power is in the peak window.

    References:
        docs/methods.md §6.1 (McCraty et al. 2009).
    """
    f = as_rr(f_hz)
    pp = as_rr(p)
    if f.size != pp.size:
        raise ValueError(f"f_hz and p must have the same length: {f.size} vs {pp.size}")
    search = (f >= PEAK_SEARCH_HZ[0]) & (f <= PEAK_SEARCH_HZ[1])
    if not search.any():
        return NAN
    idx = np.flatnonzero(search)
    k = int(idx[np.argmax(pp[idx])])
    if not pp[k] > 0:
        return NAN
    f_pk = f[k]
    in_peak = (f >= f_pk - PEAK_HALF_WIDTH_HZ - 1e-12) & (f <= f_pk + PEAK_HALF_WIDTH_HZ + 1e-12)
    in_total = (f >= TOTAL_BAND_HZ[0]) & (f < TOTAL_BAND_HZ[1])
    if np.count_nonzero(in_peak) < 2 or np.count_nonzero(in_total) < 2:
        return NAN
    peak = float(np.trapezoid(pp[in_peak], f[in_peak]))
    total = float(np.trapezoid(pp[in_total], f[in_total]))
    rest = total - peak
    if not (rest > 0 and total >= POWER_FLOOR_MS2):
        return NAN
    return peak / rest


@lru_cache(maxsize=8)
def _spectral_basis(w: int, fs_hz: float) -> tuple[FloatArray, FloatArray, int, float]:
    """The linear map from a w-sample window to the real and imaginary parts of its spectrum.

    Removing the least-squares line, the periodic Hann window (scipy's "hann") and the DFT
    zero-padded to ``nfft`` points are all linear, so they fold into one (w × 2·nb) matrix:
    one matrix product per batch of windows gives every periodogram. Only the ``nb`` bins the
    ratio reads (up to 0.4 Hz and the peak window) are kept: ~210 of the 1025 an FFT of 2048
    points gives, which makes a day of windows (~17,000) about 4× faster than ``rfft``.

    Returns:
        ``(basis, f_hz, nb, sum_w2)``: the matrix, the frequencies of its bins, their count and
        Σ w² (for the density scaling of the power floor).
    """
    nfft = max(NFFT, 1 << int(np.ceil(np.log2(max(w, 1)))))
    f: FloatArray = np.fft.rfftfreq(nfft, d=1.0 / fs_hz).astype(np.float64)
    df = float(f[1] - f[0])
    s_hi = int(np.searchsorted(f, PEAK_SEARCH_HZ[1], side="right"))
    t_hi = int(np.searchsorted(f, TOTAL_BAND_HZ[1], side="left"))
    half = int(np.floor(PEAK_HALF_WIDTH_HZ / df + 1e-9))
    nb = min(f.size, max(t_hi, s_hi + half))
    n = np.arange(w, dtype=np.float64)
    win = 0.5 - 0.5 * np.cos(2.0 * np.pi * n / w) if w > 1 else np.ones(1)
    tau = n - (w - 1) / 2.0
    tt = float(tau @ tau)
    # the detrending projection P = I − 11ᵀ/w − ττᵀ/(τ·τ) is symmetric: x·P·diag(win)·E
    ang = (2.0 * np.pi / nfft) * np.outer(n, np.arange(nb, dtype=np.float64))
    e = np.concatenate((np.cos(ang), -np.sin(ang)), axis=1) * win[:, None]
    basis: FloatArray = e - e.mean(axis=0, keepdims=True)
    if tt > 0:
        basis -= np.outer(tau, (tau @ e) / tt)
    return basis, f[:nb].copy(), nb, float(win @ win)


def _ratios_from_windows(x: FloatArray, fs_hz: float) -> FloatArray:
    """Coherence ratio of each row of evenly sampled windows (one periodogram per row).

    Each row: its least-squares line removed, a periodic Hann window, a periodogram
    zero-padded to 2048 points; then the ratio as :func:`coherence_ratio` takes it (equal to
    it to 1e-9: tests/test_hrv_coherence.py).
    """
    basis, f, nb, sum_w2 = _spectral_basis(x.shape[1], float(fs_hz))
    spec = x @ basis
    p = spec[:, :nb] ** 2 + spec[:, nb:] ** 2
    df = float(f[1] - f[0])
    s_lo = int(np.searchsorted(f, PEAK_SEARCH_HZ[0], side="left"))
    s_hi = int(np.searchsorted(f, PEAK_SEARCH_HZ[1], side="right"))
    t_lo = int(np.searchsorted(f, TOTAL_BAND_HZ[0], side="left"))
    t_hi = int(np.searchsorted(f, TOTAL_BAND_HZ[1], side="left"))
    half = int(np.floor(PEAK_HALF_WIDTH_HZ / df + 1e-9))
    # Cumulative trapezoid: integral from bin 0 to bin j.
    cum = np.zeros_like(p)
    cum[:, 1:] = np.cumsum((p[:, 1:] + p[:, :-1]) * (df / 2.0), axis=1)
    rows = np.arange(p.shape[0])
    k = s_lo + np.argmax(p[:, s_lo:s_hi], axis=1)
    lo = np.maximum(k - half, 0)
    hi = np.minimum(k + half, p.shape[1] - 1)
    peak = cum[rows, hi] - cum[rows, lo]
    total = cum[:, t_hi - 1] - cum[:, t_lo]
    rest = total - peak
    # (a periodogram, not a density: its power floor scales with fs/nfft, see coherence_ratio)
    ok = (p[rows, k] > 0) & (rest > 0) & (total * (2.0 / (fs_hz * sum_w2)) >= POWER_FLOOR_MS2)
    out = np.full(p.shape[0], NAN)
    out[ok] = peak[ok] / rest[ok]
    return out


def coherence_from_rr(
    t_s: npt.ArrayLike,
    rr_ms: npt.ArrayLike,
    window_s: float = DEFAULT_WINDOW_S,
    *,
    fs_hz: float = DEFAULT_FS_HZ,
) -> float | None:
    """The coherence ratio of the last ``window_s`` seconds of beats.

    Args:
        t_s: Beat times in seconds (strictly increasing).
        rr_ms: NN intervals in ms.
        window_s: Window length; default 64 s (HeartMath).
        fs_hz: Resampling rate; default 4 Hz.

    Returns:
        The ratio, or None when the beats do not yet cover ``window_s`` seconds, the window
        holds fewer than 50 beats or an implausible value, or the ratio is undefined
        (e.g. constant RR).

    References:
        docs/methods.md §6.1.
    """
    t = as_rr(t_s)
    rr = as_rr(rr_ms)
    if t.size != rr.size:
        raise ValueError(f"t_s and rr_ms must have the same length: {t.size} vs {rr.size}")
    if t.size < MIN_BEATS or not np.isfinite(t).all():
        return None
    t_end = float(t[-1])
    t_start = t_end - window_s
    if float(t[0]) > t_start:
        return None
    first = max(int(np.searchsorted(t, t_start, side="right")) - 1, 0)
    tw, rw = t[first:], rr[first:]
    if tw.size < MIN_BEATS or implausible(rw).any():
        return None
    n = round(window_s * fs_hz)
    grid = t_end - (n - 1 - np.arange(n, dtype=np.float64)) / fs_hz
    tg, xg = resample(tw, rw, fs_hz)
    if tg.size == 0:
        return None
    x = np.interp(grid, tg, xg)
    cr = float(_ratios_from_windows(x[None, :], fs_hz)[0])
    return None if np.isnan(cr) else cr


def window_starts(n: int, w: int, step: int) -> npt.NDArray[np.intp]:
    """First samples of the windows of a record's coherence series: every sample is in one.

    The windows are spread evenly, at most ``step`` samples apart, from the first sample
    (the first window starts there) to the last (the last window ends there), so that the
    start of a stretch counts as much as its end. Ending them every ``step`` samples back
    from the last one, as a live session does, left up to ``step − 1`` samples (4.75 s) at
    the start of every stretch in no window.

    Args:
        n: Samples in the stretch (≥ w).
        w: Window length in samples (≥ 1).
        step: Largest spacing between window starts, in samples (≥ 1).

    Returns:
        The start of each window, increasing.
    """
    span = n - w
    k = -(-span // step) + 1  # ⌈span / step⌉ + 1 windows
    if k == 1:
        return np.zeros(1, dtype=np.intp)
    j = np.arange(k, dtype=np.int64)
    return ((2 * j * span + (k - 1)) // (2 * (k - 1))).astype(np.intp)


def coherence_series(
    t_s: npt.ArrayLike,
    rr_ms: npt.ArrayLike,
    *,
    breaks: npt.ArrayLike | None = None,
    window_s: float = DEFAULT_WINDOW_S,
    step_s: float = DEFAULT_STEP_S,
    fs_hz: float = DEFAULT_FS_HZ,
) -> tuple[FloatArray, FloatArray]:
    """The coherence ratio of ``window_s`` windows at most ``step_s`` seconds apart, over the record.

    The record is resampled once (per stretch between gaps); windows never span a gap. In
    each stretch the first window starts at the first beat and the last one ends at the
    last, and the others are spread evenly between (:func:`window_starts`), so no part of a
    stretch weighs less than another in the mean.

    Args:
        t_s: Beat times in seconds.
        rr_ms: NN intervals in ms (plausible values only).
        breaks: ``breaks[i]`` True when a gap precedes beat i.
        window_s: Window length, default 64 s.
        step_s: Largest step between window ends, default 5 s (HeartMath's update interval;
            a stretch of 64 + 5·j s has windows exactly 5 s apart).
        fs_hz: Resampling rate, default 4 Hz.

    Returns:
        ``(t_end_s, ratio)``: the end time of each window and its ratio (NaN where
        undefined or the window holds fewer than 50 beats). Empty when no stretch of the
        record is ``window_s`` long.

    References:
        docs/methods.md §6.1.
    """
    t = as_rr(t_s)
    rr = as_rr(rr_ms)
    b = as_breaks(breaks, rr.size)
    if t.size != rr.size:
        raise ValueError(f"t_s and rr_ms must have the same length: {t.size} vs {rr.size}")
    ends: list[FloatArray] = []
    ratios: list[FloatArray] = []
    w = round(window_s * fs_hz)
    step = max(round(step_s * fs_hz), 1)
    for a, z in stretches(b):
        ts, rs = t[a:z], rr[a:z]
        if ts.size < MIN_BEATS or ts[-1] - ts[0] < window_s:
            continue
        tg, xg = resample(ts, rs, fs_hz)
        if tg.size < w:
            continue
        starts = window_starts(tg.size, w, step)
        # beats per window (a window needs MIN_BEATS of them)
        t_first = tg[starts]
        t_last = tg[starts + w - 1]
        n_beats = np.searchsorted(ts, t_last, side="right") - np.searchsorted(ts, t_first, side="left")
        for c in range(0, starts.size, _BATCH):
            s = starts[c : c + _BATCH]
            x = xg[s[:, None] + np.arange(w)[None, :]]
            r = _ratios_from_windows(x, fs_hz)
            r[n_beats[c : c + _BATCH] < MIN_BEATS] = NAN
            ends.append(t_last[c : c + _BATCH])
            ratios.append(r)
    if not ends:
        return np.empty(0), np.empty(0)
    return np.concatenate(ends), np.concatenate(ratios)


def mean_coherence(
    t_s: npt.ArrayLike, rr_ms: npt.ArrayLike, *, breaks: npt.ArrayLike | None = None
) -> tuple[float | None, FloatArray]:
    """A record's coherence: the mean of its 64 s ratios, at most 5 s apart (docs/methods.md §6.1).

    Returns:
        ``(mean, ratios)``: the mean (None when no window gives a ratio) and the series
        of ratios it was taken over (empty when the record is too short for a window).
    """
    _, cr = coherence_series(t_s, rr_ms, breaks=breaks)
    ok = cr[np.isfinite(cr)]
    return (float(ok.mean()) if ok.size else None), cr
