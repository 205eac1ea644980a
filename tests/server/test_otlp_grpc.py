"""OTLP/gRPC (`--otlp-grpc on`): the real OpenTelemetry Python SDK's gRPC exporter, configured
through the environment variables docs/otlp.md shows, sends the same agent -> LLM -> tool trace
as test_otlp.py's OTLP/HTTP exporter, and the query API gives back the same spans; raw grpcio
calls see each status code. The port stays closed unless the setting is on.

All one_target: after decoding, gRPC takes OTLP/HTTP's own path, which test_otlp.py runs on
every target; what this file adds is the transport of one local process."""

from __future__ import annotations

import os
import re
import signal
import socket
import threading
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Tuple

import grpc
import httpx
import pytest
import yaml
from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter as GrpcSpanExporter
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter as HttpSpanExporter
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (ExportTraceServiceRequest,
                                                                        ExportTraceServiceResponse)
from opentelemetry.proto.trace.v1.trace_pb2 import ResourceSpans, ScopeSpans, Span
from opentelemetry.sdk.trace.export import SpanExportResult

from stacklens_server import StackLensServer
from test_otlp import Recording, send_agent_trace

pytestmark = pytest.mark.one_target

EXPORT = "/opentelemetry.proto.collector.trace.v1.TraceService/Export"


def grpc_port(srv: StackLensServer) -> int:
    """The port the server logged for OTLP/gRPC (started with --otlp-grpc-port 0)."""
    found = re.search(r"OTLP/gRPC listening on \S+:(\d+)", srv.log_path.read_text(errors="replace"))
    assert found, srv.log()
    return int(found.group(1))


def start_grpc_server(data_dir: Path, *extra: str) -> Tuple[StackLensServer, int]:
    srv = StackLensServer(data_dir, ["--otlp-grpc", "on", "--otlp-grpc-port", "0", *extra]).start()
    return srv, grpc_port(srv)


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Dict[str, Any]]:
    srv, port = start_grpc_server(tmp_path_factory.mktemp("otlp-grpc") / "data")
    keys = {scopes: srv.create_key(scopes) for scopes in ("traces:write", "traces:read", "traces:read,traces:write")}
    yield {"server": srv, "port": port, "keys": keys}
    assert srv.stop() == 0, srv.log()


def export(port: int, body: bytes, metadata: Tuple[Tuple[str, str], ...],
           compression: Optional[grpc.Compression] = None, method: str = EXPORT) -> bytes:
    """One raw call: the request's bytes as given, the answer's bytes as received."""
    with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
        call = channel.unary_unary(method)
        answer: bytes = call(body, metadata=metadata, compression=compression, timeout=30)
        return answer


def refusal(port: int, body: bytes, metadata: Tuple[Tuple[str, str], ...],
            **kwargs: Any) -> Tuple[grpc.StatusCode, str]:
    with pytest.raises(grpc.RpcError) as raised:
        export(port, body, metadata, **kwargs)
    err: Any = raised.value
    return err.code(), err.details()


def request(*spans: Span) -> bytes:
    req = ExportTraceServiceRequest(resource_spans=[ResourceSpans(scope_spans=[ScopeSpans(spans=list(spans))])])
    return bytes(req.SerializeToString())


def span(trace: int, n: int, name: str = "step", **extra: Any) -> Span:
    fields: Dict[str, Any] = {"start_time_unix_nano": 1_714_560_000_000_000_000 + n,
                              "end_time_unix_nano": 1_714_560_000_000_000_000 + n + 1000, **extra}
    return Span(trace_id=trace.to_bytes(16, "big"), span_id=(n + 1).to_bytes(8, "big"), name=name, **fields)


def get_trace(srv: StackLensServer, key: str, trace_id: str) -> Dict[str, Any]:
    resp = httpx.get(f"{srv.url}/api/v1/stacktrace/v1/traces/{trace_id}", headers={"X-Api-Key": key})
    assert resp.status_code == 200, resp.text
    return dict(resp.json())


def by_name(trace: Dict[str, Any]) -> Dict[str, Dict[str, Any]]:
    """A trace's spans by name, without what differs from one sending to the next (ids, times,
    the SDK's service name)."""
    out = {}
    for s in trace["spans"]:
        s = {k: v for k, v in s.items() if k not in ("traceId", "spanId", "parentSpanId", "startTime", "endTime",
                                                   "latencyMs")}
        s["attributes"] = {k: v for k, v in s["attributes"].items() if k != "service.name"}
        s["events"] = [{k: v for k, v in e.items() if k != "time"} for e in s["events"]]
        out[s["name"]] = s
    return out


