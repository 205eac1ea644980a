"""`stacklens migrate`: a single node's data directory (meta.db, spans.db, spans.text) copied into
a cluster's PostgreSQL and ClickHouse, stopped part-way and resumed, proven by its counts and
checksums; then the cluster's nodes serve what the single node served (keys, sign-in, prompts,
traces with their sealed text, scores), go on from it (new keys, new audit entries on the copied
chain), and a copy changed afterwards is reported as different.

Runs in scripts/test.sh's cluster pass (STACKLENS_TEST_TARGET=cluster), on that pass's
PostgreSQL and ClickHouse replicas, in databases of its own."""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path
from typing import Any, Dict, Iterator, List

import httpx
import pytest

import postgres_db
from stacklens_cluster import LocalCluster, fresh_span_store_urls
from stacklens_server import BINARY, SingleNode

pytestmark = pytest.mark.cluster_target

TRACES = "/api/v1/stacktrace/v1/traces"
SCORES = "/api/v1/stacktrace/v1/scores"
PROMPTS = "/api/v1/flowops/v1/prompts"
DATASETS = "/api/v1/evaluations/v1/datasets"
SCOPES = "traces:write,traces:read,prompts:read,prompts:write,scores:write,evaluations:read,evaluations:write"
EMAIL, PASSWORD = "mover@example.com", "moving-day-2026"
BIG_TEXT = "x" * 70_000  # a request of 64 KiB of text or more keeps it in spans.text


def spans_of(trace: str, start_ns: int) -> List[Dict[str, Any]]:
    return [
        {"traceId": trace, "spanId": "root", "name": "agent", "kind": "agent", "startTime": str(start_ns),
         "endTime": str(start_ns + 9_000_000), "attributes": {"session_id": f"s-{trace[-1]}", "user_id": "u1"},
         "tags": ["prod", "beta"]},
        {"traceId": trace, "spanId": "llm", "parentSpanId": "root", "name": "chat", "kind": "llm",
         "startTime": str(start_ns + 1000), "endTime": str(start_ns + 5_000_000), "status": "error",
         "attributes": {"attempt": "2"},
         "events": [{"name": "retry", "time": str(start_ns + 2000), "attributes": {"why": "429"}}],
         "llmSpan": {"model": "gpt-4o-mini", "provider": "openai", "inputTokens": 120, "outputTokens": 30,
                     "totalTokens": 150, "temperature": 0.2, "maxTokens": 256, "finishReason": "stop",
                     "promptContent": f"question {trace}: write to ann@example.com",
                     "completionContent": f"answer {trace}"}},
        {"traceId": trace, "spanId": "tool", "parentSpanId": "root", "name": "search", "kind": "tool",
         "startTime": str(start_ns + 6_000_000), "endTime": str(start_ns + 8_000_000)},
    ]


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Dict[str, Any]]:
    """A single node with two projects, a user, keys, a prompt, spans (text in rows and in
    spans.text), scores (one edited) and audit entries; stopped, with what it served."""
    node = SingleNode(tmp_path_factory.mktemp("migrate") / "single")
    node.start()
    node.cli("projects", "create", "second")
    node.cli("users", "create", "--email", EMAIL, "--password", PASSWORD, "--role", "admin")
    key = node.create_key(SCOPES)
    key2 = node.create_key(SCOPES, project="second")
    api = httpx.Client(base_url=node.url, headers={"Authorization": f"Bearer {key}"}, timeout=30)
    api2 = httpx.Client(base_url=node.url, headers={"Authorization": f"Bearer {key2}"}, timeout=30)
    now = time.time_ns() - 3600 * 10**9
    batch = [s for t in range(40) for s in spans_of(f"trace-{t:03d}", now + t * 10**9)]
    assert api.post(TRACES + "/batch", json={"spans": batch}).status_code == 200
    big = {"traceId": "trace-big", "spanId": "root", "name": "long", "startTime": str(now),
           "endTime": str(now + 1000), "llmSpan": {"model": "gpt-4o", "provider": "openai",
                                                   "promptContent": BIG_TEXT, "completionContent": "short"}}
    assert api.post(TRACES + "/batch", json={"spans": [big]}).status_code == 200
    other = [s for t in range(7) for s in spans_of(f"other-{t}", now + t * 10**9)]
    assert api2.post(TRACES + "/batch", json={"spans": other}).status_code == 200
    for i, value in enumerate([0.25, 0.5, 0.75]):
        resp = api.post(SCORES, json={"id": f"score-{i}", "traceId": f"trace-00{i}", "name": "accuracy",
                                      "value": value, "comment": "first"})
        assert resp.status_code == 201, resp.text
    assert api.patch(SCORES + "/score-1", json={"value": 0.9, "comment": "edited"}).status_code == 200
    assert api.post(PROMPTS, json={"name": "greeter", "content": "Hello v1"}).status_code == 201
    assert api.post(PROMPTS + "/greeter/versions", json={"content": "Hello v2"}).status_code == 201
    assert api.post(PROMPTS + "/greeter/promote", json={"version": 2, "env": "production"}).status_code == 200
    # A dataset with two versions: the copy serves both.
    assert api.post(DATASETS, json={"name": "qa"}).status_code == 201
    item = {"id": "q1", "input": {"q": 1}, "expectedOutput": "a"}
    assert api.post(DATASETS + "/qa/items", json=item).status_code == 201
    assert api.put(DATASETS + "/qa/items/q1", json={"input": {"q": 2}}).status_code == 200
    datasets = {v: api.get(DATASETS + f"/qa/items?version={v}").json() for v in (1, 2)}
    details = {t: api.get(f"{TRACES}/{t}").json() for t in ("trace-000", "trace-001", "trace-039", "trace-big")}
    details["other-3"] = api2.get(f"{TRACES}/other-3").json()
    assert node.stop() == 0
    yield {"dir": node.data_dir, "key": key, "key2": key2, "details": details, "datasets": datasets,
           "spans": {1: len(batch) + 1, 2: len(other)}}


