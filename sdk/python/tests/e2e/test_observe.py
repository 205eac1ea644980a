"""@stacklens.observe against the real server: nested observed calls (a function, a coroutine,
a generator) arrive as one trace with their parents, inputs and outputs, an error as an error
span."""

from __future__ import annotations

import asyncio
import json
from typing import Any, Iterator

import pytest

import stacklens

from .conftest import Api


@stacklens.observe(name="retrieve")
def retrieve(query: str) -> list[str]:
    return [f"doc about {query}"]


@stacklens.observe(name="stream answer")
def stream_answer(docs: list[str]) -> Iterator[str]:
    yield from ("Cats ", "purr.")


@stacklens.observe(name="pipeline")
async def pipeline(question: str) -> str:
    docs = retrieve(question)
    return "".join(stream_answer(docs))


@stacklens.observe(name="failing step")
def failing() -> None:
    raise ValueError("no answer")


def test_observed_calls_form_one_trace(key: str, api: Api) -> None:
    stacklens.configure(api_key=key)
    assert asyncio.run(pipeline("cats")) == "Cats purr."
    with stacklens.start_trace("with a failure") as outer:  # noqa: SIM117 (the error stays inside)
        with pytest.raises(ValueError, match="no answer"):
            failing()
    pipeline_trace = next(t for t in api.traces(name="pipeline"))
    detail = api.trace(pipeline_trace["traceId"], spans=3)
    spans: dict[str, Any] = {s["name"]: s for s in detail["spans"]}
    assert set(spans) == {"pipeline", "retrieve", "stream answer"}
    assert spans["retrieve"]["parentSpanId"] == spans["pipeline"]["spanId"]
    assert spans["stream answer"]["parentSpanId"] == spans["pipeline"]["spanId"]
    assert json.loads(spans["pipeline"]["attributes"]["input"]) == {"question": "cats"}
    assert json.loads(spans["pipeline"]["attributes"]["output"]) == "Cats purr."
    assert json.loads(spans["stream answer"]["attributes"]["output"]) == ["Cats ", "purr."]
    failed = api.trace(outer.trace_id, spans=2)
    step = next(s for s in failed["spans"] if s["name"] == "failing step")
    assert step["status"] == "error"
