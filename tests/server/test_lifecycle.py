"""Start-up, bootstrap, admin subcommands while serving, SIGTERM, encryption at rest."""

from __future__ import annotations

import os
import re
import signal
import stat
import subprocess
import threading
from pathlib import Path
from typing import List

import httpx
import pytest

from stacklens_server import BINARY, StackLensServer


def test_first_start_bootstraps_and_prints_credentials_once(tmp_path: Path) -> None:
    srv = StackLensServer(tmp_path / "data").start()
    assert srv.stop() == 0
    first = srv.log()
    assert "Dashboard:   http://127.0.0.1:" in first
    login = re.search(r"Admin login: (\S+) / (\S+)", first)
    assert login and login.group(1) == "admin@stacklens.local" and len(login.group(2)) >= 16
    key = re.search(r"API key:\s+(sl-[0-9a-f]{48})\s+\(scopes: traces:write,prompts:read\)", first)
    assert key, first
    mode = stat.S_IMODE(os.stat(tmp_path / "data" / "encryption.keys").st_mode)
    assert mode == 0o600
    srv.start()
    try:
        assert srv.log().count("Admin login") == 1, "credentials must never be printed again"
        headers = {"X-Api-Key": key.group(1)}
        span = {"traceId": "boot", "spanId": "s", "name": "n", "startTime": "2024-01-01T00:00:00Z"}
        assert httpx.post(srv.url + "/api/v1/stacktrace/v1/traces", json=span, headers=headers).status_code == 200
        # The bootstrap key may ingest and read prompts, but not read traces.
        assert httpx.get(srv.url + "/api/v1/stacktrace/v1/traces", headers=headers).status_code == 403
    finally:
        srv.stop()


def test_admin_commands_work_while_the_server_runs(tmp_path: Path) -> None:
    srv = StackLensServer(tmp_path / "data").start()
    try:
        key = srv.create_key("traces:read", project="default")
        assert key.startswith("sl-") and len(key) == 51
        headers = {"X-Api-Key": key}
        assert httpx.get(srv.url + "/api/v1/stacktrace/v1/traces", headers=headers).status_code == 200
        listing = srv.cli("keys", "list").stdout
        assert key[:11] in listing and key not in listing, "keys are listed by prefix only"
        srv.cli("keys", "revoke", key[:11])
        assert httpx.get(srv.url + "/api/v1/stacktrace/v1/traces", headers=headers).status_code == 401
        assert "revoked" in srv.cli("keys", "list").stdout or key[:11] in srv.cli("keys", "list").stdout
        assert "created project" in srv.cli("projects", "create", "team-b").stdout
        assert "team-b" in srv.cli("projects", "list").stdout
        out = srv.cli("users", "create", "--email", "viewer@example.com", "--role", "viewer", "--project", "team-b").stdout
        assert re.search(r"password: \S{20}", out)
        assert "password of viewer@example.com reset" in srv.cli("users", "reset-password", "--email",
                                                                 "viewer@example.com").stdout
        bad = srv.cli("keys", "create", "--scopes", "traces:delete", check=False)
        assert bad.returncode != 0 and "unknown scope 'traces:delete'" in bad.stderr
        missing = srv.cli("keys", "create", "--scopes", "traces:read", "--project", "nope", check=False)
        assert missing.returncode != 0 and "no project 'nope'" in missing.stderr
        dup = srv.cli("users", "create", "--email", "viewer@example.com", "--project", "team-b", check=False)
        assert dup.returncode != 0 and "already exists" in dup.stderr
    finally:
        assert srv.stop() == 0


def test_sigterm_commits_what_is_in_flight_and_exits_0(tmp_path: Path) -> None:
    srv = StackLensServer(tmp_path / "data").start()
    key = srv.create_key("traces:write,traces:read")
    acked: List[str] = []

    def send() -> None:
        with httpx.Client(base_url=srv.url, headers={"X-Api-Key": key}, timeout=10) as client:
            for i in range(100000):
                try:
                    r = client.post("/api/v1/stacktrace/v1/traces",
                                    json={"traceId": f"t{i}", "spanId": "s", "name": "n", "startTime": "2024-01-01T00:00:00Z"})
                except httpx.TransportError:
                    return
                if r.status_code != 200:
                    return
                acked.append(f"t{i}")

    t = threading.Thread(target=send)
    t.start()
    while len(acked) < 50:
        pass
    assert srv.stop(signal.SIGTERM) == 0
    t.join()
    srv.start()
    try:
        headers = {"X-Api-Key": key}
        for trace_id in acked:
            assert httpx.get(f"{srv.url}/api/v1/stacktrace/v1/traces/{trace_id}", headers=headers).status_code == 200
    finally:
        srv.stop()


