"""`vagal live` with two straps, without Bluetooth: the arrival-order merge, the calm
lines about each strap, the interactive pick, and bad input (one line, exit 2).

The Bluetooth path itself (two fake straps through real bleak) is in tests/ble/test_pair_straps.py.
"""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator
from typing import Any

import pytest

from vagal import cli
from vagal.commands import live_pair
from vagal.commands.live import pick_straps
from vagal.commands.live_pair import PairWatch, arrival_merged, give_up_s
from vagal.commands.pair_session import merged
from vagal.errors import VagalError
from vagal.events import Beat, Event, Gap, Note, SourceState
from vagal.sources.base import ClosesOnExit, SourceStats
from vagal.sources.bleak_source import FoundStrap


class Scripted(ClosesOnExit):
    """A source that yields its events with real waits between them; ``hang`` then waits
    until closed (a strap that is reconnecting and has nothing to say)."""

    def __init__(self, script: list[tuple[float, Event]], *, hang: bool = False) -> None:
        self.script = script
        self.hang = hang
        self.stats = SourceStats()
        self.closed = asyncio.Event()

    async def close(self) -> None:
        self.closed.set()

    def __aiter__(self) -> AsyncIterator[Event]:
        return self._events()

    async def _events(self) -> AsyncIterator[Event]:
        for wait_s, event in self.script:
            await asyncio.sleep(wait_s)
            yield event
        if self.hang:
            await self.closed.wait()
        yield SourceState(99.0, "ended")


def beats(person_t: list[float]) -> list[tuple[float, Event]]:
    return [(0.01, Beat(t, 1000.0)) for t in person_t]


async def _take(merge: AsyncIterator[tuple[int, Event]], n: int, timeout_s: float) -> list[tuple[int, Event]]:
    out = []
    async with asyncio.timeout(timeout_s):
        async for item in merge:
            out.append(item)
            if len(out) == n:
                break
    return out


async def test_arrival_order_passes_one_strap_while_the_other_is_silent() -> None:
    """A strap reconnecting (silent) must not hold up the other: the time-order merge
    (demo --pair) waits for it, the arrival-order merge does not."""
    a = Scripted([(0.0, SourceState(0.0, "reconnecting", "lost the link"))], hang=True)
    b = Scripted(beats([1.0, 2.0, 3.0]))
    got = await _take(arrival_merged([a, b]), 4, timeout_s=2.0)
    assert [(p, e.t_s) for p, e in got] == [(0, 0.0), (1, 1.0), (1, 2.0), (1, 3.0)]
    assert all(getattr(e, "person", 0) == p for p, e in got)  # tagged with whose they are
    a2 = Scripted([(0.0, SourceState(0.0, "reconnecting", "lost the link"))], hang=True)
    b2 = Scripted(beats([1.0, 2.0, 3.0]))
    with pytest.raises(TimeoutError):  # the time-order merge is stuck behind the silent strap
        await _take(merged([a2, b2]), 4, timeout_s=0.5)
    await a.close()
    await a2.close()


async def test_arrival_order_ends_when_both_sources_end_and_keeps_each_persons_order() -> None:
    a = Scripted(beats([1.0, 2.0, 3.0]))
    b = Scripted([(0.015, Beat(0.5, 800.0)), (0.02, Beat(1.3, 800.0))])
    got = [x async for x in arrival_merged([a, b])]
    for person in (0, 1):
        times = [e.t_s for p, e in got if p == person and isinstance(e, Beat)]
        assert times == sorted(times)
    assert [e.state for _, e in got if isinstance(e, SourceState)] == ["ended", "ended"]


