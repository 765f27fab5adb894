"""One settings object, built in each entry point and passed down; library code never reads
the environment. Precedence: flag, then ASSISTANT_* variable, then the offline default."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

DEFAULT_MODEL = "all-MiniLM-L6-v2"


@dataclass(frozen=True)
class ChunkingParams:
    """How passages are sized; recorded in the index manifest so a rebuild can compare."""

    max_chars: int = 900
    min_chars: int = 160

    def as_dict(self) -> dict[str, int]:
        return {"max_chars": self.max_chars, "min_chars": self.min_chars}


@dataclass(frozen=True)
class Settings:
    index_dir: Path = Path("index")
    model: str = DEFAULT_MODEL
    top_k: int = 5
    max_question_chars: int = 2000
    chunking: ChunkingParams = field(default_factory=ChunkingParams)
    # Past this many vectors the store switches from exact search to HNSW
    # (library/vector_index.py).
    ann_threshold: int = 250_000
    # Serving.
    host: str = "127.0.0.1"
    port: int = 8000
    api_token: str | None = field(default=None, repr=False)  # a secret: never printed
    cors_origins: tuple[str, ...] = ()
    # Host names the service answers to besides the loopback names and `host`, so a page on
    # another name that resolves here (DNS rebinding) is refused. Empty, when the service
    # listens beyond loopback: any name. "*": any name.
    allowed_hosts: tuple[str, ...] = ()
    max_upload_bytes: int = 50 * 1024 * 1024
    # Uploads waiting to be indexed (on disk, not in memory) before new ones get 429, and
    # the time one upload may take to index before it fails with that reason.
    max_pending_uploads: int = 32
    upload_budget_s: float = 1800.0
    # The memory a child process may use to read one upload (address space, MB): a file that
    # needs more (a compressed stream that expands without bound) fails with that reason.
    read_memory_mb: int = 2048
    workers: int = 2
    max_queue: int = 64
    seeds_dir: Path = Path("seeds")
    # Slack (secrets: never printed or written anywhere).
    slack_bot_token: str | None = field(default=None, repr=False)
    slack_signing_secret: str | None = field(default=None, repr=False)
    slack_app_token: str | None = field(default=None, repr=False)
    slack_api_url: str | None = None  # another Web API base URL (a proxy, or a test double)
    # PostgreSQL mode: documents, chunks, vectors, upload jobs and Slack events in a database
    # that several API processes share (a secret when it holds a password: never printed).
    database_url: str | None = field(default=None, repr=False)
    # API processes `serve` starts (PostgreSQL mode only: they share the database), and how
    # long a worker holds an upload job without renewing before another worker takes it.
    processes: int = 1
    job_lease_s: float = 30.0

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **flags: object) -> Settings:
        """Settings from ASSISTANT_* variables, overridden by the flags that were given."""
        env = os.environ if environ is None else environ
        base = cls()
        values: dict[str, object] = {}
        if env.get("ASSISTANT_INDEX"):
            values["index_dir"] = Path(env["ASSISTANT_INDEX"])
        if env.get("ASSISTANT_MODEL"):
            values["model"] = env["ASSISTANT_MODEL"]
        if env.get("ASSISTANT_TOP_K"):
            values["top_k"] = int(env["ASSISTANT_TOP_K"])
        if env.get("ASSISTANT_API_TOKEN"):
            values["api_token"] = env["ASSISTANT_API_TOKEN"]
        if env.get("ASSISTANT_CORS_ORIGINS"):
            values["cors_origins"] = tuple(
                o.strip() for o in env["ASSISTANT_CORS_ORIGINS"].split(",") if o.strip()
            )
        if env.get("ASSISTANT_ALLOWED_HOSTS"):
            values["allowed_hosts"] = tuple(
                h.strip() for h in env["ASSISTANT_ALLOWED_HOSTS"].split(",") if h.strip()
            )
        for name, key in (
            ("SLACK_BOT_TOKEN", "slack_bot_token"),
            ("SLACK_SIGNING_SECRET", "slack_signing_secret"),
            ("SLACK_APP_TOKEN", "slack_app_token"),
            ("ASSISTANT_SLACK_API_URL", "slack_api_url"),
        ):
            if env.get(name):
                values[key] = env[name]
        if env.get("ASSISTANT_MAX_PENDING_UPLOADS"):
            values["max_pending_uploads"] = int(env["ASSISTANT_MAX_PENDING_UPLOADS"])
        if env.get("ASSISTANT_UPLOAD_BUDGET_S"):
            values["upload_budget_s"] = float(env["ASSISTANT_UPLOAD_BUDGET_S"])
        if env.get("ASSISTANT_READ_MEMORY_MB"):
            values["read_memory_mb"] = int(env["ASSISTANT_READ_MEMORY_MB"])
        if env.get("ASSISTANT_DATABASE_URL"):
            values["database_url"] = env["ASSISTANT_DATABASE_URL"]
        if env.get("ASSISTANT_PROCESSES"):
            values["processes"] = int(env["ASSISTANT_PROCESSES"])
        if env.get("ASSISTANT_JOB_LEASE_S"):
            values["job_lease_s"] = float(env["ASSISTANT_JOB_LEASE_S"])
        if env.get("ASSISTANT_HOST"):
            values["host"] = env["ASSISTANT_HOST"]
        if env.get("ASSISTANT_PORT"):
            values["port"] = int(env["ASSISTANT_PORT"])
        values.update({k: v for k, v in flags.items() if v is not None})
        if "index_dir" in values:
            values["index_dir"] = Path(str(values["index_dir"]))
        return replace(base, **values)  # type: ignore[arg-type]
