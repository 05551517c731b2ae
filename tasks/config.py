"""The pipeline configuration: one YAML file describes a dataset group and everything in it.

:func:`load_config` reads and validates it before any AWS call and reports every mistake with
its path (``solutions[0].gate.min.precision_at_11: unknown metric ...``) in one
:class:`ConfigError`. Schema files are resolved relative to the YAML file and parsed as Avro
then. The datasets' ``source`` and ``cleaning``, and ``prep`` (where preparation runs), are
:mod:`tasks.prep.config`'s models.

Names of things (``name``, ``recipe``...) follow Personalize's own: a solution's ``recipe`` is
a recipe name such as ``aws-user-personalization-v2`` or a full recipe ARN.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PositiveFloat,
    PrivateAttr,
    ValidationError,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from personalize_facts.avro import SchemaRuleError, check_dataset_type, parse_schema
from personalize_facts.filters import FilterExpressionError, compile_filter
from personalize_facts.metrics import METRIC_NAMES, PER_USER_METRICS
from tasks.aws import AwsSettings
from tasks.cost_settings import BudgetConfig, CostsConfig
from tasks.errors import ExpectedStop
from tasks.prep.config import (
    CleaningConfig,
    DataChecks,
    ImportGuards,
    PrepRunConfig,
    SourceConfig,
)
from tasks.prep.suppression import suppression_uri

METRICS = METRIC_NAMES
"""The keys GetSolutionMetrics reports, the only names a gate may use."""

DatasetType = Literal["interactions", "items", "users", "actions", "action_interactions"]


def _metric(name: str) -> str:
    if name not in METRICS:
        raise PydanticCustomError(
            "unknown_metric", "unknown metric; use one of: {known}", {"known": ", ".join(METRICS)}
        )
    return name


def _holdout_metric(name: str) -> str:
    if name not in PER_USER_METRICS:
        raise PydanticCustomError(
            "unknown_metric",
            "unknown holdout metric; use one of: {known}",
            {"known": ", ".join(PER_USER_METRICS)},
        )
    return name


# WithJsonSchema: the allowed names show in the generated configuration reference.
Metric = Annotated[
    str, AfterValidator(_metric), WithJsonSchema({"type": "string", "enum": list(METRICS)})
]
HoldoutMetric = Annotated[
    str,
    AfterValidator(_holdout_metric),
    WithJsonSchema({"type": "string", "enum": list(PER_USER_METRICS)}),
]
Name = Annotated[str, Field(pattern=r"^[a-zA-Z0-9][a-zA-Z0-9\-_]*$", min_length=1, max_length=63)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ConfigError(ExpectedStop, ValueError):
    """Every mistake of a configuration file, one ``path: message`` per line."""

    def __init__(self, source: str, problems: list[str]):
        self.source = source
        self.problems = problems
        super().__init__(f"{source}: {len(problems)} problem(s)\n  " + "\n  ".join(problems))

    def one_line(self) -> str:
        """``source: problem; problem``."""
        return f"{self.source}: {'; '.join(self.problems)}"


class HoldoutGateConfig(_Model):
    """The paired comparison: new and serving version on the same recent held-out interactions.

    Costs batch inference jobs on AWS (one per version compared, each minutes to tens of
    minutes); see docs/gate.md.
    """

    days: int = Field(default=7, gt=0, description="Hold out interactions of the last N days.")
    max_users: int = Field(
        default=5000, gt=0, description="Hold out the recent interactions of this many users."
    )
    metric: HoldoutMetric = Field(
        default="normalized_discounted_cumulative_gain_at_10",
        description="The per-user metric the rule is checked on.",
    )
    max_drop: float = Field(
        default=0.03,
        ge=0,
        lt=1,
        description="Promote only if the lower confidence bound of new / serving - 1 is above "
        "-max_drop (non-inferiority). The default suits 5,000 users (make bench-gate).",
    )
    confidence: float = Field(
        default=0.95, gt=0.5, lt=1, description="Confidence level of the interval."
    )
    resamples: int = Field(
        default=1000, ge=100, le=100_000, description="Paired bootstrap resamples.", examples=[2000]
    )
    when_undecided: Literal["metric_rules", "approval", "stop"] = Field(
        default="metric_rules",
        description="When the interval's half-width (the smallest drop the holdout can detect) "
        "is wider than max_drop: 'metric_rules' lets the max_drop rules on GetSolutionMetrics "
        "decide, with a warning; 'approval' also waits for a person; 'stop' stops. A version "
        "whose whole interval lies below -max_drop is stopped in every case.",
    )
    max_coverage_drop: float | None = Field(
        default=0.5,
        gt=0,
        lt=1,
        description="Stop when the share of the catalogue in the held-out users' top-25 lists "
        "falls by more than this, relative to the serving version's (none: no rule).",
    )
    new_users_max_drop: float | None = Field(
        default=None,
        gt=0,
        lt=1,
        description="Also require the lower bound of new/serving - 1 on held-out new users "
        "(no interactions before the cutoff) above -this (none: shown, not ruled on).",
    )


class GateConfig(_Model):
    """When a new solution version may replace the one serving."""

    min: dict[Metric, Annotated[float, Field(ge=0)]] = Field(
        default_factory=dict, description="Absolute floors, e.g. {precision_at_10: 0.05}."
    )
    max_drop: dict[Metric, Annotated[float, Field(ge=0)]] = Field(
        default_factory=dict,
        description="Largest allowed drop versus the serving version, per metric.",
    )
    max_drop_mode: Literal["absolute", "relative"] = Field(
        default="absolute",
        description="max_drop in metric points (absolute) or as a fraction of the serving value.",
    )
    baseline_solution: str | None = Field(
        default=None,
        description="Name of another configured solution (e.g. popularity) to beat.",
    )
    baseline_margin: float = Field(
        default=0.0,
        ge=0,
        description="How much the gated metrics must exceed the baseline's (max_drop_mode units).",
    )
    holdout: HoldoutGateConfig | None = Field(
        default=None,
        description="Also compare new and serving version on held-out recent interactions.",
    )


class CampaignConfig(_Model):
    """The real-time endpoint serving a solution."""

    name: Name = Field(description="Name of the campaign.", examples=["shop-for-you"])
    min_provisioned_tps: int = Field(
        default=1,
        ge=1,
        le=500,
        description="Requests per second always provisioned, billed per TPS-hour with or "
        "without traffic.",
    )
    campaign_config: dict[str, Any] = Field(
        default_factory=dict,
        description="Personalize's CampaignConfig as is, e.g. {itemExplorationConfig: {...}}.",
        examples=[{"itemExplorationConfig": {"explorationWeight": "0.3"}}],
    )


class BatchConfig(_Model):
    """Batch recommendations refreshed after a promotion."""

    num_results: int = Field(default=25, ge=1, le=500, description="Recommendations per user.")
    filter: str | None = Field(default=None, description="Name of a configured filter.")
    input_uri: str | None = Field(
        default=None,
        description="s3:// JSON-lines file of {userId}; default s3://<bucket>/batch/<solution>/input.json",
        examples=["s3://my-personalize-bucket/batch/shop-for-you/input.json"],
    )
    output_uri: str | None = Field(
        default=None,
        description="s3:// prefix; default s3://<bucket>/batch/<solution>/output/",
        examples=["s3://my-personalize-bucket/batch/shop-for-you/output/"],
    )


class SegmentsConfig(_Model):
    """User segments from a USER_SEGMENTATION solution (aws-item-affinity, -attribute-affinity)."""

    num_results: int = Field(
        default=25, ge=1, le=5_000_000, description="Users per segment.", examples=[1000]
    )
    items: list[str] = Field(
        default_factory=list,
        description="Item-Affinity: the items to segment users for (default: the 10 items with "
        "the most interactions).",
        examples=[["item-1", "item-2"]],
    )
    attributes: list[str] = Field(
        default_factory=list,
        description='Item-Attribute-Affinity: expressions such as ITEMS.GENRES = "Comedy".',
        examples=[['ITEMS.GENRES = "Comedy"']],
    )
    after_retrain: bool = Field(
        default=False,
        description="Refresh the segments after each retrain that trains the solution "
        "(as batch_inference is after each promotion).",
        examples=[True],
    )


class SolutionConfig(_Model):
    """A recipe trained on the dataset group, its gate, campaign and batch job."""

    name: Name = Field(
        description="Name of the solution (its lock is personalize-solution-<name>).",
        examples=["shop-for-you"],
    )
    recipe: str = Field(description="Recipe name (aws-user-personalization-v2) or ARN.")
    training_mode: Literal["FULL", "UPDATE", "AUTOTRAIN"] = Field(
        default="FULL",
        description="How retrain trains a new version (CreateSolutionVersion's trainingMode): "
        "FULL on all the data; UPDATE (User-Personalization) brings the latest FULL version up "
        "to date with new items and interactions.",
    )
    hyperparameters: dict[str, str | int | float] = Field(
        default_factory=dict,
        description="The recipe's algorithmHyperParameters (sent as strings), checked against "
        "DescribeAlgorithm's ranges before anything is created.",
        examples=[{"hidden_dimension": 128}],
    )
    event_type: str | None = Field(
        default=None,
        description="Train on interactions of this EVENT_TYPE only.",
        examples=["purchase"],
    )
    perform_hpo: bool = Field(
        default=False,
        description="Tune hyperparameters in each training (performHPO) within hpo_config's "
        "ranges.",
        examples=[True],
    )
    hpo_config: dict[str, Any] = Field(
        default_factory=dict,
        description="Personalize's HPOConfig as is (algorithmHyperParameterRanges, "
        "hpoResourceConfig.maxNumberOfTrainingJobs), used with perform_hpo; each trial is "
        "billed as training time.",
        examples=[
            {
                "algorithmHyperParameterRanges": {
                    "integerHyperParameterRanges": [
                        {"name": "hidden_dimension", "minValue": 32, "maxValue": 256}
                    ]
                },
                "hpoResourceConfig": {"maxNumberOfTrainingJobs": "8"},
            }
        ],
    )
    auto_training_days: int | None = Field(
        default=None,
        ge=1,
        le=30,
        description="Let Personalize train a new version every N days on its own "
        "(performAutoTraining with rate(N days)); each is billed as a training. Off when unset: "
        "the pipeline trains. Gate them with the review_versions flow.",
        examples=[7],
    )
    gate: GateConfig | None = Field(
        default=None,
        description="When a new version may replace the serving one (none: every trained "
        "version passes).",
    )
    campaign: CampaignConfig | None = Field(
        default=None, description="The real-time endpoint serving the promoted version."
    )
    batch_inference: BatchConfig | None = Field(
        default=None, description="Batch recommendations refreshed after each promotion."
    )
    batch_segments: SegmentsConfig | None = Field(
        default=None, description="User segments (aws-item-affinity, -attribute-affinity)."
    )

    @property
    def recipe_arn(self) -> str:
        """The recipe's ARN."""
        return recipe_arn(self.recipe)

    @property
    def next_best_action(self) -> bool:
        """True for a next-best-action solution (its campaign answers GetActionRecommendations)."""
        return self.recipe_arn.endswith("/aws-next-best-action")

    def solution_config(self) -> dict[str, Any]:
        """Personalize's SolutionConfig for CreateSolution (hyperparameters as strings, and the
        automatic training schedule when configured)."""
        config: dict[str, Any] = {}
        if self.hyperparameters:
            values = {key: str(value) for key, value in self.hyperparameters.items()}
            config["algorithmHyperParameters"] = values
        if self.perform_hpo and self.hpo_config:
            config["hpoConfig"] = self.hpo_config
        if self.auto_training_days is not None:
            rate = (
                f"rate({self.auto_training_days} day{'s' if self.auto_training_days > 1 else ''})"
            )
            config["autoTrainingConfig"] = {"schedulingExpression": rate}
        return config


