"""`Prompt`: a fetched prompt with what was served, and its template filled in by compile()."""

from __future__ import annotations

import re
from typing import Any, Optional

from ._exceptions import TemplateError

# {{name}}, spaces allowed inside the braces; a name is a Python identifier.
_VARIABLE = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")


class Prompt:
    """The content an environment serves, with its name, version and environment.

    `variant` names the experiment variant that was served and `experiment` the id of that
    experiment (both None: no experiment). `version` is None only for a `fallback=` content used
    while nothing could be fetched.
    """

    __slots__ = ("content", "environment", "experiment", "name", "variant", "version")

    def __init__(
        self,
        name: str,
        content: str,
        version: Optional[int],
        environment: str,
        variant: Optional[str] = None,
        experiment: Optional[int] = None,
    ) -> None:
        self.name = name
        self.content = content
        self.version = version
        self.environment = environment
        self.variant = variant
        self.experiment = experiment

    @property
    def variables(self) -> list[str]:
        """The variables the template names, in order of first appearance."""
        return list(dict.fromkeys(_VARIABLE.findall(self.content)))

    def compile(self, **variables: Any) -> str:
        """The content with every `{{name}}` replaced by str(variables[name]).

        Raises TemplateError naming every variable the template has and the call lacks;
        variables the template does not name are ignored.
        """
        missing = [v for v in self.variables if v not in variables]
        if missing:
            raise TemplateError(self.name, missing)
        return _VARIABLE.sub(lambda m: str(variables[m.group(1)]), self.content)

    def _span_attributes(self) -> dict[str, str]:
        """What a span that used this prompt carries (the server's experiment results count
        traces by `stacklens.experiment` and `stacklens.prompt.variant`)."""
        attributes = {"stacklens.prompt.name": self.name}
        if self.version is not None:
            attributes["stacklens.prompt.version"] = str(self.version)
        if self.experiment is not None and self.variant is not None:
            attributes["stacklens.prompt.variant"] = self.variant
            attributes["stacklens.experiment"] = str(self.experiment)
        return attributes

    def __str__(self) -> str:
        return self.content

    def __repr__(self) -> str:
        return (
            f"Prompt(name={self.name!r}, version={self.version!r}, "
            f"environment={self.environment!r}, variant={self.variant!r}, "
            f"experiment={self.experiment!r})"
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Prompt):
            return NotImplemented
        return all(getattr(self, a) == getattr(other, a) for a in self.__slots__)

    __hash__ = None  # type: ignore[assignment]
