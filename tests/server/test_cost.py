"""Cost from the price table at ingest, on the real server, through the native single and batch
routes and OTLP: the table's price at the span's time, tiers, cache and reasoning tokens priced
once, a caller's cost winning, unpriced models marked (not $0), and a bad table stopping the start."""
from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any, Dict, Iterator, List

import httpx
import pytest

from openapi_contract import keyed_client
from stacklens_server import BINARY, StackLensServer

TRACES = "/api/v1/stacktrace/v1/traces"

TABLE = {
    "provider_aliases": {"gcp.gemini": "gemini"},
    "entries": [
        {"model": "gpt-4o-mini", "provider": "openai", "effective_from": "2024-01-01",
         "pattern": "^gpt-4o-mini(?:-20\\d{2}-\\d{2}-\\d{2})?$",
         "prices": {"input": 0.15, "output": 0.6, "cache_read": 0.075}},
        {"model": "gpt-4o-mini", "provider": "openai", "effective_from": "2025-01-01",
         "pattern": "^gpt-4o-mini(?:-20\\d{2}-\\d{2}-\\d{2})?$", "prices": {"input": 0.3, "output": 1.2}},
        {"model": "o3", "provider": "openai", "effective_from": "2024-01-01", "pattern": "^o3$",
         "prices": {"input": 2, "output": 8, "reasoning": 4}},
        {"model": "claude-sonnet-4-5", "provider": "anthropic", "effective_from": "2024-01-01",
         "pattern": "^claude-sonnet-4-5(?:[-@]20\\d{6})?$",
         "prices": {"input": 3, "output": 15, "cache_read": 0.3, "cache_write": 3.75}},
        {"model": "gemini-2.5-pro", "provider": "gemini", "effective_from": "2024-01-01",
         "pattern": "^gemini-2\\.5-pro$", "prices": {"input": 1.25, "output": 10},
         "tiers": [{"above_input_tokens": 200000, "prices": {"input": 2.5, "output": 15}}]},
    ],
}


@pytest.fixture(scope="module")
def priced(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StackLensServer]:
    root = tmp_path_factory.mktemp("cost")
    (root / "prices.json").write_text(json.dumps(TABLE))
    srv = StackLensServer(root / "data", extra_args=["--prices-file", str(root / "prices.json")]).start()
    yield srv
    assert srv.stop() == 0, srv.log()


@pytest.fixture(scope="module")
def client(priced: StackLensServer) -> Iterator[httpx.Client]:
    with keyed_client(priced, "traces:write,traces:read") as c:
        yield c


def span(trace: str, model: str, provider: str, tokens_in: int, tokens_out: int, when: str = "2024-06-01T00:00:00Z",
         **llm: Any) -> Dict[str, Any]:
    return {"traceId": trace, "spanId": "s1", "name": "call", "startTime": when,
            "llmSpan": {"model": model, "provider": provider, "inputTokens": tokens_in, "outputTokens": tokens_out,
                        **llm}}


def llm_of(client: httpx.Client, trace: str) -> Dict[str, Any]:
    resp = client.get(f"{TRACES}/{trace}")
    assert resp.status_code == 200, resp.text
    return resp.json()["spans"][0]["llmSpan"]


def post(client: httpx.Client, body: Dict[str, Any]) -> None:
    resp = client.post(TRACES, json=body)
    assert resp.status_code == 200, resp.text


def test_a_span_without_cost_is_priced_at_its_time(client: httpx.Client) -> None:
    post(client, span("c-2024", "gpt-4o-mini-2024-07-18", "OpenAI", 1000, 500, estimatedCostUsd=0))
    post(client, span("c-2025", "gpt-4o-mini", "openai", 1000, 500, "2025-03-01T00:00:00Z"))
    early, late = llm_of(client, "c-2024"), llm_of(client, "c-2025")
    assert early["costSource"] == "table"
    assert early["estimatedCostUsd"] == pytest.approx((1000 * 0.15 + 500 * 0.6) / 1e6)
    assert late["estimatedCostUsd"] == pytest.approx((1000 * 0.3 + 500 * 1.2) / 1e6)


def test_a_callers_cost_wins_and_is_marked(client: httpx.Client) -> None:
    post(client, span("c-caller", "gpt-4o-mini", "openai", 1000, 500, estimatedCostUsd=0.5))
    llm = llm_of(client, "c-caller")
    assert (llm["costSource"], llm["estimatedCostUsd"]) == ("caller", 0.5)


