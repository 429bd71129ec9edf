"""A causal beat classifier for live use: Lipponen & Tarvainen (2019) on trailing windows.

Design decision (METHODS.md §5.3): the batch algorithm (§5.1) uses centred windows and
looks ahead. Live, the thresholds come from *trailing* windows (the quartile deviation of
the last 91 beats' |dRR| and |mRR|, α = 5.2; the median of the last 11 accepted NN), and each beat is decided once the two beats after it have arrived (the
subspaces S12/S22 and the missed/extra tests need RR[i+1] and RR[i+2]): about 2 s of
latency. A beat outside 300–2000 ms is rejected at once.

Differences from the batch version, on purpose:
* only beat i itself is examined (the batch loop also examines i+1 as a long/short
  candidate; live it is examined on its own turn);
* the thresholds have a floor of ``MIN_THRESHOLD_MS`` (RR quantisation and ordinary
  variability are never "artifacts"), and of 10 % of the median RR while fewer than
  ``WARMUP_HISTORY`` beats back the trailing quartiles;
* an "extra" beat is merged with the beat after it (§5.3): the extra one is left out and
  the next one carries the sum of the two halves, the true interval ("merged"); a
  "missed" beat is left out rather than split in two (splitting would invent a zero
  difference); ectopic and long/short beats are left out. Nothing is invented, and no
  difference is formed across a beat that was left out.

References:
    METHODS.md §5.1 and §5.3; Lipponen JA, Tarvainen MP (2019), J Med Eng Technol 43:173–181.
"""

from __future__ import annotations

from collections import deque
from typing import Final, Literal, TypeAlias

from vagal.engine.rings import SortedWindow

BeatKind: TypeAlias = Literal["ok", "merged", "range", "ectopic", "missed", "extra", "longshort", "order"]
"""How a beat was judged. "merged": the beat after an extra one, carrying the two halves' sum
(the true interval), used like "ok". "order" (set by the engine): a beat not later than the one
before. Every other kind is left out of the metrics."""
Verdict: TypeAlias = tuple[float, float, BeatKind, bool]
"""(t_s, rr_ms, kind, break_before): break_before means no difference may reach back past it."""

ALPHA: Final = 5.2
C1: Final = 0.13
C2: Final = 0.17
TRAILING_BEATS: Final = 91
RECENT_BEATS: Final = 21
"""A trailing window lags behind a rise in variability (deep breaths): the spread is the
larger of the last 91 and the last 21 beats', so normal large swings are not flagged.
On the two real recordings this brings the flag count to that of the batch algorithm
(neurokit2 ``signal_fixpeaks(method="kubios")``): 75 vs 83 beats in 1 h, 9 vs 5 in 5 min."""
MEDIAN_BEATS: Final = 11
RR_MIN_MS: Final = 300.0
RR_MAX_MS: Final = 2000.0
MIN_THRESHOLD_MS: Final = 20.0
WARMUP_HISTORY: Final = 20


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
        if dn > 1.0 or dn < -1.0:
            if dn > 0:
                s12 = max(self._prev_dn, dn1)
            else:
                s12 = min(self._prev_dn, dn1)
            if (dn > 1.0 and s12 < -C1 * dn - C2) or (dn < -1.0 and s12 > -C1 * dn + C2):
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
                    else:
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
