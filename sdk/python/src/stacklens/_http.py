"""HTTP to the StackLens API: one pooled connection set per client, retries
as `_retry.decide()` says, and the mapping of statuses and network failures
to SDK exceptions."""

from __future__ import annotations

import asyncio
import threading
import time
import weakref
from collections.abc import AsyncGenerator
from typing import Optional

import httpx

from ._config import Settings
from ._exceptions import ApiError, AuthError, NetworkError
from ._retry import Outcome, decide
from ._version import __version__
from ._wire import error_message

# Indirections so tests can stub out waiting.
_sleep = time.sleep
_asleep = asyncio.sleep


def _headers(settings: Settings) -> dict[str, str]:
    return {
        "X-Api-Key": settings.api_key,
        "Content-Type": "application/json",
        "User-Agent": f"stacklens-python/{__version__}",
    }


def network_error(endpoint: str, exc: httpx.TransportError) -> NetworkError:
    what = "timed out" if isinstance(exc, httpx.TimeoutException) else "failed"
    detail = str(exc) or type(exc).__name__
    return NetworkError(
        f"request to StackLens at {endpoint} {what}: {detail}", endpoint=endpoint, cause=exc
    )


def status_error(response: httpx.Response) -> ApiError:
    message = error_message(response.content, response.status_code)
    if response.status_code in (401, 403):
        return AuthError(message, response.status_code)
    return ApiError(message, response.status_code)


def _failure(outcome: Outcome) -> Exception:
    return outcome if isinstance(outcome, NetworkError) else status_error(outcome)


def _answered(response: httpx.Response) -> bool:
    """2xx, or 304: what a conditional request (If-None-Match) is answered with when unchanged."""
    return response.is_success or response.status_code == 304


class SyncHttp:
    """Blocking requests on one keep-alive connection pool (shared by all threads)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.endpoint = settings.endpoint
        self._http = httpx.Client(
            base_url=settings.endpoint,
            headers=_headers(settings),
            timeout=settings.timeout,
            transport=settings.transport,
        )

    def send(
        self,
        method: str,
        path: str,
        content: Optional[bytes] = None,
        params: Optional[dict[str, str]] = None,
        headers: Optional[dict[str, str]] = None,
    ) -> httpx.Response:
        """One attempt; a network failure raises NetworkError, any status is returned."""
        try:
            return self._http.request(method, path, content=content, params=params, headers=headers)
        except httpx.TransportError as exc:
            raise network_error(self.endpoint, exc) from exc

    def request(
        self,
        method: str,
        path: str,
        content: Optional[bytes] = None,
        params: Optional[dict[str, str]] = None,
        headers: Optional[dict[str, str]] = None,
    ) -> httpx.Response:
        """Send with the client's retry policy; a final answer other than 2xx (or 304, to a
        request with If-None-Match) raises."""
        attempt = 0
        while True:
            attempt += 1
            outcome: Outcome
            try:
                outcome = self.send(method, path, content, params, headers)
            except NetworkError as exc:
                outcome = exc
            if isinstance(outcome, httpx.Response) and _answered(outcome):
                return outcome
            wait = decide(self.settings.retry, outcome, attempt)
            if wait is None:
                raise _failure(outcome)
            _sleep(wait)

    def close(self) -> None:
        self._http.close()


async def _closed_with_the_loop(client: httpx.AsyncClient) -> AsyncGenerator[None, None]:
    # A suspended async generator: loop.shutdown_asyncgens() (which asyncio.run
    # calls) closes it, and the finally block closes the connections cleanly.
    try:
        yield
    finally:
        await client.aclose()


class AsyncHttp:
    """The asyncio twin of SyncHttp; one httpx.AsyncClient per event loop,
    closed when that loop shuts down its async generators."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.endpoint = settings.endpoint
        self._lock = threading.Lock()
        self._by_loop: weakref.WeakKeyDictionary[
            asyncio.AbstractEventLoop, tuple[httpx.AsyncClient, AsyncGenerator[None, None]]
        ] = weakref.WeakKeyDictionary()

    async def _http(self) -> httpx.AsyncClient:
        loop = asyncio.get_running_loop()
        with self._lock:
            entry = self._by_loop.get(loop)
        if entry is not None and not entry[0].is_closed:
            return entry[0]
        client = httpx.AsyncClient(
            base_url=self.settings.endpoint,
            headers=_headers(self.settings),
            timeout=self.settings.timeout,
            transport=self.settings.async_transport,
        )
        closer = _closed_with_the_loop(client)
        await closer.__anext__()
        with self._lock:
            self._by_loop[loop] = (client, closer)
        return client

    async def aclose(self) -> None:
        """Close the running loop's connections (other loops close theirs as they shut down)."""
        with self._lock:
            entry = self._by_loop.pop(asyncio.get_running_loop(), None)
        if entry is not None:
            await entry[1].aclose()  # runs the generator's finally: the client's aclose()

    async def send(
        self,
        method: str,
        path: str,
        content: Optional[bytes] = None,
        params: Optional[dict[str, str]] = None,
        headers: Optional[dict[str, str]] = None,
    ) -> httpx.Response:
        try:
            http = await self._http()
            return await http.request(method, path, content=content, params=params, headers=headers)
        except httpx.TransportError as exc:
            raise network_error(self.endpoint, exc) from exc

    async def request(
        self,
        method: str,
        path: str,
        content: Optional[bytes] = None,
        params: Optional[dict[str, str]] = None,
        headers: Optional[dict[str, str]] = None,
    ) -> httpx.Response:
        attempt = 0
        while True:
            attempt += 1
            outcome: Outcome
            try:
                outcome = await self.send(method, path, content, params, headers)
            except NetworkError as exc:
                outcome = exc
            if isinstance(outcome, httpx.Response) and _answered(outcome):
                return outcome
            wait = decide(self.settings.retry, outcome, attempt)
            if wait is None:
                raise _failure(outcome)
            await _asleep(wait)
