"""Every import format, on real RR data, and analyze on an imported file equals analyze on the RR list.

The real beats are ../shared/data (pyhrv's NSR series, MIT-BIH origin). No recordings made
by the other tools are in shared/data yet, so each test writes the real beats in the
tool's documented layout (named in each test) and reads them back with
``load_recording``, which must detect the format from the content alone.
"""

from __future__ import annotations

import sys
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

from vagal.errors import InputFileError
from vagal.sessions import load_recording
from vagal.sessions.recording import Recording, from_rr

START = datetime(2026, 11, 24, 7, 30, 0, 250000)
"""A morning session; tools write local time without a zone."""


def _arrivals(rr_ms: npt.NDArray[np.float64], seed: int = 4) -> npt.NDArray[np.float64]:
    """When a phone logs each beat: just after it, with a BLE delay of 20–400 ms (seeded)."""
    rng = np.random.default_rng(seed)
    return np.cumsum(rr_ms) / 1000.0 + rng.uniform(0.02, 0.4, rr_ms.size)


def _iso(t_s: float) -> str:
    return (START + timedelta(seconds=float(t_s))).isoformat(timespec="milliseconds")


TIME_DOMAIN = ("n_beats", "artifacts_pct", "mean_nn_ms", "mean_hr_bpm", "sdnn_ms", "rmssd_ms", "pnn50_pct")


def _same_analysis(
    rec: Recording,
    rr_ms: npt.NDArray[np.float64],
    breaks: npt.NDArray[np.bool_] | None = None,
    *,
    t_s: npt.NDArray[np.float64] | None = None,
    keys: tuple[str, ...] | None = None,
) -> None:
    """``analyze`` on the imported recording gives the numbers of the original RR list."""
    from vagal.hrv import analyze_rr

    got = analyze_rr(rec.rr_ms, t_s=rec.t_s, breaks=rec.breaks).to_dict()
    want = analyze_rr(rr_ms, t_s=t_s, breaks=breaks).to_dict()
    assert got.keys() == want.keys()
    assert want["rmssd_ms"] is not None and want["lf_ms2"] is not None  # a real comparison
    for k in keys or tuple(want):
        if want[k] is None:
            assert got[k] is None, k
        else:
            assert got[k] == pytest.approx(want[k], rel=1e-9, abs=1e-9), k


# --- Polar Sensor Logger ---------------------------------------------------------------------------


def _psl_rr(path: Path, rr_ms: npt.NDArray[np.float64], arrivals: npt.NDArray[np.float64]) -> Path:
    """Layout: ``Phone timestamp;RR-interval [ms]``, one beat a row (Polar Sensor Logger *_RR.txt)."""
    rows = ["Phone timestamp;RR-interval [ms]"]
    rows += [f"{_iso(a)};{int(r)}" for a, r in zip(arrivals, rr_ms, strict=True)]
    path.write_text("\n".join(rows) + "\n")
    return path


def test_polar_sensor_logger_rr(tmp_path: Path, nsr_5min: npt.NDArray[np.float64]) -> None:
    rec = load_recording(_psl_rr(tmp_path / "Polar_H10_A1B2C3D4_20261124_073000_RR.txt", nsr_5min, _arrivals(nsr_5min)))
    assert rec.format == "polar-sensor-logger-rr"
    np.testing.assert_array_equal(rec.rr_ms, nsr_5min)
    # Beat times are the RR values' own sum, not the jittery phone times.
    np.testing.assert_allclose(rec.t_s, np.cumsum(nsr_5min) / 1000.0, atol=1e-9)
    assert not rec.breaks.any()
    assert rec.meta["start"].startswith("2026-11-24T07:3")
    _same_analysis(rec, nsr_5min)


def test_polar_sensor_logger_rr_with_a_dropout_has_a_break(tmp_path: Path, nsr_5min: npt.NDArray[np.float64]) -> None:
    """30 beats lost in the middle (the phone lost the strap): a break, not a long beat."""
    arrivals = _arrivals(nsr_5min)
    keep = np.r_[0:150, 180 : nsr_5min.size]
    rec = load_recording(_psl_rr(tmp_path / "drop_RR.txt", nsr_5min[keep], arrivals[keep]))
    np.testing.assert_array_equal(rec.rr_ms, nsr_5min[keep])
    assert np.flatnonzero(rec.breaks).tolist() == [150]
    # After the break, times follow the beats again, on the phone's clock.
    true_t = np.cumsum(nsr_5min) / 1000.0
    assert rec.t_s[150] == pytest.approx(true_t[180], abs=0.5)
    expected_breaks = np.zeros(keep.size, dtype=bool)
    expected_breaks[150] = True
    # The time domain cannot tell; the beat times after the gap carry the phone's jitter.
    _same_analysis(rec, nsr_5min[keep], expected_breaks, keys=TIME_DOMAIN)


