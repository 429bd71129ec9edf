"""One file of every format vagal reads, from real beats, for the fuzz tests to damage.

The beats are the first 150 of ``../shared/data/pyhrv_nsr_5min.csv`` (real: the same recording
as samples/pyhrv_nsr_5min.csv, provenance in samples/README.md), written in each tool's layout as tests/test_formats_import.py does; the vagal
session is ``tests/fixtures/sessions/rich_simulated.vagal.jsonl`` (every line type), and
its CSV export stands for the CSV-with-a-time-column format.
"""

from __future__ import annotations

import shutil
from datetime import datetime, timedelta
from pathlib import Path
from typing import Final

import numpy as np

from tests.conftest import _data_dir

FIXTURES: Final = Path(__file__).resolve().parent.parent / "fixtures"
RICH_SESSION: Final = FIXTURES / "sessions" / "rich_simulated.vagal.jsonl"
N_BEATS: Final = 150
START: Final = datetime(2026, 11, 24, 7, 30, 0, 250000)

FORMAT_FILES: Final = {
    "vagal": "s.vagal.jsonl",
    "rr-list": "kubios.txt",
    "rr-list-one-line": "one_line.txt",
    "csv-time": "export.csv",
    "polar-sensor-logger-rr": "x_RR.txt",
    "polar-sensor-logger-hr": "x_HR.txt",
    "polar-sensor-logger-ppi": "x_PPI.txt",
    "polar-hrm": "x.hrm",
    "polar-flow-csv": "flow.csv",
    "openhrv": "openhrv.csv",
    "movesense-hr": "movesense_HeartRate.csv",
    "wfdb": "rec.atr",
}
"""The sample's file name for each format (a second RR-list layout: all values on one line)."""


def real_rr() -> list[float]:
    return np.loadtxt(_data_dir() / "pyhrv_nsr_5min.csv", skiprows=1)[:N_BEATS].tolist()


def _iso(t_s: float) -> str:
    return (START + timedelta(seconds=t_s)).isoformat(timespec="milliseconds")


def write_samples(folder: Path) -> dict[str, Path]:
    """Write one sample of each format into ``folder``; returns format -> path."""
    from tests.fixtures.movesense.make_fixtures import ios
    from vagal.sessions.export import write_csv
    from vagal.sessions.reader import read_session

    rr = real_rr()
    t = np.cumsum(rr) / 1000.0
    arrival = [float(x) + 0.05 + 0.25 * ((k * 7) % 4) / 4 for k, x in enumerate(t)]  # a phone's delays
    texts = {
        "rr-list": "rr_ms\n" + "".join(f"{v:g}\n" for v in rr),
        "rr-list-one-line": ",".join(f"{v:g}" for v in rr) + "\n",
        "polar-sensor-logger-rr": "Phone timestamp;RR-interval [ms]\n"
        + "".join(f"{_iso(a)};{int(v)}\n" for a, v in zip(arrival, rr, strict=True)),
        "polar-sensor-logger-hr": "Phone timestamp;HR [bpm];HRV [ms];Breathing interval [rpm];\n"
        + "".join(f"{_iso(a)};{round(60000 / v)};;;{int(v)}\n" for a, v in zip(arrival, rr, strict=True)),
        "polar-sensor-logger-ppi": "Phone Data RX timestamp;PP-interval [ms];error estimate [ms];blocker;contact;contact;hr [bpm]\n"
        + "".join(
            f"{_iso(a)};{int(v)};6;{int(k % 40 == 39)};1;1;{round(60000 / v)}\n"
            for k, (a, v) in enumerate(zip(arrival, rr, strict=True))
        ),
        "polar-hrm": "[Params]\nVersion=106\nInterval=238\nDate=20261124\nStartTime=07:30:00.0\n\n[HRData]\n"
        + "".join(f"{int(v)}\n" for v in rr),
        "polar-flow-csv": "Name,Sport,Date,Start time,Duration\nA,RUNNING,24-11-2026,07:30:00,00:02:00\n"
        "Sample rate,Time,HR (bpm)\n1,00:00:00,70\n",
        "openhrv": "event,value,timestamp\n"
        + "".join(f"InterBeatInterval,{int(v)},{_iso(a)}\n" for a, v in zip(arrival, rr, strict=True))
        + f"Annotation,breathing,{_iso(30.0)}\nPacerRate,6,{_iso(31.0)}\n",
        "movesense-hr": ios(rr),
    }
    out: dict[str, Path] = {}
    for fmt, text in texts.items():
        out[fmt] = folder / FORMAT_FILES[fmt]
        out[fmt].write_text(text)
    out["vagal"] = folder / FORMAT_FILES["vagal"]
    shutil.copy(RICH_SESSION, out["vagal"])
    out["csv-time"] = write_csv(read_session(RICH_SESSION), folder / FORMAT_FILES["csv-time"])
    import wfdb

    samples = np.round(np.concatenate(([0.0], np.cumsum(rr)))).astype(np.int64)
    wfdb.wrann("rec", "atr", samples, symbol=["N"] * samples.size, fs=1000, write_dir=str(folder))
    (folder / "rec.hea").write_text(f"# a comment\nrec 0 1000 {int(samples[-1]) + 1}\n")
    out["wfdb"] = folder / FORMAT_FILES["wfdb"]
    return out
