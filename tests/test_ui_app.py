"""Pilot tests of the dashboard: every key binding and mode, resize, drop-out, quitting.

The app is built by :func:`vagal.ui.app.make_app`, the factory the CLI uses, on the real
engine. The source is scripted (a list of events paced by a clock) so each test states
exactly what the person's strap "did"; tests assert on app state and on the events that
reached the engine and the recording.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any, Self

import pytest

from vagal.clock import MonotonicClock, VirtualClock
from vagal.engine.core import Engine
from vagal.events import Beat, DeviceInfo, Event, Gap, Marker, PacerChanged, SourceState
from vagal.pacer import PRESETS, Pacer
from vagal.sessions.writer import Recorder
from vagal.sources.base import SourceStats
from vagal.ui.app import VagalApp, make_app
from vagal.ui.screens import HelpScreen, MarkerScreen, QuitScreen
from vagal.ui.widgets.guide import BreathGuide
from vagal.ui.widgets.status import StatusBar
from vagal.ui.widgets.trace import HeartTrace


def beats(t0_s: float, t1_s: float, *, hr_bpm: float = 62.0, swing_bpm: float = 5.0) -> list[Event]:
    """Beats from ``t0_s`` to ``t1_s`` whose heart rate swings with a 10 s breath."""
    out: list[Event] = []
    t = t0_s
    while True:
        rr = 60000.0 / (hr_bpm + swing_bpm * math.sin(2 * math.pi * t / 10.0))
        t += rr / 1000.0
        if t > t1_s:
            return out
        out.append(Beat(t, rr, contact=True))


def opening(kind: str = "simulator", name: str = "simulated strap") -> list[Event]:
    return [SourceState(0.0, "connected"), DeviceInfo(0.0, kind, name), SourceState(0.0, "streaming")]  # type: ignore[arg-type]


class ScriptedSource:
    """A BeatSource that plays a list of events on a clock, then waits until closed."""

    def __init__(self, events: list[Event | None], clock: Any, *, end: bool = False) -> None:
        self.events = events
        self.gate = asyncio.Event()
        """A ``None`` in ``events`` holds the script until this is set."""
        self.clock = clock
        self.end = end
        self.stats = SourceStats()
        self.sent: list[Event] = []
        self._closed = asyncio.Event()
        self.closed = False

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    def send(self, event: Event) -> None:
        self.sent.append(event)

    async def close(self) -> None:
        self.closed = True
        self._closed.set()

    def __aiter__(self) -> AsyncIterator[Event]:
        return self._run()

    async def _run(self) -> AsyncIterator[Event]:
        for event in self.events:
            if self.closed:
                break
            if event is None:
                await self.gate.wait()
                continue
            await self.clock.sleep_until(event.t_s)
            yield event
        if not self.end:
            await self._closed.wait()
        yield SourceState(self.clock.now(), "ended")


class ListSink:
    """A sink that keeps what it is given."""

    def __init__(self) -> None:
        self.events: list[Event] = []
        self.closed = False
        self.error: Exception | None = None

    def write(self, event: Event) -> None:
        self.events.append(event)

    def close(self) -> None:
        self.closed = True


def build(
    events: list[Event] | None = None,
    *,
    clock: Any = None,
    recording: Path | None = None,
    sinks: list[Any] | None = None,
    mode: str = "demo",
    source: Any = None,
) -> VagalApp:
    clock = clock if clock is not None else VirtualClock(30.0)
    if source is None:
        source = ScriptedSource(events if events is not None else opening() + beats(0, 30), clock)
    pacer = Pacer()
    return make_app(
        source,
        engine=Engine(pacer=pacer),
        pacer=pacer,
        clock=clock,
        sinks=sinks if sinks is not None else [ListSink()],
        recording=recording,
        mode=mode,  # type: ignore[arg-type]
    )


async def settle(pilot: Any, app: VagalApp, t_s: float | None = None) -> None:
    """Let the session worker fold what is due (the scripted source is on a virtual clock)."""
    for _ in range(5):
        await pilot.pause()
    app._refresh_trace()
    await pilot.pause()


# -- what is on screen -------------------------------------------------------------------


async def test_dashboard_shows_guide_heart_rate_and_status() -> None:
    app = build()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, app)
        guide = app.query_one(BreathGuide)
        assert guide.word in ("Inhale", "Exhale", "Hold")
        assert app.driver.engine.snapshot.beats > 20
        status = app.query_one(StatusBar).status
        assert status.source_text() == "simulated strap"
        assert status.state == "streaming"
        assert app.query_one("#heart-rate").hr_bpm is not None  # type: ignore[attr-defined]
        rendered = app.query_one(StatusBar).render().plain
        assert "simulated strap" in rendered and "not recording" in rendered


async def test_guide_keeps_animating_on_real_time(monkeypatch: pytest.MonkeyPatch) -> None:
    """On a real-time clock the guide draws new frames from its own timer, with nobody calling step().

    Deterministic: no frame count against the wall clock (that failed on a busy machine).
    The test moves the real clock on by a second of breathing (the countdown changes, so a
    frame is due) and then waits for the guide's own timer to have drawn it, four times.
    """
    stepped = asyncio.Event()
    step = BreathGuide.step

    def step_and_say(self: BreathGuide) -> None:
        step(self)
        stepped.set()

    monkeypatch.setattr(BreathGuide, "step", step_and_say)  # the timer's callback: seen, not replaced
    clock = MonotonicClock()
    app = build(opening(), clock=clock)
    async with app.run_test(size=(100, 30)):
        guide = app.query_one(BreathGuide)
        assert guide.fps >= 20 and not guide.held
        first = guide.frames
        for k in range(1, 5):
            clock.jump_to(clock.now() + 1.0)  # a second of breathing later: a new countdown
            stepped.clear()
            await asyncio.wait_for(stepped.wait(), 30)  # the guide's timer, never the test, steps it
            assert guide.frames >= first + k


async def test_guide_follows_the_pacer_phase_and_countdown() -> None:
    clock = VirtualClock(1.0)
    app = build(opening(), clock=clock)
    async with app.run_test(size=(100, 30)) as pilot:
        guide = app.query_one(BreathGuide)
        guide.step()
        assert (guide.word, guide.countdown) == ("Inhale", 3)  # resonance: 4 s in, 1 s gone
        clock.jump_to(5.5)
        guide.step()
        await pilot.pause()
        assert (guide.word, guide.countdown) == ("Exhale", 5)


# -- keys ---------------------------------------------------------------------------------


async def test_marker_with_label_reaches_engine_and_recording() -> None:
    sink = ListSink()
    app = build(sinks=[sink])
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, app)
        await pilot.press("m")
        assert isinstance(app.screen, MarkerScreen)
        await pilot.press(*"talked about work")
        await pilot.press("enter")
        await pilot.pause()
        assert not isinstance(app.screen, MarkerScreen)
        markers = [e for e in sink.events if isinstance(e, Marker)]
        assert [m.label for m in markers] == ["talked about work"]
        assert app.driver.engine.markers[-1][1] == "talked about work"
        assert app.markers[-1][1] == "talked about work"


async def test_marker_escape_cancels_and_quick_marker_has_no_dialog() -> None:
    sink = ListSink()
    app = build(sinks=[sink])
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("m", "x", "escape")
        assert not any(isinstance(e, Marker) for e in sink.events)
        await pilot.press("M")
        await pilot.pause()
        assert not isinstance(app.screen, MarkerScreen)
        assert [m.label for m in sink.events if isinstance(m, Marker)] == [""]


async def test_preset_keys_change_the_pattern_everywhere() -> None:
    sink = ListSink()
    app = build(sinks=[sink])
    async with app.run_test(size=(100, 30)) as pilot:
        names = list(PRESETS)
        await pilot.press("p")
        assert app.pacer.pattern.name == names[1]
        await pilot.press("P", "P")
        assert app.pacer.pattern.name == names[-1]
        start, *changes = [e for e in sink.events if isinstance(e, PacerChanged)]
        assert start.preset == names[0]  # the initial pattern is recorded first
        assert [c.preset for c in changes] == [names[1], names[0], names[-1]]
        # The simulator is offered every change, so its breathing can follow.
        assert [e for e in app.driver.source.sent if isinstance(e, PacerChanged)] == changes  # type: ignore[attr-defined]
        assert names[-1] in str(app.query_one("#pacer-info").render())


async def test_rate_keys_step_the_pace_by_half_a_breath() -> None:
    app = build()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("plus")
        assert app.pacer.pattern.rate_per_min == pytest.approx(6.5)
        await pilot.press("minus", "minus")
        assert app.pacer.pattern.rate_per_min == pytest.approx(5.5)
        # The shape (2:3 in:out of resonance) is kept.
        assert app.pacer.pattern.inhale_s / app.pacer.pattern.exhale_s == pytest.approx(4 / 6)


async def test_rate_has_a_calm_limit() -> None:
    app = build()
    async with app.run_test(size=(100, 30)) as pilot:
        for _ in range(10):
            await pilot.press("minus")
        assert app.pacer.pattern.rate_per_min >= 2.0
        assert any("as far as the pace goes" in n.message for n in app._notifications)


async def test_toggle_trace_between_heart_rate_and_rr() -> None:
    app = build()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, app)
        trace = app.query_one(HeartTrace)
        assert trace.kind == "hr"
        hr_values = list(trace._y)
        await pilot.press("t")
        assert trace.kind == "rr"
        assert min(trace._y) > 500 > max(hr_values)  # ms now, not bpm
        await pilot.click(HeartTrace)
        assert trace.kind == "hr"


async def test_presentation_mode_hides_all_but_guide_and_numbers() -> None:
    app = build()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("f")
        assert app.screen.has_class("-presentation")
        for selector in ("#status", "#trace", "#tiles", "#markers", "Footer"):
            assert not app.query_one(selector).display, selector
        assert app.query_one(BreathGuide).size.height >= 20
        assert app.query_one("#calm-words").display
        await pilot.press("f")
        assert not app.screen.has_class("-presentation")
        assert app.query_one("#trace").display


@pytest.mark.parametrize(
    ("width", "shown"),
    [(70, ""), (80, " · warming up"), (100, " · warming up"), (200, " · warming up: RMSSD, Coherence, LF/HF, RSA, Breathing")],
)
async def test_the_status_line_never_ends_in_a_cut_list(width: int, shown: str) -> None:
    from textual.app import App

    from vagal.ui.widgets.status import Status

    class One(App[None]):
        def compose(self) -> Any:
            yield StatusBar()

    app = One()
    async with app.run_test(size=(width, 3)) as pilot:
        bar = app.query_one(StatusBar)
        bar.status = Status(
            state="streaming",
            quality_pct=100.0,
            recording=True,
            t_s=9.0,
            warming=("RMSSD", "Coherence", "LF/HF", "RSA", "Breathing"),
        )
        await pilot.pause()
        assert bar.render().plain == "simulated strap · receiving beats · signal 100 % · recording 0:09" + shown


@pytest.mark.parametrize(
    ("changes", "shown"),
    [
        ({}, "Polar H10 · receiving beats · signal 97 % · recording 0:09"),
        ({"state": "reconnecting", "gap_s": 20.0}, "Polar H10 · reconnecting… 20 s · recording 0:09"),
        ({"contact": False, "gap_s": 4.0}, "Polar H10 · no skin contact · 4 s · recording 0:09"),
    ],
)
async def test_no_signal_figure_while_no_data_comes(changes: dict[str, Any], shown: str) -> None:
    from textual.app import App

    from vagal.ui.widgets.status import Status

    class One(App[None]):
        def compose(self) -> Any:
            yield StatusBar()

    app = One()
    async with app.run_test(size=(100, 3)) as pilot:
        bar = app.query_one(StatusBar)
        base = {"kind": "strap", "name": "Polar H10", "state": "streaming", "quality_pct": 97.0}
        bar.status = Status(**{**base, "recording": True, "t_s": 9.0, **changes})
        await pilot.pause()
        assert bar.render().plain == shown


async def test_presentation_mode_says_coherence_once_while_it_warms_up() -> None:
    """In place of the level's big words: "coherence: needs 64 s…", not "coherence: coherence needs…"."""
    from vagal.ui.widgets.readings import CalmWords

    app = build(opening() + beats(0, 20))
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, app)
        await pilot.press("f")
        calm = app.query_one(CalmWords)
        words = calm.words
        assert words.startswith("coherence: needs"), words
        assert str(calm.render()) == words  # small and quiet, not in big letters
        assert words.count("coherence") == 1


