"""botocore's Personalize service models: operations, request validation, response shaping.

The emulator's wire format is AWS's because it is read from the same ``service-2.json`` files
that boto3 uses: the operations and their HTTP bindings, each member's type, length, pattern
and enum, and the members each response may carry.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any

import regex
from botocore.loaders import Loader

from personalize_local.errors import ValidationException

SERVICES = ("personalize", "personalize-runtime", "personalize-events")


@dataclass(frozen=True)
class Operation:
    """One operation of one service, with its shapes and HTTP binding."""

    service: str
    name: str
    input_shape: str | None
    output_shape: str | None
    method: str
    uri: str


@cache
def shapes(service: str) -> dict[str, dict[str, Any]]:
    """All shapes of a service's model, by name."""
    return dict(_model(service)["shapes"])


@cache
def _model(service: str) -> dict[str, Any]:
    return dict(Loader().load_service_model(service, "service-2"))


@cache
def operations() -> dict[str, Operation]:
    """Every operation of the three Personalize services, by name."""
    found: dict[str, Operation] = {}
    for service in SERVICES:
        for name, op in _model(service)["operations"].items():
            found[name] = Operation(
                service=service,
                name=name,
                input_shape=op.get("input", {}).get("shape"),
                output_shape=op.get("output", {}).get("shape"),
                method=op["http"]["method"],
                uri=op["http"]["requestUri"].split("?")[0],
            )
    return found


def rest_operation(method: str, path: str) -> Operation | None:
    """The runtime or events operation bound to an HTTP method and path, if any."""
    return _rest_routes().get((method, path))


@cache
def _rest_routes() -> dict[tuple[str, str], Operation]:
    return {(op.method, op.uri): op for op in operations().values() if op.service != "personalize"}


@lru_cache(maxsize=4096)
def _matches(expression: str, value: str) -> bool:
    """Whether a value fully matches a model pattern (ARNs repeat: the answers are kept)."""
    return _pattern(expression).fullmatch(value) is not None


@cache
def _pattern(expression: str) -> regex.Pattern[str]:
    return regex.compile(expression)


def validate(op: Operation, params: dict[str, Any]) -> None:
    """Check a request against the operation's input shape; raise what AWS would answer."""
    if op.input_shape is None:
        return
    errors: list[str] = []
    _check(shapes(op.service), op.input_shape, params, "", errors)
    if errors:
        count = len(errors)
        noun = "error" if count == 1 else "errors"
        raise ValidationException(f"{count} validation {noun} detected: " + "; ".join(errors))


def _violation(value: Any, path: str, constraint: str) -> str:
    shown = "null" if value is None else f"'{value}'"
    return f"Value {shown} at '{path}' failed to satisfy constraint: Member must {constraint}"


