"""run_experiment(): the run it creates, the traces of its items, evaluators, result batches,
errors per item, progress, and the summary it reads back."""

from __future__ import annotations

import asyncio
import io
import json
import threading
from typing import Any

import httpx
import pytest

import stacklens
from stacklens import _experiments

from .conftest import Recorder

BASE = "/api/v1/evaluations/v1/datasets/qa"
ITEMS = [
    stacklens.DatasetItem(id=f"i{i}", input={"q": i}, expected_output=str(i), version=1)
    for i in range(3)
]
DATASET = stacklens.Dataset("qa", "questions", 1, ITEMS)


def run_json(**extra: Any) -> dict[str, Any]:
    return {
        "id": 7,
        "dataset": "qa",
        "datasetVersion": 1,
        "name": "baseline",
        "status": "running",
        **extra,
    }


class Fake:
    """A server for one run: records results, judges with evaluator 'judge', knows no other."""

    def __init__(self) -> None:
        self.results: list[dict[str, Any]] = []
        self.batches = 0
        self.judged: list[dict[str, Any]] = []
        self.finished: dict[str, Any] = {}
        self.lock = threading.Lock()

    def __call__(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        body: Any = json.loads(request.content) if request.content else None
        with self.lock:
            if path == f"{BASE}/runs":
                return httpx.Response(201, json=run_json(name=body["name"]))
            if path == f"{BASE}/runs/7/results":
                self.batches += 1
                self.results += body["results"]
                return httpx.Response(200, json={"runId": 7, "accepted": len(body["results"])})
            if path == "/api/v1/evaluations/v1/evaluators/judge/run":
                self.judged.append(body)
                return httpx.Response(201, json={})
            if path.startswith("/api/v1/evaluations/v1/evaluators/"):
                return httpx.Response(404, json={"error": "evaluator 'gone' does not exist"})
            if path == f"{BASE}/runs/7/finish":
                self.finished = body
                errors = sum(1 for r in self.results if r["error"] is not None)
                aggregates = {
                    "itemsDone": len(self.results),
                    "errors": errors,
                    "averageLatencyMs": 12.5,
                    "scores": {
                        "exact": {"count": 2, "average": 0.5},
                        "tone": {"count": 1, "average": None},
                    },
                }
                return httpx.Response(
                    200, json=run_json(status=body["status"], aggregates=aggregates)
                )
            return Recorder.ok(request)


def spans(server: Recorder) -> list[dict[str, Any]]:
    return [
        json.loads(r.content)
        for r in server.requests
        if r.url.path == "/api/v1/stacktrace/v1/traces"
    ]


def scores(server: Recorder) -> list[dict[str, Any]]:
    return [json.loads(r.content) for r in server.requests if r.url.path.endswith("/scores")]


def test_a_sync_task_runs_every_item_in_a_trace_of_its_own(server: Recorder) -> None:
    fake = Fake()
    server.handler = fake

    def exact(item: stacklens.DatasetItem, output: Any) -> bool:
        return bool(output == item.expected_output)

    def tone(item: stacklens.DatasetItem, output: Any) -> stacklens.EvaluationResult:
        return stacklens.EvaluationResult("tone", "kind", comment="polite")

    summary = stacklens.run_experiment(
        DATASET,
        lambda item: str(item.input["q"]) if item.id != "i1" else "no",
        evaluators=[exact, tone],
        name="baseline",
        metadata={"model": "m"},
        progress=False,
    )
    created = next(json.loads(r.content) for r in server.requests if r.url.path == f"{BASE}/runs")
    assert created == {
        "name": "baseline",
        "description": "",
        "metadata": {"model": "m"},
        "version": 1,
    }
    assert sorted(r["itemId"] for r in fake.results) == ["i0", "i1", "i2"]
    assert fake.batches == 1
    assert all(r["error"] is None for r in fake.results)
    traced = {s["attributes"]["stacklens.dataset.item"]: s for s in spans(server)}
    assert sorted(traced) == ["i0", "i1", "i2"]
    span = traced["i2"]
    assert span["name"] == "experiment baseline"
    assert span["attributes"]["stacklens.dataset"] == "qa"
    assert span["attributes"]["stacklens.dataset.run"] == "7"
    assert (span["attributes"]["input"], span["attributes"]["output"]) == ('{"q": 2}', "2")
    assert span["attributes"]["expected_output"] == "2"
    by_trace = {r["traceId"]: r for r in fake.results}
    assert by_trace[span["traceId"]]["output"] == "2"
    sent = scores(server)
    assert sorted((s["name"], s["value"]) for s in sent if s["traceId"] == span["traceId"]) == [
        ("exact", True),
        ("tone", "kind"),
    ]
    assert [
        s["value"] for s in sent if s["name"] == "exact" and s["traceId"] == traced["i1"]["traceId"]
    ] == [False]
    assert fake.finished == {"status": "finished", "summary": {"evaluationErrors": 0}}
    assert summary == stacklens.ExperimentSummary(
        run_id=7,
        dataset="qa",
        dataset_version=1,
        name="baseline",
        items=3,
        errors=0,
        average_latency_ms=12.5,
        scores={"exact": 0.5},
        url="http://stacklens.test/datasets/qa/runs/7",
        evaluation_errors=[],
    )


def test_a_failing_task_or_evaluator_is_reported_per_item(server: Recorder) -> None:
    fake = Fake()
    server.handler = fake

    def task(item: stacklens.DatasetItem) -> str:
        if item.id == "i1":
            raise ValueError("bad item")
        return "ok"

    def broken(item: stacklens.DatasetItem, output: Any) -> float:
        raise RuntimeError("cannot judge")

    summary = stacklens.run_experiment(
        DATASET, task, evaluators=[broken, "judge", "gone"], name="baseline", progress=False
    )
    failed = next(r for r in fake.results if r["itemId"] == "i1")
    assert (failed["error"], failed["output"]) == ("ValueError: bad item", None)
    assert summary.errors == 1
    error_span = next(s for s in spans(server) if s["attributes"]["stacklens.dataset.item"] == "i1")
    assert error_span["status"] == "error"
    assert error_span["attributes"]["error"] == "ValueError: bad item"
    # Server-side evaluators judge the spans of the items that succeeded; a missing one is
    # reported for each item, like a failing function.
    assert sorted(j["traceId"] for j in fake.judged) == sorted(
        r["traceId"] for r in fake.results if r["error"] is None
    )
    assert all(set(j) == {"traceId", "spanId"} for j in fake.judged)
    assert sorted(summary.evaluation_errors) == [
        "item i0: evaluator 'broken': RuntimeError: cannot judge",
        "item i0: evaluator 'gone': evaluator 'gone' does not exist",
        "item i2: evaluator 'broken': RuntimeError: cannot judge",
        "item i2: evaluator 'gone': evaluator 'gone' does not exist",
    ]
    assert fake.finished["summary"] == {"evaluationErrors": 4}


def test_an_async_task_runs_at_most_max_concurrency_at_once(server: Recorder) -> None:
    fake = Fake()
    server.handler = fake
    items = [stacklens.DatasetItem(id=f"a{i:03d}", input=i) for i in range(120)]
    running, most = 0, 0

    async def task(item: stacklens.DatasetItem) -> int:
        nonlocal running, most
        running += 1
        most = max(most, running)
        await asyncio.sleep(0)
        running -= 1
        return int(item.input) * 2

    stacklens.run_experiment(
        stacklens.Dataset("qa", "", 1, items), task, max_concurrency=3, progress=False
    )
    assert most == 3
    assert sorted(r["output"] for r in fake.results) == [i * 2 for i in range(120)]
    assert fake.batches == 3  # 50, 50 and the last 20


def test_a_dataset_named_is_read_first(server: Recorder) -> None:
    fake = Fake()

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == BASE:
            return httpx.Response(
                200,
                json={
                    "name": "qa",
                    "description": "",
                    "version": 4,
                    "itemCount": 0,
                    "createdBy": "k",
                    "createdAt": "x",
                    "updatedAt": "x",
                },
            )
        if request.url.path == f"{BASE}/items":
            return httpx.Response(200, json={"version": 4, "items": [], "nextCursor": None})
        return fake(request)

    server.handler = handler
    summary = stacklens.run_experiment("qa", lambda item: None, progress=False)
    created = next(json.loads(r.content) for r in server.requests if r.url.path == f"{BASE}/runs")
    assert created["version"] == 4
    assert created["name"].startswith("qa-")
    assert summary.items == 0
    assert fake.batches == 0


def test_an_error_of_the_server_fails_the_run_and_raises(server: Recorder) -> None:
    fake = Fake()

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/results"):
            return httpx.Response(422, json={"error": "no such item"})
        return fake(request)

    server.handler = handler
    with pytest.raises(stacklens.ApiError, match="no such item"):
        stacklens.run_experiment(DATASET, lambda item: 1, name="baseline", progress=False)
    assert fake.finished == {"status": "failed", "summary": {}}


def test_bad_arguments_are_refused_before_anything_is_sent(server: Recorder) -> None:
    cases: list[tuple[dict[str, Any], type[Exception]]] = [
        ({"task": 3}, TypeError),
        ({"evaluators": "judge"}, TypeError),
        ({"evaluators": [3]}, TypeError),
        ({"max_concurrency": 0}, ValueError),
        ({"metadata": [1]}, TypeError),
        ({"dataset": 5}, TypeError),
    ]
    for kwargs, exc in cases:
        arguments: dict[str, Any] = {"dataset": DATASET, "task": lambda item: 1, **kwargs}
        with pytest.raises(exc):
            stacklens.run_experiment(**arguments)
    assert server.requests == []


def test_progress_is_a_line_per_tenth_off_a_terminal() -> None:
    out = io.StringIO()
    bar = _experiments._Progress("r", 20, True, out)
    for _ in range(20):
        bar.tick()
    lines = out.getvalue().splitlines()
    assert len(lines) == 10
    assert lines[0] == "experiment r: 2/20 items (10%)"
    assert lines[-1] == "experiment r: 20/20 items (100%)"


def test_progress_is_a_bar_on_a_terminal() -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    out = Terminal()
    bar = _experiments._Progress("r", 2, True, out)
    bar.tick()
    bar.tick()
    assert out.getvalue().endswith("\rexperiment r [" + "#" * 30 + "] 2/2\n")
    quiet = io.StringIO()
    off = _experiments._Progress("r", 2, False, quiet)
    off.tick()
    assert quiet.getvalue() == ""


def test_async_client_runs_it_too(server: Recorder) -> None:
    fake = Fake()
    recorder = Recorder()
    recorder.handler = fake

    async def main() -> stacklens.ExperimentSummary:
        async with stacklens.AsyncStackLens(
            api_key="sl-test", endpoint="http://other.test", transport=recorder.transport
        ) as client:
            return await client.run_experiment(
                DATASET, lambda item: "x", name="baseline", progress=False
            )

    summary = asyncio.run(main())
    assert summary.url == "http://other.test/datasets/qa/runs/7"
    assert len(fake.results) == 3
