"""Notes beside a session, replay's view of them, and the names ``vagal replay`` accepts.

A marker labelled later, or made during a replay, goes to ``<session>.notes.jsonl``
(append-only, 0600); the session file itself is never rewritten (its bytes are compared).
A replay plays the notes as markers; ``vagal replay latest`` and the bare names ``vagal
sessions`` prints find the file.
"""

from __future__ import annotations

import math
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import SHARED_DATA
from vagal.commands.replay import latest_session, resolve
from vagal.events import Beat, Marker, SourceState
from vagal.sessions.notes import (
    append_marker,
    is_notes_file,
    merge_markers,
    notes_path,
    read_notes,
    words_used,
)
from vagal.sessions.writer import Recorder
from vagal.sources.replay import ReplaySource


def _session(path: Path, *, start: str = "2026-11-24T17:15:02+01:00", markers: tuple[Marker, ...] = ()) -> Path:
    """A short real session file: beats at 60/min, the given markers."""
    with Recorder(path, {"source": "demo", "start": start}) as rec:
        rec.write(SourceState(0.0, "streaming"))
        for i in range(1, 40):
            rec.write(Beat(float(i), 1000.0 + (i % 3) * 20.0, contact=True))
            for m in markers:
                if i - 1 < m.t_s <= i:
                    rec.write(m)
    return path


def test_notes_round_trip_privately_without_touching_the_session(tmp_path: Path) -> None:
    session = _session(tmp_path / "a.vagal.jsonl")
    before = session.read_bytes()
    assert read_notes(session) == []  # no notes file: nothing, no error
    append_marker(session, Marker(3.5, "talked about mum", "tense"))
    append_marker(session, Marker(9.0, "cost $$ \x1b[2J"))
    assert read_notes(session) == [Marker(3.5, "talked about mum", "tense"), Marker(9.0, "cost $$ \x1b[2J")]
    assert notes_path(session).name == "a.vagal.jsonl.notes.jsonl" and is_notes_file(notes_path(session))
    assert stat.S_IMODE(os.stat(notes_path(session)).st_mode) == 0o600
    assert session.read_bytes() == before


def test_an_existing_wider_notes_file_is_made_private_again(tmp_path: Path) -> None:
    """Notes kept through the one private-file helper (``create_private(tighten=True)``)."""
    session = _session(tmp_path / "a.vagal.jsonl")
    append_marker(session, Marker(3.5, "one"))
    os.chmod(notes_path(session), 0o644)  # widened by hand, or by an older tool
    append_marker(session, Marker(9.0, "two"))
    assert stat.S_IMODE(os.stat(notes_path(session)).st_mode) == 0o600
    assert read_notes(session) == [Marker(3.5, "one"), Marker(9.0, "two")]


def test_damaged_notes_are_read_past(tmp_path: Path) -> None:
    session = _session(tmp_path / "a.vagal.jsonl")
    append_marker(session, Marker(2.0, "one"))
    with open(notes_path(session), "ab") as f:
        f.write(b'{"t":3.0,"type":"marker","label":\xff\n{"t":"x","type":"marker"}\n[[[[\n')
    append_marker(session, Marker(4.0, "two"))
    with open(notes_path(session), "ab") as f:
        f.write(b'{"t":5.0,"type":"marker","lab')  # a cut last line
    assert [m.label for m in read_notes(session)] == ["one", "two"]


def test_a_note_at_a_recorded_marker_is_its_label_given_later() -> None:
    recorded = [Marker(10.0), Marker(20.0, "breathing")]
    noted = [Marker(10.0, "talked about work", "tense"), Marker(15.0, "new")]
    assert merge_markers(recorded, noted) == (
        Marker(10.0, "talked about work", "tense"),
        Marker(15.0, "new"),
        Marker(20.0, "breathing"),
    )


def test_words_used_before_are_offered_newest_first(tmp_path: Path) -> None:
    old = _session(tmp_path / "old.vagal.jsonl", markers=(Marker(5.0, "work", "tense"),))
    new = _session(tmp_path / "new.vagal.jsonl", markers=(Marker(5.0, "mum"),))
    os.utime(old, (1_000_000, 1_000_000))
    append_marker(new, Marker(7.0, "breathing", "calm"))
    labels, feelings = words_used(tmp_path)
    assert labels == ["breathing", "mum", "work"] and feelings == ["calm", "tense"]
    assert words_used(tmp_path / "missing") == ([], [])


