"""Readers added or hardened for real and damaged files: Movesense, WFDB headers, damaged times.

Every truth here is the real RR series the file was built from (../shared/data), or
wfdb's own reading of a PhysioNet record; never our earlier output.
"""

from __future__ import annotations

import shutil
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import SHARED_DATA
from vagal.errors import InputFileError
from vagal.sessions import load_recording
from vagal.sessions.formats import detect_format

MOVESENSE = Path(__file__).resolve().parent / "fixtures" / "movesense"
START = datetime(2026, 11, 24, 7, 30, 0, 250000)


def _fixture_rr(n: int = 120) -> list[float]:
    return np.loadtxt(SHARED_DATA / "pyhrv_nsr_5min.csv", skiprows=1)[:n].tolist()


def _notifications(rr: list[float]) -> list[list[float]]:
    from tests.fixtures.movesense.make_fixtures import notifications

    return notifications(rr)


# --- Movesense --------------------------------------------------------------------------------


def test_movesense_ios_export_reads_every_rr_value() -> None:
    """``average,rrData`` rows, extra values of a notification on rows of their own (",812")."""
    path = MOVESENSE / "showcase_ios_HeartRate.csv"
    assert sum(line.startswith(",") for line in path.read_text().splitlines()) > 0  # the layout is exercised
    rec = load_recording(path)
    assert rec.format == "movesense-hr"
    assert rec.rr_ms.tolist() == _fixture_rr()
    np.testing.assert_allclose(rec.t_s, np.cumsum(_fixture_rr()) / 1000.0, atol=1e-9)
    assert rec.damage == ()


def test_movesense_android_export_reads_the_first_value_of_each_notification() -> None:
    rec = load_recording(MOVESENSE / "showcase_android_HeartRate.csv")
    assert rec.format == "movesense-hr"
    assert rec.rr_ms.tolist() == [g[0] for g in _notifications(_fixture_rr())]


def test_movesense_android_export_in_a_decimal_comma_locale(tmp_path: Path) -> None:
    """``String.format(Locale.getDefault(), "%d,%.2f,%d", …)`` in German: "1235426,69,85,859"."""
    from tests.fixtures.movesense.make_fixtures import android

    path = tmp_path / "de_HeartRate.csv"
    path.write_text(android(_fixture_rr(), decimal_comma=True))
    assert path.read_text().splitlines()[1].count(",") == 3
    assert load_recording(path).rr_ms.tolist() == [g[0] for g in _notifications(_fixture_rr())]


def test_movesense_with_a_title_line_and_windows_line_ends(tmp_path: Path) -> None:
    path = tmp_path / "hr.csv"
    text = (MOVESENSE / "showcase_ios_HeartRate.csv").read_text()
    path.write_bytes(("Movesense HR 213230000001\n" + text).replace("\n", "\r\n").encode())
    assert detect_format(path) == "movesense-hr"
    assert load_recording(path).rr_ms.tolist() == _fixture_rr()


def test_movesense_bad_value_names_its_line(tmp_path: Path) -> None:
    path = tmp_path / "hr.csv"
    lines = (MOVESENSE / "showcase_ios_HeartRate.csv").read_text().splitlines()
    lines[5] = "70.1,n/a"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(InputFileError, match=r"hr\.csv:6: not an RR value: 'n/a'"):
        load_recording(path)


# --- WFDB: a header leads to its annotations ----------------------------------------------------------


def test_a_wfdb_header_leads_to_the_reference_annotations(tmp_path: Path) -> None:
    """`vagal analyze 100.hea` once parsed the header as RR text (it starts with a comment)."""
    wfdb = pytest.importorskip("wfdb")
    for name in ("100.hea", "100.atr"):
        shutil.copy(SHARED_DATA / name, tmp_path / name)
    rec = load_recording(tmp_path / "100.hea")
    ann = wfdb.rdann(str(SHARED_DATA / "100"), "atr")
    beats = np.asarray([s in "NLRBAaJSVrFejnE/fQ?" for s in ann.symbol])
    t = np.asarray(ann.sample, dtype=np.float64)[beats] / ann.fs
    np.testing.assert_allclose(rec.rr_ms, np.diff(t) * 1000.0)
    assert rec.n_beats == 2272 and rec.meta["annotation"] == "atr"


