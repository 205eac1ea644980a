"""`stacklens.prompts.get()` and `stacklens.aprompts.get()`: the active prompt of an environment."""

from __future__ import annotations

from . import _runtime
from . import _validation as check


class Prompts:
    """Fetch prompts managed in FlowOps (available as `stacklens.prompts`)."""

    def get(self, name: str, *, env: str = "production") -> str:
        """Return the content of the version of `name` promoted to `env`.

        Raises AuthError (401/403), ApiError (e.g. 404 when nothing is
        promoted to `env`) or NetworkError, in every mode.
        """
        runtime = _runtime.current()
        return runtime.get_prompt(check.name("name", name), check.environment(env))


class AsyncPrompts:
    """The asyncio form of Prompts (available as `stacklens.aprompts`)."""

    async def get(self, name: str, *, env: str = "production") -> str:
        runtime = _runtime.current()
        return await runtime.aget_prompt(check.name("name", name), check.environment(env))
