"""Nonlinear HRV: Poincaré SD1/SD2, sample entropy, DFA α1/α2 (METHODS.md §3).

Sample entropy is the costly one: a naive count compares every pair of templates, which
is O(N²) (10¹⁰ comparisons for a day of beats). vagal counts matches exactly with a
summed-area table over the *ranks* of the distinct RR values: RR from a strap or an ECG
lies on a grid (1/1024 s, 1/128 s…), so a day holds a few hundred distinct values, and
the count is O(N + U^d) for U distinct values and template length d. When that table
would be too big (U^d > 2·10⁷, e.g. a day from a 1/1024 s strap, U ≈ 600–1300), the
(m+1)-count sorts the distinct templates by their first value and sweeps them in blocks
with a 2-D table of the other two (O(N·U), exact, ~0.5 s for 100,000 all-distinct
templates at U ≈ 600); beyond U = 1200 a k-d tree over the distinct templates, weighted
by how often each occurs (scipy ``cKDTree.count_neighbors``, exact, ~1.5 s there).
"""

from __future__ import annotations

from typing import Final

import numpy as np
import numpy.typing as npt

from vagal.hrv._common import NAN, BoolArray, FloatArray, as_breaks, as_rr, implausible, pairs

SAMPEN_M: Final = 2
"""Embedding dimension (Richman & Moorman 2000)."""
SAMPEN_R_FACTOR: Final = 0.2
"""Tolerance r = 0.2 · SDNN (ddof=1)."""
SAMPEN_MIN_BEATS: Final = 50
"""Fewer beats give too few template matches for a stable estimate."""
_SAT_MAX_CELLS: Final = 20_000_000
"""Largest summed-area table (cells) before the next method (160 MB of int64)."""
_SWEEP_MAX_VALUES: Final = 1200
"""Most distinct values for the block sweep (its cost grows as N·U); beyond, the k-d tree."""

DFA_ALPHA1_SCALES: Final = (4, 16)
"""Box sizes in beats for α1, inclusive (Peng et al. 1995; Kubios)."""
DFA_ALPHA2_SCALES: Final = (16, 64)
"""Box sizes in beats for α2, inclusive."""
DFA_MIN_BOXES: Final = 10
"""The largest box must fit at least this many times: α2 needs ≥ 640 beats (§3.3)."""


def poincare(rr_ms: npt.ArrayLike, *, breaks: npt.ArrayLike | None = None) -> tuple[float, float]:
    """Poincaré plot descriptors SD1 and SD2.

    ``x1 = (NN[i] − NN[i+1])/√2``, ``x2 = (NN[i] + NN[i+1])/√2`` over successive pairs not
    spanning a gap; SD1 = std(x1), SD2 = std(x2), ddof=1 (as neurokit2; pyhrv uses ddof=0).

    Args:
        rr_ms: NN intervals in ms.
        breaks: ``breaks[i]`` True when a gap precedes beat i.

    Returns:
        ``(sd1_ms, sd2_ms)``; NaN for fewer than 2 pairs or an implausible RR value.

    References:
        METHODS.md §3.1 (Brennan, Palaniswami & Kamen 2001).
    """
    rr = as_rr(rr_ms)
    b = as_breaks(breaks, rr.size)
    if implausible(rr).any():
        return NAN, NAN
    a, c = pairs(rr, b)
    if a.size < 2:
        return NAN, NAN
    sq2 = np.sqrt(2.0)
    return float(np.std((a - c) / sq2, ddof=1)), float(np.std((a + c) / sq2, ddof=1))


def _templates(rr: FloatArray, breaks: BoolArray, m: int) -> FloatArray:
    """The N−m templates of length m+1 that do not span a gap, as rows."""
    n = rr.size - m
    t = np.lib.stride_tricks.sliding_window_view(rr, m + 1)[:n]
    if breaks[1:].any():
        # a template starting at i spans a gap if any of breaks[i+1..i+m] is set
        bad = np.lib.stride_tricks.sliding_window_view(breaks[1:], m)[:n].any(axis=1)
        t = t[~bad]
    return t


def _count_sat(
    ranks: npt.NDArray[np.intp], lo: npt.NDArray[np.intp], hi: npt.NDArray[np.intp], nu: int
) -> int:
    """Ordered pairs (i ≠ j) whose ranks fall in each other's box, by a summed-area table."""
    d = ranks.shape[1]
    flat = np.ravel_multi_index(tuple(ranks.T), (nu,) * d)
    hist = np.bincount(flat, minlength=nu**d).reshape((nu,) * d)
    sat = np.zeros((nu + 1,) * d, dtype=np.int64)
    sat[tuple(slice(1, None) for _ in range(d))] = hist
    for ax in range(d):
        np.cumsum(sat, axis=ax, out=sat)
    total = np.zeros(ranks.shape[0], dtype=np.int64)
    for corner in range(1 << d):
        idx = []
        sign = 1
        for ax in range(d):
            if corner >> ax & 1:
                idx.append(lo[ranks[:, ax]])
                sign = -sign
            else:
                idx.append(hi[ranks[:, ax]])
        total += sign * sat[tuple(idx)]
    return int(total.sum()) - int(ranks.shape[0])


