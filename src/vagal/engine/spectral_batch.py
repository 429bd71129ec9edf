"""Many spectral recomputes at once: the one-at-a-time maths as 2-D numpy work over windows.

A headless replay at full speed makes ~18,000 recomputes over a day of beats, and nobody looks
at one of them between progress lines; the session means of the summary still count every one
(:class:`~vagal.engine.summary.SessionTotals`). The engine then keeps each recompute's inputs
(:class:`Pending`) and hands them here in batches: :func:`recompute_batch` gives, for each, the
:class:`~vagal.engine.spectral_metrics.SpectralValues` that
:meth:`SpectralMetrics.recompute <vagal.engine.spectral_metrics.SpectralMetrics.recompute>`
gives, **bit for bit** (tested on real recordings; the ``--json`` session means print every
digit, so equal to 1e-9 would not be enough).

Design decisions:

* Only the common case is batched: every window has its full length behind it (LF/HF, coherence
  and the breath metrics all due), enough knots for the spline, a 60 s breath series cut from the
  LF grid. Anything else (warm-up, a window thinned by a gap or by artifacts, a series too
  short) is handed to the one-at-a-time recompute, so the words and edge cases stay in one place.
* The same floating-point operations in the same order, only across windows at once:
  elementwise ufuncs (the same per element in 2-D as in 1-D), row sums (numpy's pairwise sum
  per row, equal to a 1-D sum), a dot product per row (``matmul`` of a matrix would sum in
  another order), ``rfft``/``irfft`` along rows (pocketfft transforms each row as it transforms
  a 1-D array), and the few ``x ** 2`` of the spline's end rows as Python floats (C ``pow``,
  not always equal to ``x * x``).
* The spline through the longest window (:class:`vagal.hrv.live_spectral.TrailingSpline`):
  the windows' knots are aligned at their *last* knot (every window ends at its last beat), so
  the backward elimination runs one column at a time over all windows; rows shorter than the
  longest are padded on the left with knots 1 s apart that nothing reads.
* What is left per window in Python is the small scalar work: the band sums, the peaks, the
  breath cycles and the words (the shared helpers of :mod:`vagal.engine.spectral_metrics`).

References:
    docs/methods.md §2.2, §2.6, §6.1, §6.3, §6.4.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import chain
from typing import TYPE_CHECKING, Final

import numpy as np

from vagal.engine.spectral_metrics import (
    BREATH_WINDOW_S,
    FS_HZ,
    LF_HF_WINDOW_S,
    MIN_COHERENCE_BEATS,
    Pending,
    SpectralValues,
    breath_rate_words,
    coherence_words,
    lf_words,
    recompute_one,
    rsa_metrics,
)

if TYPE_CHECKING:
    import numpy.typing as npt

    from vagal.engine.spectral_metrics import SpectralMetrics
    from vagal.hrv.live_spectral import _Bins

    FloatArray = npt.NDArray[np.float64]
    IntArray = npt.NDArray[np.intp]

def recompute_batch(metrics: SpectralMetrics, items: Sequence[Pending]) -> list[SpectralValues]:
    """The values of each recompute in ``items``, equal to the one-at-a-time ones bit for bit.

    Items that already hold their ``values`` keep them. ``metrics.values`` is left as it was.

    Args:
        metrics: The engine's spectral room (its coherence window and pacer).
        items: The recomputes, in the order they fell due.
    """
    from vagal.hrv.live_spectral import SEGMENT_S

    out: list[SpectralValues | None] = [p.values for p in items]
    todo = [i for i, v in enumerate(out) if v is None]
    if not todo:
        return [v for v in out if v is not None]
    cw = metrics.coherence_window_s
    need_s = max(LF_HF_WINDOW_S, cw)
    k_br = round(BREATH_WINDOW_S * FS_HZ)
    n_coh_grid = round(cw * FS_HZ)
    max_grid = round(SEGMENT_S * FS_HZ)
    lengths = [len(items[i].nn_t) for i in todo]
    total = sum(lengths)
    flat_t = np.fromiter(chain.from_iterable(items[i].nn_t for i in todo), dtype=np.float64, count=total)
    flat_rr = np.fromiter(chain.from_iterable(items[i].nn_rr for i in todo), dtype=np.float64, count=total)
    starts = np.cumsum([0, *lengths]).tolist()

    rows: list[int] = []  # indices into items of the batched ones
    first: list[int] = []  # flat index of each batched window's first knot (j0)
    knots: list[int] = []  # its knots from j0
    j_lf_l: list[int] = []
    j_coh_l: list[int] = []
    for i, n, a in zip(todo, lengths, starts, strict=False):
        p = items[i]
        if n < 4 or not p.covered_s >= need_s:
            out[i] = recompute_one(metrics, p)
            continue
        t = flat_t[a : a + n]
        t_end = float(t[-1])
        j_lf = max(int(np.searchsorted(t, t_end - LF_HF_WINDOW_S, side="right")) - 1, 0)
        j_coh = max(int(np.searchsorted(t, t_end - cw, side="right")) - 1, 0)
        j0 = min(j_lf, j_coh)
        m_lf = int(np.floor((t_end - float(t[j_lf])) * FS_HZ + 1e-9)) + 1
        if n - max(j_lf, j_coh) < max(4, MIN_COHERENCE_BEATS) or not k_br <= m_lf <= max_grid:
            out[i] = recompute_one(metrics, p)
            continue
        rows.append(i)
        first.append(a + j0)
        knots.append(n - j0)
        j_lf_l.append(j_lf - j0)
        j_coh_l.append(j_coh - j0)
    if rows:
        _batched(metrics, items, rows, first, knots, j_lf_l, j_coh_l, flat_t, flat_rr, out, n_coh_grid)
    result = [v for v in out if v is not None]
    assert len(result) == len(items)
    return result


def _batched(
    metrics: SpectralMetrics,
    items: Sequence[Pending],
    rows: list[int],
    first: list[int],
    knots: list[int],
    j_lf_l: list[int],
    j_coh_l: list[int],
    flat_t: FloatArray,
    flat_rr: FloatArray,
    out: list[SpectralValues | None],
    n_coh_grid: int,
) -> None:
    """The batched windows ``rows`` of ``items`` (their knots from ``first`` in ``flat_t``)."""
    from vagal.engine.spectral_metrics import _back_steps
    from vagal.hrv import breath as rsa
    from vagal.hrv.live_spectral import SEGMENT_S, _bins_of, _freqs, _steps, nfft_for

    nb = len(rows)
    kn = np.array(knots, dtype=np.intp)
    big = int(kn.max())
    off = big - kn  # left padding of each window, columns
    cols = np.arange(big, dtype=np.intp)
    b_idx = np.arange(nb, dtype=np.intp)
    # Knots in (column, window) layout, right-aligned; the padding 1 s apart below the first.
    src = np.array(first, dtype=np.intp)[None, :] + (cols[:, None] - off[None, :])
    real = src >= np.array(first, dtype=np.intp)[None, :]
    src_c = np.where(real, src, 0)
    x0 = flat_t[np.array(first, dtype=np.intp)]
    X = np.where(real, flat_t[src_c], x0[None, :] - (off[None, :] - cols[:, None]).astype(np.float64))
    Y = np.where(real, flat_rr[src_c], flat_rr[np.array(first, dtype=np.intp)][None, :])
    X = np.ascontiguousarray(X)
    Y = np.ascontiguousarray(Y)

    # TrailingSpline.__init__, a column at a time over every window.
    dx = X[1:] - X[:-1]
    slope = (Y[1:] - Y[:-1]) / dx
    di = 2.0 * (dx[:-1] + dx[1:])
    r = 3.0 * (dx[1:] * slope[:-1] + dx[:-1] * slope[1:])
    d_end = X[-1] - X[-3]
    e_diag = dx[-2]
    e_sub = d_end
    sq_last = np.array([v**2 for v in dx[-1].tolist()], dtype=np.float64)
    e_rhs = (sq_last * slope[-2] + (2.0 * d_end + dx[-1]) * dx[-2] * slope[-1]) / d_end
    f1 = dx[-2] / e_diag
    di[-1] -= f1 * e_sub
    r[-1] -= f1 * e_rhs
    alpha = np.empty((big - 3, nb), dtype=np.float64)
    beta = np.empty((big - 3, nb), dtype=np.float64)
    a = np.zeros(nb, dtype=np.float64)
    b = np.zeros(nb, dtype=np.float64)
    for i in range(big - 3, 0, -1):
        u = dx[i]
        w = di[i] - u * a
        a = dx[i + 1] / w
        b = (r[i] - u * b) / w
        alpha[i - 1] = a
        beta[i - 1] = b

    def slopes(jl: IntArray) -> FloatArray:
        """TrailingSpline.slopes for each window's suffix ``jl`` (local), in the padded layout."""
        p = off + jl
        d = X[p + 2, b_idx] - X[p, b_idx]
        dxp = dx[p, b_idx]
        dxp1 = dx[p + 1, b_idx]
        slp = slope[p, b_idx]
        slp1 = slope[p + 1, b_idx]
        f_diag = dxp1
        f_sup = d
        sq = np.array([v**2 for v in dxp.tolist()], dtype=np.float64)
        f_rhs = ((dxp + 2.0 * d) * dxp1 * slp + sq * slp1) / d
        f0 = dxp1 / f_diag
        dd = di[p, b_idx] - f0 * f_sup
        rr_ = r[p, b_idx] - f0 * f_rhs
        s1 = (rr_ - dxp * beta[p, b_idx]) / (dd - dxp * alpha[p, b_idx])
        S = np.zeros((big, nb), dtype=np.float64)
        prev = s1
        for q in range(int(p.min()), big - 3):
            new = beta[q] - alpha[q] * prev
            prev = np.where(q >= p, new, prev)
            S[q + 2] = prev
        S[p + 1, b_idx] = s1
        S[-1] = (e_rhs - e_sub * prev) / e_diag
        S[p, b_idx] = (f_rhs - f_sup * s1) / f_diag
        return S

    XT = np.ascontiguousarray(X.T)

    def on_grid(jl: list[int]) -> tuple[FloatArray, IntArray, IntArray, list[float]]:
        """Every window's spline through its suffix ``jl`` on its 4 Hz grid, flat:
        (values, start of each window's grid, its length, its first time)."""
        jl_a = np.array(jl, dtype=np.intp)
        S = slopes(jl_a)
        s0 = S[:-1]
        tt = (s0 + S[1:] - 2.0 * slope) / dx
        c0 = tt / dx
        c1 = (slope - s0) / dx - tt
        p_a = off + jl_a
        x0_a = X[p_a, b_idx]
        m_a = np.floor((X[-1] - x0_a) * FS_HZ + 1e-9).astype(np.intp) + 1
        g_start = np.cumsum(m_a) - m_a
        total = int(m_a.sum())
        w_of = np.repeat(b_idx, m_a)
        grid_all = x0_a[w_of] + (np.arange(total, dtype=np.intp) - g_start[w_of]) / FS_HZ
        i_loc = _intervals(XT, p_a, grid_all, w_of, m_a)
        np.minimum(i_loc, (big - p_a)[w_of] - 2, out=i_loc)
        g = (p_a[w_of] + i_loc) * nb + w_of
        u = grid_all - X.ravel()[g]
        v = c0.ravel()[g]
        v *= u
        v += c1.ravel()[g]
        v *= u
        v += s0.ravel()[g]
        v *= u
        v += Y.ravel()[g]
        return v, g_start, m_a, x0_a.tolist()

    # LF/HF: the 120 s window's grid.
    v_lf, st_lf, len_lf, x0_lf = on_grid(j_lf_l)
    # Coherence: the 64 s (128 s) window's grid, interpolated onto the grid ending at the last beat.
    same = j_coh_l == j_lf_l
    v_coh, st_coh, len_coh, _ = (v_lf, st_lf, len_lf, x0_lf) if same else on_grid(j_coh_l)
    back = _back_steps(n_coh_grid)
    t_end_l = X[-1].tolist()
    xc = np.empty((nb, n_coh_grid), dtype=np.float64)
    st_coh_l, len_coh_l = st_coh.tolist(), len_coh.tolist()
    x0_coh_l = [float(X[o + j, k]) for k, (o, j) in enumerate(zip(off.tolist(), j_coh_l, strict=True))]
    for k in range(nb):
        m = len_coh_l[k]
        tg = x0_coh_l[k] + _steps(m, FS_HZ)
        a0 = st_coh_l[k]
        xc[k] = np.interp(t_end_l[k] - back, tg, v_coh[a0 : a0 + m])

    # The breath series: the last 60 s of the LF grid.
    k_br = round(BREATH_WINDOW_S * FS_HZ)
    len_l = len_lf.tolist()
    br_idx = (st_lf + len_lf - k_br)[:, None] + np.arange(k_br, dtype=np.intp)[None, :]
    xb = v_lf[br_idx]

    max_grid = round(SEGMENT_S * FS_HZ)
    # Periodograms: LF (its lengths vary: grouped by length), coherence, breath; every window
    # is at most 1,024 samples (256 s), so each FFT has the 2,048 points of nfft_for.
    nfft = nfft_for(max_grid)
    f = _freqs(nfft, FS_HZ)
    bins = _bins_of(f)
    # Only the bins the band sums and peaks read (the first ~260 of 1,025): the same values.
    keep = min(_kept_bins(bins), f.size)
    pw = np.empty((3 * nb, keep), dtype=np.float64)

    def power(dest: slice | IntArray, x: FloatArray) -> None:
        # periodogram's steps on rows of one length; rfft zero-pads each row to nfft itself
        w, scale = _windowed(x)
        spec = np.fft.rfft(w, n=nfft, axis=1)
        if keep < f.size:
            spec = spec[:, :keep]
        p = spec.real**2 + spec.imag**2
        p *= scale
        if keep < f.size:
            p[:, 1:] *= 2.0
        else:
            p[:, 1:-1] *= 2.0
        pw[dest] = p

    for m in np.unique(len_lf).tolist():
        sel = np.flatnonzero(len_lf == m)
        power(sel, v_lf[st_lf[sel][:, None] + np.arange(m, dtype=np.intp)[None, :]])
    power(slice(nb, 2 * nb), xc)
    power(slice(2 * nb, 3 * nb), xb)
    # periodogram gives no spectrum for a series with a value not finite (never on real beats)
    ok_rows: list[bool] = [True] * nb
    if not (np.isfinite(v_lf).all() and np.isfinite(xc).all()):
        fin_lf = np.isfinite(v_lf)
        ok_c: list[bool] = [bool(x) for x in np.asarray(np.isfinite(xc).all(axis=1), dtype=np.bool_)]
        ok_rows = [
            bool(fin_lf[a0 : a0 + m].all()) and bool(ok_c[k])
            for k, (a0, m) in enumerate(zip(st_lf.tolist(), len_lf.tolist(), strict=True))
        ]

    # Heart rate of the breath series, its spectrum (detrended, zero-padded to 512).
    hr = 60000.0 / xb
    hr_d = _detrended(hr)
    n_hr = 1 << (2 * k_br - 1).bit_length()
    hr_spec = np.fft.rfft(hr_d, n=n_hr, axis=1)

    lf_l, hf_l, ratio_l = _lf_hf_rows(pw[:nb], bins)
    coh_l = _coherence_rows(pw[nb : 2 * nb], f, bins)
    p_br = pw[2 * nb :]
    refs: list[tuple[float, float] | None] = []
    f_breaths: list[float | None] = []
    specs: list[SpectralValues] = []
    for k in range(nb):
        p = items[rows[k]]
        sv = SpectralValues(t_s=p.t_s)
        lf_words(sv, lf_l[k], hf_l[k], ratio_l[k])
        coherence_words(sv, *coh_l[k])
        tg_last = x0_lf[k] + float(_steps(len_l[k], FS_HZ)[-1])
        refs.append(metrics.pacer_reference(tg_last))
        specs.append(sv)
    peaks = _breath_peak_rows(p_br, f, bins, [r is not None for r in refs])
    for k in range(nb):
        f_breaths.append(breath_rate_words(specs[k], peaks[k], refs[k]))
    gains = _gains(n_hr, [rsa.rsa_band_hz(fb) for fb in f_breaths])
    hr_bp = np.fft.irfft(hr_spec * gains, n=n_hr, axis=1)[:, :k_br]
    for k in range(nb):
        i = rows[k]
        if not ok_rows[k]:
            out[i] = recompute_one(metrics, items[i])  # pragma: no cover - never on real beats
            continue
        ref = refs[k]
        tg_b: FloatArray = x0_lf[k] + _steps(len_l[k], FS_HZ)[-k_br:] if ref is not None else _NO_GRID
        rsa_metrics(specs[k], tg_b, hr[k], (hr_spec[k], n_hr, k_br), hr_bp[k], ref)
        out[i] = specs[k]


