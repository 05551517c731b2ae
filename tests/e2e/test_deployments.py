"""prefect.yaml deployed to a real Prefect server; runs on a real process worker.

Deploying creates the deployments with their schedule, concurrency limit and trigger; the
schedule creates future runs; a run created through the API the UI uses completes; the
upstream flow's event starts a retrain with the event's parameters, which completes; the
``run_deployment`` path waits for the retrain's outcome.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import boto3
import pytest
from prefect.client.schemas.filters import (
    DeploymentFilter,
    DeploymentFilterId,
    FlowRunFilter,
    FlowRunFilterId,
    LogFilter,
    LogFilterFlowRunId,
)
from prefect.client.schemas.objects import FlowRun
from prefect.client.schemas.schedules import CronSchedule
from prefect.events import Event
from prefect.events.clients import get_events_client
from prefect.settings import PREFECT_API_URL, get_current_settings, temporary_settings

from deployments.upstream import EXPORTED_EVENT, RETRAIN_DEPLOYMENT, dataset_group_resource
from deployments.work_pool import WORK_POOL
from local.stack import LocalStack
from tasks.config import load_config
from tests.artifacts import latest_artifacts
from tests.e2e.conftest import (
    RUN_TIMEOUT,
    assert_completed,
    deployment_id,
    on_api,
    start_run,
    wait_for_final,
)

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("on_stack")]

EXPECTED = {
    "retrain/weekly",
    "retrain/on-new-interactions",
    "provision/manual",
    "batch-inference/manual",
    "teardown/manual",
    "review-versions/daily",
    "export-interactions/example",
    "export-and-retrain/example",
    "forget-users/manual",
    "export-dataset/manual",
    "update-records/manual",
    "publish-new-items/example",
}
# The upstream examples export the whole history (first export + new days) for a FULL import,
# so that each retrain's model is comparable with the one serving and the gate lets it through.
EXPORT_EVERYTHING = {
    "source_uri": "s3://personalize-demo/raw/all-interactions.parquet",
    "import_mode": "FULL",
}
EVENT_PREFIX = "s3://personalize-demo/exports/event/"
WAITED_PREFIX = "s3://personalize-demo/exports/waited/"


def _runs_of(name: str) -> list[FlowRun]:
    ident = deployment_id(name)
    return on_api(
        lambda c: c.read_flow_runs(
            deployment_filter=DeploymentFilter(id=DeploymentFilterId(any_=[ident]))
        )
    )


def test_every_deployment_is_created_on_the_process_pool(on_stack: LocalStack) -> None:
    deployments = on_api(lambda c: c.read_deployments())
    flows = {f.id: f.name for f in on_api(lambda c: c.read_flows())}
    names = {f"{flows[d.flow_id]}/{d.name}" for d in deployments}
    assert names >= EXPECTED
    assert {d.work_pool_name for d in deployments} == {WORK_POOL}
    pool = on_api(lambda c: c.read_work_pool(WORK_POOL))
    assert pool.type == "process"
    run_env = pool.base_job_template["variables"]["properties"]["env"]["default"]
    assert (
        run_env["AWS_ENDPOINT_URL_PERSONALIZE"]
        == on_stack.client_env()["AWS_ENDPOINT_URL_PERSONALIZE"]
    )
    # No secret in job variables (issue 16): the worker holds the local service's credentials.
    assert not [name for name in run_env if "SECRET" in name or "KEY" in name], run_env


def test_scheduled_retrain_has_cron_timezone_and_one_run_at_a_time() -> None:
    deployment = on_api(lambda c: c.read_deployment_by_name("retrain/weekly"))
    (schedule,) = deployment.schedules
    assert isinstance(schedule.schedule, CronSchedule)
    assert (schedule.schedule.cron, schedule.schedule.timezone) == ("0 2 * * 1", "America/New_York")
    assert schedule.active
    assert deployment.global_concurrency_limit is not None
    assert deployment.global_concurrency_limit.limit == 1
    assert deployment.concurrency_options is not None
    assert deployment.concurrency_options.collision_strategy == "ENQUEUE"


def test_the_schedule_creates_future_runs() -> None:
    deadline = time.monotonic() + 60
    while not (scheduled := [r for r in _runs_of("retrain/weekly") if r.auto_scheduled]):
        assert time.monotonic() < deadline, "the scheduler created no runs"
        time.sleep(1)
    for run in scheduled:
        assert run.state_name == "Scheduled"
        start = run.expected_start_time
        assert start is not None and start > datetime.now(UTC)
        local = start.astimezone(ZoneInfo("America/New_York"))
        assert (local.weekday(), local.hour, local.minute) == (0, 2, 0)


def test_retrain_trigger_templates_the_event_payload_into_parameters() -> None:
    ident = deployment_id(RETRAIN_DEPLOYMENT)
    automations = [
        a
        for a in on_api(lambda c: c.read_automations())
        if any(getattr(action, "deployment_id", None) == ident for action in a.actions)
    ]
    (automation,) = automations
    assert automation.trigger.expect == {EXPORTED_EVENT}  # type: ignore[union-attr]
    assert automation.trigger.match.root == {  # type: ignore[union-attr]
        "prefect.resource.id": dataset_group_resource("personalize-demo")
    }
    (action,) = automation.actions
    assert action.parameters == {  # type: ignore[union-attr]
        "interactions_uri": "{{ event.payload.interactions_uri }}",
        "import_mode": "{{ event.payload.import_mode }}",
    }


def test_the_run_form_is_typed_with_defaults() -> None:
    deployment = on_api(lambda c: c.read_deployment_by_name("retrain/weekly"))
    properties = deployment.parameter_openapi_schema["properties"]
    assert {"config_path", "interactions_uri", "import_mode", "solutions", "require_approval"} <= (
        set(properties)
    )
    assert properties["require_approval"]["type"] == "boolean"
    assert properties["require_approval"]["default"] is False
    modes = properties["import_mode"]["anyOf"][0]
    assert set(modes["enum"]) == {"FULL", "INCREMENTAL"}
    assert deployment.parameters["config_path"] == "config/demo.yaml"


def test_the_run_form_describes_every_parameter() -> None:
    deployment = on_api(lambda c: c.read_deployment_by_name("retrain/weekly"))
    properties = deployment.parameter_openapi_schema["properties"]
    undescribed = [name for name, prop in properties.items() if not prop.get("description")]
    assert not undescribed, f"the form shows no description for {undescribed}"


def test_a_run_created_through_the_ui_api_completes(
    on_stack: LocalStack, first_retrain: FlowRun
) -> None:
    assert_completed(first_retrain, on_stack)
    assert first_retrain.parameters["import_mode"] == "FULL"
    assert first_retrain.deployment_id == deployment_id("retrain/weekly")


def test_the_readme_upstream_example_updates_the_campaign(
    on_stack: LocalStack, first_retrain: FlowRun
) -> None:
    # Issue 16, bug 1: `make up`, retrain/weekly, then export-interactions/example as deployed
    # (the next 14 days, INCREMENTAL) ended Failed; it must complete with the campaign updated.
    before = {r.id for r in _runs_of(RETRAIN_DEPLOYMENT)}
    export = wait_for_final(start_run("export-interactions/example").id)
    assert_completed(export, on_stack)
    deadline = time.monotonic() + 60
    while not (started := [r for r in _runs_of(RETRAIN_DEPLOYMENT) if r.id not in before]):
        assert time.monotonic() < deadline, "the event started no retrain run"
        time.sleep(1)
    (retrain,) = started
    assert retrain.parameters["import_mode"] == "INCREMENTAL"
    finished = wait_for_final(retrain.id)
    assert_completed(finished, on_stack)
    # A deployment's run keeps no result in the API: its lineage artifact says what it did.
    artifacts = on_api(
        lambda c: c.read_artifacts(
            flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[retrain.id]))
        )
    )
    lineage = [str(a.data) for a in artifacts if a.key and a.key.startswith("lineage")]
    assert lineage and "promotion: **updated**" in lineage[0], lineage


def test_upstream_event_starts_a_retrain_with_its_parameters(
    on_stack: LocalStack, first_retrain: FlowRun
) -> None:
    before = {r.id for r in _runs_of(RETRAIN_DEPLOYMENT)}
    export = wait_for_final(
        start_run(
            "export-interactions/example", EXPORT_EVERYTHING | {"export_prefix": EVENT_PREFIX}
        ).id
    )
    assert_completed(export, on_stack)
    deadline = time.monotonic() + 60
    while not (started := [r for r in _runs_of(RETRAIN_DEPLOYMENT) if r.id not in before]):
        assert time.monotonic() < deadline, "the event started no retrain run"
        time.sleep(1)
    (retrain,) = started
    uri = retrain.parameters["interactions_uri"]
    assert uri.startswith(f"{EVENT_PREFIX}interactions-")
    assert retrain.parameters["import_mode"] == "FULL"
    assert_completed(wait_for_final(retrain.id), on_stack)


def test_upstream_flow_waits_for_the_retrain_through_run_deployment(
    on_stack: LocalStack, first_retrain: FlowRun
) -> None:
    upstream = wait_for_final(
        start_run(
            "export-and-retrain/example", EXPORT_EVERYTHING | {"export_prefix": WAITED_PREFIX}
        ).id,
        timeout=2 * RUN_TIMEOUT,
    )
    assert_completed(upstream, on_stack)
    waited = [
        r
        for r in _runs_of(RETRAIN_DEPLOYMENT)
        if r.parameters.get("interactions_uri", "").startswith(WAITED_PREFIX)
    ]
    assert len(waited) == 1
    assert waited[0].state is not None and waited[0].state.is_completed()


def test_an_event_for_another_dataset_group_starts_no_retrain(
    on_stack: LocalStack, first_retrain: FlowRun
) -> None:
    before = {r.id for r in _runs_of(RETRAIN_DEPLOYMENT)}
    ours = load_config(on_stack.settings.demo_config).dataset_group.name
    uri = EXPORT_EVERYTHING["source_uri"]
    emit_in_order(
        exported_event("another-group", f"{uri}?another"), exported_event(ours, uri)
    )  # the other group's first: had it matched, its run would exist by the time ours does
    deadline = time.monotonic() + 60
    while not (started := [r for r in _runs_of(RETRAIN_DEPLOYMENT) if r.id not in before]):
        assert time.monotonic() < deadline, "our dataset group's event started no retrain run"
        time.sleep(1)
    time.sleep(5)
    started = [r for r in _runs_of(RETRAIN_DEPLOYMENT) if r.id not in before]
    assert [r.parameters["interactions_uri"] for r in started] == [uri]
    assert_completed(wait_for_final(started[0].id), on_stack)


def test_upstream_flow_fails_when_the_gate_stops_its_retrain(
    on_stack: LocalStack, first_retrain: FlowRun
) -> None:
    broken = {"source_uri": "s3://personalize-demo/raw/broken-interactions.parquet"}
    upstream = wait_for_final(
        start_run(
            "export-and-retrain/example",
            broken | {"import_mode": "FULL", "export_prefix": f"{WAITED_PREFIX}broken/"},
        ).id,
        timeout=2 * RUN_TIMEOUT,
    )
    assert upstream.state is not None and upstream.state.is_failed()
    assert "stopped by the gate" in str(upstream.state.message)
    waited = [
        r
        for r in _runs_of(RETRAIN_DEPLOYMENT)
        if r.parameters.get("interactions_uri", "").startswith(f"{WAITED_PREFIX}broken/")
    ]
    assert len(waited) == 1 and waited[0].state is not None and waited[0].state.is_failed()
    logs = on_api(
        lambda c: c.read_logs(
            log_filter=LogFilter(flow_run_id=LogFilterFlowRunId(any_=[upstream.id]))
        )
    )
    assert not [log for log in logs if log.message.startswith("Retrain run")]  # no later step


def exported_event(dataset_group: str, uri: str, mode: str = "FULL") -> Event:
    """The event the upstream export emits, for ``dataset_group``."""
    return Event(
        event=EXPORTED_EVENT,
        resource={
            "prefect.resource.id": dataset_group_resource(dataset_group),
            "prefect.resource.name": dataset_group,
        },
        payload={"interactions_uri": uri, "import_mode": mode, "dataset_group": dataset_group},
    )


def emit_in_order(*events: Event) -> None:
    """Send events to the stack's server, one after the other."""

    api = get_current_settings().api.url

    async def send() -> None:
        with temporary_settings(updates={PREFECT_API_URL: api}):  # a new thread: set it again
            async with get_events_client() as client:
                for event in events:
                    await client.emit(event)

    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, send()).result()


