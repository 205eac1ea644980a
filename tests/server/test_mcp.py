"""The MCP server at /mcp, driven by the official `mcp` Python package as the client, and raw
JSON-RPC through httpx for what a well-behaved client never sends."""
from __future__ import annotations

import json
import uuid
from contextlib import asynccontextmanager
from typing import Any, AsyncIterator, Dict, Optional

import anyio
import httpx
import pytest
from mcp import Client, ClientSession
from mcp.client.streamable_http import streamable_http_client
from mcp.shared._httpx_utils import create_mcp_http_client
from mcp.shared.exceptions import MCPError

TOOLS = {"search_traces", "get_trace", "get_metrics", "list_prompts", "get_prompt", "create_prompt_version",
         "add_score"}
TRACES = "/api/v1/stacktrace/v1/traces"
PROMPTS = "/api/v1/flowops/v1/prompts"
PERIOD = {"from": "2024-05-01T00:00:00Z", "to": "2024-05-02T00:00:00Z"}


@asynccontextmanager
async def mcp_session(url: str, key: Optional[str]) -> AsyncIterator[ClientSession]:
    headers = {"X-Api-Key": key} if key else {}
    async with create_mcp_http_client(headers=headers) as http:
        async with streamable_http_client(url + "/mcp", http_client=http) as (read, write):
            async with ClientSession(read, write) as session:
                yield session


def structured(result: Any) -> Dict[str, Any]:
    assert not result.is_error, result.content[0].text
    text = json.loads(result.content[0].text)
    assert text == result.structured_content
    return text


def error_text(result: Any) -> str:
    assert result.is_error, result
    return result.content[0].text


@pytest.fixture(scope="module")
def seeded(api: httpx.Client, keys: Dict[str, str]) -> Dict[str, str]:
    trace = "mcp-" + uuid.uuid4().hex[:8]
    prompt = "mcp-" + uuid.uuid4().hex[:8]
    full = {"X-Api-Key": keys["full"]}
    span = {"traceId": trace, "spanId": "root", "name": "mcp-chat", "startTime": "2024-05-01T10:00:00Z",
            "endTime": "2024-05-01T10:00:01Z", "tags": ["mcp"], "attributes": {"user_id": "ada"},
            "llmSpan": {"model": "gpt-mcp", "provider": "openai", "inputTokens": 10, "outputTokens": 5,
                        "promptContent": "what is MCP?", "completionContent": "a protocol"}}
    assert api.post(TRACES, json=span, headers=full).status_code == 200
    assert api.post(PROMPTS, json={"name": prompt, "content": "v1 {{x}}"}, headers=full).status_code == 201
    return {"trace": trace, "prompt": prompt}


