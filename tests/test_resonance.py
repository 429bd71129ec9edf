"""Resonance-frequency assessment scoring: known answers per criterion, the choice, honesty.

Known answers: beats are made from a heart rate with a known sinusoid by integral pulse
frequency modulation (a beat each time ∫HR/60 dt reaches a whole number), so each RR
interval's mean heart rate is exactly 60/RR; the expected amplitude, phase, power and
share are worked out here from first principles (the guide's cosine ease is integrated
here, not taken from the pacer). The choice is checked on hand-made step scores with
hand-computed weighted sums. The whole assessment is proved on the simulator
(tests/test_resonance_sim.py) and on real unpaced recordings (below).
"""

from __future__ import annotations

import itertools
import json
import math
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

from tests.conftest import SHARED_DATA, load_rr
from vagal.hrv.resonance import (
    CLEAR_MARGIN,
    WEIGHTS,
    ResonanceResult,
    StepScore,
    choose,
    describe,
    score_assessment,
    score_recordings,
    step_criteria,
)
from vagal.pacer import PRESETS, pattern_at_rate, resonance_schedule

FloatArray = npt.NDArray[np.float64]


def beats_from_hr(hr: Callable[[FloatArray], FloatArray], duration_s: float) -> tuple[FloatArray, FloatArray]:
    """Beat times and RR (ms) of a heart whose rate is ``hr(t)`` bpm (IPFM, 0.5 ms steps)."""
    dt = 5e-4
    t = np.arange(0.0, duration_s, dt)
    beats_done = np.concatenate(([0.0], np.cumsum(0.5 * (hr(t[1:]) + hr(t[:-1])) / 60.0 * dt)))
    k = np.arange(1.0, math.floor(beats_done[-1]))
    tb = np.interp(k, beats_done, t)
    return tb[1:], np.diff(tb) * 1000.0


def beats_from_rr(rr: Callable[[float], float], duration_s: float) -> tuple[FloatArray, FloatArray]:
    """Beats whose RR interval is ``rr(time of the previous beat)`` ms."""
    ts, rs = [], []
    t = 0.0
    while t < duration_s:
        r = rr(t)
        t += r / 1000.0
        ts.append(t)
        rs.append(r)
    return np.asarray(ts), np.asarray(rs)


def ease_volume_fundamental(inhale_fraction: float) -> complex:
    """Σ v(u)·e^{-2πiu} du over one breath of the guide's cosine ease (in, then out, no holds)."""
    u = (np.arange(200_000) + 0.5) / 200_000
    x = inhale_fraction
    v = np.where(u < x, 0.5 - 0.5 * np.cos(np.pi * u / x), 0.5 + 0.5 * np.cos(np.pi * (u - x) / (1 - x)))
    return complex(np.mean(v * np.exp(-2j * np.pi * u)))


def sinc(x: float) -> float:
    return math.sin(math.pi * x) / (math.pi * x)


RATE = 6.0
F_G = RATE / 60.0
T0 = 40.0  # a breath start of the guide
T1 = T0 + 120.0
HR0 = 65.0
RR0_S = 60.0 / HR0
PATTERN = pattern_at_rate(PRESETS["resonance"], RATE)


# --- known answers, one criterion at a time ------------------------------------------------


@pytest.mark.parametrize("alpha_deg", [0.0, 60.0, -90.0, 150.0])
def test_rsa_phase_and_rate_of_a_known_sinusoid(alpha_deg: float) -> None:
    amp = 6.0  # bpm: a 12 bpm peak-to-trough swing
    alpha = math.radians(alpha_deg)
    t, rr = beats_from_hr(lambda x: HR0 + amp * np.cos(2 * np.pi * F_G * (x - T0) + alpha), 200.0)
    c = step_criteria(t, rr, rate_per_min=RATE, scored_from_s=T0, end_s=T1, pattern=PATTERN)
    # Each interval's mean rate: the sinusoid averaged over ~0.92 s (a sinc attenuation).
    assert c.rsa_bpm == pytest.approx(2 * amp * sinc(F_G * RR0_S), rel=0.02)
    expected = math.degrees(alpha - np.angle(ease_volume_fundamental(0.4)))
    assert ((c.phase_deg or 0.0) - expected + 180.0) % 360.0 - 180.0 == pytest.approx(0.0, abs=2.0)
    assert c.phase_consistency == pytest.approx(1.0, abs=0.01)
    assert c.breathing_rate_per_min == pytest.approx(RATE, abs=0.1)
    assert c.lf_peak_hz == pytest.approx(F_G, abs=0.002)
    assert (c.smoothness or 0.0) > 0.99 and (c.guide_locked or 0.0) > 0.99


