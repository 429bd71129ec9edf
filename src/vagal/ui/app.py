"""The dashboard: one Textual app for ``vagal demo``, ``vagal live`` and ``vagal replay``.

Design decision: the app renders state and sends commands, nothing more. A worker runs
the engine's :class:`~vagal.engine.driver.Driver` (source → engine → recorder) on the
app's event loop; its callbacks only post typed messages (:mod:`vagal.ui.messages`), and
``MetricsUpdated`` replaces a stale one still queued, so the engine never waits for
rendering; a snapshot the engine hands back unchanged (a raw payload, a marker) is not
posted at all. Widgets hold reactive state. The recorder writes from its own thread, so a
slow disk never stalls the screen. The breathing guide
runs on its own timer from the pacer and the app's clock, so it keeps going when data
stops. Pacer changes and markers go back through the pipeline as events, so the engine,
the recording and the simulator all see them.

The screen is built around the breathing guide: the largest thing at every size, centred
in its space, with one person's readings beside it (heart rate, small and averaged over a
breath, then the registry's home tiles, :data:`vagal.metrics.TILES`) and the heart trace
beneath it with the guide's rhythm under the line. ``d`` swaps the readings for the details
view (:data:`vagal.metrics.DETAILS`: the lab numbers, each with a plain line); ``f`` is
presentation mode, for a screen across the room: the guide, the coherence level in large
words, heart rate and time small, and how to leave. The readings and the words come from
:mod:`vagal.ui.widgets.readings`, built in a loop over the registry with the person in
each id, so a session of two people builds two sets side by side. The heart
trace comes from the app's own :class:`~vagal.ui.trace_buffer.TraceBuffer`, fed with the
events the driver passes on. Colours are the two themes of :mod:`vagal.ui.widgets.theme`,
every one an xterm-256 palette entry; with 16 colours the app runs in Textual's ANSI mode.
The dashboard's timers belong to its screen (the once-a-second clock, which is also the
session's one engine ticker, and the trace redraw), so they stop with the screen and
never fire on widgets that are gone.

The session's flow (:mod:`~vagal.ui.screens_checkin`, :mod:`~vagal.ui.screens_summary`,
:mod:`~vagal.ui.screens_markers`):
an optional check-in before the session; markers that are silent in presentation mode and
get their words later (kept in the notes beside the session, never by rewriting it); and
a calm end: with ``--duration`` or when the person stops, the guide comes to rest, the
clock stops, and a summary with the final (batch) numbers, the after-session check-in and
a key for the report takes the screen. In a replay, a jump keeps the analysis: the engine,
the trends and the trace are rebuilt up to the new position (``Engine.replay_to``), and
the replay waits at its end so that it can go back or start again.

:func:`make_app` builds the app for the CLI, the tests and the benchmark alike;
:func:`run_dashboard` is what ``vagal.commands.session_runner.run_session`` calls, with the
session's :class:`~vagal.options.SessionOptions` (never the command line itself).
"""

from __future__ import annotations

import asyncio
import logging
import math
import os
import signal
import sys
import threading
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Final, Literal, Protocol, TypeVar, runtime_checkable

from textual import on, work
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.css.query import NoMatches
from textual.notifications import SeverityLevel
from textual.screen import Screen
from textual.widgets import Footer, Static
from textual.worker import Worker, WorkerCancelled, WorkerFailed, WorkerState

from vagal.clock import clock_text
from vagal.engine.final import SessionLog
from vagal.engine.snapshot import Snapshot
from vagal.errors import VagalError
from vagal.events import CheckIn, DeviceInfo, Event, Marker, PacerChanged, SourceState
from vagal.metrics import TILES, MetricInfo, metric
from vagal.pacer import PRESETS, BreathPattern, PaceError, Pacer
from vagal.sources.base import Clocked, Named, ReplayControls
from vagal.ui.messages import (
    DeviceChanged,
    MarkerAdded,
    MetricsUpdated,
    PacerPatternChanged,
    SessionEnded,
    SessionFailed,
    SourceStateChanged,
)
from vagal.ui.screens import HelpScreen, MarkerNote, MarkerScreen, QuitScreen
from vagal.ui.screens_checkin import CheckInScreen
from vagal.ui.screens_markers import MarkerListScreen
from vagal.ui.screens_summary import SummaryFacts, SummaryScreen
from vagal.ui.sound import Cues
from vagal.ui.trace_buffer import TRACE_S, TraceBuffer
from vagal.ui.widgets.guide import DEFAULT_FPS, BreathGuide
from vagal.ui.widgets.readings import CalmWords, DetailsView, PresenceFoot, Readings
from vagal.ui.widgets.status import MarkerList, Status, StatusBar
from vagal.ui.widgets.theme import DARK, LIGHT, VAGAL_DARK, VAGAL_LIGHT, color_depth
from vagal.ui.widgets.tiles import (
    HR_WINDOW_MAX_S,
    HR_WINDOW_MIN_S,
    HeartRateNow,
    MetricTile,
    Trends,
    breath_mean_hr,
)
from vagal.ui.widgets.trace import DEFAULT_SPAN_S, HeartTrace

if TYPE_CHECKING:
    from vagal.clock import Clock
    from vagal.engine.core import Engine
    from vagal.engine.driver import Driver, Sink
    from vagal.options import SessionOptions
    from vagal.sources.base import BeatSource

HANGUP_EXIT_S: Final = 3.0
"""After a hang-up (SIGHUP) and the recording closed, the longest the process stays."""
CLOSE_TIMEOUT_S: Final = 5.0
"""How long quitting waits for the source to end its stream before closing the recording anyway."""

log = logging.getLogger(__name__)

Mode = Literal["demo", "live", "replay"]
TRACE_EVERY_S: Final = 1.0
"""Wall seconds between looks at the heart trace (it is drawn again only when a beat came or
time moved on by a dot column: two dot columns a second at 100 columns)."""
RATE_STEP_PER_MIN: Final = 0.5
"""How much + and - change the breathing rate."""
GUIDE_MAX_SPEED: Final = 2.0
"""Above this replay speed the guide stands still: breathing at 4× or 64× would flicker."""
REPLAY_SEEK_S: Final = 10.0
REPLAY_SPEEDS: Final = (0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0)
REBUILD_TAIL_S: Final = 120.0
"""After a jump, the last this-many seconds before the new position are folded one by one, so
the trends (a sample every 2 s, 60 kept) are those a replay played from the start would show."""
STATUS_NAME_CHARS: Final = 30
"""A replayed file's name is shortened to this in the status line, so the speed and "paused"
stay visible at 100 columns."""
_TILES: Final[tuple[MetricInfo, ...]] = tuple(metric(key) for key in TILES)
"""The home tiles, left to right: each one's title, unit, digits and explanation (shown
when it is clicked) from the registry; its key is the Snapshot field it shows."""
_T = TypeVar("_T")


@runtime_checkable
class Rewindable(Protocol):
    """A replay that can give its stream up to any moment (:class:`vagal.sources.replay.ReplaySource`)."""

    announce_jumps: bool
    """False: a jump is not announced with a gap (the app rebuilds its state itself)."""

    def events_until(self, t_s: float) -> list[Event]:
        """The stream up to ``t_s``, as if played from the start."""
        ...

    def add_marker(self, marker: Marker) -> None:
        """Add a marker made during the replay."""
        ...

    @property
    def furthest_s(self) -> float:
        """The latest session time reached."""
        ...

    @property
    def at_end(self) -> bool:
        """True while the replay waits at the end of the file."""
        ...


def _short_name(name: str, chars: int = STATUS_NAME_CHARS) -> str:
    """A long file name with its middle left out ("2026-11-24_17-1…demo.vagal.jsonl")."""
    if len(name) <= chars:
        return name
    keep = chars - 1
    return f"{name[: keep - keep // 2]}…{name[-(keep // 2) :]}"


