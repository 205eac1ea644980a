"""stacklens.governai.check() against the real server: findings, redacted text and messages,
the decision under the project's policies, sync and asyncio, errors as the SDK's classes."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from stacklens_server import StackLensServer

import stacklens

from .conftest import unique

POLICIES = "/api/v1/governai/v1/policies"
EMAIL = "jane.doe@example.com"
CARD = "4111 1111 1111 1111"


def test_check_text_with_the_default_policies(server: StackLensServer, key: str) -> None:
    stacklens.configure(api_key=key, endpoint=server.url)
    text = f"Mail {EMAIL} about card {CARD}."
    result = stacklens.governai.check(text)
    assert isinstance(result, stacklens.CheckResult)
    assert result.decision == "redact"
    assert not result.blocked
    assert result.text == "Mail [EMAIL] about card [CARD]."
    assert result.messages is None
    assert [(f.type, f.field, text[f.start : f.end], f.action) for f in result.findings] == [
        ("email", "text", EMAIL, "redact"),
        ("card", "text", CARD, "redact"),
    ]
    assert all(isinstance(f, stacklens.Finding) and 0 < f.confidence <= 1 for f in result.findings)
    assert stacklens.governai.check("nothing personal here").decision == "allow"


def test_check_messages_under_a_projects_policies(server: StackLensServer) -> None:
    project = unique("governai")
    server.cli("projects", "create", project)
    key = server.create_key("traces:write,governai:manage", project=project)
    set_policy = httpx.put(
        f"{server.url}{POLICIES}",
        headers={"X-Api-Key": key},
        json={"policies": {"card": "block", "email": "allow"}},
    )
    assert set_policy.status_code == 200, set_policy.text
    messages = [
        {"role": "system", "content": "You are helpful."},
        {"role": "user", "content": f"{EMAIL} {CARD}"},
    ]
    with stacklens.StackLens(api_key=key, endpoint=server.url) as client:
        result = client.governai.check(messages=messages)
    assert result.blocked
    assert result.messages == (
        {"role": "system", "content": "You are helpful."},
        {"role": "user", "content": f"{EMAIL} [CARD]"},
    )
    assert [(f.type, f.field, f.action) for f in result.findings] == [
        ("email", "messages[1].content", "allow"),
        ("card", "messages[1].content", "block"),
    ]


def test_async_check(server: StackLensServer, key: str) -> None:
    async def run() -> stacklens.CheckResult:
        async with stacklens.AsyncStackLens(api_key=key, endpoint=server.url) as client:
            first = await client.governai.check(f"card {CARD}")
        stacklens.configure(api_key=key, endpoint=server.url)
        second = await stacklens.agovernai.check(
            messages=[{"role": "user", "content": f"card {CARD}"}]
        )
        assert second.messages == ({"role": "user", "content": "card [CARD]"},)
        return first

    assert asyncio.run(run()).text == "card [CARD]"


def test_check_errors_are_the_sdks(server: StackLensServer) -> None:
    reader = server.create_key("traces:read")
    stacklens.configure(api_key=reader, endpoint=server.url)
    with pytest.raises(stacklens.AuthError) as refused:
        stacklens.governai.check("hi")
    assert refused.value.status_code == 403
    stacklens.configure(api_key=server.create_key("traces:write"), endpoint=server.url)
    with pytest.raises(stacklens.ApiError) as too_long:
        stacklens.governai.check("a" * ((1 << 20) + 1))
    assert too_long.value.status_code == 400
    assert "longer than 1048576 bytes" in str(too_long.value)
    with pytest.raises(TypeError, match="either text or messages"):
        stacklens.governai.check()
    with pytest.raises(TypeError, match="either text or messages"):
        stacklens.governai.check("a", messages=[])
    with pytest.raises(TypeError, match=r"messages\[0\]"):
        stacklens.governai.check(messages=[{"role": "user"}])
