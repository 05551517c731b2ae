"""``personalize-local``: run the local Personalize service (and a loopback S3) in one command."""

from __future__ import annotations

import argparse
import json
import logging
import signal
import socket
import sys
from pathlib import Path
from typing import Any

import uvicorn

from emulator.app import create_app
from emulator.s3 import start_s3
from emulator.service import Service, Settings

DEFAULT_PORT = 8599


def parse_latency(value: str) -> float:
    """``instant`` (0) or a positive scale factor on Personalize's real job durations."""
    if value == "instant":
        return 0.0
    try:
        scale = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"latency must be 'instant' or a scale factor such as 0.01, not {value!r}"
        ) from None
    if scale < 0:
        raise argparse.ArgumentTypeError("latency scale factor must not be negative")
    return scale


def client_environment(endpoint: str, s3_endpoint: str, region: str) -> dict[str, str]:
    """The variables an unmodified boto3 client needs to reach this service and its S3."""
    return {
        "AWS_ENDPOINT_URL_PERSONALIZE": endpoint,
        "AWS_ENDPOINT_URL_PERSONALIZE_RUNTIME": endpoint,
        "AWS_ENDPOINT_URL_PERSONALIZE_EVENTS": endpoint,
        "AWS_ENDPOINT_URL_S3": s3_endpoint,
        # Dummy credentials (the service does not check them); never copy the caller's own.
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": region,
    }


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="personalize-local", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="run the service until interrupted")
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default loopback)")
    serve.add_argument(
        "--port",
        type=int,
        default=DEFAULT_PORT,
        help="port, 0 for any free one (default %(default)s)",
    )
    serve.add_argument(
        "--data-dir", type=Path, default=Path(".local/personalize"), help="where state is kept"
    )
    serve.add_argument(
        "--latency",
        type=parse_latency,
        default=0.0,
        help="'instant' (default) or a scale factor on real durations, e.g. 0.01",
    )
    serve.add_argument("--s3-endpoint", help="use this S3 instead of starting a loopback one")
    serve.add_argument("--s3-port", type=int, default=0, help="port of the loopback S3")
    serve.add_argument("--region", default="us-east-1", help="region printed for clients")
    serve.add_argument(
        "--throttle", type=float, default=0.0, help="fraction of requests to throttle"
    )
    serve.add_argument(
        "--env-file", type=Path, help="also write the client variables here, as JSON"
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``personalize-local``."""
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    s3_endpoint = args.s3_endpoint
    if s3_endpoint is None:
        _, s3_endpoint = start_s3(args.host, args.s3_port, args.data_dir.resolve() / "s3")
    settings = Settings(
        data_dir=args.data_dir.resolve(),
        latency=args.latency,
        s3_endpoint=s3_endpoint,
        throttle=args.throttle,
    )
    service = Service(settings)
    resumed = service.lifecycle.resume()
    # IPPROTO_TCP explicitly: asyncio turns Nagle off (TCP_NODELAY) only on sockets created
    # with it, and with Nagle on every response waits ~40 ms for a delayed ACK.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((args.host, args.port))
    sock.listen(2048)
    endpoint = f"http://{args.host}:{sock.getsockname()[1]}"
    env = client_environment(endpoint, s3_endpoint, args.region)
    _announce(env, settings, resumed, args.env_file)
    config = uvicorn.Config(create_app(service), log_level="warning", access_log=False)
    server = uvicorn.Server(config)
    signal.signal(signal.SIGTERM, lambda *_: setattr(server, "should_exit", True))
    try:
        server.run(sockets=[sock])
    finally:
        service.lifecycle.shutdown()
    return 0


def _announce(env: dict[str, Any], settings: Settings, resumed: int, env_file: Path | None) -> None:
    print(f"Local Personalize service, state in {settings.data_dir}", file=sys.stderr)
    if resumed:
        print(f"Resumed {resumed} job(s) in flight.", file=sys.stderr)
    print("Point boto3 at it with:", file=sys.stderr)
    for key, value in env.items():
        print(f"export {key}={value}", flush=True)
    if env_file:
        env_file.parent.mkdir(parents=True, exist_ok=True)
        tmp = env_file.with_suffix(".tmp")
        tmp.write_text(json.dumps(env, indent=2))
        tmp.replace(env_file)


if __name__ == "__main__":
    sys.exit(main())
