"""``vagal analyze FILE... [--json] [--no-correct] [--psd welch|lomb]``.

Reads each file with :func:`vagal.sessions.formats.load_recording` (any format vagal
reads), runs :func:`vagal.hrv.analyze_rr` on it, and prints one table with a column per
file, or JSON (one object per file; an array when several files are given). A file that
cannot be read gives one line on stderr naming it (and the line, where there is one);
the other files are still analysed, and the exit status is then 2.

The table's rows, their labels, units and digits come from the metric registry
(:data:`vagal.metrics.ANALYZE`). The JSON carries every row of the table: the 25 keys of
``HrvResult.to_dict()`` in their order, then the rows the table shows besides them
(``mean_inst_hr_bpm``, ``min_hr_bpm``, ``max_hr_bpm``, ``sd2_sd1``), and ``reasons``: for
every metric that is null, why, in a plain sentence.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vagal.metrics import ANALYZE, MetricInfo, keys, metric
from vagal.text import printable

if TYPE_CHECKING:
    from vagal.hrv.analysis import HrvResult

EXIT_OK = 0
EXIT_ERROR = 2

_NONE = "—"
NOT_COMPUTABLE = "not computable"
"""The reason given for a missing value when the core gave none."""


def _cell(info: MetricInfo, v: float) -> str:
    """A value as the table writes it: counts and numbers with thousands separators, durations as a clock."""
    if info.kind == "count":
        return f"{int(v):,}"
    if info.kind == "clock":
        from vagal.clock import clock_text

        return clock_text(round(v))
    return f"{v:,.{info.decimals}f}"


def _value(res: HrvResult, key: str) -> float | None:
    """The result's value for a registry key; None where it is not a finite number."""
    raw = float(getattr(res, key))  # a lookup by the registry's key: HrvResult fields are the keys
    return raw if math.isfinite(raw) else None


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
    """Each file's column heading: its name (its path when two names are the same), shown printable."""
    names = [Path(p).name for p in paths]
    if len(set(names)) < len(names):
        names = list(paths)
    return [printable(n, max_chars=None) for n in names]


def render_table(results: Sequence[tuple[str, HrvResult]], *, psd: str, corrected: bool) -> str:
    """The readable table: one row per metric, one column per file, then the reasons."""
    names = _column_names([p for p, _ in results])
    rows: list[tuple[str, list[str]]] = []
    notes: dict[tuple[str, str], list[str]] = {}
    for title, section_keys in ANALYZE:
        if title == "Frequency domain":
            title += f" ({'Welch' if psd == 'welch' else 'Lomb–Scargle'})"
        rows.append((title, []))
        for key in section_keys:
            info = metric(key)
            label = info.row_label
            cells: list[str] = []
            for name, (_, res) in zip(names, results, strict=True):
                value = _value(res, key)
                if value is None:
                    cells.append(_NONE)
                    reason = res.reasons.get(key, NOT_COMPUTABLE)
                    notes.setdefault((reason, name), []).append(_short(label))
                else:
                    cells.append(_cell(info, value))
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
    n_rows = sum(len(section_keys) for title, section_keys in ANALYZE if title != "Record")
    for (reason, name), labels in notes.items():
        where = f" ({name})" if len(names) > 1 else ""
        which = "every metric" if len(labels) >= n_rows else ", ".join(labels)
        lines.append(f"{_NONE} {which}{where}: {reason}.")
    lines.append(
        "Coherence is the HeartMath-method peak ratio, not HeartMath's own score. Not a medical device."
    )
    return "\n".join(lines)


def to_json(path: str, res: HrvResult) -> dict[str, Any]:
    """One file's ``--json`` object: what the table shows, and why each missing value is missing.

    Keys: ``file`` and ``psd_method`` (docs/methods.md §2.4: say which estimator), the 25 keys
    of ``HrvResult.to_dict()`` in their order, then every other row of the table
    (:data:`vagal.metrics.ANALYZE`), then ``reasons``: for each key whose value is null,
    the plain sentence the table's notes give.
    """
    obj: dict[str, Any] = {"file": path, "psd_method": res.psd_method, **res.to_dict()}
    for key in keys(ANALYZE):
        if key not in obj:
            obj[key] = _value(res, key)
    obj["reasons"] = {
        key: res.reasons.get(key, NOT_COMPUTABLE)
        for key, value in obj.items()
        if value is None and key not in ("file", "psd_method")
    }
    return obj


def run(args: argparse.Namespace) -> int:
    """Analyse each file; returns 0, or 2 when any file could not be analysed."""
    if getattr(args, "pair", None):
        from vagal.commands.analyze_pair import run as run_pair

        return run_pair(args)
    if not args.files:
        print("vagal: analyze needs a file (or --pair A B for two people).", file=sys.stderr)
        return EXIT_ERROR
    if len(args.files) == 1:
        from pathlib import Path

        from vagal.commands.replay_pair import is_pair_file

        if is_pair_file(Path(args.files[0])):  # one session of two people: each, and together
            from vagal.commands.analyze_pair import run_file

            return run_file(args, args.files[0])
    from vagal.errors import VagalError
    from vagal.hrv import analyze_rr
    from vagal.sessions.formats import load_recording
    from vagal.sessions.recording import too_few_beats

    psd: str = args.psd or "welch"
    correct = not args.no_correct
    results: list[tuple[str, HrvResult]] = []
    status = EXIT_OK
    for path in args.files:
        try:
            rec = load_recording(path)
        except VagalError as exc:
            # The message quotes the file's name and content: shown with every control escaped.
            print(f"vagal: {printable(str(exc), max_chars=None)}", file=sys.stderr)
            status = EXIT_ERROR
            continue
        if rec.n_beats == 0:
            shown = printable(path, max_chars=None)
            print(f"vagal: {shown}: {too_few_beats(rec, 'to analyse')}.", file=sys.stderr)
            status = EXIT_ERROR
            continue
        for d in rec.damage:
            shown = printable(f"{path}: {d}", max_chars=None)
            print(f"vagal: note: {shown}; analysed what was readable.", file=sys.stderr)
        if isinstance(rec.meta.get("people"), list):
            shown = printable(path, max_chars=None)
            print(f"vagal: note: {shown} holds two people; these are the first person's numbers "
                  "(analyze it on its own for both and together).", file=sys.stderr)
        results.append(
            (path, analyze_rr(rec.rr_ms, t_s=rec.t_s, breaks=rec.breaks, correct=correct, psd=psd))  # type: ignore[arg-type]
        )
    if args.json:
        objs: list[dict[str, Any]] = [to_json(p, r) for p, r in results]
        if len(args.files) == 1:
            if objs:
                print(json.dumps(objs[0], indent=2))
        else:
            print(json.dumps(objs, indent=2))
    elif results:
        print(render_table(results, psd=psd, corrected=correct))
    return status
