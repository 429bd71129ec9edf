"""vagal's two colour themes, and how many colours the terminal shows.

Design decision: every colour vagal sets is one of the xterm-256 palette's own (the 6×6×6
cube or the grey ramp), in the themes here and in ``app.tcss``. A terminal with 256
colours (tmux, screen, macOS Terminal) then shows exactly what a truecolor one does; a
colour between palette entries would be rounded per channel, which turned the soft blue
disc teal and its shaded edge purple. Only the breathing guide's soft edge blends colours,
and only in truecolor (:func:`color_depth`); with fewer colours it is drawn in whole
colours, and half blocks keep it round.

With 16 colours (``TERM=screen``, ``xterm``, a console) the app runs in Textual's ANSI
mode (``App.ansi_color``): the terminal's own background and palette, so nothing leaves
a patch of another black, and ``app.tcss`` names ANSI colours under ``App:ansi``.

The calm palette, dark / light (never red, nothing that flashes):

============  ===========  ===========  =============
role          dark         light        16 colours
============  ===========  ===========  =============
inhale        ``#87afd7``  ``#5f87af``  cyan
exhale        ``#d7af87``  ``#af875f``  yellow
hold          ``#87af87``  ``#5f875f``  green
heart trace   ``#d7af5f``  ``#875f00``  default
============  ===========  ===========  =============

Cool for the in-breath, warm for the out-breath, sage for a still hold: the blue–yellow
axis is the one people with red–green colour blindness see best.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final, Literal

from textual.theme import Theme

if TYPE_CHECKING:
    from textual.app import App

ColorDepth = Literal["truecolor", "256", "16"]
"""How many colours the terminal shows (Textual's console, or ``TEXTUAL_COLOR_SYSTEM``)."""

DARK: Final = "vagal-dark"
LIGHT: Final = "vagal-light"

VAGAL_DARK: Final = Theme(
    name=DARK,
    dark=True,
    primary="#5f87af",
    secondary="#8787af",
    accent="#87afd7",
    warning="#d7af5f",
    error="#af87af",  # Textual's "error" colours a wrong input: mauve here, never red
    success="#87af87",
    foreground="#dadada",
    background="#121212",
    surface="#1c1c1c",
    panel="#262626",
    boost="#1c1c1c",
    variables={
        "footer-background": "#1c1c1c",
        "footer-key-foreground": "#87afd7",
        "footer-description-foreground": "#bcbcbc",
        "footer-item-background": "#1c1c1c",
        "block-cursor-background": "#5f87af",
        "input-selection-background": "#5f87af 40%",
        # Scroll bars in the theme's own greys: Textual's default track is a black patch.
        "scrollbar": "#444444",
        "scrollbar-hover": "#585858",
        "scrollbar-active": "#5f87af",
        "scrollbar-background": "#1c1c1c",
        "scrollbar-background-hover": "#1c1c1c",
        "scrollbar-background-active": "#1c1c1c",
        "scrollbar-corner-color": "#1c1c1c",
    },
)
"""The dark theme (the default)."""

VAGAL_LIGHT: Final = Theme(
    name=LIGHT,
    dark=False,
    primary="#005f87",
    secondary="#5f5f87",
    accent="#005f87",
    warning="#875f00",
    error="#875f87",
    success="#5f875f",
    foreground="#262626",
    background="#e4e4e4",
    surface="#dadada",
    panel="#d0d0d0",
    boost="#dadada",
    variables={
        "footer-background": "#d0d0d0",
        "footer-key-foreground": "#005f87",
        "footer-description-foreground": "#3a3a3a",
        "footer-item-background": "#d0d0d0",
        "block-cursor-background": "#5f87af",
        "input-selection-background": "#5f87af 40%",
        "scrollbar": "#a8a8a8",
        "scrollbar-hover": "#949494",
        "scrollbar-active": "#5f87af",
        "scrollbar-background": "#dadada",
        "scrollbar-background-hover": "#dadada",
        "scrollbar-background-active": "#dadada",
        "scrollbar-corner-color": "#dadada",
    },
)
"""The light theme (the ``l`` key), for a bright room or a light terminal."""


def color_depth(app: App[Any]) -> ColorDepth:
    """How many colours ``app`` draws with.

    ANSI mode counts as 16 whatever the terminal says. Tests and snapshots run headless,
    where the console's guess would follow the machine's ``TERM``; they get truecolor
    unless ``TEXTUAL_COLOR_SYSTEM`` names a depth.
    """
    from textual import constants

    if app.native_ansi_color:
        return "16"
    system = app.console.color_system
    if app.is_headless and constants.COLOR_SYSTEM in (None, "", "auto"):
        return "truecolor"
    if system == "truecolor":
        return "truecolor"
    if system == "256":
        return "256"
    return "16"
