"""``vagal replay PAIRFILE``: a two-person session (format 2) again, headless or on the
dashboard for two.

Design decision: a replay for two is the live session for two fed from the file. Every
event is read (:func:`vagal.sessions.reader.read_events`: up to the damage, which is
reported), each is given to its person, and the same :class:`PairState` folds them, so the
people, the together view (live every 5 s, then over the whole session and per part between
markers) and the summary's keys are those of ``vagal demo --pair``. The guides are rebuilt
from the recorded ``PacerChanged`` events: one shared guide, or each person's own
(:func:`vagal.pacer.pacers_from_events`).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vagal.errors import VagalError

if TYPE_CHECKING:
    from vagal.clock import Clock
    from vagal.events import Event
    from vagal.pacer import Pacer
    from vagal.sessions.recording import Damage


def is_pair_file(path: Path) -> bool:
    """True when ``path`` is a vagal session of two people (its header lists two people).

    Reads the first line only, and only of a regular file (a named pipe would wait for ever);
    an unreadable file is not one (its reader says why).
    """
    try:
        if not path.is_file():
            return False
        with open(path, "rb") as f:
            first = f.readline(256 * 1024)
        header = json.loads(first.decode("utf-8"))
    except (OSError, UnicodeDecodeError, ValueError, RecursionError):
        return False
    people = header.get("people") if isinstance(header, dict) else None
    return isinstance(people, list) and len(people) == 2


@dataclass(frozen=True)
class PairFile:
    """A two-person session as read: who, their guides, and every event with its person."""

    path: Path
    names: tuple[str, str]
    roles: tuple[str | None, str | None]
    devices: tuple[str, str]
    items: tuple[tuple[int, Event], ...]
    """``(person, event)`` in file order (the session's own events as person 0)."""
    pacers: tuple[Pacer | None, Pacer | None]
    damage: tuple[Damage, ...]
    header: dict[str, Any]


def _person(event: Event) -> int:
    person = getattr(event, "person", None)
    return person if isinstance(person, int) and person in (0, 1) else 0


def load_pair_file(
    path: Path, read: tuple[dict[str, Any], list[Event], list[Damage], int] | None = None
) -> PairFile:
    """Read a two-person session (``read``: what :func:`vagal.sessions.reader.read_events`
    returned for it, when the caller has read it already).

    Raises:
        SessionFileError: The header is missing or unreadable.
        VagalError: The file holds no beats of either person.
    """
    from vagal.commands.pair_session import DEFAULT_NAMES, ROLES
    from vagal.events import Beat, PacerChanged
    from vagal.pacer import pacers_from_events
    from vagal.sessions.reader import read_events
    from vagal.text import printable

    header, events, damage, _ = read_events(path) if read is None else read
    listed = header.get("people")
    people: list[Any] = listed if isinstance(listed, list) else []
    names: list[str] = []
    roles: list[str | None] = []
    devices: list[str] = []
    for i in range(2):
        p = people[i] if i < len(people) and isinstance(people[i], dict) else {}
        name = p.get("name")
        named = isinstance(name, str) and name.strip()
        names.append(printable(name, max_chars=40) if named else DEFAULT_NAMES[i])
        role = p.get("role")
        roles.append(role if isinstance(role, str) and role in ROLES else None)
        dev = p.get("device") if isinstance(p.get("device"), dict) else {}
        dname = dev.get("name") if isinstance(dev, dict) else None
        devices.append(printable(dname, max_chars=60) if isinstance(dname, str) else "")
    if not any(isinstance(e, Beat) for e in events):
        raise VagalError(f"{printable(str(path), max_chars=None)}: holds no beats to replay.")
    pacers = pacers_from_events([e for e in events if isinstance(e, PacerChanged)])
    return PairFile(
        path,
        (names[0], names[1]),
        (roles[0], roles[1]),
        (devices[0], devices[1]),
        tuple((_person(e), e) for e in events),
        pacers,
        tuple(damage),
        header,
    )


async def replay_events(
    items: Sequence[tuple[int, Event]], clock: Clock
) -> AsyncIterator[tuple[int, Event]]:
    """The file's events, each when ``clock`` reaches its time (a virtual clock: at once)."""
    for person, event in items:
        await clock.sleep_until(event.t_s)
        yield person, event


def fold(pair: PairFile, *, live: bool = True) -> dict[str, Any]:
    """The whole file through the pair state to the summary for two (``--speed max``)."""
    from vagal.commands.pair_session import new_state, pair_summary

    state = new_state(pair.pacers, live=live)
    for person, event in pair.items:
        state.push(person, event)
    return pair_summary(
        state,
        names=pair.names,
        roles=pair.roles,
        devices=pair.devices,
        recorder=None,
        extra={"source": "replay", "file": str(pair.path)},
    )


def run_replay_pair(args: argparse.Namespace, path: Path, shown: str) -> int:
    """``vagal replay PAIRFILE [--headless [--json]] [--speed X]``; returns the exit status.

    Raises:
        VagalError: The file cannot be read or holds no beats; ``--json`` without ``--headless``.
    """
    import asyncio

    from vagal.commands.pair_session import format_pair_summary
    from vagal.commands.replay import options
    from vagal.text import printable

    opts = options(args)
    pair = load_pair_file(path)
    for dmg in pair.damage[:1]:
        note = printable(f"{shown}: {dmg}", max_chars=None)  # the damage quotes the file
        print(f"vagal: note: {note}; replaying what was readable.", file=sys.stderr)
    if opts.headless:
        if math.isinf(args.speed):
            summary = fold(pair)
        else:
            from vagal.clock import MonotonicClock
            from vagal.commands.pair_session import new_state, pair_summary

            state = new_state(pair.pacers)
            clock = MonotonicClock(args.speed, start_s=pair.items[0][1].t_s if pair.items else 0.0)

            async def go() -> None:
                async for person, event in replay_events(pair.items, clock):
                    state.push(person, event)

            asyncio.run(go())
            summary = pair_summary(
                state, names=pair.names, roles=pair.roles, devices=pair.devices, recorder=None,
                extra={"source": "replay", "file": str(path)},
            )
        if opts.json:
            print(json.dumps(summary, indent=2, allow_nan=False))
        else:
            print(format_pair_summary(summary))
        return 0
    import functools

    from vagal.clock import MonotonicClock
    from vagal.commands.pair_session import pair_summary
    from vagal.sources.replay_pair import PairReplay
    from vagal.ui.pair_app import run_pair_dashboard

    speed = 64.0 if math.isinf(args.speed) else float(args.speed)
    # The transport of the one-person replay: space, ←/→, [ and ]; it waits at the end.
    replay = PairReplay(pair.items, speed=speed, clock=MonotonicClock(speed), hold_at_end=True)
    return run_pair_dashboard(
        replay,
        names=pair.names,
        roles=pair.roles,
        pacers=pair.pacers,
        recorder=None,
        options=opts,
        stop=replay.close,
        replay=replay,
        title=printable(path.name, max_chars=40),
        fold_pacer_start=False,
        devices=pair.devices,
        summarise=functools.partial(
            pair_summary,
            names=pair.names,
            roles=pair.roles,
            devices=pair.devices,
            recorder=None,
            extra={"source": "replay", "file": str(path)},
        ),
    )
