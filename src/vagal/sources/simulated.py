"""A simulated heart-rate strap: a plausible person, real payload bytes, optional artifacts.

Design decision: the simulator sends exactly what a strap sends. A
:class:`SimulatedStrap` turns the beats of :class:`vagal.sources.physiology.HeartModel`
into Heart Rate Measurement notifications (0x2A37) about once a second, built with
:func:`vagal.gatt.encode_heart_rate_measurement` (RR in 1/1024 s units); the async
:class:`SimulatedSource` feeds those bytes through the same
:class:`vagal.sources.decode.PayloadDecoder` as the Bluetooth source, so the whole
parser and timing path is exercised, and downstream code cannot tell it from a strap.

Strap behaviour, documented choices:

* One notification every ``notify_interval_s`` (1 s), carrying the RR values of the
  beats since the previous one (0-3 at rest). With no beat in the interval it carries
  the heart rate only, as real straps do.
* Heart rate field: ``round(60000 / mean of the last 4 RR)``, the short average a strap
  displays; the 8-bit format; no energy field.
* Sensor contact: reported ("supported", like Garmin and Wahoo straps) by default.
  With ``contact_supported=False`` the strap says "not supported" (like a Polar H10)
  and the decoder judges contact from the data.

Artifacts (:class:`SimArtifacts`), each a Poisson process in session time:

* ectopic beat: a premature beat (25-35 % early) and its compensatory pause, a
  short-long pair whose sum is unchanged;
* missed beat: the strap misses an R-peak, so one RR is the sum of two;
* extra beat: the strap detects a spurious peak (a T wave), splitting one RR in two;
* contact loss: for some seconds the strap reports no contact, heart rate 0 and no RR;
  the first RR after contact returns is dropped (it spans the loss);
* drop-out: no notifications at all for some seconds; the source yields
  ``SourceState("reconnecting")``, then ``SourceState("connected")`` and
  ``Gap(start, end, "disconnected")`` and resets the decoder, as the Bluetooth source does.

The heart itself is not affected by the artifacts: with the same seed, the beats are the
same with and without them (each part draws from its own child generator).

Synchronous paths for tests and benchmarks: :func:`vagal.sources.physiology.simulate_rr`
(beats as arrays) and :func:`iter_notifications` (``(t_s, payload)`` pairs).

Two people (:class:`SimulatedPair`): two simulated straps on one
:class:`vagal.sources.physiology.PairModel`, each its own :class:`SimulatedSource` (its
own decoder, artifacts and gaps, as two Bluetooth straps are two sources), and
:meth:`SimulatedPair.iter_notifications` for ``(person, t_s, payload)`` in time order.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections import deque
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final, Literal

from vagal import __version__
from vagal.clock import Clock, MonotonicClock
from vagal.events import DeviceInfo, Event, Gap, SourceState
from vagal.gatt import encode_heart_rate_measurement, rr_ms_to_raw
from vagal.sources.base import ClosesOnExit, SourceStats, sleep_until_or
from vagal.sources.decode import PayloadDecoder
from vagal.sources.physiology import Breathing, Heart, HeartModel, PairModel, PerPerson

if TYPE_CHECKING:
    import numpy as np

log = logging.getLogger(__name__)

DEFAULT_NOTIFY_INTERVAL_S: Final = 1.0
"""Heart-rate straps notify about once a second."""
_HR_AVERAGE_BEATS: Final = 4
"""Beats averaged for the heart-rate field."""


@dataclass(frozen=True, slots=True)
class SimArtifacts:
    """How often the simulated strap misbehaves (0 switches a kind off)."""

    ectopic_per_min: float = 0.0
    """Premature beats with a compensatory pause, per minute."""
    missed_per_min: float = 0.0
    """Missed R-peaks (one RR doubled), per minute."""
    extra_per_min: float = 0.0
    """Spurious extra peaks (one RR split in two), per minute."""
    contact_loss_per_hour: float = 0.0
    """Stretches without skin contact, per hour."""
    dropout_per_hour: float = 0.0
    """Bluetooth drop-outs (no notifications), per hour."""
    contact_loss_s: tuple[float, float] = (4.0, 15.0)
    """Range of a contact loss's duration, seconds (uniform)."""
    dropout_s: tuple[float, float] = (3.0, 12.0)
    """Range of a drop-out's duration, seconds (uniform)."""

    def __post_init__(self) -> None:
        for name in (
            "ectopic_per_min",
            "missed_per_min",
            "extra_per_min",
            "contact_loss_per_hour",
            "dropout_per_hour",
        ):
            value = getattr(self, name)
            if not (math.isfinite(value) and value >= 0):
                raise ValueError(f"{name} must be a finite rate >= 0, got {value!r}")
        for name in ("contact_loss_s", "dropout_s"):
            lo, hi = getattr(self, name)
            if not (math.isfinite(lo) and math.isfinite(hi) and 0 < lo <= hi):
                raise ValueError(
                    f"{name} must be (shortest, longest) seconds with 0 < shortest <= longest, "
                    f"got {(lo, hi)!r}"
                )

    @classmethod
    def typical(cls) -> SimArtifacts:
        """What ``vagal demo --artifacts`` uses: each kind shows up within a 15-minute demo.

        Higher than a healthy person wearing a good strap would see (a few ectopic beats
        an hour), so that every kind of handling can be watched.
        """
        return cls(
            ectopic_per_min=0.5,
            missed_per_min=0.25,
            extra_per_min=0.1,
            contact_loss_per_hour=4.0,
            dropout_per_hour=4.0,
        )

    @property
    def any(self) -> bool:
        """True when at least one kind is switched on."""
        return any(
            (
                self.ectopic_per_min,
                self.missed_per_min,
                self.extra_per_min,
                self.contact_loss_per_hour,
                self.dropout_per_hour,
            )
        )


