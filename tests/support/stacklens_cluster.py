"""The cluster target of the server and SDK tests: scripts/cluster.sh's topology (two `stacklens
serve` nodes behind haproxy) on databases of its own, a fresh PostgreSQL database and a fresh
ClickHouse database on the test replicas.

scripts/test.sh's cluster pass starts one PostgreSQL (tests/support/postgres.sh) and ZooKeeper
with two ClickHouse replicas (tests/support/clickhouse.sh) and sets STACKLENS_TEST_TARGET=cluster;
`use_cluster_target()` then makes every StackLensServer such a cluster, its URL haproxy's, so the
same tests run through the load balancer."""

from __future__ import annotations

import hashlib
import itertools
import os
import re
import signal
import subprocess
import time
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional

import httpx

import postgres_db
from stacklens_server import BINARY, REPO, StackLensServer

CLUSTER_SH = REPO / "scripts" / "cluster.sh"
CLICKHOUSE_SH = REPO / "tests" / "support" / "clickhouse.sh"
POSTGRES_SH = REPO / "tests" / "support" / "postgres.sh"
# The replicas' HTTP URLs and their directory (clickhouse.sh cluster DIR), the PostgreSQL directory.
CLICKHOUSE_URLS: List[str] = os.environ.get("STACKLENS_TEST_CLICKHOUSE_URLS", "").split()
CLICKHOUSE_DIR: Optional[str] = os.environ.get("STACKLENS_TEST_CLICKHOUSE_DIR") or None
POSTGRES_DIR: Optional[str] = os.environ.get("STACKLENS_TEST_POSTGRES_DIR") or None
SELECTED = os.environ.get("STACKLENS_TEST_TARGET") == "cluster"
NODES = ("a", "b")
_counter = itertools.count()


def alive(pid: int) -> bool:
    """Whether pid runs; a zombie counts as gone (the nodes' parent, cluster.sh, has exited, and a
    container's init may not reap them)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] not in ("Z", "X")


def has_span_store(binary: Path = BINARY) -> bool:
    """Whether the binary has the ClickHouse span store (the span-store-url setting)."""
    if not binary.exists():
        return False
    out = subprocess.run([str(binary), "serve", "--print-settings"], capture_output=True, text=True, timeout=30)
    return "`--span-store-url`" in out.stdout


def missing() -> Optional[str]:
    """Why the cluster target cannot run here, or None."""
    if not postgres_db.ADMIN_URL:
        return "no PostgreSQL (STACKLENS_TEST_POSTGRES_URL)"
    if len(CLICKHOUSE_URLS) != 2:
        return "no ClickHouse replicas (STACKLENS_TEST_CLICKHOUSE_URLS)"
    if not has_span_store():
        return f"{BINARY} has no ClickHouse span store (span-store-url)"
    return None


def fresh_span_store_urls(hint: str) -> List[str]:
    """A ClickHouse database name of its own on the test replicas: node A's URL (replica 1) and
    node B's (replica 2); the span store creates the database on the first start."""
    digest = hashlib.sha1(f"{hint}-{os.getpid()}-{next(_counter)}".encode()).hexdigest()[:16]
    return [f"{url}/stacklens_{digest}?cluster=stacklens" for url in CLICKHOUSE_URLS]


def clickhouse(replica: int, sql: str) -> str:
    """Runs one statement on a test replica (1 or 2) over HTTP; its output."""
    resp = httpx.post(CLICKHOUSE_URLS[replica - 1] + "/", content=sql.encode(), timeout=30)
    if resp.status_code != 200:
        raise RuntimeError(f"ClickHouse: {resp.status_code} {resp.text.strip()}")
    return resp.text.strip()


