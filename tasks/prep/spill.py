"""A local Arrow IPC file holding the normalised rows between passes (written once, read often).

Reading it back is near free compared with reparsing the source, so the passes that need
global counts cost little. Batches are read one at a time (no memory map), which keeps the
resident memory at one batch.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.ipc as ipc

from tasks.prep.prefetch import prefetch


class SpillFile:
    """Append record batches, then read them back in order with their first row index."""

    def __init__(self, path: Path, schema: pa.Schema) -> None:
        self.path = path
        self.schema = schema
        self.rows = 0
        self._sink = pa.OSFile(str(path), "wb")
        self._writer: ipc.RecordBatchFileWriter | None = ipc.new_file(self._sink, schema)

    def append(self, batch: pa.RecordBatch) -> None:
        """Add rows (cast to the spill's schema)."""
        assert self._writer is not None, "the spill file is closed for writing"
        if batch.num_rows:
            self._writer.write_batch(batch.cast(self.schema))
            self.rows += batch.num_rows

    def finish(self) -> None:
        """Close the file for writing."""
        if self._writer is not None:
            self._writer.close()
            self._sink.close()
            self._writer = None

    def batches(self) -> Iterator[tuple[int, pa.RecordBatch]]:
        """(index of the first row, batch) for every batch, in the order written (read ahead)."""
        return prefetch(self._read())

    def _read(self) -> Iterator[tuple[int, pa.RecordBatch]]:
        self.finish()
        with pa.OSFile(str(self.path), "rb") as source:
            reader = ipc.open_file(source)
            start = 0
            for i in range(reader.num_record_batches):
                batch = reader.get_batch(i)
                yield start, batch
                start += batch.num_rows
