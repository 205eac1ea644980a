"""configure(): its table, the environment fallbacks, and ConfigurationError."""

from __future__ import annotations

import asyncio

import httpx
import pytest

import stacklens

from .conftest import Recorder


def trace_once() -> str:
    return stacklens.trace("t", model="m", provider="p", input_tokens=1, output_tokens=1)


def test_api_key_is_sent_as_x_api_key() -> None:
    recorder = Recorder()
    stacklens.configure(api_key="sl-abc", endpoint="http://h", transport=recorder.transport)
    trace_once()
    assert recorder.requests[0].headers["X-Api-Key"] == "sl-abc"


def test_api_key_positional() -> None:
    recorder = Recorder()
    stacklens.configure("sl-pos", "http://h", transport=recorder.transport)
    trace_once()
    assert recorder.requests[0].headers["X-Api-Key"] == "sl-pos"


def test_default_endpoint_is_the_hosted_one() -> None:
    recorder = Recorder()
    stacklens.configure(api_key="sl-x", transport=recorder.transport)
    trace_once()
    assert (
        str(recorder.requests[0].url) == "https://api.getstacklens.ai/api/v1/stacktrace/v1/traces"
    )


def test_self_hosted_endpoint_trailing_slash_removed() -> None:
    recorder = Recorder()
    stacklens.configure(
        api_key="sl-x", endpoint="https://api.your-domain.com/", transport=recorder.transport
    )
    trace_once()
    assert str(recorder.requests[0].url) == (
        "https://api.your-domain.com/api/v1/stacktrace/v1/traces"
    )


def test_endpoint_with_a_path_prefix() -> None:
    recorder = Recorder()
    stacklens.configure(api_key="sl-x", endpoint="http://h/stacklens", transport=recorder.transport)
    trace_once()
    assert recorder.requests[0].url.path == "/stacklens/api/v1/stacktrace/v1/traces"


def test_environment_fallbacks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STACKLENS_API_KEY", "sl-env")
    monkeypatch.setenv("STACKLENS_ENDPOINT", "http://from-env:9000/")
    recorder = Recorder()
    stacklens.configure(transport=recorder.transport)
    trace_once()
    request = recorder.requests[0]
    assert request.headers["X-Api-Key"] == "sl-env"
    assert str(request.url).startswith("http://from-env:9000/api/v1/")


def test_arguments_win_over_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STACKLENS_API_KEY", "sl-env")
    monkeypatch.setenv("STACKLENS_ENDPOINT", "http://from-env")
    recorder = Recorder()
    stacklens.configure(api_key="sl-arg", endpoint="http://arg", transport=recorder.transport)
    trace_once()
    assert recorder.requests[0].headers["X-Api-Key"] == "sl-arg"
    assert recorder.requests[0].url.host == "arg"


def test_missing_api_key_is_a_configuration_error() -> None:
    with pytest.raises(stacklens.ConfigurationError, match="STACKLENS_API_KEY"):
        stacklens.configure()
    with pytest.raises(stacklens.ConfigurationError):
        stacklens.configure(api_key="")


@pytest.mark.parametrize(
    ("kwargs", "error", "word"),
    [
        ({"api_key": 123}, TypeError, "api_key"),
        ({"api_key": "sl-x", "endpoint": "ftp://h"}, ValueError, "endpoint"),
        ({"api_key": "sl-x", "endpoint": 5}, TypeError, "endpoint"),
        ({"api_key": "sl-x", "timeout": 0}, ValueError, "timeout"),
        ({"api_key": "sl-x", "max_queue_size": 0}, ValueError, "max_queue_size"),
        ({"api_key": "sl-x", "batch_size": 1001}, ValueError, "batch_size"),
        ({"api_key": "sl-x", "batch_size": 1.5}, TypeError, "batch_size"),
        ({"api_key": "sl-x", "flush_interval": -1}, ValueError, "flush_interval"),
        ({"api_key": "sl-x", "max_retries": -1}, ValueError, "max_retries"),
        ({"api_key": "sl-x", "background": "yes"}, TypeError, "background"),
    ],
)
def test_bad_configure_arguments(
    kwargs: dict[str, object], error: type[Exception], word: str
) -> None:
    with pytest.raises(error, match=word):
        stacklens.configure(**kwargs)  # type: ignore[arg-type]


def test_not_configured_raises_configuration_error() -> None:
    with pytest.raises(stacklens.ConfigurationError, match="configure"):
        trace_once()
    with pytest.raises(stacklens.ConfigurationError), stacklens.start_trace("x"):
        pass
    with pytest.raises(stacklens.ConfigurationError):
        stacklens.prompts.get("p")

    async def run() -> None:
        with pytest.raises(stacklens.ConfigurationError):
            await stacklens.atrace("t", model="m", provider="p", input_tokens=1, output_tokens=1)
        with pytest.raises(stacklens.ConfigurationError):
            async with stacklens.astart_trace("x"):
                pass
        with pytest.raises(stacklens.ConfigurationError):
            await stacklens.aprompts.get("p")

    asyncio.run(run())


def test_configuration_error_is_a_stacklens_error() -> None:
    with pytest.raises(stacklens.StackLensError):
        trace_once()


def test_shutdown_unconfigures() -> None:
    recorder = Recorder()
    stacklens.configure(api_key="sl-x", endpoint="http://h", transport=recorder.transport)
    trace_once()
    assert stacklens.shutdown() is True
    with pytest.raises(stacklens.ConfigurationError):
        trace_once()


def test_reconfigure_switches_endpoint() -> None:
    first, second = Recorder(), Recorder()
    stacklens.configure(api_key="sl-1", endpoint="http://one", transport=first.transport)
    trace_once()
    stacklens.configure(api_key="sl-2", endpoint="http://two", transport=second.transport)
    trace_once()
    assert len(first.requests) == 1
    assert len(second.requests) == 1
    assert second.requests[0].headers["X-Api-Key"] == "sl-2"


def test_one_pooled_client_per_configuration(monkeypatch: pytest.MonkeyPatch) -> None:
    created: list[httpx.Client] = []
    original = httpx.Client.__init__

    def spy(self: httpx.Client, *args: object, **kwargs: object) -> None:
        created.append(self)
        original(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(httpx.Client, "__init__", spy)
    recorder = Recorder()
    stacklens.configure(api_key="sl-x", endpoint="http://h", transport=recorder.transport)
    for _ in range(5):
        trace_once()
    stacklens.prompts.get("p")
    assert len(created) == 1


def test_flush_and_stats_when_unconfigured() -> None:
    assert stacklens.flush() is True
    assert stacklens.stats() == stacklens.Stats()
