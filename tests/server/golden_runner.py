"""Declarative HTTP tests: each file in golden/ is a JSON list of cases,
request in, expected status and JSON out, run in order against one server.

Every answer is also held to api/openapi.yaml (openapi_contract.py).

A case: {"name", "method", "path", "key": "full" | "none" | a key name from the
`keys` fixture | a literal string, "body": JSON | "raw_body": text | "raw_body_hex": bytes, "headers": {},
"status": 200, "json": partial expected body (objects match by subset, lists
element-wise and fully; floats as FIELD_TOLERANCE says), "error_contains": "text"}.
"{{var}}" in path or body is replaced by a value saved earlier with
"save": {"var": "json.path"}. A key not listed here fails the case.
"""

from __future__ import annotations

import json
import re
from typing import Any, Dict

import httpx

from openapi_contract import CONTRACT


CASE_KEYS = {"name", "method", "path", "key", "body", "raw_body", "raw_body_hex", "headers", "status", "json",
             "error_contains", "save"}

# Relative tolerance of a float field, by its name. Latency percentiles are read
# from log-spaced histogram buckets, within about 10 % of the exact value
# (src/storage/sqlite/latency_histogram.h); every other float (costs, sums,
# exact latencies, parameters) must be equal up to floating-point rounding.
FIELD_TOLERANCE = {"latencyP50Ms": 0.1, "latencyP95Ms": 0.1, "latencyP99Ms": 0.1}
ROUNDING = 1e-12


def subset(expected: Any, actual: Any, where: str = "$", field: str = "") -> None:
    if isinstance(expected, dict):
        assert isinstance(actual, dict), f"{where}: expected object, got {actual!r}"
        for k, v in expected.items():
            assert k in actual, f"{where}: key {k!r} missing in {actual!r}"
            subset(v, actual[k], f"{where}.{k}", k)
    elif isinstance(expected, list):
        assert isinstance(actual, list) and len(actual) == len(expected), f"{where}: expected {expected!r}, got {actual!r}"
        for i, (e, a) in enumerate(zip(expected, actual)):
            subset(e, a, f"{where}[{i}]", field)
    elif isinstance(expected, float):
        rel = FIELD_TOLERANCE.get(field, ROUNDING)
        ok = isinstance(actual, (int, float)) and abs(actual - expected) <= max(1e-9, rel * abs(expected))
        assert ok, f"{where}: {actual!r} != {expected!r} (relative tolerance {rel})"
    else:
        assert actual == expected, f"{where}: {actual!r} != {expected!r}"


def lookup(doc: Any, path: str) -> Any:
    for part in path.split("."):
        doc = doc[int(part)] if isinstance(doc, list) else doc[part]
    return doc


def substitute(value: Any, saved: Dict[str, Any]) -> Any:
    if isinstance(value, str):
        return re.sub(r"\{\{(\w+)\}\}", lambda m: str(saved[m.group(1)]), value)
    if isinstance(value, list):
        return [substitute(v, saved) for v in value]
    if isinstance(value, dict):
        return {k: substitute(v, saved) for k, v in value.items()}
    return value


def run_case(client: httpx.Client, keys: Dict[str, str], case: Dict[str, Any], saved: Dict[str, Any]) -> None:
    unknown = set(case) - CASE_KEYS
    assert not unknown, f"{case.get('name')}: unknown case keys {sorted(unknown)}"
    headers = dict(case.get("headers", {}))
    key = substitute(case.get("key", "full"), saved)
    if key != "none":
        headers["X-Api-Key"] = keys.get(key, key)
    content = None
    if "raw_body_hex" in case:
        content = bytes.fromhex(case["raw_body_hex"])
    elif "raw_body" in case:
        content = substitute(case["raw_body"], saved).encode()
    elif "body" in case:
        content = json.dumps(substitute(case["body"], saved)).encode()
        headers.setdefault("Content-Type", "application/json")
    resp = client.request(case.get("method", "GET"), substitute(case["path"], saved), content=content, headers=headers)
    label = f"{case['name']}: {case.get('method', 'GET')} {case['path']}"
    assert resp.status_code == case["status"], f"{label}: status {resp.status_code}, body {resp.text[:500]}"
    broken = CONTRACT.response_problems(resp)
    assert not broken, f"{label}: the answer breaks api/openapi.yaml: " + "; ".join(broken)
    assert resp.headers.get("content-type", "").startswith("application/json"), f"{label}: not JSON"
    body = resp.json()
    if resp.status_code >= 400:
        assert isinstance(body.get("error"), str) and body["error"], f"{label}: no error message in {body}"
    if "error_contains" in case:
        assert case["error_contains"] in body.get("error", ""), f"{label}: error {body.get('error')!r}"
    if "json" in case:
        subset(substitute(case["json"], saved), body)
    for var, path in case.get("save", {}).items():
        saved[var] = lookup(body, path)
