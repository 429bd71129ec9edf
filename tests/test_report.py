"""``vagal report``: real recordings in, valid PDF/PNG/SVG out, numbers equal to the HRV core's.

Every number checked here is recomputed independently: by ``vagal.hrv.analyze_rr`` /
``time_domain`` called directly on the same beats, or by plain numpy.
"""

from __future__ import annotations

import subprocess
import sys
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest
from pypdf import PdfReader

from tests.conftest import REPO, SHARED_DATA, load_rr, real_recordings
from tests.report_helpers import saved_figures, texts_off_the_page, write_session
from vagal.hrv import analyze_rr, time_domain
from vagal.report import style
from vagal.report.data import (
    SEGMENT_KEYS,
    SUMMARY_SECTIONS,
    TOO_SHORT,
    ReportData,
    build_report_data,
    rolling_rmssd,
)
from vagal.report.render import page_count, render_report
from vagal.sessions.formats import load_recording
from vagal.sessions.segment import segments

START = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
def page_px(n_pages: int) -> tuple[int, int]:
    """A PNG report is its pages stacked."""
    return round(style.PAGE_W_IN * style.PNG_DPI), round(n_pages * style.PAGE_H_IN * style.PNG_DPI)


def _data_file(name: str) -> Path:
    for p in real_recordings():
        if p.name == name:
            return p
    pytest.skip(f"{name} not in {SHARED_DATA}")


