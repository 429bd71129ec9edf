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
from pathlib import Path

import pytest

from tests.conftest import _data_dir
from vagal.events import Beat
from vagal.sessions.reader import read_session

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "sessions"
MAX_LOSS_S = 1.0
"""The promise: kill -9 loses at most the last second."""


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
