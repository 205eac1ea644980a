"""stacklens.trace() / atrace(): every row of the reference table, on the wire."""

from __future__ import annotations

import asyncio
import re
import uuid
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

import stacklens

from .conftest import Recorder

UUID4 = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
SPAN_KEYS = [
    "traceId",
    "spanId",
    "parentSpanId",
    "name",
    "kind",
    "status",
    "startTime",
    "endTime",
    "attributes",
    "tags",
    "llmSpan",
]
LLM_KEYS = [
    "model",
    "provider",
    "inputTokens",
    "outputTokens",
    "totalTokens",
    "estimatedCostUsd",
    "temperature",
    "maxTokens",
    "promptContent",
    "completionContent",
    "isStreaming",
    "finishReason",
]
REQUIRED: dict[str, Any] = {
    "model": "gpt-4o",
    "provider": "openai",
    "input_tokens": 850,
    "output_tokens": 120,
}


def test_reference_example(server: Recorder) -> None:
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
    body = server.body()
    assert list(body) == SPAN_KEYS
    assert list(body["llmSpan"]) == LLM_KEYS
    assert trace_id == body["traceId"]
    assert UUID4.match(body["traceId"])
    assert UUID4.match(body["spanId"])
    assert body["traceId"] != body["spanId"]
    assert body["parentSpanId"] is None
    assert body["name"] == "document-summary"
    assert body["kind"] == "llm"
    assert body["status"] == "ok"
    assert body["startTime"] == body["endTime"]
    assert body["attributes"] == {"document_id": "doc_abc123"}
    assert body["tags"] == ["summarisation", "production"]
    assert body["llmSpan"] == {
        "model": "gpt-4o",
        "provider": "openai",
        "inputTokens": 850,
        "outputTokens": 120,
        "totalTokens": 970,
        "estimatedCostUsd": 0.0012,
        "temperature": None,
        "maxTokens": None,
        "promptContent": None,
        "completionContent": None,
        "isStreaming": False,
        "finishReason": None,
    }


def test_request_line_and_headers(server: Recorder) -> None:
    stacklens.trace("x", **REQUIRED)
    request = server.requests[0]
    assert request.method == "POST"
    assert str(request.url) == "http://stacklens.test/api/v1/stacktrace/v1/traces"
    assert request.headers["X-Api-Key"] == "sl-test"
    assert request.headers["Content-Type"] == "application/json"


def test_time_is_iso_with_utc_offset(server: Recorder) -> None:
    before = datetime.now(timezone.utc)
    stacklens.trace("x", **REQUIRED)
    after = datetime.now(timezone.utc)
    text = server.body()["startTime"]
    assert text.endswith("+00:00")
    assert before <= datetime.fromisoformat(text) <= after


def test_each_call_is_a_new_trace(server: Recorder) -> None:
    first = stacklens.trace("x", **REQUIRED)
    second = stacklens.trace("x", **REQUIRED)
    assert first != second
    assert uuid.UUID(first).version == 4


def test_name_row(server: Recorder) -> None:
    stacklens.trace("operation name", **REQUIRED)
    assert server.body()["name"] == "operation name"


@pytest.mark.parametrize(
    ("argument", "value", "key"),
    [
        ("model", "claude-3", "model"),
        ("provider", "anthropic", "provider"),
        ("input_tokens", 7, "inputTokens"),
        ("output_tokens", 9, "outputTokens"),
    ],
)
def test_required_llm_rows(server: Recorder, argument: str, value: object, key: str) -> None:
    stacklens.trace("x", **{**REQUIRED, argument: value})
    assert server.body()["llmSpan"][key] == value


def test_total_tokens_computed(server: Recorder) -> None:
    stacklens.trace("x", **REQUIRED)
    assert server.body()["llmSpan"]["totalTokens"] == 970


def test_total_tokens_given(server: Recorder) -> None:
    stacklens.trace("x", **REQUIRED, total_tokens=1000)
    assert server.body()["llmSpan"]["totalTokens"] == 1000


def test_cost_default_and_given(server: Recorder) -> None:
    stacklens.trace("x", **REQUIRED)
    stacklens.trace("x", **REQUIRED, cost_usd=1)
    first, second = server.bodies()
    assert first["llmSpan"]["estimatedCostUsd"] == 0.0
    assert second["llmSpan"]["estimatedCostUsd"] == 1.0
    assert b'"estimatedCostUsd":1.0' in server.requests[1].content


def test_attributes_default_and_stringified(server: Recorder) -> None:
    stacklens.trace("x", **REQUIRED)
    stacklens.trace("x", **REQUIRED, attributes={"n": 3, "ok": True, "s": "v"})  # type: ignore[dict-item]
    first, second = server.bodies()
    assert first["attributes"] == {}
    assert second["attributes"] == {"n": "3", "ok": "True", "s": "v"}


def test_attributes_are_copied(server: Recorder) -> None:
    attributes = {"a": "1"}
    stacklens.trace("x", **REQUIRED, attributes=attributes)
    attributes["a"] = "changed"
    assert server.body()["attributes"] == {"a": "1"}