NO_BATCH_INFERENCE = ("/aws-trending-now", "/aws-item-affinity", "-attribute-affinity")
"""Recipes CreateBatchInferenceJob refuses (its documentation: Trending-Now, Next-Best-Action;
user segmentation recipes make batch segment jobs)."""


def _batch_problems(i: int, solution: SolutionConfig) -> list[str]:
    """What is wrong with a solution's batch_inference for its recipe."""
    where = f"solutions[{i}].batch_inference"
    if solution.batch_inference is None:
        return []
    if solution.recipe_arn.endswith(NO_BATCH_INFERENCE):
        return [
            f"{where}: AWS has no batch inference for {solution.recipe_arn.rsplit('/', 1)[-1]} "
            "(segmentation recipes: use batch_segments; Trending-Now: a campaign)"
        ]
    if solution.next_best_action and solution.campaign is None:
        return [
            f"{where}: next best actions for many users come from the solution's campaign "
            "(AWS has no batch jobs for aws-next-best-action); configure a campaign"
        ]
    return []


def recipe_arn(recipe: str) -> str:
    """A recipe's ARN from its name (or the ARN itself)."""
    return recipe if recipe.startswith("arn:") else f"arn:aws:personalize:::recipe/{recipe}"


class DatasetConfig(_Model):
    """One dataset: its Avro schema file, where its data comes from, and how it is cleaned."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    schema_path: Path = Field(alias="schema", description="Avro schema (.avsc), relative path ok.")
    source: SourceConfig | None = Field(
        default=None, description="Raw data to prepare and import (none: import nothing)."
    )
    cleaning: CleaningConfig = Field(
        default_factory=CleaningConfig, description="Cleaning rules applied while preparing."
    )
    guards: ImportGuards = Field(
        default_factory=ImportGuards,
        description="Limits that stop a run before a broken export is imported.",
    )
    checks: DataChecks = Field(
        default_factory=DataChecks,
        description="Limits on how far an export may move from the data the serving version "
        "trained on; checked before any import (interactions; items and users: FULL exports).",
    )
    import_mode: Literal["FULL", "INCREMENTAL"] = Field(
        default="FULL",
        description="FULL replaces the bulk data the dataset holds, INCREMENTAL adds to it "
        "(retrain's import_mode parameter overrides it for one run).",
    )
    on_stop: Literal["restore", "keep"] = Field(
        default="restore",
        description="After a run is stopped (gate, approval, failed promotion) or fails after "
        "its import: 'restore' imports the accepted data again (the files behind the serving "
        "version), so nothing unaccepted stays in the dataset; 'keep' leaves the run's data.",
        examples=["keep"],
    )
    _avro: dict[str, Any] = PrivateAttr(default_factory=dict)

    @field_validator("schema_path")
    @classmethod
    def _resolve(cls, path: Path, info: ValidationInfo) -> Path:
        base = (info.context or {}).get("base_dir")
        if base is not None and not path.is_absolute():
            path = Path(base) / path
        if not path.is_file():
            raise ValueError(f"schema file not found: {path}")
        return path

    @property
    def avro_schema(self) -> dict[str, Any]:
        """The parsed Avro schema (a record)."""
        if not self._avro:
            self._avro = json.loads(self.schema_path.read_text())
        return self._avro

    @property
    def avro_json(self) -> str:
        """The schema as the JSON text Personalize's CreateSchema takes."""
        return json.dumps(self.avro_schema, separators=(",", ":"))

    @property
    def field_names(self) -> list[str]:
        """The schema's field names."""
        return [field["name"] for field in self.avro_schema.get("fields", [])]


