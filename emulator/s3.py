"""A loopback S3: moto's S3-protocol server, started in this process.

moto's own ``ThreadedMotoServer.start`` waits forever when its port cannot be bound (the
error dies with the server's thread); :class:`LoopbackS3` reports it instead.
"""

from __future__ import annotations

import threading

from moto.server import ThreadedMotoServer


class LoopbackS3(ThreadedMotoServer):
    """moto's threaded server, whose start fails with the bind error instead of hanging."""

    def __init__(self, host: str, port: int) -> None:
        super().__init__(ip_address=host, port=port, verbose=False)
        self._error: OSError | None = None

    def _server_entry(self) -> None:
        try:
            super()._server_entry()
        except OSError as error:
            self._error = error

    def start(self) -> None:
        """Start serving in a daemon thread; raise the OSError if the port cannot be bound."""
        self._thread = threading.Thread(target=self._server_entry, daemon=True)
        self._thread.start()
        while not self._server_ready_event.wait(0.05):
            if not self._thread.is_alive():
                raise self._error or OSError(f"the S3 server on port {self._port} did not start")


def start_s3(host: str = "127.0.0.1", port: int = 0) -> tuple[LoopbackS3, str]:
    """Start moto's server on loopback; return it and its endpoint URL."""
    server = LoopbackS3(host, port)
    server.start()
    bound_host, bound_port = server.get_host_and_port()
    return server, f"http://{bound_host}:{bound_port}"
