"""Several upstream exports read as one source: their files copied, in order, under one prefix.

A run that takes the exports of the runs folded into it (:mod:`flows.coalesce`) prepares them
as one source: each export's files (a file, or a prefix of files) are copied under
``<prefix>/<NNN>-<MMM>-<name>``, so that the prefix lists them in the exports' order and the
preparation reads them as one import. A rerun copies the same files again (same content).
"""

from __future__ import annotations

import shutil
from collections.abc import Sequence

import fsspec

from tasks.prep.reading import list_files
from tasks.reporting import run_logger


def stage_exports(uris: Sequence[str], prefix: str) -> str:
    """Copy every file of ``uris``, in order, under ``prefix``; the prefix to read them from."""
    root = prefix.rstrip("/")
    copied = 0
    for number, uri in enumerate(uris):
        fs, paths = list_files(uri)
        for part, path in enumerate(paths):
            name = path.rsplit("/", 1)[-1]
            with (
                fs.open(path, "rb") as source,
                fsspec.open(f"{root}/{number:03d}-{part:03d}-{name}", "wb") as target,
            ):
                shutil.copyfileobj(source, target)
            copied += 1
    run_logger().info("Read %d exports as one source: %d files under %s/", len(uris), copied, root)
    return f"{root}/"
