"""A project's own model prices on the real server: they price new spans from their date on (before
the shipped table, for their project only), survive a restart, are validated field by field, and a
recompute prices stored spans again in the background, with progress, the trace list, the trace
detail, sessions and the Overview's metrics following, and a caller's own cost kept."""
from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any, Dict, Iterator

import httpx
import pytest

from openapi_contract import keyed_client
from stacklens_server import StackLensServer

TRACES = "/api/v1/stacktrace/v1/traces"
PRICES = "/api/v1/stacktrace/v1/prices"
TABLE = {"entries": [{"model": "gpt-4o-mini", "provider": "openai", "effective_from": "2024-01-01",
                      "pattern": "^gpt-4o-mini$", "prices": {"input": 0.15, "output": 0.6}}]}
WINDOW = "from=2024-07-01T00:00:00Z&to=2024-07-02T00:00:00Z"


@pytest.fixture(scope="module")
def srv(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StackLensServer]:
    root = tmp_path_factory.mktemp("prices")
    (root / "prices.json").write_text(json.dumps(TABLE))
    s = StackLensServer(root / "data", extra_args=["--prices-file", str(root / "prices.json")]).start()
    yield s
    assert s.stop() == 0, s.log()


def client_for(srv: StackLensServer, project: str, scopes: str) -> httpx.Client:
    return keyed_client(srv, scopes, project)


ALL = "traces:write,traces:read,prices:manage"


def span(trace: str, model: str, tokens_in: int, tokens_out: int, when: str, provider: str = "openai",
         span_id: str = "s1", attributes: Dict[str, str] | None = None, **extra: Any) -> Dict[str, Any]:
    return {"traceId": trace, "spanId": span_id, "name": "call", "startTime": when, "attributes": attributes or {},
            "llmSpan": {"model": model, "provider": provider, "inputTokens": tokens_in, "outputTokens": tokens_out,
                        **extra}}


def llm_of(c: httpx.Client, trace: str) -> Dict[str, Any]:
    resp = c.get(f"{TRACES}/{trace}")
    assert resp.status_code == 200, resp.text
    return resp.json()["spans"][0]["llmSpan"]


def price(model: str, when: str, input_price: float, output_price: float, **more: Any) -> Dict[str, Any]:
    return {"model": model, "effectiveFrom": when, "prices": {"input": input_price, "output": output_price}, **more}


def test_own_price_comes_first_from_its_date_for_its_project_only(srv: StackLensServer) -> None:
    with client_for(srv, "own", ALL) as c, client_for(srv, "others", ALL) as other:
        created = c.post(PRICES, json=price("gpt-4o-mini", "2024-07-01", 1, 2))
        assert created.status_code == 201, created.text
        body = created.json()
        assert (body["model"], body["provider"], body["effectiveFrom"]) == ("gpt-4o-mini", None,
                                                                         "2024-07-01T00:00:00.000000Z")
        assert body["prices"] == {"input": 1, "output": 2}
        assert body["updatedBy"].startswith("key:")
        for cl in (c, other):
            resp = cl.post(TRACES + "/batch", json={"spans": [
                span("o-before", "gpt-4o-mini", 1000, 500, "2024-06-30T23:59:59Z"),
                span("o-after", "GPT-4o-mini", 1000, 500, "2024-07-01T00:00:00Z")]})
            assert resp.status_code == 200, resp.text
        after = llm_of(c, "o-after")
        assert (after["costSource"], after["estimatedCostUsd"]) == ("custom", pytest.approx((1000 * 1 + 500 * 2) / 1e6))
        before = llm_of(c, "o-before")
        assert (before["costSource"], before["estimatedCostUsd"]) == ("table", pytest.approx((150 + 300) / 1e6))
        assert llm_of(other, "o-after")["costSource"] == "table"
        lookup = c.get(f"{PRICES}/lookup", params={"model": "gpt-4o-mini", "provider": "openai"}).json()
        assert (lookup["source"], lookup["price"]["prices"]) == ("custom", {"input": 1, "output": 2})
        assert other.get(f"{PRICES}/lookup", params={"model": "gpt-4o-mini"}).json()["source"] in ("table", "unpriced")
        assert c.get(f"{PRICES}/lookup", params={"model": "nobody-prices-this"}).json() == {
            "model": "nobody-prices-this", "source": "unpriced", "price": None}


