"""The simulated strap: determinism, physiology, resonance, artifacts, and the real parser path.

Oracles: neurokit2 (run live) for RMSSD and band powers, plain numpy for the rest, and
first principles (Poisson counts, the 1/1024 s quantisation of RR). Nothing is compared
with numbers pasted from the simulator's own output.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import math
import subprocess
import sys
import warnings
from collections import Counter
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest

from vagal.clock import VirtualClock
from vagal.events import (
    Beat,
    ContactChanged,
    DeviceInfo,
    Event,
    Gap,
    PayloadRejected,
    RawPayload,
    SourceState,
)
from vagal.gatt import MS_PER_RR_UNIT, parse_heart_rate_measurement, rr_ms_to_raw
from vagal.pacer import Pacer, parse_pace
from vagal.sources.base import BeatSource
from vagal.sources.physiology import HeartModel, Person, simulate_rr
from vagal.sources.simulated import (
    LinkChange,
    Notification,
    SimArtifacts,
    SimulatedSource,
    SimulatedStrap,
    iter_notifications,
)

FloatArray = npt.NDArray[np.float64]
SEEDS = (1, 2, 3, 4)


def _nk() -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import neurokit2 as nk
    return nk


def _nk_metrics(t_s: FloatArray, rr_ms: FloatArray) -> dict[str, float]:
    """RMSSD and LF/HF by neurokit2 (docs/methods.md §7: normalize=False, 4 Hz) on beat times."""
    nk = _nk()
    peaks_ms = np.concatenate([[t_s[0] - rr_ms[0] / 1000.0], t_s]) * 1000.0
    peaks = np.round(peaks_ms - peaks_ms[0]).astype(int)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        td = nk.hrv_time(peaks, sampling_rate=1000)
        fd = nk.hrv_frequency(peaks, sampling_rate=1000, normalize=False, interpolation_rate=4)
    return {
        "rmssd_ms": float(td["HRV_RMSSD"].iloc[0]),
        "lf_ms2": float(fd["HRV_LF"].iloc[0]),
        "hf_ms2": float(fd["HRV_HF"].iloc[0]),
    }


def _hr_4hz(t_s: FloatArray, rr_ms: FloatArray, t0: float, t1: float) -> tuple[FloatArray, FloatArray]:
    """Instantaneous HR (60000/RR at each beat) linearly resampled at 4 Hz on [t0, t1]."""
    grid = np.arange(t0, t1, 0.25)
    return grid, np.interp(grid, t_s, 60000.0 / rr_ms)


def _rsa_bpm(t_s: FloatArray, rr_ms: FloatArray, pacer: Pacer, t0: float, t1: float) -> float:
    """Median peak-to-trough HR per pacer breath on [t0, t1] (docs/methods.md §6.2)."""
    grid, hr = _hr_4hz(t_s, rr_ms, t0, t1)
    cycles = np.array([pacer.state_at(t).cycle for t in grid])
    swings = [np.ptp(hr[cycles == c]) for c in np.unique(cycles)[1:-1]]
    return float(np.median(swings))


# --- determinism ------------------------------------------------------------------------


@pytest.mark.parametrize("seed", [-1, 2.5])
def test_a_seed_must_be_a_whole_number_from_0(seed: object) -> None:
    with pytest.raises(ValueError, match="seed must be a whole number"):
        SimulatedStrap(seed=seed)  # type: ignore[arg-type]


def test_same_seed_same_beats_and_bytes() -> None:
    t1, rr1 = simulate_rr(120.0, seed=7)
    t2, rr2 = simulate_rr(120.0, seed=7)
    np.testing.assert_array_equal(t1, t2)
    np.testing.assert_array_equal(rr1, rr2)
    _, rr3 = simulate_rr(120.0, seed=8)
    assert len(rr3) != len(rr1) or not np.array_equal(rr1, rr3)
    a = list(iter_notifications(60.0, seed=7, artifacts=SimArtifacts.typical()))
    b = list(iter_notifications(60.0, seed=7, artifacts=SimArtifacts.typical()))
    assert a == b and len(a) == 60


def test_payload_rr_are_the_model_rr_quantised_to_1_1024_s() -> None:
    """The strap path loses nothing but the 1/1024 s quantisation a real strap applies."""
    _, rr_model = simulate_rr(300.0, seed=5)
    sent: list[int] = []
    for _, data in iter_notifications(300.0, seed=5):
        m = parse_heart_rate_measurement(data)
        assert m.sensor_contact is True
        sent.extend(m.rr_raw)
    expected = [rr_ms_to_raw(v) for v in rr_model]
    n = len(sent)
    assert n >= len(expected) - 2  # the last beat or two may fall after the last notification
    assert sent == expected[:n]
    assert np.max(np.abs(np.array(sent) * MS_PER_RR_UNIT - rr_model[:n])) <= MS_PER_RR_UNIT / 2


def test_heart_rate_field_is_the_strap_average() -> None:
    recent: list[float] = []
    for _, data in iter_notifications(120.0, seed=2):
        m = parse_heart_rate_measurement(data)
        recent = (recent + list(m.rr_intervals_ms))[-4:]
        if recent:
            assert abs(m.heart_rate - 60000.0 / np.mean(recent)) <= 0.6
        assert m.energy_expended_kj is None
        assert not m.flags & 0x01  # 8-bit heart rate


# --- physiology ---------------------------------------------------------------------------


@pytest.mark.parametrize("seed", SEEDS)
def test_five_minutes_at_rest_look_like_a_resting_adult(seed: int) -> None:
    t, rr = simulate_rr(300.0, seed=seed)
    hr_bpm = 60000.0 / rr.mean()
    assert 55.0 <= hr_bpm <= 75.0
    assert 300 <= rr.size <= 380
    m = _nk_metrics(t, rr)
    rmssd_numpy = float(np.sqrt(np.mean(np.diff(rr) ** 2)))
    assert m["rmssd_ms"] == pytest.approx(rmssd_numpy, rel=0.01)  # nk rounds peaks to 1 ms
    assert 25.0 <= m["rmssd_ms"] <= 60.0
    # docs/methods.md §4 (Nunan 2010): LF 519 ± 291, HF 657 ± 777 ms²: within about ±2 SD.
    assert 150.0 <= m["lf_ms2"] <= 1500.0
    assert 150.0 <= m["hf_ms2"] <= 2200.0
    assert 0.2 <= m["lf_ms2"] / m["hf_ms2"] <= 6.0


@pytest.mark.parametrize("seed", SEEDS[:2])
def test_spontaneous_breathing_shows_as_an_hf_peak_at_12_to_15_per_min(seed: int) -> None:
    from scipy.signal import welch

    t, rr = simulate_rr(600.0, seed=seed)
    _, hr = _hr_4hz(t, rr, t[0], t[-1])
    f, p = welch(hr - hr.mean(), fs=4.0, nperseg=512)
    hf = (f >= 0.15) & (f < 0.4)
    peak_per_min = 60.0 * f[hf][np.argmax(p[hf])]
    assert 10.5 <= peak_per_min <= 16.5
    # Not a sine: breath-to-breath variability spreads the peak over several bins.
    assert np.sum(p[hf] > 0.25 * p[hf].max()) >= 3


def test_every_seed_is_another_plausible_person() -> None:
    people = [Person.draw(np.random.default_rng(s)) for s in range(50)]
    assert all(60.0 <= p.hr_rest_bpm <= 70.0 for p in people)
    rf_per_min = [60.0 * p.resonance_hz for p in people]
    assert 5.0 <= min(rf_per_min) and max(rf_per_min) <= 6.5  # docs/methods.md §6.5: adult RF 4.5-6.5
    assert len({round(p.hr_rest_bpm, 6) for p in people}) == 50


# --- resonance ------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", SEEDS[:3])
def test_six_per_min_resonates_and_twelve_does_not(seed: int) -> None:
    """Paced at 6/min, LF power and the HR swing per breath rise well above 12/min."""
    results = {}
    for rate in (6.0, 12.0):
        pacer = Pacer(parse_pace(f"{rate:g}"))
        t, rr = simulate_rr(360.0, seed=seed, breathing=pacer.volume_at)
        keep = t >= 60.0  # the person joins the guide within the first minute
        m = _nk_metrics(t[keep], rr[keep])
        m["rsa_bpm"] = _rsa_bpm(t, rr, pacer, 60.0, 360.0)
        results[rate] = m
    six, twelve = results[6.0], results[12.0]
    assert six["lf_ms2"] > 3.0 * twelve["lf_ms2"], (six, twelve)
    assert six["rsa_bpm"] > 1.8 * twelve["rsa_bpm"], (six, twelve)
    assert six["lf_ms2"] > 5.0 * six["hf_ms2"]  # the respiratory peak moved into LF
    assert twelve["hf_ms2"] > twelve["lf_ms2"] * 0.5
    assert 8.0 <= six["rsa_bpm"] <= 25.0  # resonance breathing: 10-20 bpm peak to trough is typical


def test_hr_swing_peaks_near_the_resonance_rate() -> None:
    swings = {}
    for rate in (3.0, 4.0, 5.0, 6.0, 7.0, 9.0, 12.0, 15.0):
        pacer = Pacer(parse_pace(f"{rate:g}"))
        t, rr = simulate_rr(300.0, seed=11, breathing=pacer.volume_at)
        swings[rate] = _rsa_bpm(t, rr, pacer, 60.0, 300.0)
    best = max(swings, key=lambda r: swings[r])
    assert best in (5.0, 6.0, 7.0), swings
    assert swings[best] > 1.8 * swings[15.0]
    assert swings[best] > 1.3 * swings[3.0]


def test_at_resonance_hr_moves_in_phase_with_breathing() -> None:
    pacer = Pacer(parse_pace("6"))
    t, rr = simulate_rr(300.0, seed=4, breathing=pacer.volume_at)
    grid, hr = _hr_4hz(t, rr, 60.0, 300.0)
    vol = np.array([pacer.volume_at(x) for x in grid])
    lags_s = np.arange(-5.0, 5.01, 0.25)
    corr = [np.corrcoef(np.roll(vol, int(lag * 4)), hr)[0, 1] for lag in lags_s]
    best_lag_s = lags_s[int(np.argmax(corr))]
    assert max(corr) > 0.6
    assert abs(best_lag_s) <= 2.5  # within ±45° of the 10 s breath (docs/methods.md §6.4: ≈ 0°)


def test_the_person_joins_the_guide_gradually() -> None:
    pacer = Pacer(parse_pace("6"))
    model = HeartModel(3, breathing=pacer.volume_at)
    ts, person, guide = [], [], []
    while model.t_s < 120.0:
        model.beats_until(model.t_s + 0.1)
        ts.append(model.t_s)
        person.append(model.volume)
        guide.append(pacer.volume_at(model.t_s))
    t, v, g = np.array(ts), np.array(person), np.array(guide)
    early = t < 10.0
    late = t > 60.0
    assert np.corrcoef(v[late], g[late])[0, 1] > 0.9
    assert np.mean(np.abs(v[early] - g[early])) > 2.0 * np.mean(np.abs(v[late] - g[late]))
    # Follows with a short lag, never ahead of the guide.
    lags = np.arange(0, 21)
    c = [np.corrcoef(v[late][k:], g[late][: len(g[late]) - k])[0, 1] for k in lags]
    assert 0.2 <= lags[int(np.argmax(c))] * 0.1 <= 1.2


# --- artifacts --------------------------------------------------------------------------------


def _poisson_ok(count: int, expected: float) -> bool:
    return abs(count - expected) <= 4.0 * math.sqrt(expected) + 1


def test_artifacts_appear_at_about_the_given_rates() -> None:
    hours = 2.0
    arts = SimArtifacts(
        ectopic_per_min=1.0,
        missed_per_min=0.5,
        extra_per_min=0.25,
        contact_loss_per_hour=10.0,
        dropout_per_hour=10.0,
    )
    strap = SimulatedStrap(seed=9, artifacts=arts)
    for item in strap:
        if item.t_s > hours * 3600:
            break
    n = {k: len(v) for k, v in strap.injected.items()}
    assert _poisson_ok(n["ectopic"], 60 * hours * 1.0), n
    assert _poisson_ok(n["missed"], 60 * hours * 0.5), n
    assert _poisson_ok(n["extra"], 60 * hours * 0.25), n
    # Each stretch pauses its process for its own duration (≤ 15 s of each hour's 3600 s).
    assert _poisson_ok(n["contact_loss"], 10.0 * hours), n
    assert _poisson_ok(n["dropout"], 10.0 * hours), n
    clean = SimulatedStrap(seed=9)
    for item in clean:
        if item.t_s > 600:
            break
    assert all(not v for v in clean.injected.values())


def test_beat_artifacts_show_in_the_decoded_rr() -> None:
    """Ectopic = short-long pair, missed = one RR of two beats, extra = two short RR."""
    arts = SimArtifacts(ectopic_per_min=1.0, missed_per_min=0.5, extra_per_min=0.3)
    strap = SimulatedStrap(seed=21, artifacts=arts)
    rr: list[float] = []
    for item in strap:
        if item.t_s > 1800:
            break
        assert isinstance(item, Notification)
        rr.extend(parse_heart_rate_measurement(item.data).rr_intervals_ms)
    x = np.array(rr)
    med = np.array([np.median(x[max(0, i - 10) : i + 11]) for i in range(len(x))])
    long_ = x > 1.6 * med
    short = x < 0.8 * med
    pairs = int(np.sum(short[:-1] & (x[1:] > 1.1 * med[1:]) & ~long_[1:]))
    n = {k: len(v) for k, v in strap.injected.items()}
    assert int(np.sum(long_)) == pytest.approx(n["missed"], abs=2)
    assert pairs == pytest.approx(n["ectopic"], abs=max(3, 0.15 * n["ectopic"]))
    assert int(np.sum(short)) >= n["ectopic"] + 2 * n["extra"] - 3
    # Away from artifacts, the strap still sends a resting heart.
    assert 55.0 <= 60000.0 / np.median(x) <= 75.0


async def _collect(source: SimulatedSource) -> list[Event]:
    events: list[Event] = []
    async with source:
        async for event in source:
            events.append(event)
    return events


async def test_source_yields_the_decoder_events_in_order_with_drop_outs_and_contact_loss() -> None:
    clock = VirtualClock()
    arts = SimArtifacts(contact_loss_per_hour=12.0, dropout_per_hour=12.0, ectopic_per_min=0.5)
    src = SimulatedSource(seed=4, clock=clock, duration_s=3600.0, artifacts=arts)
    assert isinstance(src, BeatSource)
    events = await _collect(src)
    assert [type(e) for e in events[:3]] == [SourceState, SourceState, DeviceInfo]
    assert [e.state for e in events[:2] if isinstance(e, SourceState)] == ["connecting", "connected"]
    info = events[2]
    assert isinstance(info, DeviceInfo) and info.kind == "simulator" and info.name == "Simulated strap"
    assert isinstance(events[-1], SourceState) and events[-1].state == "ended"
    assert events[-1].t_s == pytest.approx(3600.0)
    assert clock.now() == pytest.approx(3600.0)
    assert not any(isinstance(e, PayloadRejected) for e in events)
    for e in events:
        if isinstance(e, RawPayload):
            parse_heart_rate_measurement(e.data)  # every payload is a valid measurement

    strap = src.strap
    assert strap is not None
    n_drop = len(strap.injected["dropout"])
    n_contact = len(strap.injected["contact_loss"])
    assert n_drop >= 3 and n_contact >= 3
    gaps = [e for e in events if isinstance(e, Gap)]
    disconnected = [g for g in gaps if g.reason == "disconnected"]
    contact_gaps = [g for g in gaps if g.reason == "contact_lost"]
    assert len(disconnected) == n_drop == src.stats.reconnects
    assert len(contact_gaps) == n_contact
    states = [e.state for e in events if isinstance(e, SourceState)]
    assert states.count("reconnecting") == n_drop
    assert states.count("connected") == n_drop + 1
    lost = [e for e in events if isinstance(e, ContactChanged) and not e.contact]
    found = [e for e in events if isinstance(e, ContactChanged) and e.contact]
    assert len(lost) == len(found) == n_contact
    assert all(not e.judged for e in lost)
    # Each drop-out: reconnecting, then connected and its Gap; no beat inside any gap.
    for i, e in enumerate(events):
        if isinstance(e, SourceState) and e.state == "reconnecting":
            nxt = events[i + 1 : i + 3]
            assert isinstance(nxt[0], SourceState) and nxt[0].state == "connected"
            assert isinstance(nxt[1], Gap) and nxt[1].reason == "disconnected"
            assert nxt[1].start_s < e.t_s < nxt[1].end_s == nxt[0].t_s
    beats = np.array([e.t_s for e in events if isinstance(e, Beat)])
    for g in gaps:
        assert g.end_s > g.start_s
        assert not np.any((beats > g.start_s + 1e-9) & (beats < g.end_s - 1e-9)), g
    assert np.all(np.diff(beats) > 0)
    assert src.stats.gap_s == pytest.approx(sum(g.duration_s for g in gaps))
    # Arrival-stamped events never go backwards (beats and gaps are back-dated by the decoder).
    times = [e.t_s for e in events if isinstance(e, (RawPayload, SourceState, ContactChanged))]
    assert all(b >= a - 1e-9 for a, b in itertools.pairwise(times))


async def test_without_contact_support_the_decoder_judges_contact() -> None:
    src = SimulatedSource(
        seed=6,
        clock=VirtualClock(),
        duration_s=1800.0,
        artifacts=SimArtifacts(contact_loss_per_hour=12.0),
        contact_supported=False,
    )
    events = await _collect(src)
    changes = [e for e in events if isinstance(e, ContactChanged)]
    assert changes and all(e.judged for e in changes)
    raw = [e for e in events if isinstance(e, RawPayload)]
    assert all(parse_heart_rate_measurement(e.data).sensor_contact is None for e in raw)
    assert sum(isinstance(e, Gap) and e.reason == "contact_lost" for e in events) >= 1


async def test_ten_minutes_on_a_virtual_clock() -> None:
    clock = VirtualClock()
    pacer = Pacer()
    src = SimulatedSource(seed=12, clock=clock, duration_s=600.0, breathing=pacer.volume_at)
    events = await _collect(src)
    counts = Counter(type(e).__name__ for e in events)
    beats = [e for e in events if isinstance(e, Beat)]
    assert counts["RawPayload"] == 600  # one notification a second
    assert clock.now() == pytest.approx(600.0)
    # Session time and beat count agree: the sum of RR spans the session.
    rr_s = sum(b.rr_ms for b in beats) / 1000.0
    assert 595.0 <= rr_s <= 600.0
    assert len(beats) == pytest.approx(600_000.0 / np.mean([b.rr_ms for b in beats]), abs=3)
    assert src.stats.beats == len(beats) and src.stats.payloads == 600
    assert all(b.settling for b in beats if b.t_s < 4.9)
    assert not any(b.settling for b in beats if b.t_s > 5.1)


class _NeverClock:
    """A clock whose time never comes: only close() can end a wait."""

    speed = 1.0

    def now(self) -> float:
        return 0.0

    async def sleep_until(self, t_s: float) -> None:
        await asyncio.get_running_loop().create_future()


async def test_close_ends_the_stream_even_mid_wait() -> None:
    src = SimulatedSource(seed=1, clock=_NeverClock())
    got: list[Event] = []

    async def consume() -> None:
        async with src:
            async for event in src:
                got.append(event)
                if isinstance(event, DeviceInfo):
                    asyncio.get_running_loop().call_soon(lambda: asyncio.ensure_future(src.close()))

    await asyncio.wait_for(consume(), timeout=30.0)  # a hang guard only
    assert isinstance(got[-1], SourceState) and got[-1].state == "ended"
    assert not any(isinstance(e, Beat) for e in got)


# --- bad input --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"ectopic_per_min": -1.0}, "ectopic_per_min must be a finite rate >= 0, got -1.0"),
        ({"dropout_per_hour": math.nan}, "dropout_per_hour"),
        ({"contact_loss_s": (5.0, 2.0)}, "contact_loss_s must be"),
    ],
)
def test_bad_artifact_rates_are_refused(kwargs: dict[str, Any], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        SimArtifacts(**kwargs)


def test_bad_durations_are_refused() -> None:
    with pytest.raises(ValueError, match="duration_s must be > 0"):
        SimulatedSource(duration_s=0.0)
    with pytest.raises(ValueError, match="duration_s must be a positive number"):
        simulate_rr(-5.0)
    with pytest.raises(ValueError, match="notify_interval_s"):
        SimulatedStrap(notify_interval_s=0.0)


def test_typical_artifacts_are_on_and_link_changes_pair_up() -> None:
    assert SimArtifacts.typical().any and not SimArtifacts().any
    strap = SimulatedStrap(seed=2, artifacts=SimArtifacts(dropout_per_hour=30.0))
    ups = downs = 0
    last = 0.0
    for item in strap:
        if item.t_s > 3600:
            break
        assert item.t_s >= last
        last = item.t_s
        if isinstance(item, LinkChange):
            ups += item.up
            downs += not item.up
            assert ups in (downs, downs - 1)
    assert downs >= 10


def test_simulator_modules_import_nothing_heavy() -> None:
    probe = (
        "import vagal.sources.simulated, sys, json\n"
        "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    loaded = set(json.loads(out.stdout.strip().splitlines()[-1]))
    assert not loaded & {"numpy", "scipy", "textual", "bleak", "matplotlib"}


# --- two people and a set resonance ----------------------------------------------------------


def _lag_of_peak_s(x: FloatArray, y: FloatArray, max_lag: int, fs: float) -> float:
    """The lag (s) at which corr(x(t), y(t + lag)) is largest, by np.corrcoef at each lag."""
    n = x.size
    best = max(
        range(-max_lag, max_lag + 1),
        key=lambda k: np.corrcoef(x[max_lag : n - max_lag], y[max_lag + k : n - max_lag + k])[0, 1],
    )
    return best / fs


@pytest.mark.parametrize("coupling", [0.0, 0.8])
def test_pair_person_a_is_the_single_person_of_the_seed(coupling: float) -> None:
    from vagal.sources.physiology import simulate_pair_rr

    pacer = Pacer()
    t, rr = simulate_rr(300.0, seed=3, breathing=pacer.volume_at)
    pair = simulate_pair_rr(300.0, seed=3, breathing=pacer.volume_at, coupling=coupling)
    np.testing.assert_array_equal(pair.a[0], t)
    np.testing.assert_array_equal(pair.a[1], rr)
    assert not np.array_equal(pair.b[1][:100], rr[:100])  # B is someone else


@pytest.mark.parametrize("seed", SEEDS)
def test_pair_person_b_is_another_plausible_resting_adult(seed: int) -> None:
    from vagal.sources.physiology import simulate_pair_rr

    pair = simulate_pair_rr(300.0, seed=seed)
    t, rr = pair.b
    assert 55.0 <= 60000.0 / rr.mean() <= 75.0
    m = _nk_metrics(t, rr)
    assert 25.0 <= m["rmssd_ms"] <= 60.0
    assert 150.0 <= m["lf_ms2"] <= 1500.0 and 150.0 <= m["hf_ms2"] <= 2200.0
    assert pair.people[1] != pair.people[0]
    assert 5.0 <= 60.0 * pair.people[1].resonance_hz <= 6.5


def test_uncoupled_people_are_independent() -> None:
    """With coupling 0, B's beats are the same whatever A breathes."""
    from vagal.sources.physiology import simulate_pair_rr

    guided = simulate_pair_rr(300.0, seed=4, breathing=(Pacer().volume_at, None), coupling=0.0)
    free = simulate_pair_rr(300.0, seed=4, breathing=None, coupling=0.0)
    np.testing.assert_array_equal(guided.b[1], free.b[1])
    assert not np.array_equal(guided.a[1][:200], free.a[1][:200])


