"""Next best action from a configuration: provision creates the Actions datasets, retrain trains
an aws-next-best-action solution once actions data is in, and promotes its campaign after a
smoke check with GetActionRecommendations (local service, a real Prefect API)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from flows.provision import provision
from flows.retrain import retrain
from local.sample_data import generate_interactions
from tasks.config import ConfigError, load_config
from tasks.recommendations import get_action_recommendations
from tests.emulator.helpers import put_csv, run_import
from tests.emulator.test_actions import ACTION_INTERACTIONS_SCHEMA, ACTIONS_SCHEMA
from tests.pipelines import make_pipeline


def test_a_next_best_action_campaign_is_trained_and_promoted(
    prefect_api: None, local_service: Any, s3: Any, personalize: Any, tmp_path: Path, unique: str
) -> None:
    pipeline = make_pipeline(tmp_path, s3, unique)
    data = yaml.safe_load(pipeline.path.read_text())
    for name, schema in (("actions", ACTIONS_SCHEMA), ("action_interactions",
                                                      ACTION_INTERACTIONS_SCHEMA)):  # fmt: skip
        (tmp_path / f"{name}.avsc").write_text(schema)
        data["datasets"][name] = {"schema": str(tmp_path / f"{name}.avsc")}
    nba = f"nba-{unique}"
    data["solutions"].append(
        {"name": nba, "recipe": "aws-next-best-action", "campaign": {"name": f"nba-{unique}"}}
    )
    pipeline.path.write_text(yaml.safe_dump(data, sort_keys=False))

    bad = yaml.safe_load(pipeline.path.read_text())
    bad["datasets"]["actions"]["source"] = {"uri": "s3://x/actions.csv"}
    (tmp_path / "bad.yaml").write_text(yaml.safe_dump(bad))
    with pytest.raises(ConfigError, match=r"datasets\.actions\.source"):
        load_config(tmp_path / "bad.yaml")

    created = provision(config_path=pipeline.config_path)
    assert {"actions", "action_interactions"} <= set(created["datasets"])
    events = generate_interactions(200, 30, 3000)
    events["ACTION_ID"] = events.pop("ITEM_ID").str.replace("i", "a")
    events["EVENT_TYPE"] = "TAKEN"
    rows = events[["USER_ID", "ACTION_ID", "EVENT_TYPE", "TIMESTAMP"]].to_csv(index=False)
    actions = "ACTION_ID,EXPIRATION_TIMESTAMP,REPEAT_FREQUENCY,CHANNEL\n" + "".join(
        f"a{i},,,email\n" for i in range(30)
    )
    bucket = pipeline.config.bucket
    for kind, text in (("actions", actions), ("action_interactions", rows)):
        uri = put_csv(s3, bucket, f"actions/{kind}.csv", text)
        job = run_import(personalize, created["datasets"][kind], uri, f"{kind}-{unique}")
        assert job["status"] == "ACTIVE", job

    state = retrain(config_path=pipeline.config_path, solutions=[nba], batch=False,
                    return_state=True)  # fmt: skip
    assert state.is_completed(), state.message
    (outcome,) = state.result()["solutions"]
    assert outcome["outcome"] == "promoted"
    campaign = outcome["campaign"]["campaignArn"]
    offered = get_action_recommendations(pipeline.config.aws, campaign, "u1")
    assert len(offered) == 5 and {a["actionId"] for a in offered} <= {f"a{i}" for i in range(30)}
