"""Every test in tests/ble runs real bleak against the D-Bus BlueZ stand-in (see fixtures.py)."""

from __future__ import annotations

import asyncio
import contextlib
import sys
from collections.abc import AsyncIterator

import pytest

from tests.ble.fixtures import bluez, strap, system_bus

__all__ = ["bluez", "strap", "system_bus"]


@pytest.fixture(autouse=True)
async def _close_bleak_bus() -> AsyncIterator[None]:
    """Close the D-Bus connection bleak keeps per event loop when the test's loop ends.

    bleak shares one BlueZ manager per event loop and only finalises the ones of closed
    loops when a new one is requested, so the last test's socket would be reported as
    unclosed (a ResourceWarning, an error under filterwarnings=error). Cleanup only:
    nothing in bleak's behaviour during the test is changed.
    """
    yield
    manager = sys.modules.get("bleak.backends.bluezdbus.manager")  # only where BlueZ was used
    if manager is None:
        return
    inst = manager._global_instances.pop(asyncio.get_running_loop(), None)
    bus = inst._bus if inst is not None else None
    if bus is not None and bus.connected:
        bus.disconnect()
        with contextlib.suppress(TimeoutError, EOFError, OSError):
            await asyncio.wait_for(bus.wait_for_disconnect(), 2.0)
