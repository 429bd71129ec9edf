"""The two-person live together view made when read equals the one made every 5 s on time.

``PairState`` keeps only when its live view fell due (and how many beats each person had);
``live_result`` makes it when read. Here the straightforward way (``synchrony_live`` on the
beats so far at each due time, as the state did before) runs beside it on a simulated pair
with the guide, and the two are compared at many cut points.
"""

from __future__ import annotations

import asyncio
import math
from typing import Any

from vagal.commands.pair_session import PairState, new_state, run_pair_sources
from vagal.commands.session_runner import make_pacer
from vagal.options import SessionOptions


def _events(seed: int, duration_s: float) -> tuple[list[tuple[int, Any]], Any]:
    from vagal.clock import VirtualClock
    from vagal.sources.simulated import SimulatedPair

    pacer = make_pacer(SessionOptions(mode="demo"))
    pair = SimulatedPair(seed=seed, breathing=pacer.volume_at, coupling=0.6)
    got: list[tuple[int, Any]] = []

    class Tap(PairState):
        def push(self, person: int, event: Any) -> None:
            got.append((person, event))
            super().push(person, event)

    state = Tap(new_state(pacer, live=False).engines, (pacer, pacer), live=False)
    asyncio.run(run_pair_sources(pair.sources(clock=VirtualClock(), duration_s=duration_s), state))
    return got, pacer


def _close(a: dict[str, Any], b: dict[str, Any]) -> bool:
    assert a.keys() == b.keys()
    for k, x in a.items():
        y = b[k]
        if isinstance(x, float) and isinstance(y, float):
            if not (x == y or (math.isnan(x) and math.isnan(y)) or abs(x - y) <= 1e-9 * max(1.0, abs(y))):
                return False
        elif isinstance(x, dict) and isinstance(y, dict):
            if not _close(x, y):
                return False
        elif x != y:
            return False
    return True


def test_live_view_made_when_read_equals_the_one_made_on_time() -> None:
    from vagal.hrv.synchrony import synchrony_live

    events, pacer = _events(seed=3, duration_s=900.0)
    lazy = new_state(pacer)
    eager = None
    updates = 0
    compared = 0
    for i, (person, event) in enumerate(events):
        lazy.push(person, event)
        if lazy.live_updates != updates:  # it fell due: the straightforward way makes it now
            updates = lazy.live_updates
            a, b = (p.person_beats() for p in lazy.beats)
            eager = synchrony_live(a, b, now_s=lazy.t_s, guide=pacer.phase_at)
        if i % 97 == 0 or i == len(events) - 1:
            got = lazy.live_result
            if eager is None:
                assert got is None
                continue
            assert got is not None
            assert got.t_end_s == eager.t_end_s
            assert _close(got.as_dict(), eager.as_dict())
            compared += 1
    assert updates > 100 and compared > 30
