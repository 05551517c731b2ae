"""Reading the documentation pages as MkDocs does."""

from __future__ import annotations

import re

from markdown.extensions.toc import slugify


def anchors(markdown: str) -> set[str]:
    """The anchors of a page's headings: an explicit ``{#id}``, else MkDocs' slug of the title."""
    found = set()
    for title in re.findall(r"^#+ (.+)$", markdown, flags=re.M):
        explicit = re.search(r"\{#([\w-]+)\}\s*$", title)
        found.add(explicit.group(1) if explicit else slugify(title, "-"))
    return found
