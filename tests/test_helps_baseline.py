"""History's "what helps you" and usual range, on 90 days of sessions written from real beats.

The folder holds practice sessions of two patterns (and a third used twice), with check-ins
before and after, still readings (``source: check``) sitting and lying, and simulated
sessions. Every expected number is worked out here from the beats written and the check-ins
noted: by ``vagal.hrv.analyze_rr`` called on the stretch chosen with numpy, and by plain
numpy means and sample standard deviations — never by the code under test.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import REPO, SHARED_DATA, load_rr
from tests.report_helpers import saved_figures, texts_off_the_page, write_session
from vagal.events import DeviceInfo
from vagal.hrv import analyze_rr
from vagal.report.baseline import BaselineDay, Range, Reading, baseline_days, day_values
from vagal.report.helps import NOT_ENOUGH
from vagal.report.history import collect_history, format_table, render_history

FIRST = datetime(2026, 8, 1, 7, 0, tzinfo=UTC)
SIMULATED = DeviceInfo(0.0, "simulator", "Simulated strap", model="simulated person", manufacturer="vagal")
PATTERNS = {"resonance 6.0/min": (4.0, 6.0), "resonance 5.5/min": (5.0, 5.909090909090909), "resonance 10.0/min": (3.0, 3.0)}
"""Pattern name as history names it → (inhale_s, exhale_s)."""


def _hour() -> np.ndarray:
    for p in (SHARED_DATA / "pyhrv_nsr_1h.csv", REPO / "samples" / "pyhrv_nsr_1h.csv"):
        if p.exists():
            return load_rr(p)
    pytest.skip("pyhrv_nsr_1h.csv not available")


def _slice(rr: np.ndarray, k: int, seconds: float) -> np.ndarray:
    """About ``seconds`` of consecutive real beats, starting at a place that moves with ``k``."""
    start = (k * 137) % (rr.size - 1200)
    t = np.cumsum(rr[start:]) / 1000.0
    return rr[start : start + int(np.searchsorted(t, seconds)) + 1]


def _plan() -> dict[str, list[dict[str, object]]]:
    """What is written: practice sessions (kind, check-ins), readings (day, position), demos."""
    practice: list[dict[str, object]] = []
    for k in range(14):
        kind = "resonance 6.0/min" if k % 2 == 0 else "resonance 5.5/min"
        before = 1 + (k % 3)
        after = min(5, before + 1 + (k % 2))
        practice.append({"day": 3 * k, "kind": kind, "before": before, "after": after if k != 5 else None})
    practice += [{"day": 50, "kind": "resonance 10.0/min", "before": 3, "after": 3},
                 {"day": 60, "kind": "resonance 10.0/min", "before": None, "after": None}]
    readings = [{"day": d, "position": "sitting"} for d in range(0, 90, 2)]
    readings += [{"day": d, "position": "lying"} for d in (10, 30, 70)]
    readings.append({"day": 88, "position": "sitting", "later": True})  # a second one that day: not the day's value
    return {"practice": practice, "readings": readings, "demo": [{"day": 5}, {"day": 40}]}


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    rr = _hour()
    d = tmp_path_factory.mktemp("sessions")
    plan = _plan()
    for k, p in enumerate(plan["practice"]):
        start = FIRST + timedelta(days=int(p["day"]), hours=10)  # type: ignore[call-overload]
        inhale, exhale = PATTERNS[str(p["kind"])]
        checkins = [("before", p["before"], "before work")] if p["before"] is not None else []
        checkins += [("after", p["after"], "")] if p["after"] is not None else []
        write_session(d / f"{start:%Y-%m-%d_%H-%M-%S}_live.vagal.jsonl", _slice(rr, k, 600.0), start=start,
                      pacer=[(0.0, inhale, exhale)], checkins=checkins)  # type: ignore[arg-type]
    for k, r in enumerate(plan["readings"]):
        start = FIRST + timedelta(days=int(r["day"]), hours=(13 if r.get("later") else 1 if r["position"] == "lying" else 0))  # type: ignore[call-overload]
        write_session(d / f"{start:%Y-%m-%d_%H-%M-%S}_check.vagal.jsonl", _slice(rr, 40 + 3 * k, 180.0), start=start,
                      source="check", header={"position": r["position"], "check_s": 180.0})
    for k, m in enumerate(plan["demo"]):
        start = FIRST + timedelta(days=int(m["day"]), hours=12)  # type: ignore[call-overload]
        write_session(d / f"{start:%Y-%m-%d_%H-%M-%S}_demo.vagal.jsonl", _slice(rr, 90 + k, 600.0), start=start,
                      source="demo", device=SIMULATED, pacer=[(0.0, 4.0, 6.0)], checkins=[("before", 1, ""), ("after", 5, "")])
    return d


def _window_values(rr: np.ndarray, first: bool) -> dict[str, float]:
    """analyze_rr on the first (or last) 2 minutes of beats, chosen here with numpy."""
    t = np.cumsum(rr) / 1000.0
    sel = t <= 120.0 if first else t > t[-1] - 120.0
    d = analyze_rr(rr[sel], t_s=t[sel]).to_dict()
    return {"mean_hr_bpm": d["mean_hr_bpm"], "rmssd_ms": d["rmssd_ms"], "coherence": d["coherence"]}


def _reading(rr: np.ndarray) -> tuple[float, float]:
    """A still reading's truth: analyze_rr on the beats after its first minute."""
    t = np.cumsum(rr) / 1000.0
    sel = t > 60.0
    res = analyze_rr(rr[sel], t_s=t[sel])
    return float(res.rmssd_ms), float(res.mean_hr_bpm)


