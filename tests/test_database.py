"""Migrations on a real PostgreSQL: from an empty database, from the previous version, run by
two processes at once, and a server that refuses a schema it does not know."""

from __future__ import annotations

import threading

import psycopg
import pytest

from assistant.database import (
    SCHEMA_VERSION,
    SchemaMismatch,
    check_schema,
    ensure_schema,
    migrate,
    migrations,
)


def tables(url: str) -> set[str]:
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
        ).fetchall()
    return {r[0] for r in rows}


def test_migrations_are_numbered_without_gaps():
    versions = [v for v, _, _ in migrations()]
    assert versions == list(range(1, SCHEMA_VERSION + 1)) and SCHEMA_VERSION >= 2


def test_an_empty_database_is_migrated_to_the_current_schema(database_url):
    with pytest.raises(SchemaMismatch, match="assistant db migrate"):
        check_schema(database_url)
    assert migrate(database_url) == list(range(1, SCHEMA_VERSION + 1))
    check_schema(database_url)
    assert {"chunk_vectors", "upload_jobs", "slack_events", "schema_migrations"} <= tables(
        database_url
    )
    assert migrate(database_url) == []  # nothing left to do


def test_the_previous_version_is_upgraded_and_keeps_its_data(database_url):
    assert migrate(database_url, target=SCHEMA_VERSION - 1) == list(range(1, SCHEMA_VERSION))
    with psycopg.connect(database_url) as conn:
        conn.execute(
            "INSERT INTO chunk_vectors (id, embedding) VALUES (7, %s::vector)",
            ("[" + ",".join(["0.05"] * 384) + "]",),
        )
    with pytest.raises(SchemaMismatch, match=f"version {SCHEMA_VERSION - 1}"):
        check_schema(database_url)
    assert migrate(database_url) == [SCHEMA_VERSION]
    check_schema(database_url)
    with psycopg.connect(database_url) as conn:
        assert conn.execute("SELECT id FROM chunk_vectors").fetchall() == [(7,)]


def test_a_build_on_an_empty_database_creates_the_schema_but_upgrades_none(
    database_url, tmp_path_factory
):
    assert ensure_schema(database_url) == list(range(1, SCHEMA_VERSION + 1))
    assert ensure_schema(database_url) == []
    with psycopg.connect(database_url) as conn:
        conn.execute("DELETE FROM schema_migrations WHERE version = %s", (SCHEMA_VERSION,))
    with pytest.raises(SchemaMismatch, match="assistant db migrate"):
        ensure_schema(database_url)  # an older schema is its owner's to upgrade


def test_the_cli_builds_into_an_empty_database(database_url, tmp_path):
    from typer.testing import CliRunner

    import assistant.cli as cli
    from tests.conftest import FIXTURES

    result = CliRunner().invoke(
        cli.app,
        ["build", str(FIXTURES / "notes.md")],
        env={"ASSISTANT_DATABASE_URL": database_url},
    )
    assert result.exit_code == 0, result.stderr
    check_schema(database_url)
    with psycopg.connect(database_url) as conn:
        assert conn.execute("SELECT count(*) FROM chunk_vectors").fetchone()[0] > 0


def test_a_newer_schema_is_refused(database_url):
    migrate(database_url)
    with psycopg.connect(database_url) as conn:
        conn.execute("INSERT INTO schema_migrations (version, name) VALUES (99, 'future')")
    with pytest.raises(SchemaMismatch, match="upgrade the assistant"):
        check_schema(database_url)


def test_two_processes_migrating_at_once_apply_each_step_once(database_url):
    results: list[list[int]] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            results.append(migrate(database_url))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert sorted(v for r in results for v in r) == list(range(1, SCHEMA_VERSION + 1))
    with psycopg.connect(database_url) as conn:
        count = conn.execute("SELECT count(*) FROM schema_migrations").fetchone()
    assert count == (SCHEMA_VERSION,)


def test_a_test_server_that_died_is_replaced_for_the_next_test(tmp_path):
    """The fixtures' own guarantee: one PostgreSQL crash does not fail every later test."""
    from tests.conftest import PostgresServers, alive

    servers = PostgresServers(tmp_path)
    if servers.given:
        pytest.skip("ASSISTANT_TEST_DATABASE_URL names a server these tests do not manage")
    try:
        first = servers.healthy_uri()
        servers.servers[0].cleanup()  # stopped, as a crash would leave it
        assert not alive(first)
        second = servers.healthy_uri()
        assert second != first and alive(second)
    finally:
        servers.stop_all()
