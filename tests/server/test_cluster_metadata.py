"""Several nodes on one PostgreSQL metadata database: first start, what one node changes seen by
the others within 2 s, /ready and the start refusing bad configuration with one clear line.

The PostgreSQL server is STACKLENS_TEST_POSTGRES_URL's (scripts/test.sh starts one); without it,
one is started here with tests/support/postgres.sh, and the tests are skipped when that fails."""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Tuple

import httpx
import pytest

import postgres_db
from fake_llm_provider import FakeProvider
from stacklens_server import BINARY, REPO, StackLensServer

PROPAGATION_BOUND_S = 2.0
Nodes = Tuple[StackLensServer, StackLensServer, Dict[str, str]]
Record = Callable[[str, object], None]

pytestmark = pytest.mark.one_target  # every node here names its database itself


@pytest.fixture(scope="module")
def admin_url() -> Iterator[str]:
    if postgres_db.ADMIN_URL:
        yield postgres_db.ADMIN_URL
        return
    script = REPO / "tests" / "support" / "postgres.sh"
    with tempfile.TemporaryDirectory() as parent:
        pgdir = Path(parent) / "pg"
        Path(parent).chmod(0o755)
        started = subprocess.run(["bash", str(script), "start", str(pgdir)], capture_output=True, text=True,
                                 timeout=120)
        if started.returncode != 0:
            pytest.skip(f"no PostgreSQL for the cluster tests: {started.stderr.strip()[-300:]}")
        try:
            yield started.stdout.strip()
        finally:
            subprocess.run(["bash", str(script), "stop", str(pgdir)], timeout=120)


def node(tmp_path: Path, name: str, metadata_url: str) -> StackLensServer:
    return StackLensServer(tmp_path / name, extra_args=["--metadata-url", metadata_url])


def start_together(nodes: List[StackLensServer]) -> None:
    errors: List[BaseException] = []

    def start(n: StackLensServer) -> None:
        try:
            n.start()
        except BaseException as e:  # noqa: B036 - reported below
            errors.append(e)

    threads = [threading.Thread(target=start, args=(n,)) for n in nodes]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors


def within_bound(what: str, seen: Callable[[], bool], record: Record) -> float:
    """Polls node B until it reflects the change; the seconds that took (asserted <= 2 s), also
    printed and kept in the JUnit report as a property."""
    began = time.monotonic()
    while not seen():
        elapsed = time.monotonic() - began
        assert elapsed <= PROPAGATION_BOUND_S, f"{what}: not seen on the other node after {elapsed:.2f} s"
        time.sleep(0.005)
    elapsed = time.monotonic() - began
    print(f"{what}: seen on the other node after {elapsed * 1000:.0f} ms")
    record(f"{what} (ms)", round(elapsed * 1000))
    return elapsed


def test_nodes_starting_together_bootstrap_once(tmp_path: Path, admin_url: str) -> None:
    url = postgres_db.fresh_database("bootstrap", admin_url)
    nodes = [node(tmp_path, f"n{i}", url) for i in range(4)]
    try:
        start_together(nodes)
        logins = [n for n in nodes if "Admin login:" in n.log()]
        assert len(logins) == 1, [n.log() for n in nodes]
        for n in nodes:
            assert httpx.get(n.url + "/ready", timeout=10).status_code == 200, n.log()
        password = re.search(r"Admin login: \S+ / (\S+)", logins[0].log())
        assert password
        for n in nodes:  # the one admin signs in on every node
            resp = httpx.post(n.url + "/api/v1/auth/login",
                              json={"email": "admin@stacklens.local", "password": password.group(1)}, timeout=10)
            assert resp.status_code == 200, resp.text
    finally:
        for n in nodes:
            assert n.stop() == 0, n.log()


@pytest.fixture(scope="module")
def two_nodes(tmp_path_factory: pytest.TempPathFactory, admin_url: str) -> Iterator[Nodes]:
    url = postgres_db.fresh_database("two-nodes", admin_url)
    base = tmp_path_factory.mktemp("cluster")
    a = node(base, "a", url).start()
    # The nodes share one key ring, as a cluster's must (docs/cluster.md): text and provider keys
    # sealed by one are opened by the other.
    (base / "b").mkdir()
    shutil.copy2(base / "a" / "encryption.keys", base / "b" / "encryption.keys")
    b = node(base, "b", url).start()
    login = re.search(r"Admin login: \S+ / (\S+)", a.log())
    key = re.search(r"API key:\s+(sl-[0-9a-f]+)", a.log())
    assert login and key, a.log()
    yield a, b, {"password": login.group(1), "key": key.group(1)}
    assert a.stop() == 0, a.log()
    assert b.stop() == 0, b.log()


def sign_in(srv: StackLensServer, email: str, password: str) -> Tuple[httpx.Client, Dict[str, str]]:
    client = httpx.Client(base_url=srv.url, timeout=10)
    resp = client.post("/api/v1/auth/login", json={"email": email, "password": password})
    assert resp.status_code == 200, resp.text
    return client, {"X-CSRF-Token": resp.json()["csrfToken"]}


