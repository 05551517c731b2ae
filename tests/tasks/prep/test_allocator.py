"""A job in a process started as Dask's nanny starts workers reuses freed memory, then gives it back."""

from __future__ import annotations

import os
import platform
import subprocess
import sys
from pathlib import Path

import pytest

import tasks

# Page faults of 50 allocations of a filled 1 MiB array: before, within and after the jobs.
_SCRIPT = """
import resource
import numpy as np
from tasks.prep.allocator import reuse_freed_memory

def faults():
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for _ in range(50):
        array = np.ones(1 << 17, np.uint64)
        del array
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before

plain = faults()
with reuse_freed_memory():
    within = faults()
    with reuse_freed_memory():  # another job of the worker, ending first
        pass
    still = faults()
print(plain, within, still, faults())
"""


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="glibc's malloc only")
def test_a_job_reuses_freed_memory_in_a_process_started_as_dask_starts_workers() -> None:
    root = Path(tasks.__file__).resolve().parents[1]
    env = {**os.environ, "MALLOC_TRIM_THRESHOLD_": "65536", "PYTHONPATH": str(root)}
    out = subprocess.run(
        [sys.executable, "-c", _SCRIPT], env=env, capture_output=True, text=True, check=True
    )
    plain, within, still, after = map(int, out.stdout.split())
    # Dask's setting: every 1 MiB array is a fresh mapping, 256 pages faulted in each time.
    assert plain > 50 * 200
    assert within < plain / 10  # the job reuses what it freed
    assert still < plain / 10  # also after another job of the same worker ended
    assert after > plain / 2  # and the worker goes back to giving memory back
