"""A causal beat classifier for live use: Lipponen & Tarvainen (2019) on trailing windows.

Design decision (docs/methods.md §5.3): the batch algorithm (§5.1) uses centred windows and
looks ahead. Live, the thresholds come from *trailing* windows (the quartile deviation of
the last 91 beats' |dRR| and |mRR|, α = 5.2; the median of the last 11 accepted NN), and
each beat is decided once the two beats after it have arrived (the subspaces S12/S22 and
the missed/extra tests need RR[i+1] and RR[i+2]): about 2 s of latency. A beat outside the
plausibility rule (200–3000 ms, ``vagal.artifact_rules``, the same rule as batch) is
rejected at once.

Differences from the batch version, on purpose:
* only beat i itself is examined (the batch loop also examines i+1 as a long/short
  candidate; live it is examined on its own turn);
* the thresholds have the batch floor, ``THRESHOLD_FLOOR_MS`` (RR quantisation and ordinary
  variability are never "artifacts"), and of 10 % of the median RR while fewer than
  ``WARMUP_HISTORY`` beats back the trailing quartiles;
* the rhythm checks of batch (§5.4), against the median of the accepted beats: an interval
  of at least 1.5 beats is "missed" (it holds missed beats; inside a run of them the
  differences are small, so the paper's pattern test passes the second one and the rest),
  and two short intervals that add up to one beat are an "extra" beat and its remainder.
  Rejected beats never enter that median, so a run stays rejected; after ``RELEARN_BEATS``
  rejections in a row the median starts again from the beats that follow (the rhythm
  itself changed, or the history was wrong);
* an "extra" beat is merged with the beat after it (§5.3): the extra one is left out and
  the next one carries the sum of the two halves, the true interval ("merged"); a
  "missed" beat is left out rather than split (splitting would invent beats and zero
  differences); ectopic and long/short beats are left out. Nothing is invented, and no
  difference is formed across a beat that was left out.

References:
    docs/methods.md §5.1, §5.3 and §5.4; Lipponen JA, Tarvainen MP (2019), J Med Eng Technol 43:173–181.
"""

from __future__ import annotations

from collections import deque
from typing import Final, Literal, TypeAlias

from vagal.artifact_rules import (
    ALPHA,
    C1,
    C2,
    EXTRA_MAX_RATIO,
    MISSED_MAX_BEATS,
    MISSED_MIN_RATIO,
    RR_MAX_MS,
    RR_MIN_MS,
    THRESHOLD_FLOOR_MS,
)
from vagal.engine.rings import SortedWindow

__all__ = [
    "ALPHA",
    "C1",
    "C2",
    "MIN_THRESHOLD_MS",
    "RR_MAX_MS",
    "RR_MIN_MS",
    "BeatKind",
    "CausalArtifactDetector",
    "Verdict",
]

BeatKind: TypeAlias = Literal["ok", "merged", "range", "ectopic", "missed", "extra", "longshort", "order"]
"""How a beat was judged. "merged": the beat after an extra one, carrying the two halves' sum
(the true interval), used like "ok". "order" (set by the engine): a beat not later than the one
before. Every other kind is left out of the metrics."""
Verdict: TypeAlias = tuple[float, float, BeatKind, bool]
"""(t_s, rr_ms, kind, break_before): break_before means no difference may reach back past it."""

TRAILING_BEATS: Final = 91
RECENT_BEATS: Final = 21
"""A trailing window lags behind a rise in variability (deep breaths): the spread is the
larger of the last 91 and the last 21 beats', so normal large swings are not flagged.
On the two real recordings this brings the flag count to that of the batch algorithm
(neurokit2 ``signal_fixpeaks(method="kubios")``): 75 vs 83 beats in 1 h, 9 vs 5 in 5 min."""
MEDIAN_BEATS: Final = 11
MIN_THRESHOLD_MS: Final = THRESHOLD_FLOOR_MS
"""The batch floor of both thresholds (kept under this name for the engine's callers)."""
WARMUP_HISTORY: Final = 20
RELEARN_BEATS: Final = MEDIAN_BEATS
"""After this many beats in a row rejected by the rhythm checks, the median of accepted beats
starts again (a run of missed beats is shorter; a changed rhythm or a wrong start is not)."""


