"""The live engine stepped by hand (no asyncio): live values equal the batch core on the same beats.

Oracles: ``vagal.hrv`` (the batch core) and neurokit2, run on the beats the engine says it
used, from the real recordings in ../shared/data. Nothing here compares with numbers
pasted from the engine's own output.
"""

from __future__ import annotations

import math
import warnings
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import load_rr, real_recordings
from vagal.engine.core import Engine, EngineSettings
from vagal.engine.snapshot import Snapshot
from vagal.events import Beat, ContactChanged, Event, Gap, Marker, PacerChanged
from vagal.hrv import time_domain
from vagal.hrv.coherence import coherence_from_rr
from vagal.hrv.live_spectral import periodogram
from vagal.hrv.spectral import band_powers, psd_welch, resample
from vagal.pacer import Pacer
from vagal.ui.trace_buffer import TRACE_S, TraceBuffer

FloatArray = npt.NDArray[np.float64]


class _Traced:
    """The engine with, beside it, the dashboard's own heart trace fed the same events
    (``VagalApp`` feeds its ``TraceBuffer`` from the driver's ``on_event`` the same way)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.trace = TraceBuffer()
        self.t_s = 0.0

    def push(self, event: Event) -> Snapshot:
        self.trace.add(event)
        self.t_s = max(self.t_s, event.t_s)
        return self.engine.push(event)

    def tick(self, t_s: float) -> Snapshot:
        self.t_s = max(self.t_s, t_s)
        return self.engine.tick(t_s)

    def hr_trace(self, span_s: float) -> tuple[FloatArray, FloatArray]:
        return self.trace.hr(span_s, now_s=self.t_s, gap_started_s=self.engine.snapshot.gap_started_s)

    def rr_trace(self, span_s: float) -> tuple[FloatArray, FloatArray]:
        return self.trace.rr(span_s, now_s=self.t_s, gap_started_s=self.engine.snapshot.gap_started_s)


def _beats(rr_ms: FloatArray, t0_s: float = 0.0) -> list[Beat]:
    t = t0_s + np.cumsum(rr_ms) / 1000.0
    return [Beat(float(a), float(b)) for a, b in zip(t, rr_ms, strict=True)]


class _Verdicts:
    """Collects the engine's per-beat decisions (t_s, rr_ms, kind), in time order."""

    def __init__(self, engine: Engine) -> None:
        self.items: list[tuple[float, float, str]] = []
        engine.on_verdict = lambda t, rr, kind: self.items.append((t, rr, kind))

    def window(self, t_end_s: float, window_s: float) -> tuple[FloatArray, FloatArray, npt.NDArray[np.bool_]]:
        """Accepted beats in (t_end - window, t_end], with breaks where a flagged beat was left out."""
        items = sorted(self.items)
        rr: list[float] = []
        t: list[float] = []
        breaks: list[bool] = []
        brk = False
        for ti, ri, kind in items:
            if ti > t_end_s:
                break
            if kind not in ("ok", "merged"):
                brk = True
                continue
            if ti > t_end_s - window_s:
                t.append(ti)
                rr.append(ri)
                breaks.append(brk and len(rr) > 1)
            brk = False
        b = np.array(breaks, dtype=bool)
        if b.size:
            b[0] = False
        return np.array(t), np.array(rr), b


@pytest.mark.parametrize("path", real_recordings(), ids=lambda p: Path(p).stem)
def test_time_domain_equals_batch_core_at_chosen_beats(path: Path) -> None:
    rr = load_rr(path)[:1500]
    engine = Engine()
    verdicts = _Verdicts(engine)
    checked = 0
    for i, beat in enumerate(_beats(rr)):
        snap = engine.push(beat)
        if i < 80 or i % 31 or snap.rmssd_ms.value is None:
            continue
        t_end = engine.window_beats()[-1][0]
        t, x, breaks = verdicts.window(t_end, engine.settings.window_s)
        assert np.allclose(t, [b[0] for b in engine.window_beats()])
        batch = time_domain(x, breaks=breaks)
        assert snap.rmssd_ms.value == pytest.approx(batch.rmssd_ms, rel=1e-9)
        assert snap.sdnn_ms.value == pytest.approx(batch.sdnn_ms, rel=1e-9)
        assert snap.pnn50_pct.value == pytest.approx(batch.pnn50_pct, rel=1e-9, abs=1e-9)
        checked += 1
    assert checked >= 5