@dataclass(frozen=True, slots=True)
class Notification:
    """A Heart Rate Measurement payload the strap sends at ``t_s``."""

    t_s: float
    data: bytes


@dataclass(frozen=True, slots=True)
class LinkChange:
    """The Bluetooth link dropped (``up=False``) or came back (``up=True``) at ``t_s``."""

    t_s: float
    up: bool


StrapOutput = Notification | LinkChange
ArtifactKind = Literal["ectopic", "missed", "extra", "contact_loss", "dropout"]


class _Poisson:
    """Event times of a Poisson process with a rate per second (inf when the rate is 0)."""

    def __init__(self, rng: np.random.Generator, rate_per_s: float, start_s: float) -> None:
        self._rng = rng
        self._rate = rate_per_s
        self.next_s = start_s
        self.advance()

    def advance(self, after_s: float | None = None) -> None:
        if after_s is not None:
            self.next_s = max(self.next_s, after_s)
        self.next_s = (
            self.next_s + float(self._rng.exponential(1.0 / self._rate)) if self._rate > 0 else math.inf
        )


def _check_seed(seed: object) -> None:
    if seed is not None and not (isinstance(seed, int) and seed >= 0):
        raise ValueError(f"seed must be a whole number >= 0 or None, got {seed!r}")


class SimulatedStrap:
    """The strap's output as a plain, synchronous iterator (no asyncio, no clock).

    Args:
        seed: Seed; the same seed gives the same person, beats, artifacts and bytes.
        breathing: The breathing guide (lung volume 0..1 at a session time), or None.
        artifacts: Artifact rates, or None for a clean strap.
        start_s: Session time of the first notification interval's start.
        notify_interval_s: Time between notifications.
        contact_supported: Report sensor contact (True) or "not supported" (False).
        resonance_rate_per_min: Set the person's resonance rate, breaths/min (see
            :class:`vagal.sources.physiology.HeartModel`); None: as drawn from the seed.
        heart: Wear the strap on this heart (e.g. one person of a
            :class:`vagal.sources.physiology.PairModel`) instead of a person drawn from
            ``seed``; then ``seed`` only seeds the artifacts, and ``breathing`` and
            ``resonance_rate_per_min`` must be None (the heart has its own).
        seed_sequence: Seed the artifacts from this sequence instead of ``seed`` (a pair
            gives each person's strap their own).

    Raises:
        ValueError: A parameter is out of range, or ``heart`` comes with a breathing guide
            or a resonance rate.
    """

    def __init__(
        self,
        *,
        seed: int | None = None,
        breathing: Breathing | None = None,
        artifacts: SimArtifacts | None = None,
        start_s: float = 0.0,
        notify_interval_s: float = DEFAULT_NOTIFY_INTERVAL_S,
        contact_supported: bool = True,
        resonance_rate_per_min: float | None = None,
        heart: Heart | None = None,
        seed_sequence: np.random.SeedSequence | None = None,
    ) -> None:
        import numpy as np

        if not (math.isfinite(notify_interval_s) and 0.1 <= notify_interval_s <= 5.0):
            raise ValueError(f"notify_interval_s must be 0.1 to 5 seconds, got {notify_interval_s!r}")
        _check_seed(seed)
        seq = seed_sequence if seed_sequence is not None else np.random.SeedSequence(seed)
        # The heart is exactly simulate_rr's for the same seed; the artifacts draw from a
        # separate stream of the same entropy, so switching them on changes no beat.
        if heart is not None:
            if breathing is not None or resonance_rate_per_min is not None:
                raise ValueError("a strap worn on a given heart takes no breathing guide or resonance rate")
            self.heart: Heart = heart
        else:
            self.heart = HeartModel(
                seq, breathing=breathing, start_s=start_s, resonance_rate_per_min=resonance_rate_per_min
            )
        artifact_seq = np.random.SeedSequence(seq.entropy, spawn_key=(*seq.spawn_key, 0xA27))
        self.artifacts = artifacts or SimArtifacts()
        self.contact_supported = contact_supported
        self.notify_interval_s = notify_interval_s
        rngs = np.random.default_rng(artifact_seq).spawn(6)
        a = self.artifacts
        self._rng = rngs[0]
        self._ectopic = _Poisson(rngs[1], a.ectopic_per_min / 60.0, start_s)
        self._missed = _Poisson(rngs[2], a.missed_per_min / 60.0, start_s)
        self._extra = _Poisson(rngs[3], a.extra_per_min / 60.0, start_s)
        self._contact = _Poisson(rngs[4], a.contact_loss_per_hour / 3600.0, start_s)
        self._dropout = _Poisson(rngs[5], a.dropout_per_hour / 3600.0, start_s)
        self._t_s = start_s
        self._last_peak_s: float | None = None
        self._recent_rr: deque[float] = deque(maxlen=_HR_AVERAGE_BEATS)
        self._hr_bpm = round(self.heart.hr_bpm)
        """The heart-rate field; before the first RR, the strap's first estimate."""
        self._skip_next_rr = False
        self._contact_until_s = -math.inf
        self._link_back_at: float | None = None
        self._prev_peak: float | None = None
        self.injected: dict[ArtifactKind, list[float]] = {
            "ectopic": [],
            "missed": [],
            "extra": [],
            "contact_loss": [],
            "dropout": [],
        }
        """Session times at which each artifact was injected (for tests and summaries)."""

    # -- beats → detected peaks -------------------------------------------------------

    def _peaks(self, beat_times: list[float]) -> list[float]:
        """The R-peaks the strap detects, with ectopic, missed and extra beats applied."""
        out: list[float] = []
        for t in beat_times:
            prev = self._last_peak_s
            if prev is not None and t >= self._missed.next_s:
                self._missed.advance(t)
                self.injected["missed"].append(t)
                continue  # the peak is missed: the next RR spans two beats
            if prev is not None and t >= self._ectopic.next_s:
                self._ectopic.advance(t)
                rr = t - prev
                t = t - float(self._rng.uniform(0.25, 0.35)) * rr  # premature; the pause follows
                self.injected["ectopic"].append(t)
            elif prev is not None and t >= self._extra.next_s:
                self._extra.advance(t)
                rr = t - prev
                extra_t = prev + float(self._rng.uniform(0.3, 0.45)) * rr  # a T wave taken for an R wave
                self.injected["extra"].append(extra_t)
                out.append(extra_t)
            out.append(t)
            self._last_peak_s = t
        return out

    # -- notifications ------------------------------------------------------------------

    def _payload(self, rr_ms: list[float], contact: bool) -> bytes:
        if not contact:
            return encode_heart_rate_measurement(0, sensor_contact=False if self.contact_supported else None)
        for v in rr_ms:
            self._recent_rr.append(v)
        if self._recent_rr:
            self._hr_bpm = min(round(60000.0 / (sum(self._recent_rr) / len(self._recent_rr))), 255)
        raw = [rr_ms_to_raw(v) for v in rr_ms]
        return encode_heart_rate_measurement(
            self._hr_bpm, raw, sensor_contact=True if self.contact_supported else None
        )

    def __iter__(self) -> Iterator[StrapOutput]:
        return self

    def __next__(self) -> StrapOutput:
        """The next notification, or a link change; never ends (a strap runs until stopped)."""
        if self._link_back_at is not None:
            back, self._link_back_at = self._link_back_at, None
            # The strap kept measuring during the drop-out; those beats were never delivered.
            peaks = self._peaks(self.heart.beats_until(back))
            if peaks:
                self._prev_peak = peaks[-1]
                self._skip_next_rr = False
            self._t_s = back
            return LinkChange(back, up=True)
        t = self._t_s + self.notify_interval_s
        if t >= self._dropout.next_s and t > self._contact_until_s:
            lo, hi = self.artifacts.dropout_s
            back = t + float(self._rng.uniform(lo, hi))
            self._dropout.advance(back)
            self.injected["dropout"].append(t)
            self._link_back_at = back
            return LinkChange(t, up=False)
        self._t_s = t
        if t >= self._contact.next_s and t > self._contact_until_s:
            lo, hi = self.artifacts.contact_loss_s
            self._contact_until_s = t + float(self._rng.uniform(lo, hi))
            self._contact.advance(self._contact_until_s)
            self.injected["contact_loss"].append(t)
        contact = t > self._contact_until_s
        rr_ms: list[float] = []
        for peak in self._peaks(self.heart.beats_until(t)):
            if self._prev_peak is not None and not self._skip_next_rr:
                rr_ms.append((peak - self._prev_peak) * 1000.0)
            self._skip_next_rr = False
            self._prev_peak = peak
        if not contact:
            self._skip_next_rr = True  # the first RR after contact returns spans the loss
            return Notification(t, self._payload([], contact=False))
        return Notification(t, self._payload(rr_ms, contact=True))


