"""Read a vagal session file past any damage, and report the damage as data.

A session is a header line and then one JSON event per line (docs/session-format.md).
Only a missing or unreadable header is an error (:class:`~vagal.errors.SessionFileError`
naming line 1), because without it nothing can be trusted. Everything after it is read
line by line, and one bad line never costs the lines after it:

* a line that is not an event (not JSON, zero bytes from a power cut, nested too deep,
  a missing field, a value of the wrong kind or outside its physical bounds, such as an
  ``rr_ms`` over a minute) is skipped, and the damage names its line and why;
* a last line without its newline that does not parse is the usual trace of a crash or
  ``kill -9``: it is reported as "truncated last line";
* header fields of the wrong kind (a numeric ``label``, a ``start`` that is no date) are
  left out of ``meta``, reported on line 1.

Then the beats' times are checked against each other, because a damaged time would
distort every number without a sound (a beat at 6e5 s made a 167-hour session and moved
LF/HF from 0.3 to 159; 50 duplicated lines moved RMSSD by 7 %). A vagal recorder writes
beats in strictly increasing time, each at most its own RR interval after the one before
unless a gap lies between (:mod:`vagal.sources.decode`); a converted file runs at most
:data:`TIME_SLACK_S` ahead of its RR values. So:

* a beat that repeats an earlier beat (same time, same RR) is a copied line: skipped;
* the beats kept as they are form the longest run in strictly increasing time (the
  earliest such run); a beat outside it has a damaged time and is placed by its RR
  value after the beat before it, if its interval fits between the beats around it,
  else it is skipped with a break in its place (a beat is never invented);
* a last beat that jumps far ahead of what its RR value allows, with no gap recorded, is
  placed by its RR value; such a jump in the middle (the beats after it agree with it)
  becomes a gap, so no beat-to-beat difference spans it;
* a gap that does not fit between the beats around it is placed between them;
* any other line whose time is far out of line with the lines on both sides of it
  (:data:`EVENT_SKEW_S`; beats and gaps left aside) is placed at the time of the line before it.

Each is reported with its line; runs of alike damage are reported once, with their first
and last line. The file itself is never changed.

Beats marked ``settling`` (the first seconds after a (re)connect, unreliable on straps)
are kept in ``events`` but left out of ``rr_ms``, with a break before the next beat,
so that analysis sees only what the live metrics used.
"""

from __future__ import annotations

import bisect
import copy
import dataclasses
import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from vagal.errors import SessionFileError
from vagal.events import Beat, CheckIn, DeviceInfo, Event, Gap, Marker, PacerChanged
from vagal.sessions.codec import EventDecodeError, check_fields, event_from_dict, event_to_dict
from vagal.sessions.recording import Damage, Recording, from_rr, plausible_start, read_file
from vagal.sessions.writer import FORMAT_NAME, PAIR_FORMAT_VERSION

SUPPORTED_FORMAT_VERSION = PAIR_FORMAT_VERSION
"""Version 1: one person; version 2: two people (``people`` in the header, ``person`` on events)."""

MAX_LINE_BYTES: Final = 1 << 20
"""A line longer than this (1 MiB) is damage, not an event: the longest events (a note,
a device with long names) take a few hundred bytes, and parsing megabytes of garbage as
JSON would take the memory of a whole recording."""
TIME_SLACK_S: Final = 4.0
"""How far a beat may follow the one before by more than its RR value without a gap:
the phone-clock slack of converted files (``vagal.sessions.importers.MAX_LAG_S``)."""
EVENT_SKEW_S: Final = 120.0
"""A line stamped on arrival (not a beat or a gap) this far out of line with both such lines
around it has a damaged time: they are written in the order they happen, from one clock."""
MAX_DAMAGE_REPORTS: Final = 20
"""At most this many damage entries are returned; the last one then sums up the rest."""
_EPS_S: Final = 1e-6
_GAP_SLACK_S: Final = 1e-3
"""A source's drop-out gap starts at the last arrival; beats crowded into one clock tick sit
microseconds after it (``vagal.sources.decode.CROWDED_SPACING_S``): that is no damage."""


