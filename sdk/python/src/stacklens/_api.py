"""The module-level API: configure(), and the default client's methods as
functions (trace, start_trace, prompts, score, governai, datasets, run_experiment,
budget_status, their asyncio forms, flush, shutdown, stats)."""

from __future__ import annotations

from typing import Optional

import httpx

from . import _config, _runtime
from ._client import AsyncStackLens, StackLens
from ._stats import Stats

_default = StackLens._configured()
_adefault = AsyncStackLens._configured()
# The integrations' spans (_instrument) are start_trace blocks of these.
default_client = _default
adefault_client = _adefault

trace = _default.trace
start_trace = _default.start_trace
prompts = _default.prompts
atrace = _adefault.trace
astart_trace = _adefault.start_trace
aprompts = _adefault.prompts
score = _default.score
ascore = _adefault.score
governai = _default.governai
agovernai = _adefault.governai
datasets = _default.datasets
adatasets = _adefault.datasets
run_experiment = _default.run_experiment
arun_experiment = _adefault.run_experiment
budget_status = _default.budget_status
abudget_status = _adefault.budget_status


def configure(
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
    """Initialise the SDK. Call once at application startup.

    api_key falls back to $STACKLENS_API_KEY, endpoint to $STACKLENS_ENDPOINT
    and then to https://api.getstacklens.ai. With background=True, spans are
    queued and sent in batches by a worker thread and delivery errors never
    raise. Calling configure() again replaces the previous configuration
    (its queue is flushed first, for at most its shutdown_timeout).
    prompts.get() keeps what it fetched for prompt_cache_ttl seconds and
    revalidates it in the background after that (0: fetch on every call).
    """
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
    _runtime.install(_runtime.Runtime(settings))


def flush(timeout: Optional[float] = None) -> bool:
    """Wait (at most `timeout` seconds) until queued spans are sent.

    Returns True when everything recorded since the previous flush() was
    delivered: nothing still queued, dropped or failed. Always True in the
    default (blocking) mode, where failures raise instead.
    """
    return _default.flush(timeout)


def shutdown(timeout: Optional[float] = None) -> bool:
    """Flush, stop the background worker, close connections and unconfigure the SDK.

    Returns what flush() would. Runs by itself at interpreter exit (bounded
    by `shutdown_timeout`). Afterwards, tracing raises ConfigurationError
    until configure() is called again.
    """
    return _default.close(timeout)


def stats() -> Stats:
    """Counters for the current configuration (all zero when unconfigured)."""
    return _default.stats()
