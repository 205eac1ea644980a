"""Monitors: a project's metric over a window against a threshold, evaluated in the background
(every second here) and on demand, moving ok -> firing -> resolved with a history, and notifying
a real webhook receiver started here (signed) at each change."""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta, timezone
from typing import Any, Dict, Iterator, List, Tuple

import httpx
import pytest

from openapi_contract import CONTRACT
from polling import until
from stacklens_server import StackLensServer
from webhook_receiver import WebhookReceiver

MONITORS = "/api/v1/monitors"
CHANNELS = "/api/v1/notifications/channels"
TRACES = "/api/v1/stacktrace/v1/traces"

Setup = Tuple[StackLensServer, httpx.Client, Dict[str, str]]


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Setup]:
    srv = StackLensServer(tmp_path_factory.mktemp("monitors") / "data",
                          extra_args=["--monitor-interval-seconds", "1"]).start()
    keys = {"admin": srv.create_key("traces:write,traces:read,alerts:read,alerts:manage"),
            "reader": srv.create_key("alerts:read"),
            "writer": srv.create_key("traces:write")}
    with httpx.Client(base_url=srv.url, timeout=30, headers={"X-Api-Key": keys["admin"]},
                      event_hooks={"response": [CONTRACT.check]}) as api:
        yield srv, api, keys
    assert srv.stop() == 0, srv.log()



def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def spans(api: httpx.Client, n: int, *, cost: float = 0.0, model: str = "gpt-4o", name: str = "chat",
          ago: timedelta = timedelta(0), tags: Tuple[str, ...] = (), user: str = "", status: str = "ok",
          latency_ms: int = 0, tokens: Tuple[int, int] = (10, 5)) -> None:
    start = datetime.now(timezone.utc) - ago
    end = start + timedelta(milliseconds=latency_ms)
    fmt = "%Y-%m-%dT%H:%M:%S.%fZ"
    batch = [{"traceId": uuid.uuid4().hex, "spanId": uuid.uuid4().hex[:16], "name": name, "status": status,
              "startTime": start.strftime(fmt), "endTime": end.strftime(fmt), "tags": list(tags),
              "attributes": {"user_id": user} if user else {},
              "llmSpan": {"model": model, "provider": "openai", "inputTokens": tokens[0], "outputTokens": tokens[1],
                          "estimatedCostUsd": cost}} for _ in range(n)]
    resp = api.post(TRACES + "/batch", json={"spans": batch})
    assert resp.status_code == 200 and resp.json()["rejected"] == 0, resp.text


def create(api: httpx.Client, **body: Any) -> Dict[str, Any]:
    body.setdefault("name", unique("m"))
    resp = api.post(MONITORS, json=body)
    assert resp.status_code == 201, resp.text
    return dict(resp.json())


def evaluate(api: httpx.Client, monitor_id: int) -> Dict[str, Any]:
    resp = api.post(f"{MONITORS}/{monitor_id}/evaluate")
    assert resp.status_code == 200, resp.text
    return dict(resp.json())


def value_reaches(api: httpx.Client, monitor_id: int, want: float) -> Any:
    """Evaluates until the value is `want` (spans are counted once committed): the last answer."""
    last: Dict[str, Any] = {}

    def check() -> bool:
        last.update(evaluate(api, monitor_id))
        return bool(last["value"] == pytest.approx(want))
    until(check)
    return last


def history(api: httpx.Client, monitor_id: int) -> List[Dict[str, Any]]:
    resp = api.get(f"{MONITORS}/{monitor_id}/history")
    assert resp.status_code == 200, resp.text
    return list(resp.json()["transitions"])