def test_what_helps_gives_the_right_counts_averages_and_spreads(folder: Path) -> None:
    rr = _hour()
    plan = _plan()
    h = collect_history(folder)
    rows = {r.kind: r for r in h.helps}
    assert list(rows) == ["resonance 6.0/min", "resonance 5.5/min", "resonance 10.0/min"]
    for kind in ("resonance 6.0/min", "resonance 5.5/min"):
        mine = [(k, p) for k, p in enumerate(plan["practice"]) if p["kind"] == kind]
        assert rows[kind].sessions == len(mine) == 7
        for key in ("mean_hr_bpm", "rmssd_ms", "coherence"):
            changes = []
            for k, _ in mine:
                beats = _slice(rr, k, 600.0)
                changes.append(_window_values(beats, False)[key] - _window_values(beats, True)[key])
            got = rows[kind].changes[key]
            assert got.n == 7
            assert got.mean == pytest.approx(np.mean(changes), rel=1e-9, abs=1e-12), (kind, key)
            assert got.sd == pytest.approx(np.std(changes, ddof=1), rel=1e-9), (kind, key)
        settled = [float(p["after"]) - float(p["before"]) for _, p in mine if p["after"] is not None]  # type: ignore[arg-type]
        got = rows[kind].changes["settled"]
        assert got.n == len(settled) and got.mean == pytest.approx(np.mean(settled), rel=1e-12)
        assert got.sd == pytest.approx(np.std(settled, ddof=1), rel=1e-12)
    # Two sessions of a kind: a count, and words instead of a number.
    few = rows["resonance 10.0/min"]
    assert few.sessions == 2 and not few.enough
    assert all(c.mean is None and c.sd is None for c in few.changes.values())
    text = format_table(h, ("helps",))
    line = next(ln for ln in text.splitlines() if "resonance 10.0/min" in ln)
    assert NOT_ENOUGH in line and line.split()[2] == "2"  # its count, and no figure
    js = json.loads(json.dumps(h.to_dict()))
    few_js = next(r for r in js["what_helps"] if r["kind"] == "resonance 10.0/min")
    assert few_js["changes"]["rmssd_ms"] == {"mean": None, "sd": None, "n": 2, "note": NOT_ENOUGH}


