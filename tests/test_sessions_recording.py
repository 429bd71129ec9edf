"""Session files: every event round-trips, the recorder is crash-safe, damage is data."""

from __future__ import annotations

import json
import threading
import typing
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vagal import events as ev
from vagal.errors import InputFileError, SessionFileError
from vagal.options import SessionOptions
from vagal.sessions import Recorder, RecordingError, load_recording, open_recorder, segments
from vagal.sessions.codec import TYPE_NAMES
from vagal.sessions.reader import read_session
from vagal.sessions.writer import SESSION_SUFFIX, make_header

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "sessions"

ONE_OF_EACH: list[ev.Event] = [
    ev.SourceState(0.0, "connecting", "looking for the strap"),
    ev.DeviceInfo(0.1, "strap", "Polar H10 8C4F2E21", address="C8:4F:2E:21:00:01", manufacturer="Polar",
                  model="H10", firmware="5.0.0", battery_pct=80, profile="polar-h10", sends_rr=True),
    ev.PacerChanged(0.2, "resonance", 4.0, 0.0, 6.0, 0.0),
    ev.RawPayload(1.2, bytes.fromhex("1048ab03")),
    ev.Beat(1.1, 919.921875, 72, True, True),
    ev.Beat(2.0, 898.4375, 72, None, False),
    ev.PayloadRejected(2.5, b"\x10", "payload too short"),
    ev.HeartRateOnly(3.0, 71, False),
    ev.ContactChanged(3.1, False, judged=True),
    ev.Gap(3.1, 7.4, "contact_lost"),
    ev.Marker(8.0, "breathing", feeling="calmer"),
    ev.CheckIn(8.5, "after", 4, "after the walk"),
    ev.AssessmentStep(8.6, 1, 5, 6.0, 38.6, 158.6, refine=False),
    ev.Note(9.0, "talked about work — felt calmer ☺"),
    ev.SourceState(10.0, "ended"),
]


def _write(path: Path, events: list[ev.Event], **header: Any) -> Path:
    with Recorder(path, make_header(source="test", **header)) as rec:
        for e in events:
            rec.write(e)
    return path


def _beats(rr_ms: npt.NDArray[np.float64]) -> list[ev.Event]:
    t = np.cumsum(rr_ms) / 1000.0
    return [ev.Beat(float(ti), float(r), round(60000 / r), True) for ti, r in zip(t, rr_ms, strict=True)]


def test_one_of_each_covers_the_whole_vocabulary() -> None:
    every = set(typing.get_args(ev.Event))
    assert {type(e) for e in ONE_OF_EACH} == every == set(TYPE_NAMES)


def test_every_event_type_round_trips(tmp_path: Path) -> None:
    path = _write(tmp_path / "s.vagal.jsonl", ONE_OF_EACH, label="Anna")
    rec = read_session(path)
    assert rec.events == tuple(ONE_OF_EACH)
    assert rec.damage == ()
    assert rec.meta["label"] == "Anna"
    assert rec.meta["device"]["model"] == "H10"
    # The settling beat stays in the events but out of the analysed RR series.
    assert rec.rr_ms.tolist() == [898.4375]
    assert rec.markers == (ev.Marker(8.0, "breathing", feeling="calmer"),)
    assert rec.gaps == (ev.Gap(3.1, 7.4, "contact_lost"),)


@settings(max_examples=50, deadline=None)
@given(
    st.floats(0, 6e5, allow_nan=False),  # the first beat, up to a week in (codec.MAX_SESSION_S)
    st.lists(
        st.tuples(
            st.floats(200, 3000, allow_nan=False),
            st.floats(0.01, 1.0, allow_nan=False),  # spacing on the axis: RR, or squeezed (decode.py)
            st.none() | st.integers(0, 255),
            st.none() | st.booleans(),
            st.booleans(),
        ),
        max_size=20,
    ),
    st.binary(max_size=20),
    st.text(max_size=30),
)
def test_values_round_trip_exactly(
    tmp_path_factory: pytest.TempPathFactory,
    t0: float,
    beats: list[tuple[float, float, int | None, bool | None, bool]],
    data: bytes,
    text: str,
) -> None:
    # Beats as every source writes them: in time order, each at most its RR after the one
    # before (going back, or running ahead without a gap, is damage: test_sessions_damage.py).
    events: list[ev.Event] = []
    t = t0
    for rr, squeeze, hr, contact, settling in beats:
        t += rr / 1000.0 * squeeze
        events.append(ev.Beat(t, rr, hr, contact, settling))
    events += [ev.RawPayload(t, data), ev.Note(t, text), ev.Marker(t, text)]
    path = _write(tmp_path_factory.mktemp("rt") / "s.vagal.jsonl", events)
    rec = read_session(path)
    assert rec.damage == ()
    assert rec.events == tuple(events)