async def test_sound_cue_rings_at_phase_changes_only_when_on() -> None:
    clock = VirtualClock(3.9)
    app = build(opening(), clock=clock)
    rings: list[int] = []
    async with app.run_test(size=(100, 30)) as pilot:
        app.bell = lambda: rings.append(1)  # type: ignore[method-assign]
        guide = app.query_one(BreathGuide)
        clock.jump_to(4.1)  # inhale → exhale, cues off
        guide.step()
        await pilot.pause()
        assert rings == []
        await pilot.press("c")  # no player in a headless test: the bell is offered, not rung
        assert not app.sound and "flash" in list(app._notifications)[-1].message
        clock.jump_to(10.1)  # exhale → inhale, still off
        guide.step()
        await pilot.pause()
        assert rings == [] and app.cues.played == []
        await pilot.press("c")  # asked twice: the bell, once at each in-breath
        assert app.sound and "cue: bell at each in-breath" in str(app.query_one("#pacer-info").render())
        clock.jump_to(14.1)  # inhale → exhale: no ring
        guide.step()
        await pilot.pause()
        clock.jump_to(20.1)  # exhale → inhale: one ring
        guide.step()
        await pilot.pause()
        assert rings == [1]
        assert app.cues.played == ["exhale", "inhale"]


async def test_light_key_switches_colours() -> None:
    app = build()
    async with app.run_test(size=(100, 30)) as pilot:
        assert app.current_theme.dark
        await pilot.press("l")
        assert not app.current_theme.dark
        await pilot.press("l")
        assert app.current_theme.dark


