"""The README's first screen: the two set-up commands, then the way to a hospital server
(docs/install.md), as issue 20 asks."""

from __future__ import annotations

from pathlib import Path

README = Path(__file__).resolve().parents[2] / "README.md"
SCREEN = 24  # lines of a terminal


def test_the_first_screen_has_the_two_commands_and_links_the_installation_guide() -> None:
    lines = README.read_text("utf-8").splitlines()[:SCREEN]
    block = lines[lines.index("```sh") + 1 :]
    commands = [line.split("#")[0].strip() for line in block[: block.index("```")]]
    assert commands == ["make demo", "make test"]
    assert any("](docs/install.md)" in line for line in lines)
