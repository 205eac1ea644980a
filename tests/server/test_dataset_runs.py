"""Experiment runs over a dataset on the real server: creating runs on a version, item results in
batches (idempotent per item, all or none), finishing, aggregates joined from traces and scores,
paging, the comparison of runs, bad input, 404s and who may write."""
from __future__ import annotations

from typing import Any, Dict, List

import httpx

DATASETS = "/api/v1/evaluations/v1/datasets"
TRACES = "/api/v1/stacktrace/v1/traces"
SCORES = "/api/v1/stacktrace/v1/scores"


def h(keys: Dict[str, str], name: str = "full") -> Dict[str, str]:
    return {"X-Api-Key": keys[name]}


def ok(resp: httpx.Response, status: int = 200) -> Any:
    assert resp.status_code == status, resp.text
    return resp.json()


def error_of(resp: httpx.Response, status: int) -> str:
    assert resp.status_code == status, resp.text
    message: str = resp.json()["error"]
    return message


def dataset(api: httpx.Client, keys: Dict[str, str], name: str, inputs: List[str]) -> None:
    ok(api.post(DATASETS, json={"name": name}, headers=h(keys)), 201)
    for i, text in enumerate(inputs):
        ok(api.post(f"{DATASETS}/{name}/items", json={"id": f"i{i}", "input": {"q": text}, "expectedOutput": text.upper()},
                    headers=h(keys)), 201)


def trace(api: httpx.Client, keys: Dict[str, str], trace_id: str, tokens: int) -> None:
    span = {"traceId": trace_id, "spanId": "root", "name": "experiment", "startTime": "2024-06-01T00:00:00Z",
            "endTime": "2024-06-01T00:00:01Z",
            "llmSpan": {"model": "gpt-4o-mini", "provider": "openai", "inputTokens": tokens, "outputTokens": 1}}
    ok(api.post(TRACES, json=span, headers=h(keys)))


def results(api: httpx.Client, keys: Dict[str, str], name: str, run: int, body: Any, key: str = "full") -> httpx.Response:
    return api.post(f"{DATASETS}/{name}/runs/{run}/results", json=body, headers=h(keys, key))


def test_a_run_records_results_and_adds_them_up(api: httpx.Client, keys: Dict[str, str]) -> None:
    dataset(api, keys, "runs-a", ["a", "b", "c"])
    run = ok(api.post(f"{DATASETS}/runs-a/runs", json={"name": "first", "description": "d",
                                                       "metadata": {"model": "gpt-4o-mini"}}, headers=h(keys)), 201)
    assert (run["dataset"], run["datasetVersion"], run["itemCount"], run["status"]) == ("runs-a", 3, 3, "running")
    assert (run["metadata"], run["finishedAt"], run["summary"]) == ({"model": "gpt-4o-mini"}, None, None)
    assert run["createdBy"].startswith("key:") and run["aggregates"]["itemsDone"] == 0
    trace(api, keys, "run-a-0", 10)
    trace(api, keys, "run-a-1", 20)
    ok(api.post(SCORES, json={"traceId": "run-a-0", "name": "exact", "value": 1}, headers=h(keys)), 201)
    ok(api.post(SCORES, json={"traceId": "run-a-1", "name": "exact", "value": 0}, headers=h(keys)), 201)
    ok(api.post(SCORES, json={"traceId": "run-a-1", "name": "tone", "value": "kind"}, headers=h(keys)), 201)
    batch = [{"itemId": "i0", "traceId": "run-a-0", "output": {"a": "A"}, "latencyMs": 100},
             {"itemId": "i1", "traceId": "run-a-1", "output": "B", "latencyMs": 300}]
    assert ok(results(api, keys, "runs-a", run["id"], {"results": batch})) == {"runId": run["id"], "accepted": 2}
    # The same batch again changes nothing; a new result for an item replaces the earlier one.
    ok(results(api, keys, "runs-a", run["id"], {"results": batch}))
    ok(results(api, keys, "runs-a", run["id"],
               {"results": [{"itemId": "i2", "output": None, "error": "ValueError: no", "latencyMs": 200}]}))
    got = ok(api.get(f"{DATASETS}/runs-a/runs/{run['id']}", headers=h(keys)))
    agg = got["aggregates"]
    assert (agg["itemsDone"], agg["errors"], agg["averageLatencyMs"]) == (3, 1, 200)
    assert (agg["inputTokens"], agg["outputTokens"], agg["totalTokens"]) == (30, 2, 32)
    assert agg["scores"] == {"exact": {"count": 2, "average": 0.5}, "tone": {"count": 1, "average": None}}
    page = ok(api.get(f"{DATASETS}/runs-a/runs/{run['id']}/results?limit=2", headers=h(keys)))
    assert [r["itemId"] for r in page["results"]] == ["i0", "i1"] and page["nextCursor"] == "i1"
    first = page["results"][0]
    assert (first["output"], first["error"], first["latencyMs"], first["totalTokens"]) == ({"a": "A"}, None, 100, 11)
    assert [s["name"] for s in first["scores"]] == ["exact"]
    rest = ok(api.get(f"{DATASETS}/runs-a/runs/{run['id']}/results?cursor=i1", headers=h(keys)))
    assert rest["nextCursor"] is None
    [failed] = rest["results"]
    assert (failed["itemId"], failed["error"], failed["traceId"], failed["totalTokens"]) == ("i2", "ValueError: no", None, None)

    finished = ok(api.post(f"{DATASETS}/runs-a/runs/{run['id']}/finish", json={"summary": {"note": "ok"}},
                           headers=h(keys)))
    assert (finished["status"], finished["summary"]) == ("finished", {"note": "ok"})
    assert finished["finishedAt"] is not None and finished["aggregates"]["itemsDone"] == 3
    assert "is finished, not running" in error_of(
        api.post(f"{DATASETS}/runs-a/runs/{run['id']}/finish", json={}, headers=h(keys)), 409)
    assert "is finished, not running" in error_of(results(api, keys, "runs-a", run["id"], {"results": batch}), 409)
    listed = ok(api.get(f"{DATASETS}/runs-a/runs", headers=h(keys)))["runs"]
    assert [(r["id"], r["status"]) for r in listed] == [(run["id"], "finished")]


