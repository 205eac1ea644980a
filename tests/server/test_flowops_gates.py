"""FlowOps beyond promotion: approval gates on protected environments and experiments that split
an environment's fetches between versions, against the real server (every answer held to
api/openapi.yaml)."""

from __future__ import annotations

import hashlib
import re
import uuid
from datetime import datetime, timedelta, timezone
from typing import Any, Dict, Iterator, List, Tuple

import httpx
import pytest

from openapi_contract import CONTRACT
from stacklens_server import StackLensServer

PROMPTS = "/api/v1/flowops/v1/prompts"
ENVIRONMENTS = "/api/v1/flowops/v1/environments"
TRACES = "/api/v1/stacktrace/v1/traces"


class User:
    """A signed-in dashboard user: every call carries the session cookie and the CSRF token."""

    def __init__(self, srv: StackLensServer, email: str, password: str) -> None:
        self.client = httpx.Client(base_url=srv.url, timeout=30, event_hooks={"response": [CONTRACT.check]})
        resp = self.client.post("/api/v1/auth/login", json={"email": email, "password": password})
        assert resp.status_code == 200, resp.text
        self.csrf = {"X-CSRF-Token": resp.json()["csrfToken"]}
        self.actor = f"user:{email}"

    def get(self, path: str, **kw: Any) -> httpx.Response:
        return self.client.get(path, **kw)

    def post(self, path: str, body: Any) -> httpx.Response:
        return self.client.post(path, json=body, headers=self.csrf)

    def put(self, path: str, body: Any) -> httpx.Response:
        return self.client.put(path, json=body, headers=self.csrf)


@pytest.fixture(scope="module")
def team(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Tuple[StackLensServer, User, User]]:
    srv = StackLensServer(tmp_path_factory.mktemp("flowops") / "data").start()
    password = re.search(r"Admin login: \S+ / (\S+)", srv.log())
    assert password
    admin = User(srv, "admin@stacklens.local", password.group(1))
    made = admin.post("/api/v1/members", {"email": "dev@example.com", "role": "member", "password": "member-pass-1"})
    assert made.status_code == 201, made.text
    member = User(srv, "dev@example.com", "member-pass-1")
    yield srv, admin, member
    assert srv.stop() == 0, srv.log()


def keyed(srv: StackLensServer, scopes: str) -> httpx.Client:
    return httpx.Client(base_url=srv.url, timeout=30, headers={"X-Api-Key": srv.create_key(scopes)},
                        event_hooks={"response": [CONTRACT.check]})


def new_prompt(who: User, versions: int) -> str:
    name = f"p-{uuid.uuid4().hex[:10]}"
    assert who.post(PROMPTS, {"name": name, "content": "v1 {{customer}}"}).status_code == 201
    for n in range(2, versions + 1):
        assert who.post(f"{PROMPTS}/{name}/versions", {"content": f"v{n} {{{{customer}}}}"}).status_code == 201
    return name


def served(who: Any, name: str, env: str = "production", **params: str) -> Dict[str, Any]:
    resp = who.get(f"{PROMPTS}/by-name/{name}", params={"env": env, **params})
    assert resp.status_code == 200, resp.text
    return resp.json()


def test_nothing_is_protected_until_an_admin_says_so(team: Tuple[StackLensServer, User, User]) -> None:
    _, admin, member = team
    envs = admin.get(ENVIRONMENTS).json()["environments"]
    assert [(e["env"], e["protected"], e["updatedBy"]) for e in envs] == [
        ("dev", False, None), ("staging", False, None), ("production", False, None)]
    refused = member.put(f"{ENVIRONMENTS}/production", {"protected": True})
    assert refused.status_code == 403 and "members:manage" in refused.json()["error"]
    assert admin.put(f"{ENVIRONMENTS}/qa", {"protected": True}).status_code == 400
    missing = admin.put(f"{ENVIRONMENTS}/production", {"protected": "yes"})
    assert missing.status_code == 400 and "protected" in missing.json()["error"]
    name = new_prompt(member, 2)
    assert member.post(f"{PROMPTS}/{name}/promote", {"env": "production", "version": 2}).status_code == 200
    assert served(member, name)["version"] == 2