def test_a_wfdb_header_without_annotations_says_which_it_looked_for(tmp_path: Path) -> None:
    shutil.copy(SHARED_DATA / "100.hea", tmp_path / "100.hea")
    with pytest.raises(InputFileError) as info:
        load_recording(tmp_path / "100.hea")
    msg = str(info.value)
    assert msg.startswith(f"{tmp_path / '100.hea'}: is a WFDB header, and no beat annotations lie beside it")
    assert "100.atr, 100.qrs" in msg and "100.wqrs" in msg and "\n" not in msg


def test_a_detector_annotation_without_its_header_is_as_clear_as_atr(tmp_path: Path) -> None:
    pytest.importorskip("wfdb")
    for ext in ("atr", "wqrs"):
        shutil.copy(SHARED_DATA / "100.atr", tmp_path / f"100.{ext}")
    messages = []
    for ext in ("atr", "wqrs"):
        with pytest.raises(InputFileError) as info:
            load_recording(tmp_path / f"100.{ext}")
        messages.append(str(info.value).split(": ", 1)[1])
    assert messages[0] == messages[1]
    assert messages[0] == (
        "is a WFDB annotation file without its header, so the sampling frequency is unknown. "
        "Put the record's header (100.hea) beside it."
    )


def test_a_wqrs_beside_its_header_is_read(tmp_path: Path) -> None:
    pytest.importorskip("wfdb")
    shutil.copy(SHARED_DATA / "100.hea", tmp_path / "100.hea")
    shutil.copy(SHARED_DATA / "100.atr", tmp_path / "100.wqrs")  # a detector's file, same layout
    assert load_recording(tmp_path / "100.hea").meta["annotation"] == "wqrs"
    assert load_recording(tmp_path / "100.wqrs").n_beats == 2272


# --- timed formats: damaged times -------------------------------------------------------------------------


def _psl(path: Path, rr: npt.NDArray[np.float64], arrival_s: npt.NDArray[np.float64], zone: str = "") -> Path:
    rows = [f"{(START + timedelta(seconds=float(a))).isoformat(timespec='milliseconds')}{zone};{int(v)}"
            for a, v in zip(arrival_s, rr, strict=True)]
    path.write_text("Phone timestamp;RR-interval [ms]\n" + "\n".join(rows) + "\n")
    return path


def test_times_going_back_are_damage_and_later_losses_are_still_found(
    tmp_path: Path, nsr_5min: npt.NDArray[np.float64]
) -> None:
    """The phone's clock set back 1.5 h at row 100, 20 beats lost at row 200.

    Before: the step back was accepted silently, and the loss after it hidden for 1.5 h,
    so RMSSD spanned the lost beats.
    """
    arrival = np.cumsum(nsr_5min) / 1000.0 + 0.1
    arrival[100:] -= 5400.0
    keep = np.r_[0:200, 220 : nsr_5min.size]
    rec = load_recording(_psl(tmp_path / "back_RR.txt", nsr_5min[keep], arrival[keep]))
    np.testing.assert_array_equal(rec.rr_ms, nsr_5min[keep])
    assert np.flatnonzero(rec.breaks).tolist() == [200]
    (d,) = rec.damage
    assert d.line == 102 and d.reason.startswith("the times go back 1.5 h here")


def test_one_time_far_ahead_is_damage_not_a_gap(tmp_path: Path, nsr_5min: npt.NDArray[np.float64]) -> None:
    """One row's time 3 h ahead used to re-anchor every later beat 3 h on, with a false gap."""
    arrival = np.cumsum(nsr_5min) / 1000.0 + 0.1
    arrival[150] += 3 * 3600.0
    rec = load_recording(_psl(tmp_path / "ahead_RR.txt", nsr_5min, arrival))
    np.testing.assert_allclose(rec.t_s, np.cumsum(nsr_5min) / 1000.0, atol=1e-9)
    assert not rec.breaks.any()
    (d,) = rec.damage
    assert d.line == 152 and "ahead of the rows around it; not used" in d.reason


