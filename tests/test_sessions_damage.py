"""Damaged input, the reading side: each kind of damage found in review, through all six commands that read files.

Every command runs in-process through ``vagal.cli.main`` (tests/fuzz/harness.py) and must
keep the rule: a correct result, or one line on stderr and exit status 2, never a
traceback or a hang; a damaged line costs that line, never the lines after it. Numbers
are checked against the undamaged recording (real beats, ../shared/data), never against
our own earlier output.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

from tests.fuzz.harness import broken_rules, run_in_process
from vagal.events import Beat, HeartRateOnly, Marker
from vagal.hrv import analyze_rr
from vagal.sessions import load_recording
from vagal.sessions.writer import Recorder, make_header

RICH = Path(__file__).resolve().parent / "fixtures" / "sessions" / "rich_simulated.vagal.jsonl"
COMMANDS = ("analyze", "replay", "report", "convert", "sessions", "history")


def _run_all(path: Path, tmp: Path, *, render: bool = True) -> dict[str, list[str]]:
    """Every command on ``path`` (sessions and history with it alone in the sessions folder).

    ``render=False`` builds the report's data (all that reads the file) without drawing it:
    drawing takes seconds and reads nothing.
    """
    data = tmp / "data"
    (data / "sessions").mkdir(parents=True, exist_ok=True)
    for old in (data / "sessions").iterdir():
        old.unlink()
    if path.is_file():
        shutil.copy(path, data / "sessions" / "x.vagal.jsonl")
    else:
        os.mkfifo(data / "sessions" / "x.vagal.jsonl")
    out = tmp / "out"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir()
    argvs = {
        "analyze": ["analyze", str(path), "--json"],
        "replay": ["replay", str(path), "--headless", "--speed", "max", "--json"],
        "report": ["report", str(path), "-o", str(out / "r.svg")],
        "convert": ["convert", str(path), str(out / "c.vagal.jsonl")],
        "sessions": ["sessions", "--json"],
        "history": ["history", "--json"],
    }
    results = {}
    for name, argv in argvs.items():
        if name == "report" and not render:
            results[name] = _report_data_only(path)
            continue
        o = run_in_process(argv, data_dir=data)
        results[name] = broken_rules(o)
        if name in ("sessions", "history") and not results[name]:
            obj = json.loads(o.stdout)
            listed = obj["sessions"] + obj.get("skipped", [])
            if not listed:
                results[name] = ["the folder's session is missing from the output"]
    return results


def _report_data_only(path: Path) -> list[str]:
    from vagal.errors import VagalError
    from vagal.report.data import build_report_data

    try:
        build_report_data(load_recording(path))
    except VagalError as exc:
        return [] if "\n" not in str(exc) else [f"a message of several lines: {exc}"]
    return []


def _write(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n")
    return path


def _rich_lines() -> list[str]:
    return RICH.read_text().splitlines()


def _index(lines: list[str], kind: str, k: int = 0) -> int:
    return [i for i, ln in enumerate(lines) if f'"type":"{kind}"' in ln][k]


def _set(line: str, key: str, raw: str) -> str:
    """``line`` with ``key``'s JSON value replaced by ``raw`` (any text, valid JSON or not)."""
    obj = json.loads(line)
    obj[key] = "__PLACEHOLDER__"
    return json.dumps(obj, separators=(",", ":")).replace('"__PLACEHOLDER__"', raw)


def _damaged(kind: str) -> list[str]:
    lines = _rich_lines()
    if kind == "hr_bpm 1e999":
        i = _index(lines, "hr")
        lines[i] = _set(lines[i], "hr_bpm", "1e999")
    elif kind == "battery_pct Infinity":
        i = _index(lines, "device")
        lines[i] = _set(lines[i], "battery_pct", "Infinity")
    elif kind == "t of 400 digits":
        i = _index(lines, "beat", 30)
        lines[i] = _set(lines[i], "t", "9" * 400)
    elif kind == "rr_ms of 400 digits":
        i = _index(lines, "beat", 30)
        lines[i] = _set(lines[i], "rr_ms", "9" * 400)
    elif kind == "100,000 nested [":
        lines.insert(200, "[" * 100_000)
    elif kind == "100,000 nested [ on a truncated last line":
        lines.append("[" * 100_000)
    elif kind == "numeric label":
        lines[0] = _set(lines[0], "label", "5")
    elif kind == "numeric device.model":
        obj = json.loads(lines[0])
        obj["device"] = {"kind": "strap", "name": "H10", "model": 7}
        lines[0] = json.dumps(obj)
    elif kind == "numeric start":
        lines[0] = _set(lines[0], "start", "5")
    elif kind == "hr_bpm null on an hr line":
        i = _index(lines, "hr")
        lines[i] = _set(lines[i], "hr_bpm", "null")
    elif kind == "header start in year 9999":
        lines[0] = _set(lines[0], "start", '"9999-12-31T23:59:59.000+00:00"')
    elif kind == "a marker at -1e12 s":
        i = _index(lines, "marker")
        lines[i] = _set(lines[i], "t", "-1e12")
    elif kind == "rr_ms 63999 (a 64 s strap value)":
        i = _index(lines, "beat", 30)
        lines[i] = _set(lines[i], "rr_ms", "63999.0")
    else:
        raise AssertionError(kind)
    return lines


