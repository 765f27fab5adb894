"""One 20-page call PDF uploaded to a real server on the seed index: the seconds until a
question about it is answered from it, and the progress the job reported on the way (each
state, when it began, how the fraction moved).

Run by `make bench`; needs ../shared/corpus/pdf/citi-2023-q1.pdf (else says so and stops).
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import httpx

from assistant.embedding import load_encoder
from assistant.service import Assistant
from assistant.settings import Settings
from benchmarks.serving import serving_copy

ROOT = Path(__file__).resolve().parent.parent
CALL = ROOT.parent / "shared" / "corpus" / "pdf" / "citi-2023-q1.pdf"
QUESTION = "What was Citi's CET1 capital ratio in the first quarter of 2023?"


def upload_and_watch(url: str, path: Path) -> tuple[float, list[tuple[float, str, float]], str]:
    """Seconds from the upload's first byte to ready, the (time, state, progress) samples,
    and the document's id."""
    with httpx.Client(base_url=url, timeout=60) as client:
        started = time.perf_counter()
        response = client.post(
            "/v1/documents", files={"file": (path.name, path.read_bytes(), "application/pdf")}
        )
        response.raise_for_status()
        doc_id = response.json()["doc_id"]
        samples: list[tuple[float, str, float]] = []
        while True:
            status = client.get(f"/v1/documents/{doc_id}").json()
            samples.append((time.perf_counter() - started, status["state"], status["progress"]))
            if status["state"] in {"ready", "failed"}:
                break
            time.sleep(0.1)
        if status["state"] == "failed":
            raise RuntimeError(f"the upload failed: {status.get('message')}")
        return time.perf_counter() - started, samples, doc_id


def report(samples: list[tuple[float, str, float]]) -> None:
    seen: dict[str, tuple[float, float, float]] = {}
    for at, state, fraction in samples:
        first, low, _ = seen.get(state, (at, fraction, fraction))
        seen[state] = (first, min(low, fraction), fraction)
    for state, (first, low, high) in seen.items():
        print(f"  {state:<10} from {first:5.1f} s, progress {low:.0%} -> {high:.0%}")
    moved = [f for _, s, f in samples if s == "embedding"]
    steps = len(set(moved))
    print(f"  progress while embedding took {steps} distinct values in {len(moved)} samples")


def main() -> int:
    if not CALL.exists():
        print(f"{CALL} is absent: nothing to measure", file=sys.stderr)
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        seeds = Path(tmp) / "seeds-index"
        Assistant(Settings(index_dir=seeds), load_encoder("all-MiniLM-L6-v2")).build(
            [ROOT / "seeds"]
        )
        with serving_copy(seeds, Path(tmp)) as server:
            took, samples, doc_id = upload_and_watch(server.url, CALL)
            asked = time.perf_counter()
            answer = httpx.post(
                f"{server.url}/v1/ask", json={"question": QUESTION}, timeout=60
            ).json()
            answered = time.perf_counter() - asked
    cited = [c["doc_id"] for c in answer.get("citations", [])][:3]
    print(f"== upload of one {CALL.name} (20 pages) to a server on the seeds")
    print(f"ready {took:.1f} s after the upload began; then answered in {answered * 1000:.0f} ms")
    print(f"  answer: {answer.get('answer', '')[:160]!r}")
    print(f"  cited: {cited} (the upload is {doc_id!r})")
    report(samples)
    return 0


if __name__ == "__main__":
    sys.exit(main())