def _count_sweep(
    ranks: npt.NDArray[np.intp], lo: npt.NDArray[np.intp], hi: npt.NDArray[np.intp], nu: int
) -> int:
    """Ordered pairs (i ≠ j) in each other's box, for 3 columns, without a U³ table.

    Identical templates are merged first (with their count as a weight). The distinct
    templates are sorted by their first column, so the first condition is a range of
    positions [L, R); count = F(R) − F(L), where F(k) is the weight of the first k sorted
    templates inside the box of the other two columns. F is answered block by block: a 2-D
    summed-area table of everything before the block (U² cells, rebuilt once per block)
    plus a direct comparison with the block's own templates. Blocks of ~U templates
    balance the two: O(N·U) in all.
    """
    n_all = ranks.shape[0]
    uniq, weight = np.unique(ranks, axis=0, return_counts=True)
    order = np.argsort(uniq[:, 0], kind="stable")
    rk = uniq[order]
    wt = weight[order].astype(np.int64)
    n = rk.shape[0]
    x = rk[:, 0]
    pos_l = np.searchsorted(x, lo[x], side="left")
    pos_r = np.searchsorted(x, hi[x], side="left")
    k = np.concatenate((pos_r, pos_l))
    sign = np.concatenate((wt, -wt))
    owner = np.concatenate((np.arange(n), np.arange(n)))
    q_order = np.argsort(k, kind="stable")
    k, sign, owner = k[q_order], sign[q_order], owner[q_order]
    ylo, yhi = lo[rk[owner, 1]], hi[rk[owner, 1]]
    zlo, zhi = lo[rk[owner, 2]], hi[rk[owner, 2]]
    block = max(256, nu)
    hist = np.zeros((nu, nu), dtype=np.int64)
    sat = np.zeros((nu + 1, nu + 1), dtype=np.int64)
    total = 0
    bounds = np.searchsorted(k, np.arange(0, n + block + 1, block), side="left")
    for b in range(bounds.size - 1):
        start = b * block
        pts = rk[start : min(start + block, n)]
        pw = wt[start : min(start + block, n)]
        qs = slice(int(bounds[b]), int(bounds[b + 1]))
        if qs.start < qs.stop:
            sat[1:, 1:] = hist.cumsum(axis=0).cumsum(axis=1)
            y0, y1, z0, z1 = ylo[qs], yhi[qs], zlo[qs], zhi[qs]
            inside = sat[y1, z1] - sat[y0, z1] - sat[y1, z0] + sat[y0, z0]
            if pts.shape[0]:
                before = np.arange(pts.shape[0])[None, :] < (k[qs] - start)[:, None]
                py, pz = pts[:, 1][None, :], pts[:, 2][None, :]
                hit = (
                    before
                    & (py >= y0[:, None])
                    & (py < y1[:, None])
                    & (pz >= z0[:, None])
                    & (pz < z1[:, None])
                )
                inside = inside + hit @ pw
            total += int(np.dot(sign[qs], inside))
        if pts.shape[0]:
            np.add.at(hist, (pts[:, 1], pts[:, 2]), pw)
    return int(total) - int(n_all)


def _count_tree(points: FloatArray, r: float) -> int:
    """Ordered pairs (i ≠ j) within Chebyshev distance r, by a k-d tree over the distinct points."""
    from scipy.spatial import cKDTree

    uniq, weight = np.unique(points, axis=0, return_counts=True)
    tree = cKDTree(uniq)
    w = weight.astype(np.float64)
    pairs = float(tree.count_neighbors(tree, r, p=np.inf, weights=(w, w)))
    return round(pairs) - int(points.shape[0])


def _count_matches(tmpl: FloatArray, r: float) -> tuple[int, int]:
    """(B, A): ordered template pairs within r over the first m and over all m+1 columns."""
    u, inv = np.unique(tmpl, return_inverse=True)
    ranks = inv.reshape(tmpl.shape).astype(np.intp)
    lo = np.searchsorted(u, u - r, side="left")
    hi = np.searchsorted(u, u + r, side="right")  # exclusive
    out: list[int] = []
    for d in (tmpl.shape[1] - 1, tmpl.shape[1]):
        if u.size**d <= _SAT_MAX_CELLS:
            out.append(_count_sat(ranks[:, :d], lo, hi, u.size))
        elif d == 3 and u.size <= _SWEEP_MAX_VALUES:
            out.append(_count_sweep(ranks[:, :d], lo, hi, u.size))
        else:
            out.append(_count_tree(np.ascontiguousarray(tmpl[:, :d]), r))
    return out[0], out[1]