class _BlankHorizontal(Horizontal):
    """A row that only holds other widgets: drawn as its background, without per-line work.

    Textual renders every widget whose *clip* (its container's region) touches what
    changed, in full: each frame of the guide re-rendered the screen, this row and the
    column beside the guide, line by line through the colour filter. A ``BLANK`` widget
    is one background line repeated, so those containers cost next to nothing a frame.
    """

    BLANK = True


class _BlankVertical(Vertical):
    """A column that only holds other widgets (see :class:`_BlankHorizontal`)."""

    BLANK = True


class _BlankScreen(Screen[None]):
    """The dashboard's screen: its own lines are only its background (see :class:`_BlankHorizontal`)."""

    BLANK = True


class _BlankFooter(Footer):
    """The key footer: its keys draw themselves; the bar between them is only background."""

    BLANK = True


class VagalApp(App[int]):
    """The breathing dashboard."""

    CSS_PATH = "app.tcss"
    TITLE = "vagal"
    ENABLE_COMMAND_PALETTE = False
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "request_quit", "Quit"),
        Binding("ctrl+c,ctrl+q", "request_quit", "Quit", show=False, priority=True),
        Binding("question_mark,f1", "help", "Help"),
        Binding("m", "add_marker", "Marker"),
        Binding("M", "add_marker(False)", "Quick marker", show=False),
        Binding("e", "label_markers", "Markers", show=False),
        Binding("p", "next_preset(1)", "Pattern"),
        Binding("P", "next_preset(-1)", "Previous pattern", show=False),
        Binding("plus,equals_sign", "change_rate(1)", "Faster", key_display="+"),
        Binding("minus", "change_rate(-1)", "Slower", key_display="-"),
        Binding("t", "toggle_trace", "HR/RR"),
        Binding("d", "toggle_details", "Details"),
        Binding("f", "toggle_presentation", "Present"),
        Binding("escape", "leave_view", "Back", show=False),
        Binding("c", "toggle_sound", "Cues", show=False),
        Binding("l", "toggle_light", "Light/dark", show=False),
        Binding("space", "pause", "Pause"),
        Binding("left", "seek(-1)", "Back", key_display="←"),
        Binding("right", "seek(1)", "Fwd", key_display="→"),
        Binding("n", "next_marker(1)", "Next mark"),
        Binding("N", "next_marker(-1)", "Previous mark", show=False),
        Binding("left_square_bracket", "speed(-1)", "Slower", key_display="["),
        Binding("right_square_bracket", "speed(1)", "Faster", key_display="]"),
    ]
    _REPLAY_ONLY: ClassVar[frozenset[str]] = frozenset({"pause", "seek", "next_marker", "speed"})
    _LIVE_ONLY: ClassVar[frozenset[str]] = frozenset({"next_preset", "change_rate"})
    """In replay the guide breathes the patterns recorded in the file."""

    def __init__(
        self,
        driver: Driver,
        pacer: Pacer,
        time_source: Callable[[], float],
        *,
        mode: Mode = "demo",
        recording: Path | None = None,
        sound: bool = False,
        fps: float = DEFAULT_FPS,
        title: str = "",
        guide: bool = True,
        checkin: bool = False,
        make_report: Callable[[Path], Path] | None = None,
        log: SessionLog | None = None,
        words_folder: Path | None = None,
    ) -> None:
        """Use :func:`make_app`; this takes the parts ready-made.

        Args:
            driver: Source → engine → recorder (its callbacks are set here).
            pacer: The breathing pacer (the guide reads it every frame).
            time_source: Session time in seconds (the app's clock).
            mode: "demo", "live" or "replay" (replay adds the transport keys).
            recording: The session file being written (None: not recording).
            sound: Start with sound cues on.
            fps: Frames per second of the breathing guide.
            title: Name of the source for the status line (file name in replay).
            guide: Show the breathing guide (False: a replayed file that recorded none).
            checkin: Ask how settled the person feels before and after the session.
            make_report: Writes the report of a session file and returns where (the
                summary's report key; None: no report key).
            log: The sink that keeps the session's events for the final numbers (one of
                the driver's sinks; default: a new one, added to them).
            words_folder: Where the labels used before are looked for (default: the
                sessions folder).
        """
        super().__init__()
        self.driver = driver
        driver.on_event = self._on_event
        driver.on_snapshot = self._on_snapshot
        if log is None:
            log = next((s for s in driver.sinks if isinstance(s, SessionLog)), None)
        if log is None:
            log = SessionLog()
            driver.sinks.append(log)
        self.session_log = log
        """The session's events, for the final numbers and for up to when a recording holds."""
        self.sinks: list[Sink] = list(driver.sinks)
        self.closed = False
        """True once the source and the recording are closed."""
        self.pacer = pacer
        self._clock_now = time_source
        self.ended_at_s: float | None = None
        """When the session ended (the clock shown stops there); None while it runs."""
        self.guide_shown = guide
        self.checkin = checkin
        self.make_report = make_report
        self.report_path: Path | None = None
        """Where the report made from the summary went (None: none made)."""
        self.words_folder = words_folder
        self.summary: SummaryScreen | None = None
        """The end-of-session summary, once shown."""
        self._ending = False
        self._told_end = False
        self._used_labels: list[str] = []
        self._used_feelings: list[str] = []
        self.mode: Mode = mode
        self.recording = recording
        self.sound = sound
        self.fps = fps
        self.session_ended = False
        self.marker_events: list[Marker] = []
        """The session's markers in time order, with the words given later."""
        source = driver.source
        self.replay: ReplayControls | None = (
            source if mode == "replay" and isinstance(source, ReplayControls) else None
        )
        """The replay's transport (None outside a replay)."""
        self.rewindable: Rewindable | None = self.replay if isinstance(self.replay, Rewindable) else None
        """The replay, when it can give the stream up to a moment (a jump then keeps the analysis)."""
        if self.rewindable is not None:
            # The app rebuilds its state after a jump; a gap over the stretch would undo it.
            self.rewindable.announce_jumps = False
        replay_speed: float | None = None
        if mode == "replay":
            replay_speed = self.replay.speed if self.replay is not None else 1.0
        self.status = Status(
            kind="replay" if mode == "replay" else ("simulator" if mode == "demo" else "strap"),
            name=_short_name(title) if mode == "replay" else title,
            recording=recording is not None,
            replay_speed=replay_speed,
            duration_s=self.replay.duration_s if self.replay is not None else None,
        )
        self._trace_dirty = True
        self._recording_failed = False
        self._hard_exit: Callable[[int], object] = os._exit
        """How the process leaves after a hang-up if the screen blocks (tests replace it)."""
        self.hr_only = False
        """True once the source said it sends heart rate but no RR intervals."""
        self.trends = Trends([info.key for info in _TILES])
        self.trace_data = TraceBuffer()
        """The heart trace's points, fed with every event the driver passes on."""
        self._shown: Snapshot | None = None
        """The last snapshot posted to the screen (the same one again is not posted)."""
        self._dashboard: Screen[Any] | None = None
        self._session: Worker[None] | None = None
        self._signals: list[signal.Signals] = []
        self.cues = Cues(lambda: self.bell())
        """Sound cues at each change of breath (played only while ``sound`` is on)."""
        self._bell_offered = False
        """True once the person was told the bell is the only cue here (``c`` again uses it)."""
        self._easing: tuple[float, float] | None = None
        """(rate at the start, target rate) of the gentle ease under way, breaths/min."""
        self._pattern_words = ""
        self.register_theme(VAGAL_DARK)
        self.register_theme(VAGAL_LIGHT)
        self.theme = DARK

    # -- layout ------------------------------------------------------------------------

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = False,
    ) -> None:
        """A notice, shown literally: its words may hold outside text (an error naming a
        device, a file, a label), so no markup is read and nothing a terminal acts on passes.
        """
        from vagal.text import printable

        shown = "\n".join(printable(line, max_chars=None) for line in message.split("\n"))
        super().notify(shown, title=printable(title, max_chars=None), severity=severity,
                       timeout=timeout, markup=markup)

    def get_default_screen(self) -> Screen[None]:
        return _BlankScreen(id="_default")

    def compose(self) -> ComposeResult:
        # The guide first and widest; one person's readings beside it (a second person's
        # would be a second Readings on the guide's other side); the trace beneath.
        self._pattern_words = self._pacer_words()
        yield StatusBar(id="status")
        with _BlankHorizontal(id="main"):
            yield BreathGuide(self.pacer, self.time_source, fps=self.fps, id="breath-guide")
            with _BlankVertical(id="side"):
                yield Readings(self.trends, id="tiles")
                yield Static(self._pattern_words, id="pacer-info")
                yield MarkerList(id="markers")
            with VerticalScroll(id="details-box"):
                yield DetailsView(id="details")
        with _BlankVertical(id="present"):
            yield CalmWords(id="calm-words")
            yield PresenceFoot(id="present-foot")
        yield HeartTrace(
            self.pacer.volume_at,
            phase_at=lambda t_s: self.pacer.state_at(t_s).phase,
            span_s=DEFAULT_SPAN_S,
            id="trace",
        )
        yield _BlankFooter(compact=True)

    def time_source(self) -> float:
        """Session time now, seconds; once the session has ended, the time it ended (the clock stops)."""
        return self.ended_at_s if self.ended_at_s is not None else float(self._clock_now())

    @property
    def markers(self) -> list[tuple[float, str]]:
        """The markers as (t_s, label), in time order."""
        return [(m.t_s, m.label) for m in self.marker_events]

    @property
    def presenting(self) -> bool:
        """True in presentation mode (a screen the client sees across the room)."""
        return self._dashboard is not None and self._dashboard.has_class("-presentation")

    def on_mount(self) -> None:
        if color_depth(self) == "16":
            # 16 colours (TERM=screen, xterm, a console): the terminal's own palette and
            # background, so that no widget leaves a patch of another black.
            self.ansi_color = True
        dashboard = self._dashboard = self.screen
        dashboard.query_one(StatusBar).status = self.status
        # The timers are the dashboard screen's, not the app's: Textual stops a screen's
        # timers before it removes the screen's widgets, so neither can fire on a
        # dashboard that is gone (they did while the app shut down: IndexError at
        # screen_stack[0], NoMatches for HeartTrace).
        dashboard.set_interval(1.0, self._tick, name="status-clock")
        dashboard.set_interval(TRACE_EVERY_S, self._refresh_trace, name="trace")
        self._session = self._run_session()
        self._show(self.driver.engine.snapshot)
        self._handle_signals()
        self._hold_guide_if_fast()
        if self.mode == "replay":
            # The recording's markers are known from the start: list them, so a jump to one
            # ("n") has somewhere to go that the person can read.
            self.dashboard.query_one(MarkerList).position_s = self.time_source()
            for marker in self.replay.markers if self.replay is not None else ():
                self.post_message(MarkerAdded(marker))
        if self.is_headless:
            self.cues.player = []  # tests never make a sound; the bell is a no-op there
        elif self.sound and self.cues.kind == "bell":
            # --sound, but nothing here can play a tone: say so, and leave the bell to be chosen.
            self.sound = False
            self._bell_offered = True
            self._pattern_shown(trace=False)
            self.notify(
                "There is no sound player here (pw-play, paplay, aplay or afplay), so the only cue "
                "would be the terminal's bell, once at each in-breath. Some terminals show a bell "
                "as a flash. Press c to use it.",
                title="Cues",
                timeout=12,
            )
        if not self.guide_shown:
            # A file that recorded no guide shows none (and no rhythm under the trace).
            dashboard.add_class("-no-guide")
            dashboard.query_one(BreathGuide).display = False
            dashboard.query_one(HeartTrace).volume_at = None
        self._look_up_words()
        if self.checkin and self.mode != "replay":
            self.push_screen(CheckInScreen("before"), self._checked_in_before)

    @work(thread=True, exclusive=True, group="words", exit_on_error=False)
    def _look_up_words(self) -> None:
        """Read the labels and feeling words used before (in a thread: a folder of sessions)."""
        from vagal.sessions.notes import words_used

        folder = self.words_folder
        if folder is None:
            from vagal.paths import sessions_dir

            folder = sessions_dir()
        labels, feelings = words_used(folder)
        self.call_from_thread(self._words_found, labels, feelings)

    def _words_found(self, labels: list[str], feelings: list[str]) -> None:
        self._used_labels, self._used_feelings = labels, feelings

    def _checked_in_before(self, answer: tuple[int, str] | None) -> None:
        if answer is None or self.session_ended:
            return
        settled, words = answer
        # Stamped at the session's start (0:00), whenever it was answered: it says how the person
        # came to the session, and the report's "before" is its start (docs/session-format.md).
        self._show(self.driver.inject(CheckIn(0.0, "before", settled, words)))

    def _handle_signals(self) -> None:
        """End cleanly on SIGTERM and SIGHUP (the terminal window closed) too.

        Textual handles neither; without this the recording would stop mid-stream
        instead of ending with the source's last events.
        """
        loop = asyncio.get_running_loop()
        for name in ("SIGTERM", "SIGHUP"):
            sig = getattr(signal, name, None)
            if sig is None:
                continue
            try:
                loop.add_signal_handler(sig, self._signalled, sig)
            except (NotImplementedError, RuntimeError, ValueError):  # Windows, or not the main thread
                continue
            self._signals.append(sig)

    def _signalled(self, sig: signal.Signals | None = None) -> None:
        hangup = sig is not None and sig == getattr(signal, "SIGHUP", None)
        self.run_worker(self._close_and_exit(hangup=hangup), group="quit", exclusive=True)

    @property
    def dashboard(self) -> Screen[Any]:
        """The main screen (``App.query_one`` would search a dialog while one is open)."""
        return self._dashboard if self._dashboard is not None else self.screen_stack[0]

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Hide the replay keys outside replay, the pacer keys in replay, the list of markers in
        presentation mode, and every dashboard key once the summary is shown."""
        if self.summary is not None:
            return action in ("request_quit", "help")
        if action == "label_markers":
            return not self.presenting
        if action in self._REPLAY_ONLY:
            return self.mode == "replay"
        if action in self._LIVE_ONLY:
            return self.mode != "replay"
        return True

    # -- the session worker ------------------------------------------------------------

    @work(exclusive=True, group="session", exit_on_error=False)
    async def _run_session(self) -> None:
        """Run the driver; every event becomes a message for the widgets."""
        try:
            await self.driver.run()
        except VagalError as exc:
            self.post_message(SessionFailed(exc))
            return
        self.post_message(SessionEnded())

    def _on_snapshot(self, snapshot: Snapshot) -> None:
        # The trends sample every 2 s of session time, the engine's time now.
        self.trends.add(snapshot, self.driver.engine.t_s)
        if snapshot is self._shown:
            return  # the engine says nothing it shows changed: nothing to redraw
        self._shown = snapshot
        self._trace_dirty = True
        self.post_message(MetricsUpdated(snapshot))

    def _on_event(self, event: Event, snapshot: Snapshot) -> None:
        self.trace_data.add(event)
        if isinstance(event, DeviceInfo):
            self.post_message(DeviceChanged(event))
        elif isinstance(event, SourceState):
            self.post_message(SourceStateChanged(event))
        elif isinstance(event, Marker):
            self.post_message(MarkerAdded(event))
        elif isinstance(event, PacerChanged) and self.mode == "replay":
            self.post_message(PacerPatternChanged(event))

    def _tick(self) -> None:
        """Once a second: the engine is ticked, the session clock and a drop-out's length move on.

        This is the session's one ticker: the driver ticks the engine from here (in real
        time only) instead of running a timer of its own.
        """
        self.driver.tick()
        self._show(self.driver.engine.snapshot)
        self._trace_dirty = True
        self._pattern_shown(trace=False)
        self._check_recording()
        if self.mode == "replay":
            self.dashboard.query_one(MarkerList).position_s = self.time_source()
            self._check_replay_end()

    def _check_replay_end(self) -> None:
        """Say once, calmly, that a replay waits at its end, and how to go on."""
        replay = self.rewindable
        if replay is None or self.summary is not None:
            return
        self._hold_guide_if_fast()
        if not replay.at_end:
            self._told_end = False
            return
        if self._told_end:
            return
        self._told_end = True
        self._set_status(replay_paused=True, t_s=self.time_source())
        self.notify(
            "The replay has reached its end. ← or N to go back, space to watch it again, q for the summary.",
            title="Replay",
            timeout=8,
        )

    def _pacer_words(self) -> str:
        """The pattern in plain words, on two lines, and the sound cue on a third when on.

        While the pace eases towards the pattern, the second line says so with a gentle
        progress ("easing to it ●●○○○"): a label that changes once every fifth of the way,
        not a number that changes every second. In a replay, the pattern recorded at that
        moment (not the file's last one).
        """
        if not self.guide_shown:
            return "no guide recorded (--pace adds one)"
        state = self.pacer.state_at(max(self.pacer.start_s, self.time_source()))
        pattern = state.pattern if self.mode == "replay" else self.pacer.pattern
        target = pattern.rate_per_min
        now_per_min = state.rate_per_min
        name_rate, _, timing = pattern.describe().partition(" · ")[2].partition(" · ")
        lines = [f"{pattern.name} · {name_rate}", timing]
        if abs(now_per_min - target) < 0.05:
            self._easing = None
        else:
            if self._easing is None or self._easing[1] != target:
                self._easing = (now_per_min, target)
            start = self._easing[0]
            done = 1.0 if start == target else min(1.0, max(0.0, (start - now_per_min) / (start - target)))
            steps = min(4, int(done * 5))
            lines[1] = f"easing to it {'●' * (steps + 1)}{'○' * (4 - steps)}"
        cue = self._cue_words()
        if cue:
            lines.append(f"cue: {cue}")
        return "\n".join(lines)

    def _cue_words(self) -> str:
        """Which sound cue is on ("" when none)."""
        if not self.sound:
            return ""
        return "soft tones" if self.cues.kind == "tones" else "bell at each in-breath"

    def recording_stopped(self) -> tuple[float | None, str] | None:
        """``(saved until, why)`` when the recording stopped early (a full disk); None while it works.

        "Why" is the sink's :attr:`~vagal.engine.driver.Sink.error`; "saved until" is the
        recorder's :attr:`~vagal.sessions.writer.Recorder.saved_until_s` (the session time up
        to which the file holds the session), None for a sink that does not say.
        """
        from vagal.sessions.writer import Recorder

        for sink in self.sinks:
            error = sink.error
            if error is None or sink is self.session_log:
                continue
            return (sink.saved_until_s if isinstance(sink, Recorder) else None), str(error)
        return None

    def _check_recording(self) -> None:
        """Say once, calmly, if the recording stopped (a full disk), and up to when it holds
        the session: the guide goes on."""
        if self._recording_failed:
            return
        stopped = self.recording_stopped()
        if stopped is None:
            return
        until, words = stopped
        self._recording_failed = True
        self._set_status(recording=False)
        kept = (
            f"The session up to {clock_text(until)} is kept"
            if until is not None
            else "What was written before is kept"
        )
        self.notify(
            f"{words[:1].upper()}{words[1:]} {kept}; you can keep breathing with the guide.",
            title="The recording stopped",
            timeout=20,
        )

    # -- messages in -------------------------------------------------------------------

    @on(MetricsUpdated)
    def _metrics_updated(self, message: MetricsUpdated) -> None:
        try:
            self._show(message.snapshot)
        except NoMatches:
            return  # a last frame that arrived while the app was closing

    def _show(self, snap: Snapshot) -> None:
        dashboard = self.dashboard
        now = self.time_source()
        gap_s = None if snap.gap_started_s is None else max(0.0, now - snap.gap_started_s)
        tiles = [snap.metric(info.key) for info in _TILES]
        warming: tuple[str, ...] = ()
        if not self.hr_only:
            warming = tuple(info.title for info, m in zip(_TILES, tiles, strict=True) if not m.valid)
        state = snap.source_state if snap.source_state != "connecting" else self.status.state
        if state == "connected" and snap.beats and gap_s is None:
            state = "streaming"  # connected and beats are arriving
        self._set_status(
            state=state,
            contact=snap.contact,
            quality_pct=snap.quality_pct.value,
            gap_s=gap_s,
            t_s=now,
            warming=warming,
            replay_paused=self.replay is not None and self.replay.paused,
        )
        readings = dashboard.query_one("#tiles", Readings)
        hr = readings.heart_rate
        hr.hr_bpm = self._heart_rate(snap, now) if gap_s is None else None
        if self.status.state == "reconnecting" or (gap_s is not None and gap_s >= 1):
            hr.note = self.status.connection_text()
        else:
            hr.note = "" if snap.hr_smoothed_bpm.valid else (snap.hr_smoothed_bpm.reason or "")
        readings.show(snap, hr_only=self.hr_only)
        # The details view and the words across the room are drawn only while shown.
        dashboard.query_one(DetailsView).show(snap)
        dashboard.query_one(CalmWords).show(snap.coherence)
        dashboard.query_one(PresenceFoot).show(hr.hr_bpm, now)

    def _heart_rate(self, snap: Snapshot, now_s: float) -> float | None:
        """Heart rate over about one breath of the guide (the engine's few-beat figure until
        there are beats enough), bpm."""
        if not snap.hr_smoothed_bpm.valid:
            return None
        cycle_s = 60.0 / max(1.0, self.pacer.state_at(max(self.pacer.start_s, now_s)).rate_per_min)
        window_s = min(HR_WINDOW_MAX_S, max(HR_WINDOW_MIN_S, cycle_s))
        t, rr = self.trace_data.series("rr", window_s + 2.0, now_s=now_s, gap_started_s=snap.gap_started_s)
        breath = breath_mean_hr(t, rr, now_s, window_s)
        return breath if breath is not None else snap.hr_smoothed_bpm.value

    def _set_status(self, **changes: Any) -> None:
        new = replace(self.status, **changes)
        if new != self.status:
            self.status = new
            self.dashboard.query_one(StatusBar).status = new

    @on(DeviceChanged)
    def _device_changed(self, message: DeviceChanged) -> None:
        device = message.device
        if device.sends_rr is False and not self.hr_only:
            self.hr_only = True
            self.notify(
                "This strap sends heart rate but no RR intervals (the time between beats), "
                "so HRV cannot be worked out. Heart rate is still shown, and the guide goes on.",
                title="Heart rate only",
                timeout=20,
            )
            self._show(self.driver.engine.snapshot)
        if self.mode == "replay":
            self._set_status(name=_short_name(device.name or self.status.name))
            return
        name = device.name if device.kind == "strap" else "simulated strap"
        self._set_status(kind=device.kind, name=name, battery_pct=device.battery_pct)

    @on(SourceStateChanged)
    def _source_state_changed(self, message: SourceStateChanged) -> None:
        self._set_status(state=message.state.state, detail=message.state.detail)
        if message.state.state == "reconnecting":
            self.dashboard.query_one(HeartRateNow).note = "reconnecting…"

    @on(MarkerAdded)
    def _marker_added(self, message: MarkerAdded) -> None:
        self._keep_marker(message.marker)

    def _keep_marker(self, marker: Marker) -> None:
        """Keep ``marker`` in the list (in place of one at the same moment: words given later)."""
        from vagal.sessions.notes import SAME_MOMENT_S

        for i, m in enumerate(self.marker_events):
            if abs(m.t_s - marker.t_s) <= SAME_MOMENT_S:
                if m == marker or (not marker.label and not marker.feeling):
                    return  # a replayed marker seen again after a jump back
                self.marker_events[i] = marker
                break
        else:
            self.marker_events.append(marker)
            self.marker_events.sort(key=lambda m: m.t_s)
        self.dashboard.query_one(MarkerList).markers = tuple(
            (m.t_s, f"{m.label} · {m.feeling}" if m.feeling else m.label) for m in self.marker_events[-20:]
        )

    @on(PacerPatternChanged)
    def _pacer_pattern_changed(self, message: PacerPatternChanged) -> None:
        """A replayed file changed its pattern: breathe with it."""
        if self.mode != "replay" or self.pacer.has_event(message.event):
            return  # a guide rebuilt from the file already breathes this change
        try:
            self.pacer.set_pattern(
                message.event.t_s, BreathPattern.from_event(message.event), ramp_s=message.event.ramp_s
            )
        except PaceError:
            return  # seen again after a jump back: the guide keeps the pattern it has
        self._pattern_shown()

    @on(SessionEnded)
    def _session_ended(self) -> None:
        """The source ended its stream: the duration was reached, or a replay ended for good.

        A session ends kindly: the summary takes the screen. A replay whose stream ended
        (it cannot go back any more) says so, and q shows the summary.
        """
        self.session_ended = True
        self._set_status(state="ended")
        if self.mode != "replay" or self._ending:
            self._show_summary()
            return
        self.notify(
            "The replay has reached its end. Press q for the summary.", title="Session ended", timeout=8
        )

    # -- the end of a session ------------------------------------------------------------

    def end_session(self) -> None:
        """Stop the source and show the summary (the person asked to stop)."""
        if self._ending or self.summary is not None:
            return
        self._ending = True
        self.run_worker(self._stop_then_summarise(), group="quit", exclusive=True)

    async def _stop_then_summarise(self) -> None:
        self.driver.stop()
        session = self._session
        if session is not None and not session.is_finished:
            try:
                await asyncio.wait_for(session.wait(), CLOSE_TIMEOUT_S)
            except TimeoutError:
                log.warning("the source did not end its stream in %.0f s", CLOSE_TIMEOUT_S)
            except (WorkerFailed, WorkerCancelled):
                pass
        self._show_summary()

    def _final_events(self) -> list[Event]:
        """The events the final numbers are worked out on (a copy, taken on the UI thread).

        A replay gives its file's stream up to the furthest point reached (a jump back
        must not count a stretch twice); a session, what its log kept, with each marker's
        words as they are now (words given later included).
        """
        replay = self.rewindable
        if replay is not None:
            return replay.events_until(replay.furthest_s + 1e-6)
        return [e for e in self.session_log.events if not isinstance(e, Marker)] + list(self.marker_events)

    def _show_summary(self) -> None:
        """The guide comes to rest, the clock stops, and the summary takes the screen."""
        if self.summary is not None or self.closed:
            return
        from vagal.engine.final import final_summary

        now = self.time_source()
        self.ended_at_s = now
        self.session_ended = True
        guide = self.dashboard.query_one(BreathGuide)
        guide.held = True
        guide.add_class("-at-rest")
        self._set_status(state="ended", t_s=now)
        while len(self.screen_stack) > 1:
            self.pop_screen()  # a dialog open at the end (the quit question) has done its work
        start = self.session_log.first_t_s or 0.0
        stopped = self.recording_stopped()
        file = self.replay_file if self.mode == "replay" else self.recording
        facts = SummaryFacts(
            title="The replay has ended." if self.mode == "replay" else "The session has ended.",
            session_s=max(0.0, now - start),
            what=self._summary_what(),
            ask_checkin=self.checkin and self.mode != "replay" and not self.closed,
            recording=file,
            replay=self.mode == "replay",
            stopped_at_s=stopped[0] if stopped else None,
            stopped_why=stopped[1] if stopped else "",
            can_report=file is not None and self.make_report is not None,
        )
        events = self._final_events()
        self.summary = SummaryScreen(facts, lambda: final_summary(events))
        self.push_screen(self.summary)
        self.refresh_bindings()

    def _summary_what(self) -> str:
        """The source and the guide in words, for the summary's second line."""
        parts = [self.status.source_text()]
        if self.guide_shown:
            parts.append(self.pacer.pattern.describe())
        return " · ".join(p for p in parts if p)

    @property
    def replay_file(self) -> Path | None:
        """The replayed file (None outside a replay, or when the source does not say)."""
        from vagal.sources.replay import ReplaySource

        source = self.driver.source
        if self.mode != "replay" or not isinstance(source, ReplaySource):
            return None
        path = source.recording.path
        return Path(path) if path else None

    @on(SummaryScreen.CheckedIn)
    def _checked_in_after(self, message: SummaryScreen.CheckedIn) -> None:
        t_s = self.ended_at_s if self.ended_at_s is not None else self.time_source()
        self.driver.inject(CheckIn(t_s, "after", message.settled, message.words))

    @on(SummaryScreen.ReportRequested)
    def _report_requested(self) -> None:
        file = self.replay_file if self.mode == "replay" else self.recording
        if file is None or self.make_report is None or self.summary is None:
            return
        # The report reads the file: the recording is finished first, so a check-in not
        # given by now is put away (the summary says the report is being made).
        self.summary.skip_checkin()
        self._make_report(file)

    @work(thread=True, exclusive=True, group="report", exit_on_error=False)
    def _make_report(self, file: Path) -> None:
        """Finish the recording, then write the report (a thread: matplotlib takes seconds)."""
        make_report = self.make_report
        assert make_report is not None
        if self.mode != "replay":
            for sink in self.sinks:
                sink.close()
        try:
            out = make_report(file)
        except VagalError as exc:
            self.call_from_thread(self._report_said, f"The report could not be made: {exc}")
            return
        except OSError as exc:
            self.call_from_thread(
                self._report_said, f"The report could not be written ({exc.strerror or exc})."
            )
            return
        self.report_path = out
        self.call_from_thread(self._report_said, f"Report written to {out}")

    def _report_said(self, words: str) -> None:
        if self.summary is not None:
            self.summary.report_status(words)

    @on(SummaryScreen.CloseRequested)
    def _close_requested(self) -> None:
        self.run_worker(self._close_and_exit(), group="quit", exclusive=True)

    @on(SessionFailed)
    def _session_failed(self, message: SessionFailed) -> None:
        self._set_status(state="disconnected", detail=str(message.error))
        self.notify(str(message.error), title="The source stopped", timeout=15)

    @on(Worker.StateChanged)
    def _worker_changed(self, event: Worker.StateChanged) -> None:
        """A bug in the session pipeline: say so calmly; the guide keeps going."""
        if event.worker.group == "session" and event.state == WorkerState.ERROR:
            log.error("the session stopped unexpectedly", exc_info=event.worker.error)
            self._set_status(state="disconnected")
            self.notify(
                f"Reading the source stopped unexpectedly ({event.worker.error}). "
                "What was received is saved; you can keep breathing with the guide.",
                title="The source stopped",
                timeout=15,
            )

    @on(BreathGuide.PhaseChanged)
    def _phase_changed(self, message: BreathGuide.PhaseChanged) -> None:
        if not self.sound:
            return
        self.cues.play(message.phase)
        if self.cues.kind == "bell" and not self.cues.allow_bell:
            # The player would not start: no sound now, and never the bell by surprise.
            self.sound = False
            self._bell_offered = False
            self._pattern_shown(trace=False)
            self.notify(
                "The sound player could not start, so the cues are off. Press c to hear about "
                "the terminal's bell instead.",
                title="Cues",
                timeout=10,
            )

    @on(HeartTrace.Toggled)
    def _trace_clicked(self) -> None:
        self.action_toggle_trace()

    # -- the heart trace ---------------------------------------------------------------

    def _refresh_trace(self) -> None:
        """Hand the trace widget the stretch it shows (array views: no copy, no scan)."""
        if not self._trace_dirty:
            return
        self._trace_dirty = False
        trace = self.dashboard.query_one(HeartTrace)
        now = self.time_source()
        gap_started_s = self.driver.engine.snapshot.gap_started_s
        t, y = self.trace_data.series(trace.kind, trace.span_s, now_s=now, gap_started_s=gap_started_s)
        trace.set_data(now, t, y)

    # -- actions -----------------------------------------------------------------------

    def action_help(self) -> None:
        """Show the help screen."""
        self.push_screen(HelpScreen())

    def action_request_quit(self) -> None:
        """Stop the session and show the summary; while recording, ask first. On the summary: leave."""
        if self.summary is not None or self.closed:
            self.run_worker(self._close_and_exit(), group="quit", exclusive=True)
            return
        if isinstance(self.screen, QuitScreen):
            return
        if self.recording is not None and not self.session_ended and self.mode != "replay":
            stopped = self.recording_stopped()
            self.push_screen(
                QuitScreen(
                    str(self.recording),
                    stopped_at=clock_text(stopped[0]) if stopped and stopped[0] is not None else None,
                    stopped_why=stopped[1] if stopped else "",
                ),
                self._quit_answered,
            )
        else:
            self.end_session()

    def _quit_answered(self, stop: bool | None) -> None:
        if stop:
            self.end_session()

    async def _close_and_exit(self, *, hangup: bool = False) -> None:
        """Stop the source, drain the recording to disk, then leave.

        Args:
            hangup: The terminal has gone (SIGHUP). Restoring the screen can then block for
                ever (Textual's output thread dies on the dead terminal and its bounded queue
                fills), which left the process running, and a strap connected, with no
                window; so once the recording is closed, the process leaves within
                :data:`HANGUP_EXIT_S` whatever the screen does.
        """
        await self.close_session()
        if hangup:
            watchdog = threading.Timer(HANGUP_EXIT_S, self._hard_exit, args=(0,))
            watchdog.daemon = True
            watchdog.start()
        self.exit(0)

    async def close_session(self) -> None:
        """End the source's stream, then close the recording (idempotent; also on unmount).

        The driver closes the source and reads on to its final ``SourceState("ended")``,
        so the recording ends with a complete stream; then each sink is closed, which
        drains the recorder's queue to disk.
        """
        if self.closed:
            return
        self.closed = True
        self.driver.stop()
        session = self._session
        if session is not None and not session.is_finished:
            try:
                await asyncio.wait_for(session.wait(), CLOSE_TIMEOUT_S)
            except TimeoutError:
                log.warning(
                    "the source did not end its stream in %.0f s; closing the recording", CLOSE_TIMEOUT_S
                )
            except (WorkerFailed, WorkerCancelled):
                pass  # the app is already shutting down; what was written is closed below
        for sink in self.sinks:
            sink.close()

    async def on_unmount(self) -> None:
        loop = asyncio.get_running_loop()
        for sig in self._signals:
            loop.remove_signal_handler(sig)
        self.cues.close()
        await self.close_session()

    def action_add_marker(self, ask: bool = True) -> None:
        """Mark this moment; outside presentation mode, ask for a few optional words first.

        In presentation mode the marker is silent: nothing appears on the client's screen
        (words can be added later, from the list of markers or in the replay).
        """
        t_s = self.time_source()
        if not ask or self.presenting:
            self._add_marker(Marker(t_s))
            return

        def done(note: MarkerNote | None) -> None:
            if note is not None:
                self._add_marker(Marker(t_s, note.label, note.feeling))

        self.push_screen(self._marker_screen(clock_text(t_s)), done)

    def _marker_screen(self, at: str, marker: Marker | None = None) -> MarkerScreen:
        """The marker dialog, offering the labels and feelings used before (this session's first)."""
        here = [m.label for m in reversed(self.marker_events) if m.label]
        feelings = [m.feeling for m in reversed(self.marker_events) if m.feeling]
        return MarkerScreen(
            at,
            labels=list(dict.fromkeys([*here, *self._used_labels])),
            feelings=list(dict.fromkeys([*feelings, *self._used_feelings])),
            label=marker.label if marker else "",
            feeling=marker.feeling if marker else "",
            later=marker is not None,
        )

    def _add_marker(self, marker: Marker) -> None:
        """A new marker: recorded with the session, or, in a replay, kept in the notes beside the file."""
        if self.mode == "replay":
            self._note(marker)
        else:
            self._show(self.driver.inject(marker))
        self.post_message(MarkerAdded(marker))

    def _note(self, marker: Marker) -> bool:
        """Keep ``marker`` in the notes beside the session or the replayed file; False if it failed.

        A replay also plays it again after a jump back. Without a file (a session not
        recorded) it is kept on screen only.
        """
        from vagal.sessions.notes import NotesError, append_marker

        if self.rewindable is not None:
            self.rewindable.add_marker(marker)
        file = self.replay_file if self.mode == "replay" else self.recording
        if file is None:
            return True
        try:
            append_marker(file, marker)
        except NotesError as exc:
            log.warning("%s", exc)
            if not self.presenting:  # never a notice on the client's screen
                self.notify(f"{exc} It is shown here only.", title="Marker", timeout=8)
            return False
        return True

    def action_label_markers(self) -> None:
        """The list of markers, to give one its words later (not in presentation mode)."""
        if self.presenting:
            return

        def picked(marker: Marker | None) -> None:
            if marker is None:
                return

            def done(note: MarkerNote | None) -> None:
                if note is None or (note.label == marker.label and note.feeling == marker.feeling):
                    return
                new = Marker(marker.t_s, note.label, note.feeling)
                if self._note(new):
                    self.notify(
                        f"Words kept for the marker at {clock_text(marker.t_s)}.", title="Marker", timeout=4
                    )
                self._keep_marker(new)

            self.push_screen(self._marker_screen(clock_text(marker.t_s), marker), done)

        self.push_screen(MarkerListScreen(self.marker_events), picked)

    def action_next_preset(self, step: int = 1) -> None:
        """Switch to the next (or previous) breathing preset."""
        names = list(PRESETS)
        current = self.pacer.pattern.name
        i = names.index(current) if current in names else -1
        self._set_pattern(PRESETS[names[(i + step) % len(names)]])

    def action_change_rate(self, step: int) -> None:
        """Breathe a little faster (step 1) or slower (step -1), keeping the pattern's shape.

        The pattern is then "custom", unless its timing is a preset's again (resonance,
        one step faster and one back): then it is that preset, with its name.
        """
        pattern = self.pacer.pattern
        rate = round((pattern.rate_per_min + step * RATE_STEP_PER_MIN) * 2) / 2
        factor = pattern.rate_per_min / rate if rate > 0 else math.inf
        try:
            new = BreathPattern(
                pattern.inhale_s * factor,
                pattern.exhale_s * factor,
                pattern.hold_in_s * factor,
                pattern.hold_out_s * factor,
                name="custom",
                double_inhale=pattern.double_inhale,
            )
        except PaceError:
            self.notify("That is as far as the pace goes.", title="Breathing pace", timeout=4)
            return
        self._set_pattern(_preset_like(new))

    def _set_pattern(self, pattern: BreathPattern) -> None:
        try:
            event = self.pacer.set_pattern(self.time_source(), pattern)
        except PaceError as exc:
            self.notify(str(exc), title="Breathing pattern", timeout=6)
            return
        if self.mode != "replay":
            self._show(self.driver.inject(event))
        self._pattern_shown()
        self.notify(
            f"{pattern.describe()}. It begins with your next breath.", title="Breathing pattern", timeout=4
        )

    def _pattern_shown(self, *, trace: bool = True) -> None:
        """Say the pattern again (only when its words changed), and redraw the guide's
        rhythm under the trace when the pattern itself changed."""
        words = self._pacer_words()
        if words != self._pattern_words:
            self._pattern_words = words
            self.dashboard.query_one("#pacer-info", Static).update(words)
        if trace:
            self._trace_dirty = True
            self.dashboard.query_one(HeartTrace).redraw()

    def action_toggle_trace(self) -> None:
        """Show heart rate or RR interval in the trace."""
        trace = self.dashboard.query_one(HeartTrace)
        trace.kind = "rr" if trace.kind == "hr" else "hr"
        self._trace_dirty = True
        self._refresh_trace()

    def action_toggle_presentation(self) -> None:
        """Across the room: the guide, the coherence level in large words, heart rate and time small."""
        dashboard = self.dashboard
        on_ = not dashboard.has_class("-presentation")
        dashboard.set_class(on_, "-presentation")
        if on_:
            dashboard.remove_class("-details")

    def action_toggle_details(self) -> None:
        """The details view: the lab numbers (LF/HF, SDNN, synchrony…), each with a plain line."""
        dashboard = self.dashboard
        on_ = not dashboard.has_class("-details")
        dashboard.set_class(on_, "-details")
        if on_:
            dashboard.remove_class("-presentation")

    def action_leave_view(self) -> None:
        """Esc: back from presentation mode or the details view to the dashboard."""
        self.dashboard.remove_class("-presentation", "-details")

    def action_toggle_light(self) -> None:
        """Switch between the dark and the light colour scheme."""
        self.theme = LIGHT if self.current_theme.dark else DARK

    def action_toggle_sound(self) -> None:
        """Turn the soft cue at each change of breath on or off, saying which cue it is.

        Soft tones when a sound player is here (a rising one to breathe in, a falling one
        to breathe out). Without one, the only cue is the terminal's bell, and some
        terminals flash on a bell: the first press says so, and only a second press turns
        the bell on, once at each in-breath.
        """
        if self.sound:
            self.sound = False
            self.notify("Sound cues off.", title="Cues", timeout=3)
        elif self.cues.kind == "tones":
            self.sound = True
            self.notify(
                "Soft tones: rising to breathe in, falling to breathe out.", title="Cues on", timeout=5
            )
        elif not self._bell_offered:
            self._bell_offered = True
            self.notify(
                "There is no sound player here (pw-play, paplay, aplay or afplay), so the only cue "
                "would be the terminal's bell, once at each in-breath. Some terminals show a bell "
                "as a flash. Press c again to use it.",
                title="Cues",
                timeout=10,
            )
            return
        else:
            self.sound = True
            self.cues.allow_bell = True
            self.notify("The terminal's bell at each in-breath.", title="Cues on", timeout=5)
        self._pattern_shown(trace=False)

    # -- replay transport ----------------------------------------------------------------

    def _transport(self, command: Callable[[ReplayControls], _T]) -> _T | None:
        """Run a transport command on the replay; after a jump, rebuild the analysis up to there."""
        replay = self.replay
        if replay is None:
            return None
        before_s = self.time_source()
        result = command(replay)
        after_s = self.time_source()
        if self.rewindable is not None:
            if abs(after_s - before_s) > 0.5:
                self._rebuild_at(after_s)
        elif after_s < before_s - 0.5:
            self._restart_analysis()
        self._set_status(replay_paused=replay.paused, replay_speed=replay.speed, t_s=after_s)
        self._hold_guide_if_fast()
        self._trace_dirty = True
        self.dashboard.query_one(MarkerList).position_s = after_s
        self._check_replay_end()
        return result

    def _rebuild_at(self, t_s: float) -> None:
        """After a jump, the analysis as it stands at ``t_s``: nothing restarts.

        The engine is rebuilt from the file's stream up to ``t_s`` at full speed
        (``Engine.replay_to``), except the last :data:`REBUILD_TAIL_S` seconds, which are
        folded one by one so the trends fill as they would have; the trace is fed the
        events it shows. The replay plays on from ``t_s`` without announcing a gap.
        """
        replay = self.rewindable
        if replay is None:
            return
        events = replay.events_until(t_s)
        tail_from_s = t_s - REBUILD_TAIL_S
        split = len(events)
        latest = -math.inf
        for i, event in enumerate(events):  # times rise, but a beat may be back-dated a little
            latest = max(latest, event.t_s)
            if latest >= tail_from_s:
                split = i
                break
        engine = self.driver.engine
        engine.replay_to(events[:split], trends_from_s=tail_from_s)
        self.trends = Trends(list(self.trends.history))
        for event in events[split:]:
            self.trends.add(engine.push(event), engine.t_s)
        engine.tick(t_s)
        for info in _TILES:
            self.dashboard.query_one(f"#{info.css_id}", MetricTile).history = self.trends.history[info.key]
        self.trace_data.clear()
        trace_from_s = t_s - TRACE_S
        for event in events:
            if event.t_s >= trace_from_s:
                self.trace_data.add(event)
        self._shown = None
        self._show(engine.snapshot)
        self._trace_dirty = True
        self._refresh_trace()

    def _hold_guide_if_fast(self) -> None:
        """Above 2× the guide rests, and says so in words, with the pattern it would breathe."""
        speed = self.status.replay_speed
        what = "the replay runs"
        if speed is None:
            # ``vagal demo --speed 16``: the guide would flicker as much as in a fast replay.
            # (A virtual clock, infinitely fast, has no pace to flicker at: tests and snapshots.)
            clock_speed = self.driver.clock.speed if self.driver.clock is not None else 1.0
            speed = clock_speed if math.isfinite(clock_speed) else None
            what = "time runs"
        guide = self.dashboard.query_one(BreathGuide)
        # A paused replay (or one waiting at its end) rests with a word, never a frozen "Exhale 4".
        paused = self.replay is not None and self.replay.paused
        if speed is not None and speed > GUIDE_MAX_SPEED:
            fast = "as fast as it can" if math.isinf(speed) else f"at {speed:g}×"
            guide.rest((f"The guide rests while {what} {fast}.", self.pacer.pattern.describe()))
        elif paused or self.ended_at_s is not None:
            guide.rest(("Paused." if paused else "The replay has reached its end.",))
        else:
            guide.rest(None)

    def _restart_analysis(self) -> None:
        """After a jump back in a replay, analyse afresh from there.

        The engine folds events in time order; beats from before the jump would otherwise
        sit in its windows next to beats from "later" and mix two stretches of the session.
        The trends and the trace start afresh too.
        """
        self.driver.engine.reset()
        self.trends = Trends(list(self.trends.history))
        for info in _TILES:
            self.dashboard.query_one(f"#{info.css_id}", MetricTile).history = self.trends.history[info.key]
        self.trace_data.clear()
        self._show(self.driver.engine.snapshot)
        self._trace_dirty = True

    def _replay_over(self) -> bool:
        """True (and said) when the replay's stream has ended for good (its source cannot wait
        at the end), so a jump or a pause would silently do nothing."""
        if not self.session_ended:
            return False
        self.notify(
            "The replay has reached its end. Press q for the summary.",
            title="Replay",
            timeout=6,
        )
        return True

    def action_pause(self) -> None:
        """Pause or resume the replay."""
        if self._replay_over():
            return
        self._transport(lambda replay: replay.resume() if replay.paused else replay.pause())

    def action_seek(self, direction: int) -> None:
        """Jump 10 s back (-1) or forward (1) in the replay."""
        if self._replay_over():
            return
        target_s = max(0.0, self.time_source() + direction * REPLAY_SEEK_S)
        self._transport(lambda replay: replay.seek(target_s))

    def action_next_marker(self, direction: int) -> None:
        """Jump to the next (1) or previous (-1) marker in the replay."""
        if self._replay_over():
            return
        if self._transport(lambda replay: replay.seek_marker(direction)) is None and direction > 0:
            self.notify("There are no more markers after this point.", title="Markers", timeout=4)

    def action_speed(self, direction: int) -> None:
        """Replay slower (-1) or faster (1)."""
        if self._replay_over():
            return
        speed = float(self.status.replay_speed or 1.0)
        faster = [s for s in REPLAY_SPEEDS if s > speed]
        slower = [s for s in REPLAY_SPEEDS if s < speed]
        new = (faster[0] if faster else speed) if direction > 0 else (slower[-1] if slower else speed)
        self._transport(lambda replay: replay.set_speed(new))
        self._set_status(replay_speed=new)
        self._hold_guide_if_fast()


