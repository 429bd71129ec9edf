"""Two straps at once through unmodified bleak (BlueZ backend) against the D-Bus stand-in.

The stand-in answers a scan or a connect started while another is under way with
org.bluez.Error.InProgress, as bluetoothd does (tests/ble/fake_hr_strap.py, "One at a
time"), and counts the refusals; so these tests fail when vagal's BlueZ lock
(vagal.sources.bleak_source.bluez_lock) is left out. Session time comes from a
VirtualClock the test moves, so gap times are known exactly. The command-line tests
(subprocesses) run `vagal live --device A --device B --headless` on two fake straps.
"""

from __future__ import annotations

import asyncio
import io
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self

import pytest

from tests.ble.fixtures import ble_env
from vagal.clock import VirtualClock
from vagal.commands.live_pair import PairWatch, arrival_merged
from vagal.events import Beat, DeviceInfo, Event, Gap, Note, PacerChanged, SourceState
from vagal.gatt import encode_heart_rate_measurement
from vagal.sessions.reader import read_events, read_session
from vagal.sources.bleak_source import BleakSource, discover_straps

if TYPE_CHECKING:  # fake_hr_strap imports dbus, which a machine without the ble-test extra lacks
    from tests.ble.fake_hr_strap import FakeHrStrap

pytestmark = pytest.mark.ble

FAST = {"connect_timeout_s": 5.0, "backoff_initial_s": 0.05, "backoff_max_s": 0.2}
B_ADDRESS = "C0:FF:EE:00:00:02"
B_NAME = "TICKR X 1A2B"
CONNECT_MS = 300
"""How long the stand-in takes to set up one connection (services resolved after this)."""


@pytest.fixture
def two(bluez: Any) -> tuple[FakeHrStrap, FakeHrStrap]:
    """Two fake straps in range: a Polar H10 (person A's) and a Wahoo TICKR X (person B's)."""
    from tests.ble.fake_hr_strap import FakeHrStrap  # imports dbus: only once the stand-in is up

    a = FakeHrStrap(bluez, connect_ms=CONNECT_MS)
    b = FakeHrStrap(bluez, address=B_ADDRESS, name=B_NAME, rssi=-64, connect_ms=CONNECT_MS)
    return a, b


class PairReader:
    """Pull (person, event) from a merge until a condition holds (with a timeout)."""

    def __init__(self, merge: AsyncIterator[tuple[int, Event]]) -> None:
        self.it = merge
        self.seen: list[tuple[int, Event]] = []

    async def until(self, pred: Callable[[int, Event], bool], timeout_s: float = 10.0) -> list[tuple[int, Event]]:
        got: list[tuple[int, Event]] = []
        while True:
            person, e = await asyncio.wait_for(anext(self.it), timeout_s)
            got.append((person, e))
            self.seen.append((person, e))
            if pred(person, e):
                return got


def of(person: int, kind: type[Any], events: list[tuple[int, Event]]) -> list[Any]:
    return [e for p, e in events if p == person and isinstance(e, kind)]


def still_looking(events: list[tuple[int, Event]]) -> list[str]:
    """The details of failed reconnect attempts ("still looking for … (attempt n)")."""
    return [e.detail for _, e in events if isinstance(e, SourceState) and "still looking" in e.detail]


# --- the lock ---------------------------------------------------------------------------------


async def test_two_scans_at_once_both_see_both_straps(two: tuple[FakeHrStrap, FakeHrStrap]) -> None:
    a, _ = two
    first, second = await asyncio.gather(discover_straps(0.5), discover_straps(0.5))
    for found in (first, second):
        assert {s.address for s in found} == {a.address, B_ADDRESS}
    assert a.in_progress_refusals() == 0  # the second scan waited for the first


