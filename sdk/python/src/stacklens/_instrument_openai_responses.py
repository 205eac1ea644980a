"""How instrument_openai() reads the OpenAI Responses API (`client.responses.create`, and the
`responses.stream()` helper, which sends its request through it): the request's `instructions`
and `input` as the prompt, the response's `output_text` as the completion, its status (or why it
is incomplete) as the finish reason, a failed response as an error span; a stream's text from
its `response.output_text.delta` events and its usage from the `response.completed` (or
`.incomplete`, `.failed`) event."""

from __future__ import annotations

from typing import Any

from . import _instrument as core

SPAN_NAME = "openai.responses"
_FINAL_EVENTS = frozenset(("response.completed", "response.incomplete", "response.failed"))


def _request(kwargs: dict[str, Any], capture_content: bool) -> core.Recorded:
    prompt = None
    if capture_content:
        messages: list[Any] = []
        instructions = kwargs.get("instructions")
        if isinstance(instructions, str):
            messages.append({"role": "system", "content": instructions})
        given = kwargs.get("input")
        if isinstance(given, str):
            messages.append({"role": "user", "content": given})
        elif isinstance(given, (list, tuple)):
            messages.extend(given)
        prompt = core.later_json(messages)
    return core.Recorded(
        model=str(kwargs.get("model") or ""),
        provider="openai",
        capture_content=capture_content,
        temperature=core.number(kwargs.get("temperature")),
        max_tokens=core.count(kwargs.get("max_output_tokens")),
        prompt=prompt,
        is_streaming=kwargs.get("stream") is True,
    )


class ResponseFailed(Exception):
    """The API answered that the response failed (status "failed", or a stream's error event):
    the span's error, not raised (the openai package does not raise it either)."""


def _failed(error: Any) -> ResponseFailed:
    return ResponseFailed(f"{getattr(error, 'code', None)}: {getattr(error, 'message', None)}")


def _finished(r: core.Recorded, response: Any) -> None:
    """What a whole Response says: its model, usage and status."""
    r.model = getattr(response, "model", None) or r.model
    status = getattr(response, "status", None)
    reason = getattr(getattr(response, "incomplete_details", None), "reason", None)
    r.finish_reason = reason if status == "incomplete" and reason else status
    if status == "failed":
        r.failure = _failed(getattr(response, "error", None))
    usage = getattr(response, "usage", None)
    if usage is None:
        return
    r.usage_reported = True
    r.input_tokens = core.count(getattr(usage, "input_tokens", None)) or 0
    r.output_tokens = core.count(getattr(usage, "output_tokens", None)) or 0
    r.cached_tokens = core.count(
        getattr(getattr(usage, "input_tokens_details", None), "cached_tokens", None)
    )
    r.reasoning_tokens = core.count(
        getattr(getattr(usage, "output_tokens_details", None), "reasoning_tokens", None)
    )


def _response(r: core.Recorded, response: Any) -> None:
    _finished(r, response)
    text = getattr(response, "output_text", None)
    if isinstance(text, str):
        r.completion_parts.append(text)


def _event(r: core.Recorded, event: Any) -> None:
    kind = getattr(event, "type", None)
    if kind == "response.output_text.delta":
        delta = getattr(event, "delta", None)
        if isinstance(delta, str):
            r.completion_parts.append(delta)
    elif kind in _FINAL_EVENTS:
        _finished(r, getattr(event, "response", None))
    elif kind == "response.created":
        r.model = getattr(getattr(event, "response", None), "model", None) or r.model
    elif kind == "error":
        r.failure = _failed(event)


def sync_create(original: Any, capture_content: bool) -> Any:
    return core.sync_create(original, SPAN_NAME, _request, _response, _event, capture_content)


def async_create(original: Any, capture_content: bool) -> Any:
    return core.async_create(original, SPAN_NAME, _request, _response, _event, capture_content)
