"""Ways a real file gets damaged, as plain functions of the bytes and a few drawn numbers.

Each operator takes the file's bytes and two draws in [0, 1) (where, and which variant)
and returns the damaged bytes. Hypothesis draws the operators and numbers in tests/fuzz/;
``benchmarks/fuzz.py`` draws them from a seeded ``random.Random``: the same damage both ways.

The list follows what the damaged-input review found and what a disk, a phone or a person does to a file:
a line lost, doubled or swapped, a cut at any byte (kill -9, a full disk), a flipped byte,
zero bytes from a power cut, a number replaced by one no reader expects (1e999, a 400-digit
integer, NaN, a negative, null, text), 100,000 nested brackets, a time moved by 1.5 h, a
time zone added or removed, a date in year 1 or 9999, every time set to one value, CRLF
line ends, a byte-order mark, escape sequences, and a block of lines copied.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Final

EXTREME_VALUES: Final = (
    "1e999", "-1e999", "NaN", "Infinity", "-Infinity", "-0", "0", "9" * 400, "1e20", "-1e12", "6e5",
    "65535", "63999.0", "1e308", "-1", "1.5", "null", "true", '"x"', "[]", "{}", '"\\u001b[2J"', "0.0001",
    "86400", "2147483648", '""', "1e-320",
)
"""Values put where a number (or any JSON value) was."""

_NUMBER: Final = re.compile(rb"-?\d+(\.\d+)?([eE][-+]?\d+)?")
_ISO: Final = re.compile(rb"(\d{4})-(\d\d)-(\d\d)[T ](\d\d):(\d\d):(\d\d)(\.\d+)?(Z|[+-]\d\d:\d\d)?")
_JSON_VALUE: Final = re.compile(rb'("[a-z_]+":)(-?[\d.eE+-]+|"[^"]*"|true|false|null)')


def _lines(data: bytes) -> list[bytes]:
    return data.split(b"\n")


def _pick(n: int, where: float) -> int:
    return min(int(where * n), n - 1) if n else 0


def drop_line(data: bytes, where: float, which: float) -> bytes:
    lines = _lines(data)
    if len(lines) > 1:
        del lines[_pick(len(lines), where)]
    return b"\n".join(lines)


def dup_line(data: bytes, where: float, which: float) -> bytes:
    lines = _lines(data)
    k = _pick(len(lines), where)
    lines.insert(k, lines[k])
    return b"\n".join(lines)


def dup_block(data: bytes, where: float, which: float) -> bytes:
    lines = _lines(data)
    k = _pick(len(lines), where)
    n = 1 + int(which * 60)
    block = lines[k : k + n]
    return b"\n".join(lines[: k + n] + block + lines[k + n :])


def swap_lines(data: bytes, where: float, which: float) -> bytes:
    lines = _lines(data)
    k = _pick(len(lines) - 1, where)
    if len(lines) > 1:
        lines[k], lines[k + 1] = lines[k + 1], lines[k]
    return b"\n".join(lines)


def truncate(data: bytes, where: float, which: float) -> bytes:
    return data[: _pick(len(data) + 1, where)]


def flip_byte(data: bytes, where: float, which: float) -> bytes:
    if not data:
        return data
    k = _pick(len(data), where)
    return data[:k] + bytes([int(which * 256)]) + data[k + 1 :]


def insert_junk(data: bytes, where: float, which: float) -> bytes:
    junk = (b"\x00" * 300, b"\x1b]0;title\x07\x1b[2J", b"\xff\xfe\xfd", b"\r", b";;;,,,", b"\t\t", b"#", b"{")
    k = _pick(len(data) + 1, where)
    return data[:k] + junk[_pick(len(junk), which)] + data[k:]


def extreme_number(data: bytes, where: float, which: float) -> bytes:
    """One number anywhere in the file replaced by a value no reader expects."""
    found = list(_NUMBER.finditer(data))
    if not found:
        return data
    m = found[_pick(len(found), where)]
    value = EXTREME_VALUES[_pick(len(EXTREME_VALUES), which)].encode()
    return data[: m.start()] + value + data[m.end() :]


def json_value(data: bytes, where: float, which: float) -> bytes:
    """One JSON field's value (in a session line or the header) replaced by an odd one."""
    found = list(_JSON_VALUE.finditer(data))
    if not found:
        return extreme_number(data, where, which)
    m = found[_pick(len(found), where)]
    value = EXTREME_VALUES[_pick(len(EXTREME_VALUES), which)].encode()
    return data[: m.start(2)] + value + data[m.end(2) :]