def test_real_recording_round_trips_and_is_found_by_content(tmp_path: Path, nsr_5min: npt.NDArray[np.float64]) -> None:
    # A name that says nothing: the format is detected from the content.
    path = _write(tmp_path / "session.dat", _beats(nsr_5min))
    rec = load_recording(path)
    assert rec.format == "vagal"
    np.testing.assert_array_equal(rec.rr_ms, nsr_5min)
    np.testing.assert_allclose(rec.t_s, np.cumsum(nsr_5min) / 1000.0)


def test_readable_without_vagal(tmp_path: Path, nsr_5min: npt.NDArray[np.float64]) -> None:
    """The recipe in docs/session-format.md: plain json, and pandas."""
    import pandas as pd

    path = _write(tmp_path / "s.vagal.jsonl", [ev.RawPayload(0.5, bytes.fromhex("0650")), *_beats(nsr_5min)])
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    assert lines[0]["format"] == "vagal-session"
    assert [o["rr_ms"] for o in lines if o["type"] == "beat"] == nsr_5min.tolist()
    df = pd.read_json(path, lines=True, dtype={"data": str})
    beats = df[df["type"] == "beat"]
    np.testing.assert_array_equal(beats["rr_ms"].to_numpy(), nsr_5min)
    assert df.loc[df["type"] == "raw", "data"].tolist() == ["0650"]
    wall = pd.to_datetime(beats["wall"], format="ISO8601")
    span_s = (wall.iloc[-1] - wall.iloc[0]).total_seconds()
    assert span_s == pytest.approx(beats["t"].iloc[-1] - beats["t"].iloc[0], abs=0.002)


def test_header_is_on_disk_before_the_first_event(tmp_path: Path) -> None:
    rec = Recorder(tmp_path / "s.vagal.jsonl", make_header(source="test", label="x"))
    try:
        header = json.loads(rec.path.read_text().splitlines()[0])
        assert header["format"] == "vagal-session"
        assert header["format_version"] == 1
        assert "+" in header["start"] or header["start"].endswith("Z") or "-" in header["start"][19:]
        assert read_session(rec.path).n_beats == 0
    finally:
        rec.close()


def test_close_is_idempotent_and_later_writes_are_ignored(tmp_path: Path) -> None:
    rec = Recorder(tmp_path / "s.vagal.jsonl", {"source": "test"})
    rec.write(ev.Beat(1.0, 1000.0))
    rec.close()
    rec.close()
    rec.write(ev.Beat(2.0, 1000.0))
    assert read_session(rec.path).rr_ms.tolist() == [1000.0]


def test_a_stalled_disk_does_not_block_the_caller(tmp_path: Path) -> None:
    """The writer thread is stuck in write(); the caller still hands over every event at once."""
    rec = Recorder(tmp_path / "s.vagal.jsonl", {"source": "test"})
    gate = threading.Event()
    real = rec._out

    class Stalled:
        def __getattr__(self, name: str) -> Any:
            return getattr(real, name)

        def write(self, data: bytes | memoryview) -> int:
            gate.wait()
            return real.write(data)

    rec._out = Stalled()  # type: ignore[assignment]
    for i in range(1, 1001):
        rec.write(ev.Beat(float(i), 1000.0))
    assert rec.written == 0  # all 1000 handed over while nothing could be written
    gate.set()
    rec.close()
    assert read_session(rec.path).n_beats == 1000


def test_a_failing_disk_is_reported_not_raised(tmp_path: Path) -> None:
    rec = Recorder(tmp_path / "s.vagal.jsonl", {"source": "test"})
    real = rec._out

    class Full:
        def __getattr__(self, name: str) -> Any:
            return getattr(real, name)

        def write(self, data: bytes | memoryview) -> int:
            raise OSError(28, "No space left on device")

    rec._out = Full()  # type: ignore[assignment]
    rec.write(ev.Beat(1.0, 1000.0))
    rec.close()
    assert rec.error is not None
    assert str(rec.error).startswith("the disk is full, so the recording stopped at 0:00")
    rec.write(ev.Beat(2.0, 1000.0))  # never raises


