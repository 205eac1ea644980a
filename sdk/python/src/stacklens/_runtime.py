"""The SDK's configured state: settings, HTTP clients, counters and (in
background mode) the batcher. `configure()` replaces it as a whole."""

from __future__ import annotations

import atexit
import logging
import os
import threading
from typing import Optional

import httpx

from . import _config
from ._batcher import Batcher
from ._exceptions import ApiError, ConfigurationError, StackLensError
from ._http import AsyncHttp, SyncHttp
from ._stats import Counters, Stats
from ._wire import INGEST_PATH, PROMPT_PATH, SpanBody, encode

logger = logging.getLogger("stacklens")


class Runtime:
    def __init__(self, settings: _config.Settings) -> None:
        self.settings = settings
        self.counters = Counters()
        self.sync = SyncHttp(settings)
        self.aio = AsyncHttp(settings)
        self.batcher = Batcher(settings, self.sync, self.counters) if settings.background else None

    def send_span(self, span: SpanBody) -> None:
        if self.batcher is not None:
            self.batcher.enqueue(span)
            return
        try:
            self.sync.request("POST", INGEST_PATH, encode(span))
        except StackLensError:
            self.counters.add(failed=1)
            raise
        self.counters.add(sent=1)

    async def asend_span(self, span: SpanBody) -> None:
        if self.batcher is not None:
            self.batcher.enqueue(span)
            return
        try:
            await self.aio.request("POST", INGEST_PATH, encode(span))
        except StackLensError:
            self.counters.add(failed=1)
            raise
        self.counters.add(sent=1)

    def get_prompt(self, name: str, env: str) -> str:
        return _prompt_content(self.sync.request("GET", PROMPT_PATH + name, params={"env": env}))

    async def aget_prompt(self, name: str, env: str) -> str:
        response = await self.aio.request("GET", PROMPT_PATH + name, params={"env": env})
        return _prompt_content(response)

    def flush(self, timeout: Optional[float]) -> bool:
        if self.batcher is None:
            return True  # nothing is ever pending: blocking calls raised their failures
        return self.batcher.flush(timeout)

    def stats(self) -> Stats:
        if self.batcher is not None:
            return self.batcher.stats()
        return self.counters.snapshot()

    def close(self, timeout: Optional[float]) -> bool:
        delivered = True
        if self.batcher is not None:
            delivered = self.batcher.shutdown(timeout)
        self.sync.close()
        return delivered

    def reset_after_fork(self) -> None:
        # The parent's sockets and thread are not ours: abandon them unclosed.
        self.counters = Counters()
        self.sync = SyncHttp(self.settings)
        self.aio = AsyncHttp(self.settings)
        if self.batcher is not None:
            self.batcher.reset_after_fork(self.sync, self.counters)


def _prompt_content(response: httpx.Response) -> str:
    try:
        content = response.json()["content"]
    except (ValueError, KeyError, TypeError):
        content = None
    if not isinstance(content, str):
        raise ApiError("prompt response has no string 'content'", response.status_code)
    return content


_lock = threading.Lock()
_current: Optional[Runtime] = None


def current() -> Runtime:
    runtime = _current
    if runtime is None:
        raise ConfigurationError(
            "stacklens is not configured: call stacklens.configure(api_key=...) first"
        )
    return runtime


def install(settings: _config.Settings) -> None:
    global _current
    runtime = Runtime(settings)
    with _lock:
        previous, _current = _current, runtime
    if previous is not None:
        previous.close(previous.settings.shutdown_timeout)


def uninstall(timeout: Optional[float]) -> bool:
    global _current
    with _lock:
        previous, _current = _current, None
    return True if previous is None else previous.close(timeout)


def _at_exit() -> None:
    runtime = _current
    if runtime is not None and runtime.batcher is not None:
        runtime.close(runtime.settings.shutdown_timeout)


def _after_fork_in_child() -> None:
    global _lock
    _lock = threading.Lock()
    if _current is not None:
        _current.reset_after_fork()


atexit.register(_at_exit)
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)
