"""A full disk at full load: batched ingest fills a small tmpfs data directory
until the server refuses with 507; /ready must say why, nothing acknowledged may
be lost, and the server must take spans again by itself once space returns.

    python3 bench/full_disk_bench.py                 # 2 GiB tmpfs, 4 batch connections at full speed
    python3 bench/full_disk_bench.py --size-mb 4096
    python3 bench/full_disk_bench.py --fs ext4       # a loop-mounted ext4 image instead: spans.text is
                                                     # then appended with O_DIRECT (tmpfs refuses it)

Needs root (it mounts a tmpfs or a loop device). Space returns by growing the tmpfs, or on
ext4 by deleting a ballast file laid down before the run. Prints each check and, last,
the verdict.
"""

from __future__ import annotations

import argparse
import shutil
import re
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "support"))
sys.path.insert(0, str(REPO / "bench"))

from fault_bench import integrity, stored_spans, text_readable  # noqa: E402
from stacklens_server import StackLensServer  # noqa: E402

LOADGEN = REPO / "build" / "loadgen"


def run_load(srv: StackLensServer, key: str, args: argparse.Namespace, seed: int, duration: float, log: Path,
             until=None) -> dict:
    """Runs the load generator; `until()` true ends it early. Returns its figures."""
    load = subprocess.Popen([str(LOADGEN), "--url", srv.url, "--key", key, "--mode", "batch",
                             "--connections", str(args.connections), "--batch", str(args.batch),
                             "--duration", str(duration), "--seed", str(seed), "--span-log", str(log)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    started = time.monotonic()
    while load.poll() is None:
        if until is not None and until():
            time.sleep(args.refused_for)  # let the load meet the refusals for a while
            load.terminate()
            break
        time.sleep(0.25)
    out, err = load.communicate()
    figures = dict(re.findall(r"(\w+)=([\d.]+)", out))
    figures["seconds"] = time.monotonic() - started
    figures["stderr"] = err
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size-mb", type=int, default=2048, help="the tmpfs data directory's size")
    parser.add_argument("--reserve-mb", type=int, default=64, help="--disk-reserve-mb for the server")
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--refused-for", type=float, default=3.0, help="seconds of load after the disk is full")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--fs", choices=["tmpfs", "ext4"], default="tmpfs", help="the data directory's file system")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="stacklens-full-disk-"))
    disk = work / "disk"
    disk.mkdir()
    ballast = disk / "ballast"
    if args.fs == "tmpfs":
        subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={args.size_mb}m", "tmpfs", str(disk)], check=True)
    else:
        # As much again as ballast, so that deleting it frees what growing the tmpfs does.
        image = work / "disk.img"
        subprocess.run(["truncate", "-s", f"{args.size_mb * 2}m", str(image)], check=True)
        subprocess.run(["mkfs.ext4", "-q", "-F", str(image)], check=True)
        subprocess.run(["mount", "-o", "loop", str(image), str(disk)], check=True)
        subprocess.run(["fallocate", "-l", f"{args.size_mb}m", str(ballast)], check=True)
    checks = []

    def check(name: str, ok: bool, detail: str) -> None:
        checks.append(ok)
        print(f"{'ok    ' if ok else 'FAILED'} {name}: {detail}", flush=True)

    srv = StackLensServer(disk / "data", extra_args=["--disk-reserve-mb", str(args.reserve_mb)]).start()
    try:
        key = srv.create_key("traces:write,traces:read")
        client = httpx.Client(base_url=srv.url, headers={"X-Api-Key": key}, timeout=30)
        full = lambda: client.get("/ready").status_code == 503  # noqa: E731

        fill = run_load(srv, key, args, args.seed, 600, work / "acked-fill.txt", until=full)
        acked_fill = int(fill.get("acked_spans", 0))
        print(f"filled {args.size_mb} MiB in {fill['seconds']:.1f} s: {acked_fill} spans acknowledged "
              f"({acked_fill / fill['seconds']:,.0f} spans/s), {fill.get('other_status', 0)} requests refused",
              flush=True)
        refusals = re.findall(r"status (\d+): (.*)", fill["stderr"])
        check("ingest refuses with 507 and says why", bool(refusals) and all(
            code == "507" and "storage is full" in body for code, body in refusals),
            refusals[0][1][:160] if refusals else "no request was refused")
        ready = client.get("/ready")
        check("/ready reports the full disk", ready.status_code == 503 and "storage is full" in ready.text,
              f"{ready.status_code} {ready.text[:120]}")
        check("/health still answers", client.get("/health").status_code == 200, "200")

        # Space returns, as when a disk is grown or cleaned up (enough for the next run).
        if args.fs == "tmpfs":
            subprocess.run(["mount", "-o", f"remount,size={args.size_mb * 4}m", str(disk)], check=True)
        else:
            ballast.unlink()
        t0 = time.monotonic()
        while client.get("/ready").status_code != 200 and time.monotonic() - t0 < 30:
            time.sleep(0.05)
        check("/ready recovers by itself", client.get("/ready").status_code == 200,
              f"{time.monotonic() - t0:.2f} s after space returned")
        after = run_load(srv, key, args, args.seed + 1, 5, work / "acked-after.txt")
        check("ingest resumes", int(after.get("acked_spans", 0)) > 0 and int(after.get("other_status", 0)) == 0,
              f"{int(after.get('acked_spans', 0))} spans acknowledged in 5 s, "
              f"{int(after.get('other_status', 0))} refused")
        client.close()
        assert srv.stop() == 0
        srv.start()
        acked = set()
        for log in (work / "acked-fill.txt", work / "acked-after.txt"):
            acked |= set(log.read_text().splitlines()) if log.exists() else set()
        missing = acked - stored_spans(disk / "data" / "spans.db")
        check("every acknowledged span is stored", not missing, f"{len(acked)} acknowledged, {len(missing)} missing")
        verdicts = {name: integrity(disk / "data" / name) for name in ("spans.db", "meta.db")}
        check("integrity_check", all(v == "ok" for v in verdicts.values()), str(verdicts))
        read, bad = text_readable(srv, key, disk / "data" / "spans.db")
        check("prompt and completion text reads back", bad == 0, f"{read} newest spans with text read, {bad} not")
    finally:
        srv.stop()
        subprocess.run(["umount", "-l", str(disk)], check=False)
        shutil.rmtree(work, ignore_errors=True)
    ok = all(checks)
    print(f"\nfull disk under full load: {sum(checks)} of {len(checks)} checks passed. Target: all. "
          f"{'met' if ok else 'NOT met'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
