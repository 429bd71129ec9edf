"""Heart data is health data: vagal's folders are 0700 and its files 0600, whatever the umask.

And a default session name is vagal's own choice, so two sessions starting in the same
second both get one: the name is taken by an exclusive create, with
``-2``, ``-3``… on a collision, never by looking first and creating after.
"""

from __future__ import annotations

import multiprocessing
import os
import stat
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from vagal import events as ev
from vagal.options import SessionOptions
from vagal.paths import open_private, private_dir
from vagal.sessions.reader import read_session
from vagal.sessions.writer import Recorder, RecordingError, make_header, open_recorder

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX permission bits")

REPO = Path(__file__).resolve().parent.parent
START = datetime(2026, 11, 24, 17, 15, 2, tzinfo=UTC)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture(params=[0o000, 0o022], ids=["umask000", "umask022"])
def umask(request: pytest.FixtureRequest) -> Iterator[int]:
    """Run the test under this umask (the process's; restored afterwards)."""
    old = os.umask(request.param)
    try:
        yield request.param
    finally:
        os.umask(old)


def test_a_recording_in_new_folders_is_private(tmp_path: Path, umask: int) -> None:
    path = tmp_path / "new" / "deeper" / "s.vagal.jsonl"
    with Recorder(path, {"source": "test"}) as rec:
        rec.write(ev.Beat(1.0, 1000.0))
    assert _mode(path) == 0o600
    assert _mode(path.parent) == _mode(path.parent.parent) == 0o700
    assert read_session(path).n_beats == 1


