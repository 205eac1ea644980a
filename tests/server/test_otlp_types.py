"""OTLP attributes keep their types end to end (numbers, booleans, arrays back as JSON values, the
hosted client's strings as strings), the trace list compares numbers as numbers (attr=k>2), and the
real OpenInference and OpenLLMetry instrumentations of the real `openai` client, pointed at the fake
provider and exported by the real OTLP/HTTP exporter, land with their request parameters and finish
reason in the LLM fields. Runs on both span stores."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any, Dict, Iterator, List

import httpx
import openai
import pytest
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor

from fake_llm_provider import FakeProvider
from stacklens_server import StackLensServer

TRACES = "/api/v1/stacktrace/v1/traces"


def exporter_to(server: StackLensServer, key: str) -> OTLPSpanExporter:
    return OTLPSpanExporter(endpoint=server.url + "/otlp/v1/traces", headers={"x-api-key": key})


def send(server: StackLensServer, key: str, service: str, attributes: Dict[str, Any]) -> str:
    provider = TracerProvider(resource=Resource.create({"service.name": service, "service.instances": 3}))
    provider.add_span_processor(SimpleSpanProcessor(exporter_to(server, key)))
    with provider.get_tracer("stacklens.tests").start_as_current_span("step") as span:
        span.set_attributes(attributes)
        trace_id = format(span.get_span_context().trace_id, "032x")
    provider.shutdown()
    return trace_id


def listed(api: httpx.Client, key: str, *filters: str) -> List[str]:
    resp = api.get(TRACES, params=[("attr", f) for f in filters] + [("limit", "500")], headers={"X-Api-Key": key})
    assert resp.status_code == 200, resp.text
    return [t["traceId"] for t in resp.json()["traces"]]


def only_span(api: httpx.Client, key: str, trace_id: str) -> Dict[str, Any]:
    resp = api.get(f"{TRACES}/{trace_id}", headers={"X-Api-Key": key})
    assert resp.status_code == 200, resp.text
    spans = resp.json()["spans"]
    assert len(spans) == 1
    return spans[0]


@pytest.fixture(scope="module")
def typed(server: StackLensServer, keys: Dict[str, str]) -> Dict[str, str]:
    """Three OTLP traces with typed attributes and one hosted-client trace with strings."""
    run = uuid.uuid4().hex[:8]
    out = {"run": run}
    for name, retries, ratio in (("low", 1, 0.25), ("mid", 3, 1.5), ("high", 12, -2.0)):
        out[name] = send(server, keys["traces:write"], "typed-" + run, {
            "run": run, "retries": retries, "ratio": ratio, "cached": retries > 2, "labels": ["a", "b"],
            "counts": [1, 2], "mixed.text": str(retries)})
    now = str(time.time_ns())
    hosted = uuid.uuid4().hex
    resp = httpx.post(server.url + TRACES + "/batch", headers={"X-Api-Key": keys["traces:write"]}, json={"spans": [{
        "traceId": hosted, "spanId": uuid.uuid4().hex[:16], "name": "hosted", "startTime": now, "endTime": now,
        "status": "ok", "attributes": {"run": run, "retries": "7", "note": "3341"}}]})
    assert resp.status_code in (200, 202), resp.text
    out["hosted"] = hosted
    return out


def test_otlp_types_come_back_typed_and_strings_stay_strings(api: httpx.Client, keys: Dict[str, str],
                                                             typed: Dict[str, str]) -> None:
    attrs = only_span(api, keys["full"], typed["mid"])["attributes"]
    assert attrs["retries"] == 3 and isinstance(attrs["retries"], int)
    assert attrs["ratio"] == 1.5
    assert attrs["cached"] is True
    assert attrs["labels"] == ["a", "b"] and attrs["counts"] == [1, 2]
    assert attrs["mixed.text"] == "3"
    assert attrs["service.instances"] == 3  # resource attributes too
    assert attrs["service.name"] == "typed-" + typed["run"]
    assert only_span(api, keys["full"], typed["low"])["attributes"]["cached"] is False
    # The hosted client's attributes are strings, as sent.
    hosted = only_span(api, keys["full"], typed["hosted"])["attributes"]
    assert hosted == {"run": typed["run"], "retries": "7", "note": "3341"}


def test_otlp_json_int_values_are_integers(server: StackLensServer, api: httpx.Client, keys: Dict[str, str]) -> None:
    trace_id = uuid.uuid4().hex
    body = {"resourceSpans": [{"scopeSpans": [{"spans": [{
        "traceId": trace_id, "spanId": uuid.uuid4().hex[:16], "name": "json", "startTimeUnixNano": "1700000000000000000",
        "endTimeUnixNano": "1700000001000000000", "attributes": [
            {"key": "big", "value": {"intValue": "9007199254740993"}},
            {"key": "neg", "value": {"intValue": "-5"}},
            {"key": "d", "value": {"doubleValue": 0.5}},
            {"key": "b", "value": {"boolValue": False}},
            {"key": "arr", "value": {"arrayValue": {"values": [{"intValue": "1"}, {"stringValue": "x"}]}}},
            {"key": "kv", "value": {"kvlistValue": {"values": [{"key": "k", "value": {"intValue": 2}}]}}}]}]}]}]}
    resp = httpx.post(server.url + "/otlp/v1/traces", json=body, headers={"X-Api-Key": keys["traces:write"]})
    assert resp.status_code == 200, resp.text
    attrs = only_span(api, keys["full"], trace_id)["attributes"]
    assert attrs["big"] == 9007199254740993 and attrs["neg"] == -5
    assert attrs["d"] == 0.5 and attrs["b"] is False
    assert attrs["arr"] == [1, "x"] and attrs["kv"] == {"k": 2}


@pytest.mark.parametrize("filters, expected", [
    (["retries>2"], ["mid", "high", "hosted"]),
    (["retries>=3"], ["mid", "high", "hosted"]),
    (["retries<3"], ["low"]),
    (["retries<=3"], ["low", "mid"]),
    (["retries=3"], ["mid"]),
    (["retries=7"], ["hosted"]),        # the string form, as always
    (["retries>2", "ratio<0"], ["high"]),
    (["ratio>=1.5"], ["mid"]),
    (["ratio>-3", "retries<12"], ["low", "mid"]),
    (["mixed.text=3"], ["mid"]),
    (["mixed.text>2"], ["mid", "high"]),  # strings holding a number compare too
    (["cached=true"], []),                # booleans are not the string "true"
    (["retries>100"], []),
])
def test_numeric_attribute_filters(api: httpx.Client, keys: Dict[str, str], typed: Dict[str, str],
                                   filters: List[str], expected: List[str]) -> None:
    got = listed(api, keys["full"], "run=" + typed["run"], *filters)
    assert sorted(got) == sorted(typed[name] for name in expected)


def test_attr_filters_that_do_not_read_are_refused(api: httpx.Client, keys: Dict[str, str]) -> None:
    for bad in ("retries>", "retries>abc", ">2", "novalue"):
        resp = api.get(TRACES, params={"attr": bad}, headers={"X-Api-Key": keys["full"]})
        assert resp.status_code == 400, (bad, resp.text)
        assert "attr must be key=value or key<op>number" in resp.json()["error"]
    # A key with > in it still reads as key=value.
    resp = api.get(TRACES, params={"attr": "a>b=c"}, headers={"X-Api-Key": keys["full"]})
    assert resp.status_code == 200, resp.text


@pytest.fixture()
def fake_openai() -> Iterator[openai.OpenAI]:
    with FakeProvider() as provider:
        yield openai.OpenAI(base_url=provider.url + "/v1", api_key="sk-test-0123456789")


def chat(client: openai.OpenAI, **params: Any) -> None:
    client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": "say hi please"}],
                                   **params)


def instrumented_trace(server: StackLensServer, key: str, instrumentor: Any, client: openai.OpenAI,
                       **params: Any) -> str:
    from opentelemetry import trace as otel_trace

    provider = TracerProvider(resource=Resource.create({"service.name": "instrumented"}))
    provider.add_span_processor(SimpleSpanProcessor(exporter_to(server, key)))
    instrumentor.instrument(tracer_provider=provider)
    try:
        with provider.get_tracer("stacklens.tests").start_as_current_span("call") as root:
            chat(client, **params)
            trace_id = format(root.get_span_context().trace_id, "032x")
        assert otel_trace.get_current_span() is not root
    finally:
        instrumentor.uninstrument()
        provider.shutdown()
    return trace_id


def llm_span(api: httpx.Client, key: str, trace_id: str) -> Dict[str, Any]:
    resp = api.get(f"{TRACES}/{trace_id}", headers={"X-Api-Key": key})
    assert resp.status_code == 200, resp.text
    spans = [s for s in resp.json()["spans"] if s["llmSpan"]]
    assert len(spans) == 1, resp.json()["spans"]
    return spans[0]


def assert_mapped(llm: Dict[str, Any], temperature: float, max_tokens: int) -> None:
    """The LLM fields an instrumentation package's span carries once mapped."""
    assert llm["model"] == "gpt-4o-mini"
    assert llm["temperature"] == pytest.approx(temperature) and llm["maxTokens"] == max_tokens
    assert llm["finishReason"] == "stop"
    assert llm["inputTokens"] > 0 and llm["outputTokens"] > 0


