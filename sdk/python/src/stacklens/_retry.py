"""When to retry a request, and how long to wait first: `decide()`, one pure
function used by the blocking, asyncio and background paths alike.

Retried: 5xx, connection and timeout failures, and (in background mode
only) 429. Never any other 4xx: the same request would fail again.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Callable, Optional, Union

import httpx

from ._exceptions import NetworkError

# What one attempt ended in: the server's answer, or no answer at all.
Outcome = Union[httpx.Response, NetworkError]


@dataclass(frozen=True)
class RetryPolicy:
    max_retries: int
    initial_delay: float
    max_delay: float
    exponential: bool
    retry_429: bool

    def retryable_status(self, status_code: int) -> bool:
        return status_code >= 500 or (self.retry_429 and status_code == 429)

    def delay(
        self,
        retry_number: int,
        retry_after: Optional[float] = None,
        uniform: Callable[[float, float], float] = random.uniform,
    ) -> float:
        """Seconds to wait before retry `retry_number` (1-based).

        A server's Retry-After wins (capped at max_delay); otherwise the
        delay is fixed, or exponential with jitter (half the ceiling to all of it).
        """
        if retry_after is not None:
            return min(max(retry_after, 0.0), self.max_delay)
        if not self.exponential:
            return self.initial_delay
        ceiling = min(self.initial_delay * (2 ** (retry_number - 1)), self.max_delay)
        return uniform(ceiling / 2, ceiling)


def transient(policy: RetryPolicy, outcome: Outcome) -> bool:
    """Whether the same request may succeed later: no answer, or a retryable status."""
    if isinstance(outcome, NetworkError):
        return True
    return policy.retryable_status(outcome.status_code)


def decide(
    policy: RetryPolicy,
    outcome: Outcome,
    attempt: int,
    uniform: Callable[[float, float], float] = random.uniform,
) -> Optional[float]:
    """After attempt number `attempt` (1-based) ended in `outcome`: the seconds
    to wait before trying again, or None to stop (success, a final answer, or
    retries used up). `uniform` draws the jitter (tests pass a fixed one).
    """
    if attempt > policy.max_retries or not transient(policy, outcome):
        return None
    hint = None
    if isinstance(outcome, httpx.Response):
        hint = parse_retry_after(outcome.headers.get("Retry-After"))
    return policy.delay(attempt, hint, uniform)


# Like the hosted client: 2 attempts, 0.5 s apart, 5xx and network failures only.
BLOCKING = RetryPolicy(
    max_retries=1, initial_delay=0.5, max_delay=2.0, exponential=False, retry_429=False
)
BACKGROUND = RetryPolicy(
    max_retries=5, initial_delay=0.5, max_delay=30.0, exponential=True, retry_429=True
)


def parse_retry_after(value: Optional[str]) -> Optional[float]:
    """Retry-After as seconds (delta-seconds or an HTTP date), None if absent or unreadable."""
    if not value:
        return None
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if moment is None:
        return None
    return max(moment.timestamp() - time.time(), 0.0)
