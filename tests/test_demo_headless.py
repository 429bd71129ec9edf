"""``vagal demo --headless`` and ``vagal replay --headless`` as a person runs them: subprocesses.

Exit codes, what goes to stdout (the summary) and to stderr (progress, errors), --json,
--speed max, recording on by default and off with --no-record, a clean end on SIGINT.
The data folder is a private temporary one (``VAGAL_DATA_DIR``), never the user's.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import SHARED_DATA, real_recordings
from vagal.events import Beat, PacerChanged, SourceState
from vagal.sessions.reader import read_events


def _env(data_dir: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["VAGAL_DATA_DIR"] = str(data_dir)
    env.pop("VAGAL_SESSIONS_DIR", None)
    return env


def vagal(data_dir: Path, *args: str, timeout: float = 120.0) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "vagal", *args],
        capture_output=True,
        text=True,
        env=_env(data_dir),
        cwd=data_dir,
        timeout=timeout,
        check=False,
    )


def test_demo_headless_max_speed_records_by_default(tmp_path: Path) -> None:
    r = vagal(tmp_path, "demo", "--headless", "--duration", "180", "--speed", "max", "--seed", "3")
    assert r.returncode == 0, r.stderr
    # stdout: the summary only; stderr: calm progress lines, one per minute of session time.
    assert r.stdout.startswith("Session: 3:00 (demo)")
    for word in ("Heart rate:", "RMSSD:", "LF/HF:", "Coherence:", "RSA:", "Breathing:", "Saved to "):
        assert word in r.stdout
    progress = [line for line in r.stderr.splitlines() if line.strip()]
    assert 2 <= len(progress) <= 4 and all("heart" in line for line in progress)
    assert "Traceback" not in r.stderr
    files = list((tmp_path / "sessions").glob("*.vagal.jsonl"))
    assert len(files) == 1 and str(files[0]) in r.stdout
    header, events, damage, _ = read_events(files[0])
    assert not damage and header["seed"] == 3
    assert isinstance(events[0], PacerChanged)
    assert isinstance(events[-1], SourceState) and events[-1].state == "ended"
    assert sum(isinstance(e, Beat) for e in events) > 150


def test_demo_headless_json_matches_the_recording(tmp_path: Path) -> None:
    out = tmp_path / "s.vagal.jsonl"
    r = vagal(
        tmp_path,
        "demo",
        "--headless",
        "--json",
        "--duration",
        "150",
        "--speed",
        "max",
        "--seed",
        "8",
        "--record",
        str(out),
    )
    assert r.returncode == 0, r.stderr
    s = json.loads(r.stdout)
    assert s["source"] == "demo" and s["seed"] == 8 and s["recording"] == str(out)
    assert s["session_s"] == pytest.approx(150.0, abs=1.0)
    _, events, _, _ = read_events(out)
    # The final numbers are those of the beats analysis uses: the settling beats left out.
    beats = [e for e in events if isinstance(e, Beat)]
    assert s["n_beats"] == sum(not b.settling for b in beats)
    # Whole-session RMSSD and mean heart rate against the recorded beats themselves
    # (the simulated strap without --artifacts sends clean beats).
    rr = np.array([b.rr_ms for b in beats if not b.settling])
    assert s["mean_hr_bpm"] == pytest.approx(60000.0 / rr.mean(), rel=0.01)
    assert s["rmssd_ms"] == pytest.approx(float(np.sqrt(np.mean(np.diff(rr) ** 2))), rel=0.05)
    assert s["pace_per_min"] == 6.0
    assert s["last"]["lf_hf"] is not None and s["coherence"] > 1.0 and s["live"]["coherence_mean"] > 1.0


def test_same_seed_same_summary(tmp_path: Path) -> None:
    args = (
        "demo",
        "--headless",
        "--json",
        "--duration",
        "90",
        "--speed",
        "max",
        "--seed",
        "5",
        "--no-record",
    )
    a, b = vagal(tmp_path, *args), vagal(tmp_path, *args)
    assert a.returncode == b.returncode == 0
    assert json.loads(a.stdout) == json.loads(b.stdout)
    assert json.loads(a.stdout)["recording"] is None
    assert not (tmp_path / "sessions").exists()


def test_demo_with_artifacts_counts_them(tmp_path: Path) -> None:
    r = vagal(
        tmp_path,
        "demo",
        "--headless",
        "--json",
        "--duration",
        "600",
        "--speed",
        "max",
        "--seed",
        "11",
        "--artifacts",
        "--no-record",
    )
    assert r.returncode == 0, r.stderr
    s = json.loads(r.stdout)
    assert s["live"]["artifacts"] > 0 and s["live"]["artifact_kinds"] and s["artifacts_pct"] > 0
    assert s["gaps"] >= 1 and s["gap_total_s"] > 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--duration", "-5"), "--duration must be a positive number"),
        (("--speed", "max"), "--speed max needs an end"),
        (("--duration", "60", "--pace", "fast-please"), "pace"),
    ],
)
def test_bad_options_give_one_line_and_status_2(tmp_path: Path, args: tuple[str, ...], message: str) -> None:
    r = vagal(tmp_path, "demo", "--headless", "--no-record", *args)
    assert r.returncode == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("vagal: ") and message in lines[0]
    assert r.stdout == ""


@pytest.mark.parametrize("seed", ["-1", "1.5", "abc"])
def test_a_bad_seed_is_refused_without_a_traceback(tmp_path: Path, seed: str) -> None:
    r = vagal(tmp_path, "demo", "--headless", "--no-record", "--duration", "5", "--seed", seed)
    assert r.returncode == 2
    assert "seed must be a whole number from 0" in r.stderr and "Traceback" not in r.stderr


def test_record_never_overwrites(tmp_path: Path) -> None:
    target = tmp_path / "taken.vagal.jsonl"
    target.write_text("precious\n")
    r = vagal(tmp_path, "demo", "--headless", "--duration", "30", "--speed", "max", "--record", str(target))
    assert r.returncode == 2 and "already exists" in r.stderr
    assert target.read_text() == "precious\n"


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_signal_ends_cleanly_with_a_complete_file(tmp_path: Path, sig: signal.Signals) -> None:
    out = tmp_path / "interrupted.vagal.jsonl"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "vagal",
            "demo",
            "--headless",
            "--speed",
            "20",
            "--seed",
            "2",
            "--record",
            str(out),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_env(tmp_path),
        cwd=tmp_path,
    )
    deadline = time.monotonic() + 60.0
    while time.monotonic() < deadline and (not out.exists() or out.stat().st_size < 2000):
        time.sleep(0.1)
    proc.send_signal(sig)
    stdout, stderr = proc.communicate(timeout=60.0)
    assert proc.returncode == 0, stderr
    assert "Traceback" not in stderr and stdout.startswith("Session: ")
    _, events, damage, _ = read_events(out)
    assert not damage
    assert isinstance(events[-1], SourceState) and events[-1].state == "ended"


def test_replay_headless_json_of_a_real_recording(tmp_path: Path) -> None:
    path = real_recordings()[0] if SHARED_DATA.is_dir() else pytest.skip("no shared data")
    r = vagal(tmp_path, "replay", str(path), "--headless", "--json", "--speed", "max")
    assert r.returncode == 0, r.stderr
    s = json.loads(r.stdout)
    n = int(np.loadtxt(path, skiprows=1).size)
    assert s["source"] == "replay" and s["n_beats"] == n
    assert s["recording"] is None  # a replay is never recorded again
    assert not (tmp_path / "sessions").exists()
    assert s["mean_hr_bpm"] is not None and 40 < s["mean_hr_bpm"] < 120
    assert s["last"]["phase_sync"] is None  # no guide was recorded with a plain RR list