@pytest.mark.sqlite_spans("reads spans.text and the data directory's files; with the spans in ClickHouse, "
                          "test_span_store.py looks for the text in ClickHouse's rows")
def test_prompt_and_completion_are_not_in_the_database_files(tmp_path: Path) -> None:
    srv = StackLensServer(tmp_path / "data").start()
    key = srv.create_key("traces:write,traces:read")
    marker_p, marker_c = "PROMPT-MARKER-7f3a9c", "COMPLETION-MARKER-b81d2e"
    long_prompt = (marker_p + " ") * 500  # compressible: stored compressed, then sealed
    span = {"traceId": "enc", "spanId": "s", "name": "n", "startTime": "2024-01-01T00:00:00Z",
            "llmSpan": {"model": "m", "provider": "p", "inputTokens": 1, "outputTokens": 1,
                        "promptContent": long_prompt, "completionContent": marker_c}}
    headers = {"X-Api-Key": key}
    assert httpx.post(srv.url + "/api/v1/stacktrace/v1/traces", json=span, headers=headers).status_code == 200
    back = httpx.get(srv.url + "/api/v1/stacktrace/v1/traces/enc", headers=headers).json()["spans"][0]["llmSpan"]
    assert back["promptContent"] == long_prompt and back["completionContent"] == marker_c
    # A batch with more than 64 KiB of text: its text goes to spans.text, sealed all the same.
    texts = [marker_p + os.urandom(3000).hex() for _ in range(20)]
    batch = {"spans": [dict(span, traceId="enc-batch", spanId=f"b{i}",
                            llmSpan=dict(span["llmSpan"], promptContent=t)) for i, t in enumerate(texts)]}
    assert httpx.post(srv.url + "/api/v1/stacktrace/v1/traces/batch", json=batch, headers=headers).status_code == 200
    got = httpx.get(srv.url + "/api/v1/stacktrace/v1/traces/enc-batch", headers=headers).json()["spans"]
    assert sorted(s["llmSpan"]["promptContent"] for s in got) == sorted(texts)
    assert srv.stop() == 0
    assert (tmp_path / "data" / "spans.text").stat().st_size > 64 * 1024
    for path in (tmp_path / "data").iterdir():
        data = path.read_bytes()
        assert marker_p.encode() not in data, path.name
        assert marker_c.encode() not in data, path.name
    # Rotating the key keeps old text readable and seals new text with the new key.
    assert "new encryption key 2" in subprocess.run(
        [str(BINARY), "encryption", "rotate-key", "--data-dir", str(tmp_path / "data")],
        capture_output=True, text=True, check=True).stdout
    srv.start()
    try:
        span2 = dict(span, traceId="enc2")
        assert httpx.post(srv.url + "/api/v1/stacktrace/v1/traces", json=span2, headers=headers).status_code == 200
        for tid in ("enc", "enc2"):
            got = httpx.get(f"{srv.url}/api/v1/stacktrace/v1/traces/{tid}", headers=headers).json()
            assert got["spans"][0]["llmSpan"]["completionContent"] == marker_c
    finally:
        srv.stop()


def test_settings_precedence_flag_over_env_over_config_file(tmp_path: Path) -> None:
    config = tmp_path / "stacklens.conf"
    config.write_text("# comment\nmax_body_bytes = 2048\nmax-tags = 3\n")
    env = dict(os.environ, STACKLENS_CONFIG=str(config), STACKLENS_MAX_TAGS="5")
    srv = StackLensServer(tmp_path / "data", extra_args=["--max-tags", "2"])
    proc_env = os.environ.copy()
    os.environ.update(env)
    try:
        srv.start()
    finally:
        os.environ.clear()
        os.environ.update(proc_env)
    try:
        key = srv.create_key("traces:write")
        headers = {"X-Api-Key": key}
        tags3 = {"traceId": "p", "spanId": "s", "name": "n", "startTime": "2024-01-01T00:00:00Z", "tags": ["a", "b", "c"]}
        r = httpx.post(srv.url + "/api/v1/stacktrace/v1/traces", json=tags3, headers=headers)
        assert r.status_code == 400 and "the limit is 2" in r.json()["error"]  # the flag wins
        r = httpx.post(srv.url + "/api/v1/stacktrace/v1/traces", json=dict(tags3, name="x" * 3000), headers=headers)
        assert r.status_code == 413  # the config file's body limit applies
    finally:
        srv.stop()
    bad = subprocess.run([str(BINARY), "serve", "--data-dir", str(tmp_path / "d2"), "--port", "70000"],
                         capture_output=True, text=True)
    assert bad.returncode != 0 and "port" in bad.stderr
