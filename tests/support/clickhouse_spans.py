"""The span-store pass: with STACKLENS_TEST_SPANS=clickhouse and STACKLENS_TEST_CLICKHOUSE_URL
(one ClickHouse server, tests/support/clickhouse.sh start), every test server keeps its spans in
a fresh ClickHouse database of its own, one per data directory (so a restart finds what it
wrote): the same span-store tests, the other backend."""
from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any, Iterable

from stacklens_server import StackLensServer

URL = os.environ.get("STACKLENS_TEST_CLICKHOUSE_URL", "").rstrip("/")
SELECTED = bool(URL) and os.environ.get("STACKLENS_TEST_SPANS") == "clickhouse"


def span_store_url(data_dir: Path) -> str:
    digest = hashlib.sha1(str(Path(data_dir).resolve()).encode()).hexdigest()[:16]
    return f"{URL}/stacklens_{digest}"


def select() -> None:
    init = StackLensServer.__init__

    def patched_init(self: StackLensServer, data_dir: Path, extra_args: Iterable[str] = (), *args: Any,
                     **kwargs: Any) -> None:
        extra = list(extra_args)
        if not any(a.startswith("--span-store-url") for a in extra):
            extra += ["--span-store-url", span_store_url(data_dir)]
        init(self, data_dir, extra, *args, **kwargs)

    setattr(StackLensServer, "__init__", patched_init)
