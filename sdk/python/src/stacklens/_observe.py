"""`@stacklens.observe()`: a span for every call of a function, nesting like `start_trace`.

Sync and async functions, generators and async generators. The span is named after the
function (its qualified name) unless `name` is given; it carries the call's arguments as the
`input` attribute and what it returned (for a generator: what it yielded) as `output`, each as
JSON (`repr()` for what JSON cannot hold), cut at MAX_CAPTURED characters. A raised exception
makes the span's status "error" and propagates unchanged. A generator's span lasts from its
first step to its end or its close(), and is current only while the generator runs (values sent in
with send() reach it; exceptions thrown in with throw() close it and propagate).
"""

from __future__ import annotations

import functools
import inspect
import json
from typing import Any, Callable, Optional, TypeVar, overload

from . import _validation as check
from ._span import Span

F = TypeVar("F", bound=Callable[..., Any])

# Well under the server's default attribute limit (16 KiB), whatever the characters.
MAX_CAPTURED = 4000
_CUT = "…(truncated)"


def _json(value: Any) -> str:
    try:
        text = json.dumps(value, default=repr, ensure_ascii=False)
    except (TypeError, ValueError):  # e.g. a circular structure
        text = repr(value)
    return text if len(text) <= MAX_CAPTURED else text[: MAX_CAPTURED - len(_CUT)] + _CUT


def _arguments(
    signature: Optional[inspect.Signature], args: tuple[Any, ...], kwargs: dict[str, Any]
) -> str:
    """The call's arguments by parameter name (`self` and `cls` left out)."""
    if signature is not None:
        try:
            bound = signature.bind(*args, **kwargs)
        except TypeError:
            pass
        else:
            return _json({k: v for k, v in bound.arguments.items() if k not in ("self", "cls")})
    return _json({"args": list(args), "kwargs": kwargs})


class _Recorder:
    """What every kind of observed call does with its span."""

    def __init__(
        self,
        func: Callable[..., Any],
        name: Optional[str],
        capture_input: bool,
        capture_output: bool,
    ) -> None:
        self.name = check.name("name", name) if name is not None else func.__qualname__
        self.capture_input = capture_input
        self.capture_output = capture_output
        try:
            self.signature: Optional[inspect.Signature] = inspect.signature(func)
        except (TypeError, ValueError):
            self.signature = None

    def opened(self, span: Span, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        if self.capture_input:
            span.set_attribute("input", _arguments(self.signature, args, kwargs))

    def returned(self, span: Span, value: Any) -> None:
        if self.capture_output:
            span.set_attribute("output", _json(value))


class _Items:
    """What a generator yielded, for its `output`: the first MAX_ITEMS, then only counted."""

    MAX_ITEMS = 100

    def __init__(self) -> None:
        self.values: list[Any] = []
        self.more = 0

    def add(self, item: Any) -> None:
        if len(self.values) < self.MAX_ITEMS:
            self.values.append(item)
        else:
            self.more += 1
            if self.more == 1:
                self.values.append("…")


@overload
def observe(func: F) -> F: ...
@overload
def observe(
    func: None = None,
    *,
    name: Optional[str] = None,
    capture_input: bool = True,
    capture_output: bool = True,
) -> Callable[[F], F]: ...


def observe(
    func: Optional[F] = None,
    *,
    name: Optional[str] = None,
    capture_input: bool = True,
    capture_output: bool = True,
) -> Any:
    """Record a span for each call of the decorated function (see the module's docstring).

    Use as `@stacklens.observe` or `@stacklens.observe(name="retrieve", capture_output=False)`.
    Spans go through the client `stacklens.configure()` set up, nesting under the span open
    at the call (a `start_trace` block or another observed call).
    """
    if not isinstance(capture_input, bool) or not isinstance(capture_output, bool):
        raise TypeError("capture_input and capture_output must be bools")
    if name is not None:
        check.name("name", name)

    def decorate(f: F) -> F:
        if not callable(f):
            raise TypeError(f"observe() decorates functions, not {type(f).__name__}")
        wrapped: F = _wrap(f, _Recorder(f, name, capture_input, capture_output))
        return wrapped

    return decorate if func is None else decorate(func)


def _wrap(f: Any, rec: _Recorder) -> Any:
    from ._api import astart_trace, start_trace  # the module-level clients, at call time

    if inspect.isasyncgenfunction(f):

        @functools.wraps(f)
        async def async_generator(*args: Any, **kwargs: Any) -> Any:
            block = astart_trace(rec.name)
            span = await block.__aenter__()
            failed: Optional[BaseException] = None
            try:
                rec.opened(span, args, kwargs)
                inner = f(*args, **kwargs)
                items = _Items()
                sent = None
                while True:
                    try:
                        item = await inner.asend(sent)  # the span is current while it runs
                    except StopAsyncIteration:
                        rec.returned(span, items.values)
                        return
                    items.add(item)
                    block._step_out()
                    try:
                        sent = yield item
                    except GeneratorExit:
                        block._step_in()
                        await inner.aclose()
                        rec.returned(span, items.values)
                        return
                    except BaseException:
                        block._step_in()
                        await inner.aclose()
                        raise
                    block._step_in()
            except BaseException as exc:
                failed = exc
                raise
            finally:
                if failed is None:
                    await block.__aexit__(None, None, None)
                else:
                    await block.__aexit__(type(failed), failed, failed.__traceback__)

        return async_generator

    if inspect.isgeneratorfunction(f):

        @functools.wraps(f)
        def generator(*args: Any, **kwargs: Any) -> Any:
            block = start_trace(rec.name)
            span = block.__enter__()
            failed: Optional[BaseException] = None
            try:
                rec.opened(span, args, kwargs)
                inner = f(*args, **kwargs)
                items = _Items()
                sent = None
                while True:
                    try:
                        item = inner.send(sent)  # the span is current while it runs
                    except StopIteration as stop:
                        rec.returned(span, items.values)
                        return stop.value
                    items.add(item)
                    block._step_out()
                    try:
                        sent = yield item
                    except GeneratorExit:
                        block._step_in()
                        inner.close()
                        rec.returned(span, items.values)
                        return None
                    except BaseException:
                        block._step_in()
                        inner.close()
                        raise
                    block._step_in()
            except BaseException as exc:
                failed = exc
                raise
            finally:
                if failed is None:
                    block.__exit__(None, None, None)
                else:
                    block.__exit__(type(failed), failed, failed.__traceback__)

        return generator

    if inspect.iscoroutinefunction(f):

        @functools.wraps(f)
        async def coroutine(*args: Any, **kwargs: Any) -> Any:
            async with astart_trace(rec.name) as span:
                rec.opened(span, args, kwargs)
                result = await f(*args, **kwargs)
                rec.returned(span, result)
                return result

        return coroutine

    @functools.wraps(f)
    def function(*args: Any, **kwargs: Any) -> Any:
        with start_trace(rec.name) as span:
            rec.opened(span, args, kwargs)
            result = f(*args, **kwargs)
            rec.returned(span, result)
            return result

    return function