def _preset_like(pattern: BreathPattern) -> BreathPattern:
    """The preset ``pattern`` is again after + and -, or ``pattern`` itself.

    A preset matches when it has the same shape (each phase's share of the breath, to a
    thousandth) and nearly the same rate (within 0.1/min: the keys step by half a breath,
    so coherent's 5.45/min comes back as 5.5).
    """

    def shape(p: BreathPattern) -> tuple[float, ...]:
        return tuple(x / p.cycle_s for x in (p.inhale_s, p.hold_in_s, p.exhale_s, p.hold_out_s))

    mine = shape(pattern)
    for preset in PRESETS.values():
        if (
            preset.double_inhale == pattern.double_inhale
            and abs(preset.rate_per_min - pattern.rate_per_min) <= 0.1
            and all(abs(a - b) < 1e-3 for a, b in zip(mine, shape(preset), strict=True))
        ):
            return preset
    return pattern


def make_app(
    source: BeatSource,
    *,
    engine: Engine | None = None,
    pacer: Pacer | None = None,
    clock: Clock | None = None,
    sinks: Sequence[Sink] = (),
    recording: Path | None = None,
    mode: Mode = "demo",
    sound: bool = False,
    fps: float = DEFAULT_FPS,
    title: str = "",
    until_s: float | None = None,
    fold_pacer_start: bool = True,
    checkin: bool = False,
    make_report: Callable[[Path], Path] | None = None,
    words_folder: Path | None = None,
) -> VagalApp:
    """Build the dashboard (shared by the CLI, the tests and the benchmark).

    Args:
        source: The beat source (not yet connected; the app connects it).
        engine: The live engine (default: a new ``Engine`` that follows ``pacer``).
        pacer: The breathing pacer (default: resonance breathing at 6/min). Give the
            simulator ``pacer.volume_at`` as its breathing so it breathes with the guide.
        clock: Session time (default: the source's clock when it is
            :class:`~vagal.sources.base.Clocked`, else real time).
        sinks: Where events are also written (the recorder); closed when the app quits.
        recording: The session file being written, for the quit dialog (None: not recording).
        mode: "demo", "live" or "replay" (a replay whose source has
            :class:`~vagal.sources.base.ReplayControls` gets the transport keys).
        sound: Sound cues on at the start.
        fps: Frames per second of the breathing guide.
        title: The source's name for the status line (default: the source's ``name`` when
            it is :class:`~vagal.sources.base.Named`).
        until_s: Stop the session at this session time (``--duration``).
        fold_pacer_start: Fold and record the pacer's initial pattern when the session
            starts (False when the caller has done so already, as ``run_session`` does).
        checkin: Ask how settled the person feels before and after (never in a replay).
        make_report: Writes the report of a session file and returns where it went (the
            summary's report key; None: the key says a report cannot be made here).
        words_folder: Where the labels used before are looked for (default: the sessions folder).

    Returns:
        The app, ready for ``run()`` or ``run_test()``.

    A replay without ``pacer`` shows no guide: the file recorded none (and ``--pace`` gave none).
    """
    from vagal.engine.driver import Driver

    guide = pacer is not None or mode != "replay"
    pacer = pacer if pacer is not None else Pacer()
    if engine is None:
        from vagal.engine.core import Engine

        engine = Engine(pacer=pacer if guide else None)
    if clock is None and isinstance(source, Clocked):
        clock = source.clock
    if clock is None:
        from vagal.clock import MonotonicClock

        clock = MonotonicClock()
    time_source: Callable[[], float] = clock.now
    if mode == "replay" and isinstance(source, ReplayControls):
        replay = source
        time_source = lambda: float(replay.position_s)
    # In replay the recorded pattern changes come from the file, not from this pacer.
    # The app's once-a-second clock ticks the engine (ticker=False): one ticker a session.
    driver = Driver(
        source,
        engine,
        sinks=sinks,
        pacer=pacer if fold_pacer_start and mode != "replay" else None,
        clock=clock,
        until_s=until_s,
        ticker=False,
    )
    return VagalApp(
        driver,
        pacer,
        time_source,
        mode=mode,
        recording=recording,
        sound=sound,
        fps=fps,
        title=title or (source.name if isinstance(source, Named) else ""),
        guide=guide,
        checkin=checkin,
        make_report=make_report,
        words_folder=words_folder,
    )


