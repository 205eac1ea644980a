"""The client objects: `StackLens` and its asyncio twin `AsyncStackLens`.

Each holds its own settings, connections, counters and (in background mode)
queue and worker thread, so clients with different keys or endpoints work
side by side in one process. The module-level functions (`stacklens.trace`,
`stacklens.prompts.get`, ...) are the methods of a default client whose
settings `stacklens.configure()` replaces.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from types import TracebackType
from typing import Any, Callable, Optional, TypeVar, Union

import httpx

from . import _budgets, _config, _context, _runtime, _scores, _tracing
from ._budgets import BudgetStatus
from ._datasets import AsyncDatasets, Dataset, DatasetItem, Datasets
from ._experiments import Evaluator, ExperimentSummary, run_experiment
from ._governai import AsyncGovernai, Governai
from ._prompts import AsyncPrompts, Prompts
from ._stats import Stats
from ._tracing import AsyncSpanBlock, SpanBlock

_C = TypeVar("_C", bound="_Client")


class _Client:
    """What both clients share: their settings, their state, stats()."""

    def __init__(
        self,
        api_key: Optional[str] = None,
        endpoint: Optional[str] = None,
        *,
        timeout: float = 10.0,
        max_retries: Optional[int] = None,
        background: bool = False,
        max_queue_size: int = _config.DEFAULT_MAX_QUEUE_SIZE,
        batch_size: int = _config.DEFAULT_BATCH_SIZE,
        flush_interval: float = _config.DEFAULT_FLUSH_INTERVAL,
        shutdown_timeout: float = _config.DEFAULT_SHUTDOWN_TIMEOUT,
        transport: Optional[httpx.BaseTransport] = None,
        async_transport: Optional[httpx.AsyncBaseTransport] = None,
        prompt_cache_ttl: float = _config.DEFAULT_PROMPT_CACHE_TTL,
    ) -> None:
        settings = _config.resolve(
            api_key,
            endpoint,
            timeout=timeout,
            max_retries=max_retries,
            background=background,
            max_queue_size=max_queue_size,
            batch_size=batch_size,
            flush_interval=flush_interval,
            shutdown_timeout=shutdown_timeout,
            transport=transport,
            async_transport=async_transport,
            prompt_cache_ttl=prompt_cache_ttl,
        )
        self._setup(_runtime.Runtime(settings), _context.Nesting())

    @classmethod
    def _configured(cls: type[_C]) -> _C:
        """The default client of the module-level functions: it uses whatever
        configure() installed last, and nests across configure() calls."""
        client = cls.__new__(cls)
        client._setup(None, _context.DEFAULT)
        return client

    def _setup(self, own: Optional[_runtime.Runtime], nesting: _context.Nesting) -> None:
        self._own = own
        self._nesting = nesting

    def _live(self) -> _runtime.Runtime:
        """The runtime to send through; ConfigurationError when closed or unconfigured."""
        if self._own is None:
            return _runtime.current()
        self._own.check_open()
        return self._own

    def _state(self) -> Optional[_runtime.Runtime]:
        return _runtime.current_or_none() if self._own is None else self._own

    def stats(self) -> Stats:
        """Counters of the spans this client recorded (see `stacklens.Stats`)."""
        runtime = self._state()
        return Stats() if runtime is None else runtime.stats()

    def __repr__(self) -> str:
        if self._own is None:
            return f"<{type(self).__name__} configured by stacklens.configure()>"
        return f"<{type(self).__name__} endpoint={self._own.settings.endpoint!r}>"


class StackLens(_Client):
    """A StackLens client: `client.trace(...)`, `with client.start_trace(name)`,
    `client.prompts.get(name)`, `client.flush()`, `client.close()`.

        client = stacklens.StackLens(api_key="sl-...", endpoint="http://127.0.0.1:8480")
        client.trace("summary", model="gpt-4o", provider="openai",
                     input_tokens=850, output_tokens=120)
        client.close()

    Takes the arguments of `stacklens.configure()`, with the same defaults and
    the same fallbacks to $STACKLENS_API_KEY and $STACKLENS_ENDPOINT. Use it as
    a context manager to close it on exit.
    """

    prompts: Prompts
    governai: Governai
    datasets: Datasets

    def _setup(self, own: Optional[_runtime.Runtime], nesting: _context.Nesting) -> None:
        super()._setup(own, nesting)
        self.prompts = Prompts(self._live, nesting)
        self.governai = Governai(self._live)
        self.datasets = Datasets(self._live)

    def trace(
        self,
        name: str,
        *,
        model: str,
        provider: str,
        input_tokens: int,
        output_tokens: int,
        total_tokens: Optional[int] = None,
        cost_usd: float = 0.0,
        attributes: Optional[Mapping[str, str]] = None,
        tags: Optional[Sequence[str]] = None,
        status: str = "ok",
        start_time: Optional[datetime] = None,
        end_time: Optional[datetime] = None,
        cached_tokens: Optional[int] = None,
        cache_write_tokens: Optional[int] = None,
        reasoning_tokens: Optional[int] = None,
    ) -> str:
        """Record a single LLM span and return its trace id.

        Inside an open start_trace() block the span becomes a child of that
        block's span and the block's trace id is returned.
        """
        runtime = self._live()
        llm = {
            "model": model,
            "provider": provider,
            "input_tokens": input_tokens,
            "output_tokens": output_tokens,
            "total_tokens": total_tokens,
            "cost_usd": cost_usd,
            "cached_tokens": cached_tokens,
            "cache_write_tokens": cache_write_tokens,
            "reasoning_tokens": reasoning_tokens,
        }
        span = _tracing.one_shot(
            self._nesting, name, llm, attributes, tags, status, start_time, end_time
        )
        runtime.send_span(span)
        return str(span["traceId"])

    def budget_status(self, user_id: Optional[str] = None) -> BudgetStatus:
        """Whether the project's budgets that apply allow another model call: the project's
        own, and with `user_id` that user's. `over_budget` is True once one reached its hard
        limit. Needs the `alerts:read` scope. Answers are kept a few seconds (see _budgets.py);
        raises AuthError (401/403), ApiError or NetworkError when there is no answer to serve."""
        return _budgets.budget_status(self._live, user_id)

    def start_trace(self, name: str) -> SpanBlock:
        """Trace a multi-step operation: `with client.start_trace(name) as span:`.

        Yields a Span and sends it when the block exits. If the block raises,
        the status becomes "error" and the exception propagates unchanged; an
        error while sending never replaces it. Opened inside another block of
        the same client, the span becomes that block's child.
        """
        return SpanBlock(name, self._live, self._nesting)

    def score(
        self,
        trace_id: str,
        name: str,
        value: Union[float, str, bool],
        *,
        span_id: Optional[str] = None,
        comment: Optional[str] = None,
    ) -> str:
        """Score a trace (or, with span_id, one of its spans) and return the score's id.

        value: a number, a str (a category) or a bool; a score configuration on the
        server may hold the name to a type, a range or categories. Sent like a span:
        at once (errors raise), or queued in background mode. The key needs the
        `scores:write` scope. The trace may arrive later than its score.
        """
        body = _scores.body(trace_id, name, value, span_id, comment)
        self._live().send_score(body)
        return str(body["id"])

    def run_experiment(
        self,
        dataset: Union[str, Dataset],
        task: Callable[[DatasetItem], Any],
        *,
        evaluators: Iterable[Evaluator] = (),
        name: Optional[str] = None,
        description: Optional[str] = None,
        metadata: Optional[Mapping[str, Any]] = None,
        max_concurrency: int = 4,
        progress: bool = True,
    ) -> ExperimentSummary:
        """Run `task(item)` over every item of a dataset (a name, or a Dataset from
        datasets.get()) as an experiment run on the server, and return its summary.

        The task may be a function or an async function; at most max_concurrency items run at
        once. Each item runs inside a trace of its own, named "experiment <name>", which
        records its input and output. A task that raises records the error for its item and the
        run goes on. evaluators: functions `(item, output)` returning a number, bool, str or
        EvaluationResult (recorded as a score on the item's trace; None records nothing), and
        names of server-side evaluators, which judge the item's span; an evaluation that fails
        is listed in the summary's evaluation_errors. The key needs `evaluations:write`,
        `traces:write` and `scores:write`.
        """
        return run_experiment(
            self._live,
            self._nesting,
            dataset,
            task,
            evaluators=evaluators,
            name=name,
            description=description,
            metadata=metadata,
            max_concurrency=max_concurrency,
            progress=progress,
        )

    def flush(self, timeout: Optional[float] = None) -> bool:
        """Wait (at most `timeout` seconds) until queued spans are sent.

        Returns True when everything recorded since the previous flush() was
        delivered: nothing still queued, dropped or failed. Always True in the
        default (blocking) mode, where failures raise instead.
        """
        runtime = self._state()
        return True if runtime is None else runtime.flush(timeout)

    def close(self, timeout: Optional[float] = None) -> bool:
        """Flush (at most `timeout` seconds), stop the background worker and
        close the connections; returns what flush() would. Afterwards the
        client raises ConfigurationError; calling close() again does nothing."""
        if self._own is None:
            return _runtime.uninstall(timeout)
        return self._own.close(timeout)

    def __enter__(self) -> StackLens:
        return self

    def __exit__(
        self,
        exc_type: Optional[type[BaseException]],
        exc: Optional[BaseException],
        tb: Optional[TracebackType],
    ) -> None:
        self.close()


class AsyncStackLens(_Client):
    """The asyncio twin of StackLens: `await client.trace(...)`,
    `async with client.start_trace(name)`, `await client.prompts.get(name)`,
    `await client.flush()`, `await client.close()` (or `async with client:`).

    Takes the same arguments as StackLens. Background mode works the same:
    `trace()` only queues the span and a worker thread sends it.
    """

    prompts: AsyncPrompts
    governai: AsyncGovernai
    datasets: AsyncDatasets

    def _setup(self, own: Optional[_runtime.Runtime], nesting: _context.Nesting) -> None:
        super()._setup(own, nesting)
        self.prompts = AsyncPrompts(self._live, nesting)
        self.governai = AsyncGovernai(self._live)
        self.datasets = AsyncDatasets(self._live)

    async def trace(
        self,
        name: str,
        *,
        model: str,
        provider: str,
        input_tokens: int,
        output_tokens: int,
        total_tokens: Optional[int] = None,
        cost_usd: float = 0.0,
        attributes: Optional[Mapping[str, str]] = None,
        tags: Optional[Sequence[str]] = None,
        status: str = "ok",
        start_time: Optional[datetime] = None,
        end_time: Optional[datetime] = None,
        cached_tokens: Optional[int] = None,
        cache_write_tokens: Optional[int] = None,
        reasoning_tokens: Optional[int] = None,
    ) -> str:
        """The asyncio form of StackLens.trace()."""
        runtime = self._live()
        llm = {
            "model": model,
            "provider": provider,
            "input_tokens": input_tokens,
            "output_tokens": output_tokens,
            "total_tokens": total_tokens,
            "cost_usd": cost_usd,
            "cached_tokens": cached_tokens,
            "cache_write_tokens": cache_write_tokens,
            "reasoning_tokens": reasoning_tokens,
        }
        span = _tracing.one_shot(
            self._nesting, name, llm, attributes, tags, status, start_time, end_time
        )
        await runtime.asend_span(span)
        return str(span["traceId"])

    async def budget_status(self, user_id: Optional[str] = None) -> BudgetStatus:
        """The asyncio form of StackLens.budget_status()."""
        return await _budgets.abudget_status(self._live, user_id)

    def start_trace(self, name: str) -> AsyncSpanBlock:
        """The asyncio form of StackLens.start_trace(): `async with client.start_trace(name)`."""
        return AsyncSpanBlock(name, self._live, self._nesting)

    async def score(
        self,
        trace_id: str,
        name: str,
        value: Union[float, str, bool],
        *,
        span_id: Optional[str] = None,
        comment: Optional[str] = None,
    ) -> str:
        """The asyncio form of StackLens.score()."""
        body = _scores.body(trace_id, name, value, span_id, comment)
        await self._live().asend_score(body)
        return str(body["id"])

    async def run_experiment(
        self,
        dataset: Union[str, Dataset],
        task: Callable[[DatasetItem], Any],
        *,
        evaluators: Iterable[Evaluator] = (),
        name: Optional[str] = None,
        description: Optional[str] = None,
        metadata: Optional[Mapping[str, Any]] = None,
        max_concurrency: int = 4,
        progress: bool = True,
    ) -> ExperimentSummary:
        """StackLens.run_experiment() in a thread, so the event loop keeps running (an async
        task runs on an event loop of that thread)."""
        return await asyncio.to_thread(
            run_experiment,
            self._live,
            self._nesting,
            dataset,
            task,
            evaluators=evaluators,
            name=name,
            description=description,
            metadata=metadata,
            max_concurrency=max_concurrency,
            progress=progress,
        )

    async def flush(self, timeout: Optional[float] = None) -> bool:
        """StackLens.flush(), waiting in a thread so the event loop keeps running."""
        runtime = self._state()
        if runtime is None or runtime.batcher is None:
            return True  # blocking mode: nothing is ever pending
        return await asyncio.to_thread(runtime.flush, timeout)

    async def close(self, timeout: Optional[float] = None) -> bool:
        """StackLens.close() without blocking the event loop."""
        if self._own is None:
            return await asyncio.to_thread(_runtime.uninstall, timeout)
        return await self._own.aclose(timeout)

    async def __aenter__(self) -> AsyncStackLens:
        return self

    async def __aexit__(
        self,
        exc_type: Optional[type[BaseException]],
        exc: Optional[BaseException],
        tb: Optional[TracebackType],
    ) -> None:
        await self.close()