def test_a_replay_plays_the_notes_and_keeps_the_recorded_markers(tmp_path: Path) -> None:
    session = _session(tmp_path / "a.vagal.jsonl", markers=(Marker(5.0),))
    append_marker(session, Marker(5.0, "named later"))
    append_marker(session, Marker(12.5, "in the replay"))
    replay = ReplaySource(session, speed=math.inf)
    assert replay.markers == (Marker(5.0, "named later"), Marker(12.5, "in the replay"))
    played = [e for e in replay.events_until(math.inf) if isinstance(e, Marker)]
    assert played == list(replay.markers)
    # Without the notes the recording is as it was recorded.
    assert ReplaySource(session, speed=math.inf, notes=False).markers == (Marker(5.0),)


def test_events_until_is_the_stream_before_a_moment() -> None:
    path = SHARED_DATA / "pyhrv_nsr_5min.csv"
    if not path.exists():
        pytest.skip("../shared/data is not here")
    replay = ReplaySource(path, speed=math.inf)
    head = replay.events_until(60.0)
    beats = [e for e in head if isinstance(e, Beat)]
    assert beats and all(b.t_s < 60.0 for b in beats)
    every = [e for e in replay.events_until(math.inf) if isinstance(e, Beat)]
    assert every[: len(beats)] == beats and every[len(beats)].t_s >= 60.0
    assert len(every) == replay.recording.n_beats


def test_replay_latest_and_bare_names(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "sessions"
    monkeypatch.setenv("VAGAL_SESSIONS_DIR", str(folder))
    folder.mkdir()
    with pytest.raises(Exception, match="no session"):
        latest_session(folder)
    # Named so that the name order and the start order disagree: the header's start wins.
    a = _session(folder / "zzz.vagal.jsonl", start="2026-11-20T09:00:00+01:00")
    b = _session(folder / "aaa.vagal.jsonl", start="2026-11-24T09:00:00+01:00")
    append_marker(b, Marker(1.0, "x"))  # a notes file is never "the latest session"
    os.utime(notes_path(b), (4_000_000_000, 4_000_000_000))
    assert latest_session(folder) == b
    assert resolve("latest") == b
    assert resolve("zzz") == a and resolve("zzz.vagal.jsonl") == a
    assert resolve(str(a)) == a
    assert resolve("nothing-here") == Path("nothing-here")  # reading it then says it is not there


def test_vagal_replay_latest_runs(tmp_path: Path) -> None:
    folder = tmp_path / "sessions"
    folder.mkdir()
    _session(folder / "only.vagal.jsonl")
    env = dict(os.environ, VAGAL_DATA_DIR=str(tmp_path), VAGAL_SESSIONS_DIR=str(folder))
    r = subprocess.run(
        [sys.executable, "-m", "vagal", "replay", "latest", "--headless", "--speed", "max", "--json"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=120,
        check=False,
    )
    assert r.returncode == 0, r.stderr
    assert '"n_beats": 39' in r.stdout
    empty = tmp_path / "empty"
    empty.mkdir()
    r = subprocess.run(
        [sys.executable, "-m", "vagal", "replay", "latest", "--headless"],
        capture_output=True,
        text=True,
        env=dict(env, VAGAL_SESSIONS_DIR=str(empty)),
        cwd=tmp_path,
        timeout=120,
        check=False,
    )
    assert r.returncode == 2 and "no session" in r.stderr and "Traceback" not in r.stderr


def test_the_check_in_before_dated_at_0_is_no_damage(tmp_path: Path) -> None:
    """The app stamps the check-in before at 0:00 whenever it was answered (here 5 minutes in, with
    lines stamped later around it): the reader keeps it there and reports no damage; any other
    line so far out of line is still placed, and said."""
    from vagal.events import CheckIn, ContactChanged
    from vagal.sessions.reader import read_session

    path = tmp_path / "c.vagal.jsonl"
    with Recorder(path, {"source": "live", "start": "2026-11-24T17:15:02+01:00"}) as rec:
        for i in range(1, 400):
            rec.write(Beat(float(i), 1000.0, contact=True))
            if i == 290:
                rec.write(ContactChanged(290.0, False))
            if i == 300:
                rec.write(CheckIn(0.0, "before", 3, "tired"))
                rec.write(CheckIn(5.0, "after", 4))  # not a before check-in: a damaged time
            if i == 310:
                rec.write(ContactChanged(310.0, True))
    got = read_session(path)
    checkins = [e for e in got.events if isinstance(e, CheckIn)]
    assert [(c.when, c.t_s) for c in checkins] == [("before", 0.0), ("after", 290.0)]
    assert [d.line for d in got.damage] and all("checkin line at 5 s" in d.reason for d in got.damage)
