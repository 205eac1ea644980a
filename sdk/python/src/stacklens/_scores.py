"""Scores on traces and spans: `span.score()`, `client.score()`, `stacklens.score()`.

A score is sent like a span: at once in the default mode (errors raise), or
queued for the background worker (batched, retried, counted in stats() like
spans). Each score gets its id here, so a retried send never stores it twice.
"""

from __future__ import annotations

from typing import Optional

from . import _ids, _wire
from . import _validation as check


def body(
    trace_id: str, name: str, value: object, span_id: Optional[str], comment: Optional[str]
) -> dict[str, object]:
    return _wire.score(
        score_id=_ids.new_id(),
        trace_id=check.name("trace_id", trace_id),
        span_id=None if span_id is None else check.name("span_id", span_id),
        name=check.name("name", name),
        value=check.score_value(value),
        comment=check.optional_str("comment", comment),
    )
