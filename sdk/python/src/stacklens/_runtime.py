"""What one client owns: settings, HTTP connections, counters and (in
background mode) the batcher; and the default one that `configure()` installs
for the module-level functions.

Every open runtime is known here so that queues are delivered at interpreter
exit and a forked child starts with fresh connections and workers.
"""

from __future__ import annotations

import asyncio
import atexit
import logging
import os
import threading
import weakref
from typing import Optional

import httpx

from . import _config
from ._batcher import Batcher
from ._exceptions import ConfigurationError, StackLensError
from ._http import AsyncHttp, SyncHttp
from ._prompt import Prompt
from ._prompt_cache import PromptCache
from ._stats import Counters, Stats
from ._wire import INGEST_PATH, SCORE_PATH, SpanBody, encode

logger = logging.getLogger("stacklens")


class Runtime:
    def __init__(self, settings: _config.Settings) -> None:
        self.settings = settings
        self.closed = False
        self.counters = Counters()
        self.sync = SyncHttp(settings)
        self.aio = AsyncHttp(settings)
        self.batcher = Batcher(settings, self.sync, self.counters) if settings.background else None
        self.prompts = PromptCache(
            settings.prompt_cache_ttl, self.counters, self._fetch, self._afetch
        )
        _track(self)

    def check_open(self) -> None:
        if self.closed:
            raise ConfigurationError("this StackLens client is closed")

    def send_span(self, span: SpanBody) -> None:
        if self.batcher is not None:
            self.batcher.enqueue(span)  # after close(): dropped and counted, like a full queue
            return
        self.check_open()
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
        self.check_open()
        try:
            await self.aio.request("POST", INGEST_PATH, encode(span))
        except StackLensError:
            self.counters.add(failed=1)
            raise
        self.counters.add(sent=1)

    def send_score(self, score: SpanBody) -> None:
        if self.batcher is not None:
            self.batcher.enqueue_score(score)
            return
        self.check_open()
        try:
            self.sync.request("POST", SCORE_PATH, encode(score))
        except StackLensError:
            self.counters.add(failed=1)
            raise
        self.counters.add(sent=1)

    async def asend_score(self, score: SpanBody) -> None:
        if self.batcher is not None:
            self.batcher.enqueue_score(score)
            return
        self.check_open()
        try:
            await self.aio.request("POST", SCORE_PATH, encode(score))
        except StackLensError:
            self.counters.add(failed=1)
            raise
        self.counters.add(sent=1)

    def get_prompt(
        self, name: str, env: str, fallback: Optional[str] = None, user_id: Optional[str] = None
    ) -> Prompt:
        self.check_open()
        return self.prompts.get(name, env, fallback, user_id)

    async def aget_prompt(
        self, name: str, env: str, fallback: Optional[str] = None, user_id: Optional[str] = None
    ) -> Prompt:
        self.check_open()
        return await self.prompts.aget(name, env, fallback, user_id)

    # The prompt cache's fetches (the background revalidation uses the blocking one).
    def _fetch(self, path: str, params: dict[str, str], headers: dict[str, str]) -> httpx.Response:
        return self.sync.request("GET", path, params=params, headers=headers)

    async def _afetch(
        self, path: str, params: dict[str, str], headers: dict[str, str]
    ) -> httpx.Response:
        return await self.aio.request("GET", path, params=params, headers=headers)

    def flush(self, timeout: Optional[float]) -> bool:
        if self.batcher is None or self.closed:
            return True  # nothing is pending: blocking calls raised their failures
        return self.batcher.flush(timeout)

    def stats(self) -> Stats:
        if self.batcher is not None:
            return self.batcher.stats()
        return self.counters.snapshot()

    def close(self, timeout: Optional[float]) -> bool:
        """Deliver the queue (at most `timeout` s), stop the worker, close connections.
        Later calls return True and do nothing."""
        with _lock:
            if self.closed:
                return True
            self.closed = True
            _open.discard(self)
            _with_worker.discard(self)
        delivered = True
        if self.batcher is not None:
            delivered = self.batcher.shutdown(timeout)
        self.sync.close()
        return delivered

    async def aclose(self, timeout: Optional[float]) -> bool:
        """close() without blocking the event loop; also closes this loop's connections."""
        if self.batcher is not None:
            delivered = await asyncio.to_thread(self.close, timeout)
        else:
            delivered = self.close(timeout)
        await self.aio.aclose()
        return delivered

    def reset_after_fork(self) -> None:
        # The parent's sockets and thread are not ours: abandon them unclosed.
        self.counters = Counters()
        self.sync = SyncHttp(self.settings)
        self.aio = AsyncHttp(self.settings)
        if self.batcher is not None:
            self.batcher.reset_after_fork(self.sync, self.counters)
        self.prompts.counters_reset(self.counters)


_lock = threading.Lock()
_open: weakref.WeakSet[Runtime] = weakref.WeakSet()  # reset in a forked child
# Held strongly: a queue is delivered at exit even if its client was dropped unclosed.
_with_worker: set[Runtime] = set()
_current: Optional[Runtime] = None  # the module-level functions' runtime


def _track(runtime: Runtime) -> None:
    with _lock:
        _open.add(runtime)
        if runtime.batcher is not None:
            _with_worker.add(runtime)


def current() -> Runtime:
    runtime = _current
    if runtime is None:
        raise ConfigurationError(
            "stacklens is not configured: call stacklens.configure(api_key=...) first"
        )
    return runtime


def current_or_none() -> Optional[Runtime]:
    return _current


def install(runtime: Runtime) -> None:
    global _current
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
    with _lock:
        runtimes = list(_with_worker)
    for runtime in runtimes:
        runtime.close(runtime.settings.shutdown_timeout)


def _after_fork_in_child() -> None:
    global _lock
    _lock = threading.Lock()
    for runtime in list(_open):
        runtime.reset_after_fork()


atexit.register(_at_exit)
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)