def test_polar_sensor_logger_hr_with_rr_columns(tmp_path: Path, nsr_5min: npt.NDArray[np.float64]) -> None:
    """Layout: ``Phone timestamp;HR [bpm]`` and, per the app's FAQ, RR values (ms) in the extra columns.

    One row per notification (about once a second), carrying the beats since the last one.
    """
    t = np.cumsum(nsr_5min) / 1000.0
    rows = ["Phone timestamp;HR [bpm];HRV [ms];Breathing interval [rpm];"]
    second = np.floor(t).astype(int)
    for s in np.unique(second):
        idx = np.flatnonzero(second == s)
        hr = round(60000 / nsr_5min[idx].mean())
        rows.append(f"{_iso(s + 1.05)};{hr};;;" + ";".join(str(int(v)) for v in nsr_5min[idx]))
    path = tmp_path / "Polar_H10_A1B2C3D4_20261124_073000_HR.txt"
    path.write_text("\n".join(rows) + "\n")
    rec = load_recording(path)
    assert rec.format == "polar-sensor-logger-hr"
    np.testing.assert_array_equal(rec.rr_ms, nsr_5min)
    assert not rec.breaks.any()
    _same_analysis(rec, nsr_5min)


def test_polar_sensor_logger_hr_only_says_where_the_rr_is(tmp_path: Path) -> None:
    path = tmp_path / "x_HR.txt"
    path.write_text("Phone timestamp;HR [bpm];HRV [ms];Breathing interval [rpm];\n" + "2026-11-24T07:30:01.000;64;;;\n")
    with pytest.raises(InputFileError, match=r"heart rate only.*_RR\.txt"):
        load_recording(path)


def test_polar_sensor_logger_malformed_line(tmp_path: Path, nsr_5min: npt.NDArray[np.float64]) -> None:
    path = _psl_rr(tmp_path / "bad_RR.txt", nsr_5min[:20], _arrivals(nsr_5min[:20]))
    lines = path.read_text().splitlines()
    lines[6] = lines[6].split(";")[0] + ";eight hundred"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(InputFileError, match=r"bad_RR\.txt:7: not an RR value"):
        load_recording(path)


def _psl_ppi(path: Path, rr_ms: npt.NDArray[np.float64], blocked: tuple[int, ...] = ()) -> Path:
    """Layout: ``Phone Data RX timestamp;PP-interval [ms];error estimate [ms];blocker;contact;contact;hr [bpm]``."""
    arrivals = _arrivals(rr_ms, seed=6)
    rows = ["Phone Data RX timestamp;PP-interval [ms];error estimate [ms];blocker;contact;contact;hr [bpm]"]
    rows += [
        f"{_iso(a)};{r:g};6;{int(i in blocked)};1;1;{60000 / r:.0f}"
        for i, (a, r) in enumerate(zip(arrivals, rr_ms, strict=True))
    ]
    path.write_text("\n".join(rows) + "\n")
    return path


def test_polar_sensor_logger_ppi(tmp_path: Path, nsr_5min: npt.NDArray[np.float64]) -> None:
    """A Verity Sense's pulse intervals (optical) read like RR; they were refused ("not an RR value")."""
    rec = load_recording(_psl_ppi(tmp_path / "x_PPI.txt", nsr_5min))
    assert rec.format == "polar-sensor-logger-ppi"
    np.testing.assert_array_equal(rec.rr_ms, nsr_5min)
    _same_analysis(rec, nsr_5min)


