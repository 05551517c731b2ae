"""Checks before ``provision`` creates anything, so a bad value fails at once, not half-way.

1. Recipes: each configured recipe is one ListRecipes lists (DescribeRecipe for an ARN), and not
   one a domain dataset group would need.
2. Hyperparameters: each configured one is a hyperparameter of the recipe's algorithm
   (DescribeAlgorithm's ``defaultHyperParameters``) and lies within its range
   (``defaultHyperParameterRanges``); the message names the value and the allowed range. With
   ``perform_hpo``, each range of ``hpo_config`` names a hyperparameter the algorithm marks
   ``isTunable`` and stays within its allowed range (or values).
3. Campaigns: no campaign of a configured solution syncs itself to the solution's latest
   version (``$LATEST``, ``syncWithLatestSolutionVersion``): it would deploy every new version
   without the gate. Nor may the configuration ask for that.
4. Access (``tasks/s3_access.py``): the bucket policy lets Personalize read and write the
   configured bucket, and the role's trust policy lets Personalize assume it; each gap comes
   with the JSON to apply. The bucket of each source on S3 exists.

Every problem found is reported together (:class:`PreflightError`), each with its fix;
``provision`` runs these checks before it creates anything, its plan shows them, and
``retrain`` runs them before it trains.
"""

from __future__ import annotations

from typing import Any

from tasks.aws import AwsSettings, client
from tasks.config import PipelineConfig, SolutionConfig
from tasks.errors import ExpectedStop, translated
from tasks.findings import Finding
from tasks.reporting import run_logger
from tasks.resources import find, find_all
from tasks.retries import personalize_task
from tasks.s3_access import access_findings, source_bucket_findings

LATEST = "$LATEST"


class PreflightError(ExpectedStop, ValueError):
    """The configuration cannot be provisioned as it is; ``findings`` say why."""

    def __init__(self, findings: list[Finding]):
        self.findings = findings
        lines = "\n".join(f"- {finding}" for finding in findings)
        super().__init__(f"{len(findings)} problem(s) found before creating anything:\n{lines}")

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.findings,))


@personalize_task()
def preflight(aws: AwsSettings, config: PipelineConfig) -> list[Finding]:
    """Every problem that would stop provisioning or bypass the gate (empty: all clear)."""
    personalize = client(aws, "personalize")
    findings = campaign_config_findings(config)
    for solution in config.solutions:
        findings += recipe_findings(personalize, solution)
    findings += latest_sync_findings(personalize, config)
    return findings + access_findings(aws, config)


def require_preflight(aws: AwsSettings, config: PipelineConfig) -> None:
    """Raise :class:`PreflightError` listing every problem :func:`preflight` finds (warnings
    are logged and stop nothing)."""
    findings = preflight(aws, config)
    for warning in (f for f in findings if f.warning):
        run_logger().warning("Not checked: %s", warning)
    problems = [f for f in findings if not f.warning]
    if problems:
        raise PreflightError(problems)


def require_source_buckets(aws: AwsSettings, sources: dict[str, str]) -> None:
    """Raise :class:`PreflightError` when the bucket of a source given to a run (field: URI)
    does not exist; the configured sources are among :func:`preflight`'s checks."""
    problems = source_bucket_findings(client(aws, "s3"), sources)
    if problems:
        raise PreflightError(problems)


def campaign_config_findings(config: PipelineConfig) -> list[Finding]:
    """Configured campaigns that ask to follow the latest solution version."""
    return [
        Finding(
            "campaign",
            f"solutions[{s.name}].campaign.campaign_config.syncWithLatestSolutionVersion",
            "would deploy every new solution version without the gate.",
            "Remove it: retrain promotes a version only once the gate passes.",
        )
        for s in config.solutions
        if s.campaign and s.campaign.campaign_config.get("syncWithLatestSolutionVersion")
    ]


def recipe_findings(personalize: Any, solution: SolutionConfig) -> list[Finding]:
    """The solution's recipe, unless ListRecipes lists it for custom dataset groups; its
    hyperparameters, unless DescribeAlgorithm allows them."""
    subject = f"solutions[{solution.name}].recipe"
    listed = {r["recipeArn"]: r for r in _recipes(personalize)}
    summary = listed.get(solution.recipe_arn)
    if summary is None or summary.get("domain"):
        custom = sorted(r["name"] for r in listed.values() if not r.get("domain"))
        why = (
            "is a recipe of domain dataset groups"
            if summary
            else "is not a recipe Personalize lists"
        )
        return [Finding("recipe", subject, f"{solution.recipe!r} {why}.",
                        f"Use one of: {', '.join(custom)}.")]  # fmt: skip
    tuning = solution.solution_config().get("hpoConfig", {})
    if not solution.hyperparameters and not tuning:
        return []
    with translated(f"recipe {summary['name']}"):
        recipe = personalize.describe_recipe(recipeArn=solution.recipe_arn)["recipe"]
        algorithm = personalize.describe_algorithm(algorithmArn=recipe["algorithmArn"])["algorithm"]
    ranges = tuning.get("algorithmHyperParameterRanges", {})
    return [
        Finding("hyperparameter", f"solutions[{solution.name}].hyperparameters.{name}", problem)
        for name, value in solution.hyperparameters.items()
        if (problem := hyperparameter_problem(algorithm, recipe["name"], name, str(value)))
    ] + [
        Finding("hpo", f"solutions[{solution.name}].hpo_config.{spec.get('name')}", problem)
        for kind in ("integer", "continuous", "categorical")
        for spec in ranges.get(f"{kind}HyperParameterRanges", [])
        if (problem := hpo_range_problem(algorithm, recipe["name"], kind, spec))
    ]


