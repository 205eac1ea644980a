"""Scores on the real server: typed values, configurations, idempotency, list filters, edits,
deletes, the trace detail, the trace list's score filter and sort, the summary, and who may do what."""
from __future__ import annotations

import concurrent.futures
from typing import Any, Dict, List

import httpx

SCORES = "/api/v1/stacktrace/v1/scores"
CONFIGS = "/api/v1/stacktrace/v1/score-configs"
TRACES = "/api/v1/stacktrace/v1/traces"


def h(keys: Dict[str, str], name: str = "full") -> Dict[str, str]:
    return {"X-Api-Key": keys[name]}


def put_trace(api: httpx.Client, keys: Dict[str, str], trace: str, minute: int) -> None:
    span = {"traceId": trace, "spanId": "root", "name": "sc-op", "startTime": f"2024-06-01T00:{minute:02d}:00Z",
            "endTime": f"2024-06-01T00:{minute:02d}:01Z"}
    assert api.post(TRACES, json=span, headers=h(keys)).status_code == 200


def score(api: httpx.Client, keys: Dict[str, str], status: int = 201, **body: Any) -> Dict[str, Any]:
    resp = api.post(SCORES, json=body, headers=h(keys))
    assert resp.status_code == status, resp.text
    return resp.json()


def listed(api: httpx.Client, keys: Dict[str, str], query: str) -> List[Dict[str, Any]]:
    resp = api.get(SCORES + "?" + query, headers=h(keys))
    assert resp.status_code == 200, resp.text
    return resp.json()["scores"]


def test_values_keep_their_type_and_configs_validate(api: httpx.Client, keys: Dict[str, str]) -> None:
    assert score(api, keys, traceId="ty", name="ty-num", value=3)["value"] == 3
    b = score(api, keys, traceId="ty", name="ty-bool", value=False)
    assert b["value"] is False and b["dataType"] == "boolean"
    c = score(api, keys, traceId="ty", spanId="s1", name="ty-cat", value="good", comment="fine")
    assert (c["value"], c["dataType"], c["spanId"], c["comment"]) == ("good", "categorical", "s1", "fine")
    # Without a config any value goes; with one, it must match.
    assert api.post(CONFIGS, json={"name": "ty-range", "dataType": "numeric", "min": 0, "max": 10},
                    headers=h(keys)).status_code == 201
    assert score(api, keys, traceId="ty", name="ty-range", value=10)["value"] == 10
    bad = api.post(SCORES, json={"traceId": "ty", "name": "ty-range", "value": 11}, headers=h(keys))
    assert bad.status_code == 400 and "outside the range" in bad.json()["error"]
    # A changed config applies to new scores; a deleted one validates nothing.
    assert api.put(CONFIGS + "/ty-range", json={"dataType": "numeric", "min": 0, "max": 100},
                   headers=h(keys)).json()["max"] == 100
    score(api, keys, traceId="ty", name="ty-range", value=50)
    assert api.delete(CONFIGS + "/ty-range", headers=h(keys)).status_code == 200
    score(api, keys, traceId="ty", name="ty-range", value="anything")
    names = [c["name"] for c in api.get(CONFIGS, headers=h(keys)).json()["configs"]]
    assert "ty-range" not in names


def test_create_is_idempotent_on_the_id(api: httpx.Client, keys: Dict[str, str]) -> None:
    first = score(api, keys, id="idem-1", traceId="idem", name="q", value=0.5)
    again = score(api, keys, 200, id="idem-1", traceId="idem", name="q", value=0.5)
    assert again["createdAt"] == first["createdAt"]
    conflict = api.post(SCORES, json={"id": "idem-1", "traceId": "idem", "name": "q", "value": 0.6}, headers=h(keys))
    assert conflict.status_code == 409 and "idem-1" in conflict.json()["error"]
    assert [s["value"] for s in listed(api, keys, "trace_id=idem")] == [0.5]
    generated = score(api, keys, traceId="idem", name="q", value=1)
    assert generated["id"] and generated["id"] != "idem-1"


def test_batch_reports_each_item(api: httpx.Client, keys: Dict[str, str]) -> None:
    items = [{"id": "b-1", "traceId": "bt", "name": "q", "value": 1},
             {"traceId": "bt", "name": "q"},
             {"id": "b-1", "traceId": "bt", "name": "q", "value": 2},
             {"id": "b-2", "traceId": "bt", "name": "q", "value": True}]
    out = api.post(SCORES + "/batch", json={"scores": items}, headers=h(keys)).json()
    assert [r["status"] for r in out["results"]] == ["created", "rejected", "rejected", "created"]
    assert "scores[1].value is required" in out["results"][1]["error"]
    assert "already exists with other content" in out["results"][2]["error"]
    assert (out["accepted"], out["rejected"]) == (2, 2)
    again = api.post(SCORES + "/batch", json={"scores": [items[0]]}, headers=h(keys)).json()
    assert again["results"][0]["status"] == "unchanged"
    assert sorted(s["id"] for s in listed(api, keys, "trace_id=bt")) == ["b-1", "b-2"]