def looks_like_session(head: bytes) -> bool:
    """True when a file should be read as a vagal session (for format detection).

    Any file whose first non-blank character is ``{`` goes to the session reader: a
    vagal header is recognised there, and anything else gets a clear error naming line 1
    (no other supported format starts with a JSON object).
    """
    return head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{")


@dataclass(frozen=True, slots=True)
class _Problem:
    """One damaged line, before alike ones are merged into runs."""

    line: int
    kind: str
    """Lines of the same kind in a row are reported as one run."""
    one: str
    """The reason for this line alone."""
    many: str
    """The reason for a run, with ``{n}`` for its length and ``{first}`` for the first reason."""


def _json(raw: bytes) -> tuple[Any, str | None]:
    """``(object, None)``, or ``(None, reason)`` when the bytes are not one JSON value."""
    try:
        return json.loads(raw.decode("utf-8")), None
    except UnicodeDecodeError:
        return None, "not UTF-8 text"
    except RecursionError:
        return None, "brackets nested too deep to be an event"
    except ValueError as exc:
        if "digits" in str(exc):  # Python's limit on integer length (4300 digits)
            return None, "a number thousands of digits long"
        return None, "not a complete JSON object"


def _header(path: str, first: bytes) -> tuple[dict[str, Any], list[_Problem]]:
    if len(first) > MAX_LINE_BYTES:
        raise SessionFileError(path, "the first line is far too long to be a vagal session header", line=1)
    obj, reason = _json(first)
    if reason is not None:
        raise SessionFileError(
            path, "the header is not valid JSON; this is not a readable vagal session", line=1
        ) from None
    if not isinstance(obj, dict) or obj.get("format") != FORMAT_NAME:
        raise SessionFileError(
            path, f"the first line is not a vagal session header (format {FORMAT_NAME!r})", line=1
        )
    version = obj.get("format_version")
    if not isinstance(version, int) or isinstance(version, bool):
        raise SessionFileError(path, "the header has no format_version", line=1)
    if version > SUPPORTED_FORMAT_VERSION:
        raise SessionFileError(
            path,
            f"written by a newer vagal (session format {version}; "
            f"this vagal reads up to {SUPPORTED_FORMAT_VERSION})",
            line=1,
            hint="Update vagal to read it.",
        )
    return _clean_header(obj)


def _clean_header(obj: dict[str, Any]) -> tuple[dict[str, Any], list[_Problem]]:
    """The header without fields of the wrong kind (every later reader trusts their types)."""
    out = dict(obj)
    said: list[str] = []
    start = out.get("start")
    if "start" in out:
        why: str | None = None
        if not isinstance(start, str):
            why = "the header's start time is not text; left out"
        else:
            try:
                when = datetime.fromisoformat(start)
            except ValueError:
                why = f"the header's start time {start[:40]!r} is not a date and time; left out"
            else:
                why = plausible_start(when, what="header's start")
        if why is not None:
            said.append(why)
            del out["start"]
    for key in ("label", "source"):
        if key in out and out[key] is not None and not isinstance(out[key], str):
            said.append(f"the header's {key} is not text; left out")
            del out[key]
    for key, cls in (("device", DeviceInfo), ("pacer", PacerChanged)):
        if key not in out or out[key] is None:
            continue
        if not isinstance(out[key], dict):
            said.append(f"the header's {key} is not a JSON object; left out")
            del out[key]
            continue
        out[key], problems = check_fields(cls, out[key], what=f"the header's {key}")
        said.extend(problems)
    return out, [_Problem(1, "header", s, s) for s in said]


def _pacer_problem(ev: PacerChanged) -> str | None:
    """Why the guide could not follow this recorded pattern (None when it can).

    A pattern of zeros (or preset "off") is the guide turned off, which reports read as
    such; any other pattern must be one the pacer can breathe, or every later reader of
    the pacer schedule gives up on the whole session for one bad line.
    """
    from vagal.pacer import BreathPattern, PaceError, Pacer

    if ev.preset in ("off", "none") or ev.rate_per_min == 0:
        return None
    try:
        pattern = BreathPattern.from_event(ev)
        Pacer(pattern, start_s=ev.t_s, ramp_from_per_min=ev.ramp_from_per_min, ramp_s=ev.ramp_s)
    except (PaceError, ValueError) as exc:
        return f"a breathing pattern the guide cannot follow ({exc}); skipped"
    return None


def _parse_line(raw: bytes) -> tuple[Event | None, str | None, bool]:
    """``(event, reason, unknown)`` for one line after the header."""
    if len(raw) > MAX_LINE_BYTES:
        return None, f"a line of {len(raw) // 1024} KiB, far longer than any event", False
    if b"\x00" in raw:
        return None, "zero bytes instead of text (the disk lost power while writing?)", False
    obj, reason = _json(raw)
    if reason is not None:
        return None, reason, False
    if not isinstance(obj, dict):
        return None, "not a JSON object", False
    try:
        event = event_from_dict(obj)
    except EventDecodeError as exc:
        return None, str(exc), False
    except (TypeError, ValueError, OverflowError) as exc:
        return None, f"not a valid event ({exc})", False
    if event is None:
        return None, None, True
    if isinstance(event, PacerChanged):
        problem = _pacer_problem(event)
        if problem is not None:
            return None, problem, False
    return event, None, False


def read_events(
    path: str | Path, data: bytes | None = None
) -> tuple[dict[str, Any], list[Event], list[Damage], int]:
    """Parse a session file into its header, events and damage.

    Args:
        path: The file (named in messages; read unless ``data`` is given).
        data: The file's bytes, if already read.

    Returns:
        ``(header, events, damage, unknown)``; ``unknown`` counts events of types this
        vagal does not know (written by a newer one), which are skipped. ``events`` hold
        the readable lines, with damaged times placed as the module docstring says, and a
        ``Gap`` (reason ``no_data``) where a beat had to be skipped or the beats jump.

    Raises:
        SessionFileError: The file cannot be read, is empty, or its header is unreadable.
    """
    p = str(path)
    if data is None:
        data = read_file(path, SessionFileError)
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    lines = data.split(b"\n")
    del data  # the lines hold the bytes now (a day's file is ~20 MB; a caller's copy stays theirs)
    ends_with_newline = lines[-1] == b""
    if ends_with_newline:
        lines.pop()
    if not lines or not lines[0].strip():
        raise SessionFileError(p, "the file is empty (no session header)", line=1)
    header, problems = _header(p, lines[0])
    items: list[tuple[int, Event]] = []
    skipped_at: set[int] = set()  # positions in items that follow a skipped line
    unknown = 0
    n = len(lines)
    for i in range(1, n):
        raw = lines[i]
        lines[i] = b""  # let each line go once parsed: a day's lines are ~30 MB beside its events
        if not raw.strip():
            continue  # a blank line is harmless
        event, reason, is_unknown = _parse_line(raw)
        if is_unknown:
            unknown += 1
        elif reason is None:
            assert event is not None
            items.append((i + 1, event))
        elif i == n - 1 and not ends_with_newline and b"\x00" not in raw:
            truncated = "truncated last line (the recording was cut off here)"
            problems.append(_Problem(i + 1, "truncated", truncated, truncated))
        else:
            problems.append(
                _Problem(
                    i + 1, "line", f"{reason}; skipped", "{n} lines that are not events (the first: {first})"
                )
            )
            skipped_at.add(len(items))
    items, time_problems = _check_times_per_person(items, skipped_at)
    problems.extend(time_problems)
    return header, [e for _, e in items], _merge(problems), unknown


# --- times --------------------------------------------------------------------------------------


def _longest_increasing(times: list[float]) -> list[int]:
    """Indices of the earliest longest strictly increasing subsequence of ``times``."""
    n = len(times)
    # run_from[i]: length of the longest strictly increasing run starting at i (from the right).
    run_from = [0] * n
    tails: list[float] = []  # of -t, increasing: the best run starts seen so far, by length
    for i in range(n - 1, -1, -1):
        x = -times[i]
        k = bisect.bisect_left(tails, x)
        if k == len(tails):
            tails.append(x)
        else:
            tails[k] = x
        run_from[i] = k + 1
    want = len(tails)
    chosen: list[int] = []
    last = float("-inf")
    for i in range(n):
        if want and run_from[i] == want and times[i] > last:
            chosen.append(i)
            last = times[i]
            want -= 1
    return chosen


def _between_gap_end(events: list[Event | None], lo: int, hi: int) -> float | None:
    """The latest gap end among ``events[lo + 1 : hi]`` (file positions), if any."""
    ends = [e.end_s for e in events[lo + 1 : hi] if isinstance(e, Gap)]
    return max(ends) if ends else None


def _person_of(event: Event) -> int:
    """Whose an event is (0 for the session's own events: markers, notes, the guide)."""
    person = getattr(event, "person", 0)
    return person if isinstance(person, int) else 0


def _check_times_per_person(
    items: list[tuple[int, Event]], skipped_at: set[int]
) -> tuple[list[tuple[int, Event]], list[_Problem]]:
    """:func:`_check_times` on each person's events on their own (two people's beats
    interleave: each is back-dated from its own strap's notifications, so B's beat may be
    written after A's later one without either being out of line)."""
    people = {_person_of(e) for _, e in items}
    if people <= {0}:
        return _check_times(items, skipped_at)
    out: list[tuple[int, int, Event]] = []
    problems: list[_Problem] = []
    for person in sorted(people):
        mine = [k for k, (_, e) in enumerate(items) if _person_of(e) == person]
        # A skipped line may have been this person's beat: break before their next event.
        skipped = {bisect.bisect_left(mine, s) for s in skipped_at}
        checked, found = _check_times([items[k] for k in mine], skipped)
        problems.extend(found)
        out.extend((line, person, e) for line, e in checked)
    out.sort(key=lambda x: (x[0], x[1]))  # file order (inserted gaps sit on their beat's line)
    return [(line, e) for line, _, e in out], problems


def _check_times(
    items: list[tuple[int, Event]], skipped_at: set[int]
) -> tuple[list[tuple[int, Event]], list[_Problem]]:
    """Place damaged beat, gap and event times (the module docstring gives the rules).

    ``skipped_at`` holds the positions in ``items`` that follow a skipped line: the line may
    have been a beat, so no beat-to-beat difference may span it (a gap before the next beat).
    """
    problems: list[_Problem] = []
    events: list[Event | None] = [e for _, e in items]
    line_of = [ln for ln, _ in items]
    gap_before: dict[int, Gap] = {}  # position -> a break to insert before it

    # 1. Copies: a beat identical to the beat line before it (a line written twice). Beats
    #    that share one time but differ in RR are not copies: their times are damaged
    #    (all beats at one time), and equal RR values in a row are common on a 7.8 ms grid.
    all_beats = [k for k, ev in enumerate(events) if isinstance(ev, Beat)]
    beat_times = [ev.t_s for ev in events if isinstance(ev, Beat)]
    seen: dict[tuple[float, float], int] = {}
    beats: list[int] = []
    i = 0
    while i < len(all_beats):
        j = i
        t_i = beat_times[i]
        while j + 1 < len(all_beats) and beat_times[j + 1] == t_i:
            j += 1
        group = all_beats[i : j + 1]
        i = j + 1
        for g, k in enumerate(group):
            ev = events[k]
            assert isinstance(ev, Beat)
            if g > 0 and ev == events[group[g - 1]] and all(events[x] == ev for x in group):
                problems.append(
                    _Problem(
                        line_of[k],
                        "copy",
                        f"a copy of the beat on the line before (line {line_of[group[0]]}); skipped",
                        "{n} copies of the beats before them (duplicated lines); skipped",
                    )
                )
                continue
            seen.setdefault((ev.t_s, ev.rr_ms), line_of[k])
            beats.append(k)
    for k in set(all_beats) - set(beats):
        events[k] = None
    if not beats:
        return _rebuild(items, events, gap_before), problems

    def beat(k: int) -> Beat:
        ev = events[k]
        assert isinstance(ev, Beat)
        return ev

    # 2. The beats whose times are trusted: the earliest longest increasing run,
    #    without a last beat that jumps far beyond its RR value.
    chain = [beats[i] for i in _longest_increasing([beat(k).t_s for k in beats])]
    if len(chain) >= 2:
        a, c = chain[-2], chain[-1]
        b_c = beat(c)
        far = b_c.t_s - beat(a).t_s > b_c.rr_ms / 1000.0 + TIME_SLACK_S
        if far and _between_gap_end(events, a, c) is None:
            chain.pop()
    trusted = set(chain)

    # 3. Gaps that do not fit between the trusted beats around them.
    for k, ev in enumerate(events):
        if not isinstance(ev, Gap):
            continue
        i = bisect.bisect_left(chain, k)
        prev = beat(chain[i - 1]) if i > 0 else None
        nxt = beat(chain[i]) if i < len(chain) else None
        start, end = ev.start_s, ev.end_s
        if prev is not None and start < prev.t_s - _GAP_SLACK_S:
            start = prev.t_s
        if nxt is not None and end > nxt.t_s + _EPS_S:
            end = max(start, nxt.t_s - nxt.rr_ms / 1000.0)
        if prev is not None and nxt is not None and start > nxt.t_s:
            start = prev.t_s
            end = min(end, nxt.t_s - nxt.rr_ms / 1000.0)
        end = max(start, end)
        if (start, end) != (ev.start_s, ev.end_s):
            problems.append(
                _Problem(
                    line_of[k],
                    "gap",
                    f"a gap from {ev.start_s:g} to {ev.end_s:g} s that does not fit between the beats "
                    "around it; "
                    f"placed from {start:g} to {end:g} s",
                    "{n} gaps that did not fit between the beats around them (the first: {first})",
                )
            )
            events[k] = Gap(start, end, ev.reason)

    # 4. The other beats: placed by their RR values, or skipped when they do not fit.
    runs: list[list[int]] = [[]]
    for k in beats:
        if k in trusted:
            runs.append([])
        elif events[k] is not None:
            runs[-1].append(k)
    for r, run in enumerate(runs):
        if not run:
            continue
        before = chain[r - 1] if r > 0 else None
        after = chain[r] if r < len(chain) else None
        rr_s = [beat(k).rr_ms / 1000.0 for k in run]
        placed: list[float] = []
        if before is not None:
            t = beat(before).t_s
            gap_end = _between_gap_end(events, before, run[0])
            if gap_end is not None:
                t = max(t, gap_end)
            for v in rr_s:
                t += v
                placed.append(t)
        else:
            assert after is not None
            t = beat(after).t_s - beat(after).rr_ms / 1000.0
            for v in reversed(rr_s):
                placed.append(t)
                t -= v
            placed.reverse()
        fits = after is None or placed[-1] + beat(after).rr_ms / 1000.0 <= beat(after).t_s + 1e-3
        fits = fits and (after is None or placed[-1] < beat(after).t_s)
        for k, t_new in zip(run, placed, strict=True):
            old = beat(k)
            if fits:
                problems.append(
                    _Problem(
                        line_of[k],
                        "placed",
                        f"a beat at {old.t_s:g} s, out of line with the beats around it; "
                        f"placed by its RR value at {t_new:.3f} s",
                        "{n} beats with times out of line with the beats around them, "
                        "placed by their RR values (the first: {first})",
                    )
                )
                events[k] = dataclasses.replace(old, t_s=t_new)
            else:
                copied = seen.get((old.t_s, old.rr_ms), line_of[k])
                what = f"a copy of the beat on line {copied}" if copied != line_of[k] else (
                    f"a beat at {old.t_s:g} s that does not fit between the beats around it"
                )
                problems.append(
                    _Problem(
                        line_of[k],
                        "extra",
                        f"{what}; skipped",
                        "{n} beats that do not fit between the beats around them; skipped "
                        "(the first: {first})",
                    )
                )
                events[k] = None
        if not fits and after is not None and after not in gap_before:
            b_prev = beat(before) if before is not None else None
            start = b_prev.t_s if b_prev is not None else beat(after).t_s - beat(after).rr_ms / 1000.0
            b_after = beat(after)
            gap_before[after] = Gap(start, max(start, b_after.t_s - b_after.rr_ms / 1000.0), "no_data")
    # 5. Jumps ahead with no gap recorded, onto a trusted beat: a gap.
    prev_k: int | None = None
    for k in beats:
        if events[k] is None:
            continue
        unbroken = k not in gap_before and prev_k is not None and _between_gap_end(events, prev_k, k) is None
        if prev_k is not None and k in trusted and unbroken:
            b_a, b_c = beat(prev_k), beat(k)
            jump = b_c.t_s - b_a.t_s - b_c.rr_ms / 1000.0
            if jump > TIME_SLACK_S:
                problems.append(
                    _Problem(
                        line_of[k],
                        "jump",
                        f"the beats jump {jump:.1f} s ahead here with no gap recorded; taken as a gap",
                        "{n} jumps ahead with no gap recorded, taken as gaps (the first: {first})",
                    )
                )
                gap_before[k] = Gap(b_a.t_s, b_c.t_s - b_c.rr_ms / 1000.0, "no_data")
        prev_k = k

    # 6. A skipped line between beats may have been a beat: a break across it.
    prev_k = None
    pending = False
    for k, ev in enumerate(events):
        if k in skipped_at and prev_k is not None:
            pending = True
        if isinstance(ev, Gap):
            pending = False
        elif isinstance(ev, Beat):
            if pending and k not in gap_before and prev_k is not None:
                b_a = beat(prev_k)
                gap_before[k] = Gap(b_a.t_s, max(b_a.t_s, ev.t_s - ev.rr_ms / 1000.0), "no_data")
            pending = False
            prev_k = k

    # 7. Other lines far out of line with both neighbours: placed at the line prev_ev. Only
    #    lines stamped on arrival are compared (beats and gaps are back-dated, by up to
    #    nine RR values of a minute; the check-in before a session is dated at its start, 0:00,
    #    whenever it was answered).
    stamped = [k for k, ev in enumerate(events) if ev is not None and not isinstance(ev, (Beat, Gap))
               and not (isinstance(ev, CheckIn) and ev.when == "before" and ev.t_s == 0.0)]
    for j in range(1, len(stamped) - 1):
        k = stamped[j]
        ev, prev_ev, next_ev = events[k], events[stamped[j - 1]], events[stamped[j + 1]]
        assert ev is not None and prev_ev is not None and next_ev is not None
        lo, hi = min(prev_ev.t_s, next_ev.t_s), max(prev_ev.t_s, next_ev.t_s)
        if ev.t_s > hi + EVENT_SKEW_S or ev.t_s < lo - EVENT_SKEW_S:
            kind = event_to_dict(ev)["type"]
            problems.append(
                _Problem(
                    line_of[k],
                    "event-time",
                    f"a {kind} line at {ev.t_s:g} s, far out of line with the lines around it; "
                    f"placed at {prev_ev.t_s:g} s",
                    "{n} lines with times far out of line with the lines around them (the first: {first})",
                )
            )
            events[k] = dataclasses.replace(ev, t_s=prev_ev.t_s)  # type: ignore[arg-type]  # never a Gap here
    return _rebuild(items, events, gap_before), problems


def _rebuild(
    items: list[tuple[int, Event]], events: list[Event | None], gap_before: dict[int, Gap]
) -> list[tuple[int, Event]]:
    out: list[tuple[int, Event]] = []
    for k, ((line, _), ev) in enumerate(zip(items, events, strict=True)):
        if k in gap_before:
            out.append((line, gap_before[k]))
        if ev is not None:
            out.append((line, ev))
    return out


def _merge(problems: list[_Problem]) -> list[Damage]:
    """Damage entries in line order, runs of alike problems merged, at most MAX_DAMAGE_REPORTS."""
    problems = sorted(problems, key=lambda q: q.line)
    runs: list[list[_Problem]] = []
    for q in problems:
        if runs and runs[-1][0].kind == q.kind and q.kind not in ("header", "truncated"):
            runs[-1].append(q)
        else:
            runs.append([q])
    out: list[Damage] = []
    for run in runs:
        first = run[0]
        if len(run) == 1:
            out.append(Damage(first.line, first.one))
        else:
            reason = first.many.format(n=len(run), first=first.one)
            out.append(Damage(first.line, reason, last_line=run[-1].line, count=len(run)))
    if len(out) > MAX_DAMAGE_REPORTS:
        rest = out[MAX_DAMAGE_REPORTS - 1 :]
        lines = sum(d.count for d in rest)
        out = out[: MAX_DAMAGE_REPORTS - 1]
        out.append(
            Damage(
                rest[0].line,
                f"{lines} more damaged lines (the first: {rest[0].reason})",
                last_line=rest[-1].last_line or rest[-1].line,
                count=lines,
            )
        )
    return out


def check_beat_times(
    rr_ms: npt.NDArray[np.float64],
    t_s: npt.NDArray[np.float64],
    breaks: npt.NDArray[np.bool_],
    lines: list[int],
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64], npt.NDArray[np.bool_], list[Damage]]:
    """The checks of a session's beat times (module docstring), for a file of beats with times.

    The CSV-with-a-time-column reader uses them, so that a copied row, a time out of line
    or going back costs that row, reported with its line, and not the file.

    Args:
        rr_ms: RR values, ms, in file order.
        t_s: Their times, s.
        breaks: ``breaks[i]``: a gap recorded before beat i.
        lines: The file line of each beat.

    Returns:
        ``(rr_ms, t_s, breaks, damage)`` after the checks.
    """
    items: list[tuple[int, Event]] = []
    prev = None
    for rr, t, brk, line in zip(rr_ms.tolist(), t_s.tolist(), breaks.tolist(), lines, strict=True):
        if brk and prev is not None:
            items.append((line, Gap(prev, max(prev, min(t - rr / 1000.0, t)), "no_data")))
        items.append((line, Beat(t, rr)))
        prev = t
    checked, problems = _check_times(items, set())
    out_rr: list[float] = []
    out_t: list[float] = []
    out_b: list[bool] = []
    pending = False
    for _, ev in checked:
        if isinstance(ev, Gap):
            pending = True
        elif isinstance(ev, Beat):
            out_rr.append(ev.rr_ms)
            out_t.append(ev.t_s)
            out_b.append(pending and bool(out_t[:-1]))
            pending = False
    return (
        np.asarray(out_rr, dtype=np.float64),
        np.asarray(out_t, dtype=np.float64),
        np.asarray(out_b, dtype=np.bool_),
        _merge(problems),
    )


