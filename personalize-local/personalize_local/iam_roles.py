"""The loopback IAM keeps its roles: moto's IAM, mirrored to files as the loopback S3 is.

1. After a successful IAM call that may change something, :class:`RoleMirror` compares moto's
   roles and customer managed policies with their files under ``<data-dir>/iam/`` and writes or
   removes what differs (one JSON file per role, one per policy), before the response is sent.
2. On start, every mirrored policy, then every role (its ID and creation date, trust policy,
   path, description, tags, maximum session duration, permissions boundary, inline policies and
   attached policies) is loaded back into moto before the server answers, so a role created
   once (``role_arn`` of a configuration, the demo's ``PersonalizeS3Access``) outlives a restart.

Kept: roles and customer managed policies (their default version's document). Not kept: users,
groups, access keys, instance profiles and a policy's older versions.
"""

from __future__ import annotations

import json
import logging
import threading
from datetime import datetime
from pathlib import Path
from typing import Any

from moto.iam.models import IAMBackend, ManagedPolicy, Role, iam_backends

log = logging.getLogger("personalize_local.iam_roles")


def iam_backend(account_id: str) -> IAMBackend:
    """moto's IAM state of ``account_id`` (IAM is global: one backend per account)."""
    return iam_backends[account_id]["aws"]


class RoleMirror:
    """Keeps ``root/roles`` and ``root/policies`` equal to moto's roles and managed policies."""

    def __init__(self, root: Path, account_id: str) -> None:
        self.root = root
        self.account_id = account_id
        self._lock = threading.Lock()
        self._written: dict[Path, str] = {}
        """Each mirrored file and the text last written to it."""

    def load(self) -> int:
        """Put every mirrored policy and role back into moto; returns the number of roles."""
        iam = iam_backend(self.account_id)
        for path in sorted((self.root / "policies").glob("*.json")):
            record = json.loads(path.read_text())
            iam.create_policy(
                record["description"],
                record["path"],
                record["document"],
                record["name"],
                record["tags"],
            )
            self._written[path] = path.read_text()
        roles = sorted((self.root / "roles").glob("*.json"))
        for path in roles:
            _load_role(iam, json.loads(path.read_text()))
            self._written[path] = path.read_text()
        return len(roles)

    def sync(self) -> None:
        """Write what moto holds now and remove the files of roles and policies now gone."""
        with self._lock:
            iam = iam_backend(self.account_id)
            wanted = {
                self.root / "policies" / f"{policy.name}.json": _policy_record(policy)
                for policy in list(iam.managed_policies.values())
                if policy.arn.split(":")[4] == self.account_id  # not AWS's own (account "aws")
            }
            wanted |= {
                self.root / "roles" / f"{role.name}.json": _role_record(role)
                for role in list(iam.roles.values())
            }
            for path, record in wanted.items():
                text = json.dumps(record, indent=1, sort_keys=True)
                if self._written.get(path) != text:
                    path.parent.mkdir(parents=True, exist_ok=True)
                    tmp = path.with_name(path.name + ".tmp")
                    tmp.write_text(text)
                    tmp.replace(path)
                    self._written[path] = text
            for path in set(self._written) - set(wanted):
                path.unlink(missing_ok=True)
                del self._written[path]


def _role_record(role: Role) -> dict[str, Any]:
    return {
        "name": role.name,
        "id": role.id,
        "path": role.path,
        "create_date": role.create_date.isoformat(),
        "trust_policy": role.assume_role_policy_document,
        "description": role.description,
        "tags": list(role.tags),
        "max_session_duration": role.max_session_duration,
        "permissions_boundary": role.permissions_boundary_arn,
        "inline_policies": dict(role.policies),
        "attached_policies": sorted(role.managed_policies),
    }


def _policy_record(policy: ManagedPolicy) -> dict[str, Any]:
    default = next(v for v in policy.versions if v.is_default)
    return {
        "name": policy.name,
        "path": policy.path,
        "description": policy.description,
        "document": default.document,
        "tags": list(policy.tags.values()),
    }


def _load_role(iam: IAMBackend, record: dict[str, Any]) -> None:
    """Create the role as recorded, with its original ID and creation date."""
    role = iam.create_role(
        record["name"],
        record["trust_policy"],
        record["path"],
        record["permissions_boundary"],
        record["description"],
        record["tags"],
        record["max_session_duration"],
    )
    del iam.roles[role.id]
    role.id = record["id"]
    role.create_date = datetime.fromisoformat(record["create_date"])
    iam.roles[role.id] = role
    role.policies.update(record["inline_policies"])
    for arn in record["attached_policies"]:
        if arn in iam.managed_policies:
            iam.attach_role_policy(arn, role.name)
        else:
            log.warning("Role %s: attached policy %s is gone; not attached", role.name, arn)
