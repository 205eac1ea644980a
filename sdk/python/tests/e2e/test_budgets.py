"""stacklens.budget_status() against the real server: a user's budget crossed by the spend the
SDK itself records, sync and asyncio, and a key without alerts:read refused."""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest
from stacklens_server import StackLensServer

import stacklens

from .conftest import unique

BUDGETS = "/api/v1/budgets"


def test_a_users_budget_turns_over_once_the_user_spends(server: StackLensServer) -> None:
    key = server.create_key("traces:write,alerts:read,alerts:manage")
    user = unique("user")
    made = httpx.post(
        server.url + BUDGETS,
        headers={"X-Api-Key": key},
        json={"name": unique("b"), "scope": "user", "scopeValue": user, "hardLimitUsd": 1.0},
    )
    assert made.status_code == 201, made.text
    stacklens.configure(api_key=key, endpoint=server.url, prompt_cache_ttl=0)
    status = stacklens.budget_status(user_id=user)
    assert not status.over_budget
    mine = [b for b in status.budgets if b.scope_value == user]
    assert [(b.scope, b.state, b.spent_usd, b.hard_limit_usd) for b in mine] == [
        ("user", "ok", 0.0, 1.0)
    ]

    with stacklens.start_trace("chat") as span:
        span.set_attribute("user_id", user)
        span.record_llm(
            model="gpt-4o", provider="openai", input_tokens=10, output_tokens=5, cost_usd=1.5
        )
    deadline = time.monotonic() + 30
    while not stacklens.budget_status(user_id=user).over_budget:
        assert time.monotonic() < deadline, "the budget never turned over"
        time.sleep(0.2)
    status = asyncio.run(stacklens.abudget_status(user_id=user))
    assert status.over_budget
    assert [b.state for b in status.budgets if b.scope_value == user] == ["hard"]


def test_a_key_without_alerts_read_is_refused(server: StackLensServer) -> None:
    stacklens.configure(api_key=server.create_key("traces:write"), endpoint=server.url)
    with pytest.raises(stacklens.AuthError):
        stacklens.budget_status()
