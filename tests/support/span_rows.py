"""Span rows of spans.db, read with plain SQL by tests and benchmarks (to check the store
without going through the server).

A row keeps its ids, name, model, provider and tags in columns and the rest in `packed`
(src/storage/sqlite/span_row.h: a version byte, then a LEB128 varint of flags, then the fields).
"""

from __future__ import annotations

# Flags of a packed row (span_row.cpp).
PROMPT, COMPLETION, TEXT_LOG = 1 << 6, 1 << 7, 1 << 8

# The columns text_flags() reads, in this order.
TEXT_COLUMNS = "packed"


def packed_flags(packed: bytes) -> int:
    # Version 2 added fields after the flags (the cost source, usage types), not flags of its own.
    if not packed or packed[0] not in (1, 2):
        raise ValueError("not a packed span row of version 1 or 2")
    flags, shift = 0, 0
    for byte in packed[1:]:
        flags |= (byte & 0x7F) << shift
        if byte < 0x80:
            return flags
        shift += 7
    raise ValueError("truncated flags in a packed span row")


def text_flags(packed: bytes) -> int:
    """Which text a row has, and where (PROMPT, COMPLETION, TEXT_LOG), from TEXT_COLUMNS."""
    return packed_flags(packed) & (PROMPT | COMPLETION | TEXT_LOG)
