"""Each of two people with their own guide (``--pace 6,8``), a child's guide, and synchrony
that stays honest with two guides.

Truth: the simulated pair's coupling and lag (vagal.sources.physiology.PairModel): B follows
A by ``simulated_lag_s`` when coupled, and two uncoupled people share nothing but, at most, a
guide. Every session below is the library form of ``vagal demo --pair --headless --speed
max`` (:func:`vagal.commands.pair_session.simulate_pair_session`), ten minutes, seeds 0-9,
the demo's gentle start (12/min easing to the guide over 2 minutes).

Counts measured when this was written (printed with ``-s``): coupling 0.8, one guide: 10 of
10 above chance, every median lag within 0.5 s of the simulated one; coupling 0, one guide:
0 of 10; coupling 0, own guides 6 and 8/min: 0 of 10.
"""

from __future__ import annotations

import functools
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from vagal import events as ev
from vagal.commands.pair_session import new_state, simulate_pair_session
from vagal.commands.session_runner import make_pacer
from vagal.options import SessionOptions
from vagal.pacer import CHILD_PACE_PER_MIN, PaceError, Pacer, pacers_from_events, parse_pace, split_pair_pace
from vagal.sessions.codec import event_from_dict, event_to_dict
from vagal.sessions.reader import read_session

SEEDS = range(10)
DURATION_S = 600.0


def _guide(rate: str, person: int | None) -> Pacer:
    return Pacer(parse_pace(rate), ramp_from_per_min=12.0, person=person)


@functools.cache
def _runs(condition: str) -> tuple[dict[str, Any], ...]:
    out = []
    for seed in SEEDS:
        if condition == "own":
            pacers: Any = (_guide("6", 0), _guide("8", 1))
            coupling = 0.0
        else:
            pacers = make_pacer(SessionOptions(ramp_from="12"))
            coupling = 0.8 if condition == "coupled" else 0.0
        out.append(
            simulate_pair_session(seed=seed, coupling=coupling, duration_s=DURATION_S, pacer=pacers, live=False)
        )
    return tuple(out)


def _table(condition: str) -> int:
    rows = _runs(condition)
    above = sum(bool(s["together"]["above_chance"]) for s in rows)
    print(f"\n{condition}: above chance in {above} of {len(rows)}")
    for s in rows:
        t = s["together"]
        print(
            f"  seed {s['seed']}: simulated lag {s['simulated_lag_s']:.2f} s, median lag {t['wcc_lag_s_median']} s, "
            f"r {t['wcc_peak_r_mean']} vs chance {t['surrogate_p95']}: {t['words']}"
        )
    return above


def test_coupled_pair_on_one_guide_is_above_chance_with_the_simulated_lag_within_half_a_second() -> None:
    assert _table("coupled") >= 9
    for s in _runs("coupled"):
        t = s["together"]
        if t["above_chance"]:
            assert t["wcc_lag_s_median"] == pytest.approx(s["simulated_lag_s"], abs=0.5)


def test_independent_people_on_one_guide_are_not_above_chance() -> None:
    assert _table("independent") <= 1


def test_independent_people_each_on_their_own_guide_are_not_above_chance() -> None:
    assert _table("own") <= 1
    for s in _runs("own"):
        assert s["shared_guide"] is False
        assert [p["guide_rate_per_min"] for p in s["people"]] == [6.0, 8.0]


def test_each_engine_follows_its_own_guide() -> None:
    a, b = _guide("6", 0), _guide("8", 1)
    state = new_state((a, b), live=False)
    assert not state.shared_guide and state.pacer is None
    assert [e.person for e in state.start_events()] == [0, 1]
    state.push(0, b.set_pattern(30.0, parse_pace("7")))  # B's own change: B's engine only
    shared = make_pacer(SessionOptions())
    one = new_state(shared, live=False)
    assert one.shared_guide and one.pacer is shared and len(one.start_events()) == 1


# --- the format ------------------------------------------------------------------------------


def test_a_guide_says_whose_it_is_and_person_0_is_written() -> None:
    own = _guide("6", 0).start_event()
    line = event_to_dict(own)
    assert line["person"] == 0  # A's own guide, unlike A's beats (person 0 is left out there)
    assert event_from_dict(line) == own
    shared = make_pacer(SessionOptions()).start_event()
    assert "person" not in event_to_dict(shared)  # a one-person session's guide line as before
    assert event_from_dict(event_to_dict(shared)) == shared and shared.person is None
    beat = ev.Beat(t_s=1.0, rr_ms=800.0)
    assert "person" not in event_to_dict(beat)