def test_hr_leading_the_guide_by_a_quarter_breath_is_plus_90() -> None:
    """Sign convention: heart rate peaking 2.5 s (a quarter breath) before the lungs are full is +90°."""
    z = ease_volume_fundamental(0.4)
    peak_u = -np.angle(z) / (2 * np.pi)  # where the guide's fundamental peaks, in breaths
    lead = 0.25
    t, rr = beats_from_hr(lambda x: HR0 + 5 * np.cos(2 * np.pi * (F_G * (x - T0) - (peak_u - lead))), 200.0)
    c = step_criteria(t, rr, rate_per_min=RATE, scored_from_s=T0, end_s=T1, pattern=PATTERN)
    assert c.phase_deg == pytest.approx(90.0, abs=2.0)


def test_lf_peak_power_and_height_of_a_known_rr_sinusoid() -> None:
    b = 40.0  # ms
    t, rr = beats_from_rr(lambda x: 900.0 + b * math.cos(2 * math.pi * F_G * x), 200.0)
    c = step_criteria(t, rr, rate_per_min=RATE, scored_from_s=T0, end_s=T1, pattern=PATTERN)
    power = b * b / 2.0  # ms²: a sinusoid's variance
    window_s = (math.floor(120.0 * 4 + 1e-9) + 1) / 4.0
    # A Hann window's main lobe (±2/T = ±0.017 Hz) mostly fits in ±0.015 Hz ...
    assert 0.90 * power <= (c.lf_peak_ms2 or 0.0) <= 1.0 * power
    # ... and a one-sided Hann density peaks at A²·T/3 (Σw = N/2, Σw² = 3N/8).
    assert c.lf_peak_height_ms2_per_hz == pytest.approx(b * b * window_s / 3.0, rel=0.04)
    assert c.peak_concentration == pytest.approx(1.0, abs=0.05)


@pytest.mark.parametrize("f2_hz", [0.2, 0.13])
def test_concentration_is_the_share_at_the_guide(f2_hz: float) -> None:
    """A second rhythm 0.1 or 0.03 Hz from the guide: outside the ±0.015 Hz window either way."""
    b1, b2 = 40.0, 30.0  # ms at the guide (0.1 Hz) and at f2
    t, rr = beats_from_rr(
        lambda x: 900.0 + b1 * math.cos(2 * math.pi * F_G * x) + b2 * math.cos(2 * math.pi * f2_hz * x), 200.0
    )
    c = step_criteria(t, rr, rate_per_min=RATE, scored_from_s=T0, end_s=T1, pattern=PATTERN)
    assert c.peak_concentration == pytest.approx(b1**2 / (b1**2 + b2**2), abs=0.05)
    assert c.lf_peak_hz == pytest.approx(F_G, abs=0.002)


@pytest.mark.parametrize("f2_hz", [0.137, 0.22])
def test_smoothness_is_the_share_of_variance_at_the_guide(f2_hz: float) -> None:
    """A second, unrelated rhythm inside (0.137 Hz) or outside (0.22 Hz) the breath band."""
    a, c2 = 5.0, 3.0
    t, rr = beats_from_hr(
        lambda x: HR0 + a * np.cos(2 * np.pi * F_G * (x - T0)) + c2 * np.cos(2 * np.pi * f2_hz * x), 200.0
    )
    crit = step_criteria(t, rr, rate_per_min=RATE, scored_from_s=T0, end_s=T1, pattern=PATTERN)
    a_eff, c_eff = a * sinc(F_G * RR0_S), c2 * sinc(f2_hz * RR0_S)
    assert crit.smoothness == pytest.approx(a_eff**2 / (a_eff**2 + c_eff**2), abs=0.03)


def test_without_the_guides_timing_there_is_no_phase() -> None:
    t, rr = beats_from_hr(lambda x: HR0 + 5 * np.cos(2 * np.pi * F_G * (x - 3.3)), 200.0)
    c = step_criteria(t, rr, rate_per_min=RATE, scored_from_s=T0, end_s=T1, pattern=None)
    assert c.phase_deg is None
    assert c.phase_consistency == pytest.approx(1.0, abs=0.01)  # still locked to a steady 6/min
    assert c.rsa_bpm == pytest.approx(10 * sinc(F_G * RR0_S), rel=0.02)


