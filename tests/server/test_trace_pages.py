"""The trace list without a period, newest first, page by page: traces from minutes to a year
old, one of them started hours ago with a span from minutes ago, come in order of their start,
each once, whatever the page size, filtered or not. On ClickHouse the store looks for a page among
the last hour's traces first, then the last day's, week's, month's and all (clickhouse_span_store.cpp):
this holds it to the answer of one look at all. Runs on every span-store target."""
from __future__ import annotations

import time
from typing import Any, Dict, Iterator, List, Optional

import httpx
import pytest

from openapi_contract import keyed_client
from stacklens_server import StackLensServer

API = "/api/v1/stacktrace/v1"
MINUTE = 60


@pytest.fixture(scope="module")
def client(server: StackLensServer) -> Iterator[httpx.Client]:
    with keyed_client(server, "traces:write,traces:read") as c:
        yield c


def span(trace: str, span_id: str, age_s: float, model: str, parent: Optional[str] = None) -> Dict[str, Any]:
    start = int((time.time() - age_s) * 1e9)
    return {"traceId": trace, "spanId": span_id, "parentSpanId": parent, "name": f"op-{trace}",
            "startTime": str(start), "endTime": str(start + 1_000_000_000),
            "llmSpan": {"model": model, "provider": "openai", "inputTokens": 1, "outputTokens": 1,
                        "totalTokens": 2, "estimatedCostUsd": 0.001}}


# Newest first: (trace, age of its first span, model).
TRACES = [("a", 5 * MINUTE, "page-m1"), ("b", 30 * MINUTE, "page-m2"), ("c", 3 * 60 * MINUTE, "page-m1"),
          ("d", 2 * 86400, "page-m2"), ("e", 10 * 86400, "page-m1"), ("f", 45 * 86400, "page-m2"),
          ("g", 400 * 86400, "page-m1")]


@pytest.fixture(scope="module")
def stored(client: httpx.Client) -> None:
    spans = [span(f"page-{t}", "root", age, model) for t, age, model in TRACES]
    # Trace c started three hours ago and has a span from ten minutes ago.
    spans.append(span("page-c", "late", 10 * MINUTE, "page-m1", parent="root"))
    resp = client.post(f"{API}/traces/batch", json={"spans": spans})
    assert resp.status_code == 200, resp.text


def all_pages(client: httpx.Client, query: str) -> List[str]:
    ids: List[str] = []
    cursor = None
    for _ in range(20):
        resp = client.get(f"{API}/traces?{query}" + (f"&cursor={cursor}" if cursor else ""))
        assert resp.status_code == 200, resp.text
        body = resp.json()
        ids += [t["traceId"] for t in body["traces"]]
        cursor = body.get("nextCursor")
        if not cursor:
            return ids
    raise AssertionError("more than 20 pages")


@pytest.mark.parametrize("limit", [1, 2, 3, 50])
def test_newest_first_in_pages_of_any_size(client: httpx.Client, stored: None, limit: int) -> None:
    assert all_pages(client, f"limit={limit}") == [f"page-{t}" for t, _, _ in TRACES]


@pytest.mark.parametrize("limit", [1, 2, 50])
def test_newest_first_filtered(client: httpx.Client, stored: None, limit: int) -> None:
    expected = [f"page-{t}" for t, _, model in TRACES if model == "page-m1"]
    assert all_pages(client, f"limit={limit}&model=page-m1") == expected


def test_a_trace_is_listed_by_its_first_span(client: httpx.Client, stored: None) -> None:
    first = client.get(f"{API}/traces?limit=3").json()["traces"]
    assert [t["traceId"] for t in first] == ["page-a", "page-b", "page-c"]
    assert first[2]["spanCount"] == 2
    assert first[2]["startTime"] < first[1]["startTime"]
