"""User story: the installer runs ``hisms doctor`` on a new host and is told what is wrong
and how to fix it, one line per check; a healthy setup passes with exit code 0."""

from __future__ import annotations

import json
import socket
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from sqlalchemy.engine import make_url

from tests.acceptance.conftest import hisms, spawn
from tests.integration.e2e.conftest import E2E
from tests.waiting import wait_until

pytestmark = pytest.mark.postgres


@pytest.fixture
def e2e(tmp_path: Path, pg_url: str) -> Iterator[E2E]:
    world = E2E(tmp_path, pg_url)
    try:
        yield world
    finally:
        world.close()


def doctor(config: Path, *args: str) -> tuple[int, dict[str, dict[str, str]]]:
    done = hisms("doctor", "--json", "--timeout", "3", *args, config=config, check=False)
    assert done.returncode in (0, 1), done.stderr
    return done.returncode, {f["check"]: f for f in json.loads(done.stdout)}


def secured(path: Path) -> Path:
    path.chmod(0o600)
    return path


def initialised(e2e: E2E, port: int, **channel: object) -> Path:
    config = secured(e2e.config(port, **channel))
    hisms("db", "init", config=config)
    return config


def test_a_healthy_setup_passes_every_check(e2e: E2E) -> None:
    sim = e2e.simulator()
    code, found = doctor(initialised(e2e, sim.port))
    verdicts = {check: f["verdict"] for check, f in found.items()}
    for check in ("config file", "database", "schema", "grants", "clock", "timezone"):
        assert verdicts[check] == "pass", found[check]
    assert verdicts["channel cmcc"] == "pass" and verdicts["login cmcc"] == "pass"
    # The disk check reads this machine's free space: the only verdict the test cannot set.
    assert code == (1 if verdicts["disk"] == "fail" else 0)


def test_each_broken_piece_is_reported_with_its_fix(e2e: E2E, tmp_path: Path) -> None:
    wrong = e2e.simulator(secret="not-the-configured-one")
    config = initialised(e2e, wrong.port)
    config.chmod(0o644)  # it holds the gateway's secret
    code, found = doctor(config)
    assert code == 1
    assert found["config file"]["verdict"] == "fail"
    assert f"chmod 600 {config}" in found["config file"]["fix"]
    assert found["login cmcc"]["verdict"] == "fail" and "password" in found["login cmcc"]["fix"]

    with socket.socket() as closed:  # a port nothing listens on
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    code, found = doctor(initialised(e2e, port), "--no-login")
    assert code == 1 and found["channel cmcc"]["verdict"] == "fail"
    assert f"127.0.0.1:{port} unreachable" in found["channel cmcc"]["detail"]
    assert "login cmcc" not in found


def test_a_refused_database_login_says_why(e2e: E2E, tmp_path: Path) -> None:
    sim = e2e.simulator()
    nobody = make_url(e2e.url).set(username=f"nobody_{uuid.uuid4().hex[:8]}")
    e2e.url = nobody.render_as_string(hide_password=False)
    code, found = doctor(secured(e2e.config(sim.port)))
    assert code == 1 and found["database"]["verdict"] == "fail"
    assert "does not exist" in found["database"]["detail"]
    assert "HISMS_DATABASE__URL" in found["database"]["fix"]
    assert "schema" not in found  # nothing else about a database it cannot reach


def test_mariadb_grants_are_read_and_a_wrong_password_is_reported(e2e: E2E, mysql_url: str) -> None:
    sim = e2e.simulator()
    e2e.url = mysql_url
    config = secured(e2e.config(sim.port))
    hisms("db", "init", config=config)
    code, found = doctor(config, "--no-login")
    assert found["grants"]["verdict"] == "pass", found["grants"]
    assert found["schema"]["verdict"] == "pass" and found["timezone"]["verdict"] == "pass"
    password = f"pw-{uuid.uuid4().hex}"
    e2e.url = make_url(mysql_url).set(password=password).render_as_string(hide_password=False)
    code, found = doctor(secured(e2e.config(sim.port)), "--no-login")
    assert code == 1 and "Access denied" in found["database"]["detail"]
    assert password not in json.dumps(found)  # the password is never printed


def test_an_account_without_the_engine_grants_is_told_which(e2e: E2E) -> None:
    sim = e2e.simulator()
    hisms("db", "init", config=secured(e2e.config(sim.port)))
    role = f"doctor_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(e2e.url, autocommit=True) as owner:
        owner.execute(f"CREATE ROLE {role} LOGIN")
        owner.execute(f"GRANT SELECT ON sms_schema_version, sms_setting, sms_outbox TO {role}")
    try:
        e2e.url = make_url(e2e.url).set(username=role).render_as_string(hide_password=False)
        code, found = doctor(secured(e2e.config(sim.port)), "--no-login")
        assert code == 1 and found["grants"]["verdict"] == "fail"
        assert "INSERT on sms_outbox" in found["grants"]["detail"]
        assert "SELECT on sms_outbox" not in found["grants"]["detail"]
        assert "sql/postgresql/grants.sql" in found["grants"]["fix"]
    finally:
        with psycopg.connect(
            make_url(e2e.url).set(username="postgres").render_as_string(hide_password=False),
            autocommit=True,
        ) as owner:
            owner.execute(f"DROP OWNED BY {role}")
            owner.execute(f"DROP ROLE {role}")


