"""The local cluster (scripts/cluster.sh's topology: two nodes behind haproxy, PostgreSQL, two
ClickHouse replicas) under faults: a node killed during SDK ingest, a replica killed during
batched ingest, ClickHouse stopped, PostgreSQL restarted. Each time every acknowledged span is
stored exactly once afterwards, every refused request got a 503 with Retry-After and an error,
/ready said why, and the cluster recovered by itself once the part was back. Also: the same spans
sent to both nodes count once, and what one node changes holds on the other within 2 s (the
metadata tests of test_cluster_metadata.py, collected here on the cluster's two nodes).

Runs in scripts/test.sh's cluster pass (STACKLENS_TEST_TARGET=cluster), on the PostgreSQL and
ClickHouse replicas that pass starts; the cluster's own databases are fresh."""

from __future__ import annotations

import os
import re
import subprocess
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Optional, Tuple

import httpx
import pytest

import postgres_db
import stacklens
import stacklens_cluster
from stacklens_cluster import LocalCluster, fresh_span_store_urls
# Collected here too, so they run on this cluster's two nodes (the `two_nodes` fixture below).
from test_cluster_metadata import (  # noqa: F401
    test_a_promotion_through_one_node_is_served_by_the_other,
    test_a_rule_made_through_one_node_judges_spans_the_other_takes,
    test_a_role_change_through_one_node_applies_on_the_other,
    test_revoking_a_key_through_one_node_refuses_it_on_the_other,
    test_signing_out_through_one_node_ends_the_session_on_the_other,
)

pytestmark = pytest.mark.cluster_target

TRACES = "/api/v1/stacktrace/v1/traces"
SPANS_PER_BATCH = 20
# ClickHouse stays stopped this long with ingest running: the figure.
OUTAGE_SECONDS = 30
RECOVERY_S = 60  # how long recovery may take before the test fails (polled, not waited)


class Node:
    """One node as test_cluster_metadata's tests see it: its URL."""

    def __init__(self, url: str) -> None:
        self.url = url


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalCluster]:
    state = tmp_path_factory.mktemp("faults") / "cluster"
    started = time.monotonic()
    c = LocalCluster(state, postgres_db.fresh_database("faults"), fresh_span_store_urls("faults")).up()
    print(f"cluster (two nodes, haproxy) up in {time.monotonic() - started:.2f} s")
    yield c
    assert c.down() == 0, c.log()


@pytest.fixture(scope="module")
def key(cluster: LocalCluster) -> str:
    out = cluster.cli("keys", "create", "--project", "default", "--scopes", "traces:write,traces:read").stdout
    return out.strip().splitlines()[-1]


@pytest.fixture(scope="module")
def two_nodes(cluster: LocalCluster) -> Tuple[Node, Node, Dict[str, str]]:
    login = re.search(r"Admin login: \S+ / (\S+)", cluster.log())
    boot_key = re.search(r"API key:\s+(sl-[0-9a-f]+)", cluster.log())
    assert login and boot_key, cluster.log()
    return Node(cluster.node_url("a")), Node(cluster.node_url("b")), {"password": login.group(1),
                                                                       "key": boot_key.group(1)}


def eventually(what: str, check: Callable[[], Optional[str]], timeout: float = RECOVERY_S) -> None:
    """Polls `check` (None: holds; else why not) until it holds; fails after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        problem = check()
        if problem is None:
            return
        assert time.monotonic() < deadline, f"{what}: {problem}"
        time.sleep(0.1)


def ready_problem(url: str) -> Optional[str]:
    try:
        resp = httpx.get(url + "/ready", timeout=5)
    except httpx.TransportError as e:
        return f"{url}/ready: {e!r}"
    return None if resp.status_code == 200 else f"{url}/ready: {resp.status_code} {resp.text}"


def all_ready(cluster: LocalCluster) -> None:
    for url in (cluster.node_url("a"), cluster.node_url("b"), cluster.url):
        eventually(f"{url} ready again", lambda u=url: ready_problem(u))  # type: ignore[misc]


def wait_until_not_ready(cluster: LocalCluster, naming: str) -> str:
    """Polls both nodes' /ready until one answers 503 naming the part that is down; that answer."""
    seen: List[str] = []

    def check() -> Optional[str]:
        for node in ("a", "b"):
            resp = httpx.get(cluster.node_url(node) + "/ready", timeout=10)
            if resp.status_code == 503 and naming.lower() in resp.json()["error"].lower():
                seen.append(resp.json()["error"])
                return None
        return f"/ready of both nodes: {resp.status_code} {resp.text}"

    eventually(f"/ready names {naming}", check)
    print(f"/ready while {naming} is down: {seen[0]}")
    return seen[0]


