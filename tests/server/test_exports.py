"""Exports: the spans of the traces a trace-list filter matches, as JSON Lines or CSV, streamed
(GET /api/v1/stacktrace/v1/exports/spans). The same filters as the list, read by the same code;
both formats read back to the same rows; text only when asked; bad input answered 400 as the
list answers it; a large export comes in chunks and a client that leaves frees its place."""
from __future__ import annotations

import contextlib
import csv
import io
import json
import re
import threading
import time
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Set

import httpx
import pytest

from openapi_contract import keyed_client
from stacklens_server import StackLensServer

API = "/api/v1/stacktrace/v1"
EXPORT = f"{API}/exports/spans"
COLUMNS = ["traceId", "spanId", "parentSpanId", "name", "kind", "status", "startTime", "endTime", "latencyMs",
           "model", "provider", "inputTokens", "outputTokens", "totalTokens", "cacheReadTokens", "cacheWriteTokens",
           "reasoningTokens", "estimatedCostUsd", "costSource", "temperature", "maxTokens", "isStreaming",
           "finishReason", "tags", "attributes", "events"]
TEXT = ["promptContent", "completionContent"]
# Text that CSV must quote: commas, quotes, both line ends, and more than ASCII.
AWKWARD = 'say "hi", then\r\nleave,\n€ 5 — ok'
START = 1714521600  # 2024-05-01T00:00:00Z


def span(trace: str, span_id: str, at: int, *, parent: Optional[str] = None, name: str = "op",
         model: Optional[str] = None, status: str = "ok", tags: Optional[List[str]] = None,
         attributes: Optional[Dict[str, Any]] = None, ms: int = 100, prompt: str = "p",
         completion: str = "c") -> Dict[str, Any]:
    out: Dict[str, Any] = {"traceId": trace, "spanId": span_id, "parentSpanId": parent, "name": name,
                           "status": status, "startTime": str((START + at) * 10**9),
                           "endTime": str((START + at) * 10**9 + ms * 10**6), "tags": tags or [],
                           "attributes": attributes or {}}
    if model:
        out["llmSpan"] = {"model": model, "provider": "openai", "inputTokens": 10, "outputTokens": 5,
                          "temperature": 0.5, "promptContent": prompt, "completionContent": completion}
    return out


SPANS = [
    span("x-1", "root", 0, name="chat", tags=["prod"], attributes={"user_id": "u-1", "session_id": "s-1"}),
    span("x-1", "llm", 1, parent="root", name="call", model="gpt-4o", prompt=AWKWARD, completion="fine"),
    span("x-2", "root", 10, name="chat", model="claude-3", status="error", tags=["prod", "beta"], ms=2500),
    span("x-3", "root", 20, name="search", attributes={"user_id": "u-2", "region": "eu"}),
    span("x-3", "tool", 21, parent="root", name="lookup", tags=["beta"]),
    span("x-3", "llm", 22, parent="root", name="call", model="gpt-4o", completion="multi\nline"),
    span("x-4", "root", 3600, name="chat", model="gpt-4o-mini", attributes={"session_id": "s-1"}),
]

# Filters and the traces they match, newest first (each also checked against the list).
FILTERS = {
    "": ["x-4", "x-3", "x-2", "x-1"],
    "name=chat": ["x-4", "x-2", "x-1"],
    "model=gpt-4o": ["x-3", "x-1"],
    "provider=openai": ["x-4", "x-3", "x-2", "x-1"],
    "status=error": ["x-2"],
    "status=ok": ["x-4", "x-3", "x-1"],
    "tag=beta": ["x-3", "x-2"],
    "tag=prod&tag=beta": ["x-2"],
    "attr=region=eu": ["x-3"],
    "session_id=s-1": ["x-4", "x-1"],
    "user_id=u-2": ["x-3"],
    "min_latency_ms=2200": ["x-2"],
    "to=2024-05-01T00:30:00Z": ["x-3", "x-2", "x-1"],
    "from=2024-05-01T00:00:05Z&to=2024-05-01T00:30:00Z": ["x-3", "x-2"],
    "score=quality>0.5": ["x-1"],
    "sort=score:quality:asc": ["x-3", "x-1"],
}


@pytest.fixture(scope="module")
def client(server: StackLensServer) -> Iterator[httpx.Client]:
    with keyed_client(server, "traces:write,traces:read,scores:write", project="exports") as c:
        yield c


@pytest.fixture(scope="module")
def stored(client: httpx.Client) -> None:
    resp = client.post(f"{API}/traces/batch", json={"spans": SPANS})
    assert resp.status_code == 200 and resp.json()["rejected"] == 0, resp.text
    for sid, trace, value in [("q1", "x-1", 0.9), ("q3", "x-3", 0.2)]:
        resp = client.post(f"{API}/scores", json={"id": sid, "traceId": trace, "name": "quality", "value": value})
        assert resp.status_code == 201, resp.text


