"""The real strap: a Bluetooth LE heart-rate strap through bleak, as a :class:`BeatSource`.

Design (bleak's ``advertisement_data()`` pattern): bleak calls our notify
handler and disconnect callback on the event loop; each one only stamps the clock and
does ``put_nowait`` on one ``asyncio.Queue``. The async iterator drains the queue,
feeds payloads through the shared :class:`~vagal.sources.decode.PayloadDecoder`
(exactly what the simulator uses) and yields events. A drop-out is handled inside the
iterator: ``SourceState("reconnecting")``, attempts with growing back-off until the
strap is back or ``close()`` is called, then ``Gap(start, end, "disconnected")`` and a
decoder reset, so no beat-to-beat difference is ever formed across the drop-out.

bleak is imported inside the functions that use it: importing this module stays cheap.
Errors from bleak, D-Bus and the OS become one-line :class:`vagal.errors.BluetoothError`
messages (:mod:`vagal.sources.ble_errors`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import weakref
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final, Literal, Self, TypeAlias

from vagal.clock import Clock, MonotonicClock
from vagal.errors import BluetoothError, DeviceNotFoundError
from vagal.events import Beat, DeviceInfo, Event, Gap, Note, PayloadRejected, SourceState
from vagal.gatt import (
    BATTERY_LEVEL_UUID,
    FIRMWARE_REVISION_UUID,
    HEART_RATE_MEASUREMENT_UUID,
    HEART_RATE_SERVICE_UUID,
    MANUFACTURER_NAME_UUID,
    MODEL_NUMBER_UUID,
)
from vagal.sources.base import ClosesOnExit, SourceStats
from vagal.sources.ble_errors import BLUETOOTH_FAILURES, bluetooth_error
from vagal.sources.decode import DEFAULT_SETTLE_S, PayloadDecoder

if TYPE_CHECKING:
    from bleak import BleakClient
    from bleak.backends.characteristic import BleakGATTCharacteristic
    from bleak.backends.device import BLEDevice

    from vagal.devices import DeviceProfile

log = logging.getLogger(__name__)

DEFAULT_CONNECT_TIMEOUT_S: Final = 10.0
"""How long one connect attempt (find + connect + service discovery) may take."""
DEFAULT_BACKOFF_INITIAL_S: Final = 1.0
"""Wait before the second reconnect attempt; the first is immediate."""
DEFAULT_BACKOFF_MAX_S: Final = 30.0
"""Longest wait between reconnect attempts (a strap put away for a while)."""
DEFAULT_BACKOFF_FACTOR: Final = 2.0
DEFAULT_NO_RR_NOTICE_S: Final = 15.0
"""Streaming heart rate this long with no RR value at all → say once that HRV is not possible."""
NO_RR_NOTICE: Final = "This strap sends no RR intervals, so HRV is not possible; heart rate is still shown."

_BLUEZ_LOCKS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = weakref.WeakKeyDictionary()


def bluez_lock() -> asyncio.Lock:
    """The one lock of the running event loop that every scan and every connect holds.

    BlueZ answers a second scan or connect started while one is under way with
    ``org.bluez.Error.InProgress`` ("Operation already in progress"): each D-Bus client
    has at most one discovery session, and bleak's scanners in one event loop share one
    D-Bus connection (and ``BleakClient.connect`` to an address scans first). Two straps
    reconnecting at the same moment would race exactly so. bleak's own remedy is one
    ``asyncio.Lock`` around scan and connect (examples/two_devices.py, hbldh/bleak PR
    #1369, which fixed issue #1036); this is that lock, one per event loop (an asyncio
    lock belongs to one loop), so the two straps of a session for two connect one at a
    time. Streaming is not held up: notifications need no lock.
    """
    loop = asyncio.get_running_loop()
    lock = _BLUEZ_LOCKS.get(loop)
    if lock is None:
        lock = _BLUEZ_LOCKS[loop] = asyncio.Lock()
    return lock


_Kind: TypeAlias = Literal["payload", "disconnected", "closed"]
_Item: TypeAlias = tuple[_Kind, float, bytes]


@dataclass(frozen=True, slots=True)
class FoundStrap:
    """A heart-rate device seen in a scan."""

    name: str | None
    address: str
    """MAC address (Linux, Windows) or the CoreBluetooth device UUID (macOS)."""
    rssi_dbm: int | None
    profile: DeviceProfile | None
    device: Any = None
    """bleak's ``BLEDevice`` (to connect without scanning again on the same event loop)."""

    @property
    def label(self) -> str:
        return f"{self.name} ({self.address})" if self.name else self.address


