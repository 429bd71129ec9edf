"""Draw the report of a session for two with matplotlib: a page for the two, a together page,
then each person's appendix.

Design decision: the pages for two reuse the one-person report's pieces
(:mod:`vagal.report.render`: the page header and footer, the axes placed in inches, the m:ss
time axis, the guide's strip, the markers, the appendix pages) and its layout
(:class:`vagal.report.layout.Flow`), so the two reports look alike and a change to one
reaches the other. Only what two people have is drawn here:

1. **For the two of you**: what they did, each person's heart rate and RMSSD at the start
   and the end side by side in kind words, and one chart with both heart-rate traces
   (two blues that differ in lightness and in line style, so a greyscale print keeps them
   apart; the names in the legend) over the guide's rhythm and the numbered markers.
2. **How you moved together**: the together view in plain words, always against chance:
   each 30 s window's peak correlation over the band that shuffled, guide-matched pairs
   reach, the lag of each clear window, and each marked part; a short note on what
   "chance" means when both follow one guide. Never a score of the two people.
3. Each person's **appendix** pages, exactly the one-person report's, titled with their name.

Every text from outside (names, roles, labels) arrives printable and is drawn literally
(mathtext is off: ``style.RC``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import numpy as np

from vagal.clock import clock_text
from vagal.report import style
from vagal.report.layout import Flow, line_h_in, wrap
from vagal.report.pair import (
    PairPerson,
    PairReportData,
    chance_note,
    numbers_line,
    together_lines,
)
from vagal.report.person import START_END_S, checkin_words, heart_rate_words, rmssd_words
from vagal.report.render import (
    axes_at,
    draw_appendix_numbers,
    draw_appendix_time,
    draw_footer,
    draw_gaps,
    draw_guide_strip,
    draw_header,
    draw_marker_lines,
    draw_marker_list,
    new_flow,
    time_axis,
    write_pages,
)

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure, SubFigure

    Page = Figure | SubFigure

PERSON_COLOURS: Final = ("#2f4b7c", "#6f9fc8")
"""A: deep slate blue; B: a light sky blue. No red; the two differ in lightness (about 30 %
apart in grey), and B's line is dashed, so a greyscale print keeps them apart."""
PERSON_DASHES: Final[tuple[Any, Any]] = ("solid", (0, (4.0, 1.6)))
CHANCE_FILL: Final = "#e6e8ec"
"""The chance band: a light grey, hatched, under the real pairing's line."""
PAIR_FOOTNOTE: Final = (
    "vagal is not a medical device. These numbers describe how two heart rhythms moved in this recording; "
    "they are not a diagnosis, and not a score of either of you or of your relationship."
)
_BEATS_MAX_S: Final = 5 * 60.0
"""Up to 5 minutes both traces are drawn beat by beat; longer, each person's 30 s average (two
beat-by-beat traces over a long session are one grey blur; each person's beats are in their appendix)."""


# --- page 1: for the two of you ----------------------------------------------------------------


def _what_you_did(data: PairReportData) -> str:
    from vagal.report.data import format_duration

    dur = format_duration(data.duration_s)
    if not data.guided:
        return f"You spent {dur} together, without a breathing guide."
    if data.same_guide:
        return f"You practised together for {dur}, both breathing with the same guide."
    return f"You practised together for {dur}, each breathing with your own guide."


def _span_rows(data: PairReportData) -> list[tuple[str, str]]:
    people = data.people if not data.same_guide else data.people[:1]
    rows: list[tuple[str, str]] = []
    for person in people:
        if not data.same_guide:
            rows.append(("", f"{person.short}'s guide:" if person.data.pacer else f"{person.short}: no "
                         "guide"))
        for s in person.data.pacer[:8]:
            rows.append((f"{clock_text(s.start_s)}\u2013{clock_text(s.end_s)}", s.words))
        if len(person.data.pacer) > 8:
            rows.append(("", f"\u2026 and {len(person.data.pacer) - 8} more changes (on the chart below)"))
    return rows


