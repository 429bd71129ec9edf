"""The session index: ``vagal sessions`` read through SQLite equals reading every file afresh.

The oracle is the straightforward path, ``vagal.sessions.listing.list_sessions`` (every file
read and analysed by the HRV core), on sessions recorded from a real recording
(../shared/data/pyhrv_nsr_1h.csv) plus the damaged fixtures. The index must give the same
list, read only what changed, rebuild itself when damaged or foreign, and stay private.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import stat
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

from vagal import events as ev
from vagal.cli import main
from vagal.commands.sessions import list_indexed
from vagal.sessions import index as index_mod
from vagal.sessions import listing
from vagal.sessions.codec import event_to_dict
from vagal.sessions.index import APPLICATION_ID, INDEX_NAME, analysis_version, open_index
from vagal.sessions.writer import Recorder, make_header

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "sessions"


def _session(folder: Path, name: str, rr_ms: npt.NDArray[np.float64], start: datetime) -> Path:
    t = np.cumsum(rr_ms) / 1000.0
    with Recorder(folder / name, make_header(source="live", start=start, label=name.split(".")[0])) as rec:
        rec.write(ev.DeviceInfo(0.0, "strap", "Polar H10 A1", model="H10"))
        for i, (ti, r) in enumerate(zip(t.tolist(), rr_ms.tolist(), strict=True)):
            if i == 100:
                rec.write(ev.Marker(ti - 0.1, "breathing"))
            rec.write(ev.Beat(ti, r, round(60000 / r), True))
    return folder / name


@pytest.fixture
def folder(_private_data_dir: Path, nsr_1h: npt.NDArray[np.float64]) -> Path:
    d = _private_data_dir / "sessions"
    d.mkdir()
    tz = timezone(timedelta(hours=1))
    for k in range(6):
        rr = nsr_1h[k * 600 : k * 600 + 500]
        _session(d, f"day{k}.vagal.jsonl", rr, datetime(2026, 11, 20 + k, 7, 0, tzinfo=tz))
    for name in ("corrupt_middle.vagal.jsonl", "bad_header.vagal.jsonl", "empty.vagal.jsonl"):
        shutil.copy(FIXTURES / name, d / name)
    return d


@pytest.fixture
def index_file(_private_data_dir: Path) -> Path:
    path: Path = _private_data_dir / INDEX_NAME
    return path


class _Counting:
    """``listing.summarize`` that counts the files it reads."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.read: list[str] = []
        real = listing.summarize

        def summarize(path: Path) -> listing.SessionSummary:
            self.read.append(path.name)
            return real(path)

        monkeypatch.setattr(listing, "summarize", summarize)