async def test_two_connects_at_once_go_one_at_a_time(two: tuple[FakeHrStrap, FakeHrStrap]) -> None:
    """Straps found by one scan (no scan inside connect): only the connects can collide."""
    a, b = two
    found = {s.address: s for s in await discover_straps(0.5)}
    clock = VirtualClock()
    sources = [BleakSource(found[x.address].device, clock=clock, **FAST) for x in (a, b)]
    entered = await asyncio.gather(*(s.__aenter__() for s in sources))
    try:
        assert a.is_notifying() and b.is_notifying()
        assert a.in_progress_refusals() == 0
    finally:
        for s in entered:
            await s.close()


async def test_both_straps_dropping_at_once_each_reconnect_at_the_first_try(
    two: tuple[FakeHrStrap, FakeHrStrap],
) -> None:
    a, b = two
    clock = VirtualClock()
    sources = (BleakSource(a.address, clock=clock, **FAST), BleakSource(B_ADDRESS, clock=clock, **FAST))
    for s in sources:
        await s.__aenter__()
    try:
        r = PairReader(arrival_merged(sources))
        await r.until(lambda p, e: p == 1 and isinstance(e, DeviceInfo))
        if not of(0, DeviceInfo, r.seen):
            await r.until(lambda p, e: p == 0 and isinstance(e, DeviceInfo))
        clock.jump_to(4.0)

        def drop_both() -> None:
            a.drop_link()
            b.drop_link()

        await asyncio.to_thread(drop_both)
        t0 = time.monotonic()
        back: dict[int, float] = {}
        while len(back) < 2:
            person, _ = (await r.until(lambda p, e: isinstance(e, Gap)))[-1]
            back[person] = time.monotonic() - t0
        print(f"\nboth dropped at once: A back after {back[0]:.2f} s, B after {back[1]:.2f} s (wall)")
        # Each came back at its first attempt: no attempt was refused with InProgress.
        assert still_looking(r.seen) == []
        assert a.in_progress_refusals() == 0
        # Each person's gap is their own.
        assert of(0, Gap, r.seen) == [Gap(4.0, 4.0, "disconnected")]
        assert of(1, Gap, r.seen) == [Gap(4.0, 4.0, "disconnected", person=1)]
        assert [s.stats.reconnects for s in sources] == [1, 1]
    finally:
        for s in sources:
            await s.close()


# --- one strap drops, the other goes on -------------------------------------------------------


async def test_one_strap_drops_and_comes_back_while_the_other_streams(
    two: tuple[FakeHrStrap, FakeHrStrap],
) -> None:
    a, b = two
    clock = VirtualClock()
    sources = (BleakSource(a.address, clock=clock, **FAST), BleakSource(B_ADDRESS, clock=clock, **FAST))
    for s in sources:
        await s.__aenter__()
    try:
        r = PairReader(arrival_merged(sources))
        while len(of(0, DeviceInfo, r.seen)) + len(of(1, DeviceInfo, r.seen)) < 2:
            await r.until(lambda p, e: isinstance(e, DeviceInfo))
        await asyncio.to_thread(b.fail_connect, "le-connection-abort-by-remote")
        clock.jump_to(5.0)
        await asyncio.to_thread(b.drop_link)
        await r.until(lambda p, e: p == 1 and isinstance(e, SourceState) and e.state == "reconnecting")
        # B is away; A's beats still come through at once (not held up by B's silence).
        for t in (6.0, 7.0, 8.0):
            clock.jump_to(t)
            await asyncio.to_thread(a.push_hr, encode_heart_rate_measurement(60, [1024]))
            await r.until(lambda p, e: p == 0 and isinstance(e, Beat))
        clock.jump_to(9.0)
        await asyncio.to_thread(b.fail_connect, None)
        await r.until(lambda p, e: p == 1 and isinstance(e, Gap))
        clock.jump_to(10.0)
        await asyncio.to_thread(b.push_hr, encode_heart_rate_measurement(80, [768]))
        await r.until(lambda p, e: p == 1 and isinstance(e, Beat))
    finally:
        for s in sources:
            await s.close()
    assert [b.t_s for b in of(0, Beat, r.seen)] == [6.0, 7.0, 8.0]
    assert of(0, Gap, r.seen) == []  # A's recording has no gap: B's drop-out is B's
    (gap,) = of(1, Gap, r.seen)
    assert (gap.start_s, gap.reason, gap.person) == (5.0, "disconnected", 1)
    assert gap.end_s >= 9.0
    # No beat of B inside B's gap: nothing invented.
    assert all(not (gap.start_s < e.t_s < gap.end_s) for e in of(1, Beat, r.seen))


