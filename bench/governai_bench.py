"""GovernAI's cost on the real server.

    python3 bench/governai_bench.py ingest          # batched ingest, GovernAI on (default policies) and off, in turn
    python3 bench/governai_bench.py ingest --pii    # the same with personal data in the spans' text
    python3 bench/governai_bench.py check           # the check endpoint's p50/p99 for 1 KB, 4 KB and 32 KB prompts

`ingest` runs bench/ingest_bench.py's batched workload (4 connections x 1,000-span requests) against
fresh servers started with --governai on and --governai off, alternating (--pairs, default 2), and prints
the ratio on/off pair by pair (target: at least 0.80). bench/span_factory.h's text has no personal data;
--pii puts some in (about once per 1.2 KB of prompt and completion text).

`check` sends --requests sequential checks per size over one keep-alive connection (a raw socket, so
the client adds next to nothing) and prints p50/p99 of the round trip (target: p99 < 2 ms at 4 KB).
"""

from __future__ import annotations

import argparse
import json
import random
import socket
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "support"))
sys.path.insert(0, str(REPO / "bench"))

import ingest_bench  # noqa: E402
from stacklens_server import BINARY, StackLensServer  # noqa: E402

ingest_bench.LOADGEN = BINARY.parent / "loadgen"  # the build's own, which knows --pii

WORDS = ("the customer asked about refund policy order shipping delay please summarise document context answer "
         "question retrieve relevant passages from knowledge base assistant user system you are a helpful agent "
         "tool call result json account invoice billing support ticket priority escalate translate").split()
PERSONAL = ["contact me at maria.garcia@example.com", "call +44 7400 123495", "card 4111 1111 1111 1111",
            "from 159.119.67.37", "my name is Maria Garcia"]


def prompt(size: int, rng: random.Random) -> str:
    """Prompt-like text of `size` bytes with a few pieces of personal data in it."""
    out: list[str] = []
    n = 0
    while n < size:
        word = rng.choice(PERSONAL) if rng.random() < 0.01 else rng.choice(WORDS)
        out.append(word)
        n += len(word) + 1
    return " ".join(out)[:size]


def run_ingest(args: argparse.Namespace) -> int:
    w = dict(ingest_bench.MODES["batch"], duration=args.duration)
    runs = []
    for i in range(args.pairs):
        figures = {}
        for mode in ("on", "off"):
            ns = argparse.Namespace(server_arg=[f"--governai={mode}"], loadgen_arg=["--pii", "1"] if args.pii else [],
                                    seed=args.seed, perf=None, keep=False, workload="batch")
            figures[mode] = ingest_bench.measure(BINARY, w, ns, label=f"[pair {i + 1}/{args.pairs}, governai {mode}] ")
        runs.append(figures)
    text = "with personal data in the text" if args.pii else "text without personal data"
    print(f"\n== batched ingest, GovernAI on (default policies) against off, {text}, {args.pairs} pairs")
    for key, unit in (("spans_per_s", "spans/s"), ("server_us_per_span", "server CPU µs per span")):
        on = ", ".join(f"{r['on'][key]:,.1f}" for r in runs)
        off = ", ".join(f"{r['off'][key]:,.1f}" for r in runs)
        ratios = sorted(r["on"][key] / r["off"][key] for r in runs if r["off"][key])
        print(f"{key} ({unit}): on {on}; off {off}; on/off median {statistics.median(ratios):.3f}"
              f" (min {ratios[0]:.3f}, max {ratios[-1]:.3f})")
    ratio = statistics.median(r["on"]["spans_per_s"] / r["off"]["spans_per_s"] for r in runs)
    print(f"throughput with GovernAI on: {ratio:.0%} of off (target >= 80 %): {'met' if ratio >= 0.8 else 'NOT met'}")
    return 0


def round_trips(port: int, key: str, body: bytes, n: int) -> list[float]:
    request = (f"POST /api/v1/governai/v1/check HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Api-Key: {key}\r\n"
               f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n").encode() + body
    times = []
    with socket.create_connection(("127.0.0.1", port)) as s:
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        buf = b""
        for _ in range(n):
            t0 = time.perf_counter()
            s.sendall(request)
            while b"\r\n\r\n" not in buf:
                buf += s.recv(65536)
            head, buf = buf.split(b"\r\n\r\n", 1)
            assert head.startswith(b"HTTP/1.1 200"), head
            length = int(next(line.split(b":")[1] for line in head.split(b"\r\n")
                              if line.lower().startswith(b"content-length")))
            while len(buf) < length:
                buf += s.recv(65536)
            buf = buf[length:]
            times.append(time.perf_counter() - t0)
    return times


def run_check(args: argparse.Namespace) -> int:
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory(prefix="stacklens-check-", dir="/var/tmp") as work:
        srv = StackLensServer(Path(work) / "data").start()
        try:
            key = srv.create_key("traces:write")
            print(f"check endpoint, {args.requests} sequential requests per size over one connection "
                  f"(server {BINARY})")
            for size in (1024, 4096, 32768):
                bodies = [json.dumps({"text": prompt(size, rng)}).encode() for _ in range(16)]
                for b in bodies:  # warm the connection and the thread's scratch
                    round_trips(srv.port, key, b, 5)
                times = []
                for i in range(args.requests // 100):
                    times += round_trips(srv.port, key, bodies[i % len(bodies)], 100)
                times.sort()
                p50 = times[len(times) // 2] * 1000
                p99 = times[int(len(times) * 0.99)] * 1000
                verdict = f" (target p99 < 2 ms: {'met' if p99 < 2 else 'NOT met'})" if size == 4096 else ""
                print(f"{size // 1024:>3} KB prompt: p50 {p50:.2f} ms, p99 {p99:.2f} ms{verdict}")
        finally:
            srv.stop()
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("what", choices=["ingest", "check"])
    parser.add_argument("--pii", action="store_true", help="ingest: personal data in the spans' text")
    parser.add_argument("--duration", type=int, default=30, help="ingest: seconds per run")
    parser.add_argument("--pairs", type=int, default=2, help="ingest: on/off pairs")
    parser.add_argument("--requests", type=int, default=5000, help="check: requests per size")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    return run_ingest(args) if args.what == "ingest" else run_check(args)


if __name__ == "__main__":
    sys.exit(main())