def test_too_short_a_window_gives_nothing() -> None:
    t, rr = beats_from_hr(lambda x: HR0 + 0 * x, 60.0)
    c = step_criteria(t, rr, rate_per_min=RATE, scored_from_s=10.0, end_s=11.0, pattern=PATTERN)
    assert c.rsa_bpm is None and c.lf_peak_ms2 is None and c.phase_deg is None


# --- the choice -----------------------------------------------------------------------------


def _step(i: int, rate: float, **kw: float | bool | str | None) -> StepScore:
    base: dict[str, float | bool | str | None] = {
        "followed": True, "reason": None, "breathing_rate_per_min": rate, "rsa_bpm": 10.0,
        "lf_peak_hz": rate / 60, "lf_peak_ms2": 2000.0, "lf_peak_height_ms2_per_hz": 1e5,
        "peak_concentration": 0.8, "phase_deg": 0.0, "phase_consistency": 0.95, "smoothness": 0.8,
        "guide_locked": 0.9,
    }  # fmt: skip
    base.update(kw)
    return StepScore(
        index=i, rate_per_min=rate, start_s=0.0, scored_from_s=0.0, end_s=1.0, beats=130, artifact_pct=0.0,
        **base,  # type: ignore[arg-type]
    )  # fmt: skip


def test_weights_sum_to_one_and_amplitude_leads() -> None:
    assert sum(WEIGHTS.values()) == pytest.approx(1.0)
    assert WEIGHTS["rsa"] + WEIGHTS["lf_peak_power"] + WEIGHTS["lf_peak_height"] == pytest.approx(0.70)


def test_combined_score_by_hand() -> None:
    steps = [
        _step(0, 6.0, rsa_bpm=8.0, lf_peak_ms2=1000.0, phase_deg=-60.0),
        _step(1, 5.5, rsa_bpm=10.0, lf_peak_ms2=2000.0, phase_deg=0.0),
        _step(2, 5.0, rsa_bpm=9.0, lf_peak_ms2=1500.0, phase_deg=30.0, smoothness=0.4),
    ]
    res = choose(steps)
    w = WEIGHTS
    rest = w["lf_peak_height"] + w["concentration"]  # equal everywhere: 1 each
    s0 = w["rsa"] * 0.8 + w["lf_peak_power"] * 0.5 + rest + w["smoothness"] + w["phase"] * 0.75
    s1 = w["rsa"] + w["lf_peak_power"] + rest + w["smoothness"] + w["phase"]
    s2 = w["rsa"] * 0.9 + w["lf_peak_power"] * 0.75 + rest + w["smoothness"] * 0.5
    s2 += w["phase"] * 0.5 * (1 + math.cos(math.radians(30)))
    assert [s.score for s in res.steps] == pytest.approx([s0, s1, s2])
    assert res.best_rate_per_min == 5.5
    assert res.margin == pytest.approx(s1 - max(s0, s2))
    assert res.confidence == ("clear" if s1 - max(s0, s2) >= CLEAR_MARGIN else "close")


def test_clear_and_close() -> None:
    clear = choose(
        [
            _step(0, 6.0, rsa_bpm=5.0, lf_peak_ms2=1000.0),
            _step(1, 5.5),
            _step(2, 5.0, rsa_bpm=5.0, lf_peak_ms2=1000.0),
        ]
    )
    assert clear.confidence == "clear" and clear.summary == "5.5 clearly"
    assert clear.close_rates_per_min == (5.5,)
    close = choose([_step(0, 6.0, rsa_bpm=4.0), _step(1, 5.5, rsa_bpm=10.0), _step(2, 5.0, rsa_bpm=9.9)])
    assert close.confidence == "close"
    assert close.close_rates_per_min == (5.5, 5.0)
    assert close.summary == "5.5 or 5: close"
    three = choose([_step(0, 6.0, rsa_bpm=9.8), _step(1, 5.5), _step(2, 5.0, rsa_bpm=9.9)])
    assert three.summary == "5.5, 5 or 6: close"
    assert "every rate that could be compared" in describe(three)  # all three within the margin
    four = choose([*three.steps, _step(3, 4.5, rsa_bpm=2.0)])
    assert four.summary == "5.5, 5 or 6: close"
    assert "5.5, 5 or 6 breaths a minute" in describe(four)


