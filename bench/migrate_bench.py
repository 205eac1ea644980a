"""`stacklens migrate` at scale, against the cluster's live ingest of the same spans.

Seeds a single node with about --spans loadgen spans (prompts and completions included), starts
PostgreSQL, ZooKeeper and two ClickHouse replicas (tests/support), then side by side:
  migrate   `stacklens migrate` of the node's data directory into fresh databases (copy, then the
            comparison of counts and checksums, timed apart with `--verify-only`);
  baseline  the same number of spans sent by bench/loadgen (batches of 1,000, 4 connections) to a
            `stacklens serve` node on other fresh databases of the same replicas: what moving by
            re-sending the data through the API would take.
Prints spans/s of each and their ratio, and the migrate process's CPU per span.

    python3 bench/migrate_bench.py                   # 1 M spans
    python3 bench/migrate_bench.py --spans 200000    # a quick look
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Tuple

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "support"))

import postgres_db  # noqa: E402
from stacklens_server import BINARY, StackLensServer  # noqa: E402

LOADGEN = Path(os.environ.get("STACKLENS_LOADGEN", REPO / "build" / "loadgen"))
SUPPORT = REPO / "tests" / "support"


def loadgen(url: str, key: str, spans: int) -> float:
    """Sends `spans` spans in batches; seconds taken."""
    started = time.monotonic()
    subprocess.run([str(LOADGEN), "--url", url, "--key", key, "--mode", "batch", "--connections", "4", "--batch",
                    "1000", "--total-spans", str(spans), "--time-window", "86400", "--chronological", "1",
                    "--sessions", "1", "--seed", "7"], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.monotonic() - started


def child_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def migrate(source: Path, metadata_url: str, span_url: str, *extra: str) -> Tuple[float, int]:
    """Seconds taken, and the spans the comparison counted in the copy."""
    started = time.monotonic()
    out = subprocess.run([str(BINARY), "migrate", "--from", str(source), "--metadata-url", metadata_url,
                          "--span-store-url", span_url, *extra], capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(f"migrate failed ({out.returncode}): {out.stdout[-2000:]}{out.stderr[-2000:]}")
    spans = sum(int(m.group(1).replace(",", "")) for m in re.finditer(r"^spans of project \d+ +\S+ +(\S+) +match", out.stdout, re.M))
    return time.monotonic() - started, spans


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--spans", type=int, default=1_000_000)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="stacklens-migrate-bench-", dir="/var/tmp"))
    os.chmod(work, 0o755)
    pg_dir, ch_dir = work / "postgres", work / "clickhouse"
    admin = subprocess.run(["bash", str(SUPPORT / "postgres.sh"), "start", str(pg_dir)], check=True,
                           capture_output=True, text=True).stdout.strip()
    replicas = subprocess.run(["bash", str(SUPPORT / "clickhouse.sh"), "cluster", str(ch_dir)], check=True,
                              capture_output=True, text=True).stdout.split()
    try:
        node = StackLensServer(work / "single").start()
        key = node.create_key("traces:write,traces:read")
        seeded = loadgen(node.url, key, args.spans)
        node.stop()
        print(f"seeded the single node in {seeded:.0f} s", flush=True)

        metadata_url = postgres_db.fresh_database("migrate-bench", admin)
        span_url = f"{replicas[0]}/migrate_bench?cluster=stacklens"
        cpu0 = child_cpu()
        total_s, n = migrate(work / "single", metadata_url, span_url)
        cpu = child_cpu() - cpu0
        verify_s, _ = migrate(work / "single", metadata_url, span_url, "--verify-only")
        copy_s = max(total_s - verify_s, 1e-9)

        live_metadata = postgres_db.fresh_database("live-bench", admin)
        live = StackLensServer(work / "live", ["--metadata-url", live_metadata,
                                               "--span-store-url", f"{replicas[1]}/live_bench?cluster=stacklens"])
        live.start()
        live_key = live.cli("keys", "create", "--scopes", "traces:write", "--metadata-url",
                            live_metadata).stdout.split()[-1]
        live_s = loadgen(live.url, live_key, args.spans)  # the same spans: loadgen's --seed
        live.stop()

        print(f"\n{'':34}{'spans/s':>12}{'seconds':>10}")
        print(f"{'migrate: copy':34}{n / copy_s:>12,.0f}{copy_s:>10.1f}")
        print(f"{'migrate: compare (both sides)':34}{n / verify_s:>12,.0f}{verify_s:>10.1f}")
        print(f"{'baseline: loadgen through a node':34}{n / live_s:>12,.0f}{live_s:>10.1f}")
        print(f"\ncopy / baseline: {live_s / copy_s:.2f}x   migrate CPU (copy + compare): "
              f"{cpu / n * 1e6:.1f} us per span (ClickHouse's and PostgreSQL's apart)")
    finally:
        subprocess.run(["bash", str(SUPPORT / "clickhouse.sh"), "stop", str(ch_dir)], capture_output=True)
        subprocess.run(["bash", str(SUPPORT / "postgres.sh"), "stop", str(pg_dir)], capture_output=True)
        subprocess.run(["rm", "-rf", str(work)])
    return 0


if __name__ == "__main__":
    sys.exit(main())