def test_monitors_are_kept_changed_and_removed(setup: Setup) -> None:
    _, api, _ = setup
    m = create(api, name="crud", metric="cost", threshold=2.5)
    assert {k: m[k] for k in ("metric", "filter", "windowSeconds", "comparison", "threshold", "channelIds", "paused",
                              "state", "lastValue", "lastEvaluatedAt")} == {
        "metric": "cost", "filter": {}, "windowSeconds": 3600, "comparison": "above", "threshold": 2.5,
        "channelIds": [], "paused": False, "state": "ok", "lastValue": None, "lastEvaluatedAt": None}
    assert api.post(MONITORS, json={"name": "crud", "metric": "tokens", "threshold": 1}).status_code == 409
    changed = api.patch(f"{MONITORS}/{m['id']}", json={
        "comparison": "<", "windowSeconds": 86400, "paused": True,
        "filter": {"operation": "chat", "tags": ["prod"], "attributes": {"user_id": "u1"}}})
    assert changed.status_code == 200, changed.text
    c = changed.json()
    assert (c["comparison"], c["windowSeconds"], c["paused"], c["threshold"], c["name"]) == (
        "below", 86400, True, 2.5, "crud")
    assert c["filter"] == {"operation": "chat", "tags": ["prod"], "attributes": {"user_id": "u1"}}
    assert m["id"] in [x["id"] for x in api.get(MONITORS).json()["monitors"]]
    assert api.get(f"{MONITORS}/{m['id']}").json()["filter"] == c["filter"]
    refused = api.post(f"{MONITORS}/{m['id']}/evaluate")
    assert refused.status_code == 409 and "paused" in refused.json()["error"]
    assert api.delete(f"{MONITORS}/{m['id']}").status_code == 200
    assert api.get(f"{MONITORS}/{m['id']}").status_code == 404
    assert api.get(f"{MONITORS}/{m['id']}/history").status_code == 404
    assert api.get(f"{MONITORS}/abc").status_code == 400


@pytest.mark.parametrize("body, words", [
    ({"metric": "latency", "threshold": 1}, "unknown metric 'latency'"),
    ({"threshold": 1}, "metric"),
    ({"metric": "cost"}, "threshold is required"),
    ({"metric": "cost", "threshold": "5"}, "threshold is required: a number"),
    ({"metric": "cost", "threshold": -1}, "at or above 0"),
    ({"metric": "error_rate", "threshold": 5}, "fraction from 0 to 1"),
    ({"metric": "cost", "threshold": 1, "windowSeconds": 60}, "windowSeconds must be whole minutes"),
    ({"metric": "cost", "threshold": 1, "windowSeconds": 301}, "windowSeconds must be whole minutes"),
    ({"metric": "cost", "threshold": 1, "windowSeconds": 31 * 86400}, "windowSeconds must be whole minutes"),
    ({"metric": "cost", "threshold": 1, "windowSeconds": "1h"}, "windowSeconds must be an integer"),
    ({"metric": "cost", "threshold": 1, "comparison": "=="}, "comparison must be above"),
    ({"metric": "cost", "threshold": 1, "filter": "model=x"}, "filter must be an object"),
    ({"metric": "cost", "threshold": 1, "filter": {"team": "x"}}, "unknown filter field 'team'"),
    ({"metric": "cost", "threshold": 1, "filter": {"tags": "prod"}}, "filter.tags must be an array"),
    ({"metric": "cost", "threshold": 1, "filter": {"model": ""}}, "filter.model must be text"),
    ({"metric": "cost", "threshold": 1, "filter": {"attributes": {"k": 3}}}, "filter.attributes"),
    ({"metric": "findings", "threshold": 1, "filter": {"model": "x"}}, "no filter"),
    ({"metric": "cost", "threshold": 1, "channelIds": [987654]}, "no notification channel 987654"),
    ({"metric": "cost", "threshold": 1, "channelIds": ["x"]}, "channelIds must hold"),
    ({"metric": "cost", "threshold": 1, "paused": "yes"}, "paused must be true or false"),
    ({"metric": "cost", "threshold": 1, "every": 5}, "every"),
    ({"metric": "cost", "threshold": 1, "name": "no spaces"}, "monitor name"),
])
def test_bad_monitors_are_refused_naming_the_problem(setup: Setup, body: Dict[str, Any], words: str) -> None:
    _, api, _ = setup
    body.setdefault("name", "bad")
    resp = api.post(MONITORS, json=body)
    assert resp.status_code == 400 and words in resp.json()["error"], resp.text


