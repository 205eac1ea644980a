"""`governai.check()` and its asyncio form: the personal data in a prompt, found by the
server under the project's GovernAI policies, before the prompt goes to a model."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Callable, Optional

import httpx

from . import _runtime
from ._exceptions import ApiError
from ._wire import CHECK_PATH, encode

ACTIONS = ("allow", "redact", "block")


@dataclass(frozen=True)
class Finding:
    """One piece of personal data: its type (`email`, `card`, ...), the field it is in
    (`text` or `messages[i].content`), its byte range [start, end) in that field's UTF-8,
    the scanner's confidence and the action the project's policy takes. Never the value."""

    type: str
    field: str
    start: int
    end: int
    confidence: float
    action: str


@dataclass(frozen=True)
class CheckResult:
    """What the server found and decided. `decision` is the strictest action among the
    findings (block > redact > allow; allow when nothing was found). `text` (for a text) or
    `messages` (for messages) is the input with every finding acted on replaced by its type's
    placeholder (`[EMAIL]`, `[CARD]`, ...)."""

    decision: str
    findings: tuple[Finding, ...]
    text: Optional[str] = None
    messages: Optional[tuple[dict[str, str], ...]] = None

    @property
    def blocked(self) -> bool:
        return self.decision == "block"


def body(text: object, messages: object) -> bytes:
    if (text is None) == (messages is None):
        raise TypeError("check() takes either text or messages (one of them)")
    if text is not None:
        if not isinstance(text, str):
            raise TypeError(f"text must be a str, not {type(text).__name__}")
        return encode({"text": text})
    if isinstance(messages, (str, bytes)) or not isinstance(messages, Sequence):
        raise TypeError(
            "messages must be a sequence of {'role', 'content'} mappings, "
            f"not {type(messages).__name__}"
        )
    wire = []
    for i, m in enumerate(messages):
        if not isinstance(m, Mapping):
            raise TypeError(
                f"messages[{i}] must be a mapping with 'role' and 'content', not {type(m).__name__}"
            )
        role, content = m.get("role"), m.get("content")
        if not isinstance(role, str) or not isinstance(content, str):
            raise TypeError(f"messages[{i}] must have str 'role' and str 'content'")
        wire.append({"role": role, "content": content})
    return encode({"messages": wire})


def result(response: httpx.Response) -> CheckResult:
    try:
        data: Any = response.json()
        findings = tuple(
            Finding(
                str(f["type"]),
                str(f["field"]),
                int(f["start"]),
                int(f["end"]),
                float(f["confidence"]),
                str(f["action"]),
            )
            for f in data["findings"]
        )
        decision = data["decision"]
        text = data.get("text")
        messages = data.get("messages")
        if decision not in ACTIONS:
            raise ValueError(decision)
        return CheckResult(
            decision=decision,
            findings=findings,
            text=text if isinstance(text, str) else None,
            messages=None
            if messages is None
            else tuple({"role": m["role"], "content": m["content"]} for m in messages),
        )
    except (ValueError, KeyError, TypeError) as exc:
        raise ApiError(
            f"check response is not a GovernAI check answer: {exc!r}", response.status_code
        ) from None


class Governai:
    """GovernAI's check (`stacklens.governai`, `StackLens(...).governai`)."""

    def __init__(self, runtime: Callable[[], _runtime.Runtime] = _runtime.current) -> None:
        self._runtime = runtime

    def check(
        self, text: Optional[str] = None, *, messages: Optional[Sequence[Mapping[str, str]]] = None
    ) -> CheckResult:
        """Find personal data in `text` or chat `messages` ({'role', 'content'}) under the
        project's policies, before sending them to a model. Needs the `traces:write` scope.

        Raises AuthError (401/403), ApiError (e.g. 400 over the server's 1 MiB limit) or
        NetworkError, in every mode; TypeError for arguments of the wrong type.
        """
        payload = body(text, messages)
        runtime = self._runtime()
        runtime.check_open()
        return result(runtime.sync.request("POST", CHECK_PATH, payload))


class AsyncGovernai:
    """The asyncio form of Governai (`stacklens.agovernai`, `AsyncStackLens(...).governai`)."""

    def __init__(self, runtime: Callable[[], _runtime.Runtime] = _runtime.current) -> None:
        self._runtime = runtime

    async def check(
        self, text: Optional[str] = None, *, messages: Optional[Sequence[Mapping[str, str]]] = None
    ) -> CheckResult:
        """See Governai.check."""
        payload = body(text, messages)
        runtime = self._runtime()
        runtime.check_open()
        return result(await runtime.aio.request("POST", CHECK_PATH, payload))
