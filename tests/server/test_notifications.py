"""Notification channels: a signed JSON webhook and Slack's incoming-webhook shape, sent to a real
receiver started here, retried with backoff (across a restart), every attempt recorded and listed;
channels changed and removed while notifications wait for them."""

from __future__ import annotations

import json
import socket
from pathlib import Path
from typing import Any, Dict, Iterator, List, Tuple

import httpx
import pytest

from openapi_contract import CONTRACT
from polling import until
from stacklens_server import StackLensServer
from webhook_receiver import WebhookReceiver

CHANNELS = "/api/v1/notifications/channels"


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Tuple[StackLensServer, httpx.Client, Dict[str, str]]]:
    srv = StackLensServer(tmp_path_factory.mktemp("notifications") / "data").start()
    keys = {"admin": srv.create_key("alerts:read,alerts:manage"), "reader": srv.create_key("alerts:read")}
    with httpx.Client(base_url=srv.url, timeout=30, headers={"X-Api-Key": keys["admin"]},
                      event_hooks={"response": [CONTRACT.check]}) as api:
        yield srv, api, keys
    assert srv.stop() == 0, srv.log()



def deliveries(api: httpx.Client, name: str) -> List[Dict[str, Any]]:
    resp = api.get(f"{CHANNELS}/{name}/deliveries")
    assert resp.status_code == 200, resp.text
    return list(resp.json()["deliveries"])


def test_a_webhook_is_signed_with_the_secret_shown_once(
        setup: Tuple[StackLensServer, httpx.Client, Dict[str, str]]) -> None:
    srv, api, _ = setup
    with WebhookReceiver() as receiver:
        made = api.post(CHANNELS, json={"name": "signed", "url": receiver.url + "/in?x=1"})
        assert made.status_code == 201, made.text
        secret = made.json()["secret"]
        assert secret.startswith("whsec_") and made.json()["urlHint"] == receiver.url + "/…"
        for resp in (api.get(CHANNELS), api.get(CHANNELS + "/signed")):
            assert secret not in resp.text and "secret" not in resp.text
        if (srv.data_dir / "meta.db").exists():  # sealed at rest
            assert secret.encode() not in b"".join(p.read_bytes() for p in srv.data_dir.glob("meta.db*"))
        assert api.post(CHANNELS + "/signed/test").status_code == 202
        (request,) = until(receiver.received)
        receiver.secret = secret
        assert receiver.verified() == [True]
        assert request["path"] == "/in?x=1" and request["headers"]["X-StackLens-Event"] == "test"
        body = json.loads(request["body"])
        assert (body["event"], body["channel"], body["data"]) == ("test", "signed", {"channel": "signed"})
        receiver.secret = "whsec_" + "0" * 48
        assert receiver.verified() == [False]  # another secret does not verify
        (d,) = until(lambda: deliveries(api, "signed"))
        assert (d["event"], d["status"], d["attempt"], d["statusCode"], d["error"]) == ("test", "delivered", 1, 200, None)


def test_slack_gets_its_incoming_webhook_shape(setup: Tuple[StackLensServer, httpx.Client, Dict[str, str]]) -> None:
    _, api, _ = setup
    with WebhookReceiver() as receiver:
        made = api.post(CHANNELS, json={"name": "slack", "kind": "slack", "url": receiver.url + "/services/T/B/X"})
        assert made.status_code == 201 and made.json()["secret"] is None, made.text
        assert api.post(CHANNELS + "/slack/test").status_code == 202
        (request,) = until(receiver.received)
        body = json.loads(request["body"])
        assert list(body) == ["text"] and "test notification" in body["text"] and "'slack'" in body["text"]


def test_a_failing_receiver_is_retried_with_backoff_until_it_answers(
        setup: Tuple[StackLensServer, httpx.Client, Dict[str, str]]) -> None:
    _, api, _ = setup
    with WebhookReceiver(statuses=[500, 500]) as receiver:
        assert api.post(CHANNELS, json={"name": "flaky", "url": receiver.url}).status_code == 201
        assert api.post(CHANNELS + "/flaky/test").status_code == 202
        assert until(lambda: len(receiver.received()) == 3)
        got = receiver.received()
        assert [r["status"] for r in got] == [500, 500, 200]
        assert len({json.loads(r["body"])["id"] for r in got}) == 1  # the same notification each time
        rows = until(lambda: (lambda d: d if len(d) == 3 else None)(deliveries(api, "flaky")))
        assert [(d["attempt"], d["status"], d["statusCode"]) for d in rows] == [
            (3, "delivered", 200), (2, "failed", 500), (1, "failed", 500)]
        assert "answered 500" in rows[-1]["error"]


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.one_target
def test_an_unreachable_receiver_is_recorded_and_given_up_after_five_attempts(
        setup: Tuple[StackLensServer, httpx.Client, Dict[str, str]]) -> None:
    _, api, _ = setup
    assert api.post(CHANNELS, json={"name": "gone", "url": f"http://127.0.0.1:{closed_port()}/x"}).status_code == 201
    assert api.post(CHANNELS + "/gone/test").status_code == 202
    rows = until(lambda: (lambda d: d if d and d[0]["status"] == "gave_up" else None)(deliveries(api, "gone")), 60)
    assert [d["attempt"] for d in rows] == [5, 4, 3, 2, 1]
    assert all(d["statusCode"] is None and d["error"] for d in rows)
    assert [d["status"] for d in rows] == ["gave_up"] + ["failed"] * 4