def test_polar_sensor_logger_ppi_leaves_out_what_the_sensor_blocked(tmp_path: Path, nsr_5min: npt.NDArray[np.float64]) -> None:
    rec = load_recording(_psl_ppi(tmp_path / "x_PPI.txt", nsr_5min, blocked=(150, 151)))
    keep = np.ones(nsr_5min.size, dtype=bool)
    keep[[150, 151]] = False
    np.testing.assert_array_equal(rec.rr_ms, nsr_5min[keep])
    assert np.flatnonzero(rec.breaks).tolist() == [150]  # the beat after them: no difference spans the hole
    # The beats after the hole keep their own times (the blocked intervals took theirs).
    np.testing.assert_allclose(rec.t_s, (np.cumsum(nsr_5min) / 1000.0)[keep], atol=1e-9)
    assert rec.meta["blocked_intervals"] == 2


# --- Polar HRM / Polar Flow ------------------------------------------------------------------------


def _hrm(interval: str, values: list[str]) -> str:
    """Layout: Polar HRM file format v1.4: [Params] (Interval=238 is R-R), then [HRData]."""
    return (
        "[Params]\nVersion=106\nMonitor=22\nSMode=000000000\nDate=20261124\nStartTime=07:30:00.0\n"
        f"Length=00:05:00.0\nInterval={interval}\n\n[Note]\nmorning\n\n[HRData]\n" + "\n".join(values) + "\n"
    )


def test_polar_hrm_rr(tmp_path: Path, nsr_5min: npt.NDArray[np.float64]) -> None:
    path = tmp_path / "session.rr.hrm"
    path.write_text(_hrm("238", [str(int(v)) for v in nsr_5min]), encoding="cp1252")
    rec = load_recording(path)
    assert rec.format == "polar-hrm"
    np.testing.assert_array_equal(rec.rr_ms, nsr_5min)
    _same_analysis(rec, nsr_5min)


def test_polar_hrm_with_hr_samples_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "session.hrm"
    path.write_text(_hrm("5", ["72", "73", "75"]))
    with pytest.raises(InputFileError, match="heart rate every 5 s, not RR intervals"):
        load_recording(path)


def test_polar_flow_training_csv_is_refused_with_a_hint(tmp_path: Path) -> None:
    """Layout: Polar Flow's training export (summary row, then HR per second): no RR in it."""
    path = tmp_path / "Polar_Flow.csv"
    path.write_text(
        "Name,Sport,Date,Start time,Duration,Total distance (km),Average heart rate (bpm)\n"
        "Anna,OTHER_INDOOR,24-11-2026,07:30:00,00:05:00,0.00,68\n"
        "Sample rate,Time,HR (bpm)\n1,00:00:00,70\n,00:00:01,71\n"
    )
    with pytest.raises(InputFileError, match="heart rate once a second.*export the session's RR"):
        load_recording(path)


def test_polar_flow_rr_export_is_a_plain_rr_list(tmp_path: Path, nsr_5min: npt.NDArray[np.float64]) -> None:
    """Polar Flow's RR export: one interval (ms) a line, no header."""
    path = tmp_path / "RR_export.txt"
    path.write_text("".join(f"{int(v)}\n" for v in nsr_5min))
    rec = load_recording(path)
    assert rec.format == "rr-list"
    np.testing.assert_array_equal(rec.rr_ms, nsr_5min)
    _same_analysis(rec, nsr_5min)


# --- OpenHRV ---------------------------------------------------------------------------------------


def _openhrv(path: Path, rr_ms: npt.NDArray[np.float64], markers: dict[int, str]) -> Path:
    """Layout: openhrv/logger.py: ``event,value,timestamp`` with ``datetime.now().isoformat()``."""
    arrivals = _arrivals(rr_ms, seed=9)
    rows = ["event,value,timestamp", f"Sensors,Polar H10 A1B2C3D4, C8:4F:2E:21:00:01,{_iso(-2.0)}"]
    rows.append(f"PacerRate,6.0,{_iso(-1.0)}")
    for i, (a, r) in enumerate(zip(arrivals, rr_ms, strict=True)):
        if i in markers:
            rows.append(f"Annotation,{markers[i]},{_iso(a - 0.01)}")
        rows.append(f"InterBeatInterval,{int(r)},{(START + timedelta(seconds=float(a))).isoformat()}")
    rows.append(f"HrvTarget,200,{_iso(arrivals[-1] + 1)}")
    path.write_text("\n".join(rows) + "\n")
    return path


