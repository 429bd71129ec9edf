"""The report of a session for two: its pages, its numbers, its words, and outside text.

Truth for the numbers: the together view against ``vagal analyze --pair A B --json`` run on
the two people's recordings written out as two one-person session files (another reader,
another alignment: by the files' start times), and against the demo's own end-of-session
summary; each person's start and end against ``vagal.hrv.analyze_rr`` on the first and last
two minutes of their beats, chosen here with numpy. The words: the PDF's text read back
with pypdf. Outside text (names, labels, markers) must come out literally.
"""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from pypdf import PdfReader

from vagal.commands.pair_session import people_header, simulate_pair_session
from vagal.commands.session_runner import make_pacer
from vagal.events import Marker, PacerChanged
from vagal.hrv import analyze_rr
from vagal.options import SessionOptions
from vagal.report.pair import PairReportData, build_pair_report_data, person_guide
from vagal.report.pair_render import render_pair_report
from vagal.sessions.notes import append_marker
from vagal.sessions.reader import read_events, read_session
from vagal.sessions.writer import Recorder, make_header
from vagal.text import printable

START = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
HOSTILE_A = "Sam $x$ \x1b[31mred"
LONG_B = "Alex " + "ß" * 195
"""A 200-character name."""
LONG = ("after the long talk about the holidays, " * 6)[:200]
MARKERS = ((180.0, "paid $5, then $10"), (330.0, LONG), (480.0, "$\\alpha$ \x1b[2J"))
TOGETHER_KEYS = ("wcc_peak_r_mean", "wcc_lag_s_median", "wcc_clear_peak_pct", "surrogate_p95", "above_chance",
                 "n_windows", "n_surrogates", "shared_coherence_pct", "in_tune_pct_a", "in_tune_pct_b")


def write_pair(path: Path, *, seed: int, coupling: float, duration_s: float = 600.0,
               names: tuple[str, str] = ("Sam", "Alex"), roles: tuple[str | None, str | None] = ("parent", "child"),
               markers: tuple[tuple[float, str], ...] = (), label: str | None = None,
               artifacts: bool = False) -> dict[str, Any]:
    """A simulated session for two recorded through the Recorder (as ``vagal demo --pair --record``),
    markers added through the notes file; returns the demo's own summary."""
    pacer = make_pacer(SessionOptions(ramp_from="12"))
    devices = tuple({"kind": "simulator", "name": n} for n in ("Simulated strap A", "Simulated strap B"))
    header = make_header(source="demo", start=START, label=label, pacer=pacer.start_event(), seed=seed,
                         coupling=coupling, people=people_header(names, roles, devices))  # type: ignore[arg-type]
    with Recorder(path, header) as rec:
        summary = simulate_pair_session(seed=seed, coupling=coupling, duration_s=duration_s, pacer=pacer,
                                        names=names, roles=roles, recorder=rec, live=False, artifacts=artifacts)
    for t, text in markers:
        append_marker(path, Marker(t, text))
    return summary


