"""A fake of Slack's Web API on loopback: it records what the bot posts and serves the thread
history a test sets up. It stands in for slack.com only; the bot, the server and the request
signing under test are real."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs


class FakeSlack:
    def __init__(self) -> None:
        self.posts: list[dict] = []  # chat.postMessage calls
        self.responses: list[dict] = []  # posts to response_url
        self.threads: dict[tuple[str, str], list[dict]] = {}
        self.history: dict[str, list[dict]] = {}
        self.lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:  # keep test output quiet
                pass

            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("content-length", 0))).decode()
                if self.headers.get("content-type", "").startswith("application/json"):
                    payload = json.loads(raw or "{}")
                else:
                    payload = {k: v[0] for k, v in parse_qs(raw).items()}
                    if isinstance(payload.get("blocks"), str):
                        payload["blocks"] = json.loads(payload["blocks"])
                self.send_response(200)
                self.send_header("content-type", "application/json")
                self.end_headers()
                self.wfile.write(json.dumps(fake.answer(self.path, payload)).encode())

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def answer(self, path: str, payload: dict) -> dict:
        payload = {**payload, "_at": time.monotonic()}
        with self.lock:
            if path.startswith("/response/"):
                self.responses.append({**payload, "_path": path})
                return {"ok": True}
            method = path.rsplit("/", 1)[-1]
            if method == "auth.test":
                return {
                    "ok": True,
                    "user_id": "UBOT",
                    "bot_id": "BBOT",
                    "team_id": "T1",
                    "user": "earnings",
                    "team": "Test",
                    "url": "https://test.slack.com/",
                }
            if method == "chat.postMessage":
                self.posts.append(payload)
                return {"ok": True, "channel": payload.get("channel"), "ts": f"{time.time():.6f}"}
            if method == "conversations.replies":
                key = (payload.get("channel"), payload.get("ts"))
                return {"ok": True, "messages": self.threads.get(key, [])}
            if method == "conversations.history":
                return {"ok": True, "messages": self.history.get(payload.get("channel"), [])}
        return {"ok": False, "error": "unknown_method"}

    def wait_for(self, kind: str, predicate, timeout_s: float = 30) -> dict:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            with self.lock:
                found = [p for p in getattr(self, kind) if predicate(p)]
            if found:
                return found[0]
            time.sleep(0.05)
        raise AssertionError(f"nothing matching was posted to {kind}: {getattr(self, kind)}")

    def stop(self) -> None:
        self.server.shutdown()
