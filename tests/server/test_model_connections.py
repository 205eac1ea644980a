"""Model connections: the server's own calls to model providers (a fake provider here, speaking
the OpenAI and Anthropic APIs' shapes and errors), with sealed keys, retries, timeouts, a
concurrency limit, a monthly spend cap, and every call recorded as a trace in the project."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any, Dict, Iterator, List, Tuple

import httpx
import pytest

from fake_llm_provider import FakeProvider
from openapi_contract import CONTRACT
from stacklens_server import StackLensServer

CONNECTIONS = "/api/v1/evaluations/v1/connections"
SECRET = "sk-test-abcdefghijklmnopqrstuvwxyz-0123"


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Tuple[StackLensServer, httpx.Client, FakeProvider]]:
    srv = StackLensServer(tmp_path_factory.mktemp("connections") / "data").start()
    key = srv.create_key("connections:manage,evaluations:read,evaluations:write,traces:read")
    with FakeProvider() as provider, httpx.Client(base_url=srv.url, timeout=60, headers={"X-Api-Key": key},
                                                  event_hooks={"response": [CONTRACT.check]}) as api:
        yield srv, api, provider
    assert srv.stop() == 0, srv.log()


def connection(provider: FakeProvider, name: str, model: str = "gpt-4o-mini", kind: str = "openai",
               **extra: Any) -> Dict[str, Any]:
    base = provider.url + "/v1" if kind == "openai" else provider.url
    return {"name": name, "provider": kind, "baseUrl": base, "apiKey": SECRET, "defaultModel": model, **extra}


def requests_for(provider: FakeProvider, model: str) -> List[Dict[str, Any]]:
    with provider.lock:
        return [r for r in provider.requests if isinstance(r["body"], dict) and r["body"].get("model") == model]


def traces_named(api: httpx.Client, name: str) -> List[Dict[str, Any]]:
    return list(api.get("/api/v1/stacktrace/v1/traces", params={"name": name, "limit": 100}).json()["traces"])


def test_a_connection_keeps_its_key_sealed_and_never_answers_it(
        setup: Tuple[StackLensServer, httpx.Client, FakeProvider]) -> None:
    srv, api, provider = setup
    made = api.post(CONNECTIONS, json=connection(provider, "main", monthlyBudgetUsd=25))
    assert made.status_code == 201, made.text
    body = made.json()
    assert (body["keyHint"], body["maxConcurrency"], body["timeoutMs"], body["monthlyBudgetUsd"]) == (
        "sk-…0123", 4, 60000, 25)
    for resp in (made, api.get(CONNECTIONS), api.get(f"{CONNECTIONS}/main")):
        assert SECRET not in resp.text and "apiKey" not in resp.text
    meta_db = srv.data_dir / "meta.db"
    if meta_db.exists():  # the embedded metadata store: the key is not in the file either
        assert SECRET.encode() not in b"".join(p.read_bytes() for p in srv.data_dir.glob("meta.db*"))
    assert api.post(CONNECTIONS, json=connection(provider, "main")).status_code == 409
    changed = api.put(f"{CONNECTIONS}/main", json={"provider": "openai", "baseUrl": provider.url + "/v1",
                                                   "defaultModel": "gpt-4o", "maxConcurrency": 2})
    assert changed.status_code == 200 and changed.json()["keyHint"] == "sk-…0123"  # the key stays
    assert changed.json()["monthlyBudgetUsd"] is None and changed.json()["defaultModel"] == "gpt-4o"
    tested = api.post(f"{CONNECTIONS}/main/test", json={})
    assert tested.status_code == 200, tested.text
    sent = requests_for(provider, "gpt-4o")[-1]
    assert sent["path"] == "/v1/chat/completions" and sent["headers"]["Authorization"] == f"Bearer {SECRET}"
    assert api.delete(f"{CONNECTIONS}/main").status_code == 200
    assert api.get(f"{CONNECTIONS}/main").status_code == 404
    assert api.post(f"{CONNECTIONS}/main/test", json={}).status_code == 404


@pytest.mark.parametrize("body,words", [
    ({"provider": "gemini", "defaultModel": "m", "apiKey": "k"}, "unknown provider"),
    ({"provider": "openai", "defaultModel": "m"}, "apiKey is required"),
    ({"provider": "openai", "apiKey": "k"}, "defaultModel"),
    ({"provider": "openai", "defaultModel": "m", "apiKey": "k", "baseUrl": "ftp://x"}, "https:// or http://"),
    ({"provider": "openai", "defaultModel": "m", "apiKey": "k", "baseUrl": "not a url"}, "baseUrl"),
    ({"provider": "openai", "defaultModel": "m", "apiKey": "k", "maxConcurrency": 0}, "maxConcurrency"),
    ({"provider": "openai", "defaultModel": "m", "apiKey": "k", "timeoutMs": 10}, "timeoutMs"),
    ({"provider": "openai", "defaultModel": "m", "apiKey": "k", "monthlyBudgetUsd": -1}, "monthlyBudgetUsd"),
    ({"provider": "openai", "defaultModel": "m", "apiKey": ""}, "apiKey"),
])
def test_a_bad_connection_is_refused_naming_the_field(
        setup: Tuple[StackLensServer, httpx.Client, FakeProvider], body: Dict[str, Any], words: str) -> None:
    _, api, _ = setup
    resp = api.post(CONNECTIONS, json={"name": "bad", **body})
    assert resp.status_code == 400 and words in resp.json()["error"], resp.text
    assert api.post(CONNECTIONS, json={**body, "name": "-bad"}).status_code == 400


def test_every_call_is_a_trace_of_the_project_with_tokens_and_cost(
        setup: Tuple[StackLensServer, httpx.Client, FakeProvider]) -> None:
    _, api, provider = setup
    for name, kind, model in [("openai-ok", "openai", "gpt-4o-mini"), ("anthropic-ok", "anthropic", "claude-haiku-4-5")]:
        assert api.post(CONNECTIONS, json=connection(provider, name, model, kind)).status_code == 201
        answer = api.post(f"{CONNECTIONS}/{name}/test", json={})
        assert answer.status_code == 200, answer.text
        result = answer.json()
        assert result["text"] == "echo: Reply with the single word: ok" and result["model"] == model
        assert result["inputTokens"] > 0 and result["outputTokens"] > 0
        detail = api.get(f"/api/v1/stacktrace/v1/traces/{result['traceId']}")
        assert detail.status_code == 200
        span = detail.json()["tree"][0]
        llm = span["llmSpan"]
        assert (span["name"], span["status"], llm["provider"], llm["model"]) == ("connection.test", "ok", kind, model)
        assert llm["inputTokens"] == result["inputTokens"] and llm["completionContent"] == result["text"]
        assert '"role": "user"' in llm["promptContent"] or '"role":"user"' in llm["promptContent"]
        assert span["attributes"]["stacklens.connection"] == name
        assert result["costUsd"] > 0 and llm["estimatedCostUsd"] == pytest.approx(result["costUsd"])
        assert llm["costSource"] == "table"
        listed = api.get(f"{CONNECTIONS}/{name}").json()
        assert listed["callsThisMonth"] == 1 and listed["spentThisMonthUsd"] == pytest.approx(result["costUsd"])
    sent = requests_for(provider, "claude-haiku-4-5")[-1]
    assert sent["path"] == "/v1/messages" and sent["headers"]["x-api-key"] == SECRET
    assert sent["body"]["max_tokens"] == 16 and sent["headers"]["anthropic-version"] == "2023-06-01"


def test_rate_limits_and_server_errors_are_retried_and_refusals_are_not(
        setup: Tuple[StackLensServer, httpx.Client, FakeProvider]) -> None:
    _, api, provider = setup
    assert api.post(CONNECTIONS, json=connection(provider, "flaky", "flaky-429-2")).status_code == 201
    ok = api.post(f"{CONNECTIONS}/flaky/test", json={})
    assert ok.status_code == 200, ok.text
    assert len(requests_for(provider, "flaky-429-2")) == 3  # two 429s, then the answer
    assert api.post(CONNECTIONS, json=connection(provider, "broken", "flaky-500-2", "anthropic")).status_code == 201
    assert api.post(f"{CONNECTIONS}/broken/test", json={}).status_code == 200

    assert api.post(CONNECTIONS, json=connection(provider, "refused", "error-401")).status_code == 201
    refused = api.post(f"{CONNECTIONS}/refused/test", json={})
    assert refused.status_code == 424, refused.text
    assert "401" in refused.json()["error"] and "error-401" in refused.json()["error"]
    assert len(requests_for(provider, "error-401")) == 1  # a refusal is not retried
    failed = [t for t in traces_named(api, "connection.test") if t["status"] == "error"]
    assert failed, "a failed call is recorded too"

    assert api.post(CONNECTIONS, json=connection(provider, "down", "error-500", timeoutMs=3000)).status_code == 201
    down = api.post(f"{CONNECTIONS}/down/test", json={})
    assert down.status_code == 424 and "500" in down.json()["error"]
    assert 2 <= len(requests_for(provider, "error-500")) <= 5


def test_a_slow_provider_times_out_and_calls_wait_for_a_free_slot(
        setup: Tuple[StackLensServer, httpx.Client, FakeProvider]) -> None:
    srv, api, provider = setup
    assert api.post(CONNECTIONS, json=connection(provider, "slow", "slow-3000", timeoutMs=1000)).status_code == 201
    started = time.monotonic()
    slow = api.post(f"{CONNECTIONS}/slow/test", json={})
    assert slow.status_code == 503 and "in time" in slow.json()["error"], slow.text
    assert time.monotonic() - started < 2.9  # the connection's timeout, not the provider's pace

    assert api.post(CONNECTIONS, json=connection(provider, "single", "slow-200", maxConcurrency=1)).status_code == 201
    answers: List[int] = []

    def one() -> None:
        with httpx.Client(base_url=srv.url, timeout=60, headers=dict(api.headers)) as c:
            answers.append(c.post(f"{CONNECTIONS}/single/test", json={}).status_code)

    threads = [threading.Thread(target=one) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert answers == [200, 200, 200]
    with provider.lock:
        waits = sorted((began, until) for model, began, until in provider.slow_answers if model == "slow-200")
    assert len(waits) == 3
    for (_, until), (began, _) in zip(waits, waits[1:]):
        assert began >= until, "with maxConcurrency 1 a call reaches the provider only after the one before"


def test_the_monthly_spend_cap_stops_calls(setup: Tuple[StackLensServer, httpx.Client, FakeProvider]) -> None:
    _, api, provider = setup
    made = api.post(CONNECTIONS, json=connection(provider, "capped", monthlyBudgetUsd=0.000000001))
    assert made.status_code == 201
    assert api.post(f"{CONNECTIONS}/capped/test", json={}).status_code == 200  # under the cap before it
    capped = api.post(f"{CONNECTIONS}/capped/test", json={})
    assert capped.status_code == 422 and "monthly spend cap" in capped.json()["error"], capped.text
    assert api.get(f"{CONNECTIONS}/capped").json()["callsThisMonth"] == 1
    raised = api.put(f"{CONNECTIONS}/capped", json={"provider": "openai", "baseUrl": provider.url + "/v1",
                                                    "defaultModel": "gpt-4o-mini", "monthlyBudgetUsd": 10})
    assert raised.status_code == 200
    assert api.post(f"{CONNECTIONS}/capped/test", json={}).status_code == 200


def test_an_unreachable_provider_is_a_clear_503(setup: Tuple[StackLensServer, httpx.Client, FakeProvider],
                                                tmp_path: Path) -> None:
    _, api, _ = setup
    made = api.post(CONNECTIONS, json={"name": "nowhere", "provider": "openai", "baseUrl": "http://127.0.0.1:9/v1",
                                       "apiKey": SECRET, "defaultModel": "m", "timeoutMs": 1500})
    assert made.status_code == 201
    resp = api.post(f"{CONNECTIONS}/nowhere/test", json={})
    assert resp.status_code == 503 and "127.0.0.1" in resp.json()["error"], resp.text