def _kept_bins(b: _Bins) -> int:
    """How many of the first FFT bins the band sums and peaks read (every bin they index)."""
    peak_hi = int(b.peak_hi.max()) if b.peak_hi.size else 0
    last: int = max(int(b.lf.stop), int(b.hf.stop), int(b.total.stop), int(b.breath.stop) + 1, peak_hi)
    return last + 1


def _trapz_rows(p: FloatArray, df: FloatArray) -> FloatArray:
    """``live_spectral._trapz`` of each row: the same operations, each row summed as a 1-D array."""
    out: FloatArray = (df * (p[:, 1:] + p[:, :-1]) / 2.0).sum(axis=1)
    return out


def _lf_hf_rows(p: FloatArray, b: _Bins) -> tuple[list[float], list[float], list[float]]:
    """``live_spectral.lf_hf_powers`` of each row."""
    from vagal.hrv.spectral import POWER_FLOOR_MS2

    def band(sl: slice, df: FloatArray) -> list[float]:
        if sl.stop - sl.start < 2:
            return [float("nan")] * p.shape[0]
        power = _trapz_rows(p[:, sl], df).tolist()
        return [0.0 if x < POWER_FLOOR_MS2 else x for x in power]

    lf = band(b.lf, b.lf_df)
    hf = band(b.hf, b.hf_df)
    ratio = [lo / hi if hi >= POWER_FLOOR_MS2 else float("nan") for lo, hi in zip(lf, hf, strict=True)]
    return lf, hf, ratio


