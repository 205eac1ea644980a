"""`run_experiment()`: run a task over every item of a dataset as an experiment run.

The run is created on the server on the dataset's version; each item's task runs inside a trace
of its own (so its tokens, cost and scores show beside its output), Python evaluators score the
output on that trace, server-side evaluators judge its span, and the results go to the server in
batches before the run is finished and summed up.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import inspect
import json
import sys
import threading
import time
from collections.abc import Awaitable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Callable, Optional, TextIO, Union
from urllib.parse import quote

from . import _runtime
from . import _validation as check
from ._context import Nesting
from ._datasets import Dataset, DatasetItem, Datasets
from ._exceptions import ApiError, StackLensError
from ._tracing import SpanBlock
from ._wire import DATASETS_PATH, encode

EVALUATORS_PATH = "/api/v1/evaluations/v1/evaluators"
RESULT_BATCH = 50


@dataclass(frozen=True)
class EvaluationResult:
    """What a Python evaluator may return to name its score and explain it."""

    name: str
    value: Union[float, bool, str]
    comment: Optional[str] = None


Evaluator = Union[str, Callable[[DatasetItem, Any], Any]]


@dataclass(frozen=True)
class ExperimentSummary:
    """A finished experiment run: items with a result, how many failed, their average latency,
    each score's average over the run's traces, evaluations that could not be made (one line
    each, naming the item and the evaluator), and the dashboard's page of the run."""

    run_id: int
    dataset: str
    dataset_version: int
    name: str
    items: int
    errors: int
    average_latency_ms: Optional[float]
    scores: dict[str, float]
    url: str
    evaluation_errors: list[str] = field(default_factory=list)


@dataclass
class _Outcome:
    item: DatasetItem
    trace_id: str
    span_id: str
    output: Any = None
    error: Optional[str] = None
    latency_ms: float = 0.0
    evaluation_errors: list[str] = field(default_factory=list)

    def wire(self) -> dict[str, Any]:
        return {
            "itemId": self.item.id,
            "traceId": self.trace_id,
            "output": self.output,
            "error": self.error,
            "latencyMs": self.latency_ms,
        }


def _json_value(value: Any) -> Any:
    """The task's output as JSON: itself when it encodes, else its repr."""
    try:
        json.dumps(value, allow_nan=False)
        return value
    except (TypeError, ValueError):
        return repr(value)


def _text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(_json_value(value), ensure_ascii=False)


