"""The LLM fields of a span, each written once: its argument name, wire key,
check and default.

`trace()` takes the first six, `Span.record_llm()` all of them, and the wire
form (`llmSpan`) is built from this table in its order. The public
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
)
TRACE_FIELDS = FIELDS[:6]

# Every wire key in order, each field at its default (required ones are always given).
_DEFAULTS = {f.wire_key: None if f.default is REQUIRED else f.default for f in FIELDS}


def wire_form(arguments: Mapping[str, object], fields: tuple[Field, ...]) -> dict[str, Any]:
    """Check `fields` in `arguments` (argument name -> value) and return
    `llmSpan`; the fields not in `fields` keep their default."""
    body: dict[str, Any] = dict(_DEFAULTS)
    for name, key, check_value, _ in fields:
        body[key] = check_value(name, arguments[name])
    if body["totalTokens"] is None:
        body["totalTokens"] = body["inputTokens"] + body["outputTokens"]
    return body
