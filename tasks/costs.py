"""What a run made AWS bill: one line per billed thing, priced with the configured table.

1. Training: each version this run trained, its hours as DescribeSolutionVersion reports them
   (``trainingHours``, docs/aws-facts.md#training-hours); a version without them is recorded
   as "not reported", never guessed. Versions no run trained (automatic training, by hand) are
   billed by the first record that sees their hours: each version once.
2. Data imported: the bytes of each import file (or folder of parts) this run imported; a
   reused import costs nothing again.
3. Batch jobs: the users each batch inference or segment job processed, the gate's
   comparison jobs included (one per version compared, over the held-out users).
4. Campaigns: each campaign of the group's solutions, configured or not (AWS bills them
   all), its ``minProvisionedTPS`` for the hours since the previous record (the first record:
   since the run started), or since the campaign was created if later; a campaign above 1 TPS
   is flagged with its monthly cost.
5. Recommenders: each ACTIVE recommender of the group, the requests its
   ``minRecommendationRequestsPerSecond`` bills at least for the same hours; priced only when
   the table has a recommender price (there is no default), counted by its status at the
   record's time.

Each record is kept in S3 (``costs/<dataset group>/``) so the next run knows when the last one
was, and the monthly chart is the sum of the month's records.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

import fsspec

from tasks.aws import AwsSettings, client, session
from tasks.cost_settings import DEFAULT_REGION, CostsConfig, Prices
from tasks.resources import find, find_all

HOURS_PER_MONTH = 730
"""AWS's monthly estimates count 730 hours (24 x 365 / 12)."""
GB = 1024**3
NOT_REPORTED = "trainingHours not reported by the service"
AUTOMATIC = "automatic training"
OUTSIDE = "trained outside a run"
TRAININGS = ("training", AUTOMATIC, OUTSIDE)
TRAINED_BEFORE = "trained before"
BILLED_BEFORE = "billed in an earlier record"
IN_FLIGHT = "still training: a later record bills it"
UNSETTLED = (TRAINED_BEFORE, BILLED_BEFORE, IN_FLIGHT)
"""Notes of training lines that do not bill the version (another record does, or will)."""
IN_FLIGHT_STATUSES = ("CREATE PENDING", "CREATE IN_PROGRESS", "CREATE STOPPING")


@dataclass(frozen=True)
class CostLine:
    """One billed thing: how much of its unit, and what that costs (None: not known)."""

    item: str
    subject: str
    quantity: float | None
    unit: str
    cost: float | None
    note: str = ""


@dataclass
class CostRecord:
    """What one run made AWS bill, line by line."""

    dataset_group: str
    flow_run: str
    at: str
    region: str
    lines: list[CostLine] = field(default_factory=list)

    @property
    def total(self) -> float:
        """The sum of the lines whose cost is known."""
        return round(sum(line.cost or 0.0 for line in self.lines), 4)

    def training_hours(self) -> float:
        """The training hours this record bills (those the service reported): the run's, and
        trainings between runs (automatic, or outside any run)."""
        return sum(line.quantity or 0.0 for line in self.lines if line.item in TRAININGS)

    def rows(self) -> list[dict[str, Any]]:
        """The table artifact's rows, a total last ("n/a" where not known: the UI shows a text
        cell as Markdown, where "-" is a bullet)."""
        rows = [
            {
                "item": line.item,
                "what": line.subject,
                "quantity": "n/a" if line.quantity is None else round(line.quantity, 6),
                "unit": line.unit,
                "cost (USD)": "n/a" if line.cost is None else round(line.cost, 4),
                "note": line.note,
            }
            for line in self.lines
        ]
        total = {"item": "total", "what": "", "quantity": "", "unit": ""}
        return [*rows, {**total, "cost (USD)": self.total, "note": _missing(self.lines)}]

    def as_dict(self) -> dict[str, Any]:
        """Plain data (the S3 record, the flow's result)."""
        return {**asdict(self), "total": self.total}


def cost_markdown(record: Mapping[str, Any]) -> list[str]:
    """Lines for the lineage: the record's total, then each line (a record as plain data)."""
    out = [f"Estimated cost of this run: **${record['total']:.2f}** ({record['region']} prices)"]
    for line in record["lines"]:
        amount = "-" if line["quantity"] is None else f"{line['quantity']:.6g}"
        price = "-" if line["cost"] is None else f"${line['cost']:.4f}"
        note = f" ({line['note']})" if line["note"] else ""
        out.append(f"- {line['item']}: `{line['subject']}` {amount} {line['unit']}, {price}{note}")
    return out


