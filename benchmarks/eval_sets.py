"""`make eval`: one index per development set (built once, then reused by content hash), the
set's questions asked through the full answer path, and one table of the scores.

Per-question outcomes are written to `.eval/<set>.json`; with `--check`, each set is compared
with its reviewed golden file in `tests/golden/` and every question that got worse is listed
(the exit code is then 1).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from assistant.embedding import Encoder, load_encoder
from assistant.evaluation import ask_each, golden_of, read_questions, regressions
from assistant.service import Assistant
from assistant.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
WORK = ROOT / ".eval"
GOLDEN = ROOT / "tests" / "golden"


@dataclass(frozen=True)
class DevSet:
    name: str
    questions: Path
    paths: tuple[Path, ...]
    index: str | None = None  # another set's index, when both read the same documents


SETS = (
    DevSet("seeds", SHARED / "eval" / "questions.jsonl", (ROOT / "seeds",)),
    DevSet(
        "calls",
        SHARED / "eval" / "calls_dev.jsonl",
        (ROOT / "seeds", SHARED / "corpus" / "calls"),
    ),
    DevSet(
        "ectsum",
        SHARED / "eval" / "ectsum_dev.jsonl",
        (SHARED / "corpus" / "ectsum-train",),
    ),
    # The project's own questions over the development PDFs and HTML filings.
    DevSet(
        "documents",
        ROOT / "eval" / "documents_dev.jsonl",
        (SHARED / "corpus" / "pdf", SHARED / "corpus" / "html"),
    ),
    # Questions across quarters (series, guidance against results) over the same documents
    # and the ECTSum calls' two-quarter companies.
    DevSet(
        "series",
        ROOT / "eval" / "series_dev.jsonl",
        (SHARED / "corpus" / "pdf", SHARED / "corpus" / "html"),
        index="documents",
    ),
    # The project's own questions over annual, quarterly and current reports and earnings
    # releases as PDF: each names its evidence page.
    DevSet(
        "filings",
        ROOT / "eval" / "filings_dev.jsonl",
        (SHARED / "corpus" / "filings-pdf",),
    ),
    # Questions generated from the ECTSum summaries by benchmarks/generate_questions.py: the
    # 80 training calls' (on the ectsum index), and the 249 validation calls', never used for
    # fitting or tuning, indexed together as one library.
    DevSet(
        "ectsum_generated",
        ROOT / "eval" / "ectsum_train_generated.jsonl",
        (SHARED / "corpus" / "ectsum-train",),
        index="ectsum",
    ),
    DevSet(
        "ectsum_val",
        ROOT / "eval" / "ectsum_val.jsonl",
        (SHARED / "corpus" / "ectsum-val",),
    ),
    DevSet(
        "series_calls",
        ROOT / "eval" / "series_calls_dev.jsonl",
        (SHARED / "corpus" / "ectsum-train",),
        index="ectsum",
    ),
)
COLUMNS = (
    "n",
    "hit@1",
    "hit@5",
    "doc@1",
    "page@5",
    "figure@1",
    "figure@3",
    "series@all",
    "context_chars@5",
)


def run_set(dev: DevSet, encoder: Encoder) -> dict:
    assistant = Assistant(Settings(index_dir=WORK / (dev.index or dev.name)), encoder)
    started = time.perf_counter()
    _, stats = assistant.build(list(dev.paths), skip_unreadable=True)
    built = time.perf_counter() - started
    print(
        f"{dev.name}: index ready in {built:.1f} s ({stats.embedded} chunks embedded, "
        f"{stats.reused} reused)",
        file=sys.stderr,
    )
    for reason in stats.skipped:
        print(f"{dev.name}: skipped {reason}", file=sys.stderr)
    return ask_each(assistant, read_questions(dev.questions), 5)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--set", action="append", help="only these sets (seeds, calls, ectsum, documents)"
    )
    parser.add_argument("--check", action="store_true", help="compare with tests/golden/")
    parser.add_argument(
        "--write-golden",
        action="store_true",
        help="write each set's outcomes to tests/golden/ (review notes already there are kept)",
    )
    args = parser.parse_args()
    if not SHARED.exists():
        print(f"{SHARED} is absent: nothing to evaluate", file=sys.stderr)
        return 0
    encoder = load_encoder("all-MiniLM-L6-v2")
    WORK.mkdir(exist_ok=True)
    rows, failures = [], []
    for dev in SETS:
        if args.set and dev.name not in args.set:
            continue
        report = run_set(dev, encoder)
        (WORK / f"{dev.name}.json").write_text(json.dumps(report, indent=1, ensure_ascii=False))
        rows.append((dev.name, report))
        golden = GOLDEN / f"{dev.name}.json"
        if args.write_golden:
            previous = json.loads(golden.read_text()) if golden.exists() else None
            golden.write_text(
                json.dumps(golden_of(report, previous), indent=1, ensure_ascii=False) + "\n"
            )
        if args.check and golden.exists():
            failures += [
                f"{dev.name} {line}" for line in regressions(report, json.loads(golden.read_text()))
            ]
        if args.check:  # a series item must quote its own passage, whatever the golden file
            failures += [
                f"{dev.name} {q['id']}: series items not in their passages: {q['series_unquoted']}"
                for q in report["per_question"]
                if q.get("series_unquoted")
            ]
    header = f"{'set':<13}" + "".join(f"{c:>16}" for c in (*COLUMNS, "scope_inferred"))
    print(header)
    for name, report in rows:
        cells = [report.get(c) for c in (*COLUMNS, "scope_inferred")]
        print(f"{name:<13}" + "".join(f"{'—' if v is None else v:>16}" for v in cells))
    for line in failures:
        print(f"regression: {line}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
