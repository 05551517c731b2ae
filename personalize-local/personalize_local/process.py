"""Start the local service as a child process and wait until it answers (tests, demo, benchmarks)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from types import TracebackType

import httpx


class LocalService:
    """``personalize-local serve`` in a child process; ``env`` holds the client variables."""

    def __init__(
        self,
        data_dir: Path,
        latency: str = "instant",
        port: int = 0,
        s3_endpoint: str | None = None,
        extra_args: tuple[str, ...] = (),
    ) -> None:
        self.data_dir = data_dir
        self.latency = latency
        self.port = port
        self.s3_endpoint = s3_endpoint
        self.extra_args = extra_args
        self.env: dict[str, str] = {}
        self._process: subprocess.Popen[bytes] | None = None
        self.log_path = data_dir / "service.log"

    def start(self, timeout: float = 60.0) -> dict[str, str]:
        """Start the service and return the variables a boto3 client needs to reach it."""
        env_file = self.data_dir / "client-env.json"
        env_file.unlink(missing_ok=True)
        command = [
            sys.executable, "-m", "personalize_local", "serve",
            "--port", str(self.port),
            "--data-dir", str(self.data_dir),
            "--latency", self.latency,
            "--env-file", str(env_file),
            *self.extra_args,
        ]  # fmt: skip
        if self.s3_endpoint:
            command += ["--s3-endpoint", self.s3_endpoint]
        self.data_dir.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("ab") as log:
            self._process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"personalize-local exited early:\n{self.output()}")
            if env_file.exists():
                self.env = json.loads(env_file.read_text())
                if self._healthy():
                    return self.env
            time.sleep(0.05)
        self.stop()
        raise TimeoutError(f"personalize-local did not start in {timeout} s:\n{self.output()}")

    def _healthy(self) -> bool:
        try:
            url = self.env["AWS_ENDPOINT_URL_PERSONALIZE"] + "/_emulator/health"
            return httpx.get(url, timeout=1.0).status_code == 200
        except httpx.HTTPError:
            return False

    @property
    def pid(self) -> int | None:
        """The service process's id while it runs (benchmarks read its CPU time)."""
        return self._process.pid if self._process and self._process.poll() is None else None

    def output(self) -> str:
        """What the service has printed so far."""
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def stop(self) -> None:
        """Stop the service (SIGTERM, then SIGKILL after 10 s)."""
        if self._process and self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()

    def kill(self) -> None:
        """Kill the service at once (SIGKILL), as a crash would."""
        if self._process and self._process.poll() is None:
            self._process.kill()
            self._process.wait()

    def terminate(self, timeout: float = 30.0) -> int:
        """Send SIGTERM and wait for the service to exit; its exit status."""
        assert self._process is not None, "the service was not started"
        self._process.terminate()
        return self._process.wait(timeout)

    def apply_env(self) -> None:
        """Export the client variables into this process, for boto3 and s3fs."""
        os.environ.update(self.env)

    def __enter__(self) -> LocalService:
        self.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
