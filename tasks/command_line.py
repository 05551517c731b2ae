"""What the project's command lines share: a ``--help`` made from the module's docstring.

The docstring is shown as written (paragraphs and numbered lists keep their lines), without its
reStructuredText markup (````code````, ``:func:`name```), and every option with a help text
shows its default.
"""

from __future__ import annotations

import argparse
import re

_ROLE = re.compile(r":[a-z]+:`~?([^`]+)`")
_LITERAL = re.compile(r"``([^`]+)``")


def help_text(docstring: str | None) -> str:
    """A docstring as plain text for a terminal."""
    return _LITERAL.sub(r"\1", _ROLE.sub(r"\1", docstring or "")).strip()


class HelpFormatter(argparse.RawDescriptionHelpFormatter, argparse.ArgumentDefaultsHelpFormatter):
    """Keeps the description's lines; adds each option's default to its help (not a flag's,
    nor an absent one)."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        if action.default is None or isinstance(action.default, bool):
            return action.help
        return super()._get_help_string(action)


def command_parser(
    prog: str, docstring: str | None, epilog: str = "", show_defaults: bool = True
) -> argparse.ArgumentParser:
    """An argument parser whose ``--help`` is the docstring, as :func:`help_text` shows it
    (``show_defaults=False`` where a default may be a secret read from the environment)."""
    return argparse.ArgumentParser(
        prog=prog,
        description=help_text(docstring),
        epilog=help_text(epilog) or None,
        formatter_class=HelpFormatter if show_defaults else argparse.RawDescriptionHelpFormatter,
    )
