from __future__ import annotations

import sys
from pathlib import Path
from typing import Dict, Iterator

import httpx
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "support"))

from openapi_contract import CONTRACT  # noqa: E402
from stacklens_server import StackLensServer  # noqa: E402

ALL_SCOPES = "traces:write,traces:read,prompts:read,prompts:write,keys:manage,members:manage,scores:write,scores:configure"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StackLensServer]:
    srv = StackLensServer(tmp_path_factory.mktemp("stacklens") / "data").start()
    yield srv
    code = srv.stop()
    assert code == 0, srv.log()


@pytest.fixture(scope="module")
def api(server: StackLensServer) -> Iterator[httpx.Client]:
    """A client of the server whose every answer is held to api/openapi.yaml."""
    with httpx.Client(base_url=server.url, timeout=10, event_hooks={"response": [CONTRACT.check]}) as client:
        yield client


@pytest.fixture(scope="module")
def keys(server: StackLensServer) -> Dict[str, str]:
    """Keys for every case the auth matrix needs, all in project 'default' unless named."""
    out = {
        "full": server.create_key(ALL_SCOPES),
        "traces:write": server.create_key("traces:write"),
        "traces:read": server.create_key("traces:read"),
        "prompts:read": server.create_key("prompts:read"),
        "prompts:write": server.create_key("prompts:write"),
        "keys:manage": server.create_key("keys:manage"),
        "members:manage": server.create_key("members:manage"),
        "scores:write": server.create_key("scores:write"),
        "scores:configure": server.create_key("scores:configure"),
    }
    revoked = server.create_key(ALL_SCOPES)
    server.cli("keys", "revoke", revoked[:11])
    out["revoked"] = revoked
    server.cli("projects", "create", "other")
    out["other"] = server.create_key(ALL_SCOPES, project="other")
    return out
