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

BANDS: Final = (
    ("VLF", "#ececec", "xxx"),
    ("LF", "#dcebe1", "///"),
    ("HF", "#dde6f1", "\\\\\\"),
)
"""Band name, fill and hatch: tint and texture differ, so bands stay apart in greyscale."""
SEGMENT_HATCHES: Final = ("", "///", "...", "xxx", "\\\\\\", "ooo", "+++", "---")
SEGMENT_FILLS: Final = ("#c9d6e3", "#cfe3d6", "#ddd5ea", "#e8e0cc", "#d6dde3", "#e3e3e3", "#d9e6e6", "#e6dcd6")

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
    "pdf.fonttype": 42,
    "svg.fonttype": "path",
    "figure.facecolor": "white",
    "savefig.facecolor": "white",
}
"""matplotlib settings applied only while a report is drawn (``rc_context``).

``pdf.fonttype`` 42 embeds TrueType, so the PDF's text can be selected, searched and
extracted (the tests read the summary table back with pypdf).
"""