def test_runs_record_the_version_they_ran_on(api: httpx.Client, keys: Dict[str, str]) -> None:
    dataset(api, keys, "runs-v", ["a", "b"])
    old = ok(api.post(f"{DATASETS}/runs-v/runs", json={"version": 1}, headers=h(keys)), 201)
    assert (old["datasetVersion"], old["itemCount"]) == (1, 1)
    assert old["name"].endswith("Z")  # the creation time when no name is given
    # An item the run's version does not hold is refused, and nothing of the batch is written.
    batch = {"results": [{"itemId": "i0", "output": 1}, {"itemId": "i1", "output": 2}]}
    assert error_of(results(api, keys, "runs-v", old["id"], batch), 422) == (
        f"dataset 'runs-v' has no item 'i1' at version 1, the version run {old['id']} is on")
    assert ok(api.get(f"{DATASETS}/runs-v/runs/{old['id']}", headers=h(keys)))["aggregates"]["itemsDone"] == 0
    assert error_of(api.post(f"{DATASETS}/runs-v/runs", json={"version": 9}, headers=h(keys)), 404) == (
        "dataset 'runs-v' has no version 9 (its latest is 2)")
    failed = ok(api.post(f"{DATASETS}/runs-v/runs/{old['id']}/finish", json={"status": "failed"}, headers=h(keys)))
    assert failed["status"] == "failed"
    # Deleting the dataset deletes its runs; a dataset made again under the name has none.
    ok(api.delete(f"{DATASETS}/runs-v", headers=h(keys)))
    ok(api.post(DATASETS, json={"name": "runs-v"}, headers=h(keys)), 201)
    assert ok(api.get(f"{DATASETS}/runs-v/runs", headers=h(keys)))["runs"] == []


def test_runs_compared_item_by_item(api: httpx.Client, keys: Dict[str, str]) -> None:
    dataset(api, keys, "runs-c", ["a", "b"])
    one = ok(api.post(f"{DATASETS}/runs-c/runs", json={"name": "one", "version": 1}, headers=h(keys)), 201)
    two = ok(api.post(f"{DATASETS}/runs-c/runs", json={"name": "two"}, headers=h(keys)), 201)
    trace(api, keys, "run-c-1", 5)
    ok(results(api, keys, "runs-c", one["id"], {"results": [{"itemId": "i0", "output": "x", "latencyMs": 10}]}))
    ok(results(api, keys, "runs-c", two["id"], {"results": [
        {"itemId": "i0", "traceId": "run-c-1", "output": "A", "latencyMs": 20},
        {"itemId": "i1", "output": "B", "latencyMs": 30}]}))
    cmp = ok(api.get(f"{DATASETS}/runs-c/compare?runs={two['id']},{one['id']}", headers=h(keys)))
    assert (cmp["dataset"], cmp["version"], cmp["nextCursor"]) == ("runs-c", 2, None)
    assert [r["name"] for r in cmp["runs"]] == ["two", "one"]
    assert [r["aggregates"]["itemsDone"] for r in cmp["runs"]] == [2, 1]
    assert [row["itemId"] for row in cmp["items"]] == ["i0", "i1"]
    row0, row1 = cmp["items"]
    assert (row0["input"], row0["expectedOutput"]) == ({"q": "a"}, "A")
    assert [r["output"] for r in row0["results"]] == ["A", "x"]
    assert row0["results"][0]["totalTokens"] == 6 and row0["results"][1]["totalTokens"] is None
    assert row1["results"][0]["output"] == "B" and row1["results"][1] is None
    paged = ok(api.get(f"{DATASETS}/runs-c/compare?runs={one['id']}&limit=1", headers=h(keys)))
    assert paged["version"] == 1 and len(paged["items"]) == 1 and paged["nextCursor"] is None

    for query, message in [("", "runs is required"), ("runs=", "runs is required"),
                           ("runs=1,x", "'x' is not a run id"), (f"runs={one['id']},{one['id']}", "named twice"),
                           ("runs=1,", "missing after the last comma"), ("runs=" + ",".join(map(str, range(1, 12))),
                                                                        "at most 10 runs"),
                           (f"runs={one['id']}&limit=0", "limit"), (f"runs={one['id']}&sort=x", "sort")]:
        assert message in error_of(api.get(f"{DATASETS}/runs-c/compare?{query}", headers=h(keys)), 400), query
    assert error_of(api.get(f"{DATASETS}/runs-c/compare?runs={one['id']},999999", headers=h(keys)), 404) == (
        "dataset 'runs-c' has no run 999999")
    assert error_of(api.get(f"{DATASETS}/no-such/compare?runs=1", headers=h(keys)), 404) == (
        "dataset 'no-such' does not exist")


