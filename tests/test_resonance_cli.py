"""``vagal resonance``: the command, end to end, against labelled truth.

The simulated person's resonance rate is set (``--resonance-rate``), so the truth is
known; the criterion is the proof's (tests/test_resonance_sim.py: found within 0.5/min).
The simulator runs on a virtual clock (``--speed max``): no test waits on the wall clock.
``--from`` is checked against the live run it re-scores (the same result to the last
digit, the claim of the issue), and against files simulated at a known resonance.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from vagal.cli import main
from vagal.errors import VagalError
from vagal.events import AssessmentStep, PacerChanged
from vagal.pacer import (
    ADULT_RATES_PER_MIN,
    PRESETS,
    Pacer,
    continue_schedule,
    pattern_at_rate,
    resonance_schedule,
)
from vagal.sessions.own_pace import load_own_pace, own_pace_path
from vagal.sessions.reader import read_session
from vagal.sources.physiology import Person, simulate_rr

DEMO = ["resonance", "--demo", "--headless", "--speed", "max"]


def run_json(capsys: pytest.CaptureFixture[str], *argv: str) -> dict[str, Any]:
    assert main([*argv, "--json"]) == 0
    out = capsys.readouterr().out
    result: dict[str, Any] = json.loads(out)
    return result


def run_fails(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    assert main(list(argv)) == 2
    cap = capsys.readouterr()
    assert cap.out == ""
    lines = cap.err.strip().splitlines()
    assert len(lines) == 1, cap.err
    return lines[0]


@pytest.mark.slow
def test_the_demo_finds_the_simulated_persons_rate(capsys: pytest.CaptureFixture[str]) -> None:
    """The proof's claim (within 0.5/min in at least 9 of 10), here through the strap's bytes,
    the engine and the command: 3 seeds at each of 4.5, 5.5 and 6.5/min, at least 8 of 9."""
    found = []
    for true_rate in (4.5, 5.5, 6.5):
        for seed in range(3):
            d = run_json(
                capsys, *DEMO, "--no-record", "--seed", str(seed), "--resonance-rate", str(true_rate)
            )
            steps = d["steps"]
            assert [s["rate_per_min"] for s in steps] == list(ADULT_RATES_PER_MIN)
            assert sum(s["followed"] for s in steps) >= 4, [s["reason"] for s in steps]
            for s in steps:
                assert {
                    "rsa_bpm",
                    "lf_peak_ms2",
                    "lf_peak_hz",
                    "peak_concentration",
                    "phase_deg",
                    "followed",
                } <= s.keys()
                if s["followed"]:
                    # The LF peak sits at the guide's rate (the check on real paced recordings).
                    assert abs(s["lf_peak_hz"] * 60.0 - s["rate_per_min"]) <= 0.5, s
            assert d["confidence"] in ("clear", "close")
            assert d["kept"] is None  # a simulated person's rate is not kept without --keep
            found.append((true_rate, d["best_rate_per_min"]))
    hits = sum(1 for r, b in found if b is not None and abs(b - r) <= 0.5 + 1e-9)
    assert hits >= 8, found


@pytest.mark.slow
def test_a_person_breathing_at_their_own_pace_gets_no_result(capsys: pytest.CaptureFixture[str]) -> None:
    followed = 0
    for seed in range(3):
        d = run_json(
            capsys, *DEMO, "--no-record", "--seed", str(seed), "--resonance-rate", "5.5", "--own-rate", "12"
        )
        assert d["best_rate_per_min"] is None and d["confidence"] is None, d["summary"]
        assert d["reason"]
        assert "No breathing rate was chosen" in d["sentence"]
        followed += sum(s["followed"] for s in d["steps"])
        assert d["kept"] is None
    assert followed <= 3, followed  # of 15 steps


@pytest.mark.slow
def test_from_session_re_scores_the_recorded_assessment_exactly(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "assessment.vagal.jsonl"
    live = run_json(
        capsys,
        *DEMO,
        "--seed",
        "4",
        "--resonance-rate",
        "5.0",
        "--refine",
        "--artifacts",
        "--record",
        str(path),
    )
    assert live["recording"] == str(path)
    again = run_json(capsys, "resonance", "--from", str(path))
    for key in (
        "steps",
        "best_rate_per_min",
        "confidence",
        "margin",
        "close_rates_per_min",
        "passes",
        "sentence",
    ):
        assert again[key] == live[key], key
    # The refine pass: half a step either side of the first pass's best, and the best again.
    first_best = live["passes"][0]["best_rate_per_min"]
    refine = [s["rate_per_min"] for s in live["steps"] if s["refine"]]
    assert refine == [first_best + 0.25, first_best, first_best - 0.25]
    assert abs(live["best_rate_per_min"] - 5.0) <= 0.5
    # The file holds the steps and the guide that breathed them, in time order.
    rec = read_session(path)
    assert rec.damage == ()
    assert rec.meta["assessment"] == "resonance"
    steps = [e for e in rec.events or () if isinstance(e, AssessmentStep)]
    assert [s.rate_per_min for s in steps] == [*ADULT_RATES_PER_MIN, *refine]
    assert [s.refine for s in steps] == [False] * 5 + [True] * 3
    assert len(rec.pacer) == 8  # the start, four changes, and three for the refine pass
    planned = [e.t_s for e in rec.events or () if isinstance(e, (AssessmentStep, PacerChanged))]
    assert planned == sorted(planned)
    # A file cut off in the middle (a crash) is read up to the damage and scored on the steps it finished.
    data = path.read_bytes()
    cut = tmp_path / "cut.vagal.jsonl"
    cut.write_bytes(data[: len(data) * 6 // 10])
    assert main(["resonance", "--from", str(cut)]) == 0
    cap = capsys.readouterr()
    assert "truncated last line" in cap.err
    assert re.search(r"The assessment stopped after \d of \d steps; those were scored\.", cap.out), cap.out
    # A step record with impossible times is left out, and said so.
    lines = [json.loads(x) for x in data.decode().splitlines()]
    for o in lines:
        if o.get("type") == "assessment_step" and o["index"] == 1 and not o.get("refine"):
            o["end_s"] = o["scored_from_s"] - 50.0
    odd = tmp_path / "odd.vagal.jsonl"
    odd.write_text("".join(json.dumps(o) + "\n" for o in lines))
    d = run_json(capsys, "resonance", "--from", str(odd))
    assert [s["rate_per_min"] for s in d["steps"]][:4] == [6.5, 5.5, 5.0, 4.5]


@pytest.mark.slow
def test_a_session_stopped_early_is_scored_on_its_finished_steps(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """The first three steps' events only, as a session ended after step 3 would hold."""
    from vagal.commands.resonance import assess
    from vagal.pacer import resonance_steps_from_record

    path = tmp_path / "a.vagal.jsonl"
    run_json(capsys, *DEMO, "--seed", "1", "--resonance-rate", "6.0", "--record", str(path))
    rec = read_session(path)
    events = list(rec.events or ())
    records = [e for e in events if isinstance(e, AssessmentStep)]
    cut = records[2].end_s + 1.0
    kept = [e for e in events if e.t_s <= cut]
    steps = resonance_steps_from_record(rec.pacer, records)
    outcome = assess(kept, steps)
    assert outcome.planned_steps == 5
    assert [s.rate_per_min for s in outcome.result.steps] == [6.5, 6.0, 5.5]
    assert outcome.result.best_rate_per_min is not None
    assert abs(outcome.result.best_rate_per_min - 6.0) <= 0.5
    # Stopped within the first step: nothing to score, said in one line.
    early = [e for e in events if e.t_s <= records[0].scored_from_s + 10.0]
    with pytest.raises(VagalError, match="stopped before its first step was over"):
        assess(early, steps)


