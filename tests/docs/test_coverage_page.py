"""docs/coverage.md is what the local service's registry and botocore's models generate."""

from __future__ import annotations

from pathlib import Path

from personalize_local.coverage import render
from personalize_local.registry import registry

PAGE = Path(__file__).resolve().parents[2] / "docs" / "coverage.md"


def test_the_committed_page_is_what_the_registry_generates() -> None:
    assert PAGE.read_text() == render(), (
        "docs/coverage.md is stale: run `make reference` and commit the page"
    )


def test_an_operation_the_registry_lacks_is_shown_unanswered() -> None:
    handlers = dict(registry().handlers)
    del handlers["CreateCampaign"]
    page = render(handlers)
    assert "- [ ] `CreateCampaign`\n" in page
    assert "- [x] `DescribeCampaign` (`ops/campaigns.py`)" in page
    answered = sum(1 for line in page.splitlines() if line.startswith("- [x]"))
    assert answered == len(handlers)
