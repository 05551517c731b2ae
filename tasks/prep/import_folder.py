"""An import location as Personalize reads it: one CSV file, or every ``.csv`` under a folder.

Preparation writes a folder of parts (``<type>/part-<p>.csv``); imports made before it read a
single file. ``import_parts`` lists what a location holds, ``read_import`` reads it whole (only
for the small reads the flows make: sample users, the users of a batch), ``delete_parts``
empties a folder before a rerun writes into it.
"""

from __future__ import annotations

from collections.abc import Sequence

import fsspec
import pandas as pd


def import_parts(import_uri: str) -> list[str]:
    """The CSV files of an import location (the file itself, or a folder's parts in name order)."""
    fs, path = fsspec.core.url_to_fs(import_uri)
    fs.invalidate_cache(path)  # s3fs keeps listings: another process may have written parts
    if not import_uri.endswith("/") and fs.isfile(path):
        return [import_uri]
    if not fs.isdir(path):
        return []
    protocol = fs.protocol if isinstance(fs.protocol, str) else fs.protocol[0]
    found = sorted(p for p in fs.find(path) if p.lower().endswith(".csv"))
    return [p if protocol in ("file", "local") else f"{protocol}://{p}" for p in found]


def read_import(import_uri: str, columns: Sequence[str]) -> pd.DataFrame:
    """These columns of every row at an import location, ids as strings."""
    dtypes = {"USER_ID": str, "ITEM_ID": str}
    frames = [
        pd.read_csv(part, usecols=list(columns), dtype=dtypes) for part in import_parts(import_uri)
    ]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=list(columns))


def delete_parts(import_uri: str) -> None:
    """Remove every ``.csv`` part in an import folder."""
    fs, path = fsspec.core.url_to_fs(import_uri)
    if fs.isdir(path):
        parts = [p for p in fs.find(path) if p.lower().endswith(".csv")]
        if parts:
            fs.rm(parts)
