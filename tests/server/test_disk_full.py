"""A full disk: ingest answers 507 with a clear error, /ready says so, nothing
acknowledged is lost, and the server recovers by itself when space returns."""

from __future__ import annotations

import os
import subprocess
import uuid
from pathlib import Path
from typing import Iterator, List

import httpx
import pytest

from stacklens_server import StackLensServer

pytestmark = pytest.mark.one_target  # spans.db on a full disk alone: nothing of the metadata target's

SIZE_MB = 48


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    mount = tmp_path / "disk"
    mount.mkdir()
    result = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={SIZE_MB}m", "tmpfs", str(mount)],
                            capture_output=True, text=True)
    if result.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here: {result.stderr.strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def batch(trace_id: str) -> dict:
    text = os.urandom(6000).hex()  # incompressible, so the disk fills quickly
    return {"spans": [{"traceId": trace_id, "spanId": f"s{i}", "name": "fill", "startTime": "2024-07-01T00:00:00Z",
                       "llmSpan": {"model": "m", "provider": "p", "inputTokens": 1, "outputTokens": 1,
                                   "promptContent": text}} for i in range(20)]}


def test_full_disk_refuses_cleanly_and_recovers(small_disk: Path) -> None:
    srv = StackLensServer(small_disk / "data", extra_args=["--disk-reserve-mb", "8"]).start()
    key = srv.create_key("traces:write,traces:read")
    headers = {"X-Api-Key": key}
    acked: List[str] = []
    try:
        with httpx.Client(base_url=srv.url, headers=headers, timeout=30) as client:
            refused = None
            for _ in range(2000):
                trace_id = uuid.uuid4().hex
                resp = client.post("/api/v1/stacktrace/v1/traces/batch", json=batch(trace_id))
                if resp.status_code == 200:
                    acked.append(trace_id)
                    continue
                refused = resp
                break
            assert refused is not None, "the disk never filled"
            assert refused.status_code == 507, refused.text
            assert "storage is full" in refused.json()["error"]
            assert int(refused.headers["retry-after"]) > 0
            ready = client.get("/ready")
            assert ready.status_code == 503 and "storage is full" in ready.json()["error"]
            assert client.get("/health").status_code == 200
            # Space returns: the tmpfs grows, as a cleaned-up disk would.
            subprocess.run(["mount", "-o", f"remount,size={SIZE_MB * 4}m", str(small_disk)], check=True)
            assert client.get("/ready").status_code == 200
            after = uuid.uuid4().hex
            assert client.post("/api/v1/stacktrace/v1/traces/batch", json=batch(after)).status_code == 200
            acked.append(after)
            assert len(acked) > 3
            for trace_id in acked:
                got = client.get(f"/api/v1/stacktrace/v1/traces/{trace_id}")
                assert got.status_code == 200 and got.json()["spanCount"] == 20, trace_id
    finally:
        assert srv.stop() == 0