def test_a_promotion_into_a_protected_environment_waits_for_another_members_approval(
        team: Tuple[StackLensServer, User, User]) -> None:
    srv, admin, member = team
    turned = admin.put(f"{ENVIRONMENTS}/production", {"protected": True})
    assert turned.status_code == 200 and turned.json()["updatedBy"] == admin.actor
    try:
        name = new_prompt(member, 3)
        assert member.post(f"{PROMPTS}/{name}/promote", {"env": "staging", "version": 2}).status_code == 200
        first = admin.post(f"{PROMPTS}/{name}/promote", {"env": "production", "version": 1})
        assert first.status_code == 202  # even an admin asks
        own = admin.post(f"{PROMPTS}/{name}/requests/{first.json()['request']['id']}/approve", {})
        assert own.status_code == 403 and "own request" in own.json()["error"]
        not_member = member.post(f"{PROMPTS}/{name}/requests/{first.json()['request']['id']}/approve", {})
        assert not_member.status_code == 403 and "prompts:approve" in not_member.json()["error"]
        approver = keyed(srv, "prompts:approve,prompts:read")
        approved = approver.post(f"{PROMPTS}/{name}/requests/{first.json()['request']['id']}/approve",
                                 json={"comment": "first release"})
        assert approved.status_code == 200, approved.text
        assert served(member, name)["version"] == 1

        asked = member.post(f"{PROMPTS}/{name}/promote", {"env": "production", "version": 2, "comment": "friendlier"})
        assert asked.status_code == 202, asked.text
        request = asked.json()["request"]
        assert (request["status"], request["version"], request["requestedBy"], request["comment"]) == (
            "pending", 2, member.actor, "friendlier")
        assert served(member, name)["version"] == 1  # until approved, the previous version
        again = member.post(f"{PROMPTS}/{name}/promote", {"env": "production", "version": 3})
        assert again.status_code == 409 and "already pending" in again.json()["error"]
        pending = admin.get("/api/v1/flowops/v1/promotion-requests", params={"status": "pending"}).json()["requests"]
        assert [(r["prompt"], r["id"]) for r in pending] == [(name, request["id"])]
        assert admin.get("/api/v1/flowops/v1/promotion-requests", params={"status": "stuck"}).status_code == 400

        decided = admin.post(f"{PROMPTS}/{name}/requests/{request['id']}/approve", {"comment": "looks good"})
        assert decided.status_code == 200, decided.text
        assert (decided.json()["status"], decided.json()["decidedBy"], decided.json()["decisionComment"]) == (
            "approved", admin.actor, "looks good")
        assert served(member, name)["version"] == 2
        twice = admin.post(f"{PROMPTS}/{name}/requests/{request['id']}/reject", {"comment": "no"})
        assert twice.status_code == 409 and "already approved" in twice.json()["error"]

        history = member.get(f"{PROMPTS}/{name}").json()
        assert history["environments"]["production"]["version"] == 2
        latest = history["promotions"][0]
        assert (latest["env"], latest["version"], latest["by"], latest["approvedBy"], latest["requestId"]) == (
            "production", 2, member.actor, admin.actor, request["id"])
        assert history["promotions"][-1]["approvedBy"] is None  # staging was never gated
        assert [(r["id"], r["status"]) for r in history["requests"]] == [
            (request["id"], "approved"), (first.json()["request"]["id"], "approved")]
    finally:
        admin.put(f"{ENVIRONMENTS}/production", {"protected": False})


