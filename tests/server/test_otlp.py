"""OpenTelemetry ingest at /otlp/v1/traces: the real OpenTelemetry Python SDK
and its OTLP/HTTP protobuf exporter, configured only through the three
environment variables the README shows, send an agent -> LLM -> tool trace
with GenAI attributes; the query API gives every field back. OTLP JSON goes
through curl, gzip included."""

from __future__ import annotations

import gzip
import json
import subprocess
from pathlib import Path
from typing import Any, Dict, Iterator, List, Sequence

import httpx
import pytest
from opentelemetry.exporter.otlp.proto.http import Compression
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceResponse
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor, SpanExporter, SpanExportResult
from opentelemetry.trace import Status, StatusCode

from stacklens_server import StackLensServer


class Recording(SpanExporter):
    """Passes spans to the real exporter and keeps each export's result."""

    def __init__(self, inner: SpanExporter) -> None:
        self.inner = inner
        self.results: List[SpanExportResult] = []

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        result = self.inner.export(spans)
        self.results.append(result)
        return result

    def shutdown(self) -> None:
        self.inner.shutdown()


def send_agent_trace(exporter: SpanExporter, service: str) -> Dict[str, str]:
    provider = TracerProvider(resource=Resource.create({"service.name": service, "deployment.environment": "test"}))
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracer = provider.get_tracer("stacklens.tests", "1.2.3")
    with tracer.start_as_current_span("invoke_agent support-bot") as agent:
        agent.set_attribute("gen_ai.operation.name", "invoke_agent")
        agent.set_attribute("gen_ai.agent.name", "support-bot")
        with tracer.start_as_current_span("chat gpt-4o") as llm:
            llm.set_attributes({
                "gen_ai.operation.name": "chat",
                "gen_ai.provider.name": "openai",
                "gen_ai.request.model": "gpt-4o",
                "gen_ai.response.model": "gpt-4o-2024-08-06",
                "gen_ai.usage.input_tokens": 120,
                "gen_ai.usage.output_tokens": 45,
                "gen_ai.request.temperature": 0.2,
                "gen_ai.request.max_tokens": 256,
                "gen_ai.response.finish_reasons": ["stop"],
                "gen_ai.prompt.0.role": "user",
                "gen_ai.prompt.0.content": "Where is my order?",
                "gen_ai.completion.0.role": "assistant",
                "gen_ai.completion.0.content": "It ships tomorrow.",
                "retry.count": 2,
                "cache.hit": False,
                "labels": ["a", "b"],
            })
            llm.add_event("gen_ai.first_token", {"latency.ms": 12.5})
            llm.add_event("stream.done")
        with tracer.start_as_current_span("execute_tool lookup_order") as tool:
            tool.set_attribute("gen_ai.operation.name", "execute_tool")
            tool.set_attribute("gen_ai.tool.name", "lookup_order")
            tool.set_status(Status(StatusCode.ERROR, "order service timed out"))
        ids = {
            "trace": format(agent.get_span_context().trace_id, "032x"),
            "agent": format(agent.get_span_context().span_id, "016x"),
            "llm": format(llm.get_span_context().span_id, "016x"),
            "tool": format(tool.get_span_context().span_id, "016x"),
        }
    provider.shutdown()
    return ids