async def test_live_mode_shows_the_strap_and_its_battery() -> None:
    events = [
        SourceState(0.0, "connecting"),
        SourceState(0.0, "connected"),
        DeviceInfo(0.0, "strap", "Polar H10 8C4D2A", battery_pct=80),
        *beats(0, 30),
    ]
    app = build(events, mode="live")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, app)
        text = app.query_one(StatusBar).render().plain
        assert text.startswith("Polar H10 8C4D2A · battery 80 % · receiving beats")
        await pilot.press("space", "right")  # replay keys do nothing live
        assert app.is_running


async def test_a_strap_without_rr_is_said_once_and_heart_rate_stays() -> None:
    """The source learns the strap sends no RR: the tiles say so instead of
    "waiting for beats" for ever, a calm notice explains it, heart rate stays on screen."""
    from vagal.events import HeartRateOnly
    from vagal.ui.widgets.tiles import HeartRateNow, MetricTile

    events: list[Event] = [*opening("strap", "Polar OH1"), DeviceInfo(0.0, "strap", "Polar OH1")]
    events += [HeartRateOnly(float(t), 60, None) for t in range(1, 16)]
    events.append(DeviceInfo(15.5, "strap", "Polar OH1", sends_rr=False))
    events += [HeartRateOnly(float(t), 60, None) for t in range(16, 20)]
    app = build(events, clock=VirtualClock(20.0), mode="live")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, app)
        assert app.hr_only
        assert app.query_one(HeartRateNow).hr_bpm == 60
        for tile in app.query(MetricTile):
            assert "this strap sends no RR intervals" in " ".join(tile.render().plain.split()), tile.id
        assert "warming" not in app.query_one(StatusBar).render().plain
        notices = [n for n in app._notifications if n.title == "Heart rate only"]
        assert len(notices) == 1 and "no RR intervals" in notices[0].message


async def test_contact_loss_is_said_plainly() -> None:
    from vagal.events import ContactChanged

    clock = VirtualClock(0.0)
    script: list[Event | None] = [*opening(), *beats(0, 20), ContactChanged(20.5, False), None]
    app = build(source=ScriptedSource(script, clock), clock=clock)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, app)
        clock.jump_to(24.0)
        app._tick()
        await pilot.pause()
        assert "no skin contact · 4 s" in app.query_one(StatusBar).render().plain


async def test_help_screen_opens_and_closes() -> None:
    app = build()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)


async def test_help_reads_without_wrapping_at_80_columns() -> None:
    """A wrapped help line lost its indent ("lower" alone at the left edge)."""
    from vagal.ui.screens import HELP_TEXT

    app = build()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("question_mark")
        await pilot.pause()
        text = app.screen.query_one("#help-text")
        assert text.size.height == len(HELP_TEXT.splitlines())


async def test_mouse_footer_keys_work() -> None:
    from textual.widgets._footer import FooterKey

    app = build()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        keys = {k.description: k for k in app.query(FooterKey)}
        await pilot.click(keys["Present"])
        assert app.screen.has_class("-presentation")
        await pilot.press("f")
        await pilot.click(keys["Help"])
        assert isinstance(app.screen, HelpScreen)


async def test_dashboard_keeps_updating_under_a_dialog() -> None:
    clock = VirtualClock(0.0)
    script: list[Event | None] = [*opening(), *beats(0, 10), None, *beats(10, 30)]
    source = ScriptedSource(script, clock)
    app = build(source=source, clock=clock)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, app)
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        before = app.driver.engine.snapshot.beats
        source.gate.set()
        clock.jump_to(30.0)
        await settle(pilot, app)
        app._tick()
        assert app.driver.engine.snapshot.beats > before
        assert app.dashboard.query_one(StatusBar).status.t_s == 30.0
        await pilot.press("escape")


class BrokenSource(ScriptedSource):
    """A source with a bug: it raises something that is not a VagalError."""

    async def _run(self) -> AsyncIterator[Event]:
        yield SourceState(0.0, "connected")
        raise RuntimeError("bad wiring")


