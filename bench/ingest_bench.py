"""Ingest benchmark (a benchmark, not a test): a bulk load of many reports, as `gongkai ingest`.

Writes N report files (the project's fixture reports in every layout — crawler text, PDF text
layers, Markdown, CMS HTML, Word, PDF — and look-alikes of them under other names, years and
figures) to a temporary folder, then times, in one process:

- the naive floor: reading each file and splitting it into lines and sentences (what any
  ingest must do at least);
- ours: ``knowledge.ingest.ingest_paths`` into a fresh SQLite database — extraction, structure
  (tables in any layout, run-together digits), metadata inference, narrative facts, concept
  terms, and the writes;

and prints reports/s, ms per report, passages and table cells per report, and the ratio.

    python bench/ingest_bench.py [--reports 400]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from knowledge.extract import extract_lines  # noqa: E402
from bot.qa import ingest_paths  # noqa: E402
from common import pin_one_core  # noqa: E402
from knowledge.lookalike import ORGANS, make_lookalike, random_place  # noqa: E402
from knowledge.parse import parse_report  # noqa: E402
from storage.db import open_database  # noqa: E402

FIXTURES = ROOT / "tests" / "fixtures"
TEXT_SUFFIXES = {".txt", ".html", ".htm"}


def write_corpus(folder: Path, count: int, rng: random.Random) -> list[Path]:
    """``count`` report files: every fixture report once, then look-alikes of the text ones."""
    sources = sorted(p for d in ("heldout", "validation") for p in (FIXTURES / d / "reports").iterdir())
    sources += sorted((ROOT / "knowledge" / "samples").iterdir())
    paths: list[Path] = []
    bases = []
    for src in sources:
        dst = folder / src.name
        shutil.copy(src, dst)
        paths.append(dst)
        if src.suffix in TEXT_SUFFIXES:
            parsed = parse_report(extract_lines(src))
            bases.append((src, src.read_text(encoding="utf-8"), parsed))
    taken: set[str] = set()
    while len(paths) < count:
        src, text, parsed = rng.choice(bases)
        new_text, _ = make_lookalike(text, parsed.agency, parsed.year, new_place=random_place(rng, taken),
                                     new_year=rng.randint(2012, 2025), new_organ=rng.choice(ORGANS), rng=rng)
        dst = folder / f"{len(paths):04d}-{src.name}"
        dst.write_text(new_text, encoding="utf-8")
        paths.append(dst)
    return paths


def naive(paths: list[Path]) -> float:
    t = time.perf_counter()
    for path in paths:
        text = "\n".join(extract_lines(path))
        re.split(r"[。！？；\n]", text)
    return time.perf_counter() - t


async def ours(paths: list[Path]) -> tuple[float, int, int]:
    tmp = tempfile.mkdtemp()
    db = await open_database(f"sqlite:///{tmp}/kb.db")
    try:
        t = time.perf_counter()
        results = []
        for start in range(0, len(paths), 50):  # the office loads folders, 50 files a call here
            results += await ingest_paths(db, paths[start:start + 50])
        elapsed = time.perf_counter() - t
    finally:
        await db.dispose()
    return elapsed, sum(r.passages for r in results), sum(r.cells for r in results)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reports", type=int, default=400)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    pin_one_core()
    with tempfile.TemporaryDirectory() as folder:
        paths = write_corpus(Path(folder), args.reports, random.Random(args.seed))
        floor = naive(paths)
        elapsed, sentences, cells = asyncio.run(ours(paths))
    n = len(paths)
    print(f"machine: {os.cpu_count()} cores, python {sys.version.split()[0]}, one core pinned; {n} reports")
    print(f"naive floor (read, lines, sentences): {floor:.2f} s, {floor / n * 1000:.1f} ms/report")
    print(f"ingest (structure, facts, metadata, SQLite writes): {elapsed:.2f} s, {elapsed / n * 1000:.1f} ms/report, "
          f"{n / elapsed:.0f} reports/s; {sentences / n:.0f} sentences and {cells / n:.0f} table cells per report")
    print(f"ours / floor: {elapsed / max(floor, 1e-9):.1f}×")


if __name__ == "__main__":
    main()