def sample_entropy(
    rr_ms: npt.ArrayLike,
    m: int = SAMPEN_M,
    r: float | None = None,
    *,
    breaks: npt.ArrayLike | None = None,
) -> float:
    """Sample entropy, ``−ln(A/B)``.

    B counts pairs of m-beat templates within Chebyshev distance r, A pairs of (m+1)-beat
    templates; self-matches are excluded and the same N−m templates serve both lengths
    (Richman & Moorman 2000). Templates spanning a gap are left out.

    Args:
        rr_ms: NN intervals in ms.
        m: Template length; default 2.
        r: Tolerance in ms; default 0.2 · SDNN (ddof=1), as neurokit2.
        breaks: ``breaks[i]`` True when a gap precedes beat i.

    Returns:
        SampEn (dimensionless); NaN when undefined: fewer than 50 beats, constant RR
        (r = 0), an implausible value, or no (m+1)-matches at all (A = 0; NaN, not ∞).

    Raises:
        ValueError: ``m`` < 1 or ``r`` negative.

    References:
        METHODS.md §3.2.
    """
    if m < 1:
        raise ValueError(f"m must be >= 1, got {m=}")
    if r is not None and not r >= 0:
        raise ValueError(f"r must be >= 0, got {r=}")
    rr = as_rr(rr_ms)
    b = as_breaks(breaks, rr.size)
    if rr.size < max(SAMPEN_MIN_BEATS, m + 2) or implausible(rr).any():
        return NAN
    tol = SAMPEN_R_FACTOR * float(rr.std(ddof=1)) if r is None else float(r)
    if not tol > 0:
        return NAN
    tmpl = _templates(rr, b, m)
    if tmpl.shape[0] < 2:
        return NAN
    b_count, a_count = _count_matches(tmpl, tol)
    if a_count <= 0 or b_count <= 0:
        return NAN
    return float(-np.log(a_count / b_count))


def _fluctuation(profile: FloatArray, n: int) -> float:
    """RMS of the residual after a least-squares line in each non-overlapping n-beat box."""
    k = profile.size // n
    y = profile[: k * n].reshape(k, n)
    tau = np.arange(n, dtype=np.float64) - (n - 1) / 2.0
    slope = (y @ tau) / float(tau @ tau)
    resid = y - y.mean(axis=1, keepdims=True) - slope[:, None] * tau[None, :]
    return float(np.sqrt(np.mean(resid * resid)))


def dfa_alpha(rr_ms: npt.ArrayLike, scales: tuple[int, int]) -> float:
    """DFA scaling exponent over box sizes ``scales[0]..scales[1]`` beats (inclusive).

    The mean-removed series is integrated; each non-overlapping box (from the start; the
    remainder is dropped) loses its least-squares line; F(n) is the RMS of all residuals;
    α is the ordinary-least-squares slope of log F(n) on log n, over every integer n.

    Args:
        rr_ms: NN intervals in ms (a gap is not treated specially: DFA runs on beat index).
        scales: Smallest and largest box size in beats.

    Returns:
        α (dimensionless); NaN when the largest box does not fit 10 times, the series is
        constant (F = 0) or holds an implausible value.

    References:
        METHODS.md §3.3 (Peng et al. 1995).
    """
    lo, hi = scales
    if not 2 < lo < hi:
        raise ValueError(f"scales must satisfy 2 < lo < hi, got {scales=}")
    rr = as_rr(rr_ms)
    if rr.size < DFA_MIN_BOXES * hi or implausible(rr).any():
        return NAN
    profile = np.cumsum(rr - rr.mean())
    ns = np.arange(lo, hi + 1)
    f = np.array([_fluctuation(profile, int(n)) for n in ns])
    if not (f > 1e-9).all():
        return NAN
    x = np.log(ns.astype(np.float64))
    y = np.log(f)
    xc = x - x.mean()
    return float((xc @ (y - y.mean())) / (xc @ xc))


def dfa_alpha1(rr_ms: npt.ArrayLike) -> float:
    """Short-term DFA exponent α1, boxes of 4–16 beats (needs ≥ 160 beats). See :func:`dfa_alpha`."""
    return dfa_alpha(rr_ms, DFA_ALPHA1_SCALES)


def dfa_alpha2(rr_ms: npt.ArrayLike) -> float:
    """Long-term DFA exponent α2, boxes of 16–64 beats (needs ≥ 640 beats). See :func:`dfa_alpha`."""
    return dfa_alpha(rr_ms, DFA_ALPHA2_SCALES)