def test_bad_input_and_missing_things_are_named(api: httpx.Client, keys: Dict[str, str]) -> None:
    dataset(api, keys, "runs-bad", ["a"])
    run = ok(api.post(f"{DATASETS}/runs-bad/runs", json={}, headers=h(keys)), 201)["id"]
    base = f"{DATASETS}/runs-bad/runs"
    for body, message in [({"nme": "x"}, "unknown field 'nme'"), ({"name": ""}, "name must be 1 to 200"),
                          ({"metadata": [1]}, "metadata must be a JSON object"), ({"version": -1}, "version must be"),
                          ({"description": "d" * 1001}, "description is longer")]:
        assert message in error_of(api.post(base, json=body, headers=h(keys)), 400), body
    for body, message in [({}, "results must be an array"), ({"results": []}, "1 to 500"),
                          ({"results": [{"itemId": "i0"}] * 501}, "1 to 500"),
                          ({"results": [1]}, "results[0]: must be an object"),
                          ({"results": [{"output": 1}]}, "results[0]: "),
                          ({"results": [{"itemId": "i0", "latencyMs": -1}]}, "latencyMs must be a number >= 0"),
                          ({"results": [{"itemId": "i0", "error": 5}]}, "results[0]: "),
                          ({"results": [{"itemId": "i0", "traceId": ""}]}, "traceId must be 1 to 128"),
                          ({"results": [{"itemId": "i0", "extra": 1}]}, "results[0]: unknown field 'extra'"),
                          ({"results": [{"itemId": "i0"}, {"itemId": "i0"}]}, "results[1]: item 'i0' appears twice")]:
        assert message in error_of(results(api, keys, "runs-bad", run, body), 400), body
    assert "status must be" in error_of(api.post(f"{base}/{run}/finish", json={"status": "done"}, headers=h(keys)), 400)
    assert "not a positive integer" in error_of(api.get(f"{base}/abc", headers=h(keys)), 400)
    assert error_of(api.get(f"{base}/999999", headers=h(keys)), 404) == "dataset 'runs-bad' has no run 999999"
    assert error_of(api.get(f"{base}/999999/results", headers=h(keys)), 404) == "dataset 'runs-bad' has no run 999999"
    assert error_of(api.post(f"{base}/999999/finish", json={}, headers=h(keys)), 404) == (
        "dataset 'runs-bad' has no run 999999")
    assert error_of(api.get(f"{DATASETS}/no-such/runs", headers=h(keys)), 404) == "dataset 'no-such' does not exist"
    assert error_of(api.post(f"{DATASETS}/no-such/runs", json={}, headers=h(keys)), 404) == (
        "dataset 'no-such' does not exist")
    # A run is found only under its own dataset.
    dataset(api, keys, "runs-other", [])
    assert error_of(api.get(f"{DATASETS}/runs-other/runs/{run}", headers=h(keys)), 404) == (
        f"dataset 'runs-other' has no run {run}")


def test_readers_read_and_writers_write(api: httpx.Client, keys: Dict[str, str]) -> None:
    dataset(api, keys, "runs-scope", ["a"])
    base = f"{DATASETS}/runs-scope/runs"
    assert api.post(base, json={}, headers=h(keys, "evaluations:read")).status_code == 403
    run = ok(api.post(base, json={}, headers=h(keys, "evaluations:write")), 201)["id"]
    assert results(api, keys, "runs-scope", run, {"results": [{"itemId": "i0"}]}, "evaluations:read").status_code == 403
    assert api.get(base, headers=h(keys, "traces:read")).status_code == 403
    ok(api.get(f"{base}/{run}", headers=h(keys, "evaluations:read")))
    ok(api.get(f"{DATASETS}/runs-scope/compare?runs={run}", headers=h(keys, "evaluations:read")))
    assert api.get(base).status_code == 401