async def test_a_broken_source_is_reported_calmly_and_the_guide_goes_on() -> None:
    from vagal.errors import DeviceNotFoundError

    clock = MonotonicClock()
    app = build(source=BrokenSource([], clock), clock=clock)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause(0.2)
        assert any("stopped unexpectedly" in n.message for n in app._notifications)
        frames = app.query_one(BreathGuide).frames
        await pilot.pause(0.3)
        assert app.query_one(BreathGuide).frames > frames
        assert app.is_running

    class Unreachable(ScriptedSource):
        async def __aenter__(self) -> Self:
            raise DeviceNotFoundError("No heart-rate strap is in range.", hint="Wake the strap by wearing it.")

    app = build(source=Unreachable([], clock), clock=clock)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause(0.2)
        (note,) = [n for n in app._notifications if n.title == "The source stopped"]
        assert note.message == "No heart-rate strap is in range. Wake the strap by wearing it."
        assert note.severity == "information"  # calm: no alarm colours


async def test_clicking_a_tile_explains_it() -> None:
    app = build()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.click("#rmssd")
        await pilot.pause()
        (note,) = app._notifications
        assert note.title == "RMSSD" and "beat to beat" in note.message


async def test_quit_without_recording_leaves_without_asking() -> None:
    """No question to stop when nothing is recorded: q shows the summary, q again leaves."""
    from vagal.ui.screens_summary import SummaryScreen

    sink = ListSink()
    app = build(sinks=[sink])
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("q")
        await settle(pilot, app)
        assert isinstance(app.screen, SummaryScreen)
        await pilot.press("q")
        await pilot.pause()
    assert app.return_value == 0
    assert sink.closed and app.driver.source.closed  # type: ignore[attr-defined]


async def test_quit_while_recording_asks_and_can_be_declined(tmp_path: Path) -> None:
    app = build(recording=tmp_path / "s.vagal")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("q")
        assert isinstance(app.screen, QuitScreen)
        await pilot.press("n")
        assert not isinstance(app.screen, QuitScreen)
        assert app.is_running
        await pilot.press("ctrl+c")
        assert isinstance(app.screen, QuitScreen)
        await pilot.press("y")  # stop: the summary, then leave
        await settle(pilot, app)
        assert app.summary is not None and app.screen is app.summary
        await pilot.press("ctrl+c")
        await pilot.pause()
    assert app.return_value == 0


async def test_quitting_while_recording_leaves_a_complete_session(tmp_path: Path) -> None:
    from vagal.sessions.reader import read_session

    path = tmp_path / "session.vagal"
    recorder = Recorder(path, {"source": "demo"})
    app = build(sinks=[recorder], recording=path)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, app)
        await pilot.press("M", "p")
        await pilot.press("q")
        await pilot.click("#stop")
        await pilot.pause()
    assert recorder.closed
    session = read_session(path)
    assert not session.damage
    assert len(session.rr_ms) == app.driver.engine.snapshot.beats > 20
    assert len(session.markers) == 1
    assert session.events is not None
    assert any(isinstance(e, PacerChanged) for e in session.events)


# -- replay ---------------------------------------------------------------------------------


class TransportSource(ScriptedSource):
    """A scripted source with ReplaySource's controls, recording what was asked."""

    def __init__(self, events: list[Event], clock: Any) -> None:
        super().__init__(events, clock)
        self.calls: list[tuple[str, Any]] = []
        self.paused = False
        self.speed = 1.0
        self.duration_s = 600.0
        self.name = "morning.vagal"
        self.markers: tuple[Marker, ...] = ()

    @property
    def position_s(self) -> float:
        return float(self.clock.now())

    def pause(self) -> None:
        self.paused = True
        self.calls.append(("pause", None))

    def resume(self) -> None:
        self.paused = False
        self.calls.append(("resume", None))

    def seek(self, t_s: float) -> None:
        self.calls.append(("seek", t_s))
        self.clock.jump_to(t_s)

    def seek_marker(self, direction: int) -> None:
        self.calls.append(("seek_marker", direction))

    def set_speed(self, speed: float) -> None:
        self.speed = speed
        self.calls.append(("set_speed", speed))


async def test_replay_keys_drive_the_transport() -> None:
    clock = VirtualClock(30.0)
    source = TransportSource(opening("replay", "morning.vagal") + beats(0, 30), clock)
    app = build(source=source, mode="replay")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, app)
        await pilot.press("space", "right", "left", "n", "N", "right_square_bracket", "left_square_bracket", "space")
        await pilot.pause()
        assert source.calls == [
            ("pause", None),
            ("seek", 40.0),
            ("seek", 30.0),
            ("seek_marker", 1),
            ("seek_marker", -1),
            ("set_speed", 2.0),
            ("set_speed", 1.0),
            ("resume", None),
        ]
        status = app.query_one(StatusBar).render().plain
        assert "replay · morning.vagal" in status and "10:00" in status
        # This recording has no markers: "n" says so instead of doing nothing silently.
        assert [n.message for n in app._notifications] == ["There are no more markers after this point."]


async def test_a_replay_lists_the_recordings_markers_from_the_start() -> None:
    """The therapist can read what is ahead before jumping there with n; the list follows
    the position (a seek that lands just after a marker still shows it)."""
    from vagal.ui.widgets.status import MarkerList

    clock = VirtualClock(30.0)
    source = TransportSource(opening("replay", "morning.vagal") + beats(0, 30), clock)
    source.markers = (  # type: ignore[attr-defined]
        Marker(50.0, "talked about work"),
        Marker(120.0, "long exhale"),
        Marker(300.0, ""),
        *(Marker(400.0 + 10 * i, f"later {i}") for i in range(10)),
    )
    app = build(source=source, mode="replay")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, app)
        assert [label for _, label in app.markers][:3] == ["talked about work", "long exhale", ""]
        listed = app.query_one(MarkerList).render().plain
        assert "0:50 talked about work" in listed and "2:00 long exhale" in listed
        await pilot.press(*["right"] * 12)  # 150 s: past the first two
        await pilot.pause()
        listed = app.query_one(MarkerList).render().plain.splitlines()
        assert listed[1].endswith("long exhale") and listed[2].endswith("(marker)")


