"""What installing the pipeline alone costs, beside the pipeline with the local service.

Each trial creates a fresh virtual environment and runs pip with the lock as constraints, as
the Dockerfile does, then reports the seconds it took, the environment's size on disk and the
number of distributions in it:

- ``pipeline``: ``./personalize-facts '.[dask]'`` (the Dockerfile's image);
- ``with-local-service``: the same plus ``./personalize-local`` (what every install carried
  while the local service's dependencies were the pipeline's own).

    python -m benchmarks.pipeline_install --trials 2

pip reads its usual configuration (index, find-links, cache), so a warm cache measures unzip and
install, not downloads.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGETS = {
    "pipeline": ["./personalize-facts", ".[dask]"],
    "with-local-service": ["./personalize-facts", "./personalize-local", ".[dask]"],
}


def size_mb(path: Path) -> float:
    """Bytes under ``path`` (links not followed), in MB."""
    return sum(p.lstat().st_size for p in path.rglob("*")) / 1e6


def install(target: list[str], where: Path) -> tuple[float, float, int]:
    """(seconds, MB, distributions) of one fresh install of ``target``."""
    started = time.perf_counter()
    venv.create(where, with_pip=True)
    python = where / "bin" / "python"
    subprocess.run(
        [str(python), "-m", "pip", "install", "-qq", "--disable-pip-version-check",
         "-c", "requirements.lock", *target],
        cwd=ROOT,
        check=True,
    )  # fmt: skip
    seconds = time.perf_counter() - started
    listed = subprocess.run(
        [str(python), "-m", "pip", "list", "--format=freeze"],
        capture_output=True, text=True, check=True,
    ).stdout.split()  # fmt: skip
    return seconds, size_mb(where), len(listed)


def main(argv: list[str] | None = None) -> None:
    """Install each target ``--trials`` times and print every trial."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=1, help="installs of each target")
    args = parser.parse_args(argv)
    print("target               trial   seconds        MB  distributions", flush=True)
    for trial in range(1, args.trials + 1):
        for name, target in TARGETS.items():
            with tempfile.TemporaryDirectory() as tmp:
                seconds, mb, count = install(target, Path(tmp) / "venv")
            print(f"{name:20} {trial:5} {seconds:9.1f} {mb:9.0f} {count:14}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
