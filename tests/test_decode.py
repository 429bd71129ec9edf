"""PayloadDecoder: payload bytes in, beats on a monotonic, back-dated time axis out.

The streams are built the way a strap sends them: real RR intervals (the pyhrv NSR
recording in shared/data, quantised to 1/1024 s as a strap would) grouped into one
notification a second, delivered with a delay. Because the true beat times are known,
the tests check placement against them, not against our own earlier output.
"""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vagal.events import Beat, ContactChanged, Event, Gap, HeartRateOnly, PayloadRejected, RawPayload
from vagal.gatt import MS_PER_RR_UNIT, encode_heart_rate_measurement, rr_ms_to_raw
from vagal.sources.decode import DEFAULT_MAX_LAG_S, PayloadDecoder


@dataclass
class Sent:
    """One notification: when it arrived, its bytes, and the true times of its beats."""

    arrival_s: float
    data: bytes
    true_t_s: list[float]
    rr_raw: list[int]


def strap_stream(
    rr_raw: list[int],
    *,
    start_s: float = 0.5,
    delay_s: tuple[float, float] = (0.0, 0.3),
    seed: int = 1,
    contact: bool | None = None,
) -> list[Sent]:
    """Notifications once a second holding the beats of the last second (Polar-style)."""
    rng = random.Random(seed)
    true_t = start_s + np.cumsum(np.asarray(rr_raw, dtype=np.float64) / 1024.0)
    out: list[Sent] = []
    i = 0
    tick = float(np.floor(start_s)) + 1.0
    while i < len(rr_raw):
        j = i
        while j < len(rr_raw) and true_t[j] <= tick:
            j += 1
        chunk = rr_raw[i:j]
        hr = 60 if not chunk else round(60 * 1024 / chunk[-1])
        data = encode_heart_rate_measurement(hr, chunk, sensor_contact=contact)
        out.append(Sent(tick + rng.uniform(*delay_s), data, [float(t) for t in true_t[i:j]], list(chunk)))
        i = j
        tick += 1.0
    return out


def feed_all(dec: PayloadDecoder, sent: list[Sent]) -> list[Event]:
    events: list[Event] = []
    for s in sent:
        events += dec.feed(s.arrival_s, s.data)
    return events


def beats(events: list[Event]) -> list[Beat]:
    return [e for e in events if isinstance(e, Beat)]


@pytest.fixture
def nsr_raw(nsr_5min: npt.NDArray[np.float64]) -> list[int]:
    return [rr_ms_to_raw(v) for v in nsr_5min]


def test_first_notification_is_back_dated_from_arrival() -> None:
    dec = PayloadDecoder(settle_s=0)
    out = dec.feed(10.0, encode_heart_rate_measurement(70, [819, 922]))
    assert isinstance(out[0], RawPayload)
    got = beats(out)
    # The last beat at arrival, the one before it one RR earlier: never both at arrival.
    assert [b.t_s for b in got] == [10.0 - 922 / 1024, 10.0]
    assert [b.rr_ms for b in got] == [819 * MS_PER_RR_UNIT, 922 * MS_PER_RR_UNIT]


def test_later_beats_follow_the_rr_values_not_the_arrival() -> None:
    dec = PayloadDecoder(settle_s=0)
    dec.feed(10.0, encode_heart_rate_measurement(70, [1024]))
    late = beats(dec.feed(11.4, encode_heart_rate_measurement(70, [1000])))  # arrives 0.42 s after its beat
    assert late[0].t_s == 10.0 + 1000 / 1024


def test_rr_values_are_exact_floats(nsr_raw: list[int]) -> None:
    got = beats(feed_all(PayloadDecoder(), strap_stream(nsr_raw)))
    assert [b.rr_ms for b in got] == [v * 1000 / 1024 for v in nsr_raw[-len(got) :]]


def test_real_recording_timing_is_monotonic_and_close_to_truth(nsr_raw: list[int]) -> None:
    sent = strap_stream(nsr_raw, delay_s=(0.0, 0.3))
    dec = PayloadDecoder(settle_s=5)
    events = feed_all(dec, sent)
    got = beats(events)
    assert not [e for e in events if isinstance(e, Gap)]
    assert len(got) == len(nsr_raw) == dec.beats
    times = np.array([b.t_s for b in got])
    assert np.all(np.diff(times) > 0)
    truth = np.concatenate([s.true_t_s for s in sent])
    err = times - truth
    # A beat is up to one notification period (1 s) plus the delivery delay (≤ 0.3 s) old
    # when it arrives; the first anchor cannot know how old, later notifications reveal it
    # and the axis is slewed toward the earliest consistent placement. Never too early.
    assert np.all(err >= -1e-9) and np.all(err <= 1.3 + 1e-9), (err.min(), err.max())
    assert np.abs(err[-50:]).max() < 0.05
    # Every beat lies before (or at) the arrival of the notification that carried it.
    arrival = np.concatenate([[s.arrival_s] * len(s.rr_raw) for s in sent])
    assert np.all(times <= arrival + 1e-9)
    # Settling: exactly the beats in the first 5 s of the session.
    assert [b.settling for b in got] == [t < 5.0 for t in times]