class LocalCluster:
    """scripts/cluster.sh up/down/status with its state in `state`, on the given databases."""

    def __init__(self, state: Path, metadata_url: str, span_store_urls: List[str],
                 extra_args: Iterable[str] = (), binary: Path = BINARY) -> None:
        self.state = Path(state)
        self.binary = Path(binary)
        self.metadata_url = metadata_url
        self.span_store_urls = span_store_urls
        self.extra_args = list(extra_args)
        self.output = ""

    def env(self) -> Dict[str, str]:
        return {**os.environ, "STACKLENS_CLUSTER_DIR": str(self.state), "STACKLENS_BINARY": str(self.binary),
                "STACKLENS_CLUSTER_METADATA_URL": self.metadata_url,
                "STACKLENS_CLUSTER_SPAN_STORE_URLS": " ".join(self.span_store_urls)}

    def run(self, command: str, *args: str, check: bool = True) -> "subprocess.CompletedProcess[str]":
        out = subprocess.run(["bash", str(CLUSTER_SH), command, *args], env=self.env(), capture_output=True,
                             text=True, timeout=120)
        self.output += out.stdout + out.stderr
        if check and out.returncode != 0:
            raise RuntimeError(f"cluster.sh {command} failed ({out.returncode}): {out.stderr}{self.log()}")
        return out

    def up(self) -> "LocalCluster":
        self.run("up", *self.extra_args)
        return self

    def down(self) -> int:
        return self.run("down", check=False).returncode

    def ports(self) -> Dict[str, int]:
        text = (self.state / "ports").read_text()
        return {k: int(v) for k, v in re.findall(r"^(\w+)=(\d+)$", text, re.M)}

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.ports()['haproxy']}"

    def node_url(self, node: str) -> str:
        return f"http://127.0.0.1:{self.ports()['node_' + node]}"

    def node_data(self, node: str) -> Path:
        return self.state / f"node-{node}" / "data"

    def node_pid(self, node: str) -> Optional[int]:
        try:
            return int((self.state / f"node-{node}" / "pid").read_text())
        except (OSError, ValueError):
            return None

    def kill_node(self, node: str, sig: int = signal.SIGKILL) -> None:
        """Signals a node and waits until it has gone (its pid file goes with it, as after a crash)."""
        pid = self.node_pid(node)
        assert pid is not None, f"node {node} is not running"
        os.kill(pid, sig)
        (self.state / f"node-{node}" / "pid").unlink()
        while alive(pid):
            time.sleep(0.02)

    def log(self) -> str:
        logs = [f"--- node {n}\n" + (self.state / f"node-{n}" / "stacklens.log").read_text(errors="replace")
                for n in NODES if (self.state / f"node-{n}" / "stacklens.log").exists()]
        return "\n".join(logs) + self.output

    def cli(self, *args: str, check: bool = True) -> "subprocess.CompletedProcess[str]":
        """An admin subcommand on node A's data directory and the cluster's metadata."""
        return subprocess.run(
            [str(self.binary), *args, "--data-dir", str(self.node_data("a")), "--metadata-url", self.metadata_url],
            capture_output=True, text=True, check=check, timeout=60)


def use_cluster_target() -> None:
    """Every StackLensServer becomes a LocalCluster on fresh databases (one pair per data
    directory, so a restart finds what it wrote); `url` and `port` are haproxy's, `log()` holds
    both nodes' logs, `stop()` is cluster.sh down (0 when both nodes stopped cleanly)."""
    clusters: Dict[Path, LocalCluster] = {}

    def cluster_of(self: StackLensServer) -> LocalCluster:
        key = self.data_dir.resolve()
        if key not in clusters:
            clusters[key] = LocalCluster(self.data_dir, postgres_db.fresh_database(str(key)),
                                         fresh_span_store_urls(str(key)), binary=self.binary)
        found = clusters[key]
        found.extra_args = self.extra_args
        return found

    def start(self: StackLensServer, timeout: float = 30.0) -> StackLensServer:
        cluster = cluster_of(self).up()
        self.port = cluster.ports()["haproxy"]
        return self

    def stop(self: StackLensServer, sig: int = signal.SIGTERM, timeout: float = 30.0) -> int:
        cluster = cluster_of(self)
        if sig != signal.SIGTERM:
            for node in NODES:
                if cluster.node_pid(node) is not None:
                    cluster.kill_node(node, sig)
        return cluster.down()

    def log(self: StackLensServer) -> str:
        return cluster_of(self).log()

    def cli(self: StackLensServer, *args: str, check: bool = True) -> "subprocess.CompletedProcess[str]":
        return cluster_of(self).cli(*args, check=check)

    patched: Dict[str, Any] = {"start": start, "stop": stop, "log": log, "cli": cli}
    for name, fn in patched.items():
        setattr(StackLensServer, name, fn)


def select() -> Optional[str]:
    """In the cluster pass (STACKLENS_TEST_TARGET=cluster), makes every StackLensServer a cluster;
    returns why the pass cannot run here (its tests are then skipped with that reason), else None."""
    if not SELECTED:
        return None
    reason = missing()
    if reason is None:
        use_cluster_target()
    return reason
