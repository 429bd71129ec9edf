"""Turn Heart Rate Measurement payloads into beat events, on a monotonic time axis.

Shared by the bleak source and the simulator (which sends real payload bytes), so both
go through exactly the same path.

Timing: a notification carries 0-n RR values and no timestamps; it arrives after the
last of its beats, sometimes seconds late. Beats are placed by the RR values
themselves: each beat is the previous beat plus its RR interval (the time axis is the
cumulative sum of RR, METHODS.md §0). The first notification after a (re)connect is
anchored by back-dating from its arrival: its last beat at the arrival time, each
earlier one its successor minus the successor's RR. When the cumulative axis falls
behind arrival by more than ``max_lag_s`` (notifications were lost), the axis is
re-anchored by back-dating and a ``Gap`` is emitted, so the lost stretch is never
treated as one long beat. RR values stay exact floats.

Contact: when the strap reports contact, changes are passed on. When it does not
(Polar H10 sends "not supported"), contact is judged from the data: a heart rate of 0,
or no RR values for ``no_rr_contact_s`` while RR values were flowing, counts as lost.
A contact-lost stretch ends in a ``Gap(reason="contact_lost")``.

Settling: beats in the first ``settle_s`` seconds after a (re)connect or after contact
is found again are marked ``settling=True``.
"""

from __future__ import annotations

from typing import Final

from vagal.events import Beat, ContactChanged, Event, Gap, HeartRateOnly, PayloadRejected, RawPayload
from vagal.gatt import parse_heart_rate_measurement

DEFAULT_SETTLE_S: Final = 5.0
"""Straps send unreliable RR values right after connecting (Polar H10: the first few)."""
DEFAULT_MAX_LAG_S: Final = 4.0
"""Cumulative beat time may trail arrival by this much before we assume lost notifications."""
DEFAULT_NO_RR_CONTACT_S: Final = 5.0
"""Without RR values for this long (while they were flowing), judge contact lost."""
_MAX_LEAD_S: Final = 1.0
"""Cumulative beat time may run ahead of arrival by this much (clock drift) before re-anchoring."""


class PayloadDecoder:
    """Stateful decoder: payload bytes in, events out.

    Args:
        settle_s: Settling time after a (re)connect, seconds.
        max_lag_s: See the module docstring.
        no_rr_contact_s: See the module docstring.
    """

    def __init__(
        self,
        *,
        settle_s: float = DEFAULT_SETTLE_S,
        max_lag_s: float = DEFAULT_MAX_LAG_S,
        no_rr_contact_s: float = DEFAULT_NO_RR_CONTACT_S,
    ) -> None:
        self.settle_s = settle_s
        self.max_lag_s = max_lag_s
        self.no_rr_contact_s = no_rr_contact_s
        self.payloads = 0
        self.rejected = 0
        self.beats = 0
        self.zero_rr_skipped = 0
        self.saw_rr = False
        """True once any RR value was received (a strap that never sends RR cannot give HRV)."""
        self._last_beat_t: float | None = None
        self._settle_until = settle_s
        self._contact: bool | None = None
        self._contact_lost_at: float | None = None
        self._last_rr_arrival: float | None = None

    def reset(self, t_s: float) -> None:
        """Forget the time axis after a (re)connect at ``t_s``; the next beats are settling."""
        self._last_beat_t = None
        self._settle_until = t_s + self.settle_s
        self._contact_lost_at = None
        self._contact = None
        self._last_rr_arrival = None

    def feed(self, t_s: float, data: bytes) -> list[Event]:
        """Decode one payload that arrived at session time ``t_s``.

        Returns:
            ``RawPayload`` first, then ``PayloadRejected``, or contact changes, a gap,
            and the beats (or ``HeartRateOnly``). Never raises on bad bytes.
        """
        self.payloads += 1
        out: list[Event] = [RawPayload(t_s, bytes(data))]
        try:
            m = parse_heart_rate_measurement(data)
        except ValueError as exc:
            self.rejected += 1
            out.append(PayloadRejected(t_s, bytes(data), str(exc)))
            return out

        rr = [v for v in m.rr_intervals_ms if v > 0]
        self.zero_rr_skipped += len(m.rr_intervals_ms) - len(rr)
        if rr:
            self.saw_rr = True

        # Contact, reported or judged.
        contact = m.sensor_contact
        judged = False
        if contact is None:
            judged = True
            if m.heart_rate == 0:
                contact = False
            elif rr:
                contact = True
            elif (
                self._last_rr_arrival is not None
                and t_s - self._last_rr_arrival >= self.no_rr_contact_s
            ):
                contact = False
            else:
                contact = self._contact  # not enough evidence either way
        if contact is not None and contact != self._contact:
            if self._contact is not None or contact is False:
                out.append(ContactChanged(t_s, contact, judged=judged))
            if contact is False:
                self._contact_lost_at = self._last_beat_t if self._last_beat_t is not None else t_s
            self._contact = contact
        if contact is False:
            if m.heart_rate or rr:
                out.append(HeartRateOnly(t_s, m.heart_rate, m.sensor_contact))
            return out

        if rr:
            self._last_rr_arrival = t_s
        if not rr:
            out.append(HeartRateOnly(t_s, m.heart_rate, m.sensor_contact))
            return out

        # Place the beats.
        total_s = sum(rr) / 1000.0
        back_dated_first_end = t_s - total_s + rr[0] / 1000.0
        anchor_needed = self._last_beat_t is None
        if self._contact_lost_at is not None:
            # Contact is back: the stretch without contact is a gap, not a long beat.
            start = self._contact_lost_at
            first_t = max(back_dated_first_end, start + 1e-3)
            out.append(Gap(start, first_t, "contact_lost"))
            self._contact_lost_at = None
            self._settle_until = max(self._settle_until, t_s + min(self.settle_s, 2.0))
            anchor_needed = True
        elif self._last_beat_t is not None:
            cum_last = self._last_beat_t + total_s
            lag = t_s - cum_last
            if lag > self.max_lag_s:
                first_t = back_dated_first_end
                out.append(Gap(self._last_beat_t, max(first_t - rr[0] / 1000.0, self._last_beat_t), "no_data"))
                anchor_needed = True
            elif lag < -_MAX_LEAD_S:
                anchor_needed = True
        if anchor_needed:
            t = t_s - total_s
            if self._last_beat_t is not None and t <= self._last_beat_t:
                t = self._last_beat_t
        else:
            assert self._last_beat_t is not None
            t = self._last_beat_t
        for v in rr:
            t += v / 1000.0
            out.append(
                Beat(
                    t_s=t,
                    rr_ms=v,
                    hr_bpm=m.heart_rate,
                    contact=m.sensor_contact,
                    settling=t < self._settle_until,
                )
            )
            self.beats += 1
        self._last_beat_t = t
        return out
