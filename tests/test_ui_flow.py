"""Pilot tests of a session's flow: check-ins, the calm end with the final numbers, silent
markers labelled later, and a replay that can go back.

The app is built by :func:`vagal.ui.app.make_app` on the real engine, with the scripted
source of tests/test_ui_app.py or a real :class:`~vagal.sources.replay.ReplaySource` on a
clock that only the test moves. The final numbers on the summary are checked against
``vagal analyze``'s own path (load the file, ``analyze_rr``, ``to_json``) on the file the
session wrote; a rebuilt replay against an engine fed the same events one by one.
"""

from __future__ import annotations

import asyncio
import io
import math
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import SHARED_DATA
from tests.test_ui_app import ListSink, ScriptedSource, SteppedClock, beats, opening, settle
from vagal.clock import VirtualClock
from vagal.engine.core import Engine
from vagal.events import CheckIn, Event, Marker, PacerChanged
from vagal.pacer import PRESETS, Pacer
from vagal.sessions.notes import append_marker, notes_path, read_notes
from vagal.sessions.reader import read_events
from vagal.sessions.writer import Recorder
from vagal.sources.replay import ReplaySource
from vagal.ui.app import VagalApp, make_app
from vagal.ui.screens import MarkerScreen, QuitScreen
from vagal.ui.screens_checkin import CheckInScreen
from vagal.ui.screens_markers import MarkerListScreen
from vagal.ui.screens_summary import SummaryScreen, numbers_text
from vagal.ui.widgets.guide import BreathGuide
from vagal.ui.widgets.status import StatusBar

NSR_5MIN = SHARED_DATA / "pyhrv_nsr_5min.csv"


def _app(
    events: list[Event | None] | None = None,
    *,
    sinks: list[Any] | None = None,
    recording: Path | None = None,
    checkin: bool = False,
    until_s: float | None = None,
    words_folder: Path | None = None,
    clock: Any = None,
) -> VagalApp:
    clock = clock if clock is not None else VirtualClock(30.0)
    source = ScriptedSource(events if events is not None else [*opening(), *beats(0, 30)], clock)
    pacer = Pacer()
    return make_app(
        source,
        engine=Engine(pacer=pacer),
        pacer=pacer,
        clock=clock,
        sinks=sinks if sinks is not None else [ListSink()],
        recording=recording,
        checkin=checkin,
        until_s=until_s,
        words_folder=words_folder,
    )


async def _final(pilot: Any, app: VagalApp) -> dict[str, Any]:
    """Wait until the summary has its final numbers (worked out in a thread)."""
    assert app.summary is not None
    for _ in range(200):
        if app.summary.final is not None:
            return app.summary.final
        await asyncio.sleep(0.02)  # the worker thread; not a timing assertion
        await pilot.pause()
    raise AssertionError("the final numbers never came")


def _of(sink: ListSink, kind: type[Any]) -> list[Any]:
    return [e for e in sink.events if isinstance(e, kind)]


# -- check-ins ---------------------------------------------------------------------------


async def test_the_check_in_before_is_recorded_with_its_words() -> None:
    sink = ListSink()
    app = _app(sinks=[sink], checkin=True)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, CheckInScreen)
        text = " ".join(str(s.render()) for s in app.screen.query("Static"))
        assert "how settled" in text and "2 a little settled" in str(app.screen.query_one("#checkin-scale").render())
        await pilot.press("2", *"before work", "enter")
        await pilot.pause()
        assert not isinstance(app.screen, CheckInScreen)
    [c] = _of(sink, CheckIn)
    assert (c.when, c.settled, c.words) == ("before", 2, "before work")
    assert app.time_source() > 0.0  # answered once the session was under way…
    assert c.t_s == 0.0  # …and stamped at its start, 0:00: it is how the person came to it


@pytest.mark.parametrize("key", ["s", "escape"])
async def test_the_check_in_is_skipped_with_one_key(key: str) -> None:
    sink = ListSink()
    app = _app(sinks=[sink], checkin=True)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press(key)
        await pilot.pause()
        assert not isinstance(app.screen, CheckInScreen)
    assert _of(sink, CheckIn) == []