def _coherence_rows(p: FloatArray, f: FloatArray, b: _Bins) -> list[tuple[float, int | None]]:
    """``live_spectral.coherence_peak`` of each row."""
    from vagal.hrv.spectral import POWER_FLOOR_MS2

    nan = float("nan")
    rows = p.shape[0]
    s = b.search
    count = s.stop - s.start
    if count <= 0:
        return [(nan, None)] * rows
    i_l: list[int] = np.argmax(p[:, s], axis=1).tolist()
    top: list[float] = p[np.arange(rows), s.start + np.array(i_l, dtype=np.intp)].tolist()
    t = b.total
    total_l: list[float] = (
        _trapz_rows(p[:, t], b.total_df).tolist() if t.stop - t.start >= 2 else [nan] * rows
    )
    lo_l: list[int] = b.peak_lo.tolist()
    hi_l: list[int] = b.peak_hi.tolist()
    out: list[tuple[float, int | None]] = []
    for k in range(rows):
        i = i_l[k]
        edge = None if count < 3 else (-1 if i == 0 else (1 if i == count - 1 else 0))
        if not top[k] > 0:
            out.append((nan, edge))
            continue
        lo, hi = lo_l[i], hi_l[i]
        if hi - lo < 2 or t.stop - t.start < 2:
            out.append((nan, edge))
            continue
        pk = p[k, lo:hi]
        peak = float((_diffs(f, lo, hi) * (pk[1:] + pk[:-1]) / 2.0).sum())
        total = total_l[k]
        rest = total - peak
        if not (rest > 0 and total >= POWER_FLOOR_MS2):
            out.append((nan, edge))
            continue
        out.append((peak / rest, edge))
    return out