def test_an_unknown_model_is_unpriced_not_free(client: httpx.Client) -> None:
    post(client, span("c-unknown", "my-own-model", "openai", 1000, 500))
    post(client, span("c-no-tokens", "my-own-model", "openai", 0, 0))
    unknown = llm_of(client, "c-unknown")
    assert (unknown["costSource"], unknown["estimatedCostUsd"]) == ("unpriced", 0)
    assert llm_of(client, "c-no-tokens")["costSource"] == "none"


def test_cache_and_reasoning_tokens_are_priced_once(client: httpx.Client) -> None:
    post(client, span("c-cache", "claude-sonnet-4-5-20250929", "anthropic", 10000, 2000,
                      cacheReadTokens=6000, cacheWriteTokens=1000))
    post(client, span("c-reason", "o3", "openai", 100, 1000, reasoningTokens=600))
    cache = llm_of(client, "c-cache")
    assert (cache["cacheReadTokens"], cache["cacheWriteTokens"], cache["totalTokens"]) == (6000, 1000, 12000)
    assert cache["estimatedCostUsd"] == pytest.approx((3000 * 3 + 6000 * 0.3 + 1000 * 3.75 + 2000 * 15) / 1e6)
    reason = llm_of(client, "c-reason")
    assert reason["reasoningTokens"] == 600
    assert reason["estimatedCostUsd"] == pytest.approx((100 * 2 + 400 * 8 + 600 * 4) / 1e6)


def test_batch_spans_are_priced_one_by_one(client: httpx.Client) -> None:
    spans = [span("c-batch-1", "gemini-2.5-pro", "gcp.gemini", 200001, 10),
             span("c-batch-2", "gemini-2.5-pro", "gemini", 1000, 10),
             span("c-batch-3", "nope", "gemini", 1000, 10, estimatedCostUsd=0.25)]
    resp = client.post(TRACES + "/batch", json={"spans": spans})
    assert resp.status_code == 200, resp.text
    assert llm_of(client, "c-batch-1")["estimatedCostUsd"] == pytest.approx((200001 * 2.5 + 10 * 15) / 1e6)
    assert llm_of(client, "c-batch-2")["estimatedCostUsd"] == pytest.approx((1000 * 1.25 + 10 * 10) / 1e6)
    assert llm_of(client, "c-batch-3")["costSource"] == "caller"


def otlp_span(span_id: str, attributes: Dict[str, Any]) -> Dict[str, Any]:
    def value(v: Any) -> Dict[str, Any]:
        return {"intValue": str(v)} if isinstance(v, int) else {"stringValue": v}

    return {"traceId": "5b8efff798038103d269b633813fc60c", "spanId": span_id, "name": "chat",
            "startTimeUnixNano": "1717200000000000000", "endTimeUnixNano": "1717200001000000000",
            "attributes": [{"key": k, "value": value(v)} for k, v in attributes.items()]}


def test_otlp_usage_attributes_are_priced_once(client: httpx.Client) -> None:
    spans: List[Dict[str, Any]] = [
        # GenAI conventions: input tokens include the cached ones.
        otlp_span("0000000000000001", {"gen_ai.system": "anthropic", "gen_ai.request.model": "claude-sonnet-4-5",
                                       "gen_ai.usage.input_tokens": 10000, "gen_ai.usage.output_tokens": 2000,
                                       "gen_ai.usage.cache_read_input_tokens": 6000,
                                       "gen_ai.usage.cache_creation_input_tokens": 1000}),
        # Anthropic's own usage reports cache tokens beside input_tokens: they are added, not lost.
        otlp_span("0000000000000002", {"gen_ai.system": "anthropic", "gen_ai.request.model": "claude-sonnet-4-5",
                                       "gen_ai.usage.input_tokens": 3000, "gen_ai.usage.output_tokens": 2000,
                                       "gen_ai.usage.cache_read_input_tokens": 6000,
                                       "gen_ai.usage.cache_creation_input_tokens": 1000}),
        # OpenInference.
        otlp_span("0000000000000003", {"llm.provider": "openai", "llm.model_name": "o3",
                                       "llm.token_count.prompt": 100, "llm.token_count.completion": 1000,
                                       "llm.token_count.completion_details.reasoning": 600}),
    ]
    body = {"resourceSpans": [{"scopeSpans": [{"spans": spans}]}]}
    resp = client.post("/otlp/v1/traces", content=json.dumps(body), headers={"Content-Type": "application/json"})
    assert resp.status_code == 200, resp.text
    got = {s["spanId"]: s["llmSpan"] for s in client.get(f"{TRACES}/5b8efff798038103d269b633813fc60c").json()["spans"]}
    cached = (3000 * 3 + 6000 * 0.3 + 1000 * 3.75 + 2000 * 15) / 1e6
    for sid in ("0000000000000001", "0000000000000002"):
        assert got[sid]["inputTokens"] == 10000
        assert got[sid]["cacheReadTokens"] == 6000
        assert got[sid]["estimatedCostUsd"] == pytest.approx(cached)
        assert got[sid]["costSource"] == "table"
    assert got["0000000000000003"]["estimatedCostUsd"] == pytest.approx((100 * 2 + 400 * 8 + 600 * 4) / 1e6)


