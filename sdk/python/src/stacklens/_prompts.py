"""`prompts.get()` and its asyncio form: the active prompt of an environment."""

from __future__ import annotations

from typing import Callable

from . import _runtime
from . import _validation as check


class Prompts:
    """Fetch prompts managed in FlowOps (`stacklens.prompts`, `StackLens(...).prompts`)."""

    def __init__(self, runtime: Callable[[], _runtime.Runtime] = _runtime.current) -> None:
        self._runtime = runtime

    def get(self, name: str, *, env: str = "production") -> str:
        """Return the content of the version of `name` promoted to `env`.

        Raises AuthError (401/403), ApiError (e.g. 404 when nothing is
        promoted to `env`) or NetworkError, in every mode.
        """
        runtime = self._runtime()
        return runtime.get_prompt(check.name("name", name), check.environment(env))


class AsyncPrompts:
    """The asyncio form of Prompts (`stacklens.aprompts`, `AsyncStackLens(...).prompts`)."""

    def __init__(self, runtime: Callable[[], _runtime.Runtime] = _runtime.current) -> None:
        self._runtime = runtime

    async def get(self, name: str, *, env: str = "production") -> str:
        """Return the content of the version of `name` promoted to `env` (see Prompts.get)."""
        runtime = self._runtime()
        return await runtime.aget_prompt(check.name("name", name), check.environment(env))
