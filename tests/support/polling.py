"""Waiting for what the server does in the background: poll a condition until it holds."""

from __future__ import annotations

import time
from typing import Any, Callable


def poll(condition: Callable[[], Any], what: str, seconds: float) -> Any:
    """The first truthy value of condition() within seconds; AssertionError(what) when none came."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(what)


def until(check: Callable[[], Any], seconds: float = 30.0) -> Any:
    """The first truthy value of check() within seconds, else its last value, for the caller's
    assert to show."""
    deadline = time.monotonic() + seconds
    while True:
        value = check()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.05)