def test_openhrv(tmp_path: Path, nsr_5min: npt.NDArray[np.float64]) -> None:
    path = _openhrv(tmp_path / "OpenHRV_2026-11-24-07-30.csv", nsr_5min, {100: "breathing, slowly", 250: "recovery"})
    rec = load_recording(path)
    assert rec.format == "openhrv"
    np.testing.assert_array_equal(rec.rr_ms, nsr_5min)
    assert [m.label for m in rec.markers] == ["breathing, slowly", "recovery"]
    t = np.cumsum(nsr_5min) / 1000.0
    assert rec.markers[0].t_s == pytest.approx(t[100], abs=0.5)
    assert rec.meta["pacer_rate_per_min"] == 6.0
    _same_analysis(rec, nsr_5min)


def test_openhrv_malformed_time(tmp_path: Path, nsr_5min: npt.NDArray[np.float64]) -> None:
    path = _openhrv(tmp_path / "o.csv", nsr_5min[:30], {})
    lines = path.read_text().splitlines()
    lines[10] = "InterBeatInterval,812,yesterday"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(InputFileError, match=r"o\.csv:11: not a time"):
        load_recording(path)


# --- CSV with a time column ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "time_of", "rr_of", "sep"),
    [
        ("time,rr", lambda t: f"{t:.3f}", lambda r: f"{r:g}", ","),
        ("Time (s);RR (ms)", lambda t: f"{t:.3f}", lambda r: f"{r:g}", ";"),
        ("timestamp\tibi_ms", lambda t: f"{t * 1000:.0f}", lambda r: f"{r:g}", "\t"),
        ("t_s,rr_ms", lambda t: repr(float(t)), lambda r: f"{r / 1000:.3f}", ","),  # RR in seconds
        ("date,rr,since start", _iso, lambda r: f"{r:g}", ","),  # ISO times (HRV Logger style)
    ],
)
def test_csv_with_a_time_column(
    tmp_path: Path, nsr_5min: npt.NDArray[np.float64], header: str, time_of: object, rr_of: object, sep: str
) -> None:
    t = np.cumsum(nsr_5min) / 1000.0
    since_start_ms = np.concatenate(([0.0], np.cumsum(nsr_5min)[:-1]))
    rows = [header] + [
        sep.join([time_of(ti), rr_of(r)] + ([f"{s:.0f}"] if header.endswith("since start") else []))  # type: ignore[operator]
        for ti, r, s in zip(t, nsr_5min, since_start_ms, strict=True)
    ]
    path = tmp_path / "beats.csv"
    path.write_text("\n".join(rows) + "\n")
    rec = load_recording(path)
    assert rec.format == "csv-time"
    np.testing.assert_allclose(rec.rr_ms, nsr_5min, atol=1e-9)
    np.testing.assert_allclose(rec.t_s, t, atol=2e-3)
    assert not rec.breaks.any()


def test_csv_time_gap_becomes_a_break(tmp_path: Path, nsr_5min: npt.NDArray[np.float64]) -> None:
    t = np.cumsum(nsr_5min) / 1000.0
    t[200:] += 25.0
    path = tmp_path / "gap.csv"
    path.write_text("t_s,rr_ms\n" + "".join(f"{float(a)!r},{r:g}\n" for a, r in zip(t, nsr_5min, strict=True)))
    rec = load_recording(path)
    assert np.flatnonzero(rec.breaks).tolist() == [200]


def test_csv_time_in_a_local_date_format_says_what_to_do(tmp_path: Path, nsr_5min: npt.NDArray[np.float64]) -> None:
    t = np.cumsum(nsr_5min) / 1000.0
    path = tmp_path / "de.csv"
    path.write_text("timestamp;rr\n" + "".join(f"05.03.2024 08:{int(a) // 60:02d}:{int(a) % 60:02d};{r:g}\n" for a, r in zip(t, nsr_5min, strict=True)))
    with pytest.raises(InputFileError, match=r"de\.csv:2: not a time vagal reads: '05\.03\.2024 08:00:00'\. .*delete the time column"):
        load_recording(path)
    path.write_text("rr\n" + "".join(f"{r:g}\n" for r in nsr_5min))  # the advice works
    _same_analysis(load_recording(path), nsr_5min)


