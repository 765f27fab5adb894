"""A running server on an index, for the CLI: `assistant ask` answers in milliseconds through
it instead of loading the model and the index again.

The server writes `server.json` (its URL and process id) into the index folder once it is
ready and removes it when it stops. The CLI uses the server only when that process is alive
and answers /readyz within half a second; otherwise it answers in process, as before.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

from assistant.errors import AssistantError, BadQuestion

SERVER_FILE = "server.json"
PROBE_TIMEOUT_S = 0.5


def local_url(host: str, port: int) -> str:
    """The URL a process on this machine reaches the server at."""
    reachable = "127.0.0.1" if host in ("0.0.0.0", "", "::") else host
    if ":" in reachable and not reachable.startswith("["):
        reachable = f"[{reachable}]"
    return f"http://{reachable}:{port}"


@contextlib.contextmanager
def announced(index_dir: Path, url: str) -> Iterator[None]:
    """`server.json` in the index folder while the server runs (written whole, by rename)."""
    target = index_dir / SERVER_FILE
    record = {"url": url, "pid": os.getpid(), "index": str(index_dir.resolve())}
    try:
        index_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(
            "w", dir=index_dir, prefix=".server-", suffix=".tmp", delete=False
        ) as handle:
            json.dump(record, handle)
        os.replace(handle.name, target)
    except OSError:
        yield  # a read-only index folder: the CLI simply answers in process
        return
    try:
        yield
    finally:
        with contextlib.suppress(OSError, ValueError):
            if json.loads(target.read_text())["pid"] == os.getpid():
                target.unlink()


def running_server(index_dir: Path, token: str | None) -> str | None:
    """The URL of a live server on this index, or None."""
    try:
        record = json.loads((index_dir / SERVER_FILE).read_text())
        url, pid = str(record["url"]), int(record["pid"])
        if Path(record["index"]) != index_dir.resolve():
            return None  # the folder was copied with the file in it
        os.kill(pid, 0)
        status, _ = request(f"{url}/readyz", token, None, PROBE_TIMEOUT_S)
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return url if status == 200 else None


def request(url: str, token: str | None, payload: dict | None, timeout: float) -> tuple[int, bytes]:
    """(status, body) of a GET, or of a POST of `payload` as JSON. The standard library's
    client: it loads in milliseconds, which is the point of asking a server."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    data = None
    if payload is not None:
        data = json.dumps(payload).encode()
        headers["Content-Type"] = "application/json"
    call = urllib.request.Request(url, data=data, headers=headers)
    try:
        with urllib.request.urlopen(call, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def post(url: str, path: str, token: str | None, payload: dict) -> dict:
    """POST to the server; its error answers become the same errors the CLI prints."""
    try:
        status, raw = request(f"{url}{path}", token, payload, 120)
        body = json.loads(raw)
    except (OSError, ValueError) as error:
        raise ServerGone(f"{url}{path}: {error}") from error
    if (status in (422, 503) and "fields" in body) or status >= 500:
        # Outside the API's request limits (a 30-passage search), or the server is not
        # answering: in process, the CLI says what it always said.
        raise ServerGone(str(body.get("error", status)))
    if status >= 400:
        kind = BadQuestion if status == 422 else AssistantError
        raise kind(str(body.get("error", raw[:200])), hint=body.get("hint") or "")
    return body


class ServerGone(Exception):
    """The server cannot take this request (it stopped, or the request is past the API's
    limits): answer in process instead."""
