"""What the OpenAI and Anthropic integrations share: the span of one instrumented call, opened
when the call starts, recorded from the response (or the stream, once it has been read to its
end or closed) and sent through the client `configure()` set up; proxies that read a stream
on the caller's behalf, for a returned stream and inside a provider's stream helper; and
patching a client's method once.

Each integration (`_instrument_openai`, `_instrument_anthropic`) only says how to read its
provider's request, response and stream events into a `Recorded`.
"""

from __future__ import annotations

import functools
import logging
from typing import Any, Awaitable, Callable, Optional, Union

from . import _api, _llm, _runtime, _wire
from ._exceptions import ConfigurationError, StackLensError
from ._tracing import AsyncSpanBlock, SpanBlock

logger = logging.getLogger("stacklens")


class Recorded(_wire.Later):
    """What a call's span gets, filled from the request, then the response or stream. Its LLM
    fields are made from it when the span is encoded (see _wire.Later), not on the caller's
    thread; nothing changes it once the call's span is finished. Slotted: it waits in the
    queue with its span, on every instrumented call."""

    __slots__ = (
        "cache_write_tokens",
        "cached_tokens",
        "capture_content",
        "completion_parts",
        "failure",
        "finish_reason",
        "input_tokens",
        "is_streaming",
        "max_tokens",
        "model",
        "output_tokens",
        "prompt",
        "provider",
        "reasoning_tokens",
        "temperature",
        "usage_reported",
    )

    def __init__(
        self,
        model: str,
        provider: str,
        capture_content: bool,
        *,
        temperature: Optional[float] = None,
        max_tokens: Optional[int] = None,
        prompt: Optional[Any] = None,  # text, or _wire.LaterJson
        is_streaming: bool = False,
    ) -> None:
        self.model = model
        self.provider = provider
        self.capture_content = capture_content
        self.temperature = temperature
        self.max_tokens = max_tokens
        self.prompt = prompt
        self.is_streaming = is_streaming
        self.input_tokens = 0
        self.output_tokens = 0
        self.cached_tokens: Optional[int] = None
        self.cache_write_tokens: Optional[int] = None
        self.reasoning_tokens: Optional[int] = None
        self.completion_parts: list[str] = []
        self.finish_reason: Optional[str] = None
        self.usage_reported = False
        self.failure: Optional[Exception] = None  # the provider's answer says the call failed

    def wire_form(self) -> dict[str, Any]:
        """The LLM fields (`llmSpan`). Each value is already of its field's type and range
        (read through count() and number(), parts held within their wholes, the model name
        checked here), so they skip record_llm()'s checks of a caller's arguments: those cost
        more than the rest of an instrumented call's own work."""
        cached = _within(self.cached_tokens, self.input_tokens)
        capture = self.capture_content
        return _llm.checked_elsewhere(
            {
                "model": self.model if isinstance(self.model, str) and self.model else "unknown",
                "provider": self.provider,
                "input_tokens": self.input_tokens,
                "output_tokens": self.output_tokens,
                "total_tokens": None,
                "cost_usd": 0.0,
                "temperature": self.temperature,
                "max_tokens": self.max_tokens,
                "prompt": self.prompt if capture else None,
                "completion": "".join(self.completion_parts) if capture else None,
                "is_streaming": self.is_streaming,
                "finish_reason": self.finish_reason
                if isinstance(self.finish_reason, str)
                else None,
                "cached_tokens": cached,
                "cache_write_tokens": _within(
                    self.cache_write_tokens, self.input_tokens - (cached or 0)
                ),
                "reasoning_tokens": _within(self.reasoning_tokens, self.output_tokens),
            }
        )


def _within(part: Optional[int], whole: int) -> Optional[int]:
    """A usage part as the span's checks want it: an int no larger than its whole."""
    if not isinstance(part, int) or isinstance(part, bool) or part < 0:
        return None
    return min(part, whole)


