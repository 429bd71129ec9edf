"""numpy versions of the few scipy routines the analysis path used, so that it never imports scipy.

Design decision: ``vagal analyze`` of a 5-minute file spent about 1.2 s of its 1.3 s importing
scipy.signal, scipy.interpolate, scipy.ndimage and scipy.linalg, each for one function, while the
analysis itself takes 25 ms. Each of those functions is small once its options are fixed, so it is
written here with numpy alone and tested against scipy (tests/test_hrv_numeric.py: to 1e-9 on the
real recordings and on random inputs; the rank filters are exact):

* :func:`cubic_spline_on_grid`: ``scipy.interpolate.CubicSpline(x, y)`` (not-a-knot ends)
  evaluated inside ``[x[0], x[-1]]``;
* :func:`solve_spd_pentadiagonal`: ``scipy.linalg.solveh_banded`` for the symmetric positive
  definite pentadiagonal system of the smoothness priors;
* :func:`percentile_filter`, :func:`percentile_filters` and :func:`median_filter`:
  ``scipy.ndimage``'s 1-D filters with ``mode="reflect"`` (a wavelet matrix for long windows;
  about 2× ndimage's C loop on a day of beats, which costs ~0.1 s there and saves the import).

Welch itself (Hann window, density scaling) is a few lines of ``np.fft`` in
:mod:`vagal.hrv.spectral`.

The two linear solvers use cyclic reduction: each level eliminates every other unknown with whole
array operations, so a day of 4 Hz samples (350,000 unknowns) takes about 20 levels of numpy calls
instead of a Python loop over the samples. Cyclic reduction is Gaussian elimination in odd–even
order, which needs no pivoting for a symmetric positive definite matrix (its Schur complements stay
positive definite) or a strictly diagonally dominant one (dominance is kept from level to level).
The spline's not-a-knot end rows are not dominant, so they are eliminated first by hand.
"""

from __future__ import annotations

from typing import Final

import numpy as np
import numpy.typing as npt

from vagal.hrv._common import FloatArray

# --------------------------------------------------------------------------- tridiagonal


def solve_tridiagonal(sub: FloatArray, diag: FloatArray, sup: FloatArray, rhs: FloatArray) -> FloatArray:
    """Solve a strictly diagonally dominant tridiagonal system by cyclic reduction.

    Row i reads ``sub[i]·x[i-1] + diag[i]·x[i] + sup[i]·x[i+1] = rhs[i]`` (``sub[0]`` and
    ``sup[-1]`` are ignored). No pivoting: the caller guarantees dominance.
    """
    n = diag.size
    lo = np.array(sub, dtype=np.float64)
    up = np.array(sup, dtype=np.float64)
    lo[0] = 0.0
    up[-1] = 0.0
    return _cr_scalar(lo, np.asarray(diag, dtype=np.float64), up, np.asarray(rhs, dtype=np.float64))[:n]


def _cr_scalar(lo: FloatArray, di: FloatArray, up: FloatArray, r: FloatArray) -> FloatArray:
    m0 = m = di.size
    if m == 1:
        out: FloatArray = r / di
        return out
    if m % 2:  # an even count keeps every kept row paired with the eliminated row after it
        lo, di, up, r = (np.append(v, e) for v, e in ((lo, 0.0), (di, 1.0), (up, 0.0), (r, 0.0)))
        m += 1
    d_o = di[1::2]
    # kept row 2q uses rows 2q-1 (absent for q = 0, where lo[0] = 0) and 2q+1
    a = -lo[0::2] / np.concatenate(([1.0], d_o[:-1]))
    c = -up[0::2] / d_o
    up_prev = np.concatenate(([0.0], up[1::2][:-1]))
    lo_prev = np.concatenate(([0.0], lo[1::2][:-1]))
    r_prev = np.concatenate(([0.0], r[1::2][:-1]))
    x_even = _cr_scalar(
        a * lo_prev,
        di[0::2] + a * up_prev + c * lo[1::2],
        c * up[1::2],
        r[0::2] + a * r_prev + c * r[1::2],
    )
    x_next = np.concatenate((x_even[1:], [0.0]))
    x = np.empty(m, dtype=np.float64)
    x[0::2] = x_even
    x[1::2] = (r[1::2] - lo[1::2] * x_even - up[1::2] * x_next) / d_o
    return x[:m0]