def _described(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"


def _is_async(task: Callable[..., Any]) -> bool:
    call = type(task).__call__ if not inspect.isroutine(task) else None
    return inspect.iscoroutinefunction(task) or inspect.iscoroutinefunction(call)


def _evaluator_name(evaluator: Callable[..., Any]) -> str:
    return str(getattr(evaluator, "__name__", type(evaluator).__name__))


def _check_evaluators(evaluators: object) -> list[Evaluator]:
    if isinstance(evaluators, (str, bytes, Mapping)) or not isinstance(evaluators, Iterable):
        raise TypeError("evaluators must be a sequence of functions and evaluator names")
    out: list[Evaluator] = []
    for i, evaluator in enumerate(evaluators):
        if isinstance(evaluator, str):
            out.append(check.name(f"evaluators[{i}]", evaluator))
        elif callable(evaluator):
            out.append(evaluator)
        else:
            raise TypeError(
                f"evaluators[{i}] must be a function or an evaluator's name, "
                f"not {type(evaluator).__name__}"
            )
    return out


class _Progress:
    """A bar on a terminal, else a line at every tenth of the items."""

    def __init__(self, name: str, total: int, enabled: bool, out: TextIO) -> None:
        self._name, self._total, self._out, self._done = name, total, out, 0
        self._enabled = enabled and total > 0
        self._bar = self._enabled and out.isatty()
        self._tenths = 0

    def tick(self) -> None:
        self._done += 1
        if not self._enabled:
            return
        if self._bar:
            filled = 30 * self._done // self._total
            end = "\n" if self._done == self._total else ""
            self._out.write(
                f"\rexperiment {self._name} [{'#' * filled}{'.' * (30 - filled)}] "
                f"{self._done}/{self._total}{end}"
            )
            self._out.flush()
            return
        tenths = 10 * self._done // self._total
        if tenths > self._tenths:
            self._tenths = tenths
            self._out.write(
                f"experiment {self._name}: {self._done}/{self._total} items ({10 * tenths}%)\n"
            )
            self._out.flush()


class _Run:
    """One experiment run: everything run_experiment() does, on one client's runtime."""

    def __init__(
        self,
        live: Callable[[], _runtime.Runtime],
        nesting: Nesting,
        dataset: Dataset,
        task: Callable[[DatasetItem], Any],
        evaluators: list[Evaluator],
        max_concurrency: int,
    ) -> None:
        self._live, self._nesting, self._dataset, self._task = live, nesting, dataset, task
        self._functions = [e for e in evaluators if not isinstance(e, str)]
        self._judges = [e for e in evaluators if isinstance(e, str)]
        self._workers = max_concurrency
        self._pending: list[dict[str, Any]] = []
        self.name = ""
        self.run_id = 0
        self._base = ""

    def _request(self, method: str, path: str, body: Any) -> Any:
        runtime = self._live()
        runtime.check_open()
        response = runtime.sync.request(method, path, encode(body))
        try:
            return response.json()
        except ValueError:
            raise ApiError("the server's answer is not JSON", response.status_code) from None

    def create(self, name: str, description: str, metadata: Optional[dict[str, Any]]) -> None:
        self._base = f"{DATASETS_PATH}/{quote(self._dataset.name, safe='')}"
        body: dict[str, Any] = {"name": name, "description": description, "metadata": metadata}
        body["version"] = self._dataset.version
        made = self._request("POST", f"{self._base}/runs", body)
        self.run_id, self.name = int(made["id"]), str(made["name"])

    # Each item: its task inside a trace of its own, then the Python evaluators on its output.
    def _open(self, item: DatasetItem) -> tuple[SpanBlock, Any]:
        block = SpanBlock(f"experiment {self.name}", self._live, self._nesting)
        span = block.__enter__()
        span.set_attribute("stacklens.dataset", self._dataset.name)
        span.set_attribute("stacklens.dataset.item", item.id)
        span.set_attribute("stacklens.dataset.run", str(self.run_id))
        span.set_attribute("input", _text(item.input))
        if item.expected_output is not None:
            span.set_attribute("expected_output", _text(item.expected_output))
        return block, span

    def _close(self, block: SpanBlock, span: Any, outcome: _Outcome) -> _Outcome:
        if outcome.error is None:
            span.set_attribute("output", _text(outcome.output))
            for evaluator in self._functions:
                self._evaluate(span, evaluator, outcome)
        else:
            span.set_attribute("error", outcome.error)
            span.set_status("error")
        block.__exit__(None, None, None)
        return outcome

    def _evaluate(self, span: Any, evaluator: Callable[..., Any], outcome: _Outcome) -> None:
        name = _evaluator_name(evaluator)
        try:
            verdict = evaluator(outcome.item, outcome.output)
            if inspect.isawaitable(verdict):
                raise TypeError("an evaluator function must not be async")
            if verdict is None:
                return
            if isinstance(verdict, EvaluationResult):
                span.score(verdict.name, verdict.value, verdict.comment)
            else:
                span.score(name, verdict)
        except Exception as exc:  # an evaluator's failure is reported, the run goes on
            outcome.evaluation_errors.append(
                f"item {outcome.item.id}: evaluator '{name}': {_described(exc)}"
            )

    def run_sync(self, item: DatasetItem) -> _Outcome:
        block, span = self._open(item)
        outcome = _Outcome(item, span.trace_id, span.span_id)
        started = time.perf_counter()
        try:
            outcome.output = _json_value(self._task(item))
        except Exception as exc:
            outcome.error = _described(exc)
        outcome.latency_ms = (time.perf_counter() - started) * 1000
        return self._close(block, span, outcome)

    async def run_async(self, item: DatasetItem) -> _Outcome:
        block, span = self._open(item)
        outcome = _Outcome(item, span.trace_id, span.span_id)
        started = time.perf_counter()
        try:
            outcome.output = _json_value(await self._task(item))
        except Exception as exc:
            outcome.error = _described(exc)
        outcome.latency_ms = (time.perf_counter() - started) * 1000
        return await asyncio.to_thread(self._close, block, span, outcome)

    def done(self, outcome: _Outcome) -> None:
        self._pending.append(outcome.wire())
        if len(self._pending) >= RESULT_BATCH:
            self.send_results()

    def send_results(self) -> None:
        if self._pending:
            batch, self._pending = self._pending, []
            self._request("POST", f"{self._base}/runs/{self.run_id}/results", {"results": batch})

    def judge(self, outcomes: list[_Outcome]) -> None:
        """Server-side evaluators judge each successful item's span, once its span is stored."""
        targets = [o for o in outcomes if o.error is None]
        if not self._judges or not targets:
            return
        self._live().flush(None)

        def one(outcome: _Outcome, evaluator: str) -> None:
            path = f"{EVALUATORS_PATH}/{quote(evaluator, safe='')}/run"
            try:
                self._request(
                    "POST", path, {"traceId": outcome.trace_id, "spanId": outcome.span_id}
                )
            except ApiError as exc:
                outcome.evaluation_errors.append(
                    f"item {outcome.item.id}: evaluator '{evaluator}': {exc.message}"
                )

        with concurrent.futures.ThreadPoolExecutor(self._workers) as pool:
            jobs = [pool.submit(one, o, e) for o in targets for e in self._judges]
            for job in jobs:
                job.result()

    def finish(self, status: str, summary: dict[str, Any]) -> Any:
        self._live().flush(None)  # scores queued in background mode count in the aggregates
        body = {"status": status, "summary": summary}
        return self._request("POST", f"{self._base}/runs/{self.run_id}/finish", body)

    def url(self) -> str:
        endpoint = self._live().settings.endpoint.rstrip("/")
        return f"{endpoint}/datasets/{quote(self._dataset.name, safe='')}/runs/{self.run_id}"


def _each_sync(run: _Run, items: list[DatasetItem], workers: int) -> Iterable[_Outcome]:
    with concurrent.futures.ThreadPoolExecutor(workers) as pool:
        futures = [pool.submit(run.run_sync, item) for item in items]
        for future in concurrent.futures.as_completed(futures):
            yield future.result()


def _run_async(
    run: _Run, items: list[DatasetItem], workers: int, each: Callable[[_Outcome], None]
) -> None:
    """Runs the async task on an event loop of its own (in a thread, so a caller inside a
    running loop is served too), at most `workers` items at once."""

    async def main() -> None:
        gate = asyncio.Semaphore(workers)

        async def bounded(item: DatasetItem) -> _Outcome:
            async with gate:
                return await run.run_async(item)

        for next_done in asyncio.as_completed([bounded(item) for item in items]):
            outcome = await next_done
            await asyncio.to_thread(each, outcome)

    with concurrent.futures.ThreadPoolExecutor(1) as loop_thread:
        loop_thread.submit(asyncio.run, main()).result()


def run_experiment(
    live: Callable[[], _runtime.Runtime],
    nesting: Nesting,
    dataset: Union[str, Dataset],
    task: Callable[[DatasetItem], Union[Any, Awaitable[Any]]],
    *,
    evaluators: Iterable[Evaluator] = (),
    name: Optional[str] = None,
    description: Optional[str] = None,
    metadata: Optional[Mapping[str, Any]] = None,
    max_concurrency: int = 4,
    progress: bool = True,
) -> ExperimentSummary:
    if not callable(task):
        raise TypeError(f"task must be a function, not {type(task).__name__}")
    checked = _check_evaluators(evaluators)
    if type(max_concurrency) is not int or max_concurrency < 1:
        raise ValueError("max_concurrency must be an int of at least 1")
    if metadata is not None and not isinstance(metadata, Mapping):
        raise TypeError(f"metadata must be a mapping or None, not {type(metadata).__name__}")
    if description is not None and not isinstance(description, str):
        raise TypeError(f"description must be a str or None, not {type(description).__name__}")
    if isinstance(dataset, str):
        dataset = Datasets(live).get(dataset)
    elif not isinstance(dataset, Dataset):
        raise TypeError(f"dataset must be a name or a Dataset, not {type(dataset).__name__}")
    run_name = (
        check.name("name", name)
        if name is not None
        else f"{dataset.name}-{datetime.now(timezone.utc):%Y%m%d-%H%M%S}"
    )
    run = _Run(live, nesting, dataset, task, checked, max_concurrency)
    run.create(run_name, description or "", None if metadata is None else dict(metadata))
    bar = _Progress(run.name, len(dataset.items), progress, sys.stderr)
    outcomes: list[_Outcome] = []
    lock = threading.Lock()

    def each(outcome: _Outcome) -> None:
        with lock:
            outcomes.append(outcome)
            bar.tick()
            run.done(outcome)

    try:
        if _is_async(task):
            _run_async(run, dataset.items, max_concurrency, each)
        else:
            for outcome in _each_sync(run, dataset.items, max_concurrency):
                each(outcome)
        run.send_results()
        run.judge(outcomes)
    except BaseException:
        with contextlib.suppress(StackLensError):  # the original error says more
            run.finish("failed", {})
        raise
    evaluation_errors = [e for o in outcomes for e in o.evaluation_errors]
    finished = run.finish("finished", {"evaluationErrors": len(evaluation_errors)})
    try:
        aggregates = finished["aggregates"]
        scores = {
            str(k): float(v["average"])
            for k, v in aggregates["scores"].items()
            if v["average"] is not None
        }
        latency = aggregates["averageLatencyMs"]
        return ExperimentSummary(
            run_id=run.run_id,
            dataset=dataset.name,
            dataset_version=int(finished["datasetVersion"]),
            name=run.name,
            items=int(aggregates["itemsDone"]),
            errors=int(aggregates["errors"]),
            average_latency_ms=None if latency is None else float(latency),
            scores=scores,
            url=run.url(),
            evaluation_errors=evaluation_errors,
        )
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise ApiError(f"the server's answer is not a finished run: {exc!r}", 200) from None
