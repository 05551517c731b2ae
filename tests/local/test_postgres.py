"""``make up DATABASE=postgres``: the stack's Prefect server on a real local PostgreSQL server
(Debian's package, run as the stack's own background process), not SQLite."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from local.stack import LocalStack, StackSettings
from tests.e2e.conftest import free_port

pytestmark = pytest.mark.slow


@pytest.fixture
def state_dir() -> Iterator[Path]:
    """A state directory the ``postgres`` user can reach (pytest's own are private to root)."""
    directory = Path(tempfile.mkdtemp(prefix="stack-postgres-"))
    directory.chmod(0o755)
    yield directory
    shutil.rmtree(directory, ignore_errors=True)


def test_the_prefect_server_runs_on_postgresql(state_dir: Path) -> None:
    stack = LocalStack(
        StackSettings(
            state_dir=state_dir,
            prefect_port=free_port(),
            postgres_port=free_port(),
            database="postgres",
        )
    )
    try:
        stack._start_postgres(120)
        server = stack.server()
        server.start()
        server.wait_until(stack._server_healthy, 180, "serving the Prefect API")
        created = httpx.post(f"{stack.api_url}/flows/", json={"name": "on-postgres"})
        assert created.status_code in (200, 201), created.text
        found = httpx.post(f"{stack.api_url}/flows/filter", json={}).json()
        assert "on-postgres" in [flow["name"] for flow in found]
        assert stack.status()["postgres"] is not None
    finally:
        stopped = stack.down()
    assert stopped == ["prefect-server", "postgres"]
    assert (state_dir / "postgres" / "data" / "PG_VERSION").exists()
    assert not list(state_dir.rglob("*.db")), "the server wrote a SQLite database"
