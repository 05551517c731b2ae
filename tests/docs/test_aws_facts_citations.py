"""Code and tests cite the real-AWS facts on docs/aws-facts.md, by sections that exist there."""

from __future__ import annotations

import os
import re
from pathlib import Path

from tests.docs.pages import anchors

ROOT = Path(__file__).resolve().parents[2]
FACTS = ROOT / "docs" / "aws-facts.md"
SKIP = {".venv", "site", ".git", ".local", "node_modules"}


def sources() -> list[Path]:
    """The repository's Python files (virtual environments and build output left out)."""
    found = []
    for folder, subfolders, files in os.walk(ROOT):
        subfolders[:] = [d for d in subfolders if d not in SKIP and not d.startswith(".")]
        found += [Path(folder, name) for name in files if name.endswith(".py")]
    return found


def test_every_citation_names_a_section_of_the_facts_page() -> None:
    known = anchors(FACTS.read_text())
    cited = {
        (path.relative_to(ROOT).as_posix(), anchor)
        for path in sources()
        for anchor in re.findall(r"docs/aws-facts\.md#([\w-]+)", path.read_text())
    }
    assert len(cited) >= 10  # the local service and its tests cite the page throughout
    assert sorted(c for c in cited if c[1] not in known) == []


def test_nothing_cites_a_file_outside_the_repository() -> None:
    here = Path(__file__).resolve()
    citing = [p for p in sources() if p != here and "aws-observed.md" in p.read_text()]
    assert citing == [], "cite docs/aws-facts.md (the shared notes are not part of a clone)"


def test_anchors_follow_mkdocs() -> None:
    assert anchors("## S3 access: the bucket policy {#s3-access}\n## ARNs and the account\n") == {
        "s3-access",
        "arns-and-the-account",
    }
