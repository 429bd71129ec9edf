"""Whatever a file holds, reading it gives a Recording or one clear InputFileError, never a traceback.

Hypothesis writes files that start like each supported format and continue with noise
(and plain random bytes); ``load_recording`` must answer every one of them calmly.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from vagal.errors import InputFileError
from vagal.sessions import load_recording
from vagal.sessions.recording import Recording

HEADS = [
    "",
    '{"format":"vagal-session","format_version":1,"start":"2026-11-24T07:30:00+01:00"}\n',
    "Phone timestamp;RR-interval [ms]\n",
    "Phone timestamp;HR [bpm];HRV [ms];Breathing interval [rpm];\n",
    "Phone Data RX timestamp;PP-interval [ms];error estimate [ms];blocker;contact;contact;hr [bpm]\n",
    "[Params]\nInterval=238\n[HRData]\n",
    "event,value,timestamp\n",
    "t_s,rr_ms,hr_bpm,gap_before,segment\n",
    "date,rr,since start\n",
    "rr_ms\n",
]

LINE = st.one_of(
    st.text(alphabet="0123456789.;,:-T +\t", max_size=40),
    st.from_regex(r"2026-11-24T07:3\d:\d\d\.\d{3};-?\d{1,4}", fullmatch=True),
    st.from_regex(r"InterBeatInterval,\d{1,4},2026-11-24T07:30:\d\d\.\d{6}", fullmatch=True),
    st.from_regex(r'\{"t":\d{1,3}(\.\d)?,"type":"(beat|gap|marker|raw)"(,"rr_ms":\d{3,4})?\}', fullmatch=True),
    st.from_regex(r'\{"t":(NaN|-1|Infinity),"type":"beat","rr_ms":(NaN|0|-800|900)\}', fullmatch=True),
    st.text(max_size=30),
)


def _check(path: Path) -> None:
    try:
        rec = load_recording(path)
    except InputFileError as exc:
        assert "\n" not in str(exc)
        assert str(exc).startswith(str(path))
        return
    assert isinstance(rec, Recording)
    assert rec.rr_ms.shape == rec.t_s.shape == rec.breaks.shape
    assert np.all(np.isfinite(rec.rr_ms)) and np.all(rec.rr_ms > 0)
    assert np.all(np.isfinite(rec.t_s))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(head=st.sampled_from(HEADS), lines=st.lists(LINE, max_size=12))
@example(head="rr_ms\n", lines=["-5", "800"])
@example(head="", lines=["800", "0", "810"])
@example(head=HEADS[1], lines=['{"t":NaN,"type":"beat","rr_ms":800}'])
@example(head=HEADS[1], lines=['{"t":1,"type":"beat","rr_ms":-800}'])
@example(head=HEADS[2], lines=["2026-11-24T07:30:01.000;0", "2026-11-24T07:30:02.000;800"])
@example(head=HEADS[6], lines=["1.0,800,75,0,", "nan,800,75,0,"])
@example(head=HEADS[5], lines=["InterBeatInterval,-800,2026-11-24T07:30:01.000000"])
def test_text_files_never_crash_the_reader(tmp_path: Path, head: str, lines: list[str]) -> None:
    path = tmp_path / "f.txt"
    path.write_text(head + "\n".join(lines), encoding="utf-8")
    _check(path)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=200))
def test_random_bytes_never_crash_the_reader(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "f.bin"
    path.write_bytes(data)
    _check(path)


@pytest.mark.parametrize("name", ["x.atr", "x.hea"])
def test_wfdb_lookalikes_without_a_record(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_bytes(b"\x00\x01garbage" if name.endswith("atr") else b"x 0 250 100\n")
    _check(path)