async def discover_straps(
    timeout_s: float = 5.0,
    *,
    wanted: str | Sequence[str] | None = None,
    grace_s: float | None = None,
) -> list[FoundStrap]:
    """Scan for devices offering the Heart Rate Service (0x180D), strongest signal first.

    The scan holds :func:`bluez_lock` (no connect starts while it runs).

    Args:
        timeout_s: Scan for at most this long, seconds.
        wanted: With ``grace_s``: the name or address being looked for (see
            :func:`choose_strap`), or several (two straps for two people): the scan stops
            early once each has been seen.
        grace_s: Stop early, this long after the first strap (or every one matching
            ``wanted``) was seen, instead of scanning for the whole ``timeout_s``. Straps
            advertise several times a second, so a short grace still sees the others.

    Raises:
        BluetoothError: No adapter, Bluetooth off, BlueZ/D-Bus missing, no permission.
    """
    from bleak import BleakScanner
    from bleak.exc import BleakError

    from vagal.devices import load_profiles, match_profile

    profiles = load_profiles()
    seen: dict[str, FoundStrap] = {}
    hit = asyncio.Event()
    wants = [wanted] if isinstance(wanted, str) else list(wanted or ())

    def on_advert(device: BLEDevice, adv: Any) -> None:
        if HEART_RATE_SERVICE_UUID not in {u.lower() for u in adv.service_uuids}:
            return
        name = adv.local_name or device.name
        seen[device.address] = FoundStrap(
            name, device.address, adv.rssi, match_profile(name, profiles), device
        )
        if all(any(_matches(s, w) for s in seen.values()) for w in wants):
            hit.set()

    loop = asyncio.get_running_loop()
    try:
        async with bluez_lock():
            deadline = loop.time() + timeout_s  # the scan's own time, once no other holds BlueZ
            async with BleakScanner(on_advert, service_uuids=[HEART_RATE_SERVICE_UUID]):
                if grace_s is None:
                    await asyncio.sleep(timeout_s)
                else:
                    try:
                        await asyncio.wait_for(hit.wait(), timeout_s)
                        await asyncio.sleep(max(0.0, min(grace_s, deadline - loop.time())))
                    except TimeoutError:
                        pass
    except (BleakError, *BLUETOOTH_FAILURES) as exc:
        raise bluetooth_error(exc) from exc
    straps = list(seen.values())
    straps.sort(key=lambda s: (-(s.rssi_dbm if s.rssi_dbm is not None else -999), s.address))
    return straps


def _address_key(address: str) -> str:
    """An address as compared: any case, ':' or '-' between the bytes (Windows tools print dashes)."""
    return address.strip().lower().replace("-", ":")


def _matches(strap: FoundStrap, wanted: str) -> bool:
    w = wanted.strip().lower()
    return _address_key(strap.address) == _address_key(wanted) or w in (strap.name or "").lower()


