"""``vagal live --device A --device B``: two people, two straps, one session (format 2).

Design decision: the straps go through the very pipeline of ``vagal demo --pair``
(:func:`vagal.commands.pair_session.run_pair_sources`: one engine per person, the
together view, one format-2 recording); only the merge differs. The simulated pair runs
on one clock and is merged in time order; two real straps are merged in *arrival* order
(:func:`arrival_merged`), because a time-order merge waits for the other strap's next
event, and a strap that is reconnecting has none: one drop-out would hold up both people.
Each person's events stay in their own order (the reader checks each person alone,
docs/session-format.md), so arrival order loses nothing.

The straps connect one at a time: :func:`vagal.sources.bleak_source.bluez_lock` is held
around every scan and connect, and the pipeline enters the sources one after the other.
Each :class:`~vagal.sources.bleak_source.BleakSource` reconnects on its own, so its gaps
are its own. A strap gone for :data:`PAIR_GIVE_UP_S` is let go: its drop-out is recorded
as a ``Gap`` up to then, the session gets a ``Note``, and the other person's session goes
on. Drop-outs are gaps, never invented beats.

Without ``--headless`` the session goes to the two-person dashboard through
:func:`run_dashboard_for_two` (the seam to ``vagal.ui.pair_app``).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib.util
import json
import math
import os
import sys
from collections.abc import AsyncIterator, Callable, Sequence
from typing import TYPE_CHECKING, Any, Final, TextIO

from vagal.errors import VagalError

if TYPE_CHECKING:
    from vagal.clock import Clock
    from vagal.events import Event, Gap
    from vagal.options import SessionOptions
    from vagal.pacer import Pacer
    from vagal.sessions.writer import Recorder
    from vagal.sources.base import BeatSource
    from vagal.sources.bleak_source import BleakSource, FoundStrap

PAIR_GIVE_UP_S: Final = 300.0
"""A strap gone this long (session seconds) is let go, and the other person's session goes on.

Five minutes: a strap put down or walked out of range comes back within a minute or two
when it comes back at all (the reconnect back-off reaches its 30 s ceiling after about a
minute), and a person who left the room should not hold the other's session in "waiting"."""
GIVE_UP_ENV: Final = "VAGAL_PAIR_GIVE_UP_S"
"""Environment variable that overrides :data:`PAIR_GIVE_UP_S` (seconds; tests use a few)."""
DASHBOARD_MODULE: Final = "vagal.ui.pair_app"
"""Where the two-person dashboard lives (``run_pair_dashboard``), when it is there."""
PROGRESS_EVERY_S: Final = 10.0
"""A progress line every 10 s of session time (as for one person)."""
DEADLINE_SLACK_S: Final = 2.0
"""With ``--duration``: end this long after the duration even when no strap sends anything."""

Merge = Callable[["Sequence[BeatSource]"], AsyncIterator[tuple[int, "Event"]]]


async def arrival_merged(sources: Sequence[BeatSource]) -> AsyncIterator[tuple[int, Event]]:
    """Each source's events, tagged with its person, in the order they arrive.

    The sources must already be entered. One task per source reads it; the merge ends
    when every source has ended. An exception from a source's iterator (the contract says
    there is none) is raised here. Closing the merge early cancels the readers.
    """
    from vagal.commands.pair_session import tag

    queue: asyncio.Queue[tuple[int, Event | BaseException | None]] = asyncio.Queue()

    async def pump(i: int, source: BeatSource) -> None:
        try:
            async for event in source:
                queue.put_nowait((i, event))
        except Exception as exc:  # noqa: BLE001 - handed to the consumer and raised there
            queue.put_nowait((i, exc))
            return
        queue.put_nowait((i, None))

    tasks = [asyncio.ensure_future(pump(i, s)) for i, s in enumerate(sources)]
    running = len(tasks)
    try:
        while running:
            i, item = await queue.get()
            if item is None:
                running -= 1
            elif isinstance(item, BaseException):
                raise item
            else:
                yield i, tag(item, i)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


def give_up_s() -> float:
    """:data:`PAIR_GIVE_UP_S`, or the seconds in ``$VAGAL_PAIR_GIVE_UP_S``.

    Raises:
        VagalError: The variable is not a positive number of seconds.
    """
    text = os.environ.get(GIVE_UP_ENV)
    if text is None or not text.strip():
        return PAIR_GIVE_UP_S
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value > 0):
        from vagal.text import printable

        raise VagalError(f"{GIVE_UP_ENV} must be a positive number of seconds, got {printable(text)!r}.")
    return value


