"""`budget_status()` and its asyncio form: whether the project's budgets that apply to a call
(the project's own, and the user's when `user_id` is given) allow it, so an application can stop
calling models before the invoice does.

Each answer is kept per user id for up to BUDGET_CACHE_TTL_S seconds (never longer than
`prompt_cache_ttl`; with 0 every call asks), like prompts: within that time calls answer from
memory. When the server cannot be reached or answers 5xx or 429, the last answer for that user
goes on being served (logged once per outage); with none, the error is raised. 401 and 403 are
never hidden.
"""

from __future__ import annotations

import logging
import threading
import time
import weakref
from dataclasses import dataclass
from typing import Any, Callable, Optional

import httpx

from . import _runtime
from . import _validation as check
from ._exceptions import ApiError, AuthError, NetworkError, StackLensError
from ._wire import BUDGET_STATUS_PATH

logger = logging.getLogger("stacklens")

# The server keeps each budget's spend for a few seconds too; asking more often gains nothing.
BUDGET_CACHE_TTL_S = 5.0


@dataclass(frozen=True)
class Budget:
    """One budget that applies: its spend in the current period (UTC day or month) against its
    limits. `state` is "ok", "soft" (the soft limit reached) or "hard" (the hard limit reached)."""

    name: str
    period: str
    scope: str
    scope_value: Optional[str]
    spent_usd: float
    soft_limit_usd: Optional[float]
    hard_limit_usd: float
    state: str
    period_start: str
    period_end: str


@dataclass(frozen=True)
class BudgetStatus:
    """`over_budget`: some budget that applies reached its hard limit."""

    over_budget: bool
    budgets: tuple[Budget, ...]


def _status(response: httpx.Response) -> BudgetStatus:
    try:
        data: Any = response.json()
        budgets = tuple(
            Budget(
                name=str(b["name"]),
                period=str(b["period"]),
                scope=str(b["scope"]),
                scope_value=None if b["scopeValue"] is None else str(b["scopeValue"]),
                spent_usd=float(b["spentUsd"]),
                soft_limit_usd=None if b["softLimitUsd"] is None else float(b["softLimitUsd"]),
                hard_limit_usd=float(b["hardLimitUsd"]),
                state=str(b["state"]),
                period_start=str(b["periodStart"]),
                period_end=str(b["periodEnd"]),
            )
            for b in data["budgets"]
        )
        return BudgetStatus(over_budget=bool(data["overBudget"]), budgets=budgets)
    except (ValueError, KeyError, TypeError) as exc:
        raise ApiError(
            f"budget status response is not a budget status: {exc!r}", response.status_code
        ) from None


def _transient(exc: StackLensError) -> bool:
    if isinstance(exc, NetworkError):
        return True
    return (
        isinstance(exc, ApiError)
        and not isinstance(exc, AuthError)
        and (exc.status_code >= 500 or exc.status_code == 429)
    )


class _Cache:
    """The answers of one client, per user id (None: the project's budgets only)."""

    def __init__(self, ttl: float) -> None:
        self.ttl = min(ttl, BUDGET_CACHE_TTL_S)
        self.lock = threading.Lock()
        self.entries: dict[Optional[str], tuple[BudgetStatus, float]] = {}
        self.failing = False

    def fresh(self, user_id: Optional[str]) -> Optional[BudgetStatus]:
        with self.lock:
            entry = self.entries.get(user_id)
        if entry is not None and time.monotonic() < entry[1]:
            return entry[0]
        return None

    def store(self, user_id: Optional[str], status: BudgetStatus) -> BudgetStatus:
        with self.lock:
            self.entries[user_id] = (status, time.monotonic() + self.ttl)
            self.failing = False
        return status

    def fallback(self, user_id: Optional[str], exc: StackLensError) -> BudgetStatus:
        with self.lock:
            entry = self.entries.get(user_id)
            first = not self.failing
            self.failing = True
        if entry is None or not _transient(exc):
            raise exc
        if first:
            logger.warning(
                "stacklens: budget status unavailable (%s); serving the last answer", exc
            )
        return entry[0]


_caches: weakref.WeakKeyDictionary[_runtime.Runtime, _Cache] = weakref.WeakKeyDictionary()
_caches_lock = threading.Lock()


def _cache(runtime: _runtime.Runtime) -> _Cache:
    with _caches_lock:
        cache = _caches.get(runtime)
        if cache is None:
            cache = _caches[runtime] = _Cache(runtime.settings.prompt_cache_ttl)
        return cache


def _params(user_id: Optional[str]) -> Optional[dict[str, str]]:
    return None if user_id is None else {"userId": check.name("user_id", user_id)}


def _lookup(
    runtime: Callable[[], _runtime.Runtime], user_id: Optional[str]
) -> tuple[_runtime.Runtime, _Cache, Optional[dict[str, str]], Optional[BudgetStatus]]:
    """The live runtime, its cache, the request's parameters and a fresh cached answer (or
    None): what both forms of budget_status() look up before they ask the server."""
    live = runtime()
    live.check_open()
    params = _params(user_id)
    cache = _cache(live)
    return live, cache, params, cache.fresh(user_id)


def budget_status(
    runtime: Callable[[], _runtime.Runtime], user_id: Optional[str] = None
) -> BudgetStatus:
    live, cache, params, cached = _lookup(runtime, user_id)
    if cached is not None:
        return cached
    try:
        response = live.sync.request("GET", BUDGET_STATUS_PATH, params=params)
    except StackLensError as exc:
        return cache.fallback(user_id, exc)
    return cache.store(user_id, _status(response))


async def abudget_status(
    runtime: Callable[[], _runtime.Runtime], user_id: Optional[str] = None
) -> BudgetStatus:
    live, cache, params, cached = _lookup(runtime, user_id)
    if cached is not None:
        return cached
    try:
        response = await live.aio.request("GET", BUDGET_STATUS_PATH, params=params)
    except StackLensError as exc:
        return cache.fallback(user_id, exc)
    return cache.store(user_id, _status(response))