def choose_strap(straps: list[FoundStrap], wanted: str | None) -> FoundStrap:
    """Pick the strap to connect to: the only one in range, or the one ``wanted`` names.

    ``wanted`` matches an address exactly (any case), else a name exactly, else a part
    of one name.

    Raises:
        DeviceNotFoundError: Nothing in range, or nothing matches ``wanted``.
        BluetoothError: Several straps in range and none named, or ``wanted`` is ambiguous.
    """
    seen = ", ".join(s.label for s in straps)
    if wanted is None:
        if not straps:
            raise DeviceNotFoundError(
                "No heart-rate strap was found in range.",
                hint=(
                    "Put the strap on (moisten the electrodes) so it wakes up, keep it close, "
                    "and try again."
                ),
            )
        if len(straps) > 1:
            raise BluetoothError(
                f"Several heart-rate straps are in range: {seen}.",
                hint="Choose one with --device NAME_OR_ADDRESS, or two people's with --device A --device B.",
            )
        return straps[0]
    w = wanted.strip().lower()
    for pick in (
        [s for s in straps if _address_key(s.address) == _address_key(wanted)],
        [s for s in straps if (s.name or "").lower() == w],
        [s for s in straps if w in (s.name or "").lower()],
    ):
        if len(pick) == 1:
            return pick[0]
        if len(pick) > 1:
            raise BluetoothError(
                f"Several straps match {wanted!r}: {', '.join(s.label for s in pick)}.",
                hint="Give the full name or the address with --device.",
            )
    in_range = f" Straps in range: {seen}." if straps else " No heart-rate strap was found in range."
    raise DeviceNotFoundError(
        f"No strap matching {wanted!r} was found.{in_range}",
        hint="Check that it is worn and close by, or pick one of those with --device.",
    )


