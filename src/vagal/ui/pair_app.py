"""The dashboard for two people: ``vagal demo --pair``, ``vagal live`` with two straps, and
``vagal replay`` of a two-person session.

Design decision: the state of a session for two is the headless one,
:class:`vagal.commands.pair_session.PairState` (an engine and a guide per person, the live
together view every 5 s); this app only feeds it from one merged stream of both people's
events and draws it four times a second. The guide is the centre of the screen: one guide
when the two share it, two side by side when each has their own. Beneath it both heart-rate
traces overlaid, one calm tint per person; beside it a small tile per person; under all, the
together panel, which says in words whether the two hearts move together more than chance
and the guide bring. Presentation mode (``p``) keeps the guide, the names and the words,
large enough to read across a room.

The entry point for every command is :func:`run_pair_dashboard`; tests and benchmarks build
the same app with :func:`make_pair_app`.
"""

from __future__ import annotations

import asyncio
import bisect
import math
from collections.abc import AsyncIterable, Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Final, Literal

from textual import on, work
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Footer, Static

from vagal.ui.screens_pair import Answer, PairCheckInScreen, PairSummaryScreen
from vagal.ui.widgets.guide import BreathGuide
from vagal.ui.widgets.pair import PairTrace, PersonTile, TogetherPanel
from vagal.ui.widgets.theme import DARK, LIGHT, VAGAL_DARK, VAGAL_LIGHT, color_depth

if TYPE_CHECKING:
    from vagal.clock import Clock
    from vagal.engine.pair import PairState
    from vagal.events import Event
    from vagal.options import SessionOptions
    from vagal.pacer import Pacer
    from vagal.sessions.writer import Recorder
    from vagal.sources.replay_pair import PairReplay

Mode = Literal["demo", "live", "replay"]
REFRESH_HZ: Final = 4.0
"""How often the tiles, traces and together panel are drawn again (the guide has its own fps)."""
STRAP_WORDS: Final[dict[str, str]] = {
    "connecting": "strap: connecting…",
    "reconnecting": "strap away:\nlooking for it…",
    "disconnected": "strap away;\nthe session goes on",
    "lost": "strap away;\nthe session goes on",
    "failed": "strap away;\nthe session goes on",
}
"""A strap's state in calm words on its person's tile, in place of their numbers (streaming
says nothing); two short lines, so a narrow tile does not wrap them."""


def _guide_words(pacer: Pacer | None) -> str:
    if pacer is None:
        return "no guide"
    return f"{pacer.pattern.rate_per_min:.3g}/min"