def span_time() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def batch(prefix: str, trace_id: str) -> Dict[str, Any]:
    at = span_time()
    return {"spans": [{"traceId": trace_id, "spanId": f"span-{i}", "parentSpanId": None if i == 0 else "span-0",
                       "name": prefix, "startTime": at, "endTime": at, "tags": [prefix],
                       "llmSpan": {"model": "gpt-4o", "provider": "openai", "inputTokens": i, "outputTokens": 1,
                                   "promptContent": f"prompt {trace_id} {i}"}}
                      for i in range(SPANS_PER_BATCH)]}


class BatchIngest:
    """Threads posting batches of SPANS_PER_BATCH spans through haproxy, each batch a trace of its
    own; records the acknowledged traces and every other answer. Bounded: at most `limit` batches
    per thread, and it stops when told."""

    def __init__(self, url: str, key: str, prefix: str, threads: int = 3, limit: int = 3000) -> None:
        self.url, self.key, self.prefix, self.limit = url, key, prefix, limit
        self.acked: List[str] = []
        self.refused: List[Tuple[int, str, Optional[str]]] = []  # status, body, Retry-After
        self.stop_event = threading.Event()
        self.threads = [threading.Thread(target=self.run, args=(w,)) for w in range(threads)]

    def __enter__(self) -> "BatchIngest":
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        self.stop_event.set()
        for t in self.threads:
            t.join()

    def run(self, worker: int) -> None:
        with httpx.Client(base_url=self.url, headers={"X-Api-Key": self.key}, timeout=60) as client:
            for n in range(self.limit):
                if self.stop_event.is_set():
                    return
                trace_id = f"{self.prefix}-{worker}-{n}"
                resp = client.post(TRACES + "/batch", json=batch(self.prefix, trace_id))
                if resp.status_code == 200 and resp.json()["accepted"] == SPANS_PER_BATCH:
                    self.acked.append(trace_id)
                else:
                    self.refused.append((resp.status_code, resp.text, resp.headers.get("Retry-After")))
                    time.sleep(0.05)  # a client backing off, briefly: the test cannot wait Retry-After

    def wait_for_acks(self, count: int) -> None:
        eventually(f"{count} batches acknowledged", lambda: None if len(self.acked) >= count
                   else f"{len(self.acked)} so far; refusals: {self.refused[-3:]}")

    def wait_for_refusal(self) -> None:
        eventually("a refused batch", lambda: None if self.refused else "every batch still acknowledged")


def assert_refusals_are_clear(refused: List[Tuple[int, str, Optional[str]]]) -> None:
    for status, body, retry_after in refused:
        assert status == 503, (status, body)
        assert retry_after and int(retry_after) >= 1, (status, body, retry_after)
        assert httpx.Response(status, text=body).json()["error"], body


def traces_tagged(client: httpx.Client, tag: str) -> List[Dict[str, Any]]:
    found: List[Dict[str, Any]] = []
    params = {"tag": tag, "limit": "500"}
    while True:
        resp = client.get(TRACES, params=params)
        assert resp.status_code == 200, resp.text
        found.extend(resp.json()["traces"])
        cursor = resp.json().get("nextCursor")
        if not cursor:
            return found
        params["cursor"] = cursor


