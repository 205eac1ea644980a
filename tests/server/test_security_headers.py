"""The dashboard's pages carry a Content-Security-Policy without inline script, refuse framing and
send no referrer; every answer says nosniff; the session cookie is Secure when the public URL is https."""

from __future__ import annotations

import re
from pathlib import Path

import httpx

from stacklens_server import StackLensServer


def directives(csp: str) -> dict:
    out = {}
    for part in csp.split(";"):
        words = part.split()
        if words:
            out[words[0]] = words[1:]
    return out


def test_dashboard_pages_carry_the_security_headers(tmp_path: Path) -> None:
    web = tmp_path / "web"
    (web / "assets").mkdir(parents=True)
    (web / "index.html").write_text('<!doctype html><div id=root></div><script type=module src="/assets/a.js"></script>')
    (web / "assets" / "a.js").write_text("console.log(1)")
    srv = StackLensServer(tmp_path / "data", extra_args=["--web-dir", str(web)]).start()
    try:
        for path in ("/", "/traces/abc", "/assets/a.js"):
            resp = httpx.get(srv.url + path)
            assert resp.status_code == 200, path
            csp = directives(resp.headers["content-security-policy"])
            assert csp["script-src"] == ["'self'"], path  # no inline script, no eval
            assert csp["style-src"] == ["'self'"], path
            assert csp["frame-ancestors"] == ["'none'"], path
            assert csp["object-src"] == ["'none'"], path
            assert not any("unsafe" in source for sources in csp.values() for source in sources), path
            assert resp.headers["referrer-policy"] == "no-referrer", path
            assert resp.headers["x-content-type-options"] == "nosniff", path
    finally:
        srv.stop()


def test_the_page_shown_before_the_dashboard_is_built_obeys_its_policy(tmp_path: Path) -> None:
    srv = StackLensServer(tmp_path / "data", extra_args=["--web-dir", str(tmp_path / "not-built")]).start()
    try:
        resp = httpx.get(srv.url + "/")
        assert resp.status_code == 200 and "dashboard is not built" in resp.text
        assert "frame-ancestors 'none'" in resp.headers["content-security-policy"]
        assert not re.search(r"<script|<style|\sstyle=|\son\w+=", resp.text)  # nothing inline the policy would block
    finally:
        srv.stop()


def test_api_answers_say_nosniff(server: StackLensServer) -> None:
    for resp in (httpx.get(server.url + "/health"), httpx.get(server.url + "/api/v1/stacktrace/v1/traces"),
                 httpx.get(server.url + "/api/v1/nothing-here")):
        assert resp.headers["x-content-type-options"] == "nosniff", resp.url
        assert resp.headers["content-type"].startswith("application/json"), resp.url


def sign_in_cookie(srv: StackLensServer) -> str:
    password = re.search(r"Admin login: \S+ / (\S+)", srv.log())
    assert password
    resp = httpx.post(srv.url + "/api/v1/auth/login",
                      json={"email": "admin@stacklens.local", "password": password.group(1)})
    assert resp.status_code == 200, resp.text
    return resp.headers["set-cookie"]


def test_session_cookie_is_secure_when_the_public_url_is_https(tmp_path: Path) -> None:
    srv = StackLensServer(tmp_path / "data", extra_args=["--public-url", "HTTPS://stacklens.example.test"]).start()
    try:
        cookie = sign_in_cookie(srv)
        assert "stacklens_session=" in cookie and "; Secure" in cookie and "HttpOnly" in cookie
    finally:
        srv.stop()


def test_session_cookie_is_not_secure_when_the_public_url_is_http(tmp_path: Path) -> None:
    srv = StackLensServer(tmp_path / "data", extra_args=["--public-url", "http://stacklens.example.test"]).start()
    try:
        cookie = sign_in_cookie(srv)
        assert "stacklens_session=" in cookie and "Secure" not in cookie  # a browser would drop it over http
    finally:
        srv.stop()
