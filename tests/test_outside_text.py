"""Text from outside never acts on the terminal: labels, marker labels, device and file names,
file contents quoted in messages.

Each command runs as a person runs it (a subprocess); what it prints must hold no control
character (ESC, BEL, C1, a bidirectional override), must show the text escaped so the person
sees what is there, and the session file must keep the text exactly as it was typed.
(`vagal scan` and `vagal live` with an advertised name: tests/test_scan_live_cli.py.)
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import numpy.typing as npt

from vagal import events as ev
from vagal.sessions.reader import read_session
from vagal.sessions.writer import Recorder, make_header

REPO = Path(__file__).resolve().parent.parent
EVIL = "\x1b]0;pwned\x07\x1b[2J"
"""Sets the terminal's title and clears the screen."""
EVIL_SHOWN = r"\x1b]0;pwned\x07\x1b[2J"
CONTROLS = ("\x1b", "\x07", "\x9b", "\u202e")


def _vagal(*args: str, data_dir: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "VAGAL_DATA_DIR": str(data_dir)}
    env.pop("VAGAL_SESSIONS_DIR", None)
    return subprocess.run(
        [sys.executable, "-m", "vagal", *args], capture_output=True, text=True, env=env, cwd=REPO, check=False
    )


def _clean(*texts: str) -> bool:
    return not any(c in t for t in texts for c in CONTROLS)


def _session(path: Path, rr_ms: npt.NDArray[np.float64], *, label: str, device: str, markers: list[str]) -> Path:
    start = datetime(2026, 11, 24, 17, 15, 2, tzinfo=UTC)
    with Recorder(path, make_header(source="live", start=start, label=label)) as rec:
        rec.write(ev.DeviceInfo(0.0, "strap", device))
        t = 0.0
        for i, rr in enumerate(rr_ms.tolist()):
            t += rr / 1000.0
            rec.write(ev.Beat(t, rr))
            if i in (50, 100) and markers:
                rec.write(ev.Marker(t, markers.pop(0)))
    return path


