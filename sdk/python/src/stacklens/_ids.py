"""Trace and span ids: random UUIDv4 strings, cheap enough for the hot path.

A private generator seeded from os.urandom: user code that seeds the
`random` module (common in ML) cannot make ids repeat, and a forked child
reseeds so it never replays its parent's sequence.
"""

from __future__ import annotations

import os
import random

_generator = random.Random()
_bits = _generator.getrandbits
_CLEAR = ~((0xF000 << 64) | (0xC000 << 48))
_SET = (4 << 76) | (0x8000 << 48)  # version 4, RFC 4122 variant


def new_id() -> str:
    h = (_bits(128) & _CLEAR | _SET).to_bytes(16, "big").hex()  # "%032x" % n, in half the time
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_generator.seed)
