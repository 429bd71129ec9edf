"""The breathing pacer: preset timings, parse_pace, and continuity across ramps and changes.

Known answers come from first principles (a 4 s inhale at 6/min ends at 4 s; a cosine
ease is 0.5 at half time); continuity is property-tested with hypothesis.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vagal.errors import VagalError
from vagal.events import PacerChanged
from vagal.pacer import (
    MAX_RATE_PER_MIN,
    PRESETS,
    SAFE_MIN_CYCLE_S,
    BreathPattern,
    PaceError,
    Pacer,
    parse_pace,
)

# --- presets and parse_pace ------------------------------------------------------------


def test_resonance_is_default_and_4_in_6_out() -> None:
    p = Pacer()
    assert p.pattern is PRESETS["resonance"]
    assert (p.pattern.inhale_s, p.pattern.exhale_s) == (4.0, 6.0)
    assert p.pattern.rate_per_min == pytest.approx(6.0)
    assert not p.pattern.has_holds


@pytest.mark.parametrize(
    ("name", "rate_per_min", "holds"),
    [
        ("resonance", 6.0, False),
        ("coherent", 5.5, False),
        ("box", 60.0 / 16.0, True),
        ("4-7-8", 60.0 / 19.0, True),
        ("sigh", 5.0, False),
        ("calm", 60.0 / 8.5, False),
    ],
)
def test_preset_rates(name: str, rate_per_min: float, holds: bool) -> None:
    pat = PRESETS[name]
    assert pat.rate_per_min == pytest.approx(rate_per_min)
    assert pat.has_holds is holds
    assert pat.name == name


def test_slow_presets_keep_the_safety_envelope() -> None:
    for pat in PRESETS.values():
        assert pat.cycle_s >= SAFE_MIN_CYCLE_S, pat


def test_box_and_478_phase_timings() -> None:
    p = Pacer(PRESETS["box"])
    expect = [(2, "inhale"), (6, "hold_in"), (10, "exhale"), (14, "hold_out"), (18, "inhale")]
    for t, phase in expect:
        st_ = p.state_at(t)
        assert st_.phase == phase, (t, st_)
        assert st_.phase_elapsed_s == pytest.approx(2.0)
        assert st_.phase_remaining_s == pytest.approx(2.0)
    p = Pacer(PRESETS["4-7-8"])
    assert p.state_at(3.9).phase == "inhale"
    assert p.state_at(4.1).phase == "hold_in"
    assert p.state_at(10.9).phase == "hold_in"
    assert p.state_at(11.1).phase == "exhale"
    assert p.state_at(18.9).phase == "exhale"
    assert p.state_at(19.1).phase == "inhale"
    assert p.state_at(19.1).cycle == 1


def test_resonance_volume_is_a_cosine_ease() -> None:
    p = Pacer()
    assert p.volume_at(0.0) == pytest.approx(0.0)
    assert p.volume_at(2.0) == pytest.approx(0.5)  # half the 4 s inhale
    assert p.volume_at(4.0) == pytest.approx(1.0)
    assert p.volume_at(7.0) == pytest.approx(0.5)  # half the 6 s exhale
    assert p.volume_at(10.0) == pytest.approx(0.0, abs=1e-12)
    s = p.state_at(25.0)
    assert (s.cycle, s.phase, s.phase_elapsed_s, s.phase_remaining_s) == (2, "exhale", 1.0, 5.0)


def test_sigh_is_a_double_inhale_then_a_long_exhale() -> None:
    p = Pacer(PRESETS["sigh"])
    t = np.linspace(0.0, 4.0, 401)
    v = np.array([p.volume_at(x) for x in t])
    dv = np.diff(v)
    assert np.all(dv >= -1e-12), "the inhale only fills"
    # Two pulls: the fill rate has two maxima separated by a near-stop.
    pause = int(np.argmin(dv[100:380])) + 100
    assert dv[pause] < 0.1 * dv.max()
    assert 0.6 < v[pause] < 0.9
    assert p.state_at(5.0).phase == "exhale"
    assert p.state_at(5.0).phase_remaining_s == pytest.approx(7.0)


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("6", (4.0, 6.0, 0.0, 0.0)),
        ("5.5", (0.4 * 60 / 5.5, 0.6 * 60 / 5.5, 0.0, 0.0)),
        (" 12 ", (2.0, 3.0, 0.0, 0.0)),
        ("4:6", (4.0, 6.0, 0.0, 0.0)),
        ("4:6:2", (4.0, 6.0, 2.0, 0.0)),
        ("4:4:4:4", (4.0, 4.0, 4.0, 4.0)),
        ("BOX", (4.0, 4.0, 4.0, 4.0)),
        ("4-7-8", (4.0, 8.0, 7.0, 0.0)),
    ],
)
def test_parse_pace(spec: str, expected: tuple[float, float, float, float]) -> None:
    pat = parse_pace(spec)
    assert (pat.inhale_s, pat.exhale_s, pat.hold_in_s, pat.hold_out_s) == pytest.approx(expected)


def test_parse_pace_presets_are_the_presets() -> None:
    for name, pat in PRESETS.items():
        assert parse_pace(name) is pat


@pytest.mark.parametrize(
    ("spec", "match"),
    [
        ("fast", r"preset \(resonance, coherent, calm, box, 4-7-8, sigh\).*got 'fast'"),
        ("", "got ''"),
        ("1", "2 to 30 breaths/min; got '1'"),
        ("31", "2 to 30 breaths/min; got '31'"),
        ("nan", "2 to 30"),
        ("-6", "2 to 30"),
        ("4:x", "IN:OUT"),
        ("4", "IN:OUT"),  # 4/min is fine ...
        ("4:6:1:1:1", "IN:OUT"),
        ("0:6", "inhale_s must be .* > 0"),
        ("4:-1", "exhale_s"),
        ("4:6:-2", "hold_in_s"),
        ("1:0.5", "breaths/min"),  # 40/min
        ("30:30", "breaths/min"),  # 1/min
    ],
)
def test_parse_pace_rejects_with_a_clear_message(spec: str, match: str) -> None:
    if spec == "4":
        assert parse_pace(spec).rate_per_min == pytest.approx(4.0)  # ... a rate, not an error
        return
    with pytest.raises(ValueError, match=match) as info:
        parse_pace(spec)
    assert isinstance(info.value, VagalError)  # the CLI renders it as one line
    assert "\n" not in str(info.value)


def test_rate_spec_has_no_holds_and_ratio_2_to_3() -> None:
    for rate in (2.0, 4.5, 6.0, 10.0, MAX_RATE_PER_MIN):
        pat = parse_pace(f"{rate:g}")
        assert not pat.has_holds
        assert pat.inhale_s / pat.exhale_s == pytest.approx(2 / 3)
        assert pat.rate_per_min == pytest.approx(rate)


def test_bad_ramp_rate_is_refused() -> None:
    with pytest.raises(PaceError, match="ramp_from_per_min must be 2 to 30"):
        Pacer(ramp_from_per_min=60.0)
    with pytest.raises(PaceError, match="ramp_s"):
        Pacer(ramp_from_per_min=12.0, ramp_s=-1.0)


def test_event_round_trip() -> None:
    for pat in [*PRESETS.values(), parse_pace("4:6:1:2")]:
        ev = pat.to_event(3.0)
        assert isinstance(ev, PacerChanged)
        assert ev.rate_per_min == pytest.approx(pat.rate_per_min)
        assert BreathPattern.from_event(ev) == pat
    assert Pacer(PRESETS["box"], start_s=5.0).start_event() == PRESETS["box"].to_event(5.0)


# --- ramps and changes ---------------------------------------------------------------------


def test_ramp_goes_gently_from_own_rate_to_target() -> None:
    p = Pacer(PRESETS["resonance"], ramp_from_per_min=14.0, ramp_s=120.0)
    assert p.rate_at(0.0) == pytest.approx(14.0)
    assert p.rate_at(60.0) == pytest.approx(10.0)
    assert p.rate_at(120.0) == pytest.approx(6.0)
    assert p.rate_at(500.0) == pytest.approx(6.0)
    # The phase is the integral of the rate: (14 + 6)/2 breaths/min over 2 min = 20 breaths.
    assert p.phase_at(120.0) == pytest.approx(20.0)
    assert p.state_at(120.0 + 1e-9).cycle == 20
    # Rate never changes by more than (14 - 6)/120 per second.
    t = np.linspace(0, 200, 2001)
    r = np.array([p.rate_at(x) for x in t])
    assert np.max(np.abs(np.diff(r))) <= 8.0 / 120.0 * 0.1 + 1e-9


def test_change_lets_the_current_breath_finish() -> None:
    p = Pacer()
    ev = p.set_pattern(12.0, PRESETS["box"], ramp_s=0.0)
    assert ev == PRESETS["box"].to_event(12.0)
    # Breath 1 (10-20 s) finishes at 4 s in / 6 s out; box starts at 20 s.
    assert p.state_at(15.0).pattern.name == "resonance"
    assert p.state_at(15.0).phase == "exhale"
    assert p.state_at(19.99).pattern.name == "resonance"
    s = p.state_at(22.0)
    assert (s.pattern.name, s.phase, s.cycle) == ("box", "inhale", 2)
    assert p.state_at(26.0 + 1e-6).phase == "hold_in"


def test_change_without_ramp_switches_rate_at_a_cycle_boundary_only() -> None:
    p = Pacer()
    p.set_pattern(3.0, PRESETS["coherent"], ramp_s=0.0)
    assert p.rate_at(9.999) == pytest.approx(6.0)
    assert p.rate_at(10.0) == pytest.approx(5.5)
    assert p.phase_at(10.0) == pytest.approx(1.0)
    assert p.volume_at(10.0) == pytest.approx(0.0, abs=1e-12)


def test_second_change_before_the_first_took_effect_replaces_it() -> None:
    p = Pacer()
    p.set_pattern(12.0, PRESETS["box"])
    p.set_pattern(13.0, PRESETS["coherent"])
    assert p.state_at(25.0).pattern.name == "coherent"
    assert p.changes == 2
    assert p.last_change_s == 13.0
    with pytest.raises(PaceError, match="t_s must not be earlier"):
        p.set_pattern(5.0, PRESETS["box"])


def test_state_at_does_not_depend_on_query_order() -> None:
    p = Pacer(ramp_from_per_min=12.0, ramp_s=60.0)
    p.set_pattern(40.0, PRESETS["4-7-8"])
    p.set_pattern(95.0, PRESETS["sigh"])
    ts = np.random.default_rng(1).uniform(0, 300, 400)
    forward = [p.state_at(t) for t in sorted(ts)]
    backward = [p.state_at(t) for t in sorted(ts, reverse=True)][::-1]
    assert forward == backward


_patterns = st.sampled_from(list(PRESETS.values())) | st.builds(
    lambda rate: parse_pace(f"{rate:.3f}"), st.floats(min_value=3.0, max_value=20.0)
)


def _max_volume_slope_per_s(p: Pacer) -> float:
    """Upper bound of |dV/dt|: a cosine ease over d seconds has slope at most π/(2d).

    The shortest phase is the exhale or the inhale (a sigh's top-up pull: 30 % of it),
    shortened by the fastest rate the segment ramps through.
    """
    bound = 0.0
    for seg in p._segments:
        pat = seg.pattern
        shortest = min(pat.inhale_s * (0.3 if pat.double_inhale else 1.0), pat.exhale_s)
        speedup = max(seg.r0_per_min, seg.r1_per_min) / pat.rate_per_min
        bound = max(bound, math.pi / 2 / (shortest / speedup))
    return bound


@settings(max_examples=150, deadline=None)
@given(
    first=_patterns,
    ramp_from=st.none() | st.floats(min_value=4.0, max_value=20.0),
    ramp_s=st.floats(min_value=0.0, max_value=180.0),
    changes=st.lists(
        st.tuples(
            st.floats(min_value=0.0, max_value=60.0), _patterns, st.floats(min_value=1.0, max_value=60.0)
        ),
        max_size=5,
    ),
    probes=st.lists(st.floats(min_value=0.0, max_value=600.0), min_size=1, max_size=20),
)
def test_phase_and_volume_are_continuous(
    first: BreathPattern,
    ramp_from: float | None,
    ramp_s: float,
    changes: list[tuple[float, BreathPattern, float]],
    probes: list[float],
) -> None:
    p = Pacer(first, ramp_from_per_min=ramp_from, ramp_s=ramp_s)
    t = 0.0
    requested: list[float] = []
    for dt, pat, change_ramp_s in changes:
        t += dt
        p.set_pattern(t, pat, ramp_s=change_ramp_s)
        requested.append(t)
    eps = 1e-4
    checkpoints = [*probes, *requested, *p._starts]
    max_rate = max(max(s.r0_per_min, s.r1_per_min) for s in p._segments)
    rate_slope = max(abs(s.r1_per_min - s.r0_per_min) / s.ramp_s if s.ramp_s else 0.0 for s in p._segments)
    slope = _max_volume_slope_per_s(p)
    for c in checkpoints:
        a, b = max(c - eps, 0.0), c + eps
        dphi = p.phase_at(b) - p.phase_at(a)
        assert 0.0 <= dphi <= max_rate / 60.0 * (b - a) + 1e-9, (c, dphi)
        if p._segments[0].ramp_s or c > eps:  # a first pattern without ramp starts at its rate
            assert abs(p.rate_at(b) - p.rate_at(a)) <= rate_slope * (b - a) + 1e-9, c
        assert abs(p.volume_at(b) - p.volume_at(a)) <= slope * (b - a) + 1e-9, c
        s = p.state_at(c)
        assert 0.0 <= s.volume <= 1.0
        assert s.phase_elapsed_s >= 0.0 and s.phase_remaining_s >= 0.0
        assert s.cycle == math.floor(p.phase_at(c))


def test_pacer_imports_no_numpy() -> None:
    probe = "import vagal.pacer, sys, json\nprint(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    loaded = set(json.loads(out.stdout.strip().splitlines()[-1]))
    assert not loaded & {"numpy", "scipy", "textual", "bleak", "matplotlib"}


def test_describe_gives_seconds_a_person_can_read() -> None:
    from vagal.pacer import PRESETS, parse_pace

    assert PRESETS["coherent"].describe() == "coherent · 5.5/min · in 5.5 s, out 5.5 s"
    assert PRESETS["resonance"].describe() == "resonance · 6.0/min · in 4 s, out 6 s"
    assert "3.7 s" in parse_pace("6.5").describe()


# --- the stepped resonance assessment --------------------------------------------------

from vagal.pacer import (
    ADULT_RATES_PER_MIN,
    CHILD_RATES_PER_MIN,
    DEFAULT_FIRST_SETTLE_S,
    DEFAULT_SETTLE_S,
    pacer_from_events,
    pattern_at_rate,
    refine_rates,
    resonance_schedule,
)


def test_protocols_are_the_published_ranges() -> None:
    assert ADULT_RATES_PER_MIN == (6.5, 6.0, 5.5, 5.0, 4.5)
    assert CHILD_RATES_PER_MIN[0] == 9.5 and CHILD_RATES_PER_MIN[-1] == 6.5
    assert list(CHILD_RATES_PER_MIN) == sorted(CHILD_RATES_PER_MIN, reverse=True)


def test_adult_schedule_known_times() -> None:
    """6.5/min from t = 0: the first breath starting after 60 s is the 7th (7 × 60/6.5 s)."""
    s = resonance_schedule()
    first = s.steps[0]
    assert first.start_s == 0.0
    assert first.scored_from_s == pytest.approx(7 * 60 / 6.5)
    # Two minutes at 6.5/min are 13 whole breaths.
    assert first.end_s == pytest.approx(first.scored_from_s + 120.0)
    assert first.breaths == 13
    # Every 0.5/min step fits 2 min in whole breaths: each scored window is exactly 120 s.
    for step in s.steps:
        assert step.scored_s == pytest.approx(120.0, abs=1e-6)
        assert step.breaths == round(step.rate_per_min * 2)
    assert s.rates_per_min == ADULT_RATES_PER_MIN


def test_schedule_steps_follow_the_pacer() -> None:
    s = resonance_schedule()
    p = s.pacer()
    for prev, step in zip(s.steps, s.steps[1:], strict=False):
        assert step.start_s == prev.end_s
    for step in s.steps:
        # Steps, scored windows and ends all fall on breath starts (whole cycles of the guide).
        for t in (step.start_s, step.scored_from_s, step.end_s):
            assert abs(p.phase_at(t) - round(p.phase_at(t))) < 1e-9, (step.index, t)
        settle = DEFAULT_FIRST_SETTLE_S if step.index == 0 else DEFAULT_SETTLE_S
        assert step.start_s + settle <= step.scored_from_s + 1e-9
        assert step.scored_from_s < step.start_s + settle + step.cycle_s
        # The scored window is at the step's own rate throughout (the ramp is over).
        for t in np.linspace(step.scored_from_s, step.end_s - 1e-6, 25):
            assert p.rate_at(float(t)) == pytest.approx(step.rate_per_min, abs=1e-12)
            assert p.state_at(float(t)).pattern == step.pattern
        # Whole breaths: the phase advances by an integer across the window.
        assert p.phase_at(step.end_s) - p.phase_at(step.scored_from_s) == pytest.approx(step.breaths)
    # After the change the rate eases: halfway through the 20 s ramp it is halfway between.
    second = s.steps[1]
    assert p.rate_at(second.start_s + 10.0) == pytest.approx((6.5 + 6.0) / 2)


def test_schedule_is_recorded_by_its_pacer_changed_events() -> None:
    """The file's PacerChanged events rebuild the same guide (a replay re-scores exactly)."""
    s = resonance_schedule(ramp_from_per_min=12.0, first_settle_s=150.0)
    assert [e.t_s for e in s.events] == [st.start_s for st in s.steps]
    assert s.events[0].ramp_from_per_min == 12.0
    assert all(e.preset == "assessment" for e in s.events)
    replay = pacer_from_events(list(s.events))
    live = s.pacer()
    assert replay is not None
    for t in np.linspace(0.0, s.end_s, 400):
        assert replay.phase_at(float(t)) == pytest.approx(live.phase_at(float(t)), abs=1e-9)
    assert s.events_until(s.steps[2].start_s) == list(s.events[:3])
    fields = s.steps[2].event_fields()
    assert fields == {
        "t_s": s.steps[2].start_s,
        "index": 2,
        "count": 5,
        "rate_per_min": 5.5,
        "scored_from_s": s.steps[2].scored_from_s,
        "end_s": s.steps[2].end_s,
        "refine": False,
    }
    assert s.step_at(s.steps[3].start_s + 1.0) is s.steps[3]
    assert s.step_at(-1.0) is None and s.step_at(s.end_s) is None


def test_schedule_keeps_the_persons_ratio() -> None:
    s = resonance_schedule((6.0, 5.0), base=PRESETS["calm"])  # 3.5 s in, 5 s out
    for step in s.steps:
        pat = step.pattern
        assert pat.rate_per_min == pytest.approx(step.rate_per_min)
        assert pat.inhale_s / pat.exhale_s == pytest.approx(3.5 / 5.0)
    box = pattern_at_rate(PRESETS["box"], 3.0)
    assert (box.inhale_s, box.hold_in_s, box.exhale_s, box.hold_out_s) == pytest.approx((5.0,) * 4)
    assert pattern_at_rate(PRESETS["sigh"], 6.0).double_inhale


def test_schedule_at_any_rates_and_step_length() -> None:
    """A refine rate (5.75/min, 10.43 s breaths) gets the fewest whole breaths covering 2 min."""
    s = resonance_schedule((5.75,), step_s=120.0)
    step = s.steps[0]
    assert step.breaths == 12  # 11.5 breaths fit in 120 s; the window rounds up
    assert step.scored_s == pytest.approx(12 * 60 / 5.75)


@settings(max_examples=60, deadline=None)
@given(
    rates=st.lists(st.floats(3.0, 12.0), min_size=1, max_size=6),
    step_s=st.floats(20.0, 300.0),
    settle_s=st.floats(0.0, 60.0),
    ramp_frac=st.floats(0.0, 1.0),
    start_s=st.floats(0.0, 1000.0),
)
def test_schedule_invariants(
    rates: list[float], step_s: float, settle_s: float, ramp_frac: float, start_s: float
) -> None:
    s = resonance_schedule(
        rates, step_s=step_s, settle_s=settle_s, ramp_s=ramp_frac * settle_s, start_s=start_s
    )
    p = s.pacer()
    assert s.start_s == start_s
    for i, step in enumerate(s.steps):
        assert step.index == i and step.count == len(rates)
        assert step.start_s <= step.scored_from_s < step.end_s
        assert step_s - 1e-6 <= step.scored_s < step_s + step.cycle_s + 1e-6
        assert p.rate_at(step.scored_from_s + 1e-6) == pytest.approx(step.rate_per_min)
        assert p.rate_at(step.end_s - 1e-6) == pytest.approx(step.rate_per_min)
        if i:
            assert step.start_s == s.steps[i - 1].end_s


def test_refine_rates() -> None:
    assert refine_rates(5.5) == (5.75, 5.5, 5.25)
    assert refine_rates(8.5, spacing_per_min=1.0) == (9.0, 8.5, 8.0)
    s = resonance_schedule(refine_rates(5.0), refine=True)
    assert all(step.refine for step in s.steps)
    with pytest.raises(PaceError, match="refine rate"):
        refine_rates(29.9)
    with pytest.raises(PaceError, match="spacing_per_min"):
        refine_rates(6.0, spacing_per_min=0.0)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"rates_per_min": []}, "at least one rate"),
        ({"rates_per_min": [6.0, 40.0]}, "rates_per_min"),
        ({"step_s": 0.0}, "step_s"),
        ({"settle_s": -1.0}, "settle_s"),
        ({"settle_s": 10.0, "ramp_s": 20.0}, "must not be shorter than ramp_s"),
        ({"ramp_from_per_min": 12.0, "first_settle_s": 60.0}, "start_ramp_s"),
        ({"start_s": math.inf}, "start_s"),
    ],
)
def test_schedule_rejects_with_a_clear_message(kwargs: dict[str, object], match: str) -> None:
    with pytest.raises(PaceError, match=match):
        resonance_schedule(**kwargs)  # type: ignore[arg-type]


