"""The local service stands on its own (issue 24): its suite runs from its own folder, with its
fixtures from its own pytest plugin, and loads nothing of the pipeline, the demo or the
repository's test support."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parents[1]
RUN = """
import json, sys, pytest
code = pytest.main(["-p", "no:xdist", "-p", "no:cacheprovider", "tests/test_delete_rules.py"])
loaded = sorted(m for m in sys.modules if m.split(".")[0] in {"flows", "tasks", "deployments", "local", "tests"})
print(json.dumps({"code": int(code), "loaded": loaded, "conftest": sys.modules["conftest"].__file__}))
"""


def test_its_suite_runs_from_its_folder_without_the_pipeline() -> None:
    shown = subprocess.run(
        [sys.executable, "-c", RUN], cwd=HERE, capture_output=True, text=True, timeout=300
    )
    result = json.loads(shown.stdout.strip().splitlines()[-1])
    assert result["code"] == 0, shown.stdout[-3000:]
    assert "7 passed" in shown.stdout
    assert f"rootdir: {HERE}" in shown.stdout, "it ran under the repository's settings"
    assert result["loaded"] == [], f"the local service's suite loaded {result['loaded']}"
    assert result["conftest"] == str(HERE / "tests" / "conftest.py"), "the root's conftest ran"
