"""HTTP to the StackLens API: one pooled client per configuration, blocking retries,
and the mapping of statuses and network failures to SDK exceptions."""

from __future__ import annotations

import asyncio
import threading
import time
import weakref
from collections.abc import AsyncIterator
from typing import Optional

import httpx

from ._config import Settings
from ._exceptions import ApiError, AuthError, NetworkError
from ._retry import parse_retry_after
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


def retry_after(response: httpx.Response) -> Optional[float]:
    return parse_retry_after(response.headers.get("Retry-After"))


class SyncClient:
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
    ) -> httpx.Response:
        """One attempt; a network failure raises NetworkError, any status is returned."""
        try:
            return self._http.request(method, path, content=content, params=params)
        except httpx.TransportError as exc:
            raise network_error(self.endpoint, exc) from exc

    def request(
        self,
        method: str,
        path: str,
        content: Optional[bytes] = None,
        params: Optional[dict[str, str]] = None,
    ) -> httpx.Response:
        """Send with the blocking retry policy; a non-2xx final answer raises."""
        policy = self.settings.retry
        retry = 0
        while True:
            try:
                response = self.send(method, path, content, params)
            except NetworkError:
                if retry >= policy.max_retries:
                    raise
                retry += 1
                _sleep(policy.delay(retry))
                continue
            if response.is_success:
                return response
            if retry >= policy.max_retries or not policy.retryable_status(response.status_code):
                raise status_error(response)
            retry += 1
            _sleep(policy.delay(retry, retry_after(response)))

    def close(self) -> None:
        self._http.close()


async def _closed_with_the_loop(client: httpx.AsyncClient) -> AsyncIterator[None]:
    # A suspended async generator: loop.shutdown_asyncgens() (which asyncio.run
    # calls) closes it, and the finally block closes the connections cleanly.
    try:
        yield
    finally:
        await client.aclose()


class AsyncClient:
    """The asyncio twin of SyncClient; one httpx.AsyncClient per event loop,
    closed when that loop shuts down its async generators."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.endpoint = settings.endpoint
        self._lock = threading.Lock()
        self._by_loop: weakref.WeakKeyDictionary[
            asyncio.AbstractEventLoop, tuple[httpx.AsyncClient, AsyncIterator[None]]
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

    async def send(
        self,
        method: str,
        path: str,
        content: Optional[bytes] = None,
        params: Optional[dict[str, str]] = None,
    ) -> httpx.Response:
        try:
            http = await self._http()
            return await http.request(method, path, content=content, params=params)
        except httpx.TransportError as exc:
            raise network_error(self.endpoint, exc) from exc

    async def request(
        self,
        method: str,
        path: str,
        content: Optional[bytes] = None,
        params: Optional[dict[str, str]] = None,
    ) -> httpx.Response:
        policy = self.settings.retry
        retry = 0
        while True:
            try:
                response = await self.send(method, path, content, params)
            except NetworkError:
                if retry >= policy.max_retries:
                    raise
                retry += 1
                await _asleep(policy.delay(retry))
                continue
            if response.is_success:
                return response
            if retry >= policy.max_retries or not policy.retryable_status(response.status_code):
                raise status_error(response)
            retry += 1
            await _asleep(policy.delay(retry, retry_after(response)))