def _missing(lines: Iterable[CostLine]) -> str:
    unknown = [line.subject for line in lines if line.cost is None]
    return f"not counted: {', '.join(unknown)}" if unknown else ""


def region_prices(aws: AwsSettings, costs: CostsConfig) -> tuple[str, Prices]:
    """The region AWS bills in (the configuration's, else the session's) and its prices."""
    region = aws.region or session(aws).region_name or DEFAULT_REGION
    return region, costs.for_region(region)


def training_line(
    aws: AwsSettings, prices: Prices, version_arn: str, started: datetime, settled: set[str]
) -> CostLine:
    """A version's training hours as the service reports them, priced (nothing for a version
    trained before the run started, or one an earlier record billed: ``settled``)."""
    version = client(aws, "personalize").describe_solution_version(solutionVersionArn=version_arn)[
        "solutionVersion"
    ]
    created = as_utc(version.get("creationDateTime"))
    if created is not None and created < started:
        return CostLine("training", version_arn, 0.0, "training hours", 0.0, TRAINED_BEFORE)
    if version_arn in settled:
        return CostLine("training", version_arn, 0.0, "training hours", 0.0, BILLED_BEFORE)
    return _hours_line("training", prices, version, version.get("trainingMode", ""))


def _hours_line(item: str, prices: Prices, version: Mapping[str, Any], note: str) -> CostLine:
    """A version's reported hours, priced; none reported: still training, or never will be."""
    arn, hours = version["solutionVersionArn"], version.get("trainingHours")
    if hours is not None:
        cost = float(hours) * prices.training_hour
        return CostLine(item, arn, float(hours), "training hours", cost, note)
    missing = IN_FLIGHT if version.get("status") in IN_FLIGHT_STATUSES else NOT_REPORTED
    return CostLine(item, arn, None, "training hours", None, missing)


def settled_versions(records: Iterable[Mapping[str, Any]]) -> set[str]:
    """The versions these records billed (or found done without hours): no record bills them
    again."""
    return {
        line["subject"]
        for record in records
        for line in record["lines"]
        if line["item"] in TRAININGS and line["note"] not in UNSETTLED
    }


def versions_since(aws: AwsSettings, solution_arns: Sequence[str], started: datetime) -> list[str]:
    """The versions of these solutions created at or after ``started``, whatever their status."""
    personalize = client(aws, "personalize")
    return [
        version["solutionVersionArn"]
        for arn in solution_arns
        for version in find_all(personalize, "solution-version", arn)
        if (created := as_utc(version.get("creationDateTime"))) is not None and created >= started
    ]


def between_runs_lines(
    aws: AwsSettings, prices: Prices, dataset_group: str, since: datetime, settled: set[str]
) -> list[CostLine]:
    """The group's versions created since ``since`` (the first record) that no record has
    billed (``settled``: the earlier records' and this run's own): automatic training, a
    version trained by hand, a concurrent run's version not recorded yet, or one still training
    when the previous record was made. Each is billed once, by the first record that sees its
    hours."""
    personalize = client(aws, "personalize")
    lines = []
    for solution in group_solutions(personalize, dataset_group).values():
        for summary in find_all(personalize, "solution-version", solution):
            created = as_utc(summary.get("creationDateTime"))
            arn = summary["solutionVersionArn"]
            if created is None or created < since or arn in settled:
                continue
            version = personalize.describe_solution_version(solutionVersionArn=arn)
            found = version["solutionVersion"]
            item = AUTOMATIC if found.get("trainingType") == "AUTOMATIC" else OUTSIDE
            lines.append(_hours_line(item, prices, found, ""))
    return lines


def group_solutions(personalize: Any, dataset_group: str) -> dict[str, str]:
    """The group's solutions, name -> ARN (none when the group does not exist)."""
    group = find(personalize, "dataset-group", lambda g: g["name"] == dataset_group)
    if group is None:
        return {}
    return {
        s["name"]: s["solutionArn"]
        for s in find_all(personalize, "solution", group["datasetGroupArn"])
    }


def import_line(prices: Prices, dataset_type: str, uri: str, reused: bool) -> CostLine:
    """The bytes of an import file (or folder of CSV parts), priced per GB; 0 when reused."""
    if reused:
        return CostLine("data imported", uri, 0.0, "GB", 0.0, f"{dataset_type}: import reused")
    size = file_bytes(uri)
    gb = size / GB
    note = f"{dataset_type}: {size:,} bytes"
    return CostLine("data imported", uri, gb, "GB", gb * prices.ingestion_gb, note)