class DatasetsConfig(_Model):
    """The datasets of the group: interactions always, items and users optionally."""

    interactions: DatasetConfig = Field(
        description="The interactions (USER_ID, ITEM_ID, TIMESTAMP required)."
    )
    items: DatasetConfig | None = Field(
        default=None, description="The items' metadata (ITEM_ID required)."
    )
    users: DatasetConfig | None = Field(
        default=None, description="The users' metadata (USER_ID required)."
    )
    actions: DatasetConfig | None = Field(
        default=None, description="Next best action: the actions (filled by update_records)."
    )
    action_interactions: DatasetConfig | None = Field(
        default=None, description="Next best action: TAKEN/NOT_TAKEN/VIEWED events of users."
    )

    def configured(self) -> dict[DatasetType, DatasetConfig]:
        """The datasets present, by type, interactions first."""
        found: dict[DatasetType, DatasetConfig] = {"interactions": self.interactions}
        if self.items:
            found["items"] = self.items
        if self.users:
            found["users"] = self.users
        if self.actions:
            found["actions"] = self.actions
        if self.action_interactions:
            found["action_interactions"] = self.action_interactions
        return found


Domain = Literal["ECOMMERCE", "VIDEO_ON_DEMAND"]
DOMAIN_RECIPE_PREFIX: dict[str, str] = {"ECOMMERCE": "aws-ecomm-", "VIDEO_ON_DEMAND": "aws-vod-"}
"""The names of a domain's use-case recipes start so (aws-ecomm-recommended-for-you ...)."""


