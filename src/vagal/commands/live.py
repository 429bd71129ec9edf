"""``vagal live``: find the strap, connect through bleak, hand over to the session runner.

This module owns the source side: resolving ``--device`` (or the only strap in range)
and building the :class:`~vagal.sources.bleak_source.BleakSource`. What happens to the
events (headless summary or dashboard, recording) is the shared runner's business:
``vagal.commands.session_runner.run_session(source, options) -> int``.

``--device`` given twice is a session for two (:mod:`vagal.commands.live_pair`). With no
``--device`` and several straps in range, a person at a terminal is offered a numbered
pick (one strap, or two for two people); anything else gets one line saying how to
choose, and exit status 2.
"""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Final, TextIO

if TYPE_CHECKING:
    from vagal.sources.bleak_source import FoundStrap

from vagal.errors import VagalError
from vagal.options import SessionOptions

RESOLVE_GRACE_S: Final = 2.0
"""After the first strap shows up, listen this much longer for others before choosing.

Straps advertise several times a second, so two seconds are enough to see the others
and far shorter than scanning for the whole ``--timeout``."""


def options(args: argparse.Namespace) -> SessionOptions:
    """The live command line as :class:`~vagal.options.SessionOptions`.

    Raises:
        VagalError: ``--json`` without ``--headless``.
    """
    from vagal.commands.session_runner import recording_options, session_options

    return session_options(
        args,
        "live",
        devices=tuple(args.device or ()),
        duration_s=args.duration,
        checkin=not getattr(args, "no_checkin", False),
        **recording_options(args),
    )


def run(args: argparse.Namespace) -> int:
    """Resolve the strap, then run the session on it.

    Raises:
        VagalError: Bad ``--timeout``, no strap / several straps / Bluetooth unavailable.
    """
    import asyncio

    from vagal.commands.live_pair import check_devices, run_live_pair
    from vagal.commands.session_runner import check_duration, run_session
    from vagal.sources.bleak_source import BleakSource, choose_strap, discover_straps

    devices = check_devices(args)
    if len(devices) == 2:
        return run_live_pair(args, devices)
    timeout_s: float = args.timeout
    if not (math.isfinite(timeout_s) and timeout_s > 0):
        raise VagalError(f"--timeout must be more than 0 seconds, got {timeout_s:g}.")
    check_duration(args)  # before looking for the strap
    opts = options(args)
    wanted: str | None = opts.devices[0] if opts.devices else None
    what = f"the strap {wanted!r}" if wanted else "a heart-rate strap"
    print(f"Looking for {what}…", file=sys.stderr)
    straps = asyncio.run(discover_straps(timeout_s, wanted=wanted, grace_s=RESOLVE_GRACE_S))
    if wanted is None and len(straps) > 1 and interactive():
        picked = pick_straps(straps)
        if len(picked) == 2:
            return run_live_pair(args, (), straps=(picked[0], picked[1]))
        straps = picked
    elif getattr(args, "names", None) is not None or getattr(args, "roles", None) is not None:
        raise VagalError("--names and --roles are for a session for two.",
                         hint="Give --device twice, one strap each.")
    strap = choose_strap(straps, wanted)
    if strap.profile is not None and strap.profile.sends_rr == "no":
        print(
            f"Note: {strap.profile.name} sends no RR intervals, so HRV is not possible; heart rate is still "
            "shown.",
            file=sys.stderr,
        )
    from vagal.text import printable

    print(f"Connecting to {printable(strap.label)}…", file=sys.stderr)  # the name is the strap's to choose
    source = BleakSource(strap.address, name=strap.name, profile=strap.profile, connect_timeout_s=timeout_s)
    return run_session(source, opts)


def interactive() -> bool:
    """Whether a person is at the terminal (stdin and stderr both a terminal) to pick a strap."""
    return sys.stdin.isatty() and sys.stderr.isatty()


PICK_TRIES: Final = 3
"""Answers the pick takes before it stops with one line (nothing is guessed)."""


def pick_straps(
    straps: Sequence[FoundStrap],
    *,
    ask: Callable[[str], str] | None = None,
    out: TextIO | None = None,
) -> list[FoundStrap]:
    """A numbered pick of the straps in range: one for one person, two for two people.

    Args:
        straps: The straps in range (strongest first, as the scan lists them).
        ask: Reads one answer after showing a prompt (default: the prompt on stderr, the
            answer from stdin; stdout stays clean for ``--json``).
        out: Where the list goes (default: stderr).

    Returns:
        The strap chosen, or the two (person A's first).

    Raises:
        VagalError: Nothing chosen (an empty answer or end of input), or no valid answer
            in :data:`PICK_TRIES` tries.
    """
    from vagal.text import printable

    out = out if out is not None else sys.stderr
    read = ask if ask is not None else _ask_on_terminal
    print("Several heart-rate straps are in range:", file=out)
    for i, s in enumerate(straps, 1):
        signal = f"{s.rssi_dbm} dBm" if s.rssi_dbm is not None else "signal unknown"
        print(f"  {i}. {printable(s.label)}  ({signal})", file=out)
    prompt = f"Which strap? A number, or two numbers for two people (e.g. 1,2) [1-{len(straps)}]: "
    for _ in range(PICK_TRIES):
        try:
            answer = read(prompt).strip()
        except EOFError:
            answer = ""
        if not answer:
            raise VagalError("no strap was chosen.", hint="Choose with --device NAME_OR_ADDRESS.")
        parts = [p for p in answer.replace(" ", ",").split(",") if p]
        try:
            numbers = [int(p) for p in parts]
        except ValueError:
            numbers = []
        if (
            1 <= len(numbers) <= 2
            and all(1 <= n <= len(straps) for n in numbers)
            and len(set(numbers)) == len(numbers)
        ):
            return [straps[n - 1] for n in numbers]
        print(f"  Please give one number, or two different numbers, from 1 to {len(straps)}.", file=out)
    raise VagalError("no strap was chosen.", hint="Choose with --device NAME_OR_ADDRESS.")


def _ask_on_terminal(prompt: str) -> str:
    """The prompt on stderr (``input`` would write it to stdout), one line from stdin.

    Raises:
        EOFError: stdin ended.
    """
    print(prompt, end="", file=sys.stderr, flush=True)
    line = sys.stdin.readline()
    if not line:
        raise EOFError
    return line
