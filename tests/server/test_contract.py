"""The server is held to api/openapi.yaml: the same routes, and every route
answers the auth matrix (no key / bad key / revoked key / wrong scope / other
project's key) as the spec's x-scope says."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Any, Dict, List, Set, Tuple

import httpx
import pytest
import yaml

from stacklens_server import BINARY

SPEC = yaml.safe_load((Path(__file__).resolve().parents[2] / "api" / "openapi.yaml").read_text())
METHODS = {"get", "post", "put", "patch", "delete"}
SCOPES = ["traces:write", "traces:read", "prompts:read", "prompts:write", "keys:manage", "members:manage"]


def spec_operations() -> List[Tuple[str, str, Dict[str, Any]]]:
    return [(m.upper(), path, op) for path, item in SPEC["paths"].items() for m, op in item.items() if m in METHODS]


def spec_routes() -> Set[str]:
    routes = set()
    for method, path, op in spec_operations():
        routes.add(f"{method} {path}")
        if path.startswith("/api/v1/") and not op.get("x-no-alias"):
            routes.add(f"{method} {path[len('/api/v1'):]}")
    return routes


def test_server_routes_match_the_spec(tmp_path: Path) -> None:
    out = subprocess.run([str(BINARY), "serve", "--print-routes", "--data-dir", str(tmp_path / "d")],
                         capture_output=True, text=True, check=True).stdout
    served = {line.strip() for line in out.splitlines() if line.strip()}
    assert served == spec_routes(), f"only served: {served - spec_routes()}; only in spec: {spec_routes() - served}"


def test_every_operation_declares_its_scope() -> None:
    for method, path, op in spec_operations():
        assert op.get("x-scope") in {"none", "session", *SCOPES}, f"{method} {path}"


def concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "sample", path)


@pytest.mark.parametrize("method,path,op", spec_operations(), ids=lambda v: v if isinstance(v, str) else "")
def test_auth_matrix(server: Any, keys: Dict[str, str], method: str, path: str, op: Dict[str, Any]) -> None:
    scope = op["x-scope"]
    url = server.url + concrete(path)
    body = b"{}" if method in {"POST", "PUT", "PATCH"} else None

    def call(headers: Dict[str, str]) -> httpx.Response:
        return httpx.request(method, url, content=body, headers=headers, timeout=10)

    if scope == "none":
        assert call({}).status_code not in (401, 403)
        return
    for label, headers in [("no key", {}), ("bad key", {"X-Api-Key": "sl-" + "0" * 48}),
                           ("not a key", {"X-Api-Key": "hello"}),
                           ("revoked key", {"X-Api-Key": keys["revoked"]}),
                           ("revoked bearer", {"Authorization": "Bearer " + keys["revoked"]})]:
        resp = call(headers)
        assert resp.status_code == 401, f"{label}: {resp.status_code} {resp.text}"
        assert resp.json()["error"]
    if scope == "session":
        # API keys are no way in: only a signed-in user.
        assert call({"X-Api-Key": keys["full"]}).status_code == 401
        return
    for other_scope in SCOPES:
        if other_scope == scope:
            continue
        resp = call({"X-Api-Key": keys[other_scope]})
        assert resp.status_code == 403, f"{other_scope} key: {resp.status_code} {resp.text}"
        assert scope in resp.json()["error"]
    # The right scope gets past auth (what follows depends on the body and path).
    for headers in ({"X-Api-Key": keys[scope]}, {"Authorization": "Bearer " + keys[scope]}):
        assert call(headers).status_code not in (401, 403)


def test_other_projects_key_reaches_nothing_of_ours(server: Any, keys: Dict[str, str]) -> None:
    mine = {"X-Api-Key": keys["full"]}
    theirs = {"X-Api-Key": keys["other"]}
    span = {"traceId": "private-trace", "spanId": "s1", "name": "secret-op", "startTime": "2024-05-01T00:00:00Z",
            "llmSpan": {"model": "m", "provider": "p", "inputTokens": 1, "outputTokens": 1, "promptContent": "mine"}}
    assert httpx.post(server.url + "/api/v1/stacktrace/v1/traces", json=span, headers=mine).status_code == 200
    assert httpx.get(server.url + "/api/v1/stacktrace/v1/traces/private-trace", headers=theirs).status_code == 404
    listing = httpx.get(server.url + "/api/v1/stacktrace/v1/traces?name=secret-op", headers=theirs).json()
    assert listing["traces"] == []
    metrics = httpx.get(server.url + "/api/v1/stacktrace/v1/metrics?from=2024-05-01T00:00:00Z&to=2024-05-02T00:00:00Z",
                        headers=theirs).json()
    assert metrics["series"] == []
    # The same ids in the other project are a different span, not a duplicate.
    assert httpx.post(server.url + "/api/v1/stacktrace/v1/traces", json=span, headers=theirs).status_code == 200
    assert httpx.get(server.url + "/api/v1/stacktrace/v1/traces/private-trace", headers=theirs).json()["spanCount"] == 1
    keys_listed = httpx.get(server.url + "/api/v1/keys", headers=theirs).json()["keys"]
    assert {k["project"] for k in keys_listed} == {"other"}


def query_params(op: Dict[str, Any]) -> Set[str]:
    names = set()
    for p in op.get("parameters", []):
        if "$ref" in p:
            p = SPEC["components"]["parameters"][p["$ref"].rsplit("/", 1)[1]]
        if p["in"] == "query":
            names.add(p["name"])
    return names


KEY_GETS = [(path, op) for method, path, op in spec_operations() if method == "GET" and op["x-scope"] in SCOPES]
UNKNOWN_PARAM = re.compile(r"^unknown query parameters? '([^']*)'(?:, '[^']*')*; this route takes (.*)$")


@pytest.mark.parametrize("path,op", KEY_GETS, ids=[path for path, _ in KEY_GETS])
def test_query_parameters_are_the_specs(server: Any, keys: Dict[str, str], path: str, op: Dict[str, Any]) -> None:
    """An undeclared query parameter is refused with 400 naming it, and the parameters the
    server says the route takes are exactly the ones the spec lists."""
    resp = httpx.get(server.url + concrete(path), params={"sl_undeclared": "1"},
                     headers={"X-Api-Key": keys[op["x-scope"]]}, timeout=10)
    assert resp.status_code == 400, resp.text
    match = UNKNOWN_PARAM.match(resp.json()["error"])
    assert match and match.group(1) == "sl_undeclared", resp.text
    takes = set() if match.group(2) == "none" else set(match.group(2).split(", "))
    assert takes == query_params(op), f"server takes {sorted(takes)}, spec lists {sorted(query_params(op))}"
