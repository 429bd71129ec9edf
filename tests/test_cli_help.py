"""A bare ``vagal`` prints the help and exits 0: someone asking what it does."""

from __future__ import annotations

import pytest

from vagal.cli import EXIT_OK, main


def test_vagal_with_no_arguments_prints_the_help(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == EXIT_OK
    out, err = capsys.readouterr()
    assert out.startswith("usage: vagal") and "demo" in out and "replay" in out
    assert err == ""  # not argparse's "the following arguments are required"


def test_an_unknown_command_is_still_an_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["frobnicate"])
    assert exc.value.code == 2
