"""Beyond the examples: nested trees, explicit times, asyncio, error mapping, retries."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import httpx
import pytest
from stacklens_server import StackLensServer

import stacklens

from .conftest import TRACES, Api, parse_time, unique


def leaf(name: str, tokens: int, model: str = "gpt-4o-mini") -> str:
    return stacklens.trace(
        name,
        model=model,
        provider="openai",
        input_tokens=tokens,
        output_tokens=tokens,
        cost_usd=0.001,
    )


def shape(node: dict[str, Any]) -> tuple[str, list[Any]]:
    return node["name"], [shape(child) for child in node["children"]]


def test_nested_tree(key: str, api: Api) -> None:
    stacklens.configure(api_key=key)
    with stacklens.start_trace("agent") as root:
        root.set_attribute("user_id", "u_1")
        with stacklens.start_trace("plan") as plan:
            plan.record_llm(
                model="gpt-4o",
                provider="openai",
                input_tokens=100,
                output_tokens=20,
                cost_usd=0.01,
                temperature=0.2,
                max_tokens=64,
                prompt="Plan it",
                completion="1. search",
                is_streaming=True,
                finish_reason="stop",
            )
        with stacklens.start_trace("tools"):
            assert leaf("search", 5) == root.trace_id
            assert leaf("summarise", 7) == root.trace_id
    detail = api.trace(root.trace_id, spans=5)
    assert detail["spanCount"] == 5
    assert detail["name"] == "agent"
    assert detail["status"] == "ok"
    assert sorted(detail["models"]) == ["gpt-4o", "gpt-4o-mini"]
    assert detail["providers"] == ["openai"]
    assert detail["inputTokens"] == 100 + 5 + 7
    assert detail["outputTokens"] == 20 + 5 + 7
    assert detail["totalTokens"] == 120 + 10 + 14
    assert detail["costUsd"] == pytest.approx(0.012)
    assert shape(detail["tree"][0]) == (
        "agent",
        [("plan", []), ("tools", [("search", []), ("summarise", [])])],
    )
    assert len(detail["tree"]) == 1
    spans = {s["name"]: s for s in detail["spans"]}
    assert detail["spans"][0]["name"] == "agent"  # ordered by start time
    assert {s["traceId"] for s in spans.values()} == {root.trace_id}
    assert spans["agent"]["parentSpanId"] is None
    assert spans["plan"]["parentSpanId"] == root.span_id
    assert spans["search"]["parentSpanId"] == spans["tools"]["spanId"]
    assert spans["agent"]["attributes"] == {"user_id": "u_1"}
    assert spans["tools"]["kind"] == "internal"
    assert spans["plan"]["llmSpan"] == {
        "model": "gpt-4o",
        "provider": "openai",
        "inputTokens": 100,
        "outputTokens": 20,
        "totalTokens": 120,
        "estimatedCostUsd": pytest.approx(0.01),
        "costSource": "caller",
        "cacheReadTokens": 0,
        "cacheWriteTokens": 0,
        "reasoningTokens": 0,
        "temperature": 0.2,
        "maxTokens": 64,
        "promptContent": "Plan it",
        "completionContent": "1. search",
        "isStreaming": True,
        "finishReason": "stop",
    }
    agent_start = parse_time(spans["agent"]["startTime"])
    agent_end = parse_time(spans["agent"]["endTime"])
    for span in detail["spans"]:
        assert agent_start <= parse_time(span["startTime"]) <= agent_end


def test_explicit_times(key: str, api: Api) -> None:
    stacklens.configure(api_key=key)
    start = datetime(2024, 1, 1, 12, 0, 0, tzinfo=timezone.utc)
    trace_id = stacklens.trace(
        "timed",
        model="m",
        provider="p",
        input_tokens=1,
        output_tokens=1,
        start_time=start,
        end_time=start + timedelta(milliseconds=1500),
        status="error",
    )
    detail = api.trace(trace_id)
    span = detail["spans"][0]
    assert span["startTime"] == "2024-01-01T12:00:00.000000Z"
    assert span["endTime"] == "2024-01-01T12:00:01.500000Z"
    assert span["latencyMs"] == 1500
    assert detail["latencyMs"] == 1500
    assert detail["status"] == "error"
    found = api.traces(**{"from": "2024-01-01T11:59:59Z", "to": "2024-01-01T12:00:02Z"})
    assert trace_id in [t["traceId"] for t in found]


def test_attribute_values_become_strings(key: str, api: Api) -> None:
    stacklens.configure(api_key=key)
    attributes: dict[str, Any] = {"n": 3, "flag": True}
    trace_id = stacklens.trace(
        "attrs", model="m", provider="p", input_tokens=1, output_tokens=1, attributes=attributes
    )
    assert api.trace(trace_id)["spans"][0]["attributes"] == {"n": "3", "flag": "True"}


def test_asyncio_api(key: str, api: Api) -> None:
    api.create_prompt("async-prompt", "async v1")
    api.promote("async-prompt", 1, "staging")
    stacklens.configure(api_key=key)

    async def step(n: int) -> str:
        async with stacklens.astart_trace(f"step-{n}") as span:
            span.record_llm("gpt-4o", "openai", n, n)
            return await stacklens.atrace(
                "call", model="m", provider="p", input_tokens=1, output_tokens=1
            )

    async def main() -> tuple[stacklens.Span, list[str], str]:
        async with stacklens.astart_trace("async-agent") as root:
            ids = await asyncio.gather(step(1), step(2))
            prompt = await stacklens.aprompts.get("async-prompt", env="staging")
        return root, list(ids), prompt

    root, ids, prompt = asyncio.run(main())
    assert ids == [root.trace_id, root.trace_id]
    assert prompt == "async v1"
    detail = api.trace(root.trace_id, spans=5)
    assert detail["spanCount"] == 5
    tree = detail["tree"][0]
    assert tree["name"] == "async-agent"
    assert sorted(c["name"] for c in tree["children"]) == ["step-1", "step-2"]
    assert all([g["name"] for g in c["children"]] == ["call"] for c in tree["children"])


def test_prompts_per_environment(key: str, api: Api) -> None:
    name = unique("prompt")
    api.create_prompt(name, "one")
    two = api.add_version(name, "two")
    three = api.add_version(name, "three")
    api.promote(name, 1, "dev")
    api.promote(name, two, "staging")
    api.promote(name, two, "production")
    stacklens.configure(api_key=key, prompt_cache_ttl=0)  # every call asks the server
    assert stacklens.prompts.get(name, env="dev") == "one"
    assert stacklens.prompts.get(name, env="staging") == "two"
    assert stacklens.prompts.get(name) == "two"
    api.promote(name, three, "production")
    assert stacklens.prompts.get(name, env="production") == "three"
    api.rollback(name, "production")
    assert stacklens.prompts.get(name) == "two"


def test_prompt_not_promoted_or_unknown(key: str, api: Api) -> None:
    name = unique("draft")
    api.create_prompt(name, "draft")
    stacklens.configure(api_key=key)
    with pytest.raises(stacklens.ApiError) as not_promoted:
        stacklens.prompts.get(name)
    assert not_promoted.value.status_code == 404
    with pytest.raises(stacklens.ApiError) as unknown:
        stacklens.prompts.get(unique("missing"), env="dev")
    assert unknown.value.status_code == 404


def test_prompt_scope_is_required(server: StackLensServer) -> None:
    stacklens.configure(api_key=server.create_key(scopes="traces:write"))
    with pytest.raises(stacklens.AuthError) as caught:
        stacklens.prompts.get("support-system-prompt")
    assert caught.value.status_code == 403


def test_invalid_key_is_auth_error_401(server: StackLensServer) -> None:
    stacklens.configure(api_key="sl-invalid")
    with pytest.raises(stacklens.AuthError) as caught:
        leaf("x", 1)
    assert caught.value.status_code == 401


def test_retry_is_idempotent_on_the_server(key: str, api: Api) -> None:
    """The SDK resends the same span after a 5xx: the server must store it once."""
    captured: list[bytes] = []

    def capture(request: httpx.Request) -> httpx.Response:
        captured.append(request.read())
        return httpx.Response(200, json={})

    stacklens.configure(api_key=key, transport=httpx.MockTransport(capture))
    trace_id = leaf("idempotent", 3)
    headers = {"X-Api-Key": key, "Content-Type": "application/json"}
    for _ in range(2):
        response = api.http.post(TRACES, content=captured[0], headers=headers)
        assert response.status_code == 200, response.text
        assert response.json()["traceId"] == trace_id
    assert api.trace(trace_id)["spanCount"] == 1


def test_network_failure_names_the_endpoint(tmp_path: Path) -> None:
    down = StackLensServer(tmp_path / "down").start()
    down_key = down.create_key()
    url = down.url
    down.stop()
    stacklens.configure(api_key=down_key, endpoint=url)
    with pytest.raises(stacklens.NetworkError, match=url):
        leaf("x", 1)
    with pytest.raises(LookupError), stacklens.start_trace("user-error"):
        raise LookupError