DAMAGE = [
    "hr_bpm 1e999",
    "battery_pct Infinity",
    "t of 400 digits",
    "rr_ms of 400 digits",
    "100,000 nested [",
    "100,000 nested [ on a truncated last line",
    "numeric label",
    "numeric device.model",
    "numeric start",
    "hr_bpm null on an hr line",
    "header start in year 9999",
    "a marker at -1e12 s",
    "rr_ms 63999 (a 64 s strap value)",
]


@pytest.mark.parametrize("kind", DAMAGE)
def test_damaged_values_keep_the_rule_in_all_six_commands(tmp_path: Path, kind: str) -> None:
    """An impossible beat, damaged values and damaged formats: each gave a traceback (or a lost session) before.

    The report is drawn for the damage that reaches what it shows (header fields, a
    value of the first line type it lists); for the rest its data is built.
    """
    lines = _damaged(kind)
    path = tmp_path / "d.vagal.jsonl"
    if kind.endswith("truncated last line"):
        path.write_text("\n".join(lines))  # no newline after the last line
    else:
        _write(path, lines)
    render = kind.startswith(("numeric", "header", "hr_bpm 1e999"))
    assert _run_all(path, tmp_path, render=render) == {c: [] for c in COMMANDS}


@pytest.mark.parametrize("kind", DAMAGE)
def test_one_damaged_line_costs_at_most_that_line(kind: str, tmp_path: Path) -> None:
    """The reader skips (or places) the damaged line, reports it with its line, and reads on."""
    whole = load_recording(RICH)
    lines = _damaged(kind)
    path = _write(tmp_path / "d.vagal.jsonl", lines)
    rec = load_recording(path)
    assert whole.n_beats - 1 <= rec.n_beats <= whole.n_beats
    assert rec.events is not None and whole.events is not None
    assert len(rec.events) >= len(whole.events) - 1
    if kind.startswith(("numeric", "header")):
        assert [d.line for d in rec.damage] == [1]
    elif "nested" in kind:
        assert len(rec.damage) == 1 and "nested too deep" in rec.damage[0].reason or "truncated" in rec.damage[0].reason
    else:
        assert len(rec.damage) == 1


def test_hr_null_never_reaches_the_engine(tmp_path: Path) -> None:
    """The replay's engine crashed on None > 0 (engine/core.py:269): the codec keeps it out."""
    path = _write(tmp_path / "d.vagal.jsonl", _damaged("hr_bpm null on an hr line"))
    rec = load_recording(path)
    assert rec.events is not None
    assert all(isinstance(e.hr_bpm, int) for e in rec.events if isinstance(e, HeartRateOnly))
    (d,) = rec.damage
    assert d.reason == "hr event: 'hr_bpm' is empty (null), not a number; skipped"


def test_a_named_pipe_is_refused_by_every_command(tmp_path: Path) -> None:
    """A named pipe: analyze, replay, report and convert waited forever on a pipe, and so
    did history on a pipe named *.vagal.jsonl in the sessions folder."""
    fifo = tmp_path / "pipe.vagal.jsonl"
    os.mkfifo(fifo)
    assert _run_all(fifo, tmp_path) == {c: [] for c in COMMANDS}
    o = run_in_process(["analyze", str(fifo)], data_dir=tmp_path / "data")
    assert o.stderr.strip() == f"vagal: {fifo}: is a named pipe, not a file. Save the recording to a file and give vagal that."


# --- item 8: silent wrong numbers from small damage ------------------------------------------


def _session(path: Path, rr: npt.NDArray[np.float64]) -> list[str]:
    t = np.cumsum(rr) / 1000.0
    with Recorder(path, make_header(source="test")) as rec:
        for ti, r in zip(t.tolist(), rr.tolist(), strict=True):
            rec.write(Beat(ti, r, round(60000 / r), True))
    return path.read_text().splitlines()


