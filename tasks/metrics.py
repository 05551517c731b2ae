"""Metrics: ``get_solution_metrics`` reads a trained version's offline metrics."""

from __future__ import annotations

from tasks.aws import AwsSettings, client
from tasks.errors import translated
from tasks.retries import personalize_task


@personalize_task()
def get_solution_metrics(aws: AwsSettings, solution_version_arn: str) -> dict[str, float]:
    """GetSolutionMetrics' metrics (coverage, precision_at_10, ...) as floats."""
    personalize = client(aws, "personalize")
    with translated(f"solution version {solution_version_arn}"):
        response = personalize.get_solution_metrics(solutionVersionArn=solution_version_arn)
    return {name: float(value) for name, value in response.get("metrics", {}).items()}