_DIFFS: dict[tuple[int, int, int], FloatArray] = {}


def _diffs(f: FloatArray, lo: int, hi: int) -> FloatArray:
    """``np.diff(f[lo:hi])``, kept per window of the frequency grid."""
    key = (f.size, lo, hi)
    d = _DIFFS.get(key)
    if d is None:
        d = _DIFFS[key] = np.diff(f[lo:hi])
    return d


def _breath_peak_rows(
    p: FloatArray, f: FloatArray, b: _Bins, paced: list[bool]
) -> list[tuple[int, float] | None]:
    """``live_spectral.breath_peak_hz`` of each row (``paced`` per row)."""
    from vagal.hrv.breath import PREFER_FAST_RATIO

    rows = p.shape[0]
    br = b.breath
    if br.stop - br.start < 3:
        return [None] * rows
    ar = np.arange(rows)
    k_l: list[int] = (br.start + np.argmax(p[:, br], axis=1)).tolist()
    pk_l: list[float] = p[ar, np.array(k_l, dtype=np.intp)].tolist()
    fast = b.fast_from < br.stop
    if fast:
        kf_l: list[int] = (b.fast_from + np.argmax(p[:, b.fast_from : br.stop], axis=1)).tolist()
        pf_l: list[float] = p[ar, np.array(kf_l, dtype=np.intp)].tolist()
    df = float(f[1] - f[0])
    f_l: list[float] = f.tolist()
    last = f.size - 1
    out: list[tuple[int, float] | None] = []
    for r in range(rows):
        k = k_l[r]
        pk = pk_l[r]
        if not pk > 0:
            out.append(None)
            continue
        if not paced[r] and fast and pf_l[r] >= PREFER_FAST_RATIO * pk:
            k = kf_l[r]
        f_pk = f_l[k]
        if 0 < k < last:
            y0, y1, y2 = float(p[r, k - 1]), float(p[r, k]), float(p[r, k + 1])
            den = y0 - 2.0 * y1 + y2
            if den < 0:
                shift = 0.5 * (y0 - y2) / den
                f_pk += max(-0.5, min(0.5, shift)) * df
        out.append((k, f_pk))
    return out


