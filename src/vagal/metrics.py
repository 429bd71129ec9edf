"""The one registry of what vagal measures: each metric's name, unit, digits and plain words.

Design decision: every view that names a metric reads it from here, so a metric is
described once. :data:`METRICS` holds the facts about each metric (:class:`MetricInfo`:
its key, a short title, a plain label, the unit, how many digits, a one-line plain
explanation and the least data it needs); the layouts below say which views show it and
in what order:

* :data:`TILES`: the dashboard's home tiles (``vagal.ui.app``). Keys are
  :class:`~vagal.engine.snapshot.Snapshot` fields, so a tile can be built for any
  snapshot: a session with two people builds one row of tiles per person from the same
  entries, with the person in the widget id (``f"{info.css_id}-{person}"``).
* :data:`DETAILS`: the metrics a details view lists with their explanations.
* :data:`REPORT`: the summary table of ``vagal report`` (``vagal.report.data``).
* :data:`PERSON`, :data:`SEGMENT`: the report's first page and its per-segment pages.
* :data:`WHAT_HELPS`, :data:`BASELINE`: ``vagal history``'s "what helps you" and usual range,
  and ``vagal check``.
* :data:`ANALYZE`: the table of ``vagal analyze`` and the extra keys of its ``--json``
  (``vagal.commands.analyze``).
* :data:`LIVE`: the live engine's metrics reported at the end of a headless session
  (``vagal.commands.session_runner``).

Keys are the names used end to end: ``HrvResult`` fields and ``vagal analyze --json``
keys for the record-level metrics, ``Snapshot`` fields for the live ones; where a metric
is both (``rmssd_ms``, ``lf_hf``, ``coherence``…) the key is the same.

Where a new metric goes: add a :class:`MetricInfo` to :data:`METRICS`, then its key to
each layout that should show it. The numbers themselves are computed elsewhere
(``vagal.hrv`` for a record, ``vagal.engine`` live); this module holds words and format
only, and imports nothing, so the engine, the CLI's ``--help`` and the UI can all read it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

BRIEF_MAX: Final = 48
"""The longest :attr:`MetricInfo.brief`: it sits beside the number on one line at 80 columns."""

View = Literal["tile", "details", "report", "analyze"]
"""Where a metric can be shown: the dashboard's home tiles, a details view, the report's
summary table, ``vagal analyze``'s table (and JSON)."""
Kind = Literal["number", "count", "clock"]
"""How a value is written: a decimal number, a whole count ("4,684"), or a duration as a clock ("5:12")."""


@dataclass(frozen=True, slots=True)
class MetricInfo:
    """What a person is told about one metric (its value comes from the HRV core or the engine)."""

    key: str
    """The name used end to end, with its unit ("rmssd_ms"): ``HrvResult`` field,
    ``vagal analyze --json`` key and/or ``Snapshot`` field."""
    title: str
    """Short title for a tile or a column ("RMSSD", "Breathing")."""
    label: str
    """Plain label for a table row ("Mean heart rate", "LF power (0.04–0.15 Hz)")."""
    unit: str
    """Unit shown after the value ("ms", "bpm", "ms²", "/min"; "" for none)."""
    decimals: int
    """Digits after the decimal point in tables (report, ``vagal analyze``)."""
    explanation: str
    """What the number means, in one or two plain sentences, without judgement."""
    live_decimals: int | None = None
    """Digits on the live dashboard and in the headless session's lines, when fewer than
    in tables (a number read across the room: "42 ms", not "42.3 ms"); None: the same."""
    needs_s: float | None = None
    """The least stretch of beats without a gap (seconds) a record needs for this value
    (``vagal.hrv.analyze_rr``); None: no minimum in time (some need a number of beats)."""
    live_needs_s: float | None = None
    """The least stretch of steady beats (seconds) the live engine waits for before showing
    it, with the default settings; None: not a live metric, or shown from the first beats."""
    analyze_label: str | None = None
    """The row label in ``vagal analyze``'s table where it is not "label (unit)"."""
    kind: Kind = "number"
    """How the value is written."""
    brief: str = ""
    """The explanation in one short line (at most :data:`BRIEF_MAX` characters), beside
    the number in the dashboard's details view; "" for metrics no such view lists."""

    @property
    def css_id(self) -> str:
        """The widget id of its tile: the title in kebab case ("RMSSD" → "rmssd", "LF/HF" → "lf-hf")."""
        return self.title.lower().replace("/", "-").replace(" ", "-")

    @property
    def row_label(self) -> str:
        """The row label in ``vagal analyze``'s table ("RMSSD (ms)", "LF/HF")."""
        if self.analyze_label is not None:
            return self.analyze_label
        return f"{self.label} ({self.unit})" if self.unit else self.label

    @property
    def live_digits(self) -> int:
        """Digits on the dashboard and in the headless session's lines."""
        return self.decimals if self.live_decimals is None else self.live_decimals

    @property
    def views(self) -> frozenset[View]:
        """The views whose layout below lists this metric."""
        return views_of(self.key)

    def text(self, value: float, *, live: bool = False) -> str:
        """``value`` with this metric's digits (live: the dashboard's), without the unit."""
        return f"{value:.{self.live_digits if live else self.decimals}f}"


