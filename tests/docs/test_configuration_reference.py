"""docs/configuration.md is what the configuration's pydantic models generate, and complete."""

from __future__ import annotations

from tasks.config_reference import PAGE, missing_descriptions, render


def test_the_committed_page_is_what_the_models_generate() -> None:
    assert PAGE.read_text() == render(), (
        "docs/configuration.md is stale: run `make reference` and commit the page"
    )


def test_every_setting_has_a_description() -> None:
    missing = missing_descriptions()
    assert missing == [], f"add Field(description=...) to: {', '.join(missing)}"


def test_a_setting_shows_its_type_default_allowed_values_and_example() -> None:
    rows = [line for line in render().splitlines() if line.startswith("| `timestamp_unit` |")]
    assert len(rows) == 1
    cells = [cell.strip() for cell in rows[0].strip("|").split(" | ")]
    assert cells[1:4] == ["string", "`auto`", "`auto`, `s`, `ms`, `us`, `ns`"]
    assert cells[4] and cells[5] == "`ms`"


def test_examples_come_from_the_example_configurations() -> None:
    page = render([{"bucket": "from-an-example-file"}])
    assert "| `bucket` |" in page
    assert "`from-an-example-file`" in page
