"""Background delivery: a bounded queue drained by one worker thread in batches.

The caller's thread only appends to the queue (or counts a drop when it is
full). The worker wakes every `flush_interval`, when a batch fills, or on
flush(); it sends through the batch endpoint and retries 429/5xx/network
failures with jittered backoff honouring Retry-After. Nothing here raises
into user code: failures are logged and counted.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections import deque
from typing import Any, Optional

import httpx

from ._config import MAX_BATCH_BYTES, Settings
from ._exceptions import NetworkError
from ._http import SyncHttp
from ._retry import Outcome, decide, transient
from ._stats import Counters, Stats
from ._wire import BATCH_PATH, INGEST_PATH, SCORE_BATCH_PATH, SpanBody, encode, error_message

logger = logging.getLogger("stacklens")
DROP_LOG_INTERVAL = 10.0  # seconds between "queue full" warnings


class _Score:
    """A queued score, told apart from the spans it shares the queue with."""

    __slots__ = ("body",)

    def __init__(self, body: SpanBody) -> None:
        self.body = body


class Batcher:
    def __init__(self, settings: Settings, client: SyncHttp, counters: Counters) -> None:
        self._settings = settings
        self._client = client
        self._counters = counters
        self._start()

    def _start(self) -> None:
        self._queue: deque[Any] = deque()  # span bodies and _Score
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._abort = threading.Event()
        self._done_changed = threading.Condition(threading.Lock())
        self._enqueued = 0
        self._done = 0
        self._lost_at_last_flush = 0
        self._closed = False
        self._next_drop_log = 0.0
        self._use_batch_endpoint = True
        self._outage = False
        self._thread = threading.Thread(target=self._run, name="stacklens-batcher", daemon=True)
        self._thread.start()

    def reset_after_fork(self, client: SyncHttp, counters: Counters) -> None:
        """In a forked child: forget the parent's queue and thread, start afresh."""
        self._client = client
        self._counters = counters
        self._start()

    # caller side

    def enqueue(self, item: Any) -> None:
        """Queue a span body (or a _Score): a drop is counted when the queue is full or closed."""
        with self._lock:
            if self._closed or len(self._queue) >= self._settings.max_queue_size:
                self._drop()
                return
            self._queue.append(item)
            self._enqueued += 1
            size = len(self._queue)
        if size == self._settings.batch_size:
            self._wake.set()

    def enqueue_score(self, score: SpanBody) -> None:
        self.enqueue(_Score(score))

    def _drop(self) -> None:
        self._counters.add(dropped=1)
        now = time.monotonic()
        if now >= self._next_drop_log:  # at most one warning per interval
            self._next_drop_log = now + DROP_LOG_INTERVAL
            reason = "shut down" if self._closed else "full"
            logger.warning(
                "stacklens: span queue is %s; dropping spans (%d dropped so far)",
                reason,
                self._counters.dropped,
            )

    def queued(self) -> int:
        return len(self._queue)

    def stats(self) -> Stats:
        return self._counters.snapshot(queued=len(self._queue))

    def flush(self, timeout: Optional[float]) -> bool:
        """Wait until every span queued so far is sent or given up on.

        True when that happened within `timeout` and no span was dropped or
        failed since the previous flush().
        """
        with self._lock:
            target = self._enqueued
        self._wake.set()
        with self._done_changed:
            drained = self._done_changed.wait_for(lambda: self._done >= target, timeout)
        lost = self._counters.lost()
        delivered = drained and lost == self._lost_at_last_flush
        self._lost_at_last_flush = lost
        return delivered

    def shutdown(self, timeout: Optional[float]) -> bool:
        """Deliver what is queued within `timeout`, then stop; what remains counts as failed."""
        with self._lock:
            self._closed = True
        started = time.monotonic()
        delivered = self.flush(timeout)
        self._wake.set()
        remaining = None if timeout is None else max(timeout - (time.monotonic() - started), 0.0)
        self._thread.join(remaining)
        if self._thread.is_alive():
            self._abort.set()
            self._wake.set()
            self._thread.join(1.0)
        with self._lock:
            left = len(self._queue)
            self._queue.clear()
        if left:
            self._counters.add(failed=left)
            logger.warning("stacklens: %d spans not delivered before shutdown", left)
            delivered = False
        return delivered

    # worker side

    def _run(self) -> None:
        while True:
            self._wake.wait(self._settings.flush_interval)
            self._wake.clear()
            self._drain()
            with self._lock:
                if self._closed and not self._queue:
                    return

    def _drain(self) -> None:
        while True:
            with self._lock:
                count = min(len(self._queue), self._settings.batch_size)
                batch = [self._queue.popleft() for _ in range(count)]
            if not batch:
                return
            try:
                sent, failed = self._deliver(batch)
            except Exception:  # a bug here must not kill the worker
                logger.exception("stacklens: unexpected error while sending spans")
                sent, failed = 0, len(batch)
            self._counters.add(sent=sent, failed=failed)
            with self._done_changed:
                self._done += len(batch)
                self._done_changed.notify_all()

    def _deliver(self, batch: list[Any]) -> tuple[int, int]:
        scores = [item.body for item in batch if isinstance(item, _Score)]
        spans = [item for item in batch if not isinstance(item, _Score)]
        sent, failed = self._deliver_spans(spans) if spans else (0, 0)
        if scores:
            ok, bad = self._deliver_scores(scores)
            sent, failed = sent + ok, failed + bad
        return sent, failed

    def _deliver_scores(self, scores: list[SpanBody]) -> tuple[int, int]:
        # A batch is at most batch_size items, well under the server's 1000 scores per request.
        try:
            parts = [encode(score) for score in scores]
        except (TypeError, ValueError) as exc:
            logger.warning("stacklens: dropping scores that are not JSON: %s", exc)
            return 0, len(scores)
        response = self._attempt(SCORE_BATCH_PATH, b'{"scores":[' + b",".join(parts) + b"]}")
        if response is None:
            return 0, len(parts)
        if response.is_success:
            return _batch_outcome(response, len(parts))
        _log_refusal(response, len(parts))
        return 0, len(parts)

    def _deliver_spans(self, batch: list[SpanBody]) -> tuple[int, int]:
        sent = failed = 0
        chunk: list[bytes] = []
        size = 0
        for span in batch:
            try:
                part = encode(span)
            except (TypeError, ValueError) as exc:
                logger.warning("stacklens: dropping a span that is not JSON: %s", exc)
                failed += 1
                continue
            if chunk and size + len(part) + 1 > MAX_BATCH_BYTES:
                ok, bad = self._send_chunk(chunk)
                sent, failed, chunk, size = sent + ok, failed + bad, [], 0
            chunk.append(part)
            size += len(part) + 1
        if chunk:
            ok, bad = self._send_chunk(chunk)
            sent, failed = sent + ok, failed + bad
        return sent, failed

    def _send_chunk(self, parts: list[bytes]) -> tuple[int, int]:
        if not self._use_batch_endpoint:
            return self._send_singly(parts)
        response = self._attempt(BATCH_PATH, b'{"spans":[' + b",".join(parts) + b"]}")
        if response is None:
            return 0, len(parts)
        if response.is_success:
            return _batch_outcome(response, len(parts))
        if response.status_code in (404, 405):
            logger.info(
                "stacklens: no batch endpoint at %s; sending spans one by one",
                self._client.endpoint,
            )
            self._use_batch_endpoint = False
            return self._send_singly(parts)
        if response.status_code == 413 and len(parts) > 1:
            half = len(parts) // 2
            first, second = self._send_chunk(parts[:half]), self._send_chunk(parts[half:])
            return first[0] + second[0], first[1] + second[1]
        _log_refusal(response, len(parts))
        return 0, len(parts)

    def _send_singly(self, parts: list[bytes]) -> tuple[int, int]:
        sent = 0
        for part in parts:
            response = self._attempt(INGEST_PATH, part)
            if response is not None and response.is_success:
                sent += 1
            elif response is not None:
                _log_refusal(response, 1)
        return sent, len(parts) - sent

    def _attempt(self, path: str, body: bytes) -> Optional[httpx.Response]:
        """POST with retries; the final response, or None when the network never answered."""
        policy = self._settings.retry
        attempt = 0
        while True:
            attempt += 1
            outcome: Outcome
            try:
                outcome = self._client.send("POST", path, body)
            except NetworkError as exc:
                outcome = exc
            response = outcome if isinstance(outcome, httpx.Response) else None
            if not transient(policy, outcome):
                self._outage = False
                return response
            wait = decide(policy, outcome, attempt)
            if wait is None or self._abort.is_set():
                failure = str(outcome) if response is None else f"HTTP {response.status_code}"
                self._report_outage(path, attempt, failure)
                return response
            self._counters.add(retries=1)
            if self._abort.wait(wait):
                return response

    def _report_outage(self, path: str, attempts: int, failure: str) -> None:
        # One warning per outage, not one per batch; the rest at debug level.
        level = logging.DEBUG if self._outage else logging.WARNING
        self._outage = True
        logger.log(
            level,
            "stacklens: giving up on %s after %d attempts: %s (spans are "
            "counted as failed until the server answers again)",
            path,
            attempts,
            failure,
        )


def _batch_outcome(response: httpx.Response, count: int) -> tuple[int, int]:
    try:
        body: Any = json.loads(response.content)
    except ValueError:
        return count, 0
    if not isinstance(body, dict):
        return count, 0
    rejected = body.get("rejected")
    if not isinstance(rejected, int) or isinstance(rejected, bool):
        rejected = 0
    if rejected:
        errors = [
            r.get("error")
            for r in body.get("results") or []
            if isinstance(r, dict) and r.get("status") == "rejected"
        ]
        logger.warning(
            "stacklens: server rejected %d of %d spans (first error: %s)",
            rejected,
            count,
            errors[0] if errors else "unknown",
        )
    rejected = min(rejected, count)
    return count - rejected, rejected


def _log_refusal(response: httpx.Response, count: int) -> None:
    logger.error(
        "stacklens: server refused %d spans with HTTP %d: %s",
        count,
        response.status_code,
        error_message(response.content, response.status_code),
    )
