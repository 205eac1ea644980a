"""start_trace() / astart_trace() and the Span methods: every row of the record_llm table."""

from __future__ import annotations

import asyncio
import contextvars
import logging
import threading
from datetime import datetime
from typing import Any

import httpx
import pytest

import stacklens

from .conftest import Recorder, error
from .test_trace import LLM_KEYS, SPAN_KEYS, UUID4


def test_reference_example(server: Recorder) -> None:
    with stacklens.start_trace("agent-run") as span:
        # ... do your work ...
        span.record_llm(model="gpt-4o", provider="openai", input_tokens=200, output_tokens=150)
    body = server.body()
    assert list(body) == SPAN_KEYS
    assert body["traceId"] == span.trace_id
    assert body["spanId"] == span.span_id
    assert UUID4.match(body["traceId"])
    assert body["parentSpanId"] is None
    assert body["name"] == "agent-run"
    assert body["kind"] == "llm"
    assert body["status"] == "ok"
    assert list(body["llmSpan"]) == LLM_KEYS
    assert body["llmSpan"]["totalTokens"] == 350
    assert body["llmSpan"]["estimatedCostUsd"] == 0.0


def test_nothing_sent_until_exit_and_times(server: Recorder) -> None:
    with stacklens.start_trace("block") as span:
        assert server.requests == []
    body = server.body()
    start = datetime.fromisoformat(body["startTime"])
    end = datetime.fromisoformat(body["endTime"])
    assert body["startTime"].endswith("+00:00")
    assert start == span.start_time
    assert end == span.end_time
    assert start <= end


def test_without_record_llm_kind_is_internal(server: Recorder) -> None:
    with stacklens.start_trace("plain"):
        pass
    body = server.body()
    assert body["kind"] == "internal"
    assert body["llmSpan"] is None
    assert body["attributes"] == {}
    assert body["tags"] == []


def test_record_llm_every_row(server: Recorder) -> None:
    with stacklens.start_trace("full") as span:
        span.record_llm(
            model="gpt-4o",
            provider="openai",
            input_tokens=10,
            output_tokens=20,
            total_tokens=31,
            cost_usd=0.25,
            temperature=0.7,
            max_tokens=256,
            prompt="Hello?",
            completion="Hi!",
            is_streaming=True,
            finish_reason="stop",
        )
    assert server.body()["llmSpan"] == {
        "model": "gpt-4o",
        "provider": "openai",
        "inputTokens": 10,
        "outputTokens": 20,
        "totalTokens": 31,
        "estimatedCostUsd": 0.25,
        "temperature": 0.7,
        "maxTokens": 256,
        "promptContent": "Hello?",
        "completionContent": "Hi!",
        "isStreaming": True,
        "finishReason": "stop",
    }


def test_record_llm_defaults(server: Recorder) -> None:
    with stacklens.start_trace("defaults") as span:
        span.record_llm("m", "p", 3, 4)
    assert server.body()["llmSpan"] == {
        "model": "m",
        "provider": "p",
        "inputTokens": 3,
        "outputTokens": 4,
        "totalTokens": 7,
        "estimatedCostUsd": 0.0,
        "temperature": None,
        "maxTokens": None,
        "promptContent": None,
        "completionContent": None,
        "isStreaming": False,
        "finishReason": None,
    }


def test_record_llm_integer_temperature_is_a_float(server: Recorder) -> None:
    with stacklens.start_trace("t") as span:
        span.record_llm("m", "p", 1, 1, temperature=1)
    assert b'"temperature":1.0' in server.requests[0].content


def test_record_llm_last_call_wins(server: Recorder) -> None:
    with stacklens.start_trace("t") as span:
        span.record_llm("first", "p", 1, 1)
        span.record_llm("second", "p", 2, 2)
    assert server.body()["llmSpan"]["model"] == "second"


@pytest.mark.parametrize(
    ("changes", "error_type", "word"),
    [
        ({"model": 1}, TypeError, "model"),
        ({"provider": ""}, ValueError, "provider"),
        ({"input_tokens": -1}, ValueError, "input_tokens"),
        ({"output_tokens": 2.0}, TypeError, "output_tokens"),
        ({"total_tokens": "9"}, TypeError, "total_tokens"),
        ({"cost_usd": -1}, ValueError, "cost_usd"),
        ({"temperature": "hot"}, TypeError, "temperature"),
        ({"max_tokens": -5}, ValueError, "max_tokens"),
        ({"max_tokens": 1.5}, TypeError, "max_tokens"),
        ({"prompt": 5}, TypeError, "prompt"),
        ({"completion": b"x"}, TypeError, "completion"),
        ({"is_streaming": 1}, TypeError, "is_streaming"),
        ({"finish_reason": 0}, TypeError, "finish_reason"),
    ],
)
def test_record_llm_bad_input(
    server: Recorder, changes: dict[str, Any], error_type: type[Exception], word: str
) -> None:
    arguments: dict[str, Any] = {
        "model": "m",
        "provider": "p",
        "input_tokens": 1,
        "output_tokens": 1,
        **changes,
    }
    with stacklens.start_trace("t") as span, pytest.raises(error_type, match=word):
        span.record_llm(**arguments)
    assert server.body()["llmSpan"] is None