async def test_a_strap_lost_for_good_is_let_go_and_the_other_goes_on(
    two: tuple[FakeHrStrap, FakeHrStrap],
) -> None:
    a, b = two
    clock = VirtualClock()
    sources = (
        BleakSource(a.address, clock=clock, give_up_s=30.0, **FAST),
        BleakSource(B_ADDRESS, clock=clock, give_up_s=30.0, **FAST),
    )
    for s in sources:
        await s.__aenter__()
    out = io.StringIO()
    watch = PairWatch(("Sam", "Alex"), out=out)
    try:
        r = PairReader(watch.merge(sources))
        while len(of(0, DeviceInfo, r.seen)) + len(of(1, DeviceInfo, r.seen)) < 2:
            await r.until(lambda p, e: isinstance(e, DeviceInfo))
        await asyncio.to_thread(b.fail_connect, "le-connection-abort-by-remote")
        clock.jump_to(5.0)
        await asyncio.to_thread(b.drop_link)
        await r.until(lambda p, e: p == 1 and isinstance(e, SourceState) and "attempt 1" in e.detail)
        clock.jump_to(35.5)  # gone for more than give_up_s: the next failed attempt lets it go
        lost = await r.until(lambda p, e: p == 1 and isinstance(e, SourceState) and e.state == "ended")
        for t in (36.0, 37.0):
            clock.jump_to(t)
            await asyncio.to_thread(a.push_hr, encode_heart_rate_measurement(60, [1024]))
            await r.until(lambda p, e: p == 0 and isinstance(e, Beat))
    finally:
        for s in sources:
            await s.close()
    (gap,) = of(1, Gap, lost)
    assert (gap.start_s, gap.reason) == (5.0, "disconnected") and gap.end_s >= 35.0
    assert [e.state for e in of(1, SourceState, lost)][-2:] == ["disconnected", "ended"]
    assert sources[1].gave_up_at_s is not None and sources[0].gave_up_at_s is None
    notes = [e for p, e in r.seen if isinstance(e, Note)]
    assert [n.text for n in notes] == ["Alex's strap is gone; Sam's session goes on"]
    assert "Alex's strap is gone; Sam's session goes on" in out.getvalue()
    assert [e.t_s for e in of(0, Beat, r.seen)] == [36.0, 37.0]  # Sam's beats after Alex's strap went


# --- the command line -------------------------------------------------------------------------


def vagal(*args: str, env: dict[str, str], timeout_s: float = 90) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "vagal", *args], check=False, capture_output=True, text=True, env=env,
        timeout=timeout_s, cwd=Path(__file__).resolve().parents[2],
    )  # fmt: skip


def _env(system_bus: str, tmp_path: Path, **more: str) -> dict[str, str]:
    env = ble_env(system_bus)
    env.update({"VAGAL_DATA_DIR": str(tmp_path / "data"), "HOME": str(tmp_path), **more})
    env.pop("VAGAL_SESSIONS_DIR", None)
    return env


