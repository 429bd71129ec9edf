"""The session commands end to end: ``vagal sessions``, ``vagal convert``, ``vagal replay``.

The sessions folder is the private one every test gets (conftest sets VAGAL_DATA_DIR).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

from vagal import events as ev
from vagal.cli import main
from vagal.sessions.writer import Recorder, make_header

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "sessions"
REPO = Path(__file__).resolve().parent.parent


def _session(folder: Path, name: str, rr_ms: npt.NDArray[np.float64], start: datetime, marks: dict[int, str]) -> Path:
    t = np.cumsum(rr_ms) / 1000.0
    with Recorder(folder / name, make_header(source="demo", start=start, label=name.split(".")[0])) as rec:
        rec.write(ev.DeviceInfo(0.0, "strap", "Polar H10 A1", model="H10"))
        for i, (ti, r) in enumerate(zip(t.tolist(), rr_ms.tolist(), strict=True)):
            if i in marks:
                rec.write(ev.Marker(ti - 0.1, marks[i]))
            rec.write(ev.Beat(ti, r, round(60000 / r), True))
    return folder / name


@pytest.fixture
def folder(_private_data_dir: Path, nsr_1h: npt.NDArray[np.float64]) -> Path:
    d = _private_data_dir / "sessions"
    d.mkdir()
    tz = timezone(timedelta(hours=1))
    _session(d, "monday.vagal.jsonl", nsr_1h[:400], datetime(2026, 11, 23, 7, 0, tzinfo=tz), {100: "breathing"})
    _session(d, "tuesday.vagal.jsonl", nsr_1h[400:900], datetime(2026, 11, 24, 7, 0, tzinfo=tz), {})
    _session(d, "sunday.vagal.jsonl", nsr_1h[900:1200], datetime(2026, 11, 22, 21, 0, tzinfo=tz), {50: "", 200: "recovery"})
    shutil.copy(FIXTURES / "corrupt_middle.vagal.jsonl", d / "corrupt_middle.vagal.jsonl")  # 2026-11-24 17:15
    shutil.copy(FIXTURES / "bad_header.vagal.jsonl", d / "bad_header.vagal.jsonl")
    return d


def test_sessions_json_newest_first_with_damage(
    folder: Path, nsr_1h: npt.NDArray[np.float64], capsys: pytest.CaptureFixture[str]
) -> None:
    from vagal.hrv import analyze_rr

    assert main(["sessions", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    names = [Path(s["path"]).name for s in out["sessions"]]
    readable = [n for n in names if n != "bad_header.vagal.jsonl"]
    assert readable == ["corrupt_middle.vagal.jsonl", "tuesday.vagal.jsonl", "monday.vagal.jsonl", "sunday.vagal.jsonl"]
    by = {Path(s["path"]).name: s for s in out["sessions"]}
    assert by["bad_header.vagal.jsonl"]["error"].startswith("the header is not valid JSON")
    assert by["corrupt_middle.vagal.jsonl"]["damage"][0]["line"] == 22
    assert by["corrupt_middle.vagal.jsonl"]["n_beats"] == 39  # read past the bad line
    want = analyze_rr(nsr_1h[400:900]).to_dict()
    tue = by["tuesday.vagal.jsonl"]
    for key in ("mean_hr_bpm", "rmssd_ms", "coherence"):
        assert tue[key] == pytest.approx(want[key], rel=1e-9)
    assert tue["device"] == "H10"
    assert tue["duration_s"] == pytest.approx(float(np.sum(nsr_1h[400:900])) / 1000.0)
    assert [m["label"] for m in by["sunday.vagal.jsonl"]["markers"]] == ["", "recovery"]


def test_sessions_text_lists_everything(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sessions"]) == 0
    out = capsys.readouterr().out
    for name in ("monday", "tuesday", "sunday", "corrupt_middle", "bad_header"):
        assert name in out
    assert "damaged at line 22" in out
    assert "bad_header.vagal.jsonl: unreadable" in out
    assert out.index("tuesday") < out.index("monday") < out.index("sunday")


def test_sessions_empty_folder(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sessions"]) == 0
    assert "No sessions recorded yet" in capsys.readouterr().out


def _vagal(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "VAGAL_DATA_DIR": str(cwd / "data")}
    cmd = [sys.executable, "-m", "vagal", *args]
    return subprocess.run(cmd, check=False, capture_output=True, text=True, cwd=cwd, env=env)


def test_convert_cli_formats_by_extension_and_refuses_to_overwrite(tmp_path: Path) -> None:
    from tests.conftest import _data_dir

    src = _data_dir() / "pyhrv_nsr_5min.csv"
    for out, fmt in (("a.vagal.jsonl", "vagal"), ("b.csv", "csv-time"), ("c.txt", "rr-list")):
        r = _vagal("convert", str(src), out, cwd=tmp_path)
        assert r.returncode == 0, r.stderr
        assert r.stdout == ""
        from vagal.sessions import load_recording

        rec = load_recording(tmp_path / out)
        assert rec.format == fmt
        np.testing.assert_array_equal(rec.rr_ms, np.loadtxt(src, skiprows=1))
    before = (tmp_path / "b.csv").read_bytes()
    r = _vagal("convert", str(src), "b.csv", cwd=tmp_path)
    assert r.returncode == 2
    assert r.stderr.count("\n") == 1 and "already exists" in r.stderr
    assert (tmp_path / "b.csv").read_bytes() == before
    r = _vagal("convert", str(src), "d.out", "--to", "rr", cwd=tmp_path)
    assert r.returncode == 0 and (tmp_path / "d.out").read_text().splitlines()[0] == "859"


def test_convert_damaged_session_says_so(tmp_path: Path) -> None:
    r = _vagal("convert", str(FIXTURES / "truncated_last_line.vagal.jsonl"), "x.csv", cwd=tmp_path)
    assert r.returncode == 0
    assert "line 42: truncated last line" in r.stderr
    assert len((tmp_path / "x.csv").read_text().splitlines()) == 1 + 39


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("convert", "missing.csv", "out.csv"), "missing.csv: no such file"),
        (("convert", str(FIXTURES / "bad_header.vagal.jsonl"), "o.csv"), "bad_header.vagal.jsonl:1: the header"),
        (("replay", "missing.csv", "--headless"), "missing.csv: no such file"),
        (("replay", str(FIXTURES / "intact.vagal.jsonl"), "--speed", "100"), "between 0.25 and 64"),
    ],
)
def test_bad_input_is_one_line_and_status_2(tmp_path: Path, args: tuple[str, ...], message: str) -> None:
    r = _vagal(*args, cwd=tmp_path)
    assert r.returncode == 2
    assert r.stderr.count("\n") == 1, r.stderr
    assert message in r.stderr
    assert "Traceback" not in r.stderr


def test_replay_headless_runs_the_whole_pipeline(tmp_path: Path) -> None:
    r = _vagal("replay", str(FIXTURES / "intact.vagal.jsonl"), "--headless", "--speed", "max", "--json", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    summary = json.loads(r.stdout)
    assert summary["n_beats"] == 40
    assert summary["recording"] is None  # a replay is never recorded again
    assert not (tmp_path / "data" / "sessions").exists() or not any((tmp_path / "data" / "sessions").iterdir())


def test_convert_to_a_plain_list_says_what_it_cannot_keep(tmp_path: Path, nsr_5min: npt.NDArray[np.float64]) -> None:
    from tests.report_helpers import write_session

    start = datetime(2026, 11, 24, 7, 0, tzinfo=timezone(timedelta(0)))
    src = write_session(tmp_path / "s.vagal.jsonl", nsr_5min, start=start, markers=[(60.0, "breathing")], gap=(100.0, 120.0))
    r = _vagal("convert", str(src), "k.txt", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "k.txt is a plain RR list, with no place for the 1 gap and the 1 marker" in r.stderr
    r = _vagal("convert", str(src), "k.csv", cwd=tmp_path)
    assert "no place" not in r.stderr


def test_a_session_stopped_while_settling_says_why_nothing_is_analysed(
    tmp_path: Path, nsr_5min: npt.NDArray[np.float64]
) -> None:
    """Stopped 4 s in: its beats are all settling beats; "no usable RR values" read as a broken file."""
    src = tmp_path / "s.vagal.jsonl"
    t = np.cumsum(nsr_5min[:4]) / 1000.0
    with Recorder(src, make_header(source="live")) as rec:
        for ti, r in zip(t.tolist(), nsr_5min[:4].tolist(), strict=True):
            rec.write(ev.Beat(ti, r, round(60000 / r), True, True))
    for command in ("analyze", "report"):
        r = _vagal(command, str(src), cwd=tmp_path)
        assert r.returncode == 2
        assert "holds only the first seconds after the strap connected (4 settling beats" in r.stderr, r.stderr


def test_replay_headless_of_a_damaged_session_says_so(tmp_path: Path) -> None:
    r = _vagal("replay", str(FIXTURES / "corrupt_middle.vagal.jsonl"), "--headless", "--speed", "max", "--json", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["n_beats"] == 39  # read past the bad line
    assert "corrupt_middle.vagal.jsonl: line 22: not a complete JSON object; skipped" in r.stderr


def test_convert_session_to_session_keeps_every_event(tmp_path: Path) -> None:
    from tests.test_sessions_recording import ONE_OF_EACH
    from vagal.sessions.reader import read_session

    src = tmp_path / "in.vagal.jsonl"
    start = datetime(2026, 11, 24, 7, 0, tzinfo=timezone(timedelta(hours=-5)))
    with Recorder(src, make_header(source="live", start=start, label="Anna")) as rec:
        for e in ONE_OF_EACH:
            rec.write(e)
    r = _vagal("convert", str(src), "out.vagal.jsonl", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    a, b = read_session(src), read_session(tmp_path / "out.vagal.jsonl")
    assert b.events == a.events
    assert b.meta["start"] == a.meta["start"] and b.meta["label"] == "Anna"
    assert b.meta["converted_from"] == {"path": "in.vagal.jsonl", "format": "vagal"}
