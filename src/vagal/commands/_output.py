"""The ``-o OUT`` check shared by ``report`` and ``history``: refused before any work is done."""

from __future__ import annotations

from pathlib import Path


def check_output(out: Path, *, new: bool = True) -> None:
    """Refuse an output path whose format or folder cannot be written, or that exists already.

    Args:
        out: The file to write.
        new: Refuse a file that exists (vagal never replaces one, as ``convert`` and
            ``--record`` do not); the writer also creates it exclusively, so a file that
            appears in between is not replaced either.

    Raises:
        ReportError: ``out`` does not end in .pdf, .png or .svg, its folder does not exist,
            or it exists already.
    """
    from vagal.report import ReportError
    from vagal.report.render import output_format

    try:
        output_format(out)
    except ValueError as exc:
        raise ReportError(f"{exc}.") from None
    if not out.parent.is_dir():
        raise ReportError(f"the folder {out.parent} does not exist.",
                          hint="Create it first, or choose another -o.")
    if new and (out.exists() or out.is_symlink()):
        raise ReportError(f"{out} already exists; vagal never replaces a file.",
                          hint="Choose another name with -o.")