class Pump:
    """One thread sending each subscribed strap's notification once a second (A: 60 bpm,
    one RR of 1000 ms each; B: 80 bpm, RR of 750 ms, one, one, then two, so that B's beats
    fill B's time as a strap's do), with a drop-out of B's link scripted at a wall time
    after B's first beat."""

    def __init__(self, a: FakeHrStrap, b: FakeHrStrap, *, drop_b_after_s: float | None = None,
                 b_fails: bool = False) -> None:
        self.a, self.b = a, b
        self.drop_b_after_s = drop_b_after_s
        self.b_fails = b_fails
        self.stop = threading.Event()
        self.sent = [0, 0]
        self.dropped_at: float | None = None
        self.back_at: float | None = None
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        b_started: float | None = None
        while not self.stop.is_set():
            now = time.monotonic()
            b_rr = [768, 768] if self.sent[1] % 3 == 2 else [768]  # 4 beats of 0.75 s per 3 s
            for i, (strap, payload) in enumerate(((self.a, encode_heart_rate_measurement(60, [1024])),
                                                   (self.b, encode_heart_rate_measurement(80, b_rr)))):
                try:
                    if strap.is_notifying():
                        strap.push_hr(payload)
                        self.sent[i] += 1
                        if i == 1 and b_started is None:
                            b_started = now
                        if i == 1 and self.dropped_at is not None and self.back_at is None:
                            self.back_at = now
                except Exception:  # noqa: BLE001, S110 - the link went between the check and the push
                    pass
            if (self.drop_b_after_s is not None and b_started is not None and self.dropped_at is None
                    and now - b_started >= self.drop_b_after_s):
                if self.b_fails:
                    self.b.fail_connect("le-connection-abort-by-remote")
                self.b.drop_link()
                self.dropped_at = time.monotonic()
            self.stop.wait(1.0)

    def __enter__(self) -> Self:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join(5)


def test_live_two_straps_headless_records_two_people_with_their_own_gaps(
    two: tuple[FakeHrStrap, FakeHrStrap], system_bus: str, tmp_path: Path
) -> None:
    a, b = two
    record = tmp_path / "two.vagal.jsonl"
    with Pump(a, b, drop_b_after_s=3.0) as pump:
        proc = vagal(
            "live", "--device", "polar", "--device", "tickr", "--names", "Sam,Alex", "--roles", "parent,child",
            "--headless", "--json", "--duration", "12", "--record", str(record), "--timeout", "5",
            env=_env(system_bus, tmp_path),
        )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    summary = json.loads(proc.stdout)
    assert summary["source"] == "live"
    people = summary["people"]
    assert [(p["name"], p["role"], p["device"]) for p in people] == [
        ("Sam", "parent", "Polar H10 0A1B2C3D"),
        ("Alex", "child", B_NAME),
    ]
    assert "Alex's strap dropped out; reconnecting; Sam's session goes on" in proc.stderr
    assert "Alex's strap is back after" in proc.stderr
    header = json.loads(record.read_text().splitlines()[0])
    assert header["format_version"] == 2
    assert [p["device"]["address"] for p in header["people"]] == [a.address, B_ADDRESS]
    sam, alex = read_session(record), read_session(record, person=1)
    assert sam.damage == () and alex.damage == ()
    _, everything, _, _ = read_events(record)
    beats = [[e for e in everything if isinstance(e, Beat) and e.person == i] for i in (0, 1)]
    gaps = [[e for e in everything if isinstance(e, Gap) and e.person == i] for i in (0, 1)]
    assert gaps[0] == []  # Sam's strap never dropped: no gap in Sam's recording
    assert len(gaps[1]) == 1 and gaps[1][0].reason == "disconnected"
    g = gaps[1][0]
    assert not any(g.start_s < x.t_s < g.end_s for x in beats[1])  # nothing invented in the gap
    assert {x.rr_ms for x in beats[0]} == {1000.0} and {x.rr_ms for x in beats[1]} == {750.0}
    strap = people[1]["strap"]
    assert strap["reconnects"] == 1 and strap["gone_at_s"] is None and strap["gap_s"] > 0
    assert people[0]["strap"]["reconnects"] == 0
    print(
        f"\nsent A {pump.sent[0]}, B {pump.sent[1]} notifications; recorded beats A {len(beats[0])}, "
        f"B {len(beats[1])}; B's gap {g.start_s:.2f}-{g.end_s:.2f} s ({g.duration_s:.2f} s); "
        f"B back {pump.back_at - pump.dropped_at if pump.back_at and pump.dropped_at else float('nan'):.2f} s "
        "after the drop (wall, next beat)"
    )
    assert len(beats[0]) >= 8 and len(beats[1]) >= 5


