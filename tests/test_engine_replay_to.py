"""``Engine.replay_to``: the fast rebuild after a seek gives the snapshot of pushing one by one.

The oracle is the straightforward path — a fresh engine and ``push`` of every event — on a
session built from a real recording (../shared/data/pyhrv_nsr_1h.csv: an hour of real RR),
with the events a recorded session holds around the beats: breathing-guide changes, markers,
a drop-out, a contact loss, heart rate without RR and the end.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pytest

from vagal.engine.core import Engine, EngineSettings
from vagal.engine.snapshot import Snapshot
from vagal.events import (
    Beat,
    ContactChanged,
    Event,
    Gap,
    HeartRateOnly,
    Marker,
    PacerChanged,
    SourceState,
)

FloatArray = npt.NDArray[np.float64]


def _session(rr_ms: FloatArray) -> list[Event]:
    """The recording's beats as a session: pacer changes, markers, a drop-out, a contact loss."""
    t = np.cumsum(rr_ms) / 1000.0
    events: list[Event] = [SourceState(0.0, "connected"), PacerChanged(0.0, "resonance", 4.0, 0.0, 6.0, 0.0)]
    drop_from, drop_to = 900.0, 960.0
    last_t = 0.0
    for k, (ti, ri) in enumerate(zip(t.tolist(), rr_ms.tolist(), strict=True)):
        if drop_from < ti <= drop_to:
            continue  # the drop-out: its beats never arrived
        if ti > drop_to and not any(isinstance(e, Gap) for e in events):
            events.append(Gap(last_t, ti - ri / 1000.0, "disconnected"))
        if k == 1700:
            events.append(ContactChanged(ti - 0.1, False))
        if k == 1705:
            events.append(ContactChanged(ti - 0.1, True))
        if k % 400 == 0:
            events.append(PacerChanged(ti - 0.05, "custom", 4.0, 1.0, 6.0, 0.0, ramp_from_per_min=6.0, ramp_s=30.0))
        if k % 250 == 3:
            events.append(Marker(ti - 0.02, f"marker {k}"))
        if k % 333 == 5:
            events.append(HeartRateOnly(ti - 0.01, 60000.0 / ri))
        events.append(Beat(ti, ri))
        last_t = ti
    events.append(SourceState(float(t[-1]) + 0.5, "ended"))
    return events


@pytest.fixture
def session(nsr_1h: FloatArray) -> list[Event]:
    return _session(nsr_1h)


def _one_by_one(events: list[Event], cuts: list[int], settings: EngineSettings) -> dict[int, Snapshot]:
    engine = Engine(settings)
    out: dict[int, Snapshot] = {}
    snap = engine.snapshot
    wanted = set(cuts)
    for k, event in enumerate(events, start=1):
        snap = engine.push(event)
        if k in wanted:
            out[k] = snap
    if 0 in wanted:
        out[0] = Snapshot()
    return out