def test_rejecting_says_why_and_only_the_requester_cancels(team: Tuple[StackLensServer, User, User]) -> None:
    srv, admin, member = team
    admin.put(f"{ENVIRONMENTS}/staging", {"protected": True})
    try:
        name = new_prompt(member, 2)
        request = member.post(f"{PROMPTS}/{name}/promote", {"env": "staging", "version": 2}).json()["request"]
        bare = admin.post(f"{PROMPTS}/{name}/requests/{request['id']}/reject", {})
        assert bare.status_code == 400 and "comment is required" in bare.json()["error"]
        rejected = admin.post(f"{PROMPTS}/{name}/requests/{request['id']}/reject", {"comment": "tone is off"})
        assert rejected.status_code == 200 and rejected.json()["status"] == "rejected"
        assert member.get(f"{PROMPTS}/by-name/{name}", params={"env": "staging"}).status_code == 404
        assert member.get(f"{PROMPTS}/{name}").json()["requests"][0]["decisionComment"] == "tone is off"

        request = member.post(f"{PROMPTS}/{name}/promote", {"env": "staging", "version": 2}).json()["request"]
        other = admin.post(f"{PROMPTS}/{name}/requests/{request['id']}/cancel", {})
        assert other.status_code == 403 and member.actor in other.json()["error"]
        cancelled = member.post(f"{PROMPTS}/{name}/requests/{request['id']}/cancel", {"comment": "later"})
        assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
        assert member.get(f"{PROMPTS}/{name}/requests", params={"status": "pending"}).json()["requests"] == []
        assert admin.post(f"{PROMPTS}/{name}/requests/999999/approve", {}).status_code == 404
        assert admin.post(f"{PROMPTS}/{name}/requests/x/approve", {}).status_code == 400
        assert member.post(f"{PROMPTS}/{name}/promote", {"env": "staging", "version": 9}).status_code == 404

        # Keys: one key never approves its own request, another key with prompts:approve may.
        both = keyed(srv, "prompts:read,prompts:write,prompts:approve")
        asked = both.post(f"{PROMPTS}/{name}/promote", json={"env": "staging", "version": 1}).json()["request"]
        assert both.post(f"{PROMPTS}/{name}/requests/{asked['id']}/approve", json={}).status_code == 403
        assert keyed(srv, "prompts:approve").post(f"{PROMPTS}/{name}/requests/{asked['id']}/approve",
                                                  json={}).status_code == 200
        assert served(member, name, "staging")["version"] == 1
    finally:
        admin.put(f"{ENVIRONMENTS}/staging", {"protected": False})


def sticky_label(experiment: Dict[str, Any], user_id: str) -> str:
    """The choice the server documents, computed here independently."""
    digest = hashlib.sha256(f"{experiment['id']}:{user_id}".encode()).digest()
    x = int.from_bytes(digest[:8], "big") % sum(v["weight"] for v in experiment["variants"])
    running = 0
    for v in experiment["variants"]:
        running += v["weight"]
        if x < running:
            return str(v["label"])
    raise AssertionError("no variant")


def test_experiments_are_checked_before_they_start(team: Tuple[StackLensServer, User, User]) -> None:
    _, admin, member = team
    name = new_prompt(member, 3)
    url = f"{PROMPTS}/{name}/experiments"
    for body, status, words in [
        ({"env": "dev", "variants": [{"version": 1, "weight": 1}]}, 400, "2 to 10 variants"),
        ({"env": "dev", "variants": [{"version": 1, "weight": 1}, {"version": 1, "weight": 2}]}, 400, "given twice"),
        ({"env": "dev", "variants": [{"version": 1, "weight": 0}, {"version": 2, "weight": 2}]}, 400, "weight"),
        ({"env": "dev", "variants": [{"version": 1, "weight": 1}, {"weight": 2}]}, 400, "variants[1].version"),
        ({"env": "qa", "variants": [{"version": 1, "weight": 1}, {"version": 2, "weight": 2}]}, 400, "environment"),
        ({"env": "dev"}, 400, "variants is required"),
        ({"env": "dev", "variants": [{"version": 1, "weight": 1}, {"version": 7, "weight": 2}]}, 404, "no version 7"),
    ]:
        resp = member.post(url, body)
        assert resp.status_code == status and words in resp.json()["error"], (body, resp.text)
    assert member.post(f"{PROMPTS}/nope/experiments", {"env": "dev", "variants": [
        {"version": 1, "weight": 1}, {"version": 2, "weight": 1}]}).status_code == 404
    started = member.post(url, {"env": "dev", "variants": [{"version": 1, "weight": 1}, {"version": 2, "weight": 1}]})
    assert started.status_code == 201
    second = member.post(url, {"env": "dev", "variants": [{"version": 2, "weight": 1}, {"version": 3, "weight": 1}]})
    assert second.status_code == 409 and "already runs" in second.json()["error"]
    assert member.post(url, {"env": "staging", "variants": [
        {"version": 2, "weight": 1}, {"version": 3, "weight": 1}]}).status_code == 201  # another environment
    admin.put(f"{ENVIRONMENTS}/production", {"protected": True})
    try:
        gated = member.post(url, {"env": "production", "variants": [
            {"version": 1, "weight": 1}, {"version": 2, "weight": 1}]})
        assert gated.status_code == 403 and "prompts:approve" in gated.json()["error"]
    finally:
        admin.put(f"{ENVIRONMENTS}/production", {"protected": False})


