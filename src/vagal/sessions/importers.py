"""Readers for the files other tools write, each with a detector that looks at the content.

Every detector takes the first few kilobytes of a file (and its path, for WFDB, whose
annotation files are binary and live beside a header) and answers for its own format
only; ``tests/test_formats_detect.py`` runs a file of every format through every detector.
Layouts, as documented by each tool:

* **Polar Sensor Logger** (Android app by J. Happonen, Polar SDK), ``*_RR.txt``:
  ``Phone timestamp;RR-interval [ms]``, one beat per row, the phone's local ISO time.
  ``*_HR.txt``: ``Phone timestamp;HR [bpm];HRV [ms];Breathing interval [rpm];`` (older
  versions: ``Phone timestamp;HR [bpm]``); per the app's FAQ, "the extra columns in HR
  data are RR-intervals in milliseconds".
* **Polar Sensor Logger PPI** (optical sensors: Verity Sense, OH1), ``*_PPI.txt``:
  ``Phone Data RX timestamp;PP-interval [ms];error estimate [ms];blocker;contact;contact;hr [bpm]``
  (other versions name the first column ``Phone timestamp`` or add ``sensor timestamp [ns]``:
  the columns are found by name). A row with ``blocker`` 1 is a pulse interval the sensor
  itself marks unreliable (motion): it is left out, with a break in its place.
* **Polar HRM** (Polar ProTrainer / FlowSync exports, "Polar HRM file format" v1.4):
  ``[Params]`` with ``Interval=238`` means R-R recording; ``[HRData]`` then holds one RR
  value in ms per row (first column). Polar Flow's web "Export RR" gives a plain RR list
  (read by :mod:`vagal.sessions.rrlist`); Polar Flow's training CSV holds heart rate per
  second only, which is refused with a hint.
* **OpenHRV** (JanCBrammer/OpenHRV ``openhrv/logger.py``): ``event,value,timestamp``; rows
  ``InterBeatInterval,<ms>,<local ISO time>``, ``Annotation,<text>,<time>``,
  ``PacerRate,<per min>,<time>``, ``HrvTarget``, ``Sensors`` (value may hold commas).
  OpenHRV writes the IBI after its own range check (out-of-range values are replaced by
  a median), and the time is when the value was logged, not the beat time.
* **CSV with a time column**: a header naming a time column (``t_s``, ``time``,
  ``timestamp``…) and an RR column (``rr_ms``, ``rr``, ``ibi``…); comma, semicolon or tab.
  vagal's own CSV export is one of these.
* **Movesense** HR exports. The Movesense Showcase app for iOS (Suunto,
  ``MovesenseShowcase/recorder/Recorder.swift``, ``convertToCsv``) writes the header
  ``average,rrData``, then one row per heart-rate notification: the sensor's average heart
  rate (bpm) and its first RR value (ms); each further RR value of the same notification
  gets a row of its own with the average left empty (``,812``). The Android Showcase app
  (``HeartRateTestActivity``, ``CsvLogger``) writes ``Timestamp,HR: (Beats per minute), RR: (ms)``
  and rows ``%d,%.2f,%d`` in the phone's locale (so a decimal comma can split the heart
  rate in two); its timestamp is the accelerometer's, not the beat's, and it keeps only
  the first RR value of each notification. A title line before the header is allowed.
* **WFDB** (PhysioNet) beat annotations in MIT format, read by vagal itself
  (:func:`read_mit_annotations`); a ``.hea`` header leads to the annotations beside it
  (``atr``, then the QRS detectors').

Beat times: RR values are exact; times written by phones are arrival times. So beat
times are the cumulative sum of RR (docs/methods.md §0), re-anchored to the file's clock only
where the clock runs ahead by more than ``MAX_LAG_S`` (data was lost): there a break
is recorded, so no beat-to-beat difference spans the lost stretch.
"""

from __future__ import annotations

import contextlib
import math
import re
import types
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from vagal.errors import InputFileError
from vagal.events import Marker
from vagal.sessions.codec import MAX_RR_MS, MAX_SESSION_S, MIN_RR_MS
from vagal.sessions.recording import Damage, Recording, from_rr, plausible_start, read_file, rr_problem

MAX_LAG_S: Final = 4.0
"""Arrival clock ahead of the cumulative RR time by more than this: data was lost there."""
_SECONDS_MEDIAN_LIMIT: Final = 10.0
"""RR values with a median below this are in seconds."""
_EPOCH_LIMIT_S: Final = 1e8
"""Times beyond this (over three years of seconds) are Unix time, not session time."""
_COARSE_SHARE: Final = 0.05
"""Times shared by more than this share of neighbouring rows are a coarse log clock; a few
shared ones in a fine clock are copied rows."""
_LATEST_EPOCH_S: Final = 7.3e9
"""Unix time of the year 2200 (``recording.LATEST_START_YEAR``): a larger time is no date
(1e20 once overflowed the conversion to a date)."""

PSL_RR_HEADER: Final = "Phone timestamp;RR-interval [ms]"
PSL_HR_HEADER: Final = "Phone timestamp;HR [bpm]"
PSL_PPI_COLUMN: Final = "PP-interval [ms]"
OPENHRV_HEADER: Final = "event,value,timestamp"
MOVESENSE_IOS_HEADER: Final = "average,rrdata"
MOVESENSE_ANDROID_HEADER: Final = "timestamp,hr:(beatsperminute),rr:(ms)"
"""The Movesense Showcase apps' HR headers, lower case without spaces or quotes."""
_WFDB_EXTENSIONS: Final = (
    "atr", "qrs", "ecg", "wqrs", "gqrs", "sqrs", "jqrs", "qrsc", "ann", "beat", "rpeaks", "ari", "atest",
)
"""Beat annotation files a record may have, most trusted first: the reference (``atr``), then
the usual QRS detectors of the WFDB software and PhysioNet databases."""