class BleakSource(ClosesOnExit):
    """A Bluetooth LE heart-rate strap (Heart Rate Service 0x180D) as a beat source.

    Args:
        device: A ``BLEDevice`` from a scan, or an address (MAC, or a macOS device UUID).
        name: Display name when ``device`` is an address.
        clock: Session clock (default: real time from now).
        profile: The strap's profile from ``devices/`` (default: matched on the name).
        connect_timeout_s: Limit for one connect attempt, seconds.
        backoff_initial_s: Wait after the first failed reconnect attempt, seconds.
        backoff_max_s: Longest wait between attempts, seconds.
        backoff_factor: Growth of the wait from one attempt to the next.
        no_rr_notice_s: Heart rate without any RR for this long → a one-time notice.
        give_up_s: Stop reconnecting once the strap has been gone this long (session
            seconds); None (the default, one person): keep trying until ``close()``. A
            session for two lets a lost strap go (``commands/live_pair.PAIR_GIVE_UP_S``):
            the drop-out is recorded as a ``Gap`` up to then, followed by
            ``SourceState("disconnected")``, and the iterator ends as after ``close()``.
    """

    def __init__(
        self,
        device: BLEDevice | str,
        *,
        name: str | None = None,
        clock: Clock | None = None,
        profile: DeviceProfile | None = None,
        connect_timeout_s: float = DEFAULT_CONNECT_TIMEOUT_S,
        backoff_initial_s: float = DEFAULT_BACKOFF_INITIAL_S,
        backoff_max_s: float = DEFAULT_BACKOFF_MAX_S,
        backoff_factor: float = DEFAULT_BACKOFF_FACTOR,
        no_rr_notice_s: float = DEFAULT_NO_RR_NOTICE_S,
        give_up_s: float | None = None,
    ) -> None:
        for pname, value in (
            ("connect_timeout_s", connect_timeout_s),
            ("backoff_initial_s", backoff_initial_s),
            ("backoff_max_s", backoff_max_s),
            ("no_rr_notice_s", no_rr_notice_s),
        ):
            if not value >= 0:
                raise ValueError(f"{pname} must be >= 0 seconds, got {value!r}")
        if give_up_s is not None and not give_up_s >= 0:
            raise ValueError(f"give_up_s must be >= 0 seconds or None, got {give_up_s!r}")
        if not backoff_factor >= 1:
            raise ValueError(f"backoff_factor must be >= 1, got {backoff_factor!r}")
        self._device = device
        self.address: str = device if isinstance(device, str) else device.address
        self.name: str = name or (None if isinstance(device, str) else device.name) or self.address
        self._clock: Clock = clock if clock is not None else MonotonicClock()
        self._profile = profile
        self._connect_timeout_s = connect_timeout_s
        self._backoff_initial_s = backoff_initial_s
        self._backoff_max_s = backoff_max_s
        self._backoff_factor = backoff_factor
        self._no_rr_notice_s = no_rr_notice_s
        self._give_up_s = give_up_s
        self.gave_up_at_s: float | None = None
        """When reconnecting was given up (session seconds); None while the strap is not lost."""
        self.stats = SourceStats()
        self._decoder = PayloadDecoder(settle_s=profile.settle_s if profile else DEFAULT_SETTLE_S)
        self._queue: asyncio.Queue[_Item] | None = None
        self._closing: asyncio.Event | None = None
        self._client: BleakClient | None = None
        self._pending: list[Event] = []
        self._info: DeviceInfo | None = None
        self._no_rr_noticed = False
        self._live: BleakClient | None = None
        """The client whose link is streaming; only its drop starts a reconnect."""

    @property
    def decoder(self) -> PayloadDecoder:
        """The payload decoder (its counters: payloads, rejected, beats, saw_rr)."""
        return self._decoder

    # -- context manager -------------------------------------------------------------
    async def __aenter__(self) -> Self:
        """Find and connect to the strap, read what it tells about itself, subscribe.

        Raises:
            BluetoothError: The strap could not be reached (one line that says what to do).
        """
        self._queue = asyncio.Queue()
        self._closing = asyncio.Event()
        self._pending.append(SourceState(self._clock.now(), "connecting", f"connecting to {self.name}"))
        info = await self._connect(self._device)
        t = self._clock.now()
        self._decoder.reset(t)
        self._info = info = _replace_info(info, t)  # events stay in time order
        self._pending += [SourceState(t, "connected", f"connected to {self.name}"), info]
        return self

    async def close(self) -> None:
        """Stop: unsubscribe and disconnect; the iterator ends with ``SourceState("ended")``."""
        if self._closing is None or self._closing.is_set():
            return
        self._closing.set()
        self._live = None
        assert self._queue is not None
        self._queue.put_nowait(("closed", self._clock.now(), b""))
        client, self._client = self._client, None
        if client is not None:
            await self._disconnect(client)

    # -- bleak callbacks: stamp, put_nowait, return --------------------------------------
    def _on_notify(self, _char: BleakGATTCharacteristic, data: bytearray) -> None:
        if self._queue is not None:
            self._queue.put_nowait(("payload", self._clock.now(), bytes(data)))

    def _on_disconnect(self, client: BleakClient) -> None:
        if (
            self._queue is not None
            and client is self._live
            and not (self._closing and self._closing.is_set())
        ):
            self._queue.put_nowait(("disconnected", self._clock.now(), b""))

    # -- the event stream -------------------------------------------------------------
    def __aiter__(self) -> AsyncIterator[Event]:
        return self._events()

    async def _events(self) -> AsyncIterator[Event]:
        if self._queue is None:
            raise RuntimeError("use 'async with BleakSource(...)' before iterating")
        pending, self._pending = self._pending, []
        for event in pending:
            yield event
        streaming_since: float | None = None
        while True:
            kind, t, data = await self._queue.get()
            if kind == "closed":
                break
            if kind == "disconnected":
                async for event in self._recover(t):
                    yield event
                if self._client is None:  # closed (or given up) while reconnecting
                    break
                streaming_since = None
                continue
            self.stats.payloads += 1
            if streaming_since is None:
                streaming_since = t
                yield SourceState(t, "streaming", f"receiving heart rate from {self.name}")
            for event in self._decoder.feed(t, data):
                if isinstance(event, Beat):
                    self.stats.beats += 1
                elif isinstance(event, PayloadRejected):
                    self.stats.rejected += 1
                    log.info("skipped a malformed heart-rate payload %s: %s", data.hex(" "), event.reason)
                elif isinstance(event, Gap):
                    self.stats.gap_s += event.duration_s
                yield event
            if (
                not self._no_rr_noticed
                and not self._decoder.saw_rr
                and t - streaming_since >= self._no_rr_notice_s
            ):
                self._no_rr_noticed = True
                yield Note(t, NO_RR_NOTICE)
                yield SourceState(t, "streaming", NO_RR_NOTICE)
                if self._info is not None:
                    self._info = _replace_info(self._info, t, sends_rr=False)
                    yield self._info
        yield SourceState(self._clock.now(), "ended", "disconnected from the strap")

    async def _recover(self, start_s: float) -> AsyncIterator[Event]:
        """Reconnect with back-off until the strap is back (or ``close()``, or ``give_up_s``)."""
        assert self._closing is not None
        self._live = None
        dropped, self._client = self._client, None
        if dropped is not None:
            await self._disconnect(dropped)  # releases the dropped link's own D-Bus connection
        self.stats.reconnects += 1
        yield SourceState(start_s, "reconnecting", f"lost the link to {self.name}; reconnecting")
        delay_s = self._backoff_initial_s
        attempt = 0
        while not self._closing.is_set():
            attempt += 1
            try:
                info = await self._until_closed(self._connect(self.address))
            except BluetoothError as exc:
                log.info("reconnect attempt %d failed: %s", attempt, exc)
                yield SourceState(
                    self._clock.now(),
                    "reconnecting",
                    f"still looking for {self.name} (attempt {attempt}); next try {_wait_words(delay_s)}",
                )
            else:
                if info is None:  # closed meanwhile
                    return
                end_s = self._clock.now()
                self._decoder.reset(end_s)
                self._info = info = _replace_info(info, end_s)
                gap = Gap(start_s, end_s, "disconnected")
                self.stats.gap_s += gap.duration_s
                yield gap
                yield SourceState(end_s, "connected", f"reconnected to {self.name}")
                yield info
                return
            wait_s = delay_s
            if self._give_up_s is not None:
                left_s = start_s + self._give_up_s - self._clock.now()
                if left_s <= 0:
                    end_s = self._clock.now()
                    self.gave_up_at_s = end_s
                    gap = Gap(start_s, end_s, "disconnected")
                    self.stats.gap_s += gap.duration_s
                    yield gap  # the drop-out up to now, as any other; no beat is invented
                    yield SourceState(
                        end_s,
                        "disconnected",
                        f"{self.name} has been gone for {end_s - start_s:.0f} s; stopped looking for it",
                    )
                    return
                wait_s = min(delay_s, left_s)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._closing.wait(), wait_s)
            delay_s = min(delay_s * self._backoff_factor, self._backoff_max_s)

    async def _until_closed(self, work: Any) -> DeviceInfo | None:
        """Run a connect attempt, abandoning it if ``close()`` is called meanwhile."""
        assert self._closing is not None
        task = asyncio.ensure_future(work)
        closing = asyncio.ensure_future(self._closing.wait())
        try:
            await asyncio.wait({task, closing}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            closing.cancel()
        if task.done():
            result: DeviceInfo = task.result()
            if self._closing.is_set() and self._client is not None:
                client, self._client = self._client, None
                await self._disconnect(client)
                return None
            return result
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, BluetoothError):
            await task
        return None

    # -- bleak calls ------------------------------------------------------------------
    async def _connect(self, target: BLEDevice | str) -> DeviceInfo:
        """Connect, read battery and device information, subscribe to 0x2A37."""
        from bleak import BleakClient
        from bleak.exc import BleakCharacteristicNotFoundError, BleakError

        client = BleakClient(
            target, disconnected_callback=self._on_disconnect, timeout=self._connect_timeout_s
        )
        try:
            async with bluez_lock():  # one scan or connect at a time (see bluez_lock)
                await client.connect()
            self._client = client
            self._learn_name(client.name)
            if client.services.get_characteristic(HEART_RATE_MEASUREMENT_UUID) is None:
                raise BleakCharacteristicNotFoundError(HEART_RATE_MEASUREMENT_UUID)
            battery = await _read(client, BATTERY_LEVEL_UUID)
            manufacturer = await _read(client, MANUFACTURER_NAME_UUID)
            model = await _read(client, MODEL_NUMBER_UUID)
            firmware = await _read(client, FIRMWARE_REVISION_UUID)
            await client.start_notify(HEART_RATE_MEASUREMENT_UUID, self._on_notify)
            self._live = client  # a drop during the attempt is the attempt's failure, not a new drop-out
        except BleakCharacteristicNotFoundError:
            self._client = None
            await self._disconnect(client)
            raise BluetoothError(
                f"{self.name} offers no heart-rate measurement, so it is not a heart-rate strap.",
                hint="vagal scan lists the heart-rate straps in range.",
            ) from None
        except (BleakError, *BLUETOOTH_FAILURES) as exc:
            self._client = None
            await self._disconnect(client)
            raise bluetooth_error(exc, device=self.name) from exc
        except asyncio.CancelledError:
            self._client = None
            await self._disconnect(client)
            raise
        profile = self._profile
        self._info = DeviceInfo(
            t_s=self._clock.now(),
            kind="strap",
            name=self.name,
            address=self.address,
            manufacturer=_text(manufacturer),
            model=_text(model),
            firmware=_text(firmware),
            battery_pct=battery[0] if battery and battery[0] <= 100 else None,
            profile=profile.id if profile else None,
            sends_rr=False if self._no_rr_noticed else (profile.sends_rr_flag if profile else None),
        )
        return self._info

    def _learn_name(self, name: str | None) -> None:
        """Take the strap's own name when only an address was given; match its profile once."""
        if name and self.name == self.address and name.replace("-", ":") != self.address:
            self.name = name
        if self._profile is None:
            from vagal.devices import match_profile

            self._profile = match_profile(None if self.name == self.address else self.name)
            if self._profile is not None and self._decoder.payloads == 0:
                self._decoder = PayloadDecoder(settle_s=self._profile.settle_s)

    async def _disconnect(self, client: BleakClient) -> None:
        from bleak.exc import BleakError

        try:
            await asyncio.wait_for(client.disconnect(), self._connect_timeout_s or None)
        except (BleakError, *BLUETOOTH_FAILURES) as exc:
            log.debug("disconnect failed (ignored, the link is going anyway): %r", exc)


async def _read(client: BleakClient, uuid: str) -> bytes | None:
    """Read a characteristic when the strap offers it; None when absent or unreadable."""
    from bleak.exc import BleakError

    if client.services.get_characteristic(uuid) is None:
        return None
    try:
        return bytes(await client.read_gatt_char(uuid))
    except (BleakError, *BLUETOOTH_FAILURES) as exc:
        log.info("could not read %s (skipped): %r", uuid, exc)
        return None


def _text(data: bytes | None) -> str | None:
    if not data:
        return None
    text = data.decode("utf-8", errors="replace").strip("\x00 \t\r\n")
    return text or None


def _replace_info(info: DeviceInfo, t_s: float, *, sends_rr: bool | None = None) -> DeviceInfo:
    from dataclasses import replace

    return replace(info, t_s=t_s, sends_rr=info.sends_rr if sends_rr is None else sends_rr)


def _wait_words(delay_s: float) -> str:
    """The wait in plain words for the status line: "in 4 s", or "in a moment" below a second."""
    return f"in {delay_s:.0f} s" if delay_s >= 1 else "in a moment"
