"""Time-windowed running statistics with O(1) work per beat.

Design decision: the live time-domain metrics (RMSSD, SDNN, pNN50) are kept as
running sums over a trailing *time* window, so a beat costs a few additions and
subtractions instead of a recompute over the window (docs/methods.md §2.6, §7.3). The sums are
shifted by a reference value (close to the mean) to avoid cancellation, and re-summed
exactly from the buffer every ``_RESUM_EVERY`` updates so rounding cannot drift over a
day of beats. Memory is bounded by the window, not by the session length.

Pure Python on purpose: a beat touches a handful of floats, and calling numpy for that
costs more than the arithmetic.
"""

from __future__ import annotations

import bisect
import math
from collections import deque
from typing import Final

_RESUM_EVERY: Final = 4096
"""Re-sum the running sums exactly from the buffer after this many updates."""
NN50_MS: Final = 50.0
"""pNN50 threshold, strict ">" (docs/methods.md §1)."""


class WindowStats:
    """RMSSD, SDNN and pNN50 over the trailing ``window_s`` seconds of NN intervals.

    Beats are added in time order. A successive difference is formed only between two
    NN intervals that are adjacent in the raw series (no gap, no flagged beat between),
    and it stays in the window as long as its *earlier* beat does, so the window holds
    exactly the differences a batch computation on the same beats would use.

    Args:
        window_s: Window length in seconds (ends at the latest beat).
    """

    __slots__ = (
        "_d",
        "_d2",
        "_k",
        "_last_t",
        "_nn",
        "_nn50",
        "_s1",
        "_s2",
        "_updates",
        "window_s",
    )

    def __init__(self, window_s: float) -> None:
        if not window_s > 0:
            raise ValueError(f"window_s must be > 0, got {window_s=}")
        self.window_s = float(window_s)
        self._nn: deque[tuple[float, float]] = deque()
        """(t_s, rr_ms) of NN intervals in the window."""
        self._d: deque[tuple[float, float]] = deque()
        """(t_s of the earlier beat, difference ms) of successive differences in the window."""
        self._k = 0.0
        self._s1 = 0.0
        self._s2 = 0.0
        self._d2 = 0.0
        self._nn50 = 0
        self._updates = 0
        self._last_t: float | None = None

    def reset(self) -> None:
        """Forget everything (after a gap: no metric across it)."""
        self._nn.clear()
        self._d.clear()
        self._s1 = self._s2 = self._d2 = 0.0
        self._nn50 = 0
        self._last_t = None

    def add(self, t_s: float, rr_ms: float, *, prev_rr_ms: float | None) -> None:
        """Add one NN interval ending at ``t_s``.

        Args:
            t_s: Beat time, seconds (non-decreasing).
            rr_ms: The NN interval, ms.
            prev_rr_ms: The NN interval just before it when the two are adjacent (a
                difference is then formed), else None.
        """
        nn = self._nn
        if not nn:
            self._k = rr_ms
        x = rr_ms - self._k
        nn.append((t_s, rr_ms))
        self._s1 += x
        self._s2 += x * x
        if prev_rr_ms is not None and self._last_t is not None:
            d = rr_ms - prev_rr_ms
            self._d.append((self._last_t, d))
            self._d2 += d * d
            if abs(d) > NN50_MS:
                self._nn50 += 1
        self._last_t = t_s
        self._updates += 1
        self.expire(t_s)
        if self._updates >= _RESUM_EVERY:
            self._resum()

    def expire(self, t_now_s: float) -> None:
        """Drop what fell out of the window ``(t_now_s - window_s, t_now_s]``."""
        cut = t_now_s - self.window_s
        nn = self._nn
        k = self._k
        while nn and nn[0][0] <= cut:
            x = nn.popleft()[1] - k
            self._s1 -= x
            self._s2 -= x * x
        dq = self._d
        while dq and dq[0][0] <= cut:
            d = dq.popleft()[1]
            self._d2 -= d * d
            if abs(d) > NN50_MS:
                self._nn50 -= 1

    def _resum(self) -> None:
        self._updates = 0
        nn = self._nn
        if nn:
            self._k = math.fsum(r for _, r in nn) / len(nn)
        k = self._k
        self._s1 = math.fsum(r - k for _, r in nn)
        self._s2 = math.fsum((r - k) ** 2 for _, r in nn)
        self._d2 = math.fsum(d * d for _, d in self._d)
        self._nn50 = sum(1 for _, d in self._d if abs(d) > NN50_MS)

    @property
    def n(self) -> int:
        """NN intervals in the window."""
        return len(self._nn)

    @property
    def n_diffs(self) -> int:
        """Successive differences in the window."""
        return len(self._d)

    def sdnn_ms(self) -> float | None:
        """Standard deviation of NN, ddof=1 (docs/methods.md §1); None with fewer than 2 intervals."""
        n = len(self._nn)
        if n < 2:
            return None
        var = (self._s2 - self._s1 * self._s1 / n) / (n - 1)
        return math.sqrt(var) if var > 0 else 0.0

    def rmssd_ms(self) -> float | None:
        """Root mean square of successive differences; None without differences."""
        m = len(self._d)
        if m == 0:
            return None
        v = self._d2 / m
        return math.sqrt(v) if v > 0 else 0.0

    def pnn50_pct(self) -> float | None:
        """Percent of successive differences > 50 ms, over the N−1 differences."""
        m = len(self._d)
        return 100.0 * self._nn50 / m if m else None

    def beats(self) -> list[tuple[float, float]]:
        """The (t_s, rr_ms) pairs in the window, oldest first (for tests and spectra)."""
        return list(self._nn)


class SortedWindow:
    """The last ``size`` values, kept sorted, for O(log n) order statistics.

    Used by the causal artifact detector for the quartile deviation of the trailing 91
    beats (docs/methods.md §5.3). ``quantile`` interpolates linearly, as numpy's default does.
    """

    __slots__ = ("_fifo", "_sorted", "size")

    def __init__(self, size: int) -> None:
        self.size = size
        self._fifo: deque[float] = deque()
        self._sorted: list[float] = []

    def __len__(self) -> int:
        return len(self._fifo)

    def clear(self) -> None:
        self._fifo.clear()
        self._sorted.clear()

    def add(self, value: float) -> None:
        self._fifo.append(value)
        bisect.insort(self._sorted, value)
        if len(self._fifo) > self.size:
            old = self._fifo.popleft()
            del self._sorted[bisect.bisect_left(self._sorted, old)]

    def quantile(self, q: float) -> float:
        """The q-quantile (0..1) with linear interpolation; 0.0 when empty."""
        s = self._sorted
        n = len(s)
        if n == 0:
            return 0.0
        pos = q * (n - 1)
        lo = int(pos)
        hi = min(lo + 1, n - 1)
        return s[lo] + (s[hi] - s[lo]) * (pos - lo)

    def quartile_deviation(self) -> float:
        """(Q3 − Q1) / 2."""
        return (self.quantile(0.75) - self.quantile(0.25)) / 2.0