def test_lost_notifications_become_a_gap_not_a_long_beat(nsr_raw: list[int]) -> None:
    sent = strap_stream(nsr_raw[:120], delay_s=(0.05, 0.05))
    lost = sent[30:36]  # six notifications (about six seconds of beats) never arrive
    kept = sent[:30] + sent[36:]
    events = feed_all(PayloadDecoder(settle_s=0), kept)
    gaps = [e for e in events if isinstance(e, Gap)]
    assert len(gaps) == 1
    gap = gaps[0]
    assert gap.reason == "no_data"
    last_before = sent[29].true_t_s[-1]
    first_after = sent[36].true_t_s[0]
    got = beats(events)
    i_gap = events.index(gap)
    before, after = beats(events[:i_gap]), beats(events[i_gap:])
    # The gap starts at the last beat before it and ends where the first interval after it starts.
    assert gap.start_s == before[-1].t_s
    assert gap.end_s == after[0].t_s - after[0].rr_ms / 1000
    # Both near the truth: never early; the re-anchor after the gap is at most one
    # notification period (1 s) plus the delivery delay (0.05 s) late.
    assert 0 <= gap.start_s - last_before < 0.3
    assert 0 <= gap.end_s - (first_after - sent[36].rr_raw[0] / 1024) < 1.05 + 1e-9
    assert not [b for b in got if gap.start_s < b.t_s < gap.end_s]
    assert len(got) == 120 - sum(len(s.rr_raw) for s in lost)
    # No RR is stretched over the hole: all values are the strap's own.
    assert {b.rr_ms for b in got} <= {v * MS_PER_RR_UNIT for v in nsr_raw[:120]}
    assert all(b.t_s > gap.end_s for b in after)


def test_a_notification_delivered_late_is_not_a_gap(nsr_raw: list[int]) -> None:
    """Polar: RR values can arrive 3-4 s after the beat. A late one, then a burst, is delay."""
    sent = strap_stream(nsr_raw[:60], delay_s=(0.05, 0.05))
    burst_s = sent[20].arrival_s + 2.5
    # Held back, then delivered together: the oldest beat in the burst is 3.5 s old on arrival
    # (up to a second of waiting for the notification, plus 2.5 s of delivery delay).
    for s in sent[20:23]:  # (each arrives later than it would have, never earlier)
        assert s.arrival_s <= burst_s
        s.arrival_s = burst_s
    events = feed_all(PayloadDecoder(settle_s=0), sent)
    assert not [e for e in events if isinstance(e, Gap)]
    oldest_s = burst_s - sent[20].true_t_s[0]
    assert 3.0 < oldest_s < DEFAULT_MAX_LAG_S
    got = beats(events)
    assert len(got) == 60
    times = np.array([b.t_s for b in got])
    truth = np.concatenate([s.true_t_s for s in sent])
    assert np.all(np.diff(times) > 0)
    assert np.all(times - truth >= -1e-9)  # never before the true beat
    assert np.abs(times - truth)[-20:].max() < 0.3  # back on track after the burst


def test_one_lost_notification_stays_below_the_gap_threshold() -> None:
    dec = PayloadDecoder(settle_s=0)
    dec.feed(1.0, encode_heart_rate_measurement(60, [1024]))
    out = dec.feed(3.0, encode_heart_rate_measurement(60, [1024]))  # the one at 2.0 was lost
    assert not [e for e in out if isinstance(e, Gap)]
    assert 3.0 - 2.0 < DEFAULT_MAX_LAG_S