class DatasetGroupConfig(_Model):
    """The dataset group everything lives in."""

    name: Name = Field(description="Name of the dataset group.", examples=["shop"])
    kms_key_arn: str | None = Field(
        default=None,
        description="A KMS key to encrypt the group's data with (CreateDatasetGroup's kmsKeyArn).",
        examples=["arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"],
    )
    domain: Domain | None = Field(
        default=None,
        description="A domain dataset group (recommenders; schemas created with the domain).",
        examples=["ECOMMERCE"],
    )


class RecommenderConfig(_Model):
    """A domain use case AWS trains and retrains itself, and how its metrics are watched."""

    name: Name = Field(description="Name of the recommender.", examples=["shop-for-you"])
    recipe: str = Field(
        description="Use-case recipe name (aws-ecomm-recommended-for-you) or ARN.",
        examples=["aws-ecomm-recommended-for-you"],
    )
    recommender_config: dict[str, Any] = Field(
        default_factory=dict,
        description="Personalize's RecommenderConfig as is, e.g. "
        "{minRecommendationRequestsPerSecond: 1}.",
        examples=[{"minRecommendationRequestsPerSecond": 1}],
    )
    gate: GateConfig | None = Field(
        default=None,
        description="Floors (min) and the largest drop (max_drop) against the previous reading "
        "of the recommender's modelMetrics.",
    )
    on_degraded: Literal["alert", "stop", "rollback"] = Field(
        default="alert",
        description="When the gate fails: alert (the run fails), stop the recommender, or roll "
        "its configuration back to the one of the last good reading.",
        examples=["stop"],
    )

    @property
    def recipe_arn(self) -> str:
        """The recipe's ARN."""
        return recipe_arn(self.recipe)