def test_an_experiment_splits_fetches_by_weight_and_keeps_each_user_on_one_variant(
        team: Tuple[StackLensServer, User, User]) -> None:
    srv, _, member = team
    name = new_prompt(member, 3)
    assert member.post(f"{PROMPTS}/{name}/promote", {"env": "production", "version": 1}).status_code == 200
    before = member.get(f"{PROMPTS}/by-name/{name}")
    assert before.json()["variant"] is None and "experiment" not in before.json()
    experiment = member.post(f"{PROMPTS}/{name}/experiments", {
        "env": "production", "name": "friendlier", "variants": [{"version": 2, "weight": 30}, {"version": 3, "weight": 70}]
    }).json()
    assert [(v["label"], v["version"], v["weight"]) for v in experiment["variants"]] == [("a", 2, 30), ("b", 3, 70)]
    reader = keyed(srv, "prompts:read")
    counts = {"a": 0, "b": 0}
    for n in range(300):
        user = f"user-{n}"
        one = served(reader, name, user_id=user)
        assert one["variant"] == sticky_label(experiment, user)
        assert one["version"] == {"a": 2, "b": 3}[one["variant"]]
        assert one["content"] == f"v{one['version']} {{{{customer}}}}"
        assert served(reader, name, user_id=user)["variant"] == one["variant"]  # sticky
        counts[one["variant"]] += 1
    assert 40 < counts["a"] < 140 and counts["a"] + counts["b"] == 300  # about 30 %
    anonymous = {served(reader, name)["variant"] for _ in range(200)}
    assert anonymous == {"a", "b"}  # random per fetch
    listed = served(reader, name)["experiment"]
    assert listed["id"] == experiment["id"]
    assert [(v["label"], v["content"]) for v in listed["variants"]] == [("a", "v2 {{customer}}"), ("b", "v3 {{customer}}")]

    # The entity tag names the experiment, not the variant one fetch got: a cache revalidates.
    tag = before.headers["ETag"]
    now = reader.get(f"{PROMPTS}/by-name/{name}")
    assert now.headers["ETag"] != tag
    assert reader.get(f"{PROMPTS}/by-name/{name}", headers={"If-None-Match": now.headers["ETag"]}).status_code == 304
    # Where nothing was promoted, the experiment still serves its variants.
    assert member.post(f"{PROMPTS}/{name}/experiments", {
        "env": "dev", "variants": [{"version": 1, "weight": 1}, {"version": 2, "weight": 1}]}).status_code == 201
    assert served(reader, name, "dev")["variant"] in {"a", "b"}
    assert reader.get(f"{PROMPTS}/by-name/{name}", params={"env": "staging"}).status_code == 404


def iso(t: datetime) -> str:
    return t.isoformat()


def span(trace: str, experiment: int, label: str, *, error: bool = False, tokens: int = 10,
         cost: float = 0.01, ms: int = 100) -> Dict[str, Any]:
    start = datetime.now(timezone.utc)
    return {"traceId": trace, "spanId": str(uuid.uuid4()), "name": "answer", "kind": "llm",
            "status": "error" if error else "ok", "startTime": iso(start),
            "endTime": iso(start + timedelta(milliseconds=ms)),
            "attributes": {"stacklens.experiment": str(experiment), "stacklens.prompt.variant": label,
                           "stacklens.prompt.name": "x", "stacklens.prompt.version": "1"},
            "tags": [],
            "llmSpan": {"model": "gpt-4o-mini", "provider": "openai", "inputTokens": tokens, "outputTokens": tokens,
                        "totalTokens": 2 * tokens, "estimatedCostUsd": cost}}