_MAX_NAME_CHARS: Final = 200
"""Longer than any column name: only this much of a header field is looked at."""
_DECIMAL_COMMA: Final = re.compile(r"-?\d+,\d+")
"""A number written with a decimal comma ("0,859")."""
_TIME_NAMES: Final = ("t_s", "time_s", "t", "time", "timestamp", "elapsed", "elapsed_s", "date")
_RR_NAMES: Final = (
    "rr_ms", "rr", "rri", "rr_interval", "rr-interval", "rr interval", "ibi", "ibi_ms", "nn", "nn_ms"
)


# --- small helpers ---------------------------------------------------------------------------


def _first_line(head: str) -> str:
    for line in head.splitlines():
        if line.strip():
            return line.strip().lstrip("\ufeff")
    return ""


def _norm(name: str) -> str:
    """A column name without units in brackets or parentheses, lower case."""
    # A column name is short: 100,000 '[' (a damaged header) took the lazy pattern minutes.
    return re.sub(r"\s*[\[(][^\])]*[\])]\s*", "", name[:_MAX_NAME_CHARS]).strip().strip('"').lower()


def _split(line: str, sep: str) -> list[str]:
    return [f.strip().strip('"') for f in line.split(sep)]


def _sep_of(header: str) -> str:
    counts = {s: header.count(s) for s in (";", "\t", ",")}
    sep = max(counts, key=lambda s: counts[s])
    return sep if counts[sep] else ","


def _parse_time(text: str) -> datetime:
    t = text.strip().replace(" +", "+")
    if t.endswith("Z"):
        t = t[:-1] + "+00:00"
    return datetime.fromisoformat(t)


def _rr_from_values(values: npt.ArrayLike) -> tuple[npt.NDArray[np.float64], str]:
    rr = np.asarray(values, dtype=np.float64)
    if rr.size and float(np.median(rr)) < _SECONDS_MEDIAN_LIMIT:
        return rr * 1000.0, "s"
    return rr, "ms"


def beat_times_from_arrivals(
    rr_ms: npt.NDArray[np.float64],
    arrival_s: npt.NDArray[np.float64],
    *,
    max_lag_s: float = MAX_LAG_S,
    problems: list[tuple[int, str]] | None = None,
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.bool_]]:
    """Beat times from exact RR values and the (coarse) times a tool logged them.

    The log times only find lost stretches; they never move a beat against its RR value.
    A damaged log time must not do so either:

    * a time ahead by more than ``max_lag_s`` is a lost stretch only when the next value's
      time agrees; one that jumps ahead and back again is a damaged time, not used;
    * a time behind the beats by more than ``2 * max_lag_s`` is a clock set back (or a
      damaged time, when the next one is back on the old clock): the beats go on by their
      RR values and later losses are found on the new clock (before, times going back
      1.5 h hid every loss for 1.5 h).

    Args:
        rr_ms: RR intervals, ms.
        arrival_s: When each value was logged, seconds, 0 at the first value.
        max_lag_s: Re-anchor (and break) where the log clock runs ahead of the
            cumulative RR time by more than this.
        problems: If given, ``(index, reason)`` is appended for each damaged time.

    Returns:
        ``(t_s, breaks)``: beat times, the first beat ending at its own RR after 0
        (the cumulative sum of RR where nothing was lost), and the breaks.
    """
    n = rr_ms.size
    t = np.empty(n, dtype=np.float64)
    breaks = np.zeros(n, dtype=np.bool_)
    if not n:
        return t, breaks
    first_s = float(rr_ms[0]) / 1000.0
    offset = -first_s  # the first beat is placed at its log time
    ref = offset  # where the log clock stands against the beats (moves when the clock is set back)
    acc = 0.0
    arr = arrival_s.tolist()
    for i, rr in enumerate(rr_ms.tolist()):
        acc += rr / 1000.0
        lag = arr[i] - (acc + ref)
        if i and lag > max_lag_s:
            if lag <= MAX_SESSION_S and (i == n - 1 or arr[i + 1] >= arr[i] - max_lag_s):
                offset += lag
                ref += lag
                breaks[i] = True
            elif problems is not None:
                problems.append((i, f"a time {lag:.0f} s ahead of the rows around it; not used"))
        elif i and lag < -2 * max_lag_s:
            if i == n - 1 or arr[i + 1] <= arr[i] + max_lag_s:
                ref += lag
                if problems is not None:
                    why = f"the times go back {_span(-lag)} here (the clock was set back?)"
                    why += "; the beats follow their RR values"
                    problems.append((i, why))
            elif problems is not None:
                problems.append((i, f"a time {_span(-lag)} behind the rows around it; not used"))
        t[i] = acc + offset + first_s
    return t, breaks


def _span(seconds: float) -> str:
    """A stretch of time in words: "1.5 h", "12 min", "30 s"."""
    if seconds >= 5400:
        return f"{seconds / 3600:.1f} h"
    if seconds >= 120:
        return f"{seconds / 60:.0f} min"
    return f"{seconds:.0f} s"


