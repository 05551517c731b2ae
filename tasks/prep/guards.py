"""Guards against a bad export replacing good data: checked before anything is imported.

1. Reject share: when more than ``guards.max_reject_share`` of the rows read are rejected as
   bad data (unreadable timestamps, empty ids...), the export is broken, not the rows: the
   import is refused instead of going ahead with what is left.
2. Shrink: a FULL import replaces every row of the dataset. When it would leave fewer than
   ``1 - guards.max_shrink`` of the rows the dataset holds now (its current import files,
   ``earlier.py``), the import is refused.
Both are rows of the data report's checks; a failed one raises :class:`GuardError` naming the
numbers, the setting that allows it, and where the rejects are.
"""

from __future__ import annotations

from tasks.prep.config import ImportGuards
from tasks.prep.earlier import Earlier
from tasks.prep.errors import GuardError
from tasks.prep.report import Check, DataReport

REJECT_RULE = "rejected share (guards.max_reject_share)"
SHRINK_RULE = "FULL import keeps the dataset's size (guards.max_shrink)"


def guard_checks(
    report: DataReport, guards: ImportGuards, incremental: bool, earlier: Earlier | None
) -> list[Check]:
    """The guards that apply, each with its limit and the figure found."""
    share = report.rows_rejected / report.rows_in if report.rows_in else 0.0
    checks = [
        Check(
            rule=REJECT_RULE,
            required=f"<= {guards.max_reject_share:.0%}",
            found=f"{share:.1%} ({report.rows_rejected:,} of {report.rows_in:,} rows)",
            ok=share <= guards.max_reject_share,
        )
    ]
    if not incremental and earlier is not None and earlier.known and earlier.rows:
        floor = (1 - guards.max_shrink) * earlier.rows
        checks.append(
            Check(
                rule=SHRINK_RULE,
                required=f">= {floor:,.0f} rows ({1 - guards.max_shrink:.0%} of {earlier.rows:,})",
                found=f"{report.rows_out:,} rows",
                ok=report.rows_out >= floor,
            )
        )
    return checks


def enforce_guards(report: DataReport) -> None:
    """Raise :class:`GuardError` when a guard failed: why, and how to go ahead anyway."""
    where = f"datasets.{report.dataset_type.lower()}.guards"
    failed = {c.rule: c for c in report.checks if not c.ok}
    problems = []
    if REJECT_RULE in failed:
        check = failed[REJECT_RULE]
        problems.append(
            f"{check.found} were rejected as bad data, more than the {check.required[3:]} "
            f"allowed; see the reasons in the data report and the rows in {report.rejects_uri}. "
            f"Fix the export, or raise {where}.max_reject_share (1 turns the guard off)"
        )
    if SHRINK_RULE in failed:
        check = failed[SHRINK_RULE]
        problems.append(
            f"this FULL import would replace the dataset's rows with {check.found}, fewer than "
            f"{check.required[3:]} it holds now. Check the export is complete, import it "
            f"INCREMENTAL if it only holds new rows, or raise {where}.max_shrink "
            "(1 turns the guard off)"
        )
    if problems:
        raise GuardError(
            f"{report.dataset_type.lower()} import refused, nothing was imported: "
            + "; ".join(problems),
            report,
        )
