"""README's command-line examples, run against the demo database: what README shows is what the
commands print, line for line, so README cannot drift from the program again."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from crm.cli import main

README = Path(__file__).resolve().parents[2] / "README.md"


def console_blocks(text: str) -> list[list[tuple[str, list[str]]]]:
    """Each ```console block as (command, expected output lines) pairs."""
    blocks = []
    for body in re.findall(r"^```console\n(.*?)^```$", text, flags=re.M | re.S):
        steps: list[tuple[str, list[str]]] = []
        for line in body.splitlines():
            if line.startswith("$ "):
                steps.append((line[2:], []))
            else:
                assert steps, f"output before any command: {line!r}"
                steps[-1][1].append(line)
        blocks.append(steps)
    return blocks


def test_readme_examples_print_what_readme_shows(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    text = README.read_text(encoding="utf-8")
    assert "python -m crm [" not in text and "DESIGN" not in text  # installed commands, no outside doc
    blocks = console_blocks(text)
    assert blocks and any(cmd.startswith("crm --db demo.db demo") for cmd, _ in blocks[0])
    monkeypatch.chdir(tmp_path)
    last = 0
    for steps in blocks:
        for command, expected in steps:
            if command == "echo $?":
                printed = [str(last)]
            else:
                argv = shlex.split(command)
                assert argv[0] == "crm", command
                last = main(argv[1:])
                out, err = capsys.readouterr()
                printed = (out + err).splitlines()
            assert printed == expected, f"$ {command}"
