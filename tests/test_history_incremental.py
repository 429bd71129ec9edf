"""``vagal history`` through the session index is incremental: one new session, one file analysed.

The oracle is the straightforward path, ``collect_history`` reading and analysing every file,
and a rebuild of the index from nothing; the new session's key numbers are checked against
the batch core (artifact correction + time domain) and plain numpy on the same beats. Sessions
are recorded from a real recording (../shared/data/pyhrv_nsr_1h.csv), with a damaged fixture
and a simulated one beside them.
"""

from __future__ import annotations

import json
import shutil
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

from vagal import events as ev
from vagal.cli import main
from vagal.commands.history import read_history
from vagal.report import history as report_history
from vagal.sessions.index import INDEX_NAME
from vagal.sessions.writer import Recorder, make_header

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "sessions"
TZ = timezone(timedelta(hours=1))


def _session(path: Path, rr_ms: npt.NDArray[np.float64], start: datetime, *, demo: bool = False) -> Path:
    t = np.cumsum(rr_ms) / 1000.0
    with Recorder(path, make_header(source="demo" if demo else "live", start=start)) as rec:
        rec.write(ev.DeviceInfo(0.0, "strap", "Polar H10 A1", model="H10"))
        for ti, r in zip(t.tolist(), rr_ms.tolist(), strict=True):
            rec.write(ev.Beat(ti, r, round(60000 / r), True))
    return path


class _Counting:
    """``read_session_file`` that counts the files it analyses."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.read: list[str] = []
        real = report_history.read_session_file

        def read(path: Path) -> report_history.FileEntry:
            self.read.append(path.name)
            return real(path)

        monkeypatch.setattr(report_history, "read_session_file", read)


@pytest.fixture
def folder(_private_data_dir: Path, nsr_1h: npt.NDArray[np.float64]) -> Path:
    d = _private_data_dir / "sessions"
    d.mkdir()
    for k in range(8):
        rr = nsr_1h[k * 400 : k * 400 + 700]
        _session(d / f"day{k}.vagal.jsonl", rr, datetime(2026, 11, 20 + k // 2, 7 + k % 2, 0, tzinfo=TZ))
    _session(d / "demo.vagal.jsonl", nsr_1h[:400], datetime(2026, 11, 21, 9, 0, tzinfo=TZ), demo=True)
    for name in ("corrupt_middle.vagal.jsonl", "bad_header.vagal.jsonl"):
        shutil.copy(FIXTURES / name, d / name)
    return d


def _all_views(folder: Path) -> list[report_history.History]:
    return [read_history(folder, since=None, include_demo=False),
            read_history(folder, since=None, include_demo=True)]


def test_one_new_session_is_the_only_file_analysed(
    folder: Path, nsr_1h: npt.NDArray[np.float64], monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str]
) -> None:
    files = sorted(p.name for p in folder.glob("*.vagal.jsonl"))
    counting = _Counting(monkeypatch)
    first = _all_views(folder)
    assert sorted(counting.read) == files  # first use: every file, once (both views share the entries)
    assert first == [report_history.collect_history(folder),
                     report_history.collect_history(folder, include_demo=True)]
    counting.read.clear()

    rr_new = nsr_1h[2000:2900]
    _session(folder / "new.vagal.jsonl", rr_new, datetime(2026, 11, 26, 7, 0, tzinfo=TZ))
    after = _all_views(folder)
    assert counting.read == ["new.vagal.jsonl"]
    counting.read.clear()

    straight = [report_history.collect_history(folder),
                report_history.collect_history(folder, include_demo=True)]
    assert after == straight
    counting.read.clear()
    (folder.parent / INDEX_NAME).unlink()  # deleting the index loses nothing: rebuilt, the same
    assert _all_views(folder) == after
    assert len(counting.read) == len(files) + 1
    assert main(["history", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out.pop("assessments") == []  # no breathing-rate assessment kept (vagal resonance)
    assert out == straight[0].to_dict()

    # The new session's numbers against the batch core and numpy on the same beats.
    from vagal.hrv import time_domain
    from vagal.hrv.artifacts import correct_artifacts

    new = next(s for s in after[0].sessions if s.file == "new.vagal.jsonl")
    fixed = correct_artifacts(rr_new, t_s=np.cumsum(rr_new) / 1000.0)
    assert new.rmssd_ms == pytest.approx(time_domain(fixed.rr_ms, breaks=fixed.breaks).rmssd_ms, rel=1e-12)
    assert not fixed.breaks.any()  # one stretch: RMSSD is numpy's formula on the corrected beats
    assert new.rmssd_ms == pytest.approx(float(np.sqrt(np.mean(np.diff(fixed.rr_ms) ** 2))), rel=1e-9)
    assert new.minutes == pytest.approx(float(np.sum(rr_new)) / 60000.0, rel=1e-9)
    day = next(d for d in after[0].days if d.period == "2026-11-26")
    assert day.sessions == 1 and day.rmssd_ms == pytest.approx(new.rmssd_ms, rel=1e-12)
    # 8 + the new one + the damaged one (read past its bad line); the demo left out, the bad header skipped.
    assert sum(d.sessions for d in after[0].days) == 10
    assert after[0].demo_left_out == 1 and [f for f, _ in after[0].skipped] == ["bad_header.vagal.jsonl"]


def test_a_changed_or_removed_file_is_read_again_or_forgotten(
    folder: Path, nsr_1h: npt.NDArray[np.float64], monkeypatch: pytest.MonkeyPatch
) -> None:
    read_history(folder, since=None, include_demo=False)
    counting = _Counting(monkeypatch)
    # A longer recording replaces day3 (an in-place rewrite moves its size and times).
    _session(folder / "day3.tmp", nsr_1h[5000:6500], datetime(2026, 11, 21, 8, 0, tzinfo=TZ))
    (folder / "day3.tmp").replace(folder / "day3.vagal.jsonl")
    (folder / "day5.vagal.jsonl").unlink()
    h = read_history(folder, since=None, include_demo=False)
    assert counting.read == ["day3.vagal.jsonl"]
    assert h == report_history.collect_history(folder)
    assert "day5.vagal.jsonl" not in {s.file for s in h.sessions}


def test_a_damaged_index_is_rebuilt_not_trusted(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    expected = report_history.collect_history(folder)
    assert read_history(folder, since=None, include_demo=False) == expected
    index = folder.parent / INDEX_NAME
    index.write_bytes(b"not a database" * 100)
    counting = _Counting(monkeypatch)
    assert read_history(folder, since=None, include_demo=False) == expected
    assert len(counting.read) == len(list(folder.glob("*.vagal.jsonl")))


def test_an_entry_of_another_file_is_not_trusted(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import sqlite3

    expected = report_history.collect_history(folder)
    read_history(folder, since=None, include_demo=False)
    index = folder.parent / INDEX_NAME
    db = sqlite3.connect(index)
    day0 = str((folder / "day0.vagal.jsonl").absolute())
    day1 = str((folder / "day1.vagal.jsonl").absolute())
    (value,) = db.execute("SELECT value FROM entries WHERE kind = 'history-file' AND path = ?", (day0,)).fetchone()
    db.execute("UPDATE entries SET value = ? WHERE kind = 'history-file' AND path = ?", (value, day1))
    db.execute("DELETE FROM entries WHERE kind = 'history'")  # the folder's entry too: per-file entries used
    db.commit()
    db.close()
    counting = _Counting(monkeypatch)
    assert read_history(folder, since=None, include_demo=False) == expected
    assert counting.read == ["day1.vagal.jsonl"]
