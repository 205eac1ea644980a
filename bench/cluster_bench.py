"""Ingest into the local cluster (scripts/cluster.sh: haproxy, two nodes, PostgreSQL, ZooKeeper, two
ClickHouse replicas with quorum inserts) against one SQLite node, on the same machine, in one run,
with the CPU each part spends per span, and a sizing table derived from those costs.

    python3 bench/cluster_bench.py                    # batched (4 connections x 1,000 spans) and single-span, 20 s each
    python3 bench/cluster_bench.py --duration 60 --workload batch

Everything runs on this one machine, so the cluster is not faster than one node here: what carries
over to real machines is the CPU per span of each part (a node's request handling, a ClickHouse
replica's inserts and merges, ZooKeeper, PostgreSQL, haproxy) and ClickHouse's bytes per span, from
which the sizing table is computed. The cluster lives in a fresh STACKLENS_CLUSTER_DIR, removed
afterwards (--keep to keep it).
"""

from __future__ import annotations

import argparse
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Dict, List, Tuple

import httpx

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "support"))
sys.path.insert(0, str(REPO / "bench"))

import ingest_bench  # noqa: E402
from stacklens_server import BINARY  # noqa: E402

CLUSTER_SH = REPO / "scripts" / "cluster.sh"
TICK = os.sysconf("SC_CLK_TCK")
# Sizing assumptions, printed with the table.
PEAK_FACTOR = 3.0        # the busiest hour's rate against the day's average
CPU_HEADROOM = 0.6       # cores planned busy at peak
RETENTION_DAYS = 30
REPLICAS = 2
MACHINE_CORES = 16
REPLICA_DISK_TB = 20     # data disk of one ClickHouse machine


