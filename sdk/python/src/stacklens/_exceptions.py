"""The exceptions the SDK raises.

    StackLensError             base class of every SDK exception
     ├── ConfigurationError    configure() was not called, no API key, or the client is closed
     ├── ApiError              the API answered with a non-2xx status (.status_code)
     │    └── AuthError        401 invalid/missing key, 403 key lacks the scope
     ├── NetworkError          the endpoint could not be reached (refused, timeout, ...)
     └── TemplateError         Prompt.compile() lacks a variable the template names (.missing)

Argument mistakes (a wrong type, a negative token count, an unknown status)
raise the built-in TypeError / ValueError naming the argument, before
anything is sent.
"""

from __future__ import annotations

from typing import Optional


class StackLensError(Exception):
    """Base class for all SDK exceptions."""


class ConfigurationError(StackLensError):
    """The SDK is not configured (call stacklens.configure() first), or the client is closed."""


class ApiError(StackLensError):
    """The StackLens API returned an error; `status_code` is its HTTP status."""

    def __init__(self, message: str, status_code: int) -> None:
        super().__init__(message)
        self.message = message
        self.status_code = status_code


class AuthError(ApiError):
    """The API key is invalid (401) or lacks the scope this call needs (403)."""


class NetworkError(StackLensError):
    """The endpoint could not be reached; the message names the endpoint."""

    def __init__(self, message: str, endpoint: str, cause: Optional[BaseException] = None) -> None:
        super().__init__(message)
        self.endpoint = endpoint
        self.__cause__ = cause


class TemplateError(StackLensError):
    """`Prompt.compile()` was not given every variable the template names; `missing` lists them."""

    def __init__(self, prompt: str, missing: list[str]) -> None:
        names = ", ".join(missing)
        super().__init__(
            f"prompt {prompt!r} needs the variable{'s' if len(missing) > 1 else ''} {names}"
        )
        self.missing = missing