def _person_column(flow: Flow, person: PairPerson) -> None:
    """One person's start and end in kind words (in a column of the page)."""
    flow.text(person.heading, size=9.5, weight="bold", after_in=0.03)  # a name is at most 200 characters
    p = person.data.person
    if p is None:
        return
    for nums, kind in (heart_rate_words(p), rmssd_words(p)):
        flow.text(nums, weight="bold", size=8.3)
        if kind:
            flow.text(kind, size=8.3, indent_in=0.12)
        flow.gap(0.04)
    feel = checkin_words(p)
    if feel is not None:
        flow.text(feel, size=8.3)
    flow.text(person.data.signal, size=7.0, color=style.MUTED)


def _marker_rows(data: PairReportData) -> list[str]:
    out = []
    for k, m in enumerate(data.markers):
        label = m.label or "(no label)"
        if m.feeling:
            label += f" \u00b7 {m.feeling}"
        out.append(f"{k + 1}.  {clock_text(m.t_s)}  {label}")
    return out


def _both_traces_chart(fig: Page, flow: Flow, data: PairReportData, top_in: float, height_in: float) -> None:
    """Both heart-rate traces over the guide's rhythm, with the numbered markers; m:ss axis."""
    a = data.people[0].data
    ax = axes_at(fig, flow, top_in, height_in)
    beats = data.duration_s <= _BEATS_MAX_S
    ax.set_title("Your two heart rates", fontsize=8.5)
    values = []
    for person, colour, dash in zip(data.people, PERSON_COLOURS, PERSON_DASHES, strict=True):
        d = person.data
        y = d.hr_bpm if beats else d.hr_smooth_bpm
        ax.plot(d.hr_t_s, y, color=colour, linestyle=dash, linewidth=1.0 if beats else 1.5,
                solid_joinstyle="round", label=_tiny(person.short), zorder=3 + (1 - person.index))
        values.append(y[np.isfinite(y)])
    hr = np.concatenate(values) if values else np.empty(0)
    strip = 0.16 if a.pacer else 0.0
    if hr.size:
        lo, hi = np.percentile(hr, [0.5, 99.5])
        pad = max(3.0, 0.1 * (hi - lo))
        span = hi - lo + 2 * pad
        top = hi + pad + (0.16 * span if data.markers else 0.0)
        bottom = lo - pad - (strip / (1 - strip)) * span
        ax.set_ylim(bottom, top)
    ax.set_ylabel("beats per minute")
    if a.pacer:
        # The first person's guide (the shared one); with a guide each, theirs is in their appendix.
        draw_guide_strip(ax, a, strip)
    draw_gaps(ax, a, label=False)
    draw_marker_lines(ax, a, numbers=True, label=bool(data.markers))
    time_axis(ax, data.duration_s)
    ax.set_xlabel("session time (minutes:seconds)")
    ax.legend(loc="lower right", bbox_to_anchor=(1.0, 1.0), ncol=4, handlelength=2.4, columnspacing=1.0,
              borderaxespad=0.15, fontsize=6.8)


def _chart_caption(data: PairReportData) -> str:
    beats = data.duration_s <= _BEATS_MAX_S
    how = "every beat" if beats else "a 30 s average, so the slow changes show (each beat is in the appendix)"
    parts = [f"Each line is one of you: {how}"]
    if data.people[0].data.pacer:
        parts.append("the guide's breathing runs along the bottom")
    if data.markers:
        parts.append("numbers are the moments you marked")
    return "; ".join(parts) + "."