def on(srv: StackLensServer, client: httpx.Client) -> httpx.Client:
    """The same signed-in browser talking to another node (as behind a load balancer)."""
    other = httpx.Client(base_url=srv.url, timeout=10)
    other.cookies = client.cookies
    return other


def test_revoking_a_key_through_one_node_refuses_it_on_the_other(
        two_nodes: Nodes, record_testsuite_property: Record) -> None:
    a, b, creds = two_nodes
    admin, csrf = sign_in(a, "admin@stacklens.local", creds["password"])
    made = admin.post("/api/v1/keys", json={"name": "short-lived", "scopes": ["traces:read"]}, headers=csrf)
    assert made.status_code == 201, made.text
    headers = {"X-Api-Key": made.json()["key"]}
    assert httpx.get(b.url + "/api/v1/stacktrace/v1/traces", headers=headers).status_code == 200
    assert admin.delete(f"/api/v1/keys/{made.json()['id']}", headers=csrf).status_code == 200
    within_bound("key revocation",
                 lambda: httpx.get(b.url + "/api/v1/stacktrace/v1/traces", headers=headers).status_code == 401,
                 record_testsuite_property)


def test_a_role_change_through_one_node_applies_on_the_other(
        two_nodes: Nodes, record_testsuite_property: Record) -> None:
    a, b, creds = two_nodes
    admin, csrf = sign_in(a, "admin@stacklens.local", creds["password"])
    assert admin.post("/api/v1/members", json={"email": "role@example.com", "role": "viewer",
                                               "password": "role-pass-123"}, headers=csrf).status_code == 201
    user, _ = sign_in(b, "role@example.com", "role-pass-123")
    assert "prompts:write" not in user.get("/api/v1/auth/me").json()["scopes"]
    assert admin.post("/api/v1/members", json={"email": "role@example.com", "role": "member"},
                      headers=csrf).status_code == 201
    within_bound("role change", lambda: "prompts:write" in user.get("/api/v1/auth/me").json()["scopes"],
                 record_testsuite_property)


def test_a_promotion_through_one_node_is_served_by_the_other(
        two_nodes: Nodes, record_testsuite_property: Record) -> None:
    a, b, creds = two_nodes
    admin, csrf = sign_in(a, "admin@stacklens.local", creds["password"])
    base = "/api/v1/flowops/v1/prompts"
    assert admin.post(base, json={"name": "greeting", "content": "hello v1"}, headers=csrf).status_code == 201
    assert admin.post(f"{base}/greeting/versions", json={"content": "hello v2"}, headers=csrf).status_code == 201
    assert admin.post(f"{base}/greeting/promote", json={"env": "production", "version": 1},
                      headers=csrf).status_code == 200
    headers = {"X-Api-Key": creds["key"]}  # the bootstrap key reads prompts

    def served() -> int:
        resp = httpx.get(f"{b.url}{base}/by-name/greeting", params={"env": "production"}, headers=headers)
        return resp.json()["version"] if resp.status_code == 200 else 0

    within_bound("first promotion", lambda: served() == 1, record_testsuite_property)
    assert admin.post(f"{base}/greeting/promote", json={"env": "production", "version": 2},
                      headers=csrf).status_code == 200
    within_bound("promotion", lambda: served() == 2, record_testsuite_property)


def test_signing_out_through_one_node_ends_the_session_on_the_other(
        two_nodes: Nodes, record_testsuite_property: Record) -> None:
    a, b, creds = two_nodes
    admin, csrf = sign_in(a, "admin@stacklens.local", creds["password"])
    elsewhere = on(b, admin)
    assert elsewhere.get("/api/v1/auth/me").status_code == 200
    assert admin.post("/api/v1/auth/logout", headers=csrf).status_code == 200
    within_bound("sign-out", lambda: elsewhere.get("/api/v1/auth/me").status_code == 401, record_testsuite_property)