def process_cpu(pid: int) -> float:
    """CPU seconds of a process (all its threads)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICK


def children_of(parent: int) -> List[int]:
    out = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        if ppid == parent:
            out.append(int(entry.name))
    return out


def parts(state: Path) -> Dict[str, List[int]]:
    """The cluster's processes by part, from their pid files (scripts/cluster.sh's layout);
    PostgreSQL's backends are the postmaster's children."""
    files = {"node": ["node-a/pid", "node-b/pid"], "clickhouse": ["clickhouse/replica1/pid", "clickhouse/replica2/pid"],
             "zookeeper": ["clickhouse/zookeeper/pid"], "haproxy": ["haproxy/pid"],
             "postgres": ["postgres/data/postmaster.pid"]}
    groups: Dict[str, List[int]] = {}
    for name, paths in files.items():
        groups[name] = []
        for rel in paths:
            try:
                groups[name].append(int((state / rel).read_text().split()[0]))
            except (OSError, ValueError, IndexError):
                print(f"no pid in {state / rel}: its CPU is not counted", file=sys.stderr)
    return groups


def cpu_by_part(groups: Dict[str, List[int]]) -> Dict[str, float]:
    out = {}
    for name, pids in groups.items():
        total = 0.0
        for pid in pids:
            total += process_cpu(pid)
            if name == "postgres":
                total += sum(process_cpu(child) for child in children_of(pid))
        out[name] = total
    return out


def clickhouse_bytes(state: Path) -> Tuple[float, float]:
    """Bytes on disk and rows of the spans table on replica 1."""
    port = (state / "clickhouse" / "replica1" / "http_port").read_text().strip()
    sql = "SELECT sum(bytes_on_disk), sum(rows) FROM system.parts WHERE active AND table = 'spans' FORMAT TSV"
    out = httpx.post(f"http://127.0.0.1:{port}/", content=sql, timeout=60).text.split()
    return float(out[0] or 0), float(out[1] or 0)


def up(state: Path) -> Tuple[str, str]:
    env = dict(os.environ, STACKLENS_CLUSTER_DIR=str(state), STACKLENS_BINARY=str(BINARY))
    out = subprocess.run(["bash", str(CLUSTER_SH), "up"], env=env, capture_output=True, text=True, timeout=600)
    if out.returncode != 0:
        raise SystemExit(f"cluster.sh up failed: {out.stderr.strip()[-2000:]}")
    key = re.search(r"API key:\s*(sl-\S+)", out.stdout)
    port = re.search(r"^haproxy=(\d+)$", (state / "ports").read_text(), re.M)
    if not key or not port:
        raise SystemExit(f"cluster.sh up printed no API key, or wrote no haproxy port: {out.stdout[-2000:]}")
    return f"http://127.0.0.1:{port.group(1)}", key.group(1)


def down(state: Path) -> None:
    env = dict(os.environ, STACKLENS_CLUSTER_DIR=str(state), STACKLENS_BINARY=str(BINARY))
    subprocess.run(["bash", str(CLUSTER_SH), "down"], env=env, capture_output=True, text=True, timeout=300)


def cluster_run(state: Path, url: str, key: str, w: dict) -> dict:
    groups = parts(state)
    cmd = [str(ingest_bench.LOADGEN), "--url", url, "--key", key, "--mode", w["mode"], "--connections",
           str(w["connections"]), "--batch", str(w["batch"]), "--duration", str(w["duration"]), "--seed", "1"]
    print("[cluster] $", " ".join(cmd).replace(key, "sl-..."), flush=True)
    before = cpu_by_part(groups)
    out = subprocess.run(cmd, capture_output=True, text=True).stdout
    after = cpu_by_part(groups)
    print(out.rstrip())
    acked = int(re.search(r"acked_spans=(\d+)", out).group(1))
    figures = {"spans_per_s": float(re.search(r"spans_per_s=([\d.]+)", out).group(1)),
               "requests_per_s": float(re.search(r"requests_per_s=([\d.]+)", out).group(1)),
               "p99_ms": float(re.search(r"p99_ms=([\d.]+)", out).group(1)), "acked": acked,
               "rejected": int(re.search(r"rejected_429=(\d+)", out).group(1)) +
               int(re.search(r"other_status=(\d+)", out).group(1))}
    for name in groups:
        figures[f"{name}_us_per_span"] = (after[name] - before[name]) / acked * 1e6 if acked else 0.0
    print("CPU per span: " + ", ".join(f"{name} {figures[f'{name}_us_per_span']:.1f} µs" for name in groups)
          + f" (node: both nodes; clickhouse: both replicas)")
    return figures


def sizing(batch: dict, bytes_per_span: float) -> None:
    node_us = batch["node_us_per_span"] + batch["haproxy_us_per_span"]
    replica_us = batch["clickhouse_us_per_span"] / REPLICAS + batch["zookeeper_us_per_span"] / REPLICAS
    print(f"\n== sizing from the batched run: node {node_us:.1f} µs per span (haproxy included), ClickHouse "
          f"{replica_us:.1f} µs per span per replica (its share of ZooKeeper included), {bytes_per_span:.0f} bytes "
          f"per span per replica; peak = {PEAK_FACTOR:g} x the day's average, cores planned {CPU_HEADROOM:.0%} busy, "
          f"{RETENTION_DAYS} days kept, {REPLICAS} replicas per shard, {MACHINE_CORES}-core machines, "
          f"{REPLICA_DISK_TB} TB of disk per ClickHouse machine")
    print(f"{'spans per day':>14} {'peak spans/s':>13} {'node cores':>11} {'nodes':>12} {'CH cores/replica':>17} "
          f"{'shards':>13} {'disk per replica':>17} {'disk, all replicas':>19}")
    for per_day in (10_000_000, 1_000_000_000, 10_000_000_000):
        peak = per_day / 86400 * PEAK_FACTOR
        node_cores = peak * node_us / 1e6 / CPU_HEADROOM
        ch_cores = peak * replica_us / 1e6 / CPU_HEADROOM
        nodes = max(2, math.ceil(node_cores / MACHINE_CORES))
        disk = per_day * RETENTION_DAYS * bytes_per_span
        shards = max(1, math.ceil(ch_cores / MACHINE_CORES), math.ceil(disk / 1e12 / REPLICA_DISK_TB))
        print(f"{per_day:>14,} {peak:>13,.0f} {node_cores:>11.1f} {nodes:>12} {ch_cores:>17.1f} {shards:>13} "
              f"{disk / shards / 1e12:>14.2f} TB {disk * REPLICAS / 1e12:>16.2f} TB")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=int, default=20)
    parser.add_argument("--workload", choices=["batch", "single", "both"], default="both")
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    workloads = ["batch", "single"] if args.workload == "both" else [args.workload]
    state = Path(tempfile.mkdtemp(prefix="stacklens-cluster-bench-", dir="/var/tmp"))
    state.chmod(0o755)  # PostgreSQL runs as its own user when this runs as root
    results: Dict[str, Dict[str, dict]] = {}
    try:
        url, key = up(state)
        for name in workloads:
            w = dict(ingest_bench.MODES[name], duration=args.duration)
            results[name] = {"cluster": cluster_run(state, url, key, w)}
        stored, rows = clickhouse_bytes(state)
    finally:
        down(state)
        if not args.keep:
            shutil.rmtree(state, ignore_errors=True)
    for name in workloads:
        w = dict(ingest_bench.MODES[name], duration=args.duration)
        ns = argparse.Namespace(server_arg=[], loadgen_arg=[], seed=1, perf=None, keep=False, workload=name)
        results[name]["sqlite"] = ingest_bench.measure(BINARY, w, ns, label="[one SQLite node] ")
    print("\n== the cluster through haproxy against one SQLite node, same machine")
    for name in workloads:
        c, s = results[name]["cluster"], results[name]["sqlite"]
        rate = "spans_per_s" if name == "batch" else "requests_per_s"
        print(f"{name}: cluster {c[rate]:,.0f} {rate.replace('_per_s', '')}/s (p99 {c['p99_ms']:.1f} ms, "
              f"{c['rejected']} refused), SQLite node {s[rate]:,.0f} (p99 {s['p99_ms']:.1f} ms): ratio "
              f"{c[rate] / s[rate]:.2f}; CPU per span: nodes {c['node_us_per_span']:.1f} µs, ClickHouse "
              f"{c['clickhouse_us_per_span']:.1f} µs (both replicas), ZooKeeper {c['zookeeper_us_per_span']:.1f}, "
              f"PostgreSQL {c['postgres_us_per_span']:.1f}, haproxy {c['haproxy_us_per_span']:.1f}; "
              f"SQLite node {s['server_us_per_span']:.1f} µs")
    bytes_per_span = stored / rows if rows else 0.0
    print(f"ClickHouse: {rows:,.0f} span rows, {bytes_per_span:.0f} bytes per span on disk per replica")
    if "batch" in results:
        sizing(results["batch"]["cluster"], bytes_per_span)
    return 0


if __name__ == "__main__":
    sys.exit(main())
