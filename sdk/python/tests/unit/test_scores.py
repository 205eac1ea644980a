"""Scores: span.score(), client.score(), stacklens.score()/ascore(), blocking and background."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import pytest

import stacklens

from .conftest import Recorder, configure_background, error

WAIT = 10.0
SCORES = "http://stacklens.test/api/v1/stacktrace/v1/scores"


def answer_scores(request: httpx.Request) -> httpx.Response:
    """What the server answers: a batch result per score, or the stored score."""
    body = json.loads(request.content)
    if request.url.path.endswith("/scores/batch"):
        n = len(body["scores"])
        results = [
            {"index": i, "status": "created", "id": s["id"]} for i, s in enumerate(body["scores"])
        ]
        return httpx.Response(200, json={"accepted": n, "rejected": 0, "results": results})
    if request.url.path.endswith("/scores"):
        return httpx.Response(201, json=body)
    return Recorder.ok(request)


def test_score_is_sent_at_once_with_its_type_kept(server: Recorder) -> None:
    server.handler = answer_scores
    ids = [
        stacklens.score("t1", "accuracy", 0.9, comment="close"),
        stacklens.score("t1", "label", "good", span_id="s1"),
        stacklens.score("t1", "correct", True),
        stacklens.score("t1", "count", 3),
    ]
    assert all(str(r.url) == SCORES for r in server.requests)
    bodies = server.bodies()
    assert [b["id"] for b in bodies] == ids
    assert len(set(ids)) == 4
    assert bodies[0] == {
        "id": ids[0],
        "traceId": "t1",
        "name": "accuracy",
        "value": 0.9,
        "comment": "close",
        "source": "sdk",
    }
    assert bodies[1]["spanId"] == "s1"
    assert bodies[1]["value"] == "good"
    assert bodies[2]["value"] is True
    assert bodies[3]["value"] == 3


def test_span_score_names_the_span_and_its_trace(server: Recorder) -> None:
    server.handler = answer_scores
    with stacklens.start_trace("op") as span:
        score_id = span.score("helpful", False, comment="no")
        (sent,) = server.bodies()  # sent before the span itself
        assert sent == {
            "id": score_id,
            "traceId": span.trace_id,
            "spanId": span.span_id,
            "name": "helpful",
            "value": False,
            "comment": "no",
            "source": "sdk",
        }
    assert len(server.spans()) == 2  # the score, then the span


@pytest.mark.parametrize(
    ("args", "exc", "message"),
    [
        (("t", "n", None), TypeError, "value must be a float, int, str or bool, not None"),
        (("t", "n", [1]), TypeError, "value must be a float, int, str or bool, not list"),
        (("t", "n", float("nan")), ValueError, "value must be a finite number"),
        (("t", "n", ""), ValueError, "value must not be empty"),
        (("t", "", 1), ValueError, "name must not be empty"),
        (("", "n", 1), ValueError, "trace_id must not be empty"),
        ((5, "n", 1), TypeError, "trace_id must be a str"),
    ],
)
def test_bad_arguments_raise_before_anything_is_sent(
    server: Recorder, args: Any, exc: type, message: str
) -> None:
    with pytest.raises(exc, match=message):
        stacklens.score(*args)
    assert server.requests == []


def test_a_refused_score_raises_in_blocking_mode(server: Recorder) -> None:
    server.handler = error(400, "score.value 11 is outside the range of score 'acc' (0 to 10)")
    with pytest.raises(stacklens.ApiError, match="outside the range"):
        stacklens.score("t", "acc", 11)
    assert stacklens.stats().failed == 1


def test_background_scores_are_batched_and_retried() -> None:
    recorder = Recorder()
    calls = {"n": 0}

    def flaky(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/scores/batch"):
            calls["n"] += 1
            if calls["n"] == 1:
                return httpx.Response(503, json={"error": "busy"}, headers={"Retry-After": "0"})
        return answer_scores(request)

    recorder.handler = flaky
    configure_background(recorder)
    first = stacklens.score("t", "a", 1)
    with stacklens.start_trace("op") as span:
        second = span.score("b", "x")
    assert recorder.requests == []  # nothing on the caller's thread
    assert stacklens.flush(WAIT) is True
    batches = [
        json.loads(r.content) for r in recorder.requests if r.url.path.endswith("/scores/batch")
    ]
    assert len(batches) == 2
    assert batches[0] == batches[1]  # the same ids again: the retry is idempotent
    assert [s["id"] for s in batches[1]["scores"]] == [first, second]
    span_batches = [
        json.loads(r.content) for r in recorder.requests if r.url.path.endswith("/traces/batch")
    ]
    assert [s["name"] for b in span_batches for s in b["spans"]] == ["op"]
    stats = stacklens.stats()
    assert (stats.sent, stats.failed, stats.retries) == (3, 0, 1)


def test_async_variants() -> None:
    recorder = Recorder()
    recorder.handler = answer_scores

    async def main() -> tuple[str, str]:
        async with stacklens.AsyncStackLens(
            api_key="sl-test",
            endpoint="http://stacklens.test",
            async_transport=httpx.MockTransport(lambda r: recorder._handle(r)),
        ) as client:
            one = await client.score("t", "a", 0.5, span_id="s")
            async with client.start_trace("op") as span:
                two = await span.score("b", True)
            return one, two

    one, two = asyncio.run(main())
    scores = [b for b in recorder.bodies() if "value" in b]
    assert [s["id"] for s in scores] == [one, two]
    assert scores[0]["spanId"] == "s"
    assert scores[1]["value"] is True


def test_module_level_ascore() -> None:
    sent: list[dict[str, Any]] = []

    def record(request: httpx.Request) -> httpx.Response:
        sent.append(json.loads(request.content))
        return answer_scores(request)

    async def main() -> str:
        stacklens.configure(
            api_key="sl-test",
            endpoint="http://stacklens.test",
            async_transport=httpx.MockTransport(record),
        )
        return await stacklens.ascore("t", "a", 1)

    score_id = asyncio.run(main())
    assert sent == [{"id": score_id, "traceId": "t", "name": "a", "value": 1, "source": "sdk"}]