def test_reported_contact_lost_and_found() -> None:
    dec = PayloadDecoder(settle_s=5)
    seq = [(t, 60, [1024], True) for t in range(1, 11)]
    seq += [(t, 0, [], False) for t in range(11, 16)]
    seq += [(t, 60, [1024], True) for t in range(16, 26)]
    events: list[Event] = []
    for t, hr, rr, c in seq:
        events += dec.feed(float(t), encode_heart_rate_measurement(hr, rr, sensor_contact=c))
    changes = [e for e in events if isinstance(e, ContactChanged)]
    assert [(c.t_s, c.contact, c.judged) for c in changes] == [(11.0, False, False), (16.0, True, False)]
    gaps = [e for e in events if isinstance(e, Gap)]
    assert [(g.start_s, g.end_s, g.reason) for g in gaps] == [(10.0, 15.0, "contact_lost")]
    after = [b for b in beats(events) if b.t_s > 15]
    # Settling again for 2 s after contact is back (capped by settle_s).
    assert [b.settling for b in after] == [b.t_s < 18.0 for b in after]
    assert all(b.contact is True for b in beats(events))


def test_contact_judged_when_strap_does_not_report_it() -> None:
    """Polar H10 style: contact "not supported"; HR keeps coming but RR stops."""
    dec = PayloadDecoder(settle_s=0, no_rr_contact_s=5)
    events: list[Event] = []
    for t in range(1, 6):
        events += dec.feed(float(t), encode_heart_rate_measurement(60, [1024]))
    for t in range(6, 13):
        events += dec.feed(float(t), encode_heart_rate_measurement(58))
    for t in range(13, 16):
        events += dec.feed(float(t), encode_heart_rate_measurement(60, [1024]))
    changes = [e for e in events if isinstance(e, ContactChanged)]
    assert [(c.t_s, c.contact, c.judged) for c in changes] == [(10.0, False, True), (13.0, True, True)]
    assert [(g.start_s, g.end_s, g.reason) for g in events if isinstance(g, Gap)] == [
        (5.0, 12.0, "contact_lost")
    ]
    assert sum(isinstance(e, HeartRateOnly) for e in events) == 7


def test_heart_rate_zero_means_no_contact() -> None:
    dec = PayloadDecoder(settle_s=0)
    dec.feed(1.0, encode_heart_rate_measurement(60, [1024]))
    out = dec.feed(2.0, encode_heart_rate_measurement(0))
    assert [e for e in out if isinstance(e, ContactChanged)] == [ContactChanged(2.0, False, judged=True)]


def test_reset_starts_settling_and_drops_beats_from_before_it() -> None:
    dec = PayloadDecoder(settle_s=5)
    dec.feed(10.0, encode_heart_rate_measurement(60, [1024]))
    dec.reset(20.0)  # reconnected at 20 s
    out = beats(dec.feed(20.5, encode_heart_rate_measurement(60, [1024, 1024, 512])))
    # 20.5 - 0.5 = 20.0 is kept (ends at the reconnect); 19.0 is inside the drop-out.
    assert [b.t_s for b in out] == [20.0, 20.5]
    assert dec.early_skipped == 1
    out += beats(dec.feed(21.5, encode_heart_rate_measurement(60, [1024])))
    out += beats(dec.feed(30.0, encode_heart_rate_measurement(60, [1024])))
    assert [b.settling for b in out] == [True, True, True, False]


def test_rejected_payloads_are_counted_and_skipped() -> None:
    dec = PayloadDecoder(settle_s=0)
    dec.feed(1.0, encode_heart_rate_measurement(60, [1024]))
    out = dec.feed(2.0, bytes([0x10, 60, 0x00]))
    assert [type(e) for e in out] == [RawPayload, PayloadRejected]
    assert isinstance(out[1], PayloadRejected) and "even number" in out[1].reason
    nxt = beats(dec.feed(2.0, encode_heart_rate_measurement(60, [1024])))
    assert nxt[0].t_s == 2.0
    assert (dec.payloads, dec.rejected, dec.beats) == (3, 1, 2)


def test_zero_rr_values_are_not_beats() -> None:
    dec = PayloadDecoder(settle_s=0)
    out = dec.feed(1.0, encode_heart_rate_measurement(60, [0, 1024]))
    assert len(beats(out)) == 1 and dec.zero_rr_skipped == 1


def test_late_first_notification_is_corrected_by_the_next() -> None:
    """The first notification came 0.8 s late: the next one, on time, pulls the axis back."""
    dec = PayloadDecoder(settle_s=0)
    first = beats(dec.feed(1.8, encode_heart_rate_measurement(60, [1024])))  # true beat at 1.0
    got: list[Beat] = []
    for k in range(2, 6):
        got += beats(dec.feed(float(k), encode_heart_rate_measurement(60, [1024])))  # on time
    assert first[0].t_s == 1.8
    assert [b.t_s for b in got] == [2.0, 3.0, 4.0, 5.0]  # never after its own arrival
    assert all(b.rr_ms == 1000.0 for b in got)


