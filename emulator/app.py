"""The HTTP face of the service: one Starlette app for control plane, runtime and events.

Control-plane calls are AWS JSON 1.1 (``POST /`` with ``X-Amz-Target``); runtime and events are
REST-JSON (``POST /recommendations``, ``POST /events`` ...). Both are routed to the handler of
the operation, validated against botocore's model first and shaped by it after.
"""

from __future__ import annotations

import json
import logging
import re
import uuid
from typing import Any

import orjson
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from emulator.errors import ServiceError, UnknownOperationException, ValidationException
from emulator.service import Call, Service
from emulator.service_model import Operation, operations, rest_operation, shape_output, validate

log = logging.getLogger("emulator.app")

_REGION = re.compile(r"Credential=[^/]+/\d{8}/([a-z0-9-]+)/")
_JSON_11 = "application/x-amz-json-1.1"


def create_app(service: Service) -> Starlette:
    """The ASGI app serving one Service."""
    handlers = service.registry.handlers
    inline = service.registry.inline

    async def dispatch(request: Request) -> Response:
        request_id = str(uuid.uuid4())
        op: Operation | None = None
        try:
            op = _operation(request)
            params = _params(await request.body())
            service.faults.check_throttle()
            validate(op, params)
            handler = handlers.get(op.name)
            if handler is None:
                raise UnknownOperationException(
                    f"{op.name} is not implemented by the local Personalize service."
                )
            call = Call(params, _region(request), service.settings.account_id)
            if op.name in inline:
                result = handler(service, call)
            else:
                result = await run_in_threadpool(handler, service, call)
            return _Answer(
                shape_output(op, result),
                media_type=_JSON_11 if op.service == "personalize" else "application/json",
                headers={"x-amzn-RequestId": request_id},
            )
        except ServiceError as error:
            return _error(error.code, error.message, error.status, request_id)
        except Exception as error:
            log.exception("internal error in %s", op.name if op else request.url.path)
            return _error("InternalFailure", str(error), 500, request_id)

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
            Route("/_emulator/health", health, methods=["GET"]),
            Route("/_emulator/faults", faults, methods=["GET", "POST"]),
            Route("/{path:path}", dispatch, methods=["POST", "GET", "PUT", "DELETE"]),
        ]
    )


class _Answer(JSONResponse):
    """A JSON response encoded with orjson (the runtime's hot path; Prefect already brings it)."""

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)


def _operation(request: Request) -> Operation:
    target = request.headers.get("x-amz-target")
    if target:
        prefix, _, name = target.partition(".")
        op = operations().get(name)
        if prefix != "AmazonPersonalize" or op is None or op.service != "personalize":
            raise UnknownOperationException(f"Unknown operation {target}.")
        return op
    op = rest_operation(request.method, request.scope["path"])
    if op is None:
        raise UnknownOperationException(
            f"No Personalize operation at {request.method} {request.url.path}."
        )
    return op


def _params(body: bytes) -> dict[str, Any]:
    if not body.strip():
        return {}
    try:
        params = json.loads(body)
    except json.JSONDecodeError as error:
        raise ValidationException(f"The request body is not valid JSON: {error}") from None
    if not isinstance(params, dict):
        raise ValidationException("The request body must be a JSON object.")
    return params


def _region(request: Request) -> str:
    match = _REGION.search(request.headers.get("authorization", ""))
    return match.group(1) if match else "us-east-1"


def _error(code: str, message: str, status: int, request_id: str) -> Response:
    return JSONResponse(
        {"__type": code, "message": message},
        status_code=status,
        headers={"x-amzn-ErrorType": code, "x-amzn-RequestId": request_id},
    )
