"""End-to-end fixtures: the real `stacklens` binary, started per session on port 0."""

from __future__ import annotations

import sys
import time
import uuid
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

import stacklens

REPO = Path(__file__).resolve().parents[4]
sys.path.insert(0, str(REPO / "tests" / "support"))

import stacklens_cluster  # noqa: E402
from stacklens_server import BINARY, StackLensServer  # noqa: E402

# scripts/test.sh's cluster pass: every server is two nodes behind haproxy (stacklens_cluster.py).
CLUSTER_UNAVAILABLE = stacklens_cluster.select()

TRACES = "/api/v1/stacktrace/v1/traces"
PROMPTS = "/api/v1/flowops/v1/prompts"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    skip = pytest.mark.skip(reason=f"server binary {BINARY} not built (run the build first)")
    for item in items:
        if "/e2e/" in str(item.fspath) and not BINARY.exists():
            item.add_marker(skip)
        elif "/e2e/" in str(item.fspath) and CLUSTER_UNAVAILABLE:
            item.add_marker(pytest.mark.skip(reason=f"cluster pass: {CLUSTER_UNAVAILABLE}"))


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StackLensServer]:
    instance = StackLensServer(tmp_path_factory.mktemp("e2e") / "data").start()
    yield instance
    instance.stop()


@pytest.fixture(scope="session")
def key(server: StackLensServer) -> str:
    return server.create_key()


class Api:
    """Direct HTTP to the server for setup and for reading data back."""

    def __init__(self, url: str, api_key: str) -> None:
        self.http = httpx.Client(base_url=url, headers={"X-Api-Key": api_key}, timeout=30)

    def trace(self, trace_id: str, spans: int = 1, timeout: float = 10.0) -> dict[str, Any]:
        """The trace detail once `spans` spans are queryable (ingest may be asynchronous)."""
        deadline = time.monotonic() + timeout
        while True:
            response = self.http.get(f"{TRACES}/{trace_id}")
            if response.status_code == 200 and len(response.json()["spans"]) >= spans:
                return dict(response.json())
            if time.monotonic() > deadline:
                raise AssertionError(f"trace {trace_id}: {response.status_code} {response.text}")
            time.sleep(0.02)

    def traces(self, **filters: str) -> list[dict[str, Any]]:
        """Every trace summary matching the filters, following the cursor."""
        found: list[dict[str, Any]] = []
        params: dict[str, str] = {"limit": "200", **filters}
        while True:
            response = self.http.get(TRACES, params=params)
            assert response.status_code == 200, response.text
            page = response.json()
            found.extend(page["traces"])
            if not page.get("nextCursor"):
                return found
            params["cursor"] = page["nextCursor"]

    def create_prompt(self, name: str, content: str) -> None:
        response = self.http.post(PROMPTS, json={"name": name, "content": content})
        assert response.status_code == 201, response.text

    def add_version(self, name: str, content: str) -> int:
        response = self.http.post(f"{PROMPTS}/{name}/versions", json={"content": content})
        assert response.status_code == 201, response.text
        return int(response.json()["version"])

    def promote(self, name: str, version: int, env: str) -> None:
        response = self.http.post(
            f"{PROMPTS}/{name}/promote", json={"version": version, "env": env}
        )
        assert response.status_code == 200, response.text

    def rollback(self, name: str, env: str) -> None:
        response = self.http.post(f"{PROMPTS}/{name}/rollback", json={"env": env})
        assert response.status_code == 200, response.text


@pytest.fixture(scope="session")
def api(server: StackLensServer, key: str) -> Iterator[Api]:
    client = Api(server.url, key)
    yield client
    client.http.close()


@pytest.fixture(autouse=True)
def _sdk(server: StackLensServer, key: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Point the SDK's environment fallbacks at the test server; unconfigure afterwards."""
    monkeypatch.setenv("STACKLENS_ENDPOINT", server.url)
    monkeypatch.delenv("STACKLENS_API_KEY", raising=False)
    yield
    stacklens.shutdown(timeout=10)


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def parse_time(text: str) -> datetime:
    """The server's `...Z` timestamps (fromisoformat reads `Z` only from Python 3.11)."""
    return datetime.fromisoformat(text.replace("Z", "+00:00"))
