"""The span open in the current thread or asyncio task, so nested calls become children.

Each client keeps its own: a span nests only under a span of the same client
(the same project), never under another client's. The module-level functions
share `DEFAULT`, so nesting carries over when `configure()` is called again.
"""

from __future__ import annotations

from contextvars import ContextVar, Token
from typing import Optional

from ._prompt import Prompt
from ._span import Span


class Nesting:
    def __init__(self) -> None:
        # One ContextVar per client: clients are few and long-lived, so the
        # references contexts keep to their variables cost nothing.
        self._span: ContextVar[Optional[Span]] = ContextVar("stacklens_span", default=None)

    def current_span(self) -> Optional[Span]:
        return self._span.get()

    def enter(self, span: Span) -> Token[Optional[Span]]:
        return self._span.set(span)

    def used(self, prompt: Prompt) -> None:
        """A prompt was fetched: the current trace's spans recorded from now on carry it."""
        span = self._span.get()
        if span is not None:
            span._trace_prompt.prompt = prompt

    def leave(self, token: Token[Optional[Span]], parent: Optional[Span]) -> None:
        try:
            self._span.reset(token)
        except ValueError:  # exited in another context (e.g. a different task): restore by hand
            self._span.set(parent)


DEFAULT = Nesting()
