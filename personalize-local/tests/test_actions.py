"""Next best action over HTTP: Actions and Action interactions datasets, the aws-next-best-action
recipe, and GetActionRecommendations.

Sources: botocore's personalize-runtime model (GetActionRecommendations' members: actionList of
{actionId, score}, recommendationId), the developer guide's "Next-Best-Action recipe" and
"Actions dataset" (TAKEN events, EXPIRATION_TIMESTAMP, REPEAT_FREQUENCY in days), and botocore's
documentation of CreateBatchInferenceJob (no batch recommendations with Next-Best-Action).
"""

from __future__ import annotations

from typing import Any

import boto3

from personalize_local.sample_world import generate_interactions
from personalize_local.testing.helpers import (
    ACTION_INTERACTIONS_SCHEMA,
    ACTIONS_SCHEMA,
    active_dataset,
    active_group,
    error_of,
    put_csv,
    run_import,
)
from personalize_local.testing.training_setup import active_campaign, active_solution, train

N_ACTIONS = 40


def test_next_best_action_leaves_out_expired_and_recently_taken_actions(
    personalize: Any, s3: Any, bucket: str, unique: str
) -> None:
    events = generate_interactions(300, N_ACTIONS, 4000)
    events["ACTION_ID"] = events.pop("ITEM_ID").str.replace("i", "a")
    events["EVENT_TYPE"] = events["EVENT_TYPE"].map({"click": "TAKEN", "purchase": "NOT_TAKEN"})
    ranking = events[events["EVENT_TYPE"] == "TAKEN"]["ACTION_ID"].value_counts().index
    expired, repeat = ranking[0], ranking[1]
    taker = events[(events["ACTION_ID"] == repeat) & (events["EVENT_TYPE"] == "TAKEN")]
    user = str(taker["USER_ID"].iloc[0])
    lines = ["ACTION_ID,EXPIRATION_TIMESTAMP,REPEAT_FREQUENCY,CHANNEL"] + [
        f"a{i},{1 if f'a{i}' == expired else ''},{100000 if f'a{i}' == repeat else ''},email"
        for i in range(N_ACTIONS)
    ]

    group = active_group(personalize, f"nba-{unique}")
    actions = active_dataset(personalize, group, "Actions", ACTIONS_SCHEMA, f"nba-a-{unique}")
    taken = active_dataset(personalize, group, "Action_Interactions", ACTION_INTERACTIONS_SCHEMA,
                           f"nba-ai-{unique}")  # fmt: skip
    for dataset, key, text in (
        (actions, "actions.csv", "\n".join(lines) + "\n"),
        (taken, "action_interactions.csv",
         events[["USER_ID", "ACTION_ID", "EVENT_TYPE", "TIMESTAMP"]].to_csv(index=False)),
    ):  # fmt: skip
        job = run_import(personalize, dataset, put_csv(s3, bucket, f"nba-{unique}/{key}", text),
                         f"nba-{key[:-4]}-{unique}")  # fmt: skip
        assert job["status"] == "ACTIVE", job

    solution = active_solution(personalize, group, f"nba-{unique}", "aws-next-best-action")
    version = train(personalize, solution)
    assert version["status"] == "ACTIVE", version
    campaign = active_campaign(personalize, f"nba-{unique}", version["solutionVersionArn"])

    runtime = boto3.client("personalize-runtime")
    stranger = runtime.get_action_recommendations(campaignArn=campaign, userId="nobody")
    offered = [a["actionId"] for a in stranger["actionList"]]
    assert len(offered) == 5 and stranger["recommendationId"].startswith("RID-")
    assert expired not in offered and repeat in offered, (expired, repeat, offered)
    mine = runtime.get_action_recommendations(campaignArn=campaign, userId=user, numResults=40)
    mine_ids = [a["actionId"] for a in mine["actionList"]]
    assert repeat not in mine_ids and expired not in mine_ids and len(mine_ids) == 38
    scores = [a["score"] for a in mine["actionList"]]
    assert scores == sorted(scores, reverse=True)

    code, message = error_of(runtime.get_recommendations, campaignArn=campaign, userId=user)
    assert code == "InvalidInputException" and "GetActionRecommendations" in message
    code, _ = error_of(runtime.get_action_recommendations, campaignArn=campaign, userId=user,
                       numResults=101)  # fmt: skip
    assert code == "InvalidInputException"

    # botocore's documentation of CreateBatchInferenceJob: "You can't get batch recommendations
    # with the Trending-Now or Next-Best-Action recipes."
    code, message = error_of(
        boto3.client("personalize").create_batch_inference_job,
        jobName=f"nba-batch-{unique}", solutionVersionArn=version["solutionVersionArn"],
        jobInput={"s3DataSource": {"path": f"s3://{bucket}/nba-{unique}/users.json"}},
        jobOutput={"s3DataDestination": {"path": f"s3://{bucket}/nba-{unique}/out/"}},
        roleArn="arn:aws:iam::000000000000:role/PersonalizeS3",
    )  # fmt: skip
    assert code == "InvalidInputException" and "GetActionRecommendations" in message, message
