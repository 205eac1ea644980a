"""The LLM fields of a span, each written once: its argument name, wire key,
check and default.

`trace()` takes the first six and the usage types, `Span.record_llm()` all
of them, and the wire form (`llmSpan`) is built from this table in its order. The public
signatures spell the same names and defaults for type checkers and IDEs and
pass them on by name; a unit test fails when a signature and this table
differ, so a new field is a row here plus its parameter there.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Callable, NamedTuple

from . import _validation as check

REQUIRED = object()  # the default of a field the caller must give


class Field(NamedTuple):
    name: str
    wire_key: str
    check: Callable[[str, object], object]
    default: object = REQUIRED


FIELDS: tuple[Field, ...] = (
    Field("model", "model", check.name),
    Field("provider", "provider", check.name),
    Field("input_tokens", "inputTokens", check.tokens),
    Field("output_tokens", "outputTokens", check.tokens),
    Field("total_tokens", "totalTokens", check.optional_tokens, None),  # None: input + output
    Field("cost_usd", "estimatedCostUsd", check.number, 0.0),
    Field("temperature", "temperature", check.optional_number, None),
    Field("max_tokens", "maxTokens", check.optional_tokens, None),
    Field("prompt", "promptContent", check.optional_str, None),
    Field("completion", "completionContent", check.optional_str, None),
    Field("is_streaming", "isStreaming", check.flag, False),
    Field("finish_reason", "finishReason", check.optional_str, None),
    # Usage types, keyword-only and left out of the wire form when None: parts of input_tokens
    # (cached_tokens read from a prompt cache, cache_write_tokens written to it) and of
    # output_tokens (reasoning_tokens). The server prices each part at its own price.
    Field("cached_tokens", "cacheReadTokens", check.optional_tokens, None),
    Field("cache_write_tokens", "cacheWriteTokens", check.optional_tokens, None),
    Field("reasoning_tokens", "reasoningTokens", check.optional_tokens, None),
)
USAGE_FIELDS = FIELDS[-3:]
TRACE_FIELDS = FIELDS[:6] + USAGE_FIELDS
_USAGE_KEYS = tuple(f.wire_key for f in USAGE_FIELDS)

# Every wire key in order, each field at its default (required ones are always given).
_DEFAULTS = {f.wire_key: None if f.default is REQUIRED else f.default for f in FIELDS}


def checked_elsewhere(arguments: Mapping[str, object]) -> dict[str, Any]:
    """`llmSpan` from every field's value, for values the caller has already made valid (the
    integrations read them from a provider's typed answer): the form wire_form() gives, without
    checking each value again on the caller's thread."""
    body: dict[str, Any] = {key: arguments[name] for name, key, _, _ in FIELDS}
    if body["totalTokens"] is None:
        body["totalTokens"] = body["inputTokens"] + body["outputTokens"]
    for key in _USAGE_KEYS:
        if body[key] is None:
            del body[key]
    return body


def wire_form(arguments: Mapping[str, object], fields: tuple[Field, ...]) -> dict[str, Any]:
    """Check `fields` in `arguments` (argument name -> value) and return
    `llmSpan`; the fields not in `fields` keep their default."""
    body: dict[str, Any] = dict(_DEFAULTS)
    for name, key, check_value, _ in fields:
        body[key] = check_value(name, arguments[name])
    if body["totalTokens"] is None:
        body["totalTokens"] = body["inputTokens"] + body["outputTokens"]
    for key in _USAGE_KEYS:
        if body[key] is None:
            del body[key]
    if body.get("cacheReadTokens", 0) + body.get("cacheWriteTokens", 0) > body["inputTokens"]:
        raise ValueError(
            "cached_tokens + cache_write_tokens must not exceed input_tokens, which includes them"
        )
    if body.get("reasoningTokens", 0) > body["outputTokens"]:
        raise ValueError("reasoning_tokens must not exceed output_tokens, which includes them")
    return body