def migrate(*args: str, timeout: float = 300) -> "subprocess.CompletedProcess[str]":
    return subprocess.run([str(BINARY), "migrate", *args], capture_output=True, text=True, timeout=timeout)


def report(stdout: str) -> Dict[str, List[str]]:
    """The comparison's lines by what they count: [source, copy, verdict]."""
    out = {}
    for line in stdout.splitlines():
        parts = line.split()
        if len(parts) >= 4 and (parts[0] == "table" or parts[1] == "of"):
            what = " ".join(parts[:2] if parts[0] == "table" else parts[:4])
            rest = parts[2:] if parts[0] == "table" else parts[4:]
            out[what] = rest
    return out


def test_a_single_node_moves_into_a_cluster(source: Dict[str, Any], tmp_path: Path) -> None:
    metadata_url = postgres_db.fresh_database("migrate")
    span_urls = fresh_span_store_urls("migrate")
    args = ["--from", str(source["dir"]), "--metadata-url", metadata_url, "--span-store-url", span_urls[0],
            "--page-spans", "10"]

    # Stopped part-way (killed once it has copied some spans), then run again: it resumes.
    run = subprocess.Popen([str(BINARY), "migrate", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           text=True)
    assert run.stderr is not None
    seen = []
    for line in run.stderr:
        seen.append(line)
        if line.startswith("spans ") and "%" in line:
            run.kill()
            break
    run.wait(timeout=60)
    state = (source["dir"] / "migrate.state").read_text()
    assert "spans_after=" in state and "spans=done" not in state, "".join(seen) + state
    done = migrate(*args)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "spans: resuming after" in done.stderr, done.stderr
    lines = report(done.stdout)
    assert lines, done.stdout
    assert all(rest[-2] == "match" for rest in lines.values()), done.stdout
    assert lines["spans of project 1"][:2] == [str(source["spans"][1])] * 2, done.stdout
    assert lines["spans of project 2"][:2] == [str(source["spans"][2])] * 2, done.stdout
    assert lines["scores of project 1"][:2] == ["3", "3"], done.stdout
    for table in ("projects", "users", "api_keys", "prompt_versions", "prompt_promotions", "audit_log", "datasets",
                  "dataset_items"):
        assert int(lines[f"table {table}"][0].replace(",", "")) > 0, (table, done.stdout)
    assert "Every table, span and score" in done.stdout

    # The cluster's nodes start on the copy with the single node's keys.
    state_dir = tmp_path / "cluster"
    (state_dir / "node-a" / "data").mkdir(parents=True)
    for name in ("encryption.keys", "audit-signing.key"):
        shutil.copy2(source["dir"] / name, state_dir / "node-a" / "data" / name)
    cluster = LocalCluster(state_dir, metadata_url, span_urls).up()
    try:
        api = httpx.Client(base_url=cluster.url, headers={"Authorization": f"Bearer {source['key']}"}, timeout=30)
        api2 = httpx.Client(base_url=cluster.url, headers={"Authorization": f"Bearer {source['key2']}"}, timeout=30)
        for trace, before in source["details"].items():
            after = (api2 if trace.startswith("other") else api).get(f"{TRACES}/{trace}")
            assert after.status_code == 200, after.text
            assert after.json() == before, trace
        big = [s for s in source["details"]["trace-big"]["spans"]][0]
        assert big["llmSpan"]["promptContent"] == BIG_TEXT
        listed = api.get(TRACES, params={"limit": 500}).json()["traces"]
        assert len(listed) == 41
        edited = api.get(SCORES + "/score-1").json()
        assert (edited["value"], edited["comment"]) == (0.9, "edited")
        assert edited["updatedAt"] != edited["createdAt"]
        served = api.get(PROMPTS + "/by-name/greeter").json()
        assert served["content"] == "Hello v2", served
        for version, before in source["datasets"].items():
            assert api.get(DATASETS + f"/qa/items?version={version}").json() == before
        signed_in = httpx.post(cluster.url + "/api/v1/auth/login", json={"email": EMAIL, "password": PASSWORD})
        assert signed_in.status_code == 200, signed_in.text
        # It goes on from the copy: a new key gets a fresh id, new findings extend the copied chain.
        made = cluster.cli("keys", "create", "--scopes", "traces:write", "--name", "after the move")
        assert made.stdout.strip().splitlines()[-1].startswith("sl-")
        more = spans_of("after-move", time.time_ns())
        assert api.post(TRACES + "/batch", json={"spans": more}).status_code == 200
        verified = cluster.cli("audit", "verify", check=False)
        assert verified.returncode == 0, verified.stdout + verified.stderr
    finally:
        cluster.down()

    # A copy that no longer matches is reported, table by table.
    postgres_db.psql(metadata_url, "UPDATE prompts SET description = 'changed after the move'")
    checked = migrate(*args, "--verify-only")
    assert checked.returncode == 1, checked.stdout + checked.stderr
    lines = report(checked.stdout)
    assert lines["table prompts"][-1] == "DIFFERENT", checked.stdout
    assert lines["table users"][-2] == "match", checked.stdout


def test_migrate_refuses_what_it_cannot_do(source: Dict[str, Any], tmp_path: Path) -> None:
    span_url = fresh_span_store_urls("refused")[0]
    out = migrate("--from", str(source["dir"]), "--span-store-url", span_url)
    assert out.returncode == 2 and "give both --metadata-url and --span-store-url" in out.stderr, out.stderr
    empty = tmp_path / "empty"
    empty.mkdir()
    out = migrate("--from", str(empty), "--metadata-url", postgres_db.fresh_database("refused"),
                  "--span-store-url", span_url)
    assert out.returncode == 2 and "is not a StackLens data directory: it has no meta.db" in out.stderr, out.stderr

    # A target that already holds projects (here: one made by an admin command).
    taken = postgres_db.fresh_database("taken")
    subprocess.run([str(BINARY), "projects", "create", "elsewhere", "--metadata-url", taken, "--data-dir",
                    str(tmp_path / "keys")], check=True, capture_output=True, timeout=60)
    running = SingleNode(tmp_path / "running").start()
    try:
        out = migrate("--from", str(running.data_dir), "--metadata-url", taken, "--span-store-url", span_url)
        assert out.returncode == 2 and "another StackLens process is using the data directory" in out.stderr, \
            out.stderr
    finally:
        running.stop()
    out = migrate("--from", str(running.data_dir), "--metadata-url", taken, "--span-store-url", span_url)
    assert out.returncode == 2 and "the target already holds projects" in out.stderr, out.stderr
