"""A PostgreSQL server for the local stack's Prefect server: ``make up DATABASE=postgres``.

SQLite takes one writer at a time and answers "database is locked" under load (see
docs/operations.md); PostgreSQL does not. This runs Debian's ``postgresql`` package (``make
postgres`` installs it with apt-get when its binaries are missing):

1. a cluster under ``<state>/postgres/data`` is made once (``initdb``, user ``prefect``,
   trust on loopback only);
2. the server listens on loopback on its own port, as a background process of the stack; as
   root it runs as the ``postgres`` system user, since PostgreSQL refuses to run as root;
3. the database ``prefect`` is created once; the Prefect server gets
   ``PREFECT_API_DATABASE_CONNECTION_URL`` for it (``asyncpg`` comes with Prefect).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

USER = "prefect"
DATABASE = "prefect"
SERVER_USER = "postgres"


class PostgresMissing(RuntimeError):
    """PostgreSQL's binaries are not installed."""


def bin_dir() -> Path:
    """Where PostgreSQL's server binaries are (Debian keeps them out of PATH)."""
    installed = sorted(Path("/usr/lib/postgresql").glob("*/bin/postgres"))
    if installed:
        return installed[-1].parent
    found = shutil.which("postgres")
    if found:
        return Path(found).parent
    raise PostgresMissing(
        "PostgreSQL is not installed: run `make postgres` (apt-get install postgresql), then "
        "make up DATABASE=postgres again"
    )


def as_server_user(command: list[str]) -> list[str]:
    """``command`` as the ``postgres`` user when this runs as root (PostgreSQL refuses root)."""
    return ["runuser", "-u", SERVER_USER, "--", *command] if os.geteuid() == 0 else command


def server_command(data_dir: Path, host: str, port: int) -> list[str]:
    """The server on loopback, its socket in the data directory."""
    return as_server_user(
        [str(bin_dir() / "postgres"), "-D", str(data_dir), "-h", host, "-p", str(port),
         "-k", str(data_dir)]
    )  # fmt: skip


def init_cluster(data_dir: Path) -> None:
    """Make the cluster once (owned by the server's user)."""
    if (data_dir / "PG_VERSION").exists():
        return
    data_dir.mkdir(parents=True, exist_ok=True)
    if os.geteuid() == 0:
        shutil.chown(data_dir, SERVER_USER, SERVER_USER)
    command = [str(bin_dir() / "initdb"), "-D", str(data_dir), "-U", USER, "--auth=trust"]
    subprocess.run(as_server_user(command), check=True, capture_output=True, text=True)


def accepts(host: str, port: int) -> bool:
    """Whether the server accepts connections (``pg_isready``: not while it starts up)."""
    command = [str(bin_dir() / "pg_isready"), "-q", "-h", host, "-p", str(port)]
    return subprocess.run(command, check=False).returncode == 0


def ensure_database(host: str, port: int) -> None:
    """Create the Prefect database once."""
    command = [str(bin_dir() / "createdb"), "-h", host, "-p", str(port), "-U", USER, DATABASE]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0 and "already exists" not in done.stderr:
        raise RuntimeError(f"createdb failed: {done.stderr.strip()}")


def connection_url(host: str, port: int) -> str:
    """``PREFECT_API_DATABASE_CONNECTION_URL`` for the database."""
    return f"postgresql+asyncpg://{USER}@{host}:{port}/{DATABASE}"