def number(value: Any) -> Optional[float]:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def count(value: Any) -> Optional[int]:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def later_json(messages: Any) -> _wire.LaterJson:
    """The request's messages as JSON text made when the span is encoded; the list and its
    dicts are copied now, as applications often append the reply to the same list."""
    if isinstance(messages, (list, tuple)):
        messages = [dict(m) if isinstance(m, dict) else m for m in messages]
    return _wire.LaterJson(messages)


def _ended(
    call: Union[Call, AsyncCall], error: Optional[BaseException]
) -> tuple[_runtime.Runtime, _wire.SpanBody]:
    """Close a Call's or AsyncCall's span (its Recorded is on it since it opened), adding that
    the provider reported no usage and the error, if any: the runtime to send it through and its
    body. A response too odd to record is logged, never raised into the user's code."""
    recorded, span = call.recorded, call.span
    error = error or recorded.failure
    try:
        if not recorded.usage_reported:
            span.set_attribute("stacklens.usage", "not reported by the provider for this call")
        if error is not None:
            span.set_attribute("error.type", type(error).__name__)
            span.set_attribute("error.message", str(error)[:2000])
    except (TypeError, ValueError) as exc:
        logger.warning("stacklens: could not record a %s call's usage: %s", recorded.provider, exc)
    return call._close(failed=error is not None)


def _not_sent(recorded: Recorded, exc: StackLensError) -> None:
    """The provider's answer stands: a span that could not be sent never fails the user's call."""
    logger.warning("stacklens: the span of a %s call was not sent: %s", recorded.provider, exc)


class Call(SpanBlock):
    """One instrumented call's span: a start_trace block of the default client, entered at once
    and closed by finish() (the block itself, in as few steps as a block takes: this runs on
    every call of the user's LLM client)."""

    def __init__(self, name: str, recorded: Recorded) -> None:
        client = _api.default_client
        super().__init__(name, client._live, client._nesting)
        self.recorded = recorded
        self.span = span = self._open()
        span._llm = recorded

    def finish(self, error: Optional[BaseException] = None) -> None:
        runtime, body = _ended(self, error)
        try:
            runtime.send_span(body)
        except StackLensError as exc:
            _not_sent(self.recorded, exc)


class AsyncCall(AsyncSpanBlock):
    """The asyncio form of Call (an async start_trace block of the default client)."""

    def __init__(self, name: str, recorded: Recorded) -> None:
        client = _api.adefault_client
        super().__init__(name, client._live, client._nesting)
        self.recorded = recorded
        self.span: Any = None

    async def open(self) -> None:
        self.span = span = self._open()
        span._llm = self.recorded

    async def finish(self, error: Optional[BaseException] = None) -> None:
        runtime, body = _ended(self, error)
        try:
            await runtime.asend_span(body)
        except StackLensError as exc:
            _not_sent(self.recorded, exc)


class StreamProxy:
    """A provider's stream, read by the caller through this: each item is handed to `on_item`,
    and the span is finished when the stream ends, fails or is closed. The span is current only
    while an item is being read."""

    def __init__(self, stream: Any, call: Call, on_item: Callable[[Any], None]) -> None:
        self._stream = stream
        self._call = call
        self._on_item = on_item
        self._it: Any = None
        self._done = False
        call._step_out()

    def __iter__(self) -> StreamProxy:
        return self

    def __next__(self) -> Any:
        if self._done:
            raise StopIteration
        if self._it is None:
            self._it = iter(self._stream)
        self._call._step_in()
        try:
            item = next(self._it)
        except StopIteration:
            self._end(None)
            raise
        except BaseException as exc:
            self._end(exc)
            raise
        self._call._step_out()
        self._on_item(item)
        return item

    def close(self) -> None:
        try:
            self._stream.close()
        finally:
            self._closed()

    @property
    def response(self) -> Any:
        """The stream's HTTP response, whose close() ends the span too: the providers' stream
        helpers (openai's responses.stream()) close a stream by closing its response."""
        return _ClosingResponse(self._stream.response, self._closed)

    def __enter__(self) -> StreamProxy:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)

    def _closed(self) -> None:
        if not self._done:
            self._call._step_in()
            self._end(None)

    def _end(self, error: Optional[BaseException]) -> None:
        self._done = True
        self._call.finish(error)