def test_every_tool_through_the_official_client(server: Any, api: httpx.Client, keys: Dict[str, str],
                                                seeded: Dict[str, str]) -> None:
    full = {"X-Api-Key": keys["full"]}
    trace, prompt = seeded["trace"], seeded["prompt"]

    async def tour() -> None:
        async with mcp_session(server.url, keys["full"]) as session:
            init = await session.initialize()
            assert init.protocol_version == "2025-11-25"
            assert init.server_info.name == "stacklens"
            assert init.capabilities.tools is not None
            await session.send_ping()
            listed = (await session.list_tools()).tools
            assert {t.name for t in listed} == TOOLS
            assert all(t.input_schema["type"] == "object" and t.description for t in listed)

            # Each tool answers what its API route answers.
            found = structured(await session.call_tool("search_traces", {"name": "mcp-chat", "tag": ["mcp"],
                                                                         "attr": ["user_id=ada"], "limit": 5, **PERIOD}))
            assert [t["traceId"] for t in found["traces"]] == [trace]
            assert found == api.get(TRACES, params={"name": "mcp-chat", "tag": "mcp", "attr": "user_id=ada",
                                                    "limit": 5, **PERIOD}, headers=full).json()
            detail = structured(await session.call_tool("get_trace", {"trace_id": trace}))
            assert detail["spans"][0]["llmSpan"]["promptContent"] == "what is MCP?"
            metrics = structured(await session.call_tool("get_metrics", {"group_by": "model", "interval": 3600, **PERIOD}))
            assert metrics == api.get("/api/v1/stacktrace/v1/metrics", params={"group_by": "model", "interval": 3600,
                                                                             **PERIOD}, headers=full).json()
            assert any(s["group"] == "gpt-mcp" for s in metrics["series"]), metrics

            assert prompt in [p["name"] for p in structured(await session.call_tool("list_prompts", {}))["prompts"]]
            made = structured(await session.call_tool("create_prompt_version",
                                                      {"name": prompt, "content": "v2 {{x}}", "message": "by mcp"}))
            assert made["version"] == 2
            whole = structured(await session.call_tool("get_prompt", {"name": prompt}))
            assert whole["name"] == prompt and [v["version"] for v in whole["versions"]] == [2, 1]
            assert structured(await session.call_tool("get_prompt", {"name": prompt, "version": 1}))["content"] == "v1 {{x}}"
            assert api.post(f"{PROMPTS}/{prompt}/promote", json={"env": "staging", "version": 2},
                            headers=full).status_code == 200
            served = structured(await session.call_tool("get_prompt", {"name": prompt, "environment": "staging"}))
            assert (served["version"], served["content"]) == (2, "v2 {{x}}")

            score = structured(await session.call_tool("add_score", {"trace_id": trace, "name": "helpful", "value": 0.75,
                                                                     "comment": "via mcp"}))
            assert score["value"] == 0.75
            scores = api.get(f"{TRACES}/{trace}", headers=full).json()["scores"]
            assert [(s["name"], s["value"], s["comment"]) for s in scores] == [("helpful", 0.75, "via mcp")]

            # Bad input: a clear refusal as the tool's result, for each tool.
            bad = {
                "search_traces": ({"status": "maybe"}, "argument 'status' must be one of \"ok\", \"error\""),
                "get_trace": ({}, "argument 'trace_id' is required"),
                "get_metrics": ({"interval": 90}, "interval must be a whole number of minutes"),
                "list_prompts": ({"name": "x"}, "unknown argument 'name'; this tool takes no arguments"),
                "get_prompt": ({"name": prompt, "version": 0}, "argument 'version' must be at least 1"),
                "create_prompt_version": ({"name": prompt, "content": 5}, "argument 'content' must be a string, got number"),
                "add_score": ({"trace_id": trace, "name": "helpful", "value": [1]},
                              "argument 'value' must be a number or a string or a boolean, got array"),
            }
            for tool, (args, message) in bad.items():
                text = error_text(await session.call_tool(tool, args))
                assert text.startswith(f"{tool}: ") and message in text, text
            # What only the route knows, in the route's words.
            assert "query parameter limit must be an integer from 1 to 500" in error_text(
                await session.call_tool("search_traces", {"limit": 0}))
            assert f"prompt 'missing-{prompt}' does not exist" in error_text(
                await session.call_tool("get_prompt", {"name": f"missing-{prompt}"}))
            assert "give version or environment, not both" in error_text(
                await session.call_tool("get_prompt", {"name": prompt, "version": 1, "environment": "dev"}))
            assert "unknown environment 'qa'" in error_text(
                await session.call_tool("get_prompt", {"name": prompt, "environment": "qa"}))
            assert "trace 'no-such-trace' not found" in error_text(await session.call_tool("get_trace", {"trace_id": "no-such-trace"}))
            with pytest.raises(MCPError) as unknown:
                await session.call_tool("delete_everything", {})
            assert unknown.value.error.code == -32602 and "unknown tool 'delete_everything'" in unknown.value.error.message

    anyio.run(tour)


def test_the_high_level_client_falls_back_to_the_handshake(server: Any, keys: Dict[str, str]) -> None:
    """mcp.Client first asks server/discover (the stateless protocol this server does not speak), then
    initializes."""
    async def tour() -> None:
        async with create_mcp_http_client(headers={"X-Api-Key": keys["prompts:read"]}) as http:
            async with Client(streamable_http_client(server.url + "/mcp", http_client=http)) as client:
                assert {t.name for t in (await client.list_tools()).tools} == TOOLS
                assert "prompts" in structured(await client.call_tool("list_prompts", {}))

    anyio.run(tour)


def test_each_tool_needs_its_scope(server: Any, keys: Dict[str, str], seeded: Dict[str, str]) -> None:
    async def tour() -> None:
        async with mcp_session(server.url, keys["traces:read"]) as session:
            await session.initialize()
            assert {t.name for t in (await session.list_tools()).tools} == TOOLS
            assert structured(await session.call_tool("get_trace", {"trace_id": seeded["trace"]}))["traceId"] == seeded["trace"]
            for tool, args, scope in [("list_prompts", {}, "prompts:read"),
                                      ("create_prompt_version", {"name": seeded["prompt"], "content": "x"}, "prompts:write"),
                                      ("add_score", {"trace_id": seeded["trace"], "name": "n", "value": 1}, "scores:write")]:
                text = error_text(await session.call_tool(tool, args))
                assert f"lacks the {scope} scope this tool needs (it has: traces:read)" in text, text
        async with mcp_session(server.url, keys["prompts:read"]) as session:
            await session.initialize()
            assert "lacks the traces:read scope" in error_text(await session.call_tool("search_traces", {}))

    anyio.run(tour)


