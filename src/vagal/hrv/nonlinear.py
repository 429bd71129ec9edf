"""Nonlinear HRV: Poincaré SD1/SD2, sample entropy, DFA α1/α2 (docs/methods.md §3).

Sample entropy is the costly one: a naive count compares every pair of templates, which
is O(N²) (10¹⁰ comparisons for a day of beats). vagal counts matches exactly, in two ways:

* a summed-area table over the *ranks* of the distinct RR values: RR from an ECG lies on a
  grid (1/128 s…), so a day holds a few hundred distinct values, and the count is
  O(N + U^d) for U distinct values and template length d (the 7.8 ms grid of the shared
  recordings: U = 78);
* when that table would be too big (U^d > 4·10⁶: a 1/1024 s strap, whose corrected beats
  also fall off its grid, gives U ≈ 2,000), bitsets: the templates sorted by their first
  value, each template's matches in the other columns kept as bits of the positions before
  it, intersected and counted with popcount (:func:`_count_bits`; O(N²/128·p) word
  operations for the fraction p of pairs matching in one column, any U; a strap-timed day
  of 100,000 beats in about 0.3 s, against 1.4 s for the k-d tree it replaces).

Both are exact (equal counts to the O(N²) definition: tests/test_hrv_nonlinear.py), and
neither needs scipy.
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
_SAT_MAX_CELLS: Final = 4_000_000
"""Largest summed-area table (cells, 32 MB of int64) before the bitset count: beyond about this
size building and reading the table costs more than the bitsets do on a day of beats (U = 159
distinct values for 3 columns; 2,000 for 2)."""

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
        docs/methods.md §3.1 (Brennan, Palaniswami & Kamen 2001).
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


_BITS_CHUNK: Final = 2048
"""Queries whose candidate bitsets are built at once (a window of ~2,000 + the first-column match
range, a few hundred 64-bit words wide)."""
_BITS_BLOCK: Final = 256
"""Queries whose bitsets are intersected and counted in one array operation."""
_ONE: Final = np.uint64(1)


def _ones_below(k: npt.NDArray[np.intp]) -> npt.NDArray[np.uint64]:
    """Words whose lowest k bits are set (0 ≤ k ≤ 63)."""
    out: npt.NDArray[np.uint64] = np.left_shift(_ONE, k.astype(np.uint64)) - _ONE
    return out


def _count_bits(ranks: npt.NDArray[np.intp], lo: npt.NDArray[np.intp], hi: npt.NDArray[np.intp]) -> int:
    """Ordered pairs (i ≠ j) whose ranks fall in each other's box, any number of columns, by bitsets.

    Exact for any number of distinct values. The templates are sorted by their first column, so
    template i's matches in that column that come before it are one range of positions
    ``[first_i, i)``; each unordered pair is counted once, at its later template. For the other
    columns, each query's matches are a set of positions kept as bits (64 per word): within a
    chunk of queries, a cumulative OR over the value ranks gives, for every rank boundary, the
    positions whose value lies below it, so the positions matching a value are two such rows
    (``below(hi) & ~below(lo)``). A query's count is the popcount of the AND over its columns,
    restricted to ``[first_i, i)``. Cost: N·K/64 word operations for K first-column matches per
    template (about 0.14·N/2 for r = 0.2·SD), whatever the number of distinct values.
    """
    n, d = ranks.shape
    rk = ranks[np.argsort(ranks[:, 0], kind="stable")]
    c0 = rk[:, 0]
    first = np.searchsorted(c0, lo[c0], side="left")  # the earliest position matching in column 0
    if d == 1:
        return 2 * int(np.sum(np.arange(n) - first))
    total = 0
    for q0 in range(0, n, _BITS_CHUNK):
        q1 = min(q0 + _BITS_CHUNK, n)
        w0 = int(first[q0])  # the window of candidate positions [w0, q1) (first is non-decreasing)
        pos = np.arange(q1 - w0)
        bit = np.left_shift(_ONE, (pos & 63).astype(np.uint64))
        n_words = (pos.size + 63) >> 6
        rows: list[npt.NDArray[np.uint64]] = []
        which: list[npt.NDArray[np.intp]] = []
        for c in range(1, d):
            vals, v_of_query = np.unique(rk[q0:q1, c], return_inverse=True)
            bounds, b_inv = np.unique(np.concatenate((lo[vals], hi[vals])), return_inverse=True)
            # below[k]: the window positions whose rank in column c is below bounds[k]
            bucket = np.searchsorted(bounds, rk[w0:q1, c], side="right")
            below = np.zeros((bounds.size + 1, n_words), dtype=np.uint64)
            np.bitwise_or.at(below, (bucket, pos >> 6), bit)
            np.bitwise_or.accumulate(below, axis=0, out=below)
            rows.append(below[b_inv[vals.size :]] & ~below[b_inv[: vals.size]])  # per distinct value
            which.append(v_of_query.reshape(-1))
        for s0 in range(q0, q1, _BITS_BLOCK):
            s1 = min(s0 + _BITS_BLOCK, q1)
            a = first[s0:s1] - w0  # each query's candidates are the bits [a, z)
            z = np.arange(s0 - w0, s1 - w0)
            wa, wz = a >> 6, z >> 6
            w_lo, w_hi = int(wa.min()), int(wz.max()) + 1
            sl = slice(s0 - q0, s1 - q0)
            acc = rows[0][which[0][sl], w_lo:w_hi]
            for r_c, v_c in zip(rows[1:], which[1:], strict=True):
                acc &= r_c[v_c[sl], w_lo:w_hi]
            cum = np.zeros((acc.shape[0], acc.shape[1] + 1), dtype=np.int64)
            np.cumsum(np.bitwise_count(acc), axis=1, out=cum[:, 1:])
            q = np.arange(acc.shape[0])
            ia, iz = wa - w_lo, wz - w_lo
            # whole words [wa, wz), less the bits of word wa below a, plus those of word wz below z
            cnt = cum[q, iz] - cum[q, ia]
            cnt -= np.bitwise_count(acc[q, ia] & _ones_below(a & 63))
            cnt += np.bitwise_count(acc[q, iz] & _ones_below(z & 63))
            total += int(cnt.sum())
    return 2 * total


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
        else:
            out.append(_count_bits(ranks[:, :d], lo, hi))
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
        docs/methods.md §3.2.
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
        docs/methods.md §3.3 (Peng et al. 1995).
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
