"""The prompt fetch's ETag: the same version answers with the same tag, If-None-Match naming it
gets 304 without a body (the SDK's prompt cache revalidates so), and a promotion, a rollback or
another environment changes it. Every answer is held to api/openapi.yaml."""

from __future__ import annotations

import uuid
from typing import Iterator

import httpx
import pytest

from openapi_contract import keyed_client
from stacklens_server import StackLensServer

PROMPTS = "/api/v1/flowops/v1/prompts"


@pytest.fixture(scope="module")
def client(server: StackLensServer) -> Iterator[httpx.Client]:
    with keyed_client(server, "prompts:read,prompts:write") as c:
        yield c


def test_a_version_is_revalidated_with_its_etag(client: httpx.Client) -> None:
    name = "revalidated-" + uuid.uuid4().hex[:8]
    assert client.post(PROMPTS, json={"name": name, "content": "Hello {{who}}"}).status_code == 201
    assert client.post(f"{PROMPTS}/{name}/versions", json={"content": "Hi {{who}}"}).status_code == 201
    for env in ("production", "dev"):
        assert client.post(f"{PROMPTS}/{name}/promote", json={"version": 1, "env": env}).status_code == 200
    first = client.get(f"{PROMPTS}/by-name/{name}")
    assert first.status_code == 200
    tag = first.headers["etag"]
    assert tag.startswith('"') and tag.endswith('"') and len(tag) > 10
    assert client.get(f"{PROMPTS}/by-name/{name}").headers["etag"] == tag

    same = client.get(f"{PROMPTS}/by-name/{name}", headers={"If-None-Match": tag})
    assert (same.status_code, same.content, same.headers["etag"]) == (304, b"", tag)
    for listed in (f'"other", {tag}', f"W/{tag}", "*"):
        assert client.get(f"{PROMPTS}/by-name/{name}", headers={"If-None-Match": listed}).status_code == 304
    assert client.get(f"{PROMPTS}/by-name/{name}", headers={"If-None-Match": '"other"'}).status_code == 200

    # Another environment serving the same version has a tag of its own.
    dev = client.get(f"{PROMPTS}/by-name/{name}", params={"env": "dev"})
    assert dev.json()["content"] == "Hello {{who}}" and dev.headers["etag"] != tag

    # A promotion changes what is served, and the tag: the old tag gets the new version.
    assert client.post(f"{PROMPTS}/{name}/promote", json={"version": 2, "env": "production"}).status_code == 200
    moved = client.get(f"{PROMPTS}/by-name/{name}", headers={"If-None-Match": tag})
    assert moved.status_code == 200 and moved.json()["content"] == "Hi {{who}}"
    assert moved.headers["etag"] != tag
    # A rollback serves version 1 again, under its first tag.
    assert client.post(f"{PROMPTS}/{name}/rollback", json={"env": "production"}).status_code == 200
    assert client.get(f"{PROMPTS}/by-name/{name}", headers={"If-None-Match": tag}).status_code == 304


def test_errors_are_not_revalidated(client: httpx.Client) -> None:
    missing = client.get(f"{PROMPTS}/by-name/nothing-{uuid.uuid4().hex[:8]}", headers={"If-None-Match": "*"})
    assert missing.status_code == 404 and "does not exist" in missing.json()["error"]
