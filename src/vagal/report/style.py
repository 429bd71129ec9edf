"""The report's look: one calm palette, line styles and hatches that survive greyscale.

Plain data, no matplotlib import (the renderer applies it inside ``rc_context``). No red
anywhere: many readers of these reports come after trauma, and red reads as alarm.
Every series differs from its neighbours by line style or hatch as well as by colour,
so a greyscale print keeps them apart.
"""

from __future__ import annotations

from typing import Any, Final

PAGE_W_IN: Final = 8.27
"""A4 width (Letter is wider: 8.5 in)."""
PAGE_H_IN: Final = 11.0
"""Letter height (A4 is taller: 11.69 in): the page prints uncropped on both."""
PNG_DPI: Final = 150
"""PNG resolution: a page is 1240 × 1650 pixels, sharp enough to print."""

INK: Final = "#2b2f36"
"""Text and axes."""
MUTED: Final = "#6b7280"
"""Secondary text (captions, footnotes)."""
RULE: Final = "#d5d9de"
"""Table rules and grid lines."""
HR: Final = "#2f4b7c"
"""Heart-rate trace: deep slate blue, solid."""
HR_LIGHT: Final = "#b9c6d8"
"""Beat-by-beat heart rate under the average on long sessions."""
RMSSD: Final = "#2f6f5e"
"""Rolling RMSSD: teal green, solid."""
COHERENCE: Final = "#5b4a86"
"""Rolling coherence: muted violet, dashed."""
PSD_LINE: Final = "#2b2f36"
PACER_FILL: Final = "#e3ecf3"
GAP_FILL: Final = "#eeeeee"
GAP_EDGE: Final = "#9aa0a6"
MARKER_LINE: Final = "#4b5563"
CORRECTED: Final = "#8a6d3b"
"""Corrected beats: hollow ochre circles (a neutral note, not a warning)."""
POINCARE: Final = "#2f4b7c"

LEVEL_FILLS: Final = ("#f4f5f7", "#eceef1", "#e2e6ea", "#d6dce2")
"""Coherence level bands, lightest for the lowest: one grey-blue ramp, so a greyscale print keeps
the order."""
GUIDE_WAVE: Final = "#8fa9c4"
"""The guide's breathing wave under the heart rate."""

MARGIN_IN: Final = 0.6
"""Left and right page margin, inches (text never reaches closer to the edge)."""
TOP_IN: Final = 0.45
"""Where the title starts, inches from the top."""
FOOTER_IN: Final = 0.5
"""Room kept for the footnote at the bottom, inches."""
BODY_PT: Final = 9.0
"""Body text on the person's page."""
SMALL_PT: Final = 7.5
"""Notes and captions."""
HEADING_PT: Final = 10.5
"""Section headings."""
TITLE_PT: Final = 15.0
"""Page title."""
LINE: Final = 1.32
"""Line height as a multiple of the font size."""

BANDS: Final = (
    ("VLF", "#ececec", "xxx"),
    ("LF", "#dcebe1", "///"),
    ("HF", "#dde6f1", "\\\\\\"),
)
"""Band name, fill and hatch: tint and texture differ, so bands stay apart in greyscale."""
SEGMENT_HATCHES: Final = ("", "///", "...", "xxx", "\\\\\\", "ooo", "+++", "---")
SEGMENT_FILLS: Final = ("#c9d6e3", "#cfe3d6", "#ddd5ea", "#e8e0cc", "#d6dde3", "#e3e3e3", "#d9e6e6",
                        "#e6dcd6")

FOOTNOTE: Final = (
    "vagal is not a medical device. These numbers describe this recording; they are not a diagnosis "
    "and say nothing about who you are."
)

HISTORY_FOOTNOTE: Final = (
    "vagal is not a medical device. These numbers describe your recordings; they are not a diagnosis "
    "and say nothing about who you are. Day-to-day ups and downs are normal."
)

RC: Final[dict[str, Any]] = {
    "font.family": "DejaVu Sans",
    "font.size": 8.0,
    "axes.titlesize": 9.0,
    "axes.titleweight": "bold",
    "axes.titlelocation": "left",
    # Titles sit just above their axes (no chart has ticks or labels on top): a fixed place,
    # so matplotlib does not measure every tick label again to find room for each title.
    "axes.titley": 1.0,
    "axes.labelsize": 8.0,
    "axes.edgecolor": "#9aa0a6",
    "axes.labelcolor": INK,
    "axes.linewidth": 0.6,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.color": RULE,
    "grid.linewidth": 0.4,
    "xtick.color": MUTED,
    "ytick.color": MUTED,
    "xtick.labelsize": 7.0,
    "ytick.labelsize": 7.0,
    "text.color": INK,
    "legend.fontsize": 7.0,
    "legend.frameon": False,
    "hatch.linewidth": 0.4,
    # Every text is drawn as it is: a "$" in a marker ("paid $5, then $10", "cost $$") is a
    # dollar sign, never mathtext (which crashed the report or set it in italics).
    "text.parse_math": False,
    "pdf.fonttype": 3,
    "svg.fonttype": "path",
    "figure.facecolor": "white",
    "savefig.facecolor": "white",
}
"""matplotlib settings applied only while a report is drawn (``rc_context``).

``text.parse_math`` off makes every Text literal (outside text holds "$"); the labels vagal
writes itself need no mathtext. ``pdf.fonttype`` 3 embeds the glyphs used, with their Unicode
mapping, so the PDF's text can be selected, searched and extracted (the tests read it back with
pypdf, "·", "²", "–" and "α" included). Type 42 did the same but subset each of the four font
files with fontTools on every report: about 1 s of the 3 s an hour-long report may take.
"""