def export(client: httpx.Client, query: str = "", fmt: str = "jsonl") -> httpx.Response:
    resp = client.get(f"{EXPORT}?format={fmt}" + (f"&{query}" if query else ""))
    assert resp.status_code == 200, resp.text
    return resp


def jsonl_rows(resp: httpx.Response) -> List[Dict[str, Any]]:
    assert resp.headers["content-type"] == "application/x-ndjson"
    assert resp.text.endswith("\n") or resp.text == ""
    return [json.loads(line) for line in resp.text.splitlines()]


def csv_rows(resp: httpx.Response) -> List[Dict[str, str]]:
    assert resp.headers["content-type"].startswith("text/csv")
    reader = csv.reader(io.StringIO(resp.text, newline=""))
    header = next(reader)
    return [dict(zip(header, row, strict=True)) for row in reader]


def list_traces(client: httpx.Client, query: str) -> List[Dict[str, Any]]:
    out: List[Dict[str, Any]] = []
    cursor = None
    while True:
        resp = client.get(f"{API}/traces?limit=1" + (f"&{query}" if query else "") + (f"&cursor={cursor}" if cursor else ""))
        assert resp.status_code == 200, resp.text
        out += resp.json()["traces"]
        cursor = resp.json()["nextCursor"]
        if not cursor:
            return out


def in_order(ids: List[str]) -> List[str]:
    """Trace ids once each, in the order they first appear."""
    return list(dict.fromkeys(ids))


@pytest.mark.parametrize("query", list(FILTERS))
def test_the_filters_are_the_lists(client: httpx.Client, stored: None, query: str) -> None:
    listed = list_traces(client, query)
    assert [t["traceId"] for t in listed] == FILTERS[query]
    rows = jsonl_rows(export(client, query))
    assert in_order([r["traceId"] for r in rows]) == FILTERS[query]
    assert len(rows) == sum(t["spanCount"] for t in listed)
    # A trace's spans come together, by start time.
    for trace in FILTERS[query]:
        starts = [r["startTime"] for r in rows if r["traceId"] == trace]
        assert starts == sorted(starts)


def test_both_formats_read_back_to_the_same_rows(client: httpx.Client, stored: None) -> None:
    for include in ("", "include=text"):
        as_json = jsonl_rows(export(client, include))
        as_csv = csv_rows(export(client, include, "csv"))
        columns = COLUMNS + (TEXT if include else [])
        assert [list(r) for r in as_json] == [columns] * len(SPANS)
        assert [list(r) for r in as_csv] == [columns] * len(SPANS)
        for j, c in zip(as_json, as_csv):
            for name in columns:
                value = j[name]
                if value is None:
                    assert c[name] == "", name
                elif isinstance(value, bool):
                    assert c[name] == ("true" if value else "false"), name
                elif isinstance(value, (int, float)):
                    assert float(c[name]) == pytest.approx(value), name
                elif isinstance(value, str):
                    assert c[name] == value, name
                else:
                    assert json.loads(c[name]) == value, name
    rows = {(r["traceId"], r["spanId"]): r for r in jsonl_rows(export(client, "include=text"))}
    llm = rows[("x-1", "llm")]
    assert llm["promptContent"] == AWKWARD and llm["completionContent"] == "fine"
    assert (llm["model"], llm["provider"], llm["inputTokens"], llm["outputTokens"]) == ("gpt-4o", "openai", 10, 5)
    assert llm["parentSpanId"] == "root" and llm["temperature"] == 0.5 and llm["costSource"] in {"table", "unpriced"}
    root = rows[("x-1", "root")]
    assert root["model"] is None and root["promptContent"] is None and root["tags"] == ["prod"]
    assert root["attributes"] == {"user_id": "u-1", "session_id": "s-1"}
    assert rows[("x-2", "root")]["latencyMs"] == 2500 and rows[("x-2", "root")]["status"] == "error"
    prompts = {(r["traceId"], r["spanId"]): r["promptContent"] for r in csv_rows(export(client, "include=text", "csv"))}
    assert prompts[("x-1", "llm")] == AWKWARD


def test_csv_is_rfc_4180(client: httpx.Client, stored: None) -> None:
    text = export(client, "include=text", "csv").text
    assert text.startswith(",".join(COLUMNS + TEXT) + "\r\n")
    assert text.endswith("\r\n")
    # The awkward prompt is one quoted field, its quotes doubled.
    assert '"' + AWKWARD.replace('"', '""') + '"' in text


