"""The server is held to api/openapi.yaml: the same routes, and every route
answers the auth matrix (no key / bad key / revoked key / wrong scope / other
project's key) as the spec's x-scope says. Every answer here comes through the
`api` client, which holds its status and body to the spec (openapi_contract.py)."""

from __future__ import annotations

import json
import re
import subprocess
import time
from pathlib import Path
from typing import Any, Callable, Dict, List, Set, Tuple

import httpx
import pytest

from fake_llm_provider import FakeProvider
from openapi_contract import CONTRACT
from stacklens_server import BINARY

SPEC = CONTRACT.spec
METHODS = {"get", "post", "put", "patch", "delete"}
SCOPES: List[str] = SPEC["components"]["schemas"]["Scope"]["enum"]


def spec_operations() -> List[Tuple[str, str, Dict[str, Any]]]:
    return [(m.upper(), path, op) for path, item in SPEC["paths"].items() for m, op in item.items() if m in METHODS]


def spec_routes() -> Set[str]:
    routes = set()
    for method, path, op in spec_operations():
        routes.add(f"{method} {path}")
        if path.startswith("/api/v1/") and not op.get("x-no-alias"):
            routes.add(f"{method} {path[len('/api/v1'):]}")
    return routes


def test_server_routes_match_the_spec(tmp_path: Path) -> None:
    out = subprocess.run([str(BINARY), "serve", "--print-routes", "--data-dir", str(tmp_path / "d")],
                         capture_output=True, text=True, check=True).stdout
    served = {line.strip() for line in out.splitlines() if line.strip()}
    assert served == spec_routes(), f"only served: {served - spec_routes()}; only in spec: {spec_routes() - served}"


def test_every_operation_declares_its_scope() -> None:
    for method, path, op in spec_operations():
        assert op.get("x-scope") in {"none", "session", "key", *SCOPES}, f"{method} {path}"


def concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "sample", path)


@pytest.mark.parametrize("method,path,op", spec_operations(), ids=lambda v: v if isinstance(v, str) else "")
def test_auth_matrix(api: httpx.Client, keys: Dict[str, str], method: str, path: str, op: Dict[str, Any]) -> None:
    scope = op["x-scope"]
    url = concrete(path)
    body = b"{}" if method in {"POST", "PUT", "PATCH"} else None

    def call(headers: Dict[str, str]) -> httpx.Response:
        return api.request(method, url, content=body, headers=headers)

    if scope == "none":
        assert call({}).status_code not in (401, 403)
        return
    for label, headers in [("no key", {}), ("bad key", {"X-Api-Key": "sl-" + "0" * 48}),
                           ("not a key", {"X-Api-Key": "hello"}),
                           ("revoked key", {"X-Api-Key": keys["revoked"]}),
                           ("revoked bearer", {"Authorization": "Bearer " + keys["revoked"]})]:
        resp = call(headers)
        assert resp.status_code == 401, f"{label}: {resp.status_code} {resp.text}"
        assert resp.json()["error"]
    if scope == "session":
        # API keys are no way in: only a signed-in user.
        assert call({"X-Api-Key": keys["full"]}).status_code == 401
        return
    if scope == "key":
        # Any key gets in (the operation checks each action's scope itself).
        for any_scope in SCOPES:
            assert call({"X-Api-Key": keys[any_scope]}).status_code not in (401, 403), any_scope
        return
    for other_scope in SCOPES:
        if other_scope == scope:
            continue
        resp = call({"X-Api-Key": keys[other_scope]})
        assert resp.status_code == 403, f"{other_scope} key: {resp.status_code} {resp.text}"
        assert scope in resp.json()["error"]
    # The right scope gets past auth (what follows depends on the body and path).
    for headers in ({"X-Api-Key": keys[scope]}, {"Authorization": "Bearer " + keys[scope]}):
        assert call(headers).status_code not in (401, 403)


