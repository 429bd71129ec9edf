"""``vagal history``: sessions written by vagal's Recorder from real RR data, trends checked against the HRV core."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import REPO, SHARED_DATA, load_rr
from tests.report_helpers import saved_figures, texts_off_the_page, write_session
from vagal.hrv import analyze_rr
from vagal.report.history import collect_history, render_history
from vagal.sessions.formats import load_recording

FIXTURES = REPO / "tests" / "fixtures" / "sessions"
DAYS = (0, 1, 1, 3, 8, 9)
"""Six sessions of ~10 min (consecutive slices of the real hour), two on day 1."""
FIRST = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)  # a Monday


def _hour() -> np.ndarray:
    path = SHARED_DATA / "pyhrv_nsr_1h.csv"
    if not path.exists():
        path = REPO / "samples" / "pyhrv_nsr_1h.csv"
    if not path.exists():
        pytest.skip("pyhrv_nsr_1h.csv not available")
    return load_rr(path)


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    rr = _hour()
    d = tmp_path_factory.mktemp("sessions")
    n = rr.size // len(DAYS)
    for k, day in enumerate(DAYS):
        start = FIRST + timedelta(days=day, hours=k)
        markers = [(0.0, "baseline"), (180.0, "breathing")] if k % 2 == 0 else []
        write_session(d / f"{start:%Y-%m-%d_%H-%M-%S}_live.vagal.jsonl", rr[k * n : (k + 1) * n], start=start, markers=markers)
    for name in ("corrupt_middle", "bad_header", "truncated_last_line"):
        shutil.copy(FIXTURES / f"{name}.vagal.jsonl", d / f"{name}.vagal.jsonl")
    return d


def _slices() -> list[np.ndarray]:
    rr = _hour()
    n = rr.size // len(DAYS)
    return [rr[k * n : (k + 1) * n] for k in range(len(DAYS))]


def test_each_session_matches_the_core(folder: Path) -> None:
    h = collect_history(folder)
    ours = [s for s in h.sessions if s.file.endswith("_live.vagal.jsonl")]
    assert len(ours) == len(DAYS)
    for k, (s, rr) in enumerate(zip(ours, _slices(), strict=True)):
        whole = analyze_rr(rr)
        assert s.rmssd_ms == pytest.approx(whole.rmssd_ms, rel=1e-9)
        assert s.coherence == pytest.approx(whole.coherence, rel=1e-9)
        assert s.minutes == pytest.approx(np.sum(rr) / 60000.0, rel=1e-9)
        # Resting HR: the "baseline" segment (first 180 s) when marked, else the first 120 s.
        t = np.cumsum(rr) / 1000.0
        cut = t < 180.0 if k % 2 == 0 else t <= 120.0
        b = np.zeros(int(cut.sum()), dtype=np.bool_)
        b[0] = k % 2 == 0  # a segment's first beat is a break
        rest = analyze_rr(rr[cut], t_s=t[cut], breaks=b)
        assert s.resting_hr_bpm == pytest.approx(rest.mean_hr_bpm, rel=1e-9), k
        assert 40.0 < s.resting_hr_bpm < 120.0


def test_days_and_weeks_are_means_of_their_sessions(folder: Path) -> None:
    h = collect_history(folder)
    by_day: dict[str, list[float]] = {}
    for s in h.sessions:
        by_day.setdefault(s.day, []).append(s.rmssd_ms if s.rmssd_ms is not None else np.nan)
    assert [r.period for r in h.days] == sorted(by_day)
    for r in h.days:
        vals = [v for v in by_day[r.period] if np.isfinite(v)]
        assert r.sessions == len(by_day[r.period])
        assert (r.rmssd_ms is None and not vals) or r.rmssd_ms == pytest.approx(np.mean(vals))
    two = next(r for r in h.days if r.period == "2026-11-03")
    assert two.sessions == 2
    # ISO weeks: 2 Nov 2026 is a Monday, so days 0–3 are week 45 and days 8–9 week 46.
    w45 = next(r for r in h.weeks if r.period == "2026-W45")
    assert w45.first_day == "2026-11-02" and w45.sessions == 4
    assert w45.minutes == pytest.approx(sum(np.sum(x) for x in _slices()[:4]) / 60000.0, rel=1e-9)


def test_damaged_sessions_are_kept_with_a_note_and_unreadable_ones_skipped(folder: Path) -> None:
    h = collect_history(folder)
    skipped = dict(h.skipped)
    assert set(skipped) == {"bad_header.vagal.jsonl"}
    assert "line 1" in skipped["bad_header.vagal.jsonl"]
    # One bad line in the middle: the session is kept (one bad value once dropped it).
    mid = next(s for s in h.sessions if s.file == "corrupt_middle.vagal.jsonl")
    assert mid.note == "damaged at line 22: not a complete JSON object; skipped"
    # Cut off only at its last line (a crash): kept, with a note, and too short for HR values.
    cut = next(s for s in h.sessions if s.file == "truncated_last_line.vagal.jsonl")
    assert "cut off at line 42" in cut.note
    assert cut.rmssd_ms is None and cut.minutes > 0


def test_since_leaves_out_older_sessions(folder: Path) -> None:
    h = collect_history(folder, since=date(2026, 11, 10))
    assert {s.day for s in h.sessions} >= {"2026-11-10", "2026-11-11"}
    assert all(s.day >= "2026-11-10" for s in h.sessions)


@pytest.mark.parametrize("fmt", ["pdf", "png", "svg"])
def test_plot_files_are_valid(folder: Path, tmp_path: Path, fmt: str) -> None:
    out = render_history(collect_history(folder), tmp_path / f"h.{fmt}")
    if fmt == "pdf":
        from pypdf import PdfReader

        reader = PdfReader(out)
        assert len(reader.pages) == 3  # a page per view: trends, what helps you, your usual range
        assert "Your practice over time" in reader.pages[0].extract_text()
    elif fmt == "png":
        from PIL import Image

        with Image.open(out) as im:
            assert im.size == (1240, 3 * 1650)  # the three pages stacked
    else:
        import xml.etree.ElementTree as ET

        assert ET.parse(out).getroot().tag.endswith("svg")


def _vagal(*args: str, sessions: Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "VAGAL_SESSIONS_DIR": str(sessions)}
    return subprocess.run([sys.executable, "-m", "vagal", "history", *args], check=False, capture_output=True, text=True, env=env, cwd=cwd)


def test_cli_table_json_and_plot_agree(folder: Path, tmp_path: Path) -> None:
    table = _vagal(sessions=folder, cwd=tmp_path)
    assert table.returncode == 0, table.stderr
    assert "Per day" in table.stdout and "Per week" in table.stdout
    assert "Skipped 1 damaged or unreadable session:" in table.stdout
    assert "Note: corrupt_middle.vagal.jsonl was damaged at line 22" in table.stdout
    done = _vagal("--json", "-o", str(tmp_path / "h.pdf"), sessions=folder, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    obj = json.loads(done.stdout)
    assert len(obj["sessions"]) == len(DAYS) + 2
    for row in obj["days"]:
        shown = f"{row['rmssd_ms']:.1f}" if row["rmssd_ms"] is not None else "–"
        line = next(ln for ln in table.stdout.splitlines() if ln.startswith(row["period"]))
        assert shown in line.split()
    assert (tmp_path / "h.pdf").exists() and "Plot written" in done.stderr


def test_cli_empty_folder_is_kind(tmp_path: Path) -> None:
    done = _vagal(sessions=tmp_path / "none-yet", cwd=tmp_path)
    assert done.returncode == 0 and done.stderr == ""
    assert done.stdout.startswith("No sessions to show yet")
    js = _vagal("--json", sessions=tmp_path, cwd=tmp_path)
    assert json.loads(js.stdout)["sessions"] == []


@pytest.mark.parametrize(("args", "message"), [(["--since", "last week"], "--since must be a date"), (["-o", "x.gif"], ".pdf, .png or .svg")])
def test_cli_bad_options_exit_2(args: list[str], message: str, tmp_path: Path) -> None:
    done = _vagal(*args, sessions=tmp_path, cwd=tmp_path)
    assert done.returncode == 2 and done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0]


def test_sessions_are_readable_by_the_reader(folder: Path) -> None:
    """The fixture sessions are genuine vagal files: the reader gives back the real beats."""
    first = min(folder.glob("2026-11-02_*.vagal.jsonl"))
    rec = load_recording(first)
    assert rec.format == "vagal" and not rec.damage
    np.testing.assert_array_equal(rec.rr_ms, _slices()[0])


@pytest.mark.parametrize("since", [None, date(2026, 11, 24)])
def test_plot_text_stays_on_the_page_and_ticks_are_days(
    folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, since: date | None
) -> None:
    """The footnote ran off the page's right edge; one day of sessions was ticked in hours."""
    figures = saved_figures(monkeypatch)
    render_history(collect_history(folder, since=since), tmp_path / "h.png", ("trends",))
    (fig,) = figures
    assert texts_off_the_page(fig) == []
    ticks = [t.get_text() for t in fig.axes[-1].get_xticklabels()]
    assert ticks and not any(":" in t for t in ticks), ticks
