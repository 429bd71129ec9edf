"""Draw a session report with matplotlib: two pages, PDF, PNG or SVG.

Design decision: matplotlib is imported inside the functions here (it costs ~0.3 s), so
nothing else in vagal pays for it. Figures are built with ``matplotlib.figure.Figure``
directly, never through pyplot: there is no global figure state and no GUI backend, so
reports render headless (Agg for PNG, the PDF and SVG backends for the others).

Page 1 shows the session over time (heart rate with the breathing guide, markers, gaps
and corrected beats; rolling RMSSD; rolling coherence) and the whole-session spectrum and
Poincaré plot. Page 2 holds the numbers: recording facts, the summary table and, when the
session has markers, the key metrics per segment side by side. A PDF gets two pages; a
PNG or SVG stacks the two pages in one tall image.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, Literal

import numpy as np

from vagal.metrics import metric
from vagal.report import style
from vagal.report.data import (
    SEGMENT_KEYS,
    TOO_SHORT,
    ReportData,
)

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure, SubFigure

OutputFormat = Literal["pdf", "png", "svg"]
FORMATS: Final[tuple[OutputFormat, ...]] = ("pdf", "png", "svg")

_SEGMENT_LABELS: Final = {"duration_s": "Duration", "lf_ms2": "LF power", "hf_ms2": "HF power"}
"""Shorter labels for the narrow segment table (a band's limits do not fit); the others are the registry's."""


def _segment_row(key: str) -> tuple[str, str, int]:
    """Label, unit and decimals of one of ``SEGMENT_KEYS`` in the segment table (from :mod:`vagal.metrics`)."""
    if key == "duration_s":
        return _SEGMENT_LABELS[key], "min", 1  # minutes: a segment is minutes long
    info = metric(key)
    return _SEGMENT_LABELS.get(key, info.label), info.unit, info.decimals


_BEAT_TRACE_MAX_S: Final = 15 * 60.0
"""Longer sessions get a 30 s average over a light beat-by-beat trace."""
_TRACE_WIDTH_IN: Final = 0.86 * style.PAGE_W_IN
"""Width of the time panels on the page (gridspec left 0.09, right 0.95), inches."""
_MARKER_CHAR_IN: Final = 0.052
"""Width of one character of a marker label (6.5 pt DejaVu Sans averages about 0.052 in)."""
_MAX_SEGMENTS: Final = 8
"""More segments than this do not fit side by side; the rest are listed as left out."""


def output_format(path: str | Path) -> OutputFormat:
    """The output format named by a file's extension (pdf, png or svg).

    Raises:
        ValueError: Another extension (the message lists the allowed ones).
    """
    ext = Path(path).suffix.lower().lstrip(".")
    for fmt in FORMATS:
        if ext == fmt:
            return fmt
    raise ValueError(f"the file to write must end in .pdf, .png or .svg, got {Path(path).name!r}")


def _minutes(t_s: Any) -> Any:
    return np.asarray(t_s, dtype=np.float64) / 60.0


def _empty_note(ax: Axes, text: str) -> None:
    ax.set_yticks([])
    ax.grid(False)
    ax.text(0.5, 0.5, text, transform=ax.transAxes, ha="center", va="center", color=style.MUTED, fontsize=8)


def _time_context(ax: Axes, data: ReportData, *, label_markers: bool) -> None:
    """Gaps, markers (and their labels on the top panel) on a time axis in minutes."""
    for k, (s, e) in enumerate(data.gaps):
        ax.axvspan(
            s / 60.0,
            e / 60.0,
            facecolor=style.GAP_FILL,
            edgecolor=style.GAP_EDGE,
            hatch="////",
            linewidth=0.0,
            zorder=0,
            label="no signal" if (k == 0 and label_markers) else None,
        )
    row_free_in = [-1.0, -1.0]  # where each row of labels is free again, inches along the trace
    for k, (t, label) in enumerate(data.markers):
        ax.axvline(t / 60.0, color=style.MARKER_LINE, linestyle=(0, (1.5, 2.0)), linewidth=0.9, zorder=1)
        if label_markers:
            text = (label if len(label) <= 22 else label[:21] + "…") or f"marker {k + 1}"
            # Two rows of labels; a label that fits in neither is left out (its line stays),
            # so close markers do not print over each other.
            at_in = t / max(data.duration_s, 1.0) * _TRACE_WIDTH_IN
            row = next((r for r in (0, 1) if at_in >= row_free_in[r]), None)
            if row is None:
                continue
            row_free_in[row] = at_in + _MARKER_CHAR_IN * (len(text) + 2)
            ax.annotate(
                text,
                xy=(t / 60.0, 1.0),
                xycoords=("data", "axes fraction"),
                xytext=(2, -2 - 9 * row),
                textcoords="offset points",
                ha="left",
                va="top",
                fontsize=6.5,
                color=style.MARKER_LINE,
                bbox={"boxstyle": "round,pad=0.15", "facecolor": "white", "edgecolor": "none", "alpha": 0.8},
                zorder=5,
            )


def _hr_panel(ax: Axes, data: ReportData) -> None:
    ax.set_title("Heart rate")
    t_min = _minutes(data.hr_t_s)
    if data.duration_s > _BEAT_TRACE_MAX_S:
        # An hour of beats is a solid band; a 30 s average shows the course, beats stay as a light haze.
        ax.plot(t_min, data.hr_bpm, color=style.HR_LIGHT, linewidth=0.4, label="each beat")
        ax.plot(t_min, data.hr_smooth_bpm, color=style.HR, linewidth=1.1, label="30 s average")
    else:
        ax.plot(t_min, data.hr_bpm, color=style.HR, linewidth=0.8, solid_joinstyle="round", label="heart rate")
    if data.corrected_t_s.size:
        ax.plot(
            _minutes(data.corrected_t_s),
            data.corrected_hr_bpm,
            linestyle="none",
            marker="o",
            markersize=4.0,
            markerfacecolor="none",
            markeredgecolor=style.CORRECTED,
            markeredgewidth=1.0,
            label="corrected beat",
            zorder=4,
        )
    hr = data.hr_bpm[np.isfinite(data.hr_bpm)]
    if hr.size:
        lo, hi = np.percentile(hr, [0.5, 99.5])
        pad = max(3.0, 0.1 * (hi - lo))
        span = hi - lo + 2 * pad
        top = hi + pad + (0.14 * span if data.markers else 0.0)
        bottom = lo - pad - (0.14 * span if data.pacer else 0.0)
        ax.set_ylim(bottom, top)
    ax.set_ylabel("heart rate (bpm)")
    # The breathing guide as a labelled band along the top: rate in breaths/min.
    for k, span in enumerate(data.pacer):
        ax.axvspan(
            span.start_s / 60.0,
            span.end_s / 60.0,
            ymin=0.0,
            ymax=0.1,
            facecolor=style.PACER_FILL,
            edgecolor="#9fb3c8",
            hatch="...",
            linewidth=0.0,
            zorder=0,
            label="breathing guide" if k == 0 else None,
        )
        mid = (span.start_s + span.end_s) / 2.0 / 60.0
        # Long spans get words, short ones just the rate, tiny ones nothing (no overlapping labels).
        span_in = (span.end_s - span.start_s) / max(data.duration_s, 1.0) * _TRACE_WIDTH_IN
        if span.from_per_min is not None:
            if span_in >= 1.3:
                text = f"easing {span.from_per_min:.0f} → {span.rate_per_min:.1f}/min"
            elif span_in >= 0.5:
                text = f"{span.from_per_min:.0f}→{span.rate_per_min:.0f}"
            else:
                continue
        elif span_in >= 1.6:
            text = f"guide {span.rate_per_min:.1f} breaths/min"
        elif span_in >= 0.4:
            text = f"{span.rate_per_min:.1f}/min"
        else:
            continue
        ax.text(
            mid,
            0.05,
            text,
            transform=ax.get_xaxis_transform(),
            ha="center",
            va="center",
            fontsize=6.5,
            color=style.INK,
            clip_on=True,
            zorder=6,
        )
    _time_context(ax, data, label_markers=True)
    ax.legend(loc="lower right", bbox_to_anchor=(1.0, 1.0), ncol=5, handlelength=1.5, columnspacing=1.2,
              borderaxespad=0.2, fontsize=6.5)


def _rmssd_panel(ax: Axes, data: ReportData) -> None:
    ax.set_title("Beat-to-beat variability (RMSSD, 60 s windows)")
    ok = np.isfinite(data.rmssd_ms)
    if not ok.any():
        _empty_note(ax, f"{TOO_SHORT}: a rolling RMSSD needs at least 60 s of beats")
    else:
        ax.plot(_minutes(data.rmssd_t_s), data.rmssd_ms, color=style.RMSSD, linewidth=1.1)
        ax.set_ylim(bottom=0.0)
    ax.set_ylabel("RMSSD (ms)")
    _time_context(ax, data, label_markers=False)


def _coherence_panel(ax: Axes, data: ReportData) -> None:
    ax.set_title("Coherence (peak ratio, 64 s windows)")
    ok = np.isfinite(data.coherence)
    if not ok.any():
        _empty_note(ax, f"{TOO_SHORT}: coherence needs at least 64 s of steady beats")
    else:
        ax.plot(
            _minutes(data.coherence_t_s),
            data.coherence,
            color=style.COHERENCE,
            linewidth=1.1,
            linestyle=(0, (4.0, 1.6)),
        )
        ax.set_ylim(bottom=0.0)
    ax.set_ylabel("coherence ratio")
    ax.set_xlabel("session time (minutes)")
    _time_context(ax, data, label_markers=False)


def _psd_panel(ax: Axes, data: ReportData) -> None:
    from vagal.hrv.spectral import HF_BAND_HZ, LF_BAND_HZ, VLF_BAND_HZ

    ax.set_title("Power spectrum of the whole session")
    f, p = data.psd_f_hz, data.psd_ms2_per_hz
    if f.size < 2:
        _empty_note(ax, f"{TOO_SHORT}: a spectrum needs more beats")
        ax.set_xticks([])
        return
    m = f <= 0.5
    f, p = f[m], p[m]
    for (name, fill, hatch), (lo, hi) in zip(style.BANDS, (VLF_BAND_HZ, LF_BAND_HZ, HF_BAND_HZ), strict=True):
        sel = (f >= lo) & (f <= hi)
        if sel.sum() >= 2:
            ax.fill_between(f[sel], 0.0, p[sel], facecolor=fill, edgecolor="#8a9099", hatch=hatch, linewidth=0.0, label=name)
    ax.plot(f, p, color=style.PSD_LINE, linewidth=0.9)
    ax.set_xlim(0.0, 0.5)
    ax.set_ylim(bottom=0.0)
    ax.set_xlabel("frequency (Hz)")
    ax.set_ylabel("power density (ms²/Hz)")
    from matplotlib.ticker import FuncFormatter

    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v:,.0f}".replace(",", "\u2009")))
    ax.legend(loc="upper right", handlelength=1.4)
    ax.text(0.99, 0.62, data.psd_method.split(",")[0], transform=ax.transAxes, ha="right", fontsize=6.5, color=style.MUTED)


def _poincare_panel(ax: Axes, data: ReportData) -> None:
    from matplotlib import patheffects
    from matplotlib.patches import Ellipse

    ax.set_title("Poincaré plot")
    x, y = data.poincare_x_ms, data.poincare_y_ms
    if x.size < 2:
        _empty_note(ax, f"{TOO_SHORT}: needs successive beats")
        ax.set_xticks([])
        return
    ax.plot(x, y, linestyle="none", marker="o", markersize=1.6, alpha=0.35, color=style.POINCARE, rasterized=x.size > 3000)
    lo = float(min(x.min(), y.min()))
    hi = float(max(x.max(), y.max()))
    pad = 0.05 * (hi - lo + 1.0)
    ax.plot([lo - pad, hi + pad], [lo - pad, hi + pad], color=style.MUTED, linewidth=0.6, linestyle=(0, (3, 2)))
    if data.sd1_ms is not None and data.sd2_ms is not None:
        # Semi-axes SD2 along the identity line and SD1 across it (Brennan et al. 2001).
        ax.add_patch(
            Ellipse(
                (float(np.mean(x)), float(np.mean(y))),
                width=2.0 * data.sd2_ms,
                height=2.0 * data.sd1_ms,
                angle=45.0,
                fill=False,
                edgecolor=style.INK,
                linewidth=1.2,
                linestyle=(0, (5, 2)),
                zorder=5,
                # A white halo keeps the ellipse visible over a dense cloud, in greyscale too.
                path_effects=[patheffects.withStroke(linewidth=3.0, foreground="white")],
            )
        )
        ax.text(
            0.03,
            0.97,
            f"SD1 {data.sd1_ms:.1f} ms\nSD2 {data.sd2_ms:.1f} ms",
            transform=ax.transAxes,
            va="top",
            fontsize=7,
            color=style.INK,
        )
    ax.set_xlim(lo - pad, hi + pad)
    ax.set_ylim(lo - pad, hi + pad)
    ax.set_aspect("equal", adjustable="box")
    ax.set_xlabel("NN interval n (ms)")
    ax.set_ylabel("NN interval n+1 (ms)")


def _header(fig: Figure | SubFigure, data: ReportData, page: str) -> None:
    fig.text(0.06, 0.975, data.title, fontsize=14, fontweight="bold", va="top", color=style.INK)
    fig.text(0.06, 0.948, data.subtitle, fontsize=8.5, va="top", color=style.MUTED)
    fig.text(0.94, 0.975, page, fontsize=7.5, va="top", ha="right", color=style.MUTED)


def _footer(fig: Figure | SubFigure) -> None:
    fig.text(0.06, 0.02, style.FOOTNOTE, fontsize=6.5, color=style.MUTED, va="bottom", wrap=True)


def draw_page_one(fig: Figure | SubFigure, data: ReportData) -> None:
    """The session over time, its spectrum and its Poincaré plot."""
    _header(fig, data, "page 1 of 2")
    gs = fig.add_gridspec(
        5, 2, left=0.09, right=0.95, top=0.9, bottom=0.07, height_ratios=[3.0, 1.5, 1.5, 0.35, 2.9], hspace=0.42, wspace=0.3
    )
    ax_hr = fig.add_subplot(gs[0, :])
    ax_rm = fig.add_subplot(gs[1, :], sharex=ax_hr)
    ax_co = fig.add_subplot(gs[2, :], sharex=ax_hr)
    _hr_panel(ax_hr, data)
    _rmssd_panel(ax_rm, data)
    _coherence_panel(ax_co, data)
    end_min = max(data.duration_s / 60.0, 0.1)
    ax_hr.set_xlim(0.0, end_min)
    for ax in (ax_hr, ax_rm):
        ax.tick_params(labelbottom=False)
    _psd_panel(fig.add_subplot(gs[4, 0]), data)
    _poincare_panel(fig.add_subplot(gs[4, 1]), data)
    _footer(fig)


def _table(
    fig: Figure | SubFigure,
    rows: Sequence[tuple[str, ...]],
    *,
    x: list[float],
    top: float,
    line_h: float,
    header: tuple[str, ...] | None = None,
    align: list[str] | None = None,
    rule: tuple[float, float] = (0.06, 0.94),
) -> float:
    """Text rows at fixed column positions (figure fractions); returns the y below the last row.

    A row of one string is a section heading with a rule under it. A cell reading
    :data:`TOO_SHORT` is set in muted italics.
    """
    align = align or ["left"] * len(x)
    y = top
    if header is not None:
        for xi, text, ha in zip(x, header, align, strict=True):
            fig.text(xi, y, text, fontsize=7, fontweight="bold", color=style.MUTED, ha=ha, va="top")
        y -= line_h
        fig.add_artist(_rule(fig, y + line_h * 0.15, rule))
    for row in rows:
        if len(row) == 1:  # a section heading
            y -= line_h * 0.35
            fig.text(x[0], y, row[0], fontsize=8.5, fontweight="bold", color=style.INK, va="top")
            y -= line_h
            fig.add_artist(_rule(fig, y + line_h * 0.15, rule))
            continue
        for xi, text, ha in zip(x, row, align, strict=False):
            short = text in (TOO_SHORT, "too short")
            fig.text(
                xi,
                y,
                text,
                fontsize=7.5,
                color=style.MUTED if short else style.INK,
                fontstyle="italic" if short else "normal",
                ha=ha,
                va="top",
            )
        y -= line_h
    return y


def _rule(fig: Figure | SubFigure, y: float, span: tuple[float, float] = (0.06, 0.94)) -> Any:
    from matplotlib.lines import Line2D

    return Line2D(list(span), [y, y], transform=fig.transSubfigure, color=style.RULE, linewidth=0.6)


def _short(label: str, n_chars: int) -> str:
    return label if len(label) <= n_chars else label[: max(n_chars - 1, 1)] + "…"


def _segment_values(data: ReportData) -> tuple[list[str], list[tuple[str, ...]]]:
    segs = data.segments[:_MAX_SEGMENTS]
    # Column width on the page (0.6 of the page width shared by the segments) in characters of 7 pt bold.
    n_chars = max(int(0.6 * style.PAGE_W_IN / max(len(segs), 1) / 0.068), 4)
    header = ["Metric"] + [_short(s.label, n_chars) for s in segs]
    rows: list[tuple[str, ...]] = []
    for key in SEGMENT_KEYS:
        label, unit, decimals = _segment_row(key)
        cells = [f"{label} ({unit})" if unit else label]
        for s in segs:
            v = s.values.get(key)
            if v is None:
                cells.append("too short")
            elif key == "duration_s":
                cells.append(f"{v / 60.0:.1f}")
            else:
                cells.append(f"{v:.{decimals}f}")
        rows.append(tuple(cells))
    return header, rows


def _segment_bars(ax: Axes, data: ReportData, key: str, title: str, unit: str) -> None:
    segs = data.segments[:_MAX_SEGMENTS]
    vals = [s.values.get(key) for s in segs]
    xs = np.arange(len(segs))
    for k, (xk, v) in enumerate(zip(xs, vals, strict=True)):
        if v is None:
            ax.text(float(xk), 0.0, "too\nshort", ha="center", va="bottom", fontsize=6, color=style.MUTED)
            continue
        ax.bar(
            xk,
            v,
            width=0.65,
            facecolor=style.SEGMENT_FILLS[k % len(style.SEGMENT_FILLS)],
            edgecolor=style.MUTED,
            hatch=style.SEGMENT_HATCHES[k % len(style.SEGMENT_HATCHES)],
            linewidth=0.6,
        )
        ax.text(float(xk), v, f"{v:.0f}" if abs(v) >= 10 else f"{v:.2f}", ha="center", va="bottom", fontsize=6.5)
    if len(segs) <= 4:
        ax.set_xticks(xs, [_short(s.label, 14) for s in segs], fontsize=6.5)
    else:  # slanted, so that many labels do not run into each other
        ax.set_xticks(xs, [_short(s.label, 12) for s in segs], fontsize=6.5, rotation=30, ha="right",
                      rotation_mode="anchor")
    ax.set_title(title, fontsize=8)
    ax.set_ylabel(unit)
    ax.grid(axis="x", visible=False)
    ax.margins(y=0.18)


def _metric_rows(data: ReportData, sections: tuple[str, ...]) -> list[tuple[str, ...]]:
    rows: list[tuple[str, ...]] = []
    for section in sections:
        rows.append((section,))
        rows.extend((r.label, r.text, r.unit if r.value is not None else "") for r in data.summary if r.section == section)
    return rows


def _missing_reasons(data: ReportData) -> list[str]:
    """One plain line per reason, naming the metrics it applies to."""
    by_reason: dict[str, list[str]] = {}
    for r in data.summary:
        if r.value is None:
            by_reason.setdefault(r.reason or "not enough data", []).append(r.label)
    return [f"{', '.join(labels)}: {reason}." for reason, labels in by_reason.items()]


def draw_page_two(fig: Figure | SubFigure, data: ReportData) -> None:
    """The numbers: recording facts, summary table, segments side by side, notes."""
    import textwrap

    _header(fig, data, "page 2 of 2")
    line_h = 0.0148
    left, right = (0.06, 0.47), (0.53, 0.94)
    y = _table(fig, [("About this recording",)], x=[0.06], top=0.915, line_h=line_h)
    facts = [(k, v) for k, v in data.info if k != "Spectrum"]
    half = (len(facts) + 1) // 2
    y1 = _table(fig, facts[:half], x=[0.06, 0.2], top=y, line_h=line_h)
    y2 = _table(fig, facts[half:], x=[0.53, 0.68], top=y, line_h=line_h)
    y = min(y1, y2)
    spectrum = dict(data.info).get("Spectrum")
    if spectrum:
        y = _table(fig, [("Spectrum", spectrum)], x=[0.06, 0.2], top=y, line_h=line_h)
    sections = [s for s, _ in _sections(data)]
    cols = [0.06, 0.40, 0.41]
    y1 = _table(fig, _metric_rows(data, tuple(sections[0::2])), x=cols, top=y - 0.004, line_h=line_h,
                align=["left", "right", "left"], rule=left)
    y2 = _table(fig, _metric_rows(data, tuple(sections[1::2])), x=[0.53, 0.87, 0.88], top=y - 0.004, line_h=line_h,
                align=["left", "right", "left"], rule=right)
    y = min(y1, y2)
    missing = _missing_reasons(data)
    if missing:
        y -= line_h * 0.3
        fig.text(0.06, y, "Why some numbers are missing", fontsize=7.5, fontweight="bold", color=style.MUTED, va="top")
        y -= line_h
        for line in missing:
            for part in textwrap.wrap(line, 125):
                fig.text(0.06, y, part, fontsize=7, color=style.MUTED, va="top")
                y -= line_h * 0.85
    if data.segments:
        y = _table(fig, [("Segments (between markers)",)], x=[0.06], top=y - 0.004, line_h=line_h)
        header, seg_rows = _segment_values(data)
        n = len(header) - 1
        x0, x1 = 0.34, 0.94
        step = (x1 - x0) / max(n, 1)
        xs = [0.06] + [x0 + step * (k + 1) for k in range(n)]
        y = _table(fig, seg_rows, x=xs, top=y, line_h=line_h, header=tuple(header), align=["left"] + ["right"] * n)
        if len(data.segments) > _MAX_SEGMENTS:
            fig.text(0.06, y, f"{len(data.segments) - _MAX_SEGMENTS} later segments are left out here.",
                     fontsize=7, color=style.MUTED, va="top")
            y -= line_h
        height = max(min(y - 0.2, 0.13), 0.07)
        gs = fig.add_gridspec(1, 2, left=0.09, right=0.95, top=y - 0.03, bottom=y - 0.03 - height, wspace=0.3)
        _segment_bars(fig.add_subplot(gs[0, 0]), data, "mean_hr_bpm", "Mean heart rate per segment", "bpm")
        _segment_bars(fig.add_subplot(gs[0, 1]), data, "rmssd_ms", "RMSSD per segment", "ms")
        y = y - 0.03 - height - (0.05 if len(data.segments) > 4 else 0.035)  # room for slanted labels
    if data.notes:
        y = _table(fig, [("Notes",)], x=[0.06], top=y - 0.004, line_h=line_h)
        for note in data.notes:
            for part in textwrap.wrap(note, 125):
                fig.text(0.06, y, part, fontsize=7, color=style.INK, va="top")
                y -= line_h * 0.85
            y -= line_h * 0.2
    _footer(fig)


def _sections(data: ReportData) -> list[tuple[str, int]]:
    """The summary's sections in order with their row counts."""
    out: list[tuple[str, int]] = []
    for r in data.summary:
        if out and out[-1][0] == r.section:
            out[-1] = (r.section, out[-1][1] + 1)
        else:
            out.append((r.section, 1))
    return out


def render_report(data: ReportData, out: str | Path) -> Path:
    """Write a report to ``out``: PDF (two pages), PNG or SVG (the two pages stacked).

    Args:
        data: From :func:`vagal.report.data.build_report_data`.
        out: The output file; its extension picks the format.

    Returns:
        The path written.

    Raises:
        ValueError: The extension is not .pdf, .png or .svg.
        OSError: The file cannot be written.
    """
    import matplotlib
    from matplotlib.figure import Figure

    fmt = output_format(out)
    path = Path(out)
    w, h = style.PAGE_W_IN, style.PAGE_H_IN
    rc: Any = style.RC  # matplotlib types the keys as a Literal of every rcParam
    with matplotlib.rc_context(rc):
        if fmt == "pdf":
            from matplotlib.backends.backend_pdf import PdfPages

            with PdfPages(path, metadata={"Title": data.title, "Creator": "vagal", "Subject": data.subtitle}) as pdf:
                for draw in (draw_page_one, draw_page_two):
                    fig = Figure(figsize=(w, h))
                    draw(fig, data)
                    pdf.savefig(fig)
        else:
            fig = Figure(figsize=(w, 2 * h))
            pages: Any = fig.subfigures(2, 1, hspace=0.0)  # an array of two SubFigures
            top, bottom = pages[0], pages[1]
            draw_page_one(top, data)
            draw_page_two(bottom, data)
            sep = bottom.transSubfigure
            from matplotlib.lines import Line2D

            fig.add_artist(Line2D([0.0, 1.0], [1.0, 1.0], transform=sep, color=style.RULE, linewidth=1.0))
            kwargs: dict[str, Any] = {"dpi": style.PNG_DPI} if fmt == "png" else {"metadata": {"Title": data.title}}
            fig.savefig(path, format=fmt, **kwargs)
    return path
