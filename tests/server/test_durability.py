"""kill -9 during ingest loses no acknowledged span and stores none twice."""

from __future__ import annotations

import hashlib
import random
import sqlite3
import threading
import time
from pathlib import Path
from typing import Dict, List

import httpx
import pytest

from span_rows import TEXT_COLUMNS, TEXT_LOG, text_flags
from stacklens_server import StackLensServer

pytestmark = pytest.mark.one_target  # spans.db alone: nothing of the metadata target's

SPANS_PER_BATCH = 40


def prompt(trace_id: str, i: int) -> str:
    """~2 KB that barely compresses, so a batch carries more than 64 KiB of sealed text and the
    server keeps it in spans.text rather than in the rows."""
    digest = hashlib.blake2b(f"{trace_id}/{i}".encode()).hexdigest()
    return f"prompt {trace_id} {i} " + "".join(hashlib.blake2b(f"{digest}/{k}".encode()).hexdigest()
                                               for k in range(16))


def batch(trace_id: str) -> Dict[str, object]:
    return {"spans": [{"traceId": trace_id, "spanId": f"span-{i}", "parentSpanId": None if i == 0 else "span-0",
                       "name": f"op-{i % 5}", "startTime": "2024-06-01T00:00:00Z", "endTime": "2024-06-01T00:00:01Z",
                       "attributes": {"i": str(i)}, "tags": ["durable"],
                       "llmSpan": {"model": "gpt-4o", "provider": "openai", "inputTokens": i, "outputTokens": 1,
                                   "promptContent": prompt(trace_id, i)}}
                      for i in range(SPANS_PER_BATCH)]}


def hammer(url: str, key: str, prefix: str, acked: List[str], stop: threading.Event) -> None:
    n = 0
    with httpx.Client(base_url=url, headers={"X-Api-Key": key}, timeout=10) as client:
        while not stop.is_set():
            trace_id = f"{prefix}-{n}"
            n += 1
            try:
                resp = client.post("/api/v1/stacktrace/v1/traces/batch", json=batch(trace_id))
            except httpx.TransportError:
                return  # the server died under us: this batch was not acknowledged
            if resp.status_code == 200 and resp.json()["accepted"] == SPANS_PER_BATCH:
                acked.append(trace_id)


def stored_spans(db: Path) -> int:
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return int(con.execute("SELECT count(*) FROM spans").fetchone()[0])
    finally:
        con.close()


def test_kill_minus_9_loses_no_acknowledged_span(tmp_path: Path) -> None:
    srv = StackLensServer(tmp_path / "data").start()
    key = srv.create_key("traces:write,traces:read")
    acked: List[str] = []
    rng = random.Random(7)
    try:
        for cycle in range(5):
            stop = threading.Event()
            workers = [threading.Thread(target=hammer, args=(srv.url, key, f"c{cycle}w{w}", acked, stop))
                       for w in range(4)]
            for w in workers:
                w.start()
            time.sleep(rng.uniform(0.3, 1.0))  # let load build, then kill at an arbitrary moment
            srv.kill()
            stop.set()
            for w in workers:
                w.join()
            srv.start()
        assert len(acked) > 20, "the load generator got too few acknowledgements to mean anything"
        with httpx.Client(base_url=srv.url, headers={"X-Api-Key": key}, timeout=10) as client:
            # Retrying acknowledged batches after the restart stores nothing twice.
            for trace_id in acked[:10]:
                assert client.post("/api/v1/stacktrace/v1/traces/batch", json=batch(trace_id)).status_code == 200
            for trace_id in acked:
                resp = client.get(f"/api/v1/stacktrace/v1/traces/{trace_id}")
                assert resp.status_code == 200, f"acknowledged trace {trace_id} is missing"
                spans = resp.json()["spans"]
                ids = [s["spanId"] for s in spans]
                assert sorted(ids) == sorted(f"span-{i}" for i in range(SPANS_PER_BATCH)), trace_id
                for span in spans:
                    i = int(span["spanId"].split("-")[1])
                    assert span["llmSpan"]["promptContent"] == prompt(trace_id, i), (trace_id, i)
            # Metrics count every stored span once: rollups pending at a kill are summed again on start.
            stored = stored_spans(tmp_path / "data" / "spans.db")
            metrics = client.get("/api/v1/stacktrace/v1/metrics",
                                 params={"from": "2024-06-01T00:00:00Z", "to": "2024-06-02T00:00:00Z",
                                         "interval": 3600}).json()
            assert sum(p["requests"] for series in metrics["series"] for p in series["points"]) == stored
    finally:
        assert srv.stop() == 0
    for db in ("spans.db", "meta.db"):
        con = sqlite3.connect(tmp_path / "data" / db)
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        con.close()
    con = sqlite3.connect(tmp_path / "data" / "spans.db")
    dupes = con.execute("SELECT count(*) FROM (SELECT 1 FROM spans GROUP BY project_id, trace_id, span_id "
                        "HAVING count(*) > 1)").fetchone()[0]
    assert dupes == 0
    split = con.execute("SELECT count(*) FROM (SELECT 1 FROM traces GROUP BY project_id, trace_id "
                        "HAVING count(*) > 1)").fetchone()[0]
    assert split == 0, "a trace has more than one row"
    in_text_log = sum(1 for row in con.execute(f"SELECT {TEXT_COLUMNS} FROM spans") if text_flags(*row) & TEXT_LOG)
    assert in_text_log > 0, "the batches' text was meant to be in spans.text"
    # At a clean stop the pending rollups are merged into their table: it counts every span.
    merged = con.execute("SELECT sum(requests) FROM rollups WHERE level = 3600 AND dim = 0").fetchone()[0]
    assert merged == con.execute("SELECT count(*) FROM spans").fetchone()[0]
    con.close()