def test_the_refine_pass_goes_on_with_the_same_guide() -> None:
    """continue_schedule: whole breaths at each rate, scored windows after the settling."""
    first = resonance_schedule()
    again = continue_schedule(first, (5.75, 5.5, 5.25), start_s=first.end_s + 3.2)
    pacer = again.pacer()
    assert again.events[: len(first.events)] == first.events
    for s in again.steps:
        assert s.refine
        assert s.scored_from_s - s.start_s >= first.settle_s
        # Every scored breath is at the step's rate: the breath starts are a cycle apart.
        starts = [s.scored_from_s]
        while starts[-1] < s.end_s - 1e-6:
            starts.append(pacer.next_breath_s(starts[-1] + 0.5 * s.cycle_s))
        assert np.allclose(np.diff(starts), s.cycle_s, atol=1e-6)
        assert abs(starts[-1] - s.end_s) < 1e-6 and s.scored_s >= first.step_s - 1e-9
    assert again.steps[0].start_s >= first.end_s + 3.2
    # Until the change the guide stays at the first pass's last rate.
    assert pacer.rate_at(first.end_s + 3.0) == pytest.approx(4.5)


@pytest.mark.parametrize("true_rate", [5.0, 6.0])
def test_from_files_one_per_rate(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, true_rate: float
) -> None:
    """Five 2.5-min RR lists, each breathed at one rate by a person whose resonance is known
    (as tests/test_resonance_sim.py::test_one_file_per_rate, through the files and the CLI)."""
    rates = ADULT_RATES_PER_MIN
    hits = 0
    for seed in range(3):
        drawn = Person.draw(np.random.default_rng([seed, 16]))
        person = dataclasses.replace(drawn, resonance_hz=true_rate / 60.0, resonance_q=3.0)
        files = []
        for i, rate in enumerate(rates):
            guide = Pacer(pattern_at_rate(PRESETS["resonance"], rate))
            _, rr = simulate_rr(150.0, seed=100 * seed + i, breathing=guide.volume_at, person=person)
            f = tmp_path / f"s{seed}-{rate}.txt"
            f.write_text("\n".join(f"{x:.3f}" for x in rr) + "\n")
            files.append(str(f))
        d = run_json(capsys, "resonance", "--from", *files, "--rates", ",".join(f"{r:g}" for r in rates),
                     "--settle-s", "30", "--no-keep")  # fmt: skip
        assert d["guided"] is False and all(s["phase_deg"] is None for s in d["steps"])
        assert all(s["followed"] for s in d["steps"])
        hits += d["best_rate_per_min"] is not None and abs(d["best_rate_per_min"] - true_rate) <= 0.5 + 1e-9
    assert hits >= 2


