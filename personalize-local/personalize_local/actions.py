"""Next best action: training data from the Actions datasets, and which actions may be offered.

1. A solution with the aws-next-best-action recipe trains on the Action interactions dataset's
   TAKEN events (EVENT_TYPE, case ignored), with ACTION_ID in the role of the item; the
   catalogue is every action of the Actions dataset and of the action interactions.
2. GetActionRecommendations leaves out the actions whose EXPIRATION_TIMESTAMP has passed, and
   those the user took less than their REPEAT_FREQUENCY (days) ago, as the developer guide
   describes these Actions fields.
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd

from personalize_local import dataset_rows
from personalize_local.engine.data import GroupData
from personalize_local.kinds import DATASET
from personalize_local.resources import listed
from personalize_local.service import Service

RECIPE_TYPE = "NEXT_BEST_ACTION"
TAKEN = "TAKEN"
SECONDS_PER_DAY = 86_400


def _dataset(service: Service, group_arn: str, dataset_type: str) -> pd.DataFrame:
    for body in listed(service, DATASET, parent=group_arn):
        if str(body.get("datasetType", "")).upper() == dataset_type:
            return dataset_rows.read_rows(service, body["datasetArn"])
    return pd.DataFrame()


def action_interactions(service: Service, group_arn: str) -> pd.DataFrame:
    """The group's TAKEN action interactions as interaction rows (ITEM_ID is the action)."""
    rows = _dataset(service, group_arn, "ACTION_INTERACTIONS")
    if rows.empty:
        return pd.DataFrame(columns=["USER_ID", "ITEM_ID", "TIMESTAMP", "EVENT_TYPE"])
    taken = rows[rows["EVENT_TYPE"].astype(str).str.upper() == TAKEN]
    frame = taken.rename(columns={"ACTION_ID": "ITEM_ID"})
    return frame.astype({"USER_ID": str, "ITEM_ID": str, "TIMESTAMP": np.int64})


def action_group(service: Service, group_arn: str) -> GroupData:
    """What a next-best-action solution trains on: TAKEN events, and the actions."""
    actions = _dataset(service, group_arn, "ACTIONS")
    catalogue = actions.rename(columns={"ACTION_ID": "ITEM_ID"}) if not actions.empty else None
    return GroupData(action_interactions(service, group_arn), catalogue, None)


def offerable(service: Service, group_arn: str, action_ids: np.ndarray, user_id: str) -> np.ndarray:
    """A mask over ``action_ids``: not expired, and not taken by the user too recently."""
    keep = np.ones(len(action_ids), dtype=bool)
    actions = _dataset(service, group_arn, "ACTIONS")
    if actions.empty:
        return keep
    now = time.time()
    index = pd.Index(action_ids.astype(str))
    actions = actions.assign(ACTION_ID=actions["ACTION_ID"].astype(str))
    if "EXPIRATION_TIMESTAMP" in actions:
        expiry = pd.to_numeric(actions["EXPIRATION_TIMESTAMP"], errors="coerce")
        expired = actions.loc[expiry.notna() & (expiry < now), "ACTION_ID"]
        found = index.get_indexer(expired)
        keep[found[found >= 0]] = False
    if "REPEAT_FREQUENCY" in actions:
        taken = action_interactions(service, group_arn)
        taken = taken[taken["USER_ID"] == user_id].groupby("ITEM_ID")["TIMESTAMP"].max()
        days = pd.to_numeric(actions.set_index("ACTION_ID")["REPEAT_FREQUENCY"], errors="coerce")
        last = taken.reindex(days.index)
        recent = days.index[last.notna() & (now - last < days * SECONDS_PER_DAY)]
        found = index.get_indexer(recent)
        keep[found[found >= 0]] = False
    return keep