def test_prices_are_validated_and_named_as_sent(srv: StackLensServer) -> None:
    with client_for(srv, "checks", ALL) as c, client_for(srv, "readers", "traces:read") as reader:
        cases = [
            ({"effectiveFrom": "2024-01-01", "prices": {"input": 1, "output": 1}}, "price.model"),
            (price("m", "tomorrow", 1, 1), "price.effectiveFrom"),
            (price("m", "2024-01-01", -1, 1), "price.prices.input"),
            ({"model": "m", "effectiveFrom": "2024-01-01", "prices": {"input": 1}}, "price.prices"),
            (price("m", "2024-01-01", 1, 1, pattern="(unclosed"), "price.pattern"),
            (price("m", "2024-01-01", 1, 1, cost_per_token=3), "unknown field 'cost_per_token'"),
            ({"model": "m", "effectiveFrom": "2024-01-01", "prices": {"input": 1, "output": 1, "cachedInput": 1}},
             "price.prices: unknown field 'cachedInput'"),
            (price("m", "2024-01-01", 1, 1, tiers=[{"aboveInputTokens": -1, "prices": {}}]),
             "price.tiers[0].aboveInputTokens"),
        ]
        for body, message in cases:
            resp = c.post(PRICES, json=body)
            assert resp.status_code == 400, (body, resp.text)
            assert message in resp.json()["error"], (message, resp.text)
        first = c.post(PRICES, json=price("m", "2024-01-01", 1, 1, provider="Acme"))
        assert first.status_code == 201 and first.json()["provider"] == "acme"
        again = c.post(PRICES, json=price("M", "2024-01-01", 2, 2, provider="acme"))
        assert again.status_code == 409 and "already prices 'M' at acme" in again.json()["error"]
        pid = first.json()["id"]
        moved = c.put(f"{PRICES}/{pid}", json=price("m", "2024-02-01", 3, 4, provider="acme",
                                                   tiers=[{"aboveInputTokens": 1000, "prices": {"input": 5}}]))
        assert moved.status_code == 200, moved.text
        assert moved.json()["tiers"] == [{"aboveInputTokens": 1000, "prices": {"input": 5}}]
        assert c.put(f"{PRICES}/999999", json=price("x", "2024-01-01", 1, 1)).status_code == 404
        assert c.delete(f"{PRICES}/nope").status_code == 404
        assert reader.post(PRICES, json=price("x", "2024-01-01", 1, 1)).status_code == 403
        assert reader.get(PRICES).status_code == 200
        assert c.delete(f"{PRICES}/{pid}").json() == {"id": pid, "deleted": True}
        assert c.get(PRICES).json() == {"prices": []}
        for body, message in [({"from": "2024-07-02T00:00:00Z", "to": "2024-07-01T00:00:00Z"}, "from must be before to"),
                              ({"from": "2024-07-01T00:00:00Z"}, "to is required"),
                              ({"from": "x", "to": "2024-07-01T00:00:00Z"}, "from must be an ISO-8601 time"),
                              ({"from": "2024-07-01T00:00:00Z", "to": "2024-07-02T00:00:00Z", "model": "m"},
                               "unknown field 'model'")]:
            resp = c.post(f"{PRICES}/recompute", json=body)
            assert resp.status_code == 400 and message in resp.json()["error"], resp.text
        assert c.get(f"{PRICES}/recompute/424242").status_code == 404
        assert reader.post(f"{PRICES}/recompute", json={"from": "2024-07-01T00:00:00Z",
                                                        "to": "2024-07-02T00:00:00Z"}).status_code == 403


def wait_done(c: httpx.Client, job: Dict[str, Any]) -> Dict[str, Any]:
    deadline = time.monotonic() + 60
    while job["state"] == "running":
        assert time.monotonic() < deadline, job
        time.sleep(0.05)
        job = c.get(f"{PRICES}/recompute/{job['id']}").json()
    return job


