"""Load test: concurrent clients asking questions against a real server for a fixed time,
optionally uploading a document a third of the way in. Prints latency percentiles,
throughput and errors.

    python -m benchmarks.load                      # starts its own server on a seed index
    python -m benchmarks.load --url http://127.0.0.1:8000 --token "$ASSISTANT_API_TOKEN"

Traffic goes only to the URL given, or to the loopback server it starts.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import tempfile
import time
from pathlib import Path

import httpx

from benchmarks.serving import Server

ROOT = Path(__file__).resolve().parent.parent
QUESTIONS = [
    "What was revenue in Q4 2024?",
    "What was Q4 net income and how did it move?",
    "What is the weighted average APR for loans?",
    "How many funding partners does the company have?",
    "What dividend did the board approve for the second half of 2024?",
    "What was the second lien allowance for credit losses at December 31, 2023?",
    "When are loans placed on non-accrual status?",
    "第四季度的營業收入是多少?",
    "What is the GMV outlook for full-year 2025?",
    "How much of the loan portfolio was 31 - 90 days past due at December 31, 2023?",
]


async def client_loop(
    client: httpx.AsyncClient, stop: float, latencies: list[float], errors: list[str]
) -> None:
    rng = random.Random()
    while time.monotonic() < stop:
        start = time.perf_counter()
        try:
            response = await client.post("/v1/ask", json={"question": rng.choice(QUESTIONS)})
            if response.status_code != 200:
                errors.append(f"{response.status_code} {response.text[:80]}")
        except httpx.HTTPError as error:
            errors.append(repr(error))
        latencies.append((time.perf_counter() - start) * 1000)


async def upload_then_ask(client: httpx.AsyncClient, path: Path, delay_s: float) -> str:
    await asyncio.sleep(delay_s)
    started = time.perf_counter()
    response = await client.post("/v1/documents", files={"file": (path.name, path.read_bytes())})
    if response.status_code != 202:
        return f"upload refused: {response.status_code} {response.text[:120]}"
    doc_id = response.json()["doc_id"]
    while True:
        status = (await client.get(f"/v1/documents/{doc_id}")).json()
        if status["state"] in {"ready", "failed"}:
            break
        await asyncio.sleep(0.2)
    took = time.perf_counter() - started
    if status["state"] == "failed":
        return f"upload of {doc_id} failed: {status['message']}"
    question = {"question": "What was the take rate at Helix?"}
    answer = (await client.post("/v1/ask", json=question)).json()
    cited = answer["citations"][0]["doc_id"] if answer.get("citations") else None
    return (
        f"uploaded {doc_id} during the load: indexed in {took:.1f} s; a question about it "
        f"then cited {cited!r}"
    )


async def run(
    url: str, token: str | None, clients: int, seconds: float, upload: Path | None
) -> None:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    limits = httpx.Limits(max_connections=clients + 5)
    async with httpx.AsyncClient(
        base_url=url, headers=headers, timeout=60, limits=limits
    ) as client:
        await client.post("/v1/ask", json={"question": "warm up"})
        # One client alone first: each question once (its vector not cached yet), then again.
        for label in ("first time", "repeated"):
            alone = []
            for question in QUESTIONS:
                start = time.perf_counter()
                await client.post("/v1/ask", json={"question": question})
                alone.append((time.perf_counter() - start) * 1000)
            print(
                f"one client, {label}: p50 {statistics.median(alone):.0f} ms, "
                f"max {max(alone):.0f} ms over {len(alone)} questions"
            )
        latencies: list[float] = []
        errors: list[str] = []
        stop = time.monotonic() + seconds
        loops = [client_loop(client, stop, latencies, errors) for _ in range(clients)]
        side = [upload_then_ask(client, upload, seconds / 3)] if upload else []
        start = time.perf_counter()
        results = await asyncio.gather(*loops, *side)
        elapsed = time.perf_counter() - start
    ordered = sorted(latencies)

    def pct(q: float) -> float:
        return ordered[min(len(ordered) - 1, int(len(ordered) * q))]

    print(f"{clients} clients for {seconds:.0f} s against {url}")
    print(f"requests: {len(latencies)}, {len(latencies) / elapsed:.1f} per second")
    print(
        f"latency: p50 {statistics.median(ordered):.0f} ms, p95 {pct(0.95):.0f} ms, "
        f"p99 {pct(0.99):.0f} ms, max {ordered[-1]:.0f} ms"
    )
    print(f"errors: {len(errors)}" + (f" (first: {errors[0]})" if errors else ""))
    if upload:
        print(results[-1])


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--url", help="a running server; default: start one on the seeds")
    parser.add_argument("--token", help="bearer token, when the server needs one")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument(
        "--upload",
        default=str(ROOT / "tests/fixtures/wire_call.txt"),
        help="document uploaded a third of the way in ('' for none)",
    )
    args = parser.parse_args()
    upload = Path(args.upload) if args.upload else None
    if args.url:
        asyncio.run(run(args.url, args.token, args.clients, args.seconds, upload))
        return
    with tempfile.TemporaryDirectory() as tmp:
        print("starting a server on a fresh seed index (it builds the index first)...")
        server = Server(Path(tmp) / "index", Path(tmp) / "server.log")
        try:
            server.wait_ready(timeout_s=300)
            asyncio.run(run(server.url, None, args.clients, args.seconds, upload))
        finally:
            server.stop()


if __name__ == "__main__":
    main()