class PairApp(App[int]):
    """The dashboard for two (build it with :func:`make_pair_app`)."""

    CSS_PATH = "pair_app.tcss"
    TITLE = "vagal — together"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("m", "add_marker", "Marker"),
        Binding("p", "presentation", "Across the room"),
        Binding("t", "toggle_theme", "Light/dark"),
        Binding("q", "end_session", "End"),
        Binding("space", "pause", "Pause"),
        Binding("left", "seek(-1)", "Back", key_display="←"),
        Binding("right", "seek(1)", "Fwd", key_display="→"),
        Binding("n", "next_marker(1)", "Next mark", show=False),
        Binding("N", "next_marker(-1)", "Previous mark", show=False),
        Binding("left_square_bracket", "speed(-1)", "Slower", key_display="["),
        Binding("right_square_bracket", "speed(1)", "Faster", key_display="]"),
    ]
    _REPLAY_ONLY: ClassVar[frozenset[str]] = frozenset({"pause", "seek", "next_marker", "speed"})
    """The replay's transport keys (those of the one-person replay, :mod:`vagal.ui.app`)."""

    def __init__(
        self,
        events: AsyncIterable[tuple[int, Event]],
        state: PairState,
        *,
        names: tuple[str, str],
        roles: tuple[str | None, str | None],
        recorder: Recorder | None,
        time_source: Callable[[], float],
        mode: Mode = "demo",
        until_s: float | None = None,
        stop: Callable[[], Awaitable[None]] | None = None,
        title: str = "",
        fold_pacer_start: bool = True,
        fps: float = 20.0,
        summary_extra: dict[str, Any] | None = None,
        devices: tuple[str, str] = ("", ""),
        summarise: Summarise | None = None,
        replay: PairReplay | None = None,
        checkin: bool = False,
    ) -> None:
        super().__init__()
        self.checkin = checkin and mode != "replay"
        """Ask each person how settled they feel, before and after (never in a replay)."""
        self.replay = replay
        """The replay's transport (pause, seek, speed), or None (a live session, a plain stream)."""
        self._told_end = False
        self.summarise = summarise
        self.events = events
        self.state = state
        self.names = names
        self.roles = roles
        self.recorder = recorder
        self.time_source = time_source
        self.mode: Mode = mode
        self.until_s = until_s
        self.stop = stop
        self.source_title = title
        self.fold_pacer_start = fold_pacer_start
        self.fps = fps
        self.summary_extra = summary_extra or {}
        self.devices = devices
        self.presentation = False
        """Across-the-room mode: the guide, the names and the words, large."""
        self.ended = False
        """The session is over (the summary is shown or about to be)."""
        self.strap_state: list[str] = ["", ""]
        self.markers_added = 0
        self.summary: dict[str, Any] | None = None

    # -- layout -----------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        a, b = self.state.pacers
        yield Static(self._status_text(), id="pair-status")
        with Horizontal(id="pair-main"):
            yield PersonTile(0, self.names[0], self.roles[0], id="tile-a", classes="person-tile")
            with Horizontal(id="guides"):
                if a is b:
                    with Vertical(classes="guide-box"):
                        if a is not None:
                            yield BreathGuide(a, self.time_source, fps=self.fps, id="guide-shared")
                            yield Static(f"one guide for both · {_guide_words(a)}", classes="guide-label")
                        else:
                            yield Static("no guide was recorded", classes="guide-label")
                else:
                    for person, pacer in enumerate((a, b)):
                        with Vertical(classes="guide-box"):
                            if pacer is not None:
                                yield BreathGuide(
                                    pacer, self.time_source, fps=self.fps, id=f"guide-{'ab'[person]}"
                                )
                            yield Static(
                                f"{self.names[person]}'s guide · {_guide_words(pacer)}",
                                classes=f"guide-label guide-label-{'ab'[person]}",
                            )
            yield PersonTile(1, self.names[1], self.roles[1], id="tile-b", classes="person-tile")
        yield PairTrace(self.names, id="pair-trace")
        yield TogetherPanel(self.names, id="together")
        yield Footer()

    def on_mount(self) -> None:
        self.register_theme(VAGAL_DARK)
        self.register_theme(VAGAL_LIGHT)
        self.theme = DARK
        if color_depth(self) == "16":
            self.ansi_color = True
        if not self.state.shared_guide:
            for person, pacer in enumerate(self.state.pacers):
                tile = self.query_one("#tile-a" if person == 0 else "#tile-b", PersonTile)
                tile.guide_words = _guide_words(pacer)
        self.set_interval(1.0 / REFRESH_HZ, self.refresh_view)
        self.refresh_view()
        self._run_session()
        if self.checkin:
            self.push_screen(PairCheckInScreen(self.names, "before"), self._checked_in_before)

    def _checked_in_before(self, answers: tuple[Answer, Answer] | None) -> None:
        if answers is None or self.ended:
            return
        for person, answer in enumerate(answers):
            if answer is not None:
                self._check_in(person, "before", *answer)

    def _check_in(self, person: int, when: Literal["before", "after"], settled: int, words: str) -> None:
        """Record one person's check-in as theirs (a ``CheckIn`` with their ``person``)."""
        from vagal.events import CheckIn

        # The one before is stamped at the session's start (0:00), whenever it was answered, as
        # for one person (docs/session-format.md); the one after when it is answered.
        t_s = 0.0 if when == "before" else self.state.t_s
        event = CheckIn(t_s, when, settled, words, person=person)
        if when == "before":
            self.state.push(person, event)  # the final numbers of that person read it
        self._write(event)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # Once the session has ended only the summary's own keys are offered.
        if action == "add_marker" and self.mode == "replay":
            return False  # a replay adds nothing to its file
        if action in self._REPLAY_ONLY:
            return self.replay is not None and not self.ended
        return not (self.ended and action in ("add_marker", "presentation", "end_session"))

    def on_resize(self) -> None:
        # Under 100×30 the tiles narrow and the trace gives up rows to the guide.
        self.screen.set_class(self.size.width < 100 or self.size.height < 30, "-small")

    # -- the session ---------------------------------------------------------------------------

    @work(exclusive=True, exit_on_error=False, group="pair-session")
    async def _run_session(self) -> None:
        """Fold both people's events into the state (and the recorder) until the stream ends."""
        from vagal.events import SourceState

        state = self.state
        if self.fold_pacer_start:
            for start in state.start_events():
                state.push(0, start)
                self._write(start)
        try:
            async for person, event in self.events:
                if self.ended:
                    break
                state.push(person, event)
                self._write(event)
                if isinstance(event, SourceState):
                    self.strap_state[person] = STRAP_WORDS.get(event.state, "")
                if self.until_s is not None and event.t_s >= (state.first_t_s or 0.0) + self.until_s:
                    break
        finally:
            if not self.ended:
                self.call_later(self.end_session)
            aclose = getattr(self.events, "aclose", None)
            if aclose is not None:
                await aclose()

    def _write(self, event: Event) -> None:
        if self.recorder is not None:
            self.recorder.write(event)

    def session_t_s(self) -> float:
        """Seconds since the session's first event."""
        return max(0.0, self.state.t_s - (self.state.first_t_s or 0.0))

    def refresh_view(self) -> None:
        """Draw the tiles, the traces and the together panel from the state."""
        if self.ended:
            return
        state = self.state
        now = state.t_s
        for person, tile_id in enumerate(("#tile-a", "#tile-b")):
            self.query_one(tile_id, PersonTile).show(
                state.engines[person].snapshot, strap=self.strap_state[person]
            )
        series = []
        for beats in state.beats:
            i = bisect.bisect_left(beats.t_s, now - 100.0)
            t = beats.t_s[i:]
            series.append((t, [60_000.0 / rr if rr > 0 else math.nan for rr in beats.rr_ms[i:]]))
        trace = self.query_one(PairTrace)
        if trace.display:
            trace.set_data(now, series)
        both_from = [b.t_s[0] for b in state.beats if b.t_s]
        so_far = max(0.0, now - max(both_from)) if len(both_from) == 2 else 0.0
        self.query_one(TogetherPanel).show(state.live_result, so_far_s=so_far)
        self.query_one("#pair-status", Static).update(self._status_text())
        if self.replay is not None:
            self._rest_guides()
            self._check_replay_end()

    def _status_text(self) -> str:
        from vagal.clock import clock_text

        bits = ["vagal · together", f"{self.names[0]} & {self.names[1]}"]
        replay = self.replay
        if replay is not None:
            # Where the replay is, of how long, how fast, and whether it is paused.
            at, length = replay.position_s - replay.origin_s, replay.duration_s - replay.origin_s
            bits.append(f"{clock_text(at)} / {clock_text(length)}")
            speed = "as fast as possible" if math.isinf(replay.speed) else f"{replay.speed:g}×"
            bits.append(f"replay {speed}" + (" · paused" if replay.paused else ""))
        else:
            bits.append(clock_text(self.session_t_s()))
        if self.mode == "replay" and replay is None:
            bits.append("replay")
        elif self.recorder is not None:
            bits.append("recording")
        if self.source_title:
            bits.append(self.source_title)
        return " · ".join(bits)

    # -- actions -----------------------------------------------------------------------------

    def action_add_marker(self) -> None:
        """Mark this moment for both (the together view is also given per part between markers)."""
        from vagal.events import Marker

        if self.ended or self.mode == "replay":
            return
        self.markers_added += 1
        marker = Marker(t_s=self.state.t_s, label=f"marker {self.markers_added}")
        self.state.push(0, marker)
        self._write(marker)
        from vagal.clock import clock_text

        self.notify(f"Marked at {clock_text(self.session_t_s())}.", title="Marker", timeout=3)

    def action_presentation(self) -> None:
        """Across the room: the guide, both names and the together words, large; again to go back."""
        self.presentation = not self.presentation
        self.screen.set_class(self.presentation, "-presentation")
        self.query_one(TogetherPanel).compact = self.presentation
        self.query_one(TogetherPanel).refresh(layout=True)

    def action_toggle_theme(self) -> None:
        self.theme = LIGHT if self.current_theme.dark else DARK
        self.query_one(PairTrace).on_resize()
        self.query_one(PairTrace).refresh()

    def action_end_session(self) -> None:
        """End the session (the stream is stopped) and show the summary for two."""
        self.end_session()

    def end_session(self) -> None:
        """Stop the sources, close the recording, show the kind summary for two."""
        if self.ended:
            return
        self.ended = True
        if self.stop is not None:
            asyncio.ensure_future(self.stop())
        while len(self.screen_stack) > 1:
            self.pop_screen()  # a check-in still open at the end has had its chance
        if self.recorder is not None and not self.checkin:
            self.recorder.close()  # with a check-in after, once both have answered (or at exit)
        self.push_screen(PairSummaryScreen(self._summary, names=self.names, ask_checkin=self.checkin))

    @on(PairSummaryScreen.CheckedIn)
    def _checked_in_after(self, message: PairSummaryScreen.CheckedIn) -> None:
        """One person's check-in after the session: recorded as theirs."""
        self._check_in(message.person, "after", message.settled, message.words)

    @on(PairSummaryScreen.CheckInsDone)
    def _check_ins_done(self, message: PairSummaryScreen.CheckInsDone) -> None:
        """Both have answered (or skipped) the check-in after: the recording can close."""
        if self.recorder is not None:
            self.recorder.close()

    def _summary(self) -> dict[str, Any]:
        state = self.state
        if self.replay is not None:
            # After a jump back the state holds less than was watched: the summary covers
            # the file up to the furthest point reached, each event once.
            from vagal.engine.pair import new_state

            state = new_state(self.state.pacers, live=self.state.live)
            state.replay_to(self.replay.events_until(self.replay.furthest_s + 1e-6))
        if self.summarise is not None:
            self.summary = self.summarise(state)
        else:
            self.summary = live_summary(state, self.names, self.roles)
        self.summary.update({k: v for k, v in self.summary_extra.items() if k not in self.summary})
        return self.summary


    # -- the replay's transport ------------------------------------------------------------

    def _transport(self, command: Callable[[PairReplay], object]) -> None:
        """Run a transport command; after a jump, rebuild both people's state up to there."""
        replay = self.replay
        if replay is None or self.ended:
            return
        before_s = replay.position_s
        command(replay)
        after_s = replay.position_s
        if abs(after_s - before_s) > 0.5:
            self._rebuild_at(after_s)
        self.refresh_view()

    def _rebuild_at(self, t_s: float) -> None:
        """The analysis as it stands at ``t_s``: both engines, the beats and the together view
        are rebuilt from the file up to there at full speed (``PairState.replay_to``, which
        folds each person's events with ``Engine.replay_to``); nothing goes back to warm-up."""
        from vagal.events import SourceState

        replay = self.replay
        if replay is None:
            return
        items = replay.events_until(t_s)
        self.state.replay_to(items)
        self.strap_state = ["", ""]
        for person, event in items:
            if isinstance(event, SourceState):
                self.strap_state[person] = STRAP_WORDS.get(event.state, "")

    def _rest_guides(self) -> None:
        """A paused replay's guides rest with a word, never a frozen "Exhale 4"; above 2× too."""
        from vagal.ui.app import GUIDE_MAX_SPEED

        replay = self.replay
        if replay is None:
            return
        words: tuple[str, ...] | None = None
        if replay.at_end:
            words = ("The replay has reached its end.",)
        elif replay.paused:
            words = ("Paused.",)
        elif replay.speed > GUIDE_MAX_SPEED:
            fast = "as fast as it can" if math.isinf(replay.speed) else f"at {replay.speed:g}×"
            words = (f"The guide rests while the replay runs {fast}.",)
        for guide in self.query(BreathGuide):
            guide.rest(words)

    def _check_replay_end(self) -> None:
        """Say once, calmly, that the replay waits at its end, and how to go on."""
        replay = self.replay
        if replay is None or self.ended:
            return
        if not replay.at_end:
            self._told_end = False
            return
        if not self._told_end:
            self._told_end = True
            self.notify(
                "The replay has reached its end. ← to go back, space to watch it again, q for the summary.",
                title="Replay",
                timeout=8,
            )

    def action_pause(self) -> None:
        """Pause or resume the replay (at its end: start again)."""
        self._transport(lambda replay: replay.resume() if replay.paused else replay.pause())

    def action_seek(self, direction: int) -> None:
        """Jump 10 s back (-1) or forward (1) in the replay; the analysis is kept."""
        from vagal.ui.app import REPLAY_SEEK_S

        replay = self.replay
        if replay is None:
            return
        target_s = replay.position_s + direction * REPLAY_SEEK_S
        self._transport(lambda r: r.seek(target_s))

    def action_next_marker(self, direction: int) -> None:
        """Jump to the next (1) or previous (-1) marker in the replay."""
        self._transport(lambda replay: replay.seek_marker(direction))

    def action_speed(self, direction: int) -> None:
        """Replay slower (-1) or faster (1), through the one-person replay's speeds."""
        from vagal.ui.app import REPLAY_SPEEDS

        replay = self.replay
        if replay is None:
            return
        speed = replay.speed
        faster = [s for s in REPLAY_SPEEDS if s > speed]
        slower = [s for s in REPLAY_SPEEDS if s < speed]
        new = (faster[0] if faster else speed) if direction > 0 else (slower[-1] if slower else speed)
        self._transport(lambda r: r.set_speed(new))


