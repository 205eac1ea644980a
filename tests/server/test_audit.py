"""GovernAI's audit log on the real server, on either metadata store: spans whose personal data a
policy redacted or blocked leave entries (never the value), read through the API (filters, cursor
pages, JSON Lines) and never written through it; the chain is signed by the server and
`stacklens audit verify` finds every entry changed, removed, reordered or rewritten in the
database itself, and says a good chain is intact. The Article 13 report is generated from the
same data, with the operator's statements kept."""
from __future__ import annotations

import hashlib
import json
import sqlite3
import struct
import time
from typing import Any, Dict, Iterator, List

import httpx
import pytest

import postgres_db
import stacklens_cluster
from openapi_contract import keyed_client
from stacklens_server import StackLensServer

TRACES = "/api/v1/stacktrace/v1/traces"
AUDIT = "/api/v1/governai/v1/audit"
REPORT = "/api/v1/governai/v1/report"
OPERATOR = "/api/v1/governai/v1/report/operator"
FINDINGS = "/api/v1/governai/v1/findings"
POLICIES = "/api/v1/governai/v1/policies"
EMAIL = "jane.doe@example.com"
CARD = "4111 1111 1111 1111"
COLUMNS = ["id", "time_us", "project_id", "data_type", "policy", "field", "model", "provider", "trace_id", "span_id",
           "prev_hash", "hash"]


@pytest.fixture(scope="module")
def srv(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StackLensServer]:
    s = StackLensServer(tmp_path_factory.mktemp("audit") / "data").start()
    yield s
    assert s.stop() == 0, s.log()


@pytest.fixture(scope="module")
def c(srv: StackLensServer) -> Iterator[httpx.Client]:
    with keyed_client(srv, "traces:write,traces:read,governai:manage", timeout=30) as client:
        yield client


def span(trace: str, span_id: str, prompt: str, model: str = "gpt-4o", name: str = "chat") -> Dict[str, Any]:
    return {"traceId": trace, "spanId": span_id, "name": name, "startTime": "2025-03-01T10:00:00Z",
            "llmSpan": {"model": model, "provider": "openai", "inputTokens": 10, "outputTokens": 5,
                        "promptContent": prompt, "completionContent": "ok"}}


@pytest.fixture(scope="module")
def logged(c: httpx.Client) -> List[Dict[str, Any]]:
    """Spans with personal data: card blocked, email redacted (the default); the entries they left."""
    assert c.put(POLICIES, json={"policies": {"card": "block", "email": "redact"}}).status_code == 200
    spans = [span("a1", "s1", f"mail {EMAIL} please"), span("a2", "s1", f"write to {EMAIL}", model="claude-3"),
             span("a3", "s1", f"two: {EMAIL} and {EMAIL}", name="summarise")]
    for s in spans:
        assert c.post(TRACES, json=s).status_code in (200, 202)
    assert c.post(TRACES, json=span("a4", "s1", f"card {CARD}")).status_code == 422
    entries = c.get(AUDIT, params={"limit": 1000}).json()["entries"]
    assert len(entries) >= 5
    return entries


def test_entries_name_what_was_done_never_the_value(c: httpx.Client, logged: List[Dict[str, Any]]) -> None:
    kinds = {(e["type"], e["policy"]) for e in logged}
    assert ("email", "redact") in kinds and ("card", "block") in kinds
    assert [e["id"] for e in logged] == sorted((e["id"] for e in logged), reverse=True)
    for e in logged:
        # The chain's hashes are hex, where "4111" turns up by chance; every other field is checked.
        named = json.dumps({k: v for k, v in e.items() if k not in ("hash", "prevHash")})
        assert EMAIL not in named and "4111" not in named
    blocked = next(e for e in logged if e["policy"] == "block")
    assert (blocked["traceId"], blocked["spanId"], blocked["field"], blocked["model"]) == ("a4", "s1", "prompt", "gpt-4o")


