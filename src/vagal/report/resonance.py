"""The one-page report of a resonance assessment (``vagal report SESSION`` on a session
recorded by ``vagal resonance``).

The page: the chosen rate and how sure it is; a table of the steps with each criterion
(docs/methods.md §6.6); a bar of each step's combined score; heart rate against the guide
for the best and the worst followed step; and the honesty note (the rate varies from day
to day, and it rests on following the guide).

Design decision: the scoring is not redone here. The caller passes the passes' results
(:func:`vagal.commands.resonance.assess`, the same as ``vagal resonance --from SESSION``)
with the beats and the guide, so the report and the command never disagree. Outside text
(the label) is drawn literally: the report's rc (:data:`vagal.report.style.RC`) turns
mathtext off, so a "$" stays a "$".
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from vagal.report import style

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt
    from matplotlib.axes import Axes

    from vagal.hrv.resonance import ResonanceResult, StepScore

HONESTY: Final = (
    "How far to trust it: your own rate can differ from one day to the next (Capdevila et al. "
    "2021 found it changed at a retest in two of three people), and it rests on breathing "
    "along with the guide. Steps where heart rate did not follow the guide were left out. "
    "Assess again now and then; practising near this rate is what matters, not the exact figure."
)


def _num(x: float | None, fmt: str) -> str:
    return "–" if x is None else format(x, fmt)


def _rate(r: float) -> str:
    return f"{r:g}"


def verdict(result: ResonanceResult) -> str:
    """The page's headline: "Your rate: 5.5 breaths/min, clearly." or why there is none."""
    if result.best_rate_per_min is None:
        return f"No rate was chosen: {result.reason or 'too few steps were followed'}."
    if result.confidence == "clear":
        return f"Your rate: {_rate(result.best_rate_per_min)} breaths/min, clearly."
    close = " or ".join(_rate(r) for r in result.close_rates_per_min) or _rate(result.best_rate_per_min)
    return f"Your rate: {_rate(result.best_rate_per_min)} breaths/min ({close}: close)."


def step_rows(passes: Sequence[ResonanceResult]) -> list[tuple[str, ...]]:
    """The table: one row per step, each criterion as shown."""
    rows: list[tuple[str, ...]] = []
    for k, p in enumerate(passes):
        for s in p.steps:
            rate = _rate(s.rate_per_min) + (" (refine)" if k else "")
            if not s.followed:
                rows.append((rate, "left out: " + (s.reason or "not followed"), "", "", "", "", "", ""))
                continue
            lf_at = None if s.lf_peak_hz is None else s.lf_peak_hz * 60.0
            rows.append((
                rate,
                _num(s.breathing_rate_per_min, ".1f"),
                _num(s.rsa_bpm, ".1f"),
                f"{_num(s.lf_peak_ms2, '.0f')} ({_num(lf_at, '.1f')})",
                _num(s.peak_concentration, ".2f"),
                _num(s.phase_deg, "+.0f") + ("°" if s.phase_deg is not None else ""),
                _num(s.smoothness, ".2f"),
                _num(s.score, ".2f"),
            ))
    return rows


HEAD: Final = ("rate/min", "breathing", "RSA bpm", "LF peak ms² (/min)", "single peak", "phase",
               "smooth", "score")


def best_and_worst(passes: Sequence[ResonanceResult], result: ResonanceResult) -> list[StepScore]:
    """The followed steps to draw: the chosen one and the lowest scored (one when only one)."""
    followed = [s for p in passes for s in p.steps if s.followed and s.score is not None]
    if not followed:
        return []
    best = next((s for s in result.steps if s.followed and s.rate_per_min == result.best_rate_per_min), None)
    if best is None:
        best = max(followed, key=lambda s: s.score or 0.0)
    worst = min(followed, key=lambda s: s.score or 0.0)
    return [best] if worst is best else [best, worst]