@pytest.mark.parametrize("body, status, words", [
    ({"name": "x", "url": "ftp://example.com/x"}, 400, "url:"),
    ({"name": "x"}, 400, "url"),
    ({"name": "x", "url": "http://127.0.0.1/x", "kind": "email"}, 400, "unknown kind 'email'"),
    ({"name": "bad name", "url": "http://127.0.0.1/x"}, 400, "notification channel name"),
    ({"name": "x", "url": "http://127.0.0.1/x", "secret": "mine"}, 400, "secret"),
])
def test_bad_channels_are_refused_naming_the_problem(
        setup: Tuple[StackLensServer, httpx.Client, Dict[str, str]], body: Dict[str, Any], status: int,
        words: str) -> None:
    _, api, _ = setup
    resp = api.post(CHANNELS, json=body)
    assert resp.status_code == status and words in resp.json()["error"], resp.text


def test_names_scopes_and_removal(setup: Tuple[StackLensServer, httpx.Client, Dict[str, str]]) -> None:
    _, api, keys = setup
    assert api.post(CHANNELS, json={"name": "dup", "url": "http://127.0.0.1:9/x"}).status_code == 201
    assert api.post(CHANNELS, json={"name": "dup", "url": "http://127.0.0.1:9/x"}).status_code == 409
    reader = {"X-Api-Key": keys["reader"]}
    assert api.get(CHANNELS + "/dup/deliveries", headers=reader).status_code == 200
    refused = api.post(CHANNELS + "/dup/test", headers=reader)
    assert refused.status_code == 403 and "alerts:manage" in refused.json()["error"]
    assert api.post(CHANNELS + "/missing/test").status_code == 404
    assert api.get(CHANNELS + "/dup/deliveries", params={"limit": 0}).status_code == 400
    assert api.delete(CHANNELS + "/dup").status_code == 200
    assert api.get(CHANNELS + "/dup").status_code == 404


def delivered(api: httpx.Client, name: str) -> List[Dict[str, Any]]:
    return [d for d in deliveries(api, name) if d["status"] == "delivered"]


def test_a_retry_waiting_at_a_restart_is_sent_after_it(tmp_path: Path) -> None:
    srv = StackLensServer(tmp_path / "data").start()
    key = srv.create_key("alerts:read,alerts:manage")
    with WebhookReceiver(statuses=[500] * 1000) as receiver:
        with httpx.Client(base_url=srv.url, timeout=30, headers={"X-Api-Key": key}) as api:
            assert api.post(CHANNELS, json={"name": "durable", "url": receiver.url}).status_code == 201
            assert api.post(CHANNELS + "/durable/test").status_code == 202
            assert until(lambda: deliveries(api, "durable"))[-1]["status"] == "failed"
        assert srv.stop() == 0, srv.log()
        with receiver.lock:
            receiver.statuses.clear()  # answers 200 from now on: only the restarted server is left to send
        srv.start()
        try:
            with httpx.Client(base_url=srv.url, timeout=30, headers={"X-Api-Key": key}) as api:
                (sent,) = until(lambda: delivered(api, "durable"))
                assert sent["attempt"] >= 2 and sent["statusCode"] == 200
            got = receiver.received()
            assert [r["status"] for r in got] == [500] * (len(got) - 1) + [200]
            assert len({json.loads(r["body"])["id"] for r in got}) == 1  # the same notification, queued before
        finally:
            assert srv.stop() == 0, srv.log()
    assert "not recorded" not in srv.log()


