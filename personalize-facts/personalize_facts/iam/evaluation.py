"""Whether a policy document lets a service principal do an action on a resource.

A small subset of IAM's policy evaluation logic, enough to tell whether a bucket policy or a
role's trust policy lets an AWS service in:

1. A statement applies when its ``Principal`` names the service (``{"Service": ...}`` as a
   string or a list; ``"*"`` and ``{"AWS": "*"}`` name everyone), one of its ``Action``
   patterns matches the action (case-insensitive) and, where a resource is asked about, one of
   its ``Resource`` patterns matches it. Patterns take IAM's wildcards: ``*`` any run of
   characters (``/`` included), ``?`` one character.
2. ``Condition`` blocks are evaluated on the keys of ``context`` (e.g. ``aws:SourceAccount``
   and ``aws:SourceArn``, which a service passes when it acts for an account: the guide's
   confused-deputy conditions), with the operators ``String(Not)Equals``, ``String(Not)Like``,
   ``Arn(Not)Equals`` and ``Arn(Not)Like``; a condition on another key or with another operator
   (``aws:SecureTransport``, ``...IfExists``) cannot be told, and counts as met for an Allow and
   as not met for a Deny. Without a ``context`` no condition can be told.
3. A Deny that applies wins over every Allow; else an Allow that applies grants; else nothing
   does (IAM's implicit deny).

Not evaluated: statements written with ``NotPrincipal``, ``NotAction`` or ``NotResource``
(skipped).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any


@dataclass(frozen=True)
class Refusal:
    """An action a policy does not let the service do: on what, and why."""

    action: str
    resource: str | None
    reason: str

    def __str__(self) -> str:
        where = f" on {self.resource}" if self.resource else ""
        return f"{self.action}{where} ({self.reason})"


def refusals(
    policy: Mapping[str, Any] | None,
    service: str,
    needs: Iterable[tuple[str, str | None]],
    context: Mapping[str, str] | None = None,
) -> list[Refusal]:
    """Each (action, resource) of ``needs`` that ``policy`` does not let ``service`` do, the
    service's request carrying the condition keys of ``context``."""
    statements = _statements(policy)
    known = {key.lower(): value for key, value in (context or {}).items()}
    found = []
    for action, resource in needs:
        reason = _refusal(statements, service, action, resource, known)
        if reason:
            found.append(Refusal(action, resource, reason))
    return found


def _refusal(
    statements: list[Mapping[str, Any]],
    service: str,
    action: str,
    resource: str | None,
    context: Mapping[str, str],
) -> str:
    """Why ``service`` may not do ``action`` on ``resource`` ('' when it may)."""
    applying = [s for s in statements if _applies(s, service, action, resource)]
    denied = [s for s in applying if s.get("Effect") == "Deny" and _met(s, context) is True]
    if denied:
        sid = denied[0].get("Sid")
        return f"denied by statement {sid!r}" if sid else "denied by a Deny statement"
    allowing = [s for s in applying if s.get("Effect") == "Allow"]
    if any(_met(s, context) is not False for s in allowing):
        return ""
    if allowing:
        unmet = ", ".join(
            f"{key} is {context[key.lower()]}" for key in _failed(allowing[0], context)
        )
        return f"the condition of the statement allowing it is not met ({unmet})"
    return "no statement allows it"


def _met(statement: Mapping[str, Any], context: Mapping[str, str]) -> bool | None:
    """Whether the statement's conditions hold: True, False, or None when one cannot be told
    (and none fails)."""
    if "Condition" not in statement:
        return True
    if _failed(statement, context):
        return False
    told = [_holds(op, key, want, context) for op, key, want in _conditions(statement)]
    return True if all(result is not None for result in told) else None


def _failed(statement: Mapping[str, Any], context: Mapping[str, str]) -> list[str]:
    """The keys of the statement's conditions that ``context`` does not meet."""
    return [
        key for op, key, want in _conditions(statement) if _holds(op, key, want, context) is False
    ]


def _conditions(statement: Mapping[str, Any]) -> list[tuple[str, str, list[str]]]:
    """(operator, key, values) of each condition of a statement."""
    block = statement.get("Condition") or {}
    return [
        (str(op), str(key), _listed(want))
        for op, tests in block.items()
        if isinstance(tests, Mapping)
        for key, want in tests.items()
    ]


def _holds(op: str, key: str, want: list[str], context: Mapping[str, str]) -> bool | None:
    """Whether one condition holds for ``context``; None when it cannot be told."""
    negated = "Not" in op
    base = op.replace("Not", "")
    if key.lower() not in context or base not in (
        "StringEquals",
        "StringLike",
        "ArnEquals",
        "ArnLike",
    ):
        return None
    value = context[key.lower()]
    if base == "StringEquals":
        found = value in want
    else:  # IAM's Arn operators take wildcards, as StringLike does
        found = any(_matches(pattern, value) for pattern in want)
    return found != negated


def _statements(policy: Mapping[str, Any] | None) -> list[Mapping[str, Any]]:
    listed = (policy or {}).get("Statement", [])
    return [listed] if isinstance(listed, Mapping) else list(listed)


def _applies(statement: Mapping[str, Any], service: str, action: str, resource: str | None) -> bool:
    if {"NotPrincipal", "NotAction", "NotResource"} & set(statement):
        return False
    if not _names(statement.get("Principal"), service):
        return False
    if not any(_matches(p, action, case=False) for p in _listed(statement.get("Action"))):
        return False
    return resource is None or any(
        _matches(p, resource) for p in _listed(statement.get("Resource"))
    )


def _names(principal: Any, service: str) -> bool:
    """Whether a ``Principal`` element names the service (or everyone)."""
    if principal == "*":
        return True
    if not isinstance(principal, Mapping):
        return False
    return "*" in _listed(principal.get("AWS")) or service in _listed(principal.get("Service"))


def _listed(value: Any) -> list[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else [str(v) for v in value]


def _matches(pattern: str, value: str, case: bool = True) -> bool:
    return _compiled(pattern, case).fullmatch(value) is not None


@cache
def _compiled(pattern: str, case: bool) -> re.Pattern[str]:
    parts = (".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.compile("".join(parts), 0 if case else re.IGNORECASE)
