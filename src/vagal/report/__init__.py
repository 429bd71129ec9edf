"""Session reports and history plots (matplotlib, imported only inside the drawing functions).

* :mod:`vagal.report.data`: what a session report shows, computed by the HRV core.
* :mod:`vagal.report.render`: draws it (PDF with two pages, or PNG/SVG).
* :mod:`vagal.report.history`: trends across the sessions folder.
"""

from __future__ import annotations

from vagal.errors import VagalError


class ReportError(VagalError):
    """A report or history plot could not be made (bad output name, unwritable file, …)."""
