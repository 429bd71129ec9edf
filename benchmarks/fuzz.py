"""Fuzz at length: 10^6 payloads through the decoder, thousands of damaged files per format.

Run from the repository root::

    python benchmarks/fuzz.py                      # 10^6 payloads, 2,000 files per format
    python benchmarks/fuzz.py --payloads 100000 --files 200 --formats vagal rr-list
    python benchmarks/fuzz.py --baseline 5b6e964   # the payload part also on that commit's decoder

Prints the counts: crashes (an exception out of the decoder), tracebacks (out of a
command), hangs (a command running past 30 s), broken promises (the decoder's four, in its
module docstring), recorded streams that do not read back whole, and per format how each
damaged file ended (a result, a one-line refusal, or a broken rule), and whether what
``convert`` wrote kept the RR values it read. The damage is tests/fuzz/mutations.py, the
rule tests/fuzz/harness.py: the same as the CI fuzz tests (tests/fuzz/), many more times.
A report is drawn for the first few files of each format only (seconds each).
"""

from __future__ import annotations

import argparse
import bisect
import importlib.util
import json
import random
import subprocess
import sys
import tempfile
import time
import types
from collections import Counter
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "src"))

from tests.fuzz.harness import broken_rules, run_in_process
from tests.fuzz.mutations import OPERATORS, mutate
from tests.fuzz.samples import write_samples

from vagal.events import Beat, Gap
from vagal.gatt import encode_heart_rate_measurement, parse_heart_rate_measurement
from vagal.sessions.codec import MAX_SESSION_S, event_to_dict
from vagal.sessions.reader import read_events

CHUNK = 1000
"""Payloads per simulated session (a new decoder each); its events are also read back."""


# --- payloads ----------------------------------------------------------------------------------


def _payload(rng: random.Random) -> bytes:
    if rng.random() < 0.15:
        return bytes(rng.randrange(256) for _ in range(rng.randint(0, 24)))
    n = rng.choice([0, 1, 1, 1, 1, 2, 2, 3, 4, 9])
    rr = []
    for _ in range(n):
        u = rng.random()
        rr.append(rng.randint(580, 1300) if u < 0.85 else rng.choice([0, 1, 65535, 61441]) if u < 0.9 else rng.randint(0, 65535))
    contact = rng.choice([None, True, True, True, False])
    hr = rng.choice([0, 60, 72, 255]) if rng.random() < 0.1 else rng.randint(40, 180)
    return encode_heart_rate_measurement(hr, rr, sensor_contact=contact)


def _dt(rng: random.Random) -> float:
    u = rng.random()
    if u < 0.80:
        return rng.uniform(0.5, 1.5)
    if u < 0.90:
        return rng.choice([0.0, 0.0, 0.001, 0.01])  # a burst
    if u < 0.96:
        return rng.uniform(4.0, 120.0)  # a stall
    if u < 0.998:
        return -rng.uniform(0.001, 3600.0)  # the clock steps back
    return rng.uniform(3600.0, 6 * 3600.0)  # the clock jumps ahead (a laptop's sleep)


def _load_decoder(rev: str | None) -> types.ModuleType:
    if rev is None:
        import vagal.sources.decode as current

        return current
    source = subprocess.run(
        ["git", "show", f"{rev}:src/vagal/sources/decode.py"], cwd=REPO, check=True, capture_output=True, text=True
    ).stdout
    spec = importlib.util.spec_from_loader(f"decode_{rev}", loader=None)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    exec(compile(source, f"decode@{rev}", "exec"), module.__dict__)  # noqa: S102 - our own file at a commit
    return module


def fuzz_payloads(n: int, seed: int, decode: types.ModuleType) -> Counter[str]:
    """Feed ``n`` payloads in sessions of CHUNK; count every broken promise."""
    rng = random.Random(seed)
    c: Counter[str] = Counter()
    for start in range(0, n, CHUNK):
        dec = decode.PayloadDecoder(settle_s=rng.choice([0.0, 5.0]))
        events: list[Any] = []
        t = 0.0
        latest = float("-inf")
        prev_t = float("-inf")
        sent = 0
        for _ in range(min(CHUNK, n - start)):
            t = min(t + _dt(rng), MAX_SESSION_S)  # a session file holds a week at most (codec)
            if rng.random() < 0.01:
                gap_start = max(latest, 0.0)
                gap_end = max(gap_start, t)
                dec.reset(gap_end)
                events.append(Gap(gap_start, gap_end, "disconnected"))
            latest = max(latest, t)
            data = _payload(rng)
            try:
                values = parse_heart_rate_measurement(data).rr_intervals_ms
            except ValueError:
                values = ()
            sent += len(values)
            c["payloads"] += 1
            try:
                out = dec.feed(t, data)
            except Exception:  # noqa: BLE001 - counted: the point of the benchmark
                c["crashes"] += 1
                continue
            for e in out:
                if not isinstance(e, Beat):
                    continue
                c["beats"] += 1
                if e.t_s <= prev_t:
                    c["beats not after the one before"] += 1
                if e.t_s > latest + 1e-9:
                    c["beats after their arrival (any amount)"] += 1
                    # Promised: only a crowded beat (no room before its arrival), 1 µs after the one before.
                    if abs(e.t_s - prev_t - 1e-6) > 1e-9:
                        c["beats after their arrival (broken promise)"] += 1
                if e.rr_ms > 60_000:
                    c["beats over a minute"] += 1
                if e.rr_ms not in values:
                    c["beats with a value the strap did not send"] += 1
                prev_t = max(prev_t, e.t_s)
            events += out
        c["beats crowded (counted by the decoder)"] += getattr(dec, "crowded", 0)
        accounted = dec.beats + dec.zero_rr_skipped + dec.early_skipped
        accounted += getattr(dec, "impossible_rr", 0) + getattr(dec, "no_contact_skipped", 0)
        if accounted != sent:
            c["sessions where values went unaccounted"] += 1
        times = sorted(e.t_s for e in events if isinstance(e, Beat))
        for g in (e for e in events if isinstance(e, Gap) and e.reason != "disconnected"):
            if g.end_s < g.start_s or bisect.bisect_left(times, g.end_s) - bisect.bisect_right(times, g.start_s) > 0:
                c["gaps holding a beat"] += 1
        c["sessions"] += 1
        lines = [json.dumps({"format": "vagal-session", "format_version": 1, "start": "2026-11-24T07:30:00+01:00"})]
        lines += [json.dumps(event_to_dict(e)) for e in events]
        try:
            _, back, damage, _ = read_events("fuzz", ("\n".join(lines) + "\n").encode())
        except Exception:  # noqa: BLE001
            c["recorded sessions that do not read"] += 1
            continue
        if damage or back != events:
            c["recorded sessions read back with damage"] += 1
    return c


