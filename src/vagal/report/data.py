"""What a session report shows, computed without matplotlib.

Design decision: every number and every curve in the report is built here, by the HRV
core (:mod:`vagal.hrv`) on the recording's beats, into one frozen :class:`ReportData`.
The drawing code (:mod:`vagal.report.render`) only lays it out. Tests check these
numbers against ``analyze_rr`` and ``time_domain`` directly, without rendering anything.

Rolling curves are vectorised for long sessions: rolling RMSSD is one cumulative sum
over the squared successive differences (O(N) for the whole record, equal to
``time_domain`` on each window), and rolling coherence is the core's batched
:func:`vagal.hrv.coherence.coherence_series` (one spline per stretch, FFTs in batches).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from vagal.hrv._common import gap_indices
from vagal.metrics import REPORT, MetricInfo, metric
from vagal.sessions.recording import Recording, too_few_beats

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

ROLLING_RMSSD_WINDOW_S: Final = 60.0
"""Rolling RMSSD window: the live default (docs/methods.md §1.1, Esco & Flatt 2014: 60 s is safe)."""
ROLLING_STEP_S: Final = 5.0
"""Step between rolling windows (HeartMath's coherence update interval, §6.1)."""
ROLLING_MIN_DIFFS: Final = 20
"""Fewest successive differences a rolling RMSSD window needs (fewer: no value drawn)."""
COHERENCE_WINDOW_S: Final = 64.0
"""Coherence window (HeartMath, docs/methods.md §6.1)."""
HR_SMOOTH_WINDOW_S: Final = 30.0
"""Averaging window of the heart-rate trend drawn over long sessions (beat-by-beat is a blur there)."""
TITLE_LABEL_CHARS: Final = 36
"""The label in the title is cut to this many characters (14 pt bold: the rest would leave the page)."""
NOT_RECORDED: Final = "not recorded in this file"
"""What the report says where the file does not tell (no device, no date)."""
TOO_SHORT: Final = "too short for this"
"""What the summary says where a metric cannot be computed on this recording."""

SEGMENT_KEYS: Final = ("duration_s", "mean_hr_bpm", "rmssd_ms", "sdnn_ms", "lf_ms2", "hf_ms2", "coherence")
"""The key metrics shown per segment (baseline vs breathing vs recovery)."""


SUMMARY_SECTIONS: Final[tuple[tuple[str, tuple[MetricInfo, ...]], ...]] = tuple(
    (section, tuple(metric(key) for key in section_keys)) for section, section_keys in REPORT
)
"""The summary table: section title, then its rows in order, each the metric's registry entry
(``key``, ``label``, ``unit``, ``decimals``: :data:`vagal.metrics.REPORT`)."""


@dataclass(frozen=True, slots=True)
class SummaryRow:
    """One line of the summary table."""

    section: str
    label: str
    key: str
    value: float | None
    """The number in ``unit`` (None when it cannot be computed)."""
    text: str
    """What the table shows: the formatted number, or :data:`TOO_SHORT`."""
    unit: str
    reason: str = ""
    """Why there is no value (from ``HrvResult.reasons``), empty when there is one."""


@dataclass(frozen=True, slots=True)
class SegmentSummary:
    """The key metrics of one marker-delimited stretch."""

    label: str
    start_s: float
    end_s: float
    values: dict[str, float | None]
    """Keyed by :data:`SEGMENT_KEYS` (None where too short)."""


@dataclass(frozen=True, slots=True)
class PacerSpan:
    """The breathing guide's rate over a stretch of the session."""

    start_s: float
    end_s: float
    rate_per_min: float
    preset: str
    from_per_min: float | None = None
    """Set for the gentle start (or a ramped change): the guide eased from this rate to ``rate_per_min``."""


@dataclass(frozen=True)
class ReportData:
    """Everything a session report shows (the renderer lays it out, nothing more)."""

    title: str
    subtitle: str
    info: list[tuple[str, str]]
    """Recording facts for the table: (label, text), e.g. ("Device", "Polar H10")."""
    duration_s: float
    hr_t_s: FloatArray
    """Beat times for the heart-rate trace (NaN inserted where a gap breaks the line)."""
    hr_bpm: FloatArray
    hr_smooth_bpm: FloatArray
    """Heart rate averaged over :data:`HR_SMOOTH_WINDOW_S` around each point of ``hr_t_s``."""
    corrected_t_s: FloatArray
    """Times of beats the artifact correction changed (drawn as marks on the trace)."""
    corrected_hr_bpm: FloatArray
    gaps: list[tuple[float, float]]
    """(start_s, end_s) of stretches without usable beats."""
    markers: list[tuple[float, str]]
    pacer: list[PacerSpan]
    rmssd_t_s: FloatArray
    """End time of each rolling RMSSD window."""
    rmssd_ms: FloatArray
    coherence_t_s: FloatArray
    coherence: FloatArray
    psd_f_hz: FloatArray
    psd_ms2_per_hz: FloatArray
    psd_method: str
    poincare_x_ms: FloatArray
    """NN[i] of successive pairs not spanning a gap."""
    poincare_y_ms: FloatArray
    """NN[i+1] of the same pairs."""
    sd1_ms: float | None
    sd2_ms: float | None
    summary: list[SummaryRow]
    segments: list[SegmentSummary]
    """Empty when the session has no markers."""
    notes: list[str] = field(default_factory=list)
    """Plain sentences about the data (damage met while reading, gaps, corrections)."""
    result: dict[str, Any] = field(default_factory=dict)
    """``analyze_rr(...).to_dict()`` of the whole session."""


def format_duration(seconds: float) -> str:
    """``"1 h 02 min"``, ``"5 min 03 s"`` or ``"42 s"``."""
    s = round(max(seconds, 0.0))
    h, rem = divmod(s, 3600)
    m, sec = divmod(rem, 60)
    if h:
        return f"{h} h {m:02d} min"
    if m:
        return f"{m} min {sec:02d} s"
    return f"{sec} s"


def _value(d: dict[str, Any], key: str) -> float | None:
    v = d.get(key)
    if v is None:
        return None
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return f if np.isfinite(f) else None


def summary_rows(result: dict[str, Any], reasons: dict[str, str]) -> list[SummaryRow]:
    """The summary table's metric rows from an ``HrvResult``.

    Args:
        result: ``HrvResult.to_dict()``.
        reasons: ``HrvResult.reasons`` (why a value is None).

    Returns:
        One row per :data:`SUMMARY_SECTIONS` entry, formatted to the spec's decimals;
        a metric without a value reads :data:`TOO_SHORT` and keeps the core's reason.
    """
    rows: list[SummaryRow] = []
    for section, specs in SUMMARY_SECTIONS:
        for spec in specs:
            v = _value(result, spec.key)
            if v is None:
                rows.append(
                    SummaryRow(section, spec.label, spec.key, None, TOO_SHORT, spec.unit, reasons.get(spec.key, ""))
                )
            else:
                rows.append(SummaryRow(section, spec.label, spec.key, v, f"{v:.{spec.decimals}f}", spec.unit))
    return rows


def rolling_rmssd(
    t_s: npt.ArrayLike,
    nn_ms: npt.ArrayLike,
    *,
    breaks: npt.ArrayLike | None = None,
    window_s: float = ROLLING_RMSSD_WINDOW_S,
    step_s: float = ROLLING_STEP_S,
    min_diffs: int = ROLLING_MIN_DIFFS,
) -> tuple[FloatArray, FloatArray]:
    """RMSSD on every ``window_s`` window ending every ``step_s`` seconds.

    A window ending at ``e`` holds the beats with ``e − window_s < t ≤ e``; its
    differences are those between two of its beats not separated by a gap, which is
    exactly what ``vagal.hrv.time_domain(nn[window], breaks=…)`` uses. One cumulative sum
    makes the whole record O(N + windows).

    Args:
        t_s: Beat times, seconds, increasing.
        nn_ms: NN intervals (after artifact correction), ms.
        breaks: ``breaks[i]`` True when a gap precedes beat i.
        window_s: Window length; default 60 s (docs/methods.md §1.1).
        step_s: Step between window ends; default 5 s.
        min_diffs: Windows with fewer differences give NaN (a gap, or the start).

    Returns:
        ``(t_end_s, rmssd_ms)``; empty when the record is shorter than one window.
    """
    t = np.asarray(t_s, dtype=np.float64)
    nn = np.asarray(nn_ms, dtype=np.float64)
    b = np.zeros(nn.size, dtype=np.bool_) if breaks is None else np.asarray(breaks, dtype=np.bool_)
    if t.size < 2 or not window_s > 0 or not step_s > 0:
        return np.empty(0), np.empty(0)
    t_first = float(t[0] - nn[0] / 1000.0)
    if float(t[-1]) - t_first < window_s:
        return np.empty(0), np.empty(0)
    # Window ends: the last one at the last beat, stepping back (as coherence_series does).
    n_win = int(np.floor((float(t[-1]) - t_first - window_s) / step_s + 1e-9)) + 1
    ends = float(t[-1]) - step_s * np.arange(n_win - 1, -1, -1, dtype=np.float64)
    d = np.diff(nn)
    valid = ~b[1:]
    # C[k] = sum over differences 1..k-1 (difference i joins beats i-1 and i).
    sq = np.concatenate(([0.0, 0.0], np.cumsum(np.where(valid, d * d, 0.0))))
    cnt = np.concatenate(([0, 0], np.cumsum(valid.astype(np.int64))))
    lo = np.searchsorted(t, ends - window_s, side="right")  # first beat in the window
    hi = np.searchsorted(t, ends, side="right")  # one past the last beat
    first_diff = np.minimum(lo + 1, hi)  # a difference needs its earlier beat inside too
    n = cnt[hi] - cnt[first_diff]
    s = sq[hi] - sq[first_diff]
    out = np.full(ends.size, np.nan)
    ok = n >= max(min_diffs, 1)
    out[ok] = np.sqrt(s[ok] / n[ok])
    return ends, out


def smoothed(t_s: FloatArray, y: FloatArray, window_s: float = HR_SMOOTH_WINDOW_S) -> FloatArray:
    """Centred moving average of ``y`` over ``window_s`` seconds of time (NaN points are skipped and kept)."""
    ok = np.isfinite(t_s) & np.isfinite(y)
    tt, yy = t_s[ok], y[ok]
    out = np.full(t_s.size, np.nan)
    if tt.size == 0:
        return out
    c = np.concatenate(([0.0], np.cumsum(yy)))
    lo = np.searchsorted(tt, tt - window_s / 2.0, side="left")
    hi = np.searchsorted(tt, tt + window_s / 2.0, side="right")
    out[ok] = (c[hi] - c[lo]) / (hi - lo)
    return out


def break_jumps(t_s: FloatArray, y: FloatArray, step_s: float) -> tuple[FloatArray, FloatArray]:
    """Insert a NaN point wherever successive times are more than 1.5 steps apart (a gap), so a line breaks."""
    if t_s.size < 2:
        return t_s, y
    cut = np.flatnonzero(np.diff(t_s) > 1.5 * step_s) + 1
    if cut.size == 0:
        return t_s, y
    return np.insert(t_s, cut, np.nan), np.insert(y, cut, np.nan)


def hr_trace(t_s: FloatArray, nn_ms: FloatArray, breaks: BoolArray) -> tuple[FloatArray, FloatArray]:
    """Instantaneous heart rate (60000 / NN) with a NaN point before every gap, so a line breaks there."""
    hr = 60000.0 / nn_ms
    cut = gap_indices(breaks)
    if cut.size == 0:
        return t_s.copy(), hr
    return np.insert(t_s, cut, np.nan), np.insert(hr, cut, np.nan)


def _device_text(meta: dict[str, Any]) -> str:
    dev = meta.get("device")
    if isinstance(dev, dict):
        name = str(dev.get("name") or "").strip()
        model = str(dev.get("model") or "").strip()
        kind = str(dev.get("kind") or "").strip()
        text = name or model or kind
        if model and name and model not in name:
            text = f"{name} ({model})"
        if kind == "simulator" and "simulat" not in text.lower():
            text = f"{text} (simulated)" if text else "simulated strap"
        if text:
            return text
    if isinstance(dev, str) and dev.strip():
        return dev.strip()
    return NOT_RECORDED


def recorded_start(meta: dict[str, Any]) -> datetime | None:
    """The recording's wall-clock start from its header (``meta["start"]``, ISO 8601), if it has one."""
    raw = meta.get("start")
    if not isinstance(raw, str):
        return None
    try:
        return datetime.fromisoformat(raw)
    except ValueError:
        return None


def _pacer_spans(recording: Recording, end_s: float) -> list[PacerSpan]:
    events = sorted(recording.pacer, key=lambda p: p.t_s)
    spans: list[PacerSpan] = []
    for k, ev in enumerate(events):
        stop = events[k + 1].t_s if k + 1 < len(events) else end_s
        if stop <= ev.t_s or ev.rate_per_min <= 0 or ev.preset in ("off", "none"):
            continue
        start = ev.t_s
        if ev.ramp_from_per_min is not None and ev.ramp_s > 0:
            ramp_end = min(stop, ev.t_s + ev.ramp_s)
            spans.append(PacerSpan(ev.t_s, ramp_end, ev.rate_per_min, ev.preset, from_per_min=ev.ramp_from_per_min))
            start = ramp_end
        if stop > start:
            spans.append(PacerSpan(start, stop, ev.rate_per_min, ev.preset))
    return spans


_PSD_METHOD_TEXT: Final = {
    "welch": "Welch, 256 s Hann windows, smoothness-priors detrend",
    "lomb": "Lomb–Scargle",
}


def _session_psd(result: Any, b: BoolArray) -> tuple[FloatArray, FloatArray, str]:
    """The spectrum the band powers came from (``HrvResult.psd_*``, filled by the core), and its method text.

    Empty when the core computed none (no stretch of 30 s between gaps): the panel then says so.
    """
    f = np.asarray(result.psd_f_hz, dtype=np.float64)
    p = np.asarray(result.psd_ms2_per_hz, dtype=np.float64)
    method = str(result.psd_method)
    text = _PSD_METHOD_TEXT.get(method, method)
    if b[1:].any() and method != "lomb":
        text += ", averaged over the stretches between gaps"
    return f, p, text


def build_report_data(recording: Recording) -> ReportData:
    """Compute everything a session report shows.

    Args:
        recording: Any recording vagal reads (a vagal session, a plain RR list, …).

    Returns:
        A :class:`ReportData`. Metrics come from ``vagal.hrv.analyze_rr`` with artifact
        correction; a metric that needs more data than the recording has reads
        :data:`TOO_SHORT`, with the core's reason.

    Raises:
        InputFileError: The recording holds no plausible beats at all.
    """
    from vagal.errors import InputFileError
    from vagal.hrv import analyze_rr
    from vagal.hrv.coherence import coherence_series
    from vagal.sessions.segment import segments

    rec = recording
    result = analyze_rr(rec.rr_ms, t_s=rec.t_s, breaks=rec.breaks, correct=True)
    nn, t, b = result.nn_ms, result.nn_t_s, result.nn_breaks
    if nn.size < 2:
        raise InputFileError(rec.path, too_few_beats(rec, "to report"))
    res = result.to_dict()
    reasons = dict(result.reasons)

    duration_s = max(rec.duration_s, float(rec.meta.get("session_duration_s", 0.0) or 0.0))
    hr_t, hr = hr_trace(t, nn, b)
    idx = np.asarray(result.corrected_indices, dtype=np.intp)
    idx = idx[(idx >= 0) & (idx < rec.t_s.size)]
    c_t = rec.t_s[idx]
    c_hr = np.interp(c_t, t, 60000.0 / nn) if c_t.size else np.empty(0)
    rm_t, rm = rolling_rmssd(t, nn, breaks=b)
    co_t, co = coherence_series(t, nn, breaks=b, window_s=COHERENCE_WINDOW_S, step_s=ROLLING_STEP_S)
    co_t, co = break_jumps(co_t, co, ROLLING_STEP_S)
    f, p, method = _session_psd(result, b)
    keep = ~b[1:]
    px, py = nn[:-1][keep], nn[1:][keep]
    sd1, sd2 = float(result.sd1_ms), float(result.sd2_ms)

    segs: list[SegmentSummary] = []
    if rec.markers:
        for seg in segments(rec):
            rr_s, t_s, b_s = seg.select(rec)
            vals: dict[str, float | None] = dict.fromkeys(SEGMENT_KEYS)
            vals["duration_s"] = seg.duration_s
            if rr_s.size >= 2:
                sres = analyze_rr(rr_s, t_s=t_s, breaks=b_s, correct=True).to_dict()
                for k in SEGMENT_KEYS[1:]:
                    vals[k] = _value(sres, k)
            segs.append(SegmentSummary(seg.label, seg.start_s, seg.end_s, vals))

    start = recorded_start(rec.meta)
    name = Path(rec.path).name
    label = str(rec.meta.get("label") or "").strip()
    if len(label) > TITLE_LABEL_CHARS:
        label = label[: TITLE_LABEL_CHARS - 1].rstrip(" ,;–-") + "…"
    title = f"Session report: {label}" if label else "Session report"
    when = f"{start:%A %d %B %Y, %H:%M}" if start else name
    device = _device_text(rec.meta)
    # In the subtitle, a bare "not recorded in this file" did not say what was missing.
    subtitle = f"{when}  ·  {format_duration(duration_s)}  ·  {'device not recorded' if device == NOT_RECORDED else device}"
    n_corr = int(idx.size)
    pct = float(result.artifacts_pct)
    gap_spans = [(g.start_s, g.end_s) for g in rec.gaps]
    if not gap_spans and b[1:].any():
        # No Gap events (e.g. an imported file): draw the break between the two beats.
        cut = gap_indices(b)
        gap_spans = [(float(t[i - 1]), float(t[i] - nn[i] / 1000.0)) for i in cut if t[i] - nn[i] / 1000.0 > t[i - 1]]
    gap_total = sum(e - s for s, e in gap_spans)
    pacer = _pacer_spans(rec, duration_s)
    info: list[tuple[str, str]] = [
        ("File", name),
        ("Date", f"{start:%Y-%m-%d %H:%M}" if start else NOT_RECORDED),
        ("Duration", format_duration(duration_s)),
        ("Device", device),
        ("Beats", f"{rec.n_beats} recorded" + (f" ({nn.size} after correction)" if nn.size != rec.n_beats else "")),
        ("Corrected beats", f"{n_corr} ({pct:.1f} %)"),
        ("Gaps", f"{len(gap_spans)}, {format_duration(gap_total)} in all" if gap_spans else "none"),
    ]
    if pacer:
        rates = sorted({round(s.rate_per_min, 1) for s in pacer})
        info.append(("Breathing guide", ", ".join(f"{r:g}" for r in rates) + " breaths/min"))
    info.append(("Spectrum", method))

    notes: list[str] = []
    for dmg in rec.damage[:3]:
        notes.append(f"The file was read past a problem at {dmg}.")
    if len(rec.damage) > 3:
        notes.append(f"{len(rec.damage) - 3} more problems were met while reading the file.")
    if n_corr:
        notes.append(
            f"{n_corr} beats ({pct:.1f} %) looked like detection errors or extra/missed beats and were "
            "corrected before the numbers were computed; they are marked with circles on the heart-rate trace."
        )
    if pct > 5.0:
        notes.append("More than 5 % of beats were corrected, so treat the variability numbers with care.")
    if gap_spans:
        notes.append("Shaded stretches had no usable signal; no number spans them.")

    return ReportData(
        title=title,
        subtitle=subtitle,
        info=info,
        duration_s=duration_s,
        hr_t_s=hr_t,
        hr_bpm=hr,
        hr_smooth_bpm=smoothed(hr_t, hr),
        corrected_t_s=c_t,
        corrected_hr_bpm=c_hr,
        gaps=gap_spans,
        markers=[(m.t_s, m.label) for m in sorted(rec.markers, key=lambda m: m.t_s)],
        pacer=pacer,
        rmssd_t_s=rm_t,
        rmssd_ms=rm,
        coherence_t_s=co_t,
        coherence=co,
        psd_f_hz=f,
        psd_ms2_per_hz=p,
        psd_method=method,
        poincare_x_ms=px,
        poincare_y_ms=py,
        sd1_ms=sd1 if np.isfinite(sd1) else None,
        sd2_ms=sd2 if np.isfinite(sd2) else None,
        summary=summary_rows(res, reasons),
        segments=segs,
        notes=notes,
        result=res,
    )
