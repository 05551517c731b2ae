"""``personalize-local``: run the local Personalize service (and a loopback S3) in one command."""

from __future__ import annotations

import argparse
import errno
import json
import logging
import os
import re
import signal
import socket
import sys
from pathlib import Path
from typing import Any

import uvicorn

from personalize_local.app import build_service, create_app
from personalize_local.registry import registry
from personalize_local.s3 import start_s3
from personalize_local.service import DEFAULT_ACCOUNT, Settings

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


def parse_account_id(value: str) -> str:
    """An AWS account ID: twelve digits."""
    if not re.fullmatch(r"\d{12}", value):
        raise argparse.ArgumentTypeError(
            f"account id must be twelve digits such as {DEFAULT_ACCOUNT}, not {value!r}"
        )
    return value


def client_environment(
    endpoint: str,
    s3_endpoint: str,
    region: str,
    account_id: str,
    moto_endpoint: str | None = None,
) -> dict[str, str]:
    """The variables an unmodified boto3 client needs to reach this service, its S3 and (when
    the loopback S3 runs: moto's server also speaks IAM and STS) IAM, for roles and trust
    policies, and STS, for the account (GetCallerIdentity); ``AWS_ACCOUNT_ID`` is the SDKs'
    standard variable for the account the credentials belong to."""
    return {
        "AWS_ENDPOINT_URL_PERSONALIZE": endpoint,
        "AWS_ENDPOINT_URL_PERSONALIZE_RUNTIME": endpoint,
        "AWS_ENDPOINT_URL_PERSONALIZE_EVENTS": endpoint,
        "AWS_ENDPOINT_URL_S3": s3_endpoint,
        **(
            {"AWS_ENDPOINT_URL_IAM": moto_endpoint, "AWS_ENDPOINT_URL_STS": moto_endpoint}
            if moto_endpoint
            else {}
        ),
        # Dummy credentials (the service does not check them); never copy the caller's own.
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_ACCOUNT_ID": account_id,
        "AWS_DEFAULT_REGION": region,
    }


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="personalize-local", description=(__doc__ or "").replace("``", "")
    )
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
        "--data-dir",
        type=Path,
        default=Path(".local/personalize"),
        help="where state is kept (default %(default)s)",
    )
    serve.add_argument(
        "--latency",
        type=parse_latency,
        default=0.0,
        help="'instant' (default) or a scale factor on real durations, e.g. 0.01",
    )
    serve.add_argument("--s3-endpoint", help="use this S3 instead of starting a loopback one")
    serve.add_argument(
        "--s3-port",
        type=int,
        default=0,
        help="port of the loopback S3, 0 for any free one (default %(default)s)",
    )
    serve.add_argument(
        "--region", default="us-east-1", help="region printed for clients (default %(default)s)"
    )
    serve.add_argument(
        "--account-id",
        type=parse_account_id,
        default=DEFAULT_ACCOUNT,
        help="the account of Personalize ARNs and of the loopback S3, IAM and STS "
        "(default %(default)s)",
    )
    serve.add_argument(
        "--throttle", type=float, default=0.0, help="fraction of requests to throttle"
    )
    serve.add_argument(
        "--env-file", type=Path, help="also write the client variables here, as JSON"
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``personalize-local``: serve until SIGTERM or Ctrl-C.

    1. Bind the API port, then start the loopback S3 (unless ``--s3-endpoint``): a port in use
       ends the command at once with a message naming the option to change (exit 2).
    2. Build the service with its registry, resume the jobs in flight, announce the variables.
    3. Serve; on SIGTERM or Ctrl-C, stop within seconds: jobs in flight stop where they stand,
       write nothing more and are resumed by the next start.
    """
    args = _parser().parse_args(argv)
    if os.environ.get("MOTO_ACCOUNT_ID", args.account_id) != args.account_id:
        print(
            f"personalize-local: MOTO_ACCOUNT_ID={os.environ['MOTO_ACCOUNT_ID']} would make the "
            f"loopback S3, IAM and STS another account than --account-id {args.account_id}: "
            "unset it, or pass the same account with --account-id.",
            file=sys.stderr,
        )
        return 2
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    try:
        sock = _listen(args.host, args.port)
    except OSError as error:
        return _cannot_bind("--port", args.host, args.port, error)
    s3_server = None
    s3_endpoint = args.s3_endpoint
    if s3_endpoint is None:
        try:
            s3_server, s3_endpoint = start_s3(
                args.account_id, args.host, args.s3_port, args.data_dir.resolve()
            )
        except OSError as error:
            sock.close()
            return _cannot_bind("--s3-port", args.host, args.s3_port, error)
        except SystemExit:  # werkzeug's server exits the process when its port is taken
            sock.close()
            taken = OSError(errno.EADDRINUSE, os.strerror(errno.EADDRINUSE))
            return _cannot_bind("--s3-port", args.host, args.s3_port, taken)
    settings = Settings(
        data_dir=args.data_dir.resolve(),
        latency=args.latency,
        account_id=args.account_id,
        s3_endpoint=s3_endpoint,
        throttle=args.throttle,
    )
    implemented = registry()
    service, lifecycle = build_service(settings, implemented)
    resumed = lifecycle.resume()
    endpoint = f"http://{args.host}:{sock.getsockname()[1]}"
    moto_endpoint = s3_endpoint if s3_server else None
    env = client_environment(endpoint, s3_endpoint, args.region, args.account_id, moto_endpoint)
    _announce(env, settings, resumed, args.env_file)
    config = uvicorn.Config(
        create_app(service, implemented),
        log_level="warning",
        access_log=False,
        timeout_graceful_shutdown=1,
    )
    server = uvicorn.Server(config)
    # uvicorn handles SIGTERM and SIGINT itself while it serves, then raises the signal again
    # once it has stopped: this handler takes that second delivery (and any before serving),
    # and this function finishes the shutdown.
    for stop_signal in (signal.SIGTERM, signal.SIGINT):
        signal.signal(stop_signal, lambda *_: setattr(server, "should_exit", True))
    server.run(sockets=[sock])
    all_stopped = lifecycle.shutdown()
    if s3_server is not None:
        s3_server.stop()
    print("Stopped; jobs in flight resume on the next start.", file=sys.stderr, flush=True)
    sys.stdout.flush()
    if not all_stopped:
        # A job's work is still computing (e.g. inside a model fit); it will write nothing, and
        # waiting for it at interpreter exit would keep the process alive.
        os._exit(0)
    return 0


def _listen(host: str, port: int) -> socket.socket:
    """A listening TCP socket on host:port (raises OSError when it cannot be bound)."""
    # IPPROTO_TCP explicitly: asyncio turns Nagle off (TCP_NODELAY) only on sockets created
    # with it, and with Nagle on every response waits ~40 ms for a delayed ACK.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
        sock.listen(2048)
    except OSError:
        sock.close()
        raise
    return sock


def _cannot_bind(option: str, host: str, port: int, error: OSError) -> int:
    """Say which port could not be bound and how to choose another; the exit status (2)."""
    print(
        f"personalize-local: cannot listen on {host}:{port} ({error.strerror or error}). "
        f"Another process holds it: stop it, or choose another port with {option} "
        "(0 picks any free one).",
        file=sys.stderr,
    )
    return 2


def _announce(env: dict[str, Any], settings: Settings, resumed: int, env_file: Path | None) -> None:
    print(f"Local Personalize service, state in {settings.data_dir}", file=sys.stderr)
    serves = "Personalize ARNs, S3, IAM and STS" if "AWS_ENDPOINT_URL_STS" in env else "its ARNs"
    print(f"Account {settings.account_id} ({serves})", file=sys.stderr)
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