def test_the_shipped_table_prices_well_known_models(tmp_path: Path) -> None:
    srv = StackLensServer(tmp_path / "data").start()
    try:
        key = srv.create_key("traces:write,traces:read")
        with httpx.Client(base_url=srv.url, timeout=10, headers={"X-Api-Key": key}) as c:
            post(c, span("shipped", "gpt-4o-mini", "openai", 1000, 500))
            llm = llm_of(c, "shipped")
        assert llm["costSource"] == "table"
        assert llm["estimatedCostUsd"] > 0
    finally:
        assert srv.stop() == 0


@pytest.mark.parametrize(("content", "message"), [
    (None, "cannot read the price table"),
    ("{\"entries\": [{\"model\": \"m\"}]}", "entries[0].provider must be a non-empty string"),
])
def test_a_bad_price_table_stops_the_start_with_one_line(tmp_path: Path, content: Any, message: str) -> None:
    table = tmp_path / "prices.json"
    if content is not None:
        table.write_text(content)
    run = subprocess.run([str(BINARY), "serve", "--data-dir", str(tmp_path / "d"), "--port", "0",
                          "--prices-file", str(table)], capture_output=True, text=True, timeout=30)
    assert run.returncode != 0
    errors = [line for line in (run.stdout + run.stderr).splitlines() if message in line]
    assert len(errors) == 1, run.stdout + run.stderr
    assert str(table) in errors[0]


def test_unpriced_spans_are_counted_and_found(priced: StackLensServer) -> None:
    from openapi_contract import CONTRACT

    # A project of its own, so the counts are this test's alone.
    priced.cli("projects", "create", "unpriced")
    key = priced.create_key("traces:write,traces:read", project="unpriced")
    with httpx.Client(base_url=priced.url, timeout=10, headers={"X-Api-Key": key},
                      event_hooks={"response": [CONTRACT.check]}) as c:
        spans = [span("u-1", "my-own-model", "openai", 100, 20, "2024-07-01T00:00:00Z"),
                 span("u-2", "gpt-4o-mini", "openai", 1000, 500, "2024-07-01T00:01:00Z"),
                 span("u-3", "their-model", "acme", 7, 3, "2024-07-01T00:02:00Z"),
                 span("u-4", "their-model", "acme", 7, 3, "2024-07-01T00:03:00Z", estimatedCostUsd=0.1)]
        assert c.post(TRACES + "/batch", json={"spans": spans}).status_code == 200
        window = "from=2024-07-01T00:00:00Z&to=2024-07-01T01:00:00Z"
        found = c.get(f"{TRACES}?{window}&unpriced=true").json()["traces"]
        assert sorted(t["traceId"] for t in found) == ["u-1", "u-3"]
        assert all(t["unpricedSpans"] == 1 for t in found)
        priced_only = c.get(f"{TRACES}?{window}&unpriced=false").json()["traces"]
        assert sorted(t["traceId"] for t in priced_only) == ["u-2", "u-4"]
        assert all(t["unpricedSpans"] == 0 for t in priced_only)
        every = c.get(f"{TRACES}?{window}").json()["traces"]
        assert len(every) == 4
        # The Overview's metrics: unpriced spans and their tokens, per period and per model.
        metrics = c.get(f"/api/v1/stacktrace/v1/metrics?{window}&interval=3600").json()
        (point,) = metrics["series"][0]["points"]
        assert (point["unpricedSpans"], point["unpricedTokens"]) == (2, 130)
        by_model = c.get(f"/api/v1/stacktrace/v1/metrics?{window}&interval=3600&group_by=model").json()
        unpriced = {s["group"]: s["points"][0]["unpricedSpans"] for s in by_model["series"]}
        assert unpriced == {"my-own-model": 1, "gpt-4o-mini": 0, "their-model": 1}
        assert c.get(f"{TRACES}/u-3").json()["unpricedSpans"] == 1
