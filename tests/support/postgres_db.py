"""Fresh PostgreSQL databases for server tests, on the server STACKLENS_TEST_POSTGRES_URL names
(a superuser's URL, as tests/support/postgres.sh prints it)."""

from __future__ import annotations

import hashlib
import itertools
import os
import subprocess
from typing import Optional

ADMIN_URL: Optional[str] = os.environ.get("STACKLENS_TEST_POSTGRES_URL") or None
_counter = itertools.count()


def psql(url: str, sql: str) -> str:
    out = subprocess.run(["psql", url, "-v", "ON_ERROR_STOP=1", "-qAtc", sql],
                         capture_output=True, text=True, timeout=60)
    if out.returncode != 0:
        raise RuntimeError(f"psql failed: {out.stderr.strip()}")
    return out.stdout.strip()


def url_of(admin_url: str, name: str) -> str:
    return admin_url[:admin_url.rindex("/") + 1] + name


def fresh_database(hint: str = "", admin_url: Optional[str] = None) -> str:
    """A new, empty database on the server of `admin_url` (default: ADMIN_URL); its URL."""
    admin = admin_url or ADMIN_URL
    assert admin, "STACKLENS_TEST_POSTGRES_URL is unset"
    digest = hashlib.sha1(f"{hint}-{os.getpid()}-{next(_counter)}".encode()).hexdigest()[:16]
    name = f"stacklens_server_{digest}"
    psql(admin, f"CREATE DATABASE {name}")
    return url_of(admin, name)
