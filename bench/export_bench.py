"""Exports: the spans of a 1 M-span filter streamed as JSON Lines and CSV, and what an export
running beside ingest costs it.

    python3 bench/export_bench.py                      # 1 M spans; export targets: 100,000 spans/s, RSS < 256 MB
    python3 bench/export_bench.py --spans 200000       # a quick look
    python3 bench/export_bench.py --pairs 2 --duration 20
        # then batched ingest alone and beside exports running back to back, in turn (A B A B), with the ratio

Starts `build/stacklens` (or $STACKLENS_BINARY) on a new data directory in /var/tmp (deleted afterwards
unless --keep), seeds it with `build/loadgen` (4 x 1,000-span batches over the last day, sent in time order as
live traffic arrives), then downloads
every span of the project (no filter: the largest export) in each format, reading the body as it comes,
and samples the server's RSS every 0.1 s.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Dict, List, Tuple

import httpx

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "support"))

from stacklens_server import BINARY, StackLensServer  # noqa: E402

from ingest_bench import rss_mb  # noqa: E402  (bench/, this script's own folder)

LOADGEN = Path(os.environ.get("STACKLENS_LOADGEN", BINARY.parent / "loadgen"))
RSS_BOUND_MB = 256
TARGET = 100_000
EXPORT = "/api/v1/stacktrace/v1/exports/spans"


class PeakRss:
    """The largest RSS of `pid` seen while in the block, sampled every 0.1 s."""

    def __init__(self, pid: int) -> None:
        self.pid, self.peak, self._done = pid, 0.0, threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while True:
            self.peak = max(self.peak, rss_mb(self.pid))
            if self._done.wait(0.1):
                return

    def __enter__(self) -> "PeakRss":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._done.set()
        self._thread.join()
        self.peak = max(self.peak, rss_mb(self.pid))


def load() -> str:
    """The machine's load average: other work on the same cores moves every figure."""
    one, five, _ = os.getloadavg()
    return f"load average {one:.2f} (1 min), {five:.2f} (5 min)"


def loadgen(srv: StackLensServer, key: str, *extra: str) -> str:
    cmd = [str(LOADGEN), "--url", srv.url, "--key", key, "--mode", "batch", "--connections", "4", "--batch", "1000",
           "--seed", "1", *extra]
    return subprocess.run(cmd, check=True, capture_output=True, text=True).stdout


def export_once(srv: StackLensServer, key: str, query: str) -> Tuple[int, int, float]:
    """Rows, bytes and seconds of one export read to its end."""
    rows = size = 0
    started = time.monotonic()
    with httpx.stream("GET", f"{srv.url}{EXPORT}?{query}", headers={"X-Api-Key": key}, timeout=600) as resp:
        resp.raise_for_status()
        for piece in resp.iter_bytes():
            rows += piece.count(b"\n")
            size += len(piece)
    secs = time.monotonic() - started
    if "format=csv" in query:
        rows -= 1  # the header
    return rows, size, secs


def exports(srv: StackLensServer, key: str) -> None:
    pid = srv.proc.pid
    first = 0
    for label, query in [("JSON Lines", "format=jsonl"), ("CSV", "format=csv"),
                         ("JSON Lines with text", "format=jsonl&include=text"), ("CSV with text", "format=csv&include=text")]:
        before = rss_mb(pid)
        with PeakRss(pid) as rss:
            rows, size, secs = export_once(srv, key, query)
        rate = rows / secs
        print(f"export {label}: {rows:,} spans ({size / 1e6:,.0f} MB) in {secs:.1f} s = {rate:,.0f} spans/s "
              f"(target {TARGET:,}: {'met' if rate >= TARGET else 'NOT met'}); server RSS {before:.0f} MB before, "
              f"peak {rss.peak:.0f} MB during (bound {RSS_BOUND_MB}: {'met' if rss.peak < RSS_BOUND_MB else 'NOT met'}); "
              f"{load()}", flush=True)
        if first and rows != first:
            print(f"  NOT the {first:,} rows of the first export", flush=True)
        first = first or rows


def ingest_rate(srv: StackLensServer, key: str, duration: int) -> float:
    out = loadgen(srv, key, "--duration", str(duration), "--seed", "7")
    m = re.search(r"spans_per_s=([\d.]+)", out)
    return float(m.group(1)) if m else 0.0


def beside_ingest(srv: StackLensServer, key: str, pairs: int, duration: int) -> None:
    """Batched ingest alone, then with exports running back to back, in turn."""
    runs: List[Tuple[float, float]] = []
    for i in range(pairs):
        alone = ingest_rate(srv, key, duration)
        stop = threading.Event()
        exported = [0]

        def export_loop() -> None:
            # The downloader stands for a client on another machine: here it must not take the
            # cores that ingest and the server share, so it runs at the lowest priority.
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 19)
            while not stop.is_set():
                exported[0] += export_once(srv, key, "format=jsonl")[0]

        runner = threading.Thread(target=export_loop, daemon=True)
        runner.start()
        beside = ingest_rate(srv, key, duration)
        stop.set()
        runner.join()
        runs.append((beside, alone))
        print(f"[pair {i + 1}/{pairs}] ingest alone {alone:,.0f} spans/s; beside exports {beside:,.0f} spans/s "
              f"({exported[0]:,} spans exported meanwhile); {load()}", flush=True)
    ratios = sorted(b / a for b, a in runs if a)
    print(f"ingest beside exports / alone: median {statistics.median(ratios):.3f} (min {ratios[0]:.3f}, "
          f"max {ratios[-1]:.3f}); target within 5 % (>= 0.95)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--spans", type=int, default=1_000_000)
    parser.add_argument("--pairs", type=int, default=0, help="ingest alone / beside exports pairs to run after")
    parser.add_argument("--duration", type=int, default=20, help="seconds of each ingest run of a pair")
    parser.add_argument("--rounds", type=int, default=2,
                        help="export every format this many times (the first round follows seeding: the WAL is "
                             "still being checkpointed)")
    parser.add_argument("--keep", action="store_true", help="keep the data directory")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="stacklens-export-", dir="/var/tmp"))
    srv = StackLensServer(work / "data").start()
    try:
        key = srv.create_key("traces:write,traces:read")
        started = time.monotonic()
        loadgen(srv, key, "--total-spans", str(args.spans), "--time-window", "86400", "--chronological", "1")
        print(f"seeded {args.spans:,} spans in {time.monotonic() - started:.0f} s (server {srv.binary})", flush=True)
        for i in range(args.rounds):
            print(f"round {i + 1}/{args.rounds}", flush=True)
            exports(srv, key)
        if args.pairs:
            beside_ingest(srv, key, args.pairs, args.duration)
    finally:
        srv.stop()
        if args.keep:
            print(f"data kept in {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
