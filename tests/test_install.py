"""The pipeline installs alone: its deployments load without the local service's dependencies.

A fresh virtual environment gets exactly the pipeline's dependency closure (prefect-personalize
and personalize-facts, as the Dockerfile installs them, which adds only the [dask] extra; at the
versions of this environment, which are the lock's), linked file by file from this
environment's installed distributions: seconds, where a pip install takes minutes
(``python -m benchmarks.pipeline_install`` does the real pip install and measures it). In that environment every deployment entrypoint of
``prefect.yaml`` loads as a worker loads it, and no distribution that only the local service
needs (moto, implicit, scipy...) can be imported. The distribution holds the pipeline's packages
alone: ``local/`` (the demo, the local stack) runs from a checkout.
"""

from __future__ import annotations

import importlib.metadata as metadata
import json
import subprocess
import sysconfig
import venv
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
PIPELINE = "prefect-personalize"
LOCAL_SERVICE = "personalize-local"


def closure(name: str) -> set[str]:
    """The distributions ``name`` needs (itself included), by this environment's metadata."""
    found: dict[str, set[str]] = {}
    todo: list[tuple[str, frozenset[str]]] = [(name, frozenset())]
    while todo:
        wanted, extras = todo.pop()
        dist = metadata.distribution(wanted)
        key = canonicalize_name(dist.metadata["Name"])
        if key in found and extras <= found[key]:
            continue
        found.setdefault(key, set()).update(extras)
        for text in dist.requires or []:
            requirement = Requirement(text)
            environments = [{"extra": extra} for extra in extras or {""}]
            marker = requirement.marker
            if marker is None or any(marker.evaluate(env) for env in environments):
                todo.append((requirement.name, frozenset(requirement.extras)))
    return set(found)


def top_level_modules(name: str) -> set[str]:
    """The importable top-level names a distribution installs."""
    files = metadata.distribution(name).files or []
    names = {
        file.parts[0].removesuffix(".py")
        for file in files
        if len(file.parts) > 1 or file.suffix == ".py"
    }
    return {name for name in names if name.isidentifier() and not name.startswith("__")}


def link_environment(target: Path, distributions: set[str]) -> Path:
    """A fresh virtual environment holding exactly ``distributions``; its python."""
    venv.create(target, with_pip=False)
    purelib = Path(sysconfig.get_paths(vars={"base": target, "platbase": target})["purelib"])
    for name in distributions:
        dist = metadata.distribution(name)
        for file in dist.files or []:
            if file.parts[0] == "..":  # scripts and data outside site-packages
                continue
            source = Path(str(dist.locate_file(file)))
            if source.exists():
                link = purelib / file
                link.parent.mkdir(parents=True, exist_ok=True)
                if not link.exists():
                    link.symlink_to(source)
    return target / "bin" / "python"


def entrypoints() -> list[str]:
    """Every deployment entrypoint of prefect.yaml (``flows/retrain.py:retrain``)."""
    deployments = yaml.safe_load((ROOT / "prefect.yaml").read_text())["deployments"]
    return sorted({deployment["entrypoint"] for deployment in deployments})


LOADER = """
import importlib.util, json, sys
from prefect.flows import load_flow_from_entrypoint
entrypoints = json.loads(sys.argv[1])
loaded = [load_flow_from_entrypoint(e, use_placeholder_flow=False).name for e in entrypoints]
present = [name for name in json.loads(sys.argv[2]) if importlib.util.find_spec(name)]
print(json.dumps({"flows": loaded, "present": present}))
"""


@pytest.mark.slow
def test_the_deployments_load_with_the_pipeline_alone(tmp_path: Path) -> None:
    pipeline = closure(PIPELINE)
    local_only = closure(LOCAL_SERVICE) - pipeline
    assert "personalize-facts" in pipeline
    packages = metadata.distribution(PIPELINE).read_text("top_level.txt") or ""
    assert sorted(packages.split()) == ["deployments", "flows", "tasks"]
    assert {"moto", "implicit", "scipy", "threadpoolctl", LOCAL_SERVICE} <= local_only
    modules = set().union(*(top_level_modules(name) for name in local_only))
    assert {"moto", "implicit", "scipy"} <= modules
    forbidden = sorted(modules | {"personalize_local"})  # installed editable: no package files

    python = link_environment(tmp_path / "venv", pipeline)
    result = subprocess.run(
        [str(python), "-c", LOADER, json.dumps(entrypoints()), json.dumps(forbidden)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    answer = json.loads(result.stdout.strip().splitlines()[-1])
    assert len(answer["flows"]) == len(entrypoints())
    assert answer["present"] == []
