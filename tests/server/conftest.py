from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any, Dict, Iterable, Iterator, List

import httpx
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "support"))

import clickhouse_spans  # noqa: E402
import postgres_db  # noqa: E402
import stacklens_cluster  # noqa: E402
from openapi_contract import CONTRACT  # noqa: E402
from stacklens_server import StackLensServer  # noqa: E402

ALL_SCOPES = "traces:write,traces:read,prompts:read,prompts:write,keys:manage,members:manage,scores:write,scores:configure,prices:manage,governai:manage,prompts:approve,evaluations:read,evaluations:write,connections:manage,alerts:read,alerts:manage"


def _metadata_in_postgres() -> None:
    """With STACKLENS_TEST_METADATA=postgres (and STACKLENS_TEST_POSTGRES_URL), every test server (and the admin subcommands run on
    its data directory) keeps its metadata in a fresh PostgreSQL database of its own, one per
    data directory, so that a restart finds what it wrote: the same tests, the other target."""
    databases: Dict[Path, str] = {}

    def metadata_url(data_dir: Path) -> str:
        key = Path(data_dir).resolve()
        if key not in databases:
            databases[key] = postgres_db.fresh_database(str(key))
        return databases[key]

    init, cli = StackLensServer.__init__, StackLensServer.cli

    def patched_init(self: StackLensServer, data_dir: Path, extra_args: Iterable[str] = (), *args: Any,
                     **kwargs: Any) -> None:
        extra = list(extra_args)
        if not any(a.startswith("--metadata-url") for a in extra):
            extra += ["--metadata-url", metadata_url(data_dir)]
        init(self, data_dir, extra, *args, **kwargs)

    def patched_cli(self: StackLensServer, *args: str, check: bool = True) -> "subprocess.CompletedProcess[str]":
        return cli(self, *args, "--metadata-url", metadata_url(self.data_dir), check=check)

    setattr(StackLensServer, "__init__", patched_init)
    setattr(StackLensServer, "cli", patched_cli)


if postgres_db.ADMIN_URL and os.environ.get("STACKLENS_TEST_METADATA") == "postgres":
    _metadata_in_postgres()
# The span-store pass (STACKLENS_TEST_SPANS=clickhouse): every server's spans in ClickHouse.
if clickhouse_spans.SELECTED:
    clickhouse_spans.select()
# The cluster pass (STACKLENS_TEST_TARGET=cluster): every server is two nodes behind haproxy.
CLUSTER_UNAVAILABLE = stacklens_cluster.select()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "one_target: needs one local process or says nothing new on another "
                                       "target; runs in the SQLite pass only")
    config.addinivalue_line("markers", "cluster_target: needs the local cluster; runs in the cluster pass only")
    config.addinivalue_line("markers", "sqlite_spans(reason): cannot hold with the spans in ClickHouse; the "
                                       "reason says why")


def pytest_collection_modifyitems(config: pytest.Config, items: List[pytest.Item]) -> None:
    # Tests of spans.db alone (disk faults, durability) say nothing new with the metadata
    # elsewhere, tests of one process (its restarts, connections, data directory) cannot run
    # behind haproxy, and the metadata cluster tests choose their databases themselves: marked
    # one_target, they run in the SQLite pass only. The cluster's own tests (cluster_target) run
    # in the cluster pass only.
    if stacklens_cluster.SELECTED:
        for item in items:
            if CLUSTER_UNAVAILABLE:
                item.add_marker(pytest.mark.skip(reason=f"cluster pass: {CLUSTER_UNAVAILABLE}"))
            elif item.get_closest_marker("one_target"):
                item.add_marker(pytest.mark.skip(reason="one local process: runs in the SQLite pass"))
            elif marker := item.get_closest_marker("sqlite_spans"):  # the cluster's spans are in ClickHouse
                item.add_marker(pytest.mark.skip(reason=f"spans in ClickHouse: {marker.args[0]}"))
        return
    for item in items:
        if item.get_closest_marker("cluster_target"):
            item.add_marker(pytest.mark.skip(reason="needs the local cluster: scripts/test.sh's cluster pass"))
    if clickhouse_spans.SELECTED:
        for item in items:
            marker = item.get_closest_marker("sqlite_spans")
            if item.get_closest_marker("one_target"):
                item.add_marker(pytest.mark.skip(reason="the same on either span store: runs in the SQLite pass"))
            elif marker:
                item.add_marker(pytest.mark.skip(reason=f"spans in ClickHouse: {marker.args[0]}"))
        return
    if os.environ.get("STACKLENS_TEST_METADATA") != "postgres":
        return
    skip = pytest.mark.skip(reason="the same on either metadata target: runs in the SQLite pass")
    for item in items:
        if item.get_closest_marker("one_target"):
            item.add_marker(skip)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StackLensServer]:
    srv = StackLensServer(tmp_path_factory.mktemp("stacklens") / "data").start()
    yield srv
    code = srv.stop()
    assert code == 0, srv.log()


@pytest.fixture(scope="module")
def api(server: StackLensServer) -> Iterator[httpx.Client]:
    """A client of the server whose every answer is held to api/openapi.yaml."""
    with httpx.Client(base_url=server.url, timeout=10, event_hooks={"response": [CONTRACT.check]}) as client:
        yield client


@pytest.fixture(scope="module")
def keys(server: StackLensServer) -> Dict[str, str]:
    """Keys for every case the auth matrix needs, all in project 'default' unless named."""
    out = {
        "full": server.create_key(ALL_SCOPES),
        "traces:write": server.create_key("traces:write"),
        "traces:read": server.create_key("traces:read"),
        "prompts:read": server.create_key("prompts:read"),
        "prompts:write": server.create_key("prompts:write"),
        "keys:manage": server.create_key("keys:manage"),
        "members:manage": server.create_key("members:manage"),
        "scores:write": server.create_key("scores:write"),
        "scores:configure": server.create_key("scores:configure"),
        "prices:manage": server.create_key("prices:manage"),
        "governai:manage": server.create_key("governai:manage"),
        "prompts:approve": server.create_key("prompts:approve"),
        "evaluations:read": server.create_key("evaluations:read"),
        "evaluations:write": server.create_key("evaluations:write"),
        "connections:manage": server.create_key("connections:manage"),
        "alerts:read": server.create_key("alerts:read"),
        "alerts:manage": server.create_key("alerts:manage"),
    }
    revoked = server.create_key(ALL_SCOPES)
    server.cli("keys", "revoke", revoked[:11])
    out["revoked"] = revoked
    server.cli("projects", "create", "other")
    out["other"] = server.create_key(ALL_SCOPES, project="other")
    return out
