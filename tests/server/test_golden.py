"""Runs every golden/*.json file against the real binary (see golden_runner.py)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Dict, List

import httpx
import pytest

from golden_runner import run_case, subset

GOLDEN = Path(__file__).parent / "golden"


def cases_of(path: Path) -> List[Dict[str, Any]]:
    return json.loads(path.read_text())


@pytest.mark.parametrize("path", sorted(GOLDEN.glob("*.json")), ids=lambda p: p.stem)
def test_golden_file(path: Path, server: Any, keys: Dict[str, str]) -> None:
    saved: Dict[str, Any] = {}
    with httpx.Client(base_url=server.url, timeout=10) as client:
        for case in cases_of(path):
            run_case(client, keys, case, saved)
    # The server survived everything in the file.
    assert httpx.get(server.url + "/health").status_code == 200


def test_float_tolerance_is_per_field() -> None:
    subset({"latencyP50Ms": 100.0}, {"latencyP50Ms": 109.0})  # a histogram's estimate
    with pytest.raises(AssertionError):
        subset({"latencyP50Ms": 100.0, "costUsd": 0.2}, {"latencyP50Ms": 100.0, "costUsd": 0.21})
    with pytest.raises(AssertionError):
        run_case(None, {}, {"name": "old key", "path": "/", "status": 200, "relative_tolerance": 0.1}, {})  # type: ignore[arg-type]