def _rr_value(path: str, field: str, lineno: int, noun: str = "an RR value") -> float:
    """``field`` as a number of ms from a millisecond to a minute (0 and below are the
    caller's to skip).

    Raises:
        InputFileError: Not a number, over a minute or under a millisecond; names the line.
    """
    try:
        v = float(field)
    except ValueError:
        raise InputFileError(path, f"not {noun}: {field[:30]!r}", line=lineno) from None
    if not math.isfinite(v):
        raise InputFileError(path, f"not {noun}: {field[:30]!r}", line=lineno)
    if v > MAX_RR_MS:
        raise InputFileError(path, f"{noun} over a minute: {field[:30]!r}", line=lineno)
    if 0 < v < MIN_RR_MS:
        raise InputFileError(path, f"{noun} under a millisecond: {field[:30]!r}", line=lineno)
    return v


def _empty(path: str, what: str, hint: str | None = None) -> InputFileError:
    return InputFileError(path, f"no RR intervals found ({what})", hint=hint)


# --- Polar Sensor Logger -----------------------------------------------------------------------


def sniff_polar_sensor_logger_rr(head: bytes, path: Path | None = None) -> bool:
    return _first_line(head.decode("utf-8", "replace")).startswith(PSL_RR_HEADER)


def sniff_polar_sensor_logger_hr(head: bytes, path: Path | None = None) -> bool:
    return _first_line(head.decode("utf-8", "replace")).startswith(PSL_HR_HEADER)


def _psl_rows(path: str, text: str, min_fields: int) -> list[tuple[int, datetime, list[str]]]:
    rows: list[tuple[int, datetime, list[str]]] = []
    for lineno, raw in enumerate(text.splitlines(), start=1):
        if lineno == 1 or not raw.strip():
            continue
        fields = _split(raw, ";")
        if len(fields) < min_fields:
            raise InputFileError(path, f"expected 'time;value', got {raw.strip()[:40]!r}", line=lineno)
        try:
            when = _parse_time(fields[0])
        except ValueError:
            raise InputFileError(path, f"not a time: {fields[0][:30]!r}", line=lineno) from None
        rows.append((lineno, when, fields))
    return rows


def _check_zones(path: str, when: list[datetime], lines: list[int]) -> None:
    """Every time with a zone, or none: a local time cannot be set against a zoned one.

    Raises:
        InputFileError: Names the first line whose time differs from the first one.
    """
    zoned = [w.utcoffset() is not None for w in when]
    if all(zoned) or not any(zoned):
        return
    k = zoned.index(not zoned[0])
    if zoned[0]:
        has, lacks = "has no time zone", "the first one has one"
    else:
        has, lacks = "has a time zone", "the first one has none"
    raise InputFileError(
        path,
        f"this time {has} and {lacks}: vagal cannot tell how far apart they are",
        line=lines[k],
        hint="Give every time a zone (+01:00), or none.",
    )


def _recording_from_timed(
    path: str,
    fmt: str,
    rr: list[float],
    when: list[datetime],
    meta: dict[str, Any],
    markers: list[tuple[datetime, str]] | None = None,
    *,
    lines: list[int] | None = None,
    marker_lines: list[int] | None = None,
) -> Recording:
    """A recording from RR values and the wall times they were logged at.

    Args:
        lines: The file line of each value (for damage and errors).
        marker_lines: The file line of each marker.

    Raises:
        InputFileError: Times with and without a time zone are mixed.
    """
    rows = lines if lines is not None else list(range(1, len(rr) + 1))
    mrows = marker_lines if marker_lines is not None else [rows[0]] * len(markers or ())
    _check_zones(path, [*when, *(mw for mw, _ in markers or ())], [*rows, *mrows])
    rr_ms = np.asarray(rr, dtype=np.float64)
    w0 = when[0]
    arrival = np.asarray([(w - w0).total_seconds() for w in when], dtype=np.float64)
    problems: list[tuple[int, str]] = []
    t, breaks = beat_times_from_arrivals(rr_ms, arrival, problems=problems)
    damage = [Damage(rows[i], reason) for i, reason in problems]
    # Map wall times onto the beat axis: the first value was logged at t[0].
    marks = tuple(Marker(float(t[0] + (mw - w0).total_seconds()), label) for mw, label in markers or ())
    meta = dict(meta)
    why = plausible_start(w0, what="first time's")
    if why is None:
        meta["start"] = (w0 - timedelta(seconds=float(t[0]))).isoformat()
    else:
        damage.insert(0, Damage(rows[0], why))
    return from_rr(path, fmt, rr_ms, t_s=t, breaks=breaks, markers=marks, meta=meta, damage=tuple(damage))


def read_polar_sensor_logger_rr(path: str | Path, text: str) -> Recording:
    """Read a Polar Sensor Logger RR export (``*_RR.txt``)."""
    p = str(path)
    rr: list[float] = []
    when: list[datetime] = []
    lines: list[int] = []
    for lineno, w, fields in _psl_rows(p, text, 2):
        try:
            v = float(fields[1])
        except ValueError:
            raise InputFileError(p, f"not an RR value: {fields[1][:30]!r}", line=lineno) from None
        problem = rr_problem(v)
        if problem is not None:
            raise InputFileError(p, f"{problem}: {fields[1][:30]!r}", line=lineno)
        rr.append(v)
        when.append(w)
        lines.append(lineno)
    if not rr:
        raise _empty(p, "the file has a header only")
    return _recording_from_timed(p, "polar-sensor-logger-rr", rr, when, {"unit_in_file": "ms"}, lines=lines)