def test_results_compare_the_variants_and_ending_promotes_the_chosen_version(
        team: Tuple[StackLensServer, User, User]) -> None:
    srv, admin, member = team
    name = new_prompt(member, 3)
    assert member.post(f"{PROMPTS}/{name}/promote", {"env": "production", "version": 1}).status_code == 200
    experiment = member.post(f"{PROMPTS}/{name}/experiments", {
        "env": "production", "variants": [{"version": 2, "weight": 1}, {"version": 3, "weight": 1}]}).json()
    eid = experiment["id"]
    writer = keyed(srv, "traces:write,traces:read,scores:write")
    traces: Dict[str, List[str]] = {"a": [], "b": []}
    plan = [("a", False, 10, 0.01, 100), ("a", True, 20, 0.02, 300), ("a", False, 30, 0.03, 200),
            ("b", False, 5, 0.005, 50), ("b", False, 5, 0.005, 70)]
    spans = []
    for label, error, tokens, cost, ms in plan:
        trace = str(uuid.uuid4())
        traces[label].append(trace)
        spans.append(span(trace, eid, label, error=error, tokens=tokens, cost=cost, ms=ms))
    spans.append(span(str(uuid.uuid4()), eid + 1000, "a"))  # another experiment's: not counted
    stored = writer.post(f"{TRACES}/batch", json={"spans": spans})
    assert stored.status_code == 200 and all(r["status"] == "accepted" for r in stored.json()["results"])
    for trace, value in [(traces["a"][0], 1.0), (traces["a"][1], 0.0), (traces["b"][0], 1.0)]:
        assert writer.post("/api/v1/stacktrace/v1/scores", json={"traceId": trace, "name": "helpful",
                                                                 "value": value}).status_code == 201

    results = writer.get(f"{PROMPTS}/{name}/experiments/{eid}/results")
    assert results.status_code == 200, results.text
    body = results.json()
    assert body["capped"] is False and body["experiment"]["status"] == "running"
    a, b = body["variants"]
    assert (a["label"], a["version"], a["traces"], a["errors"], a["totalTokens"]) == ("a", 2, 3, 1, 120)
    assert a["errorRate"] == pytest.approx(1 / 3) and a["costUsd"] == pytest.approx(0.06)
    assert a["avgCostUsd"] == pytest.approx(0.02)
    assert a["latencyP50Ms"] == pytest.approx(200) and a["latencyP95Ms"] == pytest.approx(300)
    assert a["scores"] == [{"name": "helpful", "count": 2, "average": 0.5}]
    assert (b["label"], b["traces"], b["errors"], b["inputTokens"], b["outputTokens"]) == ("b", 2, 0, 10, 10)
    assert b["scores"] == [{"name": "helpful", "count": 1, "average": 1.0}]
    assert keyed(srv, "prompts:read").get(f"{PROMPTS}/{name}/experiments/{eid}/results").status_code == 403

    url = f"{PROMPTS}/{name}/experiments/{eid}"
    assert member.post(url + "/end", {"version": 1}).status_code == 400  # not a variant
    assert member.post(url + "/end", {}).status_code == 400
    ended = member.post(url + "/end", {"version": 3})
    assert ended.status_code == 200, ended.text
    assert (ended.json()["status"], ended.json()["chosenVersion"], ended.json()["endedBy"]) == ("ended", 3, member.actor)
    after = served(member, name)
    assert (after["version"], after["variant"], "experiment" in after) == (3, None, False)
    assert member.post(url + "/end", {"version": 3}).status_code == 409
    assert member.get(f"{PROMPTS}/{name}").json()["promotions"][0]["version"] == 3
    listed = member.get(f"{PROMPTS}/{name}/experiments").json()["experiments"]
    assert [(e["id"], e["status"], e["chosenVersion"]) for e in listed] == [(eid, "ended", 3)]
    assert member.get(url).json()["endedAt"] is not None
    assert member.get(f"{PROMPTS}/{name}/experiments/999999").status_code == 404
    # Results of an ended experiment stay readable, over the time it ran.
    assert [v["traces"] for v in writer.get(url + "/results").json()["variants"]] == [3, 2]