def test_scopes(setup: Setup) -> None:
    _, api, keys = setup
    m = create(api, metric="requests", threshold=1000)
    reader = {"X-Api-Key": keys["reader"]}
    assert api.get(MONITORS, headers=reader).status_code == 200
    assert api.get(f"{MONITORS}/{m['id']}/history", headers=reader).status_code == 200
    for refused in (api.post(MONITORS, json={"name": "r", "metric": "cost", "threshold": 1}, headers=reader),
                    api.patch(f"{MONITORS}/{m['id']}", json={"threshold": 1}, headers=reader),
                    api.post(f"{MONITORS}/{m['id']}/evaluate", headers=reader),
                    api.delete(f"{MONITORS}/{m['id']}", headers=reader)):
        assert refused.status_code == 403 and "alerts:manage" in refused.json()["error"], refused.text
    refused = api.get(MONITORS, headers={"X-Api-Key": keys["writer"]})
    assert refused.status_code == 403 and "alerts:read" in refused.json()["error"]


def test_a_monitor_fires_then_resolves_and_notifies_its_channel_each_time(setup: Setup) -> None:
    _, api, _ = setup
    model = unique("model")
    with WebhookReceiver() as receiver, WebhookReceiver() as other:
        made = api.post(CHANNELS, json={"name": unique("mon-hook"), "url": receiver.url + "/hook"})
        assert made.status_code == 201, made.text
        receiver.secret = made.json()["secret"]
        hook = made.json()
        unused = api.post(CHANNELS, json={"name": unique("mon-other"), "url": other.url + "/hook"})
        assert unused.status_code == 201, unused.text
        m = create(api, metric="cost", filter={"model": model}, windowSeconds=300, threshold=1.0,
                   channelIds=[hook["id"]])

        spans(api, 2, cost=0.6, model=model)
        # The background evaluation (every second) sees the spend over 1.0 and fires.
        assert until(lambda: api.get(f"{MONITORS}/{m['id']}").json()["state"] == "firing")
        firing = until(lambda: [p for p in receiver.payloads() if p["event"] == "monitor.firing"])
        assert firing, "no monitor.firing notification"
        data = firing[0]["data"]
        assert (data["monitorId"], data["state"], data["metric"], data["threshold"], data["comparison"]) == (
            m["id"], "firing", "cost", 1.0, "above")
        assert data["value"] == pytest.approx(1.2)
        assert "is firing" in firing[0]["text"] and all(receiver.verified())
        assert api.get(f"{MONITORS}/{m['id']}").json()["lastValue"] == pytest.approx(1.2)

        # Raising the threshold over the value resolves it at the next evaluation.
        assert api.patch(f"{MONITORS}/{m['id']}", json={"threshold": 5}).json()["state"] == "firing"
        assert until(lambda: api.get(f"{MONITORS}/{m['id']}").json()["state"] == "resolved")
        resolved = until(lambda: [p for p in receiver.payloads() if p["event"] == "monitor.resolved"])
        assert resolved and resolved[0]["data"]["threshold"] == 5 and "is resolved" in resolved[0]["text"]
        steps = history(api, m["id"])
        assert [(t["state"], t["threshold"]) for t in steps] == [("resolved", 5), ("firing", 1.0)]
        assert steps[1]["value"] == pytest.approx(1.2) and steps[0]["at"] >= steps[1]["at"]

        def delivered() -> List[str]:
            answer = api.get(f"{CHANNELS}/{hook['name']}/deliveries").json()["deliveries"]
            return sorted(d["event"] for d in answer if d["status"] == "delivered")
        until(lambda: len(delivered()) == 2)
        assert delivered() == ["monitor.firing", "monitor.resolved"]
        assert not other.received()  # the monitor names its channel: the project's others hear nothing
        assert sorted(p["event"] for p in receiver.payloads()) == ["monitor.firing", "monitor.resolved"]


