"""Draw a session report with matplotlib: a page for the person, then the details.

Design decision: matplotlib is imported inside the functions here (it costs ~0.3 s), so
nothing else in vagal pays for it. Figures are built with ``matplotlib.figure.Figure``
directly, never through pyplot: there is no global figure state and no GUI backend, so
reports render headless (Agg for PNG, the PDF and SVG backends for the others). Pages are
laid out in inches from the top (:class:`vagal.report.layout.Flow`): words are wrapped to
the column with the printing font's own metrics, and charts take the room the words leave.

The pages, in order:

1. **For you**: what the person did (duration, each pattern's span), how their body
   answered (heart rate and RMSSD at the start and at the end, time at each coherence
   level, how closely heart rate followed the guide), each with a short kind sentence, the
   check-ins, and one chart: heart rate over the guide's rhythm with numbered markers, and
   coherence on a fixed scale, on a time axis in m:ss. Markers are listed under the chart
   with their labels wrapped, so no label is clipped.
2. **Moments** (when the session has markers): each stretch between markers, its numbers
   beside the session's own first two minutes, and its heart rate.
3. **Appendix: the session over time**: the technical traces (beat-by-beat heart rate with
   corrected beats, rolling RMSSD, rolling coherence), each with a one-line note.
4. **Appendix: the numbers**: the recording's facts, every metric of the registry's
   report layout, why some are missing, notes, the spectrum and the Poincaré plot.

A PDF gets one page each; a PNG or SVG stacks the pages in one tall image. Every text from
outside (labels, marker words, check-in words, device names) arrives printable
(:func:`vagal.text.printable`) and is drawn literally: mathtext is off (``style.RC``).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, Final, Literal

import numpy as np

from vagal.clock import clock_text
from vagal.metrics import COHERENCE_LEVELS, metric
from vagal.report import style
from vagal.report.data import (
    GUIDE_WAVE_MAX_S,
    SEGMENT_KEYS,
    TOO_SHORT,
    ReportData,
    SegmentSummary,
    format_duration,
)
from vagal.report.layout import Flow, line_h_in, wrap
from vagal.report.person import (
    START_END_S,
    care_words,
    checkin_notes,
    checkin_words,
    coherence_words,
    following_words,
    heart_rate_words,
    rmssd_words,
)

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure, SubFigure

    Page = Figure | SubFigure

OutputFormat = Literal["pdf", "png", "svg"]
FORMATS: Final[tuple[OutputFormat, ...]] = ("pdf", "png", "svg")

_BEAT_TRACE_MAX_S: Final = 15 * 60.0
"""Longer sessions get a 30 s average over a light beat-by-beat trace."""
_SEGMENTS_PER_PAGE: Final = 4
"""Moments per page (each gets its numbers and a small heart-rate chart)."""
_MAX_SPAN_ROWS: Final = 10
"""Pattern spans listed on the first page; a session that changed more often lists the first
ones and says how many more (each is on the chart and in the appendix)."""
_PLOT_LEFT_IN: Final = 0.95
"""Left edge of a chart's axes (room for the tick labels and the axis label)."""
_PLOT_RIGHT_IN: Final = 0.45
"""Room right of a chart's axes."""
_MINUS: Final = "\u2212"


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


# --- shared pieces ---------------------------------------------------------------------------


def axes_at(fig: Page, flow: Flow, top_in: float, height_in: float, *, left_in: float | None = None,
          width_in: float | None = None) -> Axes:
    """Axes placed in inches from the page's top-left corner."""
    left = _PLOT_LEFT_IN if left_in is None else left_in
    width = (flow.page_w_in - _PLOT_LEFT_IN - _PLOT_RIGHT_IN) if width_in is None else width_in
    return fig.add_axes(
        (left / flow.page_w_in, 1.0 - (top_in + height_in) / flow.page_h_in, width / flow.page_w_in,
         height_in / flow.page_h_in)
    )


def time_axis(ax: Axes, duration_s: float, *, labels: bool = True) -> None:
    """Session time in m:ss (h:mm:ss past an hour), ticks at round steps, 4–10 of them."""
    from matplotlib.ticker import FixedLocator, FuncFormatter

    end = max(duration_s, 1.0)
    steps = (5.0, 10.0, 15.0, 30.0, 60.0, 120.0, 300.0, 600.0, 900.0, 1800.0, 3600.0, 7200.0)
    step = next((s for s in steps if end / s <= 10.0), 14400.0)
    # The ticks MultipleLocator(step) shows on 0..end, fixed: it also returned one beyond each
    # end, and matplotlib builds a tick (two lines, a grid line, two texts) for every one.
    n_steps = int((end + 0.001 * step) // step)
    ax.xaxis.set_major_locator(FixedLocator([k * step for k in range(n_steps + 1)]))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _pos: clock_text(v) if v >= 0 else ""))
    ax.set_xlim(0.0, end)
    ax.tick_params(labelbottom=labels)


def _empty_note(ax: Axes, text: str) -> None:
    ax.set_yticks([])
    ax.grid(False)
    ax.text(0.5, 0.5, text, transform=ax.transAxes, ha="center", va="center", color=style.MUTED, fontsize=8)