def test_coupled_person_b_breathes_and_beats_with_a_the_drawn_lag_later() -> None:
    from vagal.sources.physiology import PAIR_LAG_RANGE_S, STEP_S, PairModel

    lags = [PairModel(s, coupling=0.8).lag_s for s in range(30)]
    assert PAIR_LAG_RANGE_S[0] <= min(lags) and max(lags) <= PAIR_LAG_RANGE_S[1]
    assert len(set(lags)) > 5  # drawn per seed
    assert PairModel(1, coupling=0.5, lag_s=2.34).lag_s == pytest.approx(2.3)  # whole 0.1 s steps
    for seed in (0, 1, 2):
        pair = PairModel(seed, breathing=None, coupling=0.8)  # both breathing on their own: A leads
        va, vb, ha, hb = [], [], [], []
        while pair.t_s < 400.0:
            pair.beats_until(0, pair.t_s + STEP_S)
            pair.beats_until(1, pair.t_s)
            va.append(pair.a.volume)
            vb.append(pair.b.volume)
            ha.append(pair.a.hr_bpm)
            hb.append(pair.b.hr_bpm)
        sl = slice(300, None)  # after the first 30 s
        fs = 1.0 / STEP_S
        breath_lag = _lag_of_peak_s(np.array(va[sl]), np.array(vb[sl]), 60, fs)
        heart_lag = _lag_of_peak_s(np.array(ha[sl]), np.array(hb[sl]), 60, fs)
        assert breath_lag == pytest.approx(pair.lag_s, abs=0.2)
        assert heart_lag == pytest.approx(pair.lag_s, abs=0.5)


