"""Poincaré, sample entropy and DFA against neurokit2 run live on every real recording."""

from __future__ import annotations

import importlib
import warnings
from pathlib import Path
from types import ModuleType

import numpy as np
import numpy.typing as npt
import pytest

from tests.conftest import load_rr, real_recordings
from vagal.hrv import time_domain
from vagal.hrv.nonlinear import (
    _count_matches,
    _count_tree,
    _templates,
    dfa_alpha,
    dfa_alpha1,
    dfa_alpha2,
    poincare,
    sample_entropy,
)


@pytest.fixture(scope="module")
def nk() -> ModuleType:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import neurokit2

    return neurokit2


RECORDINGS = real_recordings()


@pytest.mark.parametrize("path", RECORDINGS, ids=lambda p: p.name)
def test_poincare_matches_neurokit2(nk: ModuleType, path: Path) -> None:
    """neurokit2's public ``hrv_nonlinear`` takes ~60 s on an hour (it computes ~50
    indices), so the test calls the Poincaré part of it directly (0.2.13's
    ``_hrv_nonlinear_poincare``, ddof=1 like vagal)."""
    rr = load_rr(path)
    module = importlib.import_module("neurokit2.hrv.hrv_nonlinear")
    ref = module._hrv_nonlinear_poincare(rr, rri_time=None, out={})
    sd1, sd2 = poincare(rr)
    assert sd1 == pytest.approx(float(ref["SD1"]), rel=0.005)
    assert sd2 == pytest.approx(float(ref["SD2"]), rel=0.005)


@pytest.mark.parametrize("path", RECORDINGS, ids=lambda p: p.name)
def test_poincare_identities_with_time_domain(path: Path) -> None:
    """SD1² = SDSD²/2 and SD2² = 2·SDNN² − SDSD²/2 (METHODS.md §1), up to the pairs' end effects."""
    rr = load_rr(path)
    td = time_domain(rr)
    sd1, sd2 = poincare(rr)
    assert sd1**2 == pytest.approx(td.sdsd_ms**2 / 2, rel=1e-9)
    assert sd2**2 == pytest.approx(2 * td.sdnn_ms**2 - td.sdsd_ms**2 / 2, rel=0.01)


@pytest.mark.parametrize("path", RECORDINGS, ids=lambda p: p.name)
def test_sample_entropy_matches_neurokit2(nk: ModuleType, path: Path) -> None:
    """Same m = 2 and r = 0.2·SD (ddof=1): equal to 1e-9."""
    rr = load_rr(path)
    ref, _ = nk.entropy_sample(rr, dimension=2, tolerance=0.2 * np.std(rr, ddof=1))
    assert sample_entropy(rr) == pytest.approx(float(ref), rel=1e-9)


def test_sample_entropy_with_many_distinct_values_matches_neurokit2(
    nk: ModuleType, nsr_1h: npt.NDArray[np.float64]
) -> None:
    """Off-grid values (as after correction, or from a 1/1024 s strap) take the k-d tree path."""
    rng = np.random.default_rng(7)
    rr = nsr_1h + rng.uniform(-3.9, 3.9, nsr_1h.size)
    assert np.unique(rr).size > 4000
    ref, _ = nk.entropy_sample(rr, dimension=2, tolerance=0.2 * np.std(rr, ddof=1))
    assert sample_entropy(rr) == pytest.approx(float(ref), rel=1e-9)


def test_summed_area_count_equals_the_naive_count(nsr_5min: npt.NDArray[np.float64]) -> None:
    """The fast count against the O(N²) definition (Chebyshev distance, self-matches excluded)."""
    rr = nsr_5min
    tmpl = _templates(rr, np.zeros(rr.size, dtype=bool), 2)
    r = 0.2 * np.std(rr, ddof=1)
    dist2 = np.max(np.abs(tmpl[:, None, :2] - tmpl[None, :, :2]), axis=2)
    dist3 = np.max(np.abs(tmpl[:, None, :] - tmpl[None, :, :]), axis=2)
    n = tmpl.shape[0]
    naive = (int((dist2 <= r).sum()) - n, int((dist3 <= r).sum()) - n)
    assert _count_matches(tmpl, r) == naive
    assert (_count_tree(tmpl[:, :2].copy(), r), _count_tree(tmpl, r)) == naive