def file_bytes(uri: str) -> int:
    """The size of a file, or of the CSV parts of a folder (a URI ending in ``/``)."""
    fs, path = fsspec.core.url_to_fs(uri)
    if not uri.endswith("/"):
        return int(fs.info(path)["size"])
    fs.invalidate_cache(path)
    found = fs.find(path, detail=True)
    return sum(int(info["size"]) for p, info in found.items() if p.lower().endswith(".csv"))


def batch_line(
    prices: Prices, item: str, subject: str, count: int, jobs: int = 1, of: str = "users"
) -> CostLine:
    """A batch job's (or ``jobs`` jobs') ``count`` users (or other records) processed, priced
    per 1,000."""
    total = count * jobs
    note = f"{jobs} jobs of {count:,} {of}" if jobs > 1 else ""
    cost = total / 1000 * prices.batch_per_thousand
    return CostLine(item, subject, total / 1000, f"1,000 {of}", cost, note)


def campaign_lines(
    aws: AwsSettings, prices: Prices, dataset_group: str, since: datetime | None
) -> list[CostLine]:
    """Each campaign of the group's solutions, configured or not (AWS bills them all), its
    minProvisionedTPS for the hours since ``since`` (or since it was created, if later); one
    above 1 TPS is noted with what it costs per month."""
    personalize = client(aws, "personalize")
    now = datetime.now(UTC)
    lines = []
    for solution in group_solutions(personalize, dataset_group).values():
        for summary in find_all(personalize, "campaign", solution):
            arn = summary["campaignArn"]
            campaign = personalize.describe_campaign(campaignArn=arn)["campaign"]
            if campaign.get("status") == "CREATE FAILED":
                continue
            tps = int(campaign.get("minProvisionedTPS") or 1)
            hours = billed_hours(since, as_utc(campaign.get("creationDateTime")), now)
            lines.append(
                CostLine(
                    "campaign", campaign["name"], tps * hours, "TPS-hours",
                    tps * hours * prices.tps_hour,
                    idle_note(tps, prices) or f"{tps} TPS for {hours:.2f} h",
                )
            )  # fmt: skip
    return lines


def recommender_lines(
    aws: AwsSettings, prices: Prices, dataset_group: str, since: datetime | None
) -> list[CostLine]:
    """Each recommender of the group: while ACTIVE it bills at least its
    minRecommendationRequestsPerSecond, so the thousands of requests that minimum makes in the
    hours since ``since`` (or since it was created, if later); a stopped one bills nothing."""
    personalize = client(aws, "personalize")
    group = find(personalize, "dataset-group", lambda g: g["name"] == dataset_group)
    if group is None:
        return []
    now = datetime.now(UTC)
    lines = []
    for summary in find_all(personalize, "recommender", group["datasetGroupArn"]):
        arn = summary["recommenderArn"]
        recommender = personalize.describe_recommender(recommenderArn=arn)["recommender"]
        unit = "1,000 requests (minimum)"
        if recommender.get("status") != "ACTIVE":
            note = f"{recommender.get('status')}: not billed"
            lines.append(CostLine("recommender", recommender["name"], 0.0, unit, 0.0, note))
            continue
        rps = recommender_rps(recommender)
        hours = billed_hours(since, as_utc(recommender.get("creationDateTime")), now)
        thousands = rps * 3600 * hours / 1000
        price = prices.recommender_per_thousand_requests
        cost = None if price is None else thousands * price
        lines.append(
            CostLine("recommender", recommender["name"], thousands, unit, cost,
                     f"{rps} request(s)/s for {hours:.2f} h; {recommender_note(rps, prices)}")
        )  # fmt: skip
    return lines


def billed_hours(since: datetime | None, created: datetime | None, now: datetime) -> float:
    """The hours a resource billed by the hour has run up to ``now``: since the previous record
    (``since``) or its creation, whichever is later."""
    start = max(filter(None, [since, created]), default=now)
    return max(0.0, (now - start).total_seconds() / 3600)


def recommender_rps(recommender: Mapping[str, Any]) -> int:
    """A recommender's minRecommendationRequestsPerSecond (AWS's default 1 when not given)."""
    config = recommender.get("recommenderConfig") or {}
    return int(config.get("minRecommendationRequestsPerSecond") or 1)


def recommender_note(rps: int, prices: Prices) -> str:
    """What a recommender's minimum bills per month, idle or not, in requests and (when the
    table has a recommender price) in dollars."""
    thousands = monthly_requests(rps)
    price = prices.recommender_per_thousand_requests
    if price is None:
        return (
            f"bills at least {thousands:,.0f} thousand requests a month even when idle "
            "(no price set: costs.prices.recommender_per_thousand_requests)"
        )
    return f"bills at least ${thousands * price:,.2f} a month even when idle"