async def test_without_check_in_the_dashboard_comes_at_once() -> None:
    app = _app(checkin=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert app.screen is app.dashboard


def test_no_checkin_turns_the_question_off() -> None:
    from vagal.cli import build_parser
    from vagal.commands.demo import options

    assert options(build_parser().parse_args(["demo"])).checkin is True
    assert options(build_parser().parse_args(["demo", "--no-checkin"])).checkin is False


# -- the end of a session ----------------------------------------------------------------


async def test_the_session_ends_kindly_with_the_final_numbers(tmp_path: Path) -> None:
    """q, y: the guide comes to rest, the summary shows analyze's numbers of the file, the
    check-in after is recorded in it, and q leaves."""
    from vagal.commands.analyze import to_json
    from vagal.hrv import analyze_rr
    from vagal.sessions.formats import load_recording

    path = tmp_path / "s.vagal.jsonl"
    recorder = Recorder(path, {"source": "demo"})
    clock = VirtualClock(400.0)
    app = _app([*opening(), *beats(0, 400)], sinks=[recorder], recording=path, checkin=True, clock=clock)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("s")  # no check-in before
        await settle(pilot, app)
        await pilot.press("m", *"talked about work", "enter")
        await pilot.press("q")
        assert isinstance(app.screen, QuitScreen)
        await pilot.press("y")
        await settle(pilot, app)
        assert isinstance(app.screen, SummaryScreen)
        assert app.dashboard.query_one(BreathGuide).held  # the guide at rest
        ended = app.time_source()
        final = await _final(pilot, app)
        assert app.time_source() == ended  # the clock stopped
        head = str(app.screen.query_one("#summary-numbers-head").render())
        assert head.startswith("Final numbers")
        from rich.console import Console

        console = Console(width=100, record=True, file=io.StringIO())
        console.print(numbers_text(final))  # what #summary-numbers shows (the snapshots show it on screen)
        shown = console.export_text()
        assert f"{final['rmssd_ms']:.0f} ms" in shown
        assert "first 2 min" in shown and "last 2 min" in shown
        await pilot.press("4", *"lighter", "enter")
        await pilot.pause()
        assert "You leave at 4 (mostly settled" in str(app.screen.query_one("#summary-checkins").render())
        await pilot.press("q")
        await pilot.pause()
    assert app.return_value == 0
    rec = load_recording(path)
    want = to_json(str(path), analyze_rr(rec.rr_ms, t_s=rec.t_s, breaks=rec.breaks))
    for key, value in want.items():
        if key == "file":
            continue
        if isinstance(value, float):
            assert final[key] == pytest.approx(value, rel=1e-9), key
        else:
            assert final[key] == value, key
    assert [m["label"] for m in final["markers"]] == ["talked about work"]
    _, events, _, _ = read_events(path)
    after = [e for e in events if isinstance(e, CheckIn)]
    assert [(c.when, c.settled, c.words) for c in after] == [("after", 4, "lighter")]


async def test_duration_reached_shows_the_summary_and_stops_the_clock() -> None:
    clock = VirtualClock(0.0)
    app = _app([*opening(), *beats(0, 200)], until_s=120.0, clock=clock)
    async with app.run_test(size=(100, 30)) as pilot:
        for _ in range(40):
            await settle(pilot, app)
            if app.summary is not None:
                break
        assert isinstance(app.screen, SummaryScreen)
        final = await _final(pilot, app)
        assert final["n_beats"] > 100
        assert app.time_source() == pytest.approx(120.0, abs=2.0)
        assert app.dashboard.query_one(StatusBar).status.state == "ended"
        await pilot.press("q")
        await pilot.pause()
    assert app.return_value == 0


async def test_a_full_disk_is_said_calmly_on_the_summary(tmp_path: Path) -> None:
    class FullDisk(ListSink):
        def __init__(self) -> None:
            super().__init__()
            self.error = OSError("cannot write the session file s.vagal.jsonl (No space left on device).")

    path = tmp_path / "s.vagal.jsonl"
    app = _app(sinks=[FullDisk()], recording=path)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, app)
        await pilot.press("q")
        assert isinstance(app.screen, QuitScreen)
        said = str(app.screen.query_one("#quit-where").render())
        assert "The recording stopped" in said and "Everything so far is saved" not in said
        await pilot.press("y")
        await settle(pilot, app)
        saved = str(app.screen.query_one("#summary-saved").render())
        assert "up to where it stopped" in saved and "No space left on device" in saved
        await pilot.press("q")
        await pilot.pause()