def test_upgrade_dry_run_lists_the_migrations_and_applies_none(tmp_path: Path) -> None:
    config = tmp_path / "hisms.toml"
    config.write_text(f'[database]\nurl = "sqlite:///{tmp_path / "h.db"}"\n', "utf-8")
    plan = hisms("db", "upgrade", "--dry-run", config=config).stdout
    assert "schema at version 0" in plan and "would apply 0001_initial" in plan
    assert "schema at version 0" in hisms("db", "upgrade", "--dry-run", config=config).stdout
    hisms("db", "upgrade", config=config)
    assert "nothing to do" in hisms("db", "upgrade", "--dry-run", config=config).stdout


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_a_taken_listening_port_is_reported(tmp_path: Path, sqlite_url: str) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        config = tmp_path / "hisms.toml"
        config.write_text(
            f'[database]\nurl = "{sqlite_url}"\n[intake.smpp]\nenabled = true\nport = {port}\n'
            # the console mounted in `hisms run` listens on [monitoring] port, enabled or not
            f"[console]\nenabled = true\nport = {port}\n[monitoring]\nport = {port}\n",
            "utf-8",
        )
        code, found = doctor(secured(config))
        assert "port console" not in found  # `hisms console`'s own port: only with --console
        _, with_console = doctor(config, "--console")
    assert code == 1 and found["port intake.smpp"]["verdict"] == "fail"
    assert f"sport = :{port}" in found["port intake.smpp"]["fix"]
    assert "another program" in found["port intake.smpp"]["detail"]
    assert found["port monitoring"]["verdict"] == "fail"
    assert "[monitoring] port" in found["port monitoring"]["fix"]
    assert with_console["port console"]["verdict"] == "fail"


def test_a_port_held_by_the_running_engine_is_a_warning_not_a_failure(
    tmp_path: Path, sqlite_url: str
) -> None:
    """Doctor run for monitoring beside the live service: its own ports are taken by it."""
    port = free_port()
    config = tmp_path / "hisms.toml"
    config.write_text(
        f'[database]\nurl = "{sqlite_url}"\n[monitoring]\nenabled = true\nport = {port}\n'
        '[[channels]]\nname = "lb"\nprotocol = "loopback"\n',
        "utf-8",
    )
    engine = spawn("run", config=secured(config))
    try:

        def listening() -> bool:
            with socket.socket() as probe:
                return probe.connect_ex(("127.0.0.1", port)) == 0

        wait_until(listening, 30, "the engine's metrics port")
        code, found = doctor(config)
    finally:
        engine.terminate()
        engine.communicate(timeout=30)
    held = found["port monitoring"]
    assert held["verdict"] == "warn", held
    assert f"pid {engine.pid}" in held["detail"] and "running service" in held["detail"]
    failures = [f for f in found.values() if f["verdict"] == "fail" and f["check"] != "disk"]
    assert not failures and code == (1 if found["disk"]["verdict"] == "fail" else 0)


def test_the_secrets_file_is_read_as_the_service_reads_it_and_must_be_private(
    tmp_path: Path, sqlite_url: str
) -> None:
    config = tmp_path / "hisms.toml"  # no reachable database in it: the service's is in env
    config.write_text(f'[database]\nurl = "sqlite:///{tmp_path}/no/such/dir.db"\n', "utf-8")
    env = tmp_path / "hisms.env"
    env.write_text(
        f"# as etc/systemd/hisms.env.example\nHISMS_DATABASE__URL={sqlite_url}\n"
        'HISMS_CONSOLE__SECRET_KEY="s3cret-key"\n',
        "utf-8",
    )
    env.chmod(0o644)
    code, found = doctor(secured(config), "--env-file", str(env), "--no-login")
    assert code == 1 and found["secrets file"]["verdict"] == "fail"
    assert f"chmod 600 {env}" in found["secrets file"]["fix"]
    assert "s3cret" not in json.dumps(found)
    assert found["database"]["verdict"] == "pass"  # the URL came from the secrets file
    env.chmod(0o600)
    _, found = doctor(config, "--env-file", str(env), "--no-login")
    assert found["secrets file"]["verdict"] == "pass"


def test_an_http_gateway_is_reached_at_its_url_and_not_logged_in(
    tmp_path: Path, sqlite_url: str
) -> None:
    sample = (Path(__file__).parents[2] / "etc" / "http-gateway.toml").read_text("utf-8")
    with socket.socket() as gateway:
        gateway.bind(("127.0.0.1", 0))
        gateway.listen()
        config = tmp_path / "hisms.toml"
        port = gateway.getsockname()[1]
        database = f'[database]\nurl = "{sqlite_url}"\n'
        config.write_text(database + sample.replace(":7893", f":{port}"), "utf-8")
        code, found = doctor(secured(config))
    assert found["channel agg"]["verdict"] == "pass", found["channel agg"]
    assert f"127.0.0.1:{port} reachable" in found["channel agg"]["detail"]
    assert "login agg" not in found  # an HTTP API's key is checked by its first request
    code, found = doctor(config)  # the gateway is gone
    assert code == 1 and found["channel agg"]["verdict"] == "fail"
