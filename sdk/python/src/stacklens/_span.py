"""The Span a `start_trace` block yields, and its conversion to the wire format."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Callable, Optional, Union

from . import _ids, _llm, _scores, _wire
from . import _validation as check
from ._prompt import Prompt


class TracePrompt:
    """The prompt last fetched inside a trace (`prompts.get_prompt()` in a start_trace block),
    shared by the trace's spans in this process: each span recorded afterwards carries it."""

    __slots__ = ("prompt",)

    def __init__(self) -> None:
        self.prompt: Optional[Prompt] = None


def with_prompt(attributes: dict[str, str], prompt: Optional[Prompt]) -> dict[str, str]:
    """A span's attributes with the `stacklens.prompt.*` ones of the prompt it used; an
    attribute the user set under the same key keeps the user's value."""
    if prompt is None:
        return attributes
    merged = prompt._span_attributes()  # a new dict: `attributes` is left as it was
    merged.update(attributes)
    return merged


class Span:
    """One operation inside a trace.

    Created by `stacklens.start_trace()` / `astart_trace()`; a span opened
    inside another open span is its child and shares its trace id.
    """

    __slots__ = (
        "_attributes",
        "_end_time",
        "_llm",
        "_name",
        "_parent_span_id",
        "_prompt",
        "_send_score",
        "_span_id",
        "_start_time",
        "_status",
        "_tags",
        "_trace_id",
        "_trace_prompt",
    )

    _trace_id: str
    _span_id: str

    def __init__(self, name: str, parent: Optional[Span] = None) -> None:
        """A span of a new trace, or a child of `parent`; `name` is checked by the block that
        opens it (this runs on every start_trace block and instrumented call)."""
        self._name = name
        if parent is None:
            self._trace_id = _ids.new_id()
            self._parent_span_id: Optional[str] = None
            self._trace_prompt = TracePrompt()
        else:
            self._trace_id = parent._trace_id
            self._parent_span_id = parent._span_id
            self._trace_prompt = parent._trace_prompt  # a child's is its parent's
        self._span_id = _ids.new_id()
        self._status = "ok"
        self._attributes: dict[str, str] = {}
        self._tags: list[str] = []
        self._llm: Optional[Union[dict[str, Any], _wire.Later]] = (
            None  # Later: an integration's call
        )
        self._prompt: Optional[Prompt] = None  # given to record_llm(prompt=...)
        self._start_time = _wire.utc_now()
        self._end_time: Optional[datetime] = None
        # Set by the start_trace() block that yields the span: how its scores are sent.
        self._send_score: Optional[Callable[[dict[str, Any]], Any]] = None

    @property
    def name(self) -> str:
        return self._name

    @property
    def trace_id(self) -> str:
        return self._trace_id

    @property
    def span_id(self) -> str:
        return self._span_id

    @property
    def parent_span_id(self) -> Optional[str]:
        return self._parent_span_id

    @property
    def status(self) -> str:
        return self._status

    @property
    def attributes(self) -> dict[str, str]:
        return dict(self._attributes)

    @property
    def tags(self) -> list[str]:
        return list(self._tags)

    @property
    def start_time(self) -> datetime:
        return self._start_time

    @property
    def end_time(self) -> Optional[datetime]:
        return self._end_time

    def record_llm(
        self,
        model: str,
        provider: str,
        input_tokens: int,
        output_tokens: int,
        *,
        total_tokens: Optional[int] = None,
        cost_usd: float = 0.0,
        temperature: Optional[float] = None,
        max_tokens: Optional[int] = None,
        prompt: Optional[Union[str, Prompt]] = None,
        completion: Optional[str] = None,
        is_streaming: bool = False,
        finish_reason: Optional[str] = None,
        cached_tokens: Optional[int] = None,
        cache_write_tokens: Optional[int] = None,
        reasoning_tokens: Optional[int] = None,
    ) -> None:
        """Attach LLM metadata to this span (a later call replaces an earlier one).

        cached_tokens and cache_write_tokens are the parts of input_tokens read from and
        written to a prompt cache, reasoning_tokens the part of output_tokens spent reasoning.
        A `Prompt` as `prompt` sends its content, and its name, version and experiment variant
        as this span's `stacklens.prompt.*` attributes."""
        used = prompt if isinstance(prompt, Prompt) else None
        arguments = {
            "model": model,
            "provider": provider,
            "input_tokens": input_tokens,
            "output_tokens": output_tokens,
            "total_tokens": total_tokens,
            "cost_usd": cost_usd,
            "temperature": temperature,
            "max_tokens": max_tokens,
            "prompt": prompt if used is None else used.content,
            "completion": completion,
            "is_streaming": is_streaming,
            "finish_reason": finish_reason,
            "cached_tokens": cached_tokens,
            "cache_write_tokens": cache_write_tokens,
            "reasoning_tokens": reasoning_tokens,
        }
        self._llm = _llm.wire_form(arguments, _llm.FIELDS)
        self._prompt = used

    def set_attribute(self, key: str, value: str) -> None:
        """Attach a key-value pair; a non-string value is stored as str(value)."""
        self._attributes[check.attribute_key(key)] = check.attribute_value(value)

    def add_tag(self, *tags: str) -> None:
        """Add one or more tags; a tag already present is not repeated."""
        for tag in [check.tag(tag) for tag in tags]:
            if tag not in self._tags:
                self._tags.append(tag)

    def score(self, name: str, value: object, comment: Optional[str] = None) -> Any:
        """Score this span: value a number, a str (a category) or a bool. Sent like the
        span (at once, or queued in background mode); returns the score's id, or in an
        AsyncStackLens block an awaitable that sends it and gives the id."""
        body = _scores.body(self._trace_id, name, value, self._span_id, comment)
        if self._send_score is None:
            raise RuntimeError("span.score() works on the span a start_trace() block yields")
        return self._send_score(body)

    def set_status(self, status: str) -> None:
        """Set the status to "ok" or "error"."""
        self._status = check.status(status)

    def _finish(self, failed: bool) -> _wire.SpanBody:
        """End the span now (its status "error" if `failed`) and give its wire body."""
        self._end_time = end = _wire.utc_now()
        if failed:
            self._status = "error"
        prompt = self._prompt or self._trace_prompt.prompt
        attributes = (
            dict(self._attributes) if prompt is None else with_prompt(self._attributes, prompt)
        )
        return _wire.span(
            trace_id=self._trace_id,
            span_id=self._span_id,
            parent_span_id=self._parent_span_id,
            name=self._name,
            status=self._status,
            start_time=self._start_time,
            end_time=end,
            attributes=attributes,
            tags=list(self._tags),
            llm=self._llm,
        )

    def __repr__(self) -> str:
        return (
            f"<Span name={self._name!r} trace_id={self._trace_id!r} "
            f"span_id={self._span_id!r} status={self._status!r}>"
        )