async def test_the_watch_says_calmly_what_each_strap_does_and_notes_a_strap_let_go() -> None:
    a = Scripted(beats([1.0, 2.0]) + [(0.05, Beat(9.0, 1000.0))])
    b = Scripted([
        (0.0, Beat(1.2, 750.0)),
        (0.0, SourceState(2.0, "reconnecting", "lost the link to B; reconnecting")),
        (0.0, SourceState(2.5, "reconnecting", "still looking for B (attempt 1)")),
        (0.0, Gap(2.0, 4.0, "disconnected")),
        (0.0, SourceState(5.0, "reconnecting", "lost the link to B; reconnecting")),
        (0.0, Gap(5.0, 8.0, "disconnected")),
        (0.0, SourceState(8.0, "disconnected", "B has been gone for 3 s; stopped looking for it")),
    ])  # fmt: skip
    out = io.StringIO()
    watch = PairWatch(("Sam", "Alex"), out=out)
    got = [x async for x in watch.merge([a, b])]
    assert watch.lines == [
        "Alex's strap dropped out; reconnecting; Sam's session goes on",
        "Alex's strap is back after 2.0 s (kept as a gap in their recording)",
        "Alex's strap dropped out; reconnecting; Sam's session goes on",
        "Alex's strap is gone; Sam's session goes on",
    ]
    notes = [(p, e) for p, e in got if isinstance(e, Note)]
    assert notes == [(0, Note(8.0, "Alex's strap is gone; Sam's session goes on"))]
    assert watch.gone_at_s == [None, 8.0]
    assert "Alex's strap is gone" in out.getvalue()
    # The gap lines are never beats: the watch only passes events through.
    assert sum(isinstance(e, Beat) for _, e in got) == 4


async def test_with_a_duration_two_silent_straps_still_end() -> None:
    a = Scripted([], hang=True)
    b = Scripted([], hang=True)
    watch = PairWatch(("A", "B"), out=None, duration_s=0.1)
    monkey = live_pair.DEADLINE_SLACK_S
    try:
        live_pair.DEADLINE_SLACK_S = 0.0  # type: ignore[misc]
        async with asyncio.timeout(3.0):
            got = [x async for x in watch.merge([a, b])]
    finally:
        live_pair.DEADLINE_SLACK_S = monkey  # type: ignore[misc]
    assert [e.state for _, e in got if isinstance(e, SourceState)] == ["ended", "ended"]


# --- the pick -------------------------------------------------------------------------------------

STRAPS = [
    FoundStrap("Polar H10 0A1B2C3D", "C0:FF:EE:00:00:01", -58, None),
    FoundStrap("TICKR X 1A2B", "C0:FF:EE:00:00:02", -64, None),
    FoundStrap("HRM-Pro \x1b[2J", "C0:FF:EE:00:00:03", None, None),
]


def answers(*texts: str) -> Any:
    it = iter(texts)

    def ask(prompt: str) -> str:
        try:
            return next(it)
        except StopIteration:
            raise EOFError from None

    return ask


@pytest.mark.parametrize(
    ("said", "picked"),
    [(("2",), [1]), (("1,2",), [0, 1]), (("3 1",), [2, 0]), (("x", "1,1", "2,3"), [1, 2]), (("4", "2"), [1])],
)
def test_the_pick_takes_one_or_two_numbers(said: tuple[str, ...], picked: list[int]) -> None:
    out = io.StringIO()
    assert pick_straps(STRAPS, ask=answers(*said), out=out) == [STRAPS[i] for i in picked]
    shown = out.getvalue()
    assert "  1. Polar H10 0A1B2C3D (C0:FF:EE:00:00:01)  (-58 dBm)" in shown
    assert "\x1b" not in shown and r"\x1b[2J" in shown  # an advertised name is shown literally


@pytest.mark.parametrize("said", [("",), (), ("0", "9", "1,2,3")])
def test_the_pick_without_a_choice_is_one_line(said: tuple[str, ...]) -> None:
    with pytest.raises(VagalError, match="no strap was chosen"):
        pick_straps(STRAPS, ask=answers(*said), out=io.StringIO())


# --- bad input: one line, exit 2, before anything is scanned -------------------------------------


