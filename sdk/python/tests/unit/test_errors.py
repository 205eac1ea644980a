"""The exceptions table, retries in the default mode, and network failures."""

from __future__ import annotations

import asyncio

import httpx
import pytest

import stacklens

from .conftest import Recorder, error


def trace_once() -> str:
    return stacklens.trace(
        "my-call", model="gpt-4o", provider="openai", input_tokens=100, output_tokens=50
    )


def test_reference_example_auth(server: Recorder, capsys: pytest.CaptureFixture[str]) -> None:
    server.handler = error(401, "invalid API key")
    try:
        stacklens.trace(
            "my-call", model="gpt-4o", provider="openai", input_tokens=100, output_tokens=50
        )
    except stacklens.AuthError:
        print("Check your API key")
    except stacklens.ApiError as e:
        print(f"API error {e.status_code}")
    assert capsys.readouterr().out == "Check your API key\n"


def test_reference_example_api_error(server: Recorder, capsys: pytest.CaptureFixture[str]) -> None:
    server.handler = error(422, "bad span")
    try:
        stacklens.trace(
            "my-call", model="gpt-4o", provider="openai", input_tokens=100, output_tokens=50
        )
    except stacklens.AuthError:
        print("Check your API key")
    except stacklens.ApiError as e:
        print(f"API error {e.status_code}")
    assert capsys.readouterr().out == "API error 422\n"


@pytest.mark.parametrize("status", [401, 403])
def test_auth_errors(server: Recorder, sleeps: list[float], status: int) -> None:
    server.handler = error(status, "key lacks scope traces:write")
    with pytest.raises(stacklens.AuthError, match="traces:write") as caught:
        trace_once()
    assert caught.value.status_code == status
    assert isinstance(caught.value, stacklens.StackLensError)
    assert len(server.requests) == 1
    assert sleeps == []


@pytest.mark.parametrize("status", [400, 404, 409, 413, 422, 429])
def test_other_4xx_is_api_error_and_not_retried(
    server: Recorder, sleeps: list[float], status: int
) -> None:
    server.handler = error(status, "nope", headers={"Retry-After": "1"})
    with pytest.raises(stacklens.ApiError) as caught:
        trace_once()
    assert not isinstance(caught.value, stacklens.AuthError)
    assert caught.value.status_code == status
    assert str(caught.value) == "nope"
    assert len(server.requests) == 1
    assert sleeps == []


def test_error_without_json_body(server: Recorder) -> None:
    server.handler = lambda request: httpx.Response(400, text="")
    with pytest.raises(stacklens.ApiError, match="HTTP 400"):
        trace_once()


def test_5xx_retried_once_then_raises(server: Recorder, sleeps: list[float]) -> None:
    server.handler = error(500, "internal")
    with pytest.raises(stacklens.ApiError) as caught:
        trace_once()
    assert caught.value.status_code == 500
    assert len(server.requests) == 2
    assert sleeps == [0.5]
    assert server.requests[0].content == server.requests[1].content
    assert stacklens.stats().failed == 1


def test_5xx_then_success(server: Recorder, sleeps: list[float]) -> None:
    answers = iter(
        [
            httpx.Response(503, json={"error": "busy"}, headers={"Retry-After": "1"}),
            httpx.Response(200, json={"accepted": 1}),
        ]
    )
    server.handler = lambda request: next(answers)
    trace_once()
    assert len(server.requests) == 2
    assert sleeps == [1.0]
    assert stacklens.stats().sent == 1


def test_retry_after_is_capped_in_blocking_mode(server: Recorder, sleeps: list[float]) -> None:
    server.handler = error(503, "busy", headers={"Retry-After": "3600"})
    with pytest.raises(stacklens.ApiError):
        trace_once()
    assert sleeps == [2.0]


@pytest.mark.parametrize(
    "failure", [httpx.ConnectError, httpx.ReadTimeout, httpx.RemoteProtocolError]
)
def test_network_failure_is_retried_then_names_the_endpoint(
    server: Recorder, sleeps: list[float], failure: type[httpx.TransportError]
) -> None:
    def fail(request: httpx.Request) -> httpx.Response:
        raise failure("connection refused", request=request)

    server.handler = fail
    with pytest.raises(stacklens.NetworkError, match=r"http://stacklens\.test") as caught:
        trace_once()
    assert isinstance(caught.value, stacklens.StackLensError)
    assert caught.value.endpoint == "http://stacklens.test"
    assert isinstance(caught.value.__cause__, failure)
    assert len(server.requests) == 2
    assert sleeps == [0.5]


def test_max_retries_option(sleeps: list[float]) -> None:
    recorder = Recorder()
    recorder.handler = error(502, "bad gateway")
    stacklens.configure(
        api_key="sl-x", endpoint="http://h", transport=recorder.transport, max_retries=3
    )
    with pytest.raises(stacklens.ApiError):
        trace_once()
    assert len(recorder.requests) == 4
    assert sleeps == [0.5, 0.5, 0.5]


def test_real_refused_connection() -> None:
    # Port 9 on localhost (discard) is closed on any sane test machine.
    stacklens.configure(api_key="sl-x", endpoint="http://127.0.0.1:9", max_retries=0)
    with pytest.raises(stacklens.NetworkError, match=r"http://127\.0\.0\.1:9"):
        trace_once()


def test_async_errors(server: Recorder, sleeps: list[float]) -> None:
    server.handler = error(500, "internal")

    async def run() -> None:
        with pytest.raises(stacklens.ApiError):
            await stacklens.atrace("x", model="m", provider="p", input_tokens=1, output_tokens=1)
        server.handler = error(403, "scope")
        with pytest.raises(stacklens.AuthError):
            await stacklens.atrace("x", model="m", provider="p", input_tokens=1, output_tokens=1)

        def refuse(request: httpx.Request) -> httpx.Response:
            raise httpx.ConnectError("refused", request=request)

        server.handler = refuse
        with pytest.raises(stacklens.NetworkError, match=r"stacklens\.test"):
            await stacklens.atrace("x", model="m", provider="p", input_tokens=1, output_tokens=1)

    asyncio.run(run())
    assert len(server.requests) == 2 + 1 + 2
    assert sleeps == [0.5, 0.5]
