"""``vagal demo``: the whole app on the built-in simulated strap, no hardware needed.

The simulated person breathes with the same pacer the dashboard shows (so resonance
breathing raises coherence, as it would for a person), the strap sends real payload
bytes, and the session is recorded like a live one (opt out with ``--no-record``).
``--headless`` runs without the dashboard; ``--speed max`` runs on a virtual clock as
fast as the machine can. Without ``--seed`` a seed is drawn and stored in the recording,
so every demo session can be reproduced.
"""

from __future__ import annotations

import argparse
import math
import random

from vagal.errors import VagalError
from vagal.options import SessionOptions


def options(args: argparse.Namespace, *, seed: int | None = None) -> SessionOptions:
    """The demo's command line as :class:`~vagal.options.SessionOptions` (``seed`` overrides ``--seed``).

    Raises:
        VagalError: ``--json`` without ``--headless``.
    """
    from vagal.commands.session_runner import recording_options, session_options

    return session_options(
        args,
        "demo",
        speed=args.speed,
        duration_s=args.duration,
        seed=seed if seed is not None else args.seed,
        checkin=not getattr(args, "no_checkin", False),
        **recording_options(args),
    )


def run(args: argparse.Namespace) -> int:
    """Run the demo; returns the exit status.

    Raises:
        VagalError: A bad option (``--duration``, ``--speed max`` without ``--headless``
            or without ``--duration``, ``--pace``), or the recording cannot be created.
    """
    if getattr(args, "pair", False):
        from vagal.commands.pair_session import run_demo_pair

        return run_demo_pair(args)
    from vagal.commands.session_runner import check_duration, make_pacer, run_session

    check_duration(args)
    duration = args.duration
    if math.isinf(args.speed):
        if not args.headless:
            raise VagalError("--speed max runs without the dashboard.", hint="Add --headless.")
        if duration is None:
            raise VagalError("--speed max needs an end.", hint="Add --duration SECONDS.")

    from vagal.clock import MonotonicClock, VirtualClock
    from vagal.sources.simulated import SimArtifacts, SimulatedSource

    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(2**31)
    opts = options(args, seed=seed)
    pacer = make_pacer(opts)
    clock = VirtualClock() if math.isinf(args.speed) else MonotonicClock(args.speed)
    source = SimulatedSource(
        seed=seed,
        clock=clock,
        duration_s=duration,
        breathing=pacer.volume_at,
        artifacts=SimArtifacts.typical() if args.artifacts else None,
    )
    return run_session(source, opts, pacer=pacer, header={"seed": seed})