@pytest.fixture(scope="module")
def coupled(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    path = tmp_path_factory.mktemp("pair") / "two.vagal.jsonl"
    summary = write_pair(path, seed=1, coupling=0.8, names=(HOSTILE_A, LONG_B), markers=MARKERS, label="cost $$",
                         artifacts=True)  # artifacts and drop-outs: the correction and the gaps matter
    return path, summary


@pytest.fixture(scope="module")
def coupled_data(coupled: tuple[Path, dict[str, Any]]) -> PairReportData:
    return build_pair_report_data(coupled[0])


@pytest.fixture(scope="module")
def coupled_pdf(coupled_data: PairReportData, tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    out = render_pair_report(coupled_data, tmp_path_factory.mktemp("out") / "two.pdf")
    return [" ".join(p.extract_text().split()) for p in PdfReader(out).pages]


def _one_person_file(pair: Path, person: int, out: Path) -> Path:
    """Person ``person``'s events of a session for two, written as a one-person session (format 1)."""
    header, events, damage, _ = read_events(pair)
    assert damage == []
    mine = [e for e in events if getattr(e, "person", None) in (person, None)]
    meta = make_header(source="demo", start=datetime.fromisoformat(header["start"]))
    with Recorder(out, meta) as rec:
        for e in mine:
            rec.write(dataclasses.replace(e, person=0) if hasattr(e, "person") else e)  # type: ignore[call-arg]
    return out


def _vagal(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HOME": str(cwd), "VAGAL_DATA_DIR": str(cwd / "data")}
    return subprocess.run([sys.executable, "-m", "vagal", *map(str, args)], capture_output=True, text=True,
                          cwd=cwd, env=env, timeout=300, check=False)


def test_together_equals_analyze_pair_and_the_demo_summary(
    coupled: tuple[Path, dict[str, Any]], coupled_data: PairReportData, tmp_path: Path
) -> None:
    path, summary = coupled
    a = _one_person_file(path, 0, tmp_path / "a.vagal.jsonl")
    b = _one_person_file(path, 1, tmp_path / "b.vagal.jsonl")
    out = _vagal("analyze", "--pair", a, b, "--json", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    theirs = json.loads(out.stdout)
    assert theirs["alignment"]["by"] == "start_times" and theirs["alignment"]["offset_s"] == 0.0
    ours = coupled_data.together.as_dict()
    for key in TOGETHER_KEYS:
        assert ours[key] == theirs["together"][key], key
        assert ours[key] == summary["together"][key], key
    assert ours["above_chance"] is True and ours["wcc_lag_s_median"] > 0  # B follows A, as simulated
    # The per-window values behind the chart are the result's own.
    w = coupled_data.together.windows
    assert w is not None and w.end_s.size == coupled_data.together.n_windows
    # Per part: the same call on the same beats, the part's own null (the first part and the last
    # are too short or too early for one).
    parts = coupled_data.parts
    assert [p.label for p in parts] == ["start", printable("paid $5, then $10"), printable(LONG),
                                        printable("$\\alpha$ \x1b[2J")]
    assert [round(p.start_s) for p in parts] == [0, 180, 330, 480]
    assert parts[1].result.above_chance is True and parts[3].result.above_chance is None


def test_each_persons_start_and_end_are_the_core_numbers(
    coupled: tuple[Path, dict[str, Any]], coupled_data: PairReportData, coupled_pdf: list[str]
) -> None:
    page1 = coupled_pdf[0]
    for i, person in enumerate(coupled_data.people):
        rec = read_session(coupled[0], person=i)
        t, rr = rec.t_s, rec.rr_ms
        begin = t[0] - rr[0] / 1000.0
        first_sel = t <= begin + 120.0
        last_sel = t > t[-1] - 120.0
        first, last = (
            analyze_rr(rr[sel], t_s=t[sel], breaks=np.r_[True, rec.breaks[sel][1:]], correct=True)
            for sel in (first_sel, last_sel)
        )
        p = person.data.person
        assert p is not None and p.start is not None and p.end is not None
        assert p.start.mean_hr_bpm == pytest.approx(first.mean_hr_bpm, rel=1e-12)
        assert p.end.mean_hr_bpm == pytest.approx(last.mean_hr_bpm, rel=1e-12)
        assert p.start.rmssd_ms == pytest.approx(first.rmssd_ms, rel=1e-12)
        assert p.end.rmssd_ms == pytest.approx(last.rmssd_ms, rel=1e-12)
        assert (f"Heart rate: {first.mean_hr_bpm:.0f} bpm in the first two minutes, {last.mean_hr_bpm:.0f} bpm "
                "in the last two.") in page1
        assert (f"Beat-to-beat variability (RMSSD): {first.rmssd_ms:.0f} ms at the start, {last.rmssd_ms:.0f} ms "
                "at the end.") in page1
        # Each appendix is that person's alone: their beats, not the two mixed.
        assert person.data.result["n_beats"] == analyze_rr(rr, t_s=t, breaks=rec.breaks, correct=True).n_beats


def test_page_one_has_the_plain_sentences_and_the_names_literally(coupled_pdf: list[str]) -> None:
    page1 = coupled_pdf[0]
    assert len(coupled_pdf) == 6  # for the two, together, and two appendix pages each
    assert "Your session together: cost $$" in page1
    assert "You practised together for 10 min 00 s, both breathing with the same guide." in page1
    assert "Sam $x$ \\x1b[31mred (parent)" in page1  # the escape shown, never sent to a terminal
    assert "\x1b" not in "".join(coupled_pdf)
    assert "ß" * 150 in page1.replace(" ", "")  # the 200-character name, whole (wrapped)
    assert "How each of you answered" in page1 and "Moving together" in page1
    assert "paid $5, then $10" in page1 and "$\\alpha$ \\x1b[2J" in page1
    assert LONG.replace(" ", "") in page1.replace(" ", "")  # the 200-character marker, not clipped
    for i, page in enumerate(coupled_pdf[2:]):
        assert "Appendix" in page
        assert ("Sam $x$" if i < 2 else "Alex ßß") in page  # whose appendix, in the subtitle


def test_the_together_page_says_it_against_chance_never_as_a_score(
    coupled_pdf: list[str], coupled_data: PairReportData
) -> None:
    page2 = coupled_pdf[1]
    assert "How you moved together" in page2
    assert "Over the session, your two heart rhythms moved together more than chance brings." in page2
    assert "tended to follow Sam $x$ \\x1b[31mred's by about" in page2  # B follows A
    assert "What \u201cchance\u201d means here: You both followed the same breathing guide" in page2
    assert "shuffled pairs" in page2 and "what chance reaches" in page2
    assert f"shuffled pairs reach up to {coupled_data.together.surrogate_p95:.2f}" in page2
    assert "Each part of the session" in page2 and "this part is shorter than two minutes" in page2
    text = " ".join(coupled_pdf).lower()
    for word in ("out of sync", "failing", "poor", "grade"):
        assert word not in text
    assert text.count("score") == text.count("not a score")


def test_an_uncoupled_pair_is_each_in_their_own_rhythm(tmp_path: Path) -> None:
    path = tmp_path / "two.vagal.jsonl"
    summary = write_pair(path, seed=2, coupling=0.0, duration_s=420.0, roles=(None, None))
    assert summary["together"]["above_chance"] is False
    data = build_pair_report_data(path)
    page2 = " ".join(PdfReader(render_pair_report(data, tmp_path / "r.pdf")).pages[1].extract_text().split())
    assert "no more than chance brings" in page2 and "says nothing about the two of you" in page2
    assert "Both with the guide, each in your own rhythm" in page2
    assert "tended to follow" not in page2  # no lag is said without moving together
    assert "nobody is said to follow" in page2
    assert data.parts == []


def test_vagal_report_on_a_pair_file_writes_the_pair_report(coupled: tuple[Path, dict[str, Any]],
                                                            tmp_path: Path) -> None:
    out = _vagal("report", coupled[0], cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    pdf = tmp_path / "two.pdf"
    assert out.stdout.strip() == f"Report written to {pdf}"
    pages = PdfReader(pdf).pages
    assert len(pages) == 6 and "Your session together" in pages[0].extract_text()
    assert pdf.stat().st_mode & 0o777 == 0o600


def test_each_person_reads_their_own_guide_when_the_events_say_whose() -> None:
    """Per-person guides (``--pace 6,8``): an event with ``person`` goes to that person only; an event
    without one is the session's guide, for both."""

    @dataclasses.dataclass(frozen=True)
    class PersonPacer(PacerChanged):
        person: int = 0

    shared = PacerChanged(0.0, "resonance", 4.0, 0.0, 6.0, 0.0)
    a = PersonPacer(0.0, "resonance", 4.0, 0.0, 6.0, 0.0, person=0)
    b = PersonPacer(0.0, "child", 3.0, 0.0, 4.5, 0.0, person=1)

    class Rec:
        def __init__(self, pacer: tuple[PacerChanged, ...]) -> None:
            self.pacer = pacer

    one_guide: list[Any] = [Rec((shared,)), Rec((shared,))]
    assert person_guide(one_guide, 0) == (shared,) and person_guide(one_guide, 1) == (shared,)
    own: list[Any] = [Rec((a,)), Rec((b,))]  # what read_session(person=i) gives with per-person events
    assert person_guide(own, 0) == (a,) and person_guide(own, 1) == (b,)
    only_a_marked: list[Any] = [Rec((a,)), Rec(())]  # B's recording has no guide of its own: the session's
    assert person_guide(only_a_marked, 1) == (a,)
    mixed: list[Any] = [Rec((a, b)), Rec((a, b))]  # events not filtered by the reader: each keeps theirs
    assert person_guide(mixed, 0) == (a,) and person_guide(mixed, 1) == (b,)


def test_the_chart_draws_both_traces_with_the_names(coupled_data: PairReportData,
                                                    monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from tests.report_helpers import saved_figures, texts_off_the_page

    figs = saved_figures(monkeypatch)
    render_pair_report(coupled_data, tmp_path / "r.pdf")
    page1 = figs[0]
    chart = next(ax for ax in page1.axes if ax.get_title(loc="left") == "Your two heart rates")
    legend = chart.get_legend()
    assert legend is not None
    labels = [t.get_text() for t in legend.get_texts()]
    assert labels[0] == printable(HOSTILE_A) and labels[1].startswith("Alex ßß")
    lines = [ln for ln in chart.get_lines() if ln.get_label() in labels[:2]]
    assert len(lines) == 2
    assert lines[0].get_color() != lines[1].get_color() and lines[0].get_linestyle() != lines[1].get_linestyle()
    for ln in lines:
        r, g, b = (int(ln.get_color()[k : k + 2], 16) for k in (1, 3, 5))
        assert not (r > g + 40 and r > b + 40)  # no red
    for fig in figs:
        assert texts_off_the_page(fig) == []
    assert np.isfinite(lines[0].get_ydata()).sum() > 10


def test_a_pair_too_short_to_compare_says_why_without_empty_charts(coupled: tuple[Path, dict[str, Any]],
                                                                   tmp_path: Path) -> None:
    short = tmp_path / "short.vagal.jsonl"
    short.write_text("".join(coupled[0].read_text().splitlines(keepends=True)[:80]))  # 10-odd seconds
    data = build_pair_report_data(short)
    assert data.together.above_chance is None and data.together.reason
    page2 = " ".join(PdfReader(render_pair_report(data, tmp_path / "r.pdf")).pages[1].extract_text().split())
    assert f"How your heart rhythms moved together could not be measured: {data.together.reason}." in page2
    assert "Moving together over time" not in page2 and "above chance" in page2  # the note on chance stays
