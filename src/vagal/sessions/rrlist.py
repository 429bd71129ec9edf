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
from vagal.sessions.importers import _RR_NAMES, _SECONDS_MEDIAN_LIMIT, _norm, _rr_from_values
from vagal.sessions.recording import Recording, from_rr, read_file, rr_problem

_SEPARATORS: Final = ",;\t"
_ONE_LINE_SEP: Final = re.compile(r"\s*[,;\t ]\s*|\s+")
"""Between values written on one line (three or more of them)."""
_COMMA_DECIMAL: Final = re.compile(r"\d+,\d+")


def read_rr_list(path: str | Path, text: str | None = None) -> Recording:
    """Read a plain RR list.

    Args:
        path: The file (used for messages; read unless ``text`` is given).
        text: The file's content, if already read.

    Returns:
        A Recording with format "rr-list" (RR in ms).

    Raises:
        InputFileError: Unreadable file, a non-numeric line, or no values at all.
    """
    p = str(path)
    if text is None:
        try:
            text = read_file(path).decode("utf-8-sig")
        except UnicodeDecodeError:
            raise InputFileError(p, "is not a text file") from None
    rows = [
        (lineno, raw.strip())
        for lineno, raw in enumerate(text.splitlines(), start=1)
        if raw.strip() and not raw.strip().startswith("#")
    ]
    one_line = _ONE_LINE_SEP.split(rows[0][1]) if len(rows) == 1 else []
    if len(one_line) >= 3 and _is_number(one_line[0]):
        # Every value on one line ("859,867,883…"): one row per value, same line number.
        rows = [(rows[0][0], f) for f in one_line]
    header = rows[0][1] if rows and not _is_number(_first_field(rows[0][1])) else None
    data = rows[1:] if header is not None else rows
    col = _rr_column(header)
    comma_decimal = _comma_decimal(header, data)
    values: list[float] = []
    linenos: list[int] = []
    for lineno, line in data:
        if comma_decimal:
            field = line.replace(",", ".")
        elif col is None:
            field = _first_field(line)
        else:
            fields = re.split(f"[{_SEPARATORS}]", line)
            field = fields[col].strip().strip('"') if col < len(fields) else ""
        try:
            v = float(field)
        except ValueError:
            raise InputFileError(p, f"not an RR value: {line[:40]!r}", line=lineno) from None
        if not np.isfinite(v) or v <= 0:
            raise InputFileError(p, f"not a positive RR value: {line[:40]!r}", line=lineno)
        values.append(v)
        linenos.append(lineno)
    if not values:
        raise InputFileError(p, "no RR values found", line=None)
    rr, unit = _rr_from_values(values)
    for v, lineno in zip(rr.tolist(), linenos, strict=True):
        problem = rr_problem(v)
        if problem is not None:
            raise InputFileError(p, f"{problem}: {v:g} ms", line=lineno)
    return from_rr(p, "rr-list", rr, meta={"unit_in_file": unit})


def _first_field(line: str) -> str:
    return line.split(",")[0].split(";")[0].split("\t")[0].strip()


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
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
