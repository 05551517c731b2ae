"""A loopback S3: moto's S3-protocol server, started in this process."""

from __future__ import annotations

from moto.server import ThreadedMotoServer


def start_s3(host: str = "127.0.0.1", port: int = 0) -> tuple[ThreadedMotoServer, str]:
    """Start moto's server on loopback; return it and its endpoint URL."""
    server = ThreadedMotoServer(ip_address=host, port=port, verbose=False)
    server.start()
    bound_host, bound_port = server.get_host_and_port()
    return server, f"http://{bound_host}:{bound_port}"
