"""`stacklens.instrument_openai()`: a span for every chat completion and every Responses API
call (`_instrument_openai_responses`) of the official `openai` package (sync and async,
streamed or not, errors as error spans), read from its own objects."""

from __future__ import annotations

from typing import Any, Optional

from . import _instrument as core
from . import _instrument_openai_responses as responses
from ._exceptions import ConfigurationError

SPAN_NAME = "openai.chat.completions"
SUPPORTED_MAJORS = (2, 3)


def _request(kwargs: dict[str, Any], capture_content: bool) -> core.Recorded:
    max_tokens = kwargs.get("max_completion_tokens", kwargs.get("max_tokens"))
    return core.Recorded(
        model=str(kwargs.get("model") or ""),
        provider="openai",
        capture_content=capture_content,
        temperature=core.number(kwargs.get("temperature")),
        max_tokens=core.count(max_tokens),
        prompt=core.later_json(kwargs.get("messages")) if capture_content else None,
        is_streaming=kwargs.get("stream") is True,
    )


def _usage(r: core.Recorded, usage: Any) -> None:
    if usage is None:
        return
    r.usage_reported = True
    r.input_tokens = core.count(getattr(usage, "prompt_tokens", None)) or 0
    r.output_tokens = core.count(getattr(usage, "completion_tokens", None)) or 0
    r.cached_tokens = core.count(
        getattr(getattr(usage, "prompt_tokens_details", None), "cached_tokens", None)
    )
    r.reasoning_tokens = core.count(
        getattr(getattr(usage, "completion_tokens_details", None), "reasoning_tokens", None)
    )


def _response(r: core.Recorded, response: Any) -> None:
    r.model = getattr(response, "model", None) or r.model
    _usage(r, getattr(response, "usage", None))
    choices = getattr(response, "choices", None) or []
    if choices:
        r.finish_reason = getattr(choices[0], "finish_reason", None)
        content = getattr(getattr(choices[0], "message", None), "content", None)
        if isinstance(content, str):
            r.completion_parts.append(content)


def _chunk(r: core.Recorded, chunk: Any) -> None:
    r.model = getattr(chunk, "model", None) or r.model
    _usage(r, getattr(chunk, "usage", None))
    for choice in getattr(chunk, "choices", None) or []:
        if getattr(choice, "index", 0) != 0:
            continue
        piece = getattr(getattr(choice, "delta", None), "content", None)
        if isinstance(piece, str):
            r.completion_parts.append(piece)
        if getattr(choice, "finish_reason", None):
            r.finish_reason = choice.finish_reason


def _sync_create(original: Any, capture_content: bool) -> Any:
    return core.sync_create(original, SPAN_NAME, _request, _response, _chunk, capture_content)


def _async_create(original: Any, capture_content: bool) -> Any:
    return core.async_create(original, SPAN_NAME, _request, _response, _chunk, capture_content)


def _patch(chat: Any, answers: Any, asynchronous: bool, capture_content: bool) -> None:
    """`chat` and `answers`: one client's chat completions and responses resources, or their
    classes (every client)."""
    if asynchronous:
        core.patch(chat, "create", lambda o: _async_create(o, capture_content))
        core.patch(answers, "create", lambda o: responses.async_create(o, capture_content))
    else:
        core.patch(chat, "create", lambda o: _sync_create(o, capture_content))
        core.patch(answers, "create", lambda o: responses.sync_create(o, capture_content))


def instrument_openai(client: Optional[Any] = None, *, capture_content: bool = True) -> None:
    """Record a span for every chat completion (`client.chat.completions.create`) and every
    Responses API call (`client.responses.create`, and the `responses.stream()` helper) of the
    `openai` package (2.x or 3.x): model, provider, input, output, cached and reasoning tokens,
    temperature, max tokens, finish reason, latency and, unless capture_content=False, the
    messages (the instructions and input) and the reply. Sync and async, streamed (the span
    ends when the stream is read to its end or closed; a chat completion stream's tokens come
    from its usage chunk, sent when the request sets stream_options={"include_usage": True}, a
    response stream's from its response.completed event) or not; a failed call is an error
    span and its exception propagates unchanged. Spans nest under the current start_trace block.

    With `client` (an openai.OpenAI or openai.AsyncOpenAI), only that client is instrumented;
    without, every client. Calling it again changes nothing.
    """
    try:
        import openai
        from openai.resources.chat.completions import AsyncCompletions, Completions
        from openai.resources.responses import AsyncResponses, Responses
    except ImportError as exc:
        raise ConfigurationError(
            "stacklens.instrument_openai() needs the openai package: "
            "pip install 'stacklens[openai]'"
        ) from exc
    core.supported("openai", openai.__version__, SUPPORTED_MAJORS)
    if not isinstance(capture_content, bool):
        raise TypeError("capture_content must be a bool")
    if client is None:
        _patch(Completions, Responses, False, capture_content)
        _patch(AsyncCompletions, AsyncResponses, True, capture_content)
    elif isinstance(client, openai.AsyncOpenAI):
        _patch(client.chat.completions, client.responses, True, capture_content)
    elif isinstance(client, openai.OpenAI):
        _patch(client.chat.completions, client.responses, False, capture_content)
    else:
        raise TypeError(
            f"client must be an openai.OpenAI or openai.AsyncOpenAI, not {type(client).__name__}"
        )
