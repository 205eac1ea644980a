"""datasets.create/get/add_items/upload and their asyncio forms: the requests they send and the
answers they read."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import httpx
import pytest

import stacklens

from .conftest import Recorder

BASE = "/api/v1/evaluations/v1/datasets"
DATASET = {
    "name": "qa",
    "description": "questions",
    "version": 2,
    "itemCount": 3,
    "createdBy": "key:sl-1",
    "createdAt": "2024-06-01T00:00:00Z",
    "updatedAt": "2024-06-01T00:00:00Z",
}


def item(i: int) -> dict[str, Any]:
    return {
        "id": f"i{i}",
        "input": {"q": i},
        "expectedOutput": str(i),
        "metadata": None,
        "sourceTraceId": None,
        "sourceSpanId": None,
        "createdAt": "2024-06-01T00:00:00Z",
        "version": 1,
    }


def pages(request: httpx.Request) -> httpx.Response:
    if request.url.path == f"{BASE}/qa":
        return httpx.Response(200, json=DATASET)
    if request.url.params.get("cursor") is None:
        return httpx.Response(
            200, json={"version": 1, "items": [item(0), item(1)], "nextCursor": "2"}
        )
    return httpx.Response(200, json={"version": 1, "items": [item(2)], "nextCursor": None})


def test_create_sends_name_and_description(server: Recorder) -> None:
    server.handler = lambda request: httpx.Response(201, json={**DATASET, "version": 0})
    made = stacklens.datasets.create("qa", description="questions")
    (request,) = server.requests
    assert (request.method, request.url.path) == ("POST", BASE)
    assert json.loads(request.content) == {"name": "qa", "description": "questions"}
    assert made == stacklens.Dataset("qa", "questions", 0, [])


def test_get_reads_every_page_of_a_version(server: Recorder) -> None:
    server.handler = pages
    got = stacklens.datasets.get("qa", version=1)
    assert (got.name, got.version) == ("qa", 1)
    assert [i.id for i in got.items] == ["i0", "i1", "i2"]
    assert got.items[1] == stacklens.DatasetItem(
        id="i1", input={"q": 1}, expected_output="1", version=1
    )
    item_requests = [r for r in server.requests if r.url.path.endswith("/items")]
    assert [dict(r.url.params) for r in item_requests] == [
        {"version": "1", "limit": "500"},
        {"version": "1", "limit": "500", "cursor": "2"},
    ]


def test_get_without_a_version_reads_the_current_one(server: Recorder) -> None:
    server.handler = pages
    assert stacklens.datasets.get("qa").version == 2
    assert server.requests[1].url.params["version"] == "2"


def test_add_items_sends_json_lines_with_ids(server: Recorder) -> None:
    server.handler = lambda request: httpx.Response(200, json={"dataset": DATASET, "uploaded": 2})
    version = stacklens.datasets.add_items(
        "qa",
        [
            {"input": "a", "expected_output": "b", "metadata": {"k": 1}},
            {"id": "mine", "input": [1]},
        ],
    )
    assert version == 2
    (request,) = server.requests
    assert request.url.path == f"{BASE}/qa/upload"
    assert request.headers["Content-Type"] == "application/x-ndjson"
    lines = [json.loads(line) for line in request.content.decode().splitlines()]
    assert len(lines[0].pop("id")) == 36  # made here, so a retried request writes the same items
    assert lines == [
        {"input": "a", "expectedOutput": "b", "metadata": {"k": 1}},
        {"id": "mine", "input": [1], "expectedOutput": None, "metadata": None},
    ]


def test_add_items_refuses_bad_items_before_sending(server: Recorder) -> None:
    with pytest.raises(ValueError, match="items must not be empty"):
        stacklens.datasets.add_items("qa", [])
    with pytest.raises(ValueError, match=r"items\[0\] has no input"):
        stacklens.datasets.add_items("qa", [{"expected_output": 1}])
    with pytest.raises(ValueError, match="unknown keys"):
        stacklens.datasets.add_items("qa", [{"input": 1, "expectedOutput": 2}])
    with pytest.raises(TypeError, match="sequence of mappings"):
        stacklens.datasets.add_items("qa", {"input": 1})  # type: ignore[dict-item]
    assert server.requests == []


def test_upload_picks_the_content_type_from_the_file(server: Recorder, tmp_path: Path) -> None:
    server.handler = lambda request: httpx.Response(200, json={"dataset": DATASET, "uploaded": 1})
    csv = tmp_path / "items.csv"
    csv.write_text("input,expected_output\nq,a\n")
    assert stacklens.datasets.upload("qa", csv) == 2
    assert server.requests[0].headers["Content-Type"] == "text/csv"
    assert server.requests[0].content == b"input,expected_output\nq,a\n"
    jsonl = tmp_path / "items.jsonl"
    jsonl.write_text('{"input": 1}\n')
    stacklens.datasets.upload("qa", str(jsonl))
    assert server.requests[1].headers["Content-Type"] == "application/x-ndjson"
    with pytest.raises(ValueError, match=r"reads \.jsonl, \.ndjson or \.csv"):
        stacklens.datasets.upload("qa", tmp_path / "items.txt")


def test_errors_are_the_sdks(server: Recorder) -> None:
    server.handler = lambda request: httpx.Response(
        400, json={"error": "line 7: input is required"}
    )
    with pytest.raises(stacklens.ApiError, match="line 7: input is required") as caught:
        stacklens.datasets.add_items("qa", [{"input": 1}])
    assert caught.value.status_code == 400
    server.handler = lambda request: httpx.Response(403, json={"error": "needs evaluations:write"})
    with pytest.raises(stacklens.AuthError):
        stacklens.datasets.create("qa")
    server.handler = lambda request: httpx.Response(200, json={"unexpected": True})
    with pytest.raises(stacklens.ApiError, match="not a dataset"):
        stacklens.datasets.create("qa")


def test_async_forms(server: Recorder) -> None:
    server.handler = pages

    async def main() -> stacklens.Dataset:
        return await stacklens.adatasets.get("qa", version=1)

    assert [i.id for i in asyncio.run(main()).items] == ["i0", "i1", "i2"]
    server.handler = lambda request: httpx.Response(200, json={"dataset": DATASET, "uploaded": 1})
    assert asyncio.run(stacklens.adatasets.add_items("qa", [{"input": 1}])) == 2


def test_clients_have_the_namespace(server: Recorder) -> None:
    with stacklens.StackLens(api_key="k", endpoint="http://x") as client:
        assert isinstance(client.datasets, stacklens.Datasets)

    async def main() -> None:
        async with stacklens.AsyncStackLens(api_key="k", endpoint="http://x") as client:
            assert isinstance(client.datasets, stacklens.AsyncDatasets)

    asyncio.run(main())