def draw_gaps(ax: Axes, data: ReportData, *, label: bool) -> None:
    for k, (s, e) in enumerate(data.gaps):
        ax.axvspan(s, e, facecolor=style.GAP_FILL, edgecolor=style.GAP_EDGE, hatch="////", linewidth=0.0,
                   zorder=0,
                   label="no signal" if (k == 0 and label) else None)


def draw_marker_lines(ax: Axes, data: ReportData, *, numbers: bool, label: bool = False) -> None:
    """Dotted lines at the markers; with ``numbers``, a small number at the top of each (in up
    to three rows, so close markers do not print over each other; the list names them all)."""
    width_in = (
        ax.get_position().width * ax.figure.get_figwidth() if hasattr(ax.figure, "get_figwidth") else 7.0
    )
    row_free = [-1.0, -1.0, -1.0]
    for k, m in enumerate(data.markers):
        ax.axvline(m.t_s, color=style.MARKER_LINE, linestyle=(0, (1.5, 2.0)), linewidth=0.9, zorder=1,
                   label="marker" if (k == 0 and label) else None)
        if not numbers:
            continue
        at_in = m.t_s / max(data.duration_s, 1.0) * width_in
        text = str(k + 1)
        row = next((r for r in range(3) if at_in >= row_free[r]), None)
        if row is None:
            continue
        row_free[row] = at_in + 0.075 * (len(text) + 1.5)
        ax.annotate(
            text, xy=(m.t_s, 1.0), xycoords=("data", "axes fraction"), xytext=(2, -2 - 9 * row),
            textcoords="offset points", ha="left", va="top", fontsize=6.5, fontweight="bold", color=style.INK,
            bbox={"boxstyle": "round,pad=0.18", "facecolor": "white", "edgecolor": style.RULE,
                  "linewidth": 0.5},
            zorder=6,
        )


def draw_header(fig: Page, flow: Flow, title: str, subtitle: str, page: str) -> None:
    """The page's title (wrapped), subtitle and page number."""
    fig.text(1.0 - style.MARGIN_IN / flow.page_w_in, 1.0 - style.TOP_IN / flow.page_h_in, page, fontsize=7.5,
             va="top", ha="right", color=style.MUTED)
    flow.width_in -= 0.9  # the page number's room beside the title
    flow.text(title, size=style.TITLE_PT, weight="bold", max_lines=2, after_in=0.04)
    flow.width_in += 0.9
    flow.text(subtitle, size=8.5, color=style.MUTED, max_lines=3, after_in=0.06)


def draw_footer(fig: Page, flow: Flow, text: str = style.FOOTNOTE) -> None:
    """The footnote, wrapped to the page's width, at the bottom."""
    lines = wrap(text, flow.page_w_in - 2 * style.MARGIN_IN, 6.5)
    lh = line_h_in(6.5)
    y = flow.page_h_in - 0.3 - (len(lines) - 1) * lh
    for line in lines:
        fig.text(style.MARGIN_IN / flow.page_w_in, 1.0 - y / flow.page_h_in, line, fontsize=6.5,
                 color=style.MUTED,
                 va="bottom")
        y += lh


def draw_marker_list(fig: Page, flow: Flow, marker_lines: Sequence[Sequence[str]], keep: int, *,
                     col_w: float, two_cols: bool, more: str) -> None:
    """The numbered markers under a chart, already wrapped (one or two columns), the first ``keep``
    of them; when some are left out, a line says where they are (``more``)."""
    if not marker_lines:
        return
    flow.text("Moments marked", size=8.0, weight="bold")
    lh = line_h_in(7.5)
    col_y = [flow.y_in, flow.y_in]
    for k, lines in enumerate(marker_lines[:keep]):
        c = k % 2 if two_cols else 0
        x_in = style.MARGIN_IN + c * (col_w + 0.2)
        for line in lines:
            fig.text(x_in / flow.page_w_in, flow.fraction(col_y[c]), line, fontsize=7.5, va="top",
                     color=style.INK)
            col_y[c] += lh
    flow.y_in = max(col_y)
    if keep < len(marker_lines):
        flow.text(f"… and {len(marker_lines) - keep} more, {more}.", size=7.5, color=style.MUTED)


def _subtitle(data: ReportData) -> str:
    return data.subtitle


def new_flow(fig: Page) -> Flow:
    w, _ = (style.PAGE_W_IN, style.PAGE_H_IN)
    return Flow(fig, left_in=style.MARGIN_IN, width_in=w - 2 * style.MARGIN_IN, top_in=style.TOP_IN)


def _signed(value: float, decimals: int) -> str:
    text = f"{abs(value):.{decimals}f}"
    if float(text) == 0.0:
        return f"±{text}"
    return ("+" if value > 0 else _MINUS) + text


# --- page 1: for the person -----------------------------------------------------------------


def _what_you_did(data: ReportData) -> str:
    person = data.person
    dur = format_duration(data.duration_s)
    if data.source == "check":
        return f"You sat still for {dur} for a short reading, without a guide."
    if data.pacer:
        return f"You practised for {dur}, breathing with the guide."
    if person is not None and not person.guided:
        return f"You recorded {dur} without a breathing guide."
    return f"The session lasted {dur}."


def _span_rows(data: ReportData) -> list[tuple[str, str]]:
    rows = [(f"{clock_text(s.start_s)}–{clock_text(s.end_s)}", s.words) for s in data.pacer]
    if len(rows) > _MAX_SPAN_ROWS:
        more = len(rows) - (_MAX_SPAN_ROWS - 1)
        rows = rows[: _MAX_SPAN_ROWS - 1] + [
            ("", f"… and {more} more changes of the guide (on the chart below)")
        ]
    return rows


