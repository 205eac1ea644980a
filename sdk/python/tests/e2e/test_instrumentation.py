"""instrument_openai() and instrument_anthropic() with the real `openai` and `anthropic` packages,
pointed at the test suite's fake provider (tests/support/fake_llm_provider.py: the providers'
own shapes, streams and errors), and the real server: every call arrives as an LLM span under
the current start_trace, with its usage, settings, text, and errors as error spans."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any

import pytest

import stacklens

from .conftest import Api

openai = pytest.importorskip("openai")
anthropic = pytest.importorskip("anthropic")
from fake_llm_provider import FakeProvider  # noqa: E402

QUESTION = [{"role": "user", "content": "what is two plus two"}]


@pytest.fixture(scope="module")
def provider() -> Iterator[FakeProvider]:
    with FakeProvider() as p:
        yield p


def llm_spans(api: Api, trace_id: str, count: int) -> list[dict[str, Any]]:
    detail = api.trace(trace_id, spans=count + 1)
    return [s for s in detail["spans"] if s["llmSpan"] is not None]


def test_openai_calls_sync_and_streamed(key: str, api: Api, provider: FakeProvider) -> None:
    stacklens.configure(api_key=key)
    client = openai.OpenAI(api_key="sk-test", base_url=provider.url + "/v1", max_retries=0)
    stacklens.instrument_openai(client)
    stacklens.instrument_openai(client)  # again: still one span per call
    with stacklens.start_trace("chat turn") as turn:
        reply = client.chat.completions.create(
            model="gpt-4o-mini", messages=QUESTION, temperature=0.2, max_tokens=64
        )
        assert reply.choices[0].message.content == "echo: what is two plus two"
        with client.chat.completions.create(
            model="gpt-4o-mini",
            messages=QUESTION,
            stream=True,
            stream_options={"include_usage": True},
        ) as stream:
            pieces = [c.choices[0].delta.content for c in stream if c.choices]
        assert "".join(p or "" for p in pieces) == "echo: what is two plus two"
        unreported = client.chat.completions.create(
            model="gpt-4o-mini", messages=QUESTION, stream=True
        )
        assert len(list(unreported)) > 3
    spans = llm_spans(api, turn.trace_id, 3)
    assert len(spans) == 3
    assert all(
        s["parentSpanId"] == turn.span_id and s["name"] == "openai.chat.completions" for s in spans
    )
    plain = next(s for s in spans if not s["llmSpan"]["isStreaming"])
    llm = plain["llmSpan"]
    assert (llm["model"], llm["provider"], llm["temperature"], llm["maxTokens"]) == (
        "gpt-4o-mini",
        "openai",
        0.2,
        64,
    )
    assert (
        llm["inputTokens"],
        llm["outputTokens"],
        llm["cacheReadTokens"],
        llm["reasoningTokens"],
    ) == (5, 6, 2, 1)
    assert llm["finishReason"] == "stop"
    assert json.loads(llm["promptContent"]) == QUESTION
    assert llm["completionContent"] == "echo: what is two plus two"
    streamed = [s for s in spans if s["llmSpan"]["isStreaming"]]
    with_usage = next(s for s in streamed if s["llmSpan"]["inputTokens"] > 0)
    assert with_usage["llmSpan"]["completionContent"] == "echo: what is two plus two"
    assert (with_usage["llmSpan"]["outputTokens"], with_usage["llmSpan"]["finishReason"]) == (
        6,
        "stop",
    )
    without = next(s for s in streamed if s is not with_usage)
    assert without["llmSpan"]["inputTokens"] == 0
    assert without["attributes"]["stacklens.usage"].startswith("not reported")


def test_openai_errors_and_async(key: str, api: Api, provider: FakeProvider) -> None:
    stacklens.configure(api_key=key)
    client = openai.AsyncOpenAI(api_key="sk-test", base_url=provider.url + "/v1", max_retries=0)
    stacklens.instrument_openai(client, capture_content=False)

    async def run() -> str:
        async with stacklens.astart_trace("async turn") as turn:
            await client.chat.completions.create(model="gpt-4o", messages=QUESTION)
            stream = await client.chat.completions.create(
                model="gpt-4o",
                messages=QUESTION,
                stream=True,
                stream_options={"include_usage": True},
            )
            async for _ in stream:
                pass
            with pytest.raises(openai.BadRequestError):
                await client.chat.completions.create(model="error-400", messages=QUESTION)
        await client.close()
        return turn.trace_id

    trace_id = asyncio.run(run())
    spans = llm_spans(api, trace_id, 3)
    assert len(spans) == 3
    assert all(
        s["llmSpan"]["promptContent"] is None and s["llmSpan"]["completionContent"] is None
        for s in spans
    )
    failed = next(s for s in spans if s["status"] == "error")
    assert failed["llmSpan"]["model"] == "error-400"
    assert failed["attributes"]["error.type"] == "BadRequestError"
    assert "400" in failed["attributes"]["error.message"]


def test_anthropic_messages(key: str, api: Api, provider: FakeProvider) -> None:
    stacklens.configure(api_key=key)
    client = anthropic.Anthropic(api_key="sk-ant-test", base_url=provider.url, max_retries=0)
    aclient = anthropic.AsyncAnthropic(api_key="sk-ant-test", base_url=provider.url, max_retries=0)
    stacklens.instrument_anthropic(client)
    stacklens.instrument_anthropic(aclient)

    async def streamed() -> None:
        stream = await aclient.messages.create(
            model="claude-sonnet-4-5", max_tokens=100, messages=QUESTION, stream=True
        )
        async for _ in stream:
            pass
        await aclient.close()

    with stacklens.start_trace("claude turn") as turn:
        message = client.messages.create(
            model="claude-sonnet-4-5", max_tokens=100, system="Be brief.", messages=QUESTION
        )
        assert message.content[0].text == "echo: what is two plus two"
        events = [
            e.type
            for e in client.messages.create(
                model="claude-sonnet-4-5", max_tokens=100, messages=QUESTION, stream=True
            )
        ]
        assert events[0] == "message_start"
        assert events[-1] == "message_stop"
        asyncio.run(streamed())
        with pytest.raises(anthropic.AuthenticationError):
            client.messages.create(model="error-401", max_tokens=10, messages=QUESTION)
    spans = llm_spans(api, turn.trace_id, 4)
    assert len(spans) == 4
    plain = next(s for s in spans if not s["llmSpan"]["isStreaming"] and s["status"] == "ok")[
        "llmSpan"
    ]
    # Anthropic counts cache reads apart; the span counts them inside inputTokens.
    assert (plain["inputTokens"], plain["cacheReadTokens"], plain["outputTokens"]) == (5, 2, 6)
    assert (plain["provider"], plain["finishReason"], plain["maxTokens"]) == (
        "anthropic",
        "end_turn",
        100,
    )
    assert json.loads(plain["promptContent"])[0] == {"role": "system", "content": "Be brief."}
    streams = [s["llmSpan"] for s in spans if s["llmSpan"]["isStreaming"]]
    assert len(streams) == 2
    assert all(
        (s["completionContent"], s["inputTokens"], s["outputTokens"], s["finishReason"])
        == ("echo: what is two plus two", 5, 6, "end_turn")
        for s in streams
    )
    assert (
        next(s for s in spans if s["status"] == "error")["attributes"]["error.type"]
        == "AuthenticationError"
    )


def test_instrumenting_every_client_and_refusals(
    key: str, api: Api, provider: FakeProvider, monkeypatch: pytest.MonkeyPatch
) -> None:
    from openai.resources.chat.completions import AsyncCompletions, Completions

    # Restored after the test: instrumenting every client patches the classes.
    monkeypatch.setattr(Completions, "create", Completions.create)
    monkeypatch.setattr(AsyncCompletions, "create", AsyncCompletions.create)
    stacklens.configure(api_key=key)
    stacklens.instrument_openai()
    client = openai.OpenAI(api_key="sk-test", base_url=provider.url + "/v1", max_retries=0)
    stacklens.instrument_openai(client)  # already covered: no second span
    with stacklens.start_trace("every client") as turn:
        client.chat.completions.create(model="gpt-4o-mini", messages=QUESTION)
    assert len(llm_spans(api, turn.trace_id, 1)) == 1

    with pytest.raises(TypeError, match=r"client must be an openai\.OpenAI"):
        stacklens.instrument_openai(object())
    monkeypatch.setattr(openai, "__version__", "1.109.1")
    with pytest.raises(
        stacklens.ConfigurationError,
        match=r"supports openai 2\.x or 3\.x; this environment has openai 1\.109\.1",
    ):
        stacklens.instrument_openai()