def test_a_quick_run_of_teardown_deletes_nothing(
    on_stack: LocalStack, first_retrain: FlowRun
) -> None:
    # Issue 23: a Quick run from the UI (no parameters) deleted the live campaign.
    env = on_stack.client_env()
    personalize = boto3.client(
        "personalize",
        endpoint_url=env["AWS_ENDPOINT_URL_PERSONALIZE"],
        aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
        region_name=env["AWS_DEFAULT_REGION"],
    )
    name = load_config(on_stack.settings.demo_config).dataset_group.name
    campaigns = {c["campaignArn"] for c in personalize.list_campaigns()["campaigns"]}
    assert campaigns, "the first retrain deployed a campaign"

    run = wait_for_final(start_run("teardown/manual").id)
    assert_completed(run, on_stack)
    assert {c["campaignArn"] for c in personalize.list_campaigns()["campaigns"]} == campaigns
    assert name in {g["name"] for g in personalize.list_dataset_groups()["datasetGroups"]}
    plan = json.loads(str(latest_artifacts(f"teardown-{name}")[f"teardown-{name}"].data))
    assert [row["kind"] for row in plan][:1] == ["campaign"]
    assert {row["arn"] for row in plan} >= campaigns
    assert plan[-1]["kind"] in ("dataset-group", "schema")


def test_a_run_is_followed_from_a_shell_to_its_result(on_stack: LocalStack) -> None:
    # Issue 23: `prefect deployment run --watch` streamed ~250 lines of task-run events and
    # neither the logs nor the verdict.
    shown = subprocess.run(
        [sys.executable, "-m", "deployments.run", "teardown/manual"],
        cwd=on_stack.settings.project_dir, capture_output=True, text=True, timeout=RUN_TIMEOUT,
        env={**os.environ, "PREFECT_API_URL": on_stack.api_url}, check=False,
    )  # fmt: skip
    assert shown.returncode == 0, shown.stdout + shown.stderr
    lines = shown.stdout.splitlines()
    assert lines[0].startswith("Started teardown/manual run ")
    assert any("WARNING Nothing was deleted: teardown would delete" in x for x in lines), lines
    assert lines[-1].startswith("teardown/manual: Completed")
    assert not any("prefect.task-run" in x for x in lines)
