"""Time-domain HRV: known answers, gaps, and neurokit2 run live on every real recording."""

from __future__ import annotations

import warnings
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

from tests.conftest import load_rr, real_recordings
from vagal.hrv import time_domain


@pytest.fixture(scope="module")
def nk() -> ModuleType:
    """neurokit2, imported once per module (it takes ~1.5 s)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import neurokit2

    return neurokit2


def test_known_answer_small_series() -> None:
    rr = np.array([800.0, 860.0, 790.0, 830.0])
    td = time_domain(rr)
    d = np.array([60.0, -70.0, 40.0])
    assert td.mean_nn_ms == pytest.approx(820.0)
    assert td.mean_hr_bpm == pytest.approx(60000 / 820)
    assert td.mean_inst_hr_bpm == pytest.approx(np.mean(60000 / rr))
    assert td.min_hr_bpm == pytest.approx(60000 / 860)
    assert td.max_hr_bpm == pytest.approx(60000 / 790)
    assert td.sdnn_ms == pytest.approx(np.sqrt(np.sum((rr - 820) ** 2) / 3))
    assert td.rmssd_ms == pytest.approx(np.sqrt(np.mean(d**2)))
    assert td.sdsd_ms == pytest.approx(np.std(d, ddof=1))
    assert td.pnn50_pct == pytest.approx(100 * 2 / 3)  # 60 and 70 exceed 50; 40 does not
    assert td.pnn20_pct == pytest.approx(100.0)
    assert td.reasons == {}


def test_pnn_threshold_is_strict() -> None:
    td = time_domain([800.0, 850.0, 800.0])  # |d| = 50 exactly: not counted
    assert td.pnn50_pct == 0.0


def test_no_difference_spans_a_gap() -> None:
    rr = np.array([800.0, 810.0, 1500.0, 820.0, 830.0])
    breaks = np.array([False, False, True, False, False])  # a gap before beat 2
    td = time_domain(rr, breaks=breaks)
    d = np.array([10.0, 820.0 - 1500.0, 10.0])  # 810→1500 spans the gap and is not formed
    assert td.n_diffs == 3
    assert td.rmssd_ms == pytest.approx(np.sqrt(np.mean(d**2)))
    assert td.sdnn_ms == pytest.approx(np.std(rr, ddof=1))  # SDNN uses every beat


def test_constant_rr_is_zero_variability_not_an_error() -> None:
    td = time_domain(np.full(100, 1000.0))
    assert td.sdnn_ms == 0.0 and td.rmssd_ms == 0.0 and td.pnn50_pct == 0.0
    assert td.mean_hr_bpm == pytest.approx(60.0)


@pytest.mark.parametrize(
    ("rr", "field", "reason"),
    [
        ([], "mean_nn_ms", "no beats"),
        ([800.0], "sdnn_ms", "at least 2 beats"),
        ([800.0], "rmssd_ms", "2 successive beats"),
        ([800.0, 810.0], "sdsd_ms", "3 successive beats"),
        ([800.0, 0.0, 810.0], "rmssd_ms", "outside 200–3000 ms"),
        ([800.0, 20000.0, 810.0], "mean_nn_ms", "outside 200–3000 ms"),
    ],
)
def test_degenerate_input_gives_nan_with_a_reason(rr: list[float], field: str, reason: str) -> None:
    td = time_domain(rr)
    assert np.isnan(getattr(td, field))
    assert reason in td.reasons[field]


def test_breaks_must_match_the_beats() -> None:
    with pytest.raises(ValueError, match="one flag per beat"):
        time_domain([800.0, 810.0], breaks=[False])


@pytest.mark.parametrize("path", real_recordings(), ids=lambda p: p.name)
def test_matches_neurokit2_on_real_recordings(nk: ModuleType, path: Path) -> None:
    """Correction off, the same beats: agreement to 0.5 % (in fact to rounding).

    neurokit2 divides NN50 by N (the number of intervals) where vagal divides by N−1
    (the number of differences, Task Force); the test converts neurokit2's value.
    """
    rr = load_rr(path)
    peaks = np.concatenate(([0], np.cumsum(rr))).astype(np.int64)  # whole ms at 1000 Hz
    assert np.allclose(np.diff(peaks), rr)
    ref = nk.hrv_time(peaks, sampling_rate=1000).iloc[0]
    td = time_domain(rr)
    n = rr.size
    pairs = {
        "mean_nn_ms": ref["HRV_MeanNN"],
        "sdnn_ms": ref["HRV_SDNN"],
        "rmssd_ms": ref["HRV_RMSSD"],
        "sdsd_ms": ref["HRV_SDSD"],
        "pnn50_pct": ref["HRV_pNN50"] * n / (n - 1),
        "pnn20_pct": ref["HRV_pNN20"] * n / (n - 1),
        "mean_hr_bpm": 60000.0 / ref["HRV_MeanNN"],
    }
    for field, expected in pairs.items():
        assert getattr(td, field) == pytest.approx(float(expected), rel=0.005), field


@pytest.mark.parametrize("path", real_recordings(), ids=lambda p: p.name)
def test_physiological_ranges_on_real_recordings(path: Path) -> None:
    td = time_domain(load_rr(path))
    assert 40 < td.mean_hr_bpm < 120
    assert 10 < td.rmssd_ms < 250
    assert td.min_hr_bpm < td.mean_hr_bpm < td.max_hr_bpm
    assert td.mean_inst_hr_bpm > td.mean_hr_bpm  # Jensen: mean(1/x) > 1/mean(x)
