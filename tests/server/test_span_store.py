"""A span stored twice (a client's retry after a timeout, a separate request and so a separate
commit or insert block) is listed once and counted once: in its trace, the trace list, the
sessions list and the metrics. Runs on every span-store target (SQLite, and ClickHouse in
scripts/test.sh's span-store pass)."""
from __future__ import annotations

from typing import Any, Dict, Iterator

import httpx
import pytest

import clickhouse_spans
from openapi_contract import keyed_client
from stacklens_server import StackLensServer

API = "/api/v1/stacktrace/v1"
DAY = "from=2025-05-01T00:00:00Z&to=2025-05-02T00:00:00Z"


@pytest.fixture(scope="module")
def client(server: StackLensServer) -> Iterator[httpx.Client]:
    with keyed_client(server, "traces:write,traces:read") as c:
        yield c


def span(span_id: str, parent: Any = None) -> Dict[str, Any]:
    return {"traceId": "retried-trace", "spanId": span_id, "parentSpanId": parent, "name": "answer",
            "startTime": "2025-05-01T10:00:00Z", "endTime": "2025-05-01T10:00:02Z",
            "attributes": {"session_id": "retried-session"},
            "llmSpan": {"model": "retry-model", "provider": "openai", "inputTokens": 100, "outputTokens": 50,
                        "totalTokens": 150, "estimatedCostUsd": 0.5}}


def test_a_span_sent_twice_in_separate_batches_counts_once(client: httpx.Client) -> None:
    first = client.post(f"{API}/traces/batch", json={"spans": [span("root"), span("child", "root")]})
    assert first.status_code == 200, first.text
    # The retry repeats the child in a request of its own, and the root in another batch.
    assert client.post(f"{API}/traces", json=span("child", "root")).status_code == 200
    again = client.post(f"{API}/traces/batch", json={"spans": [span("root")]})
    assert again.status_code == 200, again.text

    detail = client.get(f"{API}/traces/retried-trace").json()
    assert sorted(s["spanId"] for s in detail["spans"]) == ["child", "root"]

    listed = client.get(f"{API}/traces?{DAY}&model=retry-model").json()["traces"]
    assert [t["traceId"] for t in listed] == ["retried-trace"]
    assert listed[0]["spanCount"] == 2
    assert listed[0]["totalTokens"] == 300
    assert listed[0]["costUsd"] == pytest.approx(1.0)

    metrics = client.get(f"{API}/metrics?{DAY}&interval=86400&group_by=model").json()
    series = [s for s in metrics["series"] if s["group"] == "retry-model"]
    assert len(series) == 1 and len(series[0]["points"]) == 1
    point = series[0]["points"][0]
    assert point["requests"] == 2
    assert point["inputTokens"] == 200
    assert point["costUsd"] == pytest.approx(1.0)

    sessions = client.get(f"{API}/sessions?{DAY}").json()["sessions"]
    assert [(s["sessionId"], s["traceCount"], s["totalTokens"]) for s in sessions] == [("retried-session", 1, 300)]


def test_text_leaves_the_node_sealed(client: httpx.Client, server: StackLensServer) -> None:
    marker = "SEALED-MARKER-5e1c0a"
    body = {"traceId": "sealed-trace", "spanId": "s", "name": "n", "startTime": "2025-05-01T11:00:00Z",
            "llmSpan": {"model": "m", "provider": "p", "inputTokens": 1, "outputTokens": 1,
                        "promptContent": marker * 3, "completionContent": marker}}
    assert client.post(f"{API}/traces", json=body).status_code == 200
    back = client.get(f"{API}/traces/sealed-trace").json()["spans"][0]["llmSpan"]
    assert (back["promptContent"], back["completionContent"]) == (marker * 3, marker)
    if not clickhouse_spans.SELECTED:
        return  # on SQLite: test_lifecycle.py reads the data directory's files
    url = clickhouse_spans.span_store_url(server.data_dir)
    base, database = url.rsplit("/", 1)
    rows = httpx.post(base, content=(f"SELECT length(prompt), position(prompt, '{marker}') + "
                                     f"position(completion, '{marker}') FROM {database}.spans "
                                     "WHERE trace_id = 'sealed-trace'").encode()).text.split()
    assert int(rows[0]) > 0 and rows[1] == "0", rows