def test_steps_not_followed_are_left_out_of_the_choice() -> None:
    steps = [
        _step(0, 6.5),
        _step(1, 6.0, rsa_bpm=30.0, followed=False, reason="not followed"),  # would win
        _step(2, 5.5, rsa_bpm=9.0),
        _step(3, 5.0, rsa_bpm=8.0),
    ]
    res = choose(steps)
    assert res.best_rate_per_min == 6.5
    assert res.steps[1].score is None and res.steps[1].reason == "not followed"


def test_too_few_followed_steps_give_no_result() -> None:
    steps = [_step(0, 6.5), _step(1, 6.0, followed=False), _step(2, 5.5, followed=False), _step(3, 5.0)]
    res = choose(steps)
    assert res.best_rate_per_min is None and res.confidence is None
    assert res.reason is not None and "only 2 of 4 steps" in res.reason
    assert res.summary == "no result"
    none = choose([replace(s, followed=False) for s in steps])
    assert none.reason is not None and "no step" in none.reason
    single = choose([_step(0, 6.0)])
    assert single.best_rate_per_min is None


def test_a_rate_breathed_twice_counts_its_better_step() -> None:
    steps = [_step(0, 5.75, rsa_bpm=9.0), _step(1, 5.5, rsa_bpm=10.0), _step(2, 5.25, rsa_bpm=7.0),
             _step(3, 5.5, rsa_bpm=6.0)]  # fmt: skip
    res = choose(steps)
    assert res.best_rate_per_min == 5.5


def test_without_the_guide_the_phase_weight_is_shared_out() -> None:
    steps = [
        _step(0, 6.0, phase_deg=None),
        _step(1, 5.5, phase_deg=None, rsa_bpm=12.0),
        _step(2, 5.0, phase_deg=None),
    ]
    res = choose(steps, guided=False)
    assert "phase" not in res.weights
    assert sum(res.weights.values()) == pytest.approx(1.0)
    assert res.steps[1].score == pytest.approx(1.0)


def test_json_has_the_issues_fields() -> None:
    res = choose(
        [_step(0, 6.0, rsa_bpm=6.0), _step(1, 5.5), _step(2, 5.0, followed=False, reason="x"), _step(3, 4.5)]
    )
    d = json.loads(json.dumps(res.to_dict(), allow_nan=False))
    assert {"steps", "best_rate_per_min", "confidence", "sentence"} <= d.keys()
    for key in (
        "rate_per_min",
        "rsa_bpm",
        "lf_peak_ms2",
        "lf_peak_hz",
        "peak_concentration",
        "phase_deg",
        "followed",
    ):
        assert key in d["steps"][0]
    assert d["best_rate_per_min"] == 5.5 and d["steps"][2]["followed"] is False


def test_plain_words_are_kind_and_honest() -> None:
    res = choose([_step(0, 6.0, rsa_bpm=5.0), _step(1, 5.5), _step(2, 5.0, rsa_bpm=5.0)])
    text = describe(res)
    assert "5.5" in text and "clearly" in text
    assert "day to day" in text and "two people in three" in text  # Capdevila et al. 2021
    assert "guide" in text
    none = describe(choose([_step(0, 6.0, followed=False, reason="r")] * 3))
    assert "No breathing rate was chosen" in none and "try again" in none
    for words in (text, none):
        low = words.lower()
        assert not any(p in low for p in ("try harder", "should have", "failed", "poor", "bad ", "!"))


# --- honesty on whole recordings --------------------------------------------------------


def _paced_beats(schedule_end_s: float, seed: int = 0) -> tuple[FloatArray, FloatArray]:
    """A heart rate that swings with the schedule's guide (a toy follower, no noise model)."""
    sched = resonance_schedule()
    pacer = sched.pacer()
    grid = np.arange(0.0, schedule_end_s, 0.05)
    vol = np.array([pacer.volume_at(float(x)) for x in grid])
    rng = np.random.default_rng(seed)
    wander = np.cumsum(rng.standard_normal(grid.size)) * 0.02
    return beats_from_hr(
        lambda x: HR0 + 10 * np.interp(x, grid, vol) + np.interp(x, grid, wander), schedule_end_s
    )


