"""The event vocabulary: facts that flow from a beat source to everything downstream.

Sources yield these events, the recorder writes them, the engine folds them and the
dashboard shows them: one vocabulary end to end. Every event is a frozen dataclass with
a session-relative time in seconds (``t_s``) on a monotonic axis that starts at 0 when
the session starts. Wall-clock time is the recorder's business (session start + ``t_s``).

Design notes:
* A ``Beat`` time is the time of the R-peak that *ends* the interval, placed by
  back-dating from the notification's arrival with the RR values themselves
  (see :mod:`vagal.sources.decode`). It is never just the arrival time.
* A ``Gap`` is emitted once its end is known (after a reconnect, or when contact is
  found again). No metric may form a beat-to-beat difference across it.
* ``settling=True`` marks beats in the first seconds after a (re)connect, when straps
  are known to send unreliable RR values; the engine keeps them out of the metrics.
* Two people in one session: every event that belongs to one person (their strap's
  payloads, beats, gaps, contact, state, device, check-ins) carries ``person`` (0: A,
  1: B); markers, notes and the shared guide belong to the session. ``person`` is 0 in
  a one-person session, and a file leaves it out then (docs/session-format.md). When each
  of the two has their own guide (``--pace 6,8``), each ``PacerChanged`` says whose
  (``person`` 0 or 1, written even for 0); a shared guide's ``person`` is None.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, TypeAlias

GapReason: TypeAlias = Literal["disconnected", "contact_lost", "no_data", "paused"]
SourceStateName: TypeAlias = Literal[
    "connecting", "connected", "streaming", "reconnecting", "disconnected", "ended"
]
SourceKind: TypeAlias = Literal["strap", "simulator", "replay"]
BreathPhase: TypeAlias = Literal["inhale", "hold_in", "exhale", "hold_out"]


@dataclass(frozen=True, slots=True)
class RawPayload:
    """The Heart Rate Measurement characteristic bytes exactly as received."""

    t_s: float
    """Arrival time, session seconds."""
    data: bytes
    """The characteristic value (0x2A37)."""
    person: int = 0
    """Whose event: 0 is person A (the only person of a one-person session), 1 is person B."""


@dataclass(frozen=True, slots=True)
class PayloadRejected:
    """A payload that could not be decoded, or an RR value in it that no heart produces
    (over a minute): counted, recorded and skipped. The payload's other values are used."""

    t_s: float
    data: bytes
    reason: str
    """What was wrong with the bytes, in plain words (the parser's message, or the value)."""
    person: int = 0
    """Whose event: 0 is person A (the only person of a one-person session), 1 is person B."""


@dataclass(frozen=True, slots=True)
class Beat:
    """One heartbeat: the RR interval that ends at ``t_s``."""

    t_s: float
    """Time of the beat (end of the interval), session seconds, back-dated from arrival."""
    rr_ms: float
    """RR interval in milliseconds, exact (1/1024 s units converted, never rounded)."""
    hr_bpm: int | None = None
    """Heart rate the strap reported in the same notification, if any."""
    contact: bool | None = None
    """Sensor contact as reported (None: the strap does not report contact)."""
    settling: bool = False
    """True in the settling time after a (re)connect: keep out of metrics."""
    person: int = 0
    """Whose event: 0 is person A (the only person of a one-person session), 1 is person B."""


@dataclass(frozen=True, slots=True)
class HeartRateOnly:
    """A notification with heart rate but no RR interval (HRV cannot use it)."""

    t_s: float
    hr_bpm: int
    contact: bool | None = None
    person: int = 0
    """Whose event: 0 is person A (the only person of a one-person session), 1 is person B."""


@dataclass(frozen=True, slots=True)
class ContactChanged:
    """Sensor contact was lost or found (reported by the strap, or judged from the data)."""

    t_s: float
    contact: bool
    judged: bool = False
    """True when judged from the data because the strap does not report contact."""
    person: int = 0
    """Whose event: 0 is person A (the only person of a one-person session), 1 is person B."""


@dataclass(frozen=True, slots=True)
class Gap:
    """A stretch with no usable beats (drop-out, contact loss, pause). Never a long beat."""

    start_s: float
    end_s: float
    reason: GapReason
    person: int = 0
    """Whose event: 0 is person A (the only person of a one-person session), 1 is person B."""

    @property
    def t_s(self) -> float:
        """Events are ordered by time; a gap is known at its end."""
        return self.end_s

    @property
    def duration_s(self) -> float:
        return self.end_s - self.start_s