def test_clean_window_equals_neurokit2(nsr_1h: FloatArray) -> None:
    """Where the window holds no flagged beat, RMSSD and SDNN equal neurokit2's."""
    nk = pytest.importorskip("neurokit2")
    engine = Engine()
    verdicts = _Verdicts(engine)
    compared = 0
    for i, beat in enumerate(_beats(nsr_1h[:2000])):
        snap = engine.push(beat)
        if i < 100 or i % 151 or snap.rmssd_ms.value is None:
            continue
        t_end = engine.window_beats()[-1][0]
        _, x, breaks = verdicts.window(t_end, 60.0)
        if breaks.any():
            continue
        peaks = np.concatenate(([0.0], np.cumsum(x))).round().astype(int)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out = nk.hrv_time(peaks, sampling_rate=1000)
        assert snap.rmssd_ms.value == pytest.approx(float(out["HRV_RMSSD"].iloc[0]), rel=1e-9)
        assert snap.sdnn_ms.value == pytest.approx(float(out["HRV_SDNN"].iloc[0]), rel=1e-9)
        compared += 1
    assert compared >= 3


@pytest.mark.parametrize("window_s", [60.0, 64.0, 120.0, 128.0])
def test_live_periodogram_equals_psd_welch(nsr_5min: FloatArray, window_s: float) -> None:
    t = np.cumsum(nsr_5min) / 1000.0
    m = t > t[-1] - window_s
    _, x = resample(t[m], nsr_5min[m])
    f0, p0 = psd_welch(x, 4.0, detrend="linear")
    f1, p1 = periodogram(x, 4.0)
    np.testing.assert_allclose(f1, f0, rtol=0, atol=1e-12)
    np.testing.assert_allclose(p1, p0, rtol=1e-9, atol=1e-9 * float(p0.max()))


@pytest.mark.parametrize("window_s", [60.0, 64.0, 120.0, 128.0])
def test_live_resample_equals_batch_resample(nsr_1h: FloatArray, window_s: float) -> None:
    from vagal.hrv.live_spectral import resample as live_resample

    t = np.cumsum(nsr_1h) / 1000.0
    for start_s in np.linspace(0.0, float(t[-1]) - window_s, 25):
        m = (t > start_s) & (t <= start_s + window_s)
        g0, x0 = resample(t[m], nsr_1h[m], 4.0)
        g1, x1 = live_resample(t[m], nsr_1h[m], 4.0)
        np.testing.assert_array_equal(g1, g0)
        np.testing.assert_allclose(x1, x0, rtol=1e-9)


def test_spectral_metrics_equal_batch_core_on_the_same_window(nsr_1h: FloatArray) -> None:
    """LF, HF, LF/HF: exactly the batch steps on the last 120 s; coherence: coherence_from_rr."""
    engine = Engine()
    last_t: float | None = None
    checked = 0
    for beat in _beats(nsr_1h[:1200]):
        snap = engine.push(beat)
        if snap.spectral_t_s == last_t or snap.lf_hf.value is None:
            last_t = snap.spectral_t_s
            continue
        last_t = snap.spectral_t_s
        nn = np.array(engine.spectral_beats())
        t, rr = nn[:, 0], nn[:, 1]
        first = max(int(np.searchsorted(t, t[-1] - 120.0, side="right")) - 1, 0)
        _, x = resample(t[first:], rr[first:], 4.0)
        bp = band_powers(*psd_welch(x, 4.0, detrend="linear"))
        assert snap.lf_ms2.value == pytest.approx(bp.lf_ms2, rel=1e-9)
        assert snap.hf_ms2.value == pytest.approx(bp.hf_ms2, rel=1e-9)
        assert snap.lf_hf.value == pytest.approx(bp.lf_hf, rel=1e-9)
        cr = coherence_from_rr(t, rr, 64.0)
        assert cr is not None
        assert snap.coherence.value == pytest.approx(cr, rel=1e-9)
        checked += 1
    assert checked >= 50