def test_other_projects_key_reaches_nothing_of_ours(api: httpx.Client, keys: Dict[str, str]) -> None:
    mine = {"X-Api-Key": keys["full"]}
    theirs = {"X-Api-Key": keys["other"]}
    span = {"traceId": "private-trace", "spanId": "s1", "name": "secret-op", "startTime": "2024-05-01T00:00:00Z",
            "llmSpan": {"model": "m", "provider": "p", "inputTokens": 1, "outputTokens": 1, "promptContent": "mine"}}
    assert api.post("/api/v1/stacktrace/v1/traces", json=span, headers=mine).status_code == 200
    assert api.get("/api/v1/stacktrace/v1/traces/private-trace", headers=theirs).status_code == 404
    listing = api.get("/api/v1/stacktrace/v1/traces?name=secret-op", headers=theirs).json()
    assert listing["traces"] == []
    metrics = api.get("/api/v1/stacktrace/v1/metrics?from=2024-05-01T00:00:00Z&to=2024-05-02T00:00:00Z",
                      headers=theirs).json()
    assert metrics["series"] == []
    # The same ids in the other project are a different span, not a duplicate.
    assert api.post("/api/v1/stacktrace/v1/traces", json=span, headers=theirs).status_code == 200
    assert api.get("/api/v1/stacktrace/v1/traces/private-trace", headers=theirs).json()["spanCount"] == 1
    keys_listed = api.get("/api/v1/keys", headers=theirs).json()["keys"]
    assert {k["project"] for k in keys_listed} == {"other"}


def query_params(op: Dict[str, Any]) -> Set[str]:
    names = set()
    for p in op.get("parameters", []):
        if "$ref" in p:
            p = SPEC["components"]["parameters"][p["$ref"].rsplit("/", 1)[1]]
        if p["in"] == "query":
            names.add(p["name"])
    return names


KEY_GETS = [(path, op) for method, path, op in spec_operations() if method == "GET" and op["x-scope"] in SCOPES]
UNKNOWN_PARAM = re.compile(r"^unknown query parameters? '([^']*)'(?:, '[^']*')*; this route takes (.*)$")


@pytest.mark.parametrize("path,op", KEY_GETS, ids=[path for path, _ in KEY_GETS])
def test_query_parameters_are_the_specs(api: httpx.Client, keys: Dict[str, str], path: str, op: Dict[str, Any]) -> None:
    """An undeclared query parameter is refused with 400 naming it, and the parameters the
    server says the route takes are exactly the ones the spec lists."""
    resp = api.get(concrete(path), params={"sl_undeclared": "1"}, headers={"X-Api-Key": keys[op["x-scope"]]})
    assert resp.status_code == 400, resp.text
    match = UNKNOWN_PARAM.match(resp.json()["error"])
    assert match and match.group(1) == "sl_undeclared", resp.text
    takes = set() if match.group(2) == "none" else set(match.group(2).split(", "))
    assert takes == query_params(op), f"server takes {sorted(takes)}, spec lists {sorted(query_params(op))}"


def evaluations_tour(call: Callable[..., Any], span: Dict[str, Any]) -> None:
    """Evaluators and rules, judged through the model connection "tour" (a fake provider that
    answers what a message scripts between REPLY<< and >>REPLY)."""
    base = "/api/v1/evaluations/v1"
    assert len(call("GET", base + "/evaluator-templates", 200)["templates"]) == 4
    judge = {"name": "tour", "template": "Rate {{output}}", "connection": "tour",
             "output": {"type": "numeric", "min": 1, "max": 5}}
    call("POST", base + "/evaluators", 201, json=judge)
    call("PUT", base + "/evaluators/tour", 200, json={**judge, "description": "the tour's judge"})
    assert call("GET", base + "/evaluators", 200)["evaluators"][0]["name"] == "tour"
    call("GET", base + "/evaluators/tour", 200)
    verdict = 'REPLY<<{"score": 4, "reasoning": "fine"}>>REPLY'
    judged = {**span, "traceId": "tour-judged", "llmSpan": {"model": "m", "provider": "p", "completionContent": verdict}}
    call("POST", "/api/v1/stacktrace/v1/traces", 200, json=judged)
    run = call("POST", base + "/evaluators/tour/run", 201, json={"traceId": "tour-judged", "spanId": "root"})
    assert run["score"]["comment"] == "fine"
    assert call("POST", base + "/evaluators/tour/run", 200, json={"output": verdict})["score"] is None
    rules = base + "/rules"
    rule = call("POST", rules, 201, json={"name": "tour", "evaluator": "tour", "filter": {"name": "tour-live"}})
    call("PUT", f"{rules}/{rule['id']}", 200, json={"name": "tour", "evaluator": "tour", "filter": {"name": "tour-live"}})
    assert call("POST", f"{rules}/{rule['id']}/pause", 200)["paused"] is True
    assert call("POST", f"{rules}/{rule['id']}/resume", 200)["paused"] is False
    # A rule judges spans committed after the node that takes them has loaded it: on a cluster the
    # other node polls for rule changes, so a new live span is sent until one is judged.
    deadline, sent = time.monotonic() + 30, 0
    while not call("GET", f"{rules}/{rule['id']}/runs", 200)["runs"]:
        assert time.monotonic() < deadline, "the rule never judged the tour's live spans"
        call("POST", "/api/v1/stacktrace/v1/traces", 200,
             json={**judged, "traceId": f"tour-live-{sent}", "name": "tour-live"})
        sent += 1
        time.sleep(0.25)
    assert call("GET", f"{rules}/{rule['id']}", 200)["totals"]["ok"] >= 1
    assert call("GET", rules, 200)["rules"][0]["id"] == rule["id"]
    call("DELETE", f"{rules}/{rule['id']}", 200)
    call("DELETE", base + "/evaluators/tour", 200)


