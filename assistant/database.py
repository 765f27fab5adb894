"""PostgreSQL: connections and the numbered migrations that create and upgrade the schema.

A schema is at version N when migrations 0001..N have run. The server starts only on the
version this code knows, and says which command upgrades an older one.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from importlib import resources
from typing import TYPE_CHECKING

from assistant.errors import AssistantError

if TYPE_CHECKING:
    import psycopg

MIGRATION_RE = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")
MIGRATE_LOCK = 0x61737369  # one pg_advisory_xact_lock key: two migrating processes take turns


class SchemaMismatch(AssistantError):
    """The database's schema is not the one this code reads and writes."""


def migrations() -> list[tuple[int, str, str]]:
    """(version, file name, SQL) of every migration shipped, in order."""
    found = []
    for entry in resources.files("assistant.migrations").iterdir():
        match = MIGRATION_RE.match(entry.name)
        if match:
            found.append((int(match[1]), entry.name, entry.read_text(encoding="utf-8")))
    found.sort()
    if [v for v, _, _ in found] != list(range(1, len(found) + 1)):
        raise RuntimeError("migrations must be numbered 0001, 0002, ... without gaps")
    return found


SCHEMA_VERSION = len(migrations())


class DatabaseUnavailable(AssistantError):
    """The database cannot be reached (or refuses the login)."""


def connect(url: str, autocommit: bool = False) -> psycopg.Connection:
    import psycopg

    try:
        return psycopg.connect(url, autocommit=autocommit, connect_timeout=10)
    except psycopg.OperationalError as error:
        # The URL may hold a password: name only the server and the database.
        where = describe(url)
        reason = str(error).strip().splitlines()[-1] if str(error).strip() else "no reason given"
        raise DatabaseUnavailable(f"cannot connect to PostgreSQL at {where}: {reason}") from None


class PerThread:
    """One open connection per thread (an API process answers on several), opened on first
    use and again after it closed."""

    def __init__(self, open_connection: Callable[[], psycopg.Connection]) -> None:
        self._open = open_connection
        self._local = threading.local()

    def get(self) -> psycopg.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None or conn.closed:
            conn = self._local.conn = self._open()
        return conn


def describe(url: str) -> str:
    """Host and database of a connection string, without user or password."""
    from psycopg.conninfo import conninfo_to_dict

    try:
        parts = conninfo_to_dict(url)
    except Exception:  # an unreadable URL: say nothing of it
        return "the given URL"
    return f"{parts.get('host') or 'localhost'}/{parts.get('dbname') or ''}"


@contextmanager
def connection(url: str) -> Iterator[psycopg.Connection]:
    conn = connect(url)
    try:
        yield conn
    finally:
        conn.close()


def schema_version(conn: psycopg.Connection) -> int:
    """The version of the schema in the database (0 for an empty database)."""
    exists = conn.execute("SELECT to_regclass('public.schema_migrations') IS NOT NULL").fetchone()
    if not exists or not exists[0]:
        return 0
    row = conn.execute("SELECT coalesce(max(version), 0) FROM schema_migrations").fetchone()
    return int(row[0]) if row else 0


def migrate(url: str, target: int | None = None) -> list[int]:
    """Apply the migrations the database lacks, each in its own transaction; returns the
    versions applied."""
    target = SCHEMA_VERSION if target is None else target
    applied: list[int] = []
    with connection(url) as conn:
        for version, name, sql in migrations():
            if version > target:
                break
            with conn.transaction():
                conn.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATE_LOCK,))
                conn.execute(
                    "CREATE TABLE IF NOT EXISTS schema_migrations ("
                    " version integer PRIMARY KEY, name text NOT NULL,"
                    " applied_at timestamptz NOT NULL DEFAULT now())"
                )
                if version <= schema_version(conn):
                    continue
                conn.execute(sql)
                conn.execute(
                    "INSERT INTO schema_migrations (version, name) VALUES (%s, %s)", (version, name)
                )
                applied.append(version)
    return applied


def ensure_schema(url: str) -> list[int]:
    """Create the schema in a database that has none (a build or serve on a new database needs
    no separate step); a database at another version is refused as `check_schema` says, since
    upgrading one is a decision for its owner. Returns the versions applied."""
    with connection(url) as conn:
        found = schema_version(conn)
    applied = migrate(url) if found == 0 else []
    check_schema(url)
    return applied


def check_schema(url: str) -> None:
    """Refuse a database whose schema this code does not know, naming the fix."""
    with connection(url) as conn:
        found = schema_version(conn)
    if found == SCHEMA_VERSION:
        return
    if found < SCHEMA_VERSION:
        raise SchemaMismatch(
            f"the database schema is at version {found}, this assistant needs "
            f"{SCHEMA_VERSION}: run `assistant db migrate` (with the same --database-url)"
        )
    raise SchemaMismatch(
        f"the database schema is at version {found}, newer than this assistant knows "
        f"({SCHEMA_VERSION}): upgrade the assistant"
    )
