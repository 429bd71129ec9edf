"""Artifact detection and correction after Lipponen & Tarvainen 2019 (docs/methods.md §5.1, §5.4).

This is Kubios' "automatic correction" (also systole's and neurokit2's
``signal_fixpeaks(method="kubios")``), written vectorized: neurokit2 walks the beats in
a Python loop, which is slow on a day of beats. Rolling quartiles (91 beats) and the
11-beat median are ``scipy.ndimage``'s filters written in numpy (:mod:`vagal.hrv._numeric`,
exact; ~25 ms for 100,000 beats), so the analysis imports no scipy.

The order, and why (each step is measured on real recordings in tests/test_artifacts_real.py):

1. Plausibility (``vagal.artifact_rules``, one rule for batch and live): a value of
   0–200 ms is merged into the next interval (a double detection); any other value outside
   200–3000 ms (above 3000 ms, negative, not a number) is dropped and marks a gap (a
   drop-out), so no difference spans it.
2. The rhythm's own errors, against a local rhythm taken without the odd intervals: runs of
   missed beats (an interval holding k = 2…5 beats is split into k equal parts, as the paper
   splits one missed beat in two), intervals longer than 5 beats (a drop-out: a gap), and
   beats cut in two (two short intervals that add up to one beat are merged). The paper's
   single-beat patterns cannot see a run, and a spread inflated by nearby artifacts hides a
   cut beat.
3. Up to 4 Lipponen–Tarvainen passes, with three changes: both thresholds have a floor
   (``THRESHOLD_FLOOR_MS``), so a very steady record quantised to a few ms keeps its beats;
   an ectopic flag needs a short–long pair that explains it (the beat after a compensatory
   pause is not corrected again); a long/short beat must lie outside the median's spread.

Corrections: extra → merged with the next interval; missed → split in equal parts (beats
inserted evenly); ectopic → the displaced beat put halfway between its neighbours (both
intervals become their mean); long/short → replaced by linear interpolation in time from
the neighbouring good beats. (Kubios interpolates with a cubic spline; a line cannot
overshoot where several artifacts come in a row, and on the clean recordings the two
differ by far less than the test tolerance.)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final

import numpy as np
import numpy.typing as npt

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
from vagal.hrv._common import BoolArray, FloatArray, as_breaks, as_rr

IntArray = npt.NDArray[np.intp]

__all__ = [
    "ALPHA",
    "C1",
    "C2",
    "EXTRA_MAX_RATIO",
    "MISSED_MAX_BEATS",
    "MISSED_MIN_RATIO",
    "RR_MAX_MS",
    "RR_MIN_MS",
    "THRESHOLD_FLOOR_MS",
    "ArtifactReport",
    "Corrected",
    "correct_artifacts",
    "detect_artifacts",
    "drop_implausible",
]

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
    """The two intervals around a displaced (premature or ectopic) beat: short–long or long–short."""
    missed: IntArray = field(default_factory=_empty_idx)
    """Intervals that hold two or more beats (beats were not detected)."""
    extra: IntArray = field(default_factory=_empty_idx)
    """Intervals cut short by a false detection (merged with the next one)."""
    long_short: IntArray = field(default_factory=_empty_idx)
    """Intervals too long or too short that fit none of the above."""
    implausible: IntArray = field(default_factory=_empty_idx)
    """Values that cannot be one heartbeat: outside RR_MIN_MS..RR_MAX_MS or not a number."""
    gaps: IntArray = field(default_factory=_empty_idx)
    """Values treated as a gap (a drop-out: left out, no difference across them): those above
    RR_MAX_MS, negative or not a number, and intervals longer than MISSED_MAX_BEATS beats of
    the local rhythm. A subset of ``implausible`` plus those long intervals."""
    n_beats: int = 0
    """Length of the RR series examined."""

    @property
    def all(self) -> IntArray:
        """Every flagged index, sorted, each once."""
        return np.unique(
            np.concatenate(
                [self.ectopic, self.missed, self.extra, self.long_short, self.implausible, self.gaps]
            )
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
    inserted: int = 0
    """Beats put back where beats were missed (a split in k parts puts back k − 1)."""


def _rolling_qd(x: FloatArray) -> FloatArray:
    """Quartile deviation (Q3 − Q1)/2 of ``x`` over a centred 91-beat window."""
    from vagal.hrv._numeric import percentile_filters  # scipy.ndimage's, exactly; no scipy import

    w = min(THRESHOLD_WINDOW_BEATS, x.size)
    q1, q3 = percentile_filters(x, (25, 75), size=w, mode="reflect")
    qd: FloatArray = (q3 - q1) / 2.0
    return qd


def _threshold(x: FloatArray) -> FloatArray:
    """α·QD(|x|) over 91 beats, never below THRESHOLD_FLOOR_MS (docs/methods.md §5.4)."""
    th: FloatArray = np.maximum(ALPHA * _rolling_qd(np.abs(x)), THRESHOLD_FLOOR_MS)
    return th


def _mrr(rr: FloatArray, med: FloatArray) -> FloatArray:
    """Deviation from the local median, doubled below it (Lipponen & Tarvainen's mRR)."""
    m = rr - med
    m[m < 0] *= 2.0
    return m


def _ectopic_pairs(flags: IntArray, rr: FloatArray, med: FloatArray, breaks: BoolArray) -> IntArray:
    """The first index of each short–long or long–short pair that explains an ectopic flag.

    A displaced beat (premature, or a late detection) makes one interval short and the next
    long, or the reverse, so the flag at ``j`` is explained by the pair (j−1, j) or (j, j+1)
    whose intervals lie on opposite sides of the local median. Of the two, the pair further
    from the median wins, and pairs do not overlap (the stronger first). The paper's test
    also flags the beat after a compensatory pause (its difference is large, next to the
    pause's); its pair overlaps the real one and loses. A flag with no pair is not an
    ectopic beat (two long or two short intervals in a row are a change of rhythm or a
    missed or extra beat): it is examined as long/short instead.
    """
    n = rr.size
    if flags.size == 0 or n < 3:
        return _empty_idx()
    dev = rr - med
    a = np.arange(n - 1)
    score = np.abs(dev[a]) + np.abs(dev[a + 1])
    score[~((dev[a] * dev[a + 1] < 0) & ~breaks[a + 1])] = -1.0
    first = np.stack([flags - 1, flags])  # the two candidate pairs of each flag
    inside = (first >= 0) & (first < n - 1)
    sc = np.where(inside, score[np.clip(first, 0, n - 2)], -1.0)
    best = first[np.argmax(sc, axis=0), np.arange(flags.size)]
    best = np.unique(best[np.max(sc, axis=0) >= 0.0])
    if best.size < 2:
        return best.astype(np.intp)
    taken = np.zeros(n + 1, dtype=bool)
    keep: list[int] = []
    for i in best[np.argsort(-score[best], kind="stable")]:  # strongest first; few per record
        if not taken[i] and not taken[i + 1]:
            taken[i] = taken[i + 1] = True
            keep.append(int(i))
    return np.asarray(sorted(keep), dtype=np.intp)


def _classify(rr: FloatArray, breaks: BoolArray) -> dict[str, IntArray]:
    """One pass of the Lipponen–Tarvainen decision rules (Figure 1 of the paper).

    vagal's changes (docs/methods.md §5.4): both thresholds have a floor in ms; an ectopic flag
    stands only with a short–long pair that explains it (``ectopic_pairs`` holds their first
    indices, ``ectopic`` both intervals of each pair), and a flag without one is examined as
    long/short; a beat is long/short only if it also lies outside the median's spread
    (|mRR| > Th2). Returns the flagged indices by kind.
    """
    from vagal.hrv._numeric import median_filter  # scipy.ndimage's, exactly; no scipy import

    n = rr.size
    drr = np.empty(n)
    drr[1:] = np.diff(rr)
    drr[1:][breaks[1:]] = 0.0  # no difference across a gap
    drr[0] = drr[1:].mean() if n > 1 else 0.0
    th1 = _threshold(drr)
    d = drr / th1
    dp = np.pad(d, 2, mode="reflect")
    prev, nxt, nxt2 = dp[1 : n + 1], dp[3 : n + 3], dp[4 : n + 4]
    s12 = np.where(d > 0, np.maximum(prev, nxt), np.where(d < 0, np.minimum(prev, nxt), 0.0))
    s22 = np.where(d >= 0, np.minimum(nxt, nxt2), np.maximum(nxt, nxt2))
    med = median_filter(rr, size=min(MEDIAN_WINDOW_BEATS, n), mode="reflect")
    mrr = _mrr(rr, med)
    th2 = _threshold(mrr)
    mr = mrr / th2

    idx = np.arange(n)
    scan = idx < n - 2  # the paper's loop stops two beats before the end
    cand = scan & (np.abs(d) > 1.0)
    flagged = cand & (((d > 1) & (s12 < -C1 * d - C2)) | ((d < -1) & (s12 > -C1 * d + C2)))
    pairs = _ectopic_pairs(np.flatnonzero(flagged), rr, med, breaks)
    ectopic = np.zeros(n, dtype=bool)
    ectopic[pairs] = ectopic[pairs + 1] = True
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
    extra = hit & (short | (mr < -3.0)) & extra_ok & (idx < n - 1)
    missed = hit & long_ & missed_ok & ~extra
    long_short = hit & ~extra & ~missed & (np.abs(mr) > 1.0)
    return {
        "ectopic": np.flatnonzero(ectopic),
        "ectopic_pairs": pairs,
        "missed": np.flatnonzero(missed),
        "extra": np.flatnonzero(extra),
        "long_short": np.flatnonzero(long_short),
    }


def _rhythm_errors(rr: FloatArray, breaks: BoolArray) -> tuple[IntArray, IntArray, IntArray, IntArray]:
    """Runs of missed beats, beats cut in two, and drop-outs, judged against the local rhythm.

    Lipponen–Tarvainen find one missed or extra beat by its pattern among normal beats. A
    run of missed beats (a QRS detector or strap losing the signal for a few seconds:
    1.5–2.4 s intervals in a 490 ms rhythm) has no such pattern: inside the run the
    differences are small, and the 11-beat median and the spreads are made of the long
    intervals themselves. A beat cut in two by a false detection (264 + 272 ms where the ECG
    shows one 536 ms beat) escapes when the spread is inflated by other artifacts nearby. So
    the local rhythm is taken without the odd intervals: a 91-beat median first, the
    intervals at least MISSED_MIN_RATIO times it or below EXTRA_MAX_RATIO times it set aside,
    then the 11-beat median of the rest (``ref``), and Th2 of the same series.

    * An interval holds k = 2…MISSED_MAX_BEATS beats when it is at least 1.5 times ``ref``
      and |RR/k − ref| < Th2 (the paper's missed-beat test, for k beats instead of 2).
    * An interval longer than MISSED_MAX_BEATS + ½ beats is a drop-out.
    * Two successive intervals, each below EXTRA_MAX_RATIO times ``ref``, that add up to one
      beat (|sum − ref| < Th2, the paper's extra-beat test) are one beat cut in two. Two real
      short beats in a row (a couplet of premature beats) add up to well over one beat.

    Returns:
        ``(split_at, k, dropout, merge_at)``: the intervals to split and into how many
        parts, the drop-outs, and the first interval of each pair to merge.
    """
    from vagal.hrv._numeric import median_filter  # scipy.ndimage's, exactly; no scipy import

    n = rr.size
    empty = _empty_idx()
    if n < MIN_BEATS:
        return empty, empty, empty, empty
    wide = median_filter(rr, size=min(THRESHOLD_WINDOW_BEATS, n), mode="reflect")
    odd = (rr >= MISSED_MIN_RATIO * wide) | (rr < EXTRA_MAX_RATIO * wide)
    if not odd.any():
        return empty, empty, empty, empty
    base = np.where(odd, wide, rr)
    ref = median_filter(base, size=min(MEDIAN_WINDOW_BEATS, n), mode="reflect")
    th2 = _threshold(_mrr(base, ref))
    ratio = rr / ref
    long_ = ratio >= MISSED_MIN_RATIO
    k = np.rint(ratio)
    fits = long_ & (k >= 2) & (k <= MISSED_MAX_BEATS) & (np.abs(rr / np.maximum(k, 1.0) - ref) < th2)
    dropout = long_ & (ratio > MISSED_MAX_BEATS + 0.5)
    short = ratio < EXTRA_MAX_RATIO
    halves = short[:-1] & short[1:] & ~breaks[1:] & (np.abs(rr[:-1] + rr[1:] - ref[:-1]) < th2[:-1])
    merge: list[int] = []
    for i in np.flatnonzero(halves):  # rare; left to right, so a run of four makes two pairs
        if not merge or merge[-1] + 1 < i:
            merge.append(int(i))
    at = np.flatnonzero(fits)
    return at, k[at].astype(np.intp), np.flatnonzero(dropout), np.asarray(merge, dtype=np.intp)


def _fix_rhythm(
    rr: FloatArray, t: FloatArray, b: BoolArray, origin: IntArray
) -> tuple[FloatArray, FloatArray, BoolArray, IntArray, dict[str, IntArray], int]:
    """Apply :func:`_rhythm_errors`: merge the halves, drop the drop-outs, split the runs.

    Returns the new series, the input indices by kind ("missed", "extra" with the interval
    merged into, "gaps") and the number of beats put back.
    """
    at, k, dropout, merge = _rhythm_errors(rr, b)
    found = {
        "missed": origin[at],
        "extra": origin[merge],
        "merged_into": origin[merge + 1],
        "gaps": origin[dropout],
    }
    if merge.size:
        rr = rr.copy()
        b = b.copy()
        rr[merge + 1] += rr[merge]
        b[merge + 1] |= b[merge]
        keep = np.ones(rr.size, dtype=bool)
        keep[merge] = False
        shift = np.cumsum(~keep)  # intervals removed up to each index
        at, dropout = at - shift[at], dropout - shift[dropout]
        rr, t, b, origin = rr[keep], t[keep], b[keep], origin[keep]
    rr, t, b, origin = _drop(rr, t, b, origin, dropout)
    at = at - np.searchsorted(dropout, at)  # never a dropped one: the two are disjoint
    n_before = rr.size
    rr, t, b, origin = _split(rr, t, b, origin, at, k)
    return rr, t, b, origin, found, rr.size - n_before


def _drop(
    rr: FloatArray, t: FloatArray, b: BoolArray, origin: IntArray, gone: IntArray
) -> tuple[FloatArray, FloatArray, BoolArray, IntArray]:
    """Leave out the values at ``gone``; a gap takes their place (before the next kept value)."""
    if gone.size == 0:
        return rr, t, b, origin
    keep = np.ones(rr.size, dtype=bool)
    keep[gone] = False
    nb = b.copy()
    # The beat after a left-out run starts after a gap; a gap before the run moves on to it.
    after = np.flatnonzero(~keep[:-1] & keep[1:]) + 1
    nb[after] = True
    return rr[keep], t[keep], nb[keep], origin[keep]


def _split(
    rr: FloatArray, t: FloatArray, b: BoolArray, origin: IntArray, at: IntArray, k: IntArray
) -> tuple[FloatArray, FloatArray, BoolArray, IntArray]:
    """Split interval ``at[j]`` into ``k[j]`` equal parts (beats put back evenly in time)."""
    if at.size == 0:
        return rr, t, b, origin
    reps = np.ones(rr.size, dtype=np.intp)
    reps[at] = k
    src = np.repeat(np.arange(rr.size), reps)
    # position of each new beat within its source interval: 1..k (k = the original beat)
    start = np.cumsum(reps) - reps
    pos = np.arange(src.size) - start[src] + 1
    parts = reps[src].astype(np.float64)
    new_rr = rr[src] / parts
    new_t = t[src] - (parts - pos) * new_rr / 1000.0
    new_b = b[src] & (pos == 1)  # a gap before the interval stays before its first part
    return new_rr, new_t, new_b, origin[src]


def detect_artifacts(rr_ms: npt.ArrayLike, *, breaks: npt.ArrayLike | None = None) -> ArtifactReport:
    """Find ectopic, missed, extra and long/short beats (one pass, no correction).

    Args:
        rr_ms: RR intervals in ms.
        breaks: ``breaks[i]`` True when a gap precedes beat i (no difference spans it).

    Returns:
        An :class:`ArtifactReport` with indices into ``rr_ms``. Values outside
        RR_MIN_MS..RR_MAX_MS (200–3000 ms) are reported as ``implausible`` and left out of
        the rhythm the others are judged against; runs of missed beats are found before the
        Lipponen–Tarvainen pass and judged split. Fewer than 5 plausible beats: only the
        range check is made.

    References:
        docs/methods.md §5.1 (Lipponen & Tarvainen 2019) and §5.4 (vagal's rules).
    """
    rr = as_rr(rr_ms)
    b = as_breaks(breaks, rr.size)
    n_in = rr.size
    t = np.cumsum(np.where(np.isfinite(rr), rr, 0.0)) / 1000.0
    origin = np.arange(n_in, dtype=np.intp)
    rr, t, b, origin, implausible, _, gaps = _range_check(rr, t, b, origin)
    if rr.size < MIN_BEATS:
        return ArtifactReport(implausible=implausible, gaps=gaps, n_beats=n_in)
    rr, t, b, origin, pre, _ = _fix_rhythm(rr, t, b, origin)
    gaps = np.union1d(gaps, pre["gaps"]).astype(np.intp)
    if rr.size < MIN_BEATS:
        return ArtifactReport(
            missed=pre["missed"], extra=pre["extra"], implausible=implausible, gaps=gaps, n_beats=n_in
        )
    found = _classify(rr, b)
    return ArtifactReport(
        ectopic=np.unique(origin[found["ectopic"]]),
        missed=np.union1d(pre["missed"], origin[found["missed"]]).astype(np.intp),
        extra=np.union1d(pre["extra"], origin[found["extra"]]).astype(np.intp),
        long_short=np.unique(origin[found["long_short"]]),
        implausible=implausible,
        gaps=gaps,
        n_beats=n_in,
    )


def _range_check(
    rr: FloatArray, t: FloatArray, b: BoolArray, origin: IntArray
) -> tuple[FloatArray, FloatArray, BoolArray, IntArray, IntArray, IntArray, IntArray]:
    """Merge values in 0–RR_MIN_MS into the next one; drop the other implausible ones (a gap).

    Returns the new series, the input indices of the implausible values, of every value
    changed (the implausible ones plus the intervals they were merged into), and of the
    values dropped as gaps.
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
    gone = np.flatnonzero(~ok)
    gaps = origin[gone]
    touched.extend(int(o) for o in gaps)
    rr, t, b, origin = _drop(rr, t, b, origin, gone)
    return (
        rr,
        t,
        b,
        origin,
        implausible,
        np.asarray(sorted(set(touched)), dtype=np.intp),
        np.asarray(gaps, dtype=np.intp),
    )


def drop_implausible(
    rr_ms: npt.ArrayLike,
    *,
    t_s: npt.ArrayLike | None = None,
    breaks: npt.ArrayLike | None = None,
) -> tuple[FloatArray, FloatArray, BoolArray, IntArray]:
    """Leave out every value that cannot be one heartbeat, as a gap, and change nothing else.

    This is what analysis without artifact correction still needs: a drop-out (a value above
    RR_MAX_MS, negative or not a number) or a double detection (below RR_MIN_MS) is not a
    beat, and one of them would spoil every metric; left out, the rest can be analysed.

    Args:
        rr_ms: RR intervals in ms.
        t_s: Beat times in seconds; default the cumulative sum of ``rr_ms``.
        breaks: ``breaks[i]`` True when a gap precedes beat i.

    Returns:
        ``(rr_ms, t_s, breaks, dropped)``: the plausible intervals, their times, the gaps
        (given ones plus one after each left-out run) and the input indices left out.

    References:
        docs/methods.md §5.4 (the plausibility rule).
    """
    rr = as_rr(rr_ms)
    b = as_breaks(breaks, rr.size)
    t = np.cumsum(np.where(np.isfinite(rr), rr, 0.0)) / 1000.0 if t_s is None else as_rr(t_s)
    if t.size != rr.size:
        raise ValueError(f"t_s and rr_ms must have the same length: {t.size} vs {rr.size}")
    with np.errstate(invalid="ignore"):
        gone = np.flatnonzero(~((rr >= RR_MIN_MS) & (rr <= RR_MAX_MS)))
    out_rr, out_t, out_b, _ = _drop(rr, t, b, np.arange(rr.size, dtype=np.intp), gone)
    return out_rr, out_t, out_b, gone.astype(np.intp)


def correct_artifacts(
    rr_ms: npt.ArrayLike,
    *,
    t_s: npt.ArrayLike | None = None,
    breaks: npt.ArrayLike | None = None,
) -> Corrected:
    """Detect and correct artifacts: range check, runs of missed beats, then up to 4
    Lipponen–Tarvainen passes.

    Args:
        rr_ms: RR intervals in ms.
        t_s: Beat times in seconds; default the cumulative sum of ``rr_ms``.
        breaks: ``breaks[i]`` True when a gap precedes beat i.

    Returns:
        A :class:`Corrected`: the NN series with its times and gaps, the input indices that
        were changed, their percentage, and the detector's report. Never raises on data:
        an empty or all-implausible series gives an empty NN series.

    References:
        docs/methods.md §5.1 (Lipponen & Tarvainen 2019) and §5.4 (vagal's rules).
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
    rr, t, b, origin, implausible, changed, gaps = _range_check(rr, t, b, origin)
    kinds: dict[str, set[int]] = {"ectopic": set(), "missed": set(), "extra": set(), "long_short": set()}
    touched: set[int] = {int(i) for i in changed}
    inserted = 0
    if rr.size >= MIN_BEATS:
        rr, t, b, origin, pre, inserted = _fix_rhythm(rr, t, b, origin)
        kinds["missed"].update(int(o) for o in pre["missed"])
        kinds["extra"].update(int(o) for o in pre["extra"])
        for v in pre.values():
            touched.update(int(o) for o in v)
        gaps = np.union1d(gaps, pre["gaps"]).astype(np.intp)
    last = None
    for _ in range(MAX_PASSES):
        if rr.size < MIN_BEATS:
            break
        found = _classify(rr, b)
        if last is not None:
            # Later passes (thresholds recomputed on the cleaner series, as neurokit2
            # does) only fix beats of a definite kind. Their "long/short" flags are
            # mostly normal beats of a very variable record: on the 5-min sample
            # (RMSSD ~100 ms) letting them through lowered RMSSD by ~8 % per pass.
            found["long_short"] = found["long_short"][:0]
        count = sum(v.size for k, v in found.items() if k != "ectopic_pairs")
        if count == 0 or (last is not None and count >= last):
            break
        last = count
        for kind, v in found.items():
            if kind != "ectopic_pairs":
                kinds[kind].update(int(o) for o in origin[v])
        rr, t, b, origin, fixed_now, split_now = _apply(rr, t, b, origin, found)
        inserted += split_now
        touched.update(fixed_now)
    idx = np.asarray(sorted(touched), dtype=np.intp)
    report = ArtifactReport(
        **{kind: np.asarray(sorted(v), dtype=np.intp) for kind, v in kinds.items()},
        implausible=implausible,
        gaps=gaps,
        n_beats=n_in,
    )
    return Corrected(
        rr_ms=rr,
        t_s=t,
        breaks=b,
        corrected_indices=idx,
        pct=100.0 * idx.size / n_in if n_in else 0.0,
        report=report,
        inserted=inserted,
    )


def _apply(
    rr: FloatArray, t: FloatArray, b: BoolArray, origin: IntArray, found: dict[str, IntArray]
) -> tuple[FloatArray, FloatArray, BoolArray, IntArray, set[int], int]:
    """Apply one pass of corrections.

    Returns the new series, the input indices touched and the number of beats put back.
    """
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
    # 1. Ectopic: the displaced beat is put back halfway between its neighbours, so the
    #    short and the long interval around it both become their mean (the sum, and so
    #    every later beat time, is kept).
    first = found["ectopic_pairs"]
    if first.size:
        first = first[~near[first] & ~near[first + 1]]
    if first.size:
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
    bad[found["ectopic"]] = True
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
        rr, t, b, origin = _split(rr, t, b, origin, mi, np.full(mi.size, 2, dtype=np.intp))
    return rr, t, b, origin, touched, int(mi.size)