async def test_seeking_back_restarts_the_analysis() -> None:
    clock = VirtualClock(30.0)
    source = TransportSource(opening("replay", "morning.vagal") + beats(0, 30), clock)
    app = build(source=source, mode="replay")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, app)
        engine = app.driver.engine
        before = engine.snapshot.beats
        assert before > 20
        await pilot.press("right")  # forward: same analysis goes on (a reset would count 0 beats)
        assert engine.snapshot.beats >= before
        await pilot.press("left", "left")  # back to 20 s: fresh windows from there (Engine.reset)
        assert app.driver.engine is engine and engine.snapshot.beats == 0
        assert app.query_one("#rmssd").history is app.trends.history["rmssd_ms"]  # type: ignore[attr-defined]


async def test_the_guide_stands_still_in_a_fast_replay() -> None:
    clock = VirtualClock(1.0)
    source = TransportSource(opening("replay", "morning.vagal"), clock)
    app = build(source=source, mode="replay")
    async with app.run_test(size=(100, 30)) as pilot:
        guide = app.query_one(BreathGuide)
        await pilot.press("right_square_bracket")  # 2×: still breathing
        assert not guide.held
        await pilot.press("right_square_bracket")  # 4×: would flicker
        assert guide.held
        frames = guide.frames
        clock.jump_to(5.5)
        guide.step()
        assert guide.frames == frames
        await pilot.press("left_square_bracket")
        assert not guide.held


@pytest.mark.parametrize(("speed", "held"), [(1.0, False), (2.0, False), (16.0, True)])
async def test_the_guide_stands_still_in_a_fast_demo(speed: float, held: bool) -> None:
    """``vagal demo --speed 16`` with the dashboard: a breath every 0.6 s would flicker."""
    app = build(opening(), clock=MonotonicClock(speed))
    async with app.run_test(size=(100, 30)):
        assert app.query_one(BreathGuide).held is held


async def test_a_still_guide_shows_the_disc_without_words() -> None:
    """A frozen "Inhale 3" would ask for an in-breath that never ends: the guide says it rests."""
    clock = VirtualClock(1.0)
    source = TransportSource(opening("replay", "morning.vagal"), clock)
    app = build(source=source, mode="replay")
    async with app.run_test(size=(100, 30)) as pilot:
        guide = app.query_one(BreathGuide)
        await pilot.press("right_square_bracket", "right_square_bracket")  # 4×
        await pilot.pause()
        assert guide.held and guide.word == ""
        lines = [guide.render_line(y).text for y in range(guide.size.height)]
        words = [line.strip() for line in lines if any(ch.isalpha() for ch in line)]
        assert words == ["The guide rests while the replay runs at 4×.", PRESETS["resonance"].describe()]
        drawn = "".join(line for line in lines if not any(ch.isalnum() for ch in line))
        assert set(drawn) <= {" ", "▀", "▄", "█"} and "▀" in drawn  # a still disc, no countdown
        await pilot.press("left_square_bracket")
        await pilot.pause()
        assert guide.word in ("Inhale", "Exhale")


async def test_replay_keys_do_nothing_outside_replay() -> None:
    source = TransportSource(opening() + beats(0, 30), VirtualClock(30.0))
    app = build(source=source, mode="demo")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("space", "right", "n", "right_square_bracket")
        assert source.calls == []


async def test_pacer_keys_are_off_in_replay() -> None:
    source = TransportSource(opening("replay", "morning.vagal") + beats(0, 30), VirtualClock(30.0))
    app = build(source=source, mode="replay")
    async with app.run_test(size=(100, 30)) as pilot:
        before = app.pacer.pattern
        await pilot.press("p", "plus", "minus")
        assert app.pacer.pattern is before


async def test_replay_end_is_said_calmly() -> None:
    clock = VirtualClock(30.0)
    source = ScriptedSource(opening("replay", "a.vagal") + beats(0, 30), clock, end=True)
    app = build(source=source, mode="replay")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, app)
        assert app.session_ended
        assert app.query_one(StatusBar).status.state == "ended"
        await pilot.press("q")  # no recording in replay: the summary without asking, then leave
        await settle(pilot, app)
        assert app.summary is not None
        await pilot.press("q")
        await pilot.pause()
    assert app.return_value == 0


async def test_after_the_end_of_a_replay_the_transport_keys_say_so() -> None:
    """The stream is closed at the end: ← used to show "12:22 · warming up" and then nothing."""
    clock = VirtualClock(30.0)
    source = TransportSource(opening("replay", "morning.vagal") + beats(0, 30), clock)
    source.end = True
    app = build(source=source, mode="replay")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, app)
        assert app.session_ended
        await pilot.press("left", "n", "space", "right_square_bracket")
        await pilot.pause()
        assert source.calls == []
        notices = [n for n in app._notifications if n.title == "Replay"]
        assert notices and "reached its end" in notices[-1].message


def test_a_replay_as_fast_as_possible_says_so() -> None:
    from vagal.ui.widgets.status import Status

    status = Status(kind="replay", replay_speed=math.inf, t_s=752.0, duration_s=752.0)
    assert status.time_text() == "12:32 / 12:32 · as fast as possible"


# -- robustness -------------------------------------------------------------------------------


async def test_resize_down_to_80_by_24_keeps_everything_visible() -> None:
    app = build()
    async with app.run_test(size=(200, 60)) as pilot:
        await settle(pilot, app)
        big = app.query_one(BreathGuide).size
        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        small = app.query_one(BreathGuide).size
        assert small.width < big.width and small.height < big.height
        for selector in ("#status", "#breath-guide", "#heart-rate", "#trace", "#rmssd", "#breathing", "Footer"):
            widget = app.query_one(selector)
            region = widget.region
            assert widget.display and region.width > 0 and region.height > 0, selector
            assert region.right <= 80 and region.bottom <= 24, selector
        assert app.query_one(BreathGuide).size.height >= 8