def test_pair_parameters_are_checked() -> None:
    from vagal.sources.physiology import PairModel, simulate_pair_rr

    with pytest.raises(ValueError, match="coupling must be 0 to 1"):
        PairModel(1, coupling=1.5)
    with pytest.raises(ValueError, match="lag_s must be"):
        PairModel(1, coupling=0.5, lag_s=30.0)
    with pytest.raises(ValueError, match="breathing must be one value for both people or a pair"):
        PairModel(1, breathing=(None, None, None))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="person must be 0"):
        PairModel(1).beats_until(2, 10.0)
    with pytest.raises(ValueError, match="duration_s"):
        simulate_pair_rr(0.0, seed=1)


def test_simulated_pair_straps_send_each_persons_bytes_in_time_order() -> None:
    from vagal.sources.simulated import SimulatedPair

    pacer = Pacer()
    arts = SimArtifacts(ectopic_per_min=1.0, dropout_per_hour=20.0)
    pair = SimulatedPair(seed=7, breathing=pacer.volume_at, coupling=0.8, artifacts=(None, arts))
    out = list(pair.iter_notifications(600.0))
    times = [t for _, t, _ in out]
    assert times == sorted(times)
    a = [(t, d) for p, t, d in out if p == 0]
    b = [(t, d) for p, t, d in out if p == 1]
    # Person A's strap is exactly a single simulated strap of the same seed.
    assert a == list(iter_notifications(600.0, seed=7, breathing=pacer.volume_at))
    assert 500 <= len(b) < len(a) == 600  # B's drop-outs are B's own silence
    strap_b = pair.straps[1]
    assert strap_b is not None and strap_b.injected["dropout"] and strap_b.injected["ectopic"]
    strap_a = pair.straps[0]
    assert strap_a is not None and not any(strap_a.injected.values())
    with pytest.raises(ValueError, match="already started"):
        pair.strap(0)