class CausalArtifactDetector:
    """Classify beats with two beats of delay (see the module docstring).

    ``push`` returns the verdicts decided by that beat (none, one, or a range rejection),
    always in time order; ``flush`` decides what is pending with the look-ahead there is
    (at a gap or at the end); ``reset`` forgets the history (after a gap).
    """

    __slots__ = (
        "_abs_drr",
        "_abs_drr_recent",
        "_abs_mrr",
        "_abs_mrr_recent",
        "_brk",
        "_extra",
        "_pending",
        "_prev_dn",
        "_prev_rr",
        "_recent",
        "_rhythm_run",
    )

    def __init__(self) -> None:
        self._pending: list[tuple[float, float, bool]] = []
        """(t_s, rr_ms, break_before) waiting for their look-ahead."""
        self._recent: deque[float] = deque(maxlen=MEDIAN_BEATS)
        self._abs_drr = SortedWindow(TRAILING_BEATS)
        self._abs_mrr = SortedWindow(TRAILING_BEATS)
        self._abs_drr_recent = SortedWindow(RECENT_BEATS)
        self._abs_mrr_recent = SortedWindow(RECENT_BEATS)
        self._prev_rr: float | None = None
        self._prev_dn = 0.0
        self._extra: tuple[float, bool, float | None] | None = None
        """(rr_ms, break_before, previous rr_ms) of an extra beat waiting to be merged."""
        self._brk = False
        self._rhythm_run = 0
        """Beats in a row rejected by the rhythm checks (see RELEARN_BEATS)."""

    def reset(self) -> None:
        """Forget history and drop what is pending (call ``flush`` first to keep it)."""
        self._pending.clear()
        self._recent.clear()
        self._abs_drr.clear()
        self._abs_mrr.clear()
        self._abs_drr_recent.clear()
        self._abs_mrr_recent.clear()
        self._prev_rr = None
        self._prev_dn = 0.0
        self._extra = None
        self._brk = False
        self._rhythm_run = 0

    def push(self, t_s: float, rr_ms: float) -> list[Verdict]:
        """Add a beat; return the beats decided now, oldest first."""
        if not RR_MIN_MS <= rr_ms <= RR_MAX_MS:
            # Out of any physiological range: rejected now; the series continues around it,
            # but no difference may span it.
            self._brk = True
            return [(t_s, rr_ms, "range", False)]
        self._pending.append((t_s, rr_ms, self._brk))
        self._brk = False
        if len(self._pending) < 3:
            return []
        return [self._decide()]

    def flush(self) -> list[Verdict]:
        """Decide every pending beat with the look-ahead available."""
        out: list[Verdict] = []
        while self._pending:
            out.append(self._decide())
        return out

    def _median(self) -> float:
        src = self._recent if len(self._recent) >= 3 else [p[1] for p in self._pending]
        s = sorted(src)
        n = len(s)
        h = n // 2
        return s[h] if n % 2 else 0.5 * (s[h - 1] + s[h])

    def _decide(self) -> Verdict:
        pend = self._pending
        t_s, x, brk = pend[0]
        if self._extra is not None:
            return self._merge(t_s, x)
        x1 = pend[1][1] if len(pend) > 1 else None
        x2 = pend[2][1] if len(pend) > 2 else None
        # Across a range rejection the beat is still compared with the last beat before it
        # (as the batch algorithm does once the range filter removed the bad one); only the
        # metrics must not form a difference across it.
        prev = self._prev_rr
        med = self._median()
        warm = len(self._abs_drr) < WARMUP_HISTORY
        floor = max(MIN_THRESHOLD_MS, 0.1 * med) if warm else MIN_THRESHOLD_MS
        th1 = max(ALPHA * _spread(self._abs_drr, self._abs_drr_recent), floor)
        th2 = max(ALPHA * _spread(self._abs_mrr, self._abs_mrr_recent), floor)

        d0 = x - prev if prev is not None else 0.0
        dn = d0 / th1
        dn1 = (x1 - x) / th1 if x1 is not None else 0.0
        dn2 = (x2 - x1) / th1 if (x1 is not None and x2 is not None) else 0.0
        mrr = _mrr(x, med)

        kind: BeatKind = "ok"
        rhythm = self._rhythm_check(x, x1, med, th2) if len(self._recent) >= 3 else None
        if rhythm is not None:
            # Judged against the accepted beats' median, not against the beat before: inside
            # a run of missed beats the differences are small. Such a beat teaches nothing
            # (its difference and deviation would inflate the spreads), and the next beat is
            # compared with the last beat before it, as across a range rejection.
            self._rhythm_run += 1
            if self._rhythm_run >= RELEARN_BEATS:
                self._recent.clear()
                self._rhythm_run = 0
            if rhythm == "extra":
                self._extra = (x, brk, prev)
            del pend[0]
            return (t_s, x, rhythm, brk)
        self._rhythm_run = 0
        if dn > 1.0 or dn < -1.0:
            s12 = max(self._prev_dn, dn1) if dn > 0 else min(self._prev_dn, dn1)
            # An ectopic flag stands only with the pair that explains it (batch, docs/methods.md
            # §5.4): the short and the long interval on opposite sides of the median; the
            # partner is the next interval when this one is short, the last one when long.
            partner = x1 if dn < 0 else prev
            paired = partner is not None and (x - med) * (partner - med) < 0
            if paired and ((dn > 1.0 and s12 < -C1 * dn - C2) or (dn < -1.0 and s12 > -C1 * dn + C2)):
                kind = "ectopic"
            else:
                s22 = min(dn1, dn2) if dn >= 0 else max(dn1, dn2)
                long_beat = dn > 1.0 and s22 < -1.0
                short_beat = dn < -1.0 and s22 > 1.0
                if long_beat or short_beat or abs(mrr / th2) > 3.0:
                    if short_beat and x1 is not None and abs(x + x1 - med) < th2:
                        kind = "extra"
                        self._extra = (x, brk, prev)
                    elif long_beat and abs(x / 2.0 - med) < th2:
                        kind = "missed"
                    elif abs(mrr) > th2:  # long/short only outside the median's spread (§5.4)
                        kind = "longshort"

        # The spreads take every beat, as the batch algorithm's do (robust quartiles shrug
        # off a few artifacts; leaving flagged beats out would shrink the spread after
        # every large but normal swing and flag the next one too).
        self._learn(d0 if prev is not None and not brk else None, mrr)
        if kind == "ok":
            self._recent.append(x)
        self._prev_rr = x
        self._prev_dn = dn
        del pend[0]
        return (t_s, x, kind, brk)

    def _rhythm_check(self, x: float, x1: float | None, med: float, th2: float) -> BeatKind | None:
        """Batch's rhythm rules (docs/methods.md §5.4) against the median of accepted beats.

        Returns "missed" for an interval of k = 2…MISSED_MAX_BEATS beats (|x/k − med| < Th2),
        "longshort" for another interval of at least MISSED_MIN_RATIO beats, "extra" for
        the first of two intervals each below EXTRA_MAX_RATIO beats that add up to one
        (|x + x1 − med| < Th2), and None otherwise.
        """
        if x >= MISSED_MIN_RATIO * med:
            k = round(x / med)
            return "missed" if 2 <= k <= MISSED_MAX_BEATS and abs(x / k - med) < th2 else "longshort"
        limit = EXTRA_MAX_RATIO * med
        if x1 is not None and x < limit and x1 < limit and abs(x + x1 - med) < th2:
            return "extra"
        return None

    def _merge(self, t_s: float, x: float) -> Verdict:
        """The beat after an extra one: the sum of the two is the true interval."""
        assert self._extra is not None
        first, brk, prev = self._extra
        self._extra = None
        merged = first + x
        med = self._median()
        th1 = max(ALPHA * _spread(self._abs_drr, self._abs_drr_recent), MIN_THRESHOLD_MS)
        d0 = merged - prev if prev is not None else 0.0
        self._learn(d0 if prev is not None and not brk else None, _mrr(merged, med))
        self._recent.append(merged)
        self._prev_rr = merged
        self._prev_dn = d0 / th1
        del self._pending[0]
        return (t_s, merged, "merged", brk)

    def _learn(self, d0: float | None, mrr: float) -> None:
        """Feed a decided beat to the spreads: its difference (None: none, after a break) and mRR."""
        if d0 is not None:
            self._abs_drr.add(abs(d0))
            self._abs_drr_recent.add(abs(d0))
        self._abs_mrr.add(abs(mrr))
        self._abs_mrr_recent.add(abs(mrr))


def _mrr(x: float, med: float) -> float:
    """Deviation from the median RR, doubled below it (Lipponen & Tarvainen's mRR)."""
    d = x - med
    return 2.0 * d if d < 0 else d


def _spread(long: SortedWindow, recent: SortedWindow) -> float:
    """Quartile deviation: the larger of the long and the recent window's (once it is full)."""
    qd = long.quartile_deviation()
    if len(recent) >= RECENT_BEATS:
        qd = max(qd, recent.quartile_deviation())
    return qd
