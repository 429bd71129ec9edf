"""Poincaré, sample entropy and DFA against neurokit2 run live on every real recording."""

from __future__ import annotations

import importlib
import warnings
from pathlib import Path
from types import ModuleType

import numpy as np
import numpy.typing as npt
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import load_rr, real_recordings
from vagal.hrv import time_domain
from vagal.hrv.nonlinear import (
    _count_bits,
    _count_matches,
    _count_sat,
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
    """SD1² = SDSD²/2 and SD2² = 2·SDNN² − SDSD²/2 (docs/methods.md §1), up to the pairs' end effects."""
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
    """Off-grid values (as after correction, or from a 1/1024 s strap) take the bitset count."""
    rng = np.random.default_rng(7)
    rr = nsr_1h + rng.uniform(-3.9, 3.9, nsr_1h.size)
    assert np.unique(rr).size > 4000
    ref, _ = nk.entropy_sample(rr, dimension=2, tolerance=0.2 * np.std(rr, ddof=1))
    assert sample_entropy(rr) == pytest.approx(float(ref), rel=1e-9)


def _strap_like(rr: npt.NDArray[np.float64], seed: int) -> npt.NDArray[np.float64]:
    """RR moved to a strap's 1/1024 s grid with ±4 ms jitter, then artifact-corrected (the
    corrected beats fall off the grid): a thousand or more distinct values."""
    from vagal.hrv.artifacts import correct_artifacts

    rng = np.random.default_rng(seed)
    strap = np.round((rr + rng.uniform(-4, 4, rr.size)) * 1.024) / 1.024
    return correct_artifacts(strap).rr_ms


@pytest.mark.parametrize("path", RECORDINGS, ids=lambda p: p.name)
def test_sample_entropy_of_strap_timed_recordings_matches_neurokit2(nk: ModuleType, path: Path) -> None:
    """The real recordings with strap-like timing (the case a day from a strap is slow in)."""
    rr = _strap_like(load_rr(path), 11)
    ref, _ = nk.entropy_sample(rr, dimension=2, tolerance=0.2 * np.std(rr, ddof=1))
    assert sample_entropy(rr) == pytest.approx(float(ref), rel=1e-9)


def _naive_counts(tmpl: npt.NDArray[np.float64], r: float) -> tuple[int, int]:
    """The O(N²) definition, in chunks: ordered pairs within Chebyshev distance r, self excluded."""
    b = a = 0
    for s in range(0, tmpl.shape[0], 512):
        dist = np.abs(tmpl[s : s + 512, None, :] - tmpl[None, :, :])
        b += int((dist[:, :, :-1].max(axis=2) <= r).sum())
        a += int((dist.max(axis=2) <= r).sum())
    n = tmpl.shape[0]
    return b - n, a - n


def test_summed_area_count_equals_the_naive_count(nsr_5min: npt.NDArray[np.float64]) -> None:
    """The fast counts against the O(N²) definition (Chebyshev distance, self-matches excluded)."""
    rr = nsr_5min
    tmpl = _templates(rr, np.zeros(rr.size, dtype=bool), 2)
    r = 0.2 * np.std(rr, ddof=1)
    naive = _naive_counts(tmpl, r)
    assert _count_matches(tmpl, r) == naive
    u, inv = np.unique(tmpl, return_inverse=True)
    ranks = inv.reshape(tmpl.shape)
    lo = np.searchsorted(u, u - r, side="left")
    hi = np.searchsorted(u, u + r, side="right")
    assert (_count_bits(ranks[:, :2], lo, hi), _count_bits(ranks, lo, hi)) == naive


def test_the_bitset_count_equals_the_naive_count_on_a_strap_timed_hour(nsr_1h: npt.NDArray[np.float64]) -> None:
    """About 4,700 templates and 1,000+ distinct values: the bitset path, exactly."""
    rr = _strap_like(nsr_1h, 3)
    tmpl = _templates(rr, np.zeros(rr.size, dtype=bool), 2)
    r = 0.2 * np.std(rr, ddof=1)
    assert np.unique(tmpl).size ** 3 > 4_000_000  # past the summed-area table
    assert _count_matches(tmpl, r) == _naive_counts(tmpl, r)


@settings(max_examples=80, deadline=None)
@given(
    n=st.integers(3, 2500),
    seed=st.integers(0, 2**32 - 1),
    grid=st.sampled_from([0.0, 0.9765625, 7.8125]),
    m=st.integers(1, 4),
    r_factor=st.floats(0.05, 0.6),
)
def test_the_bitset_count_equals_the_naive_count(n: int, seed: int, grid: float, m: int, r_factor: float) -> None:
    """Random series (on a grid or not), template lengths 1–4, any tolerance: equal counts."""
    rng = np.random.default_rng(seed)
    rr = 800 + np.cumsum(rng.standard_normal(n + m)) * 5
    if grid:
        rr = np.round(rr / grid) * grid
    tmpl = _templates(rr, np.zeros(rr.size, dtype=bool), m)
    r = r_factor * float(np.std(rr, ddof=1)) + 1e-9
    u, inv = np.unique(tmpl, return_inverse=True)
    ranks = inv.reshape(tmpl.shape)
    lo = np.searchsorted(u, u - r, side="left")
    hi = np.searchsorted(u, u + r, side="right")
    naive = _naive_counts(tmpl, r)
    assert (_count_bits(ranks[:, :m], lo, hi), _count_bits(ranks, lo, hi)) == naive


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


def test_bitset_count_equals_the_summed_area_table(nsr_1h: npt.NDArray[np.float64]) -> None:
    """On real data with few distinct values (78), where both apply: the same counts."""
    rr = nsr_1h
    tmpl = _templates(rr, np.zeros(rr.size, dtype=bool), 2)
    r = 0.2 * np.std(rr, ddof=1)
    u, inv = np.unique(tmpl, return_inverse=True)
    ranks = inv.reshape(tmpl.shape)
    lo = np.searchsorted(u, u - r, side="left")
    hi = np.searchsorted(u, u + r, side="right")
    for d in (2, 3):
        assert _count_bits(ranks[:, :d], lo, hi) == _count_sat(ranks[:, :d], lo, hi, u.size)
