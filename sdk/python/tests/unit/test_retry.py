"""The retry decision: one table of (policy, outcome, attempt) -> wait or stop,
and the two policies the SDK ships with."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from typing import Optional

import httpx
import pytest

from stacklens import NetworkError, _retry

BLOCKING, BACKGROUND = _retry.BLOCKING, _retry.BACKGROUND


def answer(status: int, retry_after: Optional[str] = None) -> httpx.Response:
    headers = {} if retry_after is None else {"Retry-After": retry_after}
    return httpx.Response(status, headers=headers)


REFUSED = NetworkError("request to StackLens at http://h failed: refused", endpoint="http://h")


def lowest(low: float, high: float) -> float:
    return low


def highest(low: float, high: float) -> float:
    return high


@pytest.mark.parametrize(
    ("policy", "outcome", "attempt", "expected"),
    [
        # success and final answers: never retried
        (BLOCKING, answer(200), 1, None),
        (BACKGROUND, answer(202), 1, None),
        (BLOCKING, answer(400), 1, None),
        (BLOCKING, answer(401), 1, None),
        (BLOCKING, answer(404, "1"), 1, None),
        (BACKGROUND, answer(413), 1, None),
        (BACKGROUND, answer(422, "1"), 1, None),
        # 429 only in the background policy
        (BLOCKING, answer(429, "1"), 1, None),
        (BACKGROUND, answer(429), 1, 0.5),
        # 5xx and no answer: retried while attempts remain
        (BLOCKING, answer(500), 1, 0.5),
        (BLOCKING, answer(503), 2, None),
        (BLOCKING, REFUSED, 1, 0.5),
        (BLOCKING, REFUSED, 2, None),
        (BACKGROUND, REFUSED, 5, 8.0),
        (BACKGROUND, REFUSED, 6, None),
        (BACKGROUND, answer(502), 3, 2.0),
        # Retry-After wins over the backoff, capped at the policy's longest wait
        (BLOCKING, answer(503, "1"), 1, 1.0),
        (BLOCKING, answer(503, "3600"), 1, 2.0),
        (BLOCKING, answer(503, "-5"), 1, 0.0),
        (BACKGROUND, answer(429, "7"), 4, 7.0),
        (BACKGROUND, answer(503, "1e6"), 1, 30.0),
        (BACKGROUND, answer(503, "soon"), 1, 0.5),
        # a network failure carries no Retry-After; the backoff is capped
        (_retry.RetryPolicy(9, 0.5, 30.0, exponential=True, retry_429=True), REFUSED, 9, 30.0),
        (_retry.RetryPolicy(0, 0.5, 30.0, exponential=True, retry_429=True), REFUSED, 1, None),
    ],
)
def test_decide(
    policy: _retry.RetryPolicy, outcome: _retry.Outcome, attempt: int, expected: Optional[float]
) -> None:
    assert _retry.decide(policy, outcome, attempt, uniform=highest) == expected


@pytest.mark.parametrize("attempt", range(1, 10))
def test_backoff_jitter_spans_half_the_ceiling_to_all_of_it(attempt: int) -> None:
    policy = _retry.RetryPolicy(20, 0.5, 30.0, exponential=True, retry_429=True)
    ceiling = min(0.5 * 2 ** (attempt - 1), 30.0)
    assert _retry.decide(policy, REFUSED, attempt, uniform=lowest) == ceiling / 2
    assert _retry.decide(policy, REFUSED, attempt, uniform=highest) == ceiling


def test_an_http_date_retry_after() -> None:
    later = format_datetime(datetime.now(timezone.utc) + timedelta(seconds=20), usegmt=True)
    wait = _retry.decide(BACKGROUND, answer(503, later), 1)
    assert wait is not None
    assert 10 < wait <= 20


def test_blocking_policy_matches_the_hosted_client() -> None:
    policy = _retry.BLOCKING
    assert policy.max_retries == 1
    assert policy.delay(1) == 0.5
    assert policy.retryable_status(500)
    assert policy.retryable_status(503)
    assert not policy.retryable_status(429)
    assert not policy.retryable_status(404)


def test_background_policy_backs_off_with_jitter() -> None:
    policy = _retry.BACKGROUND
    assert policy.retryable_status(429)
    for retry in range(1, 10):
        ceiling = min(0.5 * 2 ** (retry - 1), 30.0)
        for _ in range(20):
            assert ceiling / 2 <= policy.delay(retry) <= ceiling
    assert policy.delay(1, retry_after=7.0) == 7.0
    assert policy.delay(1, retry_after=1e6) == 30.0


def test_parse_retry_after() -> None:
    assert _retry.parse_retry_after(None) is None
    assert _retry.parse_retry_after("") is None
    assert _retry.parse_retry_after("3") == 3.0
    assert _retry.parse_retry_after("1.5") == 1.5
    assert _retry.parse_retry_after("-2") == 0.0
    assert _retry.parse_retry_after("soon") is None
    later = format_datetime(datetime.now(timezone.utc) + timedelta(seconds=30), usegmt=True)
    parsed = _retry.parse_retry_after(later)
    assert parsed is not None
    assert 20 < parsed <= 30