def test_warm_up_says_what_is_missing(nsr_5min: FloatArray) -> None:
    engine = Engine()
    beats = _beats(nsr_5min)
    snap = engine.push(beats[0])
    assert snap.rmssd_ms.value is None
    while engine.covered_s() < 12.0:
        snap = engine.push(beats[snap.beats])
    assert snap.rmssd_ms.value is None
    assert snap.rmssd_ms.reason is not None
    assert snap.rmssd_ms.reason.startswith("RMSSD needs 30 s of beats (")
    assert "so far" in snap.rmssd_ms.reason
    for b in beats[snap.beats :]:
        snap = engine.push(b)
        if engine.covered_s() > 100.0:
            break
    # 100 s of beats: RMSSD is there, LF/HF is not (never on less than 2 minutes).
    assert snap.rmssd_ms.valid
    assert snap.lf_hf.value is None and snap.lf_hf.reason is not None
    assert "2 min" in snap.lf_hf.reason
    assert snap.coherence.valid


def test_settling_beats_are_kept_out(nsr_5min: FloatArray) -> None:
    engine = Engine()
    beats = _beats(nsr_5min[:120])
    for b in beats[:10]:
        snap = engine.push(Beat(b.t_s, b.rr_ms, settling=True))
    assert snap.hr_bpm.valid and snap.hr_bpm.settling
    assert snap.rmssd_ms.value is None
    for b in beats[10:]:
        engine.push(b)
    used = {t for t, _ in engine.window_beats()}
    assert not used & {b.t_s for b in beats[:10]}


def _gap_run(rr: FloatArray, *, with_event: bool) -> tuple[Engine, list[Beat], list[Beat]]:
    engine = Engine()
    before = _beats(rr[:200])
    for b in before:
        engine.push(b)
    assert engine.snapshot.rmssd_ms.valid and engine.snapshot.coherence.valid
    t_gap = before[-1].t_s
    after = _beats(rr[200:400], t0_s=t_gap + 30.0)
    if with_event:
        engine.push(Gap(t_gap, t_gap + 30.0, "disconnected"))
    return engine, before, after


@pytest.mark.parametrize("with_event", [True, False], ids=["gap-event", "time-jump"])
def test_a_gap_resets_every_window(nsr_1h: FloatArray, with_event: bool) -> None:
    engine, _, after = _gap_run(nsr_1h, with_event=with_event)
    snap = engine.push(after[0])
    assert engine.gaps == 1
    assert snap.gap_total_s == pytest.approx(30.0, abs=1.5)
    assert snap.rmssd_ms.value is None
    assert snap.lf_hf.value is None and snap.coherence.value is None
    verdict_t: list[float] = []
    engine.on_verdict = lambda t, rr, kind: verdict_t.append(t)
    for b in after:
        snap = engine.push(b)
    # Nothing from before the gap is left in any window, and no difference spans it.
    t_first_after = after[0].t_s
    assert all(t >= t_first_after for t, _ in engine.window_beats())
    assert all(t >= t_first_after for t, _ in engine.spectral_beats())
    assert snap.rmssd_ms.valid
    t_end = engine.window_beats()[-1][0]
    x = np.array([r for t, r in engine.window_beats()])
    assert t_end - engine.window_beats()[0][0] < 60.0
    assert x.size > 30


def test_contact_loss_pauses_and_resets(nsr_5min: FloatArray) -> None:
    engine = Engine()
    beats = _beats(nsr_5min[:150])
    for b in beats:
        engine.push(b)
    assert engine.snapshot.rmssd_ms.valid
    snap = engine.push(ContactChanged(beats[-1].t_s + 0.5, contact=False))
    assert snap.gap_started_s is not None
    assert snap.rmssd_ms.value is None and snap.rmssd_ms.reason is not None
    assert "paused" in snap.rmssd_ms.reason
    assert engine.window_beats() == []


def test_tick_shows_a_drop_out_and_the_trace_breaks(nsr_5min: FloatArray) -> None:
    engine = _Traced(Engine())
    beats = _beats(nsr_5min[:100])
    for b in beats:
        engine.push(b)
    t_last = beats[-1].t_s
    assert engine.tick(t_last + 2.0).gap_started_s is None
    snap = engine.tick(t_last + 8.0)
    assert snap.gap_started_s == pytest.approx(t_last)
    _, hr = engine.hr_trace(60.0)
    assert math.isnan(hr[-1]) and np.isfinite(hr[:-1]).all()
    for b in _beats(nsr_5min[100:110], t0_s=t_last + 20.0):
        snap = engine.push(b)
    assert snap.gap_started_s is None
    _, rr = engine.rr_trace(120.0)
    assert np.isnan(rr).sum() == 1  # exactly one break, where the drop-out was