def test_list_filters_and_pages(api: httpx.Client, keys: Dict[str, str]) -> None:
    for i in range(5):
        score(api, keys, id=f"lf-{i}", traceId="lf", spanId="s" if i % 2 else None, name="lf-q" if i < 4 else "lf-r",
              value=i, source="eval" if i == 3 else "sdk")
    assert {s["id"] for s in listed(api, keys, "trace_id=lf&span_id=s")} == {"lf-1", "lf-3"}
    assert {s["id"] for s in listed(api, keys, "trace_id=lf&name=lf-r")} == {"lf-4"}
    assert {s["id"] for s in listed(api, keys, "trace_id=lf&source=eval")} == {"lf-3"}
    assert {s["id"] for s in listed(api, keys, "trace_id=lf&min_value=1&max_value=2")} == {"lf-1", "lf-2"}
    assert listed(api, keys, "trace_id=lf&from=2000-01-01T00:00:00Z&to=2000-01-02T00:00:00Z") == []
    assert len(listed(api, keys, "trace_id=lf&from=2000-01-01T00:00:00Z")) == 5
    seen: List[str] = []
    cursor = None
    while True:
        page = api.get(SCORES, params={"trace_id": "lf", "limit": 2, **({"cursor": cursor} if cursor else {})},
                       headers=h(keys)).json()
        seen += [s["id"] for s in page["scores"]]
        cursor = page["nextCursor"]
        if cursor is None:
            break
    assert seen == ["lf-4", "lf-3", "lf-2", "lf-1", "lf-0"]


def test_scores_sent_side_by_side_are_all_taken(api: httpx.Client, keys: Dict[str, str]) -> None:
    """On a cluster each score is an insert that waits for both replicas, and ClickHouse 18.16 takes
    one such insert into a table at a time: the others wait their turn, none is refused."""
    def one(i: int) -> httpx.Response:
        return api.post(SCORES, json={"traceId": "sbs", "name": "sbs-q", "value": i}, headers=h(keys))

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(one, range(32)))
    assert [a.status_code for a in answers] == [201] * 32, [a.text for a in answers if a.status_code != 201]
    assert sorted(s["value"] for s in listed(api, keys, "trace_id=sbs&limit=100")) == list(range(32))


def test_edit_and_delete(api: httpx.Client, keys: Dict[str, str]) -> None:
    score(api, keys, id="ed-1", traceId="ed", name="q", value=1, comment="first")
    edited = api.patch(SCORES + "/ed-1", json={"value": "great", "comment": None}, headers=h(keys)).json()
    assert (edited["value"], edited["dataType"], edited["comment"]) == ("great", "categorical", None)
    assert api.get(SCORES + "/ed-1", headers=h(keys)).json()["value"] == "great"
    assert api.delete(SCORES + "/ed-1", headers=h(keys)).status_code == 200
    assert api.get(SCORES + "/ed-1", headers=h(keys)).status_code == 404
    assert api.delete(SCORES + "/ed-1", headers=h(keys)).status_code == 404


def test_trace_detail_holds_its_scores_and_the_list_filters_and_sorts_by_them(api: httpx.Client,
                                                                             keys: Dict[str, str]) -> None:
    for i, (trace, acc) in enumerate([("ts-a", 0.9), ("ts-b", 0.4), ("ts-c", 0.7)]):
        put_trace(api, keys, trace, i)
        score(api, keys, traceId=trace, name="ts-acc", value=acc)
    score(api, keys, traceId="ts-a", spanId="root", name="ts-ok", value=True)
    score(api, keys, traceId="ts-b", name="ts-label", value="bad")
    put_trace(api, keys, "ts-d", 3)  # no score
    detail = api.get(TRACES + "/ts-a", headers=h(keys)).json()
    assert sorted((s["name"], s["value"]) for s in detail["scores"]) == [("ts-acc", 0.9), ("ts-ok", True)]
    assert api.get(TRACES + "/ts-d", headers=h(keys)).json()["scores"] == []

    def ids(query: Dict[str, Any]) -> List[str]:
        resp = api.get(TRACES, params={"name": "sc-op", **query}, headers=h(keys))
        assert resp.status_code == 200, resp.text
        return [t["traceId"] for t in resp.json()["traces"]]

    assert ids({"score": "ts-acc>0.5"}) == ["ts-c", "ts-a"]
    assert ids({"score": "ts-acc<=0.4"}) == ["ts-b"]
    assert ids({"score": ["ts-acc>0.5", "ts-ok=true"]}) == ["ts-a"]
    assert ids({"score": "ts-label=bad"}) == ["ts-b"]
    assert ids({"score": "ts-label!=bad"}) == []
    assert ids({"sort": "score:ts-acc"}) == ["ts-a", "ts-c", "ts-b"]
    assert ids({"sort": "score:ts-acc:asc"}) == ["ts-b", "ts-c", "ts-a"]
    first = api.get(TRACES, params={"name": "sc-op", "sort": "score:ts-acc", "limit": 2}, headers=h(keys)).json()
    rest = api.get(TRACES, params={"name": "sc-op", "sort": "score:ts-acc", "limit": 2,
                                   "cursor": first["nextCursor"]}, headers=h(keys)).json()
    assert [t["traceId"] for t in first["traces"] + rest["traces"]] == ["ts-a", "ts-c", "ts-b"]
    assert rest["nextCursor"] is None