def iter_notifications(
    duration_s: float,
    *,
    seed: int | None = None,
    breathing: Breathing | None = None,
    artifacts: SimArtifacts | None = None,
    contact_supported: bool = True,
    resonance_rate_per_min: float | None = None,
) -> Iterator[tuple[float, bytes]]:
    """``(t_s, payload)`` for every notification in ``duration_s`` (drop-outs are silence).

    Args:
        duration_s: Session seconds.
        seed: Seed.
        breathing: Breathing guide, or None.
        artifacts: Artifact rates, or None.
        contact_supported: Whether the strap reports sensor contact.
        resonance_rate_per_min: Set the person's resonance rate (breaths/min), or None.

    Yields:
        Arrival time and the exact payload bytes.
    """
    strap = SimulatedStrap(
        seed=seed,
        breathing=breathing,
        artifacts=artifacts,
        contact_supported=contact_supported,
        resonance_rate_per_min=resonance_rate_per_min,
    )
    for item in strap:
        if item.t_s > duration_s:
            return
        if isinstance(item, Notification):
            yield item.t_s, item.data


class SimulatedSource(ClosesOnExit):
    """The simulated strap behind the :class:`vagal.sources.base.BeatSource` interface.

    Args:
        seed: Seed for a reproducible person and strap; None: a new one each time.
        clock: Session clock; ``MonotonicClock()`` (real time) when None, a
            ``VirtualClock`` for "as fast as possible".
        duration_s: Stop after this much session time (None: until ``close()``).
        breathing: Breathing guide, lung volume 0..1 at a session time (e.g.
            ``Pacer.volume_at``); None: spontaneous breathing at 12-15/min.
        artifacts: Artifact rates (``SimArtifacts.typical()`` for the demo), or None.
        contact_supported: Report sensor contact (default) or "not supported" (Polar-like).
        notify_interval_s: Time between notifications.
        resonance_rate_per_min: Set the person's resonance rate (breaths/min), or None.
        strap_factory: Build the strap from the session time at which iteration starts
            (a :class:`SimulatedPair` gives each person's); None: a :class:`SimulatedStrap`
            from the arguments above.
        device_name: The name in the :class:`vagal.events.DeviceInfo` event.

    Raises:
        ValueError: ``duration_s`` is not positive.
    """

    def __init__(
        self,
        *,
        seed: int | None = None,
        clock: Clock | None = None,
        duration_s: float | None = None,
        breathing: Breathing | None = None,
        artifacts: SimArtifacts | None = None,
        contact_supported: bool = True,
        notify_interval_s: float = DEFAULT_NOTIFY_INTERVAL_S,
        resonance_rate_per_min: float | None = None,
        strap_factory: Callable[[float], SimulatedStrap] | None = None,
        device_name: str = "Simulated strap",
    ) -> None:
        if duration_s is not None and not (duration_s > 0):
            raise ValueError(f"duration_s must be > 0 seconds or None, got {duration_s!r}")
        self.seed = seed
        self.resonance_rate_per_min = resonance_rate_per_min
        self.device_name = device_name
        self._strap_factory = strap_factory
        self.clock: Clock = clock if clock is not None else MonotonicClock()
        self.duration_s = duration_s
        self.breathing = breathing
        self.artifacts = artifacts
        self.contact_supported = contact_supported
        self.notify_interval_s = notify_interval_s
        self.stats = SourceStats()
        self.decoder = PayloadDecoder()
        self.strap: SimulatedStrap | None = None
        """The strap model, once iteration started (its ``injected`` lists what was done)."""
        self._closed = asyncio.Event()

    async def close(self) -> None:
        """Stop; the iterator yields ``SourceState("ended")`` and ends (at once, even mid-wait)."""
        self._closed.set()

    def __aiter__(self) -> AsyncIterator[Event]:
        return self._events()

    async def _wait_until(self, t_s: float) -> None:
        """Wait for session time ``t_s``, or until ``close()``, whichever comes first."""
        if self._closed.is_set():
            return
        if math.isinf(self.clock.speed):
            await self.clock.sleep_until(t_s)  # virtual time: no real waiting to cut short
            return
        await sleep_until_or(self.clock, t_s, self._closed)

    async def _events(self) -> AsyncIterator[Event]:
        t0 = self.clock.now()
        end_s = t0 + self.duration_s if self.duration_s is not None else math.inf
        yield SourceState(t0, "connecting", "starting the simulated strap")
        if self._strap_factory is not None:
            strap = self._strap_factory(t0)
        else:
            strap = SimulatedStrap(
                seed=self.seed,
                breathing=self.breathing,
                artifacts=self.artifacts,
                start_s=t0,
                notify_interval_s=self.notify_interval_s,
                contact_supported=self.contact_supported,
                resonance_rate_per_min=self.resonance_rate_per_min,
            )
        self.strap = strap
        self.decoder.reset(t0)
        yield SourceState(t0, "connected")
        yield DeviceInfo(
            t0,
            kind="simulator",
            name=self.device_name,
            manufacturer="vagal",
            model="simulated person",
            firmware=__version__,
            sends_rr=True,
        )
        down_since: float | None = None
        t_last_data = t0
        for item in strap:
            if self._closed.is_set() or item.t_s > end_s:
                break
            await self._wait_until(item.t_s)
            if self._closed.is_set():
                break
            if isinstance(item, LinkChange):
                if not item.up:
                    down_since = t_last_data  # no data since the last notification
                    yield SourceState(item.t_s, "reconnecting", "simulated drop-out")
                else:
                    start = down_since if down_since is not None else item.t_s
                    down_since = None
                    self.stats.reconnects += 1
                    self.stats.gap_s += item.t_s - start
                    self.decoder.reset(item.t_s)
                    yield SourceState(item.t_s, "connected", "back after a simulated drop-out")
                    yield Gap(start, item.t_s, "disconnected")
                continue
            t_last_data = item.t_s
            for event in self.decoder.feed(item.t_s, item.data):
                if isinstance(event, Gap):
                    self.stats.gap_s += event.duration_s
                yield event
            self.stats.payloads = self.decoder.payloads
            self.stats.rejected = self.decoder.rejected
            self.stats.beats = self.decoder.beats
        if self.duration_s is not None and not self._closed.is_set():
            await self._wait_until(end_s)
        t_end = min(self.clock.now(), end_s)
        if down_since is not None:
            # The session ended during a drop-out.
            self.stats.gap_s += t_end - down_since
            yield Gap(down_since, t_end, "disconnected")
        yield SourceState(t_end, "ended")