def read_polar_sensor_logger_hr(path: str | Path, text: str) -> Recording:
    """Read a Polar Sensor Logger HR export (``*_HR.txt``): RR values in the extra columns."""
    p = str(path)
    header = _split(_first_line(text), ";")
    n_named = len([h for h in header if h])
    rr: list[float] = []
    when: list[datetime] = []
    lines: list[int] = []
    for lineno, w, fields in _psl_rows(p, text, 2):
        for f in fields[n_named:]:
            if not f:
                continue
            v = _rr_value(p, f, lineno)
            if v > 0:
                rr.append(v)
                when.append(w)
                lines.append(lineno)
    if not rr:
        raise _empty(
            p,
            "this Polar Sensor Logger HR file holds heart rate only",
            hint="Use the RR file the app writes beside it (…_RR.txt).",
        )
    return _recording_from_timed(p, "polar-sensor-logger-hr", rr, when, {"unit_in_file": "ms"}, lines=lines)


def sniff_polar_sensor_logger_ppi(head: bytes, path: Path | None = None) -> bool:
    first = _first_line(head.decode("utf-8", "replace"))
    return first.startswith("Phone") and PSL_PPI_COLUMN in first


def read_polar_sensor_logger_ppi(path: str | Path, text: str) -> Recording:
    """Read a Polar Sensor Logger PPI export (``*_PPI.txt``): pulse-to-pulse intervals, ms."""
    p = str(path)
    names = [_norm(h) for h in _split(_first_line(text), ";")]
    pp_col = names.index("pp-interval")
    blocker_col = names.index("blocker") if "blocker" in names else None
    rr: list[float] = []
    when: list[datetime] = []
    lines: list[int] = []
    blocked: list[bool] = []
    for lineno, w, fields in _psl_rows(p, text, pp_col + 1):
        try:
            v = float(fields[pp_col])
        except ValueError:
            raise InputFileError(p, f"not a PP interval: {fields[pp_col][:30]!r}", line=lineno) from None
        problem = rr_problem(v)
        if problem is not None:
            raise InputFileError(p, f"{problem}: {fields[pp_col][:30]!r}", line=lineno)
        rr.append(v)
        when.append(w)
        lines.append(lineno)
        blocked.append(blocker_col is not None and len(fields) > blocker_col and fields[blocker_col] == "1")
    if not rr:
        raise _empty(p, "the file has a header only")
    if all(blocked):
        raise _empty(p, "the sensor marked every interval unreliable (blocker 1)")
    # Times from every interval (a blocked one still took its time), then the blocked ones out.
    rec = _recording_from_timed(p, "polar-sensor-logger-ppi", rr, when, {"unit_in_file": "ms"}, lines=lines)
    keep = ~np.asarray(blocked, dtype=np.bool_)
    breaks = rec.breaks.copy()
    since_blocked = False  # a blocked interval since the last kept one: no difference spans it
    for i, b in enumerate(blocked):
        if b:
            since_blocked = True
        elif since_blocked:
            breaks[i] = True
            since_blocked = False
    breaks = breaks[keep]
    breaks[0] = False
    meta = {**rec.meta, "blocked_intervals": int(np.count_nonzero(~keep))}
    return from_rr(
        p, rec.format, rec.rr_ms[keep], t_s=rec.t_s[keep], breaks=breaks, meta=meta, damage=rec.damage
    )


# --- Polar HRM / Polar Flow --------------------------------------------------------------------


def sniff_polar_hrm(head: bytes, path: Path | None = None) -> bool:
    return _first_line(head.decode("utf-8", "replace")).lower() == "[params]"


def read_polar_hrm(path: str | Path, text: str) -> Recording:
    """Read a Polar HRM file recorded in R-R mode (``Interval=238``)."""
    p = str(path)
    section = ""
    params: dict[str, str] = {}
    date_line = 0
    rr: list[float] = []
    for lineno, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        if line.startswith("[") and line.endswith("]"):
            section = line[1:-1].lower()
            continue
        if section == "params" and "=" in line:
            key, _, value = line.partition("=")
            params[key.strip().lower()] = value.strip()
            if key.strip().lower() == "date":
                date_line = lineno
        elif section == "hrdata":
            if params.get("interval") != "238":
                raise InputFileError(
                    p,
                    f"this Polar HRM file holds heart rate every {params.get('interval', '?')} s, "
                    "not RR intervals",
                    hint="Record with R-R recording on, or export the RR intervals.",
                )
            field = line.split()[0].split("\t")[0]
            v = _rr_value(p, field, lineno)
            if v > 0:
                rr.append(v)
    if not rr:
        raise _empty(p, "no [HRData] section")
    meta: dict[str, Any] = {"unit_in_file": "ms"}
    damage: list[Damage] = []
    if "date" in params and "starttime" in params:
        meta["start_local"] = f"{params['date']} {params['starttime']}"
        for layout in ("%Y%m%d %H:%M:%S.%f", "%Y%m%d %H:%M:%S"):  # Date=20261120, StartTime=09:00:00.0
            try:
                start = datetime.strptime(meta["start_local"], layout)  # local time, as the watch wrote it
            except ValueError:
                continue
            why = plausible_start(start, what="Date=")
            if why is None:
                meta["start"] = start.isoformat()
            else:
                damage.append(Damage(date_line, why))
            break
    return from_rr(p, "polar-hrm", rr, meta=meta, damage=tuple(damage))


def sniff_polar_flow_csv(head: bytes, path: Path | None = None) -> bool:
    return _first_line(head.decode("utf-8", "replace")).startswith("Name,Sport,Date,Start time")


