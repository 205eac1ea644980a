"""Experiments in the SDK: get_prompt(user_id=...) chooses the variant from the cached answer as
the server does (sticky SHA-256 of "<experiment id>:<user id>", random by weight without a user
id), the cache keeps one answer per (name, env) revalidated with its ETag, and prompts.get()
still returns a str."""

from __future__ import annotations

import asyncio
import hashlib
import random
import time
from collections import Counter
from typing import Any, Callable, Optional

import httpx
import pytest

import stacklens
from stacklens._experiment import Experiment, Variant, sticky_point

from .conftest import Recorder

VARIANTS: list[dict[str, Any]] = [
    {"label": "a", "version": 3, "weight": 50, "content": "Answer briefly."},
    {"label": "b", "version": 4, "weight": 30, "content": "Answer in detail."},
    {"label": "c", "version": 6, "weight": 20, "content": "Answer with a list."},
]


def expected_label(experiment_id: int, user_id: str, variants: list[dict[str, Any]]) -> str:
    """The spec's choice, written out here on its own."""
    digest = hashlib.sha256(f"{experiment_id}:{user_id}".encode()).digest()
    x = int.from_bytes(digest[:8], byteorder="big", signed=False) % sum(
        v["weight"] for v in variants
    )
    upper = 0
    for v in sorted(variants, key=lambda v: v["label"]):
        upper += v["weight"]
        if x < upper:
            return str(v["label"])
    raise AssertionError("unreachable")


def answer(
    variants: Optional[list[dict[str, Any]]] = None, experiment_id: int = 7, etag: str = '"e1"'
) -> Callable[[httpx.Request], httpx.Response]:
    """A server running an experiment (or none): 304 to a request naming its tag. Its own random
    pick is always the last variant, so a test sees when the SDK chose by itself."""

    def handle(request: httpx.Request) -> httpx.Response:
        if request.headers.get("if-none-match") == etag:
            return httpx.Response(304, headers={"ETag": etag})
        if variants is None:
            body: dict[str, Any] = {"content": "Plain.", "version": 2, "variant": None}
        else:
            served = variants[-1]
            body = {
                "content": served["content"],
                "version": served["version"],
                "variant": served["label"],
                "experiment": {"id": experiment_id, "variants": variants},
            }
        return httpx.Response(
            200, json={"name": "p", "env": "production", **body}, headers={"ETag": etag}
        )

    return handle


def refreshed(recorder: Recorder, count: int) -> None:
    """Wait until the recorder has seen `count` requests and no refresh runs any more (the
    deadline on perf_counter: the tests replace time.monotonic)."""
    entries = stacklens._runtime.current().prompts._entries
    deadline = time.perf_counter() + 5
    while len(recorder.requests) < count or any(e.refreshing for e in entries.values()):
        assert time.perf_counter() < deadline, "the background refresh did not finish"
        time.sleep(0.005)


def test_sticky_point_is_the_first_eight_bytes_of_sha256() -> None:
    # Pinned values (SHA-256 of "7:u-42" starts d74e1c0d...): the same on every platform.
    assert sticky_point(7, "u-42", 100) == 70
    assert sticky_point(7, "alice", 10000) == 4374
    assert sticky_point(7, "user-1000", 100) == 86
    for user in ("u-42", "bob", "ünïcode-user", "x" * 300):
        digest = hashlib.sha256(f"7:{user}".encode()).digest()
        assert sticky_point(7, user, 97) == int.from_bytes(digest[:8], "big") % 97


def test_the_choice_walks_the_variants_in_label_order() -> None:
    variants = [Variant(v["label"], v["version"], v["weight"], v["content"]) for v in VARIANTS]
    experiment = Experiment(7, list(reversed(variants)))  # the order given does not matter
    assert [v.label for v in experiment.variants] == ["a", "b", "c"]
    for user in [f"user-{i}" for i in range(500)]:
        assert experiment.choose(user).label == expected_label(7, user, VARIANTS)
    # x = 0..49 -> a, 50..79 -> b, 80..99 -> c
    points = {0: "a", 49: "a", 50: "b", 79: "b", 80: "c", 99: "c"}
    for x, label in points.items():

        def draw(total: int, x: int = x) -> int:
            assert total == 100
            return x

        assert experiment.choose(None, draw).label == label


def test_get_prompt_with_a_user_id_serves_that_users_variant(server: Recorder) -> None:
    server.handler = answer(VARIANTS)
    by_content = {v["content"]: v for v in VARIANTS}
    for user in [f"u-{i}" for i in range(300)]:
        prompt = stacklens.prompts.get_prompt("p", user_id=user)
        label = expected_label(7, user, VARIANTS)
        assert (prompt.variant, prompt.experiment) == (label, 7)
        assert by_content[prompt.content]["label"] == label
        assert prompt.version == by_content[prompt.content]["version"]
        assert (prompt.name, prompt.environment) == ("p", "production")
    assert len(server.requests) == 1  # every choice made from the one cached answer
    assert dict(server.requests[0].url.params) == {"env": "production"}  # no user id sent


