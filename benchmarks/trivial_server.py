"""A trivial HTTP server for ``make bench-emulator``'s baseline: every POST gets one fixed body.

It runs on the same stack as the local service (uvicorn, one process, a loopback socket with
Nagle off) and answers what GetRecommendations answers, 25 items and a recommendationId, so
the clients do the same parsing work against it; the service's throughput is compared with it.
``python -m benchmarks.trivial_server`` prints its endpoint, then serves until SIGTERM.
"""

from __future__ import annotations

import argparse
import json
import socket
import sys
from collections.abc import Awaitable, Callable
from typing import Any

import uvicorn

BODY = json.dumps(
    {
        "itemList": [{"itemId": f"i{n}", "score": round(0.5 / (n + 1), 6)} for n in range(25)],
        "recommendationId": "RID-00000000-0000-0000-0000-000000000000",
    }
).encode()
HEADERS = [(b"content-type", b"application/json"), (b"content-length", str(len(BODY)).encode())]

Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]


async def app(scope: dict[str, Any], receive: Receive, send: Send) -> None:
    """Read the request, answer the fixed body."""
    if scope["type"] != "http":
        return
    while (await receive()).get("more_body"):
        pass
    await send({"type": "http.response.start", "status": 200, "headers": HEADERS})
    await send({"type": "http.response.body", "body": BODY})


def main() -> None:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.bind(("127.0.0.1", 0))
    sock.listen(2048)
    print(f"http://127.0.0.1:{sock.getsockname()[1]}", flush=True)
    config = uvicorn.Config(app, log_level="warning", access_log=False)
    uvicorn.Server(config).run(sockets=[sock])


if __name__ == "__main__":
    argparse.ArgumentParser(description=__doc__.splitlines()[0]).parse_args()
    sys.exit(main())
