"""prompts.get() / aprompts.get(): the reference table and its errors."""

from __future__ import annotations

import asyncio

import httpx
import pytest

import stacklens

from .conftest import Recorder, error


def test_reference_examples(server: Recorder) -> None:
    system_prompt = stacklens.prompts.get("support-system-prompt")
    dev_prompt = stacklens.prompts.get("onboarding-email", env="dev")
    assert system_prompt == dev_prompt == "You are helpful."
    first, second = server.requests
    assert first.method == "GET"
    assert str(first.url) == (
        "http://stacklens.test/api/v1/flowops/v1/prompts/by-name/support-system-prompt"
        "?env=production"
    )
    assert str(second.url) == (
        "http://stacklens.test/api/v1/flowops/v1/prompts/by-name/onboarding-email?env=dev"
    )
    assert first.headers["X-Api-Key"] == "sl-test"
    assert first.headers["Content-Type"] == "application/json"


@pytest.mark.parametrize("env", ["dev", "staging", "production"])
def test_env_row(server: Recorder, env: str) -> None:
    server.handler = lambda request: httpx.Response(
        200, json={"name": "p", "content": f"for {request.url.params['env']}", "version": 2}
    )
    assert stacklens.prompts.get("p", env=env) == f"for {env}"


def test_returns_only_the_content_string(server: Recorder) -> None:
    server.handler = lambda request: httpx.Response(
        200, json={"content": "text", "version": 3, "env": "production"}
    )
    result = stacklens.prompts.get("p")
    assert result == "text"
    assert type(result) is str


@pytest.mark.parametrize(
    ("env", "error_type"), [("prod", ValueError), ("", ValueError), (None, TypeError)]
)
def test_bad_env(server: Recorder, env: object, error_type: type[Exception]) -> None:
    with pytest.raises(error_type, match="env"):
        stacklens.prompts.get("p", env=env)  # type: ignore[arg-type]
    assert server.requests == []


def test_bad_name(server: Recorder) -> None:
    with pytest.raises(ValueError, match="name"):
        stacklens.prompts.get("")
    with pytest.raises(TypeError, match="name"):
        stacklens.prompts.get(3)  # type: ignore[arg-type]


def test_not_promoted_is_api_error_404(server: Recorder) -> None:
    server.handler = error(404, "no version of 'p' is promoted to dev")
    with pytest.raises(stacklens.ApiError, match="promoted") as caught:
        stacklens.prompts.get("p", env="dev")
    assert caught.value.status_code == 404


@pytest.mark.parametrize("status", [401, 403])
def test_auth(server: Recorder, status: int) -> None:
    server.handler = error(status, "prompts:read required")
    with pytest.raises(stacklens.AuthError) as caught:
        stacklens.prompts.get("p")
    assert caught.value.status_code == status


def test_response_without_content(server: Recorder) -> None:
    server.handler = lambda request: httpx.Response(200, json={"name": "p"})
    with pytest.raises(stacklens.ApiError, match="content"):
        stacklens.prompts.get("p")


def test_prompts_raise_even_in_background_mode() -> None:
    recorder = Recorder()
    recorder.handler = error(404, "unknown prompt")
    stacklens.configure(
        api_key="sl-x", endpoint="http://h", transport=recorder.transport, background=True
    )
    with pytest.raises(stacklens.ApiError):
        stacklens.prompts.get("p")


def test_aprompts(server: Recorder) -> None:
    async def run() -> tuple[str, str]:
        return (
            await stacklens.aprompts.get("support-system-prompt"),
            await stacklens.aprompts.get("onboarding-email", env="dev"),
        )

    assert asyncio.run(run()) == ("You are helpful.", "You are helpful.")
    assert [r.url.params["env"] for r in server.requests] == ["production", "dev"]
    assert server.requests[0].url.path.endswith("/by-name/support-system-prompt")


def test_aprompts_errors(server: Recorder) -> None:
    server.handler = error(404, "missing")
    with pytest.raises(stacklens.ApiError):
        asyncio.run(stacklens.aprompts.get("p"))


def test_async_client_is_closed_with_its_loop(
    server: Recorder, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Every call goes to the server here (a cached prompt would need no connection).
    stacklens.configure(
        api_key="sl-test",
        endpoint="http://stacklens.test",
        transport=server.transport,
        prompt_cache_ttl=0,
    )
    closed: list[httpx.AsyncClient] = []
    original = httpx.AsyncClient.aclose

    async def spy(self: httpx.AsyncClient) -> None:
        closed.append(self)
        await original(self)

    monkeypatch.setattr(httpx.AsyncClient, "aclose", spy)

    async def run() -> None:
        await stacklens.aprompts.get("a")
        await stacklens.aprompts.get("b")  # same loop: same pooled client

    asyncio.run(run())
    asyncio.run(run())
    assert len(closed) == 2
    assert len(server.requests) == 4
