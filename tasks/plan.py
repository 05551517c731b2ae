"""What ``provision`` would do, found by reading only (List and Describe calls).

1. The configuration's resources are walked parent first (:func:`tasks.walk.walk`), each
   described as its ``ensure_*`` task describes it (the same ``wanted_*`` function).
2. Each is inspected as ``ensure`` inspects it (:func:`tasks.resources.inspect`): the plan says
   ``create`` when it is missing, ``exists`` when it matches, ``differs`` when only advisory
   settings differ (provisioning reports them and goes on), ``drift`` when a fatal one does
   (provisioning stops, naming the field), ``deleting`` while it is being deleted.
3. A resource whose parent is missing is missing too.
"""

from __future__ import annotations

from tasks.aws import AwsSettings, client
from tasks.config import PipelineConfig
from tasks.dataset_updates import plan_schema_updates
from tasks.desired import Key
from tasks.resources import PlanRow, inspect
from tasks.retries import personalize_task
from tasks.walk import walk


@personalize_task()
def plan_resources(aws: AwsSettings, config: PipelineConfig) -> list[PlanRow]:
    """The plan for every resource the configuration describes, in the walk's order (one row
    per resource)."""
    personalize = client(aws, "personalize")
    rows: list[PlanRow] = []
    arns: dict[Key, str] = {}
    for desired in walk(config):
        if desired.parent is not None and desired.parent not in arns:
            rows.append(PlanRow(desired.kind, desired.name, "create"))
            continue
        known = {key: arns[key] for key in desired.needs if key in arns}
        row = PlanRow.of(inspect(personalize, desired.wanted(known)))
        if row.arn is not None:
            arns[desired.key] = row.arn
        rows.append(row)
    return plan_schema_updates(personalize, config, rows)
