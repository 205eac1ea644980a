"""Dashboard sign-in: cookie sessions, CSRF, roles per project, throttling, static files."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Iterator, Tuple

import httpx
import pytest
import yaml

from stacklens_server import StackLensServer

SPEC = Path(__file__).resolve().parents[2] / "api" / "openapi.yaml"


@pytest.fixture(scope="module")
def admin(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Tuple[StackLensServer, str]]:
    srv = StackLensServer(tmp_path_factory.mktemp("sessions") / "data").start()
    password = re.search(r"Admin login: \S+ / (\S+)", srv.log())
    assert password
    yield srv, password.group(1)
    srv.stop()


def sign_in(srv: StackLensServer, email: str, password: str) -> Tuple[httpx.Client, Any]:
    client = httpx.Client(base_url=srv.url, timeout=10)
    resp = client.post("/api/v1/auth/login", json={"email": email, "password": password})
    assert resp.status_code == 200, resp.text
    cookie = resp.headers["set-cookie"]
    assert "stacklens_session=" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # plain HTTP here; behind TLS (X-Forwarded-Proto: https) it is Secure
    return client, resp.json()


def test_admin_signs_in_and_uses_the_api_with_csrf(admin: Tuple[StackLensServer, str]) -> None:
    srv, password = admin
    client, info = sign_in(srv, "admin@stacklens.local", password)
    assert info["user"]["email"] == "admin@stacklens.local"
    assert info["projects"] == [{"name": "default", "role": "admin"}] and info["currentProject"] == "default"
    assert client.get("/api/v1/auth/me").json()["csrfToken"] == info["csrfToken"]
    assert client.get("/api/v1/stacktrace/v1/traces").status_code == 200
    body = {"name": "dash-prompt", "content": "hello"}
    no_csrf = client.post("/api/v1/flowops/v1/prompts", json=body)
    assert no_csrf.status_code == 403 and "CSRF" in no_csrf.json()["error"]
    wrong = client.post("/api/v1/flowops/v1/prompts", json=body, headers={"X-CSRF-Token": "x" * 48})
    assert wrong.status_code == 403
    ok = client.post("/api/v1/flowops/v1/prompts", json=body, headers={"X-CSRF-Token": info["csrfToken"]})
    assert ok.status_code == 201 and ok.json()["createdBy"] == "user:admin@stacklens.local"
    key = client.post("/api/v1/keys", json={"name": "from-dashboard", "scopes": ["traces:write"]},
                      headers={"X-CSRF-Token": info["csrfToken"]})
    assert key.status_code == 201 and key.json()["key"].startswith("sl-")


def test_roles_limit_what_members_and_viewers_do(admin: Tuple[StackLensServer, str]) -> None:
    srv, password = admin
    client, info = sign_in(srv, "admin@stacklens.local", password)
    csrf = {"X-CSRF-Token": info["csrfToken"]}
    made = client.post("/api/v1/members", json={"email": "v@example.com", "role": "viewer"}, headers=csrf)
    assert made.status_code == 201 and len(made.json()["password"]) == 20
    assert client.post("/api/v1/members", json={"email": "m@example.com", "role": "member", "password": "member-pass-1"},
                       headers=csrf).status_code == 201
    assert client.post("/api/v1/members", json={"email": "x@example.com", "role": "owner"},
                       headers=csrf).status_code == 400
    members = client.get("/api/v1/members").json()["members"]
    assert {m["email"]: m["role"] for m in members} == {"admin@stacklens.local": "admin", "m@example.com": "member",
                                                       "v@example.com": "viewer"}

    viewer, vinfo = sign_in(srv, "v@example.com", made.json()["password"])
    vcsrf = {"X-CSRF-Token": vinfo["csrfToken"]}
    assert viewer.get("/api/v1/flowops/v1/prompts").status_code == 200
    refused = viewer.post("/api/v1/flowops/v1/prompts", json={"name": "nope", "content": "x"}, headers=vcsrf)
    assert refused.status_code == 403 and "viewer" in refused.json()["error"] and "prompts:write" in refused.json()["error"]
    assert viewer.get("/api/v1/keys").status_code == 403
    assert viewer.get("/api/v1/members").status_code == 403

    member, minfo = sign_in(srv, "m@example.com", "member-pass-1")
    mcsrf = {"X-CSRF-Token": minfo["csrfToken"]}
    assert member.post("/api/v1/flowops/v1/prompts", json={"name": "by-member", "content": "x"},
                       headers=mcsrf).status_code == 201
    assert member.get("/api/v1/keys").status_code == 403  # members cannot manage keys
    assert client.delete("/api/v1/members/m@example.com", headers=csrf).status_code == 200
    assert member.get("/api/v1/flowops/v1/prompts").status_code == 403  # no longer a member of any project


def test_projects_are_created_and_switched(admin: Tuple[StackLensServer, str]) -> None:
    srv, password = admin
    client, info = sign_in(srv, "admin@stacklens.local", password)
    csrf = {"X-CSRF-Token": info["csrfToken"]}
    created = client.post("/api/v1/projects", json={"name": "second"}, headers=csrf)
    assert created.status_code == 201
    assert created.json()["role"] == "admin"
    assert client.post("/api/v1/projects", json={"name": "second"}, headers=csrf).status_code == 409
    assert client.post("/api/v1/projects", json={"name": "bad name"}, headers=csrf).status_code == 400
    names = [p["name"] for p in client.get("/api/v1/projects").json()["projects"]]
    assert names == ["default", "second"]
    second = {"X-StackLens-Project": "second"}
    assert client.get("/api/v1/flowops/v1/prompts", headers=second).json()["prompts"] == []
    assert client.get("/api/v1/flowops/v1/prompts").json()["prompts"] != []
    missing = client.get("/api/v1/flowops/v1/prompts", headers={"X-StackLens-Project": "nope"})
    assert missing.status_code == 403 and "not a member of project 'nope'" in missing.json()["error"]


def test_the_session_carries_the_scopes_of_the_role_in_the_current_project(admin: Tuple[StackLensServer, str]) -> None:
    srv, password = admin
    client, info = sign_in(srv, "admin@stacklens.local", password)
    everything = ["traces:write", "traces:read", "prompts:read", "prompts:write", "keys:manage", "members:manage",
                  "scores:write", "scores:configure", "prices:manage", "governai:manage", "prompts:approve",
                  "evaluations:read", "evaluations:write", "connections:manage", "alerts:read", "alerts:manage"]
    assert info["scopes"] == everything
    schema = yaml.safe_load(SPEC.read_text())["components"]["schemas"]
    assert set(info) == set(schema["SessionInfo"]["properties"])  # the spec documents every field, scopes included
    assert schema["Scope"]["enum"] == everything

    csrf = {"X-CSRF-Token": info["csrfToken"]}
    made = client.post("/api/v1/members", json={"email": "sv@example.com", "role": "viewer"}, headers=csrf)
    assert made.status_code == 201
    assert client.post("/api/v1/projects", json={"name": "scoped"}, headers=csrf).status_code == 201
    assert client.post("/api/v1/members", json={"email": "sv@example.com", "role": "member"},
                       headers={**csrf, "X-StackLens-Project": "scoped"}).status_code == 201

    user, uinfo = sign_in(srv, "sv@example.com", made.json()["password"])
    assert uinfo["currentProject"] == "default" and uinfo["scopes"] == ["traces:read", "prompts:read",
                                                                         "evaluations:read", "alerts:read"]
    in_scoped = user.get("/api/v1/auth/me", headers={"X-StackLens-Project": "scoped"}).json()
    assert in_scoped["currentProject"] == "scoped"
    assert in_scoped["scopes"] == ["traces:write", "traces:read", "prompts:read", "prompts:write", "scores:write",
                                   "evaluations:read", "evaluations:write", "alerts:read"]


def test_logout_ends_the_session(admin: Tuple[StackLensServer, str]) -> None:
    srv, password = admin
    client, info = sign_in(srv, "admin@stacklens.local", password)
    assert client.post("/api/v1/auth/logout").status_code == 403  # CSRF applies to logout too
    out = client.post("/api/v1/auth/logout", headers={"X-CSRF-Token": info["csrfToken"]})
    assert out.status_code == 200 and "Max-Age=0" in out.headers["set-cookie"]
    assert client.get("/api/v1/auth/me").status_code == 401


def test_session_cookie_is_secure_behind_tls(admin: Tuple[StackLensServer, str]) -> None:
    srv, password = admin
    resp = httpx.post(srv.url + "/api/v1/auth/login", json={"email": "admin@stacklens.local", "password": password},
                      headers={"X-Forwarded-Proto": "https"})
    assert "; Secure" in resp.headers["set-cookie"]


def test_repeated_failed_sign_ins_slow_down(admin: Tuple[StackLensServer, str]) -> None:
    srv, _ = admin
    statuses = [httpx.post(srv.url + "/api/v1/auth/login",
                           json={"email": "v@example.com", "password": f"wrong-{i}"}).status_code for i in range(6)]
    assert statuses[:4] == [401, 401, 401, 401]
    assert statuses[4] == 429
    resp = httpx.post(srv.url + "/api/v1/auth/login", json={"email": "v@example.com", "password": "wrong"})
    assert resp.status_code == 429 and int(resp.headers["retry-after"]) >= 1
    assert "too many failed sign-ins" in resp.json()["error"]
    unknown = httpx.post(srv.url + "/api/v1/auth/login", json={"email": "nobody@example.com", "password": "x"})
    assert unknown.status_code == 401 and unknown.json()["error"] == "email or password is wrong"


def test_dashboard_files_and_spa_fallback(tmp_path: Path) -> None:
    web = tmp_path / "web"
    (web / "assets").mkdir(parents=True)
    (web / "index.html").write_text("<!doctype html><div id=root></div>")
    (web / "assets" / "app-1234.js").write_text("console.log(1)")
    srv = StackLensServer(tmp_path / "data", extra_args=["--web-dir", str(web)]).start()
    try:
        root = httpx.get(srv.url + "/")
        assert root.status_code == 200 and "id=root" in root.text and root.headers["content-type"].startswith("text/html")
        deep = httpx.get(srv.url + "/traces/abc?tag=x")
        assert deep.status_code == 200 and "id=root" in deep.text
        asset = httpx.get(srv.url + "/assets/app-1234.js")
        assert asset.headers["content-type"].startswith("text/javascript") and "immutable" in asset.headers["cache-control"]
        escape = httpx.get(srv.url + "/%2e%2e/%2e%2e/etc/passwd")
        assert "root:" not in escape.text
        api404 = httpx.get(srv.url + "/api/v1/unknown")
        assert api404.status_code == 404 and api404.json()["error"]
        assert httpx.get(srv.url + "/api/v1/server").json()["endpoint"] == srv.url
    finally:
        srv.stop()


def test_dashboard_files_never_leave_the_web_directory(tmp_path: Path) -> None:
    import socket

    web = tmp_path / "web"
    web.mkdir()
    (web / "index.html").write_text("<!doctype html><div id=root></div>")
    sibling = tmp_path / "web2"  # shares the web directory's name as a prefix
    sibling.mkdir()
    (sibling / "secret.txt").write_text("SIBLING-SECRET")
    srv = StackLensServer(tmp_path / "data", extra_args=["--web-dir", str(web)]).start()
    try:
        for target in (b"/../web2/secret.txt", b"/../../etc/passwd", b"/./../web2/secret.txt"):
            with socket.create_connection(("127.0.0.1", srv.port), timeout=5) as sock:
                sock.sendall(b"GET " + target + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                reply = b""
                while chunk := sock.recv(65536):
                    reply += chunk
            assert b"SIBLING-SECRET" not in reply and b"root:" not in reply, target
    finally:
        srv.stop()