async def test_simulated_pair_streams_as_two_sources_on_one_clock() -> None:
    from vagal.sources.simulated import PAIR_DEVICE_NAMES, SimulatedPair

    clock = VirtualClock()
    pair = SimulatedPair(
        seed=8, breathing=Pacer().volume_at, artifacts=(None, SimArtifacts(dropout_per_hour=30.0))
    )
    src_a, src_b = pair.sources(clock=clock, duration_s=900.0)
    assert isinstance(src_a, BeatSource) and isinstance(src_b, BeatSource)
    events_a, events_b = await asyncio.gather(_collect(src_a), _collect(src_b))
    info_a = next(e for e in events_a if isinstance(e, DeviceInfo))
    info_b = next(e for e in events_b if isinstance(e, DeviceInfo))
    assert (info_a.name, info_b.name) == PAIR_DEVICE_NAMES
    gaps_a = [e for e in events_a if isinstance(e, Gap)]
    gaps_b = [e for e in events_b if isinstance(e, Gap)]
    assert not gaps_a and len(gaps_b) >= 3  # each strap's gaps are its own
    beats_a = [e for e in events_a if isinstance(e, Beat)]
    beats_b = [e for e in events_b if isinstance(e, Beat)]
    assert src_a.stats.beats == len(beats_a) and src_b.stats.beats == len(beats_b)
    # A's decoded RR are A's model RR, quantised to 1/1024 s, as for one strap.
    _, rr_model = simulate_rr(900.0, seed=8, breathing=Pacer().volume_at)
    sent = np.array([b.rr_ms for b in beats_a])
    assert np.max(np.abs(sent - rr_model[: sent.size])) <= MS_PER_RR_UNIT / 2 + 1e-9
    assert isinstance(events_a[-1], SourceState) and events_a[-1].state == "ended"
    assert isinstance(events_b[-1], SourceState) and events_b[-1].state == "ended"


