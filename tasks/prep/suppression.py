"""Forgotten users stay forgotten: their rows never reach an import file again.

1. ``forget_users`` (``flows/forget_users.py``) writes one CSV file with a USER_ID column per
   request under the dataset group's suppression folder (``cleaning.forgotten_users_uri``,
   ``s3://<bucket>/suppression/<group>/forgotten-users/`` by default); the same file is the
   data deletion job's input.
2. :meth:`Suppression.load` reads every file under that folder into one set of ids (an Arrow
   array, for vectorised lookups); no folder yet means no one is forgotten.
3. :meth:`Suppression.apply` is the preparation rule, applied to each batch right after
   normalisation: the rows of forgotten users leave the batch's kept rows and its rejects, and
   are counted in the data report under :data:`FORGOTTEN_RULE`. They are not copied to the
   rejects file, which would keep the very data the user asked to erase.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import fsspec
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from tasks.prep.errors import SourceError
from tasks.prep.normalise import Normalised

FORGOTTEN_RULE = "user forgotten (forget_users)"


def suppression_uri(bucket: str, dataset_group: str) -> str:
    """The default folder of a dataset group's forgotten users."""
    return f"s3://{bucket}/suppression/{dataset_group}/forgotten-users/"


@dataclass(frozen=True)
class Suppression:
    """The ids of the users forgotten so far (none: an empty array)."""

    users: pa.Array

    @classmethod
    def load(cls, uri: str | None) -> Suppression:
        """Every USER_ID listed by the CSV files under ``uri`` (none when there is no folder)."""
        if not uri:
            return cls(pa.array([], pa.string()))
        fs, root = fsspec.core.url_to_fs(uri)
        try:
            paths = sorted(p for p in fs.find(root) if p.lower().endswith(".csv"))
        except FileNotFoundError:
            paths = []
        chunks = []
        for path in paths:
            with fs.open(path, "rb") as handle:
                table = pacsv.read_csv(
                    handle,
                    convert_options=pacsv.ConvertOptions(column_types={"USER_ID": pa.string()}),
                )
            if "USER_ID" not in table.column_names:
                raise SourceError(f"suppression file {path} has no USER_ID column")
            chunks.append(pc.utf8_trim_whitespace(table["USER_ID"].combine_chunks()))
        users = pa.concat_arrays(chunks) if chunks else pa.array([], pa.string())
        return cls(pc.unique(users.drop_null()))

    def __len__(self) -> int:
        return len(self.users)

    def apply(self, batch: Normalised, removed_by_rule: dict[str, int]) -> Normalised:
        """The batch without the forgotten users' rows (kept or rejected); counts them."""
        if not len(self) or "USER_ID" not in batch.rows.schema.names:
            return batch
        hit = self.hits(batch.rows["USER_ID"])
        good, rejects, removed = batch.good, batch.rejects, 0
        if hit.any():
            removed += int((hit if good is None else hit & good).sum())
            good = ~hit if good is None else good & ~hit
        if rejects is not None:
            rejected = self.hits(pc.utf8_trim_whitespace(rejects["USER_ID"]))
            if rejected.any():
                removed += int(rejected.sum())
                rejects = rejects.filter(pa.array(~rejected)) if not rejected.all() else None
        if removed:
            removed_by_rule[FORGOTTEN_RULE] = removed_by_rule.get(FORGOTTEN_RULE, 0) + removed
        return dataclasses.replace(batch, good=good, rejects=rejects)

    def hits(self, ids: pa.Array | pa.ChunkedArray) -> np.ndarray:
        """For each id, whether its user is forgotten (a null id is not)."""
        found = pc.fill_null(pc.is_in(ids, value_set=self.users), False)
        return np.asarray(found.to_numpy(zero_copy_only=False), dtype=bool)