def test_never_overwrites(tmp_path: Path) -> None:
    path = tmp_path / "precious.txt"
    path.write_text("keep me\n")
    with pytest.raises(RecordingError, match="already exists"):
        Recorder(path, {"source": "test"})
    assert path.read_text() == "keep me\n"


def test_unwritable_folder_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("")
    with pytest.raises(RecordingError, match="cannot create"):
        Recorder(tmp_path / "file" / "s.vagal.jsonl", {"source": "test"})


def _options(**kw: Any) -> SessionOptions:
    base: dict[str, Any] = {"record": None, "no_record": False, "label": None}
    base.update(kw)
    if base["record"] is not None:
        base["record"] = Path(base["record"])
    return SessionOptions(**base)


def test_open_recorder_record_path_is_used_exactly(tmp_path: Path) -> None:
    path = tmp_path / "mine.csv"  # any extension: written as given
    rec = open_recorder(_options(record=str(path), label="Anna K."), source="demo")
    assert rec is not None
    rec.close()
    assert rec.path == path
    assert read_session(path).meta["label"] == "Anna K."


def test_open_recorder_no_record() -> None:
    assert open_recorder(_options(no_record=True), source="demo") is None


def test_open_recorder_default_folder_and_name(_private_data_dir: Path) -> None:
    recs = [open_recorder(_options(label="Anna K."), source="demo") for _ in range(2)]
    for rec in recs:
        assert rec is not None
        rec.close()
    a, b = (r.path for r in recs if r is not None)
    assert a.parent == b.parent == _private_data_dir / "sessions"
    assert a.name.endswith(f"_demo_anna-k{SESSION_SUFFIX}")
    assert a != b  # same second: a second file, never the same one
    assert a.name[:19].replace("_", " ").count("-") == 4  # 2026-11-24_17-15-02


# --- damaged files, each fixture named after its defect -------------------------------------


def _fixture_rr(n: int) -> list[float]:
    from tests.conftest import _data_dir, load_rr

    return load_rr(_data_dir() / "pyhrv_nsr_5min.csv")[:n].tolist()


def test_intact_fixture() -> None:
    rec = load_recording(FIXTURES / "intact.vagal.jsonl")
    assert rec.damage == ()
    assert rec.rr_ms.tolist() == _fixture_rr(40)


def test_truncated_last_line_is_reported() -> None:
    rec = load_recording(FIXTURES / "truncated_last_line.vagal.jsonl")
    assert rec.rr_ms.tolist() == _fixture_rr(39)
    assert len(rec.damage) == 1
    assert rec.damage[0].line == 42
    assert "truncated" in rec.damage[0].reason


def test_corrupt_middle_is_read_past_the_damage() -> None:
    rec = load_recording(FIXTURES / "corrupt_middle.vagal.jsonl")
    # Line 22 is beat 20: the other 39 beats are returned, with a break where it was.
    rr = _fixture_rr(40)
    assert rec.rr_ms.tolist() == rr[:19] + rr[20:]
    assert rec.breaks.tolist() == [False] * 19 + [True] + [False] * 19
    (d,) = rec.damage
    assert d.line == 22
    assert d.reason == "not a complete JSON object; skipped"


def test_invalid_event_middle_names_the_field() -> None:
    rec = load_recording(FIXTURES / "invalid_event_middle.vagal.jsonl")
    rr = _fixture_rr(40)
    assert rec.rr_ms.tolist() == rr[:9] + rr[10:]
    (d,) = rec.damage
    assert (d.line, "'rr_ms' is not a number" in d.reason) == (12, True)


def test_zero_filled_tail_after_a_power_cut() -> None:
    rec = load_recording(FIXTURES / "zero_filled_tail.vagal.jsonl")
    assert rec.rr_ms.tolist() == _fixture_rr(40)
    (d,) = rec.damage
    assert "zero bytes" in d.reason


@pytest.mark.parametrize(
    ("name", "match"),
    [
        ("bad_header.vagal.jsonl", r"bad_header\.vagal\.jsonl:1: the header is not valid JSON"),
        ("not_a_session_header.vagal.jsonl", r":1: the first line is not a vagal session header"),
        ("empty.vagal.jsonl", "the file is empty"),
    ],
)
def test_unreadable_header_is_a_one_line_error(name: str, match: str) -> None:
    with pytest.raises(InputFileError, match=match) as info:
        load_recording(FIXTURES / name)
    assert "\n" not in str(info.value)


def test_newer_format_version_is_refused_politely(tmp_path: Path) -> None:
    path = tmp_path / "future.vagal.jsonl"
    path.write_text('{"format":"vagal-session","format_version":99,"start":"2030-01-01T00:00:00+00:00"}\n')
    with pytest.raises(SessionFileError, match="newer vagal.*Update vagal"):
        load_recording(path)