def _marker_rows(data: ReportData) -> list[str]:
    out = []
    for k, m in enumerate(data.markers):
        label = m.label or "(no label)"
        if m.feeling:
            label += f" · {m.feeling}"
        out.append(f"{k + 1}.  {clock_text(m.t_s)}  {label}")
    return out


def _person_chart(fig: Page, flow: Flow, data: ReportData, top_in: float, height_in: float) -> float:
    """Heart rate over the guide's rhythm with numbered markers, and coherence on its fixed scale.

    Returns the height used, inches.
    """
    hr_h = height_in * 0.66
    co_h = height_in - hr_h - 0.28
    ax = axes_at(fig, flow, top_in, hr_h)
    ax.set_title("Heart rate, with the guide's breathing underneath" if data.pacer else "Heart rate",
                 fontsize=8.5)
    t = data.hr_t_s
    long_session = data.duration_s > _BEAT_TRACE_MAX_S
    if long_session:
        ax.plot(t, data.hr_bpm, color=style.HR_LIGHT, linewidth=0.4)
        ax.plot(t, data.hr_smooth_bpm, color=style.HR, linewidth=1.2, label="heart rate (30 s average)")
    else:
        ax.plot(t, data.hr_bpm, color=style.HR, linewidth=0.9, solid_joinstyle="round", label="heart rate")
    hr = data.hr_bpm[np.isfinite(data.hr_bpm)]
    strip = 0.16 if data.pacer else 0.0
    if hr.size:
        lo, hi = np.percentile(hr, [0.5, 99.5])
        pad = max(3.0, 0.1 * (hi - lo))
        span = hi - lo + 2 * pad
        top = hi + pad + (0.16 * span if data.markers else 0.0)
        bottom = lo - pad - (strip / (1 - strip)) * span
        ax.set_ylim(bottom, top)
    ax.set_ylabel("beats per minute")
    if data.pacer:
        draw_guide_strip(ax, data, strip)
    draw_gaps(ax, data, label=True)
    draw_marker_lines(ax, data, numbers=True, label=bool(data.markers))
    time_axis(ax, data.duration_s, labels=False)
    ax.legend(loc="lower right", bbox_to_anchor=(1.0, 1.0), ncol=4, handlelength=1.6, columnspacing=1.0,
              borderaxespad=0.15, fontsize=6.5)

    ax2 = axes_at(fig, flow, top_in + hr_h + 0.28, co_h)
    ax2.sharex(ax)
    ax2.set_title("Coherence: how much of the heart rhythm follows one slow wave", fontsize=8.5)
    _coherence_levels(ax2, data)
    draw_gaps(ax2, data, label=False)
    draw_marker_lines(ax2, data, numbers=False)
    time_axis(ax2, data.duration_s)
    ax2.set_xlabel("session time (minutes:seconds)")
    return height_in


def draw_guide_strip(ax: Axes, data: ReportData, strip: float) -> None:
    """The guide's breathing along the bottom of the heart-rate axes (a wave, or a band on long sessions)."""
    trans = ax.get_xaxis_transform()
    for k, span in enumerate(data.pacer):
        ax.axvspan(span.start_s, span.end_s, ymin=0.0, ymax=strip, facecolor=style.PACER_FILL,
                   edgecolor="none",
                   zorder=0, label="breathing guide" if k == 0 else None)
    if data.guide_t_s.size and data.duration_s <= GUIDE_WAVE_MAX_S:
        y = 0.015 + (strip - 0.03) * data.guide_volume
        ax.plot(data.guide_t_s, y, transform=trans, color=style.GUIDE_WAVE, linewidth=0.7, zorder=1)
    width_in = ax.get_position().width * style.PAGE_W_IN
    for span in data.pacer:
        span_in = (span.end_s - span.start_s) / max(data.duration_s, 1.0) * width_in
        if span.from_per_min is not None:
            text = f"easing {span.from_per_min:g} → {span.rate_per_min:.1f}/min" if span_in >= 1.4 else (
                f"→ {span.rate_per_min:.1f}" if span_in >= 0.45 else "")
        else:
            name = span.preset if span.preset not in ("custom",) else ""
            full = f"{name} {span.rate_per_min:.1f}/min".strip()
            text = (
                full if span_in >= 0.09 * len(full)
                else (f"{span.rate_per_min:.1f}" if span_in >= 0.3 else "")
            )
        if text:
            ax.text((span.start_s + span.end_s) / 2.0, strip + 0.01, text, transform=trans, ha="center",
                    va="bottom",
                    fontsize=6.2, color=style.INK, clip_on=True, zorder=6,
                    bbox={"boxstyle": "round,pad=0.1", "facecolor": "white", "edgecolor": "none",
                          "alpha": 0.75})


