"""etc/hisms.toml, the sample every deployment starts from, loads and builds its carriers."""

from __future__ import annotations

import tomllib
from pathlib import Path

from hisms.carrier import registry
from hisms.carrier.cmpp.options import parse
from hisms.engine.config import load

SAMPLE = Path(__file__).resolve().parents[2] / "etc" / "hisms.toml"


def test_sample_loads_and_every_channel_builds(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.delenv("HISMS_CONFIG", raising=False)
    settings = load(SAMPLE)
    assert [c.protocol for c in settings.channels] == ["cmpp"]
    assert {name: s.ext for name, s in settings.sources.items()}["HIS"] == "01"
    for channel in settings.channels:
        carrier = registry.create(channel.protocol, channel.name, channel.options())
        assert carrier.name == channel.name
    cmpp = parse("cmcc", settings.channels[0].options())
    assert cmpp.src_number == "10690123" and cmpp.window == 16 and cmpp.connections == 2


def test_commented_channels_build_too() -> None:
    lines = SAMPLE.read_text("utf-8").splitlines()
    built = []
    for start, line in enumerate(lines):
        if line != "# [[channels]]":
            continue
        block = [line]
        for following in lines[start + 1 :]:
            if not following.startswith("# ") or following == "# [[channels]]":
                break
            block.append(following)
        (channel,) = tomllib.loads("\n".join(b.removeprefix("# ") for b in block))["channels"]
        options = {k: v for k, v in channel.items() if k not in ("name", "protocol", "enabled")}
        if channel["protocol"] in ("aliyun", "tencent"):
            options["secret"] = "from the environment"
        built.append(registry.create(channel["protocol"], channel["name"], options).name)
    assert built == ["loopback", "aliyun", "tencent"]


def test_every_key_is_commented() -> None:
    lines = SAMPLE.read_text("utf-8").splitlines()
    for number, line in enumerate(lines, start=1):
        if "=" in line and not line.lstrip().startswith("#"):
            commented = "#" in line or lines[number - 2].lstrip().startswith("#")
            assert commented, f"etc/hisms.toml line {number} has no comment: {line}"