def test_the_index_gives_the_same_list_and_reads_only_what_changed(
    folder: Path, index_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = listing.list_sessions(folder)
    counting = _Counting(monkeypatch)
    assert list_indexed(folder) == expected
    assert len(counting.read) == 9  # first use: every file read once, the index built
    assert index_file.is_file()
    counting.read.clear()
    assert list_indexed(folder) == expected
    assert counting.read == []  # warm: nothing read again

    # A session that grows (recording goes on) and a new one: only those are read.
    with (folder / "day2.vagal.jsonl").open("a") as f:
        f.write(json.dumps(event_to_dict(ev.Marker(400.0, "later"))) + "\n")
    shutil.copy(folder / "day0.vagal.jsonl", folder / "copy.vagal.jsonl")
    (folder / "day5.vagal.jsonl").unlink()
    counting.read.clear()
    got = list_indexed(folder)
    assert sorted(counting.read) == ["copy.vagal.jsonl", "day2.vagal.jsonl"]
    assert got == listing.list_sessions(folder)
    assert any(m["label"] == "later" for s in got if s.path.endswith("day2.vagal.jsonl") for m in s.markers)
    with sqlite3.connect(index_file) as db:
        paths = {p for (p,) in db.execute("SELECT path FROM entries")}
    assert not any(p.endswith("day5.vagal.jsonl") for p in paths)  # a deleted file is pruned


def test_deleting_the_index_loses_nothing(folder: Path, index_file: Path) -> None:
    first = list_indexed(folder)
    index_file.unlink()
    assert list_indexed(folder) == first == listing.list_sessions(folder)


def test_the_index_is_private(folder: Path, index_file: Path) -> None:
    list_indexed(folder)
    assert stat.S_IMODE(index_file.stat().st_mode) == 0o600
    index_file.chmod(0o644)
    list_indexed(folder)
    assert stat.S_IMODE(index_file.stat().st_mode) == 0o600


@pytest.mark.parametrize("damage", ["garbage", "truncated", "foreign", "old_schema", "link", "folder"])
def test_a_damaged_or_foreign_index_is_rebuilt_never_trusted(
    folder: Path, index_file: Path, tmp_path: Path, damage: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = listing.list_sessions(folder)
    list_indexed(folder)
    target = tmp_path / "elsewhere.sqlite3"
    if damage == "garbage":
        index_file.write_bytes(b"not a database at all\n" * 100)
    elif damage == "truncated":
        index_file.write_bytes(index_file.read_bytes()[:1500])
    elif damage == "foreign":
        index_file.unlink()
        with sqlite3.connect(index_file) as db:
            db.execute("CREATE TABLE entries (kind, path, fingerprint, version, value)")
    elif damage == "old_schema":
        with sqlite3.connect(index_file) as db:
            db.execute("PRAGMA user_version = 999")
    elif damage == "link":
        index_file.unlink()
        with sqlite3.connect(target) as db:
            db.execute("CREATE TABLE keep (x)")
        index_file.symlink_to(target)
    else:
        index_file.unlink()
        index_file.mkdir()
    counting = _Counting(monkeypatch)
    assert list_indexed(folder) == expected
    assert len(counting.read) == 9  # nothing of the old file was used
    if damage == "folder":
        assert index_file.is_dir()  # a folder is never deleted: listed without the index
        return
    assert index_file.is_file() and not index_file.is_symlink()
    with sqlite3.connect(index_file) as db:
        assert db.execute("PRAGMA application_id").fetchone() == (APPLICATION_ID,)
    if damage == "link":
        with sqlite3.connect(target) as db:  # the link's target is left alone
            assert db.execute("SELECT name FROM sqlite_master").fetchall() == [("keep",)]


def test_a_planted_entry_is_checked_and_recomputed(
    folder: Path, index_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = listing.list_sessions(folder)
    list_indexed(folder)
    with sqlite3.connect(index_file) as db:
        db.execute("UPDATE entries SET value = ? WHERE path LIKE ?", ('{"path": "x"}', "%day1.vagal.jsonl"))
        db.execute("UPDATE entries SET value = ? WHERE path LIKE ?", ("[1, 2", "%day3.vagal.jsonl"))
    counting = _Counting(monkeypatch)
    assert list_indexed(folder) == expected
    assert sorted(counting.read) == ["day1.vagal.jsonl", "day3.vagal.jsonl"]


def test_a_new_analysis_version_recomputes_everything(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = list_indexed(folder)
    counting = _Counting(monkeypatch)
    monkeypatch.setattr(index_mod, "analysis_version", lambda *names: "another analysis")
    assert list_indexed(folder) == expected
    assert len(counting.read) == 9


def test_analysis_version_follows_the_code(tmp_path: Path) -> None:
    assert analysis_version("hrv") == analysis_version("hrv")
    assert analysis_version("hrv") != analysis_version("hrv", "sessions")


def test_without_a_writable_data_folder_it_still_lists(
    folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        # root writes anywhere: make the index path unusable another way (a file as its folder)
        blocker = tmp_path / "not-a-folder"
        blocker.write_text("")
        monkeypatch.setattr(index_mod, "index_path", lambda: blocker / INDEX_NAME)
    else:
        ro = tmp_path / "ro"
        ro.mkdir(mode=0o500)
        monkeypatch.setattr(index_mod, "index_path", lambda: ro / INDEX_NAME)
    assert open_index() is None
    assert list_indexed(folder) == listing.list_sessions(folder)


def test_vagal_sessions_json_reads_the_index(
    folder: Path, index_file: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert main(["sessions", "--json"]) == 0
    cold = json.loads(capsys.readouterr().out)
    counting = _Counting(monkeypatch)
    assert main(["sessions", "--json"]) == 0
    warm = json.loads(capsys.readouterr().out)
    assert counting.read == []
    assert warm == cold
    assert [s["path"] for s in warm["sessions"]] == [s.path for s in listing.list_sessions(folder)]


def test_history_through_the_index_equals_collect_history(
    folder: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from datetime import date

    from vagal.commands.history import read_history
    from vagal.report import history as report_history

    expected = report_history.collect_history(folder)
    expected_since = report_history.collect_history(folder, since=date(2026, 11, 23))
    assert expected.sessions and expected.skipped and expected_since.sessions != expected.sessions
    calls: list[object] = []
    real = report_history.collect_history

    def counting(
        folder: Path, *, since: date | None = None, include_demo: bool = False, read: object = None
    ) -> report_history.History:
        calls.append(since)
        return real(folder, since=since, include_demo=include_demo, read=read)  # type: ignore[arg-type]

    monkeypatch.setattr(report_history, "collect_history", counting)
    assert read_history(folder, since=None, include_demo=False) == expected
    assert read_history(folder, since=None, include_demo=False) == expected
    assert read_history(folder, since=date(2026, 11, 23), include_demo=False) == expected_since
    assert read_history(folder, since=date(2026, 11, 23), include_demo=False) == expected_since
    assert calls == [None, date(2026, 11, 23)]  # each variant computed once, then read back

    # Anything new in the folder: computed again.
    shutil.copy(folder / "day0.vagal.jsonl", folder / "again.vagal.jsonl")
    monkeypatch.setattr(report_history, "collect_history", real)
    assert read_history(folder, since=None, include_demo=False) == report_history.collect_history(folder)
    assert main(["history", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out.pop("assessments") == []  # no breathing-rate assessment kept (vagal resonance)
    assert out == report_history.collect_history(folder).to_dict()


def test_from_json_refuses_what_does_not_fit() -> None:
    from vagal.report.history import History
    from vagal.sessions.index import from_json, to_json

    with pytest.raises(KeyError):
        from_json(History, {"folder": "x"})
    good = to_json(History("f", None, [], [], [], [("a.vagal.jsonl", "why")]))
    assert from_json(History, good) == History("f", None, [], [], [], [("a.vagal.jsonl", "why")])
    with pytest.raises(TypeError):
        from_json(History, {**good, "sessions": "not a list"})
    with pytest.raises(TypeError):
        from_json(History, {**good, "folder": 3})


def test_no_sessions_makes_no_index(_private_data_dir: Path, index_file: Path) -> None:
    from vagal.commands.history import read_history

    assert list_indexed(_private_data_dir / "sessions") == []
    assert read_history(_private_data_dir / "sessions", since=None, include_demo=False).sessions == []
    assert not index_file.exists()