def _seconds(t_s: float) -> str:
    """"0.3 s", "12 s": tenths below ten seconds."""
    return f"{t_s:.1f} s" if t_s < 10 else f"{t_s:.0f} s"


def possessive(name: str) -> str:
    """"Sam's" (a name is shown as given)."""
    return f"{name}'s"


class PairWatch:
    """Says calmly, as it happens, what each person's strap is doing; wraps the merge.

    Lines go to ``out`` (stderr, beside the progress lines). A strap let go also becomes
    a ``Note`` in the session (yielded as the session's own event, so it is recorded).
    With ``duration_s`` the sources are closed that long (plus a little) after the start
    even when no strap sends anything (a session of two silent straps still ends).
    """

    def __init__(
        self,
        names: tuple[str, str],
        *,
        out: TextIO | None,
        duration_s: float | None = None,
        merge: Merge = arrival_merged,
    ) -> None:
        self.names = names
        self.out = out
        self.duration_s = duration_s
        self._merge = merge
        self.first_t_s: float | None = None
        self.reconnecting = [False, False]
        self.gone_at_s: list[float | None] = [None, None]
        self.ended = [False, False]
        self._back: list[Gap | None] = [None, None]
        """A drop-out's gap, until the person's next event says whether the strap came back."""
        self.lines: list[str] = []
        """Every line said, in order (the summary repeats what matters)."""

    def _say(self, t_s: float, text: str) -> None:
        from vagal.clock import clock_text

        self.lines.append(text)
        if self.out is not None:
            print(f"{clock_text(t_s - (self.first_t_s or t_s)):>7}  {text}", file=self.out, flush=True)

    def _other_goes_on(self, person: int) -> str:
        other = 1 - person
        if self.gone_at_s[other] is not None or self.ended[other]:
            return ""
        return f"; {possessive(self.names[other])} session goes on"

    async def merge(self, sources: Sequence[BeatSource]) -> AsyncIterator[tuple[int, Event]]:
        """The merged events, watched (pass as ``merge=`` to ``run_pair_sources``)."""
        from vagal.events import Gap, Note, SourceState

        deadline: asyncio.Task[None] | None = None
        if self.duration_s is not None:

            async def close_at_deadline(wait_s: float) -> None:
                await asyncio.sleep(wait_s)
                for s in sources:
                    await s.close()

            deadline = asyncio.ensure_future(close_at_deadline(self.duration_s + DEADLINE_SLACK_S))
        try:
            async for person, event in self._merge(sources):
                if self.first_t_s is None:
                    self.first_t_s = event.t_s
                name = self.names[person]
                back = self._back[person]
                if back is not None:
                    # A strap that is let go ends its drop-out with a gap too, then "disconnected".
                    self._back[person] = None
                    if not (isinstance(event, SourceState) and event.state == "disconnected"):
                        self._say(back.end_s, f"{possessive(name)} strap is back after "
                                  f"{_seconds(back.duration_s)} (kept as a gap in their recording)")
                if isinstance(event, SourceState):
                    if event.state == "reconnecting" and not self.reconnecting[person]:
                        self.reconnecting[person] = True
                        self._say(event.t_s, f"{possessive(name)} strap dropped out; reconnecting"
                                  + self._other_goes_on(person))
                    elif event.state == "disconnected" and self.gone_at_s[person] is None:
                        self.gone_at_s[person] = event.t_s
                        self.reconnecting[person] = False
                        text = f"{possessive(name)} strap is gone" + self._other_goes_on(person)
                        self._say(event.t_s, text)
                        yield person, event
                        yield 0, Note(event.t_s, text)
                        continue
                    elif event.state == "ended":
                        self.ended[person] = True
                elif isinstance(event, Gap) and event.reason == "disconnected" and self.reconnecting[person]:
                    self.reconnecting[person] = False
                    self._back[person] = event
                yield person, event
        finally:
            if deadline is not None:
                deadline.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await deadline


# --- the command line -----------------------------------------------------------------------------


def _device_key(text: str) -> str:
    return text.strip().lower().replace("-", ":")