def run_dashboard(
    source: BeatSource,
    options: SessionOptions,
    *,
    engine: Engine | None = None,
    pacer: Pacer | None = None,
    clock: Clock | None = None,
    sinks: Sequence[Sink] = (),
    recording: Path | None = None,
    make_report: Callable[[Path], Path] | None = None,
) -> int:
    """Run the dashboard until the person leaves the summary; the recording is always closed.

    Args:
        source: The beat source.
        options: The session's options (``mode``, ``sound``, ``duration_s``, ``checkin``).
        engine: The live engine (default: a new one that follows ``pacer``).
        pacer: The breathing pacer shown (its initial pattern already folded and recorded);
            None in a replay of a file that recorded no guide (none is shown).
        clock: Session time (default: the source's, else real time).
        sinks: Where events are also written; each is closed at the end.
        recording: The session file being written (said at the end), or None.
        make_report: Writes the report of a session file (the summary's report key).

    Returns:
        The exit status: 0, or 2 when the recording stopped early.
    """
    app = make_app(
        source,
        engine=engine,
        pacer=pacer,
        clock=clock,
        sinks=sinks,
        recording=recording,
        mode=options.mode,
        sound=options.sound,
        until_s=options.duration_s,
        # run_session has already folded and recorded the pacer's initial pattern.
        fold_pacer_start=False,
        checkin=options.checkin and options.mode != "replay",
        make_report=make_report,
    )
    try:
        status = app.run()
    finally:
        for sink in app.sinks:
            sink.close()
    # Once the screen is back, say where the session is (as the headless summary does).
    stopped = app.recording_stopped()
    if app.report_path is not None:
        print(f"Report written to {app.report_path}")
    if stopped is not None:
        until, why = stopped
        print(f"vagal: the recording stopped early: {why}", file=sys.stderr)
        if app.recording is not None:
            upto = f"up to {clock_text(until)}" if until is not None else "up to where it stopped"
            print(f"Saved to {app.recording} ({upto})")
        return 2
    if app.recording is not None:
        print(f"Saved to {app.recording}")
    return int(status or 0)
