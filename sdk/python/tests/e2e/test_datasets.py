"""stacklens.datasets against the real server: create, add items, upload JSON Lines and CSV,
read any version back, sync and asyncio, errors as the SDK's classes."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from stacklens_server import StackLensServer

import stacklens

from .conftest import unique

SCOPES = "evaluations:read,evaluations:write"


def test_a_dataset_grows_by_versions(server: StackLensServer, tmp_path: Path) -> None:
    stacklens.configure(api_key=server.create_key(SCOPES), endpoint=server.url)
    name = unique("qa")
    made = stacklens.datasets.create(name, description="questions")
    assert (made.name, made.description, made.version, made.items) == (name, "questions", 0, [])
    first = stacklens.datasets.add_items(
        name,
        [
            {"id": "q1", "input": {"question": "2+2?"}, "expected_output": "4"},
            {"input": "free text", "metadata": {"source": "sdk"}},
        ],
    )
    assert first == 1
    jsonl = tmp_path / "more.jsonl"
    jsonl.write_text('{"id": "q1", "input": {"question": "3+3?"}, "expectedOutput": "6"}\n')
    assert stacklens.datasets.upload(name, jsonl) == 2
    csv = tmp_path / "more.csv"
    csv.write_text('input,expected_output,topic\n"{""question"": ""1+1?""}",2,math\n')
    assert stacklens.datasets.upload(name, csv) == 3

    now = stacklens.datasets.get(name)
    assert now.version == 3
    assert [(i.input, i.expected_output, i.metadata) for i in now.items] == [
        ({"question": "3+3?"}, "6", None),
        ("free text", None, {"source": "sdk"}),
        ({"question": "1+1?"}, 2, {"topic": "math"}),
    ]
    assert (now.items[0].id, now.items[0].version) == ("q1", 2)
    before = stacklens.datasets.get(name, version=1)
    assert before.version == 1
    assert [i.input for i in before.items] == [{"question": "2+2?"}, "free text"]


def test_errors_name_the_problem(server: StackLensServer, tmp_path: Path) -> None:
    stacklens.configure(api_key=server.create_key(SCOPES), endpoint=server.url)
    name = unique("bad")
    stacklens.datasets.create(name)
    with pytest.raises(stacklens.ApiError) as caught:
        stacklens.datasets.create(name)
    assert caught.value.status_code == 409
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"input": 1}\n{"input": 2\n')
    with pytest.raises(stacklens.ApiError, match="line 2: ") as caught:
        stacklens.datasets.upload(name, bad)
    assert caught.value.status_code == 400
    with pytest.raises(stacklens.ApiError) as caught:
        stacklens.datasets.get(unique("missing"))
    assert caught.value.status_code == 404
    with pytest.raises(stacklens.ApiError, match="has no version 9"):
        stacklens.datasets.get(name, version=9)
    stacklens.configure(api_key=server.create_key("evaluations:read"), endpoint=server.url)
    assert stacklens.datasets.get(name).items == []
    with pytest.raises(stacklens.AuthError):
        stacklens.datasets.add_items(name, [{"input": 1}])


def test_async_client(server: StackLensServer) -> None:
    name = unique("async")

    async def main() -> stacklens.Dataset:
        async with stacklens.AsyncStackLens(
            api_key=server.create_key(SCOPES), endpoint=server.url
        ) as c:
            await c.datasets.create(name)
            assert await c.datasets.add_items(name, [{"input": i} for i in range(3)]) == 1
            return await c.datasets.get(name)

    got = asyncio.run(main())
    assert [i.input for i in got.items] == [0, 1, 2]