def test_own_guides_are_recorded_per_person_and_read_back(tmp_path: Path) -> None:
    from vagal.sessions.writer import Recorder, make_header

    a, b = _guide("6", 0), _guide("8", 1)
    path = tmp_path / "own.jsonl"
    rec = Recorder(path, make_header(source="demo", pacer=a.start_event(), people=[{"name": "A"}, {"name": "B"}]))
    summary = simulate_pair_session(seed=3, coupling=0.0, duration_s=200.0, pacer=(a, b), recorder=rec, live=False)
    rec.close()
    assert summary["recording"] == str(path)
    for person, rate in ((0, 6.0), (1, 8.0)):
        recording = read_session(path, person=person)
        assert [round(p.rate_per_min, 3) for p in recording.pacer] == [rate]
        assert all(p.person == person for p in recording.pacer)
    both = read_session(path, person=0).events
    pa, pb = pacers_from_events(
        [e for e in both if isinstance(e, ev.PacerChanged)]
        + [e for e in read_session(path, person=1).events if isinstance(e, ev.PacerChanged)]
    )
    assert pa is not None and pb is not None and pa is not pb
    assert pa.rate_at(300.0) == pytest.approx(6.0) and pb.rate_at(300.0) == pytest.approx(8.0)


def test_a_shared_guide_is_one_pacer_for_both() -> None:
    shared = make_pacer(SessionOptions())
    pa, pb = pacers_from_events([shared.start_event()])
    assert pa is pb and pa is not None


def test_split_pair_pace() -> None:
    assert split_pair_pace("6") is None
    assert split_pair_pace("6, box") == ("6", "box")
    with pytest.raises(PaceError, match="two paces"):
        split_pair_pace("6,7,8")
    with pytest.raises(PaceError, match="two paces"):
        split_pair_pace("6,")


# --- the command -----------------------------------------------------------------------------


def _vagal(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env.update({"HOME": str(tmp_path), "XDG_DATA_HOME": str(tmp_path / "data"), "VAGAL_DATA_DIR": str(tmp_path / "v")})
    return subprocess.run(
        [sys.executable, "-m", "vagal", *args], capture_output=True, text=True, env=env, cwd=tmp_path, timeout=300, check=False
    )


def _demo(tmp_path: Path, *args: str) -> dict[str, Any]:
    out = _vagal(tmp_path, "demo", "--pair", "--headless", "--json", "--speed", "max", "--duration", "150",
                 "--seed", "2", "--no-record", *args)
    assert out.returncode == 0, out.stderr
    result: dict[str, Any] = json.loads(out.stdout)
    return result


def test_demo_pace_for_each_person(tmp_path: Path) -> None:
    s = _demo(tmp_path, "--pace", "6,8")
    assert s["shared_guide"] is False and [p["guide_rate_per_min"] for p in s["people"]] == [6.0, 8.0]
    s = _demo(tmp_path, "--pace", "6")
    assert s["shared_guide"] is True and [p["guide_rate_per_min"] for p in s["people"]] == [6.0, 6.0]


def test_a_child_gets_the_child_guide_when_no_pace_is_given(tmp_path: Path) -> None:
    s = _demo(tmp_path, "--roles", "parent,child")
    assert [p["guide_rate_per_min"] for p in s["people"]] == [6.0, CHILD_PACE_PER_MIN]
    s = _demo(tmp_path, "--roles", "child,parent", "--pace", "resonance")  # a pace given is kept
    assert [p["guide_rate_per_min"] for p in s["people"]] == [6.0, 6.0]


@pytest.mark.parametrize("pace", ["6,7,8", "6,fast", ","])
def test_a_bad_pace_for_two_is_one_line_and_exit_2(tmp_path: Path, pace: str) -> None:
    out = _vagal(tmp_path, "demo", "--pair", "--headless", "--speed", "max", "--duration", "60", "--pace", pace)
    assert out.returncode == 2 and out.stdout == ""
    assert out.stderr.count("\n") == 1 and "pace" in out.stderr, out.stderr
