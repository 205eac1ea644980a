from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from typing import Any, Callable, Optional

import httpx
import pytest

import stacklens
from stacklens import _http

Handler = Callable[[httpx.Request], httpx.Response]


class Recorder:
    """A MockTransport that records requests and answers with a settable handler."""

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []
        self.handler: Handler = self.ok
        self.lock = threading.Lock()
        self.transport = httpx.MockTransport(self._handle)

    @staticmethod
    def ok(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/batch"):
            spans = json.loads(request.content)["spans"]
            return httpx.Response(
                200,
                json={
                    "accepted": len(spans),
                    "rejected": 0,
                    "results": [{"index": i, "status": "accepted"} for i in range(len(spans))],
                },
            )
        if "/prompts/" in request.url.path:
            return httpx.Response(200, json={"content": "You are helpful.", "version": 1})
        return httpx.Response(200, json={"accepted": 1})

    def _handle(self, request: httpx.Request) -> httpx.Response:
        request.read()
        with self.lock:
            self.requests.append(request)
        return self.handler(request)

    def bodies(self) -> list[dict[str, Any]]:
        return [json.loads(r.content) for r in self.requests if r.method == "POST"]

    def body(self) -> dict[str, Any]:
        bodies = self.bodies()
        assert len(bodies) == 1, bodies
        return bodies[0]

    def spans(self) -> list[dict[str, Any]]:
        """Every span sent, whether one per request or in batches."""
        result: list[dict[str, Any]] = []
        for body in self.bodies():
            result.extend(body.get("spans", [body]))
        return result


@pytest.fixture(autouse=True)
def _clean(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.delenv("STACKLENS_API_KEY", raising=False)
    monkeypatch.delenv("STACKLENS_ENDPOINT", raising=False)
    yield
    stacklens.shutdown(timeout=5)


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Record the blocking client's retry waits instead of waiting."""
    waits: list[float] = []

    async def asleep(delay: float) -> None:
        waits.append(delay)

    monkeypatch.setattr(_http, "_sleep", waits.append)
    monkeypatch.setattr(_http, "_asleep", asleep)
    return waits


@pytest.fixture
def server(sleeps: list[float]) -> Recorder:
    """The SDK configured in the default (blocking) mode against a mock server."""
    recorder = Recorder()
    stacklens.configure(
        api_key="sl-test", endpoint="http://stacklens.test", transport=recorder.transport
    )
    return recorder


def configure_background(recorder: Recorder, **options: Any) -> None:
    stacklens.configure(
        api_key="sl-test",
        endpoint="http://stacklens.test",
        transport=recorder.transport,
        background=True,
        **options,
    )


def error(status: int, message: str = "nope", headers: Optional[dict[str, str]] = None) -> Handler:
    return lambda request: httpx.Response(status, json={"error": message}, headers=headers)