def _coherence_levels(ax: Axes, data: ReportData) -> None:
    """Coherence on its fixed scale (0 to 3, or higher when the session went higher), with the
    gentle level words in bands, so a change of 0.3 looks as small as it is."""
    ok = np.isfinite(data.coherence)
    top = 3.0
    if ok.any():
        top = max(3.0, float(np.ceil(np.nanmax(data.coherence) * 2.0) / 2.0))
    edges = [lowest for lowest, _ in COHERENCE_LEVELS] + [top]
    for k, (lowest, words) in enumerate(COHERENCE_LEVELS):
        ax.axhspan(lowest, edges[k + 1], facecolor=style.LEVEL_FILLS[k], edgecolor="none", zorder=0)
        ax.text(0.995, (lowest + edges[k + 1]) / 2.0, words, transform=ax.get_yaxis_transform(), ha="right",
                va="center", fontsize=6.2, color=style.MUTED, zorder=4,
                # Above the trace, on the band's own colour, so a low trace never runs through the words.
                bbox={"boxstyle": "square,pad=0.08", "facecolor": style.LEVEL_FILLS[k], "edgecolor": "none",
                      "alpha": 0.9})
    if ok.any():
        ax.plot(data.coherence_t_s, data.coherence, color=style.COHERENCE, linewidth=1.2,
                linestyle=(0, (4.0, 1.6)),
                zorder=3)
    else:
        ax.text(0.5, 0.5, f"{TOO_SHORT}: coherence needs 64 s of steady beats", transform=ax.transAxes,
                ha="center", va="center", color=style.MUTED, fontsize=7.5)
    ax.set_ylim(0.0, top)
    ax.set_yticks([0.0, 0.5, 1.0, 2.0] + ([3.0] if top >= 3.0 else []))
    ax.set_ylabel("ratio")
    ax.grid(axis="y", visible=False)


def draw_person_page(fig: Page, data: ReportData, page: str) -> None:
    """Page 1: the session in plain words and one chart."""
    flow = new_flow(fig)
    title = "Your session" + (f": {data.title.removeprefix('Session report: ')}" if data.label else "")
    draw_header(fig, flow, title, _subtitle(data), page)
    if data.label and len(data.label) > len(title):
        flow.text(data.label, size=8.0, color=style.MUTED, after_in=0.04)
    p = data.person

    flow.heading("What you did")
    flow.text(_what_you_did(data), after_in=0.02)
    spans = _span_rows(data)
    if spans:
        flow.rows([(a, b) for a, b in spans], [0.15, 1.15], size=8.0, colors=[style.MUTED, style.INK])
    if data.markers:
        n = len(data.markers)
        flow.text(f"You marked {n} moment{'s' if n != 1 else ''}, numbered on the chart and listed under it.",
                  size=8.0, color=style.MUTED)

    if p is not None:
        flow.heading("How your body answered")
        for nums, kind in (heart_rate_words(p), rmssd_words(p), coherence_words(p), following_words(p)):
            flow.text(nums, weight="bold", size=8.8)
            if kind:
                flow.text(kind, size=8.8, indent_in=0.15)
            flow.gap(0.05)
        if p.start is not None and p.end is not None:
            flow.text(f"The start and the end are the first and the last {START_END_S / 60:g} minutes of "
                      "beats, each "
                      "measured on its own.", size=7.0, color=style.MUTED)
        feel = checkin_words(p)
        if feel is not None:
            flow.heading("How you felt")
            flow.text(feel, size=8.8)
            for line in checkin_notes(p):
                flow.text(line, size=8.8, indent_in=0.15)
        care = care_words(p)
        if care:
            flow.gap(0.06)
            for line in care:
                flow.text(line, size=7.5, color=style.MUTED)
    if data.signal:
        flow.gap(0.04)
        flow.text(data.signal, size=7.5, color=style.MUTED)

    # The chart takes the room the words leave; the marker list goes under it.
    markers = _marker_rows(data)
    two_cols = len(markers) > 6
    col_w = (flow.width_in - 0.2) / 2 if two_cols else flow.width_in
    marker_lines = [wrap(m, col_w, 7.5) for m in markers]
    bottom_in = flow.page_h_in - style.FOOTER_IN - 0.15
    chart_top = flow.y_in + 0.32
    room = bottom_in - chart_top - 0.5  # the time axis' labels
    lh = line_h_in(7.5)
    heights = [len(x) * lh for x in marker_lines]
    list_h = ((max(sum(heights[0::2]), sum(heights[1::2])) if two_cols else sum(heights))
              + (0.2 if markers else 0.0))
    keep = len(markers)
    min_chart = 3.3
    while keep > 0 and room - list_h < min_chart:
        keep -= 1
        kept = heights[:keep]
        list_h = (max(sum(kept[0::2]), sum(kept[1::2])) if two_cols else sum(kept)) + 0.2 + lh
    chart_h = min(max(room - list_h, 2.4), 5.4)
    _person_chart(fig, flow, data, chart_top, chart_h)
    flow.y_in = chart_top + chart_h + 0.5
    draw_marker_list(fig, flow, marker_lines, keep, col_w=col_w, two_cols=two_cols,
                     more="on the pages that follow")
    draw_footer(fig, flow)


# --- moments: one block per segment -----------------------------------------------------------


def _segment_row(key: str) -> tuple[str, str, int]:
    """Label, unit and decimals of one of ``SEGMENT_KEYS`` (from :mod:`vagal.metrics`)."""
    if key == "duration_s":
        return "Length", "", 0
    info = metric(key)
    label = {"lf_ms2": "LF power", "hf_ms2": "HF power"}.get(key, info.label)
    return label, info.unit, info.decimals


