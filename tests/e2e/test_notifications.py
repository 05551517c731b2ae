"""Failed pipeline runs notify a webhook once enabled; nothing is sent by default."""

from __future__ import annotations

import asyncio
import json
import queue
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from deployments.notifications import (
    ALERT_BLOCK,
    FAILED_RUN_AUTOMATION,
    disable_notifications,
    enable_notifications,
)
from local.stack import LocalStack
from tests.e2e.conftest import on_api, start_run, wait_for_final

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("on_stack")]


@pytest.fixture
def webhook() -> Iterator[tuple[str, queue.Queue[dict[str, Any]]]]:
    """A loopback HTTP endpoint that records the JSON bodies POSTed to it."""
    received: queue.Queue[dict[str, Any]] = queue.Queue()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", 0))
            received.put(json.loads(self.rfile.read(length)))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/alerts", received
    finally:
        server.shutdown()
        server.server_close()


def test_notifications_are_off_by_default(on_stack: LocalStack) -> None:
    names = {a.name for a in on_api(lambda c: c.read_automations())}
    assert FAILED_RUN_AUTOMATION not in names


def test_a_failed_run_notifies_the_webhook(
    on_stack: LocalStack, webhook: tuple[str, queue.Queue[dict[str, Any]]]
) -> None:
    url, received = webhook
    asyncio.run(enable_notifications(url))
    try:
        run = start_run("provision/manual", {"config_path": "config/no-such-config.yaml"})
        final = wait_for_final(run.id)
        assert final.state is not None and final.state.is_failed()
        message = received.get(timeout=60)
        assert final.name in message["subject"] and "Failed" in message["subject"]
        assert "no-such-config.yaml" in message["body"]
    finally:
        asyncio.run(disable_notifications())
    names = {a.name for a in on_api(lambda c: c.read_automations())}
    assert FAILED_RUN_AUTOMATION not in names
    blocks = on_api(lambda c: c.read_block_documents())
    assert ALERT_BLOCK not in {b.name for b in blocks}
