"""Every statement of the ClickHouse span store (src/storage/clickhouse/ch_statements.h, printed
with example arguments by build/ch_statements) runs on Debian's ClickHouse 18.16 and on a
current engine (PyPI's chdb): the replicated DDL parsed there (formatQuery: it needs ZooKeeper
to run), everything else run for real, the insert read back."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any, Dict, Iterator, List

import httpx
import pytest

REPO = Path(__file__).resolve().parents[2]
BINARY = Path(os.environ.get("STACKLENS_BINARY", REPO / "build" / "stacklens"))
STATEMENTS = BINARY.parent / "ch_statements"
CLICKHOUSE_SH = REPO / "tests" / "support" / "clickhouse.sh"

pytestmark = pytest.mark.one_target


def statements(database: str, cluster: str = "") -> List[Dict[str, str]]:
    args = [str(STATEMENTS), database] + ([cluster] if cluster else [])
    out = json.loads(subprocess.run(args, check=True, capture_output=True, text=True).stdout)
    assert len(out) > 20
    return out


def sample(all_: List[Dict[str, str]], name: str) -> Dict[str, str]:
    return next(s for s in all_ if s["name"] == name)


@pytest.fixture(scope="module")
def clickhouse_18() -> Iterator[str]:
    """Debian's clickhouse-server on a free loopback port, its data under a temporary directory."""
    assert shutil.which("clickhouse-server"), "clickhouse-server is missing: scripts/install_deps.sh test installs it"
    directory = Path(tempfile.mkdtemp(prefix="stacklens-ch-"))
    url = subprocess.run(["bash", str(CLICKHOUSE_SH), "start", str(directory / "server")], check=True,
                         capture_output=True, text=True).stdout.strip()
    try:
        yield url
    finally:
        subprocess.run(["bash", str(CLICKHOUSE_SH), "stop", str(directory)], check=False)


def tsv_fields(row: bytes) -> List[bytes]:
    """One TabSeparated row's fields, unescaped (ClickHouse escapes \\ \\t \\n \\0 \\' and a few more)."""
    escapes = {ord("t"): b"\t", ord("n"): b"\n", ord("0"): b"\x00", ord("r"): b"\r", ord("b"): b"\b",
               ord("f"): b"\f"}
    fields, field, i = [], bytearray(), 0
    line = row.rstrip(b"\n")
    assert b"\n" not in line, "one row"
    while i < len(line):
        c = line[i]
        if c == ord("\\"):
            i += 1
            field += escapes.get(line[i], bytes([line[i]]))
        elif c == ord("\t"):
            fields.append(bytes(field))
            field = bytearray()
        else:
            field.append(c)
        i += 1
    fields.append(bytes(field))
    return fields


def run_18(url: str, s: Dict[str, str]) -> str:
    if s["rows_hex"]:
        r = httpx.post(url, params={"query": s["sql"]}, content=bytes.fromhex(s["rows_hex"]), timeout=30)
    else:
        r = httpx.post(url, content=s["sql"].encode(), timeout=30)
    assert r.status_code == 200, f"{s['name']} on ClickHouse 18.16: {r.text}\n{s['sql']}"
    return r.text


def test_every_statement_runs_on_clickhouse_18(clickhouse_18: str) -> None:
    all_ = statements("stacklens_statements")
    assert httpx.post(clickhouse_18, content=b"SELECT version()").text.startswith("18.16")
    for s in all_:
        if s["name"] != "replica_state":
            run_18(clickhouse_18, s)
    # What went in comes out, field by field: one span, its binary sealed text byte for byte.
    assert run_18(clickhouse_18, sample(all_, "count_spans")).strip() == "1"
    r = httpx.post(clickhouse_18, content=sample(all_, "trace_spans")["sql"].encode(), timeout=30)
    inserted = bytes.fromhex(sample(all_, "insert_spans")["rows_hex"])
    assert tsv_fields(r.content) == tsv_fields(inserted)
    assert b"\x00\x01\t\n\\'\xff" in tsv_fields(r.content)
    # The filtered list and the metrics find it.
    assert run_18(clickhouse_18, sample(all_, "trace_page_filtered")).startswith("trace-\\'1\\'\t")
    assert run_18(clickhouse_18, sample(all_, "metrics_group_1")).startswith("1699999200\tgpt-4o\t")
    # The schema is created once however often it runs.
    for s in all_:
        if s["name"].startswith(("create_", "migration_")):
            run_18(clickhouse_18, s)


@pytest.fixture(scope="module")
def chdb_session(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """chdb's engine, once per process (it cannot be opened again on another path)."""
    pytest.importorskip("chdb", reason="pip install chdb (requirements-test.txt)")
    from chdb import session

    return session.Session(str(tmp_path_factory.mktemp("chdb")))


def test_every_statement_runs_on_chdb(chdb_session: Any) -> None:
    db = chdb_session
    version = db.query("SELECT version()", "TSV").bytes().decode().strip()
    assert int(version.split(".")[0]) >= 24, version
    all_ = statements("stacklens_statements")
    results = {}
    for s in all_:
        if s["name"] == "replica_state":
            continue
        sql = s["sql"]
        if s["rows_hex"]:
            # chdb takes text: the sample's binary text is replaced, the format is what is checked.
            sql += "\n" + bytes.fromhex(s["rows_hex"]).decode("utf-8", "replace")
        try:
            results[s["name"]] = db.query(sql, "TSV").bytes().decode("utf-8", "replace")
        except Exception as e:  # noqa: BLE001 - the engine's error names the statement's problem
            pytest.fail(f"{s['name']} on chdb {version}: {e}\n{sql}")
    assert results["count_spans"].strip() == "1"
    assert results["trace_page_filtered"].startswith("trace-\\'1\\'\t")
    assert results["metrics_group_1"].startswith("1699999200\tgpt-4o\t")


def test_replicated_statements_parse_on_chdb(chdb_session: Any) -> None:
    db = chdb_session
    replicated = [s for s in statements("stacklens_statements", "stacklens")
                  if "ON CLUSTER" in s["sql"] or "Replicated" in s["sql"]]
    assert {s["name"] for s in replicated} >= {"create_database", "create_version_table", "migration_1_1"}
    for s in replicated:
        quoted = s["sql"].replace("\\", "\\\\").replace("'", "\\'")
        try:
            formatted = db.query(f"SELECT formatQuery('{quoted}')", "TSV").bytes().decode()
        except Exception as e:  # noqa: BLE001
            pytest.fail(f"{s['name']} does not parse on chdb: {e}\n{s['sql']}")
        assert "ON CLUSTER stacklens" in formatted.replace("\\n", " ")


if __name__ == "__main__":
    sys.exit(pytest.main([__file__, "-q"]))
