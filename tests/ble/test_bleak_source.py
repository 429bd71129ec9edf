"""BleakSource and the scan through unmodified bleak (BlueZ backend) against the D-Bus stand-in.

The notification payloads are the ones shared/ble/README.md shows going through the same
stand-in (`10 3c 00 04` …) and payloads built from the Heart Rate Service layout with
vagal.gatt.encode_heart_rate_measurement. Session time comes from a VirtualClock that the
test moves before each push, so every arrival stamp is known exactly.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import TYPE_CHECKING, Any

import pytest

from tests.ble.fixtures import POLAR_INFO
from vagal.clock import VirtualClock
from vagal.errors import BluetoothError, DeviceNotFoundError
from vagal.events import (
    Beat,
    DeviceInfo,
    Event,
    Gap,
    HeartRateOnly,
    Note,
    PayloadRejected,
    RawPayload,
    SourceState,
)
from vagal.gatt import encode_heart_rate_measurement
from vagal.sources.base import BeatSource
from vagal.sources.bleak_source import NO_RR_NOTICE, BleakSource, choose_strap, discover_straps

if TYPE_CHECKING:  # fake_hr_strap imports dbus, which a machine without the ble-test extra lacks
    from tests.ble.fake_hr_strap import FakeHrStrap

pytestmark = pytest.mark.ble

FAST = {"connect_timeout_s": 5.0, "backoff_initial_s": 0.05, "backoff_max_s": 0.2}


class Reader:
    """Pull events from a source's iterator until a condition holds (with a timeout)."""

    def __init__(self, source: BleakSource) -> None:
        self.it: AsyncIterator[Event] = aiter(source)
        self.seen: list[Event] = []

    async def until(self, pred: Callable[[Event], bool], timeout_s: float = 8.0) -> list[Event]:
        got: list[Event] = []
        while True:
            e = await asyncio.wait_for(anext(self.it), timeout_s)
            got.append(e)
            self.seen.append(e)
            if pred(e):
                return got


async def push(strap: FakeHrStrap, clock: VirtualClock, t_s: float, data: bytes) -> None:
    clock.jump_to(t_s)
    await asyncio.to_thread(strap.push_hr, data)


def of(kind: type[Any], events: list[Event]) -> list[Any]:
    return [e for e in events if isinstance(e, kind)]


async def test_discover_finds_the_strap_and_its_profile(strap: FakeHrStrap) -> None:
    found = await discover_straps(1.0)
    assert [(s.name, s.address) for s in found] == [("Polar H10 0A1B2C3D", strap.address)]
    assert found[0].profile is not None and found[0].profile.id == "polar-h10"
    assert isinstance(found[0].rssi_dbm, int) and -70 < found[0].rssi_dbm < -40


async def test_discover_stops_early_once_the_strap_is_seen(strap: FakeHrStrap) -> None:
    loop = asyncio.get_running_loop()
    t0 = loop.time()
    found = await discover_straps(10.0, grace_s=0.2)
    assert len(found) == 1 and loop.time() - t0 < 3.0


async def test_connect_reads_info_and_streams_back_dated_beats(strap: FakeHrStrap) -> None:
    clock = VirtualClock()
    source = BleakSource(strap.address, clock=clock, **FAST)
    assert isinstance(source, BeatSource)
    async with source:
        r = Reader(source)
        head = await r.until(lambda e: isinstance(e, DeviceInfo))
        assert [e.state for e in of(SourceState, head)] == ["connecting", "connected"]
        info = of(DeviceInfo, head)[0]
        assert (info.kind, info.address, info.battery_pct) == ("strap", strap.address, 87)
        assert (info.manufacturer, info.model, info.firmware) == (
            POLAR_INFO["manufacturer"],
            POLAR_INFO["model"],
            POLAR_INFO["firmware"],
        )
        assert (info.profile, info.sends_rr) == ("polar-h10", True)
        assert strap.is_notifying()

        await push(strap, clock, 10.0, bytes.fromhex("10 40 c0 03 bb 03"))  # README payload, 2 RR
        got = await r.until(lambda e: isinstance(e, Beat) and e.rr_ms == 932.6171875)
        await push(strap, clock, 11.2, bytes.fromhex("10 3d ef 03"))
        got += await r.until(lambda e: isinstance(e, Beat))
    rest = [e async for e in source]
    assert rest[-1] == SourceState(rest[-1].t_s, "ended", rest[-1].detail)
    raws = of(RawPayload, got)
    assert [p.t_s for p in raws] == [10.0, 11.2]
    beats = of(Beat, got)
    # Back-dated from the arrival (last beat at 10.0), then by the RR values, never by arrival.
    assert [b.t_s for b in beats] == [10.0 - 0.9326171875, 10.0, 10.0 + 0.9833984375]
    assert [b.rr_ms for b in beats] == [937.5, 932.6171875, 983.3984375]
    assert [b.hr_bpm for b in beats] == [64, 64, 61]
    assert source.stats.payloads == 2 and source.stats.beats == 3
    assert not strap.is_notifying()  # close() unsubscribed and disconnected