def draw_pair_page(fig: Page, data: PairReportData, page: str) -> None:
    """Page 1: what the two did, each one's start and end, and both heart rates on one chart."""
    flow = new_flow(fig)
    draw_header(fig, flow, data.title + (f": {data.label}" if data.label else ""), data.subtitle, page)
    flow.heading("What you did")
    flow.text(_what_you_did(data), after_in=0.02)
    spans = _span_rows(data)
    if spans:
        flow.rows(spans, [0.15, 1.15], size=8.0, colors=[style.MUTED, style.INK])
    if data.markers:
        n = len(data.markers)
        flow.text(f"You marked {n} moment{'s' if n != 1 else ''}, numbered on the chart and listed under it.",
                  size=8.0, color=style.MUTED)

    flow.heading("How each of you answered")
    full_w, left = flow.width_in, flow.left_in
    col_w = (full_w - 0.35) / 2
    y0 = flow.y_in
    ends = []
    for k, person in enumerate(data.people):
        flow.y_in, flow.left_in, flow.width_in = y0, left + k * (col_w + 0.35), col_w
        _person_column(flow, person)
        ends.append(flow.y_in)
    flow.left_in, flow.width_in = left, full_w
    flow.y_in = max(ends) + 0.04
    if data.people[0].data.person is not None and data.people[0].data.person.end is not None:
        flow.text(f"The start and the end are the first and the last {START_END_S / 60:g} minutes of each "
                  "person's beats, each measured on its own.", size=7.0, color=style.MUTED)
    flow.heading("Together")
    flow.text(f"{data.words}.", size=8.8, weight="bold")
    flow.text("The next page shows how, always against what chance and the guide alone bring.", size=8.0,
              color=style.MUTED)

    markers = _marker_rows(data)
    two_cols = len(markers) > 6
    m_col_w = (flow.width_in - 0.2) / 2 if two_cols else flow.width_in
    marker_lines = [wrap(m, m_col_w, 7.5) for m in markers]
    lh = line_h_in(7.5)
    heights = [len(x) * lh for x in marker_lines]
    bottom_in = flow.page_h_in - style.FOOTER_IN - 0.15
    flow.gap(0.12)
    flow.text(_chart_caption(data), size=7.5, color=style.MUTED)
    chart_top = flow.y_in + 0.3
    room = bottom_in - chart_top - 0.5
    keep = len(markers)

    def list_height(n: int) -> float:
        kept = heights[:n]
        body = max(sum(kept[0::2]), sum(kept[1::2])) if two_cols else sum(kept)
        return body + (0.2 if n else 0.0) + (lh if n < len(markers) else 0.0)

    while keep > 0 and room - list_height(keep) < 2.2:
        keep -= 1
    chart_h = min(max(room - list_height(keep), 2.2), 5.0)
    _both_traces_chart(fig, flow, data, chart_top, chart_h)
    flow.y_in = chart_top + chart_h + 0.5
    draw_marker_list(fig, flow, marker_lines, keep, col_w=m_col_w, two_cols=two_cols,
                     more="listed with the parts on the next page")
    draw_footer(fig, flow, PAIR_FOOTNOTE)


# --- page 2: how you moved together ------------------------------------------------------------


def _together_chart(ax: Axes, data: PairReportData) -> None:
    """Each window's peak correlation over the band that shuffled pairs reach."""
    w = data.together.windows
    a = data.people[0].data
    if w is None or w.end_s.size == 0:
        ax.set_yticks([])
        ax.grid(False)
        ax.text(0.5, 0.5, data.together.reason or "not enough beats of both at once", transform=ax.transAxes,
                ha="center", va="center", color=style.MUTED, fontsize=8)
        time_axis(ax, data.duration_s)
        return
    t = w.end_s - 15.0  # the middle of each 30 s window
    null = w.null_p95_r
    ok = np.isfinite(null)
    both = np.concatenate((w.peak_r[np.isfinite(w.peak_r)], null[ok]))
    # Down to at least 0.5, so that a difference of a few hundredths does not fill the panel; lower
    # when the data go lower (never below −1).
    lo = max(-1.0, min(0.5, float(np.floor(both.min() * 10.0) / 10.0) - 0.1)) if both.size else 0.0
    if ok.any():
        band = np.where(ok, null, np.nan)
        ax.fill_between(t, lo, band, facecolor=CHANCE_FILL, edgecolor="none", zorder=1,
                        label="what chance reaches (95 of 100 shuffled pairs stay in the grey)")
        ax.plot(t, band, color=style.MUTED, linewidth=0.8, linestyle=(0, (3.0, 2.0)), zorder=2)
    ax.plot(t, w.peak_r, color=PERSON_COLOURS[0], linewidth=1.2, marker="o", markersize=1.8, zorder=4,
            label="your two heart rhythms, each window")
    r = data.together
    if r.wcc_peak_r_mean is not None and r.surrogate_p95 is not None:
        # The session's verdict: its average against the level 95 of 100 shuffled pairs' averages stay under.
        ax.axhline(r.wcc_peak_r_mean, color=PERSON_COLOURS[1], linewidth=1.3, zorder=3,
                   label=f"your average over the session, {r.wcc_peak_r_mean:.2f}")
        ax.axhline(r.surrogate_p95, color=style.INK, linewidth=1.0, linestyle=(0, (1.0, 1.5)), zorder=3,
                   label=f"the chance level of that average, {r.surrogate_p95:.2f}")
        lo = min(lo, float(np.floor(min(r.wcc_peak_r_mean, r.surrogate_p95) * 10.0) / 10.0) - 0.1)
    ax.set_ylim(lo, 1.0)
    ax.set_ylabel("how closely they rose\nand fell together", fontsize=7.0)
    draw_gaps(ax, a, label=False)
    draw_marker_lines(ax, a, numbers=True)
    time_axis(ax, data.duration_s, labels=False)
    ax.legend(loc="lower right", bbox_to_anchor=(1.0, 1.0), ncol=2, handlelength=2.2, fontsize=6.6,
              borderaxespad=0.15, columnspacing=1.2)