def read_polar_flow_csv(path: str | Path, text: str) -> Recording:
    """Polar Flow's training CSV has heart rate per second only: refused with a hint."""
    raise _empty(
        str(path),
        "a Polar Flow training export holds heart rate once a second, not beat-to-beat intervals",
        hint="In Polar Flow, export the session's RR intervals instead.",
    )


# --- Movesense ---------------------------------------------------------------------------------


def _movesense_header(text: str) -> tuple[int, str] | None:
    """(index among the non-blank lines, layout) of a Movesense HR header in its first two lines."""
    lines = [ln for ln in text.splitlines() if ln.strip()][:2]
    for k, line in enumerate(lines):
        key = line.lstrip("\ufeff").replace(" ", "").replace('"', "").lower().rstrip(",")
        if key == MOVESENSE_IOS_HEADER:
            return k, "ios"
        if key == MOVESENSE_ANDROID_HEADER:
            return k, "android"
    return None


def sniff_movesense_hr(head: bytes, path: Path | None = None) -> bool:
    return _movesense_header(head.decode("utf-8", "replace")) is not None


def read_movesense_hr(path: str | Path, text: str) -> Recording:
    """Read a Movesense Showcase HR export (either app's layout, see the module docstring).

    The files hold no beat times (the Android app's timestamps are the accelerometer's):
    beat times are the cumulative sum of RR.
    """
    p = str(path)
    found = _movesense_header(text)
    if found is None:
        raise InputFileError(p, "no Movesense heart-rate header ('average,rrData')", line=1)
    skip, layout = found
    rows = [(n, line.strip()) for n, line in enumerate(text.splitlines(), start=1) if line.strip()]
    rows = rows[skip + 1 :]
    rr: list[float] = []
    for lineno, line in rows:
        fields = [f.strip().strip('"') for f in line.split(",")]
        if len(fields) < 2:
            want = "'average,rrData'" if layout == "ios" else "'timestamp,HR,RR'"
            raise InputFileError(p, f"expected {want}, got {line[:40]!r}", line=lineno)
        values = fields[1:] if layout == "ios" else fields[-1:]
        for field in values:
            if not field:
                continue  # a notification without RR values, or the empty average of a continuation row
            v = _rr_value(p, field, lineno)
            if v <= 0:
                raise InputFileError(p, f"not a positive RR value: {field[:30]!r}", line=lineno)
            rr.append(v)
    if not rr:
        raise _empty(p, "this Movesense file holds heart rate only")
    app = "Movesense Showcase (iOS)" if layout == "ios" else "Movesense Showcase (Android)"
    return from_rr(p, "movesense-hr", rr, meta={"unit_in_file": "ms", "app": app})


# --- OpenHRV -----------------------------------------------------------------------------------


def sniff_openhrv(head: bytes, path: Path | None = None) -> bool:
    return _first_line(head.decode("utf-8", "replace")).replace(" ", "").lower() == OPENHRV_HEADER


def read_openhrv(path: str | Path, text: str) -> Recording:
    """Read an OpenHRV recording (``event,value,timestamp``)."""
    p = str(path)
    rr: list[float] = []
    when: list[datetime] = []
    lines: list[int] = []
    markers: list[tuple[datetime, str]] = []
    marker_lines: list[int] = []
    pacer: list[float] = []
    for lineno, raw in enumerate(text.splitlines(), start=1):
        if lineno == 1 or not raw.strip():
            continue
        fields = raw.rstrip("\r\n").split(",")
        if len(fields) < 3:
            raise InputFileError(
                p, f"expected 'event,value,timestamp', got {raw.strip()[:40]!r}", line=lineno
            )
        event, value, stamp = fields[0].strip(), ",".join(fields[1:-1]).strip(), fields[-1].strip()
        try:
            w = _parse_time(stamp)
        except ValueError:
            raise InputFileError(p, f"not a time: {stamp[:30]!r}", line=lineno) from None
        if event == "InterBeatInterval":
            v = _rr_value(p, value, lineno, "an inter-beat interval")
            if v > 0:
                rr.append(v)
                when.append(w)
                lines.append(lineno)
        elif event == "Annotation":
            markers.append((w, value))
            marker_lines.append(lineno)
        elif event == "PacerRate":
            with contextlib.suppress(ValueError):
                pacer.append(float(value))
    if not rr:
        raise _empty(p, "no InterBeatInterval rows")
    meta: dict[str, Any] = {"unit_in_file": "ms"}
    if pacer:
        meta["pacer_rate_per_min"] = pacer[-1]
    return _recording_from_timed(
        p, "openhrv", rr, when, meta, markers, lines=lines, marker_lines=marker_lines
    )


# --- CSV with a time column --------------------------------------------------------------------


def _csv_columns(header: str) -> tuple[str, int, int, int | None] | None:
    sep = _sep_of(header)
    names = [_norm(h) for h in _split(header, sep)]
    t_col = next((names.index(n) for n in _TIME_NAMES if n in names), None)
    rr_col = next((names.index(n) for n in _RR_NAMES if n in names), None)
    if t_col is None or rr_col is None or t_col == rr_col:
        return None
    gap_col = names.index("gap_before") if "gap_before" in names else None
    return sep, t_col, rr_col, gap_col


def sniff_csv_time(head: bytes, path: Path | None = None) -> bool:
    first = _first_line(head.decode("utf-8", "replace"))
    if first.startswith(("#", PSL_RR_HEADER, PSL_HR_HEADER)) or PSL_PPI_COLUMN in first:
        return False
    return _csv_columns(first) is not None


