"""The spans a client sends: one-shot LLM spans (`trace()`) and the blocks of
`start_trace()`, synchronous and asyncio. The clients in `_client` call these."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from contextvars import Token
from datetime import datetime, timezone
from types import TracebackType
from typing import Callable, Optional

from . import _context, _ids, _llm, _runtime, _wire
from . import _validation as check
from ._span import Span, with_prompt
from ._wire import SpanBody

logger = logging.getLogger("stacklens")


def one_shot(
    nesting: _context.Nesting,
    name: str,
    llm_arguments: Mapping[str, object],
    attributes: Optional[Mapping[str, str]],
    tags: Optional[Sequence[str]],
    status: str,
    start_time: Optional[datetime],
    end_time: Optional[datetime],
) -> SpanBody:
    check.name("name", name)
    llm = _llm.wire_form(llm_arguments, _llm.TRACE_FIELDS)
    attrs = check.attributes(attributes)
    tag_list = check.tags(tags)
    check.status(status)
    start = check.optional_datetime("start_time", start_time)
    end = check.optional_datetime("end_time", end_time)
    if start is None and end is None:
        start_at = end_at = _wire.utc_now()
    else:
        end_at = end or _wire.utc_now()
        start_at = start or end_at
        if _as_utc(end_at) < _as_utc(start_at):
            raise ValueError("end_time must not be earlier than start_time")
    parent = nesting.current_span()
    if parent is not None:
        attrs = with_prompt(attrs, parent._trace_prompt.prompt)
    return _wire.span(
        trace_id=_ids.new_id() if parent is None else parent.trace_id,
        span_id=_ids.new_id(),
        parent_span_id=None if parent is None else parent.span_id,
        name=name,
        status=status,
        start_time=start_at,
        end_time=end_at,
        attributes=attrs,
        tags=tag_list,
        llm=llm,
    )


def _as_utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment


class _Block:
    """What start_trace() and astart_trace() share: open a span, close it, keep nesting."""

    def __init__(
        self, name: str, runtime: Callable[[], _runtime.Runtime], nesting: _context.Nesting
    ) -> None:
        self._name = check.name("name", name)
        self._source = runtime
        self._nesting = nesting
        self._span: Optional[Span] = None
        self._parent: Optional[Span] = None
        self._token: Optional[Token[Optional[Span]]] = None
        self._runtime: Optional[_runtime.Runtime] = None

    def _open(self) -> Span:
        if self._span is not None:
            raise RuntimeError("a start_trace() block can be entered only once")
        self._runtime = runtime = self._source()
        nesting = self._nesting
        self._parent = parent = nesting.current_span()
        self._span = span = Span(self._name, parent)
        span._send_score = self._score_sender(runtime)
        self._token = nesting.enter(span)
        return span

    def _score_sender(self, runtime: _runtime.Runtime) -> Callable[[dict[str, object]], object]:
        def send(body: dict[str, object]) -> str:
            runtime.send_score(body)
            return str(body["id"])

        return send

    # A span that outlives the code that opened it (a generator, a stream being read) is current
    # only while its own code runs: between steps the caller's span is current again.
    def _step_out(self) -> None:
        assert self._token is not None
        self._nesting.leave(self._token, self._parent)

    def _step_in(self) -> None:
        assert self._span is not None
        self._token = self._nesting.enter(self._span)

    def _close(self, failed: bool) -> tuple[_runtime.Runtime, SpanBody]:
        assert self._span is not None
        assert self._token is not None
        assert self._runtime is not None
        self._nesting.leave(self._token, self._parent)
        return self._runtime, self._span._finish(failed)


def _log_hidden(exc: BaseException) -> None:
    logger.warning("stacklens: could not send the span of a failed block: %s", exc, exc_info=exc)


class SpanBlock(_Block):
    """The context manager `start_trace()` returns: yields a Span, sends it on exit.

    If the block raises, the status becomes "error" and the exception
    propagates unchanged; an error while sending never replaces it.
    """

    def __enter__(self) -> Span:
        return self._open()

    def __exit__(
        self,
        exc_type: Optional[type[BaseException]],
        exc: Optional[BaseException],
        tb: Optional[TracebackType],
    ) -> None:
        runtime, body = self._close(failed=exc_type is not None)
        if exc_type is None:
            runtime.send_span(body)
            return
        try:
            runtime.send_span(body)
        except Exception as error:
            _log_hidden(error)


class AsyncSpanBlock(_Block):
    """The async context manager `AsyncStackLens.start_trace()` returns."""

    def _score_sender(self, runtime: _runtime.Runtime) -> Callable[[dict[str, object]], object]:
        async def send(body: dict[str, object]) -> str:
            await runtime.asend_score(body)
            return str(body["id"])

        return send

    async def __aenter__(self) -> Span:
        return self._open()

    async def __aexit__(
        self,
        exc_type: Optional[type[BaseException]],
        exc: Optional[BaseException],
        tb: Optional[TracebackType],
    ) -> None:
        runtime, body = self._close(failed=exc_type is not None)
        if exc_type is None:
            await runtime.asend_span(body)
            return
        try:
            await runtime.asend_span(body)
        except Exception as error:
            _log_hidden(error)
