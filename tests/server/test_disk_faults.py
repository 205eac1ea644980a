"""Disk faults injected into the real server with libfiu's POSIX preload (fiu-run, fiu-ctrl).

A disk whose fdatasync fails: ingest answers 503 with an error that names the file, /ready
says so, the server keeps running, nothing acknowledged is lost, and nothing refused is
stored. Two paths: text appended to spans.text (a failed sync there fails every later commit
until a restart, since the kernel may have dropped the pages it could not write), and a
commit of spans.db's WAL (SQLite rolls the transaction back; the next commit writes those
frames again and syncs them, so ingest resumes once the disk syncs again).

A file system that refuses a direct (O_DIRECT) write of spans.text with EINVAL: the append
is written through the page cache instead, and so are all later ones."""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
import subprocess
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from stacklens_server import StackLensServer

pytestmark = pytest.mark.one_target  # spans.db and spans.text alone: nothing of the metadata target's

BATCH_PATH = "/api/v1/stacktrace/v1/traces/batch"
SPANS = 20
SYNC = "posix/io/sync/fdatasync"
WRITE = "posix/io/rw/pwrite"  # pwrite and pwrite64: direct appends and SQLite's writes; not pwritev


def prompt(trace_id: str, i: int) -> str:
    """6,016 hex digits of hashes: they do not compress, and each span's are its own."""
    return "".join(hashlib.blake2b(f"{trace_id}/{i}/{k}".encode()).hexdigest() for k in range(47))


def with_text(trace_id: str) -> dict[str, object]:
    """More than 64 KiB of sealed text: kept in spans.text."""
    return {"spans": [{"traceId": trace_id, "spanId": f"s{i}", "name": "op", "startTime": "2024-07-01T00:00:00Z",
                       "llmSpan": {"model": "m", "provider": "p", "inputTokens": 1, "outputTokens": 1,
                                   "promptContent": prompt(trace_id, i)}} for i in range(SPANS)]}


def assert_text_intact(client: httpx.Client, trace_id: str) -> None:
    spans = client.get(f"/api/v1/stacktrace/v1/traces/{trace_id}").json()["spans"]
    assert sorted(s["spanId"] for s in spans) == sorted(f"s{i}" for i in range(SPANS)), trace_id
    for s in spans:
        assert s["llmSpan"]["promptContent"] == prompt(trace_id, int(s["spanId"][1:])), (trace_id, s["spanId"])


def small(trace_id: str) -> dict[str, object]:
    """One span without text: the commit syncs only spans.db's WAL."""
    return {"spans": [{"traceId": trace_id, "spanId": "s0", "name": "op", "startTime": "2024-07-01T00:00:00Z"}]}


class Fault:
    """Faults in the running server: every fdatasync failing (EIO), or the next pwrite refused (EINVAL)."""

    def __init__(self, ctrl: Path) -> None:
        self.ctrl = ctrl

    def _send(self, pid: int, command: str) -> None:
        subprocess.run(["fiu-ctrl", "-f", str(self.ctrl), "-c", command, str(pid)], check=True, timeout=10)

    def on(self, pid: int) -> None:
        """Every fdatasync fails with EIO until off()."""
        self._send(pid, f"enable name={SYNC},failinfo=5")

    def refuse_next_write(self, pid: int) -> None:
        """The next pwrite of the process fails with EINVAL, once."""
        self._send(pid, f"enable name={WRITE},failinfo=22,onetime=1")

    def off(self, pid: int) -> None:
        self._send(pid, f"disable name={SYNC}")


def start(tmp_path: Path) -> tuple[StackLensServer, Fault, str]:
    """The server under libfiu's preload, its fault switch, and an API key."""
    assert shutil.which("fiu-run"), "fiu-run is missing: scripts/install_deps.sh test installs fiu-utils"
    ctrl = tmp_path / "fiu-ctrl"
    srv = StackLensServer(tmp_path / "data", wrapper=["fiu-run", "-x", "-f", str(ctrl)]).start()
    return srv, Fault(ctrl), srv.create_key("traces:write,traces:read")


@contextmanager
def session(srv: StackLensServer, key: str) -> Iterator[httpx.Client]:
    """A client of the running server; the server is stopped (cleanly) afterwards."""
    try:
        with httpx.Client(base_url=srv.url, headers={"X-Api-Key": key}, timeout=30) as client:
            yield client
    finally:
        assert srv.stop() == 0