def read_csv_time(path: str | Path, text: str) -> Recording:
    """Read a CSV with a header naming a time column and an RR column.

    Times may be seconds (or ms, detected from the spacing), or ISO date-times. A
    ``gap_before`` column (vagal's CSV export) gives the breaks; otherwise breaks are
    found where the times run ahead of the RR values.
    """
    p = str(path)
    lines = [
        (n, line)
        for n, line in enumerate(text.splitlines(), start=1)
        if line.strip() and not line.startswith("#")
    ]
    cols = _csv_columns(lines[0][1].lstrip("\ufeff"))
    if cols is None:
        raise InputFileError(p, "no time and RR columns in the header", line=lines[0][0])
    sep, t_col, rr_col, gap_col = cols
    rr: list[float] = []
    times: list[str] = []
    gaps: list[bool] = []
    for lineno, raw in lines[1:]:
        fields = _split(raw, sep)
        if sep != ",":
            # A semicolon or tab table leaves the comma free as the decimal mark
            # (spreadsheets in most of Europe write "0,859"); ISO times keep theirs.
            fields = [f.replace(",", ".") if _DECIMAL_COMMA.fullmatch(f) else f for f in fields]
        if len(fields) <= max(t_col, rr_col):
            raise InputFileError(p, f"too few columns: {raw.strip()[:40]!r}", line=lineno)
        try:
            v = float(fields[rr_col])
        except ValueError:
            raise InputFileError(p, f"not an RR value: {fields[rr_col][:30]!r}", line=lineno) from None
        if not np.isfinite(v) or v <= 0:
            raise InputFileError(p, f"not a positive RR value: {fields[rr_col][:30]!r}", line=lineno)
        rr.append(v)
        times.append(fields[t_col])
        gaps.append(
            gap_col is not None and len(fields) > gap_col and fields[gap_col] in ("1", "true", "True")
        )
    if not rr:
        raise _empty(p, "the file has a header only")
    rr_ms, unit = _rr_from_values(rr)
    for k, v in enumerate(rr_ms.tolist()):
        problem = rr_problem(v)
        if problem is not None:
            raise InputFileError(p, f"{problem}: {rr[k]:g} {unit}", line=lines[k + 1][0])
    try:
        t = np.asarray([float(x) for x in times], dtype=np.float64)
        time_kind = "number"
    except ValueError:
        time_kind = "iso"
    if time_kind == "iso":
        try:
            walls = [_parse_time(x) for x in times]
        except ValueError:
            bad = next(i for i, x in enumerate(times) if not _is_time(x))
            raise InputFileError(
                p,
                f"not a time vagal reads: {times[bad][:30]!r}",
                line=lines[bad + 1][0],
                hint="Times may be ISO dates (2026-11-24 07:30:00.250), seconds or Unix time; "
                "or delete the time column, and the RR values are read alone.",
            ) from None
        return _recording_from_timed(
            p, "csv-time", rr_ms.tolist(), walls, {"unit_in_file": unit}, lines=[n for n, _ in lines[1:]]
        )
    if not np.all(np.isfinite(t)):
        k = int(np.flatnonzero(~np.isfinite(t))[0])
        raise InputFileError(p, f"not a time: {times[k][:30]!r}", line=lines[k + 1][0])
    # Numbers: ms when the spacing of times matches RR in ms, else seconds.
    scale = 1000.0 if t.size > 1 and float(np.median(np.diff(t))) > 10.0 else 1.0
    meta: dict[str, Any] = {"unit_in_file": unit}
    if t.size and t[0] / scale > _LATEST_EPOCH_S:
        raise InputFileError(
            p,
            f"not a time vagal reads: {times[0][:30]!r} (beyond any date, as Unix time or seconds)",
            line=lines[1][0],
            hint="Times may be ISO dates, seconds or Unix time; or delete the time column, "
            "and the RR values are read alone.",
        )
    if t.size and t[0] / scale > _EPOCH_LIMIT_S:
        # Unix time: keep the start as a date, and times from the first beat's start
        # (subtracted before scaling, so no precision is lost to the large numbers).
        origin = float(t[0]) - float(rr_ms[0]) / 1000.0 * scale
        meta["start"] = datetime.fromtimestamp(origin / scale).astimezone().isoformat()
        t = t - origin
    t = t / scale
    breaks = np.asarray(gaps, dtype=np.bool_)
    if gap_col is None and t.size > 1:
        expected = rr_ms[1:] / 1000.0
        breaks[1:] = np.diff(t) - expected > MAX_LAG_S
    rows = [n for n, _ in lines[1:]]
    shared = int(np.count_nonzero(np.diff(t) == 0)) if t.size > 1 else 0
    if gap_col is None and shared > max(1, _COARSE_SHARE * (t.size - 1)):
        # Coarse times (whole seconds: beats share a time stamp) are a log's clock, as a
        # phone's are: the RR values place the beats, the times only the lost stretches.
        # Taken as beat times they made every spectrum "0.0 min without a gap".
        problems: list[tuple[int, str]] = []
        t_beats, breaks = beat_times_from_arrivals(rr_ms, t - t[0], problems=problems)
        t = t_beats - t_beats[0] + t[0]
        damage = [Damage(rows[i], reason) for i, reason in problems]
    else:
        # Beat times: a copied row, or a time out of line or going back, costs that row
        # (the session reader's checks), not the file (it was "times go backwards").
        from vagal.sessions.reader import check_beat_times

        rr_ms, t, breaks, damage = check_beat_times(rr_ms, t, breaks, rows)
        if rr_ms.size == 0:
            raise _empty(p, "no row holds a readable beat")
    return from_rr(p, "csv-time", rr_ms, t_s=t, breaks=breaks, meta=meta, damage=tuple(damage))