# --------------------------------------------------------------------------- cubic spline


def spline_system(
    x: FloatArray, y: FloatArray
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray, FloatArray, FloatArray]:
    """The tridiagonal system for the knot slopes of a not-a-knot cubic spline (n ≥ 4 knots).

    Built exactly as ``scipy.interpolate.CubicSpline`` builds it, so that any exact solver
    gives its slopes.

    Returns:
        ``(dx, slope, sub, diag, sup, rhs)``: row i reads
        ``sub[i]·s[i-1] + diag[i]·s[i] + sup[i]·s[i+1] = rhs[i]``.
    """
    n = x.size
    dx = np.diff(x)
    slope = np.diff(y) / dx
    sub = np.zeros(n)
    diag = np.empty(n)
    sup = np.zeros(n)
    rhs = np.empty(n)
    diag[1:-1] = 2.0 * (dx[:-1] + dx[1:])
    sup[1:-1] = dx[:-1]
    sub[1:-1] = dx[1:]
    rhs[1:-1] = 3.0 * (dx[1:] * slope[:-1] + dx[:-1] * slope[1:])
    d = x[2] - x[0]
    diag[0] = dx[1]
    sup[0] = d
    rhs[0] = ((dx[0] + 2.0 * d) * dx[1] * slope[0] + dx[0] ** 2 * slope[1]) / d
    d = x[-1] - x[-3]
    diag[-1] = dx[-2]
    sub[-1] = d
    rhs[-1] = (dx[-1] ** 2 * slope[-2] + (2.0 * d + dx[-1]) * dx[-2] * slope[-1]) / d
    return dx, slope, sub, diag, sup, rhs


def _solve_not_a_knot(sub: FloatArray, diag: FloatArray, sup: FloatArray, rhs: FloatArray) -> FloatArray:
    """The knot slopes: the two non-dominant end rows eliminated by hand, the rest by cyclic reduction.

    Row 0 holds only s[0] and s[1]; subtracting ``sub[1]/diag[0]`` times it from row 1 removes s[0]
    and leaves ``dx0 + dx1`` on the diagonal against ``dx0`` beside it (dominant). The last two rows
    likewise. The interior rows are dominant by a factor of 2.
    """
    n = diag.size
    f0 = sub[1] / diag[0]
    f1 = sup[-2] / diag[-1]
    d_in = diag[1:-1].copy()
    r_in = rhs[1:-1].copy()
    d_in[0] -= f0 * sup[0]
    r_in[0] -= f0 * rhs[0]
    d_in[-1] -= f1 * sub[-1]
    r_in[-1] -= f1 * rhs[-1]
    s = np.empty(n, dtype=np.float64)
    s[1:-1] = solve_tridiagonal(sub[1:-1], d_in, sup[1:-1], r_in)
    s[0] = (rhs[0] - sup[0] * s[1]) / diag[0]
    s[-1] = (rhs[-1] - sub[-1] * s[-2]) / diag[-1]
    return s


def hermite_on_grid(
    x: FloatArray, y: FloatArray, s: FloatArray, dx: FloatArray, slope: FloatArray, grid: FloatArray
) -> FloatArray:
    """The piecewise cubic with values y and slopes s at the knots x, at ``grid`` (inside [x0, xN]).

    The coefficients are scipy's ``CubicHermiteSpline``'s, evaluated by Horner's rule in the
    local coordinate of each interval (the interval is the one whose left knot is the last ≤ the
    point, as scipy's ``PPoly`` finds it).
    """
    tt = (s[:-1] + s[1:] - 2.0 * slope) / dx
    c0 = tt / dx
    c1 = (slope - s[:-1]) / dx - tt
    i = np.clip(np.searchsorted(x, grid, side="right") - 1, 0, x.size - 2)
    u = grid - x[i]
    out: FloatArray = ((c0[i] * u + c1[i]) * u + s[:-1][i]) * u + y[:-1][i]
    return out