def check_devices(args: argparse.Namespace) -> list[str]:
    """The ``--device`` values, checked before anything is scanned.

    Returns:
        The devices asked for: none, one or two.

    Raises:
        VagalError: Three or more, the same one twice, ``--names``/``--roles`` with one
            device (they are for two people), or the simulated pair's ``--pair``/``--coupling``.
    """
    from vagal.text import printable

    devices: list[str] = list(getattr(args, "device", None) or [])
    for flag, given in (("--pair", getattr(args, "pair", False)),
                        ("--coupling", getattr(args, "coupling", None) is not None)):
        if given:
            raise VagalError(
                f"{flag} is for the simulated pair (vagal demo --pair); two people with straps: "
                "vagal live --device A --device B."
            )
    if len(devices) > 2:
        raise VagalError(
            f"--device can be given once (one person) or twice (two people), got {len(devices)}."
        )
    if len(devices) == 2 and _device_key(devices[0]) == _device_key(devices[1]):
        raise VagalError(
            f"--device {printable(devices[0])!r} was given twice; a session for two needs two straps."
        )
    if len(devices) == 1:
        for flag in ("names", "roles"):
            if getattr(args, flag, None) is not None:
                raise VagalError(
                    f"--{flag} is for a session for two.", hint="Give --device twice, one strap each."
                )
    return devices


def pair_options(args: argparse.Namespace, devices: Sequence[str]) -> SessionOptions:
    """The live command line of a session for two as :class:`~vagal.options.SessionOptions`."""
    from vagal.commands.pair_session import pair_session_options
    from vagal.commands.session_runner import recording_options

    return pair_session_options(  # ``--pace 6,8``: each person's own, read by pair_pacers
        args,
        "live",
        devices=tuple(devices),
        duration_s=args.duration,
        # Each person is asked on the dashboard for two (--no-checkin: not); headless asks none.
        checkin=not getattr(args, "no_checkin", False),
        **recording_options(args),
    )


def dashboard_available() -> bool:
    """Whether the two-person dashboard (:data:`DASHBOARD_MODULE`) is in this build."""
    try:
        return importlib.util.find_spec(DASHBOARD_MODULE) is not None
    except ModuleNotFoundError:
        return False


def _refuse_no_dashboard() -> None:
    raise VagalError("the two-person dashboard is not available yet; use --headless.",
                     hint="Add --headless.")


def resolve_pair(
    wanted: Sequence[str], timeout_s: float, *, scan: Callable[..., Any] | None = None
) -> tuple[FoundStrap, FoundStrap]:
    """Scan until both straps asked for are seen, then pick each.

    Raises:
        VagalError: Either is not in range, ambiguous, or both name the same strap.
    """
    from vagal.commands.live import RESOLVE_GRACE_S
    from vagal.sources.bleak_source import choose_strap, discover_straps
    from vagal.text import printable

    found = asyncio.run((scan or discover_straps)(timeout_s, wanted=list(wanted), grace_s=RESOLVE_GRACE_S))
    a, b = (choose_strap(found, w) for w in wanted)
    if _device_key(a.address) == _device_key(b.address):
        raise VagalError(
            f"--device {printable(wanted[0])!r} and --device {printable(wanted[1])!r} are the same strap, "
            f"{printable(a.label)}; a session for two needs two straps."
        )
    return a, b