def test_set_attribute(server: Recorder) -> None:
    with stacklens.start_trace("t") as span:
        span.set_attribute("user_id", "u_123")
        span.set_attribute("session_id", "sess_abc")
        span.set_attribute("count", 3)  # type: ignore[arg-type]
        span.set_attribute("user_id", "u_456")
        assert span.attributes == {"user_id": "u_456", "session_id": "sess_abc", "count": "3"}
    assert server.body()["attributes"] == {
        "user_id": "u_456",
        "session_id": "sess_abc",
        "count": "3",
    }


def test_set_attribute_key_must_be_str(server: Recorder) -> None:
    with stacklens.start_trace("t") as span, pytest.raises(TypeError, match="key"):
        span.set_attribute(1, "v")  # type: ignore[arg-type]


def test_add_tag(server: Recorder) -> None:
    with stacklens.start_trace("t") as span:
        span.add_tag("production", "rag-pipeline")
        span.add_tag("production")
        span.add_tag()
        span.add_tag("third")
    assert server.body()["tags"] == ["production", "rag-pipeline", "third"]


def test_add_tag_rejects_non_strings_atomically(server: Recorder) -> None:
    with stacklens.start_trace("t") as span:
        with pytest.raises(TypeError, match="tags"):
            span.add_tag("fine", 5)  # type: ignore[arg-type]
        assert span.tags == []


@pytest.mark.parametrize("status", ["ok", "error"])
def test_set_status(server: Recorder, status: str) -> None:
    with stacklens.start_trace("t") as span:
        span.set_status(status)
        assert span.status == status
    assert server.body()["status"] == status


def test_set_status_rejects_other_values(server: Recorder) -> None:
    with stacklens.start_trace("t") as span:
        with pytest.raises(ValueError, match="status"):
            span.set_status("failed")
        with pytest.raises(TypeError, match="status"):
            span.set_status(None)  # type: ignore[arg-type]
    assert server.body()["status"] == "ok"


def test_exception_sets_error_and_propagates(server: Recorder) -> None:
    def run() -> None:
        with stacklens.start_trace("t") as span:
            span.set_status("ok")
            raise KeyError("boom")

    with pytest.raises(KeyError, match="boom"):
        run()
    body = server.body()
    assert body["status"] == "error"
    assert body["name"] == "t"


def test_send_failure_never_replaces_the_users_exception(
    server: Recorder, caplog: pytest.LogCaptureFixture
) -> None:
    server.handler = error(401, "invalid key")

    def run() -> None:
        with stacklens.start_trace("t"):
            1 / 0  # noqa: B018

    with caplog.at_level(logging.WARNING, "stacklens"), pytest.raises(ZeroDivisionError):
        run()
    assert "invalid key" in caplog.text


def test_network_failure_never_replaces_the_users_exception(server: Recorder) -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    server.handler = refuse
    with pytest.raises(LookupError), stacklens.start_trace("t"):
        raise LookupError


def test_send_failure_raises_when_the_block_succeeded(server: Recorder) -> None:
    server.handler = error(401, "invalid key")
    with pytest.raises(stacklens.AuthError), stacklens.start_trace("t"):
        pass


def test_block_can_be_entered_once(server: Recorder) -> None:
    block = stacklens.start_trace("t")
    with block:
        pass
    with pytest.raises(RuntimeError), block:
        pass


def test_start_trace_validates_name(server: Recorder) -> None:
    with pytest.raises(ValueError, match="name"):
        stacklens.start_trace("")
    with pytest.raises(TypeError, match="name"):
        stacklens.start_trace(None)  # type: ignore[arg-type]