@pytest.mark.parametrize("compression", ["", "gzip"], ids=["plain", "gzip"])
def test_sdk_grpc_exporter_trace_reads_back_as_over_http(node: Dict[str, Any], compression: str,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    srv, keys = node["server"], node["keys"]
    # docs/otlp.md's variables for gRPC.
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", f"http://127.0.0.1:{node['port']}")
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc")
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_HEADERS", "x-api-key=" + keys["traces:write"])
    if compression:
        monkeypatch.setenv("OTEL_EXPORTER_OTLP_COMPRESSION", compression)
    over_grpc = Recording(GrpcSpanExporter())
    ids = send_agent_trace(over_grpc, "grpc-service")
    assert over_grpc.results == [SpanExportResult.SUCCESS] * 3
    over_http = Recording(HttpSpanExporter(endpoint=srv.url + "/otlp/v1/traces",
                                           headers={"x-api-key": keys["traces:write"]}))
    http_ids = send_agent_trace(over_http, "http-service")
    assert over_http.results == [SpanExportResult.SUCCESS] * 3

    read = keys["traces:read"]
    got, expected = get_trace(srv, read, ids["trace"]), get_trace(srv, read, http_ids["trace"])
    assert by_name(got) == by_name(expected)
    assert (got["spanCount"], got["status"], got["models"]) == (3, "error", ["gpt-4o-2024-08-06"])
    spans = {s["spanId"]: s for s in got["spans"]}
    llm = spans[ids["llm"]]
    assert llm["parentSpanId"] == ids["agent"] and llm["kind"] == "llm"
    assert (llm["llmSpan"]["inputTokens"], llm["llmSpan"]["outputTokens"]) == (120, 45)
    assert llm["llmSpan"]["promptContent"] == '[{"role":"user","content":"Where is my order?"}]'
    assert llm["attributes"]["service.name"] == "grpc-service"
    assert spans[ids["tool"]]["attributes"]["otel.status_description"] == "order service timed out"


def test_authorization_bearer_and_partial_success(node: Dict[str, Any]) -> None:
    srv, keys = node["server"], node["keys"]
    trace = 0x5B8EFFF798038103D269B633813FC70A
    body = request(span(trace, 1, "kept"), span(trace, 2, "ends early", end_time_unix_nano=1000))
    for compression in (None, grpc.Compression.Gzip):
        answer = ExportTraceServiceResponse.FromString(
            export(node["port"], body, (("authorization", "Bearer " + keys["traces:write"]),), compression))
        assert answer.partial_success.rejected_spans == 1
        assert answer.partial_success.error_message == "span '0000000000000003': endTime is before startTime"
    stored = get_trace(srv, keys["traces:read"], format(trace, "032x"))
    assert [s["name"] for s in stored["spans"]] == ["kept"]  # sent twice, stored once
    whole = export(node["port"], request(span(trace, 4, "whole")), (("x-api-key", keys["traces:write"]),))
    assert whole == b""  # an empty ExportTraceServiceResponse: every span stored


def test_the_collector_configuration_of_the_docs_exports(node: Dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    """docs/otlp.md's Collector file, its exporter's settings applied as the Collector's otlp exporter
    applies them (no Collector binary here): endpoint, plaintext, gzip, headers with ${env:...}."""
    text = (Path(__file__).resolve().parents[2] / "docs" / "otlp.md").read_text(encoding="utf-8")
    config = yaml.safe_load(re.search(r"```yaml\n(.*?)```", text, re.S).group(1))  # type: ignore[union-attr]
    exporter = config["exporters"]["otlp/stacklens"]
    assert config["service"]["pipelines"]["traces"]["exporters"] == ["otlp/stacklens"]
    assert exporter["endpoint"].endswith(":4317") and exporter["tls"] == {"insecure": True}
    monkeypatch.setenv("STACKLENS_API_KEY", node["keys"]["traces:write"])
    metadata = tuple((name, re.sub(r"\$\{env:(\w+)\}", lambda m: os.environ[m.group(1)], value))
                     for name, value in exporter["headers"].items())
    compression = {"gzip": grpc.Compression.Gzip, "none": None}[exporter["compression"]]
    trace = 0x5B8EFFF798038103D269B633813FC70B
    assert export(node["port"], request(span(trace, 1, "via collector")), metadata, compression) == b""
    stored = get_trace(node["server"], node["keys"]["traces:read"], format(trace, "032x"))
    assert [s["name"] for s in stored["spans"]] == ["via collector"]


def test_keys_and_bad_requests_get_grpc_status_codes(node: Dict[str, Any]) -> None:
    port, keys = node["port"], node["keys"]
    body = request(span(0x77, 1))
    assert refusal(port, body, ()) == (
        grpc.StatusCode.UNAUTHENTICATED,
        "API key missing: send it as metadata x-api-key: sl-... or authorization: Bearer sl-...")
    code, message = refusal(port, body, (("x-api-key", "sl-" + "0" * 40),))
    assert code == grpc.StatusCode.UNAUTHENTICATED and "invalid" in message
    code, message = refusal(port, body, (("authorization", "Bearer " + keys["traces:read"]),))
    assert code == grpc.StatusCode.PERMISSION_DENIED and "traces:write" in message
    writer = (("x-api-key", keys["traces:write"]),)
    code, message = refusal(port, b"\x0a\xff\xff\xff\xff\x0f", writer)
    assert code == grpc.StatusCode.INVALID_ARGUMENT and message
    metrics = "/opentelemetry.proto.collector.metrics.v1.MetricsService/Export"
    code, message = refusal(port, body, writer, method=metrics)
    assert code == grpc.StatusCode.UNIMPLEMENTED and EXPORT in message
    # None of it stored anything.
    resp = httpx.get(f"{node['server'].url}/api/v1/stacktrace/v1/traces/{0x77:032x}",
                     headers={"X-Api-Key": keys["traces:read"]})
    assert resp.status_code == 404


def test_limits_overload_and_closed_port(tmp_path: Path) -> None:
    srv, port = start_grpc_server(tmp_path / "data", "--ingest-queue-spans", "1", "--max-body-bytes", "20000",
                                  "--max-batch-spans", "3")
    try:
        writer = (("x-api-key", srv.create_key("traces:write")),)
        code, _ = refusal(port, request(span(1, 1), span(1, 2)), writer)
        assert code == grpc.StatusCode.UNAVAILABLE  # the queue is full: exporters retry this one
        code, message = refusal(port, request(*[span(2, n) for n in range(4)]), writer)
        assert code == grpc.StatusCode.RESOURCE_EXHAUSTED and "the limit is 3 per request" in message
        code, _ = refusal(port, request(span(3, 1, "x" * 30000)), writer)
        assert code == grpc.StatusCode.RESOURCE_EXHAUSTED
        # Small on the wire, over the limit once gRPC has undone its gzip.
        code, _ = refusal(port, request(span(4, 1, "x" * 30000)), writer, compression=grpc.Compression.Gzip)
        assert code == grpc.StatusCode.RESOURCE_EXHAUSTED
    finally:
        assert srv.stop() == 0, srv.log()

    # otlp-grpc-port alone opens nothing.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        free = probe.getsockname()[1]
    off = StackLensServer(tmp_path / "off", ["--otlp-grpc-port", str(free)]).start()
    try:
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection(("127.0.0.1", free), timeout=5).close()
        assert "OTLP/gRPC" not in off.log_path.read_text(errors="replace")
    finally:
        assert off.stop() == 0, off.log()


def test_sigterm_answers_calls_in_flight_and_loses_no_accepted_span(tmp_path: Path) -> None:
    srv, port = start_grpc_server(tmp_path / "data")
    writer = (("x-api-key", srv.create_key("traces:write")),)
    accepted: List[int] = []
    refused: List[grpc.StatusCode] = []
    lock = threading.Lock()
    sent = threading.Semaphore(0)

    def send(worker: int) -> None:
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            call = channel.unary_unary(EXPORT)
            for n in range(200):
                trace = worker * 1000 + n + 1
                try:
                    call(request(*[span(trace, i) for i in range(20)]), metadata=writer, timeout=30)
                except grpc.RpcError as err:
                    with lock:
                        refused.append(err.code())  # type: ignore[attr-defined]
                    return
                finally:
                    sent.release()
                with lock:
                    accepted.append(trace)

    threads = [threading.Thread(target=send, args=(w,)) for w in range(4)]
    for t in threads:
        t.start()
    for _ in range(8):
        assert sent.acquire(timeout=60)  # exports under way
    assert srv.stop(signal.SIGTERM) == 0
    for t in threads:
        t.join(timeout=60)
    assert accepted
    # Calls that gRPC had not yet handed over when it stopped are CANCELLED, later ones find no
    # server (UNAVAILABLE): OTLP exporters retry both, and neither stored anything.
    assert set(refused) <= {grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.CANCELLED}, refused
    srv.start()
    try:
        key = srv.create_key("traces:read")
        for trace in accepted:
            assert get_trace(srv, key, format(trace, "032x"))["spanCount"] == 20
    finally:
        assert srv.stop() == 0, srv.log()
