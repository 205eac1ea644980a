"""The non-blocking mode: bounded queue, batches, retries, flush(), stats(), fork, exit."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import httpx
import pytest

import stacklens
from stacklens import _batcher

from .conftest import Recorder, configure_background, error

WAIT = 10.0  # generous bound for events; never a fixed sleep


def trace_once(name: str = "bg") -> str:
    return stacklens.trace(name, model="m", provider="p", input_tokens=1, output_tokens=2)


def test_batches_go_to_the_batch_endpoint() -> None:
    recorder = Recorder()
    configure_background(recorder)
    ids = [trace_once(f"s{i}") for i in range(3)]
    assert recorder.requests == []  # nothing sent on the caller's thread
    assert stacklens.flush(WAIT) is True
    (request,) = recorder.requests
    assert str(request.url) == "http://stacklens.test/api/v1/stacktrace/v1/traces/batch"
    assert request.headers["X-Api-Key"] == "sl-test"
    assert request.headers["Content-Type"] == "application/json"
    body = json.loads(request.content)
    assert list(body) == ["spans"]
    assert [s["traceId"] for s in body["spans"]] == ids
    assert [s["name"] for s in body["spans"]] == ["s0", "s1", "s2"]
    assert stacklens.stats() == stacklens.Stats(sent=3, failed=0, dropped=0, queued=0, retries=0)


def test_a_full_batch_is_sent_without_flush() -> None:
    recorder = Recorder()
    arrived = threading.Event()

    def handler(request: httpx.Request) -> httpx.Response:
        arrived.set()
        return Recorder.ok(request)

    recorder.handler = handler
    configure_background(recorder, batch_size=4, flush_interval=3600)
    for _ in range(4):
        trace_once()
    assert arrived.wait(WAIT)
    assert len(json.loads(recorder.requests[0].content)["spans"]) == 4


def test_batch_size_bounds_each_request() -> None:
    recorder = Recorder()
    configure_background(recorder, batch_size=10, flush_interval=3600)
    for _ in range(25):
        trace_once()
    assert stacklens.flush(WAIT) is True
    assert sum(len(json.loads(r.content)["spans"]) for r in recorder.requests) == 25
    assert all(len(json.loads(r.content)["spans"]) <= 10 for r in recorder.requests)


def test_byte_limit_splits_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_batcher, "MAX_BATCH_BYTES", 2000)
    recorder = Recorder()
    configure_background(recorder, batch_size=100)
    for _ in range(10):
        trace_once()
    assert stacklens.flush(WAIT) is True
    assert len(recorder.requests) > 1
    assert all(len(r.content) <= 2000 + 20 for r in recorder.requests)
    assert len(recorder.spans()) == 10


def test_full_queue_drops_and_counts(caplog: pytest.LogCaptureFixture) -> None:
    recorder = Recorder()
    release, busy = threading.Event(), threading.Event()

    def handler(request: httpx.Request) -> httpx.Response:
        busy.set()
        release.wait(WAIT)
        return Recorder.ok(request)

    recorder.handler = handler
    configure_background(recorder, max_queue_size=5, batch_size=1)
    trace_once()
    assert busy.wait(WAIT)  # the worker holds span 1; the queue is empty again
    for _ in range(5 + 7):
        trace_once()
    stats = stacklens.stats()
    assert stats.queued == 5
    assert stats.dropped == 7
    assert "dropping" in caplog.text
    release.set()
    assert stacklens.flush(WAIT) is False  # seven spans were lost
    assert stacklens.stats().sent == 6
    trace_once()
    assert stacklens.flush(WAIT) is True  # nothing lost since the previous flush


def test_delivery_errors_never_raise() -> None:
    recorder = Recorder()
    recorder.handler = error(401, "invalid key")
    configure_background(recorder)
    trace_once()
    with stacklens.start_trace("block") as span:
        span.record_llm("m", "p", 1, 1)
    assert stacklens.flush(WAIT) is False
    assert stacklens.stats().failed == 2
    assert len(recorder.requests) == 1  # 4xx is never retried


def test_server_down_never_raises_and_flush_reports_loss() -> None:
    recorder = Recorder()

    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    recorder.handler = refuse
    configure_background(recorder, max_retries=2)
    stacklens.trace("down", model="m", provider="p", input_tokens=1, output_tokens=1)
    # Backoff waits are real here but short: 0.25-0.5 s then 0.5-1 s.
    assert stacklens.flush(WAIT) is False
    stats = stacklens.stats()
    assert stats.failed == 1
    assert stats.retries == 2
    assert len(recorder.requests) == 3


@pytest.mark.parametrize("status", [429, 500, 502, 503])
def test_retryable_statuses_honour_retry_after(status: int) -> None:
    recorder = Recorder()
    answers = [
        httpx.Response(status, json={"error": "slow down"}, headers={"Retry-After": "0"})
        for _ in range(2)
    ]

    def handler(request: httpx.Request) -> httpx.Response:
        return answers.pop() if answers else Recorder.ok(request)

    recorder.handler = handler
    configure_background(recorder)
    trace_once()
    assert stacklens.flush(WAIT) is True
    assert len(recorder.requests) == 3
    assert recorder.requests[0].content == recorder.requests[2].content
    assert stacklens.stats().retries == 2
    assert stacklens.stats().sent == 1


def test_retries_are_bounded() -> None:
    recorder = Recorder()
    recorder.handler = error(503, "overloaded", headers={"Retry-After": "0"})
    configure_background(recorder, max_retries=3)
    trace_once()
    assert stacklens.flush(WAIT) is False
    assert len(recorder.requests) == 4
    assert stacklens.stats().failed == 1


def test_rejected_spans_count_as_failed_and_are_not_retried() -> None:
    recorder = Recorder()

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            200,
            json={
                "accepted": 2,
                "rejected": 1,
                "results": [
                    {"index": 0, "status": "accepted"},
                    {"index": 1, "status": "rejected", "error": "name too long"},
                    {"index": 2, "status": "accepted"},
                ],
            },
        )

    recorder.handler = handler
    configure_background(recorder)
    for _ in range(3):
        trace_once()
    assert stacklens.flush(WAIT) is False
    assert len(recorder.requests) == 1
    stats = stacklens.stats()
    assert (stats.sent, stats.failed) == (2, 1)


def test_falls_back_to_single_ingest_without_batch_endpoint() -> None:
    recorder = Recorder()

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/batch"):
            return httpx.Response(404, json={"error": "not found"})
        return Recorder.ok(request)

    recorder.handler = handler
    configure_background(recorder)
    ids = [trace_once() for _ in range(3)]
    assert stacklens.flush(WAIT) is True
    singles = [r for r in recorder.requests if not r.url.path.endswith("/batch")]
    assert [json.loads(r.content)["traceId"] for r in singles] == ids
    trace_once()
    assert stacklens.flush(WAIT) is True
    assert sum(r.url.path.endswith("/batch") for r in recorder.requests) == 1


def test_too_large_batches_are_split() -> None:
    recorder = Recorder()

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/batch") and len(json.loads(request.content)["spans"]) > 2:
            return httpx.Response(413, json={"error": "too large"})
        return Recorder.ok(request)

    recorder.handler = handler
    configure_background(recorder)
    for _ in range(5):
        trace_once()
    assert stacklens.flush(WAIT) is True
    assert stacklens.stats().sent == 5


def test_bad_input_still_raises_in_background_mode() -> None:
    recorder = Recorder()
    configure_background(recorder)
    with pytest.raises(ValueError, match="input_tokens"):
        stacklens.trace("x", model="m", provider="p", input_tokens=-1, output_tokens=1)


def test_block_with_exception_is_queued_as_error() -> None:
    recorder = Recorder()
    configure_background(recorder)
    with pytest.raises(OSError, match="disk"), stacklens.start_trace("failing"):
        raise OSError("disk")
    assert stacklens.flush(WAIT) is True
    assert recorder.spans()[0]["status"] == "error"


def test_async_calls_enqueue() -> None:
    recorder = Recorder()
    configure_background(recorder)

    async def run() -> str:
        async with stacklens.astart_trace("root") as root:
            await stacklens.atrace("leaf", model="m", provider="p", input_tokens=1, output_tokens=1)
        return root.span_id

    root_id = asyncio.run(run())
    assert recorder.requests == []
    assert stacklens.flush(WAIT) is True
    leaf, root = recorder.spans()
    assert leaf["parentSpanId"] == root_id == root["spanId"]


def test_many_threads() -> None:
    recorder = Recorder()
    configure_background(recorder, max_queue_size=100_000)

    def worker() -> None:
        for _ in range(500):
            trace_once()

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert stacklens.flush(WAIT) is True
    assert stacklens.stats().sent == 4000
    assert len({s["spanId"] for s in recorder.spans()}) == 4000


def test_flush_timeout_returns_false_while_undelivered() -> None:
    recorder = Recorder()
    release = threading.Event()

    def handler(request: httpx.Request) -> httpx.Response:
        release.wait(WAIT)
        return Recorder.ok(request)

    recorder.handler = handler
    configure_background(recorder)
    trace_once()
    assert stacklens.flush(0.05) is False
    release.set()
    assert stacklens.flush(WAIT) is True


def test_shutdown_delivers_then_unconfigures() -> None:
    recorder = Recorder()
    configure_background(recorder, flush_interval=3600)
    for _ in range(3):
        trace_once()
    assert stacklens.shutdown(WAIT) is True
    assert len(recorder.spans()) == 3
    with pytest.raises(stacklens.ConfigurationError):
        trace_once()


def test_shutdown_timeout_counts_the_rest_as_failed() -> None:
    recorder = Recorder()
    recorder.handler = error(503, "down", headers={"Retry-After": "30"})
    configure_background(recorder)
    trace_once()
    trace_once()
    assert stacklens.shutdown(0.2) is False


def test_reconfigure_flushes_the_old_queue() -> None:
    first, second = Recorder(), Recorder()
    configure_background(first, flush_interval=3600)
    trace_once()
    configure_background(second)
    assert len(first.spans()) == 1


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_safe_after_fork() -> None:
    recorder = Recorder()
    release = threading.Event()

    def handler(request: httpx.Request) -> httpx.Response:
        release.wait(WAIT)
        return Recorder.ok(request)

    recorder.handler = handler
    configure_background(recorder, batch_size=1)
    for _ in range(3):
        trace_once()  # parent: held in the worker and the queue
    pid = os.fork()
    if pid == 0:  # child: a fresh, empty queue and a working thread
        code = 1
        try:
            release.set()
            before = stacklens.stats()
            trace_once()
            delivered = stacklens.flush(WAIT)
            after = stacklens.stats()
            code = 0 if (before.queued == 0 and delivered and after.sent == 1) else 2
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.WEXITSTATUS(status) == 0
    release.set()
    assert stacklens.flush(WAIT) is True
    assert stacklens.stats().sent == 3


def test_queue_is_sent_at_interpreter_exit(tmp_path: Path) -> None:
    out = tmp_path / "sent.jsonl"
    script = textwrap.dedent(f"""
        import httpx, json, stacklens
        def handler(request):
            with open({str(out)!r}, "ab") as f:
                f.write(request.content + b"\\n")
            spans = json.loads(request.content)["spans"]
            return httpx.Response(200, json={{"accepted": len(spans), "rejected": 0}})
        stacklens.configure(api_key="sl-x", endpoint="http://h", background=True,
                            flush_interval=3600, transport=httpx.MockTransport(handler))
        for i in range(50):
            stacklens.trace("exit", model="m", provider="p", input_tokens=1, output_tokens=1)
    """)
    subprocess.run([sys.executable, "-c", script], check=True, timeout=60)
    lines = out.read_bytes().splitlines()
    assert sum(len(json.loads(line)["spans"]) for line in lines) == 50
