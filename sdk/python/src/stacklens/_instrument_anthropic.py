"""`stacklens.instrument_anthropic()`: a span for every message of the official `anthropic`
package (sync and async, streamed or not, through the `messages.stream()` helper too, errors as
error spans), read from its own objects.

Anthropic reports prompt-cache reads and writes apart from `input_tokens`; a span counts every
input token in `input_tokens`, with the cached ones as its parts (as StackLens prices them)."""

from __future__ import annotations

from typing import Any, Optional

from . import _instrument as core
from ._exceptions import ConfigurationError

SPAN_NAME = "anthropic.messages"
SUPPORTED_MAJORS = (1, 2)


def _request(kwargs: dict[str, Any], capture_content: bool) -> core.Recorded:
    prompt = None
    if capture_content:
        messages = list(kwargs.get("messages") or [])
        system = kwargs.get("system")
        if system is not None:
            messages.insert(0, {"role": "system", "content": system})
        prompt = core.later_json(messages)
    return core.Recorded(
        model=str(kwargs.get("model") or ""),
        provider="anthropic",
        capture_content=capture_content,
        temperature=core.number(kwargs.get("temperature")),
        max_tokens=core.count(kwargs.get("max_tokens")),
        prompt=prompt,
        is_streaming=kwargs.get("stream") is True,
    )


def _input_usage(r: core.Recorded, usage: Any) -> None:
    if usage is None:
        return
    r.usage_reported = True
    uncached = core.count(getattr(usage, "input_tokens", None)) or 0
    read = core.count(getattr(usage, "cache_read_input_tokens", None)) or 0
    written = core.count(getattr(usage, "cache_creation_input_tokens", None)) or 0
    r.input_tokens = uncached + read + written
    r.cached_tokens = read or None
    r.cache_write_tokens = written or None
    output = core.count(getattr(usage, "output_tokens", None))
    if output is not None:
        r.output_tokens = output


def _response(r: core.Recorded, message: Any) -> None:
    r.model = getattr(message, "model", None) or r.model
    _input_usage(r, getattr(message, "usage", None))
    r.finish_reason = getattr(message, "stop_reason", None)
    for block in getattr(message, "content", None) or []:
        if getattr(block, "type", None) == "text":
            r.completion_parts.append(getattr(block, "text", ""))


def _event(r: core.Recorded, event: Any) -> None:
    kind = getattr(event, "type", None)
    if kind == "message_start":
        message = getattr(event, "message", None)
        r.model = getattr(message, "model", None) or r.model
        _input_usage(r, getattr(message, "usage", None))
    elif kind == "content_block_delta":
        delta = getattr(event, "delta", None)
        if getattr(delta, "type", None) == "text_delta":
            r.completion_parts.append(getattr(delta, "text", ""))
    elif kind == "message_delta":
        r.finish_reason = (
            getattr(getattr(event, "delta", None), "stop_reason", None) or r.finish_reason
        )
        output = core.count(getattr(getattr(event, "usage", None), "output_tokens", None))
        if output is not None:
            r.output_tokens = output


def _sync_create(original: Any, capture_content: bool) -> Any:
    return core.sync_create(original, SPAN_NAME, _request, _response, _event, capture_content)


def _async_create(original: Any, capture_content: bool) -> Any:
    return core.async_create(original, SPAN_NAME, _request, _response, _event, capture_content)


def _patch(messages: Any, asynchronous: bool, capture_content: bool) -> None:
    """`messages` a Messages or AsyncMessages class, or one client's `client.messages`."""
    if asynchronous:
        core.patch(messages, "create", lambda o: _async_create(o, capture_content))
    else:
        core.patch(messages, "create", lambda o: _sync_create(o, capture_content))
    core.patch(
        messages,
        "stream",
        lambda o: core.stream_helper(asynchronous, o, SPAN_NAME, _request, _event, capture_content),
    )


def instrument_anthropic(client: Optional[Any] = None, *, capture_content: bool = True) -> None:
    """Record a span for every `client.messages.create` and `client.messages.stream` of the
    `anthropic` package (1.x or 2.x), as instrument_openai() does for OpenAI: sync and async,
    streamed or not (the span ends when the stream is read to its end or closed, or the
    `messages.stream()` block exits; usage from its message_start and message_delta events),
    failed calls as error spans.

    With `client` (an anthropic.Anthropic or anthropic.AsyncAnthropic), only that client;
    without, every client. Calling it again changes nothing.
    """
    try:
        import anthropic
        from anthropic.resources.messages import AsyncMessages, Messages
    except ImportError as exc:
        raise ConfigurationError(
            "stacklens.instrument_anthropic() needs the anthropic package: "
            "pip install 'stacklens[anthropic]'"
        ) from exc
    core.supported("anthropic", anthropic.__version__, SUPPORTED_MAJORS)
    if not isinstance(capture_content, bool):
        raise TypeError("capture_content must be a bool")
    if client is None:
        _patch(Messages, False, capture_content)
        _patch(AsyncMessages, True, capture_content)
    elif isinstance(client, anthropic.AsyncAnthropic):
        _patch(client.messages, True, capture_content)
    elif isinstance(client, anthropic.Anthropic):
        _patch(client.messages, False, capture_content)
    else:
        raise TypeError(
            "client must be an anthropic.Anthropic or anthropic.AsyncAnthropic, "
            f"not {type(client).__name__}"
        )
