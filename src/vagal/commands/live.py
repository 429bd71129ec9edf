"""``vagal live``: find the strap, connect through bleak, hand over to the session runner.

This module owns the source side: resolving ``--device`` (or the only strap in range)
and building the :class:`~vagal.sources.bleak_source.BleakSource`. What happens to the
events (headless summary or dashboard, recording) is the shared runner's business:
``vagal.commands.session_runner.run_session(source, options) -> int``.
"""

from __future__ import annotations

import argparse
import math
import sys
from typing import Final

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
        devices=(args.device,) if args.device else (),
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

    from vagal.commands.session_runner import check_duration, run_session
    from vagal.sources.bleak_source import BleakSource, choose_strap, discover_straps

    timeout_s: float = args.timeout
    if not (math.isfinite(timeout_s) and timeout_s > 0):
        raise VagalError(f"--timeout must be more than 0 seconds, got {timeout_s:g}.")
    check_duration(args)  # before looking for the strap
    opts = options(args)
    wanted: str | None = opts.devices[0] if opts.devices else None
    what = f"the strap {wanted!r}" if wanted else "a heart-rate strap"
    print(f"Looking for {what}…", file=sys.stderr)
    straps = asyncio.run(discover_straps(timeout_s, wanted=wanted, grace_s=RESOLVE_GRACE_S))
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
