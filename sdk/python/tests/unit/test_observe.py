"""@stacklens.observe: a span per call of functions, coroutines, generators and async
generators, nesting like start_trace, with the call's input and output, errors as error spans."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

import stacklens
from stacklens import _observe

from .conftest import Recorder


def by_name(server: Recorder) -> dict[str, dict[str, Any]]:
    return {s["name"]: s for s in server.spans()}


class Retriever:
    @stacklens.observe
    def search(self, query: str, k: int = 3) -> list[str]:
        return [f"{query}-{i}" for i in range(k)]


def test_a_function_call_is_a_span_with_its_input_and_output(server: Recorder) -> None:
    with stacklens.start_trace("request") as outer:
        assert Retriever().search("cats", k=2) == ["cats-0", "cats-1"]
    spans = by_name(server)
    inner = spans["Retriever.search"]
    assert inner["parentSpanId"] == outer.span_id
    assert inner["traceId"] == outer.trace_id
    assert json.loads(inner["attributes"]["input"]) == {"query": "cats", "k": 2}  # self left out
    assert json.loads(inner["attributes"]["output"]) == ["cats-0", "cats-1"]
    assert inner["status"] == "ok"


def test_an_exception_makes_an_error_span_and_propagates(server: Recorder) -> None:
    @stacklens.observe(name="flaky step", capture_output=False)
    def flaky(x: int) -> int:
        raise KeyError(x)

    with pytest.raises(KeyError):
        flaky(7)
    span = by_name(server)["flaky step"]
    assert span["status"] == "error"
    assert json.loads(span["attributes"]["input"]) == {"x": 7}
    assert "output" not in span["attributes"]


def test_coroutines_nest_and_capture_like_functions(server: Recorder) -> None:
    @stacklens.observe
    async def leaf(n: int) -> dict[str, int]:
        await asyncio.sleep(0)
        return {"n": n}

    @stacklens.observe(capture_input=False)
    async def root() -> list[dict[str, int]]:
        return list(await asyncio.gather(leaf(1), leaf(2)))

    assert asyncio.run(root()) == [{"n": 1}, {"n": 2}]
    spans = server.spans()
    root_span = next(s for s in spans if s["name"].endswith("root"))
    leaves = [s for s in spans if s["name"].endswith("leaf")]
    assert len(leaves) == 2
    assert all(s["parentSpanId"] == root_span["spanId"] for s in leaves)
    assert "input" not in root_span["attributes"]
    assert sorted(json.loads(s["attributes"]["output"])["n"] for s in leaves) == [1, 2]


def test_a_generator_span_covers_its_steps_only(server: Recorder) -> None:
    @stacklens.observe(name="stream")
    def stream(n: int) -> Any:
        for i in range(n):
            stacklens.trace(
                "inside", model="m", provider="p", input_tokens=1, output_tokens=1
            )  # runs inside the generator
            yield i
        return "done"

    with stacklens.start_trace("request") as outer:
        got = []
        for item in stream(3):
            got.append(item)
            stacklens.trace(
                "consumer", model="m", provider="p", input_tokens=1, output_tokens=1
            )  # runs between the steps
    assert got == [0, 1, 2]
    spans = server.spans()
    gen = next(s for s in spans if s["name"] == "stream")
    assert gen["parentSpanId"] == outer.span_id
    assert json.loads(gen["attributes"]["output"]) == [0, 1, 2]
    assert all(s["parentSpanId"] == gen["spanId"] for s in spans if s["name"] == "inside")
    assert all(s["parentSpanId"] == outer.span_id for s in spans if s["name"] == "consumer")


def test_a_generator_closed_early_ends_its_span_ok(server: Recorder) -> None:
    @stacklens.observe
    def numbers() -> Any:
        i = 0
        while True:
            yield i
            i += 1

    gen = numbers()
    assert [next(gen), next(gen)] == [0, 1]
    gen.close()
    span = by_name(server)[numbers.__qualname__]
    assert span["status"] == "ok"
    assert json.loads(span["attributes"]["output"]) == [0, 1]

    @stacklens.observe(name="echo")
    def echo() -> Any:
        received = yield "ready"
        yield f"got {received}"

    e = echo()
    assert next(e) == "ready"
    assert e.send("hello") == "got hello"  # send() reaches the generator
    with pytest.raises(StopIteration):
        next(e)


def test_async_generators(server: Recorder) -> None:
    @stacklens.observe(name="tokens")
    async def tokens() -> Any:
        for t in ("Hel", "lo"):
            yield t

    @stacklens.observe(name="broken")
    async def broken() -> Any:
        yield 1
        raise RuntimeError("stream cut")

    async def run() -> list[str]:
        out = [t async for t in tokens()]
        with pytest.raises(RuntimeError, match="stream cut"):
            async for _ in broken():
                pass
        return out

    assert asyncio.run(run()) == ["Hel", "lo"]
    spans = by_name(server)
    assert json.loads(spans["tokens"]["attributes"]["output"]) == ["Hel", "lo"]
    assert spans["tokens"]["status"] == "ok"
    assert spans["broken"]["status"] == "error"


def test_long_values_are_cut_and_odd_ones_repr(server: Recorder) -> None:
    @stacklens.observe(name="big")
    def big(thing: object, blob: str) -> str:
        return blob * 2

    big(object(), "x" * 5000)
    attributes = by_name(server)["big"]["attributes"]
    assert len(attributes["output"]) == _observe.MAX_CAPTURED
    assert attributes["output"].endswith("…(truncated)")
    assert "<object object at" in attributes["input"]


def test_bad_uses_are_refused() -> None:
    with pytest.raises(TypeError, match="capture_input and capture_output must be bools"):
        stacklens.observe(capture_input="yes")  # type: ignore[call-overload]
    with pytest.raises(TypeError, match="decorates functions"):
        stacklens.observe()(42)  # type: ignore[type-var]
    with pytest.raises(ValueError, match="name"):
        stacklens.observe(name="")