@pytest.mark.parametrize("size", [(40, 12), (60, 20), (250, 80)])
async def test_odd_sizes_do_not_break(size: tuple[int, int]) -> None:
    app = build()
    async with app.run_test(size=size) as pilot:
        await settle(pilot, app)
        await pilot.press("f", "f", "t")
        await pilot.resize_terminal(30, 8)
        await pilot.pause()
        app.query_one(BreathGuide).step()
        await pilot.pause()
        assert app.is_running


async def test_dropout_shows_reconnecting_and_the_guide_keeps_going() -> None:
    clock = VirtualClock(0.0)
    back = [Gap(20.5, 32.0, "disconnected"), SourceState(32.0, "streaming"), *beats(32, 40)]
    script: list[Event | None] = [*opening(), *beats(0, 20), SourceState(20.5, "reconnecting", "attempt 1"), None, *back]
    source = ScriptedSource(script, clock)
    app = build(source=source, clock=clock)
    async with app.run_test(size=(100, 30)) as pilot:
        guide = app.query_one(BreathGuide)
        hr = app.query_one("#heart-rate")
        status = app.query_one(StatusBar)
        await settle(pilot, app)
        clock.jump_to(27.0)  # 6.5 s into the drop-out
        app._tick()
        await pilot.pause()
        assert "reconnecting… 6 s" in status.render().plain
        assert hr.hr_bpm is None  # type: ignore[attr-defined]
        assert "reconnecting" in hr.note  # type: ignore[attr-defined]
        frames = guide.frames
        for t in (27.5, 28.0, 28.5):
            clock.jump_to(t)
            guide.step()
        assert guide.frames >= frames + 3  # the person keeps breathing with the guide
        clock.jump_to(32.0)
        source.gate.set()  # the strap comes back
        await settle(pilot, app)
        app._tick()
        await pilot.pause()
        assert "reconnecting" not in status.render().plain
        assert "receiving beats" in status.render().plain
        assert hr.hr_bpm is not None  # type: ignore[attr-defined]
        assert app.driver.engine.gaps >= 1