def render_resonance_report(
    passes: Sequence[ResonanceResult],
    result: ResonanceResult,
    t_s: npt.NDArray[np.float64],
    rr_ms: npt.NDArray[np.float64],
    guide_volume: Callable[[float], float],
    out: str | Path,
    *,
    label: str = "",
    started: str = "",
) -> Path:
    """Write the assessment's page to ``out`` (.pdf, .png or .svg; never replaced).

    Args:
        passes: Each pass's result, the first and the refine pass.
        result: The final result (the refine pass's when it chose a rate).
        t_s: Beat times, session seconds.
        rr_ms: RR intervals, ms.
        guide_volume: The guide's lung volume 0..1 at a session time.
        out: The file; its extension picks the format.
        label: The session's label (outside text, drawn literally).
        started: When it was recorded, as shown.

    Raises:
        ValueError: The extension is not .pdf, .png or .svg.
        FileExistsError: ``out`` exists already.
        OSError: The file cannot be written.
    """
    import matplotlib
    import numpy as np
    from matplotlib.figure import Figure

    from vagal.report.render import new_file, output_format
    from vagal.text import printable

    fmt = output_format(out)
    path = Path(out)
    rc: Any = style.RC
    w, h = style.PAGE_W_IN, style.PAGE_H_IN
    with matplotlib.rc_context(rc), new_file(path) as f:
        fig = Figure(figsize=(w, h))
        left = style.MARGIN_IN / w
        y = 1.0 - style.TOP_IN / h

        def text(s: str, size: float = style.BODY_PT, *, weight: str = "normal", color: str = style.INK,
                 x: float = left, wrap_in: float | None = None) -> None:
            nonlocal y
            from vagal.report.layout import line_h_in, wrap

            lines = wrap(s, wrap_in or (w - 2 * style.MARGIN_IN), size, weight=weight)
            for line in lines:
                fig.text(x, y, line, fontsize=size, fontweight=weight, color=color, va="top", ha="left")
                y -= line_h_in(size) / h

        title = "Your own breathing rate: resonance assessment"
        text(title, style.TITLE_PT, weight="bold")
        sub = printable(label, max_chars=120) if label else ""
        text(" · ".join(p for p in (sub, started) if p) or "a session recorded by vagal resonance",
             style.SMALL_PT, color=style.MUTED)
        y -= 0.12 / h
        text(verdict(result), style.HEADING_PT + 1.5, weight="bold")
        if result.best_rate_per_min is not None and result.margin is not None:
            text(f"How sure: the best step's combined score is {result.margin:.2f} above the next "
                 "(0 to 1; 'clearly' from the margin in docs/methods.md §6.6).", style.SMALL_PT,
                 color=style.MUTED)
        y -= 0.15 / h

        # The table of steps.
        text("Each step", style.HEADING_PT, weight="bold")
        cols = (0.0, 0.85, 1.6, 2.3, 3.75, 4.6, 5.3, 6.0)
        from vagal.report.layout import Flow

        table = Flow(fig, left_in=style.MARGIN_IN, width_in=w - 2 * style.MARGIN_IN, top_in=(1.0 - y) * h)
        table.rows([HEAD], cols, size=style.SMALL_PT, colors=[style.MUTED] * len(HEAD),
                   weights=["bold"] * len(HEAD))
        table.rows(step_rows(passes), cols, size=style.SMALL_PT)
        y = table.fraction(table.y_in)
        text("breathing: the rate found in the heart rhythm (breaths/min); RSA: heart-rate swing per "
             "breath; single peak: share of the spectrum at the guide's rate; phase: heart rate against "
             "the guide (near 0° at resonance); smooth: how much one wave at the guide explains.",
             style.SMALL_PT - 0.5, color=style.MUTED)
        y -= 0.12 / h

        # Bars of the combined score.
        all_steps = [(k, s) for k, p in enumerate(passes) for s in p.steps]
        text("Combined score", style.HEADING_PT, weight="bold")
        bar_h_in = 0.22 * max(len(all_steps), 1)
        y -= 0.05 / h
        ax: Axes = fig.add_axes((left + 1.0 / w, y - bar_h_in / h, (w - 2 * style.MARGIN_IN - 1.6) / w,
                                 bar_h_in / h))
        labels = [_rate(s.rate_per_min) + ("*" if k else "") + "/min" for k, s in all_steps]
        scores = [s.score if s.followed and s.score is not None else 0.0 for _, s in all_steps]
        pos = np.arange(len(all_steps))[::-1]
        colors = [style.HR if s.rate_per_min == result.best_rate_per_min and s.followed else style.HR_LIGHT
                  for _, s in all_steps]
        ax.barh(pos, scores, color=colors, height=0.6)
        for p_, (_, s), v in zip(pos, all_steps, scores, strict=True):
            ax.text(v + 0.01, p_, f"{v:.2f}" if s.followed else "left out", va="center",
                    fontsize=style.SMALL_PT, color=style.MUTED)
        ax.set_yticks(pos, labels, fontsize=style.SMALL_PT)
        ax.set_xlim(0, 1.12)
        ax.set_xlabel("combined score (0 to 1, among this assessment's steps)", fontsize=style.SMALL_PT)
        ax.tick_params(axis="x", labelsize=style.SMALL_PT)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        y -= (bar_h_in + 0.5) / h

        # Heart rate against the guide: best and worst step.
        shown = best_and_worst(passes, result)
        text("Heart rate against the guide", style.HEADING_PT, weight="bold")
        chart_h_in = 1.25
        for s in shown:
            which = "the chosen step" if s is shown[0] else "the lowest scored step"
            text(f"{_rate(s.rate_per_min)} breaths/min, {which}", style.SMALL_PT, color=style.MUTED)
            y -= 0.05 / h
            a = fig.add_axes((left + 0.45 / w, y - chart_h_in / h, (w - 2 * style.MARGIN_IN - 0.9) / w,
                              (chart_h_in - 0.25) / h))
            sel = (t_s >= s.scored_from_s) & (t_s <= s.end_s)
            tt = t_s[sel]
            if tt.size >= 2:
                a.plot(tt - s.scored_from_s, 60000.0 / rr_ms[sel], color=style.HR, linewidth=1.0)
                a.set_ylabel("bpm", fontsize=style.SMALL_PT)
                g = a.twinx()
                grid = np.linspace(s.scored_from_s, s.end_s, 600)
                g.fill_between(grid - s.scored_from_s, [guide_volume(float(x)) for x in grid],
                               color=style.PACER_FILL, zorder=0)
                g.set_ylim(0, 3.0)
                g.set_yticks([])
                a.set_zorder(g.get_zorder() + 1)
                a.patch.set_visible(False)
            a.set_xlabel("seconds into the scored part of the step (shaded: the guide, in-breath up)",
                         fontsize=style.SMALL_PT)
            a.tick_params(labelsize=style.SMALL_PT)
            y -= (chart_h_in + 0.45) / h
        if not shown:
            text("No step was followed, so there is no heart rate to set against the guide.",
                 style.SMALL_PT, color=style.MUTED)
        y -= 0.1 / h
        text(HONESTY, style.BODY_PT)
        fig.text(left, style.FOOTER_IN / h * 0.6, "vagal · not a medical device · docs/methods.md §6.6",
                 fontsize=style.SMALL_PT, color=style.MUTED)
        kwargs: dict[str, Any] = {"dpi": style.PNG_DPI} if fmt == "png" else {}
        if fmt == "pdf":
            kwargs["metadata"] = {"Title": title, "Creator": "vagal"}
        fig.savefig(f, format=fmt, **kwargs)
    return path


__all__ = ["HONESTY", "best_and_worst", "render_resonance_report", "step_rows", "verdict"]