def test_recompute_prices_stored_spans_again_and_everything_follows(srv: StackLensServer) -> None:
    with client_for(srv, "recompute", ALL) as c:
        spans = [span(f"r-{i}", "house-model", 1000, 1000, f"2024-07-01T{i % 24:02d}:00:00Z",
                      attributes={"session_id": "conv-1"}) for i in range(600)]
        spans.append(span("r-caller", "house-model", 1000, 1000, "2024-07-01T05:30:00Z", estimatedCostUsd=0.5))
        spans.append(span("r-outside", "house-model", 1000, 1000, "2024-07-03T00:00:00Z"))
        spans.append(span("r-6", "house-model", 10, 10, "2024-07-01T06:00:01Z", span_id="s2") | {"parentSpanId": "s1"})
        assert c.post(TRACES + "/batch", json={"spans": spans}).status_code == 200
        metrics = c.get(f"/api/v1/stacktrace/v1/metrics?{WINDOW}&interval=86400").json()
        (point,) = metrics["series"][0]["points"]
        assert (point["unpricedSpans"], point["costUsd"]) == (601, pytest.approx(0.5))

        assert c.post(PRICES, json=price("house-model", "2024-01-01", 10, 20)).status_code == 201
        assert llm_of(c, "r-0")["costSource"] == "unpriced"  # stored spans wait for the recompute
        started = c.post(f"{PRICES}/recompute", json={"from": "2024-07-01T00:00:00Z", "to": "2024-07-02T00:00:00Z"})
        assert started.status_code == 202, started.text
        assert started.json()["state"] == "running" and started.json()["startedBy"].startswith("key:")
        job = wait_done(c, started.json())
        assert job["state"] == "done", job
        assert (job["spansTotal"], job["spansDone"], job["spansChanged"], job["progress"]) == (602, 602, 601, 1)
        assert job["finishedAt"] is not None and job["error"] is None
        assert c.get(f"{PRICES}/recompute").json()["recomputes"][0]["id"] == job["id"]

        each = (1000 * 10 + 1000 * 20) / 1e6
        r0 = llm_of(c, "r-0")
        assert (r0["costSource"], r0["estimatedCostUsd"]) == ("custom", pytest.approx(each))
        assert llm_of(c, "r-caller")["estimatedCostUsd"] == 0.5 and llm_of(c, "r-caller")["costSource"] == "caller"
        assert llm_of(c, "r-outside")["costSource"] == "unpriced"
        detail = c.get(f"{TRACES}/r-6").json()
        assert detail["costUsd"] == pytest.approx(each + (10 * 10 + 10 * 20) / 1e6) and detail["unpricedSpans"] == 0
        listed = c.get(f"{TRACES}?{WINDOW}&unpriced=true").json()["traces"]
        assert listed == []
        metrics = c.get(f"/api/v1/stacktrace/v1/metrics?{WINDOW}&interval=86400").json()
        (point,) = metrics["series"][0]["points"]
        assert point["unpricedSpans"] == 0 and point["requests"] == 602
        assert point["costUsd"] == pytest.approx(0.5 + 600 * each + (10 * 10 + 10 * 20) / 1e6)
        by_model = c.get(f"/api/v1/stacktrace/v1/metrics?{WINDOW}&interval=3600&group_by=model").json()
        hourly = sum(p["costUsd"] for s in by_model["series"] for p in s["points"])
        assert hourly == pytest.approx(point["costUsd"])
        sessions = c.get("/api/v1/stacktrace/v1/sessions", params={"from": "2024-07-01T00:00:00Z",
                                                                    "to": "2024-07-02T00:00:00Z"}).json()
        (session,) = sessions["sessions"]
        assert session["costUsd"] == pytest.approx(600 * each + (10 * 10 + 10 * 20) / 1e6)

        # Nothing to change: the same recompute again changes no span.
        again = wait_done(c, c.post(f"{PRICES}/recompute", json={"from": "2024-07-01T00:00:00Z",
                                                                 "to": "2024-07-02T00:00:00Z"}).json())
        assert (again["state"], again["spansChanged"]) == ("done", 0)


@pytest.mark.one_target
def test_prices_survive_a_restart(tmp_path: Path) -> None:
    s = StackLensServer(tmp_path / "data").start()
    try:
        with client_for(s, "default", ALL) as c:
            assert c.post(PRICES, json=price("kept-model", "2024-01-01", 1, 1)).status_code == 201
        assert s.stop() == 0
        s.start()
        with client_for(s, "default", ALL) as c:
            assert c.post(TRACES, json=span("k-1", "kept-model", 1000, 0, "2024-07-01T00:00:00Z")).status_code == 200
            assert llm_of(c, "k-1")["costSource"] == "custom"
    finally:
        s.stop()