def run_live_pair(
    args: argparse.Namespace,
    devices: Sequence[str],
    *,
    straps: tuple[FoundStrap, FoundStrap] | None = None,
) -> int:
    """``vagal live`` with two straps; returns the exit status.

    Args:
        args: The live command line (``--names``, ``--roles``, ``--timeout``, ``--duration``…).
        devices: The two ``--device`` values (names or addresses), or () when ``straps``
            were picked already.
        straps: The two straps, when picked from a scan (the interactive pick).

    Raises:
        VagalError: Bad options, a strap not in range or refusing the connection,
            Bluetooth unavailable, no dashboard for two without ``--headless``.
    """
    from vagal.commands.pair_session import pair_pacers, parse_names, parse_roles
    from vagal.commands.session_runner import check_duration
    from vagal.text import printable

    timeout_s: float = args.timeout
    if not (math.isfinite(timeout_s) and timeout_s > 0):
        raise VagalError(f"--timeout must be more than 0 seconds, got {timeout_s:g}.")
    check_duration(args)
    names = parse_names(getattr(args, "names", None))
    roles = parse_roles(getattr(args, "roles", None))
    opts = pair_options(args, devices)
    pacers = pair_pacers(args, opts, roles)  # a bad --pace is refused before looking for straps
    if not opts.headless and not dashboard_available():
        _refuse_no_dashboard()
    lost_after_s = give_up_s()
    if straps is None:
        print(f"Looking for the straps {printable(devices[0])!r} and {printable(devices[1])!r}…",
              file=sys.stderr)
        straps = resolve_pair(devices, timeout_s)
    for who, strap in zip(names, straps, strict=True):
        if strap.profile is not None and strap.profile.sends_rr == "no":
            print(f"Note: {possessive(who)} {strap.profile.name} sends no RR intervals, so HRV is not "
                  "possible for them; heart rate is still shown.", file=sys.stderr)
    print(f"Connecting to {printable(straps[0].label)} for {names[0]}, then {printable(straps[1].label)} for "
          f"{names[1]}…", file=sys.stderr)
    from vagal.clock import MonotonicClock

    clock = MonotonicClock()  # one session time for both straps
    sources = make_sources(straps, clock=clock, connect_timeout_s=timeout_s, give_up_s=lost_after_s)
    recorder = _open_recorder(opts, pacers, names, roles, straps)
    try:
        if not opts.headless:
            return run_dashboard_for_two(
                sources, names=names, roles=roles, pacers=pacers, recorder=recorder, options=opts, clock=clock
            )
        summary = _run_headless(sources, opts, pacers, names, roles, recorder)
    finally:
        if recorder is not None:
            recorder.close()
    if opts.json:
        print(json.dumps(summary, indent=2, allow_nan=False))
    else:
        print(format_live_pair_summary(summary))
    if recorder is not None and recorder.error is not None:
        print(f"vagal: the recording stopped early: {printable(str(recorder.error), max_chars=None)}",
              file=sys.stderr)
        return 2
    return 0


def make_sources(
    straps: tuple[FoundStrap, FoundStrap],
    *,
    clock: Clock,
    connect_timeout_s: float,
    give_up_s: float | None = PAIR_GIVE_UP_S,
    **more: Any,
) -> tuple[BleakSource, BleakSource]:
    """One :class:`BleakSource` per strap, on one clock, each letting go after ``give_up_s``."""
    from vagal.sources.bleak_source import BleakSource

    a, b = (
        BleakSource(s.address, name=s.name, profile=s.profile, clock=clock,
                    connect_timeout_s=connect_timeout_s, give_up_s=give_up_s, **more)
        for s in straps
    )
    return a, b


def _strap_header(strap: FoundStrap) -> dict[str, Any]:
    device: dict[str, Any] = {"kind": "strap", "name": strap.name or strap.address, "address": strap.address}
    if strap.profile is not None:
        device["profile"] = strap.profile.id
    return device


def _open_recorder(
    opts: SessionOptions,
    pacers: tuple[Pacer, Pacer],
    names: tuple[str, str],
    roles: tuple[str | None, str | None],
    straps: tuple[FoundStrap, FoundStrap],
) -> Recorder | None:
    if not opts.recording:
        return None
    from vagal.commands.pair_session import people_header
    from vagal.sessions.writer import open_recorder

    devices = (_strap_header(straps[0]), _strap_header(straps[1]))
    # As vagal demo --pair: the header's guide is the shared one, or A's own (its person says so);
    # each person's own guide is recorded as their PacerChanged when the session starts.
    return open_recorder(opts, source="live", pacer=pacers[0].start_event(),
                         people=people_header(names, roles, devices))


def _run_headless(
    sources: tuple[BleakSource, BleakSource],
    opts: SessionOptions,
    pacers: tuple[Pacer, Pacer],
    names: tuple[str, str],
    roles: tuple[str | None, str | None],
    recorder: Recorder | None,
) -> dict[str, Any]:
    from vagal.commands.pair_session import new_state, pair_summary, run_pair_sources

    state = new_state(pacers)
    watch = PairWatch(names, out=sys.stderr, duration_s=opts.duration_s)
    asyncio.run(
        run_pair_sources(sources, state, recorder=recorder, until_s=opts.duration_s, progress=sys.stderr,
                         progress_every_s=PROGRESS_EVERY_S, names=names, merge=watch.merge)
    )
    summary = pair_summary(
        state, names=names, roles=roles, devices=(sources[0].name, sources[1].name), recorder=recorder,
        extra={"source": "live"},
    )
    for person, source in zip(summary["people"], sources, strict=True):
        person["strap"] = strap_json(source, watch, person["person"])
    return summary


