"""governai.check() / agovernai.check(): the request it sends and the answer it reads."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest

import stacklens

from .conftest import Recorder

ANSWER = {
    "decision": "redact",
    "findings": [
        {
            "type": "email",
            "field": "text",
            "start": 5,
            "end": 13,
            "confidence": 0.99,
            "action": "redact",
        }
    ],
    "text": "mail [EMAIL]",
}


def test_check_sends_the_text_and_reads_the_answer(server: Recorder) -> None:
    server.handler = lambda request: httpx.Response(200, json=ANSWER)
    result = stacklens.governai.check("mail a@b.coop")
    (request,) = server.requests
    assert (request.method, request.url.path) == ("POST", "/api/v1/governai/v1/check")
    assert json.loads(request.content) == {"text": "mail a@b.coop"}
    assert result == stacklens.CheckResult(
        decision="redact",
        findings=(stacklens.Finding("email", "text", 5, 13, 0.99, "redact"),),
        text="mail [EMAIL]",
    )


def test_async_check_sends_messages(server: Recorder) -> None:
    server.handler = lambda request: httpx.Response(
        200,
        json={"decision": "allow", "findings": [], "messages": [{"role": "user", "content": "hi"}]},
    )
    result = asyncio.run(
        stacklens.agovernai.check(messages=[{"role": "user", "content": "hi", "name": "x"}])
    )
    assert json.loads(server.requests[0].content) == {
        "messages": [{"role": "user", "content": "hi"}]
    }
    assert result.messages == ({"role": "user", "content": "hi"},)
    assert not result.blocked


def test_an_answer_that_is_no_check_raises_api_error(server: Recorder) -> None:
    server.handler = lambda request: httpx.Response(200, json={"decision": "maybe", "findings": []})
    with pytest.raises(stacklens.ApiError, match="not a GovernAI check answer"):
        stacklens.governai.check("x")


@pytest.mark.parametrize(
    ("args", "kwargs", "match"),
    [
        ((), {}, "either text or messages"),
        ((5,), {}, "text must be a str"),
        ((), {"messages": "hi"}, "messages must be a sequence"),
        ((), {"messages": [1]}, r"messages\[0\]"),
    ],
)
def test_bad_arguments_raise_before_sending(
    server: Recorder, args: tuple[object, ...], kwargs: dict[str, object], match: str
) -> None:
    with pytest.raises(TypeError, match=match):
        stacklens.governai.check(*args, **kwargs)  # type: ignore[arg-type]
    assert server.requests == []
