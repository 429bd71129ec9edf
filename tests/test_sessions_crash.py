"""kill -9 during a real recording process: the file stays readable and at most the last second is lost.

The recording process is the headless demo at real speed (``vagal demo --headless
--record PATH``) when the engine provides it, otherwise a small script that drives the
Recorder with real beats in real time (tests/fixtures/sessions/record_realtime.py).
"""

from __future__ import annotations

import importlib.util
import itertools
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import _data_dir
from vagal.events import Beat, RawPayload
from vagal.sessions.reader import read_session

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "sessions"
MAX_LOSS_S = 1.0
"""The promise: kill -9 loses at most the last second."""
WITNESS_S = 10
"""The demo's progress line at this session time (s) says every event up to it was handed over."""


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


def _raw_payloads(path: Path) -> list[tuple[float, bytes]]:
    return [(e.t_s, e.data) for e in read_session(path).events or () if isinstance(e, RawPayload)]


def _demo_available() -> bool:
    return importlib.util.find_spec("vagal.commands.demo") is not None


@pytest.mark.slow
@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")
@pytest.mark.skipif(not _demo_available(), reason="vagal demo is not in this build yet")
def test_kill_9_of_the_headless_demo_at_real_speed(tmp_path: Path) -> None:
    """The real recording process: ``vagal demo --headless --record PATH`` at real speed, killed with -9.

    The demo itself says what it has handed to the recorder: it prints the progress line
    "0:10 …" only after the event at 10 s has gone to the recorder (the driver writes to the
    sinks before it calls ``on_event``). A second after reading that line the demo is killed;
    that event, and so every event before it, must be on disk. Nothing here depends on how
    fast the machine is: a busy machine only makes the line arrive later, and the second
    between the line and the kill is the whole of the promise.
    """
    out = tmp_path / "killed.vagal.jsonl"
    cmd = [sys.executable, "-m", "vagal", "demo", "--headless", "--seed", "7", "--duration", "60"]
    with subprocess.Popen(
        [*cmd, "--record", str(out)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    ) as proc:
        assert proc.stderr is not None
        try:
            for line in proc.stderr:  # blocks until the demo says it; no polling, no timing
                if line.strip().startswith(f"0:{WITNESS_S:02d} "):
                    break
            else:
                pytest.fail("the demo ended before 0:10")
            witnessed_at = time.monotonic()
            time.sleep(MAX_LOSS_S)  # the promise: handed over a second ago means on disk now
            assert time.monotonic() - witnessed_at >= MAX_LOSS_S
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
        finally:
            if proc.poll() is None:
                proc.kill()
    assert proc.returncode == -signal.SIGKILL  # it was killed, it did not end by itself
    rec = read_session(out)
    # The file reads back whole: at most its very last line cut by the kill.
    assert all("truncated" in d.reason for d in rec.damage), rec.damage
    assert rec.events is not None
    # The progress clock starts at the first event the driver folded: the file's first event.
    first_t = rec.events[0].t_s
    # The file holds the events in the order they were handed over, and a kill can only cut
    # its end; so one event on disk at or after 0:10 means the witnessed one (the first
    # handed over at or after 0:10) and every event before it are on disk.
    assert max(e.t_s for e in rec.events) >= first_t + WITNESS_S
    # Nothing reordered, and the beats of those first seconds are all there: one notification
    # a second, and about as many beats as the seconds they span.
    beats = [e for e in rec.events if isinstance(e, Beat)]
    assert all(b.t_s >= a.t_s for a, b in itertools.pairwise(beats))
    payload_times = [t for t, _ in _raw_payloads(out)]
    assert len(payload_times) >= WITNESS_S - 1 and payload_times == sorted(payload_times)
    span_s = beats[-1].t_s - beats[0].t_s
    assert sum(b.rr_ms for b in beats[1:]) / 1000.0 == pytest.approx(span_s, abs=2.0)
