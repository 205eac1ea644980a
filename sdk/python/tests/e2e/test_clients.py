"""Client objects against the real server: two projects' keys, and two servers,
side by side in one process."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
from stacklens_server import StackLensServer

import stacklens

from .conftest import TRACES, Api, unique


def one(client: stacklens.StackLens, name: str, tokens: int = 1) -> str:
    return client.trace(name, model="m", provider="p", input_tokens=tokens, output_tokens=1)


@pytest.fixture
def other_project(server: StackLensServer) -> Iterator[tuple[str, Api]]:
    """A key of a second project on the same server, and an Api reading that project."""
    project = unique("project")
    server.cli("projects", "create", project)
    key = server.create_key(project=project)
    api = Api(server.url, key)
    yield key, api
    api.http.close()


def test_two_projects_side_by_side(
    server: StackLensServer, key: str, api: Api, other_project: tuple[str, Api]
) -> None:
    other_key, other_api = other_project
    first = stacklens.StackLens(api_key=key, endpoint=server.url)
    second = stacklens.StackLens(api_key=other_key, endpoint=server.url)
    with first, second:
        with first.start_trace("first-root") as root:
            one(first, "first-child")
            alone = one(second, "second-alone", tokens=7)
        mine = one(first, "first-leaf", tokens=3)
    detail = api.trace(root.trace_id, spans=2)
    assert [child["name"] for child in detail["tree"][0]["children"]] == ["first-child"]
    assert api.trace(mine)["inputTokens"] == 3
    assert other_api.trace(alone)["inputTokens"] == 7
    # Each project sees only its own traces.
    assert api.http.get(f"{TRACES}/{alone}").status_code == 404
    assert other_api.http.get(f"{TRACES}/{root.trace_id}").status_code == 404


def test_two_servers_and_the_module_side_by_side(key: str, api: Api, tmp_path: Path) -> None:
    second_server = StackLensServer(tmp_path / "second").start()
    try:
        second_key = second_server.create_key()
        second_api = Api(second_server.url, second_key)
        stacklens.configure(api_key=key)  # the test server, through $STACKLENS_ENDPOINT
        with stacklens.StackLens(
            api_key=second_key, endpoint=second_server.url, background=True
        ) as second:
            ids = [one(second, "second", tokens=i) for i in range(50)]
            module_id = stacklens.trace(
                "module", model="m", provider="p", input_tokens=11, output_tokens=1
            )
            assert second.flush(timeout=30) is True
            assert second.stats().sent == 50
        assert stacklens.stats().sent == 1
        assert second_api.trace(ids[42])["inputTokens"] == 42
        assert api.trace(module_id)["inputTokens"] == 11
        assert second_api.http.get(f"{TRACES}/{module_id}").status_code == 404
        assert api.http.get(f"{TRACES}/{ids[0]}").status_code == 404
        second_api.http.close()
    finally:
        second_server.stop()


def test_async_clients(
    server: StackLensServer, key: str, api: Api, other_project: tuple[str, Api]
) -> None:
    other_key, other_api = other_project
    prompt = unique("prompt")
    api.create_prompt(prompt, "Be brief.")
    api.promote(prompt, 1, "dev")

    async def run() -> tuple[str, str, str, str]:
        first = stacklens.AsyncStackLens(api_key=key, endpoint=server.url)
        second = stacklens.AsyncStackLens(api_key=other_key, endpoint=server.url, background=True)
        async with first, second:
            async with first.start_trace("async-root") as root:
                child = await first.trace(
                    "async-child", model="m", provider="p", input_tokens=2, output_tokens=2
                )
            queued = await second.trace(
                "async-other", model="m", provider="p", input_tokens=5, output_tokens=1
            )
            content = await first.prompts.get(prompt, env="dev")
            assert await second.flush(timeout=30) is True
            return root.trace_id, child, queued, content

    root_id, child_id, other_id, content = asyncio.run(run())
    assert child_id == root_id
    assert content == "Be brief."
    assert [c["name"] for c in api.trace(root_id, spans=2)["tree"][0]["children"]] == [
        "async-child"
    ]
    assert other_api.trace(other_id)["inputTokens"] == 5