def _main(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    status = cli.main(["live", *args])
    out, err = capsys.readouterr()
    return status, out, err


@pytest.fixture
def no_scan(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any scan fails the test: bad input must be refused before Bluetooth is touched."""

    async def scan(*_a: Any, **_k: Any) -> list[FoundStrap]:
        raise AssertionError("scanned")

    monkeypatch.setattr("vagal.sources.bleak_source.discover_straps", scan)


@pytest.mark.parametrize(
    ("args", "starts"),
    [
        (("--device", "a", "--device", "b", "--device", "c"), "--device can be given once"),
        (("--device", "C0:FF:EE:00:00:01", "--device", "c0-ff-ee-00-00-01"), "--device 'C0:FF:EE:00:00:01' was given twice"),
        (("--device", "a", "--names", "Sam,Alex"), "--names is for a session for two."),
        (("--device", "a", "--roles", "parent,child"), "--roles is for a session for two."),
        (("--device", "a", "--device", "b", "--names", "Sam"), "--names takes two names"),
        (("--device", "a", "--device", "b", "--names", "Sam,Alex,Kim"), "--names takes two names"),
        (("--device", "a", "--device", "b", "--roles", "parent,dog"), "--roles takes two of"),
        (("--device", "a", "--device", "b", "--timeout", "0"), "--timeout must be more than 0 seconds"),
        (("--device", "a", "--device", "b", "--duration", "-1"), "--duration must be a positive number"),
        (("--device", "a", "--device", "b", "--json"), "--json prints the summary"),
        (("--device", "a", "--device", "b", "--pace", "nonsense"), ""),
        (("--pair",), "--pair is for the simulated pair (vagal demo --pair)"),
        (("--device", "a", "--device", "b", "--coupling", "0.5"), "--coupling is for the simulated pair"),
    ],
)
def test_bad_two_strap_input_is_one_line_and_exit_2(
    capsys: pytest.CaptureFixture[str], no_scan: None, args: tuple[str, ...], starts: str
) -> None:
    status, out, err = _main(capsys, *args, *(() if "--json" in args else ("--headless",)))
    assert status == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith("vagal: " + starts), err


def test_without_headless_and_no_dashboard_for_two_says_so_before_scanning(
    capsys: pytest.CaptureFixture[str], no_scan: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(live_pair, "DASHBOARD_MODULE", "vagal.ui.no_such_dashboard")
    status, out, err = _main(capsys, "--device", "a", "--device", "b")
    assert status == 2 and out == ""
    assert err == (
        "vagal: the two-person dashboard is not available yet; use --headless. Add --headless.\n"
    ) or err.startswith("vagal: the two-person dashboard is not available yet; use --headless")
    assert err.count("\n") == 1


def test_the_dashboard_seam_hands_over_the_arrival_stream_names_pacers_recorder_and_stop(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import sys
    import types

    got: dict[str, Any] = {}

    def run_pair_dashboard(events: Any, **kw: Any) -> int:
        async def drain() -> list[tuple[int, Event]]:
            return [x async for x in events]

        got["events"] = asyncio.run(drain())
        got.update(kw)
        return 0

    fake = types.ModuleType("vagal_test_pair_app")
    fake.run_pair_dashboard = run_pair_dashboard  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "vagal_test_pair_app", fake)
    monkeypatch.setattr(live_pair, "DASHBOARD_MODULE", "vagal_test_pair_app")
    monkeypatch.setattr(live_pair, "dashboard_available", lambda: True)
    a, b = Scripted(beats([1.0])), Scripted(beats([1.5]))
    a.name, b.name = "Polar H10 A", "TICKR B"  # type: ignore[attr-defined]
    status = live_pair.run_dashboard_for_two(
        (a, b), names=("Sam", "Alex"), roles=("parent", "child"), pacers=("P", "Q"),  # type: ignore[arg-type]
        recorder=None, options="O", clock="C",  # type: ignore[arg-type]
    )  # fmt: skip
    assert status == 0
    # Iterating the stream entered the sources and merged them, each event tagged.
    assert sorted((p, e.t_s) for p, e in got["events"] if isinstance(e, Beat)) == [(0, 1.0), (1, 1.5)]
    assert all(getattr(e, "person", 0) == p for p, e in got["events"])
    assert (got["names"], got["roles"], got["pacers"]) == (("Sam", "Alex"), ("parent", "child"), ("P", "Q"))
    assert (got["recorder"], got["options"], got["clock"], got["title"]) == (None, "O", "C", "two straps")
    assert got["devices"] == ("Polar H10 A", "TICKR B")
    asyncio.run(got["stop"]())
    assert a.closed.is_set() and b.closed.is_set()
    assert got["summarise"].keywords["extra"] == {"source": "live"}


@pytest.mark.parametrize("text", ["0", "-3", "nan", "soon"])
def test_a_bad_give_up_time_is_one_line(monkeypatch: pytest.MonkeyPatch, text: str) -> None:
    monkeypatch.setenv(live_pair.GIVE_UP_ENV, text)
    with pytest.raises(VagalError, match="VAGAL_PAIR_GIVE_UP_S must be a positive number of seconds"):
        give_up_s()


def test_the_give_up_time_is_five_minutes_unless_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(live_pair.GIVE_UP_ENV, raising=False)
    assert give_up_s() == live_pair.PAIR_GIVE_UP_S == 300.0
    monkeypatch.setenv(live_pair.GIVE_UP_ENV, "2.5")
    assert give_up_s() == 2.5
