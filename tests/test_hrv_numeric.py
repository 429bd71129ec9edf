"""The numpy routines that replace scipy on the analysis path, against scipy run live.

``vagal analyze`` no longer imports scipy (it cost about 1 s of a 1.3 s run); each replacement
here is checked against the scipy function it stands for, on the real recordings and on random
input: the spline, the banded solvers and Welch to 1e-9, the rank filters exactly.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.interpolate import CubicSpline
from scipy.linalg import solve_banded, solveh_banded
from scipy.ndimage import median_filter as sp_median_filter
from scipy.ndimage import percentile_filter as sp_percentile_filter
from scipy.signal import welch as sp_welch

from tests.conftest import load_rr, real_recordings
from vagal.hrv import _numeric as nm
from vagal.hrv.spectral import _nfft, detrend_smoothness_priors, psd_welch, resample, segment_plan

FS = 4.0
FloatArray = npt.NDArray[np.float64]
RECORDINGS = real_recordings()


def _grid(t: FloatArray) -> FloatArray:
    n = int(np.floor((t[-1] - t[0]) * FS + 1e-9)) + 1
    return t[0] + np.arange(n) / FS


# --------------------------------------------------------------------------- the spline


@pytest.mark.parametrize("path", RECORDINGS, ids=lambda p: p.name)
def test_resample_equals_scipy_cubic_spline_on_real_recordings(path: Path) -> None:
    rr = load_rr(path)
    t = np.cumsum(rr) / 1000
    tg, xg = resample(t, rr)
    ref = CubicSpline(t, rr, extrapolate=False)(tg)
    np.testing.assert_allclose(xg, ref, rtol=1e-9, atol=0)


@settings(max_examples=200, deadline=None)
@given(
    n=st.integers(2, 400),
    seed=st.integers(0, 2**32 - 1),
    spread=st.floats(0.0, 5.0),
)
def test_the_spline_equals_scipy_on_random_knots(n: int, seed: int, spread: float) -> None:
    """Irregular knots (intervals 0.25–2 s, up to a spread of 8×), values of any size; 2 and 3
    knots included (scipy's line and parabola)."""
    rng = np.random.default_rng(seed)
    x = np.cumsum(rng.uniform(0.25, 0.25 + 1.75 * spread / 5.0 + 1e-3, n)) + rng.uniform(-100, 100)
    y = rng.uniform(300, 2000, n)
    grid = np.concatenate((_grid(x), x, [x[-1]]))
    grid = grid[(grid >= x[0]) & (grid <= x[-1])]
    ref = CubicSpline(x, y)(grid)
    np.testing.assert_allclose(nm.cubic_spline_on_grid(x, y, grid), ref, rtol=1e-9, atol=1e-9 * np.abs(y).max())


@settings(max_examples=100, deadline=None)
@given(n=st.integers(1, 3000), seed=st.integers(0, 2**32 - 1))
def test_the_tridiagonal_solver_equals_lapack(n: int, seed: int) -> None:
    """Strictly diagonally dominant systems (what the spline's interior is) against LAPACK's gbsv."""
    rng = np.random.default_rng(seed)
    sub, sup = rng.uniform(-1, 1, n), rng.uniform(-1, 1, n)
    diag = (np.abs(sub) + np.abs(sup)) * rng.uniform(1.01, 3.0, n) * rng.choice([-1.0, 1.0], n) + 1e-3
    rhs = rng.standard_normal(n) * 100
    ab = np.zeros((3, n))
    ab[0, 1:], ab[1], ab[2, :-1] = sup[:-1], diag, sub[1:]
    ref = solve_banded((1, 1), ab, rhs)
    np.testing.assert_allclose(nm.solve_tridiagonal(sub, diag, sup, rhs), ref, rtol=1e-9, atol=1e-12 * np.abs(ref).max())


# --------------------------------------------------------------------------- smoothness priors


def _priors_banded(n: int, lam: float) -> FloatArray:
    """(I + λ²D2ᵀD2) in solveh_banded's upper form, written from the definition (dense D2)."""
    d2 = np.zeros((n - 2, n))
    i = np.arange(n - 2)
    d2[i, i], d2[i, i + 1], d2[i, i + 2] = 1.0, -2.0, 1.0
    m = np.eye(n) + lam**2 * d2.T @ d2
    ab = np.zeros((3, n))
    ab[2] = np.diag(m)
    ab[1, 1:] = np.diag(m, 1)
    ab[0, 2:] = np.diag(m, 2)
    return ab


@pytest.mark.parametrize("n", [3, 4, 5, 6, 7, 8, 9, 31, 64, 255, 1201])
@pytest.mark.parametrize("lam", [1.0, 50.0, 500.0])
def test_the_pentadiagonal_solver_equals_banded_cholesky(n: int, lam: float) -> None:
    """The smoothness-priors matrix, every length parity, against LAPACK's pbsv, to 1e-9 of the
    solution. (At the default λ = 500 the matrix has κ ≈ 16·λ² = 4·10⁶, so two exact solvers can
    only agree to about κ·ε ≈ 1e-10 of it; both are that far from the true solution.)"""
    ab = _priors_banded(n, lam)
    rhs = 800 + np.cumsum(np.random.default_rng(n).standard_normal(n)) * 5
    ref = solveh_banded(ab, rhs)
    ours = nm.solve_spd_pentadiagonal(ab[2], ab[1, 1:], ab[0, 2:], rhs)
    np.testing.assert_allclose(ours, ref, rtol=0, atol=1e-9 * np.abs(ref).max())


@pytest.mark.parametrize("n", [3, 4, 7, 64, 1201, 20_001])
@pytest.mark.parametrize("lam", [500.0, 5000.0, 50_000.0])
def test_the_pentadiagonal_solver_is_backward_stable(n: int, lam: float) -> None:
    """Where κ·ε exceeds 1e-9 (λ ≥ 5000) no two solvers agree to 1e-9, so the residual is what is
    asked: ‖Mx − b‖ ≤ 10·ε·‖M‖·‖x‖, as good as the banded Cholesky's own."""
    ab = _priors_banded(n, lam) if n < 2000 else None
    if ab is None:
        lam2 = lam**2
        ab = np.zeros((3, n))
        ab[2] = 1 + lam2 * np.concatenate(([1, 5], np.full(n - 4, 6), [5, 1]))
        ab[1, 1:] = lam2 * np.concatenate(([-2], np.full(n - 3, -4), [-2]))
        ab[0, 2:] = lam2
    rhs = 800 + np.cumsum(np.random.default_rng(n).standard_normal(n)) * 5
    x = nm.solve_spd_pentadiagonal(ab[2], ab[1, 1:], ab[0, 2:], rhs)
    d0, d1, d2 = ab[2], ab[1, 1:], ab[0, 2:]
    mx = d0 * x
    mx[:-1] += d1 * x[1:]
    mx[1:] += d1 * x[:-1]
    mx[:-2] += d2 * x[2:]
    mx[2:] += d2 * x[:-2]
    norm_m = float(np.max(np.abs(d0) + 2 * np.abs(np.concatenate((d1, [0]))) + 2 * np.abs(np.concatenate((d2, [0, 0])))))
    assert np.abs(mx - rhs).max() <= 10 * np.finfo(float).eps * norm_m * np.abs(x).max()


@settings(max_examples=60, deadline=None)
@given(n=st.integers(1, 2000), seed=st.integers(0, 2**32 - 1))
def test_the_pentadiagonal_solver_equals_banded_cholesky_on_random_spd(n: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    d1, d2 = rng.uniform(-1, 1, max(n - 1, 0)), rng.uniform(-1, 1, max(n - 2, 0))
    d0 = 2 * (np.abs(np.concatenate((d1, [0]))) + np.abs(np.concatenate(([0], d1)))) + 2 * (
        np.abs(np.concatenate((d2, [0, 0]))) + np.abs(np.concatenate(([0, 0], d2)))
    )[:n] + rng.uniform(0.01, 1, n)
    rhs = rng.standard_normal(n)
    ab = np.zeros((3, n))
    ab[2], ab[1, 1:], ab[0, 2:] = d0, d1, d2
    ref = solveh_banded(ab, rhs)
    np.testing.assert_allclose(nm.solve_spd_pentadiagonal(d0, d1, d2, rhs), ref, rtol=0, atol=1e-9 * np.abs(ref).max())


@pytest.mark.parametrize("path", RECORDINGS, ids=lambda p: p.name)
def test_smoothness_priors_equal_the_scipy_solve_on_real_recordings(path: Path) -> None:
    rr = load_rr(path)
    _, xg = resample(np.cumsum(rr) / 1000, rr)
    n = xg.size
    lam2 = 500.0**2
    ab = np.zeros((3, n))  # the same banded matrix, built the way scipy's docs lay it out
    ab[2] = 1 + lam2 * np.concatenate(([1, 5], np.full(n - 4, 6), [5, 1]))
    ab[1, 1:] = lam2 * np.concatenate(([-2], np.full(n - 3, -4), [-2]))
    ab[0, 2:] = lam2
    ref = xg - solveh_banded(ab, xg)
    np.testing.assert_allclose(detrend_smoothness_priors(xg, 500.0), ref, rtol=0, atol=1e-9 * np.abs(xg).max())


# --------------------------------------------------------------------------- Welch


@pytest.mark.parametrize("path", RECORDINGS, ids=lambda p: p.name)
@pytest.mark.parametrize("detrend", ["constant", "linear"])
def test_welch_equals_scipy_on_each_segment_of_the_plan(path: Path, detrend: str) -> None:
    """For any length: the mean of scipy's periodograms of the plan's segments."""
    rr = load_rr(path)
    _, xg = resample(np.cumsum(rr) / 1000, rr)
    for n in sorted({xg.size, xg.size - 1, xg.size - 3, min(2198, xg.size), 960}):
        x = xg[:n]
        nperseg, starts = segment_plan(n, 1024)
        nfft = _nfft(nperseg)
        ref = np.mean(
            [sp_welch(x[s : s + nperseg], FS, window="hann", nperseg=nperseg, nfft=nfft, detrend=detrend)[1] for s in starts],
            axis=0,
        )
        f, p = psd_welch(x, FS, detrend=detrend)  # type: ignore[arg-type]
        np.testing.assert_allclose(f, np.fft.rfftfreq(nfft, 1 / FS), rtol=1e-12)
        np.testing.assert_allclose(p, ref, rtol=1e-9, atol=1e-9 * ref.max())


@pytest.mark.parametrize("k", [1, 2, 3, 13, 27])
def test_welch_equals_scipy_where_their_segment_plans_coincide(k: int) -> None:
    """n = (k+1)·L/2 with L even: scipy's own 50 % plan then covers the series exactly."""
    nperseg = 1028
    n = (k + 1) * nperseg // 2 if k > 1 else nperseg
    x = 800 + np.cumsum(np.random.default_rng(k).standard_normal(n))
    f, p = psd_welch(x, FS, detrend="constant")
    assert segment_plan(n, 1024)[0] == nperseg
    rf, rp = sp_welch(x, FS, window="hann", nperseg=nperseg, noverlap=nperseg // 2, nfft=_nfft(nperseg), detrend="constant")
    np.testing.assert_allclose(f, rf, rtol=1e-12)
    np.testing.assert_allclose(p, rp, rtol=1e-9, atol=1e-9 * rp.max())


@settings(max_examples=40, deadline=None)
@given(n=st.integers(8, 6000), seed=st.integers(0, 2**32 - 1), nfft_extra=st.integers(0, 3))
def test_welch_equals_scipy_on_random_series(n: int, seed: int, nfft_extra: int) -> None:
    """Random lengths and an odd or even nfft (one-sided doubling differs at Nyquist)."""
    x = 800 + np.random.default_rng(seed).standard_normal(n) * 50
    nperseg, starts = segment_plan(n, 256)
    nfft = max(nperseg, 64) + nfft_extra
    _f, p = psd_welch(x, FS, segment_s=64.0, detrend="linear", nfft=nfft)
    ref = np.mean([sp_welch(x[s : s + nperseg], FS, nperseg=nperseg, nfft=nfft, detrend="linear")[1] for s in starts], axis=0)
    np.testing.assert_allclose(p, ref, rtol=1e-9, atol=1e-9 * ref.max())


# --------------------------------------------------------------------------- rank filters


@settings(max_examples=200, deadline=None)
@given(
    x=st.lists(st.floats(200, 3000), min_size=1, max_size=400),
    size=st.integers(1, 120),
    percentile=st.sampled_from([0.0, 10.0, 25.0, 50.0, 75.0, 99.9, 100.0]),
    grid=st.booleans(),
)
def test_rank_filters_equal_ndimage_exactly(x: list[float], size: int, percentile: float, grid: bool) -> None:
    """Any length, odd and even windows, windows longer than half the series (reflected edges),
    repeated values (grid=True rounds to 8 ms, as an ECG at 128 Hz)."""
    a = np.asarray(x)
    if grid:
        a = np.round(a / 8) * 8
    size = min(size, a.size)
    assert np.array_equal(nm.percentile_filter(a, percentile, size=size), sp_percentile_filter(a, percentile, size=size, mode="reflect"))
    assert np.array_equal(nm.median_filter(a, size=size), sp_median_filter(a, size=size, mode="reflect"))
    both = nm.percentile_filters(a, (25.0, percentile), size=size)
    assert np.array_equal(both[0], sp_percentile_filter(a, 25.0, size=size, mode="reflect"))
    assert np.array_equal(both[1], sp_percentile_filter(a, percentile, size=size, mode="reflect"))


@pytest.mark.parametrize("path", RECORDINGS, ids=lambda p: p.name)
def test_rank_filters_equal_ndimage_on_real_recordings(path: Path) -> None:
    """The artifact detector's windows (91 and 11 beats) on the real series and their differences."""
    rr = load_rr(path)
    for x in (rr, np.abs(np.diff(rr))):
        q1, q3 = nm.percentile_filters(x, (25, 75), size=91)
        assert np.array_equal(q1, sp_percentile_filter(x, 25, size=91, mode="reflect"))
        assert np.array_equal(q3, sp_percentile_filter(x, 75, size=91, mode="reflect"))
        assert np.array_equal(nm.median_filter(x, size=11), sp_median_filter(x, size=11, mode="reflect"))


def test_rank_filters_name_a_wrong_option() -> None:
    with pytest.raises(ValueError, match="mode"):
        nm.median_filter(np.ones(5), size=3, mode="nearest")
    with pytest.raises(ValueError, match="percentile"):
        nm.percentile_filter(np.ones(5), 101, size=3)


# --------------------------------------------------------------------------- what it buys


def test_analysing_a_record_loads_no_scipy() -> None:
    """The whole of ``analyze_rr`` (artifact correction, every metric, coherence) on a real
    recording, in a fresh interpreter, without scipy: importing it cost ``vagal analyze`` ~1 s."""
    path = RECORDINGS[-1]
    probe = (
        "import sys, json, numpy as np\n"
        "from vagal.hrv import analyze_rr\n"
        f"rr = np.loadtxt({str(path)!r}, skiprows=1)\n"
        "r = analyze_rr(rr)\n"
        "assert np.isfinite(r.lf_ms2) and np.isfinite(r.sampen) and np.isfinite(r.coherence)\n"
        "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    loaded = set(json.loads(out.stdout.strip().splitlines()[-1]))
    assert "scipy" not in loaded