def monthly_requests(rps: int) -> float:
    """The thousands of requests a minimum of ``rps`` requests per second bills in a month."""
    return rps * 3600 * HOURS_PER_MONTH / 1000


def idle_note(tps: int, prices: Prices) -> str:
    """What a campaign above 1 TPS costs per month with or without traffic ("" at 1 TPS)."""
    if tps <= 1:
        return ""
    return (
        f"minProvisionedTPS {tps} bills ${monthly_campaign_cost(tps, prices):,.2f} a month "
        "even when idle; lower it, or delete the campaign if nothing calls it"
    )


def monthly_campaign_cost(tps: int, prices: Prices) -> float:
    """What ``tps`` provisioned TPS cost for a month (730 hours)."""
    return round(tps * HOURS_PER_MONTH * prices.tps_hour, 2)


def savings_column(aws: AwsSettings, prices: Prices, plan: Sequence[tuple[str, str]]) -> list[str]:
    """Per (kind, ARN) a teardown would delete, what deleting it saves per month in USD: a
    campaign its provisioned TPS (billed idle or not), a recommender its minimum requests
    (while ACTIVE); "n/a" where nothing bills by the hour."""
    personalize = client(aws, "personalize")
    column = []
    for kind, arn in plan:
        if kind == "recommender":
            column.append(_recommender_saves(personalize, prices, arn))
            continue
        if kind != "campaign":
            column.append("n/a")
            continue
        campaign = personalize.describe_campaign(campaignArn=arn)["campaign"]
        tps = int(campaign.get("minProvisionedTPS") or 1)
        column.append(f"{monthly_campaign_cost(tps, prices):.2f} ({tps} TPS)")
    return column


def _recommender_saves(personalize: Any, prices: Prices, arn: str) -> str:
    recommender = personalize.describe_recommender(recommenderArn=arn)["recommender"]
    if recommender.get("status") != "ACTIVE":
        return f"0.00 ({recommender.get('status')})"
    rps = recommender_rps(recommender)
    price = prices.recommender_per_thousand_requests
    if price is None:
        return f"unpriced ({rps} request(s)/s minimum)"
    return f"{monthly_requests(rps) * price:.2f} ({rps} request(s)/s)"


def as_utc(value: Any) -> datetime | None:
    """A timestamp of boto3's (datetime) or of JSON (epoch seconds) as an aware datetime."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    return datetime.fromtimestamp(float(value), UTC)


def records_prefix(bucket: str, dataset_group: str) -> str:
    """Where a dataset group's cost records are kept."""
    return f"s3://{bucket}/costs/{dataset_group}/"


def save_record(bucket: str, record: CostRecord) -> str:
    """Keep the record beside the group's others; its URI."""
    stamp = record.at.replace(":", "").replace("+0000", "Z")
    uri = f"{records_prefix(bucket, record.dataset_group)}{stamp}-{record.flow_run[:8]}.json"
    with fsspec.open(uri, "w") as out:
        out.write(json.dumps(record.as_dict(), indent=1))
    return uri


def saved_records(bucket: str, dataset_group: str) -> list[dict[str, Any]]:
    """The group's saved records, oldest first."""
    fs, path = fsspec.core.url_to_fs(records_prefix(bucket, dataset_group))
    fs.invalidate_cache(path)
    if not fs.exists(path):
        return []
    found = sorted(p for p in fs.find(path) if p.endswith(".json"))
    return [json.loads(fs.cat_file(p)) for p in found]


def last_record_at(records: list[dict[str, Any]]) -> datetime | None:
    """When the newest saved record was made."""
    return datetime.fromisoformat(records[-1]["at"]) if records else None


def first_record_at(records: list[dict[str, Any]]) -> datetime | None:
    """When the oldest saved record was made."""
    return datetime.fromisoformat(records[0]["at"]) if records else None


def monthly_totals(records: Iterable[Mapping[str, Any]]) -> dict[str, dict[str, float]]:
    """Per month (``YYYY-MM``), the cost of each item over the month's records."""
    months: dict[str, dict[str, float]] = {}
    for record in records:
        month = months.setdefault(str(record["at"])[:7], {})
        for line in record["lines"]:
            month[line["item"]] = month.get(line["item"], 0.0) + (line["cost"] or 0.0)
    return dict(sorted(months.items()))