def segment_chunks(data: ReportData) -> list[list[tuple[int, SegmentSummary]]]:
    """The segments, numbered from 1, in groups of :data:`_SEGMENTS_PER_PAGE` (one group a page)."""
    numbered = list(enumerate(data.segments, start=1))
    return [numbered[k : k + _SEGMENTS_PER_PAGE] for k in range(0, len(numbered), _SEGMENTS_PER_PAGE)]


def _segment_table(seg: SegmentSummary, ref: dict[str, float | None]) -> list[tuple[str, str, str, str]]:
    rows: list[tuple[str, str, str, str]] = []
    for key in SEGMENT_KEYS:
        label, unit, dec = _segment_row(key)
        name = f"{label} ({unit})" if unit else label
        v = seg.values.get(key)
        if key == "duration_s":
            rows.append((name, format_duration(v or 0.0), format_duration(START_END_S), ""))
            continue
        r = ref.get(key)
        this = "too short" if v is None else f"{v:.{dec}f}"
        base = "too short" if r is None else f"{r:.{dec}f}"
        diff = "" if v is None or r is None else _signed(v - r, dec)
        rows.append((name, this, base, diff))
    return rows


def _segment_feeling(data: ReportData, seg: SegmentSummary) -> str:
    m = next((m for m in data.markers if abs(m.t_s - seg.start_s) < 1e-6), None)
    return m.feeling if m is not None else ""


def draw_segment_page(fig: Page, data: ReportData, chunk: list[tuple[int, SegmentSummary]],
                      page: str) -> None:
    """Moments: each stretch between markers beside the session's own start."""
    flow = new_flow(fig)
    draw_header(fig, flow, "The moments of your session", _subtitle(data), page)
    flow.text("Each part runs from one marker to the next. Its numbers stand beside the same numbers of the "
              f"session's own first {START_END_S / 60:g} minutes, so each part is compared with you, not "
              "with anyone "
              "else.", size=8.0, color=style.MUTED, after_in=0.05)
    ref = data.person.start.values if data.person is not None and data.person.start is not None else {}
    bottom_in = flow.page_h_in - style.FOOTER_IN - 0.1
    block_h = (bottom_in - flow.y_in) / _SEGMENTS_PER_PAGE
    table_w = 4.3
    for number, seg in chunk:
        top = flow.y_in
        flow.width_in = table_w
        head = f"{number}. {seg.label}"
        feeling = _segment_feeling(data, seg)
        if feeling:
            head += f" · {feeling}"
        flow.text(head, size=9.5, weight="bold", max_lines=3)
        flow.text(f"{clock_text(seg.start_s)} to {clock_text(seg.end_s)}", size=7.5, color=style.MUTED,
                  after_in=0.03)
        flow.rows([("", "this part", f"first {START_END_S / 60:g} min", "change")], [0.0, 2.1, 2.9, 3.75],
                  size=7.0,
                  align=["left", "right", "right", "right"], colors=[style.MUTED] * 4)
        flow.rows(list(_segment_table(seg, ref)), [0.0, 2.1, 2.9, 3.75], size=7.5,
                  align=["left", "right", "right", "right"])
        used = flow.y_in - top
        chart_h = min(block_h - 0.6, 1.55)
        ax = axes_at(fig, flow, top + 0.3, chart_h, left_in=style.MARGIN_IN + table_w + 0.55,
                   width_in=flow.page_w_in - 2 * style.MARGIN_IN - table_w - 0.6)
        _segment_chart(ax, data, seg, ref.get("mean_hr_bpm"))
        flow.y_in = top + max(used, chart_h + 0.6) + 0.12
        flow.width_in = flow.page_w_in - 2 * style.MARGIN_IN
        flow.rule()
    draw_footer(fig, flow)


def _segment_chart(ax: Axes, data: ReportData, seg: SegmentSummary, ref_hr: float | None) -> None:
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    t = data.hr_t_s
    sel = (t >= seg.start_s) & (t <= seg.end_s)
    sel |= np.isnan(t)  # keep the NaN break points so a gap breaks the line
    tt, hh = t[sel], data.hr_bpm[sel]
    if np.isfinite(hh).sum() < 2:
        _empty_note(ax, "too few beats to draw")
        ax.set_xticks([])
        return
    ax.plot(tt, hh, color=style.HR, linewidth=0.7)
    if ref_hr is not None:
        ax.axhline(ref_hr, color=style.MUTED, linestyle=(0, (4, 2)), linewidth=0.9)
        ax.text(1.0, ref_hr, f" start {ref_hr:.0f}", transform=ax.get_yaxis_transform(), ha="left",
                va="center",
                fontsize=6.0, color=style.MUTED)
    ax.set_xlim(seg.start_s, max(seg.end_s, seg.start_s + 1.0))
    ax.xaxis.set_major_locator(MaxNLocator(4))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _pos: clock_text(v)))
    ax.set_ylabel("bpm", fontsize=6.5)
    ax.tick_params(labelsize=6.0)
    ax.set_title("heart rate in this part", fontsize=7.0, fontweight="normal", color=style.MUTED)


# --- appendix: the session over time ----------------------------------------------------------


def _panel_title(fig: Page, flow: Flow, top_in: float, title: str, note: str) -> float:
    """A panel's title and its one-line note above it; returns where the axes may start."""
    flow.y_in = top_in
    flow.text(title, size=8.5, weight="bold")
    flow.text(note, size=7.0, color=style.MUTED, after_in=0.02)
    return flow.y_in