def test_filters_and_cursor_pages(c: httpx.Client, logged: List[Dict[str, Any]]) -> None:
    assert all(e["type"] == "card" for e in c.get(AUDIT, params={"type": "card"}).json()["entries"])
    assert {e["policy"] for e in c.get(AUDIT, params={"policy": "redact"}).json()["entries"]} == {"redact"}
    by_model = c.get(AUDIT, params={"model": "claude-3"}).json()["entries"]
    assert by_model and {e["traceId"] for e in by_model} == {"a2"}
    assert c.get(AUDIT, params={"to": "2000-01-01T00:00:00Z"}).json()["entries"] == []
    seen: List[int] = []
    cursor = None
    while True:
        page = c.get(AUDIT, params={"limit": 2, **({"cursor": cursor} if cursor else {})}).json()
        assert len(page["entries"]) <= 2
        seen += [e["id"] for e in page["entries"]]
        cursor = page["nextCursor"]
        if cursor is None:
            break
    assert seen == [e["id"] for e in logged]


def test_jsonl_export_holds_every_entry(c: httpx.Client, logged: List[Dict[str, Any]]) -> None:
    resp = c.get(AUDIT, params={"format": "jsonl"})
    assert resp.status_code == 200
    assert resp.headers["content-type"].startswith("application/x-ndjson")
    lines = [json.loads(line) for line in resp.text.splitlines()]
    assert lines == logged
    only_cards = [json.loads(line) for line in c.get(AUDIT, params={"format": "jsonl", "type": "card"}).text.splitlines()]
    assert only_cards and all(e["type"] == "card" for e in only_cards)


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
def test_the_log_cannot_be_written_through_the_api(c: httpx.Client, logged: List[Dict[str, Any]], method: str) -> None:
    resp = c.request(method, AUDIT, json={"type": "email"})
    assert resp.status_code == 405
    assert c.get(AUDIT, params={"limit": 1000}).json()["entries"] == logged


def test_reads_need_a_key_and_stay_in_their_project(srv: StackLensServer, logged: List[Dict[str, Any]]) -> None:
    assert httpx.get(srv.url + AUDIT).status_code == 401
    writer = srv.create_key("traces:write")
    assert httpx.get(srv.url + AUDIT, headers={"X-Api-Key": writer}).status_code == 403
    srv.cli("projects", "create", "elsewhere")
    theirs = srv.create_key("traces:read", project="elsewhere")
    assert httpx.get(srv.url + AUDIT, headers={"X-Api-Key": theirs}).json()["entries"] == []


def test_findings_over_time(c: httpx.Client, logged: List[Dict[str, Any]]) -> None:
    got = c.get(FINDINGS, params={"from": "2000-01-01T00:00:00Z", "interval": 86400 * 366}).json()
    counted = {}
    for b in got["buckets"]:
        counted[(b["type"], b["policy"])] = counted.get((b["type"], b["policy"]), 0) + b["count"]
    expected: Dict[Any, int] = {}
    for e in logged:
        expected[(e["type"], e["policy"])] = expected.get((e["type"], e["policy"]), 0) + 1
    assert counted == expected