def test_the_usual_range_is_the_60_day_mean_and_half_an_sd_of_ln_rmssd(folder: Path) -> None:
    rr = _hour()
    plan = _plan()
    truth: dict[date, tuple[float, float]] = {}
    for k, r in enumerate(plan["readings"]):
        if r["position"] == "sitting" and not r.get("later"):
            truth[(FIRST + timedelta(days=int(r["day"]))).date()] = _reading(_slice(rr, 40 + 3 * k, 180.0))  # type: ignore[call-overload]
    h = collect_history(folder)
    days = h.baseline()["sitting"]
    assert [date.fromisoformat(d.day) for d in days] == sorted(truth)  # one value a day: the morning's
    for d in days:
        day = date.fromisoformat(d.day)
        rm, hr = truth[day]
        assert d.rmssd_ms == pytest.approx(rm, rel=1e-9) and d.mean_hr_bpm == pytest.approx(hr, rel=1e-9)
        week = [math.log(v[0]) for k, v in truth.items() if day - timedelta(days=6) <= k <= day]
        if len(week) >= 3:
            assert d.week_ln_rmssd == pytest.approx(np.mean(week), rel=1e-12)
        else:
            assert d.week_ln_rmssd is None
        band = [math.log(v[0]) for k, v in truth.items() if day - timedelta(days=59) <= k <= day]
        if len(band) >= 5:
            assert d.band_ln_rmssd is not None
            mean, sd = np.mean(band), np.std(band, ddof=1)
            assert (d.band_ln_rmssd.low, d.band_ln_rmssd.high) == pytest.approx((mean - 0.5 * sd, mean + 0.5 * sd), rel=1e-12)
        else:
            assert d.band_ln_rmssd is None
    # Lying readings are a range of their own (three: not enough for one yet).
    lying = h.baseline()["lying"]
    assert len(lying) == 3 and all(d.band_ln_rmssd is None for d in lying)


def test_simulated_sessions_stay_out_unless_asked_for(folder: Path) -> None:
    plan = _plan()
    h = collect_history(folder)
    assert not any(s.demo for s in h.sessions) and h.demo_left_out == len(plan["demo"])
    assert "2 simulated sessions were left out (add --include-demo to show them)." in format_table(h)
    with_demo = collect_history(folder, include_demo=True)
    assert sum(s.demo for s in with_demo.sessions) == 2 and with_demo.demo_left_out == 0
    six = next(r for r in with_demo.helps if r.kind == "resonance 6.0/min")
    assert six.sessions == 7 + 2


def test_every_view_plots_on_the_page(folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    figures = saved_figures(monkeypatch)
    render_history(collect_history(folder), tmp_path / "h.png")
    (fig,) = figures
    assert texts_off_the_page(fig) == []
    from pypdf import PdfReader

    out = render_history(collect_history(folder), tmp_path / "h.pdf")
    pages = [" ".join(p.extract_text().split()) for p in PdfReader(out).pages]
    assert len(pages) == 3
    assert "resonance 6.0/min" in pages[1] and NOT_ENOUGH in pages[1]


# --- the command line ---------------------------------------------------------------------------


def _vagal(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "vagal", *args], check=False, capture_output=True, text=True,
                          env={**os.environ, **env}, cwd=cwd, timeout=300)


def test_cli_history_json_and_include_demo(folder: Path, tmp_path: Path) -> None:
    env = {"VAGAL_SESSIONS_DIR": str(folder)}
    plain = json.loads(_vagal("history", "--json", env=env, cwd=tmp_path).stdout)
    demo = json.loads(_vagal("history", "--json", "--include-demo", env=env, cwd=tmp_path).stdout)
    assert len(demo["sessions"]) == len(plain["sessions"]) + 2
    assert plain["demo_left_out"] == 2 and demo["demo_left_out"] == 0
    assert {r["kind"] for r in plain["what_helps"]} == set(PATTERNS)


def test_cli_history_o_never_replaces_a_file(folder: Path, tmp_path: Path) -> None:
    out = tmp_path / "mine.pdf"
    out.write_bytes(b"the person's own file")
    done = _vagal("history", "-o", str(out), env={"VAGAL_SESSIONS_DIR": str(folder)}, cwd=tmp_path)
    assert done.returncode == 2 and done.stdout == ""
    (line,) = done.stderr.splitlines()
    assert line.startswith("vagal: ") and "already exists" in line
    assert out.read_bytes() == b"the person's own file"


def _check(*args: str, data: Path, cwd: Path) -> dict[str, object]:
    done = _vagal("check", *args, "--json", env={"VAGAL_DATA_DIR": str(data), "VAGAL_SESSIONS_DIR": str(data / "s")},
                  cwd=cwd)
    assert done.returncode == 0, done.stderr
    return dict(json.loads(done.stdout))


