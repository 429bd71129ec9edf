"""One cut at gaps and one Welch over stretches, in the core; the report draws the core's spectrum.

The cut-at-gaps idiom and the Welch-over-stretches code were written several
times (``hrv/analysis.py``, ``hrv/coherence.py``, ``report/data.py``). They are now
``vagal.hrv._common.stretches`` / ``gap_indices`` and ``vagal.hrv.spectral.welch_over_stretches``,
and ``HrvResult.psd_*`` carries the very spectrum the band powers were integrated from, which the
report draws (it used to re-compute an approximation on its own grid).
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

from tests.report_helpers import write_session
from vagal.hrv import analyze_rr
from vagal.hrv._common import gap_indices, stretches
from vagal.hrv.spectral import (
    _nfft,
    band_powers,
    psd_lomb,
    psd_welch,
    resample,
    segment_plan,
    welch_over_stretches,
)


def test_stretches_cut_where_a_gap_precedes_a_beat() -> None:
    b = np.array([False, False, True, False, True, True, False])
    assert stretches(b) == [(0, 2), (2, 4), (4, 5), (5, 7)]
    assert gap_indices(b).tolist() == [2, 4, 5]
    assert stretches(np.array([True, False, False])) == [(0, 3)]  # a gap before the first beat cuts nothing
    assert stretches(np.zeros(4, dtype=bool)) == [(0, 4)]
    assert stretches(np.zeros(0, dtype=bool)) == []
    assert gap_indices(np.zeros(1, dtype=bool)).size == 0


def _gapped(rr: npt.NDArray[np.float64]) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64], npt.NDArray[np.bool_]]:
    """The 1 h recording cut in three: a 20 s stretch (left out), then 25 and about 35 minutes."""
    t = np.cumsum(rr) / 1000
    b = np.zeros(rr.size, dtype=bool)
    b[[25, np.searchsorted(t, 25 * 60.0)]] = True
    return t, rr, b


def test_welch_over_stretches_is_the_sample_weighted_mean_of_each_stretch(nsr_1h: npt.NDArray[np.float64]) -> None:
    """By the definition: each stretch of ≥ 30 s resampled, Welch on one common FFT length, the
    spectra averaged with the stretches' sample counts as weights."""
    t, rr, b = _gapped(nsr_1h)
    f, p, used = welch_over_stretches(t, rr, b)
    parts = [resample(t[a:z], rr[a:z])[1] for a, z in stretches(b)]
    kept = [x for x in parts if (x.size - 1) / 4.0 >= 30.0]
    assert len(kept) == 2 and used == stretches(b)[1:]
    nfft = max(_nfft(segment_plan(x.size, 1024)[0]) for x in kept)
    ref = sum(psd_welch(x, nfft=nfft)[1] * x.size for x in kept) / sum(x.size for x in kept)
    np.testing.assert_allclose(p, ref, rtol=1e-12)
    assert f.size == nfft // 2 + 1


def test_without_gaps_it_is_welch_of_the_resampled_record(nsr_5min: npt.NDArray[np.float64]) -> None:
    t = np.cumsum(nsr_5min) / 1000
    f, p, used = welch_over_stretches(t, nsr_5min)
    f0, p0 = psd_welch(resample(t, nsr_5min)[1])
    assert used == [(0, nsr_5min.size)]
    np.testing.assert_array_equal(f, f0)
    np.testing.assert_allclose(p, p0, rtol=1e-12)


@pytest.mark.parametrize("psd", ["welch", "lomb"])
def test_the_result_carries_the_spectrum_its_band_powers_came_from(nsr_1h: npt.NDArray[np.float64], psd: str) -> None:
    t, rr, b = _gapped(nsr_1h)
    res = analyze_rr(rr, t_s=t, breaks=b, correct=False, psd=psd)  # type: ignore[arg-type]
    assert res.psd_f_hz.size >= 500 and res.psd_f_hz.size == res.psd_ms2_per_hz.size
    bp = band_powers(res.psd_f_hz, res.psd_ms2_per_hz)
    for k in ("vlf_ms2", "lf_ms2", "hf_ms2", "lf_hf", "lf_peak_hz", "hf_peak_hz"):
        assert getattr(res, k) == getattr(bp, k), k
    if psd == "lomb":
        np.testing.assert_array_equal(res.psd_ms2_per_hz, psd_lomb(t, rr)[1])


def test_a_record_too_short_for_a_spectrum_carries_none() -> None:
    rr = np.full(20, 800.0)
    res = analyze_rr(rr)
    assert res.psd_f_hz.size == 0 and res.psd_ms2_per_hz.size == 0


def test_the_report_draws_exactly_the_core_spectrum(nsr_1h: npt.NDArray[np.float64], tmp_path: Path) -> None:
    """A recorded session with a contact-lost gap: the report's spectrum is ``analyze_rr``'s,
    point for point (before, it was re-computed per stretch and interpolated onto one grid)."""
    from vagal.report.data import build_report_data
    from vagal.sessions.formats import load_recording

    path = write_session(
        tmp_path / "gap.vagal.jsonl", nsr_1h, start=datetime(2026, 1, 5, 9, 0, tzinfo=UTC), gap=(1500.0, 1530.0)
    )
    rec = load_recording(path)
    data = build_report_data(rec)
    res = analyze_rr(rec.rr_ms, t_s=rec.t_s, breaks=rec.breaks, correct=True)
    assert rec.breaks[1:].any()
    np.testing.assert_array_equal(data.psd_f_hz, res.psd_f_hz)
    np.testing.assert_array_equal(data.psd_ms2_per_hz, res.psd_ms2_per_hz)
    assert "averaged over the stretches between gaps" in data.psd_method
