"""The `assistant` command: parse, build, search and ask from the shell.

One module per kind of command (`library`, `questions`, `serving`), each registering on the
Typer app of `common`; importing them here registers every command in the order `--help`
lists them. Parsing, the index and the model load inside the commands that need them: `ask`
through a running server imports none of them.
"""

from __future__ import annotations

from assistant.cli import library, questions, serving  # noqa: F401  (they register commands)
from assistant.cli.common import app, settings_for

__all__ = ["app", "main", "settings_for"]


def main() -> None:  # pragma: no cover - console entry for `python -m assistant.cli`
    app()
