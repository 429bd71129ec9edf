"""Check-ins for two: the one-person question asked of each person on the dashboard for two,
before the session (a dialog over it) and after (above the summary), both names shown, one key
to skip each; each answer recorded as a ``CheckIn`` with the person's index, and shown in the
summary and the report for two where the one-person ones are.

The app is the one ``vagal demo --pair`` and ``vagal live --device A --device B`` build
(``make_pair_app``, ``checkin=True``), fed a seeded simulated pair on a virtual clock.
"""

from __future__ import annotations

import asyncio
import functools
from pathlib import Path
from typing import Any

from textual.pilot import Pilot

from vagal.commands.pair_session import pair_summary
from vagal.events import CheckIn
from vagal.sessions.reader import read_events
from vagal.sessions.writer import Recorder, make_header
from vagal.ui.pair_app import PairApp, make_pair_app
from vagal.ui.screens_checkin import CheckInPanel
from vagal.ui.screens_pair import PairCheckInScreen, PairSummaryScreen, summary_text

from .test_pair_app import HOLD_AT_S, NAMES, Held, _events, _pacers


def checkin_app(recorder: Recorder | None, *, checkin: bool = True) -> tuple[PairApp, Held]:
    held = Held(_events(3, 0.8, False, HOLD_AT_S))
    app = make_pair_app(
        held, names=NAMES, roles=("parent", "child"), pacers=_pacers(False), recorder=recorder,
        time_source=lambda: HOLD_AT_S, stop=held.stop, title="simulated pair", fps=1.0, checkin=checkin,
        summarise=functools.partial(pair_summary, names=NAMES, roles=("parent", "child"), devices=("", ""),
                                    recorder=recorder),
    )  # fmt: skip
    return app, held


def _recorder(tmp_path: Path) -> Recorder:
    path = tmp_path / "two.vagal.jsonl"
    return Recorder(path, make_header(source="demo", people=[{"name": "Sam"}, {"name": "Alex"}]))


async def _summary(pilot: Pilot[Any]) -> PairSummaryScreen:
    screen = pilot.app.screen
    assert isinstance(screen, PairSummaryScreen)
    for _ in range(600):
        if screen.summary is not None:
            return screen
        await asyncio.sleep(0.05)
    raise AssertionError("no summary")


async def test_each_person_is_asked_before_by_name_and_skipping_is_one_key(tmp_path: Path) -> None:
    rec = _recorder(tmp_path)
    app, held = checkin_app(rec)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, PairCheckInScreen)
        a, b = screen.query(CheckInPanel)
        assert "Sam" in str(a.query_one("#checkin-question").render())
        assert "Alex" in str(b.query_one("#checkin-question").render())
        assert a.has_focus_within or a.has_focus
        await pilot.press("3", "enter")  # Sam: 3, no words
        await pilot.pause()
        assert app.screen is screen and (b.has_focus or b.has_focus_within)  # now Alex
        await pilot.press("s")  # Alex skips: one key
        await pilot.pause()
        assert not isinstance(app.screen, PairCheckInScreen)
        await asyncio.wait_for(held.done.wait(), 120)
        kept = [[e for e in app.state.kept[p] if isinstance(e, CheckIn)] for p in (0, 1)]
        assert [(c.when, c.settled, c.words, c.person) for c in kept[0]] == [("before", 3, "", 0)]
        assert kept[1] == []
        await pilot.press("q")
        await _summary(pilot)
        await pilot.press("s", "s")  # both skip the one after
        await pilot.pause()
        await pilot.press("q")
    assert app.return_code == 0
    _, events, damage, _ = read_events(rec.path)
    got = [(c.when, c.settled, c.person, c.t_s) for c in events if isinstance(c, CheckIn)]
    assert damage == [] and got == [("before", 3, 0, 0.0)]  # dated at 0:00, as for one person


async def test_after_the_session_each_answers_above_the_summary_and_it_is_recorded_as_theirs(
    tmp_path: Path,
) -> None:
    rec = _recorder(tmp_path)
    app, held = checkin_app(rec)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("s")  # Sam skips before
        await pilot.press("2", *"tired", "enter")  # Alex: 2, "tired"
        await pilot.pause()
        await asyncio.wait_for(held.done.wait(), 120)
        await pilot.press("q")
        screen = await _summary(pilot)
        panels = list(screen.query(CheckInPanel))
        assert len(panels) == 2 and "Sam" in str(panels[0].query_one("#checkin-question").render())
        await pilot.press("4", "enter")  # Sam: 4
        await pilot.press("5", "enter")  # Alex: 5
        await pilot.pause()
        text = str(screen.query_one("#pair-summary-text").render())
        assert "Sam leaves at 4 (" in text
        assert 'Alex came in at 2 (a little settled, "tired") and left at 5 (' in text
        assert rec.closed  # both answered: the recording is finished
        await pilot.press("q")
    assert app.return_code == 0
    _, events, damage, _ = read_events(rec.path)
    got = [(c.when, c.settled, c.words, c.person) for c in events if isinstance(c, CheckIn)]
    assert damage == [] and got == [("before", 2, "tired", 1), ("after", 4, "", 0), ("after", 5, "", 1)]
    # The report for two shows them where the one-person report does: each person's own.
    from vagal.report.pair import build_pair_report_data

    data = build_pair_report_data(rec.path)
    sam, alex = (p.data.person for p in data.people)
    assert sam is not None and alex is not None
    assert sam.before is None and sam.after is not None and sam.after.settled == 4
    assert alex.before is not None and (alex.before.settled, alex.before.words) == (2, "tired")
    assert alex.after is not None and alex.after.settled == 5


async def test_no_checkin_asks_nothing() -> None:
    app, held = checkin_app(None, checkin=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert not isinstance(app.screen, PairCheckInScreen)
        await asyncio.wait_for(held.done.wait(), 120)
        await pilot.press("q")
        screen = await _summary(pilot)
        assert not list(screen.query(CheckInPanel))


def test_the_summary_text_says_each_persons_check_ins() -> None:
    people = [
        {"name": "Sam", "role": None, "mean_hr_bpm": 60.0, "rmssd_ms": 40.0,
         "check_ins": [{"when": "before", "settled": 1, "words": "[bold]x"}]},
        {"name": "Alex", "role": None, "mean_hr_bpm": 60.0, "rmssd_ms": 40.0, "check_ins": []},
    ]  # fmt: skip
    s = {"duration_s": 300.0, "people": people, "together": {"above_chance": None}, "shared_guide": True}
    text = summary_text(s).plain
    assert 'Sam came in at 1 (not settled, "[bold]x").' in text and "Alex came in" not in text


def test_snapshot_checkin_before_for_two(snap_compare: Any) -> None:
    app, _ = checkin_app(None)

    async def run_before(pilot: Pilot[Any]) -> None:
        await pilot.pause()
        await pilot.press("3")
        await pilot.pause()

    assert snap_compare(app, terminal_size=(100, 30), run_before=run_before)