class FilterConfig(_Model):
    """A filter applied to recommendations (real-time or batch)."""

    name: Name = Field(description="Name of the filter.", examples=["unseen-purchases"])
    expression: str = Field(
        min_length=1,
        max_length=2500,
        description="Personalize's filter expression, parsed with its grammar before any AWS call.",
    )

    @field_validator("expression")
    @classmethod
    def _grammar(cls, expression: str) -> str:
        """Personalize's filter grammar, checked before any AWS call (CreateFilter would refuse)."""
        try:
            compile_filter(expression)
        except FilterExpressionError as error:
            raise ValueError(str(error)) from None
        return expression


class EventTrackerConfig(_Model):
    """The tracker that records real-time events (PutEvents)."""

    name: Name = Field(description="Name of the event tracker.", examples=["shop-tracker"])


class AttributedMetric(_Model):
    """One business metric: an event type and what to add up over its events."""

    event_type: str = Field(
        min_length=1,
        max_length=256,
        description="The EVENT_TYPE of the interactions counted.",
        examples=["purchase"],
    )
    metric_name: str = Field(
        min_length=1,
        max_length=256,
        description="The metric's name in the reports.",
        examples=["revenue"],
    )
    expression: str = Field(
        pattern=r"^\s*(?i:SAMPLECOUNT\(\s*\)|SUM\(\s*(Interactions|Items)\.\w+\s*\))\s*$",
        description="SAMPLECOUNT(), SUM(Interactions.EVENT_VALUE) or SUM(Items.PRICE)-like.",
        examples=["SUM(Items.PRICE)"],
    )


