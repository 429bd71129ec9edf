"""Turn Heart Rate Measurement payloads into beat events, on a monotonic time axis.

Shared by the bleak source and the simulator (which sends real payload bytes), so both
go through exactly the same path.

Timing: a notification carries 0-n RR values and no timestamps; it arrives after the
last of its beats, sometimes seconds late. Beats are placed by the RR values
themselves: each beat is the previous beat plus its RR interval (the time axis is the
cumulative sum of RR, docs/methods.md §0). The first notification after the start or a
(re)connect is anchored by back-dating from its arrival: its last beat at the arrival
time, each earlier one its successor minus the successor's RR. Beats that back-date
to before the start or the reconnect are dropped (counted in ``early_skipped``; the
bytes stay in the ``RawPayload``), so no beat lands inside the gap a reconnect closes.

Two corrections keep the axis honest without ever touching the RR values:

* *Lost notifications.* When arrival runs ahead of the cumulative axis by more than
  ``max_lag_s``, beats were lost on the way: the axis is re-anchored by back-dating and
  a ``Gap(reason="no_data")`` covers the lost stretch, so it is never one long beat.
* *Beats ahead of their arrival.* A beat cannot happen after the notification that
  carries it arrived. The first anchor assumes the newest beat happened at arrival;
  in fact a strap notifying once a second delivers a beat up to a second (plus the
  delivery delay) after it happened. When a later notification's RR values add up to
  more than the time since the previous beat (the anchor was late, or notifications
  queued during a stall arrive in a burst), its beats are fitted between the previous
  beat and its arrival: their spacing on the axis is shortened, their ``rr_ms`` never.
  The axis thereby converges on the earliest placement consistent with every arrival.

What holds, for every stream of payloads (``benchmarks/fuzz.py`` checks it on 10^6
random payloads with bursts, stalls and clock steps):

1. Beat times strictly increase, and every ``rr_ms`` is a value the strap sent.
2. A beat is never placed after the arrival of the notification that carried it.
   Arrival here is the latest arrival seen: a time stamp earlier than the one before (a
   clock that stepped back) counts as the one before. The one exception is a
   notification whose arrival is not later than the beat before it (several
   notifications stamped in one clock tick, as a coarse clock does in a burst): there
   is no room before its arrival, so its beats follow the one before by
   :data:`CROWDED_SPACING_S` each, and are counted in ``crowded``.
3. No beat is invented and none is lost silently: every RR value of a readable payload
   is a beat, or is counted as ``zero_rr_skipped`` (0: no beat), ``impossible_rr``
   (over a minute, which no heart produces: recorded as a ``PayloadRejected`` naming
   the value, with a break in its place), ``early_skipped`` or ``no_contact_skipped``.
4. A gap holds no beat, and ends no earlier than it starts.

Contact: when the strap reports contact, changes are passed on. When it does not
(Polar H10 sends "not supported"), contact is judged from the data: a heart rate of 0,
or no RR values for ``no_rr_contact_s`` while RR values were flowing, counts as lost.
A contact-lost stretch ends in a ``Gap(reason="contact_lost")``.

Settling: beats in the first ``settle_s`` seconds after the start or a (re)connect,
and in the first seconds after contact is found again, are marked ``settling=True``.

A gap's ``end_s`` is the R-peak that starts the first interval after it (the first
beat's time minus its RR), so the first beat after a gap is a whole, measured interval.
"""

from __future__ import annotations

import math
from typing import Final

from vagal.events import (
    Beat,
    ContactChanged,
    Event,
    Gap,
    GapReason,
    HeartRateOnly,
    PayloadRejected,
    RawPayload,
)
from vagal.gatt import parse_heart_rate_measurement

DEFAULT_SETTLE_S: Final = 5.0
"""Straps are said to send unreliable RR values right after connecting (the Polar H10 is
named in the strap support work; no public source found, see devices/polar-h10.toml): keep them out."""
DEFAULT_MAX_LAG_S: Final = 4.0
"""Cumulative beat time may trail arrival by this much before we assume lost notifications.

Late delivery is far more common than loss: the link layer retransmits a notification
until it gets through or the link drops (then the source reconnects and records a
``disconnected`` gap), and Polar notes that RR values "can be something measured 3-4
seconds ago" when they arrive (polar-ble-sdk issue 227). Below 4 s a stretch is
treated as delay, so a late notification never becomes a false gap; a real loss that
short shows up only as missing RR values."""
DEFAULT_NO_RR_CONTACT_S: Final = 5.0
"""Without RR values for this long (while they were flowing), judge contact lost."""
CONTACT_SETTLE_S: Final = 2.0
"""Settling after contact is found again (capped by ``settle_s``)."""
MAX_RR_MS: Final = 60_000.0
"""An RR value above this (a minute) is no heartbeat: the Bluetooth field allows 64 s, and a
strap sends such values only when something is broken. The same bound as every file reader
(``vagal.sessions.codec.MAX_RR_MS``): a beat the decoder keeps is one a reader can read back."""
CROWDED_SPACING_S: Final = 1e-6
"""Spacing of beats that arrive with no room before their arrival (point 2 of the module
docstring): strictly increasing, and as close to the arrival as the axis allows."""


