"""Sessions and users of traces on the real server: session_id / user_id taken from native,
batch and OTLP spans, the trace's first non-empty value kept, and the sessions, users and
session queries with their filters, sorts and pages."""

from __future__ import annotations

import json
from typing import Any, Dict, List, Optional

import httpx

TRACES = "/api/v1/stacktrace/v1/traces"
SESSIONS = "/api/v1/stacktrace/v1/sessions"
USERS = "/api/v1/stacktrace/v1/users"


def span(trace: str, span_id: str, minute: int, attributes: Dict[str, Any], *, tokens: int = 10, cost: float = 0.01,
         status: str = "ok", parent: Optional[str] = None, prompt: Optional[str] = None,
         completion: Optional[str] = None, day: str = "2025-06-01") -> Dict[str, Any]:
    llm: Dict[str, Any] = {"model": "gpt-4o", "provider": "openai", "inputTokens": tokens, "outputTokens": 0,
                           "estimatedCostUsd": cost}
    if prompt is not None:
        llm["promptContent"] = prompt
    if completion is not None:
        llm["completionContent"] = completion
    return {"traceId": trace, "spanId": span_id, "parentSpanId": parent, "name": "chat", "status": status,
            "startTime": f"{day}T10:{minute:02d}:00Z", "endTime": f"{day}T10:{minute:02d}:30Z",
            "attributes": attributes, "llmSpan": llm}


def get(api: httpx.Client, key: str, path: str, status: int = 200) -> Any:
    resp = api.get(path, headers={"X-Api-Key": key})
    assert resp.status_code == status, resp.text
    return resp.json()


def post_batch(api: httpx.Client, key: str, spans: List[Dict[str, Any]]) -> None:
    resp = api.post(TRACES + "/batch", json={"spans": spans}, headers={"X-Api-Key": key})
    assert resp.status_code == 200 and resp.json()["rejected"] == 0, resp.text


def otlp_attr(key: str, value: str) -> Dict[str, Any]:
    return {"key": key, "value": {"stringValue": value}}


def trace_ids(api: httpx.Client, key: str, query: str) -> List[str]:
    return [t["traceId"] for t in get(api, key, f"{TRACES}?{query}")["traces"]]


def test_ids_come_from_native_batch_and_otlp_spans(api: httpx.Client, keys: Dict[str, str]) -> None:
    key = keys["full"]
    one = span("x-native", "a", 0, {"session_id": "x-s1", "user_id": "x-u1", "other": "v"})
    assert api.post(TRACES, json=one, headers={"X-Api-Key": key}).status_code == 200
    post_batch(api, key, [span("x-batch", "a", 1, {"session.id": "x-s2", "user.id": "x-u2"}),
                          # the SDK reference's names win over OpenTelemetry's in one span
                          span("x-both", "a", 2, {"session.id": "x-lost", "session_id": "x-s3", "user_id": ""})])
    otlp = {"resourceSpans": [{
        "resource": {"attributes": [otlp_attr("service.name", "bot"), otlp_attr("user.id", "x-u4")]},
        "scopeSpans": [{"spans": [{"traceId": "5b8efff798038103d269b633813fc6bb", "spanId": "0102030405060708",
                                   "name": "chat", "startTimeUnixNano": "1748772180000000000",
                                   "endTimeUnixNano": "1748772181000000000",
                                   "attributes": [otlp_attr("gen_ai.conversation.id", "x-s4")]}]}]}]}
    resp = api.post("/otlp/v1/traces", json=otlp, headers={"X-Api-Key": key})
    assert resp.status_code == 200, resp.text
    got = {t["traceId"]: (t["sessionId"], t["userId"])
           for t in get(api, key, f"{TRACES}?from=2025-06-01T00:00:00Z&to=2025-06-02T00:00:00Z")["traces"]}
    assert got == {"x-native": ("x-s1", "x-u1"), "x-batch": ("x-s2", "x-u2"), "x-both": ("x-s3", None),
                   "5b8efff798038103d269b633813fc6bb": ("x-s4", "x-u4")}
    assert trace_ids(api, key, "session_id=x-s4") == ["5b8efff798038103d269b633813fc6bb"]
    assert trace_ids(api, key, "user_id=x-u2") == ["x-batch"]
    assert trace_ids(api, key, "session_id=x-s1&user_id=x-u2") == []
    # Another project sees none of them.
    assert get(api, keys["other"], f"{TRACES}?session_id=x-s1")["traces"] == []
    assert get(api, keys["other"], f"{SESSIONS}?from=2025-06-01T00:00:00Z&to=2025-06-02T00:00:00Z")["sessions"] == []