class WatchedSimulator:
    """The real simulated strap, held at its first drop-out and again 10 s after it is back."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.clock = inner.clock
        self.stats = inner.stats
        self.dropped = asyncio.Event()
        self.go_on = asyncio.Event()
        self.back = asyncio.Event()
        self.dropped_at_s = 0.0
        self.back_at_s: float | None = None
        self._closed = asyncio.Event()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def close(self) -> None:
        self._closed.set()
        await self.inner.close()

    def __aiter__(self) -> AsyncIterator[Event]:
        return self._run()

    async def _run(self) -> AsyncIterator[Event]:
        async for event in self.inner:
            yield event
            if isinstance(event, SourceState) and event.state == "reconnecting" and not self.dropped.is_set():
                self.dropped_at_s = event.t_s
                self.dropped.set()
                await self.go_on.wait()
            elif isinstance(event, SourceState) and event.state == "connected" and self.dropped.is_set():
                self.back_at_s = event.t_s
            elif self.back_at_s is not None and event.t_s > self.back_at_s + 10 and not self.back.is_set():
                self.back.set()
                await self._closed.wait()


async def test_simulator_dropout_and_reconnect() -> None:
    from vagal.sources.simulated import SimArtifacts, SimulatedSource

    clock = VirtualClock()
    pacer = Pacer()
    artifacts = SimArtifacts(dropout_per_hour=60.0, dropout_s=(12.0, 12.0))
    source = WatchedSimulator(SimulatedSource(seed=5, clock=clock, breathing=pacer.volume_at, artifacts=artifacts))
    app = make_app(source, pacer=pacer, clock=clock, mode="demo")  # type: ignore[arg-type]
    async with app.run_test(size=(100, 30)) as pilot:
        await asyncio.wait_for(source.dropped.wait(), 30)
        guide = app.query_one(BreathGuide)
        status = app.query_one(StatusBar)
        hr = app.query_one("#heart-rate")
        # Seven seconds into the drop-out, as the person would see it.
        frames = guide.frames
        for dt in (2.0, 4.5, 7.0):
            clock.jump_to(source.dropped_at_s + dt)
            guide.step()
        app._tick()
        await pilot.pause()
        assert "reconnecting… 7 s" in status.render().plain
        assert hr.hr_bpm is None and "reconnecting" in hr.note  # type: ignore[attr-defined]
        assert guide.frames >= frames + 3  # the guide keeps the person breathing
        source.go_on.set()
        await asyncio.wait_for(source.back.wait(), 30)
        for _ in range(3):
            await pilot.pause()
        app._tick()
        await pilot.pause()
        text = status.render().plain
        assert "reconnecting" not in text and "receiving beats" in text
        assert hr.hr_bpm is not None  # type: ignore[attr-defined]
        assert app.driver.engine.gaps >= 1
        assert source.back_at_s is not None and source.back_at_s - source.dropped_at_s >= 11.0


def test_run_dashboard_wires_the_command_line(monkeypatch: pytest.MonkeyPatch) -> None:
    """``run_session`` → ``run_dashboard``: --sound and --duration reach the app, sinks are closed."""
    from vagal.options import SessionOptions
    from vagal.ui import app as app_module

    seen: list[VagalApp] = []

    def fake_run(self: VagalApp) -> int:
        seen.append(self)
        return 0

    monkeypatch.setattr(app_module.VagalApp, "run", fake_run)
    sink = ListSink()
    clock = VirtualClock()
    args = SessionOptions(sound=True, duration_s=90.0)
    status = app_module.run_dashboard(ScriptedSource(opening(), clock), args, clock=clock, sinks=[sink])
    assert status == 0
    (app,) = seen
    assert app.sound is True
    assert app.driver.until_s == 90.0
    assert app.driver.pacer is None  # run_session has recorded the first pattern already
    assert sink.closed


def test_after_the_dashboard_it_says_where_the_session_is(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    from vagal.options import SessionOptions
    from vagal.ui import app as app_module

    monkeypatch.setattr(app_module.VagalApp, "run", lambda self: 0)
    clock = VirtualClock()
    path = tmp_path / "s.vagal.jsonl"
    args = SessionOptions()
    assert app_module.run_dashboard(ScriptedSource(opening(), clock), args, clock=clock, recording=path) == 0
    assert capsys.readouterr().out == f"Saved to {path}\n"
    broken = ListSink()
    broken.error = OSError("cannot write the session file s.vagal.jsonl (No space left on device).")  # type: ignore[attr-defined]
    status = app_module.run_dashboard(
        ScriptedSource(opening(), clock), args, clock=clock, recording=path, sinks=[broken]
    )
    out = capsys.readouterr()
    # A sink that does not say how much it wrote: "up to where it stopped", never a time it cannot know.
    assert status == 2 and out.out == f"Saved to {path} (up to where it stopped)\n"
    assert out.err == "vagal: the recording stopped early: cannot write the session file s.vagal.jsonl (No space left on device).\n"


async def test_a_recording_that_stops_is_said_calmly() -> None:
    sink = ListSink()
    app = build(sinks=[sink], recording=Path("s.vagal.jsonl"))
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, app)
        app._tick()
        assert app.status.recording
        sink.error = OSError("cannot write the session file s.vagal.jsonl (No space left on device).")  # type: ignore[attr-defined]
        app._tick()
        app._tick()
        await pilot.pause()
        assert not app.status.recording
        notices = [n for n in app._notifications if n.title == "The recording stopped"]
        assert len(notices) == 1 and notices[0].message.startswith("Cannot write the session file")


async def test_sigterm_ends_the_session_cleanly(tmp_path: Path) -> None:
    import os
    import signal

    from vagal.sessions.reader import read_session

    path = tmp_path / "session.vagal"
    recorder = Recorder(path, {"source": "demo"})
    app = build(sinks=[recorder], recording=path)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, app)
        assert signal.SIGTERM in app._signals  # handled by the app, not by the default action
        os.kill(os.getpid(), signal.SIGTERM)
        for _ in range(20):
            await pilot.pause(0.05)
            if recorder.closed:
                break
    assert recorder.closed and app.return_value == 0
    session = read_session(path)
    assert not session.damage
    assert session.events is not None and isinstance(session.events[-1], SourceState)
    assert session.events[-1].state == "ended"


@pytest.mark.parametrize("name", ["SIGHUP", "SIGTERM"])
async def test_a_hang_up_leaves_even_if_the_screen_blocks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    """With the terminal gone, Textual's shutdown can block for ever writing to it; the
    process stayed (and a strap stayed connected). After a hang-up, once the recording is
    closed, the process leaves anyway; a plain SIGTERM (terminal still there) does not."""
    import os
    import signal

    from vagal.ui import app as app_module

    monkeypatch.setattr(app_module, "HANGUP_EXIT_S", 0.05)
    path = tmp_path / "session.vagal"
    recorder = Recorder(path, {"source": "demo"})
    app = build(sinks=[recorder], recording=path)
    exits: list[int] = []
    async with app.run_test(size=(100, 30)) as pilot:
        app._hard_exit = exits.append
        await settle(pilot, app)
        os.kill(os.getpid(), getattr(signal, name))
        for _ in range(20):
            await pilot.pause(0.05)
            if recorder.closed:
                break
    await asyncio.sleep(0.2)
    assert recorder.closed
    assert exits == ([0] if name == "SIGHUP" else [])


async def test_trace_keeps_its_scale_despite_one_wild_beat() -> None:
    app = build()
    async with app.run_test(size=(100, 30)) as pilot:
        trace = app.query_one(HeartTrace)
        t = [i * 1.0 for i in range(90)]
        hr = [62.0 + 5.0 * math.sin(2 * math.pi * x / 10.0) for x in t]
        hr[45] = 31.0  # a missed beat: the RR doubled
        trace.set_data(90.0, t, hr)
        await pilot.pause()
        lo, hi = trace._range(trace._columns(trace.size.width - 7))
        assert lo > 50.0 and hi < 70.0


@pytest.mark.parametrize("n", [12, 20, 40])
async def test_an_early_ectopic_beat_does_not_flatten_the_trace(n: int) -> None:
    """In the first seconds 4 % of the data is less than one beat: the robust scale used
    to give up, and one premature beat and its pause stretched the axis to 41-99 bpm."""
    app = build()
    async with app.run_test(size=(100, 30)) as pilot:
        trace = app.query_one(HeartTrace)
        t = [i * 1.0 for i in range(n)]
        hr = [62.0 + 5.0 * math.sin(2 * math.pi * x / 10.0) for x in t]
        hr[n // 2], hr[n // 2 + 1] = 95.0, 45.0  # a premature beat and its compensatory pause
        trace.set_data(float(n), t, hr)
        await pilot.pause()
        lo, hi = trace._range(trace._columns(trace.size.width - 7))
        assert lo > 50.0 and hi < 75.0


async def test_tiles_say_why_a_metric_is_not_ready() -> None:
    from textual.app import App

    from vagal.engine.snapshot import Metric
    from vagal.ui.widgets.tiles import MetricTile

    class One(App[None]):
        def compose(self) -> Any:
            yield MetricTile("RMSSD", "ms")

    app = One()
    async with app.run_test(size=(16, 4)) as pilot:
        tile = app.query_one(MetricTile)
        tile.update_metric(Metric(None, "RMSSD needs 30 s of beats (12 s so far)"))
        await pilot.pause()
        text = tile.render().plain
        assert text.startswith("RMSSD\nneeds 30 s of") and "–" not in text  # a reason, never a fake number
        tile.update_metric(Metric(42.4))
        assert tile.render().plain.splitlines()[1].rstrip() == "42 ms"


async def test_a_warm_up_reason_is_never_cut_mid_word_at_80_columns() -> None:
    """A tile at 80 columns is 14 wide: the reason uses its three free lines, and the
    progress aside is kept whole or shortened, never cut to "(22 s s…"."""
    from textual.app import App

    from vagal.engine.snapshot import Metric
    from vagal.ui.widgets.tiles import MetricTile

    class One(App[None]):
        CSS = "MetricTile { height: 4; }"  # the tallest a home tile gets (app.tcss)

        def compose(self) -> Any:
            yield MetricTile("Coherence", "")

    app = One()
    async with app.run_test(size=(16, 4)) as pilot:
        tile = app.query_one(MetricTile)
        for reason, shown in (
            ("coherence needs 64 s of steady beats (22 s so far)", ["needs 64 s of", "steady beats", "(22 s so far)"]),
            ("needs 2 min of steady beats (51 s so far)", ["needs 2 min of", "steady beats", "(51 s so far)"]),
            ("needs 2 min of steady beats in a row (51 s so far)", ["needs 2 min of", "steady beats", "in a row"]),
        ):
            tile.update_metric(Metric(None, reason))
            await pilot.pause()
            lines = tile.render().plain.splitlines()
            assert lines[1:] == shown
            assert all(len(line) <= tile.size.width for line in lines)


async def test_a_value_to_read_with_care_is_greyed_and_a_click_says_why() -> None:
    """The engine's caution (docs/methods.md §5.3: many irregular beats) reaches the screen."""
    from collections import deque

    from textual.app import App

    import vagal.ui
    from vagal.engine.snapshot import Metric
    from vagal.ui.widgets.tiles import MetricTile

    class One(App[None]):
        CSS_PATH = Path(vagal.ui.__file__).parent / "app.tcss"  # the dashboard's styles: bold values

        def compose(self) -> Any:
            yield MetricTile("RMSSD", "ms", history=deque([40.0, 42.0]), explanation="Beat-to-beat variation.")

    app = One()
    async with app.run_test(size=(16, 4)) as pilot:
        tile = app.query_one(MetricTile)
        tile.update_metric(Metric(42.0))
        plain = tile.render()
        assert plain.plain.splitlines()[1:] == ["42 ms  ▁█"] and plain.spans[1].style.bold  # type: ignore[union-attr]
        caution = "12 % of the beats in the last 60 s were irregular and left out"
        tile.update_metric(Metric(42.0, caution=caution))
        text = tile.render()
        assert text.plain.splitlines()[1:] == ["42 ms  ▁█", "read with care"]  # the trend beside the value
        assert not text.spans[1].style.bold  # type: ignore[union-attr]
        await pilot.click(MetricTile)
        await pilot.pause()
        (notice,) = app._notifications
        assert notice.message == f"Beat-to-beat variation. Read this one with care: {caution}."