@pytest.fixture(scope="module")
def marked_session(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """14 min of real beats (nsr_1h) as a vagal session: baseline, paced breathing, recovery, a 20 s contact loss."""
    rr = load_rr(_data_file("pyhrv_nsr_1h.csv"))[:1100]
    path = tmp_path_factory.mktemp("sessions") / "2026-11-20_09-00-00_live.vagal.jsonl"
    return write_session(
        path,
        rr,
        start=START,
        markers=[(0.0, "baseline"), (300.0, "breathing"), (600.0, "recovery")],
        gap=(450.0, 470.0),
        pacer=[(300.0, 4.0, 6.0), (600.0, 0.0, 0.0)],
        label="morning practice",
    )


@pytest.fixture(scope="module")
def marked_data(marked_session: Path) -> ReportData:
    return build_report_data(load_recording(marked_session))


def _pdf_text(path: Path) -> list[str]:
    reader = PdfReader(path)
    return [page.extract_text() for page in reader.pages]


# --- numbers --------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["pyhrv_nsr_5min.csv", "pyhrv_nsr_1h.csv"])
def test_summary_table_equals_analyze_rr(name: str) -> None:
    rec = load_recording(_data_file(name))
    data = build_report_data(rec)
    oracle = analyze_rr(load_rr(_data_file(name)))  # the CSV read independently of the reader
    expect = oracle.to_dict()
    keys = [spec.key for _, specs in SUMMARY_SECTIONS for spec in specs]
    assert [r.key for r in data.summary] == keys
    for row in data.summary:
        want = expect[row.key]
        if want is None:
            assert row.value is None and row.text == TOO_SHORT
            assert row.reason == oracle.reasons[row.key]
        else:
            assert row.value == pytest.approx(want, rel=1e-12), row.key
    # Mean HR by plain numpy on the corrected NN series.
    hr = next(r for r in data.summary if r.key == "mean_hr_bpm")
    assert hr.value == pytest.approx(60000.0 / np.mean(oracle.nn_ms), rel=1e-12)
    assert 40.0 < hr.value < 120.0


def test_pdf_table_text_is_the_core_numbers(tmp_path: Path) -> None:
    src = _data_file("pyhrv_nsr_5min.csv")
    data = build_report_data(load_recording(src))
    out = render_report(data, tmp_path / "r.pdf")
    pages = _pdf_text(out)
    # No markers: the person's page, then the appendix (the session over time, the numbers).
    assert len(pages) == page_count(data) == 3
    text = pages[-1]
    oracle = analyze_rr(load_rr(src)).to_dict()
    decimals = {s.key: (s.label, s.unit, s.decimals) for _, specs in SUMMARY_SECTIONS for s in specs}
    for key in ("mean_hr_bpm", "sdnn_ms", "rmssd_ms", "pnn50_pct", "lf_ms2", "hf_ms2", "lf_hf", "sd1_ms", "dfa_alpha1"):
        label, unit, dec = decimals[key]
        line = f"{label} {oracle[key]:.{dec}f}" + (f" {unit}" if unit else "")
        assert line in text, line
    assert "vagal is not a medical device" in pages[0] and "vagal is not a medical device" in text


def test_rolling_rmssd_equals_time_domain_on_each_window() -> None:
    rr = load_rr(_data_file("pyhrv_nsr_1h.csv"))[:2000]
    t = np.cumsum(rr) / 1000.0
    breaks = np.zeros(rr.size, dtype=np.bool_)
    breaks[[400, 401, 1200]] = True  # gaps: no difference may span them
    ends, values = rolling_rmssd(t, rr, breaks=breaks, window_s=60.0, step_s=5.0)
    assert ends.size > 100 and np.isfinite(values).sum() > 100
    assert ends[-1] == t[-1] and np.allclose(np.diff(ends), 5.0)
    for k in range(0, ends.size, 7):
        inside = (t > ends[k] - 60.0) & (t <= ends[k])
        b = breaks[inside].copy()
        b[0] = True  # the first beat's interval began before the window
        td = time_domain(rr[inside], breaks=b)
        if td.n_diffs >= 20:
            assert values[k] == pytest.approx(td.rmssd_ms, rel=1e-9), k
        else:
            assert np.isnan(values[k])


def test_segments_equal_analyze_rr_per_segment(marked_session: Path, marked_data: ReportData) -> None:
    rec = load_recording(marked_session)
    segs = segments(rec)
    assert [s.label for s in marked_data.segments] == ["baseline", "breathing", "recovery"]
    for seg, shown in zip(segs, marked_data.segments, strict=True):
        rr, t, b = seg.select(rec)
        oracle = analyze_rr(rr, t_s=t, breaks=b).to_dict()
        for key in SEGMENT_KEYS[1:]:
            assert shown.values[key] == pytest.approx(oracle[key], rel=1e-12), (seg.label, key)
        assert shown.values["duration_s"] == pytest.approx(seg.duration_s)


def test_session_context_is_drawn(marked_data: ReportData) -> None:
    d = marked_data
    assert [m[1] for m in d.markers] == ["baseline", "breathing", "recovery"]
    assert d.gaps == [(450.0, 470.0)]
    assert [(p.start_s, p.end_s, round(p.rate_per_min, 3)) for p in d.pacer] == [(300.0, 600.0, 6.0)]
    # The trace breaks at the gap: a NaN point, and no beat inside it.
    assert np.isnan(d.hr_bpm).sum() == 1
    assert not ((d.hr_t_s > 450.0) & (d.hr_t_s < 470.0)).any()
    # No rolling coherence window spans the gap (each is 64 s of beats ending at its time).
    ok = np.isfinite(d.coherence)
    assert not ((d.coherence_t_s[ok] > 470.0) & (d.coherence_t_s[ok] < 470.0 + 64.0 - 1.0)).any()
    assert dict(d.info)["Device"].startswith("Polar H10")


def test_a_short_recording_says_too_short(tmp_path: Path) -> None:
    src = tmp_path / "short.csv"
    src.write_text("rr_ms\n" + "\n".join(str(int(v)) for v in load_rr(_data_file("pyhrv_nsr_5min.csv"))[:60]) + "\n")
    data = build_report_data(load_recording(src))
    oracle = analyze_rr(load_rr(src))
    missing = {r.key for r in data.summary if r.value is None}
    assert {"lf_ms2", "vlf_ms2", "dfa_alpha2"} <= missing
    assert missing == {k for k, v in oracle.to_dict().items() if v is None} & {r.key for r in data.summary}
    out = render_report(data, tmp_path / "short.pdf")
    pages = _pdf_text(out)
    assert TOO_SHORT in pages[-1]
    assert oracle.reasons["lf_ms2"] in pages[-1].replace("\n", " ")


# --- files ------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["pdf", "png", "svg"])
def test_every_output_format_is_a_valid_file(fmt: str, marked_data: ReportData, tmp_path: Path) -> None:
    out = render_report(marked_data, tmp_path / f"report.{fmt}")
    if fmt == "pdf":
        reader = PdfReader(out)
        assert len(reader.pages) == page_count(marked_data) == 4  # person, moments, two appendix pages
        box = reader.pages[0].mediabox
        assert (round(float(box.width)), round(float(box.height))) == (round(style.PAGE_W_IN * 72), round(style.PAGE_H_IN * 72))
        assert "baseline" in reader.pages[1].extract_text()
    elif fmt == "png":
        from PIL import Image

        with Image.open(out) as im:
            assert im.format == "PNG" and im.size == page_px(page_count(marked_data))
            grey = np.asarray(im.convert("RGB"), dtype=np.int16)
        # Calm colours: no pixel is a saturated red.
        r, g, b = grey[..., 0], grey[..., 1], grey[..., 2]
        assert not ((r > 180) & (g < 90) & (b < 90)).any()
    else:
        root = ET.parse(out).getroot()
        assert root.tag.endswith("svg")


def test_vagal_csv_export_gets_a_report_with_its_gap(marked_session: Path, tmp_path: Path) -> None:
    """``vagal convert`` to CSV (time, RR, gap_before), read back by the csv-time reader."""
    from vagal.sessions.export import write_csv

    rec = load_recording(marked_session)
    out = write_csv(rec, tmp_path / "export.csv")
    back = load_recording(out)
    assert back.format == "csv-time" and back.breaks.sum() == rec.breaks.sum() == 1
    data = build_report_data(back)
    oracle = analyze_rr(rec.rr_ms, t_s=rec.t_s, breaks=rec.breaks).to_dict()
    for row in data.summary:
        if row.key in ("rmssd_ms", "sdnn_ms", "lf_ms2", "hf_ms2"):
            assert row.value == pytest.approx(oracle[row.key], rel=1e-6), row.key
    assert len(data.gaps) == 1


def test_a_damaged_session_gets_a_report_that_says_so(tmp_path: Path) -> None:
    src = tmp_path / "corrupt.vagal.jsonl"
    src.write_bytes((REPO / "tests" / "fixtures" / "sessions" / "corrupt_middle.vagal.jsonl").read_bytes())
    done = _vagal("report", str(src), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    note = f"vagal: note: {src} was read past a problem (line 22: not a complete JSON object; skipped)."
    assert done.stderr.strip().splitlines() == [note]
    pages = [" ".join(p.split()) for p in _pdf_text(tmp_path / "corrupt.pdf")]
    assert "The file was read past a problem at line 22" in pages[-1]
    assert TOO_SHORT in pages[-1]
    assert "1 damaged line in the file skipped" in pages[0]  # the data-quality line of the person's page


def test_a_wfdb_annotation_file_gets_a_report(tmp_path: Path) -> None:
    """Beat annotations at 128 Hz (the NSRDB's rate) placed at the real 5-min series' beat times."""
    wfdb = pytest.importorskip("wfdb")
    rr = load_rr(_data_file("pyhrv_nsr_5min.csv"))
    samples = np.round((0.5 + np.concatenate(([0.0], np.cumsum(rr) / 1000.0))) * 128).astype(int)
    wfdb.wrann("nsr", "atr", sample=samples, symbol=["N"] * samples.size, fs=128, write_dir=str(tmp_path))
    rec = load_recording(tmp_path / "nsr.atr")
    expect_rr = np.diff(samples) / 128.0 * 1000.0
    assert rec.format == "wfdb"
    np.testing.assert_allclose(rec.rr_ms, expect_rr)
    data = build_report_data(rec)
    rmssd = next(r for r in data.summary if r.key == "rmssd_ms")
    assert rmssd.value == pytest.approx(analyze_rr(expect_rr).rmssd_ms, rel=1e-12)
    done = _vagal("report", str(tmp_path / "nsr.atr"), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert len(PdfReader(tmp_path / "nsr.pdf").pages) == page_count(data)


def test_imported_formats_get_a_report(tmp_path: Path) -> None:
    """A Polar HRM file and an OpenHRV recording (with annotations) built from the real 5-min RR series."""
    rr = load_rr(_data_file("pyhrv_nsr_5min.csv"))
    hrm = tmp_path / "polar.hrm"
    hrm.write_text(
        "[Params]\nVersion=106\nMonitor=24\nSMode=000000000\nDate=20261120\nStartTime=09:00:00.0\n"
        "Interval=238\n\n[HRData]\n" + "\n".join(str(int(v)) for v in rr) + "\n"
    )
    lines = ["event,value,timestamp"]
    t = START.timestamp()
    for k, v in enumerate(rr):
        t += v / 1000.0
        stamp = datetime.fromtimestamp(t, UTC).isoformat(timespec="milliseconds")
        if k == 150:
            lines.append(f"Annotation,breathing,{stamp}")
        lines.append(f"InterBeatInterval,{int(v)},{stamp}")
    ohrv = tmp_path / "openhrv.csv"
    ohrv.write_text("\n".join(lines) + "\n")
    psl = tmp_path / "Polar_H10_20261120_RR.txt"
    t = START.timestamp()
    rows = ["Phone timestamp;RR-interval [ms]"]
    for v in rr:
        t += v / 1000.0
        rows.append(f"{datetime.fromtimestamp(t, UTC).isoformat(timespec='milliseconds')};{int(v)}")
    psl.write_text("\n".join(rows) + "\n")
    devices = {
        "polar-hrm": "a Polar watch or strap (HRM file)",  # what the format tells
        "openhrv": "device not recorded",  # was a bare "not recorded in this file"
        "polar-sensor-logger-rr": "Polar H10",  # what the file's name tells (was "device not recorded")
    }
    for src, fmt, n_segments in ((hrm, "polar-hrm", 0), (ohrv, "openhrv", 2), (psl, "polar-sensor-logger-rr", 0)):
        rec = load_recording(src)
        assert rec.format == fmt
        data = build_report_data(rec)
        assert len(data.segments) == n_segments
        assert data.subtitle.endswith(f"·  {devices[fmt]}"), data.subtitle
        assert data.subtitle.startswith("Friday 20 November 2026, 09:00"), data.subtitle  # HRM: from Date/StartTime
        rmssd = next(r for r in data.summary if r.key == "rmssd_ms")
        assert rmssd.value == pytest.approx(analyze_rr(rr).rmssd_ms, rel=1e-9)
        out = render_report(data, tmp_path / f"{fmt}.png")
        from PIL import Image

        with Image.open(out) as im:
            assert im.size == page_px(page_count(data))


# --- command line -------------------------------------------------------------------------------


def _vagal(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "vagal", *args], check=False, capture_output=True, text=True, cwd=cwd)


def test_cli_writes_a_pdf_next_to_the_recording(tmp_path: Path) -> None:
    src = tmp_path / "nsr.csv"
    src.write_bytes(_data_file("pyhrv_nsr_5min.csv").read_bytes())
    done = _vagal("report", str(src), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    out = tmp_path / "nsr.pdf"
    assert done.stdout.strip() == f"Report written to {out}"
    assert len(PdfReader(out).pages) == 3


def test_cli_report_of_a_session_to_svg(marked_session: Path, tmp_path: Path) -> None:
    out = tmp_path / "s.svg"
    done = _vagal("report", str(marked_session), "-o", str(out), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert str(out) in done.stdout
    ET.parse(out)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["missing.csv"], "missing.csv: no such file"),
        (["garbage.csv"], "garbage.csv"),
        (["good.csv", "-o", "out.jpg"], "must end in .pdf, .png or .svg"),
        (["good.csv", "-o", "Anna.JPG"], "got 'Anna.JPG'"),  # the name as typed (was lower-cased)
        (["good.csv", "-o", "."], "is a folder"),  # was: must end in .pdf…, got ''
        (["good.csv", "-o", "no/such/folder/out.pdf"], "does not exist"),
        (["tiny.csv"], "tiny.csv"),
    ],
)
def test_cli_bad_input_is_one_line_and_exit_2(args: list[str], message: str, tmp_path: Path) -> None:
    (tmp_path / "garbage.csv").write_text("rr_ms\n800\nhello\n900\n")
    (tmp_path / "good.csv").write_bytes(_data_file("pyhrv_nsr_5min.csv").read_bytes())
    (tmp_path / "tiny.csv").write_text("800\n")
    done = _vagal("report", *args, cwd=tmp_path)
    assert done.returncode == 2
    assert done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("vagal: ") and message in lines[0], done.stderr
    assert not list(tmp_path.glob("*.pdf"))


def test_report_modules_do_not_import_matplotlib_until_drawing() -> None:
    code = (
        "import sys, vagal.report.data, vagal.report.render, vagal.commands.report\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'matplotlib'))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize("n_beats", [2, 3, 10])
def test_a_few_beats_still_give_a_report(n_beats: int, tmp_path: Path) -> None:
    """Degenerate but real input: the first beats of the 5-min series; every panel says what it lacks."""
    rr = load_rr(_data_file("pyhrv_nsr_5min.csv"))[:n_beats]
    src = tmp_path / "few.csv"
    src.write_text("\n".join(str(int(v)) for v in rr) + "\n")
    data = build_report_data(load_recording(src))
    assert data.rmssd_ms.size == 0 and data.coherence.size == 0 and data.psd_f_hz.size == 0
    mean_hr = next(r for r in data.summary if r.key == "mean_hr_bpm")
    assert mean_hr.value == pytest.approx(60000.0 / rr.mean(), rel=1e-12)
    out = render_report(data, tmp_path / "few.svg")
    ET.parse(out)


def test_a_long_label_and_marker_names_stay_on_the_page(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A therapist's full label ran the title off the page, over "page 1 of 2"."""
    rr = load_rr(_data_file("pyhrv_nsr_5min.csv"))
    label = "Anna Maria Konstantinopoulou-Schmidt, second session after the holidays, morning"
    path = write_session(
        tmp_path / "long.vagal.jsonl", rr, start=START, label=label,
        markers=[(0.0, "baseline, sitting quietly with eyes closed"), (150.0, "breathing at six a minute")],
    )
    figures = saved_figures(monkeypatch)
    data = build_report_data(load_recording(path))
    render_report(data, tmp_path / "long.png")
    assert figures and all(texts_off_the_page(fig) == [] for fig in figures)
    assert data.title.startswith("Session report: Anna Maria Konstantinopoulou") and data.title.endswith("…")


def test_close_markers_do_not_print_their_labels_over_each_other(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Markers 20 s apart on 5 min of real beats: the numbers on the chart stand clear of each
    other, and every label is listed in full under the chart (never clipped at the page edge)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.text import Annotation

    rr = load_rr(_data_file("pyhrv_nsr_5min.csv"))
    marks = [(20.0 * k, f"step {k} of the protocol") for k in range(12)]
    path = write_session(tmp_path / "m.vagal.jsonl", rr, start=START, markers=marks)
    data = build_report_data(load_recording(path))
    figures = saved_figures(monkeypatch)
    render_report(data, tmp_path / "m.png")
    fig = figures[0]
    renderer = FigureCanvasAgg(fig).get_renderer()
    fig.draw(renderer)
    boxes = [a.get_window_extent(renderer) for a in fig.findobj(Annotation) if a.get_text().isdigit()]
    assert len(boxes) == 2 * 12, "a marker number was not drawn"  # page 1's chart and the appendix's
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert not a.overlaps(b)
    assert all(texts_off_the_page(f) == [] for f in figures)
    first = " ".join(_pdf_text(render_report(data, tmp_path / "m.pdf"))[0].split())
    for k, (t_s, label) in enumerate(marks):
        assert f"{k + 1}. {int(t_s) // 60}:{int(t_s) % 60:02d} {label}" in first


def test_cli_a_label_the_font_cannot_draw_is_one_calm_line(tmp_path: Path) -> None:
    """A client's name in Chinese printed five UserWarnings with source lines; now one note."""
    rr = load_rr(_data_file("pyhrv_nsr_5min.csv"))
    src = write_session(tmp_path / "s.vagal.jsonl", rr, start=START, label="张伟", markers=[(60.0, "呼吸")])
    done = _vagal("report", str(src), "-o", str(tmp_path / "r.png"), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    (line,) = done.stderr.splitlines()
    assert line.startswith("vagal: note: the report's font has no ") and line.endswith("; they show as empty boxes.")
    assert sorted(line.split("no ")[1].split(";")[0].split()) == sorted("张伟呼吸")