METRICS: Final[tuple[MetricInfo, ...]] = (
    # -- the record ------------------------------------------------------------------------
    MetricInfo(
        "n_beats", "Beats", "Beats", "", 0,
        "How many intervals between heartbeats the recording holds, before any correction.",
        analyze_label="beats", kind="count",
    ),
    MetricInfo(
        "duration_s", "Duration", "Duration", "s", 0,
        "How long the recording lasts, from the start of its first interval to its last beat.",
        analyze_label="duration (h:mm:ss or m:ss)", kind="clock",
    ),
    MetricInfo(
        "artifacts_pct", "Artifacts", "Artifacts", "%", 1,
        "The share of beats that looked missed, extra or early; they are corrected before "
        "anything is computed (or, without correction, only counted).",
        analyze_label="artifacts (%)",
    ),
    # -- heart rate and the time domain ----------------------------------------------------
    MetricInfo(
        "hr_smoothed_bpm", "Heart rate", "Heart rate now", "bpm", 0,
        "Heart rate over the last few beats.",
    ),
    MetricInfo(
        "mean_nn_ms", "Mean NN", "Mean NN interval", "ms", 0,
        "The average time between normal heartbeats.",
        analyze_label="mean NN (ms)",
    ),
    MetricInfo(
        "mean_hr_bpm", "Heart rate", "Mean heart rate", "bpm", 1,
        "Heart rate of the average time between beats (60,000 ÷ mean NN).",
        live_decimals=0, analyze_label="heart rate (bpm, of mean NN)",
    ),
    MetricInfo(
        "mean_inst_hr_bpm", "Heart rate (beats)", "Mean heart rate of the beats", "bpm", 1,
        "The average of each beat's own heart rate; a little above the other mean when heart rate varies.",
        analyze_label="heart rate (bpm, mean of beats)",
    ),
    MetricInfo(
        "min_hr_bpm", "Lowest heart rate", "Lowest heart rate (one beat)", "bpm", 1,
        "The slowest single beat, as beats per minute.",
        analyze_label="heart rate, lowest beat (bpm)",
    ),
    MetricInfo(
        "max_hr_bpm", "Highest heart rate", "Highest heart rate (one beat)", "bpm", 1,
        "The fastest single beat, as beats per minute.",
        analyze_label="heart rate, highest beat (bpm)",
    ),
    MetricInfo(
        "sdnn_ms", "SDNN", "SDNN", "ms", 1,
        "How widely the times between heartbeats spread (their standard deviation): "
        "variability of every kind.",
        live_decimals=0, live_needs_s=30.0,
        brief="how widely the times between beats spread",
    ),
    MetricInfo(
        "rmssd_ms", "RMSSD", "RMSSD", "ms", 1,
        "How much the time between heartbeats varies from beat to beat, over the last minute. "
        "It tends to rise as the body settles.",
        live_decimals=0, live_needs_s=30.0,
        brief="change from beat to beat; rises as you settle",
    ),
    MetricInfo(
        "sdsd_ms", "SDSD", "SDSD", "ms", 1,
        "How widely the changes from one beat to the next spread; close to RMSSD.",
    ),
    MetricInfo(
        "pnn50_pct", "pNN50", "pNN50", "%", 1,
        "The share of beats whose interval differs from the one before by more than 50 ms.",
        live_decimals=0, live_needs_s=30.0,
        brief="beats more than 50 ms apart from the one before",
    ),
    MetricInfo(
        "pnn20_pct", "pNN20", "pNN20", "%", 1,
        "The share of beats whose interval differs from the one before by more than 20 ms.",
    ),
    # -- the frequency domain --------------------------------------------------------------
    MetricInfo(
        "vlf_ms2", "VLF", "VLF power (0.0033–0.04 Hz)", "ms²", 0,
        "Power of the slowest waves in heart rate, minutes long.",
        needs_s=300.0, analyze_label="VLF (ms²)",
    ),
    MetricInfo(
        "lf_ms2", "LF", "LF power (0.04–0.15 Hz)", "ms²", 0,
        "Power of the slow waves in heart rate (one every 7 to 25 s), where slow breathing shows.",
        needs_s=120.0, live_needs_s=120.0, analyze_label="LF (ms²)",
        brief="slow waves (7–25 s long): slow breathing shows",
    ),
    MetricInfo(
        "hf_ms2", "HF", "HF power (0.15–0.40 Hz)", "ms²", 0,
        "Power of the quicker waves in heart rate (one every 2.5 to 7 s), where usual breathing shows.",
        needs_s=60.0, live_needs_s=120.0, analyze_label="HF (ms²)",
        brief="quicker waves (2.5–7 s): usual breathing shows",
    ),
    MetricInfo(
        "total_power_ms2", "Total power", "Total power", "ms²", 0,
        "All the variation of heart rate up to 0.4 Hz, as power.",
        needs_s=300.0, analyze_label="total power (ms²)",
    ),
    MetricInfo(
        "lf_hf", "LF/HF", "LF/HF", "", 2,
        "Low- to high-frequency power of the heart rhythm over the last two minutes. "
        "Slow breathing moves power to low frequencies, so it rises then: that is expected, "
        "and it is not a measure of stress.",
        needs_s=120.0, live_needs_s=120.0,
        brief="rises with slow breathing: expected, not stress",
    ),
    MetricInfo(
        "lf_nu", "LF n.u.", "LF (normalised units)", "n.u.", 1,
        "LF as a share of LF and HF together, in percent.",
        needs_s=120.0, analyze_label="LF (n.u.)",
    ),
    MetricInfo(
        "hf_nu", "HF n.u.", "HF (normalised units)", "n.u.", 1,
        "HF as a share of LF and HF together, in percent.",
        needs_s=120.0, analyze_label="HF (n.u.)",
    ),
    MetricInfo(
        "lf_peak_hz", "LF peak", "LF peak", "Hz", 3,
        "The frequency at which the LF band is strongest.",
        needs_s=120.0,
    ),
    MetricInfo(
        "hf_peak_hz", "HF peak", "HF peak", "Hz", 3,
        "The frequency at which the HF band is strongest.",
        needs_s=60.0,
    ),
    # -- nonlinear -------------------------------------------------------------------------
    MetricInfo(
        "sd1_ms", "SD1", "Poincaré SD1", "ms", 1,
        "Short-term variability from the Poincaré plot (each interval against the next).",
    ),
    MetricInfo(
        "sd2_ms", "SD2", "Poincaré SD2", "ms", 1,
        "Longer-term variability from the Poincaré plot.",
    ),
    MetricInfo(
        "sd2_sd1", "SD2/SD1", "Poincaré SD2/SD1", "", 2,
        "The shape of the Poincaré plot: how much longer than wide it is.",
    ),
    MetricInfo(
        "sampen", "SampEn", "Sample entropy", "", 2,
        "How irregular the run of intervals is: lower means more repeating patterns.",
        analyze_label="sample entropy",
    ),
    MetricInfo(
        "dfa_alpha1", "DFA α1", "DFA α1", "", 2,
        "How the short-term fluctuations of the intervals (4 to 16 beats) grow with the stretch looked at.",
    ),
    MetricInfo(
        "dfa_alpha2", "DFA α2", "DFA α2", "", 2,
        "The same over longer stretches (16 to 64 beats).",
    ),
    # -- biofeedback -----------------------------------------------------------------------
    MetricInfo(
        "coherence", "Coherence", "Coherence (peak ratio)", "", 2,
        "How much of the heart rhythm follows one slow, steady wave (peak ratio, HeartMath's "
        "published method; not their score). Slow, easy breathing usually raises it.",
        live_decimals=1, needs_s=64.0, live_needs_s=64.0, analyze_label="coherence (peak ratio)",
        brief="how much the heart follows one slow, steady wave",
    ),
    MetricInfo(
        "rsa_bpm", "RSA", "RSA (peak to trough)", "bpm", 1,
        "How far the heart rate rises on the in-breath and falls on the out-breath, peak to trough.",
        live_needs_s=60.0,
        brief="how far heart rate rises and falls each breath",
    ),
    MetricInfo(
        "breathing_rate_per_min", "Breathing", "Breathing rate", "/min", 1,
        "Breaths per minute, estimated from the heart rhythm alone.",
        live_needs_s=60.0,
        brief="breaths a minute, read from the heart rhythm",
    ),
    MetricInfo(
        "phase_sync", "Synchrony", "Heart and breath in step", "", 2,
        "How steadily the heart-rate wave keeps time with the breathing guide, from 0 to 1.",
        live_needs_s=60.0,
        brief="how steadily the heart keeps time with the guide",
    ),
    MetricInfo(
        "phase_lag_s", "Lag", "Heart-rate peak after the in-breath", "s", 1,
        "How long after the guide's in-breath begins the heart rate is highest.",
        live_needs_s=60.0,
    ),
    MetricInfo(
        "quality_pct", "Signal", "Signal quality", "%", 0,
        "The share of good beats in the last minute (irregular beats are left out of the metrics).",
        brief="share of clean beats in the last minute",
    ),
    # -- across sessions (history, ``vagal check``) -------------------------------------------
    MetricInfo(
        "ln_rmssd", "ln RMSSD", "ln RMSSD", "", 2,
        "The natural logarithm of RMSSD (in ms). Day-to-day changes of RMSSD are lopsided; their "
        "logarithm spreads evenly, so a usual range can be drawn around it (Plews et al. 2012).",
    ),
    MetricInfo(
        "settled", "Settled", "How settled you felt", "", 1,
        "What you noted before or after a session, from 1 (not settled) to 5 (very settled).",
    ),
)
"""Every metric vagal names, once."""

