"""Holds an HTTP answer to api/openapi.yaml: the operation must declare the status,
and a body must be one of the media types the spec declares for it (a JSON body
valid against that schema; no body where the spec declares none).

A path the spec does not list must be answered 404, a listed path with a method
it does not list 405, both with the usual {"error": ...} (the spec's description
says so). Paths without the /api/v1 prefix are the prefixed operation unless it
is marked x-no-alias.

The spec is OpenAPI 3.0: its schemas are JSON Schema draft 4 plus `nullable`,
which (3.0.3) only adds null to the `type` written beside it. They are checked
with jsonschema's draft 4 validator after rewriting them (`$ref` siblings are
ignored in both):
- `nullable: true` becomes null among the types;
- an object may carry only the properties its schema names (unless it says
  `additionalProperties`), so everything the server sends is documented. The
  spec itself leaves objects open, as clients should read them; an `allOf` of
  object schemas is merged first, since a closed part would refuse the others'
  properties.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

import httpx
import yaml
from jsonschema import Draft4Validator
from referencing import Registry
from referencing.jsonschema import DRAFT4

SPEC_PATH = Path(__file__).resolve().parents[2] / "api" / "openapi.yaml"
METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}
PREFIX = "/api/v1"
SPEC_URI = "urn:stacklens:openapi"


def _strict(node: Any, spec: Dict[str, Any]) -> Any:
    """NODE of SPEC rewritten as the module docstring says."""
    if isinstance(node, list):
        return [_strict(v, spec) for v in node]
    if not isinstance(node, dict):
        return node
    if "allOf" in node:
        parts = [_strict(_local(spec, p) if "$ref" in p else p, spec) for p in node["allOf"]]
        if all("properties" in p for p in parts):
            merged: Dict[str, Any] = {"type": "object", "properties": {}, "required": []}
            for part in parts:
                clash = set(merged["properties"]) & set(part["properties"])
                assert not clash, f"allOf parts both define {sorted(clash)}"
                merged["properties"].update(part["properties"])
                merged["required"] += part.get("required", [])
            rest = {k: v for k, v in node.items() if k != "allOf"}
            if not merged["required"]:
                del merged["required"]
            return _strict({**rest, **merged}, spec)
    out = {k: _strict(v, spec) for k, v in node.items() if k != "nullable"}
    if node.get("nullable") is True and isinstance(node.get("type"), str):
        out["type"] = [node["type"], "null"]
    if isinstance(node.get("properties"), dict) and "additionalProperties" not in node:
        out["additionalProperties"] = False
    return out


def _local(spec: Dict[str, Any], ref_holder: Dict[str, Any]) -> Any:
    node: Any = spec
    for part in ref_holder["$ref"].lstrip("#").strip("/").split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def _pointer(*parts: str) -> str:
    return "".join("/" + p.replace("~", "~0").replace("/", "~1") for p in parts)


class Contract:
    def __init__(self, spec_path: Path = SPEC_PATH) -> None:
        self.spec = yaml.safe_load(spec_path.read_text())
        version = str(self.spec.get("openapi", ""))
        if not version.startswith("3.0."):
            raise ValueError(f"{spec_path}: openapi {version}; this checker reads 3.0 schemas (nullable)")
        strict = DRAFT4.create_resource(_strict(self.spec, self.spec))
        self.registry: Registry[Any] = Registry().with_resource(SPEC_URI, strict)
        # Literal paths before templated ones: /traces/batch is not /traces/{traceId}.
        self.templates: List[Tuple[str, "re.Pattern[str]"]] = sorted(
            ((p, re.compile("^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(p)) + "$")) for p in self.spec["paths"]),
            key=lambda t: t[0].count("{"))

    def _template(self, path: str) -> Optional[str]:
        for template, pattern in self.templates:
            if pattern.match(path):
                return template
        return None

    def operation(self, method: str, path: str) -> Tuple[Optional[str], Optional[Dict[str, Any]]]:
        """The spec's path template and operation serving METHOD PATH (query excluded);
        (template, None) when the path is listed without that method; (None, None) when not listed."""
        m = method.lower()
        template = self._template(path)
        if template is not None:
            return template, self.spec["paths"][template].get(m)
        if not path.startswith(PREFIX + "/"):
            template = self._template(PREFIX + path)
            item = self.spec["paths"].get(template or "", {})
            aliased = {k: op for k, op in item.items() if k in METHODS and not op.get("x-no-alias")}
            if aliased:
                return template, aliased.get(m)
        return None, None

    def _resolve(self, node: Dict[str, Any]) -> Tuple[Dict[str, Any], str]:
        """A response object and its JSON pointer in the spec, following a local $ref."""
        pointer = ""
        while "$ref" in node:
            pointer = node["$ref"].lstrip("#")
            node = _local(self.spec, node)
        return node, pointer

    def problems(self, method: str, path: str, status: int, content_type: str, body: bytes) -> List[str]:
        """What is wrong with this answer by the spec; empty when it keeps the contract."""
        where = f"{method} {path} -> {status}"
        template, op = self.operation(method, path)
        if op is None:
            expected = 404 if template is None else 405
            if status != expected:
                return [f"{where}: not in the spec, so the answer must be {expected}"]
            return self._schema_problems(where, body, {"$ref": SPEC_URI + "#/components/schemas/Error"})
        assert template is not None
        responses = op.get("responses", {})
        key = next((k for k in (str(status), f"{status // 100}XX", "default") if k in responses), None)
        if key is None:
            return [f"{where}: the spec declares only {sorted(responses)} for {method} {template}"]
        response, pointer = self._resolve(responses[key])
        if not pointer:
            pointer = _pointer("paths", template, method.lower(), "responses", key)
        media = content_type.split(";")[0].strip().lower()
        content = response.get("content") or {}
        if not content:
            return [f"{where}: the spec declares no body, got {media or 'no type'}: {body[:200]!r}"] if body else []
        if media not in content:
            return [f"{where}: {media or 'no type'} is not among {sorted(content)}"]
        if media != "application/json" or "schema" not in content[media]:
            return []
        schema_ref = SPEC_URI + "#" + pointer + _pointer("content", media, "schema")
        return self._schema_problems(where, body, {"$ref": schema_ref})

    def _schema_problems(self, where: str, body: bytes, schema: Dict[str, Any]) -> List[str]:
        try:
            doc = json.loads(body)
        except ValueError:
            return [f"{where}: not JSON: {body[:200]!r}"]
        validator = Draft4Validator(schema, registry=self.registry)
        return [f"{where}: at {e.json_path}: {e.message} (schema {'/'.join(map(str, e.absolute_schema_path))})"
                for e in validator.iter_errors(doc)]

    def response_problems(self, response: httpx.Response) -> List[str]:
        """problems() of an httpx answer; reads its body if not yet read."""
        response.read()
        request = response.request
        path = request.url.raw_path.decode("ascii").split("?", 1)[0]
        return self.problems(request.method, path, response.status_code,
                             response.headers.get("content-type", ""), response.content)

    def check(self, response: httpx.Response) -> None:
        """Fails (AssertionError) when RESPONSE breaks the contract: an httpx response event hook."""
        problems = self.response_problems(response)
        assert not problems, "the answer breaks api/openapi.yaml:\n  " + "\n  ".join(problems)


CONTRACT = Contract()


def keyed_client(server: Any, scopes: str, project: str = "default", timeout: float = 10) -> httpx.Client:
    """A client of `server` (a StackLensServer) with a new key of those scopes in `project`
    (created first unless it is the default one), every answer held to the contract."""
    if project != "default":
        server.cli("projects", "create", project)
    key = server.create_key(scopes, project=project)
    return httpx.Client(base_url=server.url, timeout=timeout, headers={"X-Api-Key": key},
                        event_hooks={"response": [CONTRACT.check]})