def restart_on_a_healthy_disk(srv: StackLensServer) -> None:
    srv.wrapper = []  # no preload: no fault can reach it
    srv.start()


def assert_store_intact(tmp_path: Path) -> None:
    with sqlite3.connect(tmp_path / "data" / "spans.db") as con:
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def span_count(client: httpx.Client, trace_id: str) -> int:
    got = client.get(f"/api/v1/stacktrace/v1/traces/{trace_id}")
    if got.status_code == 404:
        return 0
    assert got.status_code == 200, got.text
    return int(got.json()["spanCount"])


def test_failed_text_sync_refuses_until_restart_and_loses_nothing(tmp_path: Path) -> None:
    srv, fault, key = start(tmp_path)
    before, refused, after_fault = uuid.uuid4().hex, uuid.uuid4().hex, uuid.uuid4().hex
    with session(srv, key) as client:
        assert client.post(BATCH_PATH, json=with_text(before)).status_code == 200
        assert srv.proc is not None
        fault.on(srv.proc.pid)
        resp = client.post(BATCH_PATH, json=with_text(refused))
        assert resp.status_code == 503, resp.text
        assert "spans.text" in resp.json()["error"] and "restart" in resp.json()["error"], resp.text
        ready = client.get("/ready")
        assert ready.status_code == 503 and "spans.text" in ready.json()["error"]
        assert client.get("/health").status_code == 200
        # The disk syncs again, but pages the kernel failed to write may be gone: still refused.
        fault.off(srv.proc.pid)
        resp = client.post(BATCH_PATH, json=with_text(after_fault))
        assert resp.status_code == 503, resp.text
        assert span_count(client, before) == SPANS
    restart_on_a_healthy_disk(srv)
    with session(srv, key) as client:
        assert client.get("/ready").status_code == 200
        assert span_count(client, before) == SPANS
        assert span_count(client, refused) == 0
        assert span_count(client, after_fault) == 0
        again = uuid.uuid4().hex
        assert client.post(BATCH_PATH, json=with_text(again)).status_code == 200
        assert_text_intact(client, before)
    assert_store_intact(tmp_path)


def test_failed_wal_sync_refuses_that_commit_and_recovers(tmp_path: Path) -> None:
    srv, fault, key = start(tmp_path)
    before, refused, after = uuid.uuid4().hex, uuid.uuid4().hex, uuid.uuid4().hex
    with session(srv, key) as client:
        assert client.post(BATCH_PATH, json=small(before)).status_code == 200
        assert srv.proc is not None
        fault.on(srv.proc.pid)
        resp = client.post(BATCH_PATH, json=small(refused))
        assert resp.status_code == 503, resp.text
        error = resp.json()["error"]
        assert "disk I/O error" in error and "could not sync" in error and "spans.db" in error, error
        ready = client.get("/ready")
        assert ready.status_code == 503 and "could not sync" in ready.json()["error"]
        fault.off(srv.proc.pid)
        assert client.post(BATCH_PATH, json=small(after)).status_code == 200
        assert client.get("/ready").status_code == 200
        assert span_count(client, before) == 1
        assert span_count(client, refused) == 0
        assert span_count(client, after) == 1
    restart_on_a_healthy_disk(srv)
    with session(srv, key) as client:
        assert [span_count(client, t) for t in (before, refused, after)] == [1, 0, 1]
    assert_store_intact(tmp_path)


def test_refused_direct_write_falls_back_to_the_page_cache(tmp_path: Path) -> None:
    srv, fault, key = start(tmp_path)
    first, second = uuid.uuid4().hex, uuid.uuid4().hex
    with session(srv, key) as client:
        # A first request records the key's use in meta.db; then, once the checkpointer has
        # copied its commit (it runs every 2 s), nothing writes until the next request, whose
        # first write is the direct append of its text.
        assert client.post(BATCH_PATH, json=small(uuid.uuid4().hex)).status_code == 200
        time.sleep(4.5)
        assert srv.proc is not None
        fault.refuse_next_write(srv.proc.pid)
        resp = client.post(BATCH_PATH, json=with_text(first))
        assert resp.status_code == 200, resp.text
        assert "refused a direct write (EINVAL)" in srv.log(), "the injected EINVAL met another write"
        assert client.post(BATCH_PATH, json=with_text(second)).status_code == 200
        for trace_id in (first, second):
            assert span_count(client, trace_id) == SPANS
    restart_on_a_healthy_disk(srv)
    with session(srv, key) as client:
        for trace_id in (first, second):
            assert_text_intact(client, trace_id)