def test_live_pair_lets_a_lost_strap_go_and_the_session_goes_on(
    two: tuple[FakeHrStrap, FakeHrStrap], system_bus: str, tmp_path: Path
) -> None:
    a, b = two
    record = tmp_path / "lost.vagal.jsonl"
    with Pump(a, b, drop_b_after_s=2.0, b_fails=True):
        proc = vagal(
            "live", "--device", a.address, "--device", B_ADDRESS, "--names", "Sam,Alex", "--headless",
            "--duration", "12", "--record", str(record), "--timeout", "3",
            env=_env(system_bus, tmp_path, VAGAL_PAIR_GIVE_UP_S="3"),
        )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert "Alex's strap is gone; Sam's session goes on" in proc.stderr
    assert "Alex's strap was gone from" in proc.stdout and "Sam's session went on." in proc.stdout
    _, everything, damage, _ = read_events(record)
    assert damage == []
    notes = [e for e in everything if isinstance(e, Note)]
    assert [n.text for n in notes] == ["Alex's strap is gone; Sam's session goes on"]
    let_go = notes[0].t_s
    sam_after = [e for e in everything if isinstance(e, Beat) and e.person == 0 and e.t_s > let_go]
    alex_after = [e for e in everything if isinstance(e, Beat) and e.person == 1 and e.t_s > let_go]
    assert len(sam_after) >= 3 and alex_after == []
    (gap,) = [e for e in everything if isinstance(e, Gap) and e.person == 1]
    assert gap.duration_s >= 3.0 and gap.end_s == pytest.approx(let_go, abs=0.01)
    print(f"\nAlex's strap let go {gap.duration_s:.1f} s after it dropped (give-up 3 s); "
          f"Sam's beats after that: {len(sam_after)}")


def _rate(p: PacerChanged) -> float:
    return 60.0 / (p.inhale_s + p.hold_in_s + p.exhale_s + p.hold_out_s)


def test_live_pair_pace_6_8_gives_each_person_their_own_guide_recorded_as_theirs(
    two: tuple[FakeHrStrap, FakeHrStrap], system_bus: str, tmp_path: Path
) -> None:
    a, b = two
    record = tmp_path / "paced.vagal.jsonl"
    with Pump(a, b):
        proc = vagal(
            "live", "--device", "polar", "--device", "tickr", "--names", "Sam,Alex", "--pace", "6,8",
            "--headless", "--json", "--duration", "12", "--record", str(record), "--timeout", "5",
            env=_env(system_bus, tmp_path),
        )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    summary = json.loads(proc.stdout)
    assert summary["shared_guide"] is False
    assert [p["guide_rate_per_min"] for p in summary["people"]] == [6.0, 8.0]
    _, everything, damage, _ = read_events(record)
    assert damage == []
    guides = [e for e in everything if isinstance(e, PacerChanged)]
    assert sorted((g.person, round(_rate(g), 2)) for g in guides) == [(0, 6.0), (1, 8.0)]
    sam, alex = read_session(record), read_session(record, person=1)
    assert [round(_rate(g), 2) for g in sam.pacer] == [6.0]
    assert [round(_rate(g), 2) for g in alex.pacer] == [8.0]
    assert len(sam.rr_ms) >= 3 and len(alex.rr_ms) >= 3  # each person's own beats (after settling)