def strap_json(source: BleakSource, watch: PairWatch, person: int) -> dict[str, Any]:
    """One person's strap in the summary: ``address``, ``reconnects``, ``gap_s``, ``gone_at_s``.

    ``gone_at_s`` is session time from the start when the strap was let go (None: it
    stayed, or came back each time).
    """
    gone = watch.gone_at_s[person]
    first = watch.first_t_s or 0.0
    return {
        "address": source.address,
        "reconnects": source.stats.reconnects,
        "gap_s": round(source.stats.gap_s, 2),
        "gone_at_s": None if gone is None else round(gone - first, 1),
    }


def format_live_pair_summary(summary: dict[str, Any]) -> str:
    """The summary for two (:func:`~vagal.commands.pair_session.format_pair_summary`), then
    one calm line per strap that dropped out or was let go."""
    from vagal.clock import clock_text
    from vagal.commands.pair_session import format_pair_summary

    lines = [format_pair_summary(summary)]
    people = summary["people"]
    for p in people:
        strap = p.get("strap") or {}
        other = people[1 - p["person"]]["name"]
        if strap.get("gone_at_s") is not None:
            lines.append(f"{possessive(p['name'])} strap was gone from {clock_text(strap['gone_at_s'])}; "
                         f"{possessive(other)} session went on.")
        elif strap.get("reconnects"):
            n = strap["reconnects"]
            lines.append(f"{possessive(p['name'])} strap dropped out {n} time{'s' if n > 1 else ''} "
                         f"({strap['gap_s']:.0f} s in all, kept as gaps).")
    return "\n".join(lines)


async def _close_all(sources: Sequence[BeatSource]) -> None:
    for s in sources:
        await s.close()


def run_dashboard_for_two(
    sources: tuple[BleakSource, BleakSource],
    *,
    names: tuple[str, str],
    roles: tuple[str | None, str | None],
    pacers: tuple[Pacer, Pacer],
    recorder: Recorder | None,
    options: SessionOptions,
    clock: Clock | None = None,
    run: Callable[[Any], int | None] | None = None,
) -> int:
    """The seam to the two-person dashboard: ``vagal.ui.pair_app.run_pair_dashboard``.

    ``run`` runs the app (default: ``app.run()``); a test passes one that drives it with a
    pilot, on two fake sources and a clock of its own.

    What it hands over (the keywords of pairdash's ``run_pair_dashboard``): ``events``,
    the merged stream of ``(person, event)`` in *arrival* order, events tagged with
    ``person``, which enters the two sources one after the other when iterated and leaves
    them when it ends (watched by :class:`PairWatch` without printing, so a strap let go
    still becomes a ``Note``); ``names``; ``roles``;
    ``pacers`` (A's and B's, :func:`~vagal.commands.pair_session.pair_pacers`: the same
    pacer twice for one shared guide); ``recorder`` (None when not
    recorded); ``options`` (mode "live", ``duration_s``); ``clock`` (the straps' one
    session clock); ``stop`` (closes both sources, so the stream ends); ``title`` "two
    straps"; ``devices`` (the straps' names); ``summarise`` (``pair_summary`` with
    ``source: "live"``, the headless ``--json`` keys). It returns the exit status.

    Raises:
        VagalError: The dashboard for two is not in this build (use ``--headless``).
    """
    import functools

    from vagal.commands.pair_session import pair_summary

    if not dashboard_available():
        _refuse_no_dashboard()
    module = importlib.import_module(DASHBOARD_MODULE)
    devices = (sources[0].name, sources[1].name)
    watch = PairWatch(names, out=None)  # the dashboard keeps to options.duration_s itself
    status: int = module.run_pair_dashboard(
        _watched_entered(watch, sources),
        names=names,
        roles=roles,
        pacers=pacers,
        recorder=recorder,
        options=options,
        clock=clock,
        stop=lambda: _close_all(sources),
        title="two straps",
        devices=devices,
        summarise=functools.partial(
            pair_summary, names=names, roles=roles, devices=devices, recorder=recorder,
            extra={"source": "live"},
        ),
        run=run,
    )
    return status


async def _watched_entered(
    watch: PairWatch, sources: Sequence[BeatSource]
) -> AsyncIterator[tuple[int, Event]]:
    """The watched arrival-order merge, entering the sources one after the other first."""
    async with contextlib.AsyncExitStack() as stack:
        for s in sources:
            await stack.enter_async_context(s)
        async for item in watch.merge(sources):
            yield item
