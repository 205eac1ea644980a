"""The prompt cache against the real server: a promotion reaches the SDK after prompt_cache_ttl
(revalidated with the server's ETag in the background), a server that went away leaves the
cached prompt served and counted, `fallback=` covers a prompt never fetched, and a fetched
Prompt compiles its template."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import pytest
from stacklens_server import SingleNode

import stacklens

from .conftest import PROMPTS, Api, unique


def wait_for_content(name: str, content: str, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while stacklens.prompts.get(name) != content:
        assert time.monotonic() < deadline, f"{name} never served {content!r}"
        time.sleep(0.02)


def test_a_promotion_reaches_the_sdk_after_the_ttl(key: str, api: Api) -> None:
    name = unique("cached")
    api.create_prompt(name, "Hello {{customer_name}}, v1")
    two = api.add_version(name, "Hello {{customer_name}}, v2")
    api.promote(name, 1, "production")
    stacklens.configure(api_key=key, prompt_cache_ttl=0.3)
    prompt = stacklens.prompts.get_prompt(name)
    assert (prompt.version, prompt.environment, prompt.variant) == (1, "production", None)
    assert prompt.compile(customer_name="Ann") == "Hello Ann, v1"
    with pytest.raises(stacklens.TemplateError, match="customer_name"):
        prompt.compile()
    api.promote(name, two, "production")
    assert (
        stacklens.prompts.get(name) == "Hello {{customer_name}}, v1"
    )  # within the ttl: from memory
    wait_for_content(name, "Hello {{customer_name}}, v2")  # stale: revalidated behind the calls
    assert stacklens.prompts.get_prompt(name).version == two
    assert stacklens.stats().prompt_fallbacks == 0


def test_the_cached_prompt_outlives_the_server(tmp_path: Path) -> None:
    node = SingleNode(tmp_path / "data").start()
    try:
        node_key = node.create_key()
        with httpx.Client(base_url=node.url, headers={"X-Api-Key": node_key}) as http:
            assert (
                http.post(PROMPTS, json={"name": "kept", "content": "You are helpful."}).status_code
                == 201
            )
            assert (
                http.post(
                    f"{PROMPTS}/kept/promote", json={"version": 1, "env": "production"}
                ).status_code
                == 200
            )
        stacklens.configure(
            api_key=node_key, endpoint=node.url, prompt_cache_ttl=0.2, max_retries=0
        )
        assert stacklens.prompts.get("kept") == "You are helpful."
    finally:
        node.stop()
    time.sleep(0.3)
    for _ in range(3):
        assert (
            stacklens.prompts.get("kept") == "You are helpful."
        )  # stale, the server gone: still served
    deadline = time.monotonic() + 5
    while stacklens.stats().prompt_fallbacks == 0:
        assert time.monotonic() < deadline, "the failed revalidation was not counted"
        time.sleep(0.02)
    never = stacklens.prompts.get_prompt("never-fetched", fallback="Be brief.")
    assert (never.content, never.version) == ("Be brief.", None)
    with pytest.raises(stacklens.NetworkError):
        stacklens.prompts.get("never-fetched")