BY_KEY: Final[dict[str, MetricInfo]] = {m.key: m for m in METRICS}
""":data:`METRICS` by key."""

Sections = tuple[tuple[str, tuple[str, ...]], ...]
"""A table layout: (section title, keys in order) pairs."""

TILES: Final[tuple[str, ...]] = ("coherence", "rmssd_ms", "rsa_bpm", "breathing_rate_per_min")
"""The dashboard's home tiles, top to bottom beside the guide, under heart rate
(``Snapshot`` fields): what a person practising needs. The lab numbers are in :data:`DETAILS`."""

DETAILS: Final[Sections] = (
    ("Heart and breath", ("coherence", "rsa_bpm", "breathing_rate_per_min", "phase_sync")),
    ("Change from beat to beat, last minute", ("rmssd_ms", "sdnn_ms", "pnn50_pct")),
    ("Slow and quick waves, last two minutes", ("lf_ms2", "hf_ms2", "lf_hf")),
    ("Signal", ("quality_pct",)),
)
"""The dashboard's details view (the ``d`` key; ``Snapshot`` fields): the live lab
numbers, each beside its :attr:`MetricInfo.brief`."""

REPORT: Final[Sections] = (
    (
        "Heart rate and time domain",
        ("mean_hr_bpm", "mean_nn_ms", "sdnn_ms", "rmssd_ms", "sdsd_ms", "pnn50_pct", "pnn20_pct"),
    ),
    (
        "Frequency domain",
        ("vlf_ms2", "lf_ms2", "hf_ms2", "lf_hf", "lf_nu", "hf_nu", "lf_peak_hz", "hf_peak_hz"),
    ),
    ("Nonlinear and biofeedback", ("sd1_ms", "sd2_ms", "sampen", "dfa_alpha1", "dfa_alpha2", "coherence")),
)
"""The report's summary table (``HrvResult.to_dict()`` keys)."""