def test_rr_values_that_do_not_fit_the_time_are_squeezed_not_run_ahead() -> None:
    """The same notification delivered twice (duplicated values) cannot push beats into the future."""
    dec = PayloadDecoder(settle_s=0)
    dup = encode_heart_rate_measurement(60, [1024, 1024, 1024])
    first = beats(dec.feed(3.0, dup))
    again = beats(dec.feed(3.1, dup))
    times = [b.t_s for b in first + again]
    assert all(b < a for b, a in itertools.pairwise(times))
    assert max(times) <= 3.1 + 1e-9


@settings(max_examples=60, deadline=None)
@given(
    rr_raw=st.lists(st.integers(300, 2000), min_size=1, max_size=120),
    delay_max_s=st.floats(0.0, 1.5),
    drop=st.sets(st.integers(0, 150), max_size=20),
    seed=st.integers(0, 2**16),
)
def test_any_stream_gives_increasing_times_exact_rr_and_empty_gaps(
    rr_raw: list[int], delay_max_s: float, drop: set[int], seed: int
) -> None:
    sent = [
        s for k, s in enumerate(strap_stream(rr_raw, delay_s=(0.0, delay_max_s), seed=seed)) if k not in drop
    ]
    sent.sort(key=lambda s: s.arrival_s)
    dec = PayloadDecoder()
    events = feed_all(dec, sent)
    got = beats(events)
    times = [b.t_s for b in got]
    assert all(b > a for a, b in itertools.pairwise(times))
    assert all(t >= 0 for t in times)
    assert {b.rr_ms for b in got} <= {v * MS_PER_RR_UNIT for v in rr_raw}
    for g in (e for e in events if isinstance(e, Gap)):
        assert g.end_s >= g.start_s
        assert not [t for t in times if g.start_s < t < g.end_s]
    assert dec.beats + dec.early_skipped == sum(len(s.rr_raw) for s in sent)


# --- damaged input: impossible values, bursts and stalls keep the promises of the module docstring -------


def _promises(dec: PayloadDecoder, fed: list[tuple[float, bytes]]) -> list[Event]:
    """Feed ``fed`` and check points 1-4 of decode.py's docstring; returns the events."""
    from vagal.gatt import parse_heart_rate_measurement

    events: list[Event] = []
    latest = float("-inf")
    prev_t = float("-inf")
    sent = 0
    for arrival, data in fed:
        latest = max(latest, arrival)
        out = dec.feed(arrival, data)
        events += out
        try:
            values = set(parse_heart_rate_measurement(data).rr_intervals_ms)
            sent += len(parse_heart_rate_measurement(data).rr_intervals_ms)
        except ValueError:
            values = set()
        got = beats(out)
        for b in got:
            assert b.t_s > prev_t  # 1. strictly increasing
            assert b.rr_ms in values and 0 < b.rr_ms <= 60_000  # 1. the strap's own values
            if b.t_s > latest + 1e-9:  # 2. never after arrival, but for a crowded beat: 1 µs after the one before
                assert abs(b.t_s - prev_t - 1e-6) < 1e-9, (b.t_s, prev_t, latest)
            prev_t = b.t_s
    # 3. every value accounted for
    counted = dec.beats + dec.zero_rr_skipped + dec.impossible_rr + dec.early_skipped + dec.no_contact_skipped
    assert counted == sent
    # 4. gaps hold no beat
    times = [b.t_s for b in beats(events)]
    for g in (e for e in events if isinstance(e, Gap)):
        assert g.end_s >= g.start_s
        assert not [t for t in times if g.start_s < t < g.end_s]
    return events


def test_an_rr_value_over_a_minute_is_rejected_with_a_break_not_a_beat() -> None:
    """A legal uint16 (65535/1024 s = 64 s) is no heartbeat: it once made recordings unreadable."""
    dec = PayloadDecoder(settle_s=0)
    dec.feed(1.0, encode_heart_rate_measurement(60, [1024]))
    out = dec.feed(3.0, encode_heart_rate_measurement(60, [1024, 65535, 1000]))
    kinds = [type(e).__name__ for e in out]
    assert kinds == ["RawPayload", "PayloadRejected", "Beat", "Gap", "Beat"]
    rejected = out[1]
    assert isinstance(rejected, PayloadRejected)
    assert rejected.reason == "RR value 63999 ms is over a minute, not a heartbeat: left out, with a break in its place"
    got = beats(out)
    assert [b.rr_ms for b in got] == [1000.0, 1000 * 1000 / 1024]
    gap = out[3]
    assert isinstance(gap, Gap) and gap.start_s == got[0].t_s and gap.end_s <= got[1].t_s - got[1].rr_ms / 1000
    assert (dec.impossible_rr, dec.rejected, dec.beats) == (1, 1, 3)


