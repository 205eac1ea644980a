"""The wire format of wire-protocol.md, byte for byte, and the ids in it."""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone

import pytest

import stacklens
from stacklens import _ids, _wire

from .conftest import Recorder

NOW = datetime(2024, 1, 1, 12, 0, 0, tzinfo=timezone.utc)
IDS = [
    "11111111-1111-4111-8111-111111111111",
    "22222222-2222-4222-8222-222222222222",
    "33333333-3333-4333-8333-333333333333",
    "44444444-4444-4444-8444-444444444444",
]


@pytest.fixture
def fixed(monkeypatch: pytest.MonkeyPatch) -> None:
    ids: Iterator[str] = iter(IDS)
    monkeypatch.setattr(_ids, "new_id", lambda: next(ids))
    monkeypatch.setattr(_wire, "utc_now", lambda: NOW)


def test_trace_golden_bytes(server: Recorder, fixed: None) -> None:
    stacklens.trace(
        "document-summary",
        model="gpt-4o",
        provider="openai",
        input_tokens=850,
        output_tokens=120,
        cost_usd=0.0012,
        attributes={"document_id": "doc_abc123"},
        tags=["summarisation", "production"],
    )
    assert server.requests[0].content == (
        b'{"traceId":"11111111-1111-4111-8111-111111111111",'
        b'"spanId":"22222222-2222-4222-8222-222222222222",'
        b'"parentSpanId":null,"name":"document-summary","kind":"llm","status":"ok",'
        b'"startTime":"2024-01-01T12:00:00+00:00","endTime":"2024-01-01T12:00:00+00:00",'
        b'"attributes":{"document_id":"doc_abc123"},"tags":["summarisation","production"],'
        b'"llmSpan":{"model":"gpt-4o","provider":"openai","inputTokens":850,'
        b'"outputTokens":120,"totalTokens":970,"estimatedCostUsd":0.0012,"temperature":null,'
        b'"maxTokens":null,"promptContent":null,"completionContent":null,'
        b'"isStreaming":false,"finishReason":null}}'
    )


def test_nested_golden_bytes(server: Recorder, fixed: None) -> None:
    with stacklens.start_trace("agent-run") as span:
        span.set_attribute("user_id", "u_123")
        span.add_tag("production")
        with stacklens.start_trace("retrieval"):
            pass
    child, parent = (r.content for r in server.requests)
    assert child == (
        b'{"traceId":"11111111-1111-4111-8111-111111111111",'
        b'"spanId":"33333333-3333-4333-8333-333333333333",'
        b'"parentSpanId":"22222222-2222-4222-8222-222222222222",'
        b'"name":"retrieval","kind":"internal","status":"ok",'
        b'"startTime":"2024-01-01T12:00:00+00:00","endTime":"2024-01-01T12:00:00+00:00",'
        b'"attributes":{},"tags":[],"llmSpan":null}'
    )
    assert parent == (
        b'{"traceId":"11111111-1111-4111-8111-111111111111",'
        b'"spanId":"22222222-2222-4222-8222-222222222222",'
        b'"parentSpanId":null,"name":"agent-run","kind":"internal","status":"ok",'
        b'"startTime":"2024-01-01T12:00:00+00:00","endTime":"2024-01-01T12:00:00+00:00",'
        b'"attributes":{"user_id":"u_123"},"tags":["production"],"llmSpan":null}'
    )


def test_non_ascii_is_sent_as_utf8(server: Recorder) -> None:
    stacklens.trace("résumé ✓", model="m", provider="p", input_tokens=1, output_tokens=1)
    assert '"name":"résumé ✓"'.encode() in server.requests[0].content


@pytest.mark.parametrize(
    ("moment", "text"),
    [
        (datetime(2024, 1, 1, 12), "2024-01-01T12:00:00+00:00"),
        (datetime(2024, 1, 1, 12, 0, 0, 5), "2024-01-01T12:00:00.000005+00:00"),
        (
            datetime(2024, 1, 1, 13, tzinfo=timezone(timedelta(hours=1))),
            "2024-01-01T12:00:00+00:00",
        ),
        (datetime(2024, 1, 1, 12, tzinfo=timezone.utc), "2024-01-01T12:00:00+00:00"),
    ],
)
def test_timestamps(moment: datetime, text: str) -> None:
    assert _wire.timestamp(moment) == text


def test_error_message() -> None:
    assert _wire.error_message(b'{"error":"bad"}', 400) == "bad"
    assert _wire.error_message(b"plain text", 500) == "plain text"
    assert _wire.error_message(b"", 502) == "HTTP 502"
    assert _wire.error_message(b'{"error":5}', 400) == '{"error":5}'


def test_ids_are_uuid4() -> None:
    seen = set()
    for _ in range(2000):
        text = _ids.new_id()
        parsed = uuid.UUID(text)
        assert parsed.version == 4
        assert parsed.variant == uuid.RFC_4122
        assert str(parsed) == text
        seen.add(text)
    assert len(seen) == 2000


def test_ids_ignore_the_global_random_seed() -> None:
    random.seed(42)
    first = _ids.new_id()
    random.seed(42)
    assert _ids.new_id() != first