@pytest.mark.parametrize("fmt", ["psl", "openhrv", "csv"])
def test_mixed_time_zones_are_one_line_naming_the_row(tmp_path: Path, nsr_5min: npt.NDArray[np.float64], fmt: str) -> None:
    """One time with a zone among local ones: a TypeError traceback before."""
    arrival = np.cumsum(nsr_5min[:50]) / 1000.0 + 0.1
    stamps = [(START + timedelta(seconds=float(a))).isoformat(timespec="milliseconds") for a in arrival]
    stamps[20] += "+01:00"
    head, row = {
        "psl": ("Phone timestamp;RR-interval [ms]", "{t};{rr}"),
        "openhrv": ("event,value,timestamp", "InterBeatInterval,{rr},{t}"),
        "csv": ("time,rr_ms", "{t},{rr}"),
    }[fmt]
    path = tmp_path / f"{fmt}.txt"
    path.write_text(head + "\n" + "\n".join(row.format(t=t, rr=int(v)) for t, v in zip(stamps, nsr_5min, strict=False)) + "\n")
    with pytest.raises(InputFileError) as info:
        load_recording(path)
    assert str(info.value).startswith(f"{path}:22: this time has a time zone and the first one has none")
    assert "\n" not in str(info.value)


def test_a_time_column_near_1e20_is_one_line(tmp_path: Path, nsr_5min: npt.NDArray[np.float64]) -> None:
    path = tmp_path / "t.csv"
    t = np.cumsum(nsr_5min) / 1000.0 + 1e20
    path.write_text("t_s,rr_ms\n" + "".join(f"{a!r},{v:g}\n" for a, v in zip(t.tolist(), nsr_5min, strict=True)))
    with pytest.raises(InputFileError, match=r"t\.csv:2: not a time vagal reads: '1e\+20' \(beyond any date"):
        load_recording(path)


def test_a_time_jump_far_beyond_a_week_is_refused(tmp_path: Path, nsr_5min: npt.NDArray[np.float64]) -> None:
    path = tmp_path / "t.csv"
    t = np.cumsum(nsr_5min) / 1000.0
    t[-1] = 5e7  # 1.6 years: a damaged digit, not a recording
    path.write_text("t_s,rr_ms\n" + "".join(f"{a!r},{v:g}\n" for a, v in zip(t.tolist(), nsr_5min, strict=True)))
    with pytest.raises(InputFileError, match=r"holds beats over 579 days, more than one recording"):
        load_recording(path)


@pytest.mark.parametrize("year", ["0001", "9999"])
def test_a_polar_file_dated_year_1_or_9999_converts_without_its_date(tmp_path: Path, year: str) -> None:
    from vagal.sessions.export import write_session
    from vagal.sessions.reader import read_session

    rr = _fixture_rr(60)
    path = tmp_path / "x.hrm"
    path.write_text(f"[Params]\nVersion=106\nInterval=238\nDate={year}0101\nStartTime=00:00:00.0\n\n[HRData]\n"
                    + "".join(f"{int(v)}\n" for v in rr))
    rec = load_recording(path)
    assert "start" not in rec.meta
    (d,) = rec.damage
    assert d.line == 4 and "is not a real recording date" in d.reason
    back = read_session(write_session(rec, tmp_path / "out.vagal.jsonl"))
    assert back.rr_ms.tolist() == rr


def test_a_psl_file_dated_year_1_is_read_without_its_date(tmp_path: Path, nsr_5min: npt.NDArray[np.float64]) -> None:
    path = tmp_path / "y1_RR.txt"
    arrival = np.cumsum(nsr_5min[:60]) / 1000.0 + 0.1
    rows = [f"0001-01-01T00:{int(a) // 60:02d}:{int(a) % 60:02d}.{int(a * 1000) % 1000:03d};{int(v)}"
            for a, v in zip(arrival, nsr_5min, strict=False)]
    path.write_text("Phone timestamp;RR-interval [ms]\n" + "\n".join(rows) + "\n")
    rec = load_recording(path)
    assert rec.rr_ms.tolist() == nsr_5min[:60].tolist() and "start" not in rec.meta
    assert rec.damage[0].line == 2


