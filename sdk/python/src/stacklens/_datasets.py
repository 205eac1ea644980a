"""`datasets.create()`, `get()`, `add_items()`, `upload()` and their asyncio forms: datasets
of evaluation items. Every change to a dataset's items makes a new dataset version; `get()`
reads the items of any version."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Optional, Union
from urllib.parse import quote

import httpx

from . import _runtime
from . import _validation as check
from ._exceptions import ApiError
from ._wire import DATASETS_PATH, encode

PAGE_SIZE = 500
_ITEM_KEYS = ("input", "expected_output", "metadata", "id")
_UPLOAD_TYPES = {
    ".jsonl": "application/x-ndjson",
    ".ndjson": "application/x-ndjson",
    ".csv": "text/csv",
}


@dataclass(frozen=True)
class DatasetItem:
    """One item: its input (any JSON value), the output expected for it, and metadata.
    `version` is the dataset version that added or last changed it; `source_trace_id` and
    `source_span_id` name the span it was made from, if it was."""

    id: str
    input: Any
    expected_output: Any = None
    metadata: Optional[dict[str, Any]] = None
    version: int = 0
    source_trace_id: Optional[str] = None
    source_span_id: Optional[str] = None


@dataclass(frozen=True)
class Dataset:
    """A dataset at one version, with its items at that version in the order they were added."""

    name: str
    description: str
    version: int
    items: list[DatasetItem] = field(default_factory=list)


def _path(name: str, *rest: str) -> str:
    return "/".join([DATASETS_PATH, quote(check.name("name", name), safe=""), *rest])


def _json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        raise ApiError("the server's answer is not JSON", response.status_code) from None


def _dataset(data: Any, items: list[DatasetItem], status: int) -> Dataset:
    try:
        return Dataset(str(data["name"]), str(data["description"]), int(data["version"]), items)
    except (KeyError, TypeError, ValueError) as exc:
        raise ApiError(f"the server's answer is not a dataset: {exc!r}", status) from None


def _items(data: Any, status: int) -> list[DatasetItem]:
    try:
        return [
            DatasetItem(
                id=str(i["id"]),
                input=i["input"],
                expected_output=i["expectedOutput"],
                metadata=i["metadata"],
                version=int(i["version"]),
                source_trace_id=i["sourceTraceId"],
                source_span_id=i["sourceSpanId"],
            )
            for i in data["items"]
        ]
    except (KeyError, TypeError, ValueError) as exc:
        raise ApiError(f"the server's answer is not a page of items: {exc!r}", status) from None


def _create_body(name: str, description: object) -> bytes:
    if not isinstance(description, str):
        raise TypeError(f"description must be a str, not {type(description).__name__}")
    return encode({"name": check.name("name", name), "description": description})


def _version(version: object) -> Optional[int]:
    if version is None:
        return None
    if type(version) is not int:
        raise TypeError(f"version must be an int or None, not {type(version).__name__}")
    if version < 0:
        raise ValueError("version must not be negative")
    return version


def _lines(items: object) -> bytes:
    """The items as the JSON Lines an upload takes. Each gets an id here when it has none, so a
    retried request writes the same items again rather than new ones."""
    if isinstance(items, (str, bytes, Mapping)) or not isinstance(items, Iterable):
        raise TypeError(f"items must be a sequence of mappings, not {type(items).__name__}")
    lines = []
    for i, item in enumerate(items):
        if not isinstance(item, Mapping):
            raise TypeError(f"items[{i}] must be a mapping, not {type(item).__name__}")
        unknown = sorted(str(k) for k in item if k not in _ITEM_KEYS)
        if unknown:
            raise ValueError(
                f"items[{i}] has unknown keys {unknown} (an item has {list(_ITEM_KEYS)})"
            )
        if item.get("input") is None:
            raise ValueError(f"items[{i}] has no input")
        metadata = item.get("metadata")
        if metadata is not None and not isinstance(metadata, Mapping):
            raise TypeError(f"items[{i}]['metadata'] must be a mapping or None")
        item_id = item.get("id")
        wire = {
            "id": str(uuid.uuid4())
            if item_id is None
            else check.name(f"items[{i}]['id']", item_id),
            "input": item["input"],
            "expectedOutput": item.get("expected_output"),
            "metadata": None if metadata is None else dict(metadata),
        }
        lines.append(encode(wire))
    if not lines:
        raise ValueError("items must not be empty")
    return b"\n".join(lines) + b"\n"


def _upload_type(path: Union[str, Path]) -> str:
    suffix = Path(path).suffix.lower()
    if suffix not in _UPLOAD_TYPES:
        raise ValueError(f"upload() reads .jsonl, .ndjson or .csv files, not {str(path)!r}")
    return _UPLOAD_TYPES[suffix]


def _uploaded_version(response: httpx.Response) -> int:
    data = _json(response)
    return _dataset(
        data.get("dataset") if isinstance(data, dict) else None, [], response.status_code
    ).version


class Datasets:
    """Datasets of evaluation items (`stacklens.datasets`, `StackLens(...).datasets`).

    Every method raises AuthError (401/403: the key needs `evaluations:read` to read and
    `evaluations:write` to change), ApiError (e.g. 404 for a dataset that does not exist, 400
    naming the bad item or the upload's line) or NetworkError, in every mode.
    """

    def __init__(self, runtime: Callable[[], _runtime.Runtime] = _runtime.current) -> None:
        self._runtime = runtime

    def _request(
        self, method: str, path: str, content: Optional[bytes] = None, **kwargs: Any
    ) -> httpx.Response:
        runtime = self._runtime()
        runtime.check_open()
        return runtime.sync.request(method, path, content, **kwargs)

    def create(self, name: str, *, description: str = "") -> Dataset:
        """Create an empty dataset (version 0); ApiError 409 when the name is taken."""
        body = _create_body(name, description)
        response = self._request("POST", DATASETS_PATH, body)
        return _dataset(_json(response), [], response.status_code)

    def get(self, name: str, *, version: Optional[int] = None) -> Dataset:
        """The dataset with every item of `version` (the current one when None)."""
        wanted = _version(version)
        response = self._request("GET", _path(name))
        current = _dataset(_json(response), [], response.status_code)
        at = current.version if wanted is None else wanted
        items: list[DatasetItem] = []
        params = {"version": str(at), "limit": str(PAGE_SIZE)}
        while True:
            page = self._request("GET", _path(name, "items"), params=params)
            data = _json(page)
            items += _items(data, page.status_code)
            cursor = data.get("nextCursor") if isinstance(data, dict) else None
            if not cursor:
                return Dataset(current.name, current.description, at, items)
            params = {**params, "cursor": str(cursor)}

    def add_items(self, name: str, items: Iterable[Mapping[str, Any]]) -> int:
        """Add items (mappings with `input` and optionally `expected_output`, `metadata` and
        `id`) as one new version, and return that version. An item whose id the dataset
        already holds replaces it. All items are written or none."""
        body = _lines(items)
        response = self._request(
            "POST", _path(name, "upload"), body, headers={"Content-Type": "application/x-ndjson"}
        )
        return _uploaded_version(response)

    def upload(self, name: str, path: Union[str, Path]) -> int:
        """Add the items of a JSON Lines (.jsonl, .ndjson) or CSV (.csv) file as one new
        version, and return that version. ApiError names the file's first bad line."""
        content_type = _upload_type(path)
        response = self._request(
            "POST",
            _path(name, "upload"),
            Path(path).read_bytes(),
            headers={"Content-Type": content_type},
        )
        return _uploaded_version(response)


class AsyncDatasets:
    """The asyncio form of Datasets (`stacklens.adatasets`, `AsyncStackLens(...).datasets`)."""

    def __init__(self, runtime: Callable[[], _runtime.Runtime] = _runtime.current) -> None:
        self._runtime = runtime

    async def _request(
        self, method: str, path: str, content: Optional[bytes] = None, **kwargs: Any
    ) -> httpx.Response:
        runtime = self._runtime()
        runtime.check_open()
        return await runtime.aio.request(method, path, content, **kwargs)

    async def create(self, name: str, *, description: str = "") -> Dataset:
        """See Datasets.create."""
        body = _create_body(name, description)
        response = await self._request("POST", DATASETS_PATH, body)
        return _dataset(_json(response), [], response.status_code)

    async def get(self, name: str, *, version: Optional[int] = None) -> Dataset:
        """See Datasets.get."""
        wanted = _version(version)
        response = await self._request("GET", _path(name))
        current = _dataset(_json(response), [], response.status_code)
        at = current.version if wanted is None else wanted
        items: list[DatasetItem] = []
        params = {"version": str(at), "limit": str(PAGE_SIZE)}
        while True:
            page = await self._request("GET", _path(name, "items"), params=params)
            data = _json(page)
            items += _items(data, page.status_code)
            cursor = data.get("nextCursor") if isinstance(data, dict) else None
            if not cursor:
                return Dataset(current.name, current.description, at, items)
            params = {**params, "cursor": str(cursor)}

    async def add_items(self, name: str, items: Iterable[Mapping[str, Any]]) -> int:
        """See Datasets.add_items."""
        body = _lines(items)
        response = await self._request(
            "POST", _path(name, "upload"), body, headers={"Content-Type": "application/x-ndjson"}
        )
        return _uploaded_version(response)

    async def upload(self, name: str, path: Union[str, Path]) -> int:
        """See Datasets.upload (the file is read before the request, on the calling thread)."""
        content_type = _upload_type(path)
        response = await self._request(
            "POST",
            _path(name, "upload"),
            Path(path).read_bytes(),
            headers={"Content-Type": content_type},
        )
        return _uploaded_version(response)
