"""stacklens.run_experiment against the real server: the run, its results joined with each
item's trace and scores, a failing item, a missing server-side evaluator, the comparison of two
runs, async tasks and the background mode."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
from stacklens_server import StackLensServer

import stacklens

from .conftest import unique

SCOPES = "evaluations:read,evaluations:write,traces:write,traces:read,scores:write"
DATASETS = "/api/v1/evaluations/v1/datasets"


def dataset(name: str) -> stacklens.Dataset:
    stacklens.datasets.create(name)
    stacklens.datasets.add_items(
        name,
        [
            {"id": "two", "input": {"a": 1, "b": 1}, "expected_output": 2},
            {"id": "four", "input": {"a": 2, "b": 2}, "expected_output": 4},
            {"id": "boom", "input": {"a": 0, "b": 0}, "expected_output": 0},
        ],
    )
    return stacklens.datasets.get(name)


def add(item: stacklens.DatasetItem) -> int:
    if item.id == "boom":
        raise ZeroDivisionError("no sums of nothing")
    return int(item.input["a"]) + int(item.input["b"])


def exact(item: stacklens.DatasetItem, output: Any) -> bool:
    return bool(output == item.expected_output)


def test_an_experiment_is_recorded_and_compared(server: StackLensServer) -> None:
    key = server.create_key(SCOPES)
    stacklens.configure(api_key=key, endpoint=server.url)
    name = unique("exp")
    data = dataset(name)
    first = stacklens.run_experiment(
        data,
        add,
        evaluators=[exact, "no-such-judge"],
        name="sum",
        metadata={"model": "arithmetic"},
        progress=False,
    )
    assert (first.dataset, first.dataset_version, first.name) == (name, 1, "sum")
    assert (first.items, first.errors, first.scores) == (3, 1, {"exact": 1.0})
    assert first.url == f"{server.url}/datasets/{name}/runs/{first.run_id}"
    assert len(first.evaluation_errors) == 2
    assert all("evaluator 'no-such-judge'" in e for e in first.evaluation_errors)

    async def product(item: stacklens.DatasetItem) -> int:
        await asyncio.sleep(0)
        return int(item.input["a"]) * int(item.input["b"])

    second = stacklens.run_experiment(name, product, evaluators=[exact], progress=False)
    assert (second.errors, second.scores) == (0, {"exact": 2 / 3})

    with httpx.Client(base_url=server.url, headers={"X-Api-Key": key}) as http:
        run = http.get(f"{DATASETS}/{name}/runs/{first.run_id}").json()
        assert (run["status"], run["metadata"]) == ("finished", {"model": "arithmetic"})
        assert run["summary"] == {"evaluationErrors": 2}
        results = http.get(f"{DATASETS}/{name}/runs/{first.run_id}/results").json()["results"]
        by_item = {r["itemId"]: r for r in results}
        assert by_item["boom"]["error"] == "ZeroDivisionError: no sums of nothing"
        assert by_item["four"]["output"] == 4
        assert [s["name"] for s in by_item["four"]["scores"]] == ["exact"]
        trace = http.get(f"/api/v1/stacktrace/v1/traces/{by_item['four']['traceId']}").json()
        attributes = trace["spans"][0]["attributes"]
        assert attributes["stacklens.dataset"] == name
        assert attributes["stacklens.dataset.item"] == "four"
        assert attributes["stacklens.dataset.run"] == str(first.run_id)
        compared = http.get(
            f"{DATASETS}/{name}/compare", params={"runs": f"{first.run_id},{second.run_id}"}
        ).json()
        rows = {row["itemId"]: row for row in compared["items"]}
        assert [r["output"] for r in rows["four"]["results"]] == [4, 4]
        assert [r["output"] for r in rows["two"]["results"]] == [2, 1]
        assert rows["boom"]["results"][0]["error"] is not None
        assert rows["boom"]["results"][1]["output"] == 0


def test_background_mode_and_the_async_client(server: StackLensServer) -> None:
    key = server.create_key(SCOPES)
    name = unique("exp-bg")
    stacklens.configure(api_key=key, endpoint=server.url)
    dataset(name)
    stacklens.configure(api_key=key, endpoint=server.url, background=True)
    summary = stacklens.run_experiment(name, add, evaluators=[exact], progress=False)
    # Scores queued in the background are sent before the run is summed up.
    assert (summary.items, summary.errors, summary.scores) == (3, 1, {"exact": 1.0})

    async def main() -> stacklens.ExperimentSummary:
        async with stacklens.AsyncStackLens(api_key=key, endpoint=server.url) as client:
            return await client.run_experiment(name, add, name="async", progress=False)

    again = asyncio.run(main())
    assert (again.name, again.items, again.errors) == ("async", 3, 1)