ANALYZE: Final[Sections] = (
    ("Record", ("n_beats", "duration_s", "artifacts_pct")),
    (
        "Time domain",
        (
            "mean_nn_ms",
            "mean_hr_bpm",
            "mean_inst_hr_bpm",
            "min_hr_bpm",
            "max_hr_bpm",
            "sdnn_ms",
            "rmssd_ms",
            "sdsd_ms",
            "pnn50_pct",
            "pnn20_pct",
        ),
    ),
    (
        "Frequency domain",
        (
            "vlf_ms2",
            "lf_ms2",
            "hf_ms2",
            "total_power_ms2",
            "lf_hf",
            "lf_nu",
            "hf_nu",
            "lf_peak_hz",
            "hf_peak_hz",
        ),
    ),
    ("Nonlinear", ("sd1_ms", "sd2_ms", "sd2_sd1", "sampen", "dfa_alpha1", "dfa_alpha2")),
    ("Biofeedback", ("coherence",)),
)
"""``vagal analyze``'s table (``HrvResult`` fields); its ``--json`` carries every one."""

PERSON: Final[tuple[str, ...]] = ("mean_hr_bpm", "rmssd_ms", "coherence", "phase_sync")
"""What the first page of the report tells the person, in this order: heart rate and RMSSD at the
start and at the end, time at each coherence level, and how closely heart rate followed the
guide (``vagal.report.person``)."""

