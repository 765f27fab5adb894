"""Soak test: questions, uploads and deletes at once, hostile files among the uploads (a PDF
whose stream expands to 1.5 GiB, a table slow to lay out, thousands of bare percentages, a
2 MB line, the same bytes under other names), and the server killed with -9 and restarted in
the middle. Prints what happened to every request and document, and the server's memory
against a fresh server on the same library; exits 1 when any request got a 5xx (but 503), an
upload was lost or never finished, a document went missing, a file was left in the jobs or
uploads folder that no job or document owns, or memory ended above 1.5 times a fresh start's.

    python -m benchmarks.soak                 # 50 clients, 20 calls (one of 49 MB), 5 deletes

Traffic goes only to the loopback server it starts.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import signal
import statistics
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from benchmarks import hostile
from benchmarks.load import QUESTIONS
from benchmarks.serving import Server, free_port, stray_files

ROOT = Path(__file__).resolve().parent.parent
CALLS = ROOT.parent / "shared" / "corpus" / "ectsum-train"
# A minute per upload: the hostile files fail on it instead of holding the indexer for the
# default half hour (the calls take seconds).
SERVER_ENV = {"ASSISTANT_UPLOAD_BUDGET_S": "60"}


@dataclass
class Tally:
    answers: Counter = field(default_factory=Counter)  # status code (or "down") per question
    latencies: list[float] = field(default_factory=list)
    uploads: dict[str, str] = field(default_factory=dict)  # doc id -> how it ended
    refusals: list[str] = field(default_factory=list)
    deleted: set[str] = field(default_factory=set)
    rss_mb: list[tuple[float, float]] = field(default_factory=list)  # (seconds, MB)
    server_errors: Counter = field(default_factory=Counter)  # "METHOD status" of any 5xx


def rss_mb(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def hostile_uploads(folder: Path, calls: list[Path]) -> list[Path]:
    """Files made to hurt, and copies of a call under other names (duplicates)."""
    made = {
        "bomb.pdf": hostile.pdf_bomb(1536),
        "wide-table.html": hostile.wide_table(800),
        "percent-tokens.txt": hostile.percent_tokens(295),
        "one-line.txt": hostile.one_line(2),
        "damaged.pdf": b"%PDF-1.7\n" + bytes(range(256)) * 40,
    }
    for k, call in enumerate(calls[:3]):
        made[f"copy-{k}-{call.name}"] = call.read_bytes()
    for name, content in made.items():
        (folder / name).write_bytes(content)
    return [folder / name for name in made]


def big_upload(folder: Path) -> Path:
    """49 MB of short paragraphs: far past what one document may hold."""
    path = folder / "huge-notes.txt"
    paragraph = b"Revenue grew 3% to $12.4 million in the quarter on higher volumes.\n\n"
    with path.open("wb") as out:
        out.write(paragraph * (49 * 1024 * 1024 // len(paragraph)))
    return path


async def ask_loop(client: httpx.AsyncClient, stop: float, tally: Tally) -> None:
    rng = random.Random()
    while time.monotonic() < stop:
        started = time.perf_counter()
        try:
            response = await client.post("/v1/ask", json={"question": rng.choice(QUESTIONS)})
            tally.answers[response.status_code] += 1
            if response.status_code >= 500 and response.status_code != 503:
                tally.server_errors[f"ask {response.status_code}"] += 1
            if response.status_code == 200:
                tally.latencies.append((time.perf_counter() - started) * 1000)
        except httpx.HTTPError:
            tally.answers["down"] += 1  # the server is being restarted
            await asyncio.sleep(0.2)


async def send_upload(client: httpx.AsyncClient, path: Path, tally: Tally) -> str | None:
    """Upload until accepted or refused with a reason; the doc id when accepted."""
    while True:
        try:
            response = await client.post(
                "/v1/documents", files={"file": (path.name, path.read_bytes())}
            )
        except httpx.HTTPError:
            await asyncio.sleep(1)  # down: an unacknowledged upload is sent again
            continue
        if response.status_code >= 500 and response.status_code != 503:
            tally.server_errors[f"POST {response.status_code}"] += 1
        if response.status_code == 202:
            body = response.json()
            if "being indexed already" in (body.get("message") or ""):  # the same bytes
                tally.uploads[path.stem] = f"ready: {body['message']}"
                return None
            return body["doc_id"]
        if response.status_code == 200:  # the same bytes, indexed already under another name
            tally.uploads[path.stem] = f"ready: {response.json().get('message')}"
            return None
        if response.status_code in (429, 503):
            await asyncio.sleep(min(float(response.headers.get("retry-after", "1")), 5))
            continue
        reason = response.json().get("error", response.text[:120])
        tally.uploads[path.stem] = f"refused {response.status_code}: {reason}"
        return None


async def follow(client: httpx.AsyncClient, doc_id: str, tally: Tally, deadline: float) -> None:
    while time.monotonic() < deadline:
        try:
            status = (await client.get(f"/v1/documents/{doc_id}")).json()
        except (httpx.HTTPError, ValueError):
            await asyncio.sleep(1)
            continue
        if status.get("state") in ("ready", "failed"):
            tally.uploads[doc_id] = status["state"] + (
                f": {status['message']}" if status.get("message") else ""
            )
            return
        if doc_id in tally.deleted:
            tally.uploads[doc_id] = "deleted by the soak"
            return
        await asyncio.sleep(0.5)
    tally.uploads[doc_id] = "never finished"


async def delete_later(client: httpx.AsyncClient, doc_id: str, delay: float, tally: Tally) -> None:
    await asyncio.sleep(delay)
    while True:
        try:
            response = await client.delete(f"/v1/documents/{doc_id}")
        except httpx.HTTPError:
            await asyncio.sleep(1)
            continue
        if response.status_code >= 500 and response.status_code != 503:
            tally.server_errors[f"DELETE {response.status_code}"] += 1
        if response.status_code in (200, 404):
            tally.deleted.add(doc_id)
            return
        await asyncio.sleep(1)


async def watch_memory(server_ref: list[Server], stop: float, tally: Tally, start: float) -> None:
    while time.monotonic() < stop:
        mb = rss_mb(server_ref[0].proc.pid)
        if mb is not None:
            tally.rss_mb.append((time.monotonic() - start, mb))
        await asyncio.sleep(1)


async def kill_and_restart(server_ref: list[Server], delay: float, index: Path, log: Path) -> float:
    await asyncio.sleep(delay)
    old = server_ref[0]
    old.proc.send_signal(signal.SIGKILL)
    old.proc.wait()
    old.handle.close()
    started = time.monotonic()
    server_ref[0] = Server(index, log, port=old.port, **SERVER_ENV)
    await asyncio.to_thread(server_ref[0].wait_ready, 300)
    return time.monotonic() - started


async def soak(args: argparse.Namespace, folder: Path) -> bool:
    index = folder / "index"
    log = folder / "server.log"
    port = free_port()
    server_ref = [Server(index, log, port=port, **SERVER_ENV)]
    server_ref[0].wait_ready(timeout_s=600)
    calls = sorted(CALLS.glob("*.txt"))[: args.uploads - 1]
    uploads = [big_upload(folder), *calls, *hostile_uploads(folder, calls)]
    tally = Tally()
    start = time.monotonic()
    stop = start + args.seconds
    limits = httpx.Limits(max_connections=args.clients + 30)
    async with httpx.AsyncClient(base_url=server_ref[0].url, timeout=60, limits=limits) as client:
        askers = [ask_loop(client, stop, tally) for _ in range(args.clients)]
        restart = asyncio.create_task(kill_and_restart(server_ref, args.seconds * 0.4, index, log))
        memory = asyncio.create_task(watch_memory(server_ref, stop + 600, tally, start))
        accepted = await asyncio.gather(*(send_upload(client, p, tally) for p in uploads))
        doc_ids = [d for d in accepted if d]
        deletes = [
            delete_later(client, d, args.seconds * (0.2 + 0.1 * k), tally)
            for k, d in enumerate(doc_ids[: args.deletes])
        ]
        await asyncio.gather(*askers, *deletes)
        restart_s = await restart
        deadline = time.monotonic() + 900
        await asyncio.gather(*(follow(client, d, tally, deadline) for d in doc_ids))
        listed = {d["doc_id"] for d in (await client.get("/v1/documents")).json()["documents"]}
        memory.cancel()
        await asked(client, WARM_QUESTIONS)
        ended_mb = rss_mb(server_ref[0].proc.pid) or 0.0
    server_ref[0].stop()
    stray = stray_files(index, listed)
    fresh_mb = await fresh_rss(index, folder / "fresh.log")
    return report(args, tally, doc_ids, listed, restart_s, uploads, stray, (ended_mb, fresh_mb))


WARM_QUESTIONS = 200


async def asked(client: httpx.AsyncClient, count: int) -> None:
    for k in range(count):
        await client.post("/v1/ask", json={"question": QUESTIONS[k % len(QUESTIONS)]})


async def fresh_rss(index: Path, log: Path) -> float:
    """A fresh server's memory on the library the soak left, after the same questions."""
    fresh = Server(index, log)
    await asyncio.to_thread(fresh.wait_ready, 300)
    try:
        async with httpx.AsyncClient(base_url=fresh.url, timeout=60) as client:
            await asked(client, WARM_QUESTIONS)
        return rss_mb(fresh.proc.pid) or 0.0
    finally:
        fresh.stop()