# --- the recording ------------------------------------------------------------------------------


def read_session(path: str | Path, data: bytes | None = None, *, person: int = 0) -> Recording:
    """Read a vagal session into a :class:`Recording` (format "vagal").

    ``meta`` holds the header's keys, plus ``device`` (from the header or the first
    ``DeviceInfo`` event), ``session_duration_s`` (the last event's time),
    ``settling_beats`` and ``unknown_events`` counts.

    Args:
        path: The file.
        data: Its bytes, if already read.
        person: In a two-person session (format 2), whose beats, gaps and device the
            recording holds (0: A, 1: B), ``events`` included, so a replay, a report or
            an analysis of the file never mixes two hearts. The session's own events
            (markers, notes, the guide) go with each person; ``meta["people"]`` lists them.

    Raises:
        SessionFileError: The header is missing or unreadable (see :func:`read_events`).
    """
    header, all_events, damage, unknown = read_events(path, data)
    return _person_recording(path, header, all_events, damage, unknown, person)


def read_people(path: str | Path, data: bytes | None = None) -> tuple[Recording, Recording]:
    """Both people of a two-person session, from one reading of the file.

    The same as ``(read_session(path, person=0), read_session(path, person=1))``, which
    reads and checks the whole file once for each person; this parses it once.

    Args:
        path: The file.
        data: Its bytes, if already read.

    Raises:
        SessionFileError: The header is missing or unreadable (see :func:`read_events`).
    """
    return people_from_events(path, *read_events(path, data))