Summarise = Callable[["PairState"], dict[str, Any]]
"""Builds the summary for two from the state at the end (``pair_summary`` of
:mod:`vagal.commands.pair_session`, with the names, roles, devices and recorder bound)."""


def live_summary(
    state: PairState, names: tuple[str, str], roles: tuple[str | None, str | None]
) -> dict[str, Any]:
    """A summary for two from the live engines alone (when no ``summarise`` is given): each
    person's whole-session live figures and the whole session's together view."""
    people = []
    for i, engine in enumerate(state.engines):
        live = engine.summary()
        pacer = state.pacers[i]
        person = {"person": i, "name": names[i], "role": roles[i]}
        for key in ("n_beats", "mean_hr_bpm", "rmssd_ms", "coherence_mean"):
            person[key] = live.get(key)
        person["guide_rate_per_min"] = None if pacer is None else pacer.start_event().rate_per_min
        people.append(person)
    session = state.together_session()
    whole = session.whole
    together: dict[str, Any] = {**whole.as_dict(), "reason": whole.reason, "leader": None}
    lag = whole.wcc_lag_s_median
    if whole.above_chance and lag is not None and abs(lag) >= 1.0:
        together["leader"] = names[0] if lag > 0 else names[1]  # positive: B follows A
    together["segments"] = [
        {
            "label": seg.label,
            "start_s": seg.start_s,
            "end_s": seg.end_s,
            **seg.result.as_dict(),
            "reason": seg.result.reason,
        }
        for seg in session.segments
    ]
    return {
        "duration_s": max(0.0, state.t_s - (state.first_t_s or 0.0)),
        "people": people,
        "shared_guide": state.shared_guide,
        "together": together,
        "recording": None,
    }


