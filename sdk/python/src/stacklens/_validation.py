"""Argument checks, run before anything is queued or sent.

Each check raises TypeError (wrong type) or ValueError (right type, bad
value) with the argument's name in the message, and returns the value in the
form the wire format wants.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Optional

STATUSES = ("ok", "error")
ENVIRONMENTS = ("dev", "staging", "production")


def _type_name(value: object) -> str:
    return type(value).__name__


def name(arg: str, value: object) -> str:
    if type(value) is str and value:
        return value
    if not isinstance(value, str):
        raise TypeError(f"{arg} must be a str, not {_type_name(value)}")
    if not value:
        raise ValueError(f"{arg} must not be empty")
    return value


def optional_str(arg: str, value: object) -> Optional[str]:
    if value is None or isinstance(value, str):
        return value
    raise TypeError(f"{arg} must be a str or None, not {_type_name(value)}")


def tokens(arg: str, value: object) -> int:
    if type(value) is int and value >= 0:
        return value
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{arg} must be an int, not {_type_name(value)}")
    if value < 0:
        raise ValueError(f"{arg} must be >= 0, got {value}")
    return value


def optional_tokens(arg: str, value: object) -> Optional[int]:
    return None if value is None else tokens(arg, value)


def number(arg: str, value: object, *, minimum: Optional[float] = 0.0) -> float:
    if type(value) is float and 0.0 <= value < math.inf and minimum == 0.0:
        return value
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{arg} must be a float, not {_type_name(value)}")
    result = float(value)
    if not math.isfinite(result):
        raise ValueError(f"{arg} must be a finite number, got {value!r}")
    if minimum is not None and result < minimum:
        raise ValueError(f"{arg} must be >= {minimum:g}, got {value!r}")
    return result


def optional_number(arg: str, value: object) -> Optional[float]:
    return None if value is None else number(arg, value, minimum=None)


def flag(arg: str, value: object) -> bool:
    if not isinstance(value, bool):
        raise TypeError(f"{arg} must be a bool, not {_type_name(value)}")
    return value


def status(value: object) -> str:
    if value == "ok" or value == "error":
        return str(value)
    if not isinstance(value, str):
        raise TypeError(f"status must be a str, not {_type_name(value)}")
    if value not in STATUSES:
        raise ValueError(f'status must be "ok" or "error", got {value!r}')
    return value


def environment(value: object) -> str:
    if not isinstance(value, str):
        raise TypeError(f"env must be a str, not {_type_name(value)}")
    if value not in ENVIRONMENTS:
        raise ValueError(f'env must be "dev", "staging" or "production", got {value!r}')
    return value


def attribute_key(value: object) -> str:
    if not isinstance(value, str):
        raise TypeError(f"attribute key must be a str, not {_type_name(value)}")
    return value


def attribute_value(value: object) -> str:
    """Attribute values travel as strings; anything else is turned into one."""
    return value if isinstance(value, str) else str(value)


def attributes(value: object) -> dict[str, str]:
    if value is None:
        return {}
    if type(value) is dict:
        for key, item in value.items():
            if type(key) is not str or type(item) is not str:
                break
        else:
            return dict(value)
    if not isinstance(value, Mapping):
        raise TypeError(f"attributes must be a dict[str, str], not {_type_name(value)}")
    result: dict[str, str] = {}
    for key, item in value.items():
        if not isinstance(key, str):
            raise TypeError(f"attributes keys must be str, got {_type_name(key)} {key!r}")
        result[key] = item if isinstance(item, str) else str(item)
    return result


def tag(value: object) -> str:
    if not isinstance(value, str):
        raise TypeError(f"tags must be strings, got {_type_name(value)} {value!r}")
    return value


def tags(value: object) -> list[str]:
    if value is None:
        return []
    if type(value) is list:
        for item in value:
            if type(item) is not str:
                break
        else:
            return list(value)
    if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
        raise TypeError(f"tags must be a list of str, not {_type_name(value)}")
    return [tag(item) for item in value]


def optional_datetime(arg: str, value: object) -> Optional[datetime]:
    if value is None or isinstance(value, datetime):
        return value
    raise TypeError(f"{arg} must be a datetime, not {_type_name(value)}")


def score_value(value: object) -> object:
    """A score's value as sent: a number, a str (categorical) or a bool; its type is kept."""
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        number("value", value, minimum=None)
        return value
    if isinstance(value, str):
        if not value:
            raise ValueError("value must not be empty")
        return value
    raise TypeError(f"value must be a float, int, str or bool, not {_type_name(value)}")