def test_a_newer_frame_replaces_a_stale_one() -> None:
    from vagal.engine.snapshot import Snapshot
    from vagal.ui.messages import DeviceChanged, MetricsUpdated

    stale, fresh = MetricsUpdated(Snapshot(t_s=1.0)), MetricsUpdated(Snapshot(t_s=2.0))
    assert fresh.can_replace(stale)
    assert not fresh.can_replace(DeviceChanged(DeviceInfo(0.0, "strap", "H10")))


async def test_the_gentle_start_is_said_in_words() -> None:
    """During the ramp the side panel says where the pace is going and a gentle progress,
    not a rate that changes every second."""
    from textual.widgets import Static

    clock = VirtualClock(10.0)
    pacer = Pacer(PRESETS["resonance"], ramp_from_per_min=12.0)
    app = make_app(
        ScriptedSource(opening() + beats(0, 10), clock),
        engine=Engine(pacer=pacer),
        pacer=pacer,
        clock=clock,
        sinks=[ListSink()],
        mode="demo",
    )
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, app)
        app._tick()
        words = str(app.query_one("#pacer-info", Static).render())
        assert words == "resonance · 6.0/min\neasing to it ●○○○○"
        clock.jump_to(11.0)  # a second later the rate is another, the words are not
        app._tick()
        assert str(app.query_one("#pacer-info", Static).render()) == words
        clock.jump_to(200.0)
        app._tick()
        assert str(app.query_one("#pacer-info", Static).render()) == "resonance · 6.0/min\nin 4 s, out 6 s"


class SteppedClock:
    """A real-time clock (speed 1) whose time only the test moves."""

    def __init__(self, t_s: float) -> None:
        self.t_s = t_s
        self.speed = 1.0
        self._moved = asyncio.Event()

    def now(self) -> float:
        return self.t_s

    def jump_to(self, t_s: float) -> None:
        self.t_s = t_s
        self._moved.set()

    async def sleep_until(self, t_s: float) -> None:
        while self.t_s < t_s:
            self._moved.clear()
            await self._moved.wait()


async def test_the_dashboards_clock_is_the_sessions_one_ticker() -> None:
    """In real time the once-a-second clock ticks the engine (the driver runs no timer of its
    own), so a strap that goes quiet without a word shows as a drop-out."""
    clock = SteppedClock(20.0)
    script: list[Event | None] = [*opening(), *beats(0, 20), None]
    source = ScriptedSource(script, clock)
    app = build(source=source, clock=clock)  # type: ignore[arg-type]
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, app)
        assert app.driver.realtime and not app.driver.ticker
        assert not [t for t in asyncio.all_tasks() if t.get_name() == "vagal-engine-tick"]
        last_beat = max(e.t_s for e in script if isinstance(e, Beat))
        assert app.driver.engine.snapshot.gap_started_s is None
        clock.jump_to(28.0)
        app._tick()
        await pilot.pause()
        assert app.driver.engine.snapshot.gap_started_s == pytest.approx(last_beat)
        assert app.query_one("#heart-rate").hr_bpm is None  # type: ignore[attr-defined]


async def test_the_dashboards_timers_stop_with_its_screen() -> None:
    """The clock and the trace redraw are the dashboard screen's timers, not the app's: Textual
    stops a screen's timers before it removes its widgets, so they never run on widgets that
    are gone (they did, while the app shut down: IndexError and NoMatches 'HeartTrace')."""
    app = build()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, app)
        dashboard = app.dashboard
        assert dashboard is app.screen_stack[0]
        assert {"status-clock", "trace"} <= {t.name for t in dashboard._timers}
        assert not {"status-clock", "trace"} & {t.name for t in app._timers}
        await pilot.press("question_mark")
        assert app.dashboard is dashboard  # a dialog on top does not change which screen is drawn on