def make_pair_app(
    events: AsyncIterable[tuple[int, Event]],
    *,
    names: tuple[str, str],
    roles: tuple[str | None, str | None],
    pacers: tuple[Pacer | None, Pacer | None],
    recorder: Recorder | None = None,
    mode: Mode = "demo",
    until_s: float | None = None,
    clock: Clock | None = None,
    time_source: Callable[[], float] | None = None,
    stop: Callable[[], Awaitable[None]] | None = None,
    title: str = "",
    state: PairState | None = None,
    fold_pacer_start: bool = True,
    live: bool = True,
    fps: float = 20.0,
    devices: tuple[str, str] = ("", ""),
    summary_extra: dict[str, Any] | None = None,
    summarise: Summarise | None = None,
    replay: PairReplay | None = None,
    checkin: bool = False,
) -> PairApp:
    """Build the dashboard for two (shared by :func:`run_pair_dashboard`, the tests and benchmarks).

    Args: as :func:`run_pair_dashboard`, plus:
        mode: "demo", "live" or "replay".
        until_s: End the session at this much session time (``--duration``).
        time_source: What the guide reads as session time (default: ``clock.now``, else
            the state's latest event time; tests pass a fixed one).
        state: A state to continue (default: a new one with ``pacers``).
        live: Recompute the live together view every 5 s.
        fps: The guide's frames per second.
        devices: The two straps' names (the summary).
        summary_extra: Further keys for the summary (``seed``, ``coupling``).
        replay: The replay's transport (:class:`~vagal.sources.replay_pair.PairReplay`,
            which is also ``events``): the replay keys, and the guide reads its position.
        checkin: Ask each person how settled they feel before and after (not in a replay).

    Returns:
        The app, ready for ``run()`` or ``run_test()``.
    """
    from vagal.engine.pair import new_state

    if state is None:
        state = new_state(pacers, live=live)
    if time_source is None:
        if replay is not None:
            transport = replay
            time_source = lambda: transport.position_s
        elif clock is not None:
            time_source = clock.now
        else:
            folded = state
            time_source = lambda: folded.t_s
    return PairApp(
        events,
        state,
        names=names,
        roles=roles,
        recorder=recorder,
        time_source=time_source,
        mode=mode,
        until_s=until_s,
        stop=stop,
        title=title,
        fold_pacer_start=fold_pacer_start,
        fps=fps,
        devices=devices,
        summary_extra=summary_extra,
        summarise=summarise,
        replay=replay,
        checkin=checkin,
    )


