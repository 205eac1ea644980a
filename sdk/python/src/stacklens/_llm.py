"""The LLM fields of a span, each written once: its argument name, wire key,
check and default.

`trace()` takes the first six, `Span.record_llm()` all of them, and the wire
form (`llmSpan`) is built from this table in its order. The public
signatures spell the same names and defaults for type checkers and IDEs; a
unit test fails when they and this table differ.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Callable

from . import _validation as check

REQUIRED = object()  # the default of a field the caller must give


@dataclass(frozen=True)
class Field:
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


def wire_form(arguments: Mapping[str, object]) -> dict[str, Any]:
    """Check the LLM fields found in `arguments` (a caller's `locals()`; other
    names are ignored, absent fields take their default) and return `llmSpan`."""
    body: dict[str, Any] = {
        f.wire_key: f.check(f.name, arguments.get(f.name, f.default)) for f in FIELDS
    }
    if body["totalTokens"] is None:
        body["totalTokens"] = body["inputTokens"] + body["outputTokens"]
    return body
