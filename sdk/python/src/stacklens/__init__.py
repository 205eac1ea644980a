"""StackLens: LLM observability. Record spans, fetch prompts.

import stacklens
stacklens.configure(api_key="sl-...", endpoint="http://localhost:8080")
stacklens.trace("summary", model="gpt-4o", provider="openai",
                input_tokens=850, output_tokens=120)
"""

from ._api import configure, flush, shutdown, stats
from ._exceptions import (
    ApiError,
    AuthError,
    ConfigurationError,
    NetworkError,
    StackLensError,
)
from ._prompts import AsyncPrompts, Prompts
from ._span import Span
from ._stats import Stats
from ._tracing import astart_trace, atrace, start_trace, trace
from ._version import __version__

prompts = Prompts()
aprompts = AsyncPrompts()

__all__ = [
    "ApiError",
    "AsyncPrompts",
    "AuthError",
    "ConfigurationError",
    "NetworkError",
    "Prompts",
    "Span",
    "StackLensError",
    "Stats",
    "__version__",
    "aprompts",
    "astart_trace",
    "atrace",
    "configure",
    "flush",
    "prompts",
    "shutdown",
    "start_trace",
    "stats",
    "trace",
]