class MetricAttributionConfig(_Model):
    """Measure recommendations' business impact (the group's one metric attribution)."""

    name: Name = Field(description="Name of the metric attribution.", examples=["shop-impact"])
    metrics: list[AttributedMetric] = Field(
        min_length=1, max_length=10, description="What to measure, one entry per metric."
    )
    output_uri: str | None = Field(
        default=None,
        description="s3:// prefix of the reports; default s3://<bucket>/impact/",
        examples=["s3://my-personalize-bucket/impact/"],
    )


class PipelineConfig(_Model):
    """Everything the flows need to provision, retrain, serve and tear down one dataset group.
    ``provision`` creates what it describes parent first: the dataset group, each dataset after
    its schema, the event tracker, filters, recommenders (once interactions are imported), the
    metric attribution and solutions; ``retrain`` creates the campaigns; ``teardown`` deletes in
    reverse, campaigns first (see the desired-state walk in operations.md).
    """

    aws: AwsSettings = Field(
        default_factory=AwsSettings, description="Where and as whom to call AWS (no secrets)."
    )
    bucket: str = Field(
        pattern=r"^[a-z0-9][a-z0-9.\-]{1,61}[a-z0-9]$",
        description="The S3 bucket of the prepared import files, holdouts, batch input and "
        "output, exports and reports; its policy must let Personalize in "
        "(deployments/bucket-policy.json).",
    )
    role_arn: str = Field(
        pattern=r"^arn:aws[a-z\-]*:iam::\d{12}:role/.+$",
        description="The IAM role Personalize assumes to read and write the bucket "
        "(deployments/personalize-role-trust-policy.json).",
    )
    dataset_group: DatasetGroupConfig = Field(description="The dataset group everything lives in.")
    datasets: DatasetsConfig = Field(
        description="The group's datasets: schemas, sources and cleaning."
    )
    solutions: list[SolutionConfig] = Field(
        default_factory=list,
        description="Recipes trained on the group, each with its gate, campaign and batch jobs.",
    )
    recommenders: list[RecommenderConfig] = Field(
        default_factory=list,
        description="Use cases of a domain dataset group that AWS trains and retrains itself.",
    )
    metric_attribution: MetricAttributionConfig | None = Field(
        default=None,
        description="Business metrics attributed to the campaigns and recommenders that made "
        "them (the report_impact flow).",
    )
    filters: list[FilterConfig] = Field(
        default_factory=list, description="Filters applied to recommendations."
    )
    event_tracker: EventTrackerConfig | None = Field(
        default=None, description="The tracker receiving real-time events (PutEvents)."
    )
    prep: PrepRunConfig = Field(
        default_factory=PrepRunConfig,
        description="Where data preparation runs (this process, or a Dask cluster).",
    )
    lock_timeout_minutes: PositiveFloat | None = Field(
        default=None,
        description="How long retrain and review_versions wait for another run holding a "
        "solution's lock before failing (naming the holder); unset: as long as it takes.",
        examples=[90],
    )
    costs: CostsConfig = Field(
        default_factory=CostsConfig,
        description="The price table of each run's cost record (docs/operations.md#costs).",
    )
    budget: BudgetConfig = Field(
        default_factory=BudgetConfig,
        description="The dataset group's training budget, checked before each retrain trains.",
    )

    @model_validator(mode="after")
    def _forgotten_users(self) -> PipelineConfig:
        """Every dataset drops the group's forgotten users unless told another folder."""
        default = suppression_uri(self.bucket, self.dataset_group.name)
        for dataset in self.datasets.configured().values():
            if dataset.cleaning.forgotten_users_uri is None:
                dataset.cleaning.forgotten_users_uri = default
        return self

    def forgotten_users_uris(self) -> list[str]:
        """The folders where ``forget_users`` records forgotten users (each dataset's, once)."""
        folders = (d.cleaning.forgotten_users_uri for d in self.datasets.configured().values())
        return sorted({folder for folder in folders if folder})

    def solution(self, name: str) -> SolutionConfig:
        """The configured solution of that name (KeyError naming the known ones)."""
        for solution in self.solutions:
            if solution.name == name:
                return solution
        known = ", ".join(s.name for s in self.solutions)
        raise KeyError(f"no solution named {name!r} in the configuration; known: {known}")

    def recommender(self, name: str) -> RecommenderConfig:
        """The configured recommender of that name (KeyError naming the known ones)."""
        for recommender in self.recommenders:
            if recommender.name == name:
                return recommender
        known = ", ".join(r.name for r in self.recommenders)
        raise KeyError(f"no recommender named {name!r} in the configuration; known: {known}")

    def filter(self, name: str) -> FilterConfig:
        """The configured filter of that name."""
        for item in self.filters:
            if item.name == name:
                return item
        raise KeyError(f"no filter named {name!r} in the configuration")

    def attribution_output(self) -> str:
        """Where the metric attribution writes its reports (an s3:// prefix ending in /)."""
        settings = self.metric_attribution
        uri = settings.output_uri if settings and settings.output_uri else None
        return (uri or f"s3://{self.bucket}/impact").rstrip("/") + "/"

    def resource_name(self, *parts: str) -> str:
        """A name derived from the dataset group's, e.g. ``retail-demo-interactions``."""
        return "-".join([self.dataset_group.name, *parts])[:63]

    @model_validator(mode="after")
    def _cross_references(self) -> PipelineConfig:
        problems: list[str] = []
        problems += _duplicates("solutions", [s.name for s in self.solutions])
        problems += _duplicates("filters", [f.name for f in self.filters])
        campaigns = [s.campaign.name for s in self.solutions if s.campaign]
        problems += _duplicates("campaign", campaigns)
        filters = {f.name for f in self.filters}
        names = [s.name for s in self.solutions]
        for i, solution in enumerate(self.solutions):
            gate = solution.gate
            if gate and gate.baseline_solution is not None:
                if gate.baseline_solution not in names:
                    problems.append(
                        f"solutions[{i}].gate.baseline_solution: no solution named "
                        f"{gate.baseline_solution!r}; known: {', '.join(names)}"
                    )
                elif gate.baseline_solution == solution.name:
                    problems.append(
                        f"solutions[{i}].gate.baseline_solution: a solution cannot be its own baseline"
                    )
            segments = solution.batch_segments
            segmenting = solution.recipe_arn.endswith(("/aws-item-affinity", "-attribute-affinity"))
            if segments and not segmenting:
                problems.append(
                    f"solutions[{i}].batch_segments: only the aws-item-affinity and "
                    "aws-item-attribute-affinity recipes make user segments"
                )
            by_attributes = solution.recipe_arn.endswith("-attribute-affinity")
            if segments and by_attributes and not segments.attributes:
                problems.append(
                    f"solutions[{i}].batch_segments.attributes: give the item attributes "
                    "to segment users by, e.g. ['ITEMS.GENRES = \"Comedy\"']"
                )
            batch = solution.batch_inference
            if batch and batch.filter and batch.filter not in filters:
                problems.append(
                    f"solutions[{i}].batch_inference.filter: no filter named {batch.filter!r}"
                )
            problems += _batch_problems(i, solution)
        for dataset_type, dataset in self.datasets.configured().items():
            problems += _schema_problems(dataset_type, dataset)
            if dataset_type.startswith("action") and dataset.source is not None:
                problems.append(
                    f"datasets.{dataset_type}.source: actions data is not prepared by retrain; "
                    "send it with update_records (PutActions, PutActionInteractions) or import "
                    "it with a dataset import job"
                )
        problems += self._recommender_problems()
        if problems:
            raise PydanticCustomError("config", "\n".join(problems))
        return self

    def _recommender_problems(self) -> list[str]:
        if not self.solutions and not self.recommenders:
            return ["solutions: configure at least one solution or recommender"]
        problems = _duplicates("recommenders", [r.name for r in self.recommenders])
        domain = self.dataset_group.domain
        for i, recommender in enumerate(self.recommenders):
            name = recommender.recipe_arn.rsplit("/", 1)[-1]
            if domain is None:
                problems.append(
                    f"recommenders[{i}]: recommenders need a domain dataset group; set "
                    "dataset_group.domain to ECOMMERCE or VIDEO_ON_DEMAND"
                )
            elif not name.startswith(DOMAIN_RECIPE_PREFIX[domain]):
                problems.append(
                    f"recommenders[{i}].recipe: {name} is not a {domain} use case; its recipes "
                    f"start with {DOMAIN_RECIPE_PREFIX[domain]}"
                )
            if recommender.gate and recommender.gate.baseline_solution:
                problems.append(
                    f"recommenders[{i}].gate.baseline_solution: a recommender is gated against "
                    "its own previous reading, not a baseline solution"
                )
        return problems