def test_text_only_when_asked(server: StackLensServer, client: httpx.Client, stored: None) -> None:
    for fmt in ("jsonl", "csv"):
        plain = export(client, "", fmt)
        assert "fine" not in plain.text and "multi" not in plain.text and "€" not in plain.text
        rows = jsonl_rows(plain) if fmt == "jsonl" else csv_rows(plain)
        assert all(not set(TEXT) & set(r) for r in rows)
        asked = export(client, "include=text", fmt)
        assert "fine" in asked.text and "€" in asked.text
    # Reading spans at all takes traces:read; a key without it reads nothing, text or not.
    with keyed_client(server, "traces:write,scores:write", project="exports-w") as writer:
        for query in ("", "?include=text"):
            resp = writer.get(EXPORT + query)
            assert resp.status_code == 403 and "traces:read" in resp.json()["error"]


def test_other_projects_spans_stay_out(server: StackLensServer, stored: None) -> None:
    with keyed_client(server, "traces:read", project="exports-other") as other:
        assert export(other).text == ""
        assert export(other, fmt="csv").text == ",".join(COLUMNS) + "\r\n"


def test_bad_input_is_refused_as_the_list_refuses_it(client: httpx.Client) -> None:
    resp = client.get(EXPORT + "?format=xml")
    assert resp.status_code == 400 and "format" in resp.json()["error"] and "xml" in resp.json()["error"]
    resp = client.get(EXPORT + "?include=everything")
    assert resp.status_code == 400 and "include" in resp.json()["error"]
    for bad in ("status=maybe", "attr=novalue", "score=quality", "score=label>good", "sort=name", "from=yesterday",
                "min_cost_usd=cheap", "unpriced=maybe", "tag=a&" + "&".join(f"attr=k{i}=v" for i in range(20))):
        listed = client.get(f"{API}/traces?{bad}")
        exported = client.get(f"{EXPORT}?format=csv&{bad}")
        assert listed.status_code == 400, bad
        assert (exported.status_code, exported.json()) == (400, listed.json()), bad
    # The list's paging is not the export's: an export is every matching trace.
    for paging in ("limit=10", "cursor=abc"):
        resp = client.get(f"{EXPORT}?{paging}")
        assert resp.status_code == 400 and paging.split("=")[0] in resp.json()["error"]


def test_the_download_names_a_file(client: httpx.Client, stored: None) -> None:
    for fmt in ("jsonl", "csv"):
        disposition = export(client, "", fmt).headers["content-disposition"]
        assert re.fullmatch(rf'attachment; filename="stacklens-spans-\d{{8}}T\d{{6}}Z\.{fmt}"', disposition)


def test_a_signed_in_user_downloads_a_projects_export_by_link(server: StackLensServer) -> None:
    """A download link cannot send X-StackLens-Project: on a GET the project may be a query parameter."""
    password = re.search(r"Admin login: \S+ / (\S+)", server.log())
    assert password
    browser = httpx.Client(base_url=server.url, timeout=10)
    try:
        resp = browser.post("/api/v1/auth/login", json={"email": "admin@stacklens.local", "password": password.group(1)})
        assert resp.status_code == 200, resp.text
        made = browser.post("/api/v1/projects", json={"name": "exports-ui"},
                            headers={"X-CSRF-Token": resp.json()["csrfToken"]})
        assert made.status_code == 201, made.text
        key = server.create_key("traces:write", project="exports-ui")
        resp = httpx.post(f"{server.url}{API}/traces/batch", json={"spans": SPANS[:2]}, headers={"X-Api-Key": key})
        assert resp.status_code == 200, resp.text
        by_link = browser.get(f"{EXPORT}?format=jsonl&project=exports-ui&include=text")
        assert by_link.status_code == 200, by_link.text
        assert [(r["traceId"], r["spanId"]) for r in jsonl_rows(by_link)] == [("x-1", "root"), ("x-1", "llm")]
        by_header = browser.get(f"{EXPORT}?include=text", headers={"X-StackLens-Project": "exports-ui"})
        assert by_header.text == by_link.text
        # Without either, the user's first project ("default"), which has no trace x-1.
        assert '"x-1"' not in browser.get(EXPORT).text
        resp = browser.get(f"{EXPORT}?project=nowhere")
        assert resp.status_code == 403 and "nowhere" in resp.json()["error"]
    finally:
        browser.close()


BIG = 20_000


