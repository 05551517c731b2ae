"""Every command in the README's and the docs' shell blocks exists and takes its options.

The README's commands start services or call AWS, so instead of running them each is checked
where it is defined: a make target with ``make -n`` (and its variables), a ``python -m``
module by parsing its arguments with its own argparse parser (stopped before it acts), a
``prefect`` command by its ``--help`` naming every option used. Programs the project does not
install (the AWS CLI, docker) are listed with the reason; any other program fails the test, so
a new command in the README gets checked too.
"""

from __future__ import annotations

import argparse
import importlib
import re
import shlex
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.docs.pages import anchors

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
PAGES = [README, *sorted((ROOT / "docs").glob("*.md"))]
BIN = Path(sys.executable).parent

NOT_INSTALLED = {
    "aws": "the AWS CLI: the user's own tool for their account (setting up the bucket and role)",
    "docker": "building the flow-run image is the user's own step (docs/deploying.md)",
}


def shell_commands(markdown: str) -> Iterator[list[str]]:
    """Each command of the ```bash blocks, split as the shell would (comments dropped)."""
    for block in re.findall(r"^ *```bash\n(.*?)^ *```", markdown, flags=re.S | re.M):
        for line in textwrap.dedent(block).replace("\\\n", " ").splitlines():
            words = shlex.split(line, comments=True)
            if words:
                yield words


def _commands() -> list[list[str]]:
    return [words for page in PAGES for words in shell_commands(page.read_text())]


class _Parsed(Exception):
    """Raised once a module's parser accepted the arguments, before the module acts on them."""


def check_python_module(module: str, argv: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """``python -m module argv``: its main(argv) parses the arguments, and nothing runs."""
    original = argparse.ArgumentParser.parse_args

    def parse_then_stop(self: argparse.ArgumentParser, *args: Any, **kwargs: Any) -> Any:
        raise _Parsed(original(self, *args, **kwargs))

    monkeypatch.setattr(argparse.ArgumentParser, "parse_args", parse_then_stop)
    imported = importlib.import_module(module)
    assert ROOT in Path(imported.__file__ or "").resolve().parents, f"{module}: not the project's"
    main = imported.main
    with pytest.raises(_Parsed):
        try:
            main(argv)
        except SystemExit as stop:  # argparse refused the arguments
            pytest.fail(f"python -m {module} {shlex.join(argv)}: exit {stop.code}")


def check_pytest(argv: list[str]) -> None:
    """``python -m pytest paths``: the test files named exist (the tests are not run here)."""
    paths = [word.split("::")[0] for word in argv if not word.startswith("-")]
    assert all((ROOT / path).exists() for path in paths), f"pytest {shlex.join(argv)}"


def check_make(argv: list[str]) -> None:
    """``make target VAR=value``: the target exists (a dry run succeeds)."""
    done = subprocess.run(["make", "-n", *argv], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, f"make {shlex.join(argv)}: {done.stderr}"


def check_prefect(argv: list[str]) -> None:
    """``prefect sub command --option``: the command exists and its help names each option."""
    command = []
    for word in argv:
        if not re.fullmatch(r"[a-z][a-z-]*", word):
            break
        command.append(word)
    done = subprocess.run(
        [str(BIN / "prefect"), *command, "--help"], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, f"prefect {' '.join(command)}: {done.stderr}"
    for option in (w.split("=")[0] for w in argv if w.startswith("--")):
        assert option in done.stdout, f"prefect {' '.join(command)} has no option {option}"


@pytest.mark.parametrize("words", _commands(), ids=shlex.join)
def test_a_documented_command_exists_and_takes_its_options(
    words: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    program, *argv = words
    for word in words:
        if word.startswith("file://"):
            assert (ROOT / word.removeprefix("file://")).is_file(), f"{word} does not exist"
    if program == "eval":  # eval "$(make env)"
        inner = re.fullmatch(r"\$\((.*)\)", argv[0])
        assert inner, f"eval of something other than a command: {argv}"
        program, *argv = shlex.split(inner.group(1))
    if program == "export" or words == ["..."]:  # a variable set; an elided output
        assert all("=" in word for word in argv)
    elif program == "make":
        check_make(argv)
    elif program.endswith("python") and argv[:2] == ["-m", "pytest"]:
        check_pytest(argv[2:])
    elif program.endswith("python") and argv[:1] == ["-m"]:
        check_python_module(argv[1], argv[2:], monkeypatch)
    elif program == "prefect":
        check_prefect(argv)
    elif program.endswith("personalize-local"):  # the local service's console script
        check_python_module("personalize_local.cli", argv, monkeypatch)
    else:
        assert program in NOT_INSTALLED, f"README runs {program}: add a check for it here"


def test_the_readme_is_read_whole() -> None:
    """The blocks are found (a changed fence style would silently check nothing)."""
    programs = {words[0] for words in _commands()}
    assert {"make", "prefect", "python", "aws", "eval"} <= programs


def test_a_wrong_option_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(pytest.fail.Exception, match="exit 2"):
        check_python_module("flows.provision", ["--no-such-option"], monkeypatch)
    with pytest.raises(AssertionError, match="no-such-target"):
        check_make(["no-such-target"])
    with pytest.raises(AssertionError, match="has no option --no-such-option"):
        check_prefect(["deployment", "run", "x/y", "--no-such-option"])


def test_the_readme_links_to_pages_and_sections_that_exist() -> None:
    links = re.findall(r"\]\(([^)#:]+)(?:#([^)]*))?\)", README.read_text())
    assert links, "no relative links found"
    missing = [link for link, _ in links if not (ROOT / link).exists()]
    assert missing == []
    sections = [(link, anchor) for link, anchor in links if anchor]
    assert sections
    for link, anchor in sections:
        assert anchor in anchors((ROOT / link).read_text()), f"{link} has no section #{anchor}"


def test_the_readme_python_compiles_and_imports_what_exists() -> None:
    blocks = re.findall(r"^ *```python\n(.*?)^ *```", README.read_text(), flags=re.S | re.M)
    assert blocks
    for block in map(textwrap.dedent, blocks):
        compile(block, "README.md", "exec")
        for module, names in re.findall(r"^from ([\w.]+) import (.+)$", block, flags=re.M):
            imported = importlib.import_module(module)
            for name in names.split(","):
                assert hasattr(imported, name.strip()), f"{module} has no {name.strip()}"