SEGMENT: Final[tuple[str, ...]] = (
    "duration_s",
    "mean_hr_bpm",
    "rmssd_ms",
    "sdnn_ms",
    "lf_ms2",
    "hf_ms2",
    "coherence",
)
"""The numbers of one marker-delimited stretch in the report (``HrvResult`` keys), each beside
the same number of the session's own start."""

WHAT_HELPS: Final[tuple[str, ...]] = ("mean_hr_bpm", "rmssd_ms", "coherence", "settled")
"""The changes ``vagal history`` averages per pattern or practice: from the first to the last
two minutes of a session (heart rate, RMSSD, coherence), and from the check-in before to the one
after (settled)."""

BASELINE: Final[tuple[str, ...]] = ("ln_rmssd", "mean_hr_bpm")
"""What a person's usual range is drawn for (``vagal check`` readings; ``vagal.report.baseline``)."""

COHERENCE_LEVELS: Final[tuple[tuple[float, str], ...]] = (
    (0.0, "finding a rhythm"),
    (0.5, "settling in"),
    (1.0, "steady"),
    (2.0, "in tune"),
)
"""(lowest coherence ratio, words) of each gentle level, lowest first: the dashboard's coherence
tile (``vagal.ui.widgets.tiles``) and the report's "time at each level" use the same steps. Not a
grade: any level is fine."""


def coherence_level(ratio: float) -> int:
    """The index in :data:`COHERENCE_LEVELS` of a coherence ratio (0 for anything below 0.5)."""
    level = 0
    for i, (lowest, _) in enumerate(COHERENCE_LEVELS):
        if ratio >= lowest:
            level = i
    return level


LIVE: Final[tuple[str, ...]] = (
    "hr_smoothed_bpm",
    "rmssd_ms",
    "sdnn_ms",
    "pnn50_pct",
    "lf_ms2",
    "hf_ms2",
    "lf_hf",
    "coherence",
    "rsa_bpm",
    "breathing_rate_per_min",
    "phase_sync",
    "phase_lag_s",
    "quality_pct",
)
"""The live engine's metrics (``Snapshot`` fields) a headless session reports at its end."""


def keys(layout: Sections) -> tuple[str, ...]:
    """Every key of a table layout, in order."""
    return tuple(k for _, ks in layout for k in ks)


def views_of(key: str) -> frozenset[View]:
    """The views whose layout lists ``key``."""
    shown: list[View] = []
    if key in TILES:
        shown.append("tile")
    if key in keys(DETAILS):
        shown.append("details")
    if key in keys(REPORT):
        shown.append("report")
    if key in keys(ANALYZE):
        shown.append("analyze")
    return frozenset(shown)


SETTLED_WORDS: Final[dict[int, str]] = {
    1: "not settled",
    2: "a little settled",
    3: "somewhat settled",
    4: "mostly settled",
    5: "very settled",
}
"""The plain words of the check-in scale (:class:`vagal.events.CheckIn` ``settled``), in one
place for the check-in screens, the summary, the report and history."""


def metric(key: str) -> MetricInfo:
    """The registry entry for ``key``.

    Raises:
        KeyError: No metric has that key (the message names it).
    """
    try:
        return BY_KEY[key]
    except KeyError:
        raise KeyError(f"no metric named {key!r} in vagal.metrics.METRICS") from None


def shown_in(view: View) -> tuple[MetricInfo, ...]:
    """The metrics a view shows, in its order."""
    layout: tuple[str, ...] = {
        "tile": TILES,
        "details": keys(DETAILS),
        "report": keys(REPORT),
        "analyze": keys(ANALYZE),
    }[view]
    return tuple(BY_KEY[k] for k in layout)


__all__ = [
    "ANALYZE",
    "BASELINE",
    "BRIEF_MAX",
    "BY_KEY",
    "COHERENCE_LEVELS",
    "DETAILS",
    "LIVE",
    "METRICS",
    "PERSON",
    "REPORT",
    "SEGMENT",
    "SETTLED_WORDS",
    "TILES",
    "WHAT_HELPS",
    "MetricInfo",
    "View",
    "coherence_level",
    "keys",
    "metric",
    "shown_in",
    "views_of",
]
