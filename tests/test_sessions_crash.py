"""kill -9 during a real recording process: the file stays readable and at most the last second is lost.

The recording process is the headless demo at real speed (``vagal demo --headless
--record PATH``) when the engine provides it, otherwise a small script that drives the
Recorder with real beats in real time (tests/fixtures/sessions/record_realtime.py).
"""

from __future__ import annotations

import importlib.util
import os
import signal
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

import pytest

from tests.conftest import _data_dir
from vagal.events import Beat, RawPayload
from vagal.sessions.reader import read_session

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "sessions"
MAX_LOSS_S = 1.0
"""The promise: kill -9 loses at most the last second."""
KILL_AFTER_GROWTH_S = 1.7
"""How long after seeing the file grow the demo is killed."""
STARTUP_SLACK_S = 0.25
"""The header's start is stamped just before the source starts (measured: 0.014 s)."""


def _kill_after(proc: subprocess.Popen[str], n_lines: int) -> tuple[list[tuple[float, float]], float]:
    """Read ``n_lines`` progress lines, then SIGKILL; returns (handed-over (t_s, monotonic)…, kill time)."""
    assert proc.stdout is not None
    handed: list[tuple[float, float]] = []
    for _ in range(n_lines):
        line = proc.stdout.readline()
        assert line, "the recording process ended early"
        t_s, mono = line.split()
        handed.append((float(t_s), float(mono)))
    # Kill between two beats, not right after one: time.monotonic is system-wide on Linux.
    killed_at = time.monotonic()
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    rest = proc.stdout.read()
    for line in rest.splitlines():
        t_s, mono = line.split()
        handed.append((float(t_s), float(mono)))
    return handed, killed_at


@pytest.mark.slow
@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")
def test_kill_9_loses_at_most_the_last_second(tmp_path: Path) -> None:
    out = tmp_path / "killed.vagal.jsonl"
    with subprocess.Popen(
        [sys.executable, str(FIXTURES / "record_realtime.py"), str(_data_dir() / "pyhrv_nsr_5min.csv"), str(out)],
        stdout=subprocess.PIPE,
        text=True,
    ) as proc:
        try:
            handed, killed_at = _kill_after(proc, 6)
        finally:
            if proc.poll() is None:
                proc.kill()
    rec = read_session(out)
    assert all("truncated" in d.reason for d in rec.damage), rec.damage
    on_disk = {e.t_s for e in rec.events if isinstance(e, Beat)}
    must_have = [t for t, mono in handed if mono < killed_at - MAX_LOSS_S]
    assert must_have, "nothing was handed over more than a second before the kill"
    assert set(must_have) <= on_disk
    # What is on disk is a prefix of what was handed over: nothing invented, nothing reordered.
    assert sorted(on_disk) == [t for t, _ in handed][: len(on_disk)]


def _demo_available() -> bool:
    return importlib.util.find_spec("vagal.commands.demo") is not None


def _raw_payloads(path: Path) -> list[tuple[float, bytes]]:
    return [(e.t_s, e.data) for e in read_session(path).events or () if isinstance(e, RawPayload)]


@pytest.mark.slow
@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")
@pytest.mark.skipif(not _demo_available(), reason="vagal demo is not in this build yet")
def test_kill_9_of_the_headless_demo_at_real_speed(tmp_path: Path) -> None:
    """The real recording process: ``vagal demo --headless --record PATH`` at real speed, killed with -9.

    The same seeded demo run as fast as possible gives the payloads the killed run was
    sending; every payload due more than a second before the kill must be on disk.
    """
    cmd = [sys.executable, "-m", "vagal", "demo", "--headless", "--seed", "7"]
    ref = tmp_path / "reference.vagal.jsonl"
    subprocess.run([*cmd, "--duration", "20", "--speed", "max", "--record", str(ref)], check=True, capture_output=True)
    reference = _raw_payloads(ref)

    out = tmp_path / "killed.vagal.jsonl"
    with subprocess.Popen(
        [*cmd, "--duration", "30", "--record", str(out)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    ) as proc:
        try:
            # Wait (by polling the file, not by timing) until a few payloads are on disk.
            while not (out.exists() and out.read_bytes().count(b'"type":"raw"') >= 7):
                assert proc.poll() is None, "the demo ended early"
                time.sleep(0.05)
            # Kill well away from the moment the file last grew (a writer that flushed only
            # every few seconds would lose more than a second here).
            time.sleep(KILL_AFTER_GROWTH_S)
            killed_wall = time.time()
            os.kill(proc.pid, signal.SIGKILL)
        finally:
            if proc.poll() is None:
                proc.kill()
    rec = read_session(out)
    assert all("truncated" in d.reason for d in rec.damage), rec.damage
    start = datetime.fromisoformat(rec.meta["start"]).timestamp()
    elapsed_s = killed_wall - start  # session time at the kill (an upper bound: start is stamped first)
    on_disk = _raw_payloads(out)
    # The simulated heart follows the real clock, so RR bytes may differ by a unit between the
    # two runs; the payload schedule (one notification a second) is the same.
    due = [t for t, _ in reference if t < elapsed_s - MAX_LOSS_S - STARTUP_SLACK_S]
    sent = [t for t, _ in reference if t <= elapsed_s]
    assert len(due) >= 3
    assert len(due) <= len(on_disk) <= len(sent), (len(due), len(on_disk), len(sent), elapsed_s)
    assert all(abs(a - b) < STARTUP_SLACK_S for (a, _), (b, _) in zip(on_disk, reference, strict=False))