def _is_time(text: str) -> bool:
    try:
        _parse_time(text)
    except ValueError:
        return False
    return True


# --- WFDB ----------------------------------------------------------------------------------------


_WFDB_BEATS: Final = frozenset("NLRBAaJSVrFejnE/fQ?")
"""WFDB annotation symbols that are beats (the rest are rhythm, noise and comment labels)."""
_MIT_SYMBOLS: Final = {
    1: "N", 2: "L", 3: "R", 4: "a", 5: "V", 6: "F", 7: "J", 8: "A", 9: "S", 10: "E", 11: "j",
    12: "/", 13: "Q", 14: "~", 16: "|", 18: "s", 19: "T", 20: "*", 21: "D", 22: '"', 23: "=",
    24: "p", 25: "B", 26: "^", 27: "t", 28: "+", 29: "u", 30: "?", 31: "!", 32: "[", 33: "]",
    34: "e", 35: "n", 36: "@", 37: "x", 38: "f", 39: "(", 40: ")", 41: "r",
}
"""MIT annotation code -> WFDB symbol (WFDB ``ecgcodes.h``)."""


def _wfdb_annotation_file(path: Path) -> tuple[Path, str] | None:
    """(record path without extension, annotation extension) for a WFDB header or annotation file."""
    if path.suffix == ".hea":
        for ext in _WFDB_EXTENSIONS:
            if path.with_suffix(f".{ext}").is_file():  # never a pipe: is_file() is a regular file
                return path.with_suffix(""), ext
        return None
    ext = path.suffix.lstrip(".")
    if ext in _WFDB_EXTENSIONS or path.with_suffix(".hea").is_file():
        return path.with_suffix(""), ext
    return None


def _is_record_line(line: str) -> bool:
    """A WFDB header's record line: name, number of signals, then optionally the sampling
    frequency (``360``, ``250/1000(0)``) and more (WFDB Applications Guide, header(5))."""
    tokens = line.split(maxsplit=3)
    if len(tokens) < 2 or not tokens[1].isdigit():
        return False
    return len(tokens) < 3 or tokens[2][:1].isdigit() or tokens[2][:1] == "."


def _wfdb_record_line(head: bytes) -> str | None:
    """The record line of a WFDB header (the first line that is not a ``#`` comment)."""
    for line in head.decode("utf-8", "replace").splitlines():
        line = line.strip().lstrip("\ufeff")
        if line and not line.startswith("#"):
            return line if _is_record_line(line) else None
    return None


def sniff_wfdb(head: bytes, path: Path | None = None) -> bool:
    """A WFDB header (``.hea``), or an annotation file (binary, beside a ``.hea`` or of a known kind)."""
    if path is None:
        return False
    if path.suffix == ".hea":
        return _wfdb_record_line(head) is not None
    is_text = True
    try:
        head.decode("utf-8")
    except UnicodeDecodeError:
        is_text = False
    return (not is_text or b"\x00" in head) and _wfdb_annotation_file(path) is not None


_MIT_BEAT_CODES: Final = frozenset({1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 25, 30, 34, 35, 38, 41})
"""MIT annotation codes that are beats (WFDB ``ecgcodes.h``): N L R a V F J A S E j / Q B ? e n f r.
The rest are rhythm, signal-quality and comment labels. The same set as ``_WFDB_BEATS``."""
_MIT_SKIP, _MIT_NUM, _MIT_SUB, _MIT_CHN, _MIT_AUX = 59, 60, 61, 62, 63
_WFDB_DEFAULT_FS_HZ: Final = 250.0
"""The sampling frequency a WFDB header implies when it names none (header(5))."""
_TIME_RESOLUTION: Final = re.compile(r"## time resolution: ([0-9.eE+]+)")


def read_mit_annotations(data: bytes) -> tuple[list[int], list[int], float | None]:
    """Parse a WFDB annotation file in MIT format (WFDB Applications Guide, annot(5)).

    Each annotation is a 16-bit little-endian word: the top 6 bits its code, the low 10
    bits the samples since the previous one. Code 59 (SKIP) adds the 32-bit interval in the
    next two words (high half first); codes 60-62 (NUM, SUB, CHN) qualify the annotation
    before them; 63 (AUX) carries that many bytes of text (padded to even), where a writer
    may store ``## time resolution: 360``. A zero word ends the file.

    vagal reads the format itself, in one linear pass: wfdb's reader loops forever on an
    auxiliary note that starts with "## " and says nothing it knows (a damaged file hung
    every command), and raises bare exceptions on others.

    Returns:
        ``(samples, codes, fs)``: the annotations' sample numbers and codes, and the
        sampling frequency the file states (None when it states none).

    Raises:
        ValueError: The file is cut inside an annotation (the message says where).
    """
    n = len(data) // 2
    words: list[int] = np.frombuffer(data[: 2 * n], dtype="<u2").tolist()  # little-endian on any machine
    samples: list[int] = []
    codes: list[int] = []
    fs: float | None = None
    t = 0
    i = 0
    while i < n:
        w = words[i]
        code, interval = w >> 10, w & 0x3FF
        if w == 0:
            break
        if code == _MIT_SKIP:
            if i + 2 >= n:
                raise ValueError(f"cut short inside a SKIP at byte {2 * i}")
            skip = (words[i + 1] << 16) | words[i + 2]
            t += skip - (1 << 32) if skip >= 1 << 31 else skip
            i += 3
            continue
        if code in (_MIT_NUM, _MIT_SUB, _MIT_CHN):
            i += 1
            continue
        if code == _MIT_AUX:
            start = 2 * (i + 1)
            if start + interval > 2 * n:
                raise ValueError(f"cut short inside a note at byte {start}")
            note = data[start : start + interval].decode("latin-1")
            found = _TIME_RESOLUTION.match(note)
            if found is not None and fs is None:
                try:
                    fs = float(found.group(1))
                except ValueError:
                    fs = None
            i += 1 + (interval + 1) // 2
            continue
        t += interval
        samples.append(t)
        codes.append(code)
        i += 1
    return samples, codes, fs