def test_nesting_builds_a_tree(server: Recorder) -> None:
    with stacklens.start_trace("root") as root:
        with stacklens.start_trace("child") as child:
            inner_trace = stacklens.trace(
                "grandchild", model="m", provider="p", input_tokens=1, output_tokens=1
            )
        sibling_trace = stacklens.trace(
            "sibling", model="m", provider="p", input_tokens=1, output_tokens=1
        )
    spans = {s["name"]: s for s in server.spans()}
    assert [s["name"] for s in server.spans()] == ["grandchild", "child", "sibling", "root"]
    assert inner_trace == sibling_trace == root.trace_id
    assert {s["traceId"] for s in spans.values()} == {root.trace_id}
    assert spans["root"]["parentSpanId"] is None
    assert spans["child"]["parentSpanId"] == root.span_id
    assert child.parent_span_id == root.span_id
    assert spans["grandchild"]["parentSpanId"] == child.span_id
    assert spans["sibling"]["parentSpanId"] == root.span_id
    assert len({s["spanId"] for s in spans.values()}) == 4


def test_after_a_block_calls_start_new_traces(server: Recorder) -> None:
    with stacklens.start_trace("root") as root:
        pass
    trace_id = stacklens.trace("later", model="m", provider="p", input_tokens=1, output_tokens=1)
    assert trace_id != root.trace_id
    assert server.spans()[-1]["parentSpanId"] is None


def test_nesting_is_restored_after_an_exception(server: Recorder) -> None:
    with stacklens.start_trace("root") as root:
        with pytest.raises(ValueError, match="x"), stacklens.start_trace("child"):
            raise ValueError("x")
        stacklens.trace("after", model="m", provider="p", input_tokens=1, output_tokens=1)
    after = next(s for s in server.spans() if s["name"] == "after")
    assert after["parentSpanId"] == root.span_id


def test_other_threads_start_their_own_traces(server: Recorder) -> None:
    results: list[str] = []

    def worker() -> None:
        results.append(
            stacklens.trace("thread", model="m", provider="p", input_tokens=1, output_tokens=1)
        )

    with stacklens.start_trace("root") as root:
        thread = threading.Thread(target=worker)
        thread.start()
        thread.join()
        copied = threading.Thread(target=contextvars.copy_context().run, args=(worker,))
        copied.start()
        copied.join()
    assert results[0] != root.trace_id
    assert results[1] == root.trace_id


def test_concurrent_threads(server: Recorder) -> None:
    def worker(n: int) -> None:
        with stacklens.start_trace(f"w{n}") as span:
            for _ in range(5):
                stacklens.trace("leaf", model="m", provider="p", input_tokens=1, output_tokens=1)
            span.set_attribute("n", str(n))

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    spans = server.spans()
    assert len(spans) == 48
    roots = {s["spanId"]: s for s in spans if s["parentSpanId"] is None}
    assert len(roots) == 8
    for leaf in (s for s in spans if s["name"] == "leaf"):
        assert roots[leaf["parentSpanId"]]["traceId"] == leaf["traceId"]


def test_astart_trace_and_tasks(server: Recorder) -> None:
    async def step(n: int) -> str:
        async with stacklens.astart_trace(f"step-{n}") as span:
            span.record_llm("m", "p", n, n)
            await asyncio.sleep(0)
            return await stacklens.atrace(
                "call", model="m", provider="p", input_tokens=1, output_tokens=1
            )

    async def run() -> tuple[stacklens.Span, list[str]]:
        async with stacklens.astart_trace("agent") as root:
            ids = await asyncio.gather(step(1), step(2))
        return root, list(ids)

    root, ids = asyncio.run(run())
    assert ids == [root.trace_id, root.trace_id]
    spans = server.spans()
    steps = {s["spanId"]: s for s in spans if s["name"].startswith("step-")}
    assert all(s["parentSpanId"] == root.span_id for s in steps.values())
    calls = [s for s in spans if s["name"] == "call"]
    assert {c["parentSpanId"] for c in calls} == set(steps)
    assert spans[-1]["name"] == "agent"
    assert spans[-1]["kind"] == "internal"


def test_astart_trace_error_status(server: Recorder) -> None:
    async def run() -> None:
        async with stacklens.astart_trace("t"):
            raise RuntimeError("inner")

    with pytest.raises(RuntimeError, match="inner"):
        asyncio.run(run())
    assert server.body()["status"] == "error"


def test_astart_trace_send_failure_keeps_users_exception(server: Recorder) -> None:
    server.handler = error(500, "down")

    async def run() -> None:
        async with stacklens.astart_trace("t"):
            raise RuntimeError("inner")

    with pytest.raises(RuntimeError, match="inner"):
        asyncio.run(run())


def test_span_repr(server: Recorder) -> None:
    with stacklens.start_trace("t") as span:
        assert "t" in repr(span)
        assert span.name == "t"
