"""Two people in one session: ``vagal demo --pair``, the format-2 session file, the proof counts.

Truth: the simulated pair's coupling and lag (vagal.sources.physiology.PairModel) and the
rule that person A of a pair is exactly the single simulated person of the same seed
(so A's recorded beats must equal a one-person demo's). Counts measured when this was
written (10-minute sessions with the demo's guide, 12/min easing to 6/min over the first
2 minutes, seeds 0-9, printed with ``-s``): coupling 0.8: 10 of 10 above chance, every
median lag within 0.25 s of the simulated one; coupling 0: 0 of 10.
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
from vagal.commands.pair_session import simulate_pair_session
from vagal.commands.session_runner import make_pacer
from vagal.options import SessionOptions
from vagal.sessions.codec import event_to_dict
from vagal.sessions.reader import read_events, read_session
from vagal.sessions.writer import Recorder, make_header

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "sessions"
SEEDS = range(10)
DURATION_S = 600.0


@functools.cache
def _counts(coupling: float) -> tuple[dict[str, Any], ...]:
    pacer_opts = SessionOptions(ramp_from="12")  # the demo's default guide, gentle start included
    return tuple(
        simulate_pair_session(
            seed=seed, coupling=coupling, duration_s=DURATION_S, pacer=make_pacer(pacer_opts), live=False
        )
        for seed in SEEDS
    )


def _above(coupling: float) -> int:
    rows = _counts(coupling)
    above = sum(bool(s["together"]["above_chance"]) for s in rows)
    print(f"\ncoupling {coupling}: above chance in {above} of {len(rows)}")
    for s in rows:
        t = s["together"]
        print(
            f"  seed {s['seed']}: simulated lag {s['simulated_lag_s']} s, median lag {t['wcc_lag_s_median']} s, "
            f"r {t['wcc_peak_r_mean']} vs p95 {t['surrogate_p95']}: {t['words']}"
        )
    return above


def test_a_coupled_pair_is_above_chance_in_at_least_9_of_10_seeds_with_its_lag() -> None:
    assert _above(0.8) >= 9
    for s in _counts(0.8):
        t = s["together"]
        assert t["wcc_lag_s_median"] > 0  # B follows A: the simulated sign
        assert t["wcc_lag_s_median"] == pytest.approx(s["simulated_lag_s"], abs=1.0)  # and size
        assert t["n_surrogates"] == 500 and t["n_windows"] >= 80


def test_an_uncoupled_pair_with_one_guide_is_above_chance_in_at_most_1_of_10_seeds() -> None:
    assert _above(0.0) <= 1
    for s in _counts(0.0):
        t = s["together"]
        assert t["wcc_peak_r_mean"] > 0.7  # their hearts move together by construction (the guide)...
        assert t["shared_coherence_pct"] > 50.0  # ...both in tune with it, and the null knows
        if not t["above_chance"]:
            assert t["words"] == "Both with the guide, each in your own rhythm"


def _env(tmp_path: Path) -> dict[str, str]:
    env = {**os.environ, "VAGAL_DATA_DIR": str(tmp_path / "data"), "HOME": str(tmp_path)}
    env.pop("VAGAL_SESSIONS_DIR", None)
    return env


def vagal(tmp_path: Path, *args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "vagal", *map(str, args)],
        capture_output=True,
        text=True,
        env=_env(tmp_path),
        cwd=tmp_path,
        timeout=300,
        check=False,
    )


def test_demo_pair_end_to_end(tmp_path: Path) -> None:
    two = tmp_path / "two.vagal.jsonl"
    one = tmp_path / "one.vagal.jsonl"
    common = ("--seed", "1", "--headless", "--json", "--speed", "max", "--duration", "300")
    out = vagal(
        tmp_path, "demo", "--pair", "--coupling", "0.8", "--names", "Sam,Alex", "--roles", "parent,child",
        "--pace", "resonance", *common, "--record", two,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    summary = json.loads(out.stdout)
    single = vagal(tmp_path, "demo", *common, "--record", one)
    assert single.returncode == 0, single.stderr
    one_keys = set(json.loads(single.stdout)) - {"source", "recording", "seed"}

    people = summary["people"]
    assert [(p["person"], p["name"], p["role"]) for p in people] == [(0, "Sam", "parent"), (1, "Alex", "child")]
    for p in people:
        assert one_keys <= set(p)  # each person has the one-person summary's keys
    together = summary["together"]
    for key in ("wcc_peak_r_mean", "wcc_lag_s_median", "surrogate_p95", "above_chance", "shared_coherence_pct"):
        assert key in together
    assert together["above_chance"] is True
    assert together["wcc_lag_s_median"] == pytest.approx(summary["simulated_lag_s"], abs=1.0)
    assert together["leader"] == "Sam" and together["words"].startswith("Moving together")
    assert together["live_updates"] >= 30 and together["live"]["above_chance"] is not None  # every 5 s after 2 min
    assert "together:" in out.stderr  # the live view on the progress lines

    # The file: format 2, the people in the header, each event saying whose it is.
    header = json.loads(two.read_text().splitlines()[0])
    assert header["format_version"] == 2
    assert [(p["name"], p.get("role"), p["device"]["name"]) for p in header["people"]] == [
        ("Sam", "parent", "Simulated strap A"),
        ("Alex", "child", "Simulated strap B"),
    ]
    a, b = read_session(two), read_session(two, person=1)
    assert a.damage == () and b.damage == ()
    assert b.meta["device"]["name"] == "Simulated strap B"
    # Person A is exactly the one-person simulated person of the same seed: same beats.
    solo = read_session(one)
    assert json.loads(one.read_text().splitlines()[0])["format_version"] == 1
    assert a.rr_ms.tolist() == solo.rr_ms.tolist() and a.t_s.tolist() == solo.t_s.tolist()
    assert b.n_beats > 250 and b.rr_ms.tolist() != a.rr_ms.tolist()
    # Each person's recording holds their own events and the session's (the guide), never
    # the other's: a replay or report of the file cannot mix two hearts.
    assert {getattr(e, "person", None) for e in a.events} == {0, None}
    assert {getattr(e, "person", None) for e in b.events} == {1, None}
    _, everything, _, _ = read_events(two)
    assert {getattr(e, "person", None) for e in everything} == {0, 1, None}
    assert len(everything) == len(a.events) + len(b.events) - sum(getattr(e, "person", None) is None for e in a.events)

    # The pandas recipe of docs/session-format.md reads the same two people.
    import pandas as pd

    df = pd.read_json(two, lines=True, dtype={"data": str})
    df["person"] = df.get("person", pd.Series(0, index=df.index)).fillna(0).astype(int)
    beats = df[(df["type"] == "beat") & (df["settling"] != True)]
    pa, pb = (beats[beats["person"] == i] for i in (0, 1))
    assert pa["rr_ms"].tolist() == a.rr_ms.tolist() and pb["rr_ms"].tolist() == b.rr_ms.tolist()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--coupling", "2"), "--coupling must be between 0 and 1"),
        (("--coupling", "nan"), "--coupling must be between 0 and 1"),
        (("--names", "Sam"), "--names takes two names"),
        (("--roles", "parent,dog"), "--roles takes two of"),
    ],
)
def test_bad_pair_options_give_one_line_and_exit_2(tmp_path: Path, args: tuple[str, ...], message: str) -> None:
    out = vagal(tmp_path, "demo", "--pair", "--headless", "--speed", "max", "--duration", "60", *args)
    assert out.returncode == 2 and out.stdout == ""
    assert out.stderr.count("\n") == 1 and message in out.stderr, out.stderr


def test_pair_dashboard_at_speed_max_says_so(tmp_path: Path) -> None:
    out = vagal(tmp_path, "demo", "--pair", "--duration", "60", "--speed", "max")
    assert out.returncode == 2 and "--headless" in out.stderr and out.stderr.count("\n") == 1


# --- the format -------------------------------------------------------------------------------


def test_version_1_lines_are_written_exactly_as_before() -> None:
    """``person`` is left out when 0: every event line of the version-1 fixtures re-encodes
    to exactly the same JSON (the recorder adds only ``wall``)."""
    for name in ("intact.vagal.jsonl", "rich_simulated.vagal.jsonl"):
        path = FIXTURES / name
        header, events, damage, _ = read_events(path)
        assert header["format_version"] == 1 and damage == []
        lines = path.read_text().splitlines()[1:]
        assert len(lines) == len(events)
        for line, e in zip(lines, events, strict=True):
            raw = json.loads(line)
            raw.pop("wall", None)
            encoded = event_to_dict(e)
            assert "person" not in encoded
            # Marker.feeling (added on main before two people) is written even when empty.
            assert set(encoded) - set(raw) <= {"feeling"}
            assert {k: v for k, v in encoded.items() if k in raw} == raw


PERSON_BOUND: list[ev.Event] = [
    ev.SourceState(0.0, "connecting", "starting", person=1),
    ev.DeviceInfo(0.1, "strap", "Polar H10 B", person=1),
    ev.RawPayload(1.2, bytes.fromhex("1048ab03"), person=1),
    ev.Beat(1.1, 919.921875, 72, True, False, person=1),
    ev.PayloadRejected(2.5, b"\x10", "payload too short", person=1),
    ev.HeartRateOnly(3.0, 71, False, person=1),
    ev.ContactChanged(3.1, False, judged=True, person=1),
    ev.Gap(3.1, 7.4, "contact_lost", person=1),
    ev.CheckIn(8.0, "after", 4, "calmer", person=1),
    ev.PacerChanged(9.0, "custom", 3.0, 0.0, 4.5, 0.0, person=1),  # B's own guide (--pace 6,8)
]


def test_every_person_bound_event_round_trips_with_its_person(tmp_path: Path) -> None:
    assert {type(e) for e in PERSON_BOUND} == {
        t for t in ev.Event.__args__ if "person" in t.__dataclass_fields__  # type: ignore[attr-defined]
    }
    path = tmp_path / "two.vagal.jsonl"
    with Recorder(path, make_header(source="test", people=[{"name": "A"}, {"name": "B"}])) as rec:
        for e in PERSON_BOUND:
            rec.write(e)
    header, events, damage, _ = read_events(path)
    assert header["format_version"] == 2
    assert events == PERSON_BOUND and damage == []
    assert all(json.loads(line)["person"] == 1 for line in path.read_text().splitlines()[1:])


def test_two_peoples_interleaved_beats_are_not_damage(tmp_path: Path) -> None:
    """B's beat back-dated before A's last one is in order for B: each person is checked alone."""
    path = tmp_path / "two.vagal.jsonl"
    beats = [ev.Beat(1.0, 1000.0), ev.Beat(1.9, 900.0), ev.Beat(1.5, 800.0, person=1), ev.Beat(2.8, 900.0),
             ev.Beat(2.3, 800.0, person=1), ev.Beat(3.1, 800.0, person=1)]  # fmt: skip
    with Recorder(path, make_header(source="test", people=[{"name": "A"}, {"name": "B"}])) as rec:
        for e in beats:
            rec.write(e)
    a, b = read_session(path), read_session(path, person=1)
    assert a.damage == () and b.damage == ()
    assert a.t_s.tolist() == [1.0, 1.9, 2.8] and b.t_s.tolist() == [1.5, 2.3, 3.1]
    # Read as one person (as a version-1 reader would) the same times would be damage.
    from vagal.sessions.reader import _check_times

    _, problems = _check_times([(k + 2, dataclasses_replace_person0(e)) for k, e in enumerate(beats)], set())
    assert problems


def dataclasses_replace_person0(e: ev.Event) -> ev.Event:
    import dataclasses

    return dataclasses.replace(e, person=0)  # type: ignore[arg-type,call-arg]


@pytest.mark.parametrize("value", ["2", "-1", '"1"', "true", "0.5"])
def test_a_person_that_cannot_be_is_damage(tmp_path: Path, value: str) -> None:
    path = tmp_path / "two.vagal.jsonl"
    good = '{"t": 1.0, "type": "beat", "rr_ms": 1000.0}'
    bad = '{"t": 2.0, "type": "beat", "rr_ms": 1000.0, "person": ' + value + "}"
    header = json.dumps({**make_header(source="test", people=[{"name": "A"}, {"name": "B"}]), "format_version": 2})
    last = '{"t": 3.0, "type": "beat", "rr_ms": 1000.0}'
    path.write_text(f"{header}\n{good}\n{bad}\n{last}\n")
    rec = read_session(path)
    assert len(rec.damage) >= 1 and "line 3" in str(rec.damage[0])
    assert rec.n_beats == 2


@pytest.mark.slow
@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")
def test_kill_9_of_a_two_person_demo_at_real_speed(tmp_path: Path) -> None:
    """The guarantee of tests/test_sessions_crash.py, for two people in one file.

    The progress line "0:10 …" is printed only after the event at 10 s went to the
    recorder; a second later the demo is killed. Both people's events up to then must be
    on disk, each person's read back without damage (at most the last line cut).
    """
    import signal
    import time

    out = tmp_path / "killed.vagal.jsonl"
    cmd = [sys.executable, "-m", "vagal", "demo", "--pair", "--coupling", "0.5", "--headless", "--seed", "7"]
    with subprocess.Popen(
        [*cmd, "--duration", "60", "--record", str(out)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env=_env(tmp_path),
        cwd=tmp_path,
    ) as proc:
        assert proc.stderr is not None
        try:
            for line in proc.stderr:  # blocks until the demo says it; no polling
                if line.strip().startswith("0:10 "):
                    break
            else:
                pytest.fail("the demo ended before 0:10")
            time.sleep(1.0)  # the promise: handed over a second ago means on disk now
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
        finally:
            if proc.poll() is None:
                proc.kill()
    assert proc.returncode == -signal.SIGKILL
    for person in (0, 1):
        rec = read_session(out, person=person)
        assert all("truncated" in d.reason for d in rec.damage), rec.damage
        # Beats after the first 5 s (the settling time after connecting) are analysed beats.
        assert rec.events is not None and rec.n_beats >= 2
    _, everything, _, _ = read_events(out)
    assert max(e.t_s for e in everything) >= everything[0].t_s + 10.0
    # Both people's beats of the first seconds are there (one notification a second each).
    for person in (0, 1):
        t = [e.t_s for e in everything if isinstance(e, ev.Beat) and e.person == person]
        assert t == sorted(t) and t[0] < 3.0 and t[-1] > 7.0
