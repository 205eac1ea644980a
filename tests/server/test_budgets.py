"""Budgets: spend limits per UTC day or month on a project, a tag or a user id, the status
applications ask before a model call, and the notifications a crossed limit sends (once per
level and period) to a real webhook receiver started here."""

from __future__ import annotations

import time
import uuid
from datetime import datetime, timezone
from typing import Any, Dict, Iterator, Tuple

import httpx
import pytest

from openapi_contract import CONTRACT
from polling import until
from stacklens_server import StackLensServer
from webhook_receiver import WebhookReceiver

BUDGETS = "/api/v1/budgets"
CHANNELS = "/api/v1/notifications/channels"
TRACES = "/api/v1/stacktrace/v1/traces"


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Tuple[StackLensServer, httpx.Client, Dict[str, str]]]:
    srv = StackLensServer(tmp_path_factory.mktemp("budgets") / "data").start()
    keys = {"admin": srv.create_key("traces:write,traces:read,alerts:read,alerts:manage"),
            "reader": srv.create_key("alerts:read"),
            "writer": srv.create_key("traces:write")}
    with httpx.Client(base_url=srv.url, timeout=30, headers={"X-Api-Key": keys["admin"]},
                      event_hooks={"response": [CONTRACT.check]}) as api:
        yield srv, api, keys
    assert srv.stop() == 0, srv.log()


def spend(api: httpx.Client, cost: float, *, user: str = "", tags: Tuple[str, ...] = ()) -> None:
    now = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    attributes = {"user_id": user} if user else {}
    span = {"traceId": uuid.uuid4().hex, "spanId": uuid.uuid4().hex[:16], "name": "chat", "status": "ok",
            "startTime": now, "endTime": now, "attributes": attributes, "tags": list(tags),
            "llmSpan": {"model": "gpt-4o", "provider": "openai", "inputTokens": 10, "outputTokens": 5,
                        "estimatedCostUsd": cost}}
    resp = api.post(TRACES + "/batch", json={"spans": [span]})
    assert resp.status_code == 200 and resp.json()["rejected"] == 0, resp.text



def status(api: httpx.Client, **params: Any) -> Dict[str, Any]:
    resp = api.get(BUDGETS + "/status", params=params)
    assert resp.status_code == 200, resp.text
    return dict(resp.json())


def test_budgets_are_kept_changed_and_removed(setup: Tuple[StackLensServer, httpx.Client, Dict[str, str]]) -> None:
    _, api, _ = setup
    made = api.post(BUDGETS, json={"name": "crud", "period": "daily", "scope": "tag", "scopeValue": "nightly",
                                   "softLimitUsd": 1, "hardLimitUsd": 2})
    assert made.status_code == 201, made.text
    b = made.json()
    assert (b["period"], b["scope"], b["scopeValue"], b["softLimitUsd"], b["hardLimitUsd"], b["state"]) == (
        "daily", "tag", "nightly", 1, 2, "ok")
    start = datetime.fromisoformat(b["periodStart"].replace("Z", "+00:00"))
    end = datetime.fromisoformat(b["periodEnd"].replace("Z", "+00:00"))
    assert (start.hour, start.minute, (end - start).days) == (0, 0, 1)
    assert api.post(BUDGETS, json={"name": "crud", "hardLimitUsd": 3}).status_code == 409
    changed = api.put(BUDGETS + "/crud", json={"hardLimitUsd": 9})
    assert changed.status_code == 200, changed.text
    assert (changed.json()["period"], changed.json()["scope"], changed.json()["softLimitUsd"]) == ("monthly", "project", None)
    assert [x["name"] for x in api.get(BUDGETS).json()["budgets"]] == ["crud"]
    assert api.delete(BUDGETS + "/crud").status_code == 200
    assert api.get(BUDGETS + "/crud").status_code == 404


@pytest.mark.parametrize("body, words", [
    ({"name": "b", "hardLimitUsd": 0}, "hardLimitUsd must be a number"),
    ({"name": "b"}, "hardLimitUsd is required"),
    ({"name": "b", "hardLimitUsd": 5, "softLimitUsd": 5}, "softLimitUsd must be below"),
    ({"name": "b", "hardLimitUsd": 5, "period": "weekly"}, "unknown period 'weekly'"),
    ({"name": "b", "hardLimitUsd": 5, "scope": "team"}, "unknown scope 'team'"),
    ({"name": "b", "hardLimitUsd": 5, "scope": "user"}, "scopeValue is required for a user budget"),
    ({"name": "b", "hardLimitUsd": 5, "scopeValue": "x"}, "scopeValue is only for a tag or user budget"),
    ({"name": "status", "hardLimitUsd": 5}, "'status' is reserved"),
    ({"name": "no spaces", "hardLimitUsd": 5}, "budget name"),
    ({"name": "b", "hardLimitUsd": 5, "limit": 3}, "limit"),
])
def test_bad_budgets_are_refused_naming_the_problem(
        setup: Tuple[StackLensServer, httpx.Client, Dict[str, str]], body: Dict[str, Any], words: str) -> None:
    _, api, _ = setup
    resp = api.post(BUDGETS, json=body)
    assert resp.status_code == 400 and words in resp.json()["error"], resp.text


