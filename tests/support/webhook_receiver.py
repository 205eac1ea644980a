"""A real HTTP webhook receiver for the notification tests: http.server on a thread of its own,
answering each request with the next status of a script (then 200), keeping every request, and
checking X-StackLens-Signature the way docs/budgets.md tells receivers to."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Dict, List, Optional


def signature_ok(secret: str, header: str, body: bytes) -> bool:
    parts = dict(item.split("=", 1) for item in header.split(",") if "=" in item)
    if "t" not in parts or "v1" not in parts:
        return False
    expected = hmac.new(secret.encode(), parts["t"].encode() + b"." + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, parts["v1"])


class WebhookReceiver:
    def __init__(self, statuses: Optional[List[int]] = None) -> None:
        self.statuses = list(statuses or [])
        self.secret: Optional[str] = None
        self.requests: List[Dict[str, Any]] = []  # path, headers, body, status answered
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                with receiver.lock:
                    status = receiver.statuses.pop(0) if receiver.statuses else 200
                    receiver.requests.append({"path": self.path, "headers": dict(self.headers), "body": body,
                                              "status": status})
                self.send_response(status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> "WebhookReceiver":
        self.thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.server.shutdown()
        self.server.server_close()

    def received(self) -> List[Dict[str, Any]]:
        with self.lock:
            return list(self.requests)

    def payloads(self) -> List[Dict[str, Any]]:
        """The JSON bodies of the requests answered 2xx."""
        return [json.loads(r["body"]) for r in self.received() if 200 <= r["status"] < 300]

    def verified(self) -> List[bool]:
        """Whether each request's signature verifies with the channel's secret."""
        assert self.secret is not None
        return [signature_ok(self.secret, r["headers"].get("X-StackLens-Signature", ""), r["body"])
                for r in self.received()]
