"""What ``provision`` would do, found by reading only (List and Describe calls).

1. Each resource of the configuration is described as its ``ensure_*`` task describes it
   (the same ``wanted_*`` function), parents first.
2. Each is inspected as ``ensure`` inspects it (:func:`tasks.resources.inspect`): the plan says
   ``create`` when it is missing, ``exists`` when it matches, ``differs`` when only advisory
   settings differ (provisioning reports them and goes on), ``drift`` when a fatal one does
   (provisioning stops, naming the field), ``deleting`` while it is being deleted.
3. A resource whose parent is missing is missing too.
"""

from __future__ import annotations

from tasks.aws import AwsSettings, client
from tasks.config import PipelineConfig
from tasks.dataset_groups import wanted_dataset_group
from tasks.dataset_updates import plan_schema_updates
from tasks.datasets import wanted_dataset
from tasks.event_trackers import wanted_event_tracker
from tasks.filters import wanted_filter
from tasks.metric_attributions import wanted_metric_attribution
from tasks.recommenders import wanted_recommender
from tasks.resources import PlanRow, Wanted, inspect
from tasks.retries import personalize_task
from tasks.schemas import wanted_schema
from tasks.solutions import wanted_solution


@personalize_task()
def plan_resources(aws: AwsSettings, config: PipelineConfig) -> list[PlanRow]:
    """The plan for every resource the configuration describes, parents first."""
    personalize = client(aws, "personalize")
    rows: list[PlanRow] = []

    def check(wanted: Wanted) -> str | None:
        row = PlanRow.of(inspect(personalize, wanted))
        rows.append(row)
        return row.arn

    def missing(kind: str, name: str) -> None:
        rows.append(PlanRow(kind, name, "create"))

    domain = config.dataset_group.domain
    group = check(
        wanted_dataset_group(
            config.dataset_group.name, domain, kms_key_arn=config.dataset_group.kms_key_arn
        )
    )
    for dataset_type, dataset in config.datasets.configured().items():
        name = config.resource_name(dataset_type)
        schema = check(wanted_schema(name, dataset.avro_schema, domain))
        if group is None:
            missing("dataset", name)
        else:
            check(wanted_dataset(group, dataset_type, name, schema))
    for item in config.filters:
        if group is None:
            missing("filter", item.name)
        else:
            check(wanted_filter(group, item.name, item.expression))
    if config.event_tracker:
        if group is None:
            missing("event-tracker", config.event_tracker.name)
        else:
            check(wanted_event_tracker(group, config.event_tracker.name))
    for s in config.solutions:
        if group is None:
            missing("solution", s.name)
        else:
            check(
                wanted_solution(
                    group, s.name, s.recipe_arn, s.event_type, s.solution_config(), s.perform_hpo
                )
            )
    for r in config.recommenders:
        if group is None:
            missing("recommender", r.name)
        else:
            check(wanted_recommender(group, r.name, r.recipe_arn, r.recommender_config))
    attribution = config.metric_attribution
    if attribution and group is None:
        missing("metric-attribution", attribution.name)
    elif attribution and group is not None:
        output, role = config.attribution_output(), config.role_arn
        check(wanted_metric_attribution(group, attribution.name, output, role))
    return plan_schema_updates(personalize, config, rows)
