"""An experiment as a prompt fetch describes it, and the choice of its variant for one call.

The choice is the server's (api/openapi.yaml: the prompt fetch by name), made here from
the cached answer so that a cached prompt needs no request: with a user id, h = the first 8
bytes (big-endian) of SHA-256(f"{experiment_id}:{user_id}"), x = h % (sum of weights), and the
first variant in label order whose running weight sum exceeds x; a user keeps their variant in
every process and node, and gets the one the server's `?user_id=` would give. Without a user
id, a random variant by weight on every call.
"""

from __future__ import annotations

import hashlib
import random
from typing import Any, Callable, NamedTuple, Optional


class Variant(NamedTuple):
    label: str
    version: int
    weight: int
    content: str


def _whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def sticky_point(experiment_id: int, user_id: str, total_weight: int) -> int:
    """x for a user: where their hash falls in [0, total_weight)."""
    digest = hashlib.sha256(f"{experiment_id}:{user_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") % total_weight


class Experiment:
    """The running experiment of a fetched prompt: its id and its variants in label order."""

    __slots__ = ("id", "total_weight", "variants")

    def __init__(self, experiment_id: int, variants: list[Variant]) -> None:
        self.id = experiment_id
        self.variants = sorted(variants, key=lambda v: v.label)
        self.total_weight = sum(v.weight for v in self.variants)

    @classmethod
    def read(cls, body: Any) -> Optional[Experiment]:
        """The `experiment` of a fetch's answer; None when there is none, ValueError when it
        is not the shape the API gives."""
        if body is None:
            return None
        if not isinstance(body, dict) or not _whole(body.get("id")):
            raise ValueError("its 'experiment' has no integer 'id'")
        raw = body.get("variants")
        if not isinstance(raw, list) or not raw:
            raise ValueError("its 'experiment' has no 'variants'")
        variants = []
        for item in raw:
            if not isinstance(item, dict):
                raise ValueError("a variant of its 'experiment' is not an object")
            label: Any = item.get("label")
            version: Any = item.get("version")
            weight: Any = item.get("weight")
            content: Any = item.get("content")
            if not (
                isinstance(label, str)
                and label
                and _whole(version)
                and _whole(weight)
                and weight > 0
                and isinstance(content, str)
            ):
                raise ValueError(
                    f"the variant {item.get('label')!r} of its 'experiment' lacks "
                    "a label, version, positive weight or content"
                )
            variants.append(Variant(label, version, weight, content))
        return cls(body["id"], variants)

    def choose(
        self, user_id: Optional[str], randrange: Callable[[int], int] = random.randrange
    ) -> Variant:
        """The variant served to `user_id` (sticky), or to an anonymous call (random by weight,
        from the `random` module's generator unless `randrange` is given)."""
        if user_id is None:
            x = randrange(self.total_weight)
        else:
            x = sticky_point(self.id, user_id, self.total_weight)
        running = 0
        for variant in self.variants:
            running += variant.weight
            if running > x:
                return variant
        raise AssertionError("x is below the sum of the weights")