def people_from_events(
    path: str | Path, header: dict[str, Any], events: list[Event], damage: list[Damage], unknown: int
) -> tuple[Recording, Recording]:
    """Both people's recordings from what :func:`read_events` returned for ``path``."""
    a, b = (_person_recording(path, copy.deepcopy(header), events, damage, unknown, p) for p in (0, 1))
    return a, b


def _person_recording(
    path: str | Path,
    header: dict[str, Any],
    all_events: list[Event],
    damage: list[Damage],
    unknown: int,
    person: int,
) -> Recording:
    """Person ``person``'s :class:`Recording` from a file's parsed events (see :func:`read_session`)."""
    # The session's own events (a shared guide's person is None) go with each person.
    events = [e for e in all_events if getattr(e, "person", None) is None or _person_of(e) == person]
    if isinstance(header.get("people"), list) and person != 0:
        header = dict(header)
        header.pop("device", None)  # the header's device is person A's
        people = header["people"]
        if (
            person < len(people)
            and isinstance(people[person], dict)
            and isinstance(people[person].get("device"), dict)
        ):
            header["device"] = people[person]["device"]
    rr: list[float] = []
    t: list[float] = []
    brk: list[bool] = []
    gaps: list[Gap] = []
    markers: list[Marker] = []
    pacer: list[PacerChanged] = []
    device: dict[str, Any] | None = header.get("device") if isinstance(header.get("device"), dict) else None
    pending_break = False
    settling = 0
    last_t = 0.0
    for ev in events:
        last_t = max(last_t, ev.t_s)
        if isinstance(ev, Beat):
            if ev.settling:
                settling += 1
                pending_break = True
                continue
            rr.append(ev.rr_ms)
            t.append(ev.t_s)
            brk.append(pending_break)
            pending_break = False
        elif isinstance(ev, Gap):
            gaps.append(ev)
            pending_break = True
        elif isinstance(ev, Marker):
            markers.append(ev)
        elif isinstance(ev, PacerChanged):
            pacer.append(ev)
        elif isinstance(ev, DeviceInfo) and device is None:
            device = _device_dict(ev)
    if brk:
        brk[0] = False  # nothing before the first beat to span
    meta: dict[str, Any] = dict(header)
    meta["device"] = device
    meta["session_duration_s"] = last_t
    meta["settling_beats"] = settling
    meta["unknown_events"] = unknown
    return from_rr(
        str(path),
        "vagal",
        rr,
        t_s=t,
        breaks=brk,
        gaps=tuple(gaps),
        markers=tuple(markers),
        pacer=tuple(pacer),
        meta=meta,
        damage=tuple(damage),
        events=tuple(events),
    )


def _device_dict(ev: DeviceInfo) -> dict[str, Any]:
    d = event_to_dict(ev)
    del d["t"], d["type"]
    return d