PAIR_DEVICE_NAMES: Final = ("Simulated strap A", "Simulated strap B")
"""The :class:`vagal.events.DeviceInfo` names of a simulated pair's straps."""


class SimulatedPair:
    """Two simulated people, each wearing a simulated strap, on one shared physiology.

    The physiology is a :class:`vagal.sources.physiology.PairModel` (person A leads,
    person B follows by ``coupling`` with a lag of ``lag_s``), created when the first strap
    starts. Each person's strap is a :class:`SimulatedStrap` with its own artifacts, seeded
    from that person's own seed sequence; person A's strap sends exactly what a single
    simulated strap of the same seed sends.

    Two ways to stream:

    * :meth:`sources`: two :class:`SimulatedSource` objects, one per person, each a
      :class:`vagal.sources.base.BeatSource` with its own decoder, drop-outs and gaps, as
      two Bluetooth straps are two sources. Their events carry no person id (the event
      types have none yet): the caller knows which source is which person.
    * :meth:`iter_notifications`: ``(person, t_s, payload)`` for both straps in time order,
      synchronously (tests, benchmarks, headless runs).

    Args:
        seed: Seed for a reproducible pair; None: a new pair each time.
        breathing: One guide for both, a pair ``(guide_A, guide_B)``, or None.
        coupling: How strongly B follows A, 0..1.
        lag_s: B's lag behind A, seconds; None: drawn from the seed (2-4 s).
        resonance_rate_per_min: One resonance rate for both, a pair, or None (as drawn).
        artifacts: One :class:`SimArtifacts` for both straps, a pair, or None (clean).
        contact_supported: Whether the straps report sensor contact.
        notify_interval_s: Time between each strap's notifications.

    Raises:
        ValueError: A parameter is out of range.
    """

    def __init__(
        self,
        *,
        seed: int | None = None,
        breathing: Breathing | PerPerson | None = None,
        coupling: float = 0.0,
        lag_s: float | None = None,
        resonance_rate_per_min: float | tuple[float | None, float | None] | None = None,
        artifacts: SimArtifacts | tuple[SimArtifacts | None, SimArtifacts | None] | None = None,
        contact_supported: bool = True,
        notify_interval_s: float = DEFAULT_NOTIFY_INTERVAL_S,
    ) -> None:
        _check_seed(seed)
        self.seed = seed
        self.breathing = breathing
        self.coupling = coupling
        self.resonance_rate_per_min = resonance_rate_per_min
        if isinstance(artifacts, tuple):
            if len(artifacts) != 2:
                raise ValueError(
                    f"artifacts must be one SimArtifacts for both straps or a pair, got {artifacts!r}"
                )
            self.artifacts: tuple[SimArtifacts | None, SimArtifacts | None] = artifacts
        else:
            self.artifacts = (artifacts, artifacts)
        self.contact_supported = contact_supported
        self.notify_interval_s = notify_interval_s
        self._lag_s = lag_s
        # Build once now to check the parameters and learn the lag; the straps use a fresh
        # one from the session time at which the first of them starts.
        probe = PairModel(
            seed,
            breathing=breathing,
            coupling=coupling,
            lag_s=lag_s,
            resonance_rate_per_min=resonance_rate_per_min,
        )
        self.lag_s = probe.lag_s
        """B's lag behind A, seconds (positive: B follows A)."""
        self.model: PairModel | None = None
        """The shared physiology, once the first strap started."""
        self.straps: list[SimulatedStrap | None] = [None, None]
        """Each person's strap once started (its ``injected`` lists the artifacts)."""

    def _model_from(self, start_s: float) -> PairModel:
        if self.model is None:
            self.model = PairModel(
                self.seed,
                breathing=self.breathing,
                coupling=self.coupling,
                lag_s=self._lag_s,
                resonance_rate_per_min=self.resonance_rate_per_min,
                start_s=start_s,
            )
        return self.model

    def strap(self, person: int, start_s: float = 0.0) -> SimulatedStrap:
        """Person ``person``'s strap (0: A, 1: B), starting at session time ``start_s``.

        The shared physiology starts with the first strap asked for; a strap that starts
        later sees no beat from before its start.

        Raises:
            ValueError: ``person`` is not 0 or 1, or this person's strap was already made.
        """
        if person not in (0, 1):
            raise ValueError(f"person must be 0 (A) or 1 (B), got {person!r}")
        if self.straps[person] is not None:
            raise ValueError(f"the strap of person {person} was already started; make a new SimulatedPair")
        model = self._model_from(start_s)
        strap = SimulatedStrap(
            artifacts=self.artifacts[person],
            start_s=start_s,
            notify_interval_s=self.notify_interval_s,
            contact_supported=self.contact_supported,
            heart=model.heart(person, start_s=start_s),
            seed_sequence=model.seed_sequences[person],
        )
        self.straps[person] = strap
        return strap

    def sources(
        self, *, clock: Clock | None = None, duration_s: float | None = None
    ) -> tuple[SimulatedSource, SimulatedSource]:
        """Each person's strap as a :class:`SimulatedSource` (A's, B's), on one clock.

        A pair streams once: each source can be iterated once (make a new
        :class:`SimulatedPair` for another run with the same seed).

        Args:
            clock: The session clock both use (a ``VirtualClock`` for as fast as possible);
                None: one ``MonotonicClock()`` shared by both.
            duration_s: Stop both after this much session time (None: until ``close()``).
        """
        shared: Clock = clock if clock is not None else MonotonicClock()

        def source(person: int) -> SimulatedSource:
            return SimulatedSource(
                clock=shared,
                duration_s=duration_s,
                strap_factory=lambda t0: self.strap(person, t0),
                device_name=PAIR_DEVICE_NAMES[person],
                contact_supported=self.contact_supported,
                notify_interval_s=self.notify_interval_s,
            )

        return source(0), source(1)

    def iter_notifications(self, duration_s: float) -> Iterator[tuple[int, float, bytes]]:
        """``(person, t_s, payload)`` of both straps up to ``duration_s``, in time order.

        At equal times person A comes first. Drop-outs are silence, as in
        :func:`iter_notifications`.
        """
        straps = (self.strap(0), self.strap(1))
        pending: list[Notification | None] = [None, None]

        def next_of(person: int) -> Notification | None:
            for item in straps[person]:
                if item.t_s > duration_s:
                    return None
                if isinstance(item, Notification):
                    return item
            return None  # pragma: no cover - a strap never ends

        pending = [next_of(0), next_of(1)]
        while pending[0] is not None or pending[1] is not None:
            a, b = pending
            person = 0 if b is None or (a is not None and a.t_s <= b.t_s) else 1
            item = pending[person]
            assert item is not None
            yield person, item.t_s, item.data
            pending[person] = next_of(person)
