"""The prompt cache behind `prompts.get()` and `prompts.get_prompt()`.

A fetched prompt is kept per (name, environment) for `prompt_cache_ttl` seconds (default 60):
the server's answer as a call without a user id gets it, so when an experiment runs the entry
holds every variant and each call chooses its own (_experiment.py).
Within that time calls answer from memory. After it, a call still answers from memory at once
and a background thread revalidates the entry (If-None-Match: the server answers 304 when the
same version is still served). When the server cannot be reached or answers 5xx or 429, the
cached prompt goes on being served (or `fallback=` when nothing was ever fetched), logged once
and counted in `stats().prompt_fallbacks`. 401, 403 and 404 are never hidden: the entry is
dropped and the next call raises them. With prompt_cache_ttl=0 every call fetches (the cache
then serves only while the server fails).
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Awaitable, Callable, Optional

import httpx

from ._exceptions import ApiError, AuthError, NetworkError, StackLensError
from ._experiment import Experiment
from ._prompt import Prompt
from ._stats import Counters
from ._wire import PROMPT_PATH

logger = logging.getLogger("stacklens")

# After a failed revalidation, the next one waits at most this long.
RETRY_FAILED_REFRESH_S = 5.0

Key = tuple[str, str]  # (name, environment)


class _Entry:
    __slots__ = ("answer", "etag", "fresh_until", "refreshing")

    def __init__(self, answer: _Answer, etag: Optional[str], fresh_until: float) -> None:
        self.answer = answer
        self.etag = etag
        self.fresh_until = fresh_until
        self.refreshing = False


class _Answer:
    """What the server served for (name, environment): one prompt, or an experiment's variants."""

    __slots__ = ("experiment", "prompt")

    def __init__(self, prompt: Prompt, experiment: Optional[Experiment]) -> None:
        self.prompt = prompt
        self.experiment = experiment

    def serve(self, user_id: Optional[str]) -> Prompt:
        if self.experiment is None:
            return self.prompt
        chosen = self.experiment.choose(user_id)
        return Prompt(
            self.prompt.name,
            chosen.content,
            chosen.version,
            self.prompt.environment,
            chosen.label,
            self.experiment.id,
        )


def _transient(exc: StackLensError) -> bool:
    """The server could not answer now: unreachable, 5xx, or 429."""
    if isinstance(exc, NetworkError):
        return True
    return (
        isinstance(exc, ApiError)
        and not isinstance(exc, AuthError)
        and (exc.status_code >= 500 or exc.status_code == 429)
    )


def _read(name: str, env: str, response: httpx.Response) -> _Answer:
    try:
        body = response.json()
        content, version = body["content"], body.get("version")
    except (ValueError, KeyError, TypeError, AttributeError):
        content, version = None, None
    if not isinstance(content, str):
        raise ApiError("prompt response has no string 'content'", response.status_code)
    try:
        experiment = Experiment.read(body.get("experiment"))
    except ValueError as exc:
        raise ApiError(f"prompt response: {exc}", response.status_code) from None
    prompt = Prompt(name, content, version if isinstance(version, int) else None, env)
    return _Answer(prompt, experiment)


