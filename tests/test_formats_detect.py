"""Detectors do not confuse each other: a file of every format against every detector.

The samples are built from the real beats (../shared/data) in each tool's layout, as in
tests/test_formats_import.py; the damaged session fixtures must still be seen as sessions.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

from tests.conftest import real_recordings
from vagal.sessions.formats import FORMATS, HEAD_BYTES, detect_format

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "sessions"


def _samples(folder: Path, rr_ms: npt.NDArray[np.float64]) -> dict[str, Path]:
    from vagal.sessions.export import write_csv, write_rr_column, write_session
    from vagal.sessions.recording import from_rr

    rr = rr_ms[:120]
    t = np.cumsum(rr) / 1000.0
    rec = from_rr("real.csv", "rr-list", rr)
    iso = [f"2026-11-24T07:{30 + int(x) // 60:02d}:{int(x) % 60:02d}.{int(x * 1000) % 1000:03d}" for x in t]
    out: dict[str, Path] = {}

    def put(name: str, fmt: str, text: str) -> None:
        p = folder / name
        p.write_text(text)
        out[fmt] = p

    out["vagal"] = write_session(rec, folder / "s.vagal.jsonl")
    put("x_RR.txt", "polar-sensor-logger-rr",
        "Phone timestamp;RR-interval [ms]\n" + "".join(f"{a};{int(v)}\n" for a, v in zip(iso, rr, strict=True)))
    put("x_HR.txt", "polar-sensor-logger-hr",
        "Phone timestamp;HR [bpm];HRV [ms];Breathing interval [rpm];\n"
        + "".join(f"{a};{round(60000 / v)};;;{int(v)}\n" for a, v in zip(iso, rr, strict=True)))
    put("x_PPI.txt", "polar-sensor-logger-ppi",
        "Phone Data RX timestamp;PP-interval [ms];error estimate [ms];blocker;contact;contact;hr [bpm]\n"
        + "".join(f"{a};{int(v)};6;0;1;1;{round(60000 / v)}\n" for a, v in zip(iso, rr, strict=True)))
    put("x.hrm", "polar-hrm", "[Params]\nVersion=106\nInterval=238\n\n[HRData]\n" + "".join(f"{int(v)}\n" for v in rr))
    put("flow.csv", "polar-flow-csv",
        "Name,Sport,Date,Start time,Duration\nA,RUNNING,24-11-2026,07:30:00,00:02:00\nSample rate,Time,HR (bpm)\n1,00:00:00,70\n")
    put("openhrv.csv", "openhrv",
        "event,value,timestamp\n" + "".join(f"InterBeatInterval,{int(v)},{a}\n" for a, v in zip(iso, rr, strict=True)))
    from tests.fixtures.movesense.make_fixtures import android, ios

    put("movesense_HeartRate.csv", "movesense-hr", ios(rr.tolist()))
    put("movesense_android_HeartRate.csv", "movesense-hr-android", android(rr.tolist()))
    out["csv-time"] = write_csv(rec, folder / "export.csv")
    out["rr-list"] = write_rr_column(rec, folder / "kubios.txt")
    import wfdb

    samples = np.round(np.concatenate(([0.0], np.cumsum(rr)))).astype(np.int64)
    wfdb.wrann("rec", "atr", samples, symbol=["N"] * samples.size, fs=1000, write_dir=str(folder))
    (folder / "rec.hea").write_text(f"rec 0 1000 {int(samples[-1]) + 1}\n")
    out["wfdb"] = folder / "rec.atr"
    return out


def _claims(path: Path) -> list[str]:
    head = path.read_bytes()[:HEAD_BYTES]
    return [f.name for f in FORMATS if f.sniff(head, path)]


def test_every_format_has_a_sample() -> None:
    names = {f.name for f in FORMATS}
    assert names == {
        "vagal", "wfdb", "polar-sensor-logger-rr", "polar-sensor-logger-hr", "polar-sensor-logger-ppi", "polar-hrm",
        "polar-flow-csv", "openhrv", "movesense-hr", "csv-time", "rr-list",
    }


def test_exactly_one_detector_claims_each_file(tmp_path: Path, nsr_5min: npt.NDArray[np.float64]) -> None:
    samples = _samples(tmp_path, nsr_5min)
    assert set(samples) - {"movesense-hr-android"} == {f.name for f in FORMATS}
    for fmt, path in samples.items():
        assert _claims(path) == [fmt.removesuffix("-android")], (fmt, path.name)


def test_names_do_not_decide(tmp_path: Path, nsr_5min: npt.NDArray[np.float64]) -> None:
    """Renamed to a neutral name, every text format is still recognised by its content."""
    for fmt, path in _samples(tmp_path, nsr_5min).items():
        if fmt == "wfdb":
            continue  # a binary annotation file is found through its record's .hea
        neutral = tmp_path / f"renamed-{fmt}.dat"
        neutral.write_bytes(path.read_bytes())
        assert detect_format(neutral) == fmt.removesuffix("-android")


@pytest.mark.parametrize("path", real_recordings(), ids=lambda p: p.name)
def test_shared_data_is_an_rr_list(path: Path) -> None:
    assert _claims(path) == ["rr-list"]


@pytest.mark.parametrize("path", sorted(FIXTURES.glob("*.vagal.jsonl")), ids=lambda p: p.name)
def test_damaged_sessions_are_still_sessions(path: Path) -> None:
    if path.stat().st_size == 0:
        assert _claims(path) == []
    else:
        assert _claims(path) == ["vagal"]