def cubic_spline_on_grid(x: FloatArray, y: FloatArray, grid: FloatArray) -> FloatArray:
    """``scipy.interpolate.CubicSpline(x, y)(grid)`` (not-a-knot) for ``grid`` inside [x0, xN].

    Args:
        x: Knots, strictly increasing, at least 2.
        y: Values at the knots.
        grid: Where to evaluate, within ``[x[0], x[-1]]``.

    Returns:
        The spline's values. As scipy: 2 knots give the straight line, 3 the parabola through
        them (not-a-knot cannot be applied at both ends of 2 intervals).
    """
    n = x.size
    dx = np.diff(x)
    slope = np.diff(y) / dx
    if n == 2:
        s = np.array([slope[0], slope[0]])
    elif n == 3:
        # scipy's 3×3 system for the parabola, solved directly (rows: s0+s1, the interior row, s1+s2)
        a = np.array([[1.0, 1.0, 0.0], [dx[1], 2.0 * (dx[0] + dx[1]), dx[0]], [0.0, 1.0, 1.0]])
        b = np.array([2.0 * slope[0], 3.0 * (dx[0] * slope[1] + dx[1] * slope[0]), 2.0 * slope[1]])
        s = np.linalg.solve(a, b)
    else:
        dx, slope, sub, diag, sup, rhs = spline_system(x, y)
        s = _solve_not_a_knot(sub, diag, sup, rhs)
    return hermite_on_grid(x, y, s, dx, slope, grid)


# --------------------------------------------------------------------------- pentadiagonal


def _mm(p: FloatArray, q: FloatArray) -> FloatArray:
    """Products of two stacks of 2×2 matrices, each stored as rows (a, b, c, d) = [[a, b], [c, d]]."""
    return np.stack(
        (
            p[0] * q[0] + p[1] * q[2],
            p[0] * q[1] + p[1] * q[3],
            p[2] * q[0] + p[3] * q[2],
            p[2] * q[1] + p[3] * q[3],
        )
    )


def _mv(p: FloatArray, v: FloatArray) -> FloatArray:
    """Stacked 2×2 matrices (rows a, b, c, d) times stacked 2-vectors (rows 0, 1)."""
    return np.stack((p[0] * v[0] + p[1] * v[1], p[2] * v[0] + p[3] * v[1]))


def _inv(p: FloatArray) -> FloatArray:
    det = p[0] * p[3] - p[1] * p[2]
    out: FloatArray = np.stack((p[3], -p[1], -p[2], p[0])) / det
    return out


def _prev(v: FloatArray) -> FloatArray:
    """Each column moved one place later, zeros first (the neighbour before the first row)."""
    out = np.zeros_like(v)
    out[:, 1:] = v[:, :-1]
    return out


def _next(v: FloatArray) -> FloatArray:
    """Each column moved one place earlier, zeros last."""
    out = np.zeros_like(v)
    out[:, :-1] = v[:, 1:]
    return out


def _cr_block(lo: FloatArray, di: FloatArray, up: FloatArray, r: FloatArray) -> FloatArray:
    """Block-tridiagonal cyclic reduction on 2×2 blocks.

    ``lo``, ``di`` and ``up`` are (4, m) stacks of the blocks left of, on and right of the
    diagonal (``lo[:, 0]`` and ``up[:, -1]`` zero); ``r`` is (2, m). Returns x as (2, m).
    """
    m0 = m = di.shape[1]
    if m == 1:
        return _mv(_inv(di), r)
    if m % 2:  # a decoupled identity block keeps every kept block paired with the one after it
        lo = np.concatenate((lo, np.zeros((4, 1))), axis=1)
        up = np.concatenate((up, np.zeros((4, 1))), axis=1)
        di = np.concatenate((di, np.array([[1.0], [0.0], [0.0], [1.0]])), axis=1)
        r = np.concatenate((r, np.zeros((2, 1))), axis=1)
        m += 1
    inv_o = _inv(di[:, 1::2])
    lo_o, up_o, r_o = lo[:, 1::2], up[:, 1::2], r[:, 1::2]
    # kept block 2q uses blocks 2q-1 (absent for q = 0, where lo[:, 0] = 0) and 2q+1
    a = _mm(lo[:, 0::2], _prev(inv_o))
    c = _mm(up[:, 0::2], inv_o)
    x_e = _cr_block(
        -_mm(a, _prev(lo_o)),
        di[:, 0::2] - _mm(a, _prev(up_o)) - _mm(c, lo_o),
        -_mm(c, up_o),
        r[:, 0::2] - _mv(a, _prev(r_o)) - _mv(c, r_o),
    )
    x = np.empty((2, m))
    x[:, 0::2] = x_e
    x[:, 1::2] = _mv(inv_o, r_o - _mv(lo_o, x_e) - _mv(up_o, _next(x_e)))
    return x[:, :m0]