def test_the_default_sessions_folder_is_private(
    _private_data_dir: Path, umask: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = _private_data_dir / "fresh"
    monkeypatch.setenv("VAGAL_DATA_DIR", str(data))
    rec = open_recorder(SessionOptions(), source="demo")
    assert rec is not None
    rec.close()
    assert rec.path.parent == data / "sessions"
    assert (_mode(data), _mode(data / "sessions"), _mode(rec.path)) == (0o700, 0o700, 0o600)


def test_an_older_vagals_open_folders_are_tightened_and_nothing_else(_private_data_dir: Path) -> None:
    sessions = _private_data_dir / "sessions"
    sessions.mkdir()
    old = sessions / "2025-01-01_10-00-00_demo.vagal.jsonl"
    old.write_text("")
    for p, m in ((_private_data_dir.parent, 0o755), (_private_data_dir, 0o755), (sessions, 0o755), (old, 0o644)):
        os.chmod(p, m)
    rec = open_recorder(SessionOptions(), source="demo")
    assert rec is not None
    rec.close()
    assert (_mode(_private_data_dir), _mode(sessions)) == (0o700, 0o700)
    assert _mode(_private_data_dir.parent) == 0o755  # above vagal's own folders: not ours to change
    assert _mode(old) == 0o644  # out of reach inside a 0700 folder; the file itself is left as it is


def test_a_folder_the_person_chose_is_not_changed(tmp_path: Path, umask: int) -> None:
    mine = tmp_path / "shared-with-my-therapist"
    mine.mkdir()
    os.chmod(mine, 0o755)
    rec = open_recorder(SessionOptions(record=mine / "s.vagal.jsonl"), source="demo")
    assert rec is not None
    rec.close()
    assert _mode(mine) == 0o755
    assert _mode(rec.path) == 0o600


def test_open_private_text_and_binary(tmp_path: Path, umask: int) -> None:
    notes = tmp_path / "s.vagal.jsonl.notes.jsonl"
    with open_private(notes, "a") as f:
        f.write("one\n")
    os.chmod(notes, 0o640)  # appending never changes an existing file's mode
    with open_private(notes, "a") as f:
        f.write("two\n")
    assert notes.read_text() == "one\ntwo\n"
    assert _mode(notes) == 0o640
    pdf = tmp_path / "report.pdf"
    with open_private(pdf, "xb") as b:
        b.write(b"%PDF")
    assert _mode(pdf) == 0o600
    with pytest.raises(FileExistsError):
        open_private(pdf, "xb")
    assert pdf.read_bytes() == b"%PDF"
    folder = private_dir(tmp_path / "a" / "b")
    assert _mode(folder) == _mode(folder.parent) == 0o700


def _vagal_under_umask(umask_bits: int, data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    script = f"import os, sys\nos.umask({umask_bits})\nfrom vagal.cli import main\nsys.exit(main(sys.argv[1:]))\n"
    env = {**os.environ, "VAGAL_DATA_DIR": str(data_dir)}
    env.pop("VAGAL_SESSIONS_DIR", None)
    return subprocess.run(
        [sys.executable, "-c", script, *args], capture_output=True, text=True, env=env, cwd=REPO, check=False
    )


@pytest.mark.parametrize("umask_bits", [0o000, 0o022])
def test_the_headless_demo_records_privately(tmp_path: Path, umask_bits: int) -> None:
    data = tmp_path / "data"
    proc = _vagal_under_umask(umask_bits, data, "demo", "--headless", "--duration", "5", "--speed", "max")
    assert proc.returncode == 0, proc.stderr
    (session,) = (data / "sessions").iterdir()
    assert (_mode(data), _mode(data / "sessions"), _mode(session)) == (0o700, 0o700, 0o600)



@pytest.mark.parametrize("umask_bits", [0o000, 0o022])
@pytest.mark.parametrize("name", ["out.vagal.jsonl", "out.csv", "out.txt"])
def test_convert_writes_a_private_file(tmp_path: Path, umask_bits: int, name: str) -> None:
    """A converted file is the person's heart data too: 0600 whatever the umask, in any format."""
    out = tmp_path / "new" / name
    proc = _vagal_under_umask(umask_bits, tmp_path / "data", "convert", "samples/pyhrv_nsr_5min.csv", str(out))
    assert proc.returncode == 0, proc.stderr
    assert _mode(out) == 0o600
    assert _mode(out.parent) == 0o700  # the folder convert made for it

# --- item 11: default names never race ----------------------------------------------------


def test_many_recorders_starting_in_the_same_second_all_get_a_file(_private_data_dir: Path) -> None:
    n = 24
    barrier = threading.Barrier(n)
    paths: list[Path] = []
    errors: list[RecordingError] = []
    lock = threading.Lock()

    def start_one(i: int) -> None:
        barrier.wait()
        try:
            rec = open_recorder(SessionOptions(label="Anna"), source="demo", start=START)
            assert rec is not None
            rec.write(ev.Marker(0.5, f"recorder {i}"))
            rec.close()
        except RecordingError as exc:  # collected: the assertion below names them
            with lock:
                errors.append(exc)
        else:
            with lock:
                paths.append(rec.path)

    threads = [threading.Thread(target=start_one, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    stem = "2026-11-24_17-15-02_demo_anna"
    assert sorted(p.name for p in paths) == sorted(
        [f"{stem}.vagal.jsonl"] + [f"{stem}-{k}.vagal.jsonl" for k in range(2, n + 1)]
    )
    # Each file is its own session: one recorder's marker each, none lost, none shared.
    labels = sorted(m.label for p in paths for m in read_session(p).markers)
    assert labels == sorted(f"recorder {i}" for i in range(n))


def _record_in_a_process(barrier: Any, data_dir: str, out: Any) -> None:
    """One process: wait for the others, then start a default-named recording (spawned child)."""
    os.environ["VAGAL_DATA_DIR"] = data_dir
    os.environ.pop("VAGAL_SESSIONS_DIR", None)
    barrier.wait()
    try:
        rec = open_recorder(SessionOptions(), source="live", start=START)
        assert rec is not None
        rec.close()
        out.put(str(rec.path))
    except RecordingError as exc:
        out.put(f"error: {exc}")


@pytest.mark.slow
def test_many_processes_starting_in_the_same_second_all_get_a_file(_private_data_dir: Path) -> None:
    ctx = multiprocessing.get_context("spawn")
    n = 8
    barrier = ctx.Barrier(n)
    out = ctx.Queue()
    procs = [
        ctx.Process(target=_record_in_a_process, args=(barrier, str(_private_data_dir), out)) for _ in range(n)
    ]
    for p in procs:
        p.start()
    results = [out.get(timeout=120) for _ in range(n)]
    for p in procs:
        p.join(60)
    assert not [r for r in results if r.startswith("error")], results
    assert len(set(results)) == n
    for r in results:
        assert read_session(Path(r)).meta["source"] == "live"


def test_a_name_given_with_record_is_never_renumbered(tmp_path: Path) -> None:
    path = tmp_path / "mine.vagal.jsonl"
    path.write_text("keep me\n")
    with pytest.raises(RecordingError, match="already exists; a recording never overwrites a file"):
        open_recorder(SessionOptions(record=path), source="demo")
    assert path.read_text() == "keep me\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine.vagal.jsonl"]


def test_make_header_is_unchanged_by_numbering(tmp_path: Path) -> None:
    """A renumbered file still records the start and label it was asked for."""
    first = Recorder(tmp_path / "a.vagal.jsonl", make_header(source="demo", start=START, label="x"), unique=True)
    second = Recorder(tmp_path / "a.vagal.jsonl", make_header(source="demo", start=START, label="x"), unique=True)
    first.close()
    second.close()
    assert second.path.name == "a-2.vagal.jsonl"
    assert read_session(second.path).meta["label"] == "x"
    assert read_session(second.path).meta["start"] == read_session(first.path).meta["start"]