class PayloadDecoder:
    """Stateful decoder: payload bytes in, events out.

    Args:
        settle_s: Settling time after the start and after a (re)connect, seconds.
        max_lag_s: See the module docstring.
        no_rr_contact_s: See the module docstring.

    Attributes:
        payloads: Payloads fed.
        rejected: Payloads refused in whole (bytes the parser cannot read) or in part (an
            RR value over a minute); each yields one ``PayloadRejected``.
        beats: Beats emitted.
        saw_rr: True once any RR value was received (a strap that never sends RR
            cannot give HRV).
        zero_rr_skipped: RR values of 0 (no beat) skipped.
        early_skipped: Beats that back-dated to before the start or a reconnect.
        impossible_rr: RR values over a minute (:data:`MAX_RR_MS`), never beats.
        no_contact_skipped: RR values sent while the strap reported no contact.
        crowded: Beats placed after their arrival by :data:`CROWDED_SPACING_S` steps,
            because it was not later than the beat before (see the module docstring).
        clock_steps_back: Arrivals stamped earlier than the arrival before them.
    """

    def __init__(
        self,
        *,
        settle_s: float = DEFAULT_SETTLE_S,
        max_lag_s: float = DEFAULT_MAX_LAG_S,
        no_rr_contact_s: float = DEFAULT_NO_RR_CONTACT_S,
    ) -> None:
        for name, value in (
            ("settle_s", settle_s),
            ("max_lag_s", max_lag_s),
            ("no_rr_contact_s", no_rr_contact_s),
        ):
            if not value >= 0:
                raise ValueError(f"{name} must be >= 0 seconds, got {value!r}")
        self.settle_s = settle_s
        self.max_lag_s = max_lag_s
        self.no_rr_contact_s = no_rr_contact_s
        self.payloads = 0
        self.rejected = 0
        self.beats = 0
        self.saw_rr = False
        self.zero_rr_skipped = 0
        self.early_skipped = 0
        self.impossible_rr = 0
        self.no_contact_skipped = 0
        self.crowded = 0
        self.clock_steps_back = 0
        self._last_arrival: float | None = None
        self._break_pending = False
        self._last_beat_t: float | None = None
        self._floor_t = 0.0
        self._newest_t = float("-inf")  # the latest beat ever placed: never reset, never gone back past
        self._settle_until = settle_s
        self._contact: bool | None = None
        self._contact_lost_at: float | None = None
        self._last_rr_arrival: float | None = None

    def reset(self, t_s: float) -> None:
        """Forget the time axis after a (re)connect at ``t_s``; the next beats are settling.

        Beats that back-date to before ``t_s`` are dropped, so none falls inside the
        ``Gap`` that the source emits for the drop-out (ending at ``t_s``).
        """
        self._last_beat_t = None
        self._break_pending = False  # the source's gap for the drop-out is the break
        self._floor_t = max(t_s, self._newest_t)  # a clock that stepped back cannot fold the axis
        self._settle_until = t_s + self.settle_s
        self._contact_lost_at = None
        self._contact = None
        self._last_rr_arrival = None

    def feed(self, t_s: float, data: bytes | bytearray | memoryview) -> list[Event]:
        """Decode one payload that arrived at session time ``t_s``.

        Args:
            t_s: Arrival time, session seconds (non-decreasing from call to call; one
                earlier than the one before is taken as that one, and counted).
            data: The characteristic value as received.

        Returns:
            ``RawPayload`` first, then ``PayloadRejected`` (for bytes that cannot be
            decoded, or an RR value over a minute), or contact changes, a gap, and the
            beats (or ``HeartRateOnly``). Never raises on bad bytes.
        """
        self.payloads += 1
        raw = bytes(data)
        last_arrival = self._last_arrival
        if not math.isfinite(t_s):
            t_s = last_arrival if last_arrival is not None else self._floor_t
        if last_arrival is not None and t_s < last_arrival:
            self.clock_steps_back += 1
            t_s = last_arrival
        self._last_arrival = t_s
        out: list[Event] = [RawPayload(t_s, raw)]
        try:
            m = parse_heart_rate_measurement(raw)
        except ValueError as exc:
            self.rejected += 1
            out.append(PayloadRejected(t_s, raw, str(exc)))
            return out

        # Each value: a beat (kept), 0 (no beat), or over a minute (no heart: a break).
        rr: list[float] = []
        break_before: list[bool] = []
        impossible: list[float] = []
        pending = self._break_pending
        for v in m.rr_intervals_ms:
            if v <= 0:
                self.zero_rr_skipped += 1
            elif v > MAX_RR_MS:
                impossible.append(v)
                pending = True
            else:
                rr.append(v)
                break_before.append(pending)
                pending = False
        if impossible:
            self.rejected += 1
            self.impossible_rr += len(impossible)
            values = ", ".join(f"{v:.0f}" for v in impossible)
            many = len(impossible) > 1
            out.append(
                PayloadRejected(
                    t_s,
                    raw,
                    f"RR value{'s' if many else ''} {values} ms {'are' if many else 'is'} over a minute, "
                    f"not a heartbeat: left out, with a break in {'their' if many else 'its'} place",
                )
            )
        if rr:
            self.saw_rr = True

        # Contact, reported or judged.
        contact = m.sensor_contact
        judged = contact is None
        if contact is None:
            if m.heart_rate == 0:
                contact = False
            elif rr:
                contact = True
            elif self._last_rr_arrival is not None and t_s - self._last_rr_arrival >= self.no_rr_contact_s:
                contact = False
            else:
                contact = self._contact  # not enough evidence either way
        if contact is not None and contact != self._contact:
            if self._contact is not None or contact is False:
                out.append(ContactChanged(t_s, contact, judged=judged))
            if contact is False:
                # From the last beat; with none since the (re)connect, from the connect itself
                # (the arrival would be later than the beats the next notification back-dates).
                self._contact_lost_at = self._last_beat_t if self._last_beat_t is not None else self._floor_t
            self._contact = contact
        if contact is False:
            # The values go unused (a contact-lost gap follows): counted, never beats.
            self.no_contact_skipped += len(rr)
            self._break_pending = pending
            if m.heart_rate or rr:
                out.append(HeartRateOnly(t_s, m.heart_rate, m.sensor_contact))
            return out

        self._break_pending = pending  # an impossible value after the last kept one
        if not rr:
            out.append(HeartRateOnly(t_s, m.heart_rate, m.sensor_contact))
            return out
        self._last_rr_arrival = t_s

        times, gap_start, reason = self._place(t_s, rr)
        kept = [(t, v, b) for t, v, b in zip(times, rr, break_before, strict=True) if t is not None]
        self.early_skipped += len(rr) - len(kept)
        if not kept:
            return out
        if gap_start is not None and reason is not None:
            first_t, first_rr, _ = kept[0]
            out.append(Gap(gap_start, max(gap_start, first_t - first_rr / 1000.0), reason))
            kept[0] = (first_t, first_rr, False)  # that gap is the break
            if reason == "contact_lost":
                self._contact_lost_at = None
                self._settle_until = max(self._settle_until, t_s + min(self.settle_s, CONTACT_SETTLE_S))
        prev_t = self._last_beat_t
        for t, v, brk in kept:
            if brk and prev_t is not None:
                # An impossible value came before this beat: no difference may span it.
                out.append(Gap(prev_t, max(prev_t, t - v / 1000.0), "no_data"))
            out.append(
                Beat(
                    t_s=t,
                    rr_ms=v,
                    hr_bpm=m.heart_rate,
                    contact=m.sensor_contact,
                    settling=t < self._settle_until,
                )
            )
            prev_t = t
        self.beats += len(kept)
        self._last_beat_t = kept[-1][0]
        self._newest_t = kept[-1][0]
        return out

    def _place(
        self, t_s: float, rr: list[float]
    ) -> tuple[list[float | None], float | None, GapReason | None]:
        """Beat times for ``rr`` arriving at ``t_s`` (None: dropped), and a gap to close."""
        last = self._last_beat_t
        total_s = sum(rr) / 1000.0
        gap_start: float | None = None
        reason: GapReason | None = None
        if self._contact_lost_at is not None:
            gap_start, reason = self._contact_lost_at, "contact_lost"
        elif last is not None and t_s - (last + total_s) > self.max_lag_s:
            gap_start, reason = last, "no_data"

        if last is None or gap_start is not None:
            # Anchor: back-date from arrival, the last beat at t_s.
            times: list[float | None] = []
            t = t_s
            for v in reversed(rr):
                ok = t >= self._floor_t and t > self._newest_t and (gap_start is None or t > gap_start)
                times.append(t if ok else None)
                t -= v / 1000.0
            times.reverse()
            # Once one beat is dropped, every earlier one is too (times decrease backwards).
            return times, gap_start, reason

        # Never after arrival: fit the beats between the previous one and t_s if needed
        # (the last one lands on t_s; no spacing floor, which once ran beats 4.8 s ahead).
        squeeze = last + total_s > t_s
        placed: list[float | None] = []
        prev = last
        acc = 0.0
        for v in rr:
            acc += v / 1000.0
            t = min(last + (t_s - last) * (acc / total_s), t_s) if squeeze else last + acc
            if not t > prev:
                # No room before the arrival (stamped in the same tick as the beat before).
                t = prev + CROWDED_SPACING_S
                self.crowded += 1
            placed.append(t)
            prev = t
        return placed, None, None
