"""Every example of the SDK reference, run as written against the real server.

The only substitutions are the placeholders: the example key `sl-xxxx`
becomes a real key, `https://api.your-domain.com` the test server's URL, and
the examples that configure no endpoint reach the server through
STACKLENS_ENDPOINT. Each result is then read back through the query API.
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Optional

import pytest
from stacklens_server import StackLensServer

import stacklens

from .conftest import Api, parse_time

CONFIGURE = """
import stacklens
stacklens.configure(api_key="sl-xxxx")
# For self-hosted deployments:
stacklens.configure(api_key="sl-xxxx", endpoint="https://api.your-domain.com")
"""

TRACE = """
trace_id = stacklens.trace(
"document-summary",
model="gpt-4o",
provider="openai",
input_tokens=850,
output_tokens=120,
cost_usd=0.0012,
attributes={"document_id": "doc_abc123"},
tags=["summarisation", "production"],
)
"""

START_TRACE = """
with stacklens.start_trace("agent-run") as span:
    # ... do your work ...
    span.record_llm(model="gpt-4o", provider="openai",
    input_tokens=200, output_tokens=150)
"""

SET_ATTRIBUTE = """
span.set_attribute("user_id", "u_123")
span.set_attribute("session_id", "sess_abc")
"""

ADD_TAG = """
span.add_tag("production", "rag-pipeline")
"""

PROMPTS = """
system_prompt = stacklens.prompts.get("support-system-prompt")
dev_prompt = stacklens.prompts.get("onboarding-email", env="dev")
"""

EXCEPTIONS = """
try:
    stacklens.trace("my-call", model="gpt-4o", provider="openai",
    input_tokens=100, output_tokens=50)
except stacklens.AuthError:
    print("Check your API key")
except stacklens.ApiError as e:
    print(f"API error {e.status_code}")
"""

TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$")
UUID4 = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")


def run(
    example: str, key: str, url: str, namespace: Optional[dict[str, Any]] = None
) -> dict[str, Any]:
    code = example.replace("sl-xxxx", key).replace("https://api.your-domain.com", url)
    scope: dict[str, Any] = {"stacklens": stacklens, **(namespace or {})}
    exec(compile(code, "<reference example>", "exec"), scope)
    return scope


def configure(key: str) -> None:
    """The first line of the configure example; STACKLENS_ENDPOINT names the server."""
    run('stacklens.configure(api_key="sl-xxxx")', key, "")


def table_cost(model: str, provider: str, tokens_in: int, tokens_out: int) -> float:
    """What the server's price table (data/prices/prices.json) charges for these tokens."""
    table = json.loads(
        (Path(__file__).resolve().parents[4] / "data" / "prices" / "prices.json").read_text()
    )
    entry = next(e for e in table["entries"] if (e["model"], e["provider"]) == (model, provider))
    return (
        float(tokens_in * entry["prices"]["input"] + tokens_out * entry["prices"]["output"]) / 1e6
    )


def test_configure_example(server: StackLensServer, key: str, api: Api) -> None:
    run(CONFIGURE, key, server.url)
    trace_id = stacklens.trace(
        "configured", model="m", provider="p", input_tokens=1, output_tokens=1
    )
    assert api.trace(trace_id)["name"] == "configured"


def test_configure_example_default_endpoint_uses_environment(key: str, api: Api) -> None:
    run('import stacklens\nstacklens.configure(api_key="sl-xxxx")\n', key, "")
    trace_id = stacklens.trace("via-env", model="m", provider="p", input_tokens=1, output_tokens=1)
    assert api.trace(trace_id)["traceId"] == trace_id


def check_span_shape(span: dict[str, Any]) -> None:
    assert set(span) >= {
        "traceId",
        "spanId",
        "parentSpanId",
        "name",
        "kind",
        "status",
        "startTime",
        "endTime",
        "latencyMs",
        "attributes",
        "tags",
        "llmSpan",
    }
    assert UUID4.match(span["spanId"])
    assert TIME.match(span["startTime"]), span["startTime"]
    assert TIME.match(span["endTime"]), span["endTime"]


def test_trace_example(key: str, api: Api) -> None:
    configure(key)
    before = datetime.now(timezone.utc).replace(microsecond=0)
    trace_id = run(TRACE, key, "")["trace_id"]
    after = datetime.now(timezone.utc)
    assert UUID4.match(trace_id)
    detail = api.trace(trace_id)
    assert detail["traceId"] == trace_id
    assert detail["name"] == "document-summary"
    assert detail["status"] == "ok"
    assert detail["spanCount"] == 1
    assert detail["models"] == ["gpt-4o"]
    assert detail["providers"] == ["openai"]
    assert detail["inputTokens"] == 850
    assert detail["outputTokens"] == 120
    assert detail["totalTokens"] == 970
    assert detail["costUsd"] == pytest.approx(0.0012)
    assert sorted(detail["tags"]) == ["production", "summarisation"]
    assert detail["latencyMs"] == 0
    assert detail["startTime"] == detail["endTime"]
    assert before <= parse_time(detail["startTime"]) <= after
    (span,) = detail["spans"]
    check_span_shape(span)
    assert span["traceId"] == trace_id
    assert span["parentSpanId"] is None
    assert span["name"] == "document-summary"
    assert span["kind"] == "llm"
    assert span["status"] == "ok"
    assert span["latencyMs"] == 0
    assert span["startTime"] == span["endTime"] == detail["startTime"]
    assert span["attributes"] == {"document_id": "doc_abc123"}
    assert span["tags"] == ["summarisation", "production"]
    assert span["llmSpan"] == {
        "model": "gpt-4o",
        "provider": "openai",
        "inputTokens": 850,
        "outputTokens": 120,
        "totalTokens": 970,
        "estimatedCostUsd": pytest.approx(0.0012),
        "costSource": "caller",
        "cacheReadTokens": 0,
        "cacheWriteTokens": 0,
        "reasoningTokens": 0,
        "temperature": None,
        "maxTokens": None,
        "promptContent": None,
        "completionContent": None,
        "isStreaming": False,
        "finishReason": None,
    }
    (root,) = detail["tree"]
    assert root["spanId"] == span["spanId"]
    assert root["children"] == []
    listed = api.traces(attr="document_id=doc_abc123")
    assert trace_id in [t["traceId"] for t in listed]