def test_without_a_valid_key_nothing_is_served(server: Any, api: httpx.Client, keys: Dict[str, str]) -> None:
    init = {"jsonrpc": "2.0", "id": 1, "method": "initialize",
            "params": {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}}
    for headers in ({}, {"X-Api-Key": "sl-" + "0" * 48}, {"X-Api-Key": keys["revoked"]}):
        for method in ("POST", "GET", "DELETE"):
            resp = api.request(method, "/mcp", json=init, headers=headers)
            assert resp.status_code == 401 and resp.json()["error"], (method, resp.text)
    # A session cookie is no way in: MCP clients hold a key.
    assert api.post("/mcp", json=init, headers={"Cookie": "stacklens_session=x"}).status_code == 401

    async def refused() -> None:
        async with mcp_session(server.url, None) as session:
            await session.initialize()

    # The official client reads the 401 as an error answer to initialize (raised through its task groups).
    with pytest.raises(BaseException) as raised:
        anyio.run(refused)
    error: BaseException = raised.value
    while isinstance(error, BaseExceptionGroup) and len(error.exceptions) == 1:
        error = error.exceptions[0]
    assert isinstance(error, MCPError), repr(raised.value)


class Raw:
    """JSON-RPC by hand, each answer held to api/openapi.yaml through `api`."""

    def __init__(self, api: httpx.Client, key: str) -> None:
        self.api, self.headers = api, {"X-Api-Key": key, "Accept": "application/json, text/event-stream"}

    def post(self, body: Any, session: Optional[str] = None, **headers: str) -> httpx.Response:
        extra = {"Mcp-Session-Id": session} if session else {}
        content = body if isinstance(body, (str, bytes)) else json.dumps(body)
        return self.api.post("/mcp", content=content,
                             headers={**self.headers, "Content-Type": "application/json", **extra, **headers})

    def initialize(self, version: str = "2025-06-18") -> str:
        resp = self.post({"jsonrpc": "2.0", "id": 0, "method": "initialize",
                          "params": {"protocolVersion": version, "capabilities": {},
                                     "clientInfo": {"name": "raw", "version": "1"}}})
        assert resp.status_code == 200, resp.text
        return resp.headers["Mcp-Session-Id"]


