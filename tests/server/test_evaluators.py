"""LLM-as-judge evaluators and the rules that run them on live spans, against the real server and
a fake provider (tests/support/fake_llm_provider.py). The judge's answer is scripted through the
span's text: the fake provider answers what a message holds between REPLY<< and >>REPLY, and the
evaluators here put the span's output in their template."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any, Dict, Iterator, List, Optional, Tuple

import httpx
import pytest

from fake_llm_provider import FakeProvider
from polling import poll
from openapi_contract import CONTRACT
from stacklens_server import StackLensServer

BASE = "/api/v1/evaluations/v1"
EVALUATORS = BASE + "/evaluators"
RULES = BASE + "/rules"
TRACES = "/api/v1/stacktrace/v1/traces"
SCORES = "/api/v1/stacktrace/v1/scores"
SCOPES = "connections:manage,evaluations:read,evaluations:write,traces:read,traces:write"
WAIT = 30  # seconds for what the server does in the background


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Tuple[StackLensServer, httpx.Client, FakeProvider]]:
    srv = StackLensServer(tmp_path_factory.mktemp("evaluators") / "data").start()
    key = srv.create_key(SCOPES)
    with FakeProvider() as provider, httpx.Client(base_url=srv.url, timeout=60, headers={"X-Api-Key": key},
                                                  event_hooks={"response": [CONTRACT.check]}) as api:
        made = api.post(BASE + "/connections", json={"name": "judge", "provider": "openai",
                                                     "baseUrl": provider.url + "/v1", "apiKey": "sk-test-judge-0000",
                                                     "defaultModel": "gpt-4o-mini"})
        assert made.status_code == 201, made.text
        yield srv, api, provider
    assert srv.stop() == 0, srv.log()


@pytest.fixture
def api(setup: Tuple[StackLensServer, httpx.Client, FakeProvider]) -> httpx.Client:
    return setup[1]


def answer(score: Any, reasoning: str = "because") -> str:
    """Span output that makes the fake judge answer this JSON object."""
    return "REPLY<<" + json.dumps({"score": score, "reasoning": reasoning}) + ">>REPLY"


def evaluator(name: str, output: Optional[Dict[str, Any]] = None, **extra: Any) -> Dict[str, Any]:
    return {"name": name, "template": "Judge this answer:\n{{output}}", "connection": "judge",
            "output": output or {"type": "numeric", "min": 1, "max": 5}, **extra}


def make_evaluator(api: httpx.Client, name: str, output: Optional[Dict[str, Any]] = None, **extra: Any) -> None:
    made = api.post(EVALUATORS, json=evaluator(name, output, **extra))
    assert made.status_code == 201, made.text


def send_span(api: httpx.Client, output: str, name: str = "chat", tags: Optional[List[str]] = None,
              attributes: Optional[Dict[str, Any]] = None, model: str = "gpt-4o") -> Tuple[str, str]:
    trace_id, span_id = uuid.uuid4().hex, uuid.uuid4().hex[:16]
    span = {"traceId": trace_id, "spanId": span_id, "name": name, "startTime": "2026-12-01T00:00:00Z",
            "endTime": "2026-12-01T00:00:01Z", "tags": tags or [], "attributes": attributes or {},
            "llmSpan": {"model": model, "provider": "openai", "inputTokens": 5, "outputTokens": 5,
                        "promptContent": "What is the capital of France?", "completionContent": output}}
    resp = api.post(TRACES, json=span)
    assert resp.status_code == 200, resp.text
    return trace_id, span_id


def scores_of(api: httpx.Client, trace_id: str) -> List[Dict[str, Any]]:
    return list(api.get(SCORES, params={"trace_id": trace_id}).json()["scores"])


def test_ready_templates_cover_the_four_kinds(api: httpx.Client) -> None:
    templates = {t["name"]: t for t in api.get(BASE + "/evaluator-templates").json()["templates"]}
    assert set(templates) == {"correctness", "relevance", "toxicity", "hallucination"}
    assert "{{expected}}" in templates["correctness"]["template"]
    assert "{{context}}" in templates["hallucination"]["template"]
    assert templates["toxicity"]["output"] == {"type": "boolean"}
    assert templates["hallucination"]["output"]["categories"] == ["faithful", "hallucinated"]
    # Each is a valid evaluator as it stands.
    for t in templates.values():
        made = api.post(EVALUATORS, json={"name": "copy-" + t["name"], "template": t["template"],
                                          "connection": "judge", "output": t["output"]})
        assert made.status_code == 201, made.text
        assert api.delete(f"{EVALUATORS}/copy-{t['name']}").status_code == 200


def test_an_evaluator_is_created_read_replaced_and_deleted(api: httpx.Client) -> None:
    made = api.post(EVALUATORS, json=evaluator("crud", description="first", model="gpt-4o"))
    assert made.status_code == 201, made.text
    body = made.json()
    assert (body["name"], body["connection"], body["model"], body["description"]) == ("crud", "judge", "gpt-4o", "first")
    assert body["output"] == {"type": "numeric", "min": 1, "max": 5}
    assert api.post(EVALUATORS, json=evaluator("crud")).status_code == 409
    assert api.get(f"{EVALUATORS}/crud").json()["template"] == "Judge this answer:\n{{output}}"
    assert "crud" in [e["name"] for e in api.get(EVALUATORS).json()["evaluators"]]
    replaced = api.put(f"{EVALUATORS}/crud", json={"template": "Is {{output}} kind?", "connection": "judge",
                                                   "output": {"type": "boolean"}})
    assert replaced.status_code == 200, replaced.text
    assert (replaced.json()["output"], replaced.json()["model"], replaced.json()["template"]) == (
        {"type": "boolean"}, None, "Is {{output}} kind?")
    assert api.put(f"{EVALUATORS}/crud", json={**evaluator("other")}).status_code == 400  # a name cannot change
    assert api.put(f"{EVALUATORS}/absent", json=evaluator("absent")).status_code == 404
    assert api.delete(f"{EVALUATORS}/crud").status_code == 200
    assert api.get(f"{EVALUATORS}/crud").status_code == 404
    assert api.delete(f"{EVALUATORS}/crud").status_code == 404


@pytest.mark.parametrize("change,words", [
    ({"template": "Rate {{answer}}"}, "unknown variable {{answer}}"),
    ({"template": "Rate {{output"}, "never closed"),
    ({"template": ""}, "template is required"),
    ({"connection": "nowhere"}, "model connection 'nowhere' does not exist"),
    ({"connection": None}, "connection is required"),
    ({"output": {"type": "numeric", "min": 1}}, "output.min and output.max are required"),
    ({"output": {"type": "numeric", "min": 5, "max": 1}}, "output.min must be below output.max"),
    ({"output": {"type": "categorical", "categories": []}}, "output.categories is required"),
    ({"output": {"type": "categorical", "categories": ["a", "a"]}}, "lists 'a' twice"),
    ({"output": {"type": "boolean", "categories": ["a"]}}, "categorical output only"),
    ({"output": {"type": "stars"}}, "output.type must be numeric, categorical or boolean"),
    ({"output": None}, "output is required"),
    ({"name": "has space"}, "evaluator name may hold"),
    ({"colour": "red"}, "unknown field 'colour'"),
    ({"model": ""}, "model must be 1 to"),
])
def test_a_bad_evaluator_is_refused_naming_what_is_wrong(api: httpx.Client, change: Dict[str, Any],
                                                         words: str) -> None:
    body = {k: v for k, v in {**evaluator("bad"), **change}.items() if v is not None}
    resp = api.post(EVALUATORS, json=body)
    assert resp.status_code == 400 and words in resp.json()["error"], resp.text


def test_a_run_stores_the_judges_score_on_the_span_with_its_reasoning(
        setup: Tuple[StackLensServer, httpx.Client, FakeProvider]) -> None:
    _, api, provider = setup
    make_evaluator(api, "accuracy")
    trace_id, span_id = send_span(api, answer(4, "close, but terse"), attributes={"user.tier": "gold"})
    resp = api.post(f"{EVALUATORS}/accuracy/run", json={"traceId": trace_id, "spanId": span_id})
    assert resp.status_code == 201, resp.text
    run = resp.json()
    assert (run["value"], run["dataType"], run["reasoning"]) == (4, "numeric", "close, but terse")
    score = run["score"]
    assert (score["traceId"], score["spanId"], score["name"], score["value"], score["comment"], score["source"]) == (
        trace_id, span_id, "accuracy", 4, "close, but terse", "eval")
    assert [s["id"] for s in scores_of(api, trace_id)] == [score["id"]]
    # The judge was asked for the schema in a system message, the filled template as the user's.
    with provider.lock:
        sent = provider.requests[-1]["body"]
    assert sent["messages"][0]["role"] == "system" and "a number from 1 to 5" in sent["messages"][0]["content"]
    assert sent["messages"][1] == {"role": "user", "content": "Judge this answer:\n" + answer(4, "close, but terse")}
    assert sent["temperature"] == 0
    # The judge's call is a trace of the project, with its cost.
    assert run["costUsd"] > 0 and run["judgeTraceId"]
    judged = poll(lambda: api.get(f"{TRACES}/{run['judgeTraceId']}").status_code == 200, "the judge's trace", WAIT)
    assert judged


def test_a_dry_run_judges_given_values_and_stores_nothing(api: httpx.Client) -> None:
    make_evaluator(api, "grounded", {"type": "categorical", "categories": ["faithful", "hallucinated"]},
                   template="Context: {{context}}\nQ: {{input}}\nA: {{output}} ({{attributes.lang}})")
    fenced = "REPLY<<```json\n" + json.dumps({"score": "faithful", "reasoning": "in the context"}) + "\n```>>REPLY"
    resp = api.post(f"{EVALUATORS}/grounded/run", json={"input": "Capital?", "output": fenced, "context": "Paris.",
                                                        "attributes": {"lang": "en"}})
    assert resp.status_code == 200, resp.text
    assert (resp.json()["value"], resp.json()["score"], resp.json()["reasoning"]) == ("faithful", None, "in the context")
    assert api.post(f"{EVALUATORS}/grounded/run", json={}).status_code == 400
    both = api.post(f"{EVALUATORS}/grounded/run", json={"traceId": "t", "spanId": "s", "output": "x"})
    assert both.status_code == 400 and "either traceId and spanId or values" in both.json()["error"]


@pytest.mark.parametrize("judge_says,words", [
    (answer(9), "score 9 is outside 1 to 5"),
    (answer("4"), "score must be a number"),
    ("REPLY<<I would say 4 out of 5.>>REPLY", "only a JSON object"),
    ("REPLY<<" + json.dumps({"score": 3}) + ">>REPLY", "reasoning is missing"),
    ("REPLY<<" + json.dumps({"score": 3, "reasoning": "x"}) + " Hope that helps!>>REPLY", "not one JSON object"),
])
def test_an_answer_off_the_schema_is_an_error_and_no_score(api: httpx.Client, judge_says: str, words: str) -> None:
    if api.get(f"{EVALUATORS}/strict").status_code == 404:
        make_evaluator(api, "strict")
    trace_id, span_id = send_span(api, judge_says)
    resp = api.post(f"{EVALUATORS}/strict/run", json={"traceId": trace_id, "spanId": span_id})
    assert resp.status_code == 422, resp.text
    error = resp.json()["error"]
    assert error.startswith("the judge's answer does not fit the schema: ") and words in error, error
    assert scores_of(api, trace_id) == []


def test_provider_errors_and_missing_things_are_answered_as_such(api: httpx.Client) -> None:
    make_evaluator(api, "refused", model="error-400")
    make_evaluator(api, "failing", model="error-500")
    trace_id, span_id = send_span(api, answer(3))
    target = {"traceId": trace_id, "spanId": span_id}
    refused = api.post(f"{EVALUATORS}/refused/run", json=target)
    assert refused.status_code == 424 and "400" in refused.json()["error"], refused.text
    failing = api.post(f"{EVALUATORS}/failing/run", json=target)
    assert failing.status_code == 424 and "500" in failing.json()["error"], failing.text
    assert scores_of(api, trace_id) == []
    assert api.post(f"{EVALUATORS}/absent/run", json=target).status_code == 404
    make_evaluator(api, "present")
    missing_span = api.post(f"{EVALUATORS}/present/run", json={"traceId": trace_id, "spanId": "nope"})
    assert missing_span.status_code == 404 and "nope" in missing_span.json()["error"]
    assert api.post(f"{EVALUATORS}/present/run", json={"traceId": "no-such-trace", "spanId": "s"}).status_code == 404


def rule(name: str, evaluator_name: str, **extra: Any) -> Dict[str, Any]:
    return {"name": name, "evaluator": evaluator_name, **extra}


def get_rule(api: httpx.Client, rule_id: int) -> Dict[str, Any]:
    resp = api.get(f"{RULES}/{rule_id}")
    assert resp.status_code == 200, resp.text
    return dict(resp.json())


def test_a_rule_is_created_changed_paused_resumed_and_deleted(api: httpx.Client) -> None:
    make_evaluator(api, "rule-crud")
    made = api.post(RULES, json=rule("crud", "rule-crud", samplingRate=0.5, delaySeconds=30,
                                     filter={"name": "chat", "tags": ["prod"], "attributes": {"tier": "gold"}}))
    assert made.status_code == 201, made.text
    body = made.json()
    assert (body["samplingRate"], body["delaySeconds"], body["paused"]) == (0.5, 30, False)
    assert body["filter"] == {"name": "chat", "model": None, "tags": ["prod"], "attributes": {"tier": "gold"}}
    assert body["totals"] == {"runs": 0, "ok": 0, "errors": 0, "dropped": 0, "costUsd": 0}
    rule_id = body["id"]
    assert api.post(RULES, json=rule("crud", "rule-crud")).status_code == 409
    assert api.post(f"{RULES}/{rule_id}/pause").json()["paused"] is True
    assert get_rule(api, rule_id)["paused"] is True
    assert api.post(f"{RULES}/{rule_id}/resume").json()["paused"] is False
    changed = api.put(f"{RULES}/{rule_id}", json=rule("crud-2", "rule-crud", filter={"model": "gpt-4o"}))
    assert changed.status_code == 200, changed.text
    assert (changed.json()["name"], changed.json()["samplingRate"], changed.json()["filter"]["model"]) == (
        "crud-2", 1, "gpt-4o")
    assert rule_id in [r["id"] for r in api.get(RULES).json()["rules"]]
    in_use = api.delete(f"{EVALUATORS}/rule-crud")
    assert in_use.status_code == 409 and "crud-2" in in_use.json()["error"]
    assert api.delete(f"{RULES}/{rule_id}").status_code == 200
    assert api.get(f"{RULES}/{rule_id}").status_code == 404
    assert api.get(f"{RULES}/not-a-number").status_code == 404
    assert api.post(f"{RULES}/{rule_id}/pause").status_code == 404
    assert api.delete(f"{EVALUATORS}/rule-crud").status_code == 200


@pytest.mark.parametrize("body,words", [
    ({"evaluator": "nobody"}, "evaluator 'nobody' does not exist"),
    ({"evaluator": None}, "evaluator is required"),
    ({"name": ""}, "name is required"),
    ({"samplingRate": 1.5}, "samplingRate must be from 0 to 1"),
    ({"delaySeconds": -1}, "delaySeconds must be from 0"),
    ({"filter": {"tags": "prod"}}, "filter.tags must be an array"),
    ({"filter": {"attributes": {"tier": 1}}}, "filter.attributes.tier must be a string"),
    ({"filter": {"attributes": {"a=b": "c"}}}, "no '='"),
    ({"filter": {"colour": "red"}}, "filter: unknown field 'colour'"),
    ({"every": 3}, "unknown field 'every'"),
])
def test_a_bad_rule_is_refused_naming_what_is_wrong(api: httpx.Client, body: Dict[str, Any], words: str) -> None:
    if api.get(f"{EVALUATORS}/rule-bad").status_code == 404:
        make_evaluator(api, "rule-bad")
    sent = {k: v for k, v in {**rule("bad", "rule-bad"), **body}.items() if v is not None}
    resp = api.post(RULES, json=sent)
    assert resp.status_code == 400 and words in resp.json()["error"], resp.text


def runs_of(api: httpx.Client, rule_id: int, **params: Any) -> Dict[str, Any]:
    resp = api.get(f"{RULES}/{rule_id}/runs", params=params)
    assert resp.status_code == 200, resp.text
    return dict(resp.json())


def test_a_rule_judges_matching_live_spans_and_keeps_its_history(api: httpx.Client) -> None:
    make_evaluator(api, "live")
    made = api.post(RULES, json=rule("live", "live", filter={"name": "live-chat", "tags": ["prod"]}))
    assert made.status_code == 201, made.text
    rule_id = made.json()["id"]
    judged = [send_span(api, answer(n, f"worth {n}"), name="live-chat", tags=["prod", "eu"]) for n in (2, 5)]
    off = send_span(api, answer(7), name="live-chat", tags=["prod"])  # off the schema: an error run
    ignored = [send_span(api, answer(3), name="other-chat", tags=["prod"]),
               send_span(api, answer(3), name="live-chat", tags=["dev"])]
    totals = poll(lambda: (t := get_rule(api, rule_id)["totals"])["runs"] == 3 and t, "three runs of the rule", WAIT)
    assert (totals["ok"], totals["errors"], totals["dropped"]) == (2, 1, 0)
    for (trace_id, span_id), n in zip(judged, (2, 5)):
        [score] = scores_of(api, trace_id)
        assert (score["spanId"], score["name"], score["value"], score["comment"], score["source"]) == (
            span_id, "live", n, f"worth {n}", "eval")
    assert scores_of(api, off[0]) == []
    for trace_id, _ in ignored:
        assert scores_of(api, trace_id) == []
    runs = runs_of(api, rule_id)["runs"]
    assert [r["id"] for r in runs] == sorted((r["id"] for r in runs), reverse=True)  # newest first
    by_span = {r["spanId"]: r for r in runs}
    error = by_span[off[1]]
    assert error["status"] == "error" and "score 7 is outside 1 to 5" in error["error"] and error["scoreId"] is None
    for trace_id, span_id in judged:
        ok = by_span[span_id]
        assert ok["status"] == "ok" and ok["traceId"] == trace_id and ok["scoreId"] and ok["costUsd"] > 0
    # Spend: every judge call's cost, the failed one's too.
    assert totals["costUsd"] == pytest.approx(sum(r["costUsd"] for r in runs))
    assert error["costUsd"] > 0
    # Paged, newest first.
    first = runs_of(api, rule_id, limit=2)
    assert [r["id"] for r in first["runs"]] == [r["id"] for r in runs[:2]] and first["nextCursor"]
    rest = runs_of(api, rule_id, limit=2, cursor=first["nextCursor"])
    assert [r["id"] for r in rest["runs"]] == [runs[2]["id"]] and rest["nextCursor"] is None
    assert api.get(f"{RULES}/{rule_id}/runs", params={"cursor": "x"}).status_code == 400


def test_paused_rules_and_rules_sampling_nothing_judge_nothing(api: httpx.Client) -> None:
    for name in ("fence", "paused", "unsampled"):
        make_evaluator(api, "quiet-" + name)
    picked = {"name": "quiet-chat", "tags": ["quiet"]}
    paused = api.post(RULES, json=rule("quiet-paused", "quiet-paused", filter=picked)).json()["id"]
    assert api.post(f"{RULES}/{paused}/pause").status_code == 200
    unsampled = api.post(RULES, json=rule("quiet-unsampled", "quiet-unsampled", filter=picked,
                                          samplingRate=0)).json()["id"]
    # A running rule on the same spans, and on spans sent after them: once it has judged those,
    # the spans before them were long picked or not.
    fence = api.post(RULES, json=rule("quiet-fence", "quiet-fence", filter={"name": "quiet-chat"})).json()["id"]
    quiet = [send_span(api, answer(3), name="quiet-chat", tags=["quiet"]) for _ in range(3)]
    after = [send_span(api, answer(3), name="quiet-chat") for _ in range(3)]
    poll(lambda: get_rule(api, fence)["totals"]["ok"] == 6, "the running rule judged every span", WAIT)
    for rule_id in (paused, unsampled):
        assert get_rule(api, rule_id)["totals"]["runs"] == 0
        assert runs_of(api, rule_id)["runs"] == []
    for trace_id, _ in quiet + after:
        assert [s["name"] for s in scores_of(api, trace_id)] == ["quiet-fence"]
    # Resumed, the rule judges spans stored from then on.
    assert api.post(f"{RULES}/{paused}/resume").status_code == 200
    trace_id, _ = send_span(api, answer(4), name="quiet-chat", tags=["quiet"])
    poll(lambda: sorted(s["name"] for s in scores_of(api, trace_id)) == ["quiet-fence", "quiet-paused"],
         "the resumed rule judged the new span", WAIT)


def test_a_rule_judges_a_span_only_once_its_delay_has_passed(api: httpx.Client) -> None:
    delay = 2
    make_evaluator(api, "delayed")
    made = api.post(RULES, json=rule("delayed", "delayed", filter={"name": "delayed-chat"}, delaySeconds=delay))
    assert made.status_code == 201, made.text
    sent: Dict[str, float] = {}  # trace id -> when it was sent

    def judged() -> Optional[Tuple[str, float]]:
        for trace_id, at in sent.items():
            if scores_of(api, trace_id):
                return trace_id, time.monotonic() - at
        # On a cluster the node taking a span may not have loaded the rule yet: another span then.
        if not sent or time.monotonic() - max(sent.values()) > 1:
            at = time.monotonic()
            trace_id, _ = send_span(api, answer(3), name="delayed-chat")
            assert scores_of(api, trace_id) == []  # stored, and waiting
            sent[trace_id] = at
        return None

    trace_id, waited = poll(judged, "a delayed span judged", WAIT)
    assert waited >= delay
    [score] = scores_of(api, trace_id)
    assert (score["name"], score["value"], score["source"]) == ("delayed", 3, "eval")