def test_a_set_resonance_rate_is_used_with_the_sharper_q() -> None:
    from vagal.sources.physiology import SET_RESONANCE_Q

    drawn = HeartModel(5).person
    assert drawn.resonance_q == 2.0
    set_ = HeartModel(5, resonance_rate_per_min=5.0).person
    assert set_.resonance_hz == pytest.approx(5.0 / 60.0) and set_.resonance_q == SET_RESONANCE_Q == 4.0
    assert set_.hr_rest_bpm == drawn.hr_rest_bpm  # the same person otherwise
    assert HeartModel(5, resonance_rate_per_min=5.0, resonance_q=2.5).person.resonance_q == 2.5
    with pytest.raises(ValueError, match="resonance_rate_per_min must be 3 to 12"):
        HeartModel(5, resonance_rate_per_min=20.0)
    with pytest.raises(ValueError, match="resonance_q"):
        HeartModel(5, resonance_rate_per_min=5.0, resonance_q=0.0)


def _swings_at(rates: tuple[float, ...], seed: int, q: float | None) -> dict[float, float]:
    """HR swing per breath (median over cycles) in a 2-minute step after 1 minute of settling."""
    out = {}
    for rate in rates:
        pacer = Pacer(parse_pace(f"{rate:g}"))
        t, rr = simulate_rr(
            180.0, seed=seed, breathing=pacer.volume_at, resonance_rate_per_min=5.0, resonance_q=q
        )
        out[rate] = _rsa_bpm(t, rr, pacer, 60.0, 180.0)
    return out


def test_breathing_at_a_set_resonance_gives_a_clearly_larger_swing_than_half_a_breath_away() -> None:
    """The stepped resonance assessment needs 5.0/min to stand out from 4.5 and 5.5/min.

    Measured over seeds 0-9 (2-minute steps, medians of per-seed ratios): with Q = 4 the
    swing at 5.0/min is 1.16× that at 5.5/min and 1.20× that at 4.5/min; with the drawn
    people's Q = 2, 1.04× both: too flat to tell.
    """
    rates = (4.5, 5.0, 5.5, 6.0, 6.5)
    sharp = [_swings_at(rates, s, None) for s in range(10)]
    flat = [_swings_at((4.5, 5.0, 5.5), s, 2.0) for s in range(10)]

    def ratio(rows: list[dict[float, float]], other: float) -> float:
        return float(np.median([r[5.0] / r[other] for r in rows]))

    assert ratio(sharp, 5.5) >= 1.10 and ratio(sharp, 4.5) >= 1.15
    assert ratio(flat, 5.5) < 1.10 and ratio(flat, 4.5) < 1.10
    found = [max(rates, key=lambda r: row[r]) for row in sharp]
    assert sum(abs(f - 5.0) <= 0.5 for f in found) >= 9, found