def test_sessions_shows_labels_markers_and_devices_escaped(tmp_path: Path, nsr_5min: npt.NDArray[np.float64]) -> None:
    folder = tmp_path / "sessions"
    folder.mkdir()
    path = _session(
        folder / "s.vagal.jsonl",
        nsr_5min[:200],
        label=f"Anna {EVIL}",
        device=f"Polar {EVIL}",
        markers=[f"calm {EVIL}", "\u202eevil"],
    )
    proc = _vagal("sessions", data_dir=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert _clean(proc.stdout, proc.stderr), proc.stdout
    assert f"Anna {EVIL_SHOWN}" in proc.stdout
    assert f"calm {EVIL_SHOWN}, \\u202eevil" in proc.stdout
    assert "Polar \\x1b]0;pwne…" in proc.stdout  # the device column is 18 wide: cut, never raw
    # The file keeps exactly what was typed.
    rec = read_session(path)
    assert rec.meta["label"] == f"Anna {EVIL}"
    assert [m.label for m in rec.markers] == [f"calm {EVIL}", "\u202eevil"]
    # --json keeps the text intact too (JSON's own escapes), and safe to print.
    js = _vagal("sessions", "--json", data_dir=tmp_path)
    assert _clean(js.stdout)
    (item,) = json.loads(js.stdout)["sessions"]
    assert item["label"] == f"Anna {EVIL}"


def test_analyze_quotes_a_bad_line_and_a_file_name_escaped(tmp_path: Path, nsr_5min: npt.NDArray[np.float64]) -> None:
    bad = tmp_path / f"rr{EVIL}.txt"
    bad.write_text("800\n810\n" + EVIL + "\n820\n")
    good = tmp_path / f"good{EVIL}.txt"
    good.write_text("".join(f"{v:g}\n" for v in nsr_5min.tolist()))
    proc = _vagal("analyze", str(bad), str(good), data_dir=tmp_path)
    assert proc.returncode == 2  # one file could not be analysed; the other was
    assert "Traceback" not in proc.stderr
    assert _clean(proc.stdout, proc.stderr), (proc.stdout, proc.stderr)
    (line,) = proc.stderr.strip().splitlines()
    assert line.startswith(f"vagal: {tmp_path}/rr{EVIL_SHOWN}.txt:3: ")
    assert EVIL_SHOWN in line[len(f"vagal: {tmp_path}/rr{EVIL_SHOWN}.txt:3: ") :]  # the bad line, quoted
    heading = proc.stdout.splitlines()[0]
    assert heading.strip() == f"good{EVIL_SHOWN}.txt"


def test_an_error_line_quoting_a_file_name_is_escaped(tmp_path: Path) -> None:
    proc = _vagal("replay", "--headless", str(tmp_path / f"missing{EVIL}.vagal.jsonl"), data_dir=tmp_path)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert _clean(proc.stderr)
    (line,) = proc.stderr.strip().splitlines()
    assert f"missing{EVIL_SHOWN}.vagal.jsonl" in line


def test_history_names_a_damaged_file_escaped(tmp_path: Path, nsr_5min: npt.NDArray[np.float64]) -> None:
    folder = tmp_path / "sessions"
    folder.mkdir()
    _session(folder / "good.vagal.jsonl", nsr_5min, label="x", device="Polar", markers=[])
    (folder / f"bad{EVIL}.vagal.jsonl").write_text("not a header\n")
    proc = _vagal("history", data_dir=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert _clean(proc.stdout, proc.stderr), proc.stdout
    assert f"bad{EVIL_SHOWN}.vagal.jsonl" in proc.stdout
    js = _vagal("history", "--json", data_dir=tmp_path)
    assert _clean(js.stdout)


def test_replay_note_on_damage_is_escaped(tmp_path: Path, nsr_5min: npt.NDArray[np.float64]) -> None:
    path = _session(tmp_path / f"s{EVIL}.vagal.jsonl", nsr_5min[:150], label="x", device="Polar", markers=[])
    with path.open("a") as f:
        f.write('{"t": 1e3, "type": "beat", "rr_ms": "' + EVIL + '"}\n')
    proc = _vagal("replay", "--headless", "--speed", "max", str(path), data_dir=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert _clean(proc.stdout, proc.stderr), proc.stderr
    note = next(ln for ln in proc.stderr.splitlines() if ln.startswith("vagal: note:"))
    assert f"s{EVIL_SHOWN}.vagal.jsonl" in note


def test_convert_notes_and_its_last_line_name_the_files_escaped(
    tmp_path: Path, nsr_5min: npt.NDArray[np.float64]
) -> None:
    path = _session(tmp_path / f"s{EVIL}.vagal.jsonl", nsr_5min[:150], label="x", device="Polar", markers=["m"])
    with path.open("a") as f:
        f.write("garbage" + EVIL + "\n")
        f.write('{"t": 1e3, "type": "beat", "rr_ms": 800}\n')
    out = tmp_path / f"out{EVIL}.txt"
    proc = _vagal("convert", str(path), str(out), data_dir=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert _clean(proc.stdout, proc.stderr), proc.stderr
    *damage, plain, wrote = proc.stderr.strip().splitlines()
    assert damage and all(d.startswith(f"vagal: note: {tmp_path}/s{EVIL_SHOWN}.vagal.jsonl: line ") for d in damage)
    assert "garbage" + EVIL_SHOWN in damage[0] or "not a complete JSON object" in damage[0]
    assert plain.startswith(f"vagal: note: {tmp_path}/out{EVIL_SHOWN}.txt is a plain RR list")
    assert wrote.endswith(f"to {tmp_path}/out{EVIL_SHOWN}.txt")
    assert out.exists()  # the file itself has the name as given


def test_reports_notes_and_its_last_line_are_escaped(tmp_path: Path, nsr_5min: npt.NDArray[np.float64]) -> None:
    """What ``vagal report`` prints: the missing glyphs (a label's ESC, BEL, C1), the damage note, the path."""
    path = _session(
        tmp_path / f"s{EVIL}.vagal.jsonl", nsr_5min[:150], label=f"Anna {EVIL}\x9b", device="Polar", markers=[]
    )
    with path.open("a") as f:
        f.write("garbage" + EVIL + "\n")
    out = tmp_path / f"r{EVIL}.png"
    proc = _vagal("report", str(path), "-o", str(out), data_dir=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert _clean(proc.stdout, proc.stderr), (proc.stdout, proc.stderr)
    assert proc.stdout.strip() == f"Report written to {tmp_path}/r{EVIL_SHOWN}.png"
    assert f"vagal: note: {tmp_path}/s{EVIL_SHOWN}.vagal.jsonl was read past a problem" in proc.stderr
    assert out.exists()


def test_the_headless_summary_names_a_chosen_file_escaped(tmp_path: Path) -> None:
    out = tmp_path / f"mine{EVIL}.vagal.jsonl"
    proc = _vagal("demo", "--headless", "--duration", "5", "--speed", "max", "--record", str(out), data_dir=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert _clean(proc.stdout, proc.stderr), proc.stdout
    assert proc.stdout.strip().splitlines()[-1] == f"Saved to {tmp_path}/mine{EVIL_SHOWN}.vagal.jsonl"
    assert out.exists()  # the file has the name as given