def test_deleting_a_channel_with_a_retry_waiting_ends_it(
        setup: Tuple[StackLensServer, httpx.Client, Dict[str, str]]) -> None:
    srv, api, _ = setup
    with WebhookReceiver(statuses=[500] * 1000) as receiver:
        assert api.post(CHANNELS, json={"name": "doomed", "url": receiver.url}).status_code == 201
        assert api.post(CHANNELS + "/doomed/test").status_code == 202
        assert until(lambda: deliveries(api, "doomed"))[-1]["status"] == "failed"
        assert api.delete(CHANNELS + "/doomed").status_code == 200
        with receiver.lock:
            receiver.statuses.clear()
        # The same name again: a new channel, with none of the old one's notifications or attempts.
        assert api.post(CHANNELS, json={"name": "doomed", "url": receiver.url}).status_code == 201
        assert api.post(CHANNELS + "/doomed/test").status_code == 202
        (d,) = until(lambda: delivered(api, "doomed"))
        assert [x["attempt"] for x in deliveries(api, "doomed")] == [1]
    assert "not recorded" not in srv.log() and "FOREIGN KEY" not in srv.log()


def test_a_channel_is_renamed_moved_and_its_secret_rotated(
        setup: Tuple[StackLensServer, httpx.Client, Dict[str, str]]) -> None:
    _, api, keys = setup
    with WebhookReceiver() as old, WebhookReceiver() as new:
        made = api.post(CHANNELS, json={"name": "mover", "url": old.url + "/a"})
        assert made.status_code == 201, made.text
        secret = made.json()["secret"]
        # A new name and URL keep the secret: it still signs.
        moved = api.patch(CHANNELS + "/mover", json={"name": "moved", "url": new.url + "/b"})
        assert moved.status_code == 200, moved.text
        assert (moved.json()["name"], moved.json()["urlHint"], moved.json()["secret"]) == ("moved", new.url + "/…", None)
        assert moved.json()["id"] == made.json()["id"]
        assert api.get(CHANNELS + "/mover").status_code == 404
        assert api.get(CHANNELS + "/moved").json()["name"] == "moved"
        assert api.post(CHANNELS + "/moved/test").status_code == 202
        (request,) = until(new.received)
        new.secret = secret
        assert request["path"] == "/b" and new.verified() == [True] and old.received() == []
        # A rotated secret is answered once and signs from then on; the old one no longer does.
        rotated = api.patch(CHANNELS + "/moved", json={"rotateSecret": True})
        assert rotated.status_code == 200, rotated.text
        fresh = rotated.json()["secret"]
        assert fresh.startswith("whsec_") and fresh != secret
        assert fresh not in api.get(CHANNELS + "/moved").text
        assert api.post(CHANNELS + "/moved/test").status_code == 202
        until(lambda: len(new.received()) == 2)
        assert new.verified() == [True, False]
        new.secret = fresh
        assert new.verified() == [False, True]
    reader = {"X-Api-Key": keys["reader"]}
    refused = api.patch(CHANNELS + "/moved", json={"url": "http://127.0.0.1:9/x"}, headers=reader)
    assert refused.status_code == 403 and "alerts:manage" in refused.json()["error"]


@pytest.mark.parametrize("body, status, words", [
    ({}, 400, "give name, url or rotateSecret"),
    ({"kind": "slack"}, 400, "kind cannot change"),
    ({"secret": "mine"}, 400, "unknown field 'secret'"),
    ({"url": "ftp://example.com/x"}, 400, "url:"),
    ({"url": 3}, 400, "url"),
    ({"name": "bad name"}, 400, "notification channel name"),
    ({"rotateSecret": "yes"}, 400, "rotateSecret"),
    ({"name": "patch-other"}, 409, "already exists"),
])
def test_bad_channel_changes_are_refused_naming_the_problem(
        setup: Tuple[StackLensServer, httpx.Client, Dict[str, str]], body: Dict[str, Any], status: int,
        words: str) -> None:
    _, api, _ = setup
    for name in ("patch-me", "patch-other"):
        if api.get(f"{CHANNELS}/{name}").status_code == 404:
            assert api.post(CHANNELS, json={"name": name, "url": "http://127.0.0.1:9/x"}).status_code == 201
    resp = api.patch(CHANNELS + "/patch-me", json=body)
    assert resp.status_code == status and words in resp.json()["error"], resp.text
    assert api.get(CHANNELS + "/patch-me").status_code == 200  # unchanged


def test_changing_a_missing_channel_or_a_slack_secret_is_refused(
        setup: Tuple[StackLensServer, httpx.Client, Dict[str, str]]) -> None:
    _, api, _ = setup
    assert api.patch(CHANNELS + "/nowhere", json={"url": "http://127.0.0.1:9/x"}).status_code == 404
    assert api.post(CHANNELS, json={"name": "slack2", "kind": "slack", "url": "http://127.0.0.1:9/s"}).status_code == 201
    resp = api.patch(CHANNELS + "/slack2", json={"rotateSecret": True})
    assert resp.status_code == 400 and "slack channel has no signing secret" in resp.json()["error"], resp.text
    renamed = api.patch(CHANNELS + "/slack2", json={"name": "slack3"})
    assert renamed.status_code == 200 and renamed.json()["secret"] is None, renamed.text