@dataclass(frozen=True, slots=True)
class SourceState:
    """The source's connection state changed."""

    t_s: float
    state: SourceStateName
    detail: str = ""
    """Plain words for the status line ("reconnecting, attempt 3")."""
    person: int = 0
    """Whose event: 0 is person A (the only person of a one-person session), 1 is person B."""


@dataclass(frozen=True, slots=True)
class DeviceInfo:
    """What is known about the source (sent at connect, and again when it changes)."""

    t_s: float
    kind: SourceKind
    name: str
    address: str | None = None
    manufacturer: str | None = None
    model: str | None = None
    firmware: str | None = None
    battery_pct: int | None = None
    profile: str | None = None
    """Id of the matching profile in ``devices/`` (e.g. "polar-h10"), if any."""
    sends_rr: bool | None = None
    """Whether the profile says the device sends RR intervals (None: unknown)."""
    person: int = 0
    """Whose event: 0 is person A (the only person of a one-person session), 1 is person B."""


@dataclass(frozen=True, slots=True)
class Marker:
    """A moment that matters, added by the person ("talked about work")."""

    t_s: float
    label: str = ""
    feeling: str = ""
    """A feeling word beside the label ("anxious"), so a trigger can be marked as it happens."""


@dataclass(frozen=True, slots=True)
class CheckIn:
    """How settled the person felt, noted before or after a session (1 = not at all … 5 = very settled)."""

    t_s: float
    when: Literal["before", "after"]
    settled: int
    """1..5; the words are ``vagal.metrics.SETTLED_WORDS``."""
    words: str = ""
    """Optional few words ("after the argument")."""
    person: int = 0
    """Whose event: 0 is person A (the only person of a one-person session), 1 is person B."""


@dataclass(frozen=True, slots=True)
class PacerChanged:
    """The breathing pattern changed (or was set at the start)."""

    t_s: float
    preset: str
    """Preset name ("resonance", "box", …) or "custom"."""
    inhale_s: float
    hold_in_s: float
    exhale_s: float
    hold_out_s: float
    ramp_from_per_min: float | None = None
    """The guide started at this rate and eased to the pattern's (the gentle start); None:
    from the rate in effect when the change took hold."""
    ramp_s: float = 0.0
    """Seconds over which the rate eased to the pattern's (0: at once)."""
    person: int | None = None
    """Whose guide: None is the session's own guide (one person's, or one shared by two);
    0 (A) or 1 (B) is that person's own guide when each of two has their own (``--pace 6,8``)."""

    @property
    def rate_per_min(self) -> float:
        cycle = self.inhale_s + self.hold_in_s + self.exhale_s + self.hold_out_s
        return 60.0 / cycle if cycle > 0 else 0.0


@dataclass(frozen=True, slots=True)
class AssessmentStep:
    """One step of a resonance-frequency assessment began (``vagal resonance``): the guide's
    rate and the part of the step that is scored, so a recording can be re-scored exactly.

    ``t_s`` is when the guide began the step's rate (a breath start). The breath pattern
    is the ``PacerChanged`` at that time; the fields match
    :class:`vagal.pacer.StepRecord`.
    """

    t_s: float
    index: int
    """Position in its pass, 0 first."""
    count: int
    """Steps in its pass."""
    rate_per_min: float
    """The guide's rate for the step, breaths per minute."""
    scored_from_s: float
    """Start of the scored window (a breath start after the settling time), session seconds."""
    end_s: float
    """End of the step and of its scored window (a breath start), session seconds."""
    refine: bool = False
    """True in the refine pass (half a step either side of the best rate)."""


@dataclass(frozen=True, slots=True)
class Note:
    """Free text attached to the session at a moment."""

    t_s: float
    text: str


Event: TypeAlias = (
    RawPayload
    | PayloadRejected
    | Beat
    | HeartRateOnly
    | ContactChanged
    | Gap
    | SourceState
    | DeviceInfo
    | Marker
    | CheckIn
    | PacerChanged
    | AssessmentStep
    | Note
)
"""Any event a source yields or the app injects."""
