"""Prompt runs: the server runs a FlowOps prompt version over a dataset's items through a model
connection (the fake provider, tests/support/fake_llm_provider.py) in the background, records each
answer as the item's result with its trace, judges it with server-side evaluators, and finishes
the run; against the real server. The fake provider answers "echo: " and the last user message,
or what a message scripts between REPLY<< and >>REPLY (the evaluators here script their judge)."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any, Dict, Iterator, List, Tuple

import httpx
import pytest

from fake_llm_provider import FakeProvider
from polling import poll
from openapi_contract import CONTRACT
from stacklens_server import StackLensServer

BASE = "/api/v1/evaluations/v1"
DATASETS = BASE + "/datasets"
PROMPTS = "/api/v1/flowops/v1/prompts"
TRACES = "/api/v1/stacktrace/v1/traces"
SCOPES = "connections:manage,evaluations:read,evaluations:write,prompts:read,prompts:write,traces:read"
CHAT_PROMPT = json.dumps([{"role": "system", "content": "Answer {{topic}} questions briefly."},
                          {"role": "user", "content": "{{question}}"}])
WAIT = 60  # seconds for what the server does in the background: runs go through items one by one


def ok(resp: httpx.Response, status: int = 200) -> Any:
    assert resp.status_code == status, resp.text
    return resp.json()


def connect(api: httpx.Client, provider: FakeProvider, name: str, model: str = "gpt-4o-mini", **extra: Any) -> None:
    ok(api.post(BASE + "/connections", json={"name": name, "provider": "openai", "baseUrl": provider.url + "/v1",
                                             "apiKey": "sk-test-0123456789", "defaultModel": model, **extra}), 201)


def judge(verdict: Dict[str, Any]) -> str:
    """A judge template whose fake judge answers `verdict` (with {{expected}} in its reasoning)."""
    return "REPLY<<" + json.dumps(verdict).replace("EXPECTED", "{{expected}}") + ">>REPLY"


def make_dataset(api: httpx.Client, name: str, items: List[Dict[str, Any]]) -> None:
    ok(api.post(DATASETS, json={"name": name}), 201)
    for i, item in enumerate(items):
        ok(api.post(f"{DATASETS}/{name}/items", json={"id": f"i{i}", **item}), 201)


def start(api: httpx.Client, dataset: str, **body: Any) -> Dict[str, Any]:
    run: Dict[str, Any] = ok(api.post(f"{DATASETS}/{dataset}/runs/prompt", json={"name": "run", **body}), 202)
    return run


def run_of(api: httpx.Client, dataset: str, run_id: int) -> Dict[str, Any]:
    got: Dict[str, Any] = ok(api.get(f"{DATASETS}/{dataset}/runs/{run_id}"))
    return got


def ended(api: httpx.Client, dataset: str, run_id: int) -> Dict[str, Any]:
    return dict(poll(lambda: (r := run_of(api, dataset, run_id))["status"] != "running" and r,
                     f"run {run_id} of {dataset} ended", WAIT))


def results_of(api: httpx.Client, dataset: str, run_id: int) -> Dict[str, Dict[str, Any]]:
    page = ok(api.get(f"{DATASETS}/{dataset}/runs/{run_id}/results"))
    return {r["itemId"]: r for r in page["results"]}


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Tuple[httpx.Client, FakeProvider]]:
    srv = StackLensServer(tmp_path_factory.mktemp("prompt-runs") / "data").start()
    key = srv.create_key(SCOPES)
    with FakeProvider() as provider, httpx.Client(base_url=srv.url, timeout=60, headers={"X-Api-Key": key},
                                                  event_hooks={"response": [CONTRACT.check]}) as api:
        connect(api, provider, "lab")
        ok(api.post(PROMPTS, json={"name": "qa", "content": CHAT_PROMPT}), 201)
        ok(api.post(PROMPTS, json={"name": "say", "content": "Say {{input}}"}), 201)
        ok(api.post(f"{PROMPTS}/say/promote", json={"env": "production", "version": 1}))
        output = {"type": "numeric", "min": 1, "max": 5}
        for name, verdict in (("graded", {"score": 4, "reasoning": "expected EXPECTED"}),
                              ("strict", {"score": 9, "reasoning": "off the scale"})):
            ok(api.post(BASE + "/evaluators", json={"name": name, "template": judge(verdict), "connection": "lab",
                                                    "output": output}), 201)
        yield api, provider
    assert srv.stop() == 0, srv.log()


@pytest.fixture
def api(setup: Tuple[httpx.Client, FakeProvider]) -> httpx.Client:
    return setup[0]


def test_a_chat_prompt_runs_over_the_items_and_is_judged(setup: Tuple[httpx.Client, FakeProvider]) -> None:
    api, provider = setup
    questions = {"i0": ("geography", "Capital of France?", "Paris"), "i1": ("maths", "Two plus two?", "4"),
                 "i2": ("music", "Who wrote Fidelio?", "Beethoven")}
    make_dataset(api, "quiz", [{"input": {"topic": t, "question": q}, "expectedOutput": e}
                               for t, q, e in questions.values()])
    run = start(api, "quiz", name="chat", description="d", prompt="qa", version=1, connection="lab",
                temperature=0.3, maxTokens=50, evaluators=["graded"], concurrency=3)
    assert (run["status"], run["itemCount"], run["datasetVersion"], run["description"]) == ("running", 3, 3, "d")
    assert run["metadata"] == {"kind": "prompt", "prompt": "qa", "promptVersion": 1, "environment": None,
                               "connection": "lab", "model": "gpt-4o-mini", "temperature": 0.3, "maxTokens": 50,
                               "evaluators": ["graded"], "concurrency": 3, "node": run["metadata"]["node"]}
    done = ended(api, "quiz", run["id"])
    assert done["status"] == "finished"
    assert done["summary"] == {"items": 3, "itemsDone": 3, "errors": 0, "evaluationErrors": 0}
    agg = done["aggregates"]
    assert (agg["itemsDone"], agg["errors"]) == (3, 0) and agg["costUsd"] > 0 and agg["totalTokens"] > 0
    assert agg["scores"] == {"graded": {"count": 3, "average": 4}}
    results = results_of(api, "quiz", run["id"])
    for item_id, (topic, question, expected) in questions.items():
        r = results[item_id]
        assert (r["output"], r["error"]) == (f"echo: {question}", None) and r["latencyMs"] > 0
        [score] = r["scores"]
        assert (score["name"], score["value"], score["comment"], score["source"]) == (
            "graded", 4, f"expected {expected}", "eval")
        span = ok(api.get(f"{TRACES}/{r['traceId']}"))["tree"][0]
        assert span["name"] == "experiment.prompt" and span["llmSpan"]["model"] == "gpt-4o-mini"
        attributes = span["attributes"]
        assert (attributes["stacklens.prompt.name"], attributes["stacklens.prompt.version"]) == ("qa", "1")
        assert (attributes["stacklens.dataset"], attributes["stacklens.dataset.item"]) == ("quiz", item_id)
        assert attributes["stacklens.dataset.run"] == str(run["id"])
    sent = [r["body"] for r in provider.requests if r["body"]["messages"][-1]["content"] == "Capital of France?"]
    assert sent[0]["messages"] == [{"role": "system", "content": "Answer geography questions briefly."},
                                   {"role": "user", "content": "Capital of France?"}]
    assert (sent[0]["temperature"], sent[0]["max_tokens"]) == (0.3, 50)


def test_an_input_that_is_not_an_object_fills_the_input_variable(api: httpx.Client) -> None:
    make_dataset(api, "plain", [{"input": "hello"}, {"input": 42}, {"input": {"input": "from a key"}},
                                {"input": {"other": 1}}])
    # Neither version nor environment: the version production serves.
    run = start(api, "plain", prompt="say", connection="lab", evaluators=["strict"])
    assert (run["metadata"]["promptVersion"], run["metadata"]["environment"]) == (1, "production")
    done = ended(api, "plain", run["id"])
    assert done["status"] == "finished"
    results = results_of(api, "plain", run["id"])
    assert [results[i]["output"] for i in ("i0", "i1", "i2")] == ["echo: Say hello", "echo: Say 42",
                                                                 "echo: Say from a key"]
    # A variable the input lacks is that item's error, not the run's.
    missing = results["i3"]
    assert missing["output"] is None and missing["traceId"] is None and "input" in missing["error"]
    # The judge answers off its schema: an evaluation error, no score.
    assert all(r["scores"] == [] for r in results.values())
    summary = done["summary"]
    assert (summary["items"], summary["itemsDone"], summary["errors"], summary["evaluationErrors"]) == (4, 4, 1, 3)
    assert len(summary["evaluationErrorMessages"]) == 3
    assert all("score 9 is outside 1 to 5" in m for m in summary["evaluationErrorMessages"])


def test_provider_errors_are_item_errors_and_retried_ones_succeed(setup: Tuple[httpx.Client, FakeProvider]) -> None:
    api, provider = setup
    connect(api, provider, "brittle", timeoutMs=1000)
    make_dataset(api, "failing", [{"input": "a"}, {"input": "b"}])
    failed = ended(api, "failing", start(api, "failing", prompt="say", connection="brittle", model="error-500")["id"])
    assert failed["status"] == "finished" and failed["aggregates"]["errors"] == 2
    for r in results_of(api, "failing", failed["id"]).values():
        assert "500" in r["error"] and r["output"] is None
        # The failed call is recorded too, as the item's trace.
        span = ok(api.get(f"{TRACES}/{r['traceId']}"))["tree"][0]
        assert (span["name"], span["status"]) == ("experiment.prompt", "error")
    # A 429 answered once (Retry-After: 0) is retried: every item answered.
    retried = ended(api, "failing", start(api, "failing", prompt="say", connection="lab", model="flaky-429-1",
                                          concurrency=1)["id"])
    assert (retried["status"], retried["aggregates"]["errors"]) == ("finished", 0)
    assert sum(1 for r in provider.requests if r["body"]["model"] == "flaky-429-1") == 3


def test_the_spend_cap_ends_the_run_as_failed(setup: Tuple[httpx.Client, FakeProvider]) -> None:
    api, provider = setup
    connect(api, provider, "capped", monthlyBudgetUsd=0.000000001)
    make_dataset(api, "costly", [{"input": str(i)} for i in range(3)])
    # The first call spends past the cap; the next is refused.
    done = ended(api, "costly", start(api, "costly", prompt="say", connection="capped", concurrency=1)["id"])
    assert done["status"] == "failed" and "monthly spend cap" in done["summary"]["error"]
    assert (done["summary"]["itemsDone"], done["aggregates"]["itemsDone"]) == (1, 1)


@pytest.mark.one_target  # the runner's own behaviour: the same on every metadata and span store
def test_a_run_keeps_at_most_its_concurrency_in_flight(setup: Tuple[httpx.Client, FakeProvider]) -> None:
    api, provider = setup
    make_dataset(api, "parallel", [{"input": str(i)} for i in range(6)])
    done = ended(api, "parallel", start(api, "parallel", prompt="say", connection="lab", model="slow-250",
                                        concurrency=2)["id"])
    assert (done["status"], done["aggregates"]["itemsDone"]) == ("finished", 6)
    calls = [(began, until) for model, began, until in provider.slow_answers if model == "slow-250"]
    assert len(calls) == 6
    most = max(sum(1 for b, u in calls if b <= at < u) for at, _ in calls)
    assert most <= 2


@pytest.mark.parametrize("body,status,words", [
    ({"prompt": "nope"}, 404, "prompt 'nope'"),
    ({"version": 9}, 404, "no version 9"),
    ({"environment": "staging"}, 404, "staging"),
    ({"connection": "nope"}, 404, "model connection 'nope'"),
    ({"evaluators": ["graded", "nope"]}, 404, "evaluator 'nope'"),
    ({"datasetVersion": 99}, 404, "99"),
    ({"name": None}, 400, "name is required"),
    ({"prompt": None}, 400, "prompt is required"),
    ({"connection": None}, 400, "connection is required"),
    ({"version": 1, "environment": "production"}, 400, "not both"),
    ({"environment": "prod"}, 400, "unknown environment"),
    ({"concurrency": 9}, 400, "concurrency"),
    ({"temperature": 3}, 400, "temperature"),
    ({"maxTokens": 0}, 400, "maxTokens"),
    ({"evaluators": "graded"}, 400, "evaluators must be a list"),
    ({"evaluators": ["graded", "graded"]}, 400, "twice"),
    ({"colour": "red"}, 400, "colour"),
])
def test_bad_runs_are_refused_naming_the_problem(api: httpx.Client, body: Dict[str, Any], status: int,
                                                 words: str) -> None:
    if api.get(f"{DATASETS}/refused").status_code == 404:
        make_dataset(api, "refused", [{"input": "x"}])
    sent = {k: v for k, v in {"name": "r", "prompt": "say", "connection": "lab", **body}.items() if v is not None}
    resp = api.post(f"{DATASETS}/refused/runs/prompt", json=sent)
    assert resp.status_code == status and words in resp.json()["error"], resp.text
    assert ok(api.get(f"{DATASETS}/refused/runs"))["runs"] == []


def test_an_unknown_dataset_is_404(api: httpx.Client) -> None:
    resp = api.post(f"{DATASETS}/missing/runs/prompt", json={"name": "r", "prompt": "say", "connection": "lab"})
    assert resp.status_code == 404 and "dataset 'missing'" in resp.json()["error"]


@pytest.mark.one_target  # the runner's own behaviour: the same on every metadata and span store
def test_a_run_ended_through_the_api_takes_no_more_items(setup: Tuple[httpx.Client, FakeProvider]) -> None:
    api, provider = setup
    make_dataset(api, "cancelled", [{"input": str(i)} for i in range(8)])
    run = start(api, "cancelled", prompt="say", connection="lab", model="slow-300", concurrency=1)
    poll(lambda: run_of(api, "cancelled", run["id"])["aggregates"]["itemsDone"] >= 1, "an item done", WAIT)
    stopped = ok(api.post(f"{DATASETS}/cancelled/runs/{run['id']}/finish", json={"status": "failed"}))
    assert stopped["status"] == "failed"

    def calls() -> int:
        return sum(1 for r in provider.requests if r["body"]["model"] == "slow-300")
    at_cancel = calls()
    # The item in flight (if any) answers; no further item is started in the time three would take.
    poll(lambda: len([a for a in provider.slow_answers if a[0] == "slow-300"]) >= at_cancel, "the call in flight", WAIT)
    time.sleep(0.9)
    assert calls() <= at_cancel + 1 < 8
    assert run_of(api, "cancelled", run["id"])["status"] == "failed"


@pytest.mark.one_target  # a restart of one local process on its data directory
def test_a_run_resumes_when_its_node_starts_again(tmp_path: Path) -> None:
    srv = StackLensServer(tmp_path / "data").start()
    key = srv.create_key(SCOPES)
    with FakeProvider() as provider:
        with httpx.Client(base_url=srv.url, timeout=60, headers={"X-Api-Key": key}) as api:
            connect(api, provider, "slow", model="slow-300")
            ok(api.post(PROMPTS, json={"name": "say", "content": "Say {{input}}"}), 201)
            make_dataset(api, "long", [{"input": str(i)} for i in range(6)])
            run = start(api, "long", prompt="say", version=1, connection="slow", concurrency=1)
            poll(lambda: run_of(api, "long", run["id"])["aggregates"]["itemsDone"] >= 1, "an item done", WAIT)
        assert srv.stop() == 0, srv.log()
        srv.start()
        assert "1 run(s) of this node resumed" in srv.log()
        try:
            with httpx.Client(base_url=srv.url, timeout=60, headers={"X-Api-Key": key}) as api:
                done = ended(api, "long", run["id"])
                assert (done["status"], done["aggregates"]["itemsDone"], done["aggregates"]["errors"]) == (
                    "finished", 6, 0)
                assert sorted(results_of(api, "long", run["id"])) == [f"i{i}" for i in range(6)]
        finally:
            assert srv.stop() == 0, srv.log()
        # The items answered before the stop were not asked again.
        assert sum(1 for r in provider.requests if r["body"]["model"] == "slow-300") == 6
