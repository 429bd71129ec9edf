"""Where vagal keeps things: the per-user sessions folder, and the bundled data.

``VAGAL_DATA_DIR`` overrides the data folder and ``VAGAL_CONFIG_DIR`` the config folder
(tests point them at a temporary folder).
"""

from __future__ import annotations

import os
from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent


def data_dir() -> Path:
    """The user's vagal data folder (platformdirs), or ``$VAGAL_DATA_DIR``."""
    env = os.environ.get("VAGAL_DATA_DIR")
    if env:
        return Path(env)
    import platformdirs

    return Path(platformdirs.user_data_dir("vagal", appauthor=False))


def sessions_dir() -> Path:
    """The folder that holds recorded sessions (created on first use by the recorder)."""
    env = os.environ.get("VAGAL_SESSIONS_DIR")
    return Path(env) if env else data_dir() / "sessions"


def config_dir() -> Path:
    """The user's vagal config folder (platformdirs), or ``$VAGAL_CONFIG_DIR``: what vagal keeps
    for the person besides recordings (their own breathing pace from ``vagal resonance``)."""
    env = os.environ.get("VAGAL_CONFIG_DIR")
    if env:
        return Path(env)
    import platformdirs

    return Path(platformdirs.user_config_dir("vagal", appauthor=False))


def bundled_dir(name: str) -> Path:
    """A bundled data folder ("devices" or "samples").

    In an installed wheel it lives in ``vagal/_data/``; in a source checkout (or an
    editable install) it is the top-level folder of the repository.
    """
    installed = _PACKAGE_DIR / "_data" / name
    if installed.is_dir():
        return installed
    return _PACKAGE_DIR.parent.parent / name