def test_csv_time_in_whole_seconds_places_beats_by_their_rr(tmp_path: Path, nsr_5min: npt.NDArray[np.float64]) -> None:
    """Times rounded to the second (beats share a stamp) gave no spectrum at all ("has 0.0 min")."""
    t = np.cumsum(nsr_5min) / 1000.0
    t[200:] += 25.0  # a lost stretch the clock shows
    path = tmp_path / "seconds.csv"
    path.write_text("time,rr\n" + "".join(f"{int(a)},{r:g}\n" for a, r in zip(t, nsr_5min, strict=True)))
    rec = load_recording(path)
    assert np.flatnonzero(rec.breaks).tolist() == [200]
    assert np.max(np.abs(rec.t_s - t)) < 1.0  # within the clock's second
    np.testing.assert_allclose(np.diff(rec.t_s)[:199], nsr_5min[1:200] / 1000.0)  # spaced by their RR
    breaks = np.zeros(nsr_5min.size, dtype=bool)
    breaks[200] = True
    from vagal.hrv.analysis import JSON_KEYS

    # Every number but the duration (the lost stretch is known to the clock's second only).
    _same_analysis(rec, nsr_5min, breaks, t_s=t, keys=tuple(k for k in JSON_KEYS if k != "duration_s"))


def test_csv_time_malformed_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("time,rr\n0.8,800\n1.6,800\n2.4,\n")
    with pytest.raises(InputFileError, match=r"bad\.csv:4: not an RR value"):
        load_recording(path)


# --- WFDB ------------------------------------------------------------------------------------------


def _wfdb_record(folder: Path, rr_ms: npt.NDArray[np.float64], fs: float, symbols: list[str] | None = None) -> Path:
    """A PhysioNet-style record: beat annotations written by wfdb.wrann, and a header naming fs."""
    import wfdb

    samples = np.round(np.concatenate(([0.0], np.cumsum(rr_ms))) / 1000.0 * fs).astype(np.int64)
    sym = symbols if symbols is not None else ["N"] * samples.size
    wfdb.wrann("nsr", "atr", samples, symbol=sym, fs=fs, write_dir=str(folder))
    (folder / "nsr.hea").write_text(f"nsr 0 {fs:g} {int(samples[-1]) + 1}\n")
    return folder / "nsr.atr"


def test_wfdb_annotations_at_1000_hz_are_exact(tmp_path: Path, nsr_5min: npt.NDArray[np.float64]) -> None:
    atr = _wfdb_record(tmp_path, nsr_5min, 1000.0)
    for path in (atr, tmp_path / "nsr.hea"):  # the annotation file, or the record's header
        rec = load_recording(path)
        assert rec.format == "wfdb"
        np.testing.assert_allclose(rec.rr_ms, nsr_5min, atol=1e-9)
    _same_analysis(rec, nsr_5min)


def test_wfdb_annotations_at_128_hz_keep_the_ecg_resolution(tmp_path: Path, nsr_1h: npt.NDArray[np.float64]) -> None:
    """The NSR database's own rate: RR comes back on the 1/128 s grid (docs/methods.md §0)."""
    rec = load_recording(_wfdb_record(tmp_path, nsr_1h, 128.0))
    assert rec.n_beats == nsr_1h.size
    assert np.max(np.abs(rec.rr_ms - nsr_1h)) <= 1000.0 / 128.0
    # No drift: beat times stay within one sample of the original.
    assert np.max(np.abs(rec.t_s - np.cumsum(nsr_1h) / 1000.0)) <= 1.0 / 128.0


def test_wfdb_skips_non_beat_annotations(tmp_path: Path, nsr_5min: npt.NDArray[np.float64]) -> None:
    import wfdb

    samples = np.round(np.concatenate(([0.0], np.cumsum(nsr_5min)))).astype(np.int64)
    # A rhythm label ("+") between two beats must not become a beat.
    extra = samples[:-1] + 100
    all_samples = np.sort(np.concatenate((samples, extra[:5])))
    sym = ["N" if s in set(samples.tolist()) else "+" for s in all_samples.tolist()]
    wfdb.wrann("nsr", "atr", all_samples, symbol=sym, fs=1000, write_dir=str(tmp_path))
    (tmp_path / "nsr.hea").write_text(f"nsr 0 1000 {int(samples[-1]) + 1}\n")
    rec = load_recording(tmp_path / "nsr.atr")
    np.testing.assert_allclose(rec.rr_ms, nsr_5min, atol=1e-9)