def test_duplicated_beat_lines_are_damage_and_left_out(tmp_path: Path, nsr_5min: npt.NDArray[np.float64]) -> None:
    """50 beat lines written twice moved RMSSD from 96.5 to 90.0 ms (issue: 33.4 -> 30.3)."""
    lines = _session(tmp_path / "s.vagal.jsonl", nsr_5min)
    for i in range(60, 10, -1):
        lines.insert(i + 1, lines[i])
    rec = load_recording(_write(tmp_path / "dup.vagal.jsonl", lines))
    np.testing.assert_array_equal(rec.rr_ms, nsr_5min)
    assert analyze_rr(rec.rr_ms, t_s=rec.t_s, breaks=rec.breaks).rmssd_ms == pytest.approx(
        analyze_rr(nsr_5min).rmssd_ms, rel=1e-12
    )
    (d,) = rec.damage
    assert (d.line, d.last_line, d.count) == (13, 111, 50)
    assert d.reason == "50 copies of the beats before them (duplicated lines); skipped"


def test_all_beats_at_one_time_are_placed_by_their_rr(tmp_path: Path, nsr_5min: npt.NDArray[np.float64]) -> None:
    """Every "t" the same showed as a 0:01 session."""
    lines = _session(tmp_path / "s.vagal.jsonl", nsr_5min)
    lines[1:] = [_set(ln, "t", "100.0") for ln in lines[1:]]
    rec = load_recording(_write(tmp_path / "one.vagal.jsonl", lines))
    np.testing.assert_array_equal(rec.rr_ms, nsr_5min)
    assert rec.duration_s == pytest.approx(float(np.sum(nsr_5min)) / 1000.0)
    (d,) = rec.damage
    assert d.count == nsr_5min.size - 1 and d.reason.startswith(f"{nsr_5min.size - 1} beats with times out of line")


@pytest.mark.parametrize("where", ["last", "middle"])
def test_one_beat_at_6e5_s_is_placed_by_its_rr(tmp_path: Path, nsr_5min: npt.NDArray[np.float64], where: str) -> None:
    """One beat at 6e5 s made a 167-hour session and moved LF/HF from 0.32 to 159."""
    lines = _session(tmp_path / "s.vagal.jsonl", nsr_5min)
    i = len(lines) - 1 if where == "last" else 170
    lines[i] = _set(lines[i], "t", "600000.0")
    rec = load_recording(_write(tmp_path / "far.vagal.jsonl", lines))
    np.testing.assert_allclose(rec.t_s, np.cumsum(nsr_5min) / 1000.0, atol=1e-9)
    got, want = analyze_rr(rec.rr_ms, t_s=rec.t_s, breaks=rec.breaks), analyze_rr(nsr_5min)
    assert got.lf_hf == pytest.approx(want.lf_hf, rel=1e-9)
    assert rec.duration_s == pytest.approx(want.duration_s)
    (d,) = rec.damage
    assert d.line == i + 1 and d.reason.startswith("a beat at 600000 s, out of line with the beats around it")


def test_a_damaged_gap_line_costs_one_difference_not_the_file(tmp_path: Path, nsr_5min: npt.NDArray[np.float64]) -> None:
    """A skipped line may have been a beat: no difference spans it, everything after is read."""
    lines = _session(tmp_path / "s.vagal.jsonl", nsr_5min)
    lines[101] = lines[101][:20] + "\x00garbage"
    rec = load_recording(_write(tmp_path / "g.vagal.jsonl", lines))
    assert rec.n_beats == nsr_5min.size - 1
    assert np.flatnonzero(rec.breaks).tolist() == [100]


def test_a_healthy_rich_session_has_no_damage() -> None:
    """Decoder and recorder output (every line type) reads back with nothing reported."""
    rec = load_recording(RICH)
    assert rec.damage == ()
    assert rec.events is not None
    assert sum(isinstance(e, Marker) for e in rec.events) == 2


# --- item 12: memory ----------------------------------------------------------------------------


def test_a_file_of_more_values_than_a_week_of_beats_is_refused_before_parsing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A 200 MB one-line RR file ran 162 s, reached 9.5 GB and died with MemoryError.

    The limit (3,000,000 values, a week at 300 bpm) is lowered here so that the file is small.
    """
    from vagal.sessions import rrlist

    monkeypatch.setattr(rrlist, "MAX_BEATS", 1000)
    path = tmp_path / "one_line.txt"
    path.write_text(",".join(["812"] * 5000))
    o = run_in_process(["analyze", str(path)], data_dir=tmp_path)
    assert o.status == 2
    assert o.stderr.strip() == (
        f"vagal: {path}: holds about 5,000 values, more than a week of heartbeats "
        "(vagal reads one recording of up to 1,000 beats). Split it into the recordings it holds."
    )


def test_a_file_over_the_size_limit_is_refused_unread(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from vagal.sessions import recording

    monkeypatch.setattr(recording, "MAX_FILE_BYTES", 10_000)
    path = tmp_path / "big.txt"
    path.write_text("812\n" * 5000)
    with pytest.raises(recording.InputFileError, match=r"big\.txt: is 20000 bytes, larger than any one recording"):
        load_recording(path)