def test_sample_entropy_leaves_out_templates_across_a_gap(nsr_5min: npt.NDArray[np.float64]) -> None:
    rr = np.concatenate([nsr_5min, nsr_5min])
    breaks = np.zeros(rr.size, dtype=bool)
    breaks[nsr_5min.size] = True
    tmpl = _templates(rr, breaks, 2)
    assert tmpl.shape[0] == rr.size - 2 - 2  # the two templates that straddle the gap are gone
    assert np.isfinite(sample_entropy(rr, breaks=breaks))


@pytest.mark.parametrize("path", RECORDINGS, ids=lambda p: p.name)
def test_dfa_matches_neurokit2(nk: ModuleType, path: Path) -> None:
    """neurokit2 configured alike: ``scale=range(4, 17)`` / ``range(16, 65)``, non-overlapping
    boxes, linear detrending, least-squares fit. One difference: neurokit2 drops boxes
    whose residual variance is below 1e-8 (perfectly linear 4-beat boxes happen on 7.8 ms
    quantised data), which moves α1 by up to 0.005 here; α2 agrees to 1e-6."""
    rr = load_rr(path)
    a1_ref, _ = nk.fractal_dfa(rr, scale=np.arange(4, 17), overlap=False)
    assert dfa_alpha1(rr) == pytest.approx(float(a1_ref), abs=0.01)
    if rr.size >= 640:
        a2_ref, _ = nk.fractal_dfa(rr, scale=np.arange(16, 65), overlap=False)
        assert dfa_alpha2(rr) == pytest.approx(float(a2_ref), abs=1e-6)
    else:
        assert np.isnan(dfa_alpha2(rr))


def test_dfa_of_white_noise_and_of_a_random_walk() -> None:
    """Known answers: uncorrelated noise α ≈ 0.5, its running sum (Brownian) α ≈ 1.5."""
    rng = np.random.default_rng(3)
    noise = 800 + 50 * rng.standard_normal(20000)
    assert dfa_alpha(noise, (16, 64)) == pytest.approx(0.5, abs=0.05)
    walk = 800 + np.cumsum(rng.standard_normal(20000))
    walk = 800 + (walk - walk.mean()) / walk.std() * 50
    assert dfa_alpha(walk, (16, 64)) == pytest.approx(1.5, abs=0.07)


@pytest.mark.parametrize(
    "rr",
    [np.full(1000, 900.0), np.array([800.0, 900.0] * 10), np.array([])],
    ids=["constant", "too-short", "empty"],
)
def test_nonlinear_degenerate_input_is_nan(rr: npt.NDArray[np.float64]) -> None:
    assert np.isnan(sample_entropy(rr))
    assert np.isnan(dfa_alpha1(rr))
    assert np.isnan(dfa_alpha2(rr))


def test_block_sweep_count_equals_the_other_two(nsr_1h: npt.NDArray[np.float64]) -> None:
    """The 3-column block sweep (used when a 3-D table would be too big) against the
    summed-area table and the k-d tree, on real data with a few hundred distinct values."""
    from vagal.hrv.nonlinear import _count_sat, _count_sweep

    rr = nsr_1h
    tmpl = _templates(rr, np.zeros(rr.size, dtype=bool), 2)
    r = 0.2 * np.std(rr, ddof=1)
    u, inv = np.unique(tmpl, return_inverse=True)
    ranks = inv.reshape(tmpl.shape)
    lo = np.searchsorted(u, u - r, side="left")
    hi = np.searchsorted(u, u + r, side="right")
    expected = _count_sat(ranks, lo, hi, u.size)
    assert _count_sweep(ranks, lo, hi, u.size) == expected == _count_tree(tmpl, r)