def hpo_range_problem(
    algorithm: dict[str, Any], recipe: str, kind: str, spec: dict[str, Any]
) -> str:
    """What is wrong with one ``hpoConfig`` range for a DescribeAlgorithm document ('' when
    nothing)."""
    name = spec.get("name")
    allowed = next(
        (r for r in algorithm.get("defaultHyperParameterRanges", {}).get(
            f"{kind}HyperParameterRanges", []) if r["name"] == name),
        None,
    )  # fmt: skip
    if allowed is None:
        return f"{recipe} has no {kind} hyperparameter {name!r} to tune."
    if not allowed.get("isTunable"):
        return f"{name} is not tunable for {recipe} (DescribeAlgorithm: isTunable false)."
    if kind == "categorical":
        extra = [str(v) for v in spec.get("values", []) if v not in allowed["values"]]
        if extra:
            return (
                f"{', '.join(extra)} not among the values {recipe} allows: "
                f"{', '.join(map(str, allowed['values']))}."
            )
        return ""
    low, high = spec.get("minValue"), spec.get("maxValue")
    if low is None or high is None or low > high:
        return f"give minValue <= maxValue (got {low} to {high})."
    if low < allowed["minValue"] or high > allowed["maxValue"]:
        return (
            f"{low} to {high} is outside the range {recipe} allows: "
            f"{allowed['minValue']} to {allowed['maxValue']}."
        )
    return ""


def hyperparameter_problem(algorithm: dict[str, Any], recipe: str, name: str, value: str) -> str:
    """What is wrong with ``name=value`` for a DescribeAlgorithm document ('' when nothing)."""
    ranges = algorithm.get("defaultHyperParameterRanges", {})
    defaults = algorithm.get("defaultHyperParameters", {})
    for kind in ("integer", "continuous"):
        for spec in ranges.get(f"{kind}HyperParameterRanges", []):
            if spec["name"] != name:
                continue
            low, high = spec["minValue"], spec["maxValue"]
            try:
                number = int(value) if kind == "integer" else float(value)
            except ValueError:
                what = "an integer" if kind == "integer" else "a number"
                return f"{value!r} is not {what}; {recipe} allows {low} to {high}."
            if not low <= number <= high:
                return f"{value} is outside the range {recipe} allows: {low} to {high}."
            return ""
    for spec in ranges.get("categoricalHyperParameterRanges", []):
        if spec["name"] == name:
            allowed = [str(v) for v in spec["values"]]
            if value.lower() not in [v.lower() for v in allowed]:
                return f"{value!r} is not one of the values {recipe} allows: {', '.join(allowed)}."
            return ""
    if name in defaults:
        return ""
    known = ", ".join(sorted(defaults)) or "none"
    return f"{recipe} has no hyperparameter {name!r} (it has: {known})."


def latest_sync_findings(personalize: Any, config: PipelineConfig) -> list[Finding]:
    """Existing campaigns of the configured solutions that sync to ``$LATEST``."""
    group = find(personalize, "dataset-group", lambda g: g.get("name") == config.dataset_group.name)
    if group is None:
        return []
    names = {s.name for s in config.solutions}
    findings = []
    for solution in find_all(personalize, "solution", group["datasetGroupArn"]):
        if solution.get("name") not in names:
            continue
        for summary in find_all(personalize, "campaign", solution["solutionArn"]):
            with translated(f"campaign {summary['name']}"):
                campaign = personalize.describe_campaign(campaignArn=summary["campaignArn"])[
                    "campaign"
                ]
            problem = latest_sync_problem(campaign)
            if problem:
                findings.append(Finding("campaign", f"campaign {campaign['name']}", *problem))
    return findings


def latest_sync_problem(campaign: dict[str, Any]) -> tuple[str, str] | None:
    """(problem, fix) when a campaign follows its solution's latest version, else None."""
    config = campaign.get("campaignConfig") or {}
    arn = str(campaign.get("solutionVersionArn", ""))
    if not config.get("syncWithLatestSolutionVersion") and not arn.endswith(f"/{LATEST}"):
        return None
    serving = arn.removesuffix(f"/{LATEST}")
    return (
        f"syncs itself to the latest solution version ({LATEST}), which deploys every new "
        "version without the gate.",
        f"Turn it off: aws personalize update-campaign --campaign-arn {campaign['campaignArn']} "
        f"--solution-version-arn <the version to serve, e.g. the latest of {serving}> "
        "--campaign-config syncWithLatestSolutionVersion=false",
    )


def _recipes(personalize: Any) -> list[dict[str, Any]]:
    return find_all(personalize, "recipe")