def _lag_chart(ax: Axes, data: PairReportData) -> None:
    """The lag of each window with a clear peak (above 0: B follows A)."""
    from vagal.hrv.synchrony import DEFAULT_MAX_LAG_S

    a_name, b_name = data.names
    w = data.together.windows
    a = data.people[0].data
    ax.axhline(0.0, color=style.MUTED, linewidth=0.7, zorder=1)
    if w is not None and w.clear.any():
        ax.plot(w.end_s[w.clear] - 15.0, w.lag_s[w.clear], linestyle="none", marker="o", markersize=2.4,
                color=PERSON_COLOURS[0], zorder=3)
    m = DEFAULT_MAX_LAG_S
    ax.set_ylim(-m, m)
    ax.set_yticks([-m, 0.0, m])
    ax.yaxis.set_major_formatter(_lag_formatter())
    trans = ax.get_yaxis_transform()
    ax.text(0.005, m * 0.92, f"{_tiny(b_name)} later", transform=trans, ha="left", va="top", fontsize=6.2,
            color=style.MUTED, clip_on=True)
    ax.text(0.005, -m * 0.92, f"{_tiny(a_name)} later", transform=trans, ha="left", va="bottom", fontsize=6.2,
            color=style.MUTED, clip_on=True)
    ax.set_ylabel("lag (s)", fontsize=7.0)
    draw_gaps(ax, a, label=False)
    draw_marker_lines(ax, a, numbers=False)
    time_axis(ax, data.duration_s)
    ax.set_xlabel("session time (minutes:seconds)")


def _tiny(name: str) -> str:
    """A name cut to 24 characters for the small labels inside a chart."""
    return name if len(name) <= 24 else name[:23].rstrip() + "\u2026"


def _lag_formatter() -> Any:
    from matplotlib.ticker import FuncFormatter

    return FuncFormatter(lambda v, _pos: f"{abs(v):g}")


def _together_charts(fig: Page, flow: Flow, data: PairReportData, bottom_in: float) -> None:
    """The windows over time against chance, and the lag of each clear one, down to ``bottom_in``."""
    w = data.together.windows
    flow.gap(0.1)
    flow.text("Moving together over time", size=8.5, weight="bold")
    band = (
        "the grey is what shuffled pairs reach in that window (shown where there were at least 20 to shuffle)"
        if w is not None and np.isfinite(w.null_p95_r).any()
        else "too few stretches were there to shuffle for a chance band per window, so the dotted line, the "
        "chance level of the session's average, is the one to compare with"
    )
    left_out = (" A window is left out where no stretch at the same point of the guide was there to compare "
                "with (as while the guide eased in)." if data.guided else "")
    flow.text(f"Each point is one 30 s window, every 5 s; {band}.{left_out}", size=7.0, color=style.MUTED)
    top = flow.y_in + 0.42  # the legend's two rows above the chart
    avail = bottom_in - top - 0.5 - 0.35
    h1 = min(max(avail * 0.66, 1.6), 3.8)
    h2 = min(max(avail - h1 - 0.3, 0.9), 1.6)
    ax = axes_at(fig, flow, top, h1)
    _together_chart(ax, data)
    y2 = top + h1 + 0.35
    ax2 = axes_at(fig, flow, y2, h2)
    ax2.sharex(ax)
    ax2.set_title("Who followed whom, in each clear window" if data.together.above_chance else
                  "The timing of each clear window (not above chance, so nobody is said to follow)",
                  fontsize=8.5)
    _lag_chart(ax2, data)
    flow.y_in = y2 + h2 + 0.5