def test_live_pair_child_role_without_pace_gets_the_child_guide_and_the_parent_the_adult_one(
    two: tuple[FakeHrStrap, FakeHrStrap], system_bus: str, tmp_path: Path
) -> None:
    """``--roles parent,child`` and no ``--pace``: the child breathes with the child's preset
    (7.5/min, by role), the parent with the adult default (resonance, 6/min), each recorded
    as that person's own guide."""
    from vagal.pacer import CHILD_PACE_PER_MIN

    a, b = two
    record = tmp_path / "roles.vagal.jsonl"
    with Pump(a, b):
        proc = vagal(
            "live", "--device", "polar", "--device", "tickr", "--names", "Sam,Alex", "--roles", "parent,child",
            "--headless", "--json", "--duration", "12", "--record", str(record), "--timeout", "5",
            env=_env(system_bus, tmp_path),
        )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    summary = json.loads(proc.stdout)
    assert CHILD_PACE_PER_MIN == 7.5
    assert summary["shared_guide"] is False
    assert [(p["role"], p["guide_rate_per_min"]) for p in summary["people"]] == [("parent", 6.0), ("child", 7.5)]
    _, everything, damage, _ = read_events(record)
    assert damage == []
    guides = sorted(((g.person, round(_rate(g), 2), g.preset) for g in everything if isinstance(g, PacerChanged)),
                    key=lambda g: (g[0] is None, g[0]))  # fmt: skip
    assert [(person, rate) for person, rate, _ in guides] == [(0, 6.0), (1, 7.5)]
    assert guides[0][2] == "resonance"  # the adult's preset
    sam, alex = read_session(record), read_session(record, person=1)
    assert [round(_rate(g), 2) for g in sam.pacer] == [6.0]
    assert [round(_rate(g), 2) for g in alex.pacer] == [7.5]


@pytest.mark.parametrize(
    ("devices", "starts"),
    [
        (("polar", "POLAR"), "--device 'polar' was given twice"),
        (("polar", "tickr", "polar"), "--device can be given once (one person) or twice (two people), got 3."),
    ],
)
def test_live_pair_bad_devices_are_one_line_before_any_scan(
    devices: tuple[str, ...], starts: str, tmp_path: Path
) -> None:
    args = [x for d in devices for x in ("--device", d)]
    proc = vagal("live", *args, "--headless", env={**os.environ, "HOME": str(tmp_path)})
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.count("\n") == 1 and proc.stderr.startswith("vagal: " + starts), proc.stderr


def test_two_names_for_one_strap_is_one_line(two: tuple[FakeHrStrap, FakeHrStrap], system_bus: str,
                                            tmp_path: Path) -> None:
    proc = vagal("live", "--device", "Polar H10", "--device", "0A1B2C3D", "--headless", "--timeout", "3",
                 env=_env(system_bus, tmp_path))
    assert proc.returncode == 2 and proc.stdout == "", proc.stderr
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith("vagal: --device 'Polar H10' and --device '0A1B2C3D' are the same strap"), last
    assert "Traceback" not in proc.stderr


def test_live_pair_when_the_second_strap_is_not_in_range(
    two: tuple[FakeHrStrap, FakeHrStrap], system_bus: str, tmp_path: Path
) -> None:
    proc = vagal("live", "--device", "polar", "--device", "garmin", "--headless", "--timeout", "2",
                 env=_env(system_bus, tmp_path))
    assert proc.returncode == 2 and proc.stdout == ""
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith("vagal: No strap matching 'garmin' was found."), last


@pytest.fixture
def killed_pair(two: tuple[FakeHrStrap, FakeHrStrap], system_bus: str, tmp_path: Path) -> Iterator[Path]:
    """`vagal live` with two straps, recording, killed with -9 a second after its 0:10 progress line."""
    a, b = two
    out = tmp_path / "killed.vagal.jsonl"
    cmd = [sys.executable, "-m", "vagal", "live", "--device", "polar", "--device", "tickr", "--headless",
           "--duration", "60", "--record", str(out), "--timeout", "5"]  # fmt: skip
    with Pump(a, b), subprocess.Popen(
        cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=_env(system_bus, tmp_path),
        cwd=tmp_path,
    ) as proc:  # fmt: skip
        assert proc.stderr is not None
        try:
            for line in proc.stderr:  # blocks until the session says it; no polling
                if line.strip().startswith("0:10 "):
                    break
            else:
                pytest.fail("the session ended before 0:10")
            time.sleep(1.0)  # the promise: handed over a second ago means on disk now
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
        finally:
            if proc.poll() is None:
                proc.kill()
    assert proc.returncode == -signal.SIGKILL
    yield out