def test_summary_averages_and_counts_categories(api: httpx.Client, keys: Dict[str, str]) -> None:
    for v in (1, 0.5, True):
        score(api, keys, traceId="sum", name="sum-q", value=v)
    for v in ("a", "a", "b"):
        score(api, keys, traceId="sum", name="sum-c", value=v)
    q = api.get("/api/v1/stacktrace/v1/metrics/scores?name=sum-q", headers=h(keys)).json()
    assert sum(p["count"] for p in q["points"]) == 3
    assert abs(sum(p["average"] * p["count"] for p in q["points"]) / 3 - 2.5 / 3) < 1e-9
    c = api.get("/api/v1/stacktrace/v1/metrics/scores?name=sum-c", headers=h(keys)).json()
    totals: Dict[str, int] = {}
    for p in c["points"]:
        assert p["average"] is None
        for k, n in p["categories"].items():
            totals[k] = totals.get(k, 0) + n
    assert totals == {"a": 2, "b": 1}


def test_who_may_score(api: httpx.Client, keys: Dict[str, str]) -> None:
    body = {"traceId": "auth", "name": "q", "value": 1}
    assert api.post(SCORES, json=body, headers=h(keys, "traces:write")).status_code == 403
    assert api.post(SCORES, json=body, headers=h(keys, "scores:write")).status_code == 201
    assert api.get(SCORES + "?trace_id=auth", headers=h(keys, "traces:read")).status_code == 200
    config = {"name": "auth-c", "dataType": "boolean"}
    assert api.post(CONFIGS, json=config, headers=h(keys, "scores:write")).status_code == 403
    assert api.post(CONFIGS, json=config, headers=h(keys, "scores:configure")).status_code == 201
    # Another project sees none of it.
    assert listed(api, {"full": keys["other"]}, "trace_id=auth") == []
    assert api.get(CONFIGS, headers=h(keys, "other")).json()["configs"] == []


def test_people_annotate_under_their_email_and_viewers_only_read(api: httpx.Client, keys: Dict[str, str]) -> None:
    def person(email: str, role: str) -> httpx.Client:
        made = api.post("/api/v1/members", json={"email": email, "role": role}, headers=h(keys))
        assert made.status_code == 201, made.text
        client = httpx.Client(base_url=api.base_url, timeout=10, event_hooks=api.event_hooks)
        info = client.post("/api/v1/auth/login", json={"email": email, "password": made.json()["password"]}).json()
        client.headers["X-CSRF-Token"] = info["csrfToken"]
        return client

    member, viewer = person("annotator@example.com", "member"), person("watcher@example.com", "viewer")
    try:
        given = member.post(SCORES, json={"traceId": "ann", "name": "q", "value": "good"})
        assert given.status_code == 201, given.text
        assert (given.json()["source"], given.json()["author"]) == ("annotation", "annotator@example.com")
        assert viewer.get(SCORES + "?trace_id=ann").json()["scores"][0]["author"] == "annotator@example.com"
        assert viewer.post(SCORES, json={"traceId": "ann", "name": "q", "value": 1}).status_code == 403
        assert viewer.patch(SCORES + "/" + given.json()["id"], json={"value": "bad"}).status_code == 403
        assert member.post(CONFIGS, json={"name": "ann-c", "dataType": "boolean"}).status_code == 403
        edited = member.patch(SCORES + "/" + given.json()["id"], json={"value": "bad", "comment": "on second look"})
        assert edited.json()["value"] == "bad" and edited.json()["author"] == "annotator@example.com"
    finally:
        member.close()
        viewer.close()
