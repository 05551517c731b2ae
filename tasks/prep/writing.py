"""Streaming CSV files to a local path or ``s3://`` (multipart upload through s3fs).

The import file is what Personalize reads: UTF-8, a header row of the schema's field names in
schema order, one row per record, empty fields for nulls, booleans lowercase.
"""

from __future__ import annotations

from types import TracebackType
from typing import Any

import fsspec
import pyarrow as pa
import pyarrow.csv as pacsv
from fsspec.implementations.local import LocalFileSystem


class CsvSink:
    """A CSV file written batch by batch; the object appears when the sink closes cleanly."""

    def __init__(self, uri: str, schema: pa.Schema) -> None:
        self.uri = uri
        self.schema = schema
        self.rows = 0
        self._handle: Any = None
        self._writer: pacsv.CSVWriter | None = None

    def __enter__(self) -> CsvSink:
        self._handle = open_for_writing(self.uri, "wb")
        self._handle.write((",".join(self.schema.names) + "\n").encode())
        self._writer = pacsv.CSVWriter(
            self._handle, self.schema, write_options=pacsv.WriteOptions(include_header=False)
        )
        return self

    def write(self, batch: pa.RecordBatch) -> None:
        """Append rows (in the sink's column order)."""
        assert self._writer is not None, "use the sink as a context manager"
        if batch.num_rows:
            self._writer.write_batch(batch.select(self.schema.names).cast(self.schema))
            self.rows += batch.num_rows

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if self._writer is not None:
            self._writer.close()
        if self._handle is not None:
            self._handle.close()
            if kind is not None:
                delete(self.uri)  # never leave a half-written file that looks complete


def delete(uri: str) -> None:
    """Remove a file if it exists."""
    fs, path = fsspec.core.url_to_fs(uri)
    if fs.exists(path):
        fs.rm(path)


def read_text(uri: str) -> str | None:
    """A small text file's content, or None when there is none."""
    fs, path = fsspec.core.url_to_fs(uri)
    if not fs.exists(path):
        return None
    with fs.open(path, "r", encoding="utf-8") as handle:
        return str(handle.read())


def write_text(uri: str, text: str) -> None:
    """Write a small text file (replacing it)."""
    with open_for_writing(uri, "w") as handle:
        handle.write(text)


def open_for_writing(uri: str, mode: str) -> Any:
    """A writable file; local parent directories are created (object stores have none)."""
    fs, path = fsspec.core.url_to_fs(uri)
    if isinstance(fs, LocalFileSystem):
        fs.makedirs(fs._parent(path), exist_ok=True)
    return fs.open(path, mode, **({"encoding": "utf-8"} if "b" not in mode else {}))