def test_cli_check_demo_is_a_recorded_reading_with_the_core_numbers(tmp_path: Path) -> None:
    from vagal.sessions.formats import load_recording

    out = _check("--demo", "--speed", "max", "--seed", "7", "--duration", "150", data=tmp_path, cwd=tmp_path)
    reading = dict(out["reading"])  # type: ignore[call-overload]
    saved = Path(str(reading["file"]))
    assert saved.parent == tmp_path / "s" and saved.name.endswith("_check.vagal.jsonl")
    rec = load_recording(saved)
    assert rec.meta["source"] == "check" and rec.meta["position"] == "sitting" and rec.meta["demo"] is True
    assert not rec.pacer  # a still reading has no guide
    sel = rec.t_s > (rec.t_s[0] - rec.rr_ms[0] / 1000.0) + 60.0
    b = rec.breaks[sel].copy()
    b[0] = True
    res = analyze_rr(rec.rr_ms[sel], t_s=rec.t_s[sel], breaks=b)
    assert reading["rmssd_ms"] == pytest.approx(res.rmssd_ms, rel=1e-12)
    assert reading["mean_hr_bpm"] == pytest.approx(res.mean_hr_bpm, rel=1e-12)
    assert out["compared"] == {"rmssd": None, "hr": None}  # the first reading: no range yet
    assert "1 of the 5 days" in " ".join(out["words"])  # type: ignore[arg-type]
    # A demo reading stays out of history unless asked for.
    hist = _vagal("history", "--json", env={"VAGAL_SESSIONS_DIR": str(tmp_path / "s")}, cwd=tmp_path)
    assert json.loads(hist.stdout)["sessions"] == []


def test_cli_check_of_a_file_against_five_earlier_readings(tmp_path: Path) -> None:
    """Five morning readings of real beats in the folder; a new one from a file is compared with their range."""
    rr = _hour()
    sessions = tmp_path / "s"
    sessions.mkdir()
    today = datetime.now(UTC).replace(hour=7, minute=0, second=0, microsecond=0)
    earlier = []
    for k in range(5):
        start = today - timedelta(days=5 - k)
        beats = _slice(rr, 200 + 11 * k, 180.0)
        write_session(sessions / f"{start:%Y-%m-%d_%H-%M-%S}_check.vagal.jsonl", beats, start=start, source="check",
                      header={"position": "sitting"})
        earlier.append(math.log(_reading(beats)[0]))
    new = _slice(rr, 900, 180.0)
    src = tmp_path / "morning.csv"
    src.write_text("rr_ms\n" + "\n".join(f"{v:g}" for v in new) + "\n")
    out = _check(str(src), data=tmp_path, cwd=tmp_path)
    mean, sd = float(np.mean(earlier)), float(np.std(earlier, ddof=1))
    usual = dict(out["usual_range"])  # type: ignore[call-overload]
    assert usual["readings"] == 5
    assert usual["ln_rmssd"]["low"] == pytest.approx(mean - 0.5 * sd, rel=1e-9)
    assert usual["ln_rmssd"]["high"] == pytest.approx(mean + 0.5 * sd, rel=1e-9)
    rm = _reading(new)[0]
    # The file's beats, read back: the numbers are the core's on the beats after the first minute.
    assert dict(out["reading"])["rmssd_ms"] == pytest.approx(rm, rel=1e-9)  # type: ignore[call-overload]
    ln = math.log(rm)
    expect = "lower" if ln < mean - 0.5 * sd else "higher" if ln > mean + 0.5 * sd else "within"
    assert dict(out["compared"])["rmssd"] == expect  # type: ignore[call-overload]
    words = {"within": "within your usual range", "lower": "lower than usual: a good day to go easy",
             "higher": "higher than usual"}[expect]
    assert words in " ".join(out["words"])  # type: ignore[arg-type]
    # Recorded as a check session beside the others.
    assert len(list(sessions.glob("*_check.vagal.jsonl"))) == 6


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--demo", "--duration", "0"], "--duration must be a positive number"),
        (["x.csv", "--demo"], "not both"),
        (["--seed", "3"], "Add --demo"),
    ],
)
def test_cli_check_bad_options_are_one_line_and_exit_2(args: list[str], message: str, tmp_path: Path) -> None:
    (tmp_path / "x.csv").write_text("800\n")
    done = _vagal("check", *args, env={"VAGAL_DATA_DIR": str(tmp_path)}, cwd=tmp_path)
    assert done.returncode == 2 and done.stdout == ""
    (line,) = done.stderr.strip().splitlines()
    assert line.startswith("vagal: ") and message in line


