"""kill -9 under full load, again and again: after every restart each
acknowledged span is present exactly once, the databases pass
PRAGMA integrity_check, and the prompt and completion text of the newest
spans reads back.

    python3 bench/fault_bench.py                 # 20 kills, 4 batch connections at full speed
    python3 bench/fault_bench.py --kills 5 --mode single --connections 64
"""

from __future__ import annotations

import argparse
import random
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "support"))

from span_rows import COMPLETION, PROMPT, TEXT_COLUMNS, text_flags  # noqa: E402
from stacklens_server import StackLensServer  # noqa: E402

LOADGEN = REPO / "build" / "loadgen"


def stored_spans(db: Path) -> set:
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return {f"{t} {s}" for t, s in con.execute("SELECT trace_id, span_id FROM spans")}
    finally:
        con.close()


def integrity(db: Path) -> str:
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return con.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        con.close()


def text_readable(srv: StackLensServer, key: str, db: Path, newest: int = 200) -> tuple:
    """Reads the newest spans with prompt or completion text through the API (the server opens
    each sealed text: a missing or damaged byte fails). Returns (read, failed)."""
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        rows = []
        for trace_id, span_id, *text in con.execute(f"SELECT trace_id, span_id, {TEXT_COLUMNS} FROM spans "
                                                    "ORDER BY id DESC LIMIT ?", (newest * 20,)):
            if text_flags(*text) & (PROMPT | COMPLETION) and len(rows) < newest:
                rows.append((trace_id, span_id))
    finally:
        con.close()
    failed = 0
    with httpx.Client(base_url=srv.url, headers={"X-Api-Key": key}, timeout=30) as client:
        for trace_id, span_id in rows:
            got = client.get(f"/api/v1/stacktrace/v1/traces/{trace_id}")
            spans = got.json().get("spans", []) if got.status_code == 200 else []
            llm = next((s.get("llmSpan") or {} for s in spans if s.get("spanId") == span_id), {})
            if not (llm.get("promptContent") or llm.get("completionContent")):
                failed += 1
    return len(rows), failed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--mode", default="batch")
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", action="store_true", help="keep the data directory")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    work = Path(tempfile.mkdtemp(prefix="stacklens-faults-"))
    try:
        return run(args, rng, work)
    finally:
        if args.keep:
            print(f"data kept in {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


def run(args: argparse.Namespace, rng: random.Random, work: Path) -> int:
    srv = StackLensServer(work / "data").start()
    key = srv.create_key("traces:write,traces:read")
    acked: set = set()
    failures = 0
    for cycle in range(1, args.kills + 1):
        log = work / f"acked-{cycle}.txt"
        load = subprocess.Popen([str(LOADGEN), "--url", srv.url, "--key", key, "--mode", args.mode,
                                 "--connections", str(args.connections), "--batch", str(args.batch),
                                 "--duration", "30", "--seed", str(args.seed * 1000 + cycle), "--span-log", str(log)],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(1.0, 3.0))
        srv.kill()  # SIGKILL, at whatever moment the load has reached
        load.terminate()
        load.wait()
        new = set(log.read_text().splitlines()) if log.exists() else set()
        acked |= new
        srv.start()
        stored = stored_spans(work / "data" / "spans.db")
        missing = acked - stored
        checks = {name: integrity(work / "data" / name) for name in ("spans.db", "meta.db")}
        text_read, text_bad = text_readable(srv, key, work / "data" / "spans.db")
        ok = not missing and all(v == "ok" for v in checks.values()) and text_bad == 0
        failures += 0 if ok else 1
        print(f"kill {cycle:2d}: {len(new):7d} spans acknowledged in this round, {len(acked):8d} in all, "
              f"{len(missing)} missing after restart, integrity {checks['spans.db']}/{checks['meta.db']}, "
              f"text of the {text_read} newest spans with text: {text_bad} unreadable"
              f"{'' if ok else '  FAILED'}", flush=True)
    # Exactly once: the unique index forbids duplicates; count them anyway.
    con = sqlite3.connect(f"file:{work / 'data' / 'spans.db'}?mode=ro", uri=True)
    dupes = con.execute("SELECT count(*) FROM (SELECT 1 FROM spans GROUP BY project_id, trace_id, span_id "
                        "HAVING count(*) > 1)").fetchone()[0]
    split = con.execute("SELECT count(*) FROM (SELECT 1 FROM traces GROUP BY project_id, trace_id "
                        "HAVING count(*) > 1)").fetchone()[0]
    con.close()
    srv.stop()
    print(f"\n{args.kills} kills under load: {len(acked)} acknowledged spans, {failures} rounds with a loss or a "
          f"failed integrity check, {dupes} spans stored twice, {split} traces with two rows. Target: 0, 0 and 0. "
          f"{'met' if failures == 0 and dupes == 0 and split == 0 else 'NOT met'}")
    return 0 if failures == 0 and dupes == 0 and split == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