def test_next_breath_s() -> None:
    p = Pacer()  # 10 s breaths from 0
    assert p.next_breath_s(0.0) == 0.0
    assert p.next_breath_s(0.1) == pytest.approx(10.0)
    assert p.next_breath_s(20.0) == pytest.approx(20.0)
    p.set_pattern(25.0, PRESETS["coherent"], ramp_s=0.0)  # takes effect at 30 s
    assert p.next_breath_s(25.0) == pytest.approx(30.0)
    assert p.next_breath_s(30.5) == pytest.approx(30.0 + 120.0 / 11.0)


def test_a_recorded_assessment_rebuilds_its_steps() -> None:
    """PacerChanged events + one record per step (the proposed AssessmentStep) give the steps back."""
    from dataclasses import dataclass

    from vagal.pacer import resonance_steps_from_record

    @dataclass(frozen=True)
    class Recorded:  # stands in for the AssessmentStep event
        t_s: float
        index: int
        count: int
        rate_per_min: float
        scored_from_s: float
        end_s: float
        refine: bool

    s = resonance_schedule(base=PRESETS["calm"])
    records = [Recorded(**st.event_fields()) for st in reversed(s.steps)]  # type: ignore[arg-type]
    assert resonance_steps_from_record(list(s.events), records) == s.steps
    with pytest.raises(PaceError, match="no breathing guide"):
        resonance_steps_from_record([], records)
