"""StackLens and AsyncStackLens: clients with their own settings, side by side
with each other and with the module-level functions."""

from __future__ import annotations

import asyncio
import inspect
import json
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import httpx
import pytest

import stacklens

from .conftest import Recorder, error
from .test_public_api import params

WAIT = 10.0


def client(recorder: Recorder, key: str = "sl-a", **options: Any) -> stacklens.StackLens:
    return stacklens.StackLens(
        api_key=key, endpoint=f"http://{key}.test", transport=recorder.transport, **options
    )


def aclient(recorder: Recorder, key: str = "sl-a", **options: Any) -> stacklens.AsyncStackLens:
    return stacklens.AsyncStackLens(
        api_key=key, endpoint=f"http://{key}.test", transport=recorder.transport, **options
    )


def one(target: Any, name: str = "t") -> str:
    return str(target.trace(name, model="m", provider="p", input_tokens=1, output_tokens=2))


def test_constructors_take_configures_arguments() -> None:
    expected = params(stacklens.configure)
    for cls in (stacklens.StackLens, stacklens.AsyncStackLens):
        assert params(cls) == expected


def test_methods_match_the_module_functions() -> None:
    for sync_name, method in [
        ("trace", stacklens.StackLens.trace),
        ("start_trace", stacklens.StackLens.start_trace),
        ("flush", stacklens.StackLens.flush),
        ("stats", stacklens.StackLens.stats),
        ("atrace", stacklens.AsyncStackLens.trace),
        ("astart_trace", stacklens.AsyncStackLens.start_trace),
    ]:
        assert list(params(method))[1:] == list(params(getattr(stacklens, sync_name))), sync_name
    assert inspect.iscoroutinefunction(stacklens.AsyncStackLens.trace)
    assert inspect.iscoroutinefunction(stacklens.AsyncStackLens.flush)
    assert inspect.iscoroutinefunction(stacklens.AsyncStackLens.close)
    assert isinstance(stacklens.prompts, stacklens.Prompts)
    assert isinstance(stacklens.aprompts, stacklens.AsyncPrompts)


def test_two_clients_side_by_side() -> None:
    first, second = Recorder(), Recorder()
    with client(first, "sl-a") as a, client(second, "sl-b") as b:
        ids = [one(a, "a1"), one(b, "b1"), one(a, "a2")]
        assert a.prompts.get("p") == "You are helpful."
        assert b.stats() == stacklens.Stats(sent=1)
        assert a.stats() == stacklens.Stats(sent=2)
    assert [r.headers["X-Api-Key"] for r in first.requests] == ["sl-a"] * 3
    assert {r.url.host for r in first.requests} == {"sl-a.test"}
    assert [s["name"] for s in first.spans()] == ["a1", "a2"]
    assert [r.headers["X-Api-Key"] for r in second.requests] == ["sl-b"]
    assert [s["traceId"] for s in first.spans() + second.spans()] == [ids[0], ids[2], ids[1]]


def test_clients_leave_the_module_unconfigured() -> None:
    with client(Recorder()) as a:
        one(a)
        with pytest.raises(stacklens.ConfigurationError, match="configure"):
            one(stacklens)


def test_client_and_module_side_by_side(server: Recorder) -> None:
    other = Recorder()
    with client(other, "sl-other") as a:
        one(a, "client")
        one(stacklens, "module")
    assert [s["name"] for s in other.spans()] == ["client"]
    assert [s["name"] for s in server.spans()] == ["module"]
    assert server.requests[0].headers["X-Api-Key"] == "sl-test"


def test_environment_fallbacks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STACKLENS_API_KEY", "sl-env")
    monkeypatch.setenv("STACKLENS_ENDPOINT", "http://from-env:9000/")
    recorder = Recorder()
    with stacklens.StackLens(transport=recorder.transport) as a:
        one(a)
    assert recorder.requests[0].headers["X-Api-Key"] == "sl-env"
    assert str(recorder.requests[0].url).startswith("http://from-env:9000/api/v1/")
    assert repr(a) == "<StackLens endpoint='http://from-env:9000'>"


def test_default_endpoint_and_bad_arguments() -> None:
    recorder = Recorder()
    with stacklens.StackLens("sl-x", transport=recorder.transport) as a:
        one(a)
    assert recorder.requests[0].url.host == "api.getstacklens.ai"
    with pytest.raises(stacklens.ConfigurationError, match="STACKLENS_API_KEY"):
        stacklens.StackLens()
    with pytest.raises(stacklens.ConfigurationError):
        stacklens.AsyncStackLens()
    with pytest.raises(ValueError, match="batch_size"):
        stacklens.StackLens("sl-x", batch_size=5000)
    with pytest.raises(TypeError, match="endpoint"):
        stacklens.AsyncStackLens("sl-x", endpoint=5)  # type: ignore[arg-type]


def test_closed_client_raises_and_close_is_idempotent() -> None:
    a = client(Recorder())
    assert a.close() is True
    assert a.close() is True
    with pytest.raises(stacklens.ConfigurationError, match="closed"):
        one(a)
    with pytest.raises(stacklens.ConfigurationError, match="closed"), a.start_trace("x"):
        pass
    with pytest.raises(stacklens.ConfigurationError, match="closed"):
        a.prompts.get("p")
    assert a.flush() is True