# -- silent markers ----------------------------------------------------------------------


async def test_a_marker_in_presentation_mode_is_silent_and_gets_its_words_later(tmp_path: Path) -> None:
    path = tmp_path / "s.vagal.jsonl"
    sink = ListSink()
    app = _app(sinks=[sink], recording=path)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, app)
        await pilot.press("f")
        await pilot.press("m")
        await pilot.pause()
        # Nothing on the client's screen: no dialog, no notice.
        assert app.screen is app.dashboard and len(app.screen_stack) == 1
        assert list(app._notifications) == []
        [marker] = _of(sink, Marker)
        assert marker.label == ""
        await pilot.press("e")  # the list is not offered in presentation mode
        assert app.screen is app.dashboard
        await pilot.press("f", "e")
        await pilot.pause()
        assert isinstance(app.screen, MarkerListScreen)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, MarkerScreen) and app.screen.later
        await pilot.press(*"talked about mum", "tab", *"tense", "enter")
        await pilot.pause()
        assert app.marker_events == [Marker(marker.t_s, "talked about mum", "tense")]
    # Kept beside the session; the recording itself is never rewritten.
    assert read_notes(path) == [Marker(marker.t_s, "talked about mum", "tense")]


async def test_labels_used_before_are_offered_again(tmp_path: Path) -> None:
    folder = tmp_path / "sessions"
    folder.mkdir()
    old = folder / "old.vagal.jsonl"
    with Recorder(old, {"source": "demo"}) as rec:
        rec.write(Marker(1.0, "talked about work", "tense"))
    append_marker(old, Marker(2.0, "breathing together"))
    app = _app(words_folder=folder)
    async with app.run_test(size=(100, 30)) as pilot:
        for _ in range(200):  # the words are looked up in a thread
            if app._used_labels:
                break
            await asyncio.sleep(0.02)
            await pilot.pause()
        await settle(pilot, app)
        await pilot.press("m")
        await pilot.pause()
        assert isinstance(app.screen, MarkerScreen)
        assert app.screen.labels == ["breathing together", "talked about work"]
        assert "tense" in app.screen.feelings
        await pilot.press("tab", "tab", "enter")  # past the feeling word, to the list: the first label
        await pilot.press("enter")
        await pilot.pause()
        assert app.marker_events[-1].label == "breathing together"


# -- replay that can go back ---------------------------------------------------------------


def _replay_app(path: Path, clock: SteppedClock, pacer: Pacer | None = None) -> tuple[VagalApp, ReplaySource]:
    source = ReplaySource(path, clock=clock, hold_at_end=True)
    app = make_app(source, mode="replay", pacer=pacer, clock=source.clock)
    return app, source


class ReplayClock(SteppedClock):
    """A clock that only the test moves, and that a replay can steer."""

    def set_speed(self, speed: float) -> None:
        self.speed = speed


async def _play_to(pilot: Any, app: VagalApp, clock: ReplayClock, t_s: float) -> None:
    clock.jump_to(t_s)
    for _ in range(3):
        await settle(pilot, app)


@pytest.mark.skipif(not NSR_5MIN.exists(), reason="../shared/data is not here")
async def test_seeking_keeps_the_analysis() -> None:
    """→ and ← rebuild the engine up to the new moment: the numbers are those of a replay
    played from the start to there, never "needs 30 s of beats" again."""
    clock = ReplayClock(0.0)
    app, source = _replay_app(NSR_5MIN, clock)
    async with app.run_test(size=(100, 30)) as pilot:
        await _play_to(pilot, app, clock, 150.0)
        await pilot.press("space")  # pause, so the position stays where the keys put it
        await settle(pilot, app)
        bar = app.dashboard.query_one(StatusBar)
        assert "paused" in bar.status.time_text() and "paused" in str(bar.render())  # seen at 100 columns
        assert app.dashboard.query_one(BreathGuide).held
        for key, at in (("right", 160.0), ("left", 150.0), ("left", 140.0)):
            await pilot.press(key)
            await settle(pilot, app)
            assert source.position_s == pytest.approx(at)
            straight = Engine()
            for event in source.events_until(at):
                straight.push(event)
            want = straight.tick(at)
            got = app.driver.engine.snapshot
            assert got.rmssd_ms.value is not None
            assert got.rmssd_ms.value == pytest.approx(want.rmssd_ms.value, rel=1e-12)
            assert got.hr_bpm.value == pytest.approx(want.hr_bpm.value, rel=1e-12)
            assert len(app.trace_data) > 0  # the trace is kept too


