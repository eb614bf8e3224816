"""docs/cli.md documents every command and option of ``policyledger``: the docs cannot rot."""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest

from policyledger.cli import main

CLI_DOCS = Path(__file__).resolve().parent.parent / "docs" / "cli.md"


def _commands(group: click.Group, prefix: str = "") -> dict[str, click.Command]:
    found: dict[str, click.Command] = {}
    for name, command in group.commands.items():
        full = f"{prefix}{name}"
        found[full] = command
        if isinstance(command, click.Group):
            found.update(_commands(command, f"{full} "))
    return found


COMMANDS = _commands(main)


def _section(command: str) -> str:
    """The text under ``## `policyledger <command>` `` up to the next heading of that level."""
    text = CLI_DOCS.read_text(encoding="utf-8")
    match = re.search(
        rf"^## `policyledger {re.escape(command)}`\n(.*?)(?=^## |\Z)", text, re.M | re.S
    )
    assert match, f"docs/cli.md has no section '## `policyledger {command}`'"
    return match.group(1)


def test_there_are_commands_to_check() -> None:
    assert {"parse", "schema"} <= set(COMMANDS)


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_command_is_documented(command: str) -> None:
    _section(command)


@pytest.mark.parametrize(
    ("command", "option"),
    [
        (command, option)
        for command, obj in sorted(COMMANDS.items())
        for param in obj.params
        if isinstance(param, click.Option)
        for option in param.opts
    ],
)
def test_option_is_documented(command: str, option: str) -> None:
    assert f"`{option}`" in _section(command), f"{option} of {command} is not in docs/cli.md"


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_docs_give_an_example_invocation(command: str) -> None:
    blocks = re.findall(r"^```\n(.*?)^```", _section(command), re.M | re.S)
    runnable = [line for block in blocks for line in block.splitlines() if "[" not in line]
    assert any(f"policyledger {command}" in line for line in runnable), command


@pytest.mark.parametrize("command", ["parse", "schema"])
def test_help_is_the_docstring_with_an_example(command: str) -> None:
    assert "policyledger " + command in (COMMANDS[command].help or "")


def test_group_options_are_documented() -> None:
    text = CLI_DOCS.read_text(encoding="utf-8")
    for option in ("--version", "--help", "-h"):
        assert f"`{option}`" in text