def test_wfdb_reads_without_the_package(
    tmp_path: Path, nsr_5min: npt.NDArray[np.float64], monkeypatch: pytest.MonkeyPatch
) -> None:
    """vagal reads the MIT annotation format itself (wfdb's reader hangs on some damage)."""
    atr = _wfdb_record(tmp_path, nsr_5min[:20], 1000.0)
    monkeypatch.setitem(sys.modules, "wfdb", None)
    np.testing.assert_allclose(load_recording(atr).rr_ms, nsr_5min[:20], atol=1e-9)


# --- vagal CSV export read back --------------------------------------------------------------------


def test_vagal_csv_export_reads_back_with_breaks(tmp_path: Path, nsr_5min: npt.NDArray[np.float64]) -> None:
    from vagal.events import Marker
    from vagal.sessions.export import write_csv

    breaks = np.zeros(nsr_5min.size, dtype=bool)
    breaks[120] = True
    t = np.cumsum(nsr_5min) / 1000.0
    t[120:] += 12.0
    original = from_rr("x", "rr-list", nsr_5min, t_s=t, breaks=breaks, markers=(Marker(60.0, "breathing"),))
    path = write_csv(original, tmp_path / "out.csv")
    rec = load_recording(path)
    assert rec.format == "csv-time"
    np.testing.assert_array_equal(rec.rr_ms, nsr_5min)
    np.testing.assert_array_equal(rec.breaks, breaks)
    segments_col = [line.rsplit(",", 1)[1] for line in path.read_text().splitlines()[1:]]
    assert segments_col[0] == "start" and segments_col[-1] == "breathing"
    _same_analysis(rec, nsr_5min, breaks, t_s=t)


def test_csv_with_unix_times_in_ms(tmp_path: Path, nsr_5min: npt.NDArray[np.float64]) -> None:
    """HRV Logger (iOS) layout: ``timestamp`` in Unix ms, ``rr`` in ms."""
    epoch_ms = 1_764_000_000_000 + np.cumsum(nsr_5min)
    path = tmp_path / "hrvlogger.csv"
    path.write_text("timestamp,rr\n" + "".join(f"{int(e)},{int(r)}\n" for e, r in zip(epoch_ms, nsr_5min, strict=True)))
    rec = load_recording(path)
    np.testing.assert_allclose(rec.t_s, np.cumsum(nsr_5min) / 1000.0, atol=1e-6)
    assert rec.meta["start"].startswith("2025-11-2")
    _same_analysis(rec, nsr_5min)


# --- what spreadsheets and phones make of a plain list -----------------------------------------------


@pytest.mark.parametrize(
    ("name", "text_of"),
    [
        # Excel in most of Europe: seconds with a decimal comma, one a line (Kubios-style list)
        ("seconds_decimal_comma.txt", lambda rr: "".join(f"{v / 1000:.3f}\n".replace(".", ",") for v in rr)),
        # every value on one line, as some apps share or mail them
        ("one_line_commas.txt", lambda rr: ",".join(f"{v:g}" for v in rr) + "\n"),
        ("one_line_spaces.txt", lambda rr: " ".join(f"{v:g}" for v in rr) + "\n"),
        # a table without a time column: the RR column is taken by its name, not its place
        ("hr_then_rr.csv", lambda rr: "hr,rr\n" + "".join(f"{60000 / v:.0f},{v:g}\n" for v in rr)),
        ("index_then_rr.csv", lambda rr: "index;RR-interval [ms]\n" + "".join(f"{i};{v:g}\n" for i, v in enumerate(rr))),
    ],
)
def test_rr_list_layouts_give_the_same_numbers(
    tmp_path: Path, nsr_5min: npt.NDArray[np.float64], name: str, text_of: object
) -> None:
    path = tmp_path / name
    path.write_text(text_of(nsr_5min))  # type: ignore[operator]
    rec = load_recording(path)
    np.testing.assert_allclose(rec.rr_ms, nsr_5min, atol=1e-9)
    _same_analysis(rec, nsr_5min)


def test_rr_list_on_one_line_names_a_bad_value(tmp_path: Path) -> None:
    path = tmp_path / "one_line.txt"
    path.write_text("859,867,n/a,883\n")  # was read as one beat of 859 ms
    with pytest.raises(InputFileError, match=r"one_line\.txt:1: not an RR value: 'n/a'"):
        load_recording(path)