def requests_named(client: httpx.Client, name: str) -> int:
    """Spans named `name` in the last day, from the metrics (the rollups), grouped by name."""
    now = datetime.now(timezone.utc)
    resp = client.get("/api/v1/stacktrace/v1/metrics", params={
        "from": (now - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "to": (now + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ"), "interval": 3600, "group_by": "name"})
    assert resp.status_code == 200, resp.text
    return sum(p["requests"] for s in resp.json()["series"] if s["group"] == name for p in s["points"])


def stored_exactly_once(url: str, key: str, tag: str, acked: List[str], spans_per_trace: int) -> Optional[str]:
    """None when every acknowledged trace is listed once with all its spans, no stored trace has
    a span twice, and the metrics count each stored span once; else what is wrong."""
    with httpx.Client(base_url=url, headers={"X-Api-Key": key}, timeout=30) as client:
        listed = traces_tagged(client, tag)
        ids = [t["traceId"] for t in listed]
        if len(ids) != len(set(ids)):
            return f"{len(ids) - len(set(ids))} traces listed twice"
        lost = set(acked) - set(ids)
        if lost:
            return f"{len(lost)} acknowledged traces missing, e.g. {sorted(lost)[:3]}"
        wrong = [t for t in listed if t["spanCount"] != spans_per_trace]
        if wrong:
            return f"{len(wrong)} traces with a wrong span count, e.g. {wrong[0]['traceId']}: {wrong[0]['spanCount']}"
        counted = requests_named(client, tag)
        if counted != len(ids) * spans_per_trace:
            return f"metrics count {counted} spans, {len(ids) * spans_per_trace} are stored"
        for trace_id in acked[:: max(1, len(acked) // 50)]:  # a sample's detail: its spans, once each
            resp = client.get(f"{TRACES}/{trace_id}")
            if resp.status_code != 200:
                return f"trace {trace_id}: {resp.status_code} {resp.text}"
            span_ids = [s["spanId"] for s in resp.json()["spans"]]
            if len(span_ids) != spans_per_trace or len(set(span_ids)) != len(span_ids):
                return f"trace {trace_id} holds spans {sorted(span_ids)}"
    print(f"{tag}: {len(acked)} acknowledged, {len(ids)} stored traces, each span once")
    return None


def assert_stored_exactly_once(url: str, key: str, tag: str, acked: List[str], spans_per_trace: int) -> None:
    # Polled: a replica that was down catches up on its own.
    eventually(f"{tag} stored exactly once",
               lambda: stored_exactly_once(url, key, tag, acked, spans_per_trace))


def test_the_same_spans_sent_to_both_nodes_count_once(cluster: LocalCluster, key: str) -> None:
    tag = "both-nodes"
    headers = {"X-Api-Key": key}
    sent = [f"{tag}-{n}" for n in range(20)]
    for n, trace_id in enumerate(sent):
        body = batch(tag, trace_id)
        # One after the other, then both at once (a client's retry racing the original).
        if n % 2 == 0:
            for node in ("a", "b"):
                assert httpx.post(cluster.node_url(node) + TRACES + "/batch", json=body, headers=headers,
                                  timeout=30).status_code == 200
        else:
            answers: List[int] = []
            posts = [threading.Thread(target=lambda u=cluster.node_url(node): answers.append(  # type: ignore[misc]
                httpx.post(u + TRACES + "/batch", json=body, headers=headers, timeout=30).status_code))
                for node in ("a", "b")]
            for t in posts:
                t.start()
            for t in posts:
                t.join()
            assert answers == [200, 200]
    assert_stored_exactly_once(cluster.url, key, tag, sent, SPANS_PER_BATCH)
    for node in ("a", "b"):  # and so from each node
        assert stored_exactly_once(cluster.node_url(node), key, tag, sent, SPANS_PER_BATCH) is None



def test_kill_minus_9_of_a_node_during_sdk_ingest_loses_nothing(cluster: LocalCluster, key: str) -> None:
    tag = "kill-node"
    total = 3000
    stacklens.configure(api_key=key, endpoint=cluster.url, background=True, batch_size=50, max_retries=8)
    try:
        killed = threading.Event()

        def kill_when_busy() -> None:
            eventually("SDK ingest under way", lambda: None if stacklens.stats().sent >= total // 5
                       else f"{stacklens.stats()}")
            cluster.kill_node("a")
            killed.set()

        killer = threading.Thread(target=kill_when_busy)
        killer.start()
        ids = [stacklens.trace(tag, model="gpt-4o", provider="openai", input_tokens=i, output_tokens=1, tags=[tag])
               for i in range(total)]
        killer.join()
        assert killed.is_set()
        assert stacklens.flush(timeout=120) is True
        stats = stacklens.stats()
        print(f"SDK after the kill: {stats}")
        assert (stats.sent, stats.failed, stats.dropped) == (total, 0, 0), stats
    finally:
        stacklens.shutdown(timeout=10)
    assert_stored_exactly_once(cluster.url, key, tag, ids, 1)
    cluster.up()  # the killed node comes back on the same databases and serves the same data
    all_ready(cluster)
    assert stored_exactly_once(cluster.node_url("a"), key, tag, ids, 1) is None


def pg_ctl(*args: str) -> None:
    assert stacklens_cluster.POSTGRES_DIR
    command = ["/usr/lib/postgresql/15/bin/pg_ctl", "-D", str(Path(stacklens_cluster.POSTGRES_DIR) / "data"),
               "-w", "-s", *args]
    subprocess.run(["runuser", "-u", "postgres", "--", *command] if os.getuid() == 0 else command,
                   check=True, timeout=120)


def test_postgresql_restarted(cluster: LocalCluster, key: str) -> None:
    assert stacklens_cluster.POSTGRES_DIR
    tag = "postgres-restart"
    with BatchIngest(cluster.url, key, tag) as ingest:
        ingest.wait_for_acks(10)
        pg_ctl("-m", "fast", "stop")
        try:
            wait_until_not_ready(cluster, "PostgreSQL")
            ingest.wait_for_refusal()  # API keys are read from PostgreSQL on every request
        finally:
            subprocess.run(["bash", str(stacklens_cluster.POSTGRES_SH), "restart", stacklens_cluster.POSTGRES_DIR],
                           check=True, timeout=120, capture_output=True)
        all_ready(cluster)
        ingest.wait_for_acks(len(ingest.acked) + 10)
    print(f"{tag}: {len(ingest.acked)} batches acknowledged, {len(ingest.refused)} refused")
    assert_refusals_are_clear(ingest.refused)
    assert_stored_exactly_once(cluster.url, key, tag, ingest.acked, SPANS_PER_BATCH)


def test_clickhouse_stopped_then_back(cluster: LocalCluster, key: str) -> None:
    assert stacklens_cluster.CLICKHOUSE_DIR
    replicas = [Path(stacklens_cluster.CLICKHOUSE_DIR) / f"replica{r}" for r in (1, 2)]
    tag = "clickhouse-down"
    with BatchIngest(cluster.url, key, tag) as ingest:
        ingest.wait_for_acks(10)
        for r in replicas:
            subprocess.run(["bash", str(stacklens_cluster.CLICKHOUSE_SH), "stop-server", str(r)], check=True)
        stopped = time.monotonic()
        try:
            wait_until_not_ready(cluster, "ClickHouse")
            time.sleep(max(0.0, OUTAGE_SECONDS - (time.monotonic() - stopped)))  # the outage lasts this long
        finally:
            for r in replicas:
                subprocess.run(["bash", str(stacklens_cluster.CLICKHOUSE_SH), "start-server", str(r)], check=True)
        during = len(ingest.refused)
        all_ready(cluster)
        ingest.wait_for_acks(len(ingest.acked) + 10)
    print(f"{tag}: {len(ingest.acked)} batches acknowledged, {during} refused during {OUTAGE_SECONDS} s")
    assert_refusals_are_clear(ingest.refused)
    assert_stored_exactly_once(cluster.url, key, tag, ingest.acked, SPANS_PER_BATCH)


def test_kill_minus_9_of_a_clickhouse_replica_during_batched_ingest(cluster: LocalCluster, key: str) -> None:
    assert stacklens_cluster.CLICKHOUSE_DIR
    replica = Path(stacklens_cluster.CLICKHOUSE_DIR) / "replica2"
    tag = "kill-replica"
    with BatchIngest(cluster.url, key, tag) as ingest:
        ingest.wait_for_acks(10)
        subprocess.run(["bash", str(stacklens_cluster.CLICKHOUSE_SH), "kill", str(replica)], check=True)
        try:
            wait_until_not_ready(cluster, "ClickHouse")
            # As after a machine's crash, it comes back once ZooKeeper has noticed it was gone (its
            # session expired: 4 s here). Restarted before that, ClickHouse 18.16 finds its old
            # session still active and retries replication only a minute later.
            database = cluster.span_store_urls[0].split("/")[3].split("?")[0]
            eventually("replica 2 seen as gone", lambda: None if stacklens_cluster.clickhouse(
                1, f"SELECT max(active_replicas) FROM system.replicas WHERE database = '{database}'") == "1"
                else "replica 1 still sees it active")
        finally:
            subprocess.run(["bash", str(stacklens_cluster.CLICKHOUSE_SH), "start-server", str(replica)], check=True)
        all_ready(cluster)
        after = len(ingest.acked)
        ingest.wait_for_acks(after + 10)  # ingest resumed by itself
    print(f"{tag}: {len(ingest.acked)} batches acknowledged, {len(ingest.refused)} refused")
    assert_refusals_are_clear(ingest.refused)
    assert_stored_exactly_once(cluster.url, key, tag, ingest.acked, SPANS_PER_BATCH)