def test_openinference_parameters_and_finish_reason(server: StackLensServer, api: httpx.Client,
                                                    keys: Dict[str, str], fake_openai: openai.OpenAI) -> None:
    from openinference.instrumentation.openai import OpenAIInstrumentor

    trace_id = instrumented_trace(server, keys["traces:write"], OpenAIInstrumentor(), fake_openai,
                                  temperature=0.3, max_completion_tokens=64, top_p=0.9)
    span = llm_span(api, keys["full"], trace_id)
    llm = span["llmSpan"]
    assert_mapped(llm, temperature=0.3, max_tokens=64)
    assert llm["totalTokens"] == llm["inputTokens"] + llm["outputTokens"]
    assert "say hi please" in llm["promptContent"] and "echo: say hi please" in llm["completionContent"]
    # The parameters themselves stay an attribute, as OpenInference sent them (a JSON string).
    assert json.loads(span["attributes"]["llm.invocation_parameters"])["top_p"] == 0.9


def test_openllmetry_parameters_and_finish_reason(server: StackLensServer, api: httpx.Client,
                                                  keys: Dict[str, str], fake_openai: openai.OpenAI) -> None:
    from opentelemetry.instrumentation.openai import OpenAIInstrumentor

    trace_id = instrumented_trace(server, keys["traces:write"], OpenAIInstrumentor(), fake_openai,
                                  temperature=0.6, max_tokens=32)
    span = llm_span(api, keys["full"], trace_id)
    llm = span["llmSpan"]
    assert_mapped(llm, temperature=0.6, max_tokens=32)
    assert span["attributes"]["gen_ai.request.temperature"] == pytest.approx(0.6)  # typed, as sent
