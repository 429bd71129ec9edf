"""The live engine's numpy-only spectral fast path against scipy, on real recordings.

The live recompute imports no scipy (``vagal.hrv.live_spectral``, ``vagal.hrv.breath``): its
spline, periodogram, band sums, peak finder and percentile are our own. Each is checked here
against the independent implementation it replaces — ``scipy.interpolate.CubicSpline``,
``scipy.signal.welch``, ``scipy.integrate.trapezoid`` over the band masks,
``scipy.signal.find_peaks`` and ``numpy.percentile`` — on the windows the engine analyses in
the real recordings of ../shared/data (the 1-hour and 5-minute NSR RR series and MIT-BIH
record 100), never against the engine's own earlier output.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

from tests.conftest import load_rr, real_recordings
from vagal.hrv.breath import band_pass, find_peaks_prominent, percentile_linear, rsa_band_hz
from vagal.hrv.coherence import PEAK_HALF_WIDTH_HZ, PEAK_SEARCH_HZ, TOTAL_BAND_HZ
from vagal.hrv.live_spectral import TrailingSpline, coherence_peak, lf_hf_powers, nfft_for, periodogram
from vagal.hrv.spectral import HF_BAND_HZ, LF_BAND_HZ

FloatArray = npt.NDArray[np.float64]

FS_HZ = 4.0
WINDOWS_S = (60.0, 64.0, 120.0, 128.0)


def _mit_100_rr() -> FloatArray:
    """RR (ms) between successive beat annotations of MIT-BIH record 100, read by wfdb."""
    wfdb = pytest.importorskip("wfdb")
    rec = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "100"
    if not rec.with_suffix(".atr").exists():
        pytest.skip("MIT-BIH record 100 not in ../shared/data")
    ann = wfdb.rdann(str(rec), "atr")
    beat = np.isin(np.array(ann.symbol), list("NLRBAaJSVrFejnE/fQ"))
    samples = np.asarray(ann.sample)[beat].astype(np.float64)
    return np.diff(samples) / 360.0 * 1000.0


def _recordings() -> list[object]:
    """The real RR recordings as pytest params (name, RR ms), named by file."""
    return [pytest.param(p.stem, load_rr(p), id=p.stem) for p in real_recordings()]


def _windows(rr: FloatArray, count: int = 12) -> list[tuple[FloatArray, FloatArray]]:
    """``count`` trailing 140 s stretches (beat times s, RR ms) spread through a recording."""
    t = np.cumsum(rr) / 1000.0
    out = []
    for end in np.linspace(150.0, float(t[-1]), count):
        m = (t > end - 140.0) & (t <= end)
        if m.sum() >= 60:
            out.append((t[m], rr[m]))
    return out


def _first(t: FloatArray, window_s: float) -> int:
    """The engine's window selection: the beats of the last ``window_s`` plus the one before."""
    return max(int(np.searchsorted(t, t[-1] - window_s, side="right")) - 1, 0)


def _scipy_grid(t: FloatArray, rr: FloatArray) -> tuple[FloatArray, FloatArray]:
    from scipy.interpolate import CubicSpline

    m = int(np.floor((t[-1] - t[0]) * FS_HZ + 1e-9)) + 1
    g = t[0] + np.arange(m) / FS_HZ
    return g, CubicSpline(t, rr, bc_type="not-a-knot")(g)


@pytest.mark.parametrize(("name", "rr"), _recordings())
def test_trailing_spline_equals_scipy_cubic_spline_for_every_window(name: str, rr: FloatArray) -> None:
    checked = 0
    for t, x in _windows(rr):
        spline = TrailingSpline(t, x)
        for w in WINDOWS_S:
            j = _first(t, w)
            g0, v0 = _scipy_grid(t[j:], x[j:])
            g1, v1 = spline.on_grid(j, FS_HZ)
            np.testing.assert_allclose(g1, g0, rtol=0, atol=1e-9)
            np.testing.assert_allclose(v1, v0, rtol=1e-9, atol=1e-9)
            checked += 1
    assert checked >= 24, name


