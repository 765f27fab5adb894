"""A real `assistant serve` process on a free loopback port, for end-to-end tests and the load
script."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    def __init__(
        self,
        index: Path,
        log: Path,
        port: int | None = None,
        args: tuple[str, ...] = (),
        **env: str,
    ) -> None:
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        self.index = index
        environ = {**os.environ, "HF_HUB_OFFLINE": "1", **env}
        environ.pop("ASSISTANT_API_TOKEN", None) if "ASSISTANT_API_TOKEN" not in env else None
        self.handle = log.open("a")
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "assistant.cli",
                "serve",
                "--port",
                str(self.port),
                "--index",
                str(index),
                *args,
            ],
            cwd=ROOT,
            env=environ,
            stdout=self.handle,
            stderr=subprocess.STDOUT,
        )

    def wait_ready(self, timeout_s: float = 120) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                break
            try:
                if httpx.get(f"{self.url}/readyz", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        self.stop()
        raise RuntimeError(f"server did not become ready; its log:\n{self.log.read_text()}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        self.handle.close()


@contextmanager
def serving_copy(index: Path, root: Path, **env: str) -> Iterator[Server]:
    """A ready server on its own copy of `index` (`root/index`, logging to `root/server.log`),
    stopped afterwards: the copy is the server's to change."""
    shutil.copytree(index, root / "index", symlinks=True)
    server = Server(root / "index", root / "server.log", **env)
    server.wait_ready()
    try:
        yield server
    finally:
        server.stop()


def stray_files(index: Path, listed: set[str]) -> list[str]:
    """Files in jobs/ and uploads/ that no job or listed document owns: an upload's bytes
    left behind."""
    jobs = index / "jobs"
    names = {p.name for p in jobs.iterdir()} if jobs.is_dir() else set()
    records = {n[: -len(".json")] for n in names if n.endswith(".json")}
    stray = [
        f"jobs/{n}"
        for n in names
        if not n.endswith(".json") and not (n.endswith(".upload") and n[:-7] in records)
    ]
    kept = index / "uploads"
    stray += [
        f"uploads/{p.name}"
        for p in (kept.iterdir() if kept.is_dir() else ())
        if p.stem not in listed
    ]
    return sorted(stray)
