"""The ClickHouse span store against a real ClickHouse 18.16: a bad span-store-url stops the
start with one line naming the problem (never the password), and while ClickHouse is away ingest
answers 503 with Retry-After, /ready says why, and both recover by themselves."""
from __future__ import annotations

import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Iterator, List

import httpx
import pytest

from stacklens_server import BINARY, StackLensServer
from test_clickhouse_statements import CLICKHOUSE_SH, clickhouse_18  # noqa: F401 - the fixture

pytestmark = pytest.mark.one_target

SPAN = {"traceId": "t-outage", "spanId": "s", "name": "n", "startTime": "2025-05-01T10:00:00Z"}


def refused_start(tmp_path: Path, url: str) -> List[str]:
    """The lines a node that must not start prints; asserts it exits non-zero."""
    out = subprocess.run([str(BINARY), "serve", "--data-dir", str(tmp_path / "d"), "--port", "0",
                          "--span-store-url", url], capture_output=True, text=True, timeout=60)
    assert out.returncode != 0, out.stdout + out.stderr
    return [line for line in (out.stdout + out.stderr).splitlines() if line.strip()]


def test_unreachable_clickhouse_stops_the_start_with_one_line(tmp_path: Path) -> None:
    lines = refused_start(tmp_path, "clickhouse://default:Secret-Unreachable@127.0.0.1:1/stacklens")
    assert len(lines) == 1, lines
    assert "ClickHouse at 127.0.0.1:1/stacklens is unreachable" in lines[0]
    assert "Secret-Unreachable" not in lines[0]


def test_wrong_password_stops_the_start_with_one_line(tmp_path: Path, clickhouse_18: str) -> None:
    lines = refused_start(tmp_path, clickhouse_18.replace("http://", "http://default:Wrong-Password-42@") + "/wrongpw")
    assert len(lines) == 1, lines
    assert "refused user 'default'" in lines[0]
    assert "Wrong-Password-42" not in lines[0]


def test_a_schema_newer_than_the_binary_stops_the_start(tmp_path: Path, clickhouse_18: str) -> None:
    url = clickhouse_18 + "/newer"
    srv = StackLensServer(tmp_path / "n", extra_args=["--span-store-url", url]).start()
    assert srv.stop() == 0, srv.log()
    r = httpx.post(clickhouse_18, content=b"INSERT INTO newer.stacklens_schema (version, applied_us) VALUES (99, 0)")
    assert r.status_code == 200, r.text
    lines = refused_start(tmp_path, url)
    assert len(lines) == 1, lines
    assert "schema version 99, newer than this binary's" in lines[0]


@pytest.fixture()
def own_clickhouse() -> Iterator[Path]:
    """A ClickHouse of this test's own, to stop and start again."""
    assert shutil.which("clickhouse-server"), "clickhouse-server is missing: scripts/install_deps.sh test installs it"
    directory = Path(tempfile.mkdtemp(prefix="stacklens-ch-outage-"))
    subprocess.run(["bash", str(CLICKHOUSE_SH), "start", str(directory / "server")], check=True, capture_output=True)
    try:
        yield directory / "server"
    finally:
        subprocess.run(["bash", str(CLICKHOUSE_SH), "stop", str(directory)], check=False)


def wait_until(condition, seconds: float = 30) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.1)


def test_while_clickhouse_is_away_ingest_answers_503_and_ready_says_why(tmp_path: Path, own_clickhouse: Path) -> None:
    port = (own_clickhouse / "http_port").read_text().strip()
    srv = StackLensServer(tmp_path / "n", extra_args=["--span-store-url", f"http://127.0.0.1:{port}/outage"]).start()
    try:
        key = srv.create_key("traces:write,traces:read")
        with httpx.Client(base_url=srv.url, headers={"X-Api-Key": key}, timeout=30) as c:
            assert c.post("/api/v1/stacktrace/v1/traces", json=SPAN).status_code == 200
            subprocess.run(["bash", str(CLICKHOUSE_SH), "stop-server", str(own_clickhouse)], check=True)
            ready = c.get("/ready")
            assert ready.status_code == 503 and "ClickHouse at 127.0.0.1" in ready.text, ready.text
            refused = c.post("/api/v1/stacktrace/v1/traces", json=dict(SPAN, spanId="s2"))
            assert refused.status_code == 503 and refused.headers.get("Retry-After"), refused.text
            assert refused.json()["error"]
            subprocess.run(["bash", str(CLICKHOUSE_SH), "start-server", str(own_clickhouse)], check=True)
            # The refused span again, as a client retries it; then the writer's last commit
            # succeeded and /ready answers 200 again.
            wait_until(lambda: c.post("/api/v1/stacktrace/v1/traces", json=dict(SPAN, spanId="s2")).status_code == 200)
            assert c.get("/ready").status_code == 200
            assert c.get("/api/v1/stacktrace/v1/traces/t-outage").json()["spanCount"] == 2
    finally:
        assert srv.stop() == 0, srv.log()
