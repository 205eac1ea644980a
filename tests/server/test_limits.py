"""Documented limits answer 413 with a clear error, and the server carries on."""

from __future__ import annotations

from typing import Any, Dict

import httpx


def test_body_over_the_limit_is_413(server: Any, keys: Dict[str, str]) -> None:
    big = b'{"traceId": "' + b"x" * (9 * 1024 * 1024) + b'"}'
    resp = httpx.post(server.url + "/api/v1/stacktrace/v1/traces", content=big,
                      headers={"X-Api-Key": keys["full"], "Content-Type": "application/json"}, timeout=30)
    assert resp.status_code == 413
    assert "larger than the limit of 8388608 bytes" in resp.json()["error"]
    assert httpx.get(server.url + "/health").status_code == 200


def test_batch_over_the_span_limit_is_413(server: Any, keys: Dict[str, str]) -> None:
    spans = [{"traceId": "big", "spanId": f"s{i}", "name": "n", "startTime": "2024-01-01T00:00:00Z"} for i in range(1001)]
    resp = httpx.post(server.url + "/api/v1/stacktrace/v1/traces/batch", json={"spans": spans},
                      headers={"X-Api-Key": keys["full"]}, timeout=30)
    assert resp.status_code == 413
    assert "batch has 1001 spans; the limit is 1000" in resp.json()["error"]
    gone = httpx.get(server.url + "/api/v1/stacktrace/v1/traces/big", headers={"X-Api-Key": keys["full"]})
    assert gone.status_code == 404


def test_malformed_http_gets_400_and_the_server_lives(server: Any) -> None:
    import socket

    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
        sock.sendall(b"NOT HTTP AT ALL\r\n\r\n")
        reply = sock.recv(4096)
    assert reply.startswith(b"HTTP/1.1 400")
    assert b'"error"' in reply
    assert httpx.get(server.url + "/health").status_code == 200


def test_metrics_count_requests_and_rejections(server: Any, keys: Dict[str, str]) -> None:
    httpx.post(server.url + "/api/v1/stacktrace/v1/traces", content=b"{", headers={"X-Api-Key": keys["full"]})
    text = httpx.get(server.url + "/metrics").text
    assert 'stacklens_http_requests_total{route="/api/v1/stacktrace/v1/traces",status="400"}' in text
    for name in ["stacklens_ingest_queue_spans", "stacklens_commit_seconds_count", "stacklens_spans_stored_total",
                 "stacklens_spans_rejected_total"]:
        assert name in text
    rejected = [line for line in text.splitlines() if line.startswith("stacklens_spans_rejected_total ")]
    assert int(rejected[0].split()[1]) >= 1


def test_bodies_in_flight_are_bounded(tmp_path: Any) -> None:
    import socket

    from stacklens_server import StackLensServer

    srv = StackLensServer(tmp_path / "data", extra_args=["--inflight-body-mb", "1"]).start()
    try:
        key = srv.create_key("traces:write")
        # A slow client announces a 400 kB body and sends none of it: it holds its reservation.
        slow = socket.create_connection(("127.0.0.1", srv.port), timeout=5)
        slow.sendall(b"POST /api/v1/stacktrace/v1/traces HTTP/1.1\r\nHost: x\r\nX-Api-Key: " + key.encode() +
                     b"\r\nContent-Type: application/json\r\nContent-Length: 400000\r\n\r\n")
        span = {"traceId": "t", "spanId": "s", "name": "n", "startTime": "2024-01-01T00:00:00Z"}
        refused = None
        for _ in range(50):  # until the slow client's header has been read
            resp = httpx.post(srv.url + "/api/v1/stacktrace/v1/traces", json=span, headers={"X-Api-Key": key})
            if resp.status_code == 429:
                refused = resp
                break
        assert refused is not None, "a second body was accepted beyond the in-flight budget"
        assert "busy" in refused.json()["error"] and refused.headers["retry-after"] == "1"
        slow.close()
        for _ in range(200):  # the reservation goes with the connection
            if httpx.post(srv.url + "/api/v1/stacktrace/v1/traces", json=span,
                          headers={"X-Api-Key": key}).status_code == 200:
                break
        else:
            raise AssertionError("the budget was not released when the slow client went away")
    finally:
        srv.stop()