async def test_a_dropped_link_reconnects_and_leaves_a_gap(strap: FakeHrStrap) -> None:
    clock = VirtualClock()
    async with BleakSource(strap.address, clock=clock, **FAST) as source:
        r = Reader(source)
        await r.until(lambda e: isinstance(e, DeviceInfo))
        await push(strap, clock, 5.0, encode_heart_rate_measurement(60, [1024]))
        await r.until(lambda e: isinstance(e, Beat))
        clock.jump_to(6.0)
        await asyncio.to_thread(strap.drop_link)
        lost = await r.until(lambda e: isinstance(e, SourceState) and e.state == "reconnecting")
        clock.jump_to(9.0)  # the strap comes back three seconds later
        back = await r.until(lambda e: isinstance(e, DeviceInfo))
        await push(strap, clock, 9.5, encode_heart_rate_measurement(60, [1024, 1024, 512]))
        after = await r.until(lambda e: isinstance(e, Beat) and e.rr_ms == 500.0)
    assert of(SourceState, lost)[-1].t_s == 6.0
    gaps = of(Gap, back)
    assert gaps == [Gap(6.0, 9.0, "disconnected")]
    assert [e.state for e in of(SourceState, back)][-1] == "connected"
    # Back-dated from 9.5: beats at 8.0 (inside the drop-out: dropped), 9.0 and 9.5.
    assert [(b.t_s, b.rr_ms, b.settling) for b in of(Beat, after)] == [
        (9.0, 1000.0, True),
        (9.5, 500.0, True),
    ]
    assert source.stats.reconnects == 1 and source.stats.gap_s == 3.0
    assert source.decoder.early_skipped == 1
    # Events come in time order across the drop-out (beats are back-dated from their
    # notification's arrival by design, so they are checked among themselves).
    times = [e.t_s for e in r.seen if not isinstance(e, Beat)]
    assert times == sorted(times)
    beat_times = [e.t_s for e in r.seen if isinstance(e, Beat)]
    assert beat_times == sorted(beat_times)


async def test_reconnect_keeps_trying_with_backoff_until_the_strap_is_back(strap: FakeHrStrap) -> None:
    clock = VirtualClock()
    async with BleakSource(strap.address, clock=clock, **FAST) as source:
        r = Reader(source)
        await r.until(lambda e: isinstance(e, DeviceInfo))
        await asyncio.to_thread(strap.fail_connect, "le-connection-abort-by-remote")
        await asyncio.to_thread(strap.drop_link)
        retries = await r.until(lambda e: isinstance(e, SourceState) and "attempt 2" in e.detail)
        await asyncio.to_thread(strap.fail_connect, None)
        back = await r.until(lambda e: isinstance(e, Gap))
    details = [e.detail for e in of(SourceState, retries)]
    assert details[0].startswith("lost the link")
    assert "attempt 1" in details[1] and "next try in" in details[1]
    assert of(Gap, back)[0].reason == "disconnected"


async def test_close_during_reconnect_ends_the_stream(strap: FakeHrStrap) -> None:
    source = BleakSource(strap.address, clock=VirtualClock(), **FAST)
    async with source:
        r = Reader(source)
        await r.until(lambda e: isinstance(e, DeviceInfo))
        await asyncio.to_thread(strap.fail_connect, "le-connection-abort-by-remote")
        await asyncio.to_thread(strap.drop_link)
        await r.until(lambda e: isinstance(e, SourceState) and e.state == "reconnecting")
    rest = await asyncio.wait_for(r.until(lambda e: isinstance(e, SourceState) and e.state == "ended"), 8)
    assert not of(Gap, rest)


async def test_malformed_payload_is_counted_and_skipped(strap: FakeHrStrap) -> None:
    clock = VirtualClock()
    async with BleakSource(strap.address, clock=clock, **FAST) as source:
        r = Reader(source)
        await r.until(lambda e: isinstance(e, DeviceInfo))
        await push(strap, clock, 1.0, bytes([0x10, 60, 0x00]))  # RR flag, but half an RR value
        bad = await r.until(lambda e: isinstance(e, PayloadRejected))
        await push(strap, clock, 2.0, encode_heart_rate_measurement(60, [1024]))
        good = await r.until(lambda e: isinstance(e, Beat))
    assert of(PayloadRejected, bad)[0].data == bytes([0x10, 60, 0x00])
    assert "even number" in of(PayloadRejected, bad)[0].reason
    assert of(Beat, good)[0].t_s == 2.0
    assert (source.stats.payloads, source.stats.rejected, source.stats.beats) == (2, 1, 1)


