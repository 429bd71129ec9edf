"""The ``-o OUT`` check shared by ``report`` and ``history``: refused before any work is done."""

from __future__ import annotations

from pathlib import Path


def check_output(out: Path) -> None:
    """Refuse an output path whose format or folder cannot be written.

    Raises:
        ReportError: ``out`` does not end in .pdf, .png or .svg, or its folder does not exist.
    """
    from vagal.report import ReportError
    from vagal.report.render import output_format

    try:
        output_format(out)
    except ValueError as exc:
        raise ReportError(f"{exc}.") from None
    if not out.parent.is_dir():
        raise ReportError(f"the folder {out.parent} does not exist.", hint="Create it first, or choose another -o.")
