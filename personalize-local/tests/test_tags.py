"""Tags over HTTP on every kind of resource: add, overwrite, remove, limits, unknown ARNs."""

from __future__ import annotations

from typing import Any

from personalize_local.testing.helpers import ITEMS_SCHEMA, active_group, error_of


def tags_of(personalize: Any, arn: str) -> dict[str, str]:
    return {t["tagKey"]: t["tagValue"] for t in
            personalize.list_tags_for_resource(resourceArn=arn)["tags"]}  # fmt: skip


def test_tag_untag_list_on_each_kind(personalize: Any, unique: str) -> None:
    group = active_group(personalize, f"g-{unique}")
    schema = personalize.create_schema(name=f"s-{unique}", schema=ITEMS_SCHEMA)["schemaArn"]
    dataset = personalize.create_dataset(name=f"d-{unique}", schemaArn=schema,
                                         datasetGroupArn=group, datasetType="Items")["datasetArn"]  # fmt: skip
    flt = personalize.create_filter(name=f"f-{unique}", datasetGroupArn=group,
                                    filterExpression='EXCLUDE ItemID WHERE Items.CATEGORY IN ("x")')["filterArn"]  # fmt: skip
    for arn in (group, schema, dataset, flt):
        personalize.tag_resource(resourceArn=arn, tags=[{"tagKey": "env", "tagValue": "dev"},
                                                        {"tagKey": "team", "tagValue": "a"}])  # fmt: skip
        personalize.tag_resource(resourceArn=arn, tags=[{"tagKey": "team", "tagValue": "b"}])
        assert tags_of(personalize, arn) == {"env": "dev", "team": "b"}
        personalize.untag_resource(resourceArn=arn, tagKeys=["env", "absent"])
        assert tags_of(personalize, arn) == {"team": "b"}


def test_tag_errors(personalize: Any, unique: str) -> None:
    group = active_group(personalize, f"g-{unique}")
    missing = group + "-missing"
    for call, kwargs in [
        (personalize.tag_resource, {"tags": [{"tagKey": "a", "tagValue": "b"}]}),
        (personalize.untag_resource, {"tagKeys": ["a"]}),
        (personalize.list_tags_for_resource, {}),
    ]:
        assert error_of(call, resourceArn=missing, **kwargs)[0] == "ResourceNotFoundException"
    many = [{"tagKey": f"k{i}", "tagValue": "v"} for i in range(51)]
    code, _ = error_of(personalize.tag_resource, resourceArn=group, tags=many)
    assert code == "TooManyTagsException"
    code, message = error_of(personalize.tag_resource, resourceArn=group,
                             tags=[{"tagKey": "aws:owner", "tagValue": "me"}])  # fmt: skip
    assert code == "InvalidInputException"
    assert "aws:owner" in message
    assert tags_of(personalize, group) == {}
