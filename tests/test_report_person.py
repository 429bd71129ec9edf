"""The report's first page, for the person: its sentences, its numbers, check-ins, and outside text.

The numbers are checked against ``vagal.hrv.analyze_rr`` run here on the stretch chosen with
numpy (the first and last 2 minutes of the beats written); the check-in words against
``vagal.metrics.SETTLED_WORDS`` and the values written. Outside text (labels, marker words,
device names, check-in words) must come out literally: no mathtext, no terminal escapes.
"""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest
from pypdf import PdfReader

from tests.conftest import SHARED_DATA, load_rr
from tests.report_helpers import write_session
from vagal.events import DeviceInfo
from vagal.hrv import analyze_rr
from vagal.metrics import SETTLED_WORDS
from vagal.report.data import build_report_data
from vagal.report.render import render_report
from vagal.sessions.formats import load_recording
from vagal.text import printable

START = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
HOSTILE_DEVICE = DeviceInfo(0.0, "strap", "Polar $H10$ \x1b]0;title\x07\x1b[2J", model="H10", manufacturer="Polar")
LONG = ("after the long talk about the holidays, " * 6)[:200]
"""A 200-character marker label."""


def _rr() -> np.ndarray:
    path = SHARED_DATA / "pyhrv_nsr_1h.csv"
    if not path.exists():
        pytest.skip("pyhrv_nsr_1h.csv not available")
    return load_rr(path)[:800]  # about 10 minutes of real beats


def _pages(path: Path) -> list[str]:
    return [" ".join(p.extract_text().split()) for p in PdfReader(path).pages]


@pytest.fixture(scope="module")
def session(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("s")
    return write_session(
        d / "2026-11-20_09-00-00_live.vagal.jsonl", _rr(), start=START, label="cost $$",
        markers=[(60.0, "paid $5, then $10"), (200.0, LONG), (300.0, "$\\alpha$ \x1b[31mred\x1b[0m")],
        pacer=[(0.0, 4.0, 6.0)], checkins=[("before", 2, "after the argument, $$"), ("after", 4, "")],
        device=HOSTILE_DEVICE,
    )


def _vagal(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "vagal", *args], check=False, capture_output=True, text=True,
                          cwd=cwd, timeout=300)


def test_page_one_says_start_and_end_in_the_core_numbers(session: Path, tmp_path: Path) -> None:
    rr = _rr()
    t = np.cumsum(rr) / 1000.0
    first = analyze_rr(rr[t <= 120.0], t_s=t[t <= 120.0])
    last_sel = t > t[-1] - 120.0
    last = analyze_rr(rr[last_sel], t_s=t[last_sel])
    data = build_report_data(load_recording(session))
    p = data.person
    assert p is not None and p.start is not None and p.end is not None
    assert p.start.mean_hr_bpm == pytest.approx(first.mean_hr_bpm, rel=1e-12)
    assert p.end.mean_hr_bpm == pytest.approx(last.mean_hr_bpm, rel=1e-12)
    assert p.start.rmssd_ms == pytest.approx(first.rmssd_ms, rel=1e-12)
    assert p.end.rmssd_ms == pytest.approx(last.rmssd_ms, rel=1e-12)
    page1 = _pages(render_report(data, tmp_path / "r.pdf"))[0]
    assert (f"Heart rate: {first.mean_hr_bpm:.0f} bpm in the first two minutes, {last.mean_hr_bpm:.0f} bpm in the "
            "last two.") in page1
    assert f"Beat-to-beat variability (RMSSD): {first.rmssd_ms:.0f} ms at the start, {last.rmssd_ms:.0f} ms at the end." in page1
    assert "You practised for" in page1 and "breathing with the guide" in page1
    assert "Your heart rate followed the guide's breaths" in page1
    # The data-quality line: the beats written, nothing lost.
    assert f"About the signal: {rr.size} beats" in page1
    # Kind words, never a verdict on the person.
    for word in ("score", "poor", "bad", "fail", "abnormal", "warning"):
        assert word not in page1.lower().replace("not a score", ""), word


def test_check_ins_are_said_in_the_scale_words(session: Path, tmp_path: Path) -> None:
    page1 = _pages(render_report(build_report_data(load_recording(session)), tmp_path / "r.pdf"))[0]
    assert f"You came in at 2 of 5 ({SETTLED_WORDS[2]}), left at 4 of 5 ({SETTLED_WORDS[4]})." in page1
    assert "Before, you noted: \u201cafter the argument, $$\u201d" in page1


def test_outside_text_is_drawn_literally_through_the_command(session: Path, tmp_path: Path) -> None:
    """"cost $$" crashed matplotlib's mathtext (exit 1); "paid $5, then $10" came out in italics."""
    out = tmp_path / "r.pdf"
    done = _vagal("report", str(session), "-o", str(out), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    pages = _pages(out)
    text = " ".join(pages)
    assert "Your session: cost $$" in pages[0]
    assert "paid $5, then $10" in pages[0]
    assert printable(HOSTILE_DEVICE.name) in pages[0]  # "$H10$" as typed, the escapes shown as \x1b…
    assert "\x1b" not in text and "\x07" not in text
    assert printable("$\\alpha$ \x1b[31mred\x1b[0m") in text
    # The 200-character label, wrapped under the chart, every word of it on the page.
    assert " ".join(LONG.split()) in " ".join(pages[0].replace("- ", "").split())


def test_report_o_never_replaces_a_file(session: Path, tmp_path: Path) -> None:
    out = tmp_path / "mine.pdf"
    out.write_bytes(b"a file the person keeps")
    done = _vagal("report", str(session), "-o", str(out), cwd=tmp_path)
    assert done.returncode == 2 and done.stdout == ""
    (line,) = done.stderr.splitlines()
    assert line == f"vagal: {out} already exists; vagal never replaces a file. Choose another name with -o."
    assert out.read_bytes() == b"a file the person keeps"


def test_the_default_report_lands_in_the_current_folder_once(session: Path, tmp_path: Path) -> None:
    here = tmp_path / "here"
    here.mkdir()
    done = _vagal("report", str(session), cwd=here)
    assert done.returncode == 0, done.stderr
    out = here / "2026-11-20_09-00-00_live.pdf"
    assert done.stdout.strip() == f"Report written to {out}"
    assert out.stat().st_mode & 0o077 == 0  # health data: private to its owner
    again = _vagal("report", str(session), cwd=here)
    assert again.returncode == 2 and "already exists" in again.stderr and again.stdout == ""