def test_every_operation_answers_as_the_spec_says(api: httpx.Client, keys: Dict[str, str]) -> None:
    """One successful call of every operation through `api`, so each success answer is held to its
    schema; an operation added to the spec without a call here fails."""
    called: Set[str] = set()

    def call(method: str, path: str, status: int, client: httpx.Client = api, key: str = "full",
             **kwargs: Any) -> Any:
        headers = {"X-Api-Key": keys[key]} if key else {}
        resp = client.request(method, path, headers={**headers, **kwargs.pop("headers", {})}, **kwargs)
        assert resp.status_code == status, f"{method} {path}: {resp.status_code} {resp.text}"
        template, op = CONTRACT.operation(method, path.split("?")[0])
        assert op is not None
        called.add(f"{method} {template}")
        return resp.json() if resp.headers["content-type"].startswith("application/json") else resp.text

    call("GET", "/health", 200, key="")
    call("GET", "/ready", 200, key="")
    assert "stacklens_http_requests_total" in call("GET", "/metrics", 200, key="")
    call("GET", "/api/v1/server", 200, key="")
    mcp_init = {"jsonrpc": "2.0", "id": 1, "method": "initialize",
                "params": {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}}
    assert call("POST", "/mcp", 200, json=mcp_init)["result"]["protocolVersion"] == "2025-11-25"
    call("GET", "/mcp", 405)
    call("DELETE", "/mcp", 200, headers={"Mcp-Session-Id": "0" * 32 + ".2025-11-25"})  # test_mcp.py: the rest

    traces = "/api/v1/stacktrace/v1/traces"
    root = {"traceId": "tour", "spanId": "root", "name": "tour", "startTime": "2024-05-01T00:00:00Z",
            "endTime": "2024-05-01T00:00:01Z", "attributes": {"a": 1}, "tags": ["t"]}
    child = {**root, "spanId": "llm", "parentSpanId": "root",
             "llmSpan": {"model": "m", "provider": "p", "inputTokens": 3, "outputTokens": 4, "temperature": 0.5}}
    call("POST", traces, 200, json=root)
    batch = call("POST", traces + "/batch", 200, json={"spans": [child, {"traceId": "tour"}]})
    assert [r["status"] for r in batch["results"]] == ["accepted", "rejected"]
    assert call("GET", traces + "?limit=1", 200)["nextCursor"] is not None
    detail = call("GET", traces + "/tour", 200)
    assert call("GET", "/api/v1/stacktrace/v1/exports/spans?format=csv&name=tour", 200).count("\r\ntour,") == 2
    assert detail["tree"][0]["children"][0]["llmSpan"]["maxTokens"] is None
    call("GET", "/api/v1/stacktrace/v1/metrics?from=2024-05-01T00:00:00Z&to=2024-05-02T00:00:00Z&group_by=model",
         200)
    chat = {**root, "traceId": "tour-chat", "attributes": {"session_id": "tour-s", "user_id": "tour-u"}}
    call("POST", traces, 200, json=chat)
    period = "from=2024-05-01T00:00:00Z&to=2024-05-02T00:00:00Z"
    assert call("GET", f"/api/v1/stacktrace/v1/sessions?{period}", 200)["sessions"][0]["sessionId"] == "tour-s"
    assert call("GET", "/api/v1/stacktrace/v1/sessions/tour-s", 200)["traces"][0]["userId"] == "tour-u"
    assert call("GET", f"/api/v1/stacktrace/v1/users?{period}", 200)["users"][0]["sessionCount"] == 1
    otlp_span = {"traceId": "5b8efff798038103d269b633813fc6aa", "spanId": "0102030405060708", "name": "",
                 "startTimeUnixNano": "1714560000000000000"}
    otlp = call("POST", "/otlp/v1/traces", 200, json={"resourceSpans": [{"scopeSpans": [{"spans": [otlp_span]}]}]})
    assert otlp["partialSuccess"]["rejectedSpans"] == 1

    scores = "/api/v1/stacktrace/v1/scores"
    configs = "/api/v1/stacktrace/v1/score-configs"
    call("POST", configs, 201, json={"name": "label", "dataType": "categorical", "categories": ["good", "bad"]})
    call("PUT", configs + "/label", 200, json={"dataType": "categorical", "categories": ["good", "bad", "ugly"]})
    call("GET", configs, 200)
    call("DELETE", configs + "/label", 200)
    score = {"id": "tour-1", "traceId": "tour", "spanId": "llm", "name": "accuracy", "value": 0.9, "comment": "ok"}
    call("POST", scores, 201, json=score)
    batch = call("POST", scores + "/batch", 200, json={"scores": [score, {"traceId": "tour", "name": "x"}]})
    assert [r["status"] for r in batch["results"]] == ["unchanged", "rejected"]
    assert call("GET", scores + "?trace_id=tour", 200)["scores"][0]["value"] == 0.9
    assert call("PATCH", scores + "/tour-1", 200, json={"value": 0.5})["value"] == 0.5
    call("GET", scores + "/tour-1", 200)
    assert call("GET", traces + "/tour", 200)["scores"][0]["id"] == "tour-1"
    call("GET", "/api/v1/stacktrace/v1/metrics/scores?name=accuracy", 200)
    call("DELETE", scores + "/tour-1", 200)

    prices = "/api/v1/stacktrace/v1/prices"
    own = call("POST", prices, 201, json={"model": "m", "provider": "p", "effectiveFrom": "2024-01-01",
                                          "prices": {"input": 1, "output": 2},
                                          "tiers": [{"aboveInputTokens": 100, "prices": {"input": 3}}]})
    call("PUT", f"{prices}/{own['id']}", 200, json={"model": "m", "effectiveFrom": "2024-01-01",
                                                    "prices": {"input": 1, "output": 2, "cacheRead": 0.5}})
    assert call("GET", prices, 200)["prices"][0]["prices"]["cacheRead"] == 0.5
    assert call("GET", f"{prices}/lookup?model=m&provider=p", 200)["source"] == "custom"
    job = call("POST", prices + "/recompute", 202, json={"from": "2024-05-01T00:00:00Z", "to": "2024-05-02T00:00:00Z"})
    call("GET", f"{prices}/recompute/{job['id']}", 200)
    call("GET", prices + "/recompute", 200)
    call("DELETE", f"{prices}/{own['id']}", 200)

    governai = "/api/v1/governai/v1"
    call("GET", f"{governai}/audit?type=email&limit=5", 200)
    assert call("GET", f"{governai}/findings?{period}", 200)["buckets"] == []
    call("PUT", f"{governai}/report/operator", 200, key="governai:manage", json={"intendedPurpose": "tour"})
    assert call("GET", f"{governai}/report/operator", 200)["intendedPurpose"] == "tour"
    assert call("GET", f"{governai}/report?{period}", 200)["operator"]["intendedPurpose"] == "tour"
    assert {p["type"]: p["action"] for p in call("GET", f"{governai}/policies", 200)["policies"]}["card"] == "redact"
    call("PUT", f"{governai}/policies", 200, key="governai:manage", json={"policies": {"email": "allow"}})
    call("PUT", f"{governai}/policies", 200, key="governai:manage", json={"policies": {"email": "default"}})
    checked = call("POST", f"{governai}/check", 200, json={"text": "mail jane.doe@example.com"})
    assert checked["decision"] == "redact" and checked["text"] == "mail [EMAIL]"
    call("POST", f"{governai}/check", 200, json={"messages": [{"role": "user", "content": "hi"}]})

    prompts = "/api/v1/flowops/v1/prompts"
    call("POST", prompts, 201, json={"name": "tour", "content": "v1"})
    call("POST", prompts + "/tour/versions", 201, json={"content": "v2", "message": "second"})
    call("GET", prompts + "/tour/versions/1", 200)
    call("POST", prompts + "/tour/promote", 200, json={"env": "production", "version": 1})
    call("POST", prompts + "/tour/promote", 200, json={"env": "production", "version": 2})
    assert call("POST", prompts + "/tour/rollback", 200, json={"env": "production"})["version"] == 1
    assert call("GET", prompts + "/by-name/tour", 200)["content"] == "v1"
    call("GET", prompts, 200)
    assert call("GET", prompts + "/tour", 200)["promotions"][0]["rolledBackAt"] is not None
    call("GET", prompts + "/tour/versions", 200)
    environments = "/api/v1/flowops/v1/environments"
    assert [e["env"] for e in call("GET", environments, 200)["environments"]] == ["dev", "staging", "production"]
    assert call("PUT", environments + "/staging", 200, json={"protected": True})["protected"] is True
    asked = call("POST", prompts + "/tour/promote", 202, json={"env": "staging", "version": 2, "comment": "ship"})
    assert asked["request"]["status"] == "pending"
    assert call("GET", prompts + "/tour/requests?status=pending", 200)["requests"][0]["comment"] == "ship"
    assert call("GET", "/api/v1/flowops/v1/promotion-requests?status=pending", 200)["requests"][0]["prompt"] == "tour"
    call("POST", f"{prompts}/tour/requests/{asked['request']['id']}/reject", 200, key="prompts:approve",
         json={"comment": "not yet"})
    asked = call("POST", prompts + "/tour/promote", 202, json={"env": "staging", "version": 2})
    call("POST", f"{prompts}/tour/requests/{asked['request']['id']}/cancel", 200, json={})
    asked = call("POST", prompts + "/tour/promote", 202, json={"env": "staging", "version": 2})
    call("POST", f"{prompts}/tour/requests/{asked['request']['id']}/approve", 200, key="prompts:approve", json={})
    assert call("GET", prompts + "/tour", 200)["promotions"][0]["approvedBy"].startswith("key:")
    call("PUT", environments + "/staging", 200, json={"protected": False})
    experiments = prompts + "/tour/experiments"
    started = call("POST", experiments, 201,
                   json={"env": "dev", "name": "tour", "variants": [{"version": 1, "weight": 1}, {"version": 2, "weight": 3}]})
    served = call("GET", prompts + "/by-name/tour?env=dev&user_id=u-1", 200)
    assert served["variant"] in {"a", "b"} and len(served["experiment"]["variants"]) == 2
    call("GET", experiments, 200)
    call("GET", f"{experiments}/{started['id']}", 200)
    assert [v["label"] for v in call("GET", f"{experiments}/{started['id']}/results", 200)["variants"]] == ["a", "b"]
    assert call("POST", f"{experiments}/{started['id']}/end", 200, json={"version": 2})["chosenVersion"] == 2

    datasets = "/api/v1/evaluations/v1/datasets"
    call("POST", datasets, 201, json={"name": "tour", "description": "d"})
    call("GET", datasets, 200)
    assert call("PUT", datasets + "/tour", 200, json={"description": "e"})["description"] == "e"
    call("POST", datasets + "/tour/items", 201, json={"id": "i1", "input": {"q": 1}, "expectedOutput": "a"})
    call("PUT", datasets + "/tour/items/i1", 200, json={"input": {"q": 2}, "metadata": {"m": 1}})
    assert call("GET", datasets + "/tour/items/i1?version=1", 200)["input"] == {"q": 1}
    uploaded = call("POST", datasets + "/tour/upload", 200, content=b'{"input": "x"}\n',
                    headers={"Content-Type": "application/x-ndjson"})
    assert uploaded["dataset"]["version"] == 3
    said = {**root, "traceId": "tour-said", "spanId": "said", "llmSpan": {"model": "m", "provider": "p", "promptContent": "hi",
                                                                          "completionContent": "yo"}}
    call("POST", traces, 200, json=said)
    assert call("POST", datasets + "/tour/items/from-span", 201,
                json={"traceId": "tour-said", "spanId": "said"})["sourceSpanId"] == "said"
    assert call("GET", datasets + "/tour/items?limit=1", 200)["nextCursor"] is not None
    call("DELETE", datasets + "/tour/items/i1", 200)
    assert call("GET", datasets + "/tour", 200)["itemCount"] == 2
    runs = datasets + "/tour/runs"
    run = call("POST", runs, 201, json={"name": "tour", "metadata": {"model": "m"}})
    call("GET", runs, 200)
    item = call("GET", datasets + "/tour/items", 200)["items"][0]["id"]
    call("POST", f"{runs}/{run['id']}/results", 200,
         json={"results": [{"itemId": item, "traceId": "tour", "output": "o", "latencyMs": 5}]})
    assert call("GET", f"{runs}/{run['id']}/results", 200)["results"][0]["totalTokens"] == 7
    assert call("POST", f"{runs}/{run['id']}/finish", 200, json={"summary": {"s": 1}})["status"] == "finished"
    assert call("GET", f"{runs}/{run['id']}", 200)["aggregates"]["itemsDone"] == 1
    assert call("GET", f"{datasets}/tour/compare?runs={run['id']}", 200)["items"][0]["results"][0] is not None
    call("DELETE", datasets + "/tour", 200)

    connections = "/api/v1/evaluations/v1/connections"
    with FakeProvider() as provider:
        connection = {"provider": "openai", "baseUrl": provider.url + "/v1", "defaultModel": "gpt-4o-mini"}
        call("POST", connections, 201, key="connections:manage",
             json={**connection, "name": "tour", "apiKey": "sk-tour-0123456789"})
        assert "apiKey" not in call("GET", connections, 200)["connections"][0]
        call("PUT", connections + "/tour", 200, key="connections:manage", json={**connection, "monthlyBudgetUsd": 5})
        assert call("POST", connections + "/tour/test", 200, json={})["text"].startswith("echo")
        assert call("GET", connections + "/tour", 200)["callsThisMonth"] == 1
        evaluations_tour(call, root)
        played = call("POST", "/api/v1/evaluations/v1/playground/run", 200,
                      json={"connection": "tour", "prompt": {"name": "tour", "version": 1}, "temperature": 0.2})
        assert played["messages"] == [{"role": "user", "content": "v1"}]
        prompted = "/api/v1/evaluations/v1/datasets/tour-prompt"
        call("POST", "/api/v1/evaluations/v1/datasets", 201, json={"name": "tour-prompt"})
        call("POST", prompted + "/items", 201, json={"input": "x"})
        started = call("POST", prompted + "/runs/prompt", 202, json={"name": "tour", "prompt": "tour", "connection": "tour"})
        deadline = time.monotonic() + 30
        while call("GET", f"{prompted}/runs/{started['id']}", 200)["status"] == "running":
            assert time.monotonic() < deadline, "the tour's prompt run never finished"
            time.sleep(0.05)
        call("DELETE", prompted, 200)
        call("DELETE", connections + "/tour", 200, key="connections:manage")

    budgets = "/api/v1/budgets"
    assert call("POST", budgets, 201, json={"name": "tour", "hardLimitUsd": 5})["state"] == "ok"
    call("GET", budgets, 200)
    call("PUT", budgets + "/tour", 200, json={"softLimitUsd": 1, "hardLimitUsd": 5})
    assert call("GET", budgets + "/tour", 200)["softLimitUsd"] == 1
    assert call("GET", budgets + "/status?userId=tour-u", 200)["overBudget"] is False
    call("DELETE", budgets + "/tour", 200)
    monitors = "/api/v1/monitors"
    monitor = call("POST", monitors, 201, json={"name": "tour", "metric": "cost", "threshold": 5})
    call("GET", monitors, 200)
    assert call("PATCH", f"{monitors}/{monitor['id']}", 200, json={"threshold": 6})["threshold"] == 6
    call("GET", f"{monitors}/{monitor['id']}", 200)
    call("POST", f"{monitors}/{monitor['id']}/evaluate", 200)
    call("GET", f"{monitors}/{monitor['id']}/history", 200)
    call("DELETE", f"{monitors}/{monitor['id']}", 200)
    channels = "/api/v1/notifications/channels"
    assert call("POST", channels, 201, json={"name": "tour", "url": "http://127.0.0.1:9/hook"})["secret"]
    call("GET", channels, 200)
    call("GET", channels + "/tour", 200)
    assert call("PATCH", channels + "/tour", 200, json={"rotateSecret": True})["secret"]
    call("POST", channels + "/tour/test", 202)
    call("GET", channels + "/tour/deliveries", 200)
    call("DELETE", channels + "/tour", 200)

    created = call("POST", "/api/v1/keys", 201, json={"name": "tour", "scopes": ["traces:read"]})
    call("GET", "/api/v1/keys", 200)
    call("DELETE", f"/api/v1/keys/{created['id']}", 200)

    assert call("GET", "/api/v1/projects", 200)["projects"][0]["role"] is None
    assert call("POST", "/api/v1/projects", 201, json={"name": "tour"})["role"] is None  # a key: no membership
    call("POST", "/api/v1/members", 201,
         json={"email": "tour@example.com", "role": "admin", "password": "tour-password"})
    assert "password" in call("POST", "/api/v1/members", 201, json={"email": "new@example.com", "role": "viewer"})
    call("GET", "/api/v1/members", 200)
    assert call("PUT", "/api/v1/retention", 200, json={"retentionDays": 400})["retentionDays"] == 400
    assert call("GET", "/api/v1/retention", 200)["retentionDays"] == 400
    call("PUT", "/api/v1/retention", 200, json={"retentionDays": None})
    with httpx.Client(base_url=api.base_url, timeout=10, event_hooks=api.event_hooks) as browser:
        session = call("POST", "/api/v1/auth/login", 200, client=browser, key="",
                       json={"email": "tour@example.com", "password": "tour-password"})
        call("GET", "/api/v1/auth/me", 200, client=browser, key="")
        assert "createdAt" in call("GET", "/api/v1/projects", 200, client=browser, key="")["projects"][0]
        call("POST", "/api/v1/auth/logout", 200, client=browser, key="", headers={"X-CSRF-Token": session["csrfToken"]})
    call("DELETE", "/api/v1/members/new@example.com", 200)

    assert called == {f"{method} {path}" for method, path, _ in spec_operations()}


