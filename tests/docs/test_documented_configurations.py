"""The configurations the README and the configuration reference show are valid as written."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from tasks.config import ConfigError, parse_config

ROOT = Path(__file__).resolve().parents[2]
SCHEMAS = ROOT / "config"  # the examples' schema paths are those of config/


@pytest.mark.parametrize("page", ["README.md", "docs/configuration.md"])
def test_the_minimal_configuration_shown_is_valid(page: str) -> None:
    first = re.findall(r"^```yaml\n(.*?)^```", (ROOT / page).read_text(), flags=re.S | re.M)[0]
    config = parse_config(yaml.safe_load(first), base_dir=SCHEMAS, source=page)
    assert config.solutions and config.datasets.interactions.source is not None


def test_a_broken_configuration_would_be_caught() -> None:
    with pytest.raises(ConfigError, match="role_arn: Field required"):
        parse_config({"bucket": "b"}, base_dir=SCHEMAS)