def draw_appendix_time(fig: Page, data: ReportData, page: str) -> None:
    """Appendix A: beat-by-beat heart rate, rolling RMSSD and rolling coherence."""
    flow = new_flow(fig)
    draw_header(fig, flow, "Appendix: the session over time", _subtitle(data), page)
    bottom_in = flow.page_h_in - style.FOOTER_IN - 0.55
    avail = bottom_in - flow.y_in
    head = 0.42
    heights = [0.44 * (avail - 3 * head), 0.28 * (avail - 3 * head), 0.28 * (avail - 3 * head)]
    y = flow.y_in
    # Heart rate, technical: every beat, corrected beats, gaps, markers, the guide's spans.
    y = _panel_title(fig, flow, y, "Heart rate (bpm)",
                     "Each beat's rate (60,000 ÷ its interval in ms)" + (", with a 30 s average over long "
                                                                         "sessions"
                     if data.duration_s > _BEAT_TRACE_MAX_S else "") + "; open circles are beats that "
                                                                       "artifact "
                     "correction replaced.")
    ax = axes_at(fig, flow, y, heights[0])
    if data.duration_s > _BEAT_TRACE_MAX_S:
        ax.plot(data.hr_t_s, data.hr_bpm, color=style.HR_LIGHT, linewidth=0.4, label="each beat")
        ax.plot(data.hr_t_s, data.hr_smooth_bpm, color=style.HR, linewidth=1.0, label="30 s average")
    else:
        ax.plot(data.hr_t_s, data.hr_bpm, color=style.HR, linewidth=0.7, label="each beat")
    if data.corrected_t_s.size:
        ax.plot(data.corrected_t_s, data.corrected_hr_bpm, linestyle="none", marker="o", markersize=3.5,
                markerfacecolor="none", markeredgecolor=style.CORRECTED, markeredgewidth=0.9,
                label="corrected beat", zorder=4)
    for k, span in enumerate(data.pacer):
        ax.axvspan(span.start_s, span.end_s, ymin=0.0, ymax=0.05, facecolor=style.PACER_FILL,
                   edgecolor="#9fb3c8",
                   hatch="...", linewidth=0.0, zorder=0, label="breathing guide" if k == 0 else None)
    draw_gaps(ax, data, label=True)
    draw_marker_lines(ax, data, numbers=True)
    time_axis(ax, data.duration_s, labels=False)
    ax.legend(loc="upper right", ncol=4, fontsize=6.3, frameon=True, facecolor="white", edgecolor=style.RULE,
              framealpha=0.9, borderaxespad=0.3)
    y += heights[0] + 0.12
    y = _panel_title(fig, flow, y, "Beat-to-beat variability (RMSSD, ms)",
                     "RMSSD over the 60 s before each point, every 5 s; no window reaches across a gap.")
    ax2 = axes_at(fig, flow, y, heights[1])
    ax2.sharex(ax)
    if np.isfinite(data.rmssd_ms).any():
        ax2.plot(data.rmssd_t_s, data.rmssd_ms, color=style.RMSSD, linewidth=1.1)
        ax2.set_ylim(bottom=0.0)
    else:
        _empty_note(ax2, f"{TOO_SHORT}: a rolling RMSSD needs at least 60 s of beats")
    draw_gaps(ax2, data, label=False)
    draw_marker_lines(ax2, data, numbers=False)
    time_axis(ax2, data.duration_s, labels=False)
    ax2.set_ylabel("ms")
    y += heights[1] + 0.12
    y = _panel_title(fig, flow, y, "Coherence (peak ratio)",
                     "HeartMath's ratio on the 64 s before each point, every 5 s (docs/methods.md §6.1), on "
                     "the same fixed "
                     "scale as page 1.")
    ax3 = axes_at(fig, flow, y, heights[2])
    ax3.sharex(ax)
    _coherence_levels(ax3, data)
    draw_gaps(ax3, data, label=False)
    draw_marker_lines(ax3, data, numbers=False)
    time_axis(ax3, data.duration_s)
    ax3.set_xlabel("session time (minutes:seconds)")
    draw_footer(fig, flow)


# --- appendix: the numbers -------------------------------------------------------------------


def _metric_rows(data: ReportData, section: str) -> list[tuple[str, str, str]]:
    return [(r.label, r.text,
             r.unit if r.value is not None else "") for r in data.summary if r.section == section]


def _missing_reasons(data: ReportData) -> list[str]:
    """One plain line per reason, naming the metrics it applies to."""
    by_reason: dict[str, list[str]] = {}
    for r in data.summary:
        if r.value is None:
            by_reason.setdefault(r.reason or "not enough data", []).append(r.label)
    return [f"{', '.join(labels)}: {reason}." for reason, labels in by_reason.items()]


def _sections(data: ReportData) -> list[str]:
    out: list[str] = []
    for r in data.summary:
        if not out or out[-1] != r.section:
            out.append(r.section)
    return out