def test_scopes(setup: Tuple[StackLensServer, httpx.Client, Dict[str, str]]) -> None:
    _, api, keys = setup
    reader = {"X-Api-Key": keys["reader"]}
    assert api.get(BUDGETS + "/status", headers=reader).status_code == 200
    assert api.get(CHANNELS, headers=reader).status_code == 200
    refused = api.post(BUDGETS, json={"name": "r", "hardLimitUsd": 1}, headers=reader)
    assert refused.status_code == 403 and "alerts:manage" in refused.json()["error"]
    refused = api.get(BUDGETS + "/status", headers={"X-Api-Key": keys["writer"]})
    assert refused.status_code == 403 and "alerts:read" in refused.json()["error"]
    assert api.get(BUDGETS + "/status", params={"user": "x"}).status_code == 400


@pytest.mark.one_target
def test_crossing_soft_then_hard_notifies_once_each_and_the_status_says_over_budget(
        setup: Tuple[StackLensServer, httpx.Client, Dict[str, str]]) -> None:
    srv, api, _ = setup
    user = "u-" + uuid.uuid4().hex[:8]
    with WebhookReceiver() as receiver:
        made = api.post(CHANNELS, json={"name": "budget-hook", "url": receiver.url + "/hook"})
        assert made.status_code == 201, made.text
        receiver.secret = made.json()["secret"]
        assert api.post(BUDGETS, json={"name": "per-user", "scope": "user", "scopeValue": user,
                                       "softLimitUsd": 1.0, "hardLimitUsd": 2.0}).status_code == 201
        first = status(api, userId=user)
        assert first["overBudget"] is False
        assert [(b["name"], b["state"], b["spentUsd"]) for b in first["budgets"]] == [("per-user", "ok", 0)]
        assert [b["name"] for b in status(api)["budgets"]] == []  # another user's budget does not apply

        spend(api, 0.6, user=user)
        spend(api, 0.6, user=user)
        assert until(lambda: [p for p in receiver.payloads() if p["event"] == "budget.soft"])
        assert until(lambda: status(api, userId=user)["budgets"][0]["state"] == "soft")
        assert status(api, userId=user)["overBudget"] is False

        spend(api, 1.0, user=user)
        assert until(lambda: [p for p in receiver.payloads() if p["event"] == "budget.hard"])
        over = until(lambda: (lambda s: s if s["overBudget"] else None)(status(api, userId=user)))
        assert over["budgets"][0]["state"] == "hard" and over["budgets"][0]["spentUsd"] == pytest.approx(2.2)
        hard = [p for p in receiver.payloads() if p["event"] == "budget.hard"][0]
        assert (hard["data"]["budget"], hard["data"]["level"], hard["data"]["scopeValue"]) == ("per-user", "hard", user)
        assert hard["data"]["spentUsd"] >= 2.0 and hard["data"]["limitUsd"] == 2.0
        assert all(receiver.verified())

        # Spend after the crossing and a restart announce nothing again this period.
        spend(api, 1.0, user=user)
        assert srv.stop() == 0, srv.log()
        srv.start()
        api.base_url = httpx.URL(srv.url)
        assert until(lambda: status(api, userId=user)["budgets"][0]["spentUsd"] >= 3.2)
        seen = api.get(CHANNELS + "/budget-hook/deliveries").json()["deliveries"]
        time.sleep(6)  # more than one background check (every 5 s) after the restart
        events = sorted(p["event"] for p in receiver.payloads())
        assert events == ["budget.hard", "budget.soft"], events
        assert len(api.get(CHANNELS + "/budget-hook/deliveries").json()["deliveries"]) == len(seen)


def test_project_and_tag_budgets_apply_to_the_status(setup: Tuple[StackLensServer, httpx.Client, Dict[str, str]]) -> None:
    _, api, _ = setup
    tag = "t-" + uuid.uuid4().hex[:8]
    assert api.post(BUDGETS, json={"name": "tagged", "period": "daily", "scope": "tag", "scopeValue": tag,
                                   "hardLimitUsd": 0.5}).status_code == 201
    assert api.post(BUDGETS, json={"name": "whole", "hardLimitUsd": 100000}).status_code == 201
    spend(api, 0.7, tags=(tag, "other"))
    over = until(lambda: (lambda s: s if s["overBudget"] else None)(status(api, tag=tag)))
    states = {b["name"]: b["state"] for b in over["budgets"]}
    assert states["tagged"] == "hard" and states["whole"] == "ok"
    assert "tagged" not in {b["name"] for b in status(api)["budgets"]}
    whole = [b for b in status(api)["budgets"] if b["name"] == "whole"][0]
    assert whole["spentUsd"] >= 0.7
    for name in ("tagged", "whole"):
        assert api.delete(f"{BUDGETS}/{name}").status_code == 200
