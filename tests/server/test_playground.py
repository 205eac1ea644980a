"""The playground: a prompt version (or messages) sent through a model connection to the fake
provider, its variables filled as the SDK's Prompt.compile() fills them, the call a trace."""

from __future__ import annotations

from typing import Iterator, Tuple

import httpx
import pytest

from fake_llm_provider import FakeProvider
from openapi_contract import CONTRACT
from stacklens_server import StackLensServer

RUN = "/api/v1/evaluations/v1/playground/run"
PROMPTS = "/api/v1/flowops/v1/prompts"


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Tuple[httpx.Client, FakeProvider]]:
    srv = StackLensServer(tmp_path_factory.mktemp("playground") / "data").start()
    key = srv.create_key("connections:manage,evaluations:write,prompts:read,prompts:write,traces:read")
    with FakeProvider() as provider, httpx.Client(base_url=srv.url, timeout=60, headers={"X-Api-Key": key},
                                                  event_hooks={"response": [CONTRACT.check]}) as api:
        made = api.post("/api/v1/evaluations/v1/connections", json={
            "name": "lab", "provider": "anthropic", "baseUrl": provider.url, "apiKey": "sk-ant-0123456789abcdef",
            "defaultModel": "claude-haiku-4-5"})
        assert made.status_code == 201, made.text
        assert api.post(PROMPTS, json={"name": "greet", "content": "Hello {{ name }}, about {{topic}}."}).status_code == 201
        assert api.post(f"{PROMPTS}/greet/versions", json={"content": "Hi {{name}}!"}).status_code == 201
        assert api.post(f"{PROMPTS}/greet/promote", json={"env": "staging", "version": 2}).status_code == 200
        yield api, provider
    assert srv.stop() == 0, srv.log()


def test_a_prompt_version_is_compiled_sent_and_recorded(setup: Tuple[httpx.Client, FakeProvider]) -> None:
    api, provider = setup
    resp = api.post(RUN, json={"connection": "lab", "prompt": {"name": "greet", "version": 1, "role": "system"},
                               "variables": {"name": "Ada", "topic": 42},
                               "messages": [{"role": "user", "content": "go"}], "temperature": 0.3, "maxTokens": 50})
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["messages"] == [{"role": "system", "content": "Hello Ada, about 42."}, {"role": "user", "content": "go"}]
    assert body["text"] == "echo: go" and body["model"] == "claude-haiku-4-5" and body["finishReason"] == "end_turn"
    sent = provider.requests[-1]["body"]
    assert sent["system"] == "Hello Ada, about 42." and sent["temperature"] == 0.3 and sent["max_tokens"] == 50
    span = api.get(f"/api/v1/stacktrace/v1/traces/{body['traceId']}").json()["tree"][0]
    assert span["name"] == "playground.run"
    assert span["attributes"]["stacklens.prompt.name"] == "greet" and span["attributes"]["stacklens.prompt.version"] == "1"
    assert span["llmSpan"]["inputTokens"] == body["inputTokens"] and body["costUsd"] > 0

    served = api.post(RUN, json={"connection": "lab", "prompt": {"name": "greet", "env": "staging"},
                                 "variables": {"name": "Bo"}, "model": "claude-haiku-4-5-20251001"})
    assert served.status_code == 200 and served.json()["messages"] == [{"role": "user", "content": "Hi Bo!"}]
    assert served.json()["model"] == "claude-haiku-4-5-20251001"


@pytest.mark.parametrize("body,status,words", [
    ({"connection": "lab", "prompt": {"name": "greet", "version": 1}, "variables": {"name": "A"}}, 400, "topic"),
    ({"connection": "lab", "prompt": {"name": "greet", "version": 9}}, 404, "no version 9"),
    ({"connection": "lab", "prompt": {"name": "greet"}}, 404, "production"),
    ({"connection": "lab", "prompt": {"name": "nope", "version": 1}}, 404, "nope"),
    ({"connection": "lab"}, 400, "nothing to send"),
    ({"connection": "lab", "messages": [{"role": "system", "content": "x"}]}, 400, "user message"),
    ({"connection": "lab", "messages": [{"role": "robot", "content": "x"}]}, 400, "messages[0].role"),
    ({"connection": "lab", "messages": "hi"}, 400, "messages must be"),
    ({"connection": "lab", "messages": [{"role": "user", "content": "x"}], "temperature": 5}, 400, "temperature"),
    ({"connection": "lab", "messages": [{"role": "user", "content": "x"}], "maxTokens": 0}, 400, "maxTokens"),
    ({"connection": "missing", "messages": [{"role": "user", "content": "x"}]}, 404, "missing"),
    ({"messages": [{"role": "user", "content": "x"}]}, 400, "connection"),
    ({"connection": "lab", "messages": [{"role": "user", "content": "x"}], "model": "error-400"}, 424, "400"),
])
def test_bad_runs_are_refused_naming_the_problem(setup: Tuple[httpx.Client, FakeProvider], body: dict,
                                                 status: int, words: str) -> None:
    api, _ = setup
    resp = api.post(RUN, json=body)
    assert resp.status_code == status and words in resp.json()["error"], resp.text
