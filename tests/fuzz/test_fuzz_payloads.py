"""Payload streams as a strap (or a broken link) sends them: the decoder keeps its promises.

Hypothesis builds streams of Heart Rate Measurement payloads, real layouts with any flags,
RR values from the physiological to the impossible (0, 65535, anything in uint16), and
random bytes, arriving on time, late, in bursts stamped in one clock tick, after stalls,
with the clock stepping back or jumping ahead, and with reconnects. For every stream:

* the promises of ``vagal.sources.decode`` hold (strictly increasing beats, none after its
  arrival beyond the documented crowding, every value accounted for, gaps hold no beat);
* what the decoder emits, written as session lines and read back, is the same events with
  no damage reported: the reader's checks never mistake an honest recording for a damaged
  one, and a recorded stream is always readable to its end.
"""

from __future__ import annotations

import contextlib
import itertools
import json
from dataclasses import dataclass
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.fuzz.harness import broken_rules, run_in_process
from vagal.events import Beat, Event, Gap
from vagal.gatt import encode_heart_rate_measurement, parse_heart_rate_measurement
from vagal.sessions.codec import MAX_SESSION_S, event_to_dict
from vagal.sessions.reader import read_events
from vagal.sources.decode import CROWDED_SPACING_S, PayloadDecoder


@dataclass(frozen=True)
class Step:
    """One notification: how the clock moved since the last, and what arrived."""

    dt_s: float
    data: bytes
    reconnect: bool


RR_VALUE = st.one_of(
    st.integers(580, 1300),  # 45-100 bpm, in 1/1024 s
    st.integers(0, 65535),
    st.sampled_from([0, 1, 65535, 61441, 61440]),
)
VALID = st.builds(
    lambda hr, rr, contact, energy: encode_heart_rate_measurement(
        hr, rr, sensor_contact=contact, energy_expended_kj=energy
    ),
    st.one_of(st.integers(0, 255), st.sampled_from([0, 60, 72])),
    st.lists(RR_VALUE, max_size=9),
    st.sampled_from([None, True, True, False]),
    st.one_of(st.none(), st.integers(0, 65535)),
)
PAYLOAD = st.one_of(VALID, VALID, VALID, st.binary(max_size=24))
DT = st.one_of(
    st.floats(0.5, 1.5),  # on time, once a second
    st.sampled_from([0.0, 0.0, 0.001, 0.01]),  # a burst, several in one clock tick
    st.floats(4.0, 120.0),  # a stall
    st.floats(-3600.0, -0.001),  # the clock steps back
    st.floats(3600.0, 86400.0),  # the clock jumps ahead (a laptop's sleep)
)
STREAM = st.lists(
    st.builds(Step, DT, PAYLOAD, st.integers(0, 19).map(lambda k: k == 0)),  # a reconnect now and then
    min_size=1,
    max_size=120,
)


def _decode(steps: list[Step], settle_s: float) -> tuple[PayloadDecoder, list[Event], list[tuple[float, int]]]:
    """Feed the stream as a source does; returns the events and (latest arrival, crowded) per beat."""
    dec = PayloadDecoder(settle_s=settle_s)
    events: list[Event] = []
    bounds: list[tuple[float, int]] = []
    t = 0.0
    latest = float("-inf")
    for step in steps:
        t = min(t + step.dt_s, MAX_SESSION_S)  # a session file holds a week at most (codec.MAX_SESSION_S)
        if step.reconnect:
            # The source's drop-out gap ends at the reconnect (bleak_source.py, simulated.py).
            start = max(latest, 0.0)
            end = max(start, t)
            dec.reset(end)
            events.append(Gap(start, end, "disconnected"))
        latest = max(latest, t)
        crowded = dec.crowded
        out = dec.feed(t, step.data)
        events += out
        bounds += [(latest, dec.crowded - crowded)] * sum(isinstance(e, Beat) for e in out)
    return dec, events, bounds


@settings(max_examples=150, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(steps=STREAM, settle_s=st.sampled_from([0.0, 5.0]))
def test_the_decoder_keeps_its_promises(steps: list[Step], settle_s: float) -> None:
    dec, events, bounds = _decode(steps, settle_s)
    beats = [e for e in events if isinstance(e, Beat)]
    sent: list[float] = []
    for step in steps:
        with contextlib.suppress(ValueError):
            sent += parse_heart_rate_measurement(step.data).rr_intervals_ms
    times = [b.t_s for b in beats]
    assert all(b > a for a, b in itertools.pairwise(times))  # 1. strictly increasing
    assert all(b.rr_ms in sent and 0 < b.rr_ms <= 60_000 for b in beats)  # 1. the strap's own values
    late = 0
    prev = float("-inf")
    for b, (latest, _) in zip(beats, bounds, strict=True):
        if b.t_s > latest + 1e-9:  # 2. never after arrival, but for a crowded beat, 1 µs after the one before
            assert abs(b.t_s - prev - CROWDED_SPACING_S) < 1e-9, (b.t_s, prev, latest)
            late += 1
        prev = b.t_s
    assert late <= dec.crowded
    counted = dec.beats + dec.zero_rr_skipped + dec.impossible_rr + dec.early_skipped + dec.no_contact_skipped
    assert counted == len(sent)  # 3. every value accounted for
    for g in (e for e in events if isinstance(e, Gap) and e.reason != "disconnected"):  # the decoder's own
        assert g.end_s >= g.start_s  # 4. gaps hold no beat
        assert not [t for t in times if g.start_s < t < g.end_s]


def _session_bytes(events: list[Event]) -> bytes:
    header = {"format": "vagal-session", "format_version": 1, "type": "header", "t": 0.0,
              "start": "2026-11-24T07:30:00.000+01:00", "source": "fuzz"}
    lines = [json.dumps(header)] + [json.dumps(event_to_dict(e), ensure_ascii=False) for e in events]
    return ("\n".join(lines) + "\n").encode()


@settings(max_examples=150, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(steps=STREAM, settle_s=st.sampled_from([0.0, 5.0]))
def test_a_recorded_stream_reads_back_whole_with_no_damage(steps: list[Step], settle_s: float) -> None:
    _, events, _ = _decode(steps, settle_s)
    _, back, damage, unknown = read_events("fuzz.vagal.jsonl", _session_bytes(events))
    assert damage == []
    assert unknown == 0
    assert back == events


@settings(
    max_examples=15, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(steps=STREAM)
def test_a_recorded_stream_keeps_the_rule_in_analyze_and_replay(steps: list[Step], tmp_path: Path) -> None:
    _, events, _ = _decode(steps, 5.0)
    path = tmp_path / "s.vagal.jsonl"
    path.write_bytes(_session_bytes(events))
    for argv in (["analyze", str(path), "--json"], ["replay", str(path), "--headless", "--speed", "max", "--json"]):
        assert broken_rules(run_in_process(argv, data_dir=tmp_path)) == [], argv
