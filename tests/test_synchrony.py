"""The synchrony core: windowed cross-correlation, peaks, the null, shared coherence, words.

Oracles: Pearson r computed directly with numpy at every window and lag (np.corrcoef, and
np.polyfit residuals for the linear detrend), scipy.signal.correlate for the lag of a
known shift, scipy.signal.periodogram for the guide-rate power share, and the seeded
truth of synthetic series. Nothing is compared with numbers pasted from our own output.
"""

from __future__ import annotations

import math
import re

import numpy as np
import numpy.typing as npt
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vagal.hrv.synchrony import (
    CLEAR_PEAK_R,
    WORDS,
    PersonBeats,
    SynchronyResult,
    describe,
    heart_rate_on_grid,
    pick_peaks,
    synchrony_from_series,
    synchrony_live,
    synchrony_session,
    wcc,
)

FloatArray = npt.NDArray[np.float64]
FS = 4.0


def _smooth_noise(rng: np.random.Generator, n: int, tau_s: float = 2.0, sd: float = 3.0) -> FloatArray:
    """Red noise (AR(1) with time constant tau_s at 4 Hz), a heart-rate-like wander in bpm."""
    a = math.exp(-1.0 / (tau_s * FS))
    e = rng.standard_normal(n) * sd * math.sqrt(1 - a * a)
    x = np.empty(n)
    x[0] = e[0]
    for i in range(1, n):
        x[i] = a * x[i - 1] + e[i]
    return x


def _shifted_pair(seed: int, n: int, lag_samples: int, noise: float = 0.3) -> tuple[FloatArray, FloatArray]:
    """x, and y = x delayed by lag_samples (y(t) = x(t - d)) plus a little noise of its own."""
    rng = np.random.default_rng(seed)
    base = 65.0 + _smooth_noise(rng, n + lag_samples)
    x = base[lag_samples:]
    y = base[:n] + noise * rng.standard_normal(n)
    return x, y


def _direct_r(x: FloatArray, y: FloatArray, s: int, tau: int, w: int, linear: bool) -> float:
    xs = x[s : s + w]
    ys = y[s + tau : s + tau + w]
    if linear:
        u = np.arange(w)
        xs = xs - np.polyval(np.polyfit(u, xs, 1), u)
        ys = ys - np.polyval(np.polyfit(u, ys, 1), u)
    return float(np.corrcoef(xs, ys)[0, 1])


# --- the windowed cross-correlation against a direct computation ----------------------------


@pytest.mark.parametrize("detrend", ["constant", "linear"])
def test_wcc_is_pearson_r_at_every_window_and_lag(detrend: str) -> None:
    x, y = _shifted_pair(1, 1200, 10)
    table = wcc(x, y, detrend=detrend)  # type: ignore[arg-type]
    w, lag = 120, 20
    assert table.lags_s[0] == -5.0 and table.lags_s[-1] == 5.0 and table.lags_s.size == 2 * lag + 1
    starts = np.round(table.start_s * FS).astype(int)
    assert starts[0] >= lag and starts[-1] + w + lag == x.size  # the last window ends 5 s before the end
    assert np.all(np.diff(starts) == 20)  # every 5 s
    for k, s in enumerate(starts):
        for j, tau in enumerate(range(-lag, lag + 1)):
            expected = _direct_r(x, y, int(s), tau, w, linear=detrend == "linear")
            assert table.r[k, j] == pytest.approx(expected, abs=1e-9)


def test_wcc_peak_is_at_the_known_lag_in_every_window_and_scipy_agrees() -> None:
    from scipy.signal import correlate, correlation_lags

    d = 10  # 2.5 s: y follows x
    x, y = _shifted_pair(2, 2400, d)
    xc = correlate(y - y.mean(), x - x.mean())
    assert correlation_lags(y.size, x.size)[np.argmax(xc)] == d  # scipy: y(t) = x(t - 2.5 s)
    table = wcc(x, y)
    peaks = pick_peaks(table.r, table.lags_s)
    assert np.all(peaks.lag_s == 2.5)
    assert np.all(peaks.clear) and np.all(peaks.r > 0.9)
    # The other way round the sign flips: x follows y by -2.5 s.
    table_back = wcc(y, x)
    back = pick_peaks(table_back.r, table_back.lags_s)
    assert np.all(back.lag_s == -2.5)


