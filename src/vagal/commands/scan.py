"""``vagal scan``: list nearby heart-rate straps (devices offering the Heart Rate Service)."""

from __future__ import annotations

import argparse
import json
import math
import sys

from vagal.errors import VagalError
from vagal.text import printable


def run(args: argparse.Namespace) -> int:
    """Scan for ``args.timeout`` seconds; print a table (or ``--json``) on stdout.

    Raises:
        VagalError: Bad ``--timeout``, or Bluetooth is unavailable (one line, exit 2).
    """
    import asyncio

    from vagal.sources.bleak_source import discover_straps

    timeout_s: float = args.timeout
    if not (math.isfinite(timeout_s) and timeout_s > 0):
        raise VagalError(f"--timeout must be more than 0 seconds, got {timeout_s:g}.")
    print(f"Looking for heart-rate straps for {timeout_s:g} s…", file=sys.stderr)
    straps = asyncio.run(discover_straps(timeout_s))
    if args.json:
        rows = [
            {
                "name": s.name,
                "address": s.address,
                "rssi_dbm": s.rssi_dbm,
                "profile": s.profile.id if s.profile else None,
                "profile_name": s.profile.name if s.profile else None,
                "sends_rr": s.profile.sends_rr if s.profile else None,
            }
            for s in straps
        ]
        print(json.dumps(rows, indent=2))
        return 0
    if not straps:
        print(
            "No heart-rate strap was found. Put the strap on (moisten the electrodes) so it wakes up, "
            "keep it close, and scan again.",
            file=sys.stderr,
        )
        return 0
    # Anyone in radio range chooses the name: shown with its control characters escaped
    # (JSON above keeps it intact, escaped by JSON itself).
    names = [printable(s.name or "?") for s in straps]
    addresses = [printable(s.address) for s in straps]
    name_w = max(4, *(len(n) for n in names))
    addr_w = max(7, *(len(a) for a in addresses))
    print(f"{'NAME':<{name_w}}  {'ADDRESS':<{addr_w}}  {'SIGNAL':>8}  PROFILE")
    for s, name, address in zip(straps, names, addresses, strict=True):
        signal = f"{s.rssi_dbm} dBm" if s.rssi_dbm is not None else "?"
        prof = s.profile.name if s.profile else "unknown"
        if s.profile and s.profile.sends_rr == "no":
            prof += " (sends no RR intervals: heart rate only, no HRV)"
        elif s.profile and s.profile.sends_rr == "some-modes":
            prof += " (RR intervals only in some modes)"
        print(f"{name:<{name_w}}  {address:<{addr_w}}  {signal:>8}  {prof}")
    if len(straps) > 1:
        print("Connect to one with: vagal live --device NAME_OR_ADDRESS; two people, one strap each: "
              "vagal live --device A --device B", file=sys.stderr)
    return 0
