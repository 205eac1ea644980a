"""Request bodies however they arrive: in pieces, chunked, pipelined behind another request."""

from __future__ import annotations

import json
import socket
import time
from typing import Any, Dict, List

import httpx


def span_json(trace_id: str, span_id: str) -> bytes:
    return json.dumps({"traceId": trace_id, "spanId": span_id, "name": "op", "startTime": "2024-03-01T00:00:00Z",
                       "llmSpan": {"model": "m", "provider": "p", "promptContent": "x" * 3000}}).encode()


def read_responses(sock: socket.socket, count: int) -> List[bytes]:
    """Reads `count` HTTP responses (Content-Length bodies) from the socket."""
    data, out = b"", []
    while len(out) < count:
        while b"\r\n\r\n" not in data:
            chunk = sock.recv(65536)
            assert chunk, "connection closed early"
            data += chunk
        head, rest = data.split(b"\r\n\r\n", 1)
        length = next(int(line.split(b":")[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length"))
        while len(rest) < length:
            chunk = sock.recv(65536)
            assert chunk, "connection closed early"
            rest += chunk
        out.append(head + b"\r\n\r\n" + rest[:length])
        data = rest[length:]
    return out


def stored(server: Any, key: str, trace_id: str) -> int:
    resp = httpx.get(server.url + f"/api/v1/stacktrace/v1/traces/{trace_id}", headers={"X-Api-Key": key})
    return len(resp.json()["spans"]) if resp.status_code == 200 else 0


def test_a_body_that_arrives_in_pieces(server: Any, keys: Dict[str, str]) -> None:
    body = span_json("pieces", "s1")
    head = (f"POST /api/v1/stacktrace/v1/traces HTTP/1.1\r\nHost: x\r\nX-Api-Key: {keys['full']}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n").encode()
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(head + body[:10])  # part of the body comes with the header
        for i in range(10, len(body), 700):
            time.sleep(0.02)
            sock.sendall(body[i:i + 700])
        reply = read_responses(sock, 1)[0]
    assert reply.startswith(b"HTTP/1.1 200"), reply[:200]
    assert stored(server, keys["full"], "pieces") == 1


def test_a_chunked_body(server: Any, keys: Dict[str, str]) -> None:
    body = span_json("chunked", "s1")
    chunks = b"".join(b"%x\r\n%s\r\n" % (len(body[i:i + 1000]), body[i:i + 1000]) for i in range(0, len(body), 1000))
    head = (f"POST /api/v1/stacktrace/v1/traces HTTP/1.1\r\nHost: x\r\nX-Api-Key: {keys['full']}\r\n"
            f"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n").encode()
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(head + chunks + b"0\r\n\r\n")
        reply = read_responses(sock, 1)[0]
    assert reply.startswith(b"HTTP/1.1 200"), reply[:200]
    assert stored(server, keys["full"], "chunked") == 1


def test_pipelined_requests_in_one_write(server: Any, keys: Dict[str, str]) -> None:
    requests = b""
    for span_id in ("s1", "s2", "s3"):
        body = span_json("pipelined", span_id)
        requests += (f"POST /api/v1/stacktrace/v1/traces HTTP/1.1\r\nHost: x\r\nX-Api-Key: {keys['full']}\r\n"
                     f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n").encode() + body
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(requests)
        replies = read_responses(sock, 3)
    assert all(r.startswith(b"HTTP/1.1 200") for r in replies), [r[:100] for r in replies]
    assert [json.loads(r.split(b"\r\n\r\n", 1)[1])["spanId"] for r in replies] == ["s1", "s2", "s3"]
    assert stored(server, keys["full"], "pipelined") == 3


def test_a_body_cut_short_stores_nothing(server: Any, keys: Dict[str, str]) -> None:
    body = span_json("cut-short", "s1")
    head = (f"POST /api/v1/stacktrace/v1/traces HTTP/1.1\r\nHost: x\r\nX-Api-Key: {keys['full']}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n").encode()
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(head + body[: len(body) // 2])
        sock.shutdown(socket.SHUT_WR)
        assert sock.recv(4096) == b""  # the server closes without an answer: nothing was read whole
    assert stored(server, keys["full"], "cut-short") == 0
    assert httpx.get(server.url + "/health").status_code == 200