class PromptCache:
    def __init__(
        self,
        ttl: float,
        counters: Counters,
        fetch: Callable[[str, dict[str, str], dict[str, str]], httpx.Response],
        afetch: Callable[[str, dict[str, str], dict[str, str]], Awaitable[httpx.Response]],
    ) -> None:
        self.ttl = ttl
        self.counters = counters
        self._fetch = fetch
        self._afetch = afetch
        self._lock = threading.Lock()
        self._entries: dict[Key, _Entry] = {}
        self._warned = False

    # --- the two ways in -------------------------------------------------------------------

    def get(
        self, name: str, env: str, fallback: Optional[str], user_id: Optional[str] = None
    ) -> Prompt:
        entry = self._usable((name, env))
        if entry is not None:
            return entry.answer.serve(user_id)
        key = (name, env)
        held = self._entries.get(key)
        try:
            answer = self._store(
                key, held, self._fetch(PROMPT_PATH + name, {"env": env}, self._conditional(held))
            )
        except StackLensError as exc:
            answer = self._failed(key, held, fallback, exc)
        return answer.serve(user_id)

    async def aget(
        self, name: str, env: str, fallback: Optional[str], user_id: Optional[str] = None
    ) -> Prompt:
        entry = self._usable((name, env))
        if entry is not None:
            return entry.answer.serve(user_id)
        key = (name, env)
        held = self._entries.get(key)
        try:
            response = await self._afetch(PROMPT_PATH + name, {"env": env}, self._conditional(held))
            answer = self._store(key, held, response)
        except StackLensError as exc:
            answer = self._failed(key, held, fallback, exc)
        return answer.serve(user_id)

    def counters_reset(self, counters: Counters) -> None:
        """After a fork: the child's counters; a refresh the parent had running is not ours."""
        self.counters = counters
        with self._lock:
            for entry in self._entries.values():
                entry.refreshing = False

    # --- inside ------------------------------------------------------------------------------

    def _usable(self, key: Key) -> Optional[_Entry]:
        """The entry to answer from now (revalidated in the background when stale), or None:
        nothing cached, or caching off."""
        if self.ttl <= 0:
            return None
        entry = self._entries.get(key)
        if entry is None:
            return None
        if time.monotonic() >= entry.fresh_until:
            with self._lock:
                start = not entry.refreshing
                entry.refreshing = True
            if start:
                threading.Thread(
                    target=self._refresh,
                    args=(key, entry),
                    name="stacklens-prompt-refresh",
                    daemon=True,
                ).start()
        return entry

    @staticmethod
    def _conditional(held: Optional[_Entry]) -> dict[str, str]:
        return {"If-None-Match": held.etag} if held is not None and held.etag else {}

    def _store(self, key: Key, held: Optional[_Entry], response: httpx.Response) -> _Answer:
        fresh_until = time.monotonic() + self.ttl
        if response.status_code == 304 and held is not None:
            held.fresh_until = fresh_until
            return held.answer
        answer = _read(key[0], key[1], response)
        with self._lock:
            self._entries[key] = _Entry(answer, response.headers.get("etag"), fresh_until)
        return answer

    def _failed(
        self, key: Key, held: Optional[_Entry], fallback: Optional[str], exc: StackLensError
    ) -> _Answer:
        if not _transient(exc):
            self._drop(key)
            raise exc
        if held is not None:
            self._served_anyway(key, exc, "the cached version")
            return held.answer
        if fallback is not None:
            self._served_anyway(key, exc, "the fallback")
            return _Answer(Prompt(key[0], fallback, None, key[1]), None)
        raise exc

    def _refresh(self, key: Key, entry: _Entry) -> None:
        try:
            self._store(
                key,
                entry,
                self._fetch(PROMPT_PATH + key[0], {"env": key[1]}, self._conditional(entry)),
            )
        except StackLensError as exc:
            if not _transient(exc):
                self._drop(key)  # the next call fetches, and raises
            else:
                entry.fresh_until = time.monotonic() + min(self.ttl, RETRY_FAILED_REFRESH_S)
                self._served_anyway(key, exc, "the cached version")
        except Exception:  # never let a background thread die loudly: the entry stays served
            logger.exception("stacklens: refreshing prompt %r failed", key[0])
        finally:
            entry.refreshing = False

    def _drop(self, key: Key) -> None:
        with self._lock:
            self._entries.pop(key, None)

    def _served_anyway(self, key: Key, exc: StackLensError, what: str) -> None:
        self.counters.add(prompt_fallbacks=1)
        if not self._warned:
            self._warned = True
            logger.warning(
                "stacklens: prompt %r (%s) served from %s: %s (logged once; counted in "
                "stats().prompt_fallbacks)",
                key[0],
                key[1],
                what,
                exc,
            )
