"""Arrow IPC files holding normalised rows between the steps (written once, read often).

Each source split writes its rows of partition ``p`` to ``<scratch>/rows/p<p>/s<split>.arrow``;
the partition's steps read those files back in split order, which is the order a single reader
would have seen the rows. The scratch location is a local directory when every step runs on
this machine, or a shared one (``s3://``) for a cluster. Reading it back is near free compared
with reparsing the source; batches are read one at a time, so memory holds one batch.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import fsspec
import pyarrow as pa
import pyarrow.ipc as ipc
from fsspec.implementations.local import LocalFileSystem

from tasks.prep.prefetch import prefetch


def rows_uri(scratch: str, partition: int, split: int) -> str:
    """Where split ``split`` keeps its rows of partition ``partition``."""
    return f"{scratch.rstrip('/')}/rows/p{partition:05d}/s{split:06d}.arrow"


def open_binary(uri: str, mode: str) -> Any:
    """A binary file: a native one for local paths (faster), fsspec's otherwise."""
    fs, path = fsspec.core.url_to_fs(uri)
    if isinstance(fs, LocalFileSystem):
        if "w" in mode:
            fs.makedirs(fs._parent(path), exist_ok=True)
        return pa.OSFile(path, mode)
    return fs.open(path, mode)


class SpillFile:
    """Record batches appended to one IPC file, created on the first rows."""

    def __init__(self, uri: str, schema: pa.Schema) -> None:
        self.uri = uri
        self.schema = schema
        self.rows = 0
        self._sink: Any = None
        self._writer: ipc.RecordBatchStreamWriter | None = None

    def append(self, batch: pa.RecordBatch) -> None:
        """Add rows (cast to the spill's schema)."""
        if not batch.num_rows:
            return
        if self._writer is None:
            self._sink = open_binary(self.uri, "wb")
            self._writer = ipc.new_stream(self._sink, self.schema)
        self._writer.write_batch(batch.cast(self.schema))
        self.rows += batch.num_rows

    def finish(self) -> None:
        """Close the file (nothing is written when no rows came)."""
        if self._writer is not None:
            self._writer.close()
            self._sink.close()
            self._writer = None


class PartitionRows:
    """The rows of one partition: its spill files read in order, numbered from 0."""

    def __init__(self, uris: Sequence[str]) -> None:
        self.uris = list(uris)

    def batches(self) -> Iterator[tuple[int, pa.RecordBatch]]:
        """(index of the first row, batch) for every batch, in order (read ahead)."""
        return prefetch(self._read())

    def _read(self) -> Iterator[tuple[int, pa.RecordBatch]]:
        start = 0
        for uri in self.uris:
            with open_binary(uri, "rb") as source:
                for batch in ipc.open_stream(source):
                    yield start, batch
                    start += batch.num_rows