def deep_nesting(data: bytes, where: float, which: float) -> bytes:
    """A line replaced by 100,000 '[' (or the file cut there, when ``which`` > 0.5)."""
    lines = _lines(data)
    k = _pick(len(lines), where)
    lines[k] = b"[" * 100_000
    return b"\n".join(lines[: k + 1] if which > 0.5 else lines)


def shift_time(data: bytes, where: float, which: float) -> bytes:
    """One time moved by up to ±1.5 h (an ISO time, or a JSON "t")."""
    seconds = (which - 0.5) * 2 * 5400
    isos = list(_ISO.finditer(data))
    ts = list(re.finditer(rb'"t":(-?[\d.eE+-]+)', data))
    if ts and (not isos or which < 0.5):
        m = ts[_pick(len(ts), where)]
        try:
            new = repr(float(m.group(1)) + seconds).encode()
        except ValueError:
            return data
        return data[: m.start(1)] + new + data[m.end(1) :]
    if not isos:
        return extreme_number(data, where, which)
    m = isos[_pick(len(isos), where)]
    hour = (int(m.group(4)) + (1 if seconds > 0 else 23)) % 24
    return data[: m.start(4)] + f"{hour:02d}".encode() + data[m.end(4) :]


def toggle_zone(data: bytes, where: float, which: float) -> bytes:
    """One ISO time gets a zone it lacked, or loses the one it had."""
    isos = list(_ISO.finditer(data))
    if not isos:
        return data
    m = isos[_pick(len(isos), where)]
    if m.group(8):
        return data[: m.start(8)] + data[m.end(8) :]
    return data[: m.end()] + (b"+01:00" if which < 0.5 else b"Z") + data[m.end() :]


def odd_date(data: bytes, where: float, which: float) -> bytes:
    """A date in year 1 or 9999 (one of them, or every one when ``which`` > 0.5)."""
    isos = list(_ISO.finditer(data))
    year = b"0001" if int(which * 10) % 2 else b"9999"
    if not isos:
        return re.sub(rb"Date=\d{8}", b"Date=" + year + b"1231", data)
    if which > 0.5:
        return _ISO.sub(lambda m: year + m.group(0)[4:], data)
    m = isos[_pick(len(isos), where)]
    return data[: m.start(1)] + year + data[m.end(1) :]


def one_time(data: bytes, where: float, which: float) -> bytes:
    """Every "t" (or every ISO time) set to the same value."""
    if b'"t":' in data:
        return re.sub(rb'"t":-?[\d.eE+-]+', b'"t":100.0', data)
    isos = list(_ISO.finditer(data))
    if not isos:
        return data
    first = isos[0].group(0)
    return _ISO.sub(lambda m: first, data)


def crlf(data: bytes, where: float, which: float) -> bytes:
    return data.replace(b"\n", b"\r\n")


def bom(data: bytes, where: float, which: float) -> bytes:
    return b"\xef\xbb\xbf" + data


OPERATORS: Final[dict[str, Callable[[bytes, float, float], bytes]]] = {
    f.__name__: f
    for f in (
        drop_line, dup_line, dup_block, swap_lines, truncate, flip_byte, insert_junk, extreme_number,
        json_value, deep_nesting, shift_time, toggle_zone, odd_date, one_time, crlf, bom,
    )
}
"""Every operator, by name."""

Damage = tuple[str, float, float]
"""One operator's name and its two draws."""


def mutate(data: bytes, damages: list[Damage]) -> bytes:
    """``data`` with each damage applied in turn."""
    for name, where, which in damages:
        data = OPERATORS[name](data, where, which)
    return data