def _check(all_shapes: dict[str, Any], name: str, value: Any, path: str, errors: list[str]) -> None:
    shape = all_shapes[name]
    kind = shape["type"]
    if kind == "structure":
        if not isinstance(value, dict):
            errors.append(_violation(value, path, "be a structure"))
            return
        for member in shape.get("required", []):
            if value.get(member) is None:
                errors.append(_violation(None, _join(path, member), "not be null"))
        for member, spec in shape.get("members", {}).items():
            if value.get(member) is not None:
                _check(all_shapes, spec["shape"], value[member], _join(path, member), errors)
    elif kind == "list":
        if not isinstance(value, list):
            errors.append(_violation(value, path, "be a list"))
            return
        _check_size(shape, len(value), value, path, errors, "have length")
        for i, item in enumerate(value):
            _check(all_shapes, shape["member"]["shape"], item, f"{path}.{i + 1}.member", errors)
    elif kind == "map":
        if not isinstance(value, dict):
            errors.append(_violation(value, path, "be a map"))
            return
        _check_size(shape, len(value), value, path, errors, "have length")
        for key, item in value.items():
            _check(all_shapes, shape["key"]["shape"], key, f"{path}.key", errors)
            _check(all_shapes, shape["value"]["shape"], item, f"{path}.{key}", errors)
    elif kind == "string":
        if not isinstance(value, str):
            errors.append(_violation(value, path, "be a string"))
            return
        _check_size(shape, len(value), value, path, errors, "have length")
        if "enum" in shape and value not in shape["enum"]:
            errors.append(
                _violation(value, path, f"satisfy enum value set: [{', '.join(shape['enum'])}]")
            )
        pattern = shape.get("pattern")
        if pattern and not _matches(pattern, value):
            errors.append(_violation(value, path, f"satisfy regular expression pattern: {pattern}"))
    elif kind in ("integer", "long"):
        if not isinstance(value, int) or isinstance(value, bool):
            errors.append(_violation(value, path, "be an integer"))
            return
        _check_size(shape, value, value, path, errors, "have value")
    elif kind in ("double", "float"):
        if not isinstance(value, int | float) or isinstance(value, bool):
            errors.append(_violation(value, path, "be a number"))
            return
        _check_size(shape, value, value, path, errors, "have value")
    elif kind == "boolean":
        if not isinstance(value, bool):
            errors.append(_violation(value, path, "be a boolean"))
    elif kind == "timestamp" and not isinstance(value, int | float | str):
        errors.append(_violation(value, path, "be a timestamp"))


def _check_size(
    shape: dict[str, Any], size: float, value: Any, path: str, errors: list[str], what: str
) -> None:
    if "min" in shape and size < shape["min"]:
        errors.append(_violation(value, path, f"{what} greater than or equal to {shape['min']}"))
    if "max" in shape and size > shape["max"]:
        errors.append(_violation(value, path, f"{what} less than or equal to {shape['max']}"))


def _join(path: str, member: str) -> str:
    return f"{path}.{member}" if path else member


def shape_output(op: Operation, value: dict[str, Any]) -> dict[str, Any]:
    """Keep only the members the output shape declares, in the wire types botocore parses."""
    if op.output_shape is None:
        return {}
    shaped = _shape(_plan(op.service), op.output_shape, value)
    return shaped if isinstance(shaped, dict) else {}


@dataclass(frozen=True)
class _Plan:
    """A service's shapes as response shaping walks them, worked out once.

    ``inner`` gives, per structure member, list member or map value, the shape to walk into,
    or None where the value goes on the wire unchanged (strings, numbers, booleans, blobs).
    """

    kinds: dict[str, str]
    members: dict[str, dict[str, str | None]]
    inner: dict[str, str | None]


@cache
def _plan(service: str) -> _Plan:
    all_shapes = shapes(service)
    kinds = {name: shape["type"] for name, shape in all_shapes.items()}

    def walk(name: str) -> str | None:
        return name if kinds[name] in ("structure", "list", "map", "timestamp") else None

    members = {
        name: {member: walk(spec["shape"]) for member, spec in shape.get("members", {}).items()}
        for name, shape in all_shapes.items()
        if shape["type"] == "structure"
    }
    inner = {
        name: walk(shape["member"]["shape"] if shape["type"] == "list" else shape["value"]["shape"])
        for name, shape in all_shapes.items()
        if shape["type"] in ("list", "map")
    }
    return _Plan(kinds, members, inner)


def _shape(plan: _Plan, name: str, value: Any) -> Any:
    kind = plan.kinds[name]
    if kind == "structure":
        if not isinstance(value, dict):
            return {}
        own = plan.members[name]
        return {
            member: item if (walk := own[member]) is None else _shape(plan, walk, item)
            for member, item in value.items()
            if item is not None and member in own
        }
    if kind == "list":
        walk = plan.inner[name]
        return list(value) if walk is None else [_shape(plan, walk, item) for item in value]
    if kind == "map":
        walk = plan.inner[name]
        if walk is None:
            return dict(value)
        return {key: _shape(plan, walk, item) for key, item in value.items()}
    if kind == "timestamp" and isinstance(value, dt.datetime):
        return value.timestamp()
    return value