@pytest.fixture(scope="module")
def big(server: StackLensServer) -> Iterator[httpx.Client]:
    """BIG spans with a kilobyte of text each, in traces of 10, in a project of their own. Its
    answers are not held to the contract: that reads each body whole, and these are read as they
    come."""
    server.cli("projects", "create", "exports-big")
    key = server.create_key("traces:write,traces:read", project="exports-big")
    with httpx.Client(base_url=server.url, timeout=60, headers={"X-Api-Key": key}) as c:
        filler = "lorem ipsum, " * 80
        for batch in range(BIG // 1000):
            spans = [span(f"big-{batch}-{i // 10}", f"s{i % 10}", batch * 100 + i // 10, model="gpt-4o",
                          prompt=filler, completion=filler) for i in range(1000)]
            resp = c.post(f"{API}/traces/batch", json={"spans": spans})
            assert resp.status_code == 200 and resp.json()["accepted"] == 1000, resp.text
        yield c


def test_a_large_export_streams_in_chunks(big: httpx.Client) -> None:
    for fmt in ("jsonl", "csv"):
        pieces, body = 0, bytearray()
        with big.stream("GET", f"{EXPORT}?format={fmt}&include=text") as resp:
            assert resp.status_code == 200
            assert resp.headers["transfer-encoding"] == "chunked" and "content-length" not in resp.headers
            for piece in resp.iter_bytes():
                pieces += 1
                body += piece
        assert pieces > 1
        text = body.decode()
        if fmt == "jsonl":
            rows = [json.loads(line) for line in text.splitlines()]
        else:
            reader = csv.reader(io.StringIO(text, newline=""))
            assert next(reader) == COLUMNS + TEXT
            rows = [dict(zip(COLUMNS + TEXT, row, strict=True)) for row in reader]
        assert len(rows) == BIG
        assert len({(r["traceId"], r["spanId"]) for r in rows}) == BIG
        assert all(r["promptContent"].startswith("lorem ipsum, ") for r in rows)


@pytest.mark.one_target  # the limit is a node's: behind haproxy a fifth export may reach the other node
def test_a_client_that_leaves_frees_its_place(big: httpx.Client) -> None:
    """At most 4 exports run at once; a client that goes away mid-export stops its export, so
    exports left early never use up the places."""
    for _ in range(8):
        with big.stream("GET", f"{EXPORT}?include=text") as resp:
            if resp.status_code == 200:
                next(resp.iter_raw())  # a first piece, then the client leaves
            else:  # earlier leavers' exports not noticed gone yet
                assert resp.status_code == 429 and "exports are running" in resp.read().decode()
    # Once their exports have stopped, four are let in at once, and a fifth is refused.
    deadline = time.monotonic() + 30
    while True:
        with contextlib.ExitStack() as stack:
            opened = [stack.enter_context(big.stream("GET", f"{EXPORT}?include=text")) for _ in range(4)]
            if all(r.status_code == 200 for r in opened):
                resp = big.get(f"{EXPORT}?name=absent")
                assert resp.status_code == 429 and resp.headers["retry-after"]
                return
        assert time.monotonic() < deadline, "the exports of clients that left never stopped"
        time.sleep(0.05)


@pytest.mark.one_target  # a local process's stop
def test_a_stop_during_exports_ends_them_before_the_stores_go(tmp_path: Path) -> None:
    """SIGTERM while exports stream: each export is stopped and its thread joined before the
    stores and the sealer's keys it reads go (an export reading on after them read text with keys
    already freed: "stored text failed authentication"), and the server exits cleanly."""
    srv = StackLensServer(tmp_path / "data").start()
    key = srv.create_key("traces:write,traces:read")
    filler = "lorem ipsum, " * 80
    with httpx.Client(base_url=srv.url, timeout=60, headers={"X-Api-Key": key}) as c:
        for batch in range(10):
            spans = [span(f"stop-{batch}-{i // 10}", f"s{i % 10}", batch * 100 + i // 10, model="gpt-4o",
                          prompt=filler, completion=filler) for i in range(1000)]
            assert c.post(f"{API}/traces/batch", json={"spans": spans}).status_code == 200
    streaming, stopped = threading.Event(), threading.Event()

    def download() -> None:  # exports one after another, read as fast as they come, until the server is gone
        with httpx.Client(base_url=srv.url, timeout=60, headers={"X-Api-Key": key}) as c:
            while not stopped.is_set():
                try:
                    with c.stream("GET", f"{EXPORT}?include=text") as resp:
                        for _ in resp.iter_raw():
                            streaming.set()
                except httpx.HTTPError:
                    return

    threads = [threading.Thread(target=download) for _ in range(3)]
    for t in threads:
        t.start()
    try:
        assert streaming.wait(30)
        assert srv.stop() == 0, srv.log()
    finally:
        stopped.set()
        srv.stop()
        for t in threads:
            t.join(60)
    log = srv.log()
    assert "failed authentication" not in log and "export stopped" not in log, log
