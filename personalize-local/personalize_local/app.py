"""The HTTP face of the service: one ASGI app for control plane, runtime and events.

Control-plane calls are AWS JSON 1.1 (``POST /`` with ``X-Amz-Target``); runtime and events are
REST-JSON (``POST /recommendations``, ``POST /events`` ...). Both are routed to the handler of
the operation, validated against botocore's model first and shaped by it after. The operations
are served by a plain ASGI function (no framework work per request: GetRecommendations is the
hot path); Starlette serves only the admin routes under ``/_emulator/`` and the lifespan.
"""

from __future__ import annotations

import logging
import random
import re
import uuid
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

import orjson
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from personalize_local.errors import ServiceError, UnknownOperationException, ValidationException
from personalize_local.jobs import Lifecycle
from personalize_local.registry import Registry
from personalize_local.service import Call, Service, Settings
from personalize_local.service_model import (
    Operation,
    operations,
    rest_operation,
    shape_output,
    validate,
)

log = logging.getLogger("personalize_local.app")

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]
Answer = tuple[int, list[tuple[bytes, bytes]], bytes]

_REGION = re.compile(r"Credential=[^/]+/\d{8}/([a-z0-9-]+)/")
_JSON_11 = b"application/x-amz-json-1.1"
_JSON = b"application/json"
ADMIN_PREFIX = "/_emulator/"


def build_service(settings: Settings, registry: Registry) -> tuple[Service, Lifecycle]:
    """The service with its background jobs, which do the registry's work (so that jobs resumed
    at start-up find theirs); the caller resumes and shuts them down."""
    service = Service(settings)
    lifecycle = Lifecycle(service, registry.jobs)
    service.lifecycle = lifecycle
    return service, lifecycle


def create_app(service: Service, registry: Registry) -> ASGIApp:
    """The ASGI app serving one Service with the registry's handlers."""
    admin = _admin_app(service)
    handlers = registry.handlers
    inline = registry.inline

    async def dispatch(scope: Scope, body: bytes) -> Answer:
        request_id = str(uuid.UUID(int=random.getrandbits(128), version=4))
        op: Operation | None = None
        try:
            headers = dict(scope["headers"])
            op = _operation(scope, headers)
            params = _params(body)
            service.faults.check_throttle()
            validate(op, params)
            handler = handlers.get(op.name)
            if handler is None:
                raise UnknownOperationException(
                    f"{op.name} is not implemented by the local Personalize service."
                )
            call = Call(params, _region(headers), service.settings.account_id)
            if op.name in inline:
                result = handler(service, call)
            else:
                result = await run_in_threadpool(handler, service, call)
            media = _JSON_11 if op.service == "personalize" else _JSON
            return _answer(200, media, request_id, orjson.dumps(shape_output(op, result)))
        except ServiceError as error:
            return _error(error.code, error.message, error.status, request_id)
        except Exception as error:
            log.exception("internal error in %s", op.name if op else scope["path"])
            return _error("InternalFailure", str(error), 500, request_id)

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(ADMIN_PREFIX):
            await admin(scope, receive, send)
            return
        status, headers, body = await dispatch(scope, await _body(receive))
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    return app


def _admin_app(service: Service) -> Starlette:
    """Health and fault injection, beside the operations."""

    async def health(_: Request) -> Response:
        return JSONResponse({"status": "ok", "dataDir": str(service.settings.data_dir)})

    async def faults(request: Request) -> Response:
        if request.method == "GET":
            return JSONResponse(service.faults.state())
        try:
            return JSONResponse(service.faults.configure(await request.json()))
        except (ValueError, TypeError, AttributeError) as error:
            return JSONResponse({"message": str(error)}, status_code=400)

    return Starlette(
        routes=[
            Route(ADMIN_PREFIX + "health", health, methods=["GET"]),
            Route(ADMIN_PREFIX + "faults", faults, methods=["GET", "POST"]),
        ]
    )


async def _body(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            return b"".join(chunks)


def _operation(scope: Scope, headers: dict[bytes, bytes]) -> Operation:
    target = headers.get(b"x-amz-target", b"").decode("latin-1")
    if target:
        prefix, _, name = target.partition(".")
        op = operations().get(name)
        if prefix != "AmazonPersonalize" or op is None or op.service != "personalize":
            raise UnknownOperationException(f"Unknown operation {target}.")
        return op
    op = rest_operation(scope["method"], scope["path"])
    if op is None:
        raise UnknownOperationException(
            f"No Personalize operation at {scope['method']} {scope['path']}."
        )
    return op


def _params(body: bytes) -> dict[str, Any]:
    if not body.strip():
        return {}
    try:
        params = orjson.loads(body)
    except orjson.JSONDecodeError as error:
        raise ValidationException(f"The request body is not valid JSON: {error}") from None
    if not isinstance(params, dict):
        raise ValidationException("The request body must be a JSON object.")
    return params


def _region(headers: dict[bytes, bytes]) -> str:
    match = _REGION.search(headers.get(b"authorization", b"").decode("latin-1"))
    return match.group(1) if match else "us-east-1"


def _answer(status: int, media: bytes, request_id: str, body: bytes) -> Answer:
    headers = [
        (b"content-type", media),
        (b"content-length", str(len(body)).encode()),
        (b"x-amzn-requestid", request_id.encode()),
    ]
    return status, headers, body


def _error(code: str, message: str, status: int, request_id: str) -> Answer:
    answer = _answer(status, _JSON, request_id, orjson.dumps({"__type": code, "message": message}))
    answer[1].append((b"x-amzn-errortype", code.encode()))
    return answer
