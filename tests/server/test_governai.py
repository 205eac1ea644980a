"""GovernAI on the real server: personal data in ingested spans is redacted before it is stored
(the raw value is nowhere in the data directory's files or the answers), a blocked span is
refused with 422 naming type and field while its trace shows a marker, a batch stores the
others, OTLP goes the same way, policies are per project, and the check endpoint answers
findings, redacted text and the decision."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, Iterator, List

import httpx
import pytest

from openapi_contract import keyed_client
from stacklens_server import StackLensServer

TRACES = "/api/v1/stacktrace/v1/traces"
POLICIES = "/api/v1/governai/v1/policies"
CHECK = "/api/v1/governai/v1/check"
CARD = "4111 1111 1111 1111"
EMAIL = "jane.doe@example.com"
IP = "159.119.67.37"
TYPES = ["email", "phone", "card", "iban", "us_ssn", "uk_nino", "de_tax_id", "fr_nir", "es_dni", "it_fiscal_code",
         "nl_bsn", "in_aadhaar", "br_cpf", "ipv4", "ipv6", "mac", "imei", "ad_id", "person_name"]


@pytest.fixture(scope="module")
def srv(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StackLensServer]:
    s = StackLensServer(tmp_path_factory.mktemp("governai") / "data").start()
    yield s
    assert s.stop() == 0, s.log()


def client_for(srv: StackLensServer, project: str,
               scopes: str = "traces:write,traces:read,governai:manage") -> httpx.Client:
    return keyed_client(srv, scopes, project, timeout=30)


def span(trace: str, span_id: str, prompt: str = "hello", completion: str = "hi",
         attributes: Dict[str, Any] | None = None, parent: str | None = None) -> Dict[str, Any]:
    return {"traceId": trace, "spanId": span_id, "parentSpanId": parent, "name": "call",
            "startTime": "2024-06-01T00:00:00Z", "endTime": "2024-06-01T00:00:01Z", "attributes": attributes or {},
            "llmSpan": {"model": "gpt-4o-mini", "provider": "openai", "inputTokens": 10, "outputTokens": 5,
                        "promptContent": prompt, "completionContent": completion}}


def spans_of(c: httpx.Client, trace: str) -> Dict[str, Dict[str, Any]]:
    resp = c.get(f"{TRACES}/{trace}")
    assert resp.status_code == 200, resp.text
    return {s["spanId"]: s for s in resp.json()["spans"]}


def files_holding(data_dir: Path, needle: bytes) -> List[str]:
    return [p.name for p in sorted(data_dir.iterdir()) if p.is_file() and needle in p.read_bytes()]


def test_policies_default_to_redact_and_are_set_per_project(srv: StackLensServer) -> None:
    with client_for(srv, "policies-a") as a, client_for(srv, "policies-b") as b:
        defaults = a.get(POLICIES).json()["policies"]
        assert [p["type"] for p in defaults] == TYPES
        assert all(p["action"] == "redact" and p["default"] and p["defaultAction"] == "redact" for p in defaults)
        assert {p["type"]: p["placeholder"] for p in defaults}["card"] == "[CARD]"

        changed = a.put(POLICIES, json={"policies": {"email": "allow", "card": "block"}})
        assert changed.status_code == 200, changed.text
        mine = {p["type"]: p for p in changed.json()["policies"]}
        assert (mine["email"]["action"], mine["email"]["default"]) == ("allow", False)
        assert (mine["card"]["action"], mine["card"]["default"]) == ("block", False)
        assert (mine["phone"]["action"], mine["phone"]["default"]) == ("redact", True)
        assert a.get(POLICIES).json() == changed.json()
        assert all(p["default"] for p in b.get(POLICIES).json()["policies"])  # another project's are its own

        back = a.put(POLICIES, json={"policies": {"card": "default"}}).json()["policies"]
        assert {p["type"]: (p["action"], p["default"]) for p in back}["card"] == ("redact", True)
        assert {p["type"]: p["action"] for p in back}["email"] == "allow"


def test_policies_survive_a_restart(tmp_path: Path) -> None:
    s = StackLensServer(tmp_path / "data").start()
    try:
        with client_for(s, "default") as c:
            assert c.put(POLICIES, json={"policies": {"ipv4": "allow"}}).status_code == 200
        assert s.stop() == 0
        s.start()
        with client_for(s, "default") as c:
            assert {p["type"]: p["action"] for p in c.get(POLICIES).json()["policies"]}["ipv4"] == "allow"
            stored = c.post(TRACES, json=span("restart", "s1", prompt=f"from {IP}"))
            assert stored.status_code == 200, stored.text
            assert spans_of(c, "restart")["s1"]["llmSpan"]["promptContent"] == f"from {IP}"
    finally:
        assert s.stop() == 0, s.log()


def test_policies_need_governai_manage(srv: StackLensServer) -> None:
    with client_for(srv, "default", "traces:write,traces:read") as member:
        assert member.get(POLICIES).status_code == 200
        refused = member.put(POLICIES, json={"policies": {"email": "allow"}})
        assert refused.status_code == 403 and "governai:manage" in refused.json()["error"]


@pytest.mark.sqlite_spans("reads spans.db, spans.text and the data directory's files, which hold no spans when "
                          "they are in ClickHouse")
def test_redacted_values_never_reach_the_data_directory(srv: StackLensServer) -> None:
    """Large requests put their text in spans.text, small ones in spans.db: both are checked, with
    the WAL, meta.db (audit log) and the server log."""
    with client_for(srv, "redact") as c:
        filler = "The weather report says it will rain later today. " * 1400  # 70 KB: text goes to spans.text
        big = span("redact-big", "s1", prompt=f"{filler} Charge card {CARD} and mail {EMAIL}.",
                   completion=f"Done, receipt sent to {EMAIL}.", attributes={"client.ip": IP, "plain": "nothing"})
        small = span("redact-small", "s1", prompt=f"card {CARD}", attributes={"customer": EMAIL})
        for body in (big, small):
            resp = c.post(TRACES, json=body)
            assert resp.status_code == 200, resp.text

        got = spans_of(c, "redact-big")["s1"]
        assert got["llmSpan"]["promptContent"].endswith("Charge card [CARD] and mail [EMAIL].")
        assert got["llmSpan"]["completionContent"] == "Done, receipt sent to [EMAIL]."
        assert got["attributes"]["client.ip"] == "[IPV4]"
        assert got["attributes"]["plain"] == "nothing"
        assert got["attributes"]["governai.redacted"] == \
            "prompt:card,prompt:email,completion:email,attributes.client.ip:ipv4"
        small_got = spans_of(c, "redact-small")["s1"]
        assert small_got["llmSpan"]["promptContent"] == "card [CARD]"
        assert small_got["attributes"]["customer"] == "[EMAIL]"
        listed = c.get(TRACES, params={"attr": "customer=[EMAIL]"}).json()["traces"]
        assert [t["traceId"] for t in listed] == ["redact-small"]

        audit = c.get("/api/v1/governai/v1/audit", params={"type": "card"}).json()["entries"]
        assert {(e["traceId"], e["field"], e["policy"]) for e in audit} == \
            {("redact-big", "prompt", "redact"), ("redact-small", "prompt", "redact")}

        metrics = c.get("/metrics").text
        assert 'type="card",action="redact"} 2' in metrics

    assert srv.stop() == 0, srv.log()  # everything on disk, the WAL included
    try:
        for needle in (CARD, EMAIL, IP):
            assert files_holding(srv.data_dir, needle.encode()) == [], needle
            assert needle not in srv.log()
        assert files_holding(srv.data_dir, b"nothing") != []  # the check can find what is there
    finally:
        srv.start()


def test_a_blocked_span_is_refused_and_its_trace_shows_it(srv: StackLensServer) -> None:
    with client_for(srv, "block") as c:
        assert c.put(POLICIES, json={"policies": {"card": "block"}}).status_code == 200
        assert c.post(TRACES, json=span("blocked", "root", prompt="plan the trip")).status_code == 200
        refused = c.post(TRACES, json=span("blocked", "child", parent="root", prompt=f"pay with {CARD}",
                                           attributes={"customer": EMAIL}))
        assert refused.status_code == 422, refused.text
        assert refused.json()["error"] == "span 'child' blocked by GovernAI policy: card in prompt"
        assert CARD not in refused.text

        spans = spans_of(c, "blocked")
        marker = spans["child"]
        assert marker["status"] == "error"
        assert marker["parentSpanId"] == "root"
        assert marker["attributes"] == {"governai.blocked": "prompt:card"}
        assert marker["llmSpan"]["promptContent"] is None and marker["llmSpan"]["completionContent"] is None
        assert marker["llmSpan"]["model"] == "gpt-4o-mini" and marker["llmSpan"]["inputTokens"] == 10
        assert spans["root"]["status"] == "ok"
        policies = {(e["type"], e["policy"], e["field"])
                    for e in c.get("/api/v1/governai/v1/audit", params={"model": "gpt-4o-mini"}).json()["entries"]}
        assert policies == {("card", "block", "prompt"), ("email", "redact", "attributes.customer")}


def test_a_batch_stores_the_spans_that_are_not_blocked(srv: StackLensServer) -> None:
    with client_for(srv, "batch") as c:
        assert c.put(POLICIES, json={"policies": {"email": "block"}}).status_code == 200
        batch = [span("partial", "a", prompt="fine"), span("partial", "b", attributes={"to": EMAIL}),
                 {"traceId": "partial"}, span("partial", "c", prompt=f"card {CARD}")]
        resp = c.post(f"{TRACES}/batch", json={"spans": batch})
        assert resp.status_code == 200, resp.text
        body = resp.json()
        assert (body["accepted"], body["rejected"]) == (2, 2)
        assert [r["status"] for r in body["results"]] == ["accepted", "rejected", "rejected", "accepted"]
        assert body["results"][1]["error"] == "span 'b' blocked by GovernAI policy: email in attributes.to"
        assert EMAIL not in resp.text
        spans = spans_of(c, "partial")
        assert sorted(spans) == ["a", "b", "c"]
        assert spans["b"]["attributes"] == {"governai.blocked": "attributes.to:email"}
        assert spans["c"]["llmSpan"]["promptContent"] == "card [CARD]"


def test_clients_cannot_set_governai_marks(srv: StackLensServer) -> None:
    with client_for(srv, "forged") as c:
        sent = span("forged", "s1", attributes={"governai.blocked": "prompt:card", "governai.redacted": "x:email"})
        assert c.post(TRACES, json=sent).status_code == 200
        assert spans_of(c, "forged")["s1"]["attributes"] == {}


def test_otlp_spans_are_redacted_and_blocked(srv: StackLensServer) -> None:
    with client_for(srv, "otlp") as c:
        assert c.put(POLICIES, json={"policies": {"card": "block"}}).status_code == 200
        trace = "5b8efff798038103d269b633813fc6ab"

        def otlp_span(span_id: str, attrs: Dict[str, str]) -> Dict[str, Any]:
            return {"traceId": trace, "spanId": span_id, "name": "chat", "startTimeUnixNano": "1717200000000000000",
                    "endTimeUnixNano": "1717200001000000000",
                    "attributes": [{"key": k, "value": {"stringValue": v}} for k, v in attrs.items()]}

        body = {"resourceSpans": [{"scopeSpans": [{"spans": [
            otlp_span("0102030405060708", {"gen_ai.prompt": f"write to {EMAIL}"}),
            otlp_span("0102030405060709", {"payment": f"card {CARD}"})]}]}]}
        resp = c.post("/otlp/v1/traces", json=body)
        assert resp.status_code == 200, resp.text
        partial = resp.json()["partialSuccess"]
        assert partial["rejectedSpans"] == 1
        assert partial["errorMessage"] == "span '0102030405060709' blocked by GovernAI policy: card in attributes.payment"
        spans = spans_of(c, trace)
        assert spans["0102030405060709"]["attributes"] == {"governai.blocked": "attributes.payment:card"}
        kept = spans["0102030405060708"]
        assert EMAIL not in str(kept) and "[EMAIL]" in str(kept)
        assert "email" in kept["attributes"]["governai.redacted"]


def test_check_answers_findings_redacted_text_and_decision(srv: StackLensServer) -> None:
    with client_for(srv, "check") as c:
        text = f"Mail {EMAIL} about card {CARD}."
        got = c.post(CHECK, json={"text": text}).json()
        assert got["decision"] == "redact"
        assert got["text"] == "Mail [EMAIL] about card [CARD]."
        found = [(f["type"], f["field"], text[f["start"]:f["end"]], f["action"]) for f in got["findings"]]
        assert found == [("email", "text", EMAIL, "redact"), ("card", "text", CARD, "redact")]
        assert all(0 < f["confidence"] <= 1 for f in got["findings"])
        assert EMAIL not in str(got["findings"])  # offsets, never the value

        assert c.put(POLICIES, json={"policies": {"card": "block", "email": "allow"}}).status_code == 200
        messages = [{"role": "system", "content": "You are helpful."}, {"role": "user", "content": text}]
        got = c.post(CHECK, json={"messages": messages}).json()
        assert got["decision"] == "block"
        assert got["messages"] == [messages[0], {"role": "user", "content": f"Mail {EMAIL} about card [CARD]."}]
        assert [(f["type"], f["field"], f["action"]) for f in got["findings"]] == \
            [("email", "messages[1].content", "allow"), ("card", "messages[1].content", "block")]

        clean = c.post(CHECK, json={"messages": []}).json()
        assert clean == {"decision": "allow", "findings": [], "messages": []}
        assert c.get("/api/v1/governai/v1/audit").json()["entries"] == []  # a check stores nothing


def test_check_refuses_text_over_its_limit(srv: StackLensServer) -> None:
    with client_for(srv, "default") as c:
        assert c.post(CHECK, json={"text": "a" * (1 << 20)}).status_code == 200
        over = c.post(CHECK, json={"text": "a" * ((1 << 20) + 1)})
        assert over.status_code == 400
        assert over.json()["error"] == "text is longer than 1048576 bytes in all (1048577): check it in parts"
        split = c.post(CHECK, json={"messages": [{"role": "user", "content": "a" * 600_000}] * 2})
        assert split.status_code == 400 and "messages are longer than 1048576 bytes" in split.json()["error"]
        many = c.post(CHECK, json={"messages": [{"role": "user", "content": ""}] * 1001})
        assert many.status_code == 400 and many.json()["error"] == "messages: at most 1000 messages, got 1001"


def test_with_governai_off_spans_are_stored_as_sent(tmp_path: Path) -> None:
    s = StackLensServer(tmp_path / "data", extra_args=["--governai", "off"]).start()
    try:
        with client_for(s, "default") as c:
            assert c.put(POLICIES, json={"policies": {"card": "block"}}).status_code == 200
            assert c.post(TRACES, json=span("off", "s1", prompt=f"card {CARD}")).status_code == 200
            assert spans_of(c, "off")["s1"]["llmSpan"]["promptContent"] == f"card {CARD}"
            assert "stacklens_governai_findings_total{" not in c.get("/metrics").text
            assert c.post(CHECK, json={"text": f"card {CARD}"}).json()["decision"] == "block"  # checks still answer
    finally:
        assert s.stop() == 0, s.log()


def test_a_policy_change_applies_to_the_next_span(srv: StackLensServer) -> None:
    with client_for(srv, "switch") as c:
        assert c.post(TRACES, json=span("switch-1", "s1", prompt=f"from {IP}")).status_code == 200
        assert c.put(POLICIES, json={"policies": {"ipv4": "allow"}}).status_code == 200
        assert c.post(TRACES, json=span("switch-2", "s1", prompt=f"from {IP}")).status_code == 200
        assert spans_of(c, "switch-1")["s1"]["llmSpan"]["promptContent"] == "from [IPV4]"
        assert spans_of(c, "switch-2")["s1"]["llmSpan"]["promptContent"] == f"from {IP}"
        assert 'type="ipv4",action="allow"} 1' in c.get("/metrics").text  # counted, not audited
        assert c.get("/api/v1/governai/v1/audit", params={"policy": "allow"}).json()["entries"] == []