def test_report_is_generated_from_the_data(c: httpx.Client, srv: StackLensServer,
                                           logged: List[Dict[str, Any]]) -> None:
    put = c.put(OPERATOR, json={"intendedPurpose": "answer support mail", "providerContact": "ops@example.com"})
    assert put.status_code == 200 and put.json()["updatedAt"]
    assert c.put(OPERATOR, json={"humanOversight": "an agent reviews every answer"}).status_code == 200
    window = {"from": "2025-03-01T00:00:00Z", "to": "2025-03-02T00:00:00Z"}
    r = c.get(REPORT, params=window).json()
    assert r["project"] == "default"
    assert r["operator"]["intendedPurpose"] == "answer support mail"  # kept when later statements were entered
    assert r["operator"]["humanOversight"] == "an agent reviews every answer"
    assert r["operator"]["knownLimitations"] == ""
    models = {m["name"]: m["spans"] for m in r["usage"]["models"]}
    assert models.get("claude-3") == 1 and models.get("gpt-4o", 0) >= 2
    assert {o["name"] for o in r["usage"]["operations"]} >= {"chat", "summarise"}
    assert {p["name"] for p in r["usage"]["providers"]} == {"openai"}
    # The entries' time is when they were appended (now), not the spans' time: the report counts by it.
    now = {"from": "2000-01-01T00:00:00Z"}
    personal = {(p["type"], p["policy"]): p["count"] for p in c.get(REPORT, params=now).json()["personalData"]}
    assert personal[("card", "block")] >= 1 and personal[("email", "redact")] >= 4
    safeguards = r["safeguards"]
    assert {"type": "card", "action": "block"}.items() <= next(
        p for p in safeguards["governai"]["policies"] if p["type"] == "card").items()
    assert safeguards["accessControl"]["members"]["admin"] == 1
    assert safeguards["auditLog"]["intact"] is True
    assert safeguards["auditLog"]["entries"] >= len(logged)


@pytest.mark.parametrize("body, message", [
    ({"intendedPurpose": 3}, "intendedPurpose must be a string"),
    ({"purpose": "x"}, "unknown field 'purpose'"),
    ({"knownLimitations": "x" * 10001}, "knownLimitations is longer than 10000 characters"),
])
def test_bad_statements_are_refused(c: httpx.Client, body: Dict[str, Any], message: str) -> None:
    resp = c.put(OPERATOR, json=body)
    assert resp.status_code == 400
    assert message in resp.json()["error"]


def test_statements_need_governai_manage(srv: StackLensServer) -> None:
    reader = srv.create_key("traces:read")
    assert httpx.put(srv.url + OPERATOR, json={"intendedPurpose": "x"}, headers={"X-Api-Key": reader}).status_code == 403


# --- Tampering with the database itself ---------------------------------------------------------

# The cluster pass's metadata database is the cluster's own: the SQLite and PostgreSQL passes
# tamper with theirs.
tampering = pytest.mark.skipif(stacklens_cluster.SELECTED, reason="the metadata database is the cluster's")

def entry_hash(row: Dict[str, Any]) -> str:
    """The chain's rule (storage/audit_chain.h), written again here so the test checks it."""
    h = hashlib.blake2b(digest_size=32)

    def text(s: str) -> None:
        b = s.encode()
        h.update(struct.pack("<Q", len(b)) + b)

    text("stacklens-audit-v1")
    for n in (row["id"], row["time_us"], row["project_id"]):
        h.update(struct.pack("<q", n))
    for col in ("data_type", "policy", "field", "model", "provider", "trace_id", "span_id", "prev_hash"):
        text(row[col])
    return h.hexdigest()


class AuditTable:
    """audit_log rows read and written behind the server's back, in meta.db or in PostgreSQL."""

    def __init__(self, srv: StackLensServer) -> None:
        args = srv.extra_args
        self.pg = args[args.index("--metadata-url") + 1] if "--metadata-url" in args else None
        self.path = srv.data_dir / "meta.db"

    def _run(self, sql: str, params: tuple = ()) -> List[tuple]:
        if self.pg:
            for p in params:
                sql = sql.replace("?", f"'{p}'" if isinstance(p, str) else str(p), 1)
            out = postgres_db.psql(self.pg, sql)
            return [tuple(line.split("|")) for line in out.splitlines() if line]
        with sqlite3.connect(self.path) as db:
            return db.execute(sql, params).fetchall()

    def rows(self) -> List[Dict[str, Any]]:
        out = []
        for r in self._run(f"SELECT {', '.join(COLUMNS)} FROM audit_log ORDER BY id"):
            row = dict(zip(COLUMNS, r))
            for k in ("id", "time_us", "project_id"):
                row[k] = int(row[k])
            out.append(row)
        return out

    def write(self, row: Dict[str, Any]) -> None:
        sets = ", ".join(f"{k} = ?" for k in COLUMNS[1:])
        self._run(f"UPDATE audit_log SET {sets} WHERE id = ?", tuple(row[k] for k in COLUMNS[1:]) + (row["id"],))

    def delete(self, entry_id: int) -> None:
        self._run("DELETE FROM audit_log WHERE id = ?", (entry_id,))

    def insert(self, row: Dict[str, Any]) -> None:
        marks = ", ".join("?" for _ in COLUMNS)
        self._run(f"INSERT INTO audit_log({', '.join(COLUMNS)}) VALUES({marks})", tuple(row[k] for k in COLUMNS))