def test_markers_are_kept_in_order() -> None:
    engine = Engine()
    for i in range(30):
        engine.push(Marker(float(i), f"m{i}"))
    marks = engine.markers
    assert len(marks) == 20
    assert marks[-1] == (29.0, "m29") and marks[0][0] < marks[-1][0]


def test_memory_is_bounded_by_the_windows(nsr_1h: FloatArray) -> None:
    """A day's worth of state is the same size as an hour's: everything is windowed."""
    traced = _Traced(Engine())
    engine = traced.engine
    sizes = []
    for k, b in enumerate(_beats(np.tile(nsr_1h, 3))):
        traced.push(b)
        if k and k % 4000 == 0:
            sizes.append(
                (len(engine.window_beats()), len(engine.spectral_beats()), traced.hr_trace(1e9)[0].size)
            )
    windows, spectral, trace = zip(*sizes, strict=True)
    assert max(windows) < 200 and max(spectral) < 400
    assert max(trace) <= int(TRACE_S * 1000 / 250) + 64 + 2


def test_replayed_pacer_events_drive_synchrony(nsr_5min: FloatArray) -> None:
    engine = Engine()
    engine.push(PacerChanged(0.0, "resonance", 4.0, 0.0, 6.0, 0.0))
    for b in _beats(nsr_5min):
        snap = engine.push(b)
    assert snap.phase_sync.value is not None and 0.0 <= snap.phase_sync.value <= 1.0
    assert snap.phase_lag_s.value is not None and 0.0 <= snap.phase_lag_s.value < 10.0


def test_without_a_pacer_synchrony_says_why(nsr_5min: FloatArray) -> None:
    engine = Engine()
    for b in _beats(nsr_5min):
        snap = engine.push(b)
    assert snap.phase_sync.value is None
    assert snap.phase_sync.reason == "synchrony needs the breathing guide"
    assert snap.rsa_bpm.valid  # from breath cycles found in the data