def test_an_impossible_value_at_the_end_of_a_payload_breaks_before_the_next_beat() -> None:
    dec = PayloadDecoder(settle_s=0)
    dec.feed(1.0, encode_heart_rate_measurement(60, [1024, 65535]))
    out = dec.feed(2.0, encode_heart_rate_measurement(60, [1024]))
    assert [type(e).__name__ for e in out] == ["RawPayload", "Gap", "Beat"]


def test_a_recording_with_an_impossible_value_reads_to_its_end(tmp_path: Path) -> None:
    """Through the recorder and back: every reader once stopped at the 64 s beat."""
    from vagal.sessions.reader import read_session
    from vagal.sessions.writer import Recorder, make_header

    dec = PayloadDecoder(settle_s=0)
    path = tmp_path / "s.vagal.jsonl"
    with Recorder(path, make_header(source="test")) as rec:
        for k in range(1, 121):
            rr = [1024, 65535] if k == 60 else [1024]
            for e in dec.feed(float(k), encode_heart_rate_measurement(60, rr)):
                rec.write(e)
    got = read_session(path)
    assert got.damage == ()
    assert got.n_beats == 120 and set(got.rr_ms.tolist()) == {1000.0}
    assert np.flatnonzero(got.breaks).tolist() == [60]


def test_a_burst_after_a_stall_never_lands_after_its_arrival() -> None:
    """10 s without notifications, then 11 queued ones within 10 ms (a stalled link that catches up)."""
    dec = PayloadDecoder(settle_s=0)
    fed = [(float(k), encode_heart_rate_measurement(75, [819])) for k in range(1, 11)]
    fed += [(20.0 + 0.001 * j, encode_heart_rate_measurement(75, [819])) for j in range(11)]
    events = _promises(dec, fed)
    burst = beats(events)[-11:]
    assert [b.t_s for b in burst[1:]] == [20.0 + 0.001 * j for j in range(1, 11)]  # at arrival, never after
    assert dec.crowded == 0


def test_nine_longest_legal_values_in_one_payload_never_run_ahead() -> None:
    """Nine RR values of 65,535 once placed beats up to 4.8 s after arrival."""
    dec = PayloadDecoder(settle_s=0)
    fed = [(float(k), encode_heart_rate_measurement(60, [1024])) for k in range(1, 6)]
    fed.append((6.0, encode_heart_rate_measurement(60, [65535] * 9)))
    fed.append((6.5, encode_heart_rate_measurement(60, [60_000] * 9)))  # 58.6 s each: legal, squeezed
    fed.append((7.5, encode_heart_rate_measurement(60, [1024])))
    _promises(dec, fed)
    assert dec.impossible_rr == 9


def test_notifications_stamped_in_one_tick_are_crowded_and_counted() -> None:
    """A coarse clock (15.6 ms on some systems) gives a burst one time stamp."""
    dec = PayloadDecoder(settle_s=0)
    fed = [(1.0, encode_heart_rate_measurement(60, [1024]))] * 4 + [(2.0, encode_heart_rate_measurement(60, [1024]))]
    events = _promises(dec, fed)
    assert [b.t_s for b in beats(events)][:4] == pytest.approx([1.0, 1.000001, 1.000002, 1.000003], abs=1e-12)
    assert dec.crowded == 3


def test_a_clock_that_steps_back_is_taken_as_standing_still() -> None:
    dec = PayloadDecoder(settle_s=0)
    fed = [(float(k), encode_heart_rate_measurement(60, [1024])) for k in range(1, 6)]
    fed += [(5.0 - 3600.0, encode_heart_rate_measurement(60, [1024])), (6.0, encode_heart_rate_measurement(60, [1024]))]
    events = _promises(dec, fed)
    assert dec.clock_steps_back == 1
    assert all(e.t_s >= 0 for e in events)


def test_the_decoder_and_the_readers_agree_on_what_is_a_beat() -> None:
    """A beat the decoder keeps is one every reader reads back (its bounds are the codec's)."""
    from vagal.gatt import MS_PER_RR_UNIT
    from vagal.sessions import codec
    from vagal.sources import decode

    assert decode.MAX_RR_MS == codec.MAX_RR_MS
    assert 1 * MS_PER_RR_UNIT >= codec.MIN_RR_MS  # the smallest value a strap can send
