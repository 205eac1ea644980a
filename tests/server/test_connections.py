"""Connections are capped in total and per client address: past a cap, a new connection is answered
503 with the cap in the error and closed, and the server keeps serving. Clients holding thousands of
half-sent requests take no more than their cap of the server's file descriptors, and a request that is
not finished within read-timeout-seconds loses its connection."""

from __future__ import annotations

import os
import resource
import socket
import time
from pathlib import Path
from typing import Callable, List

import httpx

from stacklens_server import StackLensServer

HEALTH = b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n"
HALF_SENT = b"POST /api/v1/stacktrace/v1/traces HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"traceId\""


def connect(port: int, source: str = "127.0.0.1") -> socket.socket:
    return socket.create_connection(("127.0.0.1", port), timeout=30, source_address=(source, 0))


def read_reply(sock: socket.socket) -> bytes:
    """One keep-alive answer (headers and a Content-Length body), or everything until the server closes."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            return data
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = int(next(line.split(b":")[1] for line in head.split(b"\r\n") if line.lower().startswith(b"content-length")))
    while len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            break
        body += chunk
    return head + b"\r\n\r\n" + body


def read_until_closed(sock: socket.socket) -> bytes:
    data = b""
    while chunk := sock.recv(65536):
        data += chunk
    return data


def fill_to_cap(port: int, cap: int, source: str = "127.0.0.1") -> List[socket.socket]:
    """Connections from `source`, each answered once and kept open, until one is refused with exactly
    `cap` held (a connection the harness closed just before may still count for a moment)."""
    held: List[socket.socket] = []
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        sock = connect(port, source)
        sock.sendall(HEALTH)
        reply = read_reply(sock)
        if reply.startswith(b"HTTP/1.1 200"):
            held.append(sock)
            assert len(held) <= cap, f"more than {cap} connections from {source} were served"
            continue
        sock.close()
        assert reply.startswith(b"HTTP/1.1 503"), reply
        if len(held) == cap:
            return held
    raise AssertionError(f"{len(held)} connections from {source} held; expected the cap of {cap}")


def poll(condition: Callable[[], bool], what: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError(what)


def served(port: int, source: str = "127.0.0.1") -> bool:
    with connect(port, source) as sock:
        sock.sendall(HEALTH)
        return read_reply(sock).startswith(b"HTTP/1.1 200")


def get_from(source: str, url: str) -> httpx.Response:
    with httpx.Client(transport=httpx.HTTPTransport(local_address=source), timeout=30) as client:
        return client.get(url)


def open_fds(srv: StackLensServer) -> int:
    assert srv.proc is not None
    return len(os.listdir(f"/proc/{srv.proc.pid}/fd"))


def test_connections_past_the_caps_get_503_and_the_server_keeps_serving(tmp_path: Path) -> None:
    srv = StackLensServer(tmp_path / "data",
                          extra_args=["--max-connections", "12", "--max-connections-per-client", "6"]).start()
    held: List[socket.socket] = []
    try:
        held += fill_to_cap(srv.port, 6)
        with connect(srv.port) as sock:
            sock.sendall(HEALTH)
            refused = read_until_closed(sock)  # answered, then closed by the server
        assert refused.startswith(b"HTTP/1.1 503")
        assert b"Retry-After: 1" in refused and b"Connection: close" in refused
        assert b'{"error":"too many connections from 127.0.0.1 (cap 6 per client); close some or retry later"}' in refused

        # Another client is still served, up to the total cap.
        assert get_from("127.0.0.2", srv.url + "/health").status_code == 200
        held += fill_to_cap(srv.port, 6, source="127.0.0.2")
        with connect(srv.port, "127.0.0.3") as sock:
            sock.sendall(HEALTH)
            refused = read_until_closed(sock)
        assert refused.startswith(b"HTTP/1.1 503")
        assert b"too many connections: the server holds its cap of 12; retry later" in refused
        assert "refused" in srv.log() and "past the caps" in srv.log()

        # The connections that were kept are still served, and their places come back when they close.
        held[0].sendall(HEALTH)
        assert read_reply(held[0]).startswith(b"HTTP/1.1 200")
        for sock in held:
            sock.close()
        held = []
        poll(lambda: served(srv.port), "the server did not serve again once the held connections closed")
        assert httpx.get(srv.url + "/health").status_code == 200
    finally:
        for sock in held:
            sock.close()
        assert srv.stop() == 0, srv.log()


def test_thousands_of_half_sent_requests_cannot_take_the_servers_files(tmp_path: Path) -> None:
    cap = 32
    srv = StackLensServer(tmp_path / "data",
                          extra_args=["--max-connections", "256", "--max-connections-per-client", str(cap)]).start()
    slow: List[socket.socket] = []
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))  # this test's own sockets
    try:
        idle_fds = open_fds(srv)
        for _ in range(min(2000, hard - 256)):  # each sends its header and the start of a body it never finishes
            sock = connect(srv.port)
            try:
                sock.sendall(HALF_SENT)
            except OSError:
                pass  # refused and reset already
            slow.append(sock)
        # Refused ones are answered and closed; at most `cap` remain, whatever the client holds (the
        # slack: files the store opens as it runs, such as a reader's connection to spans.db).
        poll(lambda: open_fds(srv) <= idle_fds + cap + 16,
             f"the server holds more than {cap} connections of one client")
        # Everyone else is still served, and so is a normal request.
        assert get_from("127.0.0.2", srv.url + "/health").status_code == 200
        assert get_from("127.0.0.3", srv.url + "/api/v1/server").status_code == 200
        for sock in slow:
            sock.close()
        slow = []
        poll(lambda: served(srv.port), "the slow client's address was not served again once it closed")
    finally:
        for sock in slow:
            sock.close()
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
        assert srv.stop() == 0, srv.log()


def test_a_request_not_finished_in_time_loses_its_connection(tmp_path: Path) -> None:
    srv = StackLensServer(tmp_path / "data",
                          extra_args=["--read-timeout-seconds", "1", "--max-connections-per-client", "4"]).start()
    try:
        # From an address of their own: the start's readiness checks came from 127.0.0.1, and the
        # server may not have seen their connections close yet.
        slow = [connect(srv.port, "127.0.0.5") for _ in range(4)]
        for sock in slow:
            sock.sendall(HALF_SENT)
        for sock in slow:
            assert read_until_closed(sock) == b""  # closed by the server, nothing answered
            sock.close()
        poll(lambda: served(srv.port, "127.0.0.5"), "the slow client's places did not come back")
    finally:
        assert srv.stop() == 0, srv.log()