def solve_spd_pentadiagonal(d0: FloatArray, d1: FloatArray, d2: FloatArray, rhs: FloatArray) -> FloatArray:
    """Solve ``M x = rhs`` for a symmetric positive definite pentadiagonal M.

    Args:
        d0: The main diagonal, length n.
        d1: The first superdiagonal, ``d1[i] = M[i, i+1]``, length n − 1.
        d2: The second superdiagonal, ``d2[i] = M[i, i+2]``, length n − 2.
        rhs: Right-hand side, length n.

    Returns:
        x, length n. The same system as ``scipy.linalg.solveh_banded`` solves by banded Cholesky;
        here the unknowns are paired into 2×2 blocks and the block-tridiagonal system is solved by
        cyclic reduction (no pivoting needed: M is positive definite).
    """
    n = d0.size
    if n == 1:
        out1: FloatArray = rhs / d0
        return out1
    m = (n + 1) // 2
    pad = 2 * m - n  # 0 or 1: an odd n gets one decoupled unknown (1·x = 0)
    main = np.concatenate((d0, np.ones(pad)))
    s1 = np.concatenate((d1, np.zeros(pad + 1)))  # s1[k] = M[k, k+1]; zero past the end
    s2 = np.concatenate((d2, np.zeros(pad + 2)))  # s2[k] = M[k, k+2]
    b = np.concatenate((rhs, np.zeros(pad)))
    # block i holds unknowns 2i, 2i+1: D_i = M[2i:2i+2, 2i:2i+2], U_i = M[2i:2i+2, 2i+2:2i+4]
    # (zero for the last block, as s1 and s2 are zero past the end), L_i = U_{i-1}ᵀ
    di = np.stack((main[0::2], s1[0::2], s1[0::2], main[1::2]))
    up = np.stack((s2[0::2], np.zeros(m), s1[1::2], s2[1::2]))
    lo = _prev(up[[0, 2, 1, 3]])
    x = _cr_block(lo, di, up, np.stack((b[0::2], b[1::2])))
    out: FloatArray = x.T.reshape(-1)[:n]
    return out


# --------------------------------------------------------------------------- rank filters


def _unique_codes(x: FloatArray) -> tuple[FloatArray, npt.NDArray[np.intp]]:
    """``np.unique(x, return_inverse=True)``, through a plain sort and a search.

    numpy's unique argsorts, which is ten times slower than sorting on series with many equal
    values (20 ms against 2 ms for the 100,000 absolute differences of a day of RR on a grid).
    """
    s = np.sort(x)
    keep = np.empty(s.size, dtype=np.bool_)
    keep[:1] = True
    np.not_equal(s[1:], s[:-1], out=keep[1:])
    values = s[keep]
    return values, np.searchsorted(values, x)


_SMALL_WINDOW: Final = 32
"""Windows up to this many samples are partitioned directly (O(n·size) but one numpy call);
longer ones go through the wavelet matrix (O(n·log U)). Measured on a day of RR: 11 samples,
9 ms against 25 ms; 91 samples, 35 ms for both quartiles against about 80 ms."""