def test_rr_list_of_milliseconds_with_decimal_commas(tmp_path: Path, nsr_5min: npt.NDArray[np.float64]) -> None:
    """Under a header without commas, "859,4" is 859.4 ms (it was read as 859)."""
    rr = nsr_5min + 0.4
    path = tmp_path / "ms_decimal_comma.txt"
    path.write_text("RR (ms)\n" + "".join(f"{v:.1f}\n".replace(".", ",") for v in rr))
    np.testing.assert_allclose(load_recording(path).rr_ms, rr, atol=1e-9)


def test_csv_time_with_semicolons_and_decimal_commas(tmp_path: Path, nsr_5min: npt.NDArray[np.float64]) -> None:
    """A European spreadsheet's CSV: ``;`` between columns, ``,`` as the decimal mark."""
    t = np.cumsum(nsr_5min) / 1000.0
    path = tmp_path / "beats.csv"
    rows = ["Time (s);RR (s)"] + [f"{a:.3f};{r / 1000:.3f}".replace(".", ",") for a, r in zip(t, nsr_5min, strict=True)]
    path.write_text("\n".join(rows) + "\n")
    rec = load_recording(path)
    assert rec.format == "csv-time"
    np.testing.assert_allclose(rec.rr_ms, nsr_5min, atol=1e-9)
    _same_analysis(rec, nsr_5min, t_s=t)


@pytest.mark.parametrize(
    ("name", "head", "row", "line"),
    [
        ("list.txt", "", lambda i, v: f"{v:g}", 101),
        ("seconds.txt", "", lambda i, v: f"{v / 1000:g}", 101),
        ("table.csv", "t_s,rr_ms\n", lambda i, v: f"{i},{v:g}", 102),
        ("psl_RR.txt", "Phone timestamp;RR-interval [ms]\n", lambda i, v: f"{_iso(i)};{v:g}", 102),
        ("openhrv.csv", "event,value,timestamp\n", lambda i, v: f"InterBeatInterval,{v:g},{_iso(i)}", 102),
    ],
)
def test_an_rr_value_over_a_minute_is_an_error_naming_its_line(
    tmp_path: Path, nsr_5min: npt.NDArray[np.float64], name: str, head: str, row: object, line: int
) -> None:
    """1e308 ms read as a beat pushed the time axis to infinity: replay and report crashed on it."""
    rr = nsr_5min.copy()
    rr[100] = 1e308
    path = tmp_path / name
    path.write_text(head + "".join(f"{row(i, v)}\n" for i, v in enumerate(rr)))  # type: ignore[operator]
    with pytest.raises(InputFileError, match=rf"{name}:{line}: an? .*over a minute"):
        load_recording(path)


def test_utf16_text_from_windows_reads_like_utf8(tmp_path: Path, nsr_5min: npt.NDArray[np.float64]) -> None:
    """Excel's "Unicode Text" and Notepad's "Unicode": UTF-16 with a byte-order mark, tabs, CRLF."""
    path = tmp_path / "excel_unicode.txt"
    path.write_text("RR (ms)\tHR\n" + "".join(f"{r:g}\t{60000 / r:.0f}\n" for r in nsr_5min), encoding="utf-16", newline="\r\n")
    rec = load_recording(path)
    np.testing.assert_array_equal(rec.rr_ms, nsr_5min)
    _same_analysis(rec, nsr_5min)


@pytest.mark.parametrize(("suffix", "kind"), [(".zip", "zip"), (".txt.gz", "gzip")])
def test_an_archive_is_named_with_what_to_do(tmp_path: Path, nsr_5min: npt.NDArray[np.float64], suffix: str, kind: str) -> None:
    """Polar Sensor Logger shares its files zipped; the message said "not a text file"."""
    import gzip
    import zipfile

    plain = _psl_rr(tmp_path / "psl_RR.txt", nsr_5min, _arrivals(nsr_5min))
    path = tmp_path / f"shared{suffix}"
    if kind == "zip":
        with zipfile.ZipFile(path, "w") as z:
            z.write(plain, plain.name)
    else:
        path.write_bytes(gzip.compress(plain.read_bytes()))
    with pytest.raises(InputFileError) as info:
        load_recording(path)
    assert str(info.value) == f"{path}: is a {kind} archive. {info.value.hint}"
    assert "first, then give vagal the file inside." in str(info.value)