def test_missing_beats_and_artifacts_leave_a_step_out() -> None:
    sched = resonance_schedule()
    t, rr = _paced_beats(sched.end_s + 2)
    ok = score_assessment(t, rr, sched.steps)
    assert all(s.followed for s in ok.steps), [s.reason for s in ok.steps]
    # A 20 s drop-out in step 2 and a burst of spurious beats in step 4.
    s2, s4 = sched.steps[1], sched.steps[3]
    drop = (t > s2.scored_from_s + 30) & (t < s2.scored_from_s + 50)
    keep = ~drop
    t2, rr2 = t[keep], rr[keep].copy()
    breaks = np.zeros(t2.size, dtype=bool)
    breaks[np.flatnonzero(t2 >= s2.scored_from_s + 50)[0]] = True  # the first beat after the drop-out
    burst = np.flatnonzero((t2 > s4.scored_from_s + 10) & (t2 < s4.scored_from_s + 100))[::8]
    rr2[burst] *= 0.45  # an extra detection splits the interval (the beat time stays)
    res = score_assessment(t2, rr2, sched.steps, breaks=breaks)
    assert not res.steps[1].followed and "lost the heartbeat" in (res.steps[1].reason or "")
    assert not res.steps[3].followed and "needed correcting" in (res.steps[3].reason or "")
    assert res.steps[0].followed and res.steps[2].followed and res.steps[4].followed
    assert res.best_rate_per_min is not None  # three steps remain


def _record_100() -> tuple[FloatArray, FloatArray]:
    wfdb = pytest.importorskip("wfdb")
    path = SHARED_DATA / "100"
    if not (SHARED_DATA / "100.atr").exists():
        pytest.skip("MIT-BIH record 100 is not in ../shared/data")
    ann = wfdb.rdann(str(path), "atr")
    beats = np.isin(np.asarray(ann.symbol), ["N", "A", "V", "L", "R", "/", "a", "J", "S", "F", "e", "j", "E"])
    t = ann.sample[beats] / float(ann.fs)
    return t[1:], np.diff(t) * 1000.0


def _nsr_1h() -> tuple[FloatArray, FloatArray]:
    path = SHARED_DATA / "pyhrv_nsr_1h.csv"
    if not path.exists():
        pytest.skip("pyhrv_nsr_1h.csv is not in ../shared/data")
    rr = load_rr(Path(path))
    return np.cumsum(rr) / 1000.0, rr


@pytest.mark.parametrize("name", ["pyhrv_nsr_1h", "mitbih_100"])
def test_real_unpaced_recordings_are_not_followed_and_give_no_result(name: str) -> None:
    """Real people breathing on their own: no step is taken as breathed with the guide."""
    t, rr = _nsr_1h() if name == "pyhrv_nsr_1h" else _record_100()
    sched = resonance_schedule()
    offsets = np.arange(0.0, float(t[-1]) - sched.end_s - 5.0, 300.0)
    assert offsets.size >= 3
    followed = 0
    for off in offsets:
        steps = resonance_schedule(start_s=float(off) + float(t[0])).steps
        res = score_assessment(t, rr, steps)
        assert res.best_rate_per_min is None, (off, res.summary, [s.reason for s in res.steps])
        followed += res.followed_steps
    # Unguided breathing may line up with one rate now and then; never with the assessment.
    assert followed <= offsets.size, followed


def test_real_5_minutes_as_one_file_per_rate_give_no_result(nsr_5min: FloatArray) -> None:
    t = np.cumsum(nsr_5min) / 1000.0
    cuts = np.linspace(t[0], t[-1], 6)
    files = [(t[(t >= a) & (t < b)], nsr_5min[(t >= a) & (t < b)]) for a, b in itertools.pairwise(cuts)]
    res = score_recordings(files, [6.5, 6.0, 5.5, 5.0, 4.5])
    assert res.best_rate_per_min is None
    assert isinstance(res, ResonanceResult) and not res.guided


def test_score_recordings_checks_its_input() -> None:
    with pytest.raises(ValueError, match="one rate per recording"):
        score_recordings([(np.arange(5.0), np.full(5, 1000.0))], [6.0, 5.5])
    with pytest.raises(ValueError, match="settle_s"):
        score_recordings([(np.arange(5.0), np.full(5, 1000.0))], [6.0], settle_s=-1.0)
    with pytest.raises(ValueError, match="strictly increasing"):
        score_assessment(np.array([1.0, 1.0, 2.0]), np.full(3, 1000.0), resonance_schedule().steps)
    tiny = score_recordings([(np.arange(3.0), np.full(3, 1000.0))] * 3, [6.0, 5.5, 5.0])
    assert tiny.best_rate_per_min is None and tiny.steps[0].reason == "the recording holds too few beats"
