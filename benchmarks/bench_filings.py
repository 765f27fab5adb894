"""`make bench-filings`: the 47 real 10-K, 10-Q, 8-K and earnings-release PDFs of
../shared/corpus/filings-pdf built from scratch into a scratch folder.

Prints wall and CPU time, peak RSS, the index's size on disk and, stage by stage (parse,
chunk, figures, embedding, BM25, vector index, writes), CPU seconds, share and chunks per
CPU-second. `--limit N` builds the first N files only.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

from assistant.service import collect_files
from benchmarks.profiled_build import build_profiled

ROOT = Path(__file__).resolve().parent.parent
FILINGS = ROOT.parent / "shared" / "corpus" / "filings-pdf"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--limit", type=int, help="build only the first N files")
    args = parser.parse_args()
    if not FILINGS.is_dir():
        print(f"{FILINGS} is absent: nothing to measure", file=sys.stderr)
        return 0
    files = collect_files([FILINGS])[: args.limit]
    folder = Path(tempfile.mkdtemp(prefix="bench-filings-"))
    try:
        build_profiled(folder, files, "filings")
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
