"""A handful of damaged inputs through the real program (``python -m vagal``), start-up included.

The in-process runs (tests/fuzz/test_fuzz_files.py) call ``vagal.cli.main``; these prove the
same rule for the installed entry point, with real stdout/stderr and exit status, where a
traceback would be printed by Python itself, and where a hang is a process that never ends.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.fuzz.harness import broken_rules, run_subprocess
from tests.fuzz.mutations import mutate
from tests.fuzz.samples import RICH_SESSION


@pytest.fixture(scope="module")
def damaged(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The rich session with an hr_bpm of 1e999, a numeric label and a truncated nested last line."""
    folder = tmp_path_factory.mktemp("sub")
    lines = RICH_SESSION.read_text().splitlines()
    lines[0] = lines[0].replace('"label":"fuzz fixture"', '"label":5')
    k = next(i for i, ln in enumerate(lines) if '"type":"hr"' in ln)
    lines[k] = lines[k].replace('"hr_bpm":', '"hr_bpm":1e999,"was":')
    path = folder / "d.vagal.jsonl"
    path.write_bytes(("\n".join(lines) + "\n").encode() + b"[" * 100_000)
    return path


@pytest.mark.parametrize(
    "argv",
    [
        ["analyze", "{f}", "--json"],
        ["replay", "{f}", "--headless", "--speed", "max", "--json"],
        ["convert", "{f}", "{out}/c.csv"],
    ],
    ids=["analyze", "replay", "convert"],
)
def test_a_damaged_session_in_a_real_process(damaged: Path, tmp_path: Path, argv: list[str]) -> None:
    args = [a.format(f=damaged, out=tmp_path) for a in argv]
    outcome = run_subprocess(args, data_dir=tmp_path / "data", cwd=tmp_path)
    assert broken_rules(outcome) == []
    assert outcome.status == 0
    notes = [ln for ln in outcome.stderr.splitlines() if ln.startswith("vagal: note:")]
    if argv[0] != "replay":
        assert len(notes) == 3, outcome.stderr  # the label, the hr line, the truncated last line


def test_a_named_pipe_in_a_real_process(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    outcome = run_subprocess(["analyze", str(fifo)], data_dir=tmp_path / "data", cwd=tmp_path, timeout_s=30)
    assert broken_rules(outcome) == [] and outcome.status == 2


def test_history_and_sessions_with_a_pipe_and_damage_in_the_folder(damaged: Path, tmp_path: Path) -> None:
    sessions = tmp_path / "data" / "sessions"
    sessions.mkdir(parents=True)
    os.mkfifo(sessions / "pipe.vagal.jsonl")
    (sessions / "d.vagal.jsonl").write_bytes(damaged.read_bytes())
    (sessions / "m.vagal.jsonl").write_bytes(mutate(RICH_SESSION.read_bytes(), [("one_time", 0.0, 0.0)]))
    for command in ("history", "sessions"):
        argv = [command, "--json"] + (["--include-demo"] if command == "history" else [])  # simulated sessions
        outcome = run_subprocess(argv, data_dir=tmp_path / "data", cwd=tmp_path, timeout_s=30)
        assert broken_rules(outcome) == [], command
        obj = json.loads(outcome.stdout)
        names = {Path(s.get("file") or s.get("path")).name for s in obj["sessions"]}
        assert {"d.vagal.jsonl", "m.vagal.jsonl"} <= names, (command, names)
