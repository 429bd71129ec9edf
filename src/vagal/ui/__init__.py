"""The terminal dashboard (Textual): breathing guide, heart trace, metric tiles, markers.

Only ``vagal.commands.session_runner`` imports this package, lazily, so ``vagal --help``, the
engine and the headless runs never load Textual. Entry points: :func:`vagal.ui.app.make_app`
(the factory shared by the CLI, the tests and the benchmark) and
:func:`vagal.ui.app.run_dashboard`.
"""

from __future__ import annotations
