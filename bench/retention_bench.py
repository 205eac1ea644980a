"""Batched ingest while a retention pass removes most of the store, against the same ingest with
nothing to remove, on one SQLite node.

    python3 bench/retention_bench.py                      # 2 M spans over 30 days, a 7-day period, 20 s runs
    python3 bench/retention_bench.py --spans 5000000 --duration 30

The server starts on a fresh data directory with `--retention-interval-seconds 1`; loadgen seeds
--spans spans spread over the last 30 days. Then two runs of bench/loadgen's batched workload
(4 connections x 1,000 spans, new spans): the first with no retention period set (nothing to
remove), the second right after `PUT /api/v1/retention {"retentionDays": 7}`, while the pass
removes every trace that began more than 7 days ago. Prints both rates, their ratio (target:
at least 0.95), and how long the pass took and how many spans it removed.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "support"))

from stacklens_server import BINARY, StackLensServer  # noqa: E402

LOADGEN = BINARY.parent / "loadgen"
DAY = 86400


def loadgen(url: str, key: str, *args: str) -> str:
    cmd = [str(LOADGEN), "--url", url, "--key", key, "--mode", "batch", "--connections", "4", "--batch", "1000",
           "--seed", "1", *args]
    print("$", " ".join(cmd).replace(key, "sl-..."), flush=True)
    out = subprocess.run(cmd, capture_output=True, text=True).stdout
    print(out.rstrip())
    return out


def rate(out: str) -> float:
    return float(re.search(r"spans_per_s=([\d.]+)", out).group(1))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--spans", type=int, default=2_000_000, help="spans seeded over the last 30 days")
    parser.add_argument("--duration", type=int, default=20, help="seconds per ingest run")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="stacklens-retention-", dir="/var/tmp"))
    srv = StackLensServer(work / "data", extra_args=["--retention-interval-seconds", "1"]).start()
    try:
        key = srv.create_key("traces:write,traces:read,members:manage")
        loadgen(srv.url, key, "--total-spans", str(args.spans), "--time-window", str(30 * DAY),
                "--duration", "100000")
        before = rate(loadgen(srv.url, key, "--duration", str(args.duration)))
        log_start = srv.log_path.stat().st_size
        set_at = time.monotonic()
        resp = httpx.put(srv.url + "/api/v1/retention", json={"retentionDays": 7}, headers={"X-Api-Key": key})
        assert resp.status_code == 200, resp.text
        during = rate(loadgen(srv.url, key, "--duration", str(args.duration)))
        # The pass's log line, once it has ended.
        removed = None
        deadline = time.monotonic() + 600
        while removed is None and time.monotonic() < deadline:
            with open(srv.log_path, "rb") as f:
                f.seek(log_start)
                m = re.search(rb"retention: project 'default': (\d+) spans", f.read())
            if m:
                removed = int(m.group(1))
                took = time.monotonic() - set_at
            else:
                time.sleep(0.2)
    finally:
        srv.stop()
        shutil.rmtree(work, ignore_errors=True)
    print(f"\n== batched ingest with a retention pass removing what is older than 7 days, against none")
    print(f"ingest: {before:,.0f} spans/s with nothing to remove, {during:,.0f} spans/s during the pass: "
          f"ratio {during / before:.3f} (target >= 0.95): {'met' if during / before >= 0.95 else 'NOT met'}")
    if removed is None:
        print("the pass did not end within 600 s")
        return 1
    print(f"the pass removed {removed:,} spans in {took:.1f} s after the period was set "
          f"({removed / took:,.0f} spans/s), beside the ingest run")
    return 0


if __name__ == "__main__":
    sys.exit(main())