def report(
    args: argparse.Namespace,
    tally: Tally,
    doc_ids: list[str],
    listed: set[str],
    restart_s: float,
    uploads: list[Path],
    stray: list[str],
    memory: tuple[float, float],
) -> bool:
    answered = sum(n for code, n in tally.answers.items() if code == 200)
    server_errors = sum(tally.server_errors.values())
    ordered = sorted(tally.latencies) or [0.0]
    print(
        f"{args.clients} clients asking for {args.seconds:.0f} s; "
        f"killed -9 at 40% and restarted in {restart_s:.1f} s"
    )
    print(
        f"questions: {sum(tally.answers.values())}, answered {answered}, "
        f"by outcome {dict(tally.answers)}"
    )
    print(
        f"answer latency: p50 {statistics.median(ordered):.0f} ms, "
        f"p95 {ordered[int(len(ordered) * 0.95) - 1]:.0f} ms"
    )
    outcomes = Counter(v.split(":")[0] for v in tally.uploads.values())
    print(f"uploads: {len(tally.uploads)} of {len(uploads)}, {dict(outcomes)}")
    print(f"5xx answers (503 aside): {dict(tally.server_errors) or 'none'}")
    for name, how in sorted(tally.uploads.items()):
        if not how.startswith("ready"):
            print(f"  {name}: {how[:160]}")
    expected = {d for d in doc_ids if tally.uploads.get(d, "").startswith("ready")} - tally.deleted
    lost = sorted(expected - listed)
    resurrected = sorted(tally.deleted & listed)
    print(
        f"deleted: {len(tally.deleted)}; documents lost: {lost or 'none'}; "
        f"deleted but listed: {resurrected or 'none'}"
    )
    before = [mb for t, mb in tally.rss_mb if t < args.seconds * 0.4]
    after = [mb for t, mb in tally.rss_mb if t >= args.seconds * 0.4]
    print(
        f"server RSS: peak {max(before, default=0):.0f} MB before the kill, "
        f"{max(after, default=0):.0f} MB after the restart"
    )
    ended, fresh = memory
    print(
        f"server RSS at the end {ended:.0f} MB; a fresh server on the same library "
        f"{fresh:.0f} MB ({ended / max(fresh, 1):.2f}x; at most 1.5x)"
    )
    print(f"files no job or document owns: {stray or 'none'}")
    unfinished = [d for d, how in tally.uploads.items() if how == "never finished"]
    ok = not server_errors and not lost and not resurrected and not unfinished and not stray
    ok = ok and len(tally.uploads) == len(uploads) and ended <= 1.5 * fresh
    print("soak: " + ("passed" if ok else "FAILED"))
    return ok


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=120)
    parser.add_argument("--uploads", type=int, default=20)
    parser.add_argument("--deletes", type=int, default=5)
    args = parser.parse_args()
    if not CALLS.is_dir():
        sys.exit(f"the development corpus is not at {CALLS}")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        print("starting a server on a fresh seed index (it builds the index first)...")
        ok = asyncio.run(soak(args, folder))
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