def test_a_user_keeps_their_variant_across_calls_and_clients(server: Recorder) -> None:
    server.handler = answer(VARIANTS)
    first = {u: stacklens.prompts.get_prompt("p", user_id=u).variant for u in ("ann", "bo", "cy")}
    assert {u: stacklens.prompts.get_prompt("p", user_id=u).variant for u in first} == first
    shuffled = list(reversed(VARIANTS))  # another node may list them in another order
    with stacklens.StackLens(
        api_key="sl-other", endpoint="http://stacklens.test", transport=server.transport
    ) as other:
        server.handler = answer(shuffled)
        assert {u: other.prompts.get_prompt("p", user_id=u).variant for u in first} == first


def test_without_a_user_id_variants_come_by_weight(server: Recorder) -> None:
    server.handler = answer(
        [
            {"label": "a", "version": 1, "weight": 7000, "content": "A"},
            {"label": "b", "version": 2, "weight": 3000, "content": "B"},
        ]
    )
    random.seed(20261206)
    counts = Counter(stacklens.prompts.get_prompt("p").variant for _ in range(10_000))
    # 6.5 standard deviations either side: with the fixed seed this is one fixed outcome.
    assert 6700 < counts["a"] < 7300
    assert counts["a"] + counts["b"] == 10_000
    texts = Counter(stacklens.prompts.get("p") for _ in range(2000))
    assert set(texts) == {"A", "B"}  # get() still returns the content, a str
    assert all(type(t) is str for t in texts)
    assert len(server.requests) == 1


def test_the_cache_keeps_one_answer_per_name_and_env_revalidated_by_etag(
    server: Recorder, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = [1000.0]
    monkeypatch.setattr("stacklens._prompt_cache.time.monotonic", lambda: now[0])
    server.handler = answer(VARIANTS)
    label = expected_label(7, "ann", VARIANTS)
    assert stacklens.prompts.get_prompt("p", user_id="ann").variant == label
    assert stacklens.prompts.get_prompt("p", env="dev", user_id="ann").variant == label
    assert stacklens.prompts.get_prompt("p", user_id="bo").experiment == 7
    assert [r.url.params["env"] for r in server.requests] == ["production", "dev"]

    now[0] += 61  # stale: served at once, revalidated behind the call and answered 304
    assert stacklens.prompts.get_prompt("p", user_id="ann").variant == label
    refreshed(server, 3)
    assert server.requests[2].headers["if-none-match"] == '"e1"'
    assert stacklens.prompts.get_prompt("p", user_id="ann").variant == label

    server.handler = answer(None, etag='"e2"')  # the experiment ended
    now[0] += 61
    stacklens.prompts.get_prompt("p", user_id="ann")
    refreshed(server, 4)
    ended = stacklens.prompts.get_prompt("p", user_id="ann")
    assert (ended.content, ended.version, ended.variant, ended.experiment) == (
        "Plain.",
        2,
        None,
        None,
    )


def test_async_get_prompt_chooses_the_same(server: Recorder) -> None:
    server.handler = answer(VARIANTS)

    async def run() -> list[Optional[str]]:
        return [
            (await stacklens.aprompts.get_prompt("p", user_id=f"u-{i}")).variant for i in range(50)
        ]

    assert asyncio.run(run()) == [expected_label(7, f"u-{i}", VARIANTS) for i in range(50)]


@pytest.mark.parametrize(
    ("user_id", "error"), [(42, TypeError), ("", ValueError), (b"u", TypeError)]
)
def test_bad_user_id(server: Recorder, user_id: object, error: type[Exception]) -> None:
    with pytest.raises(error, match="user_id"):
        stacklens.prompts.get_prompt("p", user_id=user_id)  # type: ignore[arg-type]
    assert server.requests == []


@pytest.mark.parametrize(
    "experiment",
    [
        {"variants": VARIANTS},
        {"id": 7, "variants": []},
        {"id": 7, "variants": [{"label": "a", "version": 1, "weight": 0, "content": "x"}]},
        {"id": 7, "variants": [{"label": "a", "version": 1, "weight": 5}]},
        {"id": "7", "variants": VARIANTS},
    ],
)
def test_a_malformed_experiment_is_an_api_error(server: Recorder, experiment: Any) -> None:
    server.handler = lambda request: httpx.Response(
        200, json={"content": "x", "version": 1, "variant": "a", "experiment": experiment}
    )
    with pytest.raises(stacklens.ApiError, match="experiment"):
        stacklens.prompts.get_prompt("p")
