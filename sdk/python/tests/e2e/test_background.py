"""The non-blocking mode against the real server: batches arrive whole, loss is reported."""

from __future__ import annotations

from pathlib import Path

from stacklens_server import StackLensServer

import stacklens

from .conftest import Api, unique


def test_background_delivers_everything(key: str, api: Api) -> None:
    tag = unique("bg")
    stacklens.configure(api_key=key, background=True, batch_size=250)
    ids = [
        stacklens.trace(
            "bg-span", model="m", provider="p", input_tokens=i, output_tokens=1, tags=[tag]
        )
        for i in range(2000)
    ]
    with stacklens.start_trace("bg-tree") as root:
        root.add_tag(tag)
        stacklens.trace("bg-leaf", model="m", provider="p", input_tokens=1, output_tokens=1)
    assert stacklens.flush(timeout=60) is True
    stats = stacklens.stats()
    assert (stats.sent, stats.failed, stats.dropped, stats.queued) == (2002, 0, 0, 0)
    found = {t["traceId"] for t in api.traces(tag=tag)}
    assert found == {*ids, root.trace_id}
    detail = api.trace(root.trace_id, spans=2)
    assert detail["tree"][0]["children"][0]["name"] == "bg-leaf"
    assert api.trace(ids[1234])["inputTokens"] == 1234


def test_background_with_server_down(tmp_path: Path) -> None:
    down = StackLensServer(tmp_path / "down").start()
    down_key = down.create_key()
    url = down.url
    down.stop()
    stacklens.configure(
        api_key=down_key, endpoint=url, background=True, max_queue_size=100, max_retries=1
    )
    for _ in range(1000):  # never raises
        stacklens.trace("lost", model="m", provider="p", input_tokens=1, output_tokens=1)
    stats = stacklens.stats()
    assert stats.queued <= 100
    assert stats.dropped >= 800
    assert stacklens.flush(timeout=30) is False
    after = stacklens.stats()
    assert after.sent == 0
    assert after.failed + after.dropped == 1000