def _baseline_days_straightforward(readings: list[Reading], position: str) -> list[BaselineDay]:
    """The usual-range view as first written: every day's windows by a scan of every day."""
    days = day_values(readings, position)

    def window(end: date, n_days: int) -> list[Reading]:
        return [r for d, r in days.items() if end - timedelta(days=n_days - 1) <= d <= end]

    out = []
    for d in sorted(days):
        r, week, band = days[d], window(d, 7), window(d, 60)
        ok = len(week) >= 3

        def rng(values: list[float]) -> Range | None:
            if len(values) < 5:
                return None
            m = math.fsum(values) / len(values)
            return Range(m, math.sqrt(math.fsum((v - m) ** 2 for v in values) / (len(values) - 1)), len(values))

        out.append(BaselineDay(d.isoformat(), r.ln_rmssd, r.rmssd_ms, r.mean_hr_bpm,
                               math.fsum(x.ln_rmssd for x in week) / len(week) if ok else None,
                               math.fsum(x.mean_hr_bpm for x in week) / len(week) if ok else None,
                               rng([x.ln_rmssd for x in band]), rng([x.mean_hr_bpm for x in band])))
    return out


def test_the_usual_range_by_bisection_equals_a_scan_of_every_day() -> None:
    """Years of readings, with gaps, two a day, two positions and a time zone that moves the day."""
    rng = np.random.default_rng(7)
    readings: list[Reading] = []
    day0 = date(2024, 1, 1)
    for k in range(900):
        if rng.random() < 0.3:
            continue  # a day without a reading
        d = day0 + timedelta(days=k + int(rng.integers(0, 3)) * 40 * (k > 600))
        for extra in range(1 + int(rng.random() < 0.1)):
            tz = "+01:00" if rng.random() < 0.8 else "-05:00"
            readings.append(Reading(d.isoformat(), f"{d.isoformat()}T{6 + 7 * extra:02d}:00:00{tz}",
                                    float(rng.uniform(15, 90)), float(rng.uniform(50, 80)),
                                    "sitting" if rng.random() < 0.85 else "lying", f"{k}-{extra}.vagal.jsonl"))
    rng.shuffle(readings)  # type: ignore[arg-type]
    for position in ("sitting", "lying"):
        fast = baseline_days(readings, position)
        assert len(fast) > 50
        assert fast == _baseline_days_straightforward(readings, position)  # exactly: no tolerance


def test_history_read_back_warm_prints_what_a_cold_rebuild_prints(
    folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Byte for byte: ``vagal history`` and ``vagal sessions`` (table and --json) from the index,
    against the same commands with no index at all (every file read and analysed again)."""
    from vagal.cli import main
    from vagal.report import history as report_history
    from vagal.sessions import listing
    from vagal.sessions.index import INDEX_NAME

    data = tmp_path / "data"
    monkeypatch.setenv("VAGAL_DATA_DIR", str(data))
    monkeypatch.setenv("VAGAL_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("VAGAL_SESSIONS_DIR", str(folder))
    commands = [["history", "--json"], ["history"], ["history", "--json", "--include-demo"],
                ["history", "--since", "2026-09-01"], ["history", "--view", "baseline"],
                ["sessions", "--json"], ["sessions"]]

    def outputs() -> list[str]:
        out = []
        for args in commands:
            assert main(args) == 0
            out.append(capsys.readouterr().out)
        return out

    cold = outputs()
    assert (data / INDEX_NAME).exists()
    read: list[str] = []
    real_history, real_listing = report_history.read_session_file, listing.summarize
    monkeypatch.setattr(report_history, "read_session_file", lambda p: read.append(p.name) or real_history(p))
    monkeypatch.setattr(listing, "summarize", lambda p: read.append(p.name) or real_listing(p))
    warm = outputs()
    assert read == []  # read back: no file read again
    (data / INDEX_NAME).unlink()
    rebuilt = outputs()
    assert len(read) > 2 * 50  # every file read again, for history and for sessions
    assert '"band_ln_rmssd": {' in cold[0] and "Usual range" in cold[1]  # every view has numbers
    for args, a, b, c in zip(commands, cold, warm, rebuilt, strict=True):
        assert b == a, args
        assert c == a, args
