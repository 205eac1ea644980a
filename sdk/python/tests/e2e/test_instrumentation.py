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


@pytest.fixture
def openai_client(provider: FakeProvider) -> Iterator[Any]:
    with openai.OpenAI(api_key="sk-test", base_url=provider.url + "/v1", max_retries=0) as client:
        yield client


@pytest.fixture
def anthropic_client(provider: FakeProvider) -> Iterator[Any]:
    with anthropic.Anthropic(api_key="sk-ant-test", base_url=provider.url, max_retries=0) as client:
        yield client


def llm_spans(api: Api, trace_id: str, count: int) -> list[dict[str, Any]]:
    detail = api.trace(trace_id, spans=count + 1)
    return [s for s in detail["spans"] if s["llmSpan"] is not None]


def test_openai_calls_sync_and_streamed(key: str, api: Api, openai_client: Any) -> None:
    stacklens.configure(api_key=key)
    client = openai_client
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


def test_anthropic_messages(
    key: str, api: Api, provider: FakeProvider, anthropic_client: Any
) -> None:
    stacklens.configure(api_key=key)
    client = anthropic_client
    aclient = anthropic.AsyncAnthropic(api_key="sk-ant-test", base_url=provider.url, max_retries=0)
    stacklens.instrument_anthropic(client)
    stacklens.instrument_anthropic(aclient)

    async def streamed() -> None:
        stream = await aclient.messages.create(
            model="claude-test-model", max_tokens=100, messages=QUESTION, stream=True
        )
        async for _ in stream:
            pass
        await aclient.close()

    with stacklens.start_trace("claude turn") as turn:
        message = client.messages.create(
            model="claude-test-model", max_tokens=100, system="Be brief.", messages=QUESTION
        )
        assert message.content[0].text == "echo: what is two plus two"
        events = [
            e.type
            for e in client.messages.create(
                model="claude-test-model", max_tokens=100, messages=QUESTION, stream=True
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
    key: str, api: Api, openai_client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from openai.resources.chat.completions import AsyncCompletions, Completions
    from openai.resources.responses import AsyncResponses, Responses

    # Restored after the test: instrumenting every client patches the classes.
    for resource in (Completions, AsyncCompletions, Responses, AsyncResponses):
        monkeypatch.setattr(resource, "create", resource.create)
    stacklens.configure(api_key=key)
    stacklens.instrument_openai()
    client = openai_client
    stacklens.instrument_openai(client)  # already covered: no second span
    with stacklens.start_trace("every client") as turn:
        client.chat.completions.create(model="gpt-4o-mini", messages=QUESTION)
        client.responses.create(model="gpt-4o-mini", input="what is two plus two")
    assert len(llm_spans(api, turn.trace_id, 2)) == 2

    with pytest.raises(TypeError, match=r"client must be an openai\.OpenAI"):
        stacklens.instrument_openai(object())
    monkeypatch.setattr(openai, "__version__", "1.109.1")
    with pytest.raises(
        stacklens.ConfigurationError,
        match=r"supports openai 2\.x or 3\.x; this environment has openai 1\.109\.1",
    ):
        stacklens.instrument_openai()


def test_instrumenting_every_anthropic_client(
    key: str, api: Api, anthropic_client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from anthropic.resources.messages import AsyncMessages, Messages

    for resource in (Messages, AsyncMessages):
        for method in ("create", "stream"):
            monkeypatch.setattr(resource, method, getattr(resource, method))
    stacklens.configure(api_key=key)
    stacklens.instrument_anthropic()
    stacklens.instrument_anthropic(anthropic_client)  # already covered: no second span
    ask: dict[str, Any] = {"model": "claude-test-model", "max_tokens": 10, "messages": QUESTION}
    with stacklens.start_trace("every anthropic client") as turn:
        anthropic_client.messages.create(**ask)
        with anthropic_client.messages.stream(**ask) as stream:
            stream.until_done()
    spans = llm_spans(api, turn.trace_id, 2)
    assert sorted(s["llmSpan"]["isStreaming"] for s in spans) == [False, True]


def by_model(spans: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {s["llmSpan"]["model"]: s for s in spans}


def test_openai_responses_api(key: str, api: Api, openai_client: Any) -> None:
    stacklens.configure(api_key=key)
    client = openai_client
    stacklens.instrument_openai(client)
    with stacklens.start_trace("responses turn") as turn:
        reply = client.responses.create(
            model="gpt-plain",
            instructions="Be brief.",
            input="what is two plus two",
            temperature=0.3,
            max_output_tokens=50,
        )
        assert reply.output_text == "echo: what is two plus two"
        cut = client.responses.create(model="gpt-cut", input=QUESTION, max_output_tokens=3)
        assert cut.status == "incomplete"
        deltas = [
            e.delta
            for e in client.responses.create(model="gpt-stream", input=QUESTION, stream=True)
            if e.type == "response.output_text.delta"
        ]
        assert "".join(deltas) == "echo: what is two plus two"
        with client.responses.stream(model="gpt-helper", input=QUESTION) as stream:
            for _ in stream:
                pass
            assert stream.get_final_response().output_text == "echo: what is two plus two"
        with client.responses.stream(model="gpt-unread", input=QUESTION):
            pass  # left unread: the span ends when the block closes the stream
        with pytest.raises(openai.RateLimitError):
            client.responses.create(model="error-429", input=QUESTION)
        assert client.responses.create(model="failed", input=QUESTION).status == "failed"
        for _ in client.responses.create(model="failed-stream", input=QUESTION, stream=True):
            pass
    spans = by_model(llm_spans(api, turn.trace_id, 8))
    assert len(spans) == 8
    assert all(
        s["name"] == "openai.responses" and s["parentSpanId"] == turn.span_id
        for s in spans.values()
    )
    plain = spans["gpt-plain"]["llmSpan"]
    assert (plain["provider"], plain["temperature"], plain["maxTokens"], plain["isStreaming"]) == (
        "openai",
        0.3,
        50,
        False,
    )
    assert (
        plain["inputTokens"],
        plain["outputTokens"],
        plain["cacheReadTokens"],
        plain["reasoningTokens"],
    ) == (7, 6, 2, 1)
    assert plain["finishReason"] == "completed"
    assert json.loads(plain["promptContent"]) == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "what is two plus two"},
    ]
    assert plain["completionContent"] == "echo: what is two plus two"
    cut_span = spans["gpt-cut"]["llmSpan"]
    assert (cut_span["finishReason"], cut_span["outputTokens"], cut_span["maxTokens"]) == (
        "max_output_tokens",
        3,
        3,
    )
    assert cut_span["completionContent"] == "echo: what is"
    for name in ("gpt-stream", "gpt-helper"):
        streamed = spans[name]["llmSpan"]
        assert streamed["isStreaming"]
        assert (
            streamed["completionContent"],
            streamed["inputTokens"],
            streamed["outputTokens"],
            streamed["cacheReadTokens"],
            streamed["finishReason"],
        ) == ("echo: what is two plus two", 5, 6, 2, "completed")
    unread = spans["gpt-unread"]
    assert (unread["status"], unread["llmSpan"]["isStreaming"]) == ("ok", True)
    assert unread["attributes"]["stacklens.usage"].startswith("not reported")
    failed = spans["error-429"]
    assert (failed["status"], failed["attributes"]["error.type"]) == ("error", "RateLimitError")
    # A response the API reports as failed is an error span too, though nothing is raised.
    for name in ("failed", "failed-stream"):
        failed = spans[name]
        assert (failed["status"], failed["llmSpan"]["finishReason"]) == ("error", "failed")
        assert (failed["attributes"]["error.type"], failed["attributes"]["error.message"]) == (
            "ResponseFailed",
            "server_error: The fake model failed to answer",
        )


def test_openai_responses_api_async(key: str, api: Api, provider: FakeProvider) -> None:
    stacklens.configure(api_key=key)
    client = openai.AsyncOpenAI(api_key="sk-test", base_url=provider.url + "/v1", max_retries=0)
    stacklens.instrument_openai(client, capture_content=False)

    async def run() -> str:
        async with stacklens.astart_trace("async responses") as turn:
            await client.responses.create(model="gpt-plain", input="what is two plus two")
            stream = await client.responses.create(model="gpt-stream", input=QUESTION, stream=True)
            async for _ in stream:
                pass
            async with client.responses.stream(model="gpt-helper", input=QUESTION) as helper:
                final = await helper.get_final_response()
                assert final.output_text == "echo: what is two plus two"
            async with client.responses.stream(model="gpt-unread", input=QUESTION):
                pass
            with pytest.raises(openai.BadRequestError):
                await client.responses.create(model="error-400", input=QUESTION)
        await client.close()
        return turn.trace_id

    spans = by_model(llm_spans(api, asyncio.run(run()), 5))
    assert len(spans) == 5
    assert all(
        s["llmSpan"]["promptContent"] is None and s["llmSpan"]["completionContent"] is None
        for s in spans.values()
    )
    assert [spans[m]["llmSpan"]["outputTokens"] for m in ("gpt-plain", "gpt-stream")] == [6, 6]
    helper_span = spans["gpt-helper"]["llmSpan"]
    assert (helper_span["isStreaming"], helper_span["inputTokens"]) == (True, 5)
    assert spans["error-400"]["attributes"]["error.type"] == "BadRequestError"
    assert spans["gpt-unread"]["attributes"]["stacklens.usage"].startswith("not reported")


def test_anthropic_stream_helper(
    key: str, api: Api, provider: FakeProvider, anthropic_client: Any
) -> None:
    stacklens.configure(api_key=key)
    client = anthropic_client
    aclient = anthropic.AsyncAnthropic(api_key="sk-ant-test", base_url=provider.url, max_retries=0)
    stacklens.instrument_anthropic(client)
    stacklens.instrument_anthropic(aclient)
    ask: dict[str, Any] = {"max_tokens": 100, "messages": QUESTION}

    async def streamed() -> None:
        async with aclient.messages.stream(model="claude-async", **ask) as stream:
            texts = [t async for t in stream.text_stream]
            assert "".join(texts) == "echo: what is two plus two"
            assert (await stream.get_final_message()).usage.output_tokens == 6
        async with aclient.messages.stream(model="claude-async-unread", **ask):
            pass
        await aclient.close()

    with stacklens.start_trace("claude helper turn") as turn:
        with client.messages.stream(model="claude-text", system="Be brief.", **ask) as stream:
            with stacklens.start_trace("inside the block") as inside:
                pass
            assert "".join(stream.text_stream) == "echo: what is two plus two"
            assert stream.get_final_message().content[0].text == "echo: what is two plus two"
        with client.messages.stream(model="claude-final", **ask) as stream:
            assert stream.get_final_text() == "echo: what is two plus two"
        with client.messages.stream(model="claude-unread", **ask):
            pass
        asyncio.run(streamed())
        with (
            pytest.raises(anthropic.RateLimitError),
            client.messages.stream(model="error-429", **ask),
        ):
            pass
    spans = by_model(llm_spans(api, turn.trace_id, 7))
    assert len(spans) == 6
    # The block's own spans nest under the caller's, not under the call's.
    assert inside.parent_span_id == turn.span_id
    assert all(
        s["name"] == "anthropic.messages" and s["parentSpanId"] == turn.span_id
        for s in spans.values()
    )
    for name in ("claude-text", "claude-final", "claude-async"):
        llm = spans[name]["llmSpan"]
        assert (
            llm["isStreaming"],
            llm["completionContent"],
            llm["inputTokens"],
            llm["cacheReadTokens"],
            llm["outputTokens"],
            llm["finishReason"],
            llm["maxTokens"],
        ) == (True, "echo: what is two plus two", 5, 2, 6, "end_turn", 100)
    assert json.loads(spans["claude-text"]["llmSpan"]["promptContent"])[0] == {
        "role": "system",
        "content": "Be brief.",
    }
    for name in ("claude-unread", "claude-async-unread"):
        unread = spans[name]
        assert (unread["status"], unread["attributes"]["stacklens.usage"][:12]) == (
            "ok",
            "not reported",
        )
    assert spans["error-429"]["status"] == "error"
    assert spans["error-429"]["attributes"]["error.type"] == "RateLimitError"
