"""The span wire format (docs: wire-protocol.md) and its JSON encoding.

Keys and their order match what the hosted client sends, so one server
accepts both clients. Nothing else in the SDK spells a wire key, except
`_llm`, the table of the LLM fields (`llmSpan`).
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any, Optional, Union

INGEST_PATH = "/api/v1/stacktrace/v1/traces"
BATCH_PATH = "/api/v1/stacktrace/v1/traces/batch"
PROMPT_PATH = "/api/v1/flowops/v1/prompts/by-name/"
SCORE_PATH = "/api/v1/stacktrace/v1/scores"
SCORE_BATCH_PATH = "/api/v1/stacktrace/v1/scores/batch"
CHECK_PATH = "/api/v1/governai/v1/check"
DATASETS_PATH = "/api/v1/evaluations/v1/datasets"
BUDGET_STATUS_PATH = "/api/v1/budgets/status"

SpanBody = dict[str, Any]


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def timestamp(moment: datetime) -> str:
    """ISO-8601 in UTC as datetime.isoformat() prints it; naive values are taken as UTC."""
    if moment.tzinfo is timezone.utc:
        return moment.isoformat()
    if moment.tzinfo is None or not moment.utcoffset():
        return moment.replace(tzinfo=timezone.utc).isoformat()
    return moment.astimezone(timezone.utc).isoformat()


class Later:
    """A part of a span body made when the span is encoded: on the background worker in the
    non-blocking mode, not on the caller's thread."""

    __slots__ = ()

    def wire_form(self) -> Any:
        raise NotImplementedError


class LaterJson(Later):
    """A value sent as its JSON text (the integrations' captured prompts). Objects JSON cannot
    hold are written through their model_dump() (the providers' pydantic types), else repr()."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value

    def wire_form(self) -> str:
        return _text_encoder.encode(self.value)


def _dumped(value: Any) -> Any:
    dump = getattr(value, "model_dump", None)
    return dump() if callable(dump) else repr(value)


# json.dumps(value, default=_dumped, ensure_ascii=False), made once rather than per value.
_text_encoder = json.JSONEncoder(ensure_ascii=False, default=_dumped)


def _encode_default(value: object) -> Any:
    # Span bodies carry datetimes (and Later parts) until they are encoded, so the
    # formatting happens on the background worker rather than on the caller's thread.
    if isinstance(value, datetime):
        return timestamp(value)
    if isinstance(value, Later):
        return value.wire_form()
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


_encoder = json.JSONEncoder(
    ensure_ascii=False, separators=(",", ":"), allow_nan=False, default=_encode_default
)


def encode(value: Any) -> bytes:
    return _encoder.encode(value).encode("utf-8")


def span(
    *,
    trace_id: str,
    span_id: str,
    parent_span_id: Optional[str],
    name: str,
    status: str,
    start_time: datetime,
    end_time: datetime,
    attributes: dict[str, str],
    tags: list[str],
    llm: Optional[Union[dict[str, Any], Later]],
) -> SpanBody:
    return {
        "traceId": trace_id,
        "spanId": span_id,
        "parentSpanId": parent_span_id,
        "name": name,
        "kind": "internal" if llm is None else "llm",
        "status": status,
        "startTime": start_time,
        "endTime": end_time,
        "attributes": attributes,
        "tags": tags,
        "llmSpan": llm,
    }


def error_message(body: bytes, status_code: int) -> str:
    """The `error` field of an error body, or the status when there is none."""
    try:
        parsed = json.loads(body)
    except ValueError:
        parsed = None
    if isinstance(parsed, dict) and isinstance(parsed.get("error"), str):
        return str(parsed["error"])
    text = body.decode("utf-8", "replace").strip()[:200]
    return text or f"HTTP {status_code}"


def score(
    *,
    score_id: str,
    trace_id: str,
    span_id: Optional[str],
    name: str,
    value: object,
    comment: Optional[str],
) -> dict[str, Any]:
    """A score's body (api/openapi.yaml ScoreIn). The id is made here, so a retry is idempotent."""
    body: dict[str, Any] = {"id": score_id, "traceId": trace_id}
    if span_id is not None:
        body["spanId"] = span_id
    body["name"] = name
    body["value"] = value
    if comment is not None:
        body["comment"] = comment
    body["source"] = "sdk"
    return body
