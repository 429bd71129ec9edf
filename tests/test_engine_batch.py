"""Batched spectral recomputes (``Engine(batch=True)``) give the one-at-a-time values, bit for bit.

The oracle is the straightforward engine (a recompute made as it falls due) on real recordings
(../shared/data/pyhrv_nsr_1h.csv: an hour of real RR), alone and as a session with what a
recorded session holds around the beats: breathing-guide changes (with a ramp), markers, a
drop-out, a contact loss, settling beats, artifacts (premature beats, a missed beat), heart
rate without RR and the end. Every recompute's values (what the session means add up), the
snapshots read on the way (as progress lines read them) and the summary must be equal, and
``vagal replay FILE --headless --speed max`` must print the same bytes either way.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

from vagal.engine import spectral_batch
from vagal.engine import summary as summary_mod
from vagal.engine.core import Engine, EngineSettings
from vagal.engine.snapshot import Snapshot
from vagal.engine.spectral_metrics import SPECTRAL_METRICS, SpectralValues
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
from vagal.pacer import Pacer, parse_pace

FloatArray = npt.NDArray[np.float64]
DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data"


def _beats(rr_ms: FloatArray) -> list[Event]:
    t = np.cumsum(rr_ms) / 1000.0
    return [Beat(ti, ri) for ti, ri in zip(t.tolist(), rr_ms.tolist(), strict=True)]


def _session(rr_ms: FloatArray) -> list[Event]:
    """The recording's beats with guide changes, markers, gaps, settling beats and artifacts."""
    rr = rr_ms.copy()
    rr[1200] *= 0.6  # a premature beat and its pause
    rr[1201] *= 1.4
    rr[2600] *= 2.0  # a missed beat
    rr[3000:3004] *= np.array([0.7, 1.3, 0.7, 1.3])
    t = np.cumsum(rr) / 1000.0
    events: list[Event] = [SourceState(0.0, "connected"), PacerChanged(0.0, "resonance", 4.0, 0.0, 6.0, 0.0)]
    drop_from, drop_to = 900.0, 960.0
    last_t = 0.0
    for k, (ti, ri) in enumerate(zip(t.tolist(), rr.tolist(), strict=True)):
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
        if k == 2000:
            events.append(PacerChanged(ti - 0.05, "custom", 3.0, 0.0, 3.0, 0.0))  # 10/min
        if k % 250 == 3:
            events.append(Marker(ti - 0.02, f"marker {k}"))
        if k % 333 == 5:
            events.append(HeartRateOnly(ti - 0.01, 60000.0 / ri))
        if k > 4000:
            ti += 30.0  # a jump in the time axis without a Gap event
        events.append(Beat(ti, ri, settling=2500 <= k < 2510))
        last_t = ti
    events.append(SourceState(last_t + 0.5, "ended"))
    return events


def _run(
    events: list[Event],
    *,
    batch: bool,
    settings: EngineSettings | None = None,
    pacer: Pacer | None = None,
    read_every: int = 997,
    monkeypatch: pytest.MonkeyPatch,
) -> tuple[list[SpectralValues], list[Snapshot], dict[str, object]]:
    """Every recompute's values in order (as the totals add them), the snapshots read every
    ``read_every`` events, and the summary."""
    made: list[SpectralValues] = []
    add = summary_mod.SessionTotals.add_spectral

    def recording(self: summary_mod.SessionTotals, values: SpectralValues) -> None:
        made.append(values)
        add(self, values)

    monkeypatch.setattr(summary_mod.SessionTotals, "add_spectral", recording)
    engine = Engine(settings, pacer=pacer, batch=batch)
    snaps: list[Snapshot] = []
    for k, event in enumerate(events):
        engine.fold(event)
        if k % read_every == 0:
            snaps.append(engine.snapshot)
    snaps.append(engine.snapshot)
    out = engine.summary()
    monkeypatch.setattr(summary_mod.SessionTotals, "add_spectral", add)
    return made, snaps, out


