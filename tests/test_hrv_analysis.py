"""``analyze_rr``: the whole analysis of one record, its JSON keys and its reasons."""

from __future__ import annotations

import json

import numpy as np
import numpy.typing as npt
import pytest

from vagal.hrv import analyze_rr, time_domain
from vagal.hrv.analysis import JSON_KEYS
from vagal.hrv.artifacts import correct_artifacts
from vagal.hrv.nonlinear import poincare

ISSUE_KEYS = [
    "n_beats",
    "duration_s",
    "artifacts_pct",
    "mean_nn_ms",
    "mean_hr_bpm",
    "sdnn_ms",
    "rmssd_ms",
    "sdsd_ms",
    "pnn50_pct",
    "pnn20_pct",
    "vlf_ms2",
    "lf_ms2",
    "hf_ms2",
    "lf_hf",
    "lf_nu",
    "hf_nu",
    "total_power_ms2",
    "lf_peak_hz",
    "hf_peak_hz",
    "sd1_ms",
    "sd2_ms",
    "sampen",
    "dfa_alpha1",
    "dfa_alpha2",
    "coherence",
]


def test_to_dict_has_exactly_the_issue_keys_and_is_strict_json(nsr_1h: npt.NDArray[np.float64]) -> None:
    res = analyze_rr(nsr_1h)
    d = res.to_dict()
    assert list(JSON_KEYS) == ISSUE_KEYS
    assert list(d) == [*ISSUE_KEYS, "quality"]  # the "read with care" sentences
    assert d["quality"] == []
    json.dumps(d, allow_nan=False)
    assert all(v is not None for v in d.values()), res.reasons
    assert d["n_beats"] == 4684
    assert d["duration_s"] == pytest.approx(nsr_1h.sum() / 1000)


def test_five_minutes_has_everything_but_alpha2(nsr_5min: npt.NDArray[np.float64]) -> None:
    res = analyze_rr(nsr_5min)
    d = res.to_dict()
    assert [k for k, v in d.items() if v is None] == ["dfa_alpha2"]
    assert res.reasons["dfa_alpha2"] == "needs at least 640 beats"


def test_metrics_are_those_of_the_corrected_series(nsr_1h: npt.NDArray[np.float64]) -> None:
    res = analyze_rr(nsr_1h)
    fixed = correct_artifacts(nsr_1h)
    assert res.rmssd_ms == time_domain(fixed.rr_ms, breaks=fixed.breaks).rmssd_ms
    assert res.sd1_ms == poincare(fixed.rr_ms, breaks=fixed.breaks)[0]
    assert res.artifacts_pct == pytest.approx(fixed.pct)
    assert np.array_equal(res.corrected_indices, fixed.corrected_indices)
    raw = analyze_rr(nsr_1h, correct=False)
    assert raw.rmssd_ms == time_domain(nsr_1h).rmssd_ms
    assert raw.rmssd_ms > res.rmssd_ms  # the artifacts inflate it


def test_a_short_record_says_which_bands_need_more_time(nsr_5min: npt.NDArray[np.float64]) -> None:
    rr = nsr_5min[:100]  # ~90 s
    res = analyze_rr(rr)
    assert res.hf_ms2 > 0
    assert res.lf_ms2 != res.lf_ms2  # NaN
    assert res.reasons["lf_ms2"].startswith("needs 2 min of beats")
    assert res.reasons["vlf_ms2"].startswith("needs 5 min of beats")
    assert res.to_dict()["lf_hf"] is None


def test_a_gap_splits_the_record_and_no_difference_spans_it(nsr_5min: npt.NDArray[np.float64]) -> None:
    rr = np.concatenate([nsr_5min, nsr_5min])
    t = np.cumsum(rr) / 1000
    t[nsr_5min.size :] += 600.0  # ten minutes without data
    breaks = np.zeros(rr.size, dtype=bool)
    breaks[nsr_5min.size] = True
    gapped = analyze_rr(rr, t_s=t, breaks=breaks, correct=False)
    single = analyze_rr(nsr_5min, correct=False)
    assert gapped.rmssd_ms == pytest.approx(single.rmssd_ms, rel=1e-12)  # the same differences, twice
    assert gapped.lf_hf == pytest.approx(single.lf_hf, rel=1e-9)  # the same spectrum, averaged
    assert gapped.duration_s > 1190