def _rank_filter(x: FloatArray, size: int, ranks: tuple[int, ...]) -> list[FloatArray]:
    """The ``ranks``-th smallest of each centred ``size``-window, edges mirrored as ndimage's "reflect".

    Short windows: ``np.partition`` of the sliding-window view. Long ones: a wavelet matrix over
    the ranks of the values (Claude, Navarro & Ordóñez 2015) answers every window at once: one
    level per bit of the rank (⌈log2 U⌉ for U distinct values), each level a stable split of the
    sequence by that bit and a running count of its zeros; a window's k-th smallest is found top
    bit first, keeping at each level the part of the window (zeros or ones) that holds it, and
    at the bottom the window has narrowed to copies of that value. O(n log U) with whole-array
    operations instead of O(n·size); both are exact (the values themselves come back).
    """
    n = x.size
    left = size // 2  # ndimage centres a window of even size one place to the right of the middle
    xp = np.pad(x, (left, size - 1 - left), mode="symmetric")
    if size <= _SMALL_WINDOW:
        part = np.partition(np.lib.stride_tricks.sliding_window_view(xp, size), ranks, axis=1)
        return [part[:, k].copy() for k in ranks]
    values, code = _unique_codes(xp)
    n_bits = max(int(values.size - 1).bit_length(), 1)
    m = xp.size
    if m >= 2**31 - 1:
        raise ValueError(f"x is too long for a rank filter: {n=}")
    it = np.int32  # half the memory traffic of int64 indices
    cur: npt.NDArray[np.int32] = code.astype(it)
    pos = np.arange(m, dtype=it)
    zeros_before: list[npt.NDArray[np.int32]] = []
    n_zeros: list[int] = []
    for b in range(n_bits - 1, -1, -1):
        one = ((cur >> b) & 1).astype(np.bool_)
        zb = np.zeros(m + 1, dtype=it)
        np.cumsum(~one, out=zb[1:])
        nz = int(zb[-1])
        zeros_before.append(zb)
        n_zeros.append(nz)
        # stable split: the zeros keep their order at the front, the ones after them
        before = zb[:-1]
        dest = np.where(one, pos - before + nz, before)
        nxt = np.empty_like(cur)
        nxt[dest] = cur
        cur = nxt
    outs = []
    for k0 in ranks:
        lo: npt.NDArray[np.int32] = np.arange(n, dtype=it)
        hi: npt.NDArray[np.int32] = lo + np.int32(size)
        k: npt.NDArray[np.int32] = np.full(n, k0, dtype=it)
        for zb, nz in zip(zeros_before, n_zeros, strict=True):
            zl, zh = zb[lo], zb[hi]
            in_zeros = zh - zl
            right = k >= in_zeros
            # into the zeros' part [zl, zh), or the ones' part [lo − zl + nz, hi − zh + nz)
            k = np.where(right, k - in_zeros, k)
            lo = np.where(right, lo - zl + nz, zl)
            hi = np.where(right, hi - zh + nz, zh)
        outs.append(values[cur[lo]])  # the window has narrowed to copies of its k-th value
    return outs


def _check(x: npt.ArrayLike, size: int, mode: str) -> FloatArray:
    if mode != "reflect":
        raise ValueError(f"mode must be 'reflect', got {mode=}")
    a = np.asarray(x, dtype=np.float64)
    if a.ndim != 1:
        raise ValueError(f"x must be 1-D, got {a.ndim=}")
    if not size >= 1:
        raise ValueError(f"size must be >= 1, got {size=}")
    return a


def _rank_of(percentile: float, size: int) -> int:
    if not 0 <= percentile <= 100:
        raise ValueError(f"percentile must be in 0..100, got {percentile=}")
    return size - 1 if percentile == 100 else int(float(size) * percentile / 100.0)


def percentile_filter(x: npt.ArrayLike, percentile: float, size: int, mode: str = "reflect") -> FloatArray:
    """``scipy.ndimage.percentile_filter(x, percentile, size=size, mode="reflect")`` for 1-D x.

    Args:
        x: The series.
        percentile: 0–100; as scipy, the value of rank ``int(size · percentile / 100)`` (the
            largest for 100) in each window, not an interpolated percentile.
        size: Window length in samples (centred; an even one reaches one more sample forward).
        mode: Only "reflect" (the edge sample is repeated: d c b a | a b c d | d c b a).

    Returns:
        The filtered series, same length (empty in, empty out).

    Raises:
        ValueError: An option out of range.
    """
    return percentile_filters(x, (percentile,), size, mode)[0]


def percentile_filters(
    x: npt.ArrayLike, percentiles: tuple[float, ...], size: int, mode: str = "reflect"
) -> list[FloatArray]:
    """:func:`percentile_filter` for several percentiles of the same series at once.

    The windows' index is built once for all of them: the quartiles together cost about 60 %
    of two separate calls.
    """
    a = _check(x, size, mode)
    ranks = tuple(_rank_of(p, size) for p in percentiles)
    if a.size == 0:
        return [a.copy() for _ in ranks]
    return _rank_filter(a, size, ranks)


def median_filter(x: npt.ArrayLike, size: int, mode: str = "reflect") -> FloatArray:
    """``scipy.ndimage.median_filter(x, size=size, mode="reflect")`` for 1-D x (rank ``size // 2``)."""
    a = _check(x, size, mode)
    if a.size == 0:
        return a.copy()
    return _rank_filter(a, size, (size // 2,))[0]
