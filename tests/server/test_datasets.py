"""Datasets on the real server: create/list/get/update/delete, items and their versions, paging,
uploads (JSON Lines and CSV, good and bad), items made from a span, limits, and who may write."""
from __future__ import annotations

import json
from typing import Any, Dict, List

import httpx

DATASETS = "/api/v1/evaluations/v1/datasets"
TRACES = "/api/v1/stacktrace/v1/traces"


def h(keys: Dict[str, str], name: str = "full") -> Dict[str, str]:
    return {"X-Api-Key": keys[name]}


def create(api: httpx.Client, keys: Dict[str, str], name: str, **body: Any) -> Dict[str, Any]:
    resp = api.post(DATASETS, json={"name": name, **body}, headers=h(keys))
    assert resp.status_code == 201, resp.text
    return resp.json()


def add(api: httpx.Client, keys: Dict[str, str], name: str, status: int = 201, **item: Any) -> Dict[str, Any]:
    resp = api.post(f"{DATASETS}/{name}/items", json=item, headers=h(keys))
    assert resp.status_code == status, resp.text
    return resp.json()


def items(api: httpx.Client, keys: Dict[str, str], name: str, query: str = "") -> Dict[str, Any]:
    resp = api.get(f"{DATASETS}/{name}/items?{query}", headers=h(keys))
    assert resp.status_code == 200, resp.text
    return resp.json()


def upload(api: httpx.Client, keys: Dict[str, str], name: str, body: str, content_type: str) -> httpx.Response:
    return api.post(f"{DATASETS}/{name}/upload", content=body.encode(),
                    headers={**h(keys), "Content-Type": content_type})


def error_of(resp: httpx.Response, status: int) -> str:
    assert resp.status_code == status, resp.text
    message: str = resp.json()["error"]
    return message


def test_datasets_are_created_listed_changed_and_deleted(api: httpx.Client, keys: Dict[str, str]) -> None:
    made = create(api, keys, "crud", description="first")
    assert (made["name"], made["description"], made["version"], made["itemCount"]) == ("crud", "first", 0, 0)
    assert made["createdBy"].startswith("key:")
    assert error_of(api.post(DATASETS, json={"name": "crud"}, headers=h(keys)), 409) == "dataset 'crud' already exists"
    assert "crud" in [d["name"] for d in api.get(DATASETS, headers=h(keys)).json()["datasets"]]
    changed = api.put(f"{DATASETS}/crud", json={"description": "second"}, headers=h(keys)).json()
    assert changed["description"] == "second" and changed["version"] == 0
    assert api.get(f"{DATASETS}/crud", headers=h(keys)).json()["description"] == "second"
    assert "cannot change" in error_of(api.put(f"{DATASETS}/crud", json={"name": "other"}, headers=h(keys)), 400)
    add(api, keys, "crud", input="x")
    assert api.delete(f"{DATASETS}/crud", headers=h(keys)).json() == {"name": "crud", "deleted": True}
    assert error_of(api.get(f"{DATASETS}/crud", headers=h(keys)), 404) == "dataset 'crud' does not exist"
    # The name is free again, and the new dataset starts empty.
    assert create(api, keys, "crud")["itemCount"] == 0
    assert items(api, keys, "crud")["items"] == []


def test_bad_names_and_bodies_are_refused(api: httpx.Client, keys: Dict[str, str]) -> None:
    assert "dataset name" in error_of(api.post(DATASETS, json={"name": "-x"}, headers=h(keys)), 400)
    assert "dataset name" in error_of(api.post(DATASETS, json={"name": "a" * 129}, headers=h(keys)), 400)
    assert "unknown field 'size'" in error_of(api.post(DATASETS, json={"name": "b", "size": 1}, headers=h(keys)), 400)
    assert "description" in error_of(api.post(DATASETS, json={"name": "b", "description": "d" * 1001},
                                              headers=h(keys)), 400)
    create(api, keys, "bodies")
    assert error_of(api.post(f"{DATASETS}/bodies/items", json={"expectedOutput": 1}, headers=h(keys)),
                    400) == "input is required"
    assert "metadata must be a JSON object" in error_of(
        api.post(f"{DATASETS}/bodies/items", json={"input": 1, "metadata": [1]}, headers=h(keys)), 400)
    assert "unknown field 'output'" in error_of(
        api.post(f"{DATASETS}/bodies/items", json={"input": 1, "output": 2}, headers=h(keys)), 400)


