"""budget_status() / abudget_status(): the request, the typed answer and its cache."""

from __future__ import annotations

import asyncio

import httpx
import pytest

import stacklens

from .conftest import Recorder, error

BUDGET = {
    "id": 1,
    "name": "monthly",
    "period": "monthly",
    "scope": "user",
    "scopeValue": "u-1",
    "softLimitUsd": 5.0,
    "hardLimitUsd": 10.0,
    "spentUsd": 12.5,
    "state": "hard",
    "periodStart": "2026-12-01T00:00:00Z",
    "periodEnd": "2027-01-01T00:00:00Z",
    "createdBy": "key:sl-1",
    "createdAt": "2026-12-01T00:00:00Z",
    "updatedAt": "2026-12-01T00:00:00Z",
}


def answer(request: httpx.Request) -> httpx.Response:
    return httpx.Response(200, json={"overBudget": True, "budgets": [BUDGET]})


def test_status_asks_for_the_user_and_reads_the_budgets(server: Recorder) -> None:
    server.handler = answer
    status = stacklens.budget_status(user_id="u-1")
    (request,) = server.requests
    assert (request.method, request.url.path) == ("GET", "/api/v1/budgets/status")
    assert dict(request.url.params) == {"userId": "u-1"}
    assert status == stacklens.BudgetStatus(
        over_budget=True,
        budgets=(
            stacklens.Budget(
                name="monthly",
                period="monthly",
                scope="user",
                scope_value="u-1",
                spent_usd=12.5,
                soft_limit_usd=5.0,
                hard_limit_usd=10.0,
                state="hard",
                period_start="2026-12-01T00:00:00Z",
                period_end="2027-01-01T00:00:00Z",
            ),
        ),
    )


def test_answers_are_kept_per_user(server: Recorder) -> None:
    server.handler = answer
    stacklens.budget_status(user_id="u-1")
    stacklens.budget_status(user_id="u-1")
    assert len(server.requests) == 1
    stacklens.budget_status()
    assert len(server.requests) == 2
    assert "userId" not in server.requests[1].url.params


def test_the_last_answer_is_served_while_the_server_fails(
    server: Recorder, monkeypatch: pytest.MonkeyPatch
) -> None:
    server.handler = answer
    first = stacklens.budget_status()
    monkeypatch.setattr("stacklens._budgets.BUDGET_CACHE_TTL_S", 0.0)
    stacklens.configure(
        api_key="sl-test", endpoint="http://stacklens.test", transport=server.transport
    )
    server.handler = error(503, "down")
    with pytest.raises(stacklens.ApiError):
        stacklens.budget_status()  # a new client: nothing to serve
    server.handler = answer
    assert stacklens.budget_status() == first
    server.handler = error(503, "down")
    assert stacklens.budget_status() == first


def test_auth_errors_are_never_hidden(server: Recorder, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("stacklens._budgets.BUDGET_CACHE_TTL_S", 0.0)
    stacklens.configure(
        api_key="sl-test", endpoint="http://stacklens.test", transport=server.transport
    )
    server.handler = answer
    stacklens.budget_status()
    server.handler = error(403, "this needs the alerts:read scope")
    with pytest.raises(stacklens.AuthError):
        stacklens.budget_status()


def test_async_status_and_bad_arguments(server: Recorder) -> None:
    server.handler = answer
    status = asyncio.run(stacklens.abudget_status(user_id="u-2"))
    assert status.over_budget
    assert server.requests[0].url.params["userId"] == "u-2"
    with pytest.raises(ValueError, match="user_id must not be empty"):
        stacklens.budget_status(user_id="")
    with pytest.raises(TypeError, match="user_id must be a str"):
        stacklens.budget_status(user_id=3)  # type: ignore[arg-type]


def test_an_answer_that_is_no_status_raises_api_error(server: Recorder) -> None:
    server.handler = lambda request: httpx.Response(200, json={"budgets": []})
    with pytest.raises(stacklens.ApiError):
        stacklens.budget_status()
