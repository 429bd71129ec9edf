"""``vagal analyze FILE... [--json] [--no-correct] [--psd welch|lomb]``.

Reads each file with :func:`vagal.sessions.formats.load_recording` (any format vagal
reads), runs :func:`vagal.hrv.analyze_rr` on it, and prints one table with a column per
file, or JSON (one object per file; an array when several files are given). A file that
cannot be read gives one line on stderr naming it (and the line, where there is one);
the other files are still analysed, and the exit status is then 2.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from vagal.hrv.analysis import HrvResult

EXIT_OK = 0
EXIT_ERROR = 2


def _fmt_duration(v: float) -> str:
    from vagal.clock import clock_text

    return clock_text(round(v))


def _num(digits: int) -> Callable[[float], str]:
    return lambda v: f"{v:,.{digits}f}"


_SECTIONS: tuple[tuple[str, tuple[tuple[str, str, Callable[[float], str]], ...]], ...] = (
    (
        "Record",
        (
            ("beats", "n_beats", lambda v: f"{int(v):,}"),
            ("duration (h:mm:ss or m:ss)", "duration_s", _fmt_duration),
            ("artifacts (%)", "artifacts_pct", _num(1)),
        ),
    ),
    (
        "Time domain",
        (
            ("mean NN (ms)", "mean_nn_ms", _num(0)),
            ("heart rate (bpm, of mean NN)", "mean_hr_bpm", _num(1)),
            ("heart rate (bpm, mean of beats)", "mean_inst_hr_bpm", _num(1)),
            ("heart rate, lowest beat (bpm)", "min_hr_bpm", _num(1)),
            ("heart rate, highest beat (bpm)", "max_hr_bpm", _num(1)),
            ("SDNN (ms)", "sdnn_ms", _num(1)),
            ("RMSSD (ms)", "rmssd_ms", _num(1)),
            ("SDSD (ms)", "sdsd_ms", _num(1)),
            ("pNN50 (%)", "pnn50_pct", _num(1)),
            ("pNN20 (%)", "pnn20_pct", _num(1)),
        ),
    ),
    (
        "Frequency domain",
        (
            ("VLF (ms²)", "vlf_ms2", _num(0)),
            ("LF (ms²)", "lf_ms2", _num(0)),
            ("HF (ms²)", "hf_ms2", _num(0)),
            ("total power (ms²)", "total_power_ms2", _num(0)),
            ("LF/HF", "lf_hf", _num(2)),
            ("LF (n.u.)", "lf_nu", _num(1)),
            ("HF (n.u.)", "hf_nu", _num(1)),
            ("LF peak (Hz)", "lf_peak_hz", _num(3)),
            ("HF peak (Hz)", "hf_peak_hz", _num(3)),
        ),
    ),
    (
        "Nonlinear",
        (
            ("Poincaré SD1 (ms)", "sd1_ms", _num(1)),
            ("Poincaré SD2 (ms)", "sd2_ms", _num(1)),
            ("Poincaré SD2/SD1", "sd2_sd1", _num(2)),
            ("sample entropy", "sampen", _num(2)),
            ("DFA α1", "dfa_alpha1", _num(2)),
            ("DFA α2", "dfa_alpha2", _num(2)),
        ),
    ),
    (
        "Biofeedback",
        (("coherence (peak ratio)", "coherence", _num(2)),),
    ),
)

_NONE = "—"


def _short(label: str) -> str:
    """A row's label for the notes: without its unit, but still telling rows apart.

    "LF (n.u.)" stays apart from "LF (ms²)", "heart rate (bpm, of mean NN)" becomes
    "heart rate (of mean NN)".
    """
    if label.endswith("(n.u.)"):
        return label
    name, _, rest = label.partition(" (")
    qualifier = rest.rstrip(")").partition(", ")[2]
    return f"{name} ({qualifier})" if qualifier else name


def _column_names(paths: Sequence[str]) -> list[str]:
    names = [Path(p).name for p in paths]
    if len(set(names)) < len(names):
        names = list(paths)
    return names


def render_table(results: Sequence[tuple[str, HrvResult]], *, psd: str, corrected: bool) -> str:
    """The readable table: one row per metric, one column per file, then the reasons."""
    import numpy as np

    names = _column_names([p for p, _ in results])
    rows: list[tuple[str, list[str]]] = []
    notes: dict[tuple[str, str], list[str]] = {}
    for title, metrics in _SECTIONS:
        if title == "Frequency domain":
            title += f" ({'Welch' if psd == 'welch' else 'Lomb–Scargle'})"
        rows.append((title, []))
        for label, key, fmt in metrics:
            cells: list[str] = []
            for name, (_, res) in zip(names, results, strict=True):
                raw = float(getattr(res, key))
                value = raw if np.isfinite(raw) else None
                if value is None:
                    cells.append(_NONE)
                    reason = res.reasons.get(key, "not computable")
                    notes.setdefault((reason, name), []).append(_short(label))
                else:
                    cells.append(fmt(value))
            rows.append(("  " + label, cells))
    label_w = max(len(r[0]) for r in rows)
    col_w = [max(len(n), *(len(r[1][i]) for r in rows if r[1])) for i, n in enumerate(names)]
    lines = [" " * label_w + "".join(f"  {n:>{w}}" for n, w in zip(names, col_w, strict=True))]
    for label, cells in rows:
        if not cells:
            lines.append(label)
        else:
            lines.append(
                f"{label:<{label_w}}" + "".join(f"  {c:>{w}}" for c, w in zip(cells, col_w, strict=True))
            )
    lines.append("")
    if not corrected:
        lines.append(
            "Artifacts were not corrected (--no-correct); the artifacts row counts the beats flagged."
        )
    n_rows = sum(len(metrics) for title, metrics in _SECTIONS if title != "Record")
    for (reason, name), labels in notes.items():
        where = f" ({name})" if len(names) > 1 else ""
        which = "every metric" if len(labels) >= n_rows else ", ".join(labels)
        lines.append(f"{_NONE} {which}{where}: {reason}.")
    lines.append(
        "Coherence is the HeartMath-method peak ratio, not HeartMath's own score. Not a medical device."
    )
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    """Analyse each file; returns 0, or 2 when any file could not be analysed."""
    from vagal.errors import VagalError
    from vagal.hrv import analyze_rr
    from vagal.sessions.formats import load_recording
    from vagal.sessions.recording import too_few_beats

    psd: str = getattr(args, "psd", "welch") or "welch"
    correct = not getattr(args, "no_correct", False)
    results: list[tuple[str, HrvResult]] = []
    status = EXIT_OK
    for path in args.files:
        try:
            rec = load_recording(path)
        except VagalError as exc:
            print(f"vagal: {exc}", file=sys.stderr)
            status = EXIT_ERROR
            continue
        if rec.n_beats == 0:
            print(f"vagal: {path}: {too_few_beats(rec, 'to analyse')}.", file=sys.stderr)
            status = EXIT_ERROR
            continue
        for d in rec.damage:
            print(f"vagal: note: {path}: {d}; analysed what was readable.", file=sys.stderr)
        results.append(
            (path, analyze_rr(rec.rr_ms, t_s=rec.t_s, breaks=rec.breaks, correct=correct, psd=psd))  # type: ignore[arg-type]
        )
    if args.json:
        # "file" and "psd_method" (METHODS.md §2.4: say which estimator) besides the metrics
        objs: list[dict[str, Any]] = [
            {"file": p, "psd_method": r.psd_method, **r.to_dict()} for p, r in results
        ]
        if len(args.files) == 1:
            if objs:
                print(json.dumps(objs[0], indent=2))
        else:
            print(json.dumps(objs, indent=2))
    elif results:
        print(render_table(results, psd=psd, corrected=correct))
    return status