# --- files ---------------------------------------------------------------------------------------


def _commands(fmt: str, path: Path, folder: Path, k: int) -> list[list[str]]:
    argvs = [["analyze", str(path), "--json"], ["convert", str(path), str(folder / "c.vagal.jsonl")],
             ["convert", str(path), str(folder / "c.csv")]]
    if fmt == "vagal" and k % 5 == 0:
        argvs += [["replay", str(path), "--headless", "--speed", "max", "--json"], ["sessions", "--json"], ["history", "--json"]]
    if k < 3:
        argvs.append(["report", str(path), "-o", str(folder / "r.png")])
    return argvs


def fuzz_files(n: int, seed: int, formats: list[str]) -> dict[str, Counter[str]]:
    from tests.fuzz.test_fuzz_files import _nothing_rewritten, _report_data

    rng = random.Random(seed)
    base = Path(tempfile.mkdtemp(prefix="vagal-fuzz-"))
    (base / "samples").mkdir()
    samples = write_samples(base / "samples")
    results: dict[str, Counter[str]] = {}
    names = sorted(OPERATORS)
    for fmt in formats:
        c: Counter[str] = Counter()
        sample = samples[fmt]
        t0 = time.perf_counter()
        for k in range(n):
            folder = base / fmt / str(k % 4)
            if folder.exists():
                for old in folder.rglob("*"):
                    if old.is_file():
                        old.unlink()
            folder.mkdir(parents=True, exist_ok=True)
            damages = [(rng.choice(names), rng.random(), rng.random()) for _ in range(rng.randint(1, 3))]
            path = folder / sample.name
            path.write_bytes(mutate(sample.read_bytes(), damages))
            if sample.suffix == ".atr":
                (folder / "rec.hea").write_bytes(sample.with_suffix(".hea").read_bytes())
            data = folder / "data"
            if fmt == "vagal":
                (data / "sessions").mkdir(parents=True, exist_ok=True)
                (data / "sessions" / "x.vagal.jsonl").write_bytes(path.read_bytes())
            c["files"] += 1
            for argv in _commands(fmt, path, folder, k):
                outcome = run_in_process(argv, data_dir=data)
                broken = broken_rules(outcome)
                key = argv[0]
                c[f"{key} runs"] += 1
                if broken:
                    kind = broken[0].split(":")[0]
                    c[f"{key} BROKEN: {kind}"] += 1
                    if c[f"{key} BROKEN: {kind}"] <= 2:
                        print(f"  {fmt} {key}: {broken[0][:160]} <- {damages}", file=sys.stderr)
                elif outcome.status == 0:
                    c[f"{key} result"] += 1
                else:
                    c[f"{key} one-line refusal"] += 1
                if key == "convert" and outcome.status == 0 and _nothing_rewritten(path, Path(argv[2])):
                    c["convert BROKEN: RR values changed"] += 1
            if fmt == "vagal" and k % 10 == 0 and _report_data(path):
                c["report data BROKEN"] += 1
        c["seconds"] = round(time.perf_counter() - t0)
        results[fmt] = c
        print(f"{fmt}: {dict(sorted(c.items()))}", flush=True)
    return results


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--payloads", type=int, default=1_000_000)
    ap.add_argument("--files", type=int, default=2000, help="damaged files per format")
    ap.add_argument("--formats", nargs="*", default=None, help="formats to damage (default: all)")
    ap.add_argument("--seed", type=int, default=12)
    ap.add_argument("--baseline", metavar="REV", help="also run the payload part on this commit's decoder")
    args = ap.parse_args()
    from tests.fuzz.samples import FORMAT_FILES

    print(f"vagal fuzz, seed {args.seed}")
    for label, rev in [("this tree", None)] + ([(f"commit {args.baseline}", args.baseline)] if args.baseline else []):
        if not args.payloads:
            break
        t0 = time.perf_counter()
        counts = fuzz_payloads(args.payloads, args.seed, _load_decoder(rev))
        print(f"\npayloads through the decoder ({label}), {time.perf_counter() - t0:.0f} s:")
        for key in ("payloads", "sessions", "beats", "crashes", "beats not after the one before",
                    "beats after their arrival (broken promise)", "beats after their arrival (any amount)",
                    "beats crowded (counted by the decoder)",
                    "beats over a minute", "beats with a value the strap did not send",
                    "sessions where values went unaccounted", "gaps holding a beat",
                    "recorded sessions that do not read", "recorded sessions read back with damage"):
            print(f"  {key:<45} {counts.get(key, 0):>10,}")
    if args.files:
        print(f"\ndamaged files, {args.files} per format:")
        fuzz_files(args.files, args.seed, args.formats or sorted(FORMAT_FILES))


if __name__ == "__main__":
    main()
