"""Scores through the SDK against the real server, in both modes and with asyncio."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from stacklens_server import StackLensServer

import stacklens

from .conftest import Api, unique

SCORES = "/api/v1/stacktrace/v1/scores"


def scores_of(api: Api, trace_id: str) -> list[dict[str, Any]]:
    response = api.http.get(SCORES, params={"trace_id": trace_id})
    assert response.status_code == 200, response.text
    return sorted(response.json()["scores"], key=lambda s: s["name"])


def test_blocking_scores_land_on_the_trace(server: StackLensServer, api: Api) -> None:
    key = server.create_key("traces:write,scores:write")
    stacklens.configure(api_key=key, endpoint=server.url)
    with stacklens.start_trace(unique("scored")) as span:
        span_score = span.score("helpful", True, comment="clear answer")
    trace_score = stacklens.score(span.trace_id, "accuracy", 0.75)
    stacklens.score(span.trace_id, "label", "good", span_id=span.span_id)
    detail = api.trace(span.trace_id)
    got = {(s["name"], s["value"], s["spanId"], s["source"]) for s in detail["scores"]}
    assert got == {
        ("helpful", True, span.span_id, "sdk"),
        ("accuracy", 0.75, None, "sdk"),
        ("label", "good", span.span_id, "sdk"),
    }
    assert {s["id"] for s in detail["scores"]} >= {span_score, trace_score}


def test_a_refused_score_raises(server: StackLensServer, api: Api) -> None:
    stacklens.configure(api_key=server.create_key("traces:write"), endpoint=server.url)
    with pytest.raises(stacklens.AuthError, match="scores:write"):
        stacklens.score("t", "n", 1)


def test_background_scores_are_delivered(server: StackLensServer, api: Api) -> None:
    stacklens.configure(
        api_key=server.create_key("traces:write,scores:write"), endpoint=server.url, background=True
    )
    trace_id = unique("bg-scored")
    for i in range(5):
        stacklens.score(trace_id, f"q{i}", i / 10)
    assert stacklens.flush(10) is True
    assert [s["value"] for s in scores_of(api, trace_id)] == [0.0, 0.1, 0.2, 0.3, 0.4]


def test_async_scores(server: StackLensServer, api: Api) -> None:
    key = server.create_key("traces:write,scores:write")

    async def main() -> str:
        async with stacklens.AsyncStackLens(api_key=key, endpoint=server.url) as client:
            async with client.start_trace(unique("async-scored")) as span:
                await span.score("fast", 1)
            await client.score(span.trace_id, "slow", 0)
            return span.trace_id

    trace_id = asyncio.run(main())
    assert [(s["name"], s["value"]) for s in scores_of(api, trace_id)] == [("fast", 1), ("slow", 0)]