@pytest.mark.skipif(not NSR_5MIN.exists(), reason="../shared/data is not here")
async def test_a_replay_restarts_after_its_end_and_a_plain_file_shows_no_guide() -> None:
    clock = ReplayClock(0.0)
    app, source = _replay_app(NSR_5MIN, clock)
    async with app.run_test(size=(100, 30)) as pilot:
        assert not app.dashboard.query_one(BreathGuide).display  # a plain RR file recorded none
        await _play_to(pilot, app, clock, source.duration_s + 5.0)
        assert source.at_end and app.summary is None  # it waits at the end
        await pilot.press("left")
        await settle(pilot, app)
        assert not source.at_end and source.position_s == pytest.approx(source.duration_s - 10.0, abs=0.01)
        await _play_to(pilot, app, clock, source.duration_s + 5.0)
        assert source.at_end
        await pilot.press("space")  # watch it again
        await settle(pilot, app)
        assert not source.at_end and source.position_s < 5.0
        await pilot.press("q")
        await settle(pilot, app)
        assert isinstance(app.screen, SummaryScreen)
        final = await _final(pilot, app)
        # The summary covers the file once, however often it went back.
        assert final["n_beats"] == source.recording.n_beats


async def test_the_pattern_shown_is_the_one_recorded_at_that_moment(tmp_path: Path) -> None:
    path = tmp_path / "paced.vagal.jsonl"
    box = PRESETS["box"]
    with Recorder(path, {"source": "demo"}) as rec:
        rec.write(PRESETS["resonance"].to_event(0.0))
        for ev in beats(0, 200):
            rec.write(ev)
        rec.write(PacerChanged(100.0, "box", box.inhale_s, box.hold_in_s, box.exhale_s, box.hold_out_s))
    from vagal.pacer import pacer_from_events

    source = ReplaySource(path, clock=ReplayClock(0.0), hold_at_end=True)
    pacer = pacer_from_events(source.recording.pacer)
    app = make_app(source, mode="replay", pacer=pacer, clock=source.clock)
    clock = source._clock
    async with app.run_test(size=(100, 30)) as pilot:
        await _play_to(pilot, app, clock, 50.0)
        assert app._pacer_words().startswith("resonance")
        await _play_to(pilot, app, clock, 150.0)
        assert app._pacer_words().startswith("box")
        await pilot.press("space", "left", "left", "left", "left", "left", "left")
        await settle(pilot, app)
        assert source.position_s == pytest.approx(90.0)
        assert app._pacer_words().startswith("resonance")


@pytest.mark.skipif(not NSR_5MIN.exists(), reason="../shared/data is not here")
async def test_a_marker_in_a_replay_is_kept_beside_the_file(tmp_path: Path) -> None:
    copy = tmp_path / NSR_5MIN.name
    copy.write_bytes(NSR_5MIN.read_bytes())
    clock = ReplayClock(0.0)
    app, _ = _replay_app(copy, clock)
    async with app.run_test(size=(100, 30)) as pilot:
        await _play_to(pilot, app, clock, 42.0)
        await pilot.press("M")
        await pilot.pause()
    assert [m.t_s for m in read_notes(copy)] == [pytest.approx(42.0)]
    assert notes_path(copy).exists() and copy.read_bytes() == NSR_5MIN.read_bytes()
    # The next replay plays it.
    assert [m.t_s for m in ReplaySource(copy, speed=math.inf).markers] == [pytest.approx(42.0)]