class AsyncStreamProxy:
    """The asyncio form of StreamProxy."""

    def __init__(self, stream: Any, call: AsyncCall, on_item: Callable[[Any], None]) -> None:
        self._stream = stream
        self._call = call
        self._on_item = on_item
        self._it: Any = None
        self._done = False
        call._step_out()

    def __aiter__(self) -> AsyncStreamProxy:
        return self

    async def __anext__(self) -> Any:
        if self._done:
            raise StopAsyncIteration
        if self._it is None:
            self._it = self._stream.__aiter__()
        self._call._step_in()
        try:
            item = await self._it.__anext__()
        except StopAsyncIteration:
            await self._end(None)
            raise
        except BaseException as exc:
            await self._end(exc)
            raise
        self._call._step_out()
        self._on_item(item)
        return item

    async def close(self) -> None:
        try:
            await self._stream.close()
        finally:
            await self._closed()

    @property
    def response(self) -> Any:
        """The stream's HTTP response, whose aclose() ends the span too (see StreamProxy)."""
        return _AsyncClosingResponse(self._stream.response, self._closed)

    async def __aenter__(self) -> AsyncStreamProxy:
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)

    async def _closed(self) -> None:
        if not self._done:
            self._call._step_in()
            await self._end(None)

    async def _end(self, error: Optional[BaseException]) -> None:
        self._done = True
        await self._call.finish(error)


class _ClosingResponse:
    """An HTTP response whose close() also runs `on_close`; everything else is the response's."""

    def __init__(self, response: Any, on_close: Callable[[], None]) -> None:
        self._response = response
        self._on_close = on_close

    def close(self) -> None:
        try:
            self._response.close()
        finally:
            self._on_close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._response, name)


class _AsyncClosingResponse:
    """The asyncio form of _ClosingResponse (aclose())."""

    def __init__(self, response: Any, on_close: Callable[[], Awaitable[None]]) -> None:
        self._response = response
        self._on_close = on_close

    async def aclose(self) -> None:
        try:
            await self._response.aclose()
        finally:
            await self._on_close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._response, name)


class StreamHelper:
    """A provider's stream helper (`with client.messages.stream(...) as stream:`) whose request
    does not pass through the patched create. The span opens when the block is entered (the
    request is sent there); the helper's stream then reads the provider's events through a
    StreamProxy put in place of its `_raw_stream` (where anthropic 1.x and 2.x keep them), so the
    span ends when the events are read to their end, or at the latest when the block exits (the
    helper closes its raw stream). The helper's own methods (text_stream, get_final_message(),
    ...) work as before."""

    def __init__(
        self, manager: Any, start: Callable[[], Call], on_item: Callable[[Any], None]
    ) -> None:
        self._manager = manager
        self._start = start
        self._on_item = on_item

    def __enter__(self) -> Any:
        call = self._start()
        try:
            stream = self._manager.__enter__()
        except BaseException as exc:
            call.finish(exc)
            raise
        if not _read_through(stream, lambda raw: StreamProxy(raw, call, self._on_item)):
            call.finish()
        return stream

    def __exit__(self, *exc: Any) -> Any:
        return self._manager.__exit__(*exc)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._manager, name)


class AsyncStreamHelper:
    """The asyncio form of StreamHelper."""

    def __init__(
        self, manager: Any, start: Callable[[], AsyncCall], on_item: Callable[[Any], None]
    ) -> None:
        self._manager = manager
        self._start = start
        self._on_item = on_item

    async def __aenter__(self) -> Any:
        call = self._start()
        await call.open()
        try:
            stream = await self._manager.__aenter__()
        except BaseException as exc:
            await call.finish(exc)
            raise
        if not _read_through(stream, lambda raw: AsyncStreamProxy(raw, call, self._on_item)):
            await call.finish()
        return stream

    async def __aexit__(self, *exc: Any) -> Any:
        return await self._manager.__aexit__(*exc)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._manager, name)


