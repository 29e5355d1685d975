"""``hisms simulate``: the protocols come from the carrier registry and every level has help."""

from __future__ import annotations

from hisms.carrier.registry import SIMULATORS


def test_simulate_help_lists_the_registry_s_simulators(cli) -> None:  # type: ignore[no-untyped-def]
    result = cli.run("simulate", "--help")
    assert result.returncode == 0, result.stderr
    for protocol in SIMULATORS:
        assert f"  {protocol} " in result.stdout


def test_each_simulator_has_its_own_help(cli) -> None:  # type: ignore[no-untyped-def]
    for protocol, flag in {"cmpp": "--version", "sgip": "--sp-port"}.items():
        result = cli.run("simulate", protocol, "--help")
        assert result.returncode == 0, result.stderr
        assert flag in result.stdout and "--drop-after" in result.stdout


def test_an_unknown_protocol_is_refused(cli) -> None:  # type: ignore[no-untyped-def]
    result = cli.run("simulate", "ucp", check=False)
    assert result.returncode == 2 and "No such command 'ucp'" in result.stderr


def test_the_gateway_s_zone_is_checked(cli) -> None:  # type: ignore[no-untyped-def]
    result = cli.run("simulate", "smgp", "--timezone", "Beijing", check=False)
    assert result.returncode == 2 and "unknown time zone 'Beijing'" in result.stderr
    assert "Asia/Shanghai" in cli.run("simulate", "smgp", "--help").stdout
