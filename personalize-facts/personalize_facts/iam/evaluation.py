"""Whether a policy document lets a service principal do an action on a resource.

A small subset of IAM's policy evaluation logic, enough to tell whether a bucket policy or a
role's trust policy lets an AWS service in:

1. A statement applies when its ``Principal`` names the service (``{"Service": ...}`` as a
   string or a list; ``"*"`` and ``{"AWS": "*"}`` name everyone), one of its ``Action``
   patterns matches the action (case-insensitive) and, where a resource is asked about, one of
   its ``Resource`` patterns matches it. Patterns take IAM's wildcards: ``*`` any run of
   characters (``/`` included), ``?`` one character.
2. A Deny that applies wins over every Allow; else an Allow that applies grants; else nothing
   does (IAM's implicit deny).

Not evaluated: ``Condition`` blocks (an Allow with a condition counts as granting and a Deny
with a condition as not applying, i.e. conditions such as ``aws:SourceAccount`` or
``aws:SecureTransport`` are taken as met by the service acting for the bucket's owner), and
statements written with ``NotPrincipal``, ``NotAction`` or ``NotResource`` (skipped).
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
    policy: Mapping[str, Any] | None, service: str, needs: Iterable[tuple[str, str | None]]
) -> list[Refusal]:
    """Each (action, resource) of ``needs`` that ``policy`` does not let ``service`` do."""
    statements = _statements(policy)
    found = []
    for action, resource in needs:
        reason = _refusal(statements, service, action, resource)
        if reason:
            found.append(Refusal(action, resource, reason))
    return found


def _refusal(
    statements: list[Mapping[str, Any]], service: str, action: str, resource: str | None
) -> str:
    """Why ``service`` may not do ``action`` on ``resource`` ('' when it may)."""
    applying = [s for s in statements if _applies(s, service, action, resource)]
    denied = [s for s in applying if s.get("Effect") == "Deny" and "Condition" not in s]
    if denied:
        sid = denied[0].get("Sid")
        return f"denied by statement {sid!r}" if sid else "denied by a Deny statement"
    if any(s.get("Effect") == "Allow" for s in applying):
        return ""
    return "no statement allows it"


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