# --- WFDB: vagal's own MIT-format reader against wfdb's ------------------------------------------


def test_mit_reader_equals_wfdb_on_record_100() -> None:
    wfdb = pytest.importorskip("wfdb")
    from vagal.sessions.importers import _MIT_SYMBOLS, read_mit_annotations

    samples, codes, fs = read_mit_annotations((SHARED_DATA / "100.atr").read_bytes())
    ann = wfdb.rdann(str(SHARED_DATA / "100"), "atr")
    assert samples == ann.sample.tolist()
    assert [_MIT_SYMBOLS[c] for c in codes] == list(ann.symbol)
    assert fs is None  # record 100's file names no time resolution: the header's 360 Hz is used


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    gaps=st.lists(st.one_of(st.integers(1, 1023), st.integers(1024, 2**24)), min_size=1, max_size=60),
    symbols=st.lists(st.sampled_from(list("NLRVAFJSEaj/Q~|+\"")), min_size=60, max_size=60),
    notes=st.lists(st.one_of(st.none(), st.text(alphabet="abc (AFIB", max_size=9)), min_size=60, max_size=60),
    subtypes=st.lists(st.integers(0, 3), min_size=60, max_size=60),
    fs=st.sampled_from([128, 250, 360, 1000]),
)
def test_mit_reader_equals_wfdb_on_any_file_wfdb_writes(
    tmp_path_factory: pytest.TempPathFactory, gaps: list[int], symbols: list[str], notes: list[str | None],
    subtypes: list[int], fs: int,
) -> None:
    """Intervals above 1023 samples (SKIP words), notes (AUX), subtypes (SUB), the time resolution."""
    wfdb = pytest.importorskip("wfdb")
    from vagal.sessions.importers import _MIT_SYMBOLS, read_mit_annotations

    folder = tmp_path_factory.mktemp("mit")
    n = len(gaps)
    sample = np.cumsum(gaps).astype(np.int64)
    aux = [x if x is not None else "" for x in notes[:n]]
    wfdb.wrann("r", "atr", sample, symbol=symbols[:n], subtype=np.asarray(subtypes[:n]), aux_note=aux, fs=fs,
               write_dir=str(folder))
    got_samples, got_codes, got_fs = read_mit_annotations((folder / "r.atr").read_bytes())
    ann = wfdb.rdann(str(folder / "r"), "atr")
    # wfdb hides the annotations it writes at sample 0 to hold the time resolution (a note,
    # a SKIP back and a code 0); compare the rest, which are the annotations given.
    got = [(t, _MIT_SYMBOLS.get(c, "")) for t, c in zip(got_samples, got_codes, strict=True)]
    want = list(zip(ann.sample.tolist(), ann.symbol, strict=True))
    assert got[len(got) - len(want) :] == want
    assert got_fs == ann.fs == fs


def test_a_damaged_annotation_note_is_one_line_not_a_hang(tmp_path: Path) -> None:
    """An auxiliary note starting with "## " that wfdb does not know sent its reader into an endless loop."""
    note = b"## tampered"
    body = bytes([len(note), 63 << 2]) + note + (b"\x00" if len(note) % 2 else b"")
    beats = b"".join(bytes([200, 1 << 2]) for _ in range(20))  # 20 N beats, 200 samples apart
    (tmp_path / "r.atr").write_bytes(bytes([0, 22 << 2]) + body + beats + b"\x00\x00")
    (tmp_path / "r.hea").write_text("r 1 250 10000\n")
    rec = load_recording(tmp_path / "r.atr")
    np.testing.assert_allclose(rec.rr_ms, [800.0] * 19)
