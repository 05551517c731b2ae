"""The ETag of an input: an S3 object's, or one made of an import folder's CSV parts.

The lineage records it beside each input, and a rerun compares it with the last import's to
skip an import of data AWS already has.
"""

from __future__ import annotations

import hashlib
from typing import Any

import fsspec


def etag(uri: str) -> str | None:
    """The object's ETag (S3) or None (local files, or when it cannot be read).

    A folder (an import folder of CSV parts) has one made of its parts' names and ETags.
    """
    try:
        fs, path = fsspec.core.url_to_fs(uri)
        if uri.endswith("/"):
            fs.invalidate_cache(path)  # s3fs keeps listings, ETags included
            found = fs.find(path, detail=True)
            parts = {p: info for p, info in found.items() if p.lower().endswith(".csv")}
            tags = [f"{p.rsplit('/', 1)[-1]}={_tag(info)}" for p, info in sorted(parts.items())]
            if not parts or None in (_tag(info) for info in parts.values()):
                return None
            return "folder-" + hashlib.md5("\n".join(tags).encode()).hexdigest()
        info = fs.info(path)
    except (OSError, ValueError):
        return None
    return _tag(info)


def _tag(info: dict[str, Any]) -> str | None:
    value = info.get("ETag") or info.get("etag")
    return str(value).strip('"') if value else None
