"""The HRV core: pure functions, numpy in, numbers out (docs/methods.md is the spec).

No I/O, no clock, no logging. numpy is needed to import this package and is all the analysis
uses: the few scipy routines it needed (a cubic spline, a banded solve, Welch, rank filters) are
written in numpy in ``_numeric`` and tested against scipy, because importing scipy cost
``vagal analyze`` about 1 s. Nothing in ``vagal --help`` imports this package.

Modules:
    time_domain: mean NN, HR, SDNN, RMSSD, SDSD, pNN50/20 (§1).
    spectral: resampling, smoothness priors, Welch/Lomb PSD, band powers (§2).
    coherence: the coherence ratio (§6.1).
    nonlinear: Poincaré SD1/SD2, sample entropy, DFA α1/α2 (§3).
    artifacts: Lipponen & Tarvainen (2019) detection and correction (§5.1).
    analysis: :func:`analyze_rr`, all of the above on one record.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from vagal.hrv.time_domain import TimeDomain, time_domain

if TYPE_CHECKING:
    from vagal.hrv.analysis import HrvResult, analyze_rr

__all__ = ["HrvResult", "TimeDomain", "analyze_rr", "time_domain"]


def __getattr__(name: str) -> Any:
    if name in ("analyze_rr", "HrvResult"):
        from vagal.hrv import analysis

        return getattr(analysis, name)
    raise AttributeError(f"module 'vagal.hrv' has no attribute {name!r}")