def test_wcc_marks_gaps_and_constant_stretches_nan() -> None:
    x, y = _shifted_pair(3, 800, 4)
    y = y.copy()
    y[300:340] = np.nan  # a 10 s gap in B
    x = x.copy()
    x[600:720] = 70.0  # 30 s of a constant heart rate in A
    table = wcc(x, y)
    starts = np.round(table.start_s * FS).astype(int)
    for k, s in enumerate(starts):
        touches_gap = (s - 20 < 340) and (s + 120 + 20 > 300)
        row = table.r[k]
        if s >= 600 and s + 120 <= 720:
            assert np.isnan(row).all()  # no variance: no r
        elif touches_gap:
            # Only lags whose B segment overlaps the gap are NaN.
            for j, tau in enumerate(range(-20, 21)):
                hit = (s + tau < 340) and (s + tau + 120 > 300)
                assert np.isnan(row[j]) == hit
        else:
            assert np.isfinite(row).all()


def test_wcc_short_series_give_an_empty_table_and_bad_options_are_refused() -> None:
    assert wcc(np.ones(100), np.ones(100)).r.shape == (0, 41)
    with pytest.raises(ValueError, match="same length"):
        wcc(np.ones(300), np.ones(299))
    with pytest.raises(ValueError, match="detrend must be one of"):
        wcc(np.ones(300), np.ones(300), detrend="quadratic")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="max_lag_s"):
        wcc(np.ones(300), np.ones(300), max_lag_s=40.0)
    with pytest.raises(ValueError, match="window_s"):
        wcc(np.ones(300), np.ones(300), window_s=1.0)
    with pytest.raises(ValueError, match="step_s"):
        wcc(np.ones(300), np.ones(300), step_s=0.0)


# --- peak picking ---------------------------------------------------------------------------------


def test_peaks_inside_the_range_only_highest_first_and_clear_above_the_level() -> None:
    lags = np.arange(-20, 21) / FS
    rows = np.zeros((5, lags.size))
    rows[0] = 0.8 * np.exp(-((lags - 2.0) ** 2))  # one peak at +2 s
    rows[1] = np.linspace(0.0, 0.9, lags.size)  # rising to the edge: the peak may be beyond: none
    rows[2] = 0.3 * np.exp(-((lags + 1.0) ** 2))  # a low peak: a peak, not clear
    rows[3] = 0.6 * np.exp(-((lags + 3.0) ** 2) * 4) + 0.7 * np.exp(
        -((lags - 3.0) ** 2) * 4
    )  # two: the higher
    rows[4, 7] = np.nan
    p = pick_peaks(rows, lags)
    assert p.lag_s[0] == 2.0 and p.r[0] == pytest.approx(0.8) and p.clear[0]
    assert np.isnan(p.r[1]) and np.isnan(p.lag_s[1]) and not p.clear[1]
    assert p.lag_s[2] == -1.0 and p.r[2] == pytest.approx(0.3) and not p.clear[2]
    assert p.lag_s[3] == 3.0 and p.r[3] == pytest.approx(0.7)
    assert np.isnan(p.r[4]) and not p.clear[4]
    # A maximum 0.25 s inside the edge cannot be shown to be a local maximum over ±0.5 s.
    edge = np.zeros((1, lags.size))
    edge[0] = np.exp(-((lags - 4.75) ** 2))
    assert np.isnan(pick_peaks(edge, lags).r[0])
    assert CLEAR_PEAK_R == 0.5


# --- the statistic, recomputed independently --------------------------------------------------------


def test_mean_peak_r_is_the_fisher_z_mean_of_the_direct_per_window_peaks() -> None:
    x, y = _shifted_pair(4, 1600, 8, noise=2.0)
    res = synchrony_from_series(x, y, rng=1)
    assert res.windows is not None and res.n_windows == res.windows.end_s.size
    zs, lags = [], []
    w, lag = 120, 20
    for end in res.windows.end_s:
        s = round(end * FS) - w
        r = np.array([_direct_r(x, y, s, tau, w, linear=True) for tau in range(-lag, lag + 1)])
        inner = [j for j in range(2, 2 * lag - 1) if r[j] >= r[j - 2 : j + 3].max()]
        if inner:
            j = max(inner, key=lambda k: r[k])
            zs.append(np.arctanh(r[j]))
            if r[j] >= 0.5:
                lags.append((j - lag) / FS)
    assert res.wcc_peak_r_mean == pytest.approx(math.tanh(float(np.mean(zs))), abs=1e-9)
    assert res.wcc_lag_s_median == pytest.approx(float(np.median(lags)))
    assert res.wcc_lag_s_median == pytest.approx(2.0, abs=0.25)  # the known shift: y follows x by 2 s
    assert res.wcc_clear_peak_pct == pytest.approx(100.0 * len(lags) / res.n_windows)
    # A real shift between two series is far above chance.
    assert res.above_chance is True and res.surrogate_p95 is not None
    assert res.wcc_peak_r_mean > res.surrogate_p95
    assert res.n_surrogates == 500 and res.p_surrogate == 0.0