def _cuts(events: list[Event]) -> list[int]:
    n = len(events)
    cuts = sorted({0, 1, 2, 50, 300, n // 7, n // 3, n // 2, (2 * n) // 3, n - 1, n})
    # Right after a marker, a pacer change and the gap: events after the last change shown.
    for kind in (Marker, PacerChanged, Gap, ContactChanged):
        k = next(i for i, e in enumerate(events) if isinstance(e, kind) and i > 1000)
        cuts += [k + 1, k + 2]
    return sorted(set(cuts))


@pytest.mark.parametrize("trends_from_s", [None, 0.0, 1800.0])
def test_replay_to_equals_pushing_one_by_one(session: list[Event], trends_from_s: float | None) -> None:
    settings = EngineSettings()
    cuts = _cuts(session)
    expected = _one_by_one(session, cuts, settings)
    engine = Engine(settings)
    for k in cuts:
        got = engine.replay_to(session[:k], trends_from_s=trends_from_s)
        assert got == expected[k], f"after {k} events"
        # The engine carries on from there exactly as the one-by-one one does.
    assert expected[len(session)].coherence.value is not None
    assert expected[len(session)].phase_sync.value is not None


def test_a_guide_started_after_a_deferred_recompute_is_not_seen_by_it(session: list[Event]) -> None:
    """The first pacer change comes mid-session: the recompute before it had no guide."""
    late = [e for i, e in enumerate(session) if not (isinstance(e, PacerChanged) and i < 2000)]
    k = next(i for i, e in enumerate(late) if isinstance(e, PacerChanged)) + 1
    expected = _one_by_one(late, [k], EngineSettings())[k]
    assert expected.phase_sync.value is None  # shown before the guide started
    assert Engine().replay_to(late[:k]) == expected


def test_replay_to_then_push_carries_on_as_one_by_one(session: list[Event]) -> None:
    """After a seek the replay goes on pushing: every later snapshot must match too."""
    k = len(session) // 2
    ref = Engine()
    for e in session[: k + 400]:
        expected = ref.push(e)
    engine = Engine()
    engine.replay_to(session[:k])
    for e in session[k : k + 400]:
        got = engine.push(e)
    assert got == expected
    assert engine.t_s == ref.t_s


@pytest.mark.parametrize(("window_s", "coherence_s", "every_s"), [(30.0, 128.0, 1.0), (300.0, 64.0, 3.0)])
def test_replay_to_equals_one_by_one_with_other_settings(
    session: list[Event], window_s: float, coherence_s: float, every_s: float
) -> None:
    settings = EngineSettings(window_s=window_s, coherence_window_s=coherence_s, spectral_every_s=every_s)
    cuts = [len(session) // 4, len(session) // 2 + 7, len(session)]
    expected = _one_by_one(session, cuts, settings)
    engine = Engine(settings)
    for k in cuts:
        assert engine.replay_to(session[:k]) == expected[k], f"after {k} events"


def test_replay_to_keeps_the_listener_and_counts(session: list[Event]) -> None:
    ref = Engine()
    seen_ref: list[tuple[float, float, str]] = []
    ref.on_verdict = lambda t, rr, kind: seen_ref.append((t, rr, kind))
    for e in session:
        ref.push(e)
    engine = Engine()
    seen: list[tuple[float, float, str]] = []
    engine.on_verdict = lambda t, rr, kind: seen.append((t, rr, kind))
    engine.replay_to(session[:100])
    seen.clear()
    engine.replay_to(session)
    assert seen == seen_ref
    assert engine.gaps == ref.gaps
    assert engine.markers == ref.markers
    s, r = engine.summary(), ref.summary()
    for key in ("n_beats", "nn_beats", "artifacts", "gaps", "gap_total_s", "mean_nn_ms", "rmssd_ms"):
        assert s[key] == r[key], key


def test_replay_to_with_trends_from_the_start_keeps_the_session_means(session: list[Event]) -> None:
    ref = Engine()
    for e in session:
        ref.push(e)
    engine = Engine()
    engine.replay_to(session, trends_from_s=0.0)
    assert engine.summary() == ref.summary()


def test_replay_to_of_nothing_is_a_fresh_snapshot(session: list[Event]) -> None:
    engine = Engine()
    engine.replay_to(session[:3000])
    assert engine.replay_to([]) == Snapshot()
    assert engine.t_s == 0.0


def test_fold_then_snapshot_equals_push_at_every_cut(session: list[Event]) -> None:
    """``Engine.fold`` builds no snapshot per event; the one read afterwards is ``push``'s."""
    cuts = _cuts(session)
    expected = _one_by_one(session, cuts, EngineSettings())
    ref = Engine()
    engine = Engine()
    wanted = set(cuts)
    for k, event in enumerate(session, start=1):
        ref_snap = ref.push(event)
        engine.fold(event)
        if k in wanted:
            assert engine.snapshot == expected[k], f"after {k} events"
        if k % 997 == 0:
            # mixing push and tick with fold gives the same snapshots as pushing alone
            assert engine.push(Marker(event.t_s, "m")) == ref.push(Marker(event.t_s, "m"))
            assert engine.tick(event.t_s + 0.2) == ref.tick(event.t_s + 0.2)
            ref_snap = ref.snapshot
    assert engine.snapshot == ref_snap
    assert engine.summary() == ref.summary()