def test_every_change_makes_a_version_and_old_versions_stay_readable(api: httpx.Client,
                                                                     keys: Dict[str, str]) -> None:
    create(api, keys, "vers")
    first = add(api, keys, "vers", id="a", input={"q": "one"}, expectedOutput="1", metadata={"k": "v"})
    assert (first["id"], first["input"], first["expectedOutput"], first["metadata"], first["version"]) == (
        "a", {"q": "one"}, "1", {"k": "v"}, 1)
    assert first["sourceTraceId"] is None and first["sourceSpanId"] is None
    made = add(api, keys, "vers", input=[1, 2])
    assert len(made["id"]) == 36 and made["version"] == 2  # a UUID when none is given
    assert "already has an item 'a'" in error_of(
        api.post(f"{DATASETS}/vers/items", json={"id": "a", "input": 0}, headers=h(keys)), 409)
    edited = api.put(f"{DATASETS}/vers/items/a", json={"input": {"q": "two"}}, headers=h(keys)).json()
    assert (edited["input"], edited["expectedOutput"], edited["version"]) == ({"q": "two"}, None, 3)
    assert edited["createdAt"] == first["createdAt"]
    gone = api.delete(f"{DATASETS}/vers/items/{made['id']}", headers=h(keys)).json()
    assert gone == {"id": made["id"], "deleted": True, "version": 4}
    dataset = api.get(f"{DATASETS}/vers", headers=h(keys)).json()
    assert (dataset["version"], dataset["itemCount"]) == (4, 1)

    def at(version: int) -> List[Any]:
        page = items(api, keys, "vers", f"version={version}")
        assert page["version"] == version
        return [(i["id"], i["input"]) for i in page["items"]]

    assert at(0) == []
    assert at(1) == [("a", {"q": "one"})]
    assert at(2) == [("a", {"q": "one"}), (made["id"], [1, 2])]
    assert at(3) == [("a", {"q": "two"}), (made["id"], [1, 2])]
    assert at(4) == [("a", {"q": "two"})]
    assert items(api, keys, "vers")["version"] == 4
    old = api.get(f"{DATASETS}/vers/items/a?version=1", headers=h(keys)).json()
    assert (old["input"], old["expectedOutput"], old["version"]) == ({"q": "one"}, "1", 1)
    assert "had no item" in error_of(api.get(f"{DATASETS}/vers/items/{made['id']}?version=4", headers=h(keys)), 404)
    assert api.get(f"{DATASETS}/vers/items/{made['id']}?version=3", headers=h(keys)).status_code == 200
    assert "has no version 5" in error_of(api.get(f"{DATASETS}/vers/items?version=5", headers=h(keys)), 404)
    assert error_of(api.put(f"{DATASETS}/vers/items/nope", json={"input": 1}, headers=h(keys)),
                    404) == "dataset 'vers' has no item 'nope'"
    assert error_of(api.delete(f"{DATASETS}/vers/items/nope", headers=h(keys)), 404) == "dataset 'vers' has no item 'nope'"
    # A refused change makes no version.
    assert api.get(f"{DATASETS}/vers", headers=h(keys)).json()["version"] == 4


def test_items_come_in_pages_in_the_order_they_were_added(api: httpx.Client, keys: Dict[str, str]) -> None:
    create(api, keys, "pages")
    lines = "\n".join(json.dumps({"id": f"p{i:02d}", "input": i}) for i in range(25))
    assert upload(api, keys, "pages", lines, "application/x-ndjson").status_code == 200
    api.put(f"{DATASETS}/pages/items/p03", json={"input": "changed"}, headers=h(keys))  # keeps its place
    seen: List[str] = []
    cursor = None
    while True:
        page = items(api, keys, "pages", "limit=10" + (f"&cursor={cursor}" if cursor else ""))
        assert len(page["items"]) <= 10
        seen += [i["id"] for i in page["items"]]
        cursor = page["nextCursor"]
        if cursor is None:
            break
    assert seen == [f"p{i:02d}" for i in range(25)]
    assert "cursor" in error_of(api.get(f"{DATASETS}/pages/items?cursor=zz", headers=h(keys)), 400)
    assert "limit" in error_of(api.get(f"{DATASETS}/pages/items?limit=0", headers=h(keys)), 400)


def test_json_lines_upload(api: httpx.Client, keys: Dict[str, str]) -> None:
    create(api, keys, "jsonl")
    add(api, keys, "jsonl", id="keep", input="old")
    body = "\n".join([
        json.dumps({"id": "keep", "input": "new", "expectedOutput": {"a": 1}}),
        "",
        json.dumps({"input": {"messages": [{"role": "user", "content": "hi"}]}, "metadata": {"src": "file"}}),
    ]) + "\n"
    resp = upload(api, keys, "jsonl", body, "application/x-ndjson; charset=utf-8")
    assert resp.status_code == 200, resp.text
    out = resp.json()
    assert out["uploaded"] == 2 and (out["dataset"]["version"], out["dataset"]["itemCount"]) == (2, 2)
    got = items(api, keys, "jsonl")["items"]
    assert (got[0]["id"], got[0]["input"], got[0]["expectedOutput"]) == ("keep", "new", {"a": 1})
    assert got[1]["metadata"] == {"src": "file"} and got[1]["version"] == 2
    assert upload(api, keys, "jsonl", '{"input": 1}', "application/jsonl").status_code == 200