def test_a_trace_keeps_the_first_ids_its_spans_carry(api: httpx.Client, keys: Dict[str, str]) -> None:
    key = keys["full"]
    day = "2025-06-02"
    post_batch(api, key, [span("f-late", "root", 0, {}, day=day)])  # stored first without ids
    post_batch(api, key, [span("f-late", "c1", 1, {"session_id": "f-s"}, parent="root", day=day),
                          span("f-late", "c2", 2, {"session_id": "f-other", "user_id": "f-u"}, parent="root", day=day)])
    post_batch(api, key, [span("f-late", "c3", 3, {"session_id": "f-third", "user_id": "f-u2"}, parent="root", day=day)])
    detail = get(api, key, f"{TRACES}/f-late")
    assert (detail["sessionId"], detail["userId"]) == ("f-s", "f-u")
    # A retried span adds nothing to the session's sums.
    post_batch(api, key, [span("f-late", "c1", 1, {"session_id": "f-s"}, parent="root", day=day)])
    period = f"from={day}T00:00:00Z&to={day}T23:00:00Z"
    [session] = get(api, key, f"{SESSIONS}?{period}")["sessions"]
    assert session == {"sessionId": "f-s", "userId": "f-u", "firstTime": f"{day}T10:00:00.000000Z",
                       "lastTime": f"{day}T10:00:00.000000Z", "traceCount": 1, "totalTokens": 40,
                       "costUsd": session["costUsd"], "errors": 0}
    assert abs(session["costUsd"] - 0.04) < 1e-9


def seed_conversations(api: httpx.Client, key: str) -> None:
    """Day 2025-06-03: alice has sessions s-a1 (3 traces) and s-a2 (1 trace, failed); bob s-b1 (2 traces,
    expensive); carol's trace has no session; one session has no user."""
    day = "2025-06-03"
    chat = json.dumps([{"role": "user", "content": "hi"}])
    post_batch(api, key, [
        span("c-1", "a", 0, {"session_id": "s-a1", "user_id": "alice"}, tokens=100, prompt=chat, completion="hello", day=day),
        span("c-2", "a", 5, {"session_id": "s-a1", "user_id": "alice"}, tokens=100, prompt="second", completion="ok", day=day),
        span("c-3", "a", 10, {"session_id": "s-a1", "user_id": "alice"}, tokens=100, day=day),
        span("c-4", "a", 20, {"session_id": "s-a2", "user_id": "alice"}, tokens=5, status="error", day=day),
        span("c-5", "a", 30, {"session_id": "s-b1", "user_id": "bob"}, tokens=1000, cost=1.0, day=day),
        span("c-6", "a", 40, {"session_id": "s-b1", "user_id": "bob"}, tokens=1000, cost=1.0, day=day),
        span("c-7", "a", 50, {"user_id": "carol"}, tokens=1, day=day),
        span("c-8", "a", 55, {"session_id": "s-anon"}, tokens=1, day=day),
    ])


PERIOD = "from=2025-06-03T00:00:00Z&to=2025-06-04T00:00:00Z"