@pytest.mark.parametrize(
    ("field", "value", "match"),
    [
        ("window_s", 45.0, "window_s must be one of"),
        ("coherence_window_s", 100.0, "coherence_window_s must be one of"),
        ("spectral_every_s", 0.0, "spectral_every_s must be in"),
    ],
)
def test_settings_are_checked(field: str, value: float, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        EngineSettings(**{field: value})  # type: ignore[arg-type]


@pytest.mark.parametrize("window_s", [30.0, 300.0])
def test_other_windows(nsr_1h: FloatArray, window_s: float) -> None:
    engine = Engine(EngineSettings(window_s=window_s))
    verdicts = _Verdicts(engine)
    for b in _beats(nsr_1h[:600]):
        snap = engine.push(b)
    t_end = engine.window_beats()[-1][0]
    _, x, breaks = verdicts.window(t_end, window_s)
    batch = time_domain(x, breaks=breaks)
    if snap.rmssd_ms.value is not None:
        assert snap.rmssd_ms.value == pytest.approx(batch.rmssd_ms, rel=1e-9)
    assert engine.window_beats()[-1][0] - engine.window_beats()[0][0] < window_s


def test_a_beat_out_of_order_is_counted_and_kept_out(nsr_5min: FloatArray) -> None:
    engine = Engine()
    beats = _beats(nsr_5min)
    for b in beats[:200]:
        engine.push(b)
    snap = engine.push(beats[150])  # a duplicate from the past
    assert snap.artifacts >= 1 and engine.kinds["order"] == 1
    for b in beats[200:]:
        snap = engine.push(b)
    assert snap.lf_hf.valid and snap.coherence.valid


_STEP = st.one_of(
    st.tuples(st.just("beat"), st.floats(100.0, 3000.0)),
    st.tuples(st.just("junk"), st.sampled_from([math.nan, math.inf, -5.0, 0.0])),
    st.tuples(st.just("steady"), st.integers(1, 150)),
    st.tuples(st.just("settling"), st.floats(300.0, 1500.0)),
    st.tuples(st.just("gap"), st.floats(0.5, 120.0)),
    st.tuples(st.just("contact"), st.booleans()),
    st.tuples(st.just("tick"), st.floats(0.0, 20.0)),
)


@settings(max_examples=60, deadline=None)
@given(st.lists(_STEP, min_size=1, max_size=40), st.integers(0, 2**16))
def test_any_event_stream_gives_valid_or_explained_metrics(
    steps: list[tuple[str, object]], seed: int
) -> None:
    """Degenerate input never raises: every metric has a finite value or a plain reason."""
    rng = np.random.default_rng(seed)
    engine = Engine()
    t = 0.0
    for kind, arg in steps:
        if kind == "beat":
            t += float(arg) / 1000.0  # type: ignore[arg-type]
            snap = engine.push(Beat(t, float(arg)))  # type: ignore[arg-type]
        elif kind == "junk":
            snap = engine.push(Beat(t + 0.5, float(arg)))  # type: ignore[arg-type]
        elif kind == "steady":
            for rr in 850.0 + 40.0 * rng.standard_normal(int(arg)):  # type: ignore[call-overload]
                t += rr / 1000.0
                snap = engine.push(Beat(t, float(rr)))
        elif kind == "settling":
            t += float(arg) / 1000.0  # type: ignore[arg-type]
            snap = engine.push(Beat(t, float(arg), settling=True))  # type: ignore[arg-type]
        elif kind == "gap":
            snap = engine.push(Gap(t, t + float(arg), "disconnected"))  # type: ignore[arg-type]
            t += float(arg)  # type: ignore[arg-type]
        elif kind == "contact":
            snap = engine.push(ContactChanged(t, contact=bool(arg)))
        else:
            snap = engine.tick(t + float(arg))  # type: ignore[arg-type]
        for name in (
            "hr_bpm", "hr_smoothed_bpm", "rr_ms", "rmssd_ms", "sdnn_ms", "pnn50_pct", "lf_ms2", "hf_ms2",
            "lf_hf", "coherence", "rsa_bpm", "breathing_rate_per_min", "phase_sync", "phase_lag_s", "quality_pct",
        ):  # fmt: skip
            m = getattr(snap, name)
            assert (m.value is not None and math.isfinite(m.value)) or m.reason, (name, m)
        assert 0 <= snap.artifacts <= snap.beats
    engine.summary()


@pytest.mark.parametrize("module", ["vagal.engine.core", "vagal.engine.driver", "vagal.commands.demo"])
def test_engine_modules_load_nothing_heavy(module: str) -> None:
    """numpy and scipy come in only when the first spectrum is computed; never a UI or Bluetooth."""
    import json
    import subprocess
    import sys

    probe = f"import {module}, sys, json; print(json.dumps(sorted({{m.split('.')[0] for m in sys.modules}})))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    loaded = set(json.loads(out.stdout.strip().splitlines()[-1]))
    assert not loaded & {"numpy", "scipy", "textual", "bleak", "matplotlib", "pandas", "neurokit2"}


def test_coherence_peak_at_the_edge_of_its_band_carries_a_caution() -> None:
    """A pure 16.2/min rhythm lies just above the 0.04–0.26 Hz search band: flagged (METHODS §6.1)."""
    engine = Engine()
    t = 0.0
    rng = np.random.default_rng(0)
    while t < 150.0:
        rr = 900.0 + 60.0 * math.sin(2 * math.pi * 0.27 * t) + rng.normal(0.0, 2.0)
        t += rr / 1000.0
        snap = engine.push(Beat(t, rr))
    assert snap.coherence.valid
    assert snap.coherence.caution is not None and "fastest edge" in snap.coherence.caution


def test_one_drop_out_is_one_gap_even_when_the_first_beat_comes_late(nsr_5min: FloatArray) -> None:
    """A strap reconnects, then its first beats arrive a few seconds after the Gap's end.

    That late start belongs to the same drop-out: it must not be counted as a second gap.
    """
    from vagal.events import SourceState

    engine = Engine()
    beats = _beats(nsr_5min[:100])
    for b in beats:
        engine.push(b)
    t_drop = beats[-1].t_s + 1.0
    engine.push(SourceState(t_drop, "reconnecting"))
    engine.push(SourceState(t_drop + 7.0, "connected"))
    engine.push(Gap(beats[-1].t_s, t_drop + 7.0, "disconnected"))
    snap = engine.snapshot
    for b in _beats(nsr_5min[100:130], t0_s=t_drop + 10.0):
        snap = engine.push(b)
    assert engine.gaps == 1
    assert snap.gap_started_s is None


def test_a_drop_out_seen_only_by_the_timer_still_resets_the_windows(nsr_5min: FloatArray) -> None:
    """No Gap event (a source that just went quiet): the time jump itself is the gap."""
    engine = Engine()
    beats = _beats(nsr_5min[:100])
    for b in beats:
        engine.push(b)
    t_last = beats[-1].t_s
    assert engine.tick(t_last + 8.0).gap_started_s is not None
    after = _beats(nsr_5min[100:110], t0_s=t_last + 20.0)
    for b in after:
        snap = engine.push(b)
    assert engine.gaps == 1
    assert snap.gap_total_s == pytest.approx(20.0, abs=1.5)
    assert all(t >= after[0].t_s for t, _ in engine.window_beats())


def test_a_strap_without_rr_still_draws_the_heart_trace_but_no_metric() -> None:
    from vagal.events import HeartRateOnly

    engine = _Traced(Engine())
    for k in range(60):
        snap = engine.push(HeartRateOnly(float(k), 60 + k % 5))
    t, hr = engine.hr_trace(90.0)
    assert t.size == 60 and np.allclose(hr, [60 + k % 5 for k in range(60)])
    assert snap.rmssd_ms.value is None and snap.beats == 0


def test_heart_rate_only_between_beats_does_not_draw_over_them(nsr_5min: FloatArray) -> None:
    from vagal.events import HeartRateOnly

    engine = _Traced(Engine())
    beats = _beats(nsr_5min[:50])
    for b in beats:
        engine.push(b)
        engine.push(HeartRateOnly(b.t_s + 0.1, 1))
    t, _ = engine.hr_trace(600.0)
    assert t.size == len(beats)


def test_an_event_that_changes_nothing_shown_returns_the_same_snapshot(nsr_5min: FloatArray) -> None:
    """Raw payloads, markers, pacer changes and device news come back as the snapshot they
    found, until the spectral timer falls due; at each beat everything but the spectral
    metrics (recomputed at other moments) is what an engine that never saw them shows."""
    import dataclasses

    from vagal.engine.core import SPECTRAL_METRICS
    from vagal.events import DeviceInfo, RawPayload

    def beat_side(snap: Snapshot) -> dict[str, object]:
        d = dataclasses.asdict(snap)
        return {k: v for k, v in d.items() if k not in (*SPECTRAL_METRICS, "spectral_t_s")}

    quiet, busy = Engine(), Engine()
    spectral_changes = 0
    for k, beat in enumerate(_beats(nsr_5min)):
        assert beat_side(busy.push(beat)) == beat_side(quiet.push(beat))
        before = busy.snapshot
        extra: Event
        for extra in (
            RawPayload(beat.t_s + 0.01, b"\x10\x40\x00\x04"),
            Marker(beat.t_s + 0.02, f"m{k}") if k % 50 == 0 else DeviceInfo(beat.t_s + 0.02, "strap", "H10"),
            PacerChanged(beat.t_s + 0.03, "custom", 4.0, 0.0, 6.0, 0.0) if k % 70 == 0 else RawPayload(beat.t_s, b""),
        ):
            after = busy.push(extra)
            if after is before:
                continue
            # Only the spectral timer, falling due on the way, makes a new one.
            assert after.spectral_t_s != before.spectral_t_s and after.spectral_t_s is not None
            spectral_changes += 1
            before = after
    assert spectral_changes > 0
    assert busy.markers[-1][1] == "m300" and len(busy.markers) == 7


def test_reset_starts_a_fresh_engine_with_the_same_settings_and_listener(nsr_5min: FloatArray) -> None:
    pacer = Pacer()
    settings_ = EngineSettings(window_s=30.0)
    engine = Engine(settings_, pacer=pacer)
    seen: list[float] = []
    engine.on_verdict = lambda t, rr, kind: seen.append(t)
    for beat in _beats(nsr_5min[:250]):
        engine.push(beat)
    engine.reset()
    assert engine.snapshot == Snapshot() and engine.markers == () and engine.gaps == 0
    assert engine.settings is settings_ and engine.pacer is pacer
    fresh = Engine(settings_, pacer=pacer)
    later = _beats(nsr_5min[100:], t0_s=500.0)
    seen.clear()
    for beat in later:
        assert engine.push(beat) == fresh.push(beat)
    assert engine.summary() == fresh.summary()
    assert seen and min(seen) >= later[0].t_s  # the listener stays, and hears only the new beats
