"""The settings `configure()` and the clients accept, resolved once against the environment."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Optional

import httpx

from . import _retry
from ._exceptions import ConfigurationError

DEFAULT_ENDPOINT = "https://api.getstacklens.ai"
API_KEY_ENV = "STACKLENS_API_KEY"
ENDPOINT_ENV = "STACKLENS_ENDPOINT"

DEFAULT_MAX_QUEUE_SIZE = 10_000
DEFAULT_BATCH_SIZE = 100
MAX_BATCH_SIZE = 1000  # the server's limit per batch request
DEFAULT_FLUSH_INTERVAL = 1.0
DEFAULT_SHUTDOWN_TIMEOUT = 5.0
DEFAULT_PROMPT_CACHE_TTL = 60.0
MAX_BATCH_BYTES = 4 * 1024 * 1024  # half the server's 8 MiB limit


@dataclass(frozen=True)
class Settings:
    api_key: str
    endpoint: str
    timeout: float
    retry: _retry.RetryPolicy
    background: bool
    max_queue_size: int
    batch_size: int
    flush_interval: float
    shutdown_timeout: float
    transport: Optional[httpx.BaseTransport]
    async_transport: Optional[httpx.AsyncBaseTransport]
    prompt_cache_ttl: float = DEFAULT_PROMPT_CACHE_TTL


def _positive(arg: str, value: object, kind: type) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float) if kind is float else int):
        raise TypeError(
            f"{arg} must be {'a number' if kind is float else 'an int'}, not {type(value).__name__}"
        )
    if value <= 0:
        raise ValueError(f"{arg} must be > 0, got {value!r}")


def resolve(
    api_key: Optional[str],
    endpoint: Optional[str],
    *,
    timeout: float,
    max_retries: Optional[int],
    background: bool,
    max_queue_size: int,
    batch_size: int,
    flush_interval: float,
    shutdown_timeout: float,
    transport: Optional[httpx.BaseTransport],
    async_transport: Optional[httpx.AsyncBaseTransport],
    prompt_cache_ttl: float = DEFAULT_PROMPT_CACHE_TTL,
) -> Settings:
    key = os.environ.get(API_KEY_ENV) if api_key is None else api_key
    if key is not None and not isinstance(key, str):
        raise TypeError(f"api_key must be a str, not {type(key).__name__}")
    if not key:
        raise ConfigurationError(
            f"no API key: pass api_key=... (to stacklens.configure() or a client) "
            f"or set {API_KEY_ENV}"
        )
    url = endpoint if endpoint is not None else os.environ.get(ENDPOINT_ENV) or DEFAULT_ENDPOINT
    if not isinstance(url, str):
        raise TypeError(f"endpoint must be a str, not {type(url).__name__}")
    url = url.strip().rstrip("/")
    if not url.startswith(("http://", "https://")):
        raise ValueError(f"endpoint must start with http:// or https://, got {url!r}")
    if not isinstance(background, bool):
        raise TypeError(f"background must be a bool, not {type(background).__name__}")
    _positive("timeout", timeout, float)
    _positive("max_queue_size", max_queue_size, int)
    _positive("batch_size", batch_size, int)
    if batch_size > MAX_BATCH_SIZE:
        raise ValueError(f"batch_size must be <= {MAX_BATCH_SIZE}, got {batch_size}")
    _positive("flush_interval", flush_interval, float)
    _positive("shutdown_timeout", shutdown_timeout, float)
    if isinstance(prompt_cache_ttl, bool) or not isinstance(prompt_cache_ttl, (int, float)):
        raise TypeError(f"prompt_cache_ttl must be a number, not {type(prompt_cache_ttl).__name__}")
    if prompt_cache_ttl < 0:
        raise ValueError(f"prompt_cache_ttl must be >= 0, got {prompt_cache_ttl!r}")
    policy = _retry.BACKGROUND if background else _retry.BLOCKING
    if max_retries is not None:
        if isinstance(max_retries, bool) or not isinstance(max_retries, int):
            raise TypeError(f"max_retries must be an int, not {type(max_retries).__name__}")
        if max_retries < 0:
            raise ValueError(f"max_retries must be >= 0, got {max_retries}")
        policy = _retry.RetryPolicy(
            max_retries=max_retries,
            initial_delay=policy.initial_delay,
            max_delay=policy.max_delay,
            exponential=policy.exponential,
            retry_429=policy.retry_429,
        )
    if async_transport is None and isinstance(transport, httpx.AsyncBaseTransport):
        async_transport = transport  # e.g. httpx.MockTransport serves both
    return Settings(
        api_key=key,
        endpoint=url,
        timeout=float(timeout),
        retry=policy,
        background=background,
        max_queue_size=max_queue_size,
        batch_size=batch_size,
        flush_interval=float(flush_interval),
        shutdown_timeout=float(shutdown_timeout),
        transport=transport,
        async_transport=async_transport,
        prompt_cache_ttl=float(prompt_cache_ttl),
    )
