"""Input checks and the cut at gaps, shared by the HRV core: arrays in, a clean float64 view out.

Design: every public function accepts anything array-like, converts once, and answers
degenerate input (too few beats, constant RR, implausible values) with NaN/None and a
reason instead of letting numpy raise or warn.
"""

from __future__ import annotations

import itertools
from typing import Final

import numpy as np
import numpy.typing as npt

# The plausibility rule (RR_MIN_MS..RR_MAX_MS) is shared with the live engine, which must not
# import numpy: it is defined once in vagal.artifact_rules (docs/methods.md §5.4).
from vagal.artifact_rules import RR_MAX_MS, RR_MIN_MS

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

NAN: Final = float("nan")


def as_rr(rr_ms: npt.ArrayLike) -> FloatArray:
    """RR intervals as a 1-D float64 array (a copy is not made when not needed)."""
    rr = np.asarray(rr_ms, dtype=np.float64)
    if rr.ndim != 1:
        rr = rr.reshape(-1)
    return rr


def as_breaks(breaks: npt.ArrayLike | None, n: int) -> BoolArray:
    """The gap flags as a bool array of length ``n`` (all False when None).

    Raises:
        ValueError: ``breaks`` does not have one flag per beat.
    """
    if breaks is None:
        return np.zeros(n, dtype=np.bool_)
    b = np.asarray(breaks, dtype=np.bool_).reshape(-1)
    if b.size != n:
        raise ValueError(f"breaks must have one flag per beat: {b.size=} but {n} RR values")
    return b


def implausible(rr: FloatArray) -> BoolArray:
    """True where an RR value is not finite or outside RR_MIN_MS..RR_MAX_MS."""
    with np.errstate(invalid="ignore"):
        return ~((rr >= RR_MIN_MS) & (rr <= RR_MAX_MS))


def implausible_reason(rr: FloatArray) -> str | None:
    """A plain sentence when some RR values are impossible, else None."""
    bad = implausible(rr)
    if not bad.any():
        return None
    first = rr[bad][0]
    shown = "not a number" if not np.isfinite(first) else f"{first:g} ms"
    return (
        f"{int(bad.sum())} RR value(s) outside {RR_MIN_MS:g}–{RR_MAX_MS:g} ms (first: {shown}); "
        "artifact correction removes them"
    )


def successive_differences(rr: FloatArray, breaks: BoolArray) -> FloatArray:
    """``rr[i] - rr[i-1]`` for every i ≥ 1 whose beat is not preceded by a gap."""
    if rr.size < 2:
        return np.empty(0, dtype=np.float64)
    d = np.diff(rr)
    keep = ~breaks[1:]
    return d if keep.all() else d[keep]


def pairs(rr: FloatArray, breaks: BoolArray) -> tuple[FloatArray, FloatArray]:
    """Successive pairs ``(rr[i-1], rr[i])`` that do not span a gap."""
    if rr.size < 2:
        e = np.empty(0, dtype=np.float64)
        return e, e
    keep = ~breaks[1:]
    return rr[:-1][keep], rr[1:][keep]


def gap_indices(breaks: BoolArray) -> npt.NDArray[np.intp]:
    """The beats a gap precedes (``i ≥ 1`` where ``breaks[i]``): where a record is cut.

    ``breaks[0]`` is ignored: a gap before the first beat cuts nothing.
    """
    cut: npt.NDArray[np.intp] = np.flatnonzero(breaks[1:]) + 1
    return cut


def stretches(breaks: BoolArray) -> list[tuple[int, int]]:
    """``(start, stop)`` beat indices of the stretches between gaps, in order, none empty.

    A record of n beats without gaps is ``[(0, n)]``; no beats, ``[]``. Every computation that
    must not span a gap (the spectrum, coherence, the report's drawing) cuts the record here.
    """
    n = int(breaks.size)
    edges = [0, *gap_indices(breaks).tolist(), n]
    return [(a, z) for a, z in itertools.pairwise(edges) if z > a]