def _assert_same(
    one: tuple[list[SpectralValues], list[Snapshot], dict[str, object]],
    many: tuple[list[SpectralValues], list[Snapshot], dict[str, object]],
) -> None:
    made_1, snaps_1, summary_1 = one
    made_n, snaps_n, summary_n = many
    assert len(made_1) == len(made_n) > 50
    for k, (a, b) in enumerate(zip(made_1, made_n, strict=True)):
        for name in SPECTRAL_METRICS:
            ma, mb = getattr(a, name), getattr(b, name)
            if ma.value is not None and mb.value is not None:
                assert math.isclose(ma.value, mb.value, rel_tol=1e-9, abs_tol=1e-12), (k, name)
        # bit for bit, words included: the session means print every digit
        assert a == b, k
    assert snaps_1 == snaps_n
    assert summary_1 == summary_n


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """How many recomputes went through the batch, and how many were left to the one-at-a-time path."""
    seen = {"batched": 0, "alone": 0}
    batch, one = spectral_batch.recompute_batch, spectral_batch.recompute_one

    def counting_batch(metrics: object, items: list[spectral_batch.Pending]) -> list[SpectralValues]:
        seen["batched"] += sum(p.values is None for p in items)
        return batch(metrics, items)  # type: ignore[arg-type]

    def counting_one(metrics: object, p: spectral_batch.Pending) -> SpectralValues:
        seen["alone"] += 1
        return one(metrics, p)  # type: ignore[arg-type]

    monkeypatch.setattr(spectral_batch, "recompute_batch", counting_batch)
    monkeypatch.setattr(spectral_batch, "recompute_one", counting_one)
    return seen


def test_an_hour_of_real_beats(
    nsr_1h: FloatArray, monkeypatch: pytest.MonkeyPatch, counted: dict[str, int]
) -> None:
    events = _beats(nsr_1h)
    one = _run(events, batch=False, monkeypatch=monkeypatch)
    many = _run(events, batch=True, monkeypatch=monkeypatch)
    _assert_same(one, many)
    # the batch did the work (only the warm-up and the snapshots read went one at a time)
    assert counted["batched"] > 600
    assert counted["alone"] < 0.1 * counted["batched"]


@pytest.mark.parametrize("coherence_window_s", [64.0, 128.0])
def test_a_session_with_guide_changes_gaps_and_artifacts(
    nsr_1h: FloatArray, monkeypatch: pytest.MonkeyPatch, coherence_window_s: float, counted: dict[str, int]
) -> None:
    events = _session(nsr_1h)
    settings = EngineSettings(coherence_window_s=coherence_window_s)
    one = _run(events, batch=False, settings=settings, read_every=613, monkeypatch=monkeypatch)
    many = _run(events, batch=True, settings=settings, read_every=613, monkeypatch=monkeypatch)
    _assert_same(one, many)
    assert counted["alone"] < counted["batched"]
    # the guide was followed: synchrony has values, so the guided paths were compared
    assert any(v.phase_sync.value is not None for v in many[0])
    assert many[2]["gaps"] >= 2


def test_a_running_pacer_and_snapshots_read_after_every_event(
    nsr_5min: FloatArray, nsr_1h: FloatArray, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A guide given to the engine (as a replay of a recorded guide runs), and the worst reader:
    # a snapshot read after every event makes each latest recompute alone before its batch.
    events = _beats(nsr_1h[:1500])
    pacer = Pacer(parse_pace("resonance"), ramp_from_per_min=12.0)
    one = _run(events, batch=False, pacer=pacer, read_every=1, monkeypatch=monkeypatch)
    many = _run(events, batch=True, pacer=pacer, read_every=1, monkeypatch=monkeypatch)
    _assert_same(one, many)
    short = _beats(nsr_5min)
    _assert_same(
        _run(short, batch=False, read_every=50, monkeypatch=monkeypatch),
        _run(short, batch=True, read_every=50, monkeypatch=monkeypatch),
    )


def _replay(path: Path, *extra: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    from vagal.cli import main

    status = main(["replay", str(path), "--headless", "--speed", "max", *extra])
    out, err = capsys.readouterr()
    return status, out, err


@pytest.mark.parametrize("extra", [("--json",), ()])
def test_vagal_replay_prints_the_same_either_way(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], extra: tuple[str, ...]
) -> None:
    hour = DATA / "pyhrv_nsr_1h.csv"
    rr = np.loadtxt(hour, skiprows=1)
    rr[2000] *= 0.55  # an artifact, so the replay shows a corrected beat too
    path = tmp_path / "hour.csv"
    path.write_text("rr_ms\n" + "\n".join(f"{v:g}" for v in rr.tolist()) + "\n")
    monkeypatch.setenv("VAGAL_HOME", str(tmp_path / "home"))
    batched = _replay(path, *extra, capsys=capsys)

    made: list[bool] = []
    real_init = Engine.__init__

    def one_at_a_time(self: Engine, *args: object, **kwargs: object) -> None:
        made.append(bool(kwargs.get("batch")))
        kwargs["batch"] = False
        real_init(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Engine, "__init__", one_at_a_time)
    straight = _replay(path, *extra, capsys=capsys)
    assert made == [True]  # the replay asked for the batched path, and was given the other
    assert batched[0] == straight[0] == 0
    assert batched[1] == straight[1]
    assert batched[2] == straight[2]
    assert "coherence" in batched[2]