def _gains(nfft: int, bands: list[tuple[float, float]]) -> FloatArray:
    """``vagal.hrv.breath._gain(nfft, FS_HZ, lo, hi)`` for each band, as rows."""
    from vagal.hrv.breath import TAPER_HZ
    from vagal.hrv.breath import _freqs as breath_freqs

    f = breath_freqs(nfft, FS_HZ)
    lo = np.array([x[0] for x in bands], dtype=np.float64)[:, None]
    hi = np.array([x[1] for x in bands], dtype=np.float64)[:, None]
    fr = f[None, :]
    g = np.zeros((len(bands), f.size), dtype=np.float64)
    g[(fr >= lo) & (fr <= hi)] = 1.0
    lo_edge = (fr < lo) & (fr > lo - TAPER_HZ)
    r_lo, c_lo = np.nonzero(lo_edge)
    g[r_lo, c_lo] = 0.5 + 0.5 * np.cos(np.pi * (lo[r_lo, 0] - f[c_lo]) / TAPER_HZ)
    hi_edge = (fr > hi) & (fr < hi + TAPER_HZ)
    r_hi, c_hi = np.nonzero(hi_edge)
    g[r_hi, c_hi] = 0.5 + 0.5 * np.cos(np.pi * (f[c_hi] - hi[r_hi, 0]) / TAPER_HZ)
    return g