def test_sessions_list_sorts_filters_and_pages(api: httpx.Client, keys: Dict[str, str]) -> None:
    key = keys["full"]
    seed_conversations(api, key)
    names = lambda q: [s["sessionId"] for s in get(api, key, f"{SESSIONS}?{PERIOD}&{q}")["sessions"]]  # noqa: E731
    assert names("") == ["s-anon", "s-b1", "s-a2", "s-a1"]  # last activity, newest first
    assert names("sort=traces") == ["s-a1", "s-b1", "s-a2", "s-anon"]
    assert names("sort=cost&order=desc")[0] == "s-b1"
    assert names("sort=tokens&order=asc") == ["s-anon", "s-a2", "s-a1", "s-b1"]
    assert names("sort=errors")[0] == "s-a2"
    assert names("sort=first&order=asc") == ["s-a1", "s-a2", "s-b1", "s-anon"]
    assert names("user_id=alice") == ["s-a2", "s-a1"]
    assert names("user_id=nobody") == []
    by_id = {s["sessionId"]: s for s in get(api, key, f"{SESSIONS}?{PERIOD}")["sessions"]}
    assert (by_id["s-a1"]["traceCount"], by_id["s-a1"]["totalTokens"], by_id["s-a1"]["errors"]) == (3, 300, 0)
    assert by_id["s-a2"]["errors"] == 1 and by_id["s-anon"]["userId"] is None
    assert by_id["s-a1"]["firstTime"] == "2025-06-03T10:00:00.000000Z"
    assert by_id["s-a1"]["lastTime"] == "2025-06-03T10:10:00.000000Z"
    # The period counts traces that started in it.
    narrow = get(api, key, f"{SESSIONS}?from=2025-06-03T10:04:00Z&to=2025-06-03T10:15:00Z")["sessions"]
    assert [(s["sessionId"], s["traceCount"]) for s in narrow] == [("s-a1", 2)]
    # Pages follow the sort to the end, the default one (latest activity) as any other.
    for sort, want in [("traces", ["s-a1", "s-b1", "s-a2", "s-anon"]), ("last", ["s-anon", "s-b1", "s-a2", "s-a1"])]:
        for limit in (1, 3):
            seen, cursor = [], ""
            while True:
                page = get(api, key, f"{SESSIONS}?{PERIOD}&sort={sort}&limit={limit}{cursor}")
                seen += [s["sessionId"] for s in page["sessions"]]
                if page["nextCursor"] is None:
                    break
                cursor = "&cursor=" + page["nextCursor"]
            assert seen == want, (sort, limit)
    # Either way, the same sums.
    latest = get(api, key, f"{SESSIONS}?{PERIOD}")["sessions"]
    summed = get(api, key, f"{SESSIONS}?{PERIOD}&sort=last&order=asc")["sessions"]
    assert latest == list(reversed(summed))
    users_latest = get(api, key, f"{USERS}?{PERIOD}")["users"]
    users_summed = get(api, key, f"{USERS}?{PERIOD}&sort=last&order=asc")["users"]
    assert users_latest == list(reversed(users_summed))


def test_users_list_sums_and_sorts(api: httpx.Client, keys: Dict[str, str]) -> None:
    key = keys["full"]
    users = {u["userId"]: u for u in get(api, key, f"{USERS}?{PERIOD}")["users"]}
    assert set(users) == {"alice", "bob", "carol"}
    alice = users["alice"]
    assert (alice["traceCount"], alice["sessionCount"], alice["totalTokens"], alice["errors"]) == (4, 2, 305, 1)
    assert users["carol"]["sessionCount"] == 0 and abs(users["bob"]["costUsd"] - 2.0) < 1e-9
    order = lambda q: [u["userId"] for u in get(api, key, f"{USERS}?{PERIOD}&{q}")["users"]]  # noqa: E731
    assert order("sort=traces") == ["alice", "bob", "carol"]
    assert order("sort=cost") == ["bob", "alice", "carol"]
    assert order("sort=tokens&order=asc") == ["carol", "alice", "bob"]
    assert order("sort=sessions&order=asc") == ["carol", "bob", "alice"]
    assert order("sort=last") == ["carol", "bob", "alice"]
    first = get(api, key, f"{USERS}?{PERIOD}&sort=traces&limit=2")
    assert [u["userId"] for u in first["users"]] == ["alice", "bob"]
    rest = get(api, key, f"{USERS}?{PERIOD}&sort=traces&limit=2&cursor={first['nextCursor']}")
    assert [u["userId"] for u in rest["users"]] == ["carol"] and rest["nextCursor"] is None
    # The user's traces, through the trace list's filter.
    assert trace_ids(api, key, "user_id=alice") == ["c-4", "c-3", "c-2", "c-1"]


def test_a_session_reads_as_a_conversation(api: httpx.Client, keys: Dict[str, str]) -> None:
    key = keys["full"]
    view = get(api, key, f"{SESSIONS}/s-a1")
    assert view["sessionId"] == "s-a1" and view["nextCursor"] is None
    assert [t["traceId"] for t in view["traces"]] == ["c-1", "c-2", "c-3"]  # oldest first
    first = view["traces"][0]["spans"][0]["llmSpan"]
    assert json.loads(first["promptContent"]) == [{"role": "user", "content": "hi"}]
    assert first["completionContent"] == "hello"
    assert view["traces"][1]["spans"][0]["llmSpan"]["promptContent"] == "second"
    page = get(api, key, f"{SESSIONS}/s-a1?limit=2")
    assert [t["traceId"] for t in page["traces"]] == ["c-1", "c-2"]
    rest = get(api, key, f"{SESSIONS}/s-a1?limit=2&cursor={page['nextCursor']}")
    assert [t["traceId"] for t in rest["traces"]] == ["c-3"] and rest["nextCursor"] is None
    assert get(api, keys["other"], f"{SESSIONS}/s-a1", 404)["error"] == "session 's-a1' has no traces in this project"