def draw_together_page(fig: Page, data: PairReportData, page: str) -> None:
    """Page 2: the together view against chance, the lag, each marked part, what chance means."""
    flow = new_flow(fig)
    draw_header(fig, flow, "How you moved together", data.subtitle, page)
    if data.together.above_chance is not None:  # otherwise the words are the reason, said just below
        flow.text(f"{data.words}.", size=10.0, weight="bold", after_in=0.06)
    for finding, kind in together_lines(data):
        flow.text(finding, weight="bold", size=8.8)
        if kind:
            flow.text(kind, size=8.5, indent_in=0.15)
        flow.gap(0.05)
    line = numbers_line(data.together)
    if line:
        flow.text(line, size=7.2, color=style.MUTED)
    flow.gap(0.04)
    flow.text(chance_note(data), size=7.6, color=style.INK, italic=True, after_in=0.05)

    parts = data.parts
    rows = [(f"{p.number}.", f"{clock_text(p.start_s)}\u2013{clock_text(p.end_s)}",
             p.label + (f" \u00b7 {p.feeling}" if p.feeling else ""), f"{p.words}.") for p in parts]
    bottom_in = flow.page_h_in - style.FOOTER_IN - 0.2
    cols = [0.0, 0.3, 1.2, 3.3]
    # The label wraps in its own column; the words wrap to the page's edge.
    table: dict[str, Any] = {"size": 7.3, "wrap_cols": (2,), "gap_in": 0.12}
    parts_h = 0.75 + flow.rows_height(rows, cols, **table) if rows else 0.0
    w = data.together.windows
    if w is not None and w.end_s.size:
        _together_charts(fig, flow, data, bottom_in - parts_h)
    if rows:
        flow.heading("Each part of the session", size=9.5)
        flow.text("Each part runs from one marker to the next, with its own chance level; a part needs two "
                  "minutes of both hearts.", size=7.2, color=style.MUTED)
        flow.rows([("", "when", "part", "together")], cols, size=7.0, colors=[style.MUTED] * 4)
        flow.rule()
        flow.rows(rows, cols, **table)
    draw_footer(fig, flow, PAIR_FOOTNOTE)


# --- the document ------------------------------------------------------------------------------

PageDrawer = Callable[["Page", str], None]


def pair_page_plan(data: PairReportData) -> list[PageDrawer]:
    """The pages, in order: for the two, together, then each person's two appendix pages."""
    pages: list[PageDrawer] = [
        lambda fig, label: draw_pair_page(fig, data, label),
        lambda fig, label: draw_together_page(fig, data, label),
    ]
    for person in data.people:
        pages.append(lambda fig, label, d=person.data: draw_appendix_time(fig, d, label))  # type: ignore[misc]
        pages.append(lambda fig, label, d=person.data: draw_appendix_numbers(fig, d, label))  # type: ignore[misc]
    return pages


def render_pair_report(data: PairReportData, out: str | Path) -> Path:
    """Write the report of a session for two to ``out``: a PDF (one page each), or a PNG or SVG
    (the pages stacked).

    Args:
        data: From :func:`vagal.report.pair.build_pair_report_data`.
        out: The output file, which must not exist (never replaced); its extension picks the format.

    Returns:
        The path written.

    Raises:
        ValueError: The extension is not .pdf, .png or .svg.
        FileExistsError: ``out`` exists already.
        OSError: The file cannot be written.
    """
    return write_pages(pair_page_plan(data), out, title=data.title, subtitle=data.subtitle)


__all__: Sequence[str] = ["draw_pair_page", "draw_together_page", "pair_page_plan", "render_pair_report"]