def test_tags_default_and_given(server: Recorder) -> None:
    stacklens.trace("x", **REQUIRED)
    stacklens.trace("x", **REQUIRED, tags=("a", "b"))
    first, second = server.bodies()
    assert first["tags"] == []
    assert second["tags"] == ["a", "b"]


@pytest.mark.parametrize("status", ["ok", "error"])
def test_status(server: Recorder, status: str) -> None:
    stacklens.trace("x", **REQUIRED, status=status)
    assert server.body()["status"] == status


def test_start_and_end_time(server: Recorder) -> None:
    start = datetime(2024, 1, 1, 12, 0, 0, tzinfo=timezone.utc)
    stacklens.trace("x", **REQUIRED, start_time=start, end_time=start + timedelta(seconds=1.5))
    body = server.body()
    assert body["startTime"] == "2024-01-01T12:00:00+00:00"
    assert body["endTime"] == "2024-01-01T12:00:01.500000+00:00"
    assert b'"startTime":"2024-01-01T12:00:00+00:00"' in server.requests[0].content


def test_naive_times_are_utc_and_offsets_converted(server: Recorder) -> None:
    plus_two = timezone(timedelta(hours=2))
    stacklens.trace(
        "x",
        **REQUIRED,
        start_time=datetime(2024, 1, 1, 12),
        end_time=datetime(2024, 1, 1, 14, 0, 1, tzinfo=plus_two),
    )
    body = server.body()
    assert body["startTime"] == "2024-01-01T12:00:00+00:00"
    assert body["endTime"] == "2024-01-01T12:00:01+00:00"


def test_start_time_only_ends_now(server: Recorder) -> None:
    start = datetime.now(timezone.utc) - timedelta(seconds=2)
    stacklens.trace("x", **REQUIRED, start_time=start)
    body = server.body()
    latency = datetime.fromisoformat(body["endTime"]) - datetime.fromisoformat(body["startTime"])
    assert timedelta(seconds=2) <= latency < timedelta(seconds=60)


def test_end_time_only_is_instant(server: Recorder) -> None:
    end = datetime(2024, 5, 5, tzinfo=timezone.utc)
    stacklens.trace("x", **REQUIRED, end_time=end)
    body = server.body()
    assert body["startTime"] == body["endTime"] == "2024-05-05T00:00:00+00:00"


@pytest.mark.parametrize(
    ("changes", "error", "word"),
    [
        ({"name": ""}, ValueError, "name"),
        ({"name": 3}, TypeError, "name"),
        ({"model": None}, TypeError, "model"),
        ({"provider": ""}, ValueError, "provider"),
        ({"input_tokens": -1}, ValueError, "input_tokens"),
        ({"input_tokens": 1.5}, TypeError, "input_tokens"),
        ({"input_tokens": True}, TypeError, "input_tokens"),
        ({"output_tokens": "5"}, TypeError, "output_tokens"),
        ({"total_tokens": -3}, ValueError, "total_tokens"),
        ({"cost_usd": -0.1}, ValueError, "cost_usd"),
        ({"cost_usd": float("nan")}, ValueError, "cost_usd"),
        ({"cost_usd": "1"}, TypeError, "cost_usd"),
        ({"attributes": ["a"]}, TypeError, "attributes"),
        ({"attributes": {1: "a"}}, TypeError, "attributes"),
        ({"tags": "single"}, TypeError, "tags"),
        ({"tags": ["ok", 5]}, TypeError, "tags"),
        ({"status": "failed"}, ValueError, "status"),
        ({"status": None}, TypeError, "status"),
        ({"start_time": "2024-01-01"}, TypeError, "start_time"),
        (
            {"start_time": datetime(2024, 1, 2), "end_time": datetime(2024, 1, 1)},
            ValueError,
            "end_time",
        ),
    ],
)
def test_bad_input_raises_before_sending(
    server: Recorder, changes: dict[str, Any], error: type[Exception], word: str
) -> None:
    arguments: dict[str, Any] = {"name": "x", **REQUIRED, **changes}
    with pytest.raises(error, match=word):
        stacklens.trace(**arguments)
    assert server.requests == []


def test_atrace(server: Recorder) -> None:
    start = datetime(2024, 1, 1, tzinfo=timezone.utc)

    async def run() -> str:
        return await stacklens.atrace(
            "async-op",
            **REQUIRED,
            cost_usd=0.5,
            tags=["t"],
            attributes={"k": "v"},
            status="error",
            start_time=start,
            end_time=start,
        )

    trace_id = asyncio.run(run())
    body = server.body()
    assert list(body) == SPAN_KEYS
    assert body["traceId"] == trace_id
    assert body["name"] == "async-op"
    assert body["status"] == "error"
    assert body["tags"] == ["t"]
    assert body["attributes"] == {"k": "v"}
    assert body["startTime"] == "2024-01-01T00:00:00+00:00"
    assert body["llmSpan"]["estimatedCostUsd"] == 0.5
    assert server.requests[0].headers["X-Api-Key"] == "sl-test"


def test_atrace_validates(server: Recorder) -> None:
    with pytest.raises(ValueError, match="status"):
        asyncio.run(stacklens.atrace("x", **REQUIRED, status="bad"))
    assert server.requests == []