def test_two_independent_series_are_not_above_chance_in_most_seeds() -> None:
    above = 0
    for seed in range(20):
        rng = np.random.default_rng(100 + seed)
        x = 65.0 + _smooth_noise(rng, 2400)
        y = 70.0 + _smooth_noise(rng, 2400)
        res = synchrony_from_series(x, y, rng=seed)
        assert res.above_chance is not None and res.p_surrogate is not None
        above += res.above_chance
    assert above <= 3  # 5 % expected: 1 of 20; P(> 3) < 2 % when calibrated


def _guided(
    seed: int, n: int, f_hz: float, share: float, lag_samples: int = 0
) -> tuple[FloatArray, FloatArray]:
    """A heart rate that swings with a guide of frequency f_hz (phase 0 at t = 0) plus own wander."""
    rng = np.random.default_rng(seed)
    t = np.arange(n) / FS
    phase = f_hz * t
    guide_part = 6.0 * np.sin(2 * np.pi * (phase - lag_samples / FS * f_hz))
    own = _smooth_noise(rng, n, tau_s=3.0, sd=6.0 * (1 - share) / max(share, 1e-9))
    return 65.0 + guide_part + own, phase


def _stepped_guide(seed: int, n: int, lag_samples: int = 0) -> tuple[FloatArray, FloatArray]:
    """A heart rate following the stepped resonance protocol (6.5 → 4.5/min, 2 min each)."""
    rng = np.random.default_rng(seed)
    t = np.arange(n) / FS
    rates = np.array([6.5, 6.0, 5.5, 5.0, 4.5]) / 60.0
    phase = np.cumsum(rates[np.minimum((t // 120).astype(int), rates.size - 1)]) / FS
    followed = np.interp(t - lag_samples / FS, t, phase)
    return 65.0 + 6.0 * np.sin(2 * np.pi * followed) + _smooth_noise(rng, n, tau_s=3.0, sd=4.0), phase


def test_the_null_keeps_the_guide_and_a_null_without_it_would_be_too_easy() -> None:
    """Two independent people following one guide look together by construction.

    With the guide's phase, the null pairs each window with the other person's data where
    the guide is at the same phase and rate, so the guide's own rhythm is in the null too:
    not above chance. Told nothing about the guide, any other stretch will do, also one at
    another step of the protocol, and the same pairs are wrongly "above chance". (At one
    constant rate of 6/min or faster the ±5 s lag search finds the guide's alignment in any
    stretch by itself; a change of rate is where the guide's phase is needed.)
    """
    with_guide = without = 0
    for seed in range(10):
        a, phase = _stepped_guide(2 * seed, 2400)
        b, _ = _stepped_guide(2 * seed + 1, 2400, lag_samples=3)
        res = synchrony_from_series(a, b, guide_a=phase, guide_b=phase, rng=seed)
        naive = synchrony_from_series(a, b, rng=seed)
        assert res.wcc_peak_r_mean is not None and res.wcc_peak_r_mean > 0.5  # together by construction
        with_guide += bool(res.above_chance)
        without += bool(naive.above_chance)
    assert with_guide <= 1
    assert without >= 9


def test_results_depend_only_on_the_seed_passed_in() -> None:
    x, y = _shifted_pair(5, 1600, 6, noise=6.0)
    one = synchrony_from_series(x, y, rng=7)
    np.random.seed(12345)  # global state must not matter
    two = synchrony_from_series(x, y, rng=np.random.default_rng(7))
    assert one.surrogate_p95 == two.surrogate_p95 and one.p_surrogate == two.p_surrogate
    other = synchrony_from_series(x, y, rng=8)
    assert other.wcc_peak_r_mean == one.wcc_peak_r_mean  # the observed value draws nothing
    with pytest.raises(ValueError, match="rng must be"):
        synchrony_from_series(x, y, rng=-1)
    with pytest.raises(ValueError, match="n_surrogates"):
        synchrony_from_series(x, y, n_surrogates=5)
    with pytest.raises(ValueError, match="guide_a must have one phase per sample"):
        synchrony_from_series(x, y, guide_a=np.zeros(3))
    with pytest.raises(ValueError, match="non-decreasing"):
        synchrony_from_series(x, y, guide_b=-np.arange(x.size, dtype=float))


# --- shared coherence ----------------------------------------------------------------------------------


def _share_by_scipy(x: FloatArray, f_guide: float, wc: int = 256, step: int = 20) -> float:
    from scipy.signal import periodogram

    shares = []
    for end in range(x.size, wc - 1, -step):
        f, p = periodogram(x[end - wc : end], fs=FS, window="hann", nfft=2048, detrend="linear")
        near = (f >= f_guide - 0.015 - 1e-9) & (f <= f_guide + 0.015 + 1e-9)
        total = (f >= 0.04 - 1e-9) & (f <= 0.26 + 1e-9)
        shares.append(np.trapezoid(p[near], f[near]) / np.trapezoid(p[total], f[total]))
    return float(np.mean(shares))


def test_guide_share_matches_scipy_periodogram_and_in_tune_follows_the_level() -> None:
    a, phase = _guided(11, 1200, 0.1, share=0.8)  # follows a 6/min guide
    rng = np.random.default_rng(12)
    b = 65.0 + _smooth_noise(rng, 1200, tau_s=3.0, sd=3.0)  # its own rhythm
    res = synchrony_from_series(a, b, guide_a=phase, guide_b=phase, rng=0)
    assert res.guide_share_a == pytest.approx(_share_by_scipy(a, 0.1), abs=1e-9)
    assert res.guide_share_b == pytest.approx(_share_by_scipy(b, 0.1), abs=1e-9)
    assert res.guide_share_a is not None and res.guide_share_a > 0.5 and res.in_tune_pct_a == 100.0
    assert res.guide_share_b is not None and res.guide_share_b < 0.5
    assert res.in_tune_pct_b is not None and res.in_tune_pct_b < 20.0
    assert res.shared_coherence_pct == pytest.approx(res.in_tune_pct_b)  # both at once: only when B is
    none = synchrony_from_series(a, b, rng=0)
    assert none.shared_coherence_pct is None and "guide" in none.reasons["shared_coherence_pct"]


# --- from beats: grid, gaps, live warm-up, sessions and segments ------------------------------------


def _beats_from_hr(hr_of_t: FloatArray, t_end: float, seed: int) -> PersonBeats:
    """Beats of a heart whose rate (bpm, sampled at 4 Hz from t = 0) is given, by IPFM."""
    rng = np.random.default_rng(seed)
    t = np.arange(hr_of_t.size) / FS
    phase = np.cumsum(hr_of_t / 60.0 / FS)
    k = np.arange(math.ceil(phase[-1]))
    beat_t = np.interp(k + rng.uniform(0, 1), phase, t)
    beat_t = beat_t[(beat_t > 0) & (beat_t < t_end)]
    return PersonBeats(beat_t[1:], np.diff(beat_t) * 1000.0)


def test_heart_rate_on_grid_follows_the_beats_and_leaves_gaps_empty() -> None:
    t = np.arange(0, 600, 0.25)
    hr = 65 + 5 * np.sin(2 * np.pi * 0.1 * t)
    beats = _beats_from_hr(hr, 600.0, 1)
    bt = np.asarray(beats.t_s)
    rr = np.asarray(beats.rr_ms)
    grid = np.arange(10.0, 590.0, 0.25)
    got = heart_rate_on_grid(beats, grid)
    assert np.all(np.isfinite(got))
    # Close to the instantaneous rate 60000/RR interpolated at the grid (the spline is smoother).
    assert np.max(np.abs(got - np.interp(grid, bt, 60000.0 / rr))) < 1.0
    # A 20 s drop-out flagged as a gap, and an impossible RR, leave holes, never invented beats.
    keep = (bt < 200) | (bt > 220)
    brk = np.zeros(int(keep.sum()), dtype=bool)
    brk[np.argmax(bt[keep] > 220)] = True
    rr2 = rr[keep].copy()
    rr2[400] = 5000.0
    holed = heart_rate_on_grid(PersonBeats(bt[keep], rr2, brk), grid)
    assert np.isnan(holed[(grid > 201) & (grid < 219)]).all()
    bad_t = bt[keep][400]
    assert np.isnan(holed[(grid > bad_t - 0.2) & (grid < bad_t)]).all()
    assert np.isfinite(holed[(grid > 230) & (grid < bad_t - 5)]).all()


def test_live_warms_up_in_plain_words_then_answers() -> None:
    t = np.arange(0, 400, 0.25)
    hr_a = 65 + 5 * np.sin(2 * np.pi * 0.1 * t) + 2 * np.sin(2 * np.pi * 0.023 * t)
    hr_b = 70 + 5 * np.sin(2 * np.pi * 0.1 * (t - 2.0)) + 2 * np.sin(2 * np.pi * 0.023 * (t - 2.0))
    a = _beats_from_hr(hr_a, 400.0, 1)
    b = _beats_from_hr(hr_b, 400.0, 2)
    early = synchrony_live(a, b, now_s=75.0)
    assert early.above_chance is None and early.wcc_peak_r_mean is None and early.n_surrogates == 0
    assert early.reason is not None and "two minutes" in early.reason and "so far" in early.reason
    assert describe(early) == early.reason
    assert early.reasons["surrogate_p95"] == early.reason
    later = synchrony_live(a, b, now_s=300.0)
    assert later.reason is None and later.t_start_s == pytest.approx(180.0) and later.t_end_s == 300.0
    assert later.n_windows >= 15 and later.n_surrogates == 500
    assert later.wcc_lag_s_median == pytest.approx(2.0, abs=0.5)  # B's rate is A's 2 s later
    only_a = synchrony_live(a, PersonBeats([], []), now_s=300.0)
    assert only_a.reason is not None and only_a.above_chance is None


def test_a_gap_in_one_strap_is_said_calmly() -> None:
    t = np.arange(0, 300, 0.25)
    a = _beats_from_hr(65 + 5 * np.sin(2 * np.pi * 0.1 * t), 300.0, 3)
    b = _beats_from_hr(68 + 5 * np.sin(2 * np.pi * 0.1 * t), 300.0, 4)
    bt, br = np.asarray(b.t_s), np.asarray(b.rr_ms)
    keep = (bt < 200) | (bt > 280)  # 80 s without beats from B
    res = synchrony_live(a, PersonBeats(bt[keep], br[keep]), now_s=290.0)
    assert res.above_chance is None and res.reason == "waiting for steady beats from both straps"


def test_session_and_segments() -> None:
    t = np.arange(0, 900, 0.25)
    rng = np.random.default_rng(5)
    common = _smooth_noise(rng, t.size, tau_s=3.0, sd=4.0)
    hr_a = 65 + common
    # B follows A by 3 s during 300-600 s only; elsewhere B has its own wander.
    own = _smooth_noise(rng, t.size, tau_s=3.0, sd=4.0)
    lagged = np.interp(t - 3.0, t, common)
    mix = np.where((t >= 300) & (t < 600), lagged, own)
    a = _beats_from_hr(hr_a, 900.0, 6)
    b = _beats_from_hr(70 + mix, 900.0, 7)
    out = synchrony_session(
        a,
        b,
        segments=[
            ("apart", 0.0, 300.0),
            ("together", 300.0, 600.0),
            ("apart again", 600.0, 900.0),
            ("short", 0, 60),
        ],
    )
    labels = [s.label for s in out.segments]
    assert labels == ["apart", "together", "apart again", "short"]
    apart, together, again, short = (s.result for s in out.segments)
    assert together.above_chance is True and together.wcc_lag_s_median == pytest.approx(3.0, abs=0.5)
    assert apart.above_chance is False and again.above_chance is False
    assert short.above_chance is None and short.reason is not None and "two minutes" in short.reason
    assert out.whole.t_start_s >= 0.0 and out.whole.t_end_s <= 900.0 and out.whole.n_windows > 100
    assert together.t_start_s >= 300.0 - 1e-9 and together.t_end_s <= 600.0 + 1e-9


# --- words ----------------------------------------------------------------------------------------


def _result(**kw: object) -> SynchronyResult:
    base: dict[str, object] = {
        "t_start_s": 0.0,
        "t_end_s": 120.0,
        "n_windows": 17,
        "wcc_peak_r_mean": 0.8,
        "wcc_lag_s_median": 3.0,
        "wcc_clear_peak_pct": 90.0,
        "surrogate_p95": 0.6,
        "above_chance": True,
        "n_surrogates": 500,
        "p_surrogate": 0.0,
        "shared_coherence_pct": 80.0,
        "in_tune_pct_a": 90.0,
        "in_tune_pct_b": 85.0,
        "guide_share_a": 0.7,
        "guide_share_b": 0.6,
    }
    base.update(kw)
    return SynchronyResult(**base)  # type: ignore[arg-type]


FORBIDDEN = re.compile(
    r"\b(out of sync|sync\w*|fail\w*|poor|bad|wrong|score|low|worse|should|not)\b|%", re.IGNORECASE
)


@pytest.mark.parametrize(
    ("kw", "expected"),
    [
        ({}, "Moving together: Sam's heart rhythm follows Alex's by about 3 s; both in tune with the guide"),
        (
            {"wcc_lag_s_median": -2.4, "shared_coherence_pct": 10.0},
            "Moving together: Alex's heart rhythm follows Sam's by about 2 s",
        ),
        (
            {"wcc_lag_s_median": 0.25, "shared_coherence_pct": None},
            "Moving together: hearts moving at about the same moment",
        ),
        ({"above_chance": False}, "Both with the guide, each in your own rhythm"),
        ({"above_chance": False, "shared_coherence_pct": None}, "Each in your own rhythm right now"),
        (
            {
                "above_chance": None,
                "reason": "the together view starts after two minutes of both hearts (45 s so far)",
            },
            "the together view starts after two minutes of both hearts (45 s so far)",
        ),
    ],
)
def test_words_are_calm_and_never_a_score(kw: dict[str, object], expected: str) -> None:
    text = describe(_result(**kw), names=("Alex", "Sam"))
    assert text == expected
    assert FORBIDDEN.search(text) is None, text


def test_every_phrase_is_calm() -> None:
    for phrase in WORDS.values():
        assert FORBIDDEN.search(phrase) is None, phrase


def test_summary_keys_for_the_json_output() -> None:
    d = _result().as_dict()
    for key in (
        "wcc_peak_r_mean",
        "wcc_lag_s_median",
        "surrogate_p95",
        "above_chance",
        "shared_coherence_pct",
    ):
        assert key in d
    assert d["above_chance"] is True and d["n_surrogates"] == 500


# --- degenerate input -------------------------------------------------------------------------------


@settings(max_examples=25, deadline=None)
@given(
    seed=st.integers(0, 2**16),
    n=st.integers(0, 700),
    gap_at=st.integers(0, 700),
    gap_len=st.integers(0, 300),
    constant=st.booleans(),
)
def test_any_series_gives_a_result_in_range_never_an_error(
    seed: int, n: int, gap_at: int, gap_len: int, constant: bool
) -> None:
    rng = np.random.default_rng(seed)
    a = 65.0 + _smooth_noise(rng, n) if n else np.empty(0)
    b = 70.0 + _smooth_noise(rng, n) if n else np.empty(0)
    b[gap_at : gap_at + gap_len] = np.nan
    if constant:
        a[: n // 2] = 60.0
    res = synchrony_from_series(a, b, rng=seed, n_surrogates=50)
    if res.above_chance is None:
        assert res.reason is not None or "above_chance" in res.reasons
    for v in (res.wcc_peak_r_mean, res.surrogate_p95):
        assert v is None or -1.0 <= v <= 1.0
    for pct in (res.wcc_clear_peak_pct, res.shared_coherence_pct):
        assert pct is None or 0.0 <= pct <= 100.0
    assert res.wcc_lag_s_median is None or -5.0 <= res.wcc_lag_s_median <= 5.0


def test_the_per_window_null_band_is_numpys_95th_percentile() -> None:
    from vagal.hrv.synchrony import _row_percentile_95

    rng = np.random.default_rng(3)
    x = rng.random((8, 64))
    x[0, 30:] = np.nan
    x[1, 10:] = np.nan  # fewer than 20: no band
    got = _row_percentile_95(x, min_count=20)
    np.testing.assert_allclose(
        got[[0, *range(2, 8)]], np.nanpercentile(x[[0, *range(2, 8)]], 95.0, axis=1), rtol=1e-12
    )
    assert np.isnan(got[1])