@pytest.mark.slow
@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")
def test_kill_9_of_a_two_strap_recording_loses_at_most_the_last_second(killed_pair: Path) -> None:
    """The guarantee of tests/test_sessions_crash.py, for two straps in one file: the
    progress line "0:10" is printed only after the event at 10 s went to the recorder."""
    _, everything, damage, _ = read_events(killed_pair)
    assert all("truncated" in d.reason for d in damage), damage
    first_t = everything[0].t_s
    assert max(e.t_s for e in everything) >= first_t + 10.0
    for person in (0, 1):
        rec = read_session(killed_pair, person=person)
        assert all("truncated" in d.reason for d in rec.damage), rec.damage
        t = [e.t_s for e in everything if isinstance(e, Beat) and e.person == person]
        # One beat a second from each strap since it subscribed; both up to the witnessed line.
        assert t == sorted(t) and len(t) >= 8, (person, t)
        assert t[-1] >= first_t + 8.0


def test_live_with_no_device_at_a_terminal_offers_a_pick_of_two(
    two: tuple[FakeHrStrap, FakeHrStrap], system_bus: str, tmp_path: Path
) -> None:
    """stdin and stderr on a terminal (a pty): the numbered pick, answered "1,2", gives a session for two."""
    import pty

    a, b = two
    record = tmp_path / "picked.vagal.jsonl"
    master, slave = pty.openpty()
    with Pump(a, b), subprocess.Popen(
        [sys.executable, "-m", "vagal", "live", "--headless", "--duration", "4", "--json", "--record", str(record),
         "--timeout", "3"],
        stdin=slave, stdout=subprocess.PIPE, stderr=slave, text=True, env=_env(system_bus, tmp_path),
        cwd=tmp_path,
    ) as proc:  # fmt: skip
        os.close(slave)
        try:
            seen = _read_until(master, b"Which strap?", timeout_s=30)
            os.write(master, b"1,2\n")
            out, _ = proc.communicate(timeout=60)
            seen += _read_until(master, None, timeout_s=1)
        finally:
            if proc.poll() is None:
                proc.kill()
    os.close(master)
    shown = seen.decode(errors="replace")
    assert proc.returncode == 0, shown
    assert "1. Polar H10 0A1B2C3D (C0:FF:EE:00:00:01)" in shown and "2. TICKR X 1A2B (C0:FF:EE:00:00:02)" in shown
    summary = json.loads(out)
    assert [p["device"] for p in summary["people"]] == ["Polar H10 0A1B2C3D", B_NAME]
    header = json.loads(record.read_text().splitlines()[0])
    assert header["format_version"] == 2 and len(header["people"]) == 2


def _read_until(fd: int, wanted: bytes | None, *, timeout_s: float) -> bytes:
    """What the terminal shows, until ``wanted`` appears (None: until quiet or closed)."""
    import select

    seen = b""
    deadline = time.monotonic() + timeout_s
    while wanted is None or wanted not in seen:
        left = deadline - time.monotonic()
        if left <= 0:
            if wanted is None:
                return seen
            pytest.fail(f"the terminal never showed {wanted!r}: {seen!r}")
        ready, _, _ = select.select([fd], [], [], left)
        if not ready:
            continue
        try:
            chunk = os.read(fd, 4096)
        except OSError:  # EIO: the child closed the terminal
            chunk = b""
        if not chunk:
            if wanted is None:
                return seen
            pytest.fail(f"the terminal closed before {wanted!r}: {seen!r}")
        seen += chunk
    return seen