def _intervals(XT: FloatArray, p: IntArray, grid: FloatArray, w_of: IntArray, m: IntArray) -> IntArray:
    """For each grid point of window ``w_of``, ``searchsorted(XT[w, p[w]:], g, "right") - 1``.

    One search over every window at once: positive floats order as their bit patterns, so each
    window's knots and grid points become integers ``w · span + (bits − min)``, sorted window by
    window. Where that does not fit in 63 bits (or a time is not positive), window by window.
    """
    nb, big = XT.shape
    cols = np.arange(big, dtype=np.intp)
    b_idx = np.arange(nb, dtype=np.intp)
    # the suffix's first knot repeated over what comes before it: the same search result
    kx = np.where(cols[None, :] < p[:, None], XT[b_idx, p][:, None], XT)
    if bool((kx > 0).all()) and bool((grid > 0).all()):
        kb = kx.view(np.int64)
        gb = grid.view(np.int64)
        lo = min(int(kb.min()), int(gb.min()))
        span = max(int(kb.max()), int(gb.max())) - lo + 1
        if span * nb < 2**62:
            keys = (kb - lo) + (b_idx * span)[:, None]
            idx = np.searchsorted(keys.ravel(), (gb - lo) + w_of * span, side="right")
            out: IntArray = idx - 1 - w_of * big - p[w_of]
            return out
    parts = []
    start = 0
    for k, mk in enumerate(m.tolist()):
        parts.append(np.searchsorted(XT[k, int(p[k]) :], grid[start : start + mk], side="right") - 1)
        start += mk
    out2: IntArray = np.concatenate(parts)
    return out2


_NO_GRID: Final = np.empty(0, dtype=np.float64)
"""The breath grid's times are only read with a guide (RSA per guide cycle, synchrony)."""


def _detrended(x: FloatArray) -> FloatArray:
    """``vagal.hrv.live_spectral.detrend_linear`` of each row (rows of one length)."""
    from vagal.hrv.live_spectral import _tau

    n = x.shape[1]
    tau, tt = _tau(n)
    mean = x.sum(axis=1) / n
    if not tt > 0:
        out0: FloatArray = x - mean[:, None]
        return out0
    c = np.array([float(row @ tau) for row in x], dtype=np.float64) / tt
    out: FloatArray = x - mean[:, None] - c[:, None] * tau[None, :]
    return out


def _windowed(x: FloatArray) -> tuple[FloatArray, float]:
    """Each row detrended and Hann-windowed, as :func:`vagal.hrv.live_spectral.periodogram`
    does before its FFT, and each row's density scale ``1 / (fs · Σw²)``."""
    from vagal.hrv.live_spectral import _hann

    n = x.shape[1]
    w, ww = _hann(n)
    d = _detrended(x)
    d *= w[None, :]
    return d, 1.0 / (FS_HZ * ww)


__all__ = ["recompute_batch"]
