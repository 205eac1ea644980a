"""The usage types of record_llm() and trace(): keyword-only, sent only when given, parts of
input_tokens / output_tokens (never more than them)."""

from __future__ import annotations

import pytest

import stacklens

from .conftest import Recorder
from .test_trace import LLM_KEYS


def test_record_llm_sends_usage_types_when_given(server: Recorder) -> None:
    with stacklens.start_trace("cached") as span:
        span.record_llm(
            "claude-sonnet-4-5",
            "anthropic",
            1000,
            300,
            cached_tokens=600,
            cache_write_tokens=100,
            reasoning_tokens=200,
        )
    llm = server.body()["llmSpan"]
    assert list(llm) == [*LLM_KEYS, "cacheReadTokens", "cacheWriteTokens", "reasoningTokens"]
    assert (llm["cacheReadTokens"], llm["cacheWriteTokens"], llm["reasoningTokens"]) == (
        600,
        100,
        200,
    )
    assert (llm["inputTokens"], llm["outputTokens"], llm["totalTokens"]) == (1000, 300, 1300)


def test_trace_sends_only_the_usage_types_given(server: Recorder) -> None:
    stacklens.trace(
        "t",
        model="gpt-4o-mini",
        provider="openai",
        input_tokens=10,
        output_tokens=5,
        cached_tokens=4,
    )
    llm = server.body()["llmSpan"]
    assert llm["cacheReadTokens"] == 4
    assert "cacheWriteTokens" not in llm
    assert "reasoningTokens" not in llm


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"cached_tokens": 8, "cache_write_tokens": 3}, "must not exceed input_tokens"),
        ({"reasoning_tokens": 6}, "must not exceed output_tokens"),
        ({"cached_tokens": -1}, "cached_tokens"),
    ],
)
def test_parts_larger_than_their_whole_are_refused(
    server: Recorder, kwargs: dict[str, int], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        stacklens.trace("t", model="m", provider="p", input_tokens=10, output_tokens=5, **kwargs)  # type: ignore[arg-type]
    assert server.requests == []
