"""Artifact detection and correction after Lipponen & Tarvainen 2019 (METHODS.md §5.1).

This is Kubios' "automatic correction" (also systole's and neurokit2's
``signal_fixpeaks(method="kubios")``), written vectorized: neurokit2 walks the beats in
a Python loop, which is slow on a day of beats. Rolling quartiles (91 beats) and the
11-beat median are ``scipy.ndimage``'s filters written in numpy (:mod:`vagal.hrv._numeric`,
exact; ~25 ms for 100,000 beats), so the analysis imports no scipy.

Before it, a range check removes impossible values (outside 200–3000 ms): a value of
0–200 ms is merged into the next interval (a double detection), any other (above
3000 ms, negative, not a number) is dropped and marks a gap (a drop-out), so no
difference spans it.

Corrections: extra → merged with the next interval; missed → split in two halves (a beat
is inserted halfway); ectopic and long/short → replaced by linear interpolation in time
from the neighbouring good beats. (Kubios interpolates with a cubic spline; a line cannot
overshoot where several artifacts come in a row, and on the clean recordings the two
differ by far less than the test tolerance.)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final

import numpy as np
import numpy.typing as npt

from vagal.hrv._common import RR_MAX_MS, RR_MIN_MS, BoolArray, FloatArray, as_breaks, as_rr

IntArray = npt.NDArray[np.intp]

ALPHA: Final = 5.2
"""Threshold multiplier of the quartile deviation."""
C1: Final = 0.13
C2: Final = 0.17
"""Ectopic decision boundary in the (dRR, S12) plane."""
THRESHOLD_WINDOW_BEATS: Final = 91
"""Centred window for the quartile deviation (Th1, Th2)."""
MEDIAN_WINDOW_BEATS: Final = 11
"""Centred window for the local median RR."""
MAX_PASSES: Final = 4
"""Detect-and-correct passes at most; they stop when the count stops falling (as neurokit2)."""
MIN_BEATS: Final = 5
"""Fewer beats than this are left alone: there is no local rhythm to compare with."""


def _empty_idx() -> IntArray:
    return np.empty(0, dtype=np.intp)


@dataclass(frozen=True)
class ArtifactReport:
    """Beats flagged by the detector, by kind; indices into the RR series given."""

    ectopic: IntArray = field(default_factory=_empty_idx)
    """Premature/ectopic beats (a short–long or long–short pattern)."""
    missed: IntArray = field(default_factory=_empty_idx)
    """Intervals that hold two beats (a beat was not detected)."""
    extra: IntArray = field(default_factory=_empty_idx)
    """Intervals cut short by a false detection (merged with the next one)."""
    long_short: IntArray = field(default_factory=_empty_idx)
    """Intervals too long or too short that fit none of the above."""
    implausible: IntArray = field(default_factory=_empty_idx)
    """Values outside 200–3000 ms or not a number (range check before the detector)."""
    n_beats: int = 0
    """Length of the RR series examined."""

    @property
    def all(self) -> IntArray:
        """Every flagged index, sorted, each once."""
        return np.unique(
            np.concatenate([self.ectopic, self.missed, self.extra, self.long_short, self.implausible])
        ).astype(np.intp)

    @property
    def pct(self) -> float:
        """Flagged beats as a percentage of all beats (0 for an empty series)."""
        return 100.0 * self.all.size / self.n_beats if self.n_beats else 0.0


@dataclass(frozen=True)
class Corrected:
    """An RR series after correction, and what was done to it."""

    rr_ms: FloatArray
    """NN intervals in ms (may be shorter or longer than the input: merges and splits)."""
    t_s: FloatArray
    """Beat times of the NN intervals, seconds."""
    breaks: BoolArray
    """``breaks[i]`` True when a gap precedes NN beat i (given gaps plus dropped values)."""
    corrected_indices: IntArray
    """Indices into the *input* series of every beat that was changed, merged or dropped."""
    pct: float
    """Corrected beats as a percentage of the input beats."""
    report: ArtifactReport
    """What the detector found, by kind (input indices, all passes together)."""


def _rolling_qd(x: FloatArray) -> FloatArray:
    """Quartile deviation (Q3 − Q1)/2 of ``x`` over a centred 91-beat window."""
    from vagal.hrv._numeric import percentile_filters  # scipy.ndimage's, exactly; no scipy import

    w = min(THRESHOLD_WINDOW_BEATS, x.size)
    q1, q3 = percentile_filters(x, (25, 75), size=w, mode="reflect")
    qd: FloatArray = (q3 - q1) / 2.0
    return qd


def _normalise(x: FloatArray, th: FloatArray) -> FloatArray:
    out = np.zeros_like(x)
    ok = th > 0
    out[ok] = x[ok] / th[ok]
    return out


def _classify(
    rr: FloatArray, breaks: BoolArray, th: tuple[FloatArray, FloatArray] | None = None
) -> tuple[dict[str, IntArray], tuple[FloatArray, FloatArray]]:
    """One pass of the Lipponen–Tarvainen decision rules (Figure 1 of the paper).

    ``th`` gives the thresholds (Th1, Th2) per beat; by default they are computed from
    ``rr``. Returns the flagged indices by kind and the thresholds used.
    """
    from vagal.hrv._numeric import median_filter  # scipy.ndimage's, exactly; no scipy import

    n = rr.size
    drr = np.empty(n)
    drr[1:] = np.diff(rr)
    drr[1:][breaks[1:]] = 0.0  # no difference across a gap
    drr[0] = drr[1:].mean() if n > 1 else 0.0
    th1 = ALPHA * _rolling_qd(np.abs(drr)) if th is None else th[0]
    d = _normalise(drr, th1)
    dp = np.pad(d, 2, mode="reflect")
    prev, nxt, nxt2 = dp[1 : n + 1], dp[3 : n + 3], dp[4 : n + 4]
    s12 = np.where(d > 0, np.maximum(prev, nxt), np.where(d < 0, np.minimum(prev, nxt), 0.0))
    s22 = np.where(d >= 0, np.minimum(nxt, nxt2), np.maximum(nxt, nxt2))
    med = median_filter(rr, size=min(MEDIAN_WINDOW_BEATS, n), mode="reflect")
    mrr = rr - med
    mrr[mrr < 0] *= 2.0
    th2 = ALPHA * _rolling_qd(np.abs(mrr)) if th is None else th[1]
    mr = _normalise(mrr, th2)

    idx = np.arange(n)
    scan = idx < n - 2  # the paper's loop stops two beats before the end
    cand = scan & (np.abs(d) > 1.0)
    ectopic = cand & (((d > 1) & (s12 < -C1 * d - C2)) | ((d < -1) & (s12 > -C1 * d + C2)))
    rest = cand & ~ectopic
    also_next = np.zeros(n, dtype=bool)
    also_next[1:] = rest[:-1] & (np.abs(d[1:]) < np.abs(np.append(d[2:], np.inf)))
    check = rest | also_next

    rr_next = np.append(rr[1:], np.nan)
    long_ = (d > 1) & (s22 < -1)
    short = (d < -1) & (s22 > 1)
    odd = long_ | short | (np.abs(mr) > 3)
    with np.errstate(invalid="ignore"):
        missed_ok = np.abs(rr / 2.0 - med) < th2
        extra_ok = np.abs(rr + rr_next - med) < th2
    hit = check & odd & ~ectopic
    extra = hit & short & extra_ok & (idx < n - 1)
    missed = hit & long_ & missed_ok & ~extra
    long_short = hit & ~extra & ~missed
    found = {
        "ectopic": np.flatnonzero(ectopic),
        "missed": np.flatnonzero(missed),
        "extra": np.flatnonzero(extra),
        "long_short": np.flatnonzero(long_short),
    }
    return found, (th1, th2)


def detect_artifacts(rr_ms: npt.ArrayLike, *, breaks: npt.ArrayLike | None = None) -> ArtifactReport:
    """Find ectopic, missed, extra and long/short beats (one pass, no correction).

    Args:
        rr_ms: RR intervals in ms.
        breaks: ``breaks[i]`` True when a gap precedes beat i (no difference spans it).

    Returns:
        An :class:`ArtifactReport` with indices into ``rr_ms``. Values outside 200–3000 ms
        are reported as ``implausible`` and left out of the rhythm the others are judged
        against. Fewer than 5 plausible beats: only the range check is made.

    References:
        METHODS.md §5.1 (Lipponen & Tarvainen 2019).
    """
    rr = as_rr(rr_ms)
    b = as_breaks(breaks, rr.size)
    with np.errstate(invalid="ignore"):
        ok = (rr >= RR_MIN_MS) & (rr <= RR_MAX_MS)
    bad = np.flatnonzero(~ok)
    keep = np.flatnonzero(ok)
    if keep.size < MIN_BEATS:
        return ArtifactReport(implausible=bad, n_beats=rr.size)
    kb = b[keep].copy()
    if bad.size:  # a removed value breaks the chain of differences
        kb[1:] |= np.diff(keep) > 1
    found, _ = _classify(rr[keep], kb)
    return ArtifactReport(
        ectopic=keep[found["ectopic"]],
        missed=keep[found["missed"]],
        extra=keep[found["extra"]],
        long_short=keep[found["long_short"]],
        implausible=bad,
        n_beats=rr.size,
    )


def _range_check(
    rr: FloatArray, t: FloatArray, b: BoolArray, origin: IntArray
) -> tuple[FloatArray, FloatArray, BoolArray, IntArray, IntArray, IntArray]:
    """Merge values in 0–200 ms into the next one; drop the rest that are implausible (a gap).

    Returns the new series and the input indices of the implausible values and of every
    value changed (the implausible ones plus the intervals they were merged into).
    """
    with np.errstate(invalid="ignore"):
        implausible = origin[~((rr >= RR_MIN_MS) & (rr <= RR_MAX_MS))]
    touched: list[int] = []
    with np.errstate(invalid="ignore"):
        short = np.flatnonzero((rr >= 0.0) & (rr < RR_MIN_MS))  # negative: dropped below, as a gap
    if short.size:
        rr = rr.copy()
        drop = np.zeros(rr.size, dtype=bool)
        for i in short:  # rare: a loop is fine and keeps runs of short values right
            j = i + 1
            if j < rr.size and not b[j]:
                rr[j] += rr[i]
                touched.append(int(origin[j]))
            drop[i] = True
            touched.append(int(origin[i]))
        keep = ~drop
        nb = b.copy()
        # a gap before a dropped value moves to the next kept beat
        carry = np.flatnonzero(drop & b)
        for i in carry:
            nxt = i + 1
            while nxt < rr.size and drop[nxt]:
                nxt += 1
            if nxt < rr.size:
                nb[nxt] = True
        rr, t, b, origin = rr[keep], t[keep], nb[keep], origin[keep]
    with np.errstate(invalid="ignore"):
        ok = (rr >= RR_MIN_MS) & (rr <= RR_MAX_MS)
    if not ok.all():
        gone = np.flatnonzero(~ok)
        touched.extend(int(o) for o in origin[gone])
        nb = b.copy()
        after = gone + 1
        nb[after[after < rr.size]] = True
        # a gap before a dropped value moves on to the next kept value
        nb[after[after < rr.size]] |= b[gone[after < rr.size]]
        rr, t, b, origin = rr[ok], t[ok], nb[ok], origin[ok]
    return rr, t, b, origin, implausible, np.asarray(sorted(set(touched)), dtype=np.intp)


def correct_artifacts(
    rr_ms: npt.ArrayLike,
    *,
    t_s: npt.ArrayLike | None = None,
    breaks: npt.ArrayLike | None = None,
) -> Corrected:
    """Detect and correct artifacts: range check, then up to 4 Lipponen–Tarvainen passes.

    Args:
        rr_ms: RR intervals in ms.
        t_s: Beat times in seconds; default the cumulative sum of ``rr_ms``.
        breaks: ``breaks[i]`` True when a gap precedes beat i.

    Returns:
        A :class:`Corrected`: the NN series with its times and gaps, the input indices that
        were changed, their percentage, and the detector's report. Never raises on data:
        an empty or all-implausible series gives an empty NN series.

    References:
        METHODS.md §5.1 (Lipponen & Tarvainen 2019).
    """
    rr = as_rr(rr_ms).copy()
    n_in = rr.size
    b = as_breaks(breaks, n_in).copy()
    if t_s is None:
        t = np.cumsum(np.where(np.isfinite(rr), rr, 0.0)) / 1000.0
    else:
        t = as_rr(t_s).astype(np.float64, copy=True)
        if t.size != n_in:
            raise ValueError(f"t_s and rr_ms must have the same length: {t.size} vs {n_in}")
    origin = np.arange(n_in, dtype=np.intp)
    rr, t, b, origin, implausible, changed = _range_check(rr, t, b, origin)
    kinds: dict[str, set[int]] = {"ectopic": set(), "missed": set(), "extra": set(), "long_short": set()}
    touched: set[int] = {int(i) for i in changed}
    last = None
    for _ in range(MAX_PASSES):
        if rr.size < MIN_BEATS:
            break
        found = _classify(rr, b)[0]
        if last is not None:
            # Later passes (thresholds recomputed on the cleaner series, as neurokit2
            # does) only fix beats of a definite kind. Their "long/short" flags are
            # mostly normal beats of a very variable record: on the 5-min sample
            # (RMSSD ~100 ms) letting them through lowered RMSSD by ~8 % per pass.
            found["long_short"] = found["long_short"][:0]
        count = sum(v.size for v in found.values())
        if count == 0 or (last is not None and count >= last):
            break
        last = count
        for k, v in found.items():
            kinds[k].update(int(o) for o in origin[v])
        rr, t, b, origin, fixed_now = _apply(rr, t, b, origin, found)
        touched.update(fixed_now)
    idx = np.asarray(sorted(touched), dtype=np.intp)
    report = ArtifactReport(
        **{k: np.asarray(sorted(v), dtype=np.intp) for k, v in kinds.items()},
        implausible=implausible,
        n_beats=n_in,
    )
    return Corrected(
        rr_ms=rr,
        t_s=t,
        breaks=b,
        corrected_indices=idx,
        pct=100.0 * idx.size / n_in if n_in else 0.0,
        report=report,
    )


def _apply(
    rr: FloatArray, t: FloatArray, b: BoolArray, origin: IntArray, found: dict[str, IntArray]
) -> tuple[FloatArray, FloatArray, BoolArray, IntArray, set[int]]:
    """Apply one pass of corrections; returns the new series and the input indices touched."""
    touched: set[int] = set()
    rr = rr.copy()
    t = t.copy()
    n = rr.size
    # Extra and missed intervals explain their neighbours' odd differences, so they are
    # handled first and their neighbours are not corrected again as ectopic/long-short.
    ex = found["extra"]
    ex = ex[(ex + 1 < n)]
    ex = ex[~b[ex + 1]] if ex.size else ex
    if ex.size:
        ex = ex[np.concatenate(([True], np.diff(ex) > 1))]  # never merge into a merged one
    mi = np.setdiff1d(found["missed"], np.concatenate((ex, ex + 1)))
    claimed = np.zeros(n + 3, dtype=bool)
    claimed[ex] = claimed[ex + 1] = claimed[mi] = True
    near = claimed.copy()
    near[np.maximum(ex - 1, 0)] = near[ex + 2] = True
    near[np.maximum(mi - 1, 0)] = near[mi + 1] = True
    # 1. Ectopic: the premature beat is put back halfway between its neighbours, so the
    #    short and the long interval around it both become their mean (the sum, and so
    #    every later beat time, is kept). The pair is (i, i+1) when interval i is the
    #    short one, (i-1, i) when it is the long one after a short one.
    ect = found["ectopic"]
    if ect.size:
        drr = np.diff(rr, prepend=rr[0])
        first = np.where(drr[ect] < 0, ect, ect - 1)
        first = np.unique(first[(first >= 0) & (first + 1 < n)])
        first = first[~b[first + 1] & ~near[first] & ~near[first + 1]]
        if first.size:
            first = first[np.concatenate(([True], np.diff(first) > 1))]  # no overlapping pairs
            mean = (rr[first] + rr[first + 1]) / 2.0
            rr[first] = mean
            rr[first + 1] = mean
            t[first] = t[first + 1] - mean / 1000.0
            claimed[first] = claimed[first + 1] = True
            touched.update(int(o) for o in origin[first])
            touched.update(int(o) for o in origin[first + 1])
    # 2. Long/short: replaced by linear interpolation in time from good neighbours.
    repl = found["long_short"]
    repl = repl[~near[repl] & ~claimed[repl]]
    bad = claimed[:n].copy()
    bad[repl] = True
    bad[ect] = True
    good = ~bad
    if repl.size and np.count_nonzero(good) >= 2:
        rr[repl] = np.interp(t[repl], t[good], rr[good])
        touched.update(int(o) for o in origin[repl])
    # 3. Merge each extra interval into the next one.
    if ex.size:
        rr[ex + 1] += rr[ex]
        b[ex + 1] |= b[ex]
        touched.update(int(o) for o in origin[ex])
        touched.update(int(o) for o in origin[ex + 1])
        keep = np.ones(n, dtype=bool)
        keep[ex] = False
        shift = np.cumsum(~keep)
        mi = mi - shift[mi]  # the missed intervals' indices after the deletions
        rr, t, b, origin = rr[keep], t[keep], b[keep], origin[keep]
    # 4. Split each missed interval in two halves (a beat inserted halfway).
    if mi.size:
        touched.update(int(o) for o in origin[mi])
        half = rr[mi] / 2.0
        t_mid = t[mi] - half / 1000.0
        rr[mi] = half
        rr = np.insert(rr, mi, half)
        t = np.insert(t, mi, t_mid)
        b_new = np.insert(b, mi, b[mi])
        b_new[mi + np.arange(1, mi.size + 1)] = False  # the second half follows the first
        b = b_new
        origin = np.insert(origin, mi, origin[mi])
    return rr, t, b, origin, touched