def draw_appendix_numbers(fig: Page, data: ReportData, page: str) -> None:
    """Appendix B: the recording's facts, every metric, why some are missing, notes, spectrum, Poincaré."""
    flow = new_flow(fig)
    draw_header(fig, flow, "Appendix: the numbers", _subtitle(data), page)
    full_w = flow.width_in
    half = (full_w - 0.3) / 2
    flow.heading("About this recording", size=9.0)
    flow.text("What the file holds and how it was read.", size=7.0, color=style.MUTED)
    flow.rule()
    facts = list(data.info)
    y0 = flow.y_in
    flow.rows([(k, v) for k, v in facts[: (len(facts) + 1) // 2]], [0.0, 1.2], size=7.5)
    y_left = flow.y_in
    flow.y_in, flow.left_in, flow.width_in = y0, style.MARGIN_IN + half + 0.3, half
    flow.rows([(k, v) for k, v in facts[(len(facts) + 1) // 2 :]], [0.0, 1.2], size=7.5)
    y_right = flow.y_in
    flow.left_in, flow.width_in = style.MARGIN_IN, full_w
    flow.y_in = max(y_left, y_right) + 0.05

    sections = _sections(data)
    notes = {
        "Heart rate and time domain": "Averages and spreads of the intervals between beats.",
        "Frequency domain": "How strongly heart rate swings at slow and quicker rhythms (Welch spectrum).",
        "Nonlinear and biofeedback": "The shape and regularity of the rhythm, and the coherence ratio.",
    }
    columns = [sections[0::2], sections[1::2]]
    y_top = flow.y_in
    ends: list[float] = []
    for c, secs in enumerate(columns):
        flow.y_in = y_top
        flow.left_in = style.MARGIN_IN + c * (half + 0.3)
        flow.width_in = half
        for sec in secs:
            flow.heading(sec, size=9.0)
            flow.text(notes.get(sec, ""), size=7.0, color=style.MUTED)
            flow.rule()
            rows = _metric_rows(data, sec)
            flow.rows(rows, [0.0, 2.65, 2.72], size=7.5, align=["left", "right", "left"])
        ends.append(flow.y_in)
    flow.left_in, flow.width_in = style.MARGIN_IN, full_w
    flow.y_in = max(ends) + 0.05
    missing = _missing_reasons(data)
    if missing:
        flow.text("Why some numbers are missing", size=7.5, weight="bold", color=style.MUTED)
        for line in missing:
            flow.text(line, size=7.0, color=style.MUTED)
    if data.notes:
        flow.heading("Notes", size=9.0)
        for note in data.notes:
            flow.text(note, size=7.2, after_in=0.02)
    # The spectrum and the Poincaré plot take the room that is left.
    bottom_in = flow.page_h_in - style.FOOTER_IN - 0.5
    top = flow.y_in + 0.15
    avail = bottom_in - top - 0.4
    h = max(min(avail, 3.4), 1.8)
    w = (full_w - 0.9) / 2
    _panel_title(fig, flow, top, "Power spectrum of the whole session",
                 "Power of heart-rate swings by frequency; LF holds slow breathing.")
    ax = axes_at(fig, flow, top + 0.4, h, left_in=style.MARGIN_IN + 0.5, width_in=w - 0.4)
    _psd_panel(ax, data)
    flow.left_in = style.MARGIN_IN + w + 0.9
    flow.width_in = w
    _panel_title(fig, flow, top, "Poincaré plot",
                 "Each interval against the next; the ellipse shows SD1 and SD2.")
    ax2 = axes_at(fig, flow, top + 0.4, h, left_in=style.MARGIN_IN + w + 1.3, width_in=w - 0.4)
    _poincare_panel(ax2, data)
    flow.left_in, flow.width_in = style.MARGIN_IN, full_w
    draw_footer(fig, flow)


def _psd_panel(ax: Axes, data: ReportData) -> None:
    from matplotlib.ticker import FuncFormatter

    from vagal.hrv.spectral import HF_BAND_HZ, LF_BAND_HZ, VLF_BAND_HZ

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
            ax.fill_between(f[sel], 0.0, p[sel], facecolor=fill, edgecolor="#8a9099", hatch=hatch,
                            linewidth=0.0,
                            label=name)
    ax.plot(f, p, color=style.PSD_LINE, linewidth=0.9)
    ax.set_xlim(0.0, 0.5)
    ax.set_ylim(bottom=0.0)
    ax.set_xlabel("frequency (Hz)")
    ax.set_ylabel("power density (ms²/Hz)")
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v:,.0f}".replace(",", "\u2009")))
    ax.legend(loc="upper right", handlelength=1.4)
    ax.text(0.99, 0.6, data.psd_method.split(",")[0], transform=ax.transAxes, ha="right", fontsize=6.5,
            color=style.MUTED)


def _poincare_panel(ax: Axes, data: ReportData) -> None:
    from matplotlib import patheffects
    from matplotlib.patches import Ellipse

    x, y = data.poincare_x_ms, data.poincare_y_ms
    if x.size < 2:
        _empty_note(ax, f"{TOO_SHORT}: needs successive beats")
        ax.set_xticks([])
        return
    ax.plot(x, y, linestyle="none", marker="o", markersize=1.6, alpha=0.35, color=style.POINCARE,
            rasterized=x.size > 3000)
    lo = float(min(x.min(), y.min()))
    hi = float(max(x.max(), y.max()))
    pad = 0.05 * (hi - lo + 1.0)
    ax.plot([lo - pad, hi + pad], [lo - pad, hi + pad], color=style.MUTED, linewidth=0.6,
            linestyle=(0, (3, 2)))
    if data.sd1_ms is not None and data.sd2_ms is not None:
        # Semi-axes SD2 along the identity line and SD1 across it (Brennan et al. 2001).
        ax.add_patch(
            Ellipse((float(np.mean(x)), float(np.mean(y))), width=2.0 * data.sd2_ms, height=2.0 * data.sd1_ms,
                    angle=45.0, fill=False, edgecolor=style.INK, linewidth=1.2,
                    linestyle=(0, (5, 2)), zorder=5,
                    # A white halo keeps the ellipse visible over a dense cloud, in greyscale too.
                    path_effects=[patheffects.withStroke(linewidth=3.0, foreground="white")])
        )
        ax.text(0.03, 0.97, f"SD1 {data.sd1_ms:.1f} ms\nSD2 {data.sd2_ms:.1f} ms", transform=ax.transAxes,
                va="top",
                fontsize=7, color=style.INK)
    ax.set_xlim(lo - pad, hi + pad)
    ax.set_ylim(lo - pad, hi + pad)
    ax.set_aspect("equal", adjustable="box")
    ax.set_xlabel("interval n (ms)")
    ax.set_ylabel("interval n+1 (ms)")


# --- the document ------------------------------------------------------------------------------

PageDrawer = Callable[["Page", str], None]


def page_plan(data: ReportData) -> list[PageDrawer]:
    """The pages of this report, in order (each draws itself given its page label)."""
    pages: list[PageDrawer] = [lambda fig, label: draw_person_page(fig, data, label)]
    if data.markers and data.segments:
        for chunk in segment_chunks(data):
            pages.append(lambda fig, label, c=chunk: draw_segment_page(fig, data, c, label))  # type: ignore[misc]
    pages.append(lambda fig, label: draw_appendix_time(fig, data, label))
    pages.append(lambda fig, label: draw_appendix_numbers(fig, data, label))
    return pages


@contextmanager
def new_file(path: Path) -> Iterator[BinaryIO]:
    """Create ``path`` for writing, never replacing a file: exclusive create, private (0600).

    A report holds health data, so only its owner may read it. If drawing fails half way,
    the partial file is removed.

    Raises:
        FileExistsError: ``path`` exists already.
        OSError: It cannot be created.
    """
    from vagal.paths import create_private

    fd = create_private(path)  # O_EXCL, 0600 whatever the umask
    f = os.fdopen(fd, "wb")
    try:
        yield f
    except BaseException:
        f.close()
        path.unlink(missing_ok=True)
        raise
    f.close()


def render_report(data: ReportData, out: str | Path) -> Path:
    """Write a report to ``out``: a PDF (one page each), or a PNG or SVG (the pages stacked).

    Args:
        data: From :func:`vagal.report.data.build_report_data`.
        out: The output file, which must not exist (it is never replaced); its extension
            picks the format.

    Returns:
        The path written.

    Raises:
        ValueError: The extension is not .pdf, .png or .svg.
        FileExistsError: ``out`` exists already.
        OSError: The file cannot be written.
    """
    return write_pages(page_plan(data), out, title=data.title, subtitle=data.subtitle)


def write_pages(plan: Sequence[PageDrawer], out: str | Path, *, title: str, subtitle: str) -> Path:
    """Draw ``plan``'s pages into ``out``: a PDF (one page each), or a PNG or SVG (the pages
    stacked, a thin rule between them). Shared by the reports for one and for two.

    Raises:
        ValueError: The extension is not .pdf, .png or .svg.
        FileExistsError: ``out`` exists already.
        OSError: The file cannot be written.
    """
    import matplotlib
    from matplotlib.figure import Figure

    fmt = output_format(out)
    path = Path(out)
    w, h = style.PAGE_W_IN, style.PAGE_H_IN
    rc: Any = style.RC  # matplotlib types the keys as a Literal of every rcParam
    n = len(plan)
    with matplotlib.rc_context(rc), new_file(path) as f:
        if fmt == "pdf":
            from matplotlib.backends.backend_pdf import PdfPages

            with PdfPages(f, metadata={"Title": title, "Creator": "vagal", "Subject": subtitle}) as pdf:
                for k, draw in enumerate(plan):
                    fig = Figure(figsize=(w, h))
                    draw(fig, f"page {k + 1} of {n}")
                    pdf.savefig(fig)
        else:
            from matplotlib.lines import Line2D

            fig = Figure(figsize=(w, n * h))
            pages: Any = fig.subfigures(n, 1, hspace=0.0) if n > 1 else [fig]
            for k, draw in enumerate(plan):
                draw(pages[k], f"page {k + 1} of {n}")
                if k:
                    fig.add_artist(Line2D([0.0, 1.0], [1.0, 1.0], transform=pages[k].transSubfigure,
                                          color=style.RULE, linewidth=1.0))
            # zlib level 3: the stacked pages are 6,600 pixels tall and level 6 spent a second on them.
            kwargs: dict[str, Any] = (
                {"dpi": style.PNG_DPI, "pil_kwargs": {"compress_level": 3}}
                if fmt == "png"
                else {"metadata": {"Title": title}}
            )
            fig.savefig(f, format=fmt, **kwargs)
    return path


def page_count(data: ReportData) -> int:
    """How many pages the report of ``data`` has."""
    return len(page_plan(data))


__all__: Sequence[str] = ["FORMATS", "OutputFormat", "output_format", "page_count", "render_report"]
