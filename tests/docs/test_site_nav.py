"""Every page in docs/ is in the site's navigation (MkDocs only notes an orphan, it builds it)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_every_page_is_in_the_nav() -> None:
    nav = set(re.findall(r"([\w-]+\.md)\s*$", (ROOT / "mkdocs.yml").read_text(), flags=re.M))
    pages = {page.name for page in (ROOT / "docs").glob("*.md")}
    assert pages - nav == set(), "add the page to mkdocs.yml's nav"
    assert len(nav) >= 10