def _five_files(tmp_path: Path) -> list[str]:
    files = []
    for i, rate in enumerate(ADULT_RATES_PER_MIN):
        guide = Pacer(pattern_at_rate(PRESETS["resonance"], rate))
        _, rr = simulate_rr(150.0, seed=i, breathing=guide.volume_at, resonance_rate_per_min=5.0)
        f = tmp_path / f"r{i}.txt"
        f.write_text("\n".join(f"{x:.3f}" for x in rr) + "\n")
        files.append(str(f))
    return files


def test_the_result_is_kept_and_pace_mine_breathes_it(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    assert "No assessment yet: run vagal resonance first." in run_fails(
        capsys, "demo", "--pace", "mine", "--headless", "--speed", "max", "--duration", "30", "--no-record"
    )
    d = run_json(capsys, "resonance", "--from", *_five_files(tmp_path), "--pace", "4:6")
    best = d["best_rate_per_min"]
    assert best is not None and d["kept"] == str(own_pace_path())
    path = own_pace_path()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    kept = load_own_pace()
    assert kept is not None and kept.rate_per_min == best
    assert kept.exhale_s / kept.inhale_s == pytest.approx(1.5)  # the person's 4:6, at the new rate
    assert 60.0 / (kept.inhale_s + kept.exhale_s) == pytest.approx(best)
    # demo, live and replay breathe it with --pace mine.
    s = run_json(capsys, "demo", "--pace", "mine", "--headless", "--speed", "max", "--duration", "30", "--no-record",
                 "--ramp-from", "off", "--seed", "1")  # fmt: skip
    assert s["pace_per_min"] == pytest.approx(best)
    # replay takes it too (the guide shown for a file that recorded none).
    replayed = tmp_path / "r0.txt"
    assert main(["replay", str(replayed), "--pace", "mine", "--headless", "--speed", "max"]) == 0
    capsys.readouterr()
    # A second result keeps the first one under "past".
    run_json(capsys, "resonance", "--from", *_five_files(tmp_path))
    obj = json.loads(path.read_text())
    assert obj["kind"] == "vagal-own-pace" and len(obj["past"]) == 1


def test_a_file_that_is_not_vagals_is_never_overwritten(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = own_pace_path()
    path.parent.mkdir(parents=True)
    path.write_text("my own notes\n")
    line = run_fails(capsys, "resonance", "--from", *_five_files(tmp_path))
    assert "is not vagal's own-pace file" in line
    assert path.read_text() == "my own notes\n"
    assert "is not vagal's own-pace file" in run_fails(capsys, "demo", "--pace", "mine", "--headless")


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["resonance", "--headless"], "needs a source of beats"),
        (["resonance", "--demo", "--speed", "max"], "--speed max runs without the dashboard"),
        (["resonance", "--demo", "--headless", "--rates", "6,x"], "--rates takes breathing rates"),
        (["resonance", "--demo", "--headless", "--rates", "6,40"], "each rate must be 2 to 30"),
        (["resonance", "--demo", "--headless", "--rates", "6,5", "--child"], "--child and --rates"),
        (["resonance", "--demo", "--headless", "--step-s", "10"], "--step-s must be"),
        (["resonance", "--demo", "--headless", "--resonance-rate", "40"], "--resonance-rate must be"),
        (["resonance", "--demo", "--headless", "--own-rate", "0"], "--own-rate must be"),
        (["resonance", "--device", "x", "--headless", "--own-rate", "12"], "simulated person"),
        (["resonance", "--from", "/no/such/file.txt", "/no/such/other.txt"], "no such file"),
        (["resonance", "--demo", "--from", "a.txt"], "different ways in"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    capsys: pytest.CaptureFixture[str], argv: list[str], says: str
) -> None:
    assert says in run_fails(capsys, *argv)


def test_files_and_rates_that_do_not_match(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    files = _five_files(tmp_path)
    assert "5 rates for 3 files" in run_fails(capsys, "resonance", "--from", *files[:3])
    assert "2 rates for 5 files" in run_fails(capsys, "resonance", "--from", *files, "--rates", "6,5")
    empty = tmp_path / "empty.txt"
    empty.write_text("800\n")
    assert "too few to score" in run_fails(capsys, "resonance", "--from", str(empty), *files[1:])
    garbage = tmp_path / "garbage.txt"
    garbage.write_bytes(b"\x00\xff not rr at all\n")
    run_fails(capsys, "resonance", "--from", str(garbage), *files[1:])


def test_a_session_without_steps_is_not_an_assessment(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "plain.vagal.jsonl"
    assert (
        main(
            [
                "demo",
                "--headless",
                "--speed",
                "max",
                "--duration",
                "200",
                "--record",
                str(path),
                "--seed",
                "1",
            ]
        )
        == 0
    )
    capsys.readouterr()
    # A plain session is one recording: one rate alone cannot be compared.
    assert "one recording cannot be compared" in run_fails(
        capsys, "resonance", "--from", str(path), "--rates", "6"
    )


def test_the_command_runs_as_a_process_with_output_on_the_right_streams(tmp_path: Path) -> None:
    env = {**os.environ, "VAGAL_CONFIG_DIR": str(tmp_path / "conf"), "VAGAL_DATA_DIR": str(tmp_path / "data")}
    files = _five_files(tmp_path)
    out = subprocess.run(
        [sys.executable, "-m", "vagal", "resonance", "--from", *files],
        check=False,
        capture_output=True,
        text=True,
        env=env,
    )
    assert out.returncode == 0, out.stderr
    assert "Result: " in out.stdout and "differ from day to day" in out.stdout
    assert "along with the guide" in out.stdout
    bad = subprocess.run(
        [sys.executable, "-m", "vagal", "resonance", "--from", *files[:2]],
        check=False,
        capture_output=True,
        text=True,
        env=env,
    )
    assert bad.returncode == 2 and bad.stdout == "" and "Traceback" not in bad.stderr
    assert len(bad.stderr.strip().splitlines()) == 1