def test_nesting_stays_within_a_client(server: Recorder) -> None:
    first, second = Recorder(), Recorder()
    with client(first, "sl-a") as a, client(second, "sl-b") as b, a.start_trace("root") as root:
        one(a, "a-child")
        one(b, "b-alone")
        one(stacklens, "module-alone")
        with a.start_trace("a-block"):
            pass
    (alone,) = second.spans()
    (module,) = server.spans()
    for span in (alone, module):
        assert span["parentSpanId"] is None
        assert span["traceId"] != root.trace_id
    children = [s for s in first.spans() if s["name"] != "root"]
    assert [c["parentSpanId"] for c in children] == [root.span_id] * 2


def test_retries_follow_the_clients_settings(sleeps: list[float]) -> None:
    recorder = Recorder()
    recorder.handler = error(503, "busy")
    with client(recorder, max_retries=2) as a, pytest.raises(stacklens.ApiError):
        one(a)
    assert len(recorder.requests) == 3
    assert sleeps == [0.5, 0.5]


def test_background_clients_keep_their_own_queues() -> None:
    first, second = Recorder(), Recorder()
    a = client(first, "sl-a", background=True, flush_interval=3600)
    b = client(second, "sl-b", background=True, flush_interval=3600)
    for i in range(5):
        one(a, f"a{i}")
    one(b, "b0")
    assert a.stats().queued == 5
    assert b.flush(WAIT) is True
    assert first.requests == []
    assert [s["name"] for s in second.spans()] == ["b0"]
    assert a.close(WAIT) is True
    assert len(first.spans()) == 5
    assert a.stats() == stacklens.Stats(sent=5)
    b.close()


def test_background_client_is_delivered_at_exit(tmp_path: Path) -> None:
    out = tmp_path / "sent.jsonl"
    script = textwrap.dedent(f"""
        import httpx, json, stacklens
        def handler(request):
            with open({str(out)!r}, "ab") as f:
                f.write(request.content + b"\\n")
            spans = json.loads(request.content)["spans"]
            return httpx.Response(200, json={{"accepted": len(spans), "rejected": 0}})
        client = stacklens.StackLens(api_key="sl-x", endpoint="http://h", background=True,
                                     flush_interval=3600, transport=httpx.MockTransport(handler))
        for i in range(20):
            client.trace("exit", model="m", provider="p", input_tokens=1, output_tokens=1)
        del client  # dropped unclosed: its queue is still delivered
    """)
    subprocess.run([sys.executable, "-c", script], check=True, timeout=60)
    lines = out.read_bytes().splitlines()
    assert sum(len(json.loads(line)["spans"]) for line in lines) == 20


def test_async_client() -> None:
    first, second = Recorder(), Recorder()

    async def run() -> tuple[stacklens.Span, str, str]:
        async with aclient(first, "sl-a") as a, aclient(second, "sl-b") as b:
            async with a.start_trace("root") as root:
                child = await a.trace(
                    "child", model="m", provider="p", input_tokens=1, output_tokens=1
                )
                alone = await b.trace(
                    "alone", model="m", provider="p", input_tokens=1, output_tokens=1
                )
            prompt = await a.prompts.get("p", env="dev")
            assert await a.flush() is True
            assert a.stats() == stacklens.Stats(sent=2)
        assert child == root.trace_id
        with pytest.raises(stacklens.ConfigurationError, match="closed"):
            await a.trace("late", model="m", provider="p", input_tokens=1, output_tokens=1)
        return root, alone, prompt

    root, alone, prompt = asyncio.run(run())
    assert prompt == "You are helpful."
    assert [s["name"] for s in first.spans()] == ["child", "root"]
    assert first.spans()[0]["parentSpanId"] == root.span_id
    assert second.spans()[0]["traceId"] == alone != root.trace_id
    assert {r.headers["X-Api-Key"] for r in second.requests} == {"sl-b"}


def test_async_client_in_background_mode() -> None:
    recorder = Recorder()

    async def run() -> bool:
        a = aclient(recorder, background=True, flush_interval=3600)
        for i in range(3):
            await a.trace(f"s{i}", model="m", provider="p", input_tokens=1, output_tokens=1)
        assert recorder.requests == []
        delivered = await a.flush(WAIT)
        await a.close()
        return delivered

    assert asyncio.run(run()) is True
    assert [s["name"] for s in recorder.spans()] == ["s0", "s1", "s2"]


def test_async_close_closes_the_loops_connections(monkeypatch: pytest.MonkeyPatch) -> None:
    closed: list[httpx.AsyncClient] = []
    original = httpx.AsyncClient.aclose

    async def spy(self: httpx.AsyncClient) -> None:
        closed.append(self)
        await original(self)

    monkeypatch.setattr(httpx.AsyncClient, "aclose", spy)

    async def run() -> int:
        a = aclient(Recorder())
        await a.prompts.get("p")
        await a.close()
        return len(closed)

    assert asyncio.run(run()) == 1
    assert len(closed) == 1