def _duplicates(what: str, names: list[str]) -> list[str]:
    seen: set[str] = set()
    repeated = sorted({name for name in names if name in seen or seen.add(name)})  # type: ignore[func-returns-value]
    return [f"{what}: name {name!r} is used more than once" for name in repeated]


def _schema_problems(dataset_type: str, dataset: DatasetConfig) -> list[str]:
    where = f"datasets.{dataset_type}.schema"
    try:
        schema = json.loads(dataset.schema_path.read_text())
        check_dataset_type(parse_schema(schema), dataset_type.upper())
    except json.JSONDecodeError as error:
        return [f"{where}: {dataset.schema_path.name} is not valid JSON: {error}"]
    except SchemaRuleError as error:
        return [f"{where}: {dataset.schema_path.name}: {error}"]
    dataset._avro = schema
    return []


def load_config(path: str | Path) -> PipelineConfig:
    """Read and validate a pipeline configuration; raise :class:`ConfigError` with every mistake."""
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text())
    except FileNotFoundError:
        raise ConfigError(str(path), ["file not found"]) from None
    except yaml.YAMLError as error:
        raise ConfigError(str(path), [f"not valid YAML: {error}"]) from None
    return parse_config(data, base_dir=path.resolve().parent, source=str(path))


def parse_config(data: Any, base_dir: Path, source: str = "configuration") -> PipelineConfig:
    """Validate already-parsed configuration data (schema paths relative to ``base_dir``)."""
    if not isinstance(data, dict):
        raise ConfigError(source, ["the file must be a mapping of settings"])
    try:
        return PipelineConfig.model_validate(data, context={"base_dir": base_dir})
    except ValidationError as error:
        raise ConfigError(source, format_errors(error)) from None


def format_errors(error: ValidationError) -> list[str]:
    """Pydantic's errors as ``path: message`` lines (``solutions[0].gate.min.x: ...``)."""
    lines: list[str] = []
    for item in error.errors():
        if item["type"] == "config":
            lines += item["msg"].splitlines()
            continue
        path = ""
        for part in item["loc"]:
            if part == "[key]":
                continue
            path += f"[{part}]" if isinstance(part, int) else f".{part}" if path else str(part)
        message = item["msg"]
        if item["type"] == "extra_forbidden":
            message = "unknown setting (check its spelling and indentation)"
        lines.append(f"{path}: {message}" if path else message)
    return lines
