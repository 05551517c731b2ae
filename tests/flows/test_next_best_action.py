"""Next best action from a configuration: provision creates the Actions datasets, retrain trains
an aws-next-best-action solution once actions data is in, promotes its campaign after a smoke
check with GetActionRecommendations, and refreshes its batch of next best actions, which
batch_inference also makes on demand: from the campaign, since AWS has no batch inference for
the recipe (local service, a real Prefect API)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml

from flows.batch_inference import batch_inference
from flows.provision import provision
from flows.retrain import retrain
from local.sample_data import generate_interactions
from personalize_local.testing.helpers import (
    ACTION_INTERACTIONS_SCHEMA,
    ACTIONS_SCHEMA,
    put_csv,
    run_import,
)
from tasks.config import ConfigError, load_config
from tasks.recommendations import get_action_recommendations
from tests.pipelines import make_pipeline


@pytest.mark.slow
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
        {"name": nba, "recipe": "aws-next-best-action", "campaign": {"name": f"nba-{unique}"},
         "batch_inference": {"num_results": 3}}
    )  # fmt: skip
    pipeline.path.write_text(yaml.safe_dump(data, sort_keys=False))

    bad = yaml.safe_load(pipeline.path.read_text())
    bad["datasets"]["actions"]["source"] = {"uri": "s3://x/actions.csv"}
    (tmp_path / "bad.yaml").write_text(yaml.safe_dump(bad))
    with pytest.raises(ConfigError, match=r"datasets\.actions\.source"):
        load_config(tmp_path / "bad.yaml")
    del bad["datasets"]["actions"]["source"], bad["solutions"][-1]["campaign"]
    (tmp_path / "bad.yaml").write_text(yaml.safe_dump(bad))
    with pytest.raises(ConfigError, match=r"solutions\[\d\]\.batch_inference: next best"):
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

    state = retrain(config_path=pipeline.config_path, solutions=[nba], return_state=True)
    assert state.is_completed(), state.message
    (outcome,) = state.result()["solutions"]
    assert outcome["outcome"] == "promoted"
    campaign = outcome["campaign"]["campaignArn"]
    offered = get_action_recommendations(pipeline.config.aws, campaign, "u1")
    assert len(offered) == 5 and {a["actionId"] for a in offered} <= {f"a{i}" for i in range(30)}

    refreshed = pd.read_parquet(outcome["batch"]["parquet"])
    assert list(refreshed.columns) == ["user", "rank", "action", "score"]
    assert refreshed.groupby("user")["rank"].max().eq(3).all()
    assert outcome["batch"]["empty_results"] == 0 and outcome["batch"]["catalogue_size"] == 30
    assert set(refreshed["action"]) <= {f"a{i}" for i in range(30)}

    chosen = batch_inference(config_path=pipeline.config_path, solution=nba, users=["u1", "u2"])
    table = pd.read_parquet(chosen["parquet"])
    assert chosen["campaign"] == campaign and sorted(set(table["user"])) == ["u1", "u2"]
    assert table[table["user"] == "u1"]["action"].tolist() == [a["actionId"] for a in offered[:3]]
    with pytest.raises(ValueError, match="AWS has no batch jobs for aws-next-best-action"):
        batch_inference(config_path=pipeline.config_path, solution=nba,
                        solution_version=f"{outcome['solution_version']}-other")  # fmt: skip