def run_pair_dashboard(
    events: AsyncIterable[tuple[int, Event]],
    *,
    names: tuple[str, str],
    roles: tuple[str | None, str | None],
    pacers: tuple[Pacer | None, Pacer | None],
    recorder: Recorder | None,
    options: SessionOptions,
    clock: Clock | None = None,
    stop: Callable[[], Awaitable[None]] | None = None,
    title: str = "",
    fold_pacer_start: bool = True,
    devices: tuple[str, str] = ("", ""),
    summary_extra: dict[str, Any] | None = None,
    summarise: Summarise | None = None,
    replay: PairReplay | None = None,
    run: Callable[[PairApp], int | None] | None = None,
) -> int:
    """Run the dashboard for two until the people leave the summary; returns the exit status.

    This is the one entry point for two people on screen: ``vagal demo --pair``, ``vagal
    live`` with two straps (``commands/live_pair.py``) and ``vagal replay`` of a two-person
    session all call it.

    Args:
        events: The merged stream of both people's events, ``(person, event)`` in time
            order, each person-bound event already tagged with its ``person``
            (:func:`vagal.commands.pair_session.merged`, or ``merged_entered``, which also
            enters the sources). The app iterates it in its own event loop; the session
            ends when it ends, at ``options.duration_s``, or when the people press ``q``.
        names: Person A's and person B's names (shown literally).
        roles: Their roles (``partner``, ``parent``, ``child``…), or None each.
        pacers: Each person's guide: the same :class:`~vagal.pacer.Pacer` twice for one
            shared guide, two for their own, None for none (a replay that recorded none).
        recorder: The session file being written (its ``write`` gets every event, its
            ``close`` is called when the session ends), or None when not recording.
        options: The session's options: ``mode`` ("demo", "live", "replay"),
            ``duration_s`` and ``checkin`` (each person's check-in before and after; never
            in a replay) are read.
        clock: Session time for the guide (default: the latest event's time).
        stop: Awaited once when the session ends early (``q`` or the duration): close the
            sources there, so that ``events`` ends.
        title: A few words for the status line (the source: "simulated pair", "two straps").
        fold_pacer_start: Fold and record each guide's start event first (False when the
            caller did).
        devices: The two straps' names, for the summary.
        summary_extra: Further keys for the summary (``seed``, ``coupling``).
        summarise: Builds the summary at the end from the state (run off the UI loop):
            ``functools.partial(pair_summary, names=…, roles=…, devices=…, recorder=…)`` of
            :mod:`vagal.commands.pair_session`, whose keys are the headless ``--json``
            ones. None: a shorter summary from the live engines (:func:`live_summary`).
        replay: The replay's transport (``vagal replay PAIRFILE``): space, ←/→, [ and ].
        run: Runs the app and returns its exit code (default ``app.run()``; a test drives
            it with a pilot instead).

    Returns:
        0, or 2 when the recording stopped early (its reason is printed on stderr).
    """
    import sys

    app = make_pair_app(
        events,
        names=names,
        roles=roles,
        pacers=pacers,
        recorder=recorder,
        mode=options.mode if options.mode in ("demo", "live", "replay") else "demo",
        until_s=options.duration_s,
        clock=clock,
        stop=stop,
        title=title,
        fold_pacer_start=fold_pacer_start,
        devices=devices,
        summary_extra=summary_extra,
        summarise=summarise,
        replay=replay,
        checkin=options.checkin and options.mode != "replay",
    )
    try:
        status = app.run() if run is None else run(app)
    finally:
        if recorder is not None:
            recorder.close()
    if recorder is not None and recorder.error is not None:
        from vagal.text import printable

        why = printable(str(recorder.error), max_chars=None)
        print(f"vagal: the recording stopped early: {why}", file=sys.stderr)
        return 2
    if recorder is not None:
        print(f"Saved to {Path(recorder.path)}")
    return int(status or 0)