def test_trailing_spline_on_mit_bih_100_with_its_ectopic_beats() -> None:
    """Record 100's raw annotation intervals (ectopic beats included): uneven knots, big jumps."""
    rr = _mit_100_rr()
    for t, x in _windows(rr, 20):
        spline = TrailingSpline(t, x)
        for j in (0, 1, 5, t.size // 2, t.size - 4):
            _, v0 = _scipy_grid(t[j:], x[j:])
            _, v1 = spline.on_grid(j, FS_HZ)
            np.testing.assert_allclose(v1, v0, rtol=1e-9, atol=1e-9 * float(np.abs(v0).max()))


def test_trailing_spline_refuses_too_few_knots() -> None:
    with pytest.raises(ValueError, match="at least 4"):
        TrailingSpline(np.arange(3.0), np.ones(3))
    with pytest.raises(ValueError, match="at least 4"):
        TrailingSpline(np.arange(6.0), np.ones(6)).slopes(3)


def _scipy_psd(x: FloatArray) -> tuple[FloatArray, FloatArray]:
    from scipy.signal import welch

    f, p = welch(x, FS_HZ, window="hann", nperseg=x.size, noverlap=0, nfft=nfft_for(x.size), detrend="linear")
    return np.asarray(f, dtype=np.float64), np.asarray(p, dtype=np.float64)


@pytest.mark.parametrize(("name", "rr"), _recordings())
def test_periodogram_and_band_sums_equal_scipy(name: str, rr: FloatArray) -> None:
    from scipy.integrate import trapezoid

    for t, x in _windows(rr):
        for w in WINDOWS_S:
            j = _first(t, w)
            _, xg = _scipy_grid(t[j:], x[j:])
            f0, p0 = _scipy_psd(xg)
            f1, p1 = periodogram(xg, FS_HZ)
            np.testing.assert_allclose(f1, f0, rtol=0, atol=1e-12)
            np.testing.assert_allclose(p1, p0, rtol=1e-9, atol=1e-9 * float(p0.max()))

            def band(lo: float, hi: float, f: FloatArray = f0, p: FloatArray = p0) -> float:
                m = (f >= lo) & (f < hi)
                return float(trapezoid(p[m], f[m]))

            lf, hf, ratio = lf_hf_powers(f1, p1)
            assert lf == pytest.approx(band(*LF_BAND_HZ), rel=1e-9)
            assert hf == pytest.approx(band(*HF_BAND_HZ), rel=1e-9)
            assert ratio == pytest.approx(band(*LF_BAND_HZ) / band(*HF_BAND_HZ), rel=1e-9)

            # Coherence (docs/methods.md §6.1): the peak's ±0.015 Hz over the rest of 0.0033–0.4 Hz.
            s = (f0 >= PEAK_SEARCH_HZ[0]) & (f0 <= PEAK_SEARCH_HZ[1])
            f_pk = float(f0[s][np.argmax(p0[s])])
            pk = (f0 >= f_pk - PEAK_HALF_WIDTH_HZ - 1e-12) & (f0 <= f_pk + PEAK_HALF_WIDTH_HZ + 1e-12)
            peak = float(trapezoid(p0[pk], f0[pk]))
            total = band(*TOTAL_BAND_HZ)
            cr, _ = coherence_peak(f1, p1)
            assert cr == pytest.approx(peak / (total - peak), rel=1e-9)


def _band_passed_hr(rr: FloatArray) -> list[FloatArray]:
    """The heart rate (bpm) of 60 s windows on the 4 Hz grid, band-passed as the engine does."""
    out = []
    for t, x in _windows(rr, 16):
        j = _first(t, 60.0)
        _, xg = _scipy_grid(t[j:], x[j:])
        hr = 60000.0 / xg[-240:]
        for breath_hz in (None, 0.1, 0.25):
            out.append(band_pass(hr, FS_HZ, *rsa_band_hz(breath_hz)))
    return out


@pytest.mark.parametrize(("name", "rr"), _recordings())
def test_find_peaks_prominent_equals_scipy_find_peaks(name: str, rr: FloatArray) -> None:
    from scipy.signal import find_peaks

    series = _band_passed_hr(rr)
    # The same series rounded coarsely: flat tops and plateaus, scipy's slow path in ours.
    series += [np.round(s * 4.0) / 4.0 for s in series]
    for x in series:
        for distance in (1, 4, 8, 20):
            p0, props = find_peaks(-x, distance=distance, prominence=0.0)
            p1, prom = find_peaks_prominent(-x, distance)
            np.testing.assert_array_equal(p1, p0)
            np.testing.assert_allclose(prom, props["prominences"], rtol=0, atol=1e-12)


def test_find_peaks_prominent_on_edge_cases_equals_scipy() -> None:
    from scipy.signal import find_peaks

    rng = np.random.default_rng(13)
    cases = [
        np.array([0.0, 1.0, 1.0, 1.0, 0.0, 2.0, 2.0, 0.0]),
        np.array([3.0, 1.0, 3.0, 1.0, 3.0]),
        np.array([1.0, 2.0]),
        np.zeros(10),
        np.array([0.0, 5.0, 0.0, 5.0, 0.0, 5.0, 0.0]),
    ]
    cases += [rng.integers(0, 4, size=60).astype(np.float64) for _ in range(40)]
    cases += [rng.normal(size=200) for _ in range(20)]
    for x in cases:
        for distance in (1, 2, 3, 7):
            p0, props = find_peaks(x, distance=distance, prominence=0.0)
            p1, prom = find_peaks_prominent(x, distance)
            np.testing.assert_array_equal(p1, p0)
            np.testing.assert_allclose(prom, props["prominences"], rtol=0, atol=1e-12)


def test_percentile_linear_equals_numpy_bit_for_bit() -> None:
    rng = np.random.default_rng(7)
    for n in range(1, 30):
        v = rng.gamma(2.0, size=n).tolist()
        for q in (0.0, 10.0, 25.0, 50.0, 75.0, 90.0, 100.0):
            assert percentile_linear(v, q) == float(np.percentile(v, q))
    with pytest.raises(ValueError, match="empty"):
        percentile_linear([], 75.0)
