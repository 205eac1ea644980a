"""The prompt cache behind prompts.get() / get_prompt(): answers from memory for
prompt_cache_ttl seconds, revalidates in the background with If-None-Match afterwards, serves
the cached version (or `fallback=`) while the server fails, never hides 401/403/404; and
Prompt.compile()."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Callable

import httpx
import pytest

import stacklens

from .conftest import Recorder, error


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    c = Clock()
    monkeypatch.setattr("stacklens._prompt_cache.time.monotonic", c)
    return c


def served(content: str, version: int, etag: str) -> Callable[[httpx.Request], httpx.Response]:
    """A server holding one version: 304 to a request naming its tag."""

    def handle(request: httpx.Request) -> httpx.Response:
        if request.headers.get("if-none-match") == etag:
            return httpx.Response(304, headers={"ETag": etag})
        return httpx.Response(
            200,
            json={"name": "p", "content": content, "version": version, "env": "production"},
            headers={"ETag": etag},
        )

    return handle


def wait_for(condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + 5
    while not condition():
        assert time.monotonic() < deadline, "the background refresh did not finish"
        time.sleep(0.005)


def refreshed(recorder: Recorder, count: int) -> Callable[[], bool]:
    """The recorder has seen `count` requests and no refresh is running any more."""
    runtime = stacklens._runtime.current()
    return lambda: (
        len(recorder.requests) >= count
        and not any(e.refreshing for e in runtime.prompts._entries.values())
    )


def test_within_the_ttl_calls_answer_from_memory(server: Recorder, clock: Clock) -> None:
    server.handler = served("v1", 1, '"a"')
    assert stacklens.prompts.get("p") == "v1"
    clock.now += 59
    assert stacklens.prompts.get("p") == "v1"
    assert stacklens.prompts.get_prompt("p").version == 1
    assert len(server.requests) == 1
    # Each environment is its own entry.
    assert stacklens.prompts.get("p", env="dev") == "v1"
    assert len(server.requests) == 2


def test_a_stale_prompt_is_served_at_once_and_revalidated_behind(
    server: Recorder, clock: Clock
) -> None:
    server.handler = served("v1", 1, '"a"')
    stacklens.prompts.get("p")
    clock.now += 61
    assert stacklens.prompts.get("p") == "v1"  # at once, from memory
    wait_for(refreshed(server, 2))
    assert server.requests[1].headers["if-none-match"] == '"a"'  # answered 304
    assert stacklens.prompts.get("p") == "v1"
    assert len(server.requests) == 2  # fresh again for another ttl

    server.handler = served("v2", 2, '"b"')  # promoted meanwhile
    clock.now += 61
    assert stacklens.prompts.get("p") == "v1"
    wait_for(refreshed(server, 3))
    prompt = stacklens.prompts.get_prompt("p")
    assert (prompt.content, prompt.version, prompt.environment) == ("v2", 2, "production")
    assert stacklens.stats().prompt_fallbacks == 0


def test_while_the_server_fails_the_cached_prompt_is_served(
    server: Recorder, clock: Clock, caplog: pytest.LogCaptureFixture
) -> None:
    server.handler = served("v1", 1, '"a"')
    stacklens.prompts.get("p")
    server.handler = error(503, "down for maintenance")
    with caplog.at_level(logging.WARNING, logger="stacklens"):
        for _ in range(3):
            clock.now += 61
            assert stacklens.prompts.get("p") == "v1"
            wait_for(
                lambda: (
                    not any(
                        e.refreshing for e in stacklens._runtime.current().prompts._entries.values()
                    )
                )
            )
    assert stacklens.stats().prompt_fallbacks == 3
    warnings = [r for r in caplog.records if "served from the cached version" in r.getMessage()]
    assert len(warnings) == 1
    assert "down for maintenance" in warnings[0].getMessage()


def test_a_prompt_gone_from_the_server_is_not_hidden(server: Recorder, clock: Clock) -> None:
    server.handler = served("v1", 1, '"a"')
    stacklens.prompts.get("p")
    server.handler = error(404, "prompt 'p' has no version promoted to production")
    clock.now += 61
    assert stacklens.prompts.get("p") == "v1"  # this call was already answered from memory
    wait_for(refreshed(server, 2))
    with pytest.raises(stacklens.ApiError) as caught:
        stacklens.prompts.get("p")
    assert caught.value.status_code == 404


def test_fallback_when_nothing_was_fetched_yet(server: Recorder) -> None:
    server.handler = error(503)
    prompt = stacklens.prompts.get_prompt("p", fallback="You are helpful.")
    assert (prompt.content, prompt.version, prompt.name, prompt.environment) == (
        "You are helpful.",
        None,
        "p",
        "production",
    )
    assert stacklens.stats().prompt_fallbacks == 1
    with pytest.raises(stacklens.ApiError) as caught:
        stacklens.prompts.get("p")  # no fallback given: the failure raises
    assert caught.value.status_code == 503
    # Auth errors are never replaced by the fallback.
    server.handler = error(401, "invalid API key")
    with pytest.raises(stacklens.AuthError):
        stacklens.prompts.get_prompt("p", fallback="You are helpful.")
    with pytest.raises(TypeError, match="fallback must be a str"):
        stacklens.prompts.get_prompt("p", fallback=3)  # type: ignore[arg-type]


def test_with_ttl_zero_every_call_asks_the_server(server: Recorder) -> None:
    stacklens.configure(
        api_key="sl-test",
        endpoint="http://stacklens.test",
        transport=server.transport,
        prompt_cache_ttl=0,
    )
    server.handler = served("v1", 1, '"a"')
    for _ in range(3):
        assert stacklens.prompts.get("p") == "v1"
    assert len(server.requests) == 3
    assert [r.headers.get("if-none-match") for r in server.requests] == [None, '"a"', '"a"']
    server.handler = error(502)
    assert stacklens.prompts.get("p") == "v1"  # the server fails: the last version it served
    assert stacklens.stats().prompt_fallbacks == 1


def test_async_get_prompt_shares_the_cache(server: Recorder) -> None:
    server.handler = served("v1", 1, '"a"')

    async def run() -> list[str]:
        first = await stacklens.aprompts.get_prompt("p")
        return [first.content, await stacklens.aprompts.get("p"), stacklens.prompts.get("p")]

    assert asyncio.run(run()) == ["v1", "v1", "v1"]
    assert len(server.requests) == 1


@pytest.mark.parametrize(("ttl", "exc"), [(-1, ValueError), (True, TypeError), ("60", TypeError)])
def test_bad_prompt_cache_ttl(ttl: object, exc: type) -> None:
    with pytest.raises(exc, match="prompt_cache_ttl"):
        stacklens.configure(api_key="sl-x", prompt_cache_ttl=ttl)  # type: ignore[arg-type]


def test_compile_fills_in_the_template() -> None:
    prompt = stacklens.Prompt(
        "greeter", "Hello {{ customer_name }}, about {{order}}: {{order}}.", 3, "production"
    )
    assert prompt.variables == ["customer_name", "order"]
    assert prompt.compile(customer_name="Ann", order=42, unused="x") == "Hello Ann, about 42: 42."
    with pytest.raises(stacklens.TemplateError) as caught:
        prompt.compile(order=1)
    assert caught.value.missing == ["customer_name"]
    assert "'greeter' needs the variable customer_name" in str(caught.value)
    with pytest.raises(stacklens.TemplateError, match="variables customer_name, order"):
        prompt.compile()
    assert isinstance(caught.value, stacklens.StackLensError)
    assert stacklens.Prompt("x", "no variables {here}", 1, "dev").compile() == "no variables {here}"
    assert str(prompt) == prompt.content