def test_a_rule_made_through_one_node_judges_spans_the_other_takes(two_nodes: Nodes) -> None:
    a, b, creds = two_nodes
    admin, csrf = sign_in(a, "admin@stacklens.local", creds["password"])
    base = "/api/v1/evaluations/v1"
    headers = {"X-Api-Key": creds["key"]}

    def span_to(node: Any, n: int) -> str:
        trace_id = f"rule-{uuid.uuid4().hex}"
        span = {"traceId": trace_id, "spanId": f"s{n}", "name": "cluster-chat",
                "startTime": "2026-12-01T00:00:00Z", "endTime": "2026-12-01T00:00:01Z",
                "llmSpan": {"model": "gpt-4o", "provider": "openai", "inputTokens": 5, "outputTokens": 5,
                            "promptContent": "2+2?", "completionContent": 'REPLY<<{"score": 4, "reasoning": "ok"}>>REPLY'}}
        sent = httpx.post(node.url + "/api/v1/stacktrace/v1/traces", json=span, headers=headers)
        assert sent.status_code == 200, sent.text
        return trace_id

    def judged(node: Any, trace_id: str) -> bool:
        got = on(node, admin).get("/api/v1/stacktrace/v1/scores", params={"trace_id": trace_id})
        assert got.status_code == 200, got.text
        return [s["name"] for s in got.json()["scores"]] == ["cluster-judge"]

    with FakeProvider() as provider:
        made = [admin.post(base + "/connections", headers=csrf, json={
                    "name": "cluster-judge", "provider": "openai", "baseUrl": provider.url + "/v1",
                    "apiKey": "sk-cluster-judge-0000", "defaultModel": "gpt-4o-mini"}),
                admin.post(base + "/evaluators", headers=csrf, json={
                    "name": "cluster-judge", "template": "Judge: {{output}}", "connection": "cluster-judge",
                    "output": {"type": "numeric", "min": 1, "max": 5}}),
                admin.post(base + "/rules", headers=csrf, json={
                    "name": "cluster-rule", "evaluator": "cluster-judge", "filter": {"name": "cluster-chat"}})]
        assert [m.status_code for m in made] == [201, 201, 201], [m.text for m in made]
        changed = time.monotonic()
        on_a = span_to(a, 0)  # the node that made the rule has it at once
        # The other node holds the change within the bound: a span it takes then is judged.
        time.sleep(max(0.0, PROPAGATION_BOUND_S - (time.monotonic() - changed)))
        on_b = span_to(b, 1)
        deadline = time.monotonic() + 30
        while not (judged(a, on_a) and judged(b, on_b)):
            assert time.monotonic() < deadline, admin.get(f"{base}/rules/{made[2].json()['id']}/runs").text
            time.sleep(0.05)


def test_a_sign_in_lock_made_through_one_node_holds_on_the_other(two_nodes: Nodes) -> None:
    a, b, _ = two_nodes
    wrong = {"email": "admin@stacklens.local", "password": "not-the-password"}
    statuses = [httpx.post(a.url + "/api/v1/auth/login", json=wrong).status_code for _ in range(4)]
    assert statuses == [401, 401, 401, 401]
    locked = httpx.post(b.url + "/api/v1/auth/login", json=wrong)
    assert locked.status_code == 429, locked.text
    assert "too many failed sign-ins" in locked.json()["error"] and int(locked.headers["Retry-After"]) >= 1


def test_ready_names_postgresql_while_it_refuses_the_node(tmp_path: Path, admin_url: str) -> None:
    url = postgres_db.fresh_database("ready", admin_url)
    name = url.rsplit("/", 1)[1]
    password = re.search(r"://[^:]+:([^@]+)@", admin_url)
    srv = node(tmp_path, "n", url).start()
    try:
        assert httpx.get(srv.url + "/ready").status_code == 200
        postgres_db.psql(admin_url, f"ALTER DATABASE {name} ALLOW_CONNECTIONS false")
        postgres_db.psql(admin_url, f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'")
        down = httpx.get(srv.url + "/ready")
        assert down.status_code == 503, down.text
        assert "PostgreSQL" in down.json()["error"]
        assert password and password.group(1) not in down.text
        postgres_db.psql(admin_url, f"ALTER DATABASE {name} ALLOW_CONNECTIONS true")
        assert httpx.get(srv.url + "/ready").status_code == 200  # reconnects by itself
    finally:
        postgres_db.psql(admin_url, f"ALTER DATABASE {name} ALLOW_CONNECTIONS true")
        assert srv.stop() == 0, srv.log()


def refused_start(tmp_path: Path, metadata_url: str) -> List[str]:
    """The lines a node that must not start prints; asserts it exits non-zero."""
    out = subprocess.run([str(BINARY), "serve", "--data-dir", str(tmp_path / "d"), "--port", "0",
                          "--metadata-url", metadata_url], capture_output=True, text=True, timeout=60)
    assert out.returncode != 0, out.stdout + out.stderr
    return [line for line in (out.stdout + out.stderr).splitlines() if line.strip()]


def test_unreachable_database_stops_the_start_with_one_line(tmp_path: Path) -> None:
    lines = refused_start(tmp_path, "postgres://stacklens:Secret-Unreachable@127.0.0.1:1/stacklens")
    assert len(lines) == 1, lines
    assert "cannot connect to PostgreSQL" in lines[0] and "127.0.0.1:1" in lines[0]
    assert "Secret-Unreachable" not in lines[0]


def test_wrong_password_stops_the_start_with_one_line(tmp_path: Path, admin_url: str) -> None:
    wrong = re.sub(r"://([^:]+):[^@]+@", r"://\1:Wrong-Password-42@", admin_url)
    lines = refused_start(tmp_path, wrong)
    assert len(lines) == 1, lines
    assert "password authentication failed" in lines[0]
    assert "Wrong-Password-42" not in lines[0]


def test_a_schema_newer_than_the_binary_stops_the_start(tmp_path: Path, admin_url: str) -> None:
    url = postgres_db.fresh_database("newer", admin_url)
    srv = node(tmp_path, "n", url).start()
    assert srv.stop() == 0
    postgres_db.psql(url, "UPDATE stacklens_schema SET version = version + 100")
    lines = refused_start(tmp_path, url)
    assert len(lines) == 1, lines
    assert "newer than this binary" in lines[0]
    password = re.search(r"://[^:]+:([^@]+)@", admin_url)
    assert password and password.group(1) not in lines[0]
