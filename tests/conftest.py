"""Shared paths and parsed seeds. The environment is set offline before anything loads a model."""

from __future__ import annotations

import contextlib
import os
import shutil
import sys
from pathlib import Path

import pytest

pytest_plugins = ["tests.shared_required"]

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
TRANSCRIPT_SEED = SEEDS / "000_71abd0ac3770a833.txt"
FILING_SEED = SEEDS / "003_a308b794af7827e1.txt"
ECTSUM = ROOT.parent / "shared" / "corpus" / "ectsum-train"
# A small library of real calls: several companies, one of them with two quarters.
ECTSUM_CALLS = ("RMD_q1_2022", "RMD_q2_2021", "YUM_q2_2021", "AAP_q3_2021", "DPZ_q2_2021")


# Fixtures that load the model, build an index or start a server: a test that uses one is
# `slow`, and `make test-fast` (`pytest -m "not slow"`) leaves it out.
HEAVY_FIXTURES = frozenset(
    {
        "encoder",
        "seed_index",
        "ectsum_library",
        "index_copy",
        "assistant_on",
        "server",
        "postgres_servers",
        "postgres_server",
        "database_url",
        "browser",
    }
)


def pytest_collection_modifyitems(config, items):
    for item in items:
        params = getattr(getattr(item, "callspec", None), "params", {})
        on_postgres = any(str(value).startswith("pgvector") for value in params.values())
        if on_postgres or HEAVY_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="session")
def transcript_doc():
    from assistant.documents import parse_file

    return parse_file(TRANSCRIPT_SEED)


@pytest.fixture(scope="session")
def filing_doc():
    from assistant.documents import parse_file

    return parse_file(FILING_SEED)


@pytest.fixture(scope="session")
def encoder():
    """The real bundled MiniLM model, loaded once for the whole session."""
    from assistant.embedding import load_encoder

    return load_encoder("all-MiniLM-L6-v2")


@pytest.fixture(scope="session")
def seed_index(tmp_path_factory, encoder):
    """A real index of the two seeds, built once; tests that change it work on a copy."""
    from assistant.service import Assistant
    from assistant.settings import Settings

    path = tmp_path_factory.mktemp("seed-index")
    Assistant(Settings(index_dir=path), encoder).build([SEEDS])
    return path


@pytest.fixture(scope="session")
def ectsum_library(tmp_path_factory, encoder):
    """A real index of a few ECTSum calls with their sidecars, built once."""
    import shutil

    from assistant.service import Assistant
    from assistant.settings import Settings

    if not ECTSUM.exists():
        pytest.skip("../shared/corpus is absent")
    folder = tmp_path_factory.mktemp("calls")
    for name in ECTSUM_CALLS:
        for suffix in (".txt", ".txt.meta.json"):
            shutil.copy(ECTSUM / f"{name}{suffix}", folder / f"{name}{suffix}")
    index = tmp_path_factory.mktemp("library-index")
    assistant = Assistant(Settings(index_dir=index), encoder)
    assistant.build([folder])
    return assistant


@pytest.fixture
def index_copy(seed_index, tmp_path):
    import shutil

    target = tmp_path / "index"
    shutil.copytree(seed_index, target, symlinks=True)
    return target


@pytest.fixture
def assistant_on(encoder):
    """An Assistant on a given index directory, sharing the session's model."""
    from assistant.service import Assistant
    from assistant.settings import Settings

    return lambda path: Assistant(Settings(index_dir=path), encoder)


API_TOKEN = "test-token-0123456789"


@pytest.fixture(scope="session")
def server(seed_index, tmp_path_factory):
    """A real uvicorn server (the `assistant serve` command) on a free loopback port, on its
    own copy of the seed index, with an API token configured."""
    from benchmarks.serving import serving_copy

    root = tmp_path_factory.mktemp("server")
    with serving_copy(seed_index, root, ASSISTANT_API_TOKEN=API_TOKEN) as running:
        yield running


class PostgresServers:
    """The session's PostgreSQL (with pgvector): the one named by ASSISTANT_TEST_DATABASE_URL,
    else a server of our own from the pgserver wheel (PostgreSQL 16 and pgvector bundled).
    Each test asks for a healthy one: a server that died (a crash, the OOM killer on a loaded
    machine) is replaced by a new one, so one failure does not fail every later test."""

    def __init__(self, root: Path) -> None:
        self.given = os.environ.get("ASSISTANT_TEST_DATABASE_URL")
        self.root = root
        self.servers: list = []
        self.uri: str | None = self.given

    def start(self, label: str = "shared") -> tuple[object, str]:
        import tempfile

        import pgserver

        folder = Path(tempfile.mkdtemp(prefix=f"pg-{label}-", dir=self.root))
        server = pgserver.get_server(folder, cleanup_mode="stop")
        self.servers.append(server)
        return server, server.get_uri()

    def healthy_uri(self) -> str:
        if self.uri is not None and alive(self.uri):
            return self.uri
        if self.given:
            pytest.fail("the PostgreSQL at ASSISTANT_TEST_DATABASE_URL does not answer")
        if self.uri is not None:
            print("the test PostgreSQL stopped answering: starting a new one", file=sys.stderr)
        self.uri = self.start()[1]
        return self.uri

    def stop_all(self) -> None:
        for server in self.servers:
            with contextlib.suppress(Exception):
                server.cleanup()


def alive(uri: str) -> bool:
    import psycopg

    try:
        with psycopg.connect(uri, connect_timeout=10) as conn:
            conn.execute("SELECT 1")
        return True
    except psycopg.Error:
        return False


@pytest.fixture(scope="session")
def postgres_servers():
    """Data folders outside pytest's own temporary folder: PostgreSQL runs as another user
    when the tests run as root, and every pytest session that starts takes the others' access
    to that folder away (mode 0700), which kills a server a parallel session is using."""
    import shutil
    import tempfile

    root = Path(tempfile.mkdtemp(prefix="assistant-pgdata-"))
    servers = PostgresServers(root)
    try:
        yield servers
    finally:
        servers.stop_all()
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def postgres_server(postgres_servers) -> str:
    """A PostgreSQL server that answers, for one test."""
    return postgres_servers.healthy_uri()


@pytest.fixture
def database_url(postgres_server, request):
    """A new, empty database on a healthy server for one test, dropped after it (unless the
    server is gone: the next test gets a new one)."""
    yield from new_database(postgres_server, request.node.name)


def new_database(server_uri: str, test_name: str):
    import re
    import uuid

    import psycopg
    from psycopg.conninfo import make_conninfo

    name = "t_" + re.sub(r"\W", "_", test_name.lower())[:40] + "_" + uuid.uuid4().hex[:8]
    with psycopg.connect(server_uri, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    yield make_conninfo(server_uri, dbname=name)
    if alive(server_uri):
        with psycopg.connect(server_uri, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")


@pytest.fixture
def browser(tmp_path):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--window-size=1400,1000",
        f"--user-data-dir={tmp_path / 'profile'}",
    ):
        options.add_argument(flag)
    # Every request the page makes, to check that none leaves the server's origin.
    options.set_capability("goog:loggingPrefs", {"performance": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    yield driver
    driver.quit()
