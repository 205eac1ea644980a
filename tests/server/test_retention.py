"""A project's retention period (PUT /api/v1/retention): traces that began longer ago are removed
by the background pass, with their text, scores, sessions and metrics; newer ones stay; projects
without a period keep everything; bad bodies are refused. Runs on every span-store target (on
ClickHouse the removal is a mutation: the test waits for it)."""
from __future__ import annotations

import os
import random
import string
import time
from pathlib import Path
from typing import Any, Dict, Iterator, Optional

import httpx
import pytest

import clickhouse_spans
import stacklens_cluster
from openapi_contract import keyed_client
from stacklens_server import StackLensServer

API = "/api/v1/stacktrace/v1"
DAY = 86400
ON_CLICKHOUSE = clickhouse_spans.SELECTED or stacklens_cluster.SELECTED


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StackLensServer]:
    srv = StackLensServer(tmp_path_factory.mktemp("retention") / "data",
                          extra_args=["--retention-interval-seconds", "1"]).start()
    yield srv
    assert srv.stop() == 0, srv.log()


@pytest.fixture(scope="module")
def client(server: StackLensServer) -> Iterator[httpx.Client]:
    with keyed_client(server, "traces:write,traces:read,scores:write,members:manage") as c:
        yield c


def span(trace: str, age_s: float, text: Optional[str] = None, session: Optional[str] = None) -> Dict[str, Any]:
    start = int((time.time() - age_s) * 1e9)
    out: Dict[str, Any] = {
        "traceId": trace, "spanId": "root", "name": f"op-{trace}", "startTime": str(start),
        "endTime": str(start + 1_000_000_000), "attributes": {"session_id": session} if session else {},
        "llmSpan": {"model": "retention-model", "provider": "openai", "inputTokens": 10, "outputTokens": 5,
                    "totalTokens": 15, "estimatedCostUsd": 0.01}}
    if text:
        out["llmSpan"]["promptContent"] = text
        out["llmSpan"]["completionContent"] = text
    return out


def text_blocks(server: StackLensServer) -> Optional[int]:
    path = Path(server.data_dir) / "spans.text"
    return os.stat(path).st_blocks if path.exists() and not ON_CLICKHOUSE else None


def test_bad_bodies_are_refused(client: httpx.Client) -> None:
    assert client.get("/api/v1/retention").json() == {"retentionDays": None}
    for body, says in [({}, "retentionDays is required"), ({"retentionDays": 0}, "from 1 to 36500"),
                       ({"retentionDays": 40000}, "from 1 to 36500"), ({"retentionDays": "7"}, "retentionDays"),
                       ({"retentionDays": 1.5}, "retentionDays"), ({"days": 7}, "unknown field 'days'")]:
        resp = client.put("/api/v1/retention", json=body)
        assert resp.status_code == 400, (body, resp.text)
        assert says in resp.json()["error"], (body, resp.text)
    assert client.get("/api/v1/retention").json() == {"retentionDays": None}


def test_who_may_set_it(server: StackLensServer, client: httpx.Client) -> None:
    reader = server.create_key("traces:read")
    resp = client.put("/api/v1/retention", json={"retentionDays": 3}, headers={"X-Api-Key": reader})
    assert resp.status_code == 403
    assert client.get("/api/v1/retention", headers={"X-Api-Key": reader}).json() == {"retentionDays": None}


