"""Experiments against the real server: the SDK's own choice of variant for a user is the
variant the server's `?user_id=` fetch serves, spans recorded after the fetch reach the server
with the prompt's attributes, the experiment's results count those traces per variant, and
ending the experiment reaches the SDK after prompt_cache_ttl."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from typing import Any

from stacklens_server import StackLensServer

import stacklens

from .conftest import PROMPTS, Api, unique

USERS = [f"user-{i}" for i in range(200)]
PROMPT_KEYS = (
    "stacklens.prompt.name",
    "stacklens.prompt.version",
    "stacklens.prompt.variant",
    "stacklens.experiment",
)


def start_experiment(api: Api, name: str, weights: dict[int, int]) -> dict[str, Any]:
    response = api.http.post(
        f"{PROMPTS}/{name}/experiments",
        json={
            "env": "production",
            "name": "shorter answers",
            "variants": [{"version": v, "weight": w} for v, w in weights.items()],
        },
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


def served_by_server(api: Api, name: str, user_id: str) -> dict[str, Any]:
    response = api.http.get(
        f"{PROMPTS}/by-name/{name}", params={"env": "production", "user_id": user_id}
    )
    assert response.status_code == 200, response.text
    return dict(response.json())


def three_versions(api: Api) -> str:
    name = unique("experiment")
    api.create_prompt(name, "Answer {{question}} briefly.")
    api.add_version(name, "Answer {{question}} in detail.")
    api.add_version(name, "Answer {{question}} as a list.")
    api.promote(name, 1, "production")
    return name


def test_the_sdk_chooses_the_variant_the_server_serves_each_user(key: str, api: Api) -> None:
    name = three_versions(api)
    experiment = start_experiment(api, name, {1: 50, 2: 30, 3: 20})
    assert [v["label"] for v in experiment["variants"]] == ["a", "b", "c"]
    stacklens.configure(api_key=key)
    chosen: Counter[str] = Counter()
    for user in USERS:
        prompt = stacklens.prompts.get_prompt(name, user_id=user)
        server = served_by_server(api, name, user)
        assert (prompt.variant, prompt.version, prompt.content) == (
            server["variant"],
            server["version"],
            server["content"],
        ), user
        assert prompt.experiment == experiment["id"] == server["experiment"]["id"]
        assert stacklens.prompts.get_prompt(name, user_id=user).variant == prompt.variant
        chosen[str(prompt.variant)] += 1
    assert set(chosen) == {"a", "b", "c"}  # 200 users fall in every bucket
    # Without a user id: by weight, every variant's content in turn; get() still a str.
    contents = {stacklens.prompts.get(name) for _ in range(300)}
    assert contents == {
        v["content"] for v in served_by_server(api, name, "x")["experiment"]["variants"]
    }


def test_spans_carry_the_variant_and_the_results_count_them(key: str, api: Api) -> None:
    name = three_versions(api)
    experiment = start_experiment(api, name, {2: 1, 3: 1})
    stacklens.configure(api_key=key, prompt_cache_ttl=0.3)
    traces: dict[str, str] = {}
    per_variant: Counter[str] = Counter()
    for user in USERS[:40]:
        with stacklens.start_trace("answer") as root:
            prompt = stacklens.prompts.get_prompt(name, user_id=user)
            with stacklens.start_trace("llm") as llm:
                llm.record_llm("gpt-4o", "openai", 10, 5, prompt=prompt.compile(question="why"))
        traces[root.trace_id] = str(prompt.variant)
        per_variant[str(prompt.variant)] += 1
    assert set(per_variant) == {"a", "b"}

    for trace_id, variant in list(traces.items())[:5]:
        detail = api.trace(trace_id, spans=2)
        for span in detail["spans"]:
            attributes = span["attributes"]
            assert [attributes.get(k) for k in PROMPT_KEYS] == [
                name,
                "2" if variant == "a" else "3",
                variant,
                str(experiment["id"]),
            ], span["name"]

    results_url = f"{PROMPTS}/{name}/experiments/{experiment['id']}/results"
    deadline = time.monotonic() + 10
    while True:
        response = api.http.get(results_url)
        assert response.status_code == 200, response.text
        counted = {v["label"]: v["traces"] for v in response.json()["variants"]}
        if counted == dict(per_variant) or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert counted == dict(per_variant)

    # Ending the experiment: after the ttl the SDK serves the chosen version, no variant.
    ended = api.http.post(
        f"{PROMPTS}/{name}/experiments/{experiment['id']}/end", json={"version": 3}
    )
    assert ended.status_code == 200, ended.text
    deadline = time.monotonic() + 5
    while stacklens.prompts.get_prompt(name, user_id=USERS[0]).variant is not None:
        assert time.monotonic() < deadline, "the end of the experiment never reached the SDK"
        time.sleep(0.02)
    prompt = stacklens.prompts.get_prompt(name, user_id=USERS[0])
    assert (prompt.version, prompt.experiment) == (3, None)
    with stacklens.start_trace("after") as root:
        stacklens.prompts.get_prompt(name)
    (span,) = api.trace(root.trace_id)["spans"]
    assert span["attributes"] == {"stacklens.prompt.name": name, "stacklens.prompt.version": "3"}


def test_an_async_client_chooses_and_tags_alike(
    key: str, api: Api, server: StackLensServer
) -> None:
    name = three_versions(api)
    experiment = start_experiment(api, name, {1: 1, 2: 1, 3: 1})

    async def run() -> tuple[list[tuple[str, Any]], str]:
        async with stacklens.AsyncStackLens(api_key=key, endpoint=server.url) as client:
            chosen = [
                (user, (await client.prompts.get_prompt(name, user_id=user)).variant)
                for user in USERS[:30]
            ]
            async with client.start_trace("async answer") as root:
                await client.prompts.get_prompt(name, user_id=USERS[0])
            return chosen, root.trace_id

    chosen, trace_id = asyncio.run(run())
    assert chosen == [(user, served_by_server(api, name, user)["variant"]) for user in USERS[:30]]
    (span,) = api.trace(trace_id)["spans"]
    assert span["attributes"]["stacklens.prompt.variant"] == chosen[0][1]
    assert span["attributes"]["stacklens.experiment"] == str(experiment["id"])