def _read_through(stream: Any, proxy: Callable[[Any], Any]) -> bool:
    """Put proxy(raw stream) in place of a stream helper's raw stream; False (logged: the call's
    span then has no usage) when the helper keeps it elsewhere."""
    raw = getattr(stream, "_raw_stream", None)
    if raw is None:
        logger.warning("stacklens: this version's stream helper cannot be read; usage not recorded")
        return False
    stream._raw_stream = proxy(raw)
    return True


# How an adapter reads its provider: the request's keyword arguments (and whether to keep the
# text) into a Recorded, a whole response into it, one stream item into it.
ReadRequest = Callable[[dict[str, Any], bool], Recorded]
ReadInto = Callable[[Recorded, Any], None]


def sync_create(
    original: Callable[..., Any],
    name: str,
    request: ReadRequest,
    response: ReadInto,
    item: ReadInto,
    capture_content: bool,
) -> Callable[..., Any]:
    """A provider's `create` recording a span: the response read at once, a stream as it is read."""

    def create(*args: Any, **kwargs: Any) -> Any:
        recorded = request(kwargs, capture_content)
        call = Call(name, recorded)
        try:
            result = original(*args, **kwargs)
        except BaseException as exc:
            call.finish(exc)
            raise
        if recorded.is_streaming:
            return StreamProxy(result, call, lambda one: item(recorded, one))
        response(recorded, result)
        call.finish()
        return result

    return create


def async_create(
    original: Callable[..., Any],
    name: str,
    request: ReadRequest,
    response: ReadInto,
    item: ReadInto,
    capture_content: bool,
) -> Callable[..., Any]:
    """The asyncio form of sync_create."""

    async def create(*args: Any, **kwargs: Any) -> Any:
        recorded = request(kwargs, capture_content)
        call = AsyncCall(name, recorded)
        await call.open()
        try:
            result = await original(*args, **kwargs)
        except BaseException as exc:
            await call.finish(exc)
            raise
        if recorded.is_streaming:
            return AsyncStreamProxy(result, call, lambda one: item(recorded, one))
        response(recorded, result)
        await call.finish()
        return result

    return create


def stream_helper(
    asynchronous: bool,
    original: Callable[..., Any],
    name: str,
    request: ReadRequest,
    item: ReadInto,
    capture_content: bool,
) -> Callable[..., Any]:
    """A provider's stream helper recording a span (see StreamHelper; asynchronous: its asyncio
    form, whose helper itself is not a coroutine function)."""
    helper: Callable[..., Any] = AsyncStreamHelper if asynchronous else StreamHelper
    call: Callable[[str, Recorded], Any] = AsyncCall if asynchronous else Call

    def stream(*args: Any, **kwargs: Any) -> Any:
        recorded = request(kwargs, capture_content)
        recorded.is_streaming = True
        return helper(
            original(*args, **kwargs),
            lambda: call(name, recorded),
            lambda one: item(recorded, one),
        )

    return stream


_ORIGINAL = "__stacklens_original__"


def patch(
    owner: Any, attribute: str, make: Callable[[Callable[..., Any]], Callable[..., Any]]
) -> None:
    """Replace owner.attribute (a class's method, or a bound method on one object) by
    make(original), once: patching an already patched method does nothing."""
    original = getattr(owner, attribute)
    if getattr(original, _ORIGINAL, None) is not None:
        return
    wrapped = functools.wraps(original)(make(original))
    setattr(wrapped, _ORIGINAL, original)
    setattr(owner, attribute, wrapped)


def supported(package: str, version: str, majors: tuple[int, ...]) -> None:
    try:
        major = int(version.split(".")[0])
    except ValueError:
        major = -1
    if major not in majors:
        wanted = " or ".join(f"{m}.x" for m in majors)
        raise ConfigurationError(
            f"stacklens.instrument_{package}() supports {package} {wanted}; this environment has "
            f"{package} {version}"
        )
