"""Spans carry the prompt they used: after get_prompt() (or prompts.get()) inside a start_trace
block, every span the trace records afterwards (blocks, record_llm, trace(), @observe,
instrumented calls) has `stacklens.prompt.*` and, for an experiment, `stacklens.experiment`;
and record_llm(prompt=<Prompt>) puts them on its span."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

import stacklens
from stacklens import _instrument

from .conftest import Recorder

EXPERIMENT = {
    "id": 12,
    "variants": [
        {"label": "a", "version": 3, "weight": 1, "content": "Short."},
        {"label": "b", "version": 4, "weight": 1, "content": "Long."},
    ],
}
PROMPT_KEYS = {
    "stacklens.prompt.name",
    "stacklens.prompt.version",
    "stacklens.prompt.variant",
    "stacklens.experiment",
}


@pytest.fixture
def experiment(server: Recorder) -> Recorder:
    server.handler = lambda request: (
        httpx.Response(200, json={"content": "Short.", "version": 3, "experiment": EXPERIMENT})
        if request.method == "GET"
        else Recorder.ok(request)
    )
    return server


def by_name(server: Recorder) -> dict[str, dict[str, Any]]:
    return {s["name"]: s for s in server.spans()}


def prompt_attributes(span: dict[str, Any]) -> dict[str, str]:
    return {k: v for k, v in span["attributes"].items() if k in PROMPT_KEYS}


def test_spans_recorded_after_the_fetch_carry_the_served_variant(experiment: Recorder) -> None:
    with stacklens.start_trace("request") as root:
        with stacklens.start_trace("before"):
            pass  # recorded before the fetch
        prompt = stacklens.prompts.get_prompt("support", user_id="u-1")
        with stacklens.start_trace("llm") as llm:
            llm.record_llm("gpt-4o", "openai", 10, 5, prompt=prompt.compile())
        stacklens.trace("one-shot", model="m", provider="p", input_tokens=1, output_tokens=1)
    with stacklens.start_trace("next request"):
        pass
    expected = {
        "stacklens.prompt.name": "support",
        "stacklens.prompt.version": str(prompt.version),
        "stacklens.prompt.variant": str(prompt.variant),
        "stacklens.experiment": "12",
    }
    assert prompt.variant in ("a", "b")
    spans = by_name(experiment)
    for name in ("request", "llm", "one-shot"):
        assert prompt_attributes(spans[name]) == expected, name
        assert spans[name]["traceId"] == root.trace_id
    assert spans["llm"]["llmSpan"]["promptContent"] == prompt.content
    assert prompt_attributes(spans["before"]) == {}
    assert prompt_attributes(spans["next request"]) == {}  # another trace
    assert "stacklens.prompt.name" not in root.attributes  # added to what is sent only


def test_without_an_experiment_name_and_version_only(server: Recorder) -> None:
    with stacklens.start_trace("request"):
        assert stacklens.prompts.get("support") == "You are helpful."
    assert prompt_attributes(server.spans()[0]) == {
        "stacklens.prompt.name": "support",
        "stacklens.prompt.version": "1",
    }


def test_a_fallback_prompt_carries_its_name_only(server: Recorder) -> None:
    server.handler = lambda request: (
        httpx.Response(503, json={"error": "down"})
        if request.method == "GET"
        else Recorder.ok(request)
    )
    with stacklens.start_trace("request"):
        stacklens.prompts.get_prompt("support", fallback="Be kind.")
    assert prompt_attributes(server.spans()[0]) == {"stacklens.prompt.name": "support"}


def test_a_fetch_outside_any_trace_marks_nothing(experiment: Recorder) -> None:
    stacklens.prompts.get_prompt("support", user_id="u-1")
    with stacklens.start_trace("later"):
        pass
    stacklens.trace("one-shot", model="m", provider="p", input_tokens=1, output_tokens=1)
    assert all(prompt_attributes(s) == {} for s in experiment.spans())


def test_the_users_own_attribute_wins(experiment: Recorder) -> None:
    with stacklens.start_trace("request") as span:
        stacklens.prompts.get_prompt("support", user_id="u-1")
        span.set_attribute("stacklens.prompt.name", "mine")
    attributes = experiment.spans()[0]["attributes"]
    assert attributes["stacklens.prompt.name"] == "mine"
    assert attributes["stacklens.experiment"] == "12"


def test_record_llm_takes_a_prompt(server: Recorder) -> None:
    prompt = stacklens.Prompt("greeter", "Hello {{name}}", 5, "staging", "b", 9)
    with stacklens.start_trace("with a Prompt") as span:
        span.record_llm("gpt-4o", "openai", 3, 2, prompt=prompt)
    with stacklens.start_trace("with a str") as span:
        span.record_llm("gpt-4o", "openai", 3, 2, prompt="Hello Ann")
    with stacklens.start_trace("replaced") as span:
        span.record_llm("gpt-4o", "openai", 3, 2, prompt=prompt)
        span.record_llm("gpt-4o", "openai", 3, 2, prompt="Hello Bo")  # a later call replaces
    spans = by_name(server)
    assert spans["with a Prompt"]["llmSpan"]["promptContent"] == "Hello {{name}}"
    assert prompt_attributes(spans["with a Prompt"]) == {
        "stacklens.prompt.name": "greeter",
        "stacklens.prompt.version": "5",
        "stacklens.prompt.variant": "b",
        "stacklens.experiment": "9",
    }
    assert spans["with a str"]["llmSpan"]["promptContent"] == "Hello Ann"
    assert prompt_attributes(spans["with a str"]) == {}
    assert spans["replaced"]["llmSpan"]["promptContent"] == "Hello Bo"
    assert prompt_attributes(spans["replaced"]) == {}
    with pytest.raises(TypeError, match="prompt"):
        span.record_llm("gpt-4o", "openai", 3, 2, prompt=3)  # type: ignore[arg-type]


def test_the_prompt_given_to_record_llm_wins_over_the_traces(experiment: Recorder) -> None:
    other = stacklens.Prompt("summary", "Summarise.", 2, "production")
    with stacklens.start_trace("request"):
        stacklens.prompts.get_prompt("support", user_id="u-1")
        with stacklens.start_trace("summarise") as span:
            span.record_llm("gpt-4o", "openai", 3, 2, prompt=other)
    spans = by_name(experiment)
    assert prompt_attributes(spans["summarise"]) == {
        "stacklens.prompt.name": "summary",
        "stacklens.prompt.version": "2",
    }
    assert prompt_attributes(spans["request"])["stacklens.prompt.name"] == "support"


def test_observed_functions_and_instrumented_calls_carry_it(experiment: Recorder) -> None:
    @stacklens.observe
    def answer(question: str) -> str:
        prompt = stacklens.prompts.get_prompt("support", user_id="u-1")
        call = _instrument.Call("openai.chat", _instrument.Recorded("gpt-4o", "openai", False))
        call.finish()
        return prompt.compile() + question

    answer("?")
    spans = by_name(experiment)
    assert prompt_attributes(spans["openai.chat"]).keys() == PROMPT_KEYS
    assert prompt_attributes(spans[answer.__qualname__]).keys() == PROMPT_KEYS


def test_async_blocks_and_clients_of_their_own(experiment: Recorder) -> None:
    async def run() -> None:
        async with stacklens.astart_trace("async request"):
            await stacklens.aprompts.get_prompt("support", user_id="u-1")
            async with stacklens.astart_trace("async child"):
                pass

    asyncio.run(run())
    with stacklens.StackLens(
        api_key="sl-other", endpoint="http://stacklens.test", transport=experiment.transport
    ) as client:
        with client.start_trace("own client"):
            client.prompts.get_prompt("support", user_id="u-1")
        with client.start_trace("own client, default client's fetch"):
            stacklens.prompts.get_prompt("support", user_id="u-1")  # not this client's trace
    spans = by_name(experiment)
    for name in ("async request", "async child", "own client"):
        assert prompt_attributes(spans[name]).keys() == PROMPT_KEYS, name
    assert prompt_attributes(spans["own client, default client's fetch"]) == {}
