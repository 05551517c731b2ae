"""How long Amazon Personalize typically takes to create each kind of resource, in seconds.

Orders of magnitude from the developer guide and observed runs (a dataset import or a campaign
in about 15 minutes, training a solution version or a recommender in about an hour). The
pipeline scales its progress bars by them; the local service paces its jobs by them (times its
latency setting), so a paced local run keeps the real service's proportions.
"""

from __future__ import annotations

TYPICAL_SECONDS: dict[str, float] = {
    "schema": 1,
    "recipe": 1,
    "dataset-group": 30,
    "dataset": 30,
    "solution": 30,
    "filter": 60,
    "event-tracker": 60,
    "metric-attribution": 60,
    "dataset-update": 60,
    "recommender-stop": 300,
    "dataset-import-job": 900,
    "dataset-export-job": 900,
    "campaign": 900,
    "campaign-update": 900,
    "batch-inference-job": 1800,
    "batch-segment-job": 1800,
    "solution-version": 3600,
    "recommender": 3600,
    "recommender-update": 3600,
    "data-deletion-job": 3600,
}
"""Per kind (the pipeline's kind names, as in ``tasks/kinds.json``)."""