def test_start_trace_example(key: str, api: Api) -> None:
    configure(key)
    span = run(START_TRACE, key, "")["span"]
    detail = api.trace(span.trace_id)
    assert detail["name"] == "agent-run"
    assert detail["status"] == "ok"
    assert detail["spanCount"] == 1
    assert detail["inputTokens"] == 200
    assert detail["outputTokens"] == 150
    assert detail["totalTokens"] == 350
    # No cost given: the server prices the tokens from its price table.
    cost = table_cost("gpt-4o", "openai", 200, 150)
    assert cost > 0
    assert detail["costUsd"] == pytest.approx(cost)
    assert detail["tags"] == []
    (stored,) = detail["spans"]
    check_span_shape(stored)
    assert stored["spanId"] == span.span_id
    assert stored["parentSpanId"] is None
    assert stored["kind"] == "llm"
    assert stored["status"] == "ok"
    assert stored["attributes"] == {}
    assert stored["tags"] == []
    assert parse_time(stored["startTime"]) == span.start_time
    assert parse_time(stored["endTime"]) == span.end_time
    assert stored["llmSpan"] == {
        "model": "gpt-4o",
        "provider": "openai",
        "inputTokens": 200,
        "outputTokens": 150,
        "totalTokens": 350,
        "estimatedCostUsd": pytest.approx(cost),
        "costSource": "table",
        "cacheReadTokens": 0,
        "cacheWriteTokens": 0,
        "reasoningTokens": 0,
        "temperature": None,
        "maxTokens": None,
        "promptContent": None,
        "completionContent": None,
        "isStreaming": False,
        "finishReason": None,
    }


def test_start_trace_error_status(key: str, api: Api) -> None:
    configure(key)
    with (
        pytest.raises(RuntimeError, match="tool failed"),
        stacklens.start_trace("agent-run-failing") as span,
    ):
        raise RuntimeError("tool failed")
    detail = api.trace(span.trace_id)
    assert detail["status"] == "error"
    assert detail["spans"][0]["status"] == "error"
    assert detail["spans"][0]["kind"] == "internal"
    assert detail["spans"][0]["llmSpan"] is None
    assert span.trace_id in [t["traceId"] for t in api.traces(status="error")]


def test_set_attribute_example(key: str, api: Api) -> None:
    configure(key)
    with stacklens.start_trace("with-attributes") as span:
        run(SET_ATTRIBUTE, key, "", {"span": span})
    stored = api.trace(span.trace_id)["spans"][0]
    assert stored["attributes"] == {"user_id": "u_123", "session_id": "sess_abc"}
    assert span.trace_id in [t["traceId"] for t in api.traces(attr="user_id=u_123")]


def test_add_tag_example(key: str, api: Api) -> None:
    configure(key)
    with stacklens.start_trace("with-tags") as span:
        run(ADD_TAG, key, "", {"span": span})
    detail = api.trace(span.trace_id)
    assert detail["spans"][0]["tags"] == ["production", "rag-pipeline"]
    assert sorted(detail["tags"]) == ["production", "rag-pipeline"]
    assert span.trace_id in [t["traceId"] for t in api.traces(tag="rag-pipeline")]


def test_set_status_on_the_server(key: str, api: Api) -> None:
    configure(key)
    with stacklens.start_trace("status-set") as span:
        span.set_status("error")
    assert api.trace(span.trace_id)["spans"][0]["status"] == "error"


def test_prompts_example(key: str, api: Api) -> None:
    api.create_prompt("support-system-prompt", "You are a support agent. v1")
    version = api.add_version("support-system-prompt", "You are a support agent. v2")
    api.promote("support-system-prompt", version, "production")
    api.create_prompt("onboarding-email", "Welcome aboard, {name}!")
    api.promote("onboarding-email", 1, "dev")
    configure(key)
    scope = run(PROMPTS, key, "")
    assert scope["system_prompt"] == "You are a support agent. v2"
    assert scope["dev_prompt"] == "Welcome aboard, {name}!"


def test_exceptions_example_auth(
    server: StackLensServer, key: str, capsys: pytest.CaptureFixture[str]
) -> None:
    configure("sl-not-a-real-key")
    run(EXCEPTIONS, key, server.url)
    assert capsys.readouterr().out == "Check your API key\n"


def test_exceptions_example_missing_scope(
    server: StackLensServer, capsys: pytest.CaptureFixture[str]
) -> None:
    read_only = server.create_key(scopes="traces:read")
    configure(read_only)
    run(EXCEPTIONS, read_only, server.url)
    assert capsys.readouterr().out == "Check your API key\n"


def test_exceptions_example_api_error(
    server: StackLensServer, key: str, capsys: pytest.CaptureFixture[str]
) -> None:
    stacklens.configure(api_key=key, endpoint=server.url + "/no-such-prefix")
    run(EXCEPTIONS, key, server.url)
    assert capsys.readouterr().out == "API error 404\n"
