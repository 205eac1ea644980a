"""Delivery counters, readable at any time through `stacklens.stats()`."""

from __future__ import annotations

import threading
from dataclasses import dataclass


@dataclass(frozen=True)
class Stats:
    """A snapshot of what happened to the spans recorded under the current configuration.

    sent: accepted by the server. failed: given up on (rejected as invalid,
    an error status, retries exhausted, or still queued when shutdown timed
    out). dropped: refused because the background queue was full.
    queued: waiting in the background queue now. retries: requests resent.
    prompt_fallbacks: prompts served from the cache (or `fallback=`) because the server
    could not be reached or answered 5xx or 429.
    """

    sent: int = 0
    failed: int = 0
    dropped: int = 0
    queued: int = 0
    retries: int = 0
    prompt_fallbacks: int = 0


class Counters:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.sent = 0
        self.failed = 0
        self.dropped = 0
        self.retries = 0
        self.prompt_fallbacks = 0

    def add(
        self,
        *,
        sent: int = 0,
        failed: int = 0,
        dropped: int = 0,
        retries: int = 0,
        prompt_fallbacks: int = 0,
    ) -> None:
        with self._lock:
            self.sent += sent
            self.failed += failed
            self.dropped += dropped
            self.retries += retries
            self.prompt_fallbacks += prompt_fallbacks

    def lost(self) -> int:
        with self._lock:
            return self.failed + self.dropped

    def snapshot(self, queued: int = 0) -> Stats:
        with self._lock:
            return Stats(
                sent=self.sent,
                failed=self.failed,
                dropped=self.dropped,
                queued=queued,
                retries=self.retries,
                prompt_fallbacks=self.prompt_fallbacks,
            )
