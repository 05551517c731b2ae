"""Every file or folder the README and the docs name in code spans exists (moves break no page)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
# Where a page's shorter paths are relative to: schema paths to config/, ops/ to the service.
BASES = [ROOT, ROOT / "config", ROOT / "personalize-local" / "personalize_local"]
RUN_TIME = {"_scratch/"}  # folders the pipeline creates while it runs
PATH = re.compile(r"`((?:[\w.-]+/)+[\w.-]*\.(?:py|json|yaml|lark|avsc|md|toml)|(?:[\w.-]+/)+)`")


def named_paths(markdown: str) -> set[str]:
    """Paths in code spans: ``a/b.py`` or ``a/b/`` (placeholders and URLs left out)."""
    found = {p for p in PATH.findall(markdown) if not p.startswith(("s3:", "http", "."))}
    return found - RUN_TIME


def test_every_named_path_exists() -> None:
    missing = [
        f"{page.relative_to(ROOT)}: {path}"
        for page in PAGES
        for path in sorted(named_paths(page.read_text()))
        if not any((base / path).exists() for base in BASES)
    ]
    assert missing == []


def test_paths_are_found_in_code_spans() -> None:
    text = "see `tasks/prep/config.py`, `personalize-local/tests/` and `s3://b/x.csv`"
    assert named_paths(text) == {"tasks/prep/config.py", "personalize-local/tests/"}
