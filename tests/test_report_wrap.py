"""The report's fast wrapping gives the lines exact measuring gives.

:func:`vagal.report.layout.wrap` settles most candidate lines by an estimate (the sum of the
characters' advances) and measures only those near the column's edge with FreeType. The
oracle is the same greedy wrap with every candidate measured by FreeType (Agg's metrics).
"""

from __future__ import annotations

import random

import matplotlib
import pytest

from vagal.report import layout, style

TEXT = (
    "the quick brown fox jumps over a lazy dog RMSSD 42.5 ms heart-rate (5.5/min) coherence, "
    "WWWWW mmm iiiiiiii lllllll $5 … « » é ü Ω AVA To 2:30 ——— "
    "averyveryverylongwordwithoutanyspacesatallthatmustbebrokenbetweencharacters 张伟 🌿"
)
WORDS = TEXT.split()


def _exact(text: str, limit: float, size_pt: float, weight: str) -> bool:
    return layout.text_width_pt(text, size_pt, weight) <= limit


@pytest.mark.filterwarnings("ignore:Glyph .* missing from font")
def test_fast_wrap_equals_exact_wrap(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = random.Random(15)
    cases = []
    for _ in range(150):
        text = " ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 40)))
        cases.append((text, rng.choice((1.2, 2.5, 4.0, 6.9)), rng.choice((7.0, 8.0, 9.0, 12.0)),
                      rng.choice(("normal", "bold")), rng.choice((None, 2))))
    with matplotlib.rc_context(style.RC):
        fast = [layout.wrap(t, w, s, weight=wt, max_lines=m) for t, w, s, wt, m in cases]
        monkeypatch.setattr(layout, "_fits", _exact)
        exact = [layout.wrap(t, w, s, weight=wt, max_lines=m) for t, w, s, wt, m in cases]
    assert fast == exact
    assert sum(len(lines) for lines in exact) > 300  # many lines, many decisions near the edge