def test_json_rpc_errors_and_the_transport(api: httpx.Client, keys: Dict[str, str], seeded: Dict[str, str]) -> None:
    raw = Raw(api, keys["full"])
    # Version negotiation: the client's version when supported, else the newest.
    for asked, answered in [("2025-03-26", "2025-03-26"), ("2024-11-05", "2024-11-05"), ("1999-01-01", "2025-11-25")]:
        resp = raw.post({"jsonrpc": "2.0", "id": 1, "method": "initialize",
                         "params": {"protocolVersion": asked, "capabilities": {}, "clientInfo": {"name": "r", "version": "1"}}})
        assert resp.json()["result"]["protocolVersion"] == answered
        assert resp.headers["Mcp-Session-Id"]
    resp = raw.post({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {}})
    assert resp.json()["error"]["code"] == -32602 and "protocolVersion" in resp.json()["error"]["message"]

    session = raw.initialize("2025-06-18")
    resp = raw.post("{not json", session)
    assert resp.status_code == 400 and resp.json()["error"]["code"] == -32700 and resp.json()["id"] is None
    resp = raw.post({"jsonrpc": "1.0", "id": 7, "method": "ping"}, session)
    assert resp.status_code == 400 and resp.json()["error"]["code"] == -32600 and resp.json()["id"] == 7
    resp = raw.post({"jsonrpc": "2.0", "id": 8, "method": "resources/list"}, session)
    assert resp.status_code == 200 and resp.json()["error"]["code"] == -32601
    assert "resources/list" in resp.json()["error"]["message"]
    resp = raw.post({"jsonrpc": "2.0", "id": 9, "method": "tools/call", "params": {"arguments": {}}}, session)
    assert resp.json()["error"] == {"code": -32602, "message": "params.name is required: the tool's name"}
    resp = raw.post({"jsonrpc": "2.0", "id": 10, "method": "tools/call",
                     "params": {"name": "get_trace", "arguments": ["x"]}}, session)
    assert resp.json()["error"]["code"] == -32602
    assert raw.post({"jsonrpc": "2.0", "id": 11, "method": "ping"}, session).json() == {"jsonrpc": "2.0", "id": 11,
                                                                                          "result": {}}
    resp = raw.post({"jsonrpc": "2.0", "method": "notifications/initialized"}, session)
    assert resp.status_code == 202 and resp.content == b""
    # structuredContent from 2025-06-18 on; batches until then.
    call = {"jsonrpc": "2.0", "id": 12, "method": "tools/call",
            "params": {"name": "get_trace", "arguments": {"trace_id": seeded["trace"]}}}
    assert raw.post(call, session).json()["result"]["structuredContent"]["traceId"] == seeded["trace"]
    resp = raw.post([call], session)
    assert resp.status_code == 400 and resp.json()["error"]["code"] == -32600 and "batches" in resp.json()["error"]["message"]
    old = raw.initialize("2025-03-26")
    result = raw.post(call, old).json()["result"]
    assert "structuredContent" not in result and json.loads(result["content"][0]["text"])["traceId"] == seeded["trace"]
    batch = raw.post([{"jsonrpc": "2.0", "id": "a", "method": "ping"}, {"jsonrpc": "2.0", "method": "notifications/x"},
                      {"jsonrpc": "2.0", "id": "b", "method": "nope"}, {"id": "c"}], old).json()
    assert [(m["id"], "result" in m, m.get("error", {}).get("code")) for m in batch] == [
        ("a", True, None), ("b", False, -32601), ("c", False, -32600)]
    assert raw.post([{"jsonrpc": "2.0", "method": "notifications/initialized"}], old).status_code == 202
    assert raw.post([], old).json()["error"]["code"] == -32600
    pings = [{"jsonrpc": "2.0", "id": i, "method": "ping"} for i in range(51)]
    assert len(raw.post(pings[:50], old).json()) == 50
    assert "at most 50 messages" in raw.post(pings, old).json()["error"]["message"]
    # The header names the version of a request; one this server does not speak is refused.
    assert "structuredContent" in raw.post(call, old, **{"MCP-Protocol-Version": "2025-11-25"}).json()["result"]
    resp = raw.post(call, old, **{"MCP-Protocol-Version": "2030-01-01"})
    assert resp.status_code == 400 and "unsupported MCP-Protocol-Version" in resp.json()["error"]["message"]

    # The transport: sessions, methods, content type, origin.
    resp = raw.post({"jsonrpc": "2.0", "id": 1, "method": "ping"})
    assert resp.status_code == 400 and "Mcp-Session-Id header missing" in resp.json()["error"]["message"]
    resp = raw.post({"jsonrpc": "2.0", "id": 1, "method": "ping"}, "0" * 32 + ".2025-06-18x")
    assert resp.status_code == 404 and resp.json()["error"]["code"] == -32600
    resp = api.get("/mcp", headers=raw.headers)
    assert resp.status_code == 405 and "no event stream" in resp.json()["error"]
    resp = api.post("/mcp", content=b"ping", headers={**raw.headers, "Content-Type": "text/plain", "Mcp-Session-Id": session})
    assert resp.status_code == 415 and resp.json()["error"]
    resp = raw.post({"jsonrpc": "2.0", "id": 1, "method": "ping"}, session, Origin="http://evil.example")
    assert resp.status_code == 403 and "is not this server" in resp.json()["error"]
    for origin in ("http://localhost:6274", api.base_url.scheme + "://" + api.base_url.netloc.decode()):
        assert raw.post({"jsonrpc": "2.0", "id": 1, "method": "ping"}, session, Origin=origin).status_code == 200
    assert api.delete("/mcp", headers=raw.headers).status_code == 400
    assert api.delete("/mcp", headers={**raw.headers, "Mcp-Session-Id": "nonsense"}).status_code == 404


@pytest.mark.one_target  # an ended session is remembered by the node that ended it
def test_a_deleted_session_is_over(api: httpx.Client, keys: Dict[str, str]) -> None:
    raw = Raw(api, keys["full"])
    session = raw.initialize()
    assert raw.post({"jsonrpc": "2.0", "id": 1, "method": "ping"}, session).status_code == 200
    assert api.delete("/mcp", headers={**raw.headers, "Mcp-Session-Id": session}).status_code == 200
    assert raw.post({"jsonrpc": "2.0", "id": 1, "method": "ping"}, session).status_code == 404
    assert api.delete("/mcp", headers={**raw.headers, "Mcp-Session-Id": session}).status_code == 404