def test_lomb_is_selectable(nsr_5min: npt.NDArray[np.float64]) -> None:
    res = analyze_rr(nsr_5min, psd="lomb")
    assert res.psd_method == "lomb"
    assert 0.1 < res.lf_hf < 1.0  # a vagal (HF-dominated) resting record, like Welch's 0.27
    with pytest.raises(ValueError, match="psd must be one of"):
        analyze_rr(nsr_5min, psd="burg")  # type: ignore[arg-type]


def test_without_correction_an_impossible_value_is_a_gap_not_a_blank(
    nsr_5min: npt.NDArray[np.float64],
) -> None:
    """A value that cannot be a beat no longer blanks every metric without correction."""
    rr = nsr_5min.copy()
    rr[50] = 0.0
    res = analyze_rr(rr, correct=False)
    # Oracle by hand: the successive differences that do not touch the left-out value.
    d = np.diff(np.delete(nsr_5min, 50))
    d = np.delete(d, 49)  # the difference across the gap (beats 49 → 51) is not formed
    assert res.rmssd_ms == pytest.approx(float(np.sqrt(np.mean(d**2))), rel=1e-12)
    assert res.n_dropouts == 1
    assert any("1 RR value could not be a single beat" in q for q in res.quality)
    fixed = analyze_rr(rr)
    assert fixed.rmssd_ms == pytest.approx(analyze_rr(nsr_5min).rmssd_ms, rel=0.05)


def test_constant_rr_gives_zeros_and_explained_nones() -> None:
    res = analyze_rr(np.full(600, 1000.0))
    d = res.to_dict()
    assert d["rmssd_ms"] == 0.0 and d["sdnn_ms"] == 0.0
    for k in ("lf_hf", "lf_nu", "sampen", "dfa_alpha1", "coherence"):
        assert d[k] is None and res.reasons[k], k


def test_the_core_imports_no_scipy_and_no_framework() -> None:
    """``import vagal.hrv.analysis`` loads numpy only: scipy comes with the first call."""
    import subprocess
    import sys

    probe = (
        "import sys, json, vagal.hrv, vagal.hrv.analysis, vagal.hrv.coherence\n"
        "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    loaded = set(json.loads(out.stdout.strip().splitlines()[-1]))
    assert "numpy" in loaded
    assert not loaded & {"scipy", "matplotlib", "textual", "bleak", "pandas", "neurokit2"}


def test_heart_rate_range_and_sd2_sd1_are_kept(nsr_5min: npt.NDArray[np.float64]) -> None:
    res = analyze_rr(nsr_5min)
    fixed = correct_artifacts(nsr_5min)
    td = time_domain(fixed.rr_ms)
    assert res.min_hr_bpm == td.min_hr_bpm and res.max_hr_bpm == td.max_hr_bpm
    assert res.mean_inst_hr_bpm == td.mean_inst_hr_bpm
    assert res.sd2_sd1 == pytest.approx(res.sd2_ms / res.sd1_ms)
    assert "sd2_sd1" not in res.to_dict()


def test_a_five_minute_session_less_its_settling_seconds_still_gets_vlf(nsr_5min: np.ndarray) -> None:
    """vagal's own 5-minute recordings hold ~4.9 min of clean beats (settling left out)."""
    from vagal.hrv import analyze_rr

    rr = nsr_5min[: int(np.searchsorted(np.cumsum(nsr_5min), 294_000.0))]
    assert 290.0 < rr.sum() / 1000.0 < 295.0
    r = analyze_rr(rr, correct=False).to_dict()
    assert r["vlf_ms2"] is not None and r["vlf_ms2"] > 0 and r["total_power_ms2"] is not None
    short = analyze_rr(rr[: int(np.searchsorted(np.cumsum(rr), 270_000.0))], correct=False)
    assert short.to_dict()["vlf_ms2"] is None and "5 min" in short.reasons["vlf_ms2"]
