"""Traces whose session and user entries were still only in memory (not merged into id_traces)
when the server was killed are found by session and user after the restart."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any, Dict, List

import httpx
import pytest

from stacklens_server import StackLensServer

pytestmark = pytest.mark.one_target  # spans.db alone: nothing of the metadata target's

TRACES = "/api/v1/stacktrace/v1/traces"
SESSIONS = "/api/v1/stacktrace/v1/sessions"
USERS = "/api/v1/stacktrace/v1/users"
PERIOD = "from=2025-07-01T00:00:00Z&to=2025-07-02T00:00:00Z"


def span(trace: str, minute: int, attributes: Dict[str, str]) -> Dict[str, Any]:
    return {"traceId": trace, "spanId": "a", "name": "chat", "startTime": f"2025-07-01T10:{minute:02d}:00Z",
            "endTime": f"2025-07-01T10:{minute:02d}:30Z", "attributes": attributes,
            "llmSpan": {"model": "gpt-4o", "provider": "openai", "inputTokens": 10, "outputTokens": 5,
                        "estimatedCostUsd": 0.5}}


def merged_entries(db: Path) -> int:
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return int(con.execute("SELECT count(*) FROM id_traces").fetchone()[0])
    finally:
        con.close()


def answers(client: httpx.Client) -> Dict[str, Any]:
    def get(path: str) -> Any:
        resp = client.get(path)
        assert resp.status_code == 200, resp.text
        return resp.json()

    def ids(query: str) -> List[str]:
        return [t["traceId"] for t in get(f"{TRACES}?{query}")["traces"]]

    return {
        "by_session": ids("session_id=r-s1"),
        "by_user": ids("user_id=r-u1"),
        "sessions": [(s["sessionId"], s["traceCount"], s["totalTokens"]) for s in get(f"{SESSIONS}?{PERIOD}")["sessions"]],
        "users": [(u["userId"], u["traceCount"], u["sessionCount"]) for u in get(f"{USERS}?{PERIOD}")["users"]],
        "conversation": [t["traceId"] for t in get(f"{SESSIONS}/r-s1")["traces"]],
    }


def test_unmerged_traces_are_found_by_session_and_user_after_a_kill(tmp_path: Path) -> None:
    srv = StackLensServer(tmp_path / "data").start()
    key = srv.create_key("traces:write,traces:read")
    try:
        with httpx.Client(base_url=srv.url, headers={"X-Api-Key": key}, timeout=10) as client:
            spans = [span("r-1", 0, {"session_id": "r-s1", "user_id": "r-u1"}),
                     span("r-2", 1, {"session_id": "r-s1", "user_id": "r-u1"}),
                     span("r-3", 2, {"session_id": "r-s2", "user_id": "r-u1"}),
                     span("r-4", 3, {"session_id": "r-s3"})]
            resp = client.post(f"{TRACES}/batch", json={"spans": spans})
            assert resp.status_code == 200 and resp.json()["accepted"] == 4, resp.text
            # A trace stored without ids that gets them in a later commit.
            assert client.post(TRACES, json={**span("r-5", 4, {}), "spanId": "root"}).status_code == 200
            assert client.post(TRACES, json=span("r-5", 5, {"session_id": "r-s1", "user_id": "r-u2"})).status_code == 200
            before = answers(client)
        assert before == {
            "by_session": ["r-5", "r-2", "r-1"],
            "by_user": ["r-3", "r-2", "r-1"],
            "sessions": [("r-s1", 3, 60), ("r-s3", 1, 15), ("r-s2", 1, 15)],
            "users": [("r-u2", 1, 1), ("r-u1", 3, 2)],
            "conversation": ["r-1", "r-2", "r-5"],
        }
        assert merged_entries(tmp_path / "data" / "spans.db") == 0  # all of them only in memory
        srv.kill()
        srv.start()
        with httpx.Client(base_url=srv.url, headers={"X-Api-Key": key}, timeout=10) as client:
            assert answers(client) == before
    finally:
        srv.stop()