def test_csv_upload(api: httpx.Client, keys: Dict[str, str]) -> None:
    create(api, keys, "csv")
    body = ('input,expected_output,topic,metadata\r\n'
            '"What is 2+2?",4,math,"{""level"": 1}"\r\n'
            '"{""q"": ""json""}","a, b",,\r\n'
            '"two\nlines",,misc,\r\n')
    resp = upload(api, keys, "csv", body, "text/csv")
    assert resp.status_code == 200, resp.text
    got = items(api, keys, "csv")["items"]
    assert [(i["input"], i["expectedOutput"], i["metadata"]) for i in got] == [
        ("What is 2+2?", 4, {"level": 1, "topic": "math"}),
        ({"q": "json"}, "a, b", None),
        ("two\nlines", None, {"topic": "misc"}),
    ]
    assert upload(api, keys, "csv", "id,input,expectedOutput\nc1,x,y\n", "text/csv").status_code == 200
    assert api.get(f"{DATASETS}/csv/items/c1", headers=h(keys)).json()["expectedOutput"] == "y"


def test_bad_uploads_write_nothing_and_name_the_line(api: httpx.Client, keys: Dict[str, str]) -> None:
    create(api, keys, "bad-up")
    jsonl = "application/x-ndjson"
    cases = [
        ('{"input": 1}\n{"input": 2}\n{"input": 3\n', jsonl, 400, "line 3: "),
        ('{"input": 1}\n\n["x"]\n', jsonl, 400, "line 3: each line must be a JSON object"),
        ('{"input": 1}\n{"expectedOutput": 2}\n', jsonl, 400, "line 2: input is required"),
        ('{"id": "d", "input": 1}\n{"id": "d", "input": 2}\n', jsonl, 400, "line 2: id 'd' appears on an earlier line"),
        ('{"input": 1, "extra": 2}\n', jsonl, 400, "line 1: unknown field 'extra'"),
        ("", jsonl, 400, "the upload holds no items"),
        ("\n\n", jsonl, 400, "the upload holds no items"),
        ("question,answer\nq,a\n", "text/csv", 400, "line 1: the header has no input column"),
        ("input,answer\nq,a\nr\n", "text/csv", 400, "line 3: 1 cells, but the header names 2 columns"),
        ('input\n"open\n', "text/csv", 400, "line 2: a quoted cell is not closed"),
        ("input,metadata\nq,[1]\n", "text/csv", 400, "line 2: metadata must be a JSON object"),
        ("input\n", "text/csv", 400, "the upload holds a header row but no items"),
        ("", "text/csv", 400, "the upload holds no items"),
        ('{"input": 1}', "application/json", 415, "an upload is JSON Lines"),
        ('{"input": 1}', "text/plain", 415, "not 'text/plain'"),
    ]
    for body, content_type, status, message in cases:
        resp = upload(api, keys, "bad-up", body, content_type)
        assert resp.status_code == status, (body, resp.text)
        assert message in resp.json()["error"], (body, resp.text)
    assert api.get(f"{DATASETS}/bad-up", headers=h(keys)).json()["version"] == 0
    assert error_of(upload(api, keys, "no-such", '{"input": 1}', jsonl), 404) == "dataset 'no-such' does not exist"


