"""Each resource kind's record: the members the service stores and answers, with their types.

A record is the resource's document as Describe answers it (botocore's ``Campaign``,
``SolutionVersion`` ...), plus the service's own members, which response shaping leaves out as
it leaves out every member the output shape does not declare: their names start with ``_`` (a
recommender's ``_model``), but for a few stored before that rule and kept so that existing data
directories load unchanged (an event tracker's ``eventInteractionsDatasetArn``, an import's
``rowsImported``; ``personalize-local/tests/test_records.py`` lists them). Records are typed dictionaries: at run
time each is the plain ``dict`` the store reads from its JSON, so a response keeps the members
in the order the resource's history wrote them, the persisted documents keep their format, and
reading a resource costs no conversion; the types let mypy check every member a handler reads
or writes. Members given by the caller as structures (``solutionConfig``, ``dataSource``) keep
botocore's shapes as ``dict[str, Any]``.
"""

from typing import Any, Literal, Required, TypedDict, TypeVar

Doc = dict[str, Any]
"""A structure given by the caller and answered as given (``campaignConfig``, ``jobInput``)."""


class Record(TypedDict, total=False):
    """What every stored resource may have: its times (epoch seconds), status and failure."""

    creationDateTime: float
    lastUpdatedDateTime: float
    status: str
    failureReason: str | None


class Update(Record, total=False):
    """An update in flight or done (botocore's CampaignUpdateSummary and the like)."""

    solutionVersionArn: str
    minProvisionedTPS: int
    campaignConfig: Doc
    recommenderConfig: Doc
    performAutoTraining: bool
    performIncrementalUpdate: bool
    solutionUpdateConfig: Doc
    schemaArn: str


class Schema(Record, total=False):
    """botocore's DatasetSchema."""

    name: str
    schemaArn: Required[str]
    schema: str
    domain: str


class DatasetGroup(Record, total=False):
    """botocore's DatasetGroup."""

    name: str
    datasetGroupArn: Required[str]
    roleArn: str
    kmsKeyArn: str
    domain: str


class Dataset(Record, total=False):
    """botocore's Dataset."""

    name: str
    datasetArn: Required[str]
    datasetGroupArn: str
    datasetType: str
    schemaArn: str
    trackingId: str
    latestDatasetUpdate: Update


class DatasetImportJob(Record, total=False):
    """botocore's DatasetImportJob."""

    jobName: str
    datasetImportJobArn: Required[str]
    datasetArn: str
    dataSource: Doc
    importMode: Literal["FULL", "INCREMENTAL"]
    publishAttributionMetricsToS3: bool
    roleArn: str
    rowsImported: int
    datasetRowCount: int


class DatasetExportJob(Record, total=False):
    """botocore's DatasetExportJob."""

    jobName: str
    datasetExportJobArn: Required[str]
    datasetArn: str
    ingestionMode: str
    roleArn: str
    jobOutput: Doc


class DataDeletionJob(Record, total=False):
    """botocore's DataDeletionJob."""

    jobName: str
    dataDeletionJobArn: Required[str]
    datasetGroupArn: str
    dataSource: Doc
    roleArn: str
    numDeleted: int


class SolutionVersion(Record, total=False):
    """botocore's SolutionVersion; ``_interactions`` stamps the interactions it trained on."""

    name: str
    solutionVersionArn: Required[str]
    solutionArn: str
    recipeArn: str
    datasetGroupArn: str
    eventType: str
    solutionConfig: Doc
    performHPO: bool
    performAutoML: bool
    performIncrementalUpdate: bool
    trainingMode: str
    trainingType: str
    trainingHours: float
    metrics: dict[str, float]
    tunedHPOParams: Doc
    _interactions: list[float]


class Solution(Record, total=False):
    """botocore's Solution; ``_autoTraining`` records its last automatic training."""

    name: str
    solutionArn: Required[str]
    recipeArn: str
    datasetGroupArn: str
    eventType: str
    performHPO: bool
    performAutoML: bool
    performAutoTraining: bool
    performIncrementalUpdate: bool
    solutionConfig: Doc
    latestSolutionUpdate: Update
    latestSolutionVersion: SolutionVersion
    _autoTraining: Doc


class Campaign(Record, total=False):
    """botocore's Campaign."""

    name: str
    campaignArn: Required[str]
    solutionVersionArn: str
    minProvisionedTPS: int
    campaignConfig: Doc
    latestCampaignUpdate: Update


class BatchJob(Record, total=False):
    """What botocore's BatchInferenceJob and BatchSegmentJob share."""

    jobName: str
    solutionVersionArn: str
    numResults: int
    jobInput: Doc
    jobOutput: Doc
    roleArn: str
    filterArn: str


class BatchInferenceJob(BatchJob, total=False):
    """botocore's BatchInferenceJob."""

    batchInferenceJobArn: Required[str]
    batchInferenceJobMode: str
    batchInferenceJobConfig: Doc


class BatchSegmentJob(BatchJob, total=False):
    """botocore's BatchSegmentJob."""

    batchSegmentJobArn: Required[str]


class Recommender(Record, total=False):
    """botocore's Recommender; ``_model`` is the model it serves, ``_previousModel`` the one
    before, ``_trainedAt`` when it last trained and ``_retrain`` its weekly retraining."""

    name: str
    recommenderArn: Required[str]
    datasetGroupArn: str
    recipeArn: str
    recommenderConfig: Doc
    modelMetrics: dict[str, float]
    latestRecommenderUpdate: Update
    _model: str
    _previousModel: str | None
    _trainedAt: float
    _retrain: Record


class MetricAttribution(Record, total=False):
    """botocore's MetricAttribution."""

    name: str
    metricAttributionArn: Required[str]
    datasetGroupArn: str
    metricsOutputConfig: Doc
    metrics: list[Doc]


class Filter(Record, total=False):
    """botocore's Filter."""

    name: str
    filterArn: Required[str]
    datasetGroupArn: str
    filterExpression: str


class EventTracker(Record, total=False):
    """botocore's EventTracker; the dataset it records into (``eventInteractionsDatasetArn``)."""

    name: str
    eventTrackerArn: Required[str]
    accountId: str
    trackingId: str
    datasetGroupArn: str
    interactionsDatasetArn: str
    eventInteractionsDatasetArn: str


R = TypeVar("R", bound=Record)
"""A kind's record."""
