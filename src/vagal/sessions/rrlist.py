"""Plain RR lists: one interval per line, milliseconds or seconds, optional header.

This is what Kubios and Elite HRV export, and what ``../shared/data`` holds. Units are
detected from the values (a median below 10 means seconds). Blank lines and ``#``
comments are skipped. A line that is not a number (other than a first-line header) is
an error naming the file and the line.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Final

import numpy as np

from vagal.errors import InputFileError
from vagal.sessions.codec import MAX_RR_MS, MIN_RR_MS
from vagal.sessions.importers import _RR_NAMES, _SECONDS_MEDIAN_LIMIT, _norm, _rr_from_values
from vagal.sessions.recording import MAX_BEATS, Recording, from_rr, read_file, rr_problem

_SEPARATORS: Final = ",;\t"
_ONE_LINE_SEP: Final = re.compile(r"\s*[,;\t ]\s*|\s+")
"""Between values written on one line (three or more of them)."""
_COMMA_DECIMAL: Final = re.compile(r"\d+,\d+")


def read_rr_list(path: str | Path, text: str | None = None) -> Recording:
    """Read a plain RR list.

    Values are converted by numpy in one go (a Python loop per value took 14 µs each:
    70 s for a 20 MB file); a line is looked at by itself only to name the one that
    cannot be read. A file of more than :data:`MAX_BEATS` values is refused before it is
    parsed: it is not one recording, and reading it once took 9.5 GB.

    Args:
        path: The file (used for messages; read unless ``text`` is given).
        text: The file's content, if already read.

    Returns:
        A Recording with format "rr-list" (RR in ms).

    Raises:
        InputFileError: Unreadable file, a non-numeric line, no values at all, or more
            values than a week of heartbeats.
    """
    p = str(path)
    if text is None:
        try:
            text = read_file(path).decode("utf-8-sig")
        except UnicodeDecodeError:
            raise InputFileError(p, "is not a text file") from None
    _check_count(p, text)
    lines = text.splitlines()
    keep = [i for i, raw in enumerate(lines) if raw.strip() and not raw.lstrip().startswith("#")]
    if not keep:
        raise InputFileError(p, "no RR values found", line=None)
    rows: list[tuple[int, str]]
    one_line = _ONE_LINE_SEP.split(lines[keep[0]].strip()) if len(keep) == 1 else []
    if len(one_line) >= 3 and _is_number(one_line[0]):
        # Every value on one line ("859,867,883…"): one row per value, same line number.
        lineno = keep[0] + 1
        header = None
        fields = one_line
        linenos: list[int] | None = None
        rows_text = one_line
        first_line = lineno
    else:
        first = lines[keep[0]].strip()
        header = first if not _is_number(_first_field(first)) else None
        data_idx = keep[1:] if header is not None else keep
        rows = [(i + 1, lines[i].strip()) for i in data_idx]
        col = _rr_column(header)
        comma_decimal = _comma_decimal(header, rows)
        if comma_decimal:
            fields = [line.replace(",", ".") for _, line in rows]
        elif col is None:
            fields = [_first_field(line) if _has_separator(line) else line for _, line in rows]
        else:
            fields = []
            for _, line in rows:
                parts = re.split(f"[{_SEPARATORS}]", line)
                fields.append(parts[col].strip().strip('"') if col < len(parts) else "")
        linenos = [n for n, _ in rows]
        rows_text = [line for _, line in rows]
        first_line = 0
    if not fields:
        raise InputFileError(p, "no RR values found", line=None)

    def where(k: int) -> int:
        return linenos[k] if linenos is not None else first_line

    try:
        values = np.asarray(fields, dtype=np.float64)
    except (ValueError, OverflowError):
        k = next((k for k, f in enumerate(fields) if not _numpy_number(f)), 0)
        raise InputFileError(p, f"not an RR value: {rows_text[k][:40]!r}", line=where(k)) from None
    bad = ~np.isfinite(values) | (values <= 0)
    if bad.any():
        k = int(np.flatnonzero(bad)[0])
        raise InputFileError(p, f"not a positive RR value: {rows_text[k][:40]!r}", line=where(k))
    rr, unit = _rr_from_values(values)
    over = (rr > MAX_RR_MS) | (rr < MIN_RR_MS)
    if over.any():
        k = int(np.flatnonzero(over)[0])
        raise InputFileError(p, f"{rr_problem(float(rr[k]))}: {float(rr[k]):g} ms", line=where(k))
    return from_rr(p, "rr-list", rr, meta={"unit_in_file": unit})


def _numpy_number(field: str) -> bool:
    try:
        np.asarray([field], dtype=np.float64)
    except (ValueError, OverflowError):
        return False
    return True


def _check_count(path: str, text: str) -> None:
    """Refuse a file with more values than one recording can hold, before parsing it.

    Counting separators is C-fast and needs no memory; parsing 40 million values first
    took minutes and gigabytes only to find the file was not one recording.
    """
    estimate = max(text.count(sep) for sep in ("\n", ",", ";", "\t", " ")) + 1
    if estimate > MAX_BEATS:
        raise InputFileError(
            path,
            f"holds about {estimate:,} values, more than a week of heartbeats "
            f"(vagal reads one recording of up to {MAX_BEATS:,} beats)",
            hint="Split it into the recordings it holds.",
        )


def _has_separator(line: str) -> bool:
    return "," in line or ";" in line or "\t" in line


def _first_field(line: str) -> str:
    return line.split(",")[0].split(";")[0].split("\t")[0].strip()


def _is_number(text: str) -> bool:
    try:
        float(text)
    except (ValueError, OverflowError):
        return False
    return True


def _rr_column(header: str | None) -> int | None:
    """The RR column named in a header of several columns ("hr,rr"); None: the first field."""
    if header is None:
        return None
    names = [_norm(n) for n in re.split(f"[{_SEPARATORS}]", header)]
    return next((names.index(n) for n in _RR_NAMES if n in names), None)


def _comma_decimal(header: str | None, data: list[tuple[int, str]]) -> bool:
    """True when every value is written with a decimal comma ("0,859", "812,5").

    A line "859,70" without a header could also be two columns (RR and heart rate): it
    is a decimal comma only in seconds (no RR is 0–9 ms) or under a header without commas.
    """
    if not data or not all(_COMMA_DECIMAL.fullmatch(line) for _, line in data):
        return False
    if header is not None:
        return "," not in header
    return all(int(line.split(",")[0]) < _SECONDS_MEDIAN_LIMIT for _, line in data)