@pytest.mark.parametrize(
    ("bad", "reason", "kept"),
    [
        # replay and report crashed on it: the line is skipped, the rest read on
        ({"rr_ms": 1e308}, "line 102: beat event: 'rr_ms' is over a minute, not a heartbeat; skipped", "skip"),
        # a changed digit folded the time axis back: the beat is placed by its RR value
        ({"t": 5.0}, "line 102: a beat at 5 s, out of line with the beats around it; placed by its RR value", "all"),
        # analyze and report ran out of memory
        ({"t": 1e12}, "line 102: beat event: 't' is more than a week into the session; skipped", "skip"),
        # a 167-hour session with LF/HF from 0.32 to 441 (issue 12)
        ({"t": 6e5}, "line 102: a beat at 600000 s, out of line with the beats around it; placed by its", "all"),
    ],
)
def test_an_impossible_beat_in_the_middle_is_damage_and_the_rest_is_read(
    tmp_path: Path, nsr_5min: npt.NDArray[np.float64], bad: dict[str, float], reason: str, kept: str
) -> None:
    path = _write(tmp_path / "s.vagal.jsonl", _beats(nsr_5min))
    lines = path.read_text().splitlines()
    lines[101] = json.dumps({**json.loads(lines[101]), **bad})  # line 102: beat 101
    path.write_text("\n".join(lines) + "\n")
    rec = load_recording(path)
    (d,) = rec.damage
    assert str(d).startswith(reason)
    if kept == "all":
        np.testing.assert_array_equal(rec.rr_ms, nsr_5min)
        np.testing.assert_allclose(rec.t_s, np.cumsum(nsr_5min) / 1000.0, rtol=0, atol=1e-9)
        assert not rec.breaks.any()
    else:
        assert rec.rr_ms.tolist() == nsr_5min[:100].tolist() + nsr_5min[101:].tolist()
        assert np.flatnonzero(rec.breaks).tolist() == [100]  # no difference spans the lost beat


def test_unknown_event_types_are_skipped_and_counted(tmp_path: Path) -> None:
    path = _write(tmp_path / "s.vagal.jsonl", [ev.Beat(1.0, 1000.0)])
    with path.open("a") as f:
        f.write('{"t":1.5,"type":"breath","depth":0.7}\n{"t":2.0,"type":"beat","rr_ms":1000.0}\n')
    rec = read_session(path)
    assert rec.damage == ()
    assert rec.meta["unknown_events"] == 1
    assert rec.rr_ms.tolist() == [1000.0, 1000.0]


# --- segments ----------------------------------------------------------------------------------


def test_markers_split_a_real_recording_into_segments(tmp_path: Path, nsr_5min: npt.NDArray[np.float64]) -> None:
    events = _beats(nsr_5min)
    events.insert(80, ev.Marker(60.0, "breathing"))
    events.insert(200, ev.Marker(180.0, "recovery"))
    rec = load_recording(_write(tmp_path / "s.vagal.jsonl", events))
    segs = segments(rec)
    assert [s.label for s in segs] == ["start", "breathing", "recovery"]
    assert [s.start_s for s in segs] == [0.0, 60.0, 180.0]
    # Every beat in exactly one segment, in order, and inside its segment's time span.
    all_idx = np.concatenate([s.indices for s in segs])
    np.testing.assert_array_equal(all_idx, np.arange(nsr_5min.size))
    for s in segs:
        t = rec.t_s[s.indices]
        assert np.all((t >= s.start_s) & (t <= s.end_s))
        rr, _, breaks = s.select(rec)
        assert breaks[0] and not breaks[1:].any()
        np.testing.assert_array_equal(rr, nsr_5min[s.indices])


def test_no_markers_is_one_segment(nsr_5min: npt.NDArray[np.float64]) -> None:
    from vagal.sessions.recording import from_rr

    (seg,) = segments(from_rr("x", "rr-list", nsr_5min))
    assert seg.label == "whole session"
    assert seg.n_beats == nsr_5min.size


def test_recorder_and_replay_modules_load_nothing_heavy() -> None:
    """The recorder thread and the replay source start without numpy, textual or bleak."""
    import subprocess
    import sys

    code = (
        "import sys, vagal.sessions, vagal.sessions.writer, vagal.sources.replay\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & "
        "{'numpy', 'scipy', 'textual', 'bleak', 'matplotlib', 'pandas'}))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
