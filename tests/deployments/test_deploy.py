"""``python -m deployments.deploy``: an env file for the pool's job variables holds no secret."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from deployments.deploy import main, pool_env


def test_an_env_file_with_a_secret_key_is_refused_before_anything_is_deployed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Issue 16: --env-file stored whatever it was given in the pool, in plain text.
    monkeypatch.setenv("PREFECT_API_URL", "http://127.0.0.1:9")  # nothing listens: no call made
    path = tmp_path / "vars.json"
    path.write_text(
        json.dumps(
            {
                "AWS_ENDPOINT_URL_PERSONALIZE": "http://127.0.0.1:8599",
                "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI",
                "AWS_SESSION_TOKEN": "FwoGZXIvYXdz",
            }
        )
    )

    assert main(["--env-file", str(path)]) == 2

    message = capsys.readouterr().err
    assert "carries AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN" in message
    assert "aws.credentials_block" in message
    assert "wJalrXUtnFEMI" not in message


def test_endpoint_variables_are_accepted(tmp_path: Path) -> None:
    path = tmp_path / "vars.json"
    path.write_text(json.dumps({"AWS_ENDPOINT_URL_S3": "http://127.0.0.1:8598"}))
    assert pool_env(path) == {"AWS_ENDPOINT_URL_S3": "http://127.0.0.1:8598"}