def test_expired_traces_go_with_their_text_scores_sessions_and_metrics(server: StackLensServer,
                                                                       client: httpx.Client) -> None:
    # ~48 KB each of prompt and completion that does not compress: kept in spans.text.
    rng = random.Random(7)
    big = " ".join("".join(rng.choice(string.ascii_lowercase) for _ in range(7)) for _ in range(6000))
    resp = client.post(f"{API}/traces/batch", json={"spans": [
        span("expired", 10 * DAY, text=big, session="old-session"),
        span("kept", 2 * DAY, text=big, session="new-session"),
        span("fresh", 60)]})
    assert resp.status_code == 200, resp.text
    assert client.post(f"{API}/scores", json={"traceId": "expired", "name": "quality", "value": 1}).status_code == 201
    assert client.post(f"{API}/scores", json={"traceId": "kept", "name": "quality", "value": 1}).status_code == 201
    blocks_before = text_blocks(server)
    now = int(time.time())
    old_period = f"from={(now - 11 * DAY) * 10**9}&to={(now - 9 * DAY) * 10**9}"
    assert client.get(f"{API}/traces/expired").status_code == 200
    # Nothing is removed before a period is set.
    time.sleep(1.5)
    assert client.get(f"{API}/traces/expired").status_code == 200

    resp = client.put("/api/v1/retention", json={"retentionDays": 7})
    assert resp.status_code == 200 and resp.json() == {"retentionDays": 7}
    assert client.get("/api/v1/retention").json() == {"retentionDays": 7}
    deadline = time.monotonic() + 60
    while client.get(f"{API}/traces/expired").status_code != 404:
        assert time.monotonic() < deadline, "the expired trace is still there after 60 s"
        time.sleep(0.5)

    listed = [t["traceId"] for t in client.get(f"{API}/traces?limit=50").json()["traces"]]
    assert listed == ["fresh", "kept"]
    detail = client.get(f"{API}/traces/kept").json()
    assert detail["spans"][0]["llmSpan"]["promptContent"] == big
    sessions = client.get(f"{API}/sessions?from={(now - 30 * DAY) * 10**9}").json()["sessions"]
    assert [s["sessionId"] for s in sessions] == ["new-session"]
    metrics = client.get(f"{API}/metrics?{old_period}&interval=86400&group_by=model").json()
    assert sum(p["requests"] for s in metrics["series"] for p in s["points"]) == 0
    kept_scores = client.get(f"{API}/scores?trace_id=kept").json()["scores"]
    assert len(kept_scores) == 1
    if not ON_CLICKHOUSE:
        # A score is removed with its trace (ClickHouse removes scores by when they were given).
        assert client.get(f"{API}/scores?trace_id=expired").json()["scores"] == []
        # The expired span's text is erased: its blocks of spans.text are given back.
        assert blocks_before is not None and text_blocks(server) < blocks_before

    # Back to keeping everything: nothing more goes.
    assert client.put("/api/v1/retention", json={"retentionDays": None}).json() == {"retentionDays": None}
    time.sleep(1.5)
    assert client.get(f"{API}/traces/kept").status_code == 200


def test_ingest_goes_on_while_passes_remove(client: httpx.Client) -> None:
    """Batches of expired and new traces sent while passes run every second: every new span is
    kept and listed once, and every expired one goes."""
    assert client.put("/api/v1/retention", json={"retentionDays": 7}).status_code == 200
    sent = 0
    for batch in range(16):
        spans = []
        for i in range(100):
            spans.append(span(f"busy-old-{batch}-{i}", 9 * DAY + i, session=f"busy-s-{i % 7}"))
            spans.append(span(f"busy-new-{batch}-{i}", 3600 + i, session=f"busy-s-{i % 7}"))
        resp = client.post(f"{API}/traces/batch", json={"spans": spans})
        assert resp.status_code == 200, resp.text
        sent += 100
        time.sleep(0.2)

    def listed(prefix: str) -> int:
        n, cursor = 0, None
        while True:
            body = client.get(f"{API}/traces?limit=500&from={(int(time.time()) - 30 * DAY) * 10**9}" +
                              (f"&cursor={cursor}" if cursor else "")).json()
            n += sum(1 for t in body["traces"] if t["traceId"].startswith(prefix))
            cursor = body.get("nextCursor")
            if not cursor:
                return n

    deadline = time.monotonic() + 60
    while listed("busy-old-") > 0:
        assert time.monotonic() < deadline, "expired traces are still listed after 60 s"
        time.sleep(0.5)
    assert listed("busy-new-") == sent
    assert client.get(f"{API}/traces/busy-new-15-99").json()["spanCount"] == 1
    assert client.put("/api/v1/retention", json={"retentionDays": None}).status_code == 200
