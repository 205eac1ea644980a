"""`prompts.get()`, `prompts.get_prompt()` and their asyncio forms: the active prompt of an
environment, served through the client's prompt cache (_prompt_cache.py), or the variant of the
experiment running there; the prompt then goes on the spans the current trace records."""

from __future__ import annotations

from typing import Callable, Optional

from . import _context, _runtime
from . import _validation as check
from ._prompt import Prompt


def _fallback(value: Optional[str]) -> Optional[str]:
    if value is not None and not isinstance(value, str):
        raise TypeError(f"fallback must be a str, not {type(value).__name__}")
    return value


def _user_id(value: Optional[str]) -> Optional[str]:
    return None if value is None else check.name("user_id", value)


class Prompts:
    """Fetch prompts managed in FlowOps (`stacklens.prompts`, `StackLens(...).prompts`)."""

    def __init__(
        self,
        runtime: Callable[[], _runtime.Runtime] = _runtime.current,
        nesting: _context.Nesting = _context.DEFAULT,
    ) -> None:
        self._runtime = runtime
        self._nesting = nesting

    def get(self, name: str, *, env: str = "production") -> str:
        """Return the content of the version of `name` promoted to `env`.

        Raises AuthError (401/403), ApiError (e.g. 404 when nothing is
        promoted to `env`) or NetworkError, in every mode. What was fetched is
        kept for `prompt_cache_ttl` seconds (configure(); default 60) and then
        revalidated in the background; while the server cannot be reached or
        answers 5xx, the cached content is returned. While an experiment runs in
        `env`, a variant chosen at random by weight.
        """
        return self.get_prompt(name, env=env).content

    def get_prompt(
        self,
        name: str,
        *,
        env: str = "production",
        user_id: Optional[str] = None,
        fallback: Optional[str] = None,
    ) -> Prompt:
        """The same fetch as get(), as a Prompt: content, name, version, environment, variant,
        and compile(**variables) to fill in its `{{variable}}`s. While an experiment runs in
        `env`, the variant for `user_id` (always the same one for a user), or one at random by
        weight without it. `fallback`: the content to serve (with version None) while the
        server cannot be reached or answers 5xx and nothing was fetched yet. Inside a
        start_trace block, the spans of its trace recorded afterwards carry the prompt."""
        runtime = self._runtime()
        prompt = runtime.get_prompt(
            check.name("name", name), check.environment(env), _fallback(fallback), _user_id(user_id)
        )
        self._nesting.used(prompt)
        return prompt


class AsyncPrompts:
    """The asyncio form of Prompts (`stacklens.aprompts`, `AsyncStackLens(...).prompts`)."""

    def __init__(
        self,
        runtime: Callable[[], _runtime.Runtime] = _runtime.current,
        nesting: _context.Nesting = _context.DEFAULT,
    ) -> None:
        self._runtime = runtime
        self._nesting = nesting

    async def get(self, name: str, *, env: str = "production") -> str:
        """Return the content of the version of `name` promoted to `env` (see Prompts.get)."""
        return (await self.get_prompt(name, env=env)).content

    async def get_prompt(
        self,
        name: str,
        *,
        env: str = "production",
        user_id: Optional[str] = None,
        fallback: Optional[str] = None,
    ) -> Prompt:
        """The same fetch as get(), as a Prompt (see Prompts.get_prompt)."""
        runtime = self._runtime()
        prompt = await runtime.aget_prompt(
            check.name("name", name), check.environment(env), _fallback(fallback), _user_id(user_id)
        )
        self._nesting.used(prompt)
        return prompt
