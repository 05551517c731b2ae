"""Reading raw data as a stream of Arrow record batches, from local paths or ``s3://``.

A source is one file or a prefix (directory) of many. It is cut into splits that can be read
independently (``list_splits``): a whole CSV or JSON-lines file, or a run of a Parquet file's
row groups. Splits are in name order and never loaded whole, so input can be larger than
memory. Storage goes through fsspec (s3fs for ``s3://``, which honours ``AWS_ENDPOINT_URL_S3``).
Columns come back renamed to the schema's field names; nullable fields the source does not have
come back as nulls.
"""

from __future__ import annotations

from collections.abc import Generator, Iterator
from dataclasses import dataclass
from typing import Any

import fsspec
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.json as pajson
import pyarrow.parquet as pq

from tasks.prep.config import SourceConfig
from tasks.prep.errors import SourceError
from tasks.prep.schema import DatasetSchema

BATCH_ROWS = 128 * 1024
# A Parquet split holds whole row groups, about this many rows (one group at least).
MIN_SPLIT_ROWS = 1_000_000
MAX_SPLIT_ROWS = 8_000_000
_BLOCK_BYTES = 8 << 20
_EXTENSIONS = {
    ".parquet": "parquet", ".pq": "parquet",
    ".csv": "csv", ".tsv": "csv",
    ".jsonl": "jsonl", ".json": "jsonl", ".ndjson": "jsonl",
}  # fmt: skip
_COMPRESSIONS = (".gz", ".bz2", ".zst", ".xz")


@dataclass(frozen=True)
class SourceBatch:
    """Rows of one source file: ``first_row`` is the 0-based row number of the batch's first."""

    path: str
    first_row: int
    batch: pa.RecordBatch


def file_format(path: str, declared: str | None) -> str:
    """The format of ``path``: the declared one, or inferred from the extension."""
    if declared:
        return declared
    name = path.lower()
    for suffix in _COMPRESSIONS:
        name = name.removesuffix(suffix)
    for extension, fmt in _EXTENSIONS.items():
        if name.endswith(extension):
            return fmt
    raise SourceError(
        f"cannot tell the format of {path}: name it .parquet, .csv or .jsonl, or set source.format"
    )


def list_files(uri: str) -> tuple[Any, list[str]]:
    """The filesystem and the data files of a source URI (a file, a prefix or a glob)."""
    try:
        fs, root = fsspec.core.url_to_fs(uri)
        if any(ch in root for ch in "*?["):
            paths = sorted(fs.glob(root))
        elif fs.isfile(root):
            paths = [root]
        elif fs.isdir(root):
            paths = sorted(fs.find(root))
        else:
            paths = []
    except (OSError, ValueError) as exc:
        raise SourceError(f"cannot list source {uri}: {exc}") from exc
    paths = [p for p in paths if not p.rsplit("/", 1)[-1].startswith(("_", "."))]
    if not paths:
        raise SourceError(f"source {uri} has no files: expected a file or a prefix of files")
    for path in paths:
        if fs.size(path) == 0:
            raise SourceError(
                f"{_display(fs, path)} is empty (0 bytes): the export wrote nothing. Check the "
                "job that writes it, or remove the file from the source."
            )
    return fs, paths


@dataclass(frozen=True)
class Split:
    """A part of the source read on its own: a file, or row groups of a Parquet file.

    ``first_row`` is the 0-based row number in the file of the split's first row.
    """

    path: str
    format: str
    row_groups: tuple[int, ...] | None = None
    first_row: int = 0