def verify(srv: StackLensServer) -> "tuple[int, str]":
    out = srv.cli("audit", "verify", check=False)
    return out.returncode, out.stdout + out.stderr


@tampering
def test_verify_catches_each_change_made_in_the_database(srv: StackLensServer, c: httpx.Client,
                                                         logged: List[Dict[str, Any]]) -> None:
    table = AuditTable(srv)
    good = table.rows()
    last = good[-1]["id"]
    assert last >= 5
    assert [entry_hash(r) for r in good] == [r["hash"] for r in good]
    # The server signs the head within a second of an append.
    deadline = time.monotonic() + 30
    while True:
        code, out = verify(srv)
        if f"signed through entry {last}" in out or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert code == 0 and f"intact: {last} entries" in out and f"signed through entry {last}" in out, out

    def caught(expected: str) -> None:
        code, out = verify(srv)
        assert code == 1 and expected in out, out

    def restore() -> None:
        current = {r["id"] for r in table.rows()}
        for r in good:
            if r["id"] in current:
                table.write(r)
            else:
                table.insert(r)
        code, out = verify(srv)
        assert code == 0, out

    # A field changed.
    changed = dict(good[2], field="completion")
    table.write(changed)
    caught("BROKEN at entry 3:")
    restore()
    # A field changed and the entry hashed again: the next entry's link names it.
    changed = dict(good[2], policy="allow")
    changed["hash"] = entry_hash(changed)
    table.write(changed)
    caught("BROKEN at entry 3:")
    restore()
    # The whole chain rewritten from entry 2 with fresh hashes: the signed checkpoint disagrees.
    prev = good[0]["hash"]
    for r in good[1:]:
        rewritten = dict(r, policy="allow" if r["id"] == 2 else r["policy"], prev_hash=prev)
        rewritten["hash"] = prev = entry_hash(rewritten)
        table.write(rewritten)
    caught("were rewritten")
    restore()
    # An entry removed.
    table.delete(4)
    caught("BROKEN at entry 4: entry 4 was removed")
    restore()
    # The last entry removed: only the checkpoint knows it existed.
    table.delete(last)
    caught(f"BROKEN at entry {last}:")
    restore()
    # Two entries swapped.
    table.write(dict(good[2], id=2))
    table.write(dict(good[1], id=3))
    caught("BROKEN at entry 2:")
    restore()
    # And the report, which verifies now, says intact again.
    assert c.get(REPORT).json()["safeguards"]["auditLog"]["intact"] is True


@tampering
def test_report_shows_a_broken_chain(srv: StackLensServer, c: httpx.Client, logged: List[Dict[str, Any]]) -> None:
    table = AuditTable(srv)
    good = table.rows()
    table.write(dict(good[0], model="edited"))
    try:
        integrity = c.get(REPORT).json()["safeguards"]["auditLog"]
        assert integrity["intact"] is False and integrity["firstBadEntry"] == 1
        assert "entry 1" in integrity["problem"]
    finally:
        table.write(good[0])
    assert c.get(REPORT).json()["safeguards"]["auditLog"]["intact"] is True