async def test_a_strap_without_rr_gets_one_calm_notice_and_keeps_streaming(strap: FakeHrStrap) -> None:
    clock = VirtualClock()
    async with BleakSource(strap.address, clock=clock, no_rr_notice_s=3.0, **FAST) as source:
        r = Reader(source)
        await r.until(lambda e: isinstance(e, DeviceInfo))
        events: list[Event] = []
        for t in range(1, 8):
            await push(strap, clock, float(t), encode_heart_rate_measurement(72))
            events += await r.until(lambda e: isinstance(e, HeartRateOnly))
    notes = of(Note, events)
    assert [(n.t_s, n.text) for n in notes] == [(4.0, NO_RR_NOTICE)]
    assert "HRV is not possible" in NO_RR_NOTICE and "heart rate is still shown" in NO_RR_NOTICE
    assert of(DeviceInfo, events)[-1].sends_rr is False
    assert len(of(HeartRateOnly, events)) == 7  # heart rate kept coming after the notice


async def test_connect_failure_is_one_plain_line(strap: FakeHrStrap) -> None:
    strap.fail_connect("le-connection-abort-by-remote")
    with pytest.raises(BluetoothError) as e:
        async with BleakSource(strap.address, name="Polar H10 0A1B2C3D", **FAST):
            pass
    text = str(e.value)
    assert "\n" not in text
    assert text.startswith(
        "Could not connect to the strap Polar H10 0A1B2C3D (le-connection-abort-by-remote)."
    )
    assert "try again" in text


async def test_unknown_address_is_device_not_found(strap: FakeHrStrap) -> None:
    with pytest.raises(DeviceNotFoundError, match="No strap with address AA:BB:CC:DD:EE:FF was found"):
        async with BleakSource("AA:BB:CC:DD:EE:FF", connect_timeout_s=0.5):
            pass


async def test_a_device_without_heart_rate_measurement_is_refused(bluez: Any) -> None:
    from tests.ble.fake_hr_strap import FakeHrStrap  # imports dbus: only once the stand-in is up

    other = FakeHrStrap(bluez, name="Some Speaker", hr_service=False)
    with pytest.raises(BluetoothError, match="offers no heart-rate measurement"):
        async with BleakSource(other.address, **FAST):
            pass


async def test_several_straps_in_range_must_be_chosen(bluez: Any) -> None:
    from tests.ble.fake_hr_strap import FakeHrStrap  # imports dbus: only once the stand-in is up

    FakeHrStrap(bluez)
    FakeHrStrap(bluez, address="C0:FF:EE:00:00:02", name="TICKR X 1A2B", rssi=-70, battery=None)
    found = await discover_straps(1.0)
    assert [s.name for s in found] == ["Polar H10 0A1B2C3D", "TICKR X 1A2B"]  # strongest first
    assert [s.profile.id if s.profile else None for s in found] == ["polar-h10", "wahoo-tickr-x"]
    with pytest.raises(BluetoothError, match="Several heart-rate straps are in range: .*--device"):
        choose_strap(found, None)
    assert choose_strap(found, "tickr").address == "C0:FF:EE:00:00:02"
    assert choose_strap(found, "c0:ff:ee:00:00:01").name == "Polar H10 0A1B2C3D"
    assert choose_strap(found, "C0-FF-EE-00-00-02").name == "TICKR X 1A2B"  # as Windows tools print it


async def test_strap_without_battery_service_has_no_battery(bluez: Any) -> None:
    from tests.ble.fake_hr_strap import FakeHrStrap  # imports dbus: only once the stand-in is up

    s = FakeHrStrap(bluez, battery=None)
    async with BleakSource(s.address, clock=VirtualClock(), **FAST) as source:
        head = await Reader(source).until(lambda e: isinstance(e, DeviceInfo))
    info = of(DeviceInfo, head)[0]
    assert info.battery_pct is None and info.manufacturer is None


async def test_refused_subscription_is_one_line_and_leaves_the_strap_free(strap: FakeHrStrap) -> None:
    strap.fail_notify("Notify not permitted")
    with pytest.raises(BluetoothError) as e:
        async with BleakSource(strap.address, name="Polar H10 0A1B2C3D", **FAST):
            pass
    assert str(e.value).startswith(
        "Could not connect to the strap Polar H10 0A1B2C3D (Notify not permitted)."
    )
    assert not strap.is_notifying()
    assert [c for c, _ in strap.calls()][-1] == "Disconnect"  # we let go of the link
    strap.fail_notify(None)
    async with BleakSource(strap.address, clock=VirtualClock(), **FAST):
        assert strap.is_notifying()