@pytest.fixture()
def otel_env(server: StackLensServer, keys: Dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    # Exactly the README's three variables.
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", server.url + "/otlp")
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf")
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_HEADERS", "x-api-key=" + keys["traces:write"])
    yield


def table_cost(model: str, provider: str, tokens_in: int, tokens_out: int) -> float:
    """What the shipped price table (data/prices/prices.json) charges for these tokens."""
    table = json.loads((Path(__file__).resolve().parents[2] / "data" / "prices" / "prices.json").read_text())
    entry = next(e for e in table["entries"] if (e["model"], e["provider"]) == (model, provider))
    return float(tokens_in * entry["prices"]["input"] + tokens_out * entry["prices"]["output"]) / 1e6


def get_trace(server: StackLensServer, keys: Dict[str, str], trace_id: str) -> Dict[str, Any]:
    resp = httpx.get(f"{server.url}/api/v1/stacktrace/v1/traces/{trace_id}", headers={"X-Api-Key": keys["full"]})
    assert resp.status_code == 200, resp.text
    return resp.json()


@pytest.mark.parametrize("compression", [Compression.NoCompression, Compression.Gzip], ids=["plain", "gzip"])
def test_sdk_agent_llm_tool_trace_reads_back_field_by_field(server: StackLensServer, keys: Dict[str, str],
                                                           otel_env: None, compression: Compression) -> None:
    exporter = Recording(OTLPSpanExporter(compression=compression))
    ids = send_agent_trace(exporter, "support-service")
    assert exporter.results == [SpanExportResult.SUCCESS] * 3

    trace = get_trace(server, keys, ids["trace"])
    assert trace["spanCount"] == 3
    assert trace["name"] == "invoke_agent support-bot"
    assert trace["status"] == "error"
    assert trace["models"] == ["gpt-4o-2024-08-06"]
    assert trace["providers"] == ["openai"]
    assert (trace["inputTokens"], trace["outputTokens"], trace["totalTokens"]) == (120, 45, 165)
    spans = {s["spanId"]: s for s in trace["spans"]}

    agent = spans[ids["agent"]]
    assert agent["kind"] == "agent" and agent["parentSpanId"] is None and agent["llmSpan"] is None
    assert agent["traceId"] == ids["trace"]
    assert agent["attributes"]["service.name"] == "support-service"
    assert agent["attributes"]["deployment.environment"] == "test"
    assert agent["attributes"]["telemetry.sdk.language"] == "python"
    assert agent["attributes"]["otel.scope.name"] == "stacklens.tests"
    assert agent["attributes"]["otel.scope.version"] == "1.2.3"
    assert agent["attributes"]["gen_ai.agent.name"] == "support-bot"
    assert agent["status"] == "ok"

    llm = spans[ids["llm"]]
    assert llm["kind"] == "llm" and llm["parentSpanId"] == ids["agent"] and llm["name"] == "chat gpt-4o"
    assert llm["status"] == "ok"
    assert llm["llmSpan"] == {
        "model": "gpt-4o-2024-08-06", "provider": "openai", "inputTokens": 120, "outputTokens": 45,
        "totalTokens": 165, "estimatedCostUsd": pytest.approx(table_cost("gpt-4o", "openai", 120, 45)),
        "costSource": "table", "cacheReadTokens": 0, "cacheWriteTokens": 0, "reasoningTokens": 0,
        "temperature": 0.2, "maxTokens": 256,
        "promptContent": json.dumps([{"role": "user", "content": "Where is my order?"}], separators=(",", ":")),
        "completionContent": json.dumps([{"role": "assistant", "content": "It ships tomorrow."}], separators=(",", ":")),
        "isStreaming": False, "finishReason": "stop"}
    attrs = llm["attributes"]
    assert attrs["gen_ai.request.model"] == "gpt-4o"
    # OTLP's types kept (tests/server/test_otlp_types.py has the rest).
    assert attrs["gen_ai.usage.input_tokens"] == 120
    assert attrs["gen_ai.request.temperature"] == 0.2
    assert attrs["retry.count"] == 2 and attrs["cache.hit"] is False and attrs["labels"] == ["a", "b"]
    assert attrs["gen_ai.response.finish_reasons"] == ["stop"]
    # The prompt and completion are sealed text, never plain attributes.
    assert not [k for k in attrs if k.startswith(("gen_ai.prompt", "gen_ai.completion"))]
    assert [e["name"] for e in llm["events"]] == ["gen_ai.first_token", "stream.done"]
    assert llm["events"][0]["attributes"] == {"latency.ms": 12.5}
    assert llm["events"][1]["attributes"] == {}
    assert llm["startTime"] <= llm["events"][0]["time"] <= llm["endTime"]

    tool = spans[ids["tool"]]
    assert tool["kind"] == "tool" and tool["parentSpanId"] == ids["agent"] and tool["status"] == "error"
    assert tool["attributes"]["otel.status_description"] == "order service timed out"
    assert tool["attributes"]["gen_ai.tool.name"] == "lookup_order"
    assert tool["llmSpan"] is None

    listing = httpx.get(f"{server.url}/api/v1/stacktrace/v1/traces?attr=service.name=support-service",
                        headers={"X-Api-Key": keys["full"]}).json()
    assert ids["trace"] in [t["traceId"] for t in listing["traces"]]


def test_bearer_auth_and_errors_keep_exporters_informed(server: StackLensServer, keys: Dict[str, str],
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", server.url + "/otlp")
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_HEADERS", "Authorization=Bearer " + keys["traces:write"])
    ok = Recording(OTLPSpanExporter())
    send_agent_trace(ok, "bearer-service")
    assert ok.results == [SpanExportResult.SUCCESS] * 3
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_HEADERS", "x-api-key=" + keys["traces:read"])
    refused = Recording(OTLPSpanExporter())
    send_agent_trace(refused, "refused-service")
    assert refused.results == [SpanExportResult.FAILURE] * 3


def otlp_json_span(span_id: str, **extra: Any) -> Dict[str, Any]:
    span = {"traceId": "5b8efff798038103d269b633813fc60c", "spanId": span_id, "name": "chat claude",
            "kind": "SPAN_KIND_CLIENT", "startTimeUnixNano": "1714560000000000000",
            "endTimeUnixNano": 1714560001500000000,
            "attributes": [
                {"key": "gen_ai.system", "value": {"stringValue": "anthropic"}},
                {"key": "llm.model_name", "value": {"stringValue": "claude-3-5-sonnet"}},
                {"key": "llm.token_count.prompt", "value": {"intValue": "30"}},
                {"key": "llm.token_count.completion", "value": {"intValue": 7}},
                {"key": "input.value", "value": {"stringValue": "hello"}},
                {"key": "output.value", "value": {"stringValue": "hi there"}},
                {"key": "openinference.span.kind", "value": {"stringValue": "LLM"}},
                {"key": "nested", "value": {"kvlistValue": {"values": [{"key": "a", "value": {"doubleValue": 1.5}}]}}},
                {"key": "blob", "value": {"bytesValue": "AAEC"}}],
            "events": [{"timeUnixNano": "1714560001000000000", "name": "retry", "attributes": []}],
            "status": {"code": 2, "message": "rate limited"}}
    span.update(extra)
    return span


def otlp_json_body(spans: List[Dict[str, Any]]) -> bytes:
    return json.dumps({"resourceSpans": [{
        "resource": {"attributes": [{"key": "service.name", "value": {"stringValue": "curl-service"}}]},
        "scopeSpans": [{"scope": {"name": "manual"}, "spans": spans}]}]}).encode()


def curl(url: str, body: bytes, tmp_path: Path, headers: List[str]) -> Dict[str, Any]:
    path = tmp_path / "body"
    path.write_bytes(body)
    args = ["curl", "-sS", "-X", "POST", url, "--data-binary", f"@{path}", "-w", "\n%{http_code}"]
    for h in headers:
        args += ["-H", h]
    out = subprocess.run(args, capture_output=True, check=True, timeout=30).stdout.decode()
    text, _, code = out.rpartition("\n")
    return {"status": int(code), "json": json.loads(text)}


@pytest.mark.parametrize("gzipped", [False, True], ids=["plain", "gzip"])
def test_otlp_json_through_curl(server: StackLensServer, keys: Dict[str, str], tmp_path: Path, gzipped: bool) -> None:
    span_id = "00f067aa0ba902b7" if gzipped else "00f067aa0ba902b8"
    body = otlp_json_body([otlp_json_span(span_id)])
    headers = ["Content-Type: application/json", "X-Api-Key: " + keys["traces:write"]]
    if gzipped:
        body = gzip.compress(body)
        headers.append("Content-Encoding: gzip")
    reply = curl(server.url + "/otlp/v1/traces", body, tmp_path, headers)
    assert reply == {"status": 200, "json": {}}
    trace = get_trace(server, keys, "5b8efff798038103d269b633813fc60c")
    span = next(s for s in trace["spans"] if s["spanId"] == span_id)
    assert span["kind"] == "llm" and span["status"] == "error"
    assert span["startTime"] == "2024-05-01T10:40:00.000000Z" and span["latencyMs"] == 1500.0
    assert span["llmSpan"]["model"] == "claude-3-5-sonnet" and span["llmSpan"]["provider"] == "anthropic"
    assert (span["llmSpan"]["inputTokens"], span["llmSpan"]["outputTokens"]) == (30, 7)
    assert span["llmSpan"]["promptContent"] == "hello" and span["llmSpan"]["completionContent"] == "hi there"
    assert span["attributes"]["nested"] == {"a": 1.5} and span["attributes"]["blob"] == "AAEC"
    assert span["attributes"]["llm.token_count.prompt"] == 30  # OTLP/JSON's decimal-string int64
    assert span["attributes"]["service.name"] == "curl-service"
    assert span["attributes"]["otel.span_kind"] == "client"
    assert "input.value" not in span["attributes"] and "output.value" not in span["attributes"]
    assert span["events"] == [{"name": "retry", "time": "2024-05-01T10:40:01.000000Z", "attributes": {}}]


def test_base64_ids_and_partial_success(server: StackLensServer, keys: Dict[str, str]) -> None:
    good = otlp_json_span("AAECAwQFBgc=", traceId="W47/95gDgQPSabYzgT/GDQ==")
    bad = otlp_json_span("0102030405060708", endTimeUnixNano="1000")  # ends before it starts
    resp = httpx.post(server.url + "/otlp/v1/traces", content=otlp_json_body([good, bad]),
                      headers={"Content-Type": "application/json", "X-Api-Key": keys["traces:write"]})
    assert resp.status_code == 200, resp.text
    partial = resp.json()["partialSuccess"]
    assert partial["rejectedSpans"] == 1
    assert "0102030405060708" in partial["errorMessage"] and "endTime is before startTime" in partial["errorMessage"]
    trace = get_trace(server, keys, "5b8efff798038103d269b633813fc60d")
    assert [s["spanId"] for s in trace["spans"]] == ["0001020304050607"]
    # Sent again, as an exporter retries: idempotent, nothing double-counted.
    again = httpx.post(server.url + "/otlp/v1/traces", content=otlp_json_body([good]),
                       headers={"Content-Type": "application/json", "X-Api-Key": keys["traces:write"]})
    assert again.status_code == 200 and again.json() == {}
    retried = get_trace(server, keys, "5b8efff798038103d269b633813fc60d")
    assert (retried["spanCount"], retried["inputTokens"]) == (1, trace["inputTokens"]) == (1, 30)


def test_protobuf_partial_success_is_protobuf(server: StackLensServer, keys: Dict[str, str]) -> None:
    from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
    from opentelemetry.proto.trace.v1.trace_pb2 import ResourceSpans, ScopeSpans, Span

    spans = [Span(trace_id=bytes(range(16)), span_id=bytes(range(1, 9)), name="ok", start_time_unix_nano=10**18,
                  end_time_unix_nano=10**18 + 5),
             Span(trace_id=bytes(range(16)), span_id=b"", name="no id", start_time_unix_nano=10**18)]
    req = ExportTraceServiceRequest(resource_spans=[ResourceSpans(scope_spans=[ScopeSpans(spans=spans)])])
    resp = httpx.post(server.url + "/otlp/v1/traces", content=req.SerializeToString(),
                      headers={"Content-Type": "application/x-protobuf", "X-Api-Key": keys["traces:write"]})
    assert resp.status_code == 200 and resp.headers["content-type"] == "application/x-protobuf"
    answer = ExportTraceServiceResponse.FromString(resp.content)
    assert answer.partial_success.rejected_spans == 1
    assert "spanId must not be empty" in answer.partial_success.error_message


def test_limits_and_overload(tmp_path: Path) -> None:
    srv = StackLensServer(tmp_path / "data", ["--ingest-queue-spans", "1", "--max-body-bytes", "20000"]).start()
    try:
        key = srv.create_key("traces:write")
        headers = {"Content-Type": "application/json", "X-Api-Key": key}
        two = otlp_json_body([otlp_json_span("0a0a0a0a0a0a0a0a"), otlp_json_span("0b0b0b0b0b0b0b0b")])
        busy = httpx.post(srv.url + "/otlp/v1/traces", content=two, headers=headers)
        assert busy.status_code == 429 and busy.headers["retry-after"] == "1" and busy.json()["error"]
        bomb = gzip.compress(otlp_json_body([otlp_json_span("0c0c0c0c0c0c0c0c", name="x" * 100000)]))
        assert len(bomb) < 20000
        big = httpx.post(srv.url + "/otlp/v1/traces", content=bomb, headers={**headers, "Content-Encoding": "gzip"})
        assert big.status_code == 413 and "decompressed" in big.json()["error"]
        too_big = httpx.post(srv.url + "/otlp/v1/traces", content=b"0" * 30000, headers=headers)
        assert too_big.status_code == 413
    finally:
        assert srv.stop() == 0, srv.log()
