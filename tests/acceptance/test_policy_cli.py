"""Operators manage the content policy with the real command line on SQLite: the blacklist
(Excel and CSV in and out), templates, the word list and source profiles, each change audited."""

from __future__ import annotations

import json
import signal
from pathlib import Path

import pytest

from hisms.engine.store import open_store
from hisms.engine.store.policystore import AuditFilter
from tests.waiting import wait_until


@pytest.fixture
def config(cli, tmp_path: Path, sqlite_url: str) -> Path:  # type: ignore[no-untyped-def]
    return cli.write_config(tmp_path / "hisms.toml", sqlite_url)


def audited(url: str, obj: str) -> list[tuple[str, str]]:
    store = open_store(url)
    try:
        return [(r["action"], r["name"]) for r in store.audit_trail(AuditFilter(object=obj))]
    finally:
        store.close()


def test_blacklist_add_list_export_import_remove(
    cli, config: Path, sqlite_url: str, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    run = lambda *a, **k: cli.run(*a, config=config, **k)  # noqa: E731
    hard = run("blacklist", "add", "13800138000", "--reason", "complaint").stdout.strip()
    scoped = run(
        "blacklist", "add", "1390013", "--prefix", "--source", "HIS", "--category", "notice",
        "--service-number", "106901230101",
    ).stdout.strip()  # fmt: skip
    listed = run("blacklist", "list").stdout
    assert f"{hard} 138****8000 all traffic complaint" in listed
    assert (
        f"{scoped} 1390013* source_system=HIS service_number=106901230101 categories=notice"
        in listed
    )
    bad = run("blacklist", "add", "12345", check=False)
    assert bad.returncode != 0 and "5 digits" in bad.stderr

    exported = tmp_path / "out.csv"
    assert "exported 2 entries" in run("blacklist", "export", str(exported)).stdout
    assert "13800138000" in exported.read_text("utf-8-sig")  # in full: the export is audited
    assert "service_number" in exported.read_text("utf-8-sig").splitlines()[0]
    assert f"removed blacklist entry {hard}" in run("blacklist", "remove", hard).stdout
    assert run("blacklist", "remove", hard, check=False).returncode != 0
    assert "imported 2 entries" in run("blacklist", "import", str(exported)).stdout
    assert run("blacklist", "list").stdout.count("138****8000") == 1
    assert run("blacklist", "list").stdout.count("service_number=106901230101") == 2

    broken = tmp_path / "broken.csv"
    broken.write_text("phone,categories\n13800138001,notice\n13800138002,nonsense\n", "utf-8")
    refused = run("blacklist", "import", str(broken), check=False)
    assert refused.returncode != 0 and "line 3" in refused.stderr
    assert "13800138001" not in run("blacklist", "list").stdout.replace("*", "")

    actions = [a for a, _ in audited(sqlite_url, "blacklist")]
    assert actions.count("export") == 1 and actions.count("import") == 1
    assert actions.count("create") == 4 and actions.count("delete") == 1


def test_blacklist_export_and_import_excel(
    cli, config: Path, sqlite_url: str, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    run = lambda *a, **k: cli.run(*a, config=config, **k)  # noqa: E731
    hard = run("blacklist", "add", "13800138000", "--reason", "投诉").stdout.strip()
    run("blacklist", "add", "1700", "--prefix", "--category", "marketing", "--expire-at",
        "2030-06-01 08:00:00")  # fmt: skip
    book = tmp_path / "黑名单.xlsx"
    assert "exported 2 entries" in run("blacklist", "export", str(book)).stdout
    run("blacklist", "remove", hard)
    assert "imported 2 entries" in run("blacklist", "import", str(book)).stdout
    again = run("blacklist", "list").stdout
    assert again.count("138****8000 all traffic 投诉") == 1  # removed, then imported
    kept_and_imported = "1700* categories=marketing expire_at=2030-06-01 08:00:00\n"
    assert again.count(kept_and_imported) == 2
    fake = tmp_path / "fake.xlsx"
    fake.write_text("phone\n13800138001\n")
    refused = run("blacklist", "import", str(fake), check=False)
    assert refused.returncode != 0 and "not an Excel workbook" in refused.stderr
    actions = [(a, n) for a, n in audited(sqlite_url, "blacklist")]
    assert ("export", str(book)) in actions and ("import", str(book)) in actions


def test_template_add_approve_list(cli, config: Path, sqlite_url: str) -> None:  # type: ignore[no-untyped-def]
    run = lambda *a, **k: cli.run(*a, config=config, **k)  # noqa: E731
    added = run("template", "add", "T1", "{patient}您好，请于{time}到{dept}复诊", "--note", "复诊")
    assert "T1: DRAFT, variables dept, patient, time" in added.stdout
    assert "T1 DRAFT notice:" in run("template", "list").stdout
    assert "T1: APPROVED" in run("template", "approve", "T1").stdout
    assert "T1 APPROVED notice:" in run("template", "list").stdout
    assert run("template", "approve", "NOPE", check=False).returncode != 0
    assert audited(sqlite_url, "template") == [("update", "T1"), ("create", "T1")]


def test_words_add_remove_list_and_load(cli, config: Path, sqlite_url: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    run = lambda *a, **k: cli.run(*a, config=config, **k)  # noqa: E731
    run("words", "add", "大麻")
    run("words", "add", "大麻风", "--allow")
    listed = run("words", "list").stdout.splitlines()
    assert listed == ["大麻", "大麻风 (allowed)"]
    regulator = tmp_path / "regulator.txt"
    regulator.write_text("# the regulator's list\n赌博\n\n代开发票\n", "utf-8")
    assert "2 words added, 0 removed" in run("words", "load", str(regulator)).stdout
    assert "0 words added, 0 removed" in run("words", "load", str(regulator)).stdout
    regulator.write_text("赌博\n", "utf-8")
    assert "0 words added, 1 removed" in run("words", "load", str(regulator)).stdout
    assert "removed 大麻" in run("words", "remove", "大麻").stdout
    assert run("words", "list").stdout.splitlines() == ["大麻风 (allowed)", "赌博"]
    assert [a for a, _ in audited(sqlite_url, "word")] == [
        "delete",
        "load",
        "load",
        "create",
        "create",
    ]


def test_source_set_and_list(cli, config: Path, sqlite_url: str) -> None:  # type: ignore[no-untyped-def]
    run = lambda *a, **k: cli.run(*a, config=config, **k)  # noqa: E731
    assert (
        "HIS: changed"
        in run("source", "set", "HIS", "--signature", "协和医院", "--priority", "3").stdout
    )
    assert "HIS: changed" in run("source", "set", "HIS", "--words", "mask").stdout
    line = run("source", "list").stdout
    assert "HIS (database):" in line and "signature=协和医院" in line and "priority=3" in line
    assert "words=mask" in line and "templates=*" in line  # any template
    assert "HIS: changed" in run("source", "set", "HIS", "--templates", "FZ, YY").stdout
    assert "templates=FZ,YY" in run("source", "list").stdout
    assert "unchanged" in run("source", "set", "HIS", "--priority", "3").stdout
    refused = run("source", "set", "HIS", "--ext", "123456789", check=False)
    assert refused.returncode != 0 and "ext" in refused.stderr
    assert audited(sqlite_url, "profile") == [("update", "HIS")] * 2 + [("create", "HIS")]


def test_profiles_are_seeded_from_the_configuration_and_the_database_wins(
    cli, config: Path, sqlite_url: str
) -> None:  # type: ignore[no-untyped-def]
    run = lambda *a, **k: cli.run(*a, config=config, **k)  # noqa: E731
    base = config.read_text("utf-8")
    seeded = '[sources.LIS]\next = "05"\nsignature = "市一院检验科"\ntemplates = ["JY"]\n'
    config.write_text(base + seeded, "utf-8")
    assert "source LIS" in run("db", "upgrade").stdout
    run("source", "set", "LIS", "--signature", "市第一人民医院")
    config.write_text(base + '[sources.LIS]\next = "05"\nsignature = "旧签名"\n', "utf-8")
    assert "source LIS" not in run("db", "upgrade").stdout  # the database's profile stays
    line = run("source", "list").stdout
    assert "LIS (database):" in line and "signature=市第一人民医院" in line and "ext=05" in line
    assert "templates=JY" in line
    store = open_store(sqlite_url)
    try:
        trail = store.audit_trail(AuditFilter(object="profile", name="LIS"))
    finally:
        store.close()
    assert [(r["action"], r["actor"]) for r in trail][-1] == ("create", "hisms db init")


def test_send_a_template_missing_a_variable_is_rejected_naming_it(
    cli, config: Path, sqlite_url: str
) -> None:  # type: ignore[no-untyped-def]
    run = lambda *a, **k: cli.run(*a, config=config, **k)  # noqa: E731
    run("template", "add", "FZ", "{patient}您好，请于{time}复诊", "--approved")
    run("source", "set", "HIS", "--priority", "3")
    send = ("send", "--phone", "13800138000", "--source-system", "HIS", "--template", "FZ")
    missing = run(*send, "--param", "patient=张三").stdout.strip()
    whole = run(*send, "--param", "patient=张三", "--param", "time=明天上午").stdout.strip()
    assert run(*send, "--param", "patient", check=False).returncode != 0
    assert run("send", "--phone", "13800138000", check=False).returncode != 0
    engine = cli.spawn("run", config=config)
    try:
        wait_until(
            lambda: sum(counts(sqlite_url).get(s, 0) for s in ("DELIVERED", "REJECTED")) == 2,
            30,
            "both messages final",
        )
    finally:
        engine.send_signal(signal.SIGTERM)
        engine.communicate(timeout=30)
    rejected = json.loads(run("status", missing, "--json").stdout)
    assert rejected["error_code"] == "TEMPLATE_PARAMS" and rejected["priority"] == 3
    assert "missing variable time" in rejected["error_text"]
    assert json.loads(run("status", whole, "--json").stdout)["status_name"] == "DELIVERED"
    assert [n for a, n in audited(sqlite_url, "message") if a == "send"] == [whole, missing]


def counts(url: str) -> dict[str, int]:
    store = open_store(url)
    try:
        return store.status_counts()
    finally:
        store.close()


def test_run_loads_the_configured_word_file_when_it_changed(
    cli, config: Path, sqlite_url: str, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    regulator = tmp_path / "words.txt"
    regulator.write_text("赌博\n代开发票\n", "utf-8")
    with config.open("a", encoding="utf-8") as toml:
        toml.write(f"[policy]\nwords_file = {str(regulator)!r}\n")
    cli.run("words", "add", "大麻", config=config)

    def loads() -> int:
        return [a for a, _ in audited(sqlite_url, "word")].count("load")

    def start_and_stop() -> list[str]:
        before = loads()
        engine = cli.spawn("run", config=config)
        try:
            wait_until(lambda: loads() > before, 30, "the file loaded")
        finally:
            engine.send_signal(signal.SIGTERM)
            engine.communicate(timeout=30)
        return cli.run("words", "list", config=config).stdout.split()

    assert start_and_stop() == ["代开发票", "大麻", "赌博"]
    regulator.write_text("赌博\n", "utf-8")
    assert start_and_stop() == ["大麻", "赌博"]
    engine = cli.spawn("run", config=config)  # the file unchanged: nothing written
    try:
        wait_until(
            lambda: "started" in (engine.stdout.readline() if engine.stdout else ""),
            30,
            "the engine started",
        )
    finally:
        engine.send_signal(signal.SIGTERM)
        engine.communicate(timeout=30)
    assert loads() == 2
    missing = cli.write_config(tmp_path / "missing.toml", sqlite_url)
    with missing.open("a", encoding="utf-8") as toml:
        toml.write(f"[policy]\nwords_file = {str(tmp_path / 'nope.txt')!r}\n")
    refused = cli.run("run", config=missing, check=False)
    assert refused.returncode != 0 and "words_file" in refused.stderr
