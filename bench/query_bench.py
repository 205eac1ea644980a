"""Query latency at scale, while ingest continues.

Seeds a server with --spans realistic spans (default 10 million) over 30 days in
20 projects of uneven size (Zipf), each project's spans sent in time order as
live traffic would have arrived (every trace with a session_id of 100,000 and a user_id
of 10,000), then, while bench/loadgen keeps ingesting
10,000 spans/s, times the dashboard's queries on the largest project and prints
each p95 beside its target. Seeding is kept in --data-dir, so later runs reuse it.

    python3 bench/query_bench.py                      # 10 M spans (seeding takes minutes)
    python3 bench/query_bench.py --spans 200000       # a quick look
    python3 bench/query_bench.py --span-store-url http://127.0.0.1:8123/bench   # the spans in ClickHouse
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable, Dict, List, Tuple

import httpx

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "support"))

from stacklens_server import StackLensServer  # noqa: E402

LOADGEN = Path(os.environ.get("STACKLENS_LOADGEN", REPO / "build" / "loadgen"))
PROJECTS = 20
DAY = 86400


def seed(srv: StackLensServer, total: int) -> Dict[str, str]:
    weights = [1 / rank for rank in range(1, PROJECTS + 1)]
    keys: Dict[str, str] = {}
    started = time.monotonic()
    for i, w in enumerate(weights):
        name = f"p{i + 1:02d}"
        if name != "default":
            srv.cli("projects", "create", name, check=False)
        keys[name] = srv.create_key("traces:write,traces:read", project=name)
        count = max(1000, int(total * w / sum(weights)))
        subprocess.run([str(LOADGEN), "--url", srv.url, "--key", keys[name], "--mode", "batch", "--connections", "4",
                        "--batch", "1000", "--total-spans", str(count), "--time-window", str(30 * DAY), "--chronological", "1",
                        "--seed", str(i + 1), "--sessions", "1"], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        print(f"seeded {name}: {count} spans", flush=True)
    secs = time.monotonic() - started
    print(f"seeding: {total} spans in {secs:.0f} s = {total / secs:.0f} spans/s", flush=True)
    return keys


def p95(samples: List[float]) -> float:
    return statistics.quantiles(samples, n=20)[18] if len(samples) >= 20 else max(samples)


def timed(client: httpx.Client, path: str, repeat: int) -> Tuple[float, float, Dict]:
    samples, body = [], {}
    for _ in range(repeat):
        t0 = time.perf_counter()
        resp = client.get(path)
        samples.append((time.perf_counter() - t0) * 1000)
        assert resp.status_code == 200, f"{path}: {resp.status_code} {resp.text[:200]}"
        body = resp.json()
    return p95(samples), statistics.median(samples), body


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--spans", type=int, default=10_000_000)
    parser.add_argument("--data-dir", type=Path, default=Path("/var/tmp/stacklens-query-bench"))
    parser.add_argument("--repeat", type=int, default=40)
    parser.add_argument("--ingest-rate", type=int, default=10_000)
    parser.add_argument("--span-store-url", help="spans in this ClickHouse database (the server's span-store-url)")
    args = parser.parse_args()
    data = args.data_dir / (f"spans-{args.spans}-sessions" + ("-clickhouse" if args.span_store_url else ""))
    extra = ["--span-store-url", args.span_store_url] if args.span_store_url else []
    srv = StackLensServer(data / "data", extra_args=extra).start(timeout=600)
    marker = data / "keys.json"
    if marker.exists():
        keys = json.loads(marker.read_text())
    else:
        keys = seed(srv, args.spans)
        marker.write_text(json.dumps(keys))
    if not args.span_store_url:
        size = sum(f.stat().st_size for f in (data / "data").iterdir())
        print(f"on disk: {size / args.spans:.0f} bytes per span (all files of the data directory)")
    background = subprocess.Popen([str(LOADGEN), "--url", srv.url, "--key", keys["p02"], "--mode", "batch",
                                   "--connections", "2", "--batch", "500", "--rate", str(args.ingest_rate),
                                   "--duration", "100000"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(2)
    now = int(time.time())
    results: List[Tuple[str, float, float, float]] = []
    try:
        with httpx.Client(base_url=srv.url, headers={"X-Api-Key": keys["p01"]}, timeout=60) as client:
            def run(label: str, path: str, target: float) -> Dict:
                q95, median, body = timed(client, path, args.repeat)
                results.append((label, q95, median, target))
                print(f"  {label}: p95 {q95:.1f} ms", flush=True)
                return body

            m = "/api/v1/stacktrace/v1/metrics"
            for label, span, interval, group in [("overview metrics, 24 h", DAY, 1440, "none"),
                                                 ("overview metrics by model, 24 h", DAY, 1440, "model"),
                                                 ("overview metrics, 7 d", 7 * DAY, 3600 * 3, "none"),
                                                 ("overview metrics by model, 7 d", 7 * DAY, 3600 * 3, "model")]:
                run(label, f"{m}?from={(now - span) * 10**9}&to={now * 10**9}&interval={interval}&group_by={group}", 200)
            t = "/api/v1/stacktrace/v1/traces"
            listing = run("trace list, no filter", f"{t}?limit=50", 100)
            for label, query in [("name", "name=operation-7"), ("model", "model=gpt-4o"),
                                 ("provider", "provider=anthropic"), ("status", "status=error"),
                                 ("tag", "tag=tag-3"), ("attribute", "attr=attr_2%3Dvalue-17"),
                                 ("min latency", "min_latency_ms=3900"), ("min cost", "min_cost_usd=0.03"),
                                 ("time range", f"from={(now - 3 * DAY) * 10**9}&to={(now - 2 * DAY) * 10**9}")]:
                run(f"trace list by {label}", f"{t}?limit=50&{query}", 100)
            s, u = "/api/v1/stacktrace/v1/sessions", "/api/v1/stacktrace/v1/users"
            sessions = run("sessions, first page, 24 h", f"{s}?limit=50", 100)
            run("users, first page, 24 h", f"{u}?limit=50", 100)
            run("sessions, first page, 7 d", f"{s}?limit=50&from={(now - 7 * DAY) * 10**9}", 100)
            run("users, first page, 7 d", f"{u}?limit=50&from={(now - 7 * DAY) * 10**9}", 100)
            # Sorted by a sum, every session (user) of the period is summed: the cost grows with the period.
            run("sessions by trace count, 24 h", f"{s}?limit=50&sort=traces", 400)
            run("users by cost, 24 h", f"{u}?limit=50&sort=cost", 400)
            run("trace list by user", f"{t}?limit=50&user_id=user-4242", 100)
            if sessions["sessions"]:
                run("one session's conversation (20 traces)", f"{s}/{sessions['sessions'][0]['sessionId']}", 100)
            samples = []
            for trace in listing["traces"][:40]:
                t0 = time.perf_counter()
                assert client.get(f"{t}/{trace['traceId']}").status_code == 200
                samples.append((time.perf_counter() - t0) * 1000)
            results.append(("one trace's detail", p95(samples), statistics.median(samples), 20))
    finally:
        background.terminate()
        background.wait()
        srv.stop()
    print(f"\n{'query (largest project, ingest at %d spans/s)' % args.ingest_rate:<60} {'p95 ms':>8} {'median':>8} "
          f"{'target':>7}  result")
    for label, q95, median, target in results:
        print(f"{label:<60} {q95:8.1f} {median:8.1f} {target:7.0f}  {'met' if q95 <= target else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
