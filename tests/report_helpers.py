"""Session files for the report and history tests, written by vagal's own Recorder from real RR data."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
import pytest

from vagal.events import Beat, CheckIn, DeviceInfo, Gap, Marker, PacerChanged
from vagal.sessions.writer import Recorder, make_header

if TYPE_CHECKING:
    from matplotlib.figure import Figure

POLAR = DeviceInfo(0.0, "strap", "Polar H10 7E3A1B2C", model="H10", manufacturer="Polar Electro Oy")


def write_session(
    path: Path,
    rr_ms: npt.NDArray[np.float64],
    *,
    start: datetime,
    markers: Sequence[tuple[float, str]] = (),
    gap: tuple[float, float] | None = None,
    pacer: Sequence[tuple[float, float, float]] = (),
    label: str | None = None,
    checkins: Sequence[tuple[str, int, str]] = (),
    source: str = "live",
    device: DeviceInfo = POLAR,
    header: dict[str, Any] | None = None,
) -> Path:
    """A vagal session of real RR values, written through :class:`vagal.sessions.writer.Recorder`.

    Args:
        path: The new file.
        rr_ms: Real RR intervals (beat times are their cumulative sum).
        start: Wall-clock start (with time zone).
        markers: (t_s, label) pairs.
        gap: (start_s, end_s): beats ending inside are dropped and a Gap event is written.
        pacer: (t_s, inhale_s, exhale_s): the breathing guide from t_s on; (t_s, 0, 0) turns it off.
        label: The header's label.
        checkins: (when, settled, words): "before" at 0 s, "after" just past the last beat.
        source: The header's ``source`` ("live", "demo", "check").
        device: The strap, in the header and as the first event.
        header: More header keys (a check's ``position``).
    """
    t = np.cumsum(rr_ms) / 1000.0
    events: list[tuple[float, object]] = [(0.0, device)]
    end_s = float(t[-1]) if t.size else 0.0
    for when, settled, words in checkins:
        at = 0.0 if when == "before" else end_s + 0.5
        events.append((at, CheckIn(at, "before" if when == "before" else "after", settled, words)))
    events += [(m_t, Marker(m_t, m_label)) for m_t, m_label in markers]
    for p_t, inhale, exhale in pacer:
        preset = "off" if inhale + exhale == 0 else "resonance"
        events.append((p_t, PacerChanged(p_t, preset, inhale, 0.0, exhale, 0.0)))
    for ti, rr in zip(t.tolist(), rr_ms.tolist(), strict=True):
        if gap is not None and gap[0] < ti <= gap[1]:
            continue
        events.append((ti, Beat(ti, rr, round(60000.0 / rr), True)))
    if gap is not None:
        events.append((gap[1], Gap(gap[0], gap[1], "contact_lost")))
    events.sort(key=lambda e: e[0])
    meta = make_header(source=source, start=start, label=label, device=device, **(header or {}))
    with Recorder(path, meta) as rec:
        for _, ev in events:
            rec.write(ev)  # type: ignore[arg-type]
    return path


def saved_figures(monkeypatch: pytest.MonkeyPatch) -> list[Figure]:
    """Every matplotlib Figure saved from now on in the test, to look inside the drawn page."""
    from matplotlib.figure import Figure

    seen: list[Figure] = []
    save = Figure.savefig

    def spy(self: Figure, *args: Any, **kwargs: Any) -> None:
        seen.append(self)
        save(self, *args, **kwargs)

    monkeypatch.setattr(Figure, "savefig", spy)
    return seen


def texts_off_the_page(fig: Figure) -> list[str]:
    """The texts of a drawn figure that reach past its left or right edge (cut off on paper)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.text import Text

    renderer = FigureCanvasAgg(fig).get_renderer()
    fig.draw(renderer)
    page = fig.bbox
    # Tick labels are left out: matplotlib keeps labels for ticks beyond the axis limits and never draws them.
    ticks = {
        id(label)
        for ax in fig.axes
        for axis in (ax.xaxis, ax.yaxis)
        for tick in axis.get_major_ticks() + axis.get_minor_ticks()
        for label in (tick.label1, tick.label2)
    }
    off: list[str] = []
    for text in fig.findobj(Text):
        if id(text) not in ticks and text.get_visible() and text.get_text().strip():
            box = text.get_window_extent(renderer)
            if box.x0 < page.x0 - 1 or box.x1 > page.x1 + 1:
                off.append(text.get_text())
    return off
