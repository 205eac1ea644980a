"""The span open in the current thread or asyncio task, so nested calls become children."""

from __future__ import annotations

from contextvars import ContextVar, Token
from typing import Optional

from ._span import Span

_current_span: ContextVar[Optional[Span]] = ContextVar("stacklens_current_span", default=None)


def current_span() -> Optional[Span]:
    return _current_span.get()


def enter(span: Span) -> Token[Optional[Span]]:
    return _current_span.set(span)


def leave(token: Token[Optional[Span]], parent: Optional[Span]) -> None:
    try:
        _current_span.reset(token)
    except ValueError:  # exited in another context (e.g. a different task): restore by hand
        _current_span.set(parent)
