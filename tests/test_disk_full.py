"""A full disk, for real: one calm line at the start, and mid-recording a file that says up to when.

Three mechanisms, none needing root (a small tmpfs would, so CI has none):

* ``RLIMIT_FSIZE`` (``ulimit -f``) in a subprocess: the kernel refuses to grow any file past
  the limit with ``EFBIG`` (Python ignores ``SIGXFSZ``), exactly where a full disk refuses
  with ``ENOSPC``: a real ``write(2)`` failing part-way through a line, through the real
  command (``vagal demo --headless``).
* ``/dev/full``: a real descriptor on which every ``write(2)`` fails with ``ENOSPC`` from the
  kernel, put under a recorder.
* A stand-in output that takes N bytes and then fails with ``ENOSPC`` the way a filling disk
  does (a short write, then the error), at the writer's one seam (``_FdOutput``).
"""

from __future__ import annotations

import errno
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from vagal import events as ev
from vagal.sessions import writer
from vagal.sessions.reader import read_session
from vagal.sessions.writer import Recorder, RecordingError

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="RLIMIT_FSIZE and /dev/full are POSIX")

REPO = Path(__file__).resolve().parent.parent


def _vagal_with_file_limit(limit_bytes: int, data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``vagal ARGS`` in a process whose every file may grow to ``limit_bytes`` (stdout/stderr are pipes)."""
    script = (
        "import resource, sys\n"
        f"resource.setrlimit(resource.RLIMIT_FSIZE, ({limit_bytes}, {limit_bytes}))\n"
        "from vagal.cli import main\n"
        "sys.exit(main(sys.argv[1:]))\n"
    )
    env = {**os.environ, "VAGAL_DATA_DIR": str(data_dir), "PYTHONDONTWRITEBYTECODE": "1"}
    env.pop("VAGAL_SESSIONS_DIR", None)
    return subprocess.run(
        [sys.executable, "-c", script, *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO,
        timeout=300,
        check=False,
    )


def _session_files(data_dir: Path) -> list[Path]:
    folder = data_dir / "sessions"
    return sorted(folder.iterdir()) if folder.is_dir() else []


def test_full_at_the_start_is_one_line_exit_2_and_no_empty_file(tmp_path: Path) -> None:
    proc = _vagal_with_file_limit(0, tmp_path, "demo", "--headless", "--duration", "5", "--speed", "max", "--seed", "1")
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    (line,) = proc.stderr.strip().splitlines()  # one line, no progress from a session that never began
    assert line.startswith("vagal: could not write the session file "), line
    assert "the file reached the largest size allowed here, so nothing was recorded (the empty file was removed)" in line
    assert line.endswith("raise the file size limit (ulimit -f).")
    assert proc.stdout == ""
    assert _session_files(tmp_path) == []  # no 0-byte file left behind


def test_full_at_the_start_with_record_path_leaves_nothing(tmp_path: Path) -> None:
    out = tmp_path / "mine.vagal.jsonl"
    proc = _vagal_with_file_limit(
        0, tmp_path, "demo", "--headless", "--duration", "5", "--speed", "max", "--record", str(out)
    )
    assert proc.returncode == 2 and "Traceback" not in proc.stderr, proc.stderr
    assert not out.exists()


def test_full_mid_recording_says_what_was_saved_and_the_session_goes_on(tmp_path: Path) -> None:
    limit = 48 * 1024
    proc = _vagal_with_file_limit(
        limit, tmp_path, "demo", "--headless", "--json", "--duration", "400", "--speed", "max", "--seed", "3"
    )
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    summary = json.loads(proc.stdout)
    (path,) = _session_files(tmp_path)
    assert summary["recording"] == str(path)
    assert path.stat().st_size <= limit
    rec = read_session(path)
    # The file ends on a whole line: the line the limit cut in two was taken back.
    assert rec.damage == ()
    assert path.read_bytes().endswith(b"\n")
    assert rec.events is not None
    last_t = max(e.t_s for e in rec.events)
    # What the summary says was saved is exactly what the file holds.
    assert summary["saved_until_s"] == pytest.approx(last_t, abs=1e-3)
    assert summary["recording_stopped"] == "the file reached the largest size allowed here"
    assert 60 < last_t < 300  # it did stop part-way…
    assert summary["duration_s"] >= 399  # …and the session went on to its end (guide and numbers)
    assert summary["n_beats"] > rec.n_beats
    lines = proc.stderr.strip().splitlines()
    clock = f"{int(last_t) // 60}:{int(last_t) % 60:02d}"
    # Said calmly as it happened, and once more as the last line.
    assert any(
        f"the recording stopped (the file reached the largest size allowed here); the session goes on, "
        f"and {path.name} holds it up to {clock}" in ln
        for ln in lines
    ), proc.stderr
    assert lines[-1] == (
        f"vagal: the file reached the largest size allowed here, so the recording stopped at {clock}: "
        f"{path} holds the session up to {clock}. Record to another disk with --record PATH, "
        "or raise the file size limit (ulimit -f)."
    )


def test_full_mid_recording_text_summary_says_up_to_when(tmp_path: Path) -> None:
    proc = _vagal_with_file_limit(
        32 * 1024, tmp_path, "demo", "--headless", "--duration", "300", "--speed", "max", "--seed", "3"
    )
    assert proc.returncode == 2, proc.stderr
    (path,) = _session_files(tmp_path)
    rec = read_session(path)
    assert rec.events is not None
    last_t = max(e.t_s for e in rec.events)
    clock = f"{int(last_t) // 60}:{int(last_t) % 60:02d}"
    out = proc.stdout.strip().splitlines()
    assert out[0].startswith("Session: 5:00 (demo)")
    assert out[-1] == (
        f"Saved to {path} up to {clock} only: the recording stopped there "
        "(the file reached the largest size allowed here)."
    )


class _FillsUp(writer._FdOutput):
    """A disk with ``room`` bytes free: a short write up to the last byte, then ENOSPC."""

    room = 0

    def write(self, data: bytes | memoryview) -> int:
        if type(self).room <= 0:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        n = min(len(data), type(self).room)
        type(self).room -= n
        return super().write(bytes(data[:n]))


def test_enospc_at_the_start_removes_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(writer, "_FdOutput", _FillsUp)
    monkeypatch.setattr(_FillsUp, "room", 100)  # not even the header fits
    path = tmp_path / "s.vagal.jsonl"
    with pytest.raises(RecordingError) as info:
        Recorder(path, {"source": "test"})
    assert str(info.value) == (
        f"could not write the session file {path}: the disk is full, so nothing was recorded "
        "(the empty file was removed). Free some space on the disk, or record to another disk with --record PATH."
    )
    assert info.value.reason == "the disk is full"
    assert not path.exists()


def test_enospc_mid_recording_keeps_a_whole_file_and_says_up_to_when(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(writer, "_FdOutput", _FillsUp)
    monkeypatch.setattr(_FillsUp, "room", 20_000)
    path = tmp_path / "s.vagal.jsonl"
    stopped: list[RecordingError] = []
    rec = Recorder(path, {"source": "test"}, flush_every_s=0.0, fsync_every_s=0.0)
    rec.on_error = stopped.append
    n = 2000
    for i in range(1, n + 1):
        rec.write(ev.Beat(float(i), 1000.0))
    rec.close()
    assert rec.error is not None and stopped == [rec.error]
    on_disk = read_session(path)
    assert on_disk.damage == ()
    assert 0 < on_disk.n_beats < n
    assert path.stat().st_size <= 20_000
    assert rec.saved_until_s == on_disk.t_s[-1] == float(on_disk.n_beats)
    assert rec.error.saved_until_s == rec.saved_until_s
    assert rec.written == on_disk.n_beats
    assert rec.written + rec.dropped == n
    when = f"{on_disk.n_beats // 60}:{on_disk.n_beats % 60:02d}"
    assert str(rec.error) == (
        f"the disk is full, so the recording stopped at {when}: {path} holds the session up to {when}. "
        "Free some space before the next session."
    )


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="/dev/full is Linux's")
def test_a_real_enospc_from_dev_full(tmp_path: Path) -> None:
    rec = Recorder(tmp_path / "s.vagal.jsonl", {"source": "test"})
    os.close(rec._out.fd)
    rec._out = writer._FdOutput(os.open("/dev/full", os.O_WRONLY))  # every write: ENOSPC, from the kernel
    rec.write(ev.Beat(1.0, 1000.0))
    rec.close()
    assert rec.error is not None and rec.error.reason == "the disk is full"
    assert rec.saved_until_s == 0.0
    assert read_session(rec.path).n_beats == 0  # the header is there, whole


@pytest.mark.parametrize("name", ["out.vagal.jsonl", "out.csv", "out.txt"])
def test_convert_to_a_full_disk_is_one_line_and_leaves_no_partial_file(tmp_path: Path, name: str) -> None:
    """The limit lets convert start its file and stops it part-way (the input is 5 minutes of beats)."""
    out = tmp_path / name
    proc = _vagal_with_file_limit(1000, tmp_path, "convert", "samples/pyhrv_nsr_5min.csv", str(out))
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    (line,) = proc.stderr.strip().splitlines()
    assert line == (
        f"vagal: could not write {out}: the file reached the largest size allowed here, so nothing was "
        "converted (the unfinished file was removed). Write to another disk, or raise the file size "
        "limit (ulimit -f)."
    ), line
    assert not out.exists()  # never a cut-off copy that looks whole
    assert (REPO / "samples" / "pyhrv_nsr_5min.csv").stat().st_size > 1000  # the input was big enough to fail