def list_splits(source: SourceConfig, workers: int = 1) -> list[Split]:
    """The source's splits, in the order a single reader would read them.

    Parquet row groups are grouped into about ``workers`` splits of equal rows (so that each
    worker reads one), each of ``MIN_SPLIT_ROWS`` to ``MAX_SPLIT_ROWS`` rows (so that a job
    outweighs its scheduling, and many workers still share a large file evenly).
    """
    fs, paths = list_files(source.uri)
    files: list[tuple[str, str, pq.FileMetaData | None]] = []
    for path in paths:
        fmt = file_format(path, source.format)
        metadata = _parquet_metadata(fs, path) if fmt == "parquet" else None
        files.append((path, fmt, metadata))
    total = sum(m.num_rows for _, _, m in files if m is not None)
    target = min(max(-(-total // max(workers, 1)), MIN_SPLIT_ROWS), MAX_SPLIT_ROWS)
    splits: list[Split] = []
    for path, fmt, metadata in files:
        if metadata is None:
            splits.append(Split(path, fmt))
        else:
            splits.extend(_row_group_splits(path, fmt, metadata, target))
    return splits


def _parquet_metadata(fs: Any, path: str) -> pq.FileMetaData:
    try:
        with fs.open(path, "rb") as handle:
            return pq.ParquetFile(handle).metadata
    except (OSError, pa.ArrowException) as exc:
        raise SourceError(f"cannot read {_display(fs, path)} as parquet: {exc}") from exc


def _row_group_splits(path: str, fmt: str, metadata: pq.FileMetaData, target: int) -> list[Split]:
    """A Parquet file's row groups in runs of about ``target`` rows, cut as evenly as they allow."""
    if not metadata.num_rows:
        return [Split(path, fmt, tuple(range(metadata.num_row_groups)), 0)]
    count = max(1, -(-metadata.num_rows // target))
    splits: list[Split] = []
    groups: list[int] = []
    first = rows = 0
    for index in range(metadata.num_row_groups):
        groups.append(index)
        rows += metadata.row_group(index).num_rows
        if (
            rows * count >= (len(splits) + 1) * metadata.num_rows
            or index == metadata.num_row_groups - 1
        ):
            splits.append(Split(path, fmt, tuple(groups), first))
            groups, first = [], rows
    return splits


def source_columns(source: SourceConfig, schema: DatasetSchema) -> dict[str, str]:
    """Schema field -> source column, after checking the mapping names schema fields."""
    unknown = sorted(set(source.columns) - set(schema.names))
    if unknown:
        raise SourceError(
            f"source.columns maps {unknown}, which the schema does not have; "
            f"schema fields are {schema.names}"
        )
    return {name: source.columns.get(name, name) for name in schema.names}


def read_batches(source: SourceConfig, schema: DatasetSchema) -> Iterator[SourceBatch]:
    """Every row of the source as record batches with the schema's field names."""
    source_columns(source, schema)  # a wrong mapping is reported before the files are listed
    for split in list_splits(source):
        yield from read_split(split, source, schema)


def read_split(
    split: Split, source: SourceConfig, schema: DatasetSchema
) -> Generator[SourceBatch, None, None]:
    """Every row of one split as record batches with the schema's field names."""
    mapping = source_columns(source, schema)
    fs, _ = fsspec.core.url_to_fs(source.uri)
    shown = _display(fs, split.path)
    first_row = split.first_row
    try:
        with fs.open(split.path, "rb", compression="infer") as handle:
            for batch in _file_batches(handle, split, shown, mapping, source, schema):
                yield SourceBatch(shown, first_row, batch)
                first_row += batch.num_rows
    except (OSError, pa.ArrowException, EOFError) as exc:
        raise SourceError(f"cannot read {shown} as {split.format}: {exc}") from exc


def _file_batches(
    handle: Any,
    split: Split,
    shown: str,
    mapping: dict[str, str],
    source: SourceConfig,
    schema: DatasetSchema,
) -> Iterator[pa.RecordBatch]:
    fmt = split.format
    if fmt == "parquet":
        # pre_buffer (on by default) would hold every requested row group of the file at once.
        parquet = pq.ParquetFile(handle, pre_buffer=False)
        present = set(parquet.schema_arrow.names)
        wanted = _present_columns(mapping, present, source, schema, shown)
        batches = parquet.iter_batches(
            batch_size=BATCH_ROWS, row_groups=split.row_groups, columns=sorted(set(wanted.values()))
        )
    elif fmt == "csv":
        header = _csv_header(handle)
        wanted = _present_columns(mapping, set(header), source, schema, shown)
        columns = sorted(set(wanted.values()))
        delimiter = "\t" if shown.lower().removesuffix(".gz").endswith(".tsv") else ","
        batches = pacsv.open_csv(
            handle,
            read_options=pacsv.ReadOptions(block_size=_BLOCK_BYTES),
            parse_options=pacsv.ParseOptions(delimiter=delimiter),
            # Read as text: types are cast (and bad values rejected per row) afterwards, so
            # type inference never disagrees between blocks or files.
            convert_options=pacsv.ConvertOptions(
                include_columns=columns,
                column_types=dict.fromkeys(columns, pa.string()),
                strings_can_be_null=True,
            ),
        )
    else:
        reader = pajson.open_json(handle, read_options=pajson.ReadOptions(block_size=_BLOCK_BYTES))
        wanted = _present_columns(mapping, set(reader.schema.names), source, schema, shown)
        batches = reader
    for batch in batches:
        if batch.num_rows:
            yield _rename(batch, wanted, schema)


def _csv_header(handle: Any) -> list[str]:
    """The CSV header's column names (the handle is rewound afterwards)."""
    first = handle.readline()
    handle.seek(0)
    if not first.strip():
        return []
    table = pacsv.read_csv(pa.py_buffer(first), read_options=pacsv.ReadOptions(block_size=1 << 20))
    return table.column_names


def _present_columns(
    mapping: dict[str, str],
    present: set[str],
    source: SourceConfig,
    schema: DatasetSchema,
    shown: str,
) -> dict[str, str]:
    """Mapped fields the file has; a missing mapped or required column is an error."""
    missing = [
        f"{field} (source column {column!r})"
        for field, column in mapping.items()
        if column not in present and (field in source.columns or not schema.field(field).nullable)  # type: ignore[union-attr]
    ]
    if missing:
        raise SourceError(
            f"{shown} has no column for {', '.join(missing)}; its columns are "
            f"{sorted(present)}. Map the field in source.columns or fix the file."
        )
    return {field: column for field, column in mapping.items() if column in present}


def _rename(batch: pa.RecordBatch, wanted: dict[str, str], schema: DatasetSchema) -> pa.RecordBatch:
    arrays, names = [], []
    for spec in schema.fields:
        column = wanted.get(spec.name)
        if column is None:
            arrays.append(pa.nulls(batch.num_rows, spec.arrow_type))
        else:
            arrays.append(batch.column(column))
        names.append(spec.name)
    return pa.RecordBatch.from_arrays(arrays, names=names)


def _display(fs: Any, path: str) -> str:
    protocol = fs.protocol if isinstance(fs.protocol, str) else fs.protocol[0]
    return path if protocol in ("file", "local") else f"{protocol}://{path}"