def test_the_window_counts_only_its_own_spans(setup: Setup) -> None:
    _, api, _ = setup
    tag, name = unique("tag"), unique("op")
    spans(api, 3, cost=0.5, tags=(tag,), name=name, ago=timedelta(minutes=20))
    # Trace list (a tag): the traces that started in the window.
    short = create(api, metric="cost", filter={"tags": [tag]}, windowSeconds=300, threshold=1.0)
    long = create(api, metric="cost", filter={"tags": [tag]}, windowSeconds=1800, threshold=1.0)
    assert value_reaches(api, long["id"], 1.5)["monitor"]["state"] == "firing"
    short_now = evaluate(api, short["id"])
    assert (short_now["value"], short_now["changed"], short_now["monitor"]["state"]) == (0, False, "ok")
    # Rollups (an operation): the same.
    short = create(api, metric="requests", filter={"operation": name}, windowSeconds=300, threshold=2)
    long = create(api, metric="requests", filter={"operation": name}, windowSeconds=3600, threshold=2)
    assert value_reaches(api, long["id"], 3)["monitor"]["state"] == "firing"  # here or by the background pass
    assert evaluate(api, long["id"])["changed"] is False  # still firing: no new transition
    assert [t["state"] for t in history(api, long["id"])] == ["firing"]
    assert evaluate(api, short["id"])["value"] == 0


def test_each_metric_reads_from_the_rollups_and_from_the_trace_list(setup: Setup) -> None:
    _, api, _ = setup
    model, user = unique("model"), unique("user")
    spans(api, 3, model=model, user=user, latency_ms=100, tokens=(10, 5), cost=0.25)
    spans(api, 1, model=model, user=user, latency_ms=2000, status="error", tokens=(100, 0), cost=0.0)
    want = {"cost": 0.75, "tokens": 145, "requests": 4, "error_rate": 0.25}
    for metric, value in want.items():
        for where in ({"model": model}, {"userId": user}):  # the rollups; the trace list
            m = create(api, metric=metric, filter=where, windowSeconds=600, threshold=1000 if metric != "error_rate" else 1)
            assert value_reaches(api, m["id"], value)["value"] == pytest.approx(value), (metric, where)
    by_user = create(api, metric="latency_p95", filter={"userId": user}, windowSeconds=600, threshold=1000)
    assert value_reaches(api, by_user["id"], 2000)["monitor"]["state"] == "firing"
    by_model = create(api, metric="latency_p95", filter={"model": model}, windowSeconds=600, threshold=1000)
    assert until(lambda: evaluate(api, by_model["id"])["value"] >= 1000)  # a histogram's bucket, near 2000


def test_below_fires_when_traffic_stops_and_slack_hears_it(setup: Setup) -> None:
    _, api, _ = setup
    with WebhookReceiver() as receiver:
        slack = api.post(CHANNELS, json={"name": unique("mon-slack"), "kind": "slack",
                                         "url": receiver.url + "/services/T/B/X"})
        assert slack.status_code == 201, slack.text
        m = create(api, metric="requests", filter={"operation": unique("silent")}, windowSeconds=300,
                   comparison="below", threshold=1, channelIds=[slack.json()["id"]])
        done = evaluate(api, m["id"])
        assert (done["value"], done["changed"], done["monitor"]["state"]) in (
            (0, True, "firing"), (0, False, "firing"))  # the background pass may have been first
        (request,) = until(receiver.received)
        text = json.loads(request["body"])["text"]
        assert m["name"] in text and "is firing" in text and "below 1" in text


def test_a_channel_a_monitor_names_is_kept_until_the_monitor_lets_it_go(setup: Setup) -> None:
    _, api, _ = setup
    name = unique("named-hook")
    made = api.post(CHANNELS, json={"name": name, "url": "https://hooks.example.com/x"})
    assert made.status_code == 201, made.text
    m = create(api, metric="requests", threshold=1e9, channelIds=[made.json()["id"]])
    refused = api.delete(f"{CHANNELS}/{name}")
    assert refused.status_code == 409, refused.text
    assert name in refused.json()["error"] and m["name"] in refused.json()["error"]
    assert api.get(f"{CHANNELS}/{name}/deliveries").status_code == 200  # still there
    assert api.patch(f"{MONITORS}/{m['id']}", json={"channelIds": []}).status_code == 200
    assert api.delete(f"{CHANNELS}/{name}").status_code == 200