def test_items_from_a_span(api: httpx.Client, keys: Dict[str, str]) -> None:
    create(api, keys, "spans")
    llm = {"traceId": "ds-trace", "spanId": "llm", "name": "chat", "startTime": "2024-06-01T00:00:00Z",
           "endTime": "2024-06-01T00:00:01Z",
           "llmSpan": {"model": "gpt-x", "provider": "openai", "promptContent": '[{"role": "user", "content": "hi"}]',
                       "completionContent": "hello"}}
    tool = {"traceId": "ds-trace", "spanId": "tool", "parentSpanId": "llm", "name": "lookup",
            "startTime": "2024-06-01T00:00:00Z", "endTime": "2024-06-01T00:00:01Z",
            "attributes": {"input": {"city": "Oslo"}, "output": "rain"}}
    bare = {**tool, "spanId": "bare", "attributes": {}}
    resp = api.post(TRACES + "/batch", json={"spans": [llm, tool, bare]}, headers=h(keys))
    assert resp.status_code == 200, resp.text

    def from_span(span: str, status: int = 201) -> Dict[str, Any]:
        r = api.post(f"{DATASETS}/spans/items/from-span", json={"traceId": "ds-trace", "spanId": span},
                     headers=h(keys))
        assert r.status_code == status, r.text
        return r.json()

    made = from_span("llm")
    assert made["input"] == [{"role": "user", "content": "hi"}] and made["expectedOutput"] == "hello"
    assert (made["sourceTraceId"], made["sourceSpanId"]) == ("ds-trace", "llm")
    assert made["metadata"] == {"spanName": "chat", "model": "gpt-x"}
    made = from_span("tool")
    assert (made["input"], made["expectedOutput"]) == ({"city": "Oslo"}, "rain")
    assert "no prompt and no input attribute" in from_span("bare", 422)["error"]
    assert from_span("nope", 404)["error"] == "trace 'ds-trace' has no span 'nope'"
    r = api.post(f"{DATASETS}/spans/items/from-span", json={"traceId": "no-trace", "spanId": "x"}, headers=h(keys))
    assert r.status_code == 404, r.text
    r = api.post(f"{DATASETS}/spans/items/from-span", json={"traceId": "ds-trace"}, headers=h(keys))
    assert r.status_code == 400 and "spanId" in r.json()["error"]
    assert api.get(f"{DATASETS}/spans", headers=h(keys)).json()["itemCount"] == 2


def test_limits(api: httpx.Client, keys: Dict[str, str]) -> None:
    create(api, keys, "limits")
    big = "x" * (1024 * 1024)
    assert "input is 1048578 bytes as JSON; the limit is 1048576" in error_of(
        api.post(f"{DATASETS}/limits/items", json={"input": big}, headers=h(keys)), 413)
    assert "expectedOutput is" in error_of(
        api.post(f"{DATASETS}/limits/items", json={"input": 1, "expectedOutput": big}, headers=h(keys)), 413)
    line = json.dumps({"input": 1}) + "\n" + json.dumps({"input": big}) + "\n"
    assert error_of(upload(api, keys, "limits", line, "application/x-ndjson"), 413).startswith("line 2: input is")
    assert "id must be 1 to 128" in error_of(
        api.post(f"{DATASETS}/limits/items", json={"id": "i" * 129, "input": 1}, headers=h(keys)), 400)
    # Just under the limit is fine.
    assert add(api, keys, "limits", input="y" * (1024 * 1024 - 2))["version"] == 1


def test_missing_things_are_404(api: httpx.Client, keys: Dict[str, str]) -> None:
    for method, path in [("GET", "/ghost"), ("PUT", "/ghost"), ("DELETE", "/ghost"), ("GET", "/ghost/items"),
                         ("POST", "/ghost/items"), ("GET", "/ghost/items/x"), ("PUT", "/ghost/items/x"),
                         ("DELETE", "/ghost/items/x")]:
        body = {"input": 1} if method in ("POST", "PUT") and "items" in path else (
            {"description": ""} if method == "PUT" else None)
        resp = api.request(method, DATASETS + path, json=body, headers=h(keys))
        assert resp.status_code == 404, (method, path, resp.text)
        assert resp.json()["error"] == "dataset 'ghost' does not exist"
    create(api, keys, "found")
    assert error_of(api.get(f"{DATASETS}/found/items/x", headers=h(keys)), 404) == "dataset 'found' has no item 'x'"


def test_a_read_key_cannot_write(api: httpx.Client, keys: Dict[str, str]) -> None:
    create(api, keys, "scoped")
    read = h(keys, "evaluations:read")
    assert api.get(f"{DATASETS}/scoped", headers=read).status_code == 200
    assert api.get(f"{DATASETS}/scoped/items", headers=read).status_code == 200
    for method, path, body in [("POST", "", {"name": "x"}), ("PUT", "/scoped", {"description": "x"}),
                               ("DELETE", "/scoped", None), ("POST", "/scoped/items", {"input": 1})]:
        resp = api.request(method, DATASETS + path, json=body, headers=read)
        assert resp.status_code == 403, resp.text
        assert "evaluations:write" in resp.json()["error"]
    resp = upload(api, {"full": keys["evaluations:read"]}, "scoped", '{"input": 1}', "application/x-ndjson")
    assert resp.status_code == 403
    assert api.get(f"{DATASETS}/scoped", headers=h(keys, "traces:read")).status_code == 403
    # Another project's key does not see this project's datasets.
    assert api.get(f"{DATASETS}/scoped", headers=h(keys, "other")).status_code == 404
    assert api.get(f"{DATASETS}/scoped", headers=read).json()["version"] == 0