def _header_fs(path: Path) -> float | None:
    """The sampling frequency a WFDB header states (its record line's third field), if readable."""
    try:
        head = read_file(path)[:HEAD_BYTES_WFDB]
    except InputFileError:
        return None
    line = _wfdb_record_line(head)
    if line is None:
        return None
    tokens = line.split()
    if len(tokens) < 3:
        return _WFDB_DEFAULT_FS_HZ
    try:
        return float(tokens[2].split("/")[0].split("(")[0])
    except ValueError:
        return None


HEAD_BYTES_WFDB: Final = 8192


def read_wfdb(path: str | Path) -> Recording:
    """Read WFDB beat annotations (MIT format; no package needed).

    Given a header (``100.hea``), the record's beat annotations beside it are read, the
    reference ones (``100.atr``) first, else those of a QRS detector (``_WFDB_EXTENSIONS``).
    The sampling frequency is the annotation file's own, else the header's. An interval
    over a minute between two annotated beats is a stretch without beats (signal lost),
    not a beat: it is left out, with a break in its place.
    """
    p = Path(path)
    found = _wfdb_annotation_file(p)
    if found is None:
        looked = ", ".join(f"{p.stem}.{ext}" for ext in _WFDB_EXTENSIONS[:6])
        raise InputFileError(
            str(path),
            f"is a WFDB header, and no beat annotations lie beside it (looked for {looked} and others)",
            hint="Put the record's annotation file beside it, or give vagal that file.",
        )
    record, ext = found
    ann_path = record.with_suffix(f".{ext}")
    try:
        sample_list, code_list, fs = read_mit_annotations(read_file(ann_path))
    except ValueError as exc:
        raise InputFileError(str(ann_path), f"is not a readable WFDB annotation file ({exc})") from None
    header = record.with_suffix(".hea")
    if fs is None and header.is_file():
        fs = _header_fs(header)
        if fs is None:
            raise InputFileError(
                str(header), "is not a readable WFDB header (no record line with a sampling frequency)"
            )
    if fs is None:
        raise InputFileError(
            str(path),
            "is a WFDB annotation file without its header, so the sampling frequency is unknown",
            hint=f"Put the record's header ({header.name}) beside it.",
        )
    if not (math.isfinite(fs) and 0 < fs <= 1e6):
        raise InputFileError(str(path), f"the sampling frequency {fs:g} Hz is not one a recording has")
    ann = types.SimpleNamespace(sample=sample_list, symbol=[_MIT_SYMBOLS.get(c, "") for c in code_list])
    samples = np.asarray(ann.sample, dtype=np.float64)
    is_beat = np.asarray([sym in _WFDB_BEATS for sym in ann.symbol], dtype=np.bool_)
    beat_t = samples[is_beat] / fs
    if beat_t.size < 2:
        raise _empty(str(path), "fewer than two beats annotated")
    rr_ms = np.diff(beat_t) * 1000.0
    if np.any(rr_ms <= 0):
        k = int(np.flatnonzero(rr_ms <= 0)[0]) + 1
        raise InputFileError(str(path), f"the beat annotations are not in time order (beat {k + 1})")
    t = beat_t[1:]
    symbols = [s for s, b in zip(ann.symbol, is_beat.tolist(), strict=True) if b][1:]
    meta = {"fs_hz": fs, "annotation": ext, "non_normal_beats": sum(s != "N" for s in symbols)}
    keep = (rr_ms <= MAX_RR_MS) & (rr_ms >= MIN_RR_MS)
    breaks = np.zeros(rr_ms.size, dtype=np.bool_)
    damage: tuple[Damage, ...] = ()
    if not keep.all():
        # A minute or more between annotated beats: the signal was lost there (a gap).
        after = np.flatnonzero(~keep) + 1
        breaks[after[after < rr_ms.size]] = True
        meta["intervals_left_out"] = int(np.count_nonzero(~keep))
        first = int(np.flatnonzero(~keep)[0])
        damage = (
            Damage(
                first + 2,
                f"{int(np.count_nonzero(~keep))} interval(s) between annotated beats over a minute "
                f"or under a millisecond (the first ends at {t[first]:.0f} s): left out as gaps",
            ),
        )
        rr_ms, t, breaks = rr_ms[keep], t[keep], breaks[keep]
        if rr_ms.size == 0:
            raise _empty(str(path), "no two annotated beats are less than a minute apart")
        breaks[0] = False
    return from_rr(str(path), "wfdb", rr_ms, t_s=t, breaks=breaks, meta=meta, damage=damage)