def test_the_contract_check_can_fail() -> None:
    def problems(method: str, path: str, status: int, body: Any, content_type: str = "application/json") -> List[str]:
        return CONTRACT.problems(method, path, status, content_type, json.dumps(body).encode())

    assert problems("GET", "/health", 200, {"status": "ok"}) == []
    assert problems("GET", "/health", 201, {"status": "ok"})  # a status the operation does not declare
    assert problems("GET", "/health", 200, {"status": "ok", "extra": 1})  # a property the spec does not name
    assert problems("GET", "/health", 200, {})  # a required property missing
    assert problems("GET", "/health", 200, "ok", "text/plain")  # a media type the spec does not declare
    page = {"traces": [], "nextCursor": None}
    assert problems("GET", "/stacktrace/v1/traces", 200, page) == []  # the alias without /api/v1
    assert problems("GET", "/api/v1/stacktrace/v1/traces", 200, {**page, "traces": None})  # nullable only where said
    assert problems("GET", "/api/v1/keys", 401, {"error": "no"}) == []
    assert problems("GET", "/keys", 401, {"error": "no"})  # x-no-alias: only 404 is right
    assert problems("GET", "/nowhere", 404, {"error": "no route"}) == []
    assert problems("GET", "/nowhere", 404, {"message": "no route"})
    assert problems("PUT", "/health", 405, {"error": "method PUT is not allowed"}) == []
    assert problems("PUT", "/health", 404, {"error": "no route"})
    key = {"id": 1, "name": "", "prefix": "sl-1", "project": "p", "scopes": ["traces:read"], "createdAt": "t",
           "lastUsedAt": None, "revokedAt": None}
    assert problems("POST", "/api/v1/keys", 201, {**key, "key": "sl-secret"}) == []  # allOf parts merged
    assert problems("POST", "/api/v1/keys", 201, {**key, "key": "sl-secret", "secret": "x"})
    assert problems("POST", "/api/v1/keys", 201, key)  # the second part's required key missing
