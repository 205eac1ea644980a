"""Ingest speed against a fresh server, with its RSS sampled every second.

    python3 bench/ingest_bench.py batch             # 4 connections x 1,000-span requests, 60 s (target 100,000 spans/s)
    python3 bench/ingest_bench.py single            # 64 connections of single spans, 30 s (target 20,000 req/s, p99 < 20 ms)
    python3 bench/ingest_bench.py overload          # 64 connections of 1,000-span requests, 20 s (target RSS < 256 MB, 429s)
    python3 bench/ingest_bench.py batch --duration 20 --perf perf.data   # also record a CPU profile of the server
    python3 bench/ingest_bench.py batch --batch 500 --connections 8      # other request sizes
    python3 bench/ingest_bench.py batch --baseline /tmp/base/build/stacklens --pairs 2
        # this build and the build before a change in turn (A B A B), with the ratio pair by pair
    python3 bench/ingest_bench.py batch --eval-rule 0.1 --pairs 2
        # with an evaluation rule judging 10 % of the LLM spans (a fake provider answering) and without, in turn
    python3 bench/ingest_bench.py batch --alerts --pairs 2 --loadgen-arg=--sessions --loadgen-arg=1
        # with a project, a tag and a user budget checked in the background (every 5 s) and five monitors
        # (rollups and trace-list filters) evaluated every 30 s, and without, in turn; add
        # --server-arg=--monitor-interval-seconds --server-arg=1 to evaluate them every second

Each run starts `build/stacklens` (or $STACKLENS_BINARY) on a new data directory (deleted afterwards unless --keep),
runs `build/loadgen`, prints what it measured next to the target.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "support"))

import httpx  # noqa: E402
from fake_llm_provider import FakeProvider  # noqa: E402
from stacklens_server import BINARY, StackLensServer  # noqa: E402

LOADGEN = REPO / "build" / "loadgen"
MODES = {
    "batch": dict(mode="batch", connections=4, batch=1000, duration=60),
    "single": dict(mode="single", connections=64, batch=1, duration=30),
    "overload": dict(mode="batch", connections=64, batch=1000, duration=20),
}


def rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def thread_cpu(pid: int) -> dict:
    """CPU seconds per thread name (threads of one name summed)."""
    out: dict = {}
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            name = (task / "comm").read_text().strip()
            fields = (task / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        out[name] = out.get(name, 0.0) + (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return out


def add_eval_rule(srv: StackLensServer, provider: FakeProvider, rate: float) -> str:
    """An evaluation rule judging `rate` of every LLM span through the fake provider, whose judge
    answers a valid verdict (scripted in the template); returns the key that reads the rule."""
    key = srv.create_key("connections:manage,evaluations:read,evaluations:write")
    base, headers = srv.url + "/api/v1/evaluations/v1", {"X-Api-Key": key}
    for path, body in [
        ("/connections", {"name": "bench", "provider": "openai", "baseUrl": provider.url + "/v1",
                          "apiKey": "sk-bench-0000", "defaultModel": "gpt-4o-mini"}),
        ("/evaluators", {"name": "bench", "connection": "bench", "output": {"type": "numeric", "min": 0, "max": 1},
                         "template": 'REPLY<<{"score": 1, "reasoning": "bench"}>>REPLY {{output}}'}),
        ("/rules", {"name": "bench", "evaluator": "bench", "samplingRate": rate}),
    ]:
        httpx.post(base + path, json=body, headers=headers, timeout=10).raise_for_status()
    return key


def add_alerts(srv: StackLensServer) -> None:
    """A budget of each scope (the loadgen's tags are tag-0..19, its users user-0..9999), none reached, and a
    monitor of each kind of reading: metrics from the rollups (whole project, one model) and from the trace list
    (a user, a tag), evaluated every --monitor-interval-seconds (the server's default unless given by --server-arg)."""
    key = srv.create_key("alerts:manage")
    headers = {"X-Api-Key": key}
    for body in ({"name": "project", "hardLimitUsd": 1e9},
                 {"name": "tag", "scope": "tag", "scopeValue": "tag-3", "hardLimitUsd": 1e9},
                 {"name": "user", "scope": "user", "scopeValue": "user-7", "hardLimitUsd": 1e9}):
        resp = httpx.post(srv.url + "/api/v1/budgets", json=body, headers=headers, timeout=10)
        assert resp.status_code == 201, resp.text
    for body in ({"name": "spend", "metric": "cost", "threshold": 1e9},
                 {"name": "errors", "metric": "error_rate", "threshold": 1, "windowSeconds": 300},
                 {"name": "gpt-4o-latency", "metric": "latency_p95", "filter": {"model": "gpt-4o"}, "threshold": 1e9},
                 {"name": "one-user", "metric": "tokens", "filter": {"userId": "user-7"}, "threshold": 1e12},
                 {"name": "one-tag", "metric": "requests", "filter": {"tags": ["tag-3"]}, "threshold": 1e12}):
        resp = httpx.post(srv.url + "/api/v1/monitors", json=body, headers=headers, timeout=10)
        assert resp.status_code == 201, resp.text


def measure(binary: Path, w: dict, args: argparse.Namespace, label: str = "", eval_rule: float = 0,
            alerts: bool = False) -> dict:
    """One run of the load generator against a fresh server started from `binary` (with an evaluation
    rule sampling `eval_rule` of the LLM spans when above 0, with budgets and monitors when `alerts`); prints and
    returns its figures."""
    work = Path(tempfile.mkdtemp(prefix="stacklens-ingest-", dir="/var/tmp"))
    srv = StackLensServer(work / "data", extra_args=args.server_arg, binary=binary).start()
    key = srv.create_key("traces:write,traces:read")
    provider = FakeProvider().__enter__() if eval_rule > 0 else None
    rule_key = add_eval_rule(srv, provider, eval_rule) if provider else ""
    if alerts:
        add_alerts(srv)
    pid = srv.proc.pid
    peak = [0.0]
    done = threading.Event()

    def sample() -> None:
        while not done.wait(1.0):
            peak[0] = max(peak[0], rss_mb(pid))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    perf = None
    if args.perf:
        perf = subprocess.Popen(["perf", "record", "-g", "-F", "499", "-p", str(pid), "-o", args.perf],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    cmd = [str(LOADGEN), "--url", srv.url, "--key", key, "--mode", w["mode"], "--connections", str(w["connections"]),
           "--batch", str(w["batch"]), "--duration", str(w["duration"]), "--seed", str(args.seed), *args.loadgen_arg]
    print(f"{label}$", " ".join(cmd).replace(key, "sl-..."), f"(server {binary})", flush=True)
    cpu0, child0, threads0 = cpu_seconds(pid), resource.getrusage(resource.RUSAGE_CHILDREN), thread_cpu(pid)
    out = subprocess.run(cmd, capture_output=True, text=True).stdout
    server_cpu = cpu_seconds(pid) - cpu0
    threads = {k: v - threads0.get(k, 0.0) for k, v in thread_cpu(pid).items()}
    child1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    loadgen_cpu = child1.ru_utime + child1.ru_stime - child0.ru_utime - child0.ru_stime
    scrape = httpx.get(srv.url + "/metrics", timeout=10).text
    commit = {m.group(1): float(m.group(2)) for m in re.finditer(r"^stacklens_commit_seconds_(sum|count) (\S+)$", scrape, re.M)}
    if provider:
        rules = httpx.get(srv.url + "/api/v1/evaluations/v1/rules", headers={"X-Api-Key": rule_key}, timeout=10).json()
        totals = rules["rules"][0]["totals"]
        print(f"evaluation rule ({eval_rule:.0%} of LLM spans): {totals['ok']} judged, {totals['errors']} errors, "
              f"{totals['dropped']} dropped (queue full) by the end of the load")
        provider.__exit__(None, None, None)
    if perf:
        perf.send_signal(signal.SIGINT)
        perf.wait()
    done.set()
    sampler.join()
    peak[0] = max(peak[0], rss_mb(pid))
    srv.stop()
    disk = sum(f.stat().st_size for f in (work / "data").iterdir() if f.is_file())
    print(out.rstrip())
    m = re.search(r"spans_per_s=([\d.]+)", out)
    r = re.search(r"requests_per_s=([\d.]+)", out)
    p99 = re.search(r"p99_ms=([\d.]+)", out)
    acked = re.search(r"acked_spans=(\d+)", out)
    figures = {"spans_per_s": float(m.group(1)) if m else 0.0, "requests_per_s": float(r.group(1)) if r else 0.0,
               "p99_ms": float(p99.group(1)) if p99 else 0.0, "peak_rss_mb": peak[0], "server_us_per_span": 0.0}
    if acked and int(acked.group(1)) > 0:
        n = int(acked.group(1))
        figures["server_us_per_span"] = server_cpu / n * 1e6
        print(f"\nCPU: server {server_cpu:.1f} s ({server_cpu / w['duration']:.2f} cores, {server_cpu / n * 1e6:.1f} µs "
              f"per span), loadgen {loadgen_cpu:.1f} s ({loadgen_cpu / n * 1e6:.1f} µs per span)")
        print("server threads: " + ", ".join(f"{k} {v / w['duration']:.2f} cores ({v / n * 1e6:.1f} µs per span)"
                                             for k, v in sorted(threads.items(), key=lambda kv: -kv[1]) if v > 0.05))
    if commit.get("count"):
        stored = float(re.search(r"^stacklens_spans_stored_total (\S+)$", scrape, re.M).group(1))
        print(f"commits: {commit['count']:.0f}, {stored / commit['count']:.0f} spans each, "
              f"{commit['sum'] / commit['count'] * 1000:.1f} ms each, writer busy committing "
              f"{commit['sum'] / w['duration'] * 100:.0f} % of the run")
    print(f"peak server RSS {peak[0]:.0f} MB (target < 256 MB)")
    if acked and int(acked.group(1)) > 0:
        print(f"data directory {disk / 1e6:.0f} MB, {disk / int(acked.group(1)):.0f} bytes per span")
    if args.workload == "batch" and m:
        print(f"batched ingest {float(m.group(1)):,.0f} spans/s (target 100,000): "
              f"{'met' if float(m.group(1)) >= 100000 else 'NOT met'}")
    if args.workload == "single" and r and p99:
        print(f"single-span {float(r.group(1)):,.0f} req/s (target 20,000), p99 {p99.group(1)} ms (target < 20): "
              f"{'met' if float(r.group(1)) >= 20000 and float(p99.group(1)) < 20 else 'NOT met'}")
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    else:
        print(f"data kept in {work}")
    return figures


def compare(runs: list, key: str, unit: str, names: tuple = ("this build", "baseline")) -> None:
    """Figures of the build and the baseline (or of the other pairing), run in turn, and their ratio pair by pair."""
    ratios = sorted(a[key] / b[key] for a, b in runs if b[key])
    this = ", ".join(f"{a[key]:,.1f}" for a, _ in runs)
    base = ", ".join(f"{b[key]:,.1f}" for _, b in runs)
    print(f"{key} ({unit}): {names[0]} {this}; {names[1]} {base}")
    if ratios:
        print(f"  ratio {names[0]}/{names[1]}: median {statistics.median(ratios):.3f} (min {ratios[0]:.3f}, "
              f"max {ratios[-1]:.3f})")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("workload", choices=sorted(MODES))
    parser.add_argument("--duration", type=int)
    parser.add_argument("--connections", type=int)
    parser.add_argument("--batch", type=int, help="spans per request (batch and overload workloads)")
    parser.add_argument("--perf", help="record the server with perf into this file")
    parser.add_argument("--keep", action="store_true", help="keep the data directory")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--server-arg", action="append", default=[],
                        help="passed to `stacklens serve`, e.g. --server-arg=--ingest-queue-spans=25000")
    parser.add_argument("--loadgen-arg", action="append", default=[],
                        help="passed to bench/loadgen, e.g. --loadgen-arg=--sessions --loadgen-arg=1 "
                             "(every trace with a session and a user id)")
    parser.add_argument("--baseline", type=Path,
                        help="a second stacklens binary (the build before a change), run in turn with this one")
    parser.add_argument("--pairs", type=int, default=2, help="with --baseline or --eval-rule: how many A/B pairs to run")
    parser.add_argument("--eval-rule", type=float, default=0,
                        help="run with an evaluation rule sampling this share of the LLM spans and without, in turn")
    parser.add_argument("--alerts", action="store_true",
                        help="run with budgets and monitors (see add_alerts) and without, in turn")
    args = parser.parse_args()
    w = dict(MODES[args.workload])
    if args.duration:
        w["duration"] = args.duration
    if args.connections:
        w["connections"] = args.connections
    if args.batch and w["mode"] == "batch":
        w["batch"] = args.batch

    if args.eval_rule > 0 or args.alerts:
        names = (f"rule at {args.eval_rule:.0%}", "no rule") if args.eval_rule > 0 else ("alerts", "no alerts")
        runs = []
        for i in range(args.pairs):
            a = measure(BINARY, w, args, label=f"[pair {i + 1}/{args.pairs}, {names[0]}] ", eval_rule=args.eval_rule,
                        alerts=args.alerts)
            b = measure(BINARY, w, args, label=f"[pair {i + 1}/{args.pairs}, {names[1]}] ")
            runs.append((a, b))
        print(f"\n== {args.workload}: {names[0]} against {names[1]} ({BINARY}), {args.pairs} pairs")
        compare(runs, "spans_per_s", "spans/s", names)
        compare(runs, "server_us_per_span", "server CPU µs per span", names)
        compare(runs, "peak_rss_mb", "MB", names)
        return 0
    if not args.baseline:
        measure(BINARY, w, args)
        return 0
    runs = []
    for i in range(args.pairs):
        a = measure(BINARY, w, args, label=f"[pair {i + 1}/{args.pairs}, this build] ")
        b = measure(args.baseline, w, args, label=f"[pair {i + 1}/{args.pairs}, baseline] ")
        runs.append((a, b))
    print(f"\n== {args.workload}: this build ({BINARY}) against the baseline ({args.baseline}), {args.pairs} pairs")
    if args.workload == "single":
        compare(runs, "requests_per_s", "req/s")
        compare(runs, "p99_ms", "ms")
    else:
        compare(runs, "spans_per_s", "spans/s")
    compare(runs, "server_us_per_span", "server CPU µs per span")
    compare(runs, "peak_rss_mb", "MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
