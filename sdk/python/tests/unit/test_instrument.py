"""instrument_openai() and instrument_anthropic() with a version of the provider's package that
they were not made for, or without the package: a ConfigurationError naming what was found and
what is supported, and nothing patched. (Their recording: tests/e2e/test_instrumentation.py.)"""

from __future__ import annotations

import sys
from typing import Any

import pytest

import stacklens
from stacklens._instrument import _ORIGINAL

SUPPORTED = {"openai": "2.x or 3.x", "anthropic": "1.x or 2.x"}


def patched_methods(package: str) -> list[str]:
    methods: list[tuple[Any, str]]
    if package == "openai":
        from openai.resources.chat.completions import AsyncCompletions, Completions
        from openai.resources.responses import AsyncResponses, Responses

        methods = [
            (c, "create") for c in (Completions, AsyncCompletions, Responses, AsyncResponses)
        ]
    else:
        from anthropic.resources.messages import AsyncMessages, Messages

        methods = [(c, m) for c in (Messages, AsyncMessages) for m in ("create", "stream")]
    return [f"{c.__name__}.{m}" for c, m in methods if hasattr(getattr(c, m), _ORIGINAL)]


@pytest.mark.parametrize(
    ("package", "version"),
    [("openai", "1.109.1"), ("openai", "4.0.0"), ("anthropic", "0.75.0"), ("anthropic", "3.1.0")],
)
def test_an_unsupported_major_version_is_refused_by_name(
    package: str, version: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    module = pytest.importorskip(package)
    monkeypatch.setattr(module, "__version__", version)
    instrument = getattr(stacklens, f"instrument_{package}")
    expected = (
        rf"stacklens\.instrument_{package}\(\) supports {package} {SUPPORTED[package]}; "
        rf"this environment has {package} {version}"
    )
    with pytest.raises(stacklens.ConfigurationError, match=expected):
        instrument()
    assert patched_methods(package) == []


@pytest.mark.parametrize("package", ["openai", "anthropic"])
def test_a_missing_package_is_named_with_the_extra_to_install(
    package: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, package, None)  # import openai now raises ImportError
    instrument = getattr(stacklens, f"instrument_{package}")
    with pytest.raises(stacklens.ConfigurationError, match=rf"stacklens\[{package}\]"):
        instrument()
