"""Grade a QA set the way the project's QA README does, by kind and by failure class.

    python bench/qa_eval.py FILE.jsonl REPORT_DIR [REPORT_DIR ...] [-v] [--no-meta]

Each report directory's files (knowledge.extract.SUPPORTED, not README/meta) are ingested into a
temporary SQLite knowledge base through the same code as ``gongkai ingest`` — with no
``--agency``/``--year`` unless the directory has a ``meta.txt`` (``file|agency|year``) and
``--no-meta`` is not given — and every question goes through the same code as ``gongkai ask``.

Grading (QA README): an ordinary question is right when the answer comes from the report named
in the line (same agency and year as that file was ingested under) and its body — the answer
without its trailing citation — contains every expected substring; an ``absent`` question is right
when nothing is answered. Failure classes: refused, wrong_report, wrong_value, answered_absent.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import sys
import tempfile
from collections import Counter, defaultdict
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.qa import QAService, ingest_paths  # noqa: E402
from knowledge.extract import SUPPORTED  # noqa: E402
from knowledge.ingest import IngestBatchError  # noqa: E402
from storage.db import open_database  # noqa: E402

CITATION = re.compile(r"（[^（）]*(?:年度|报告|统计表)[^（）]*）\s*$")
REPORT_SUFFIXES = set(SUPPORTED)


def answer_body(answer: str | None) -> str:
    """The answer without the trailing source citation of each line."""
    return "\n".join(CITATION.sub("", line) for line in (answer or "").splitlines())


def report_files(directory: Path) -> list[Path]:
    return sorted(p for p in directory.iterdir()
                  if p.is_file() and p.suffix.lower() in REPORT_SUFFIXES and p.stem.upper() != "README" and p.name != "meta.txt")


def read_meta(directory: Path) -> dict[str, tuple[str, int]]:
    meta = directory / "meta.txt"
    out: dict[str, tuple[str, int]] = {}
    if meta.exists():
        for line in meta.read_text(encoding="utf-8").splitlines():
            parts = line.strip().split("|")
            if len(parts) == 3:
                out[parts[0]] = (parts[1], int(parts[2]))
    return out


async def load(db, directories: list[Path], use_meta: bool) -> tuple[dict[str, tuple[str, int]], list[str]]:
    keys: dict[str, tuple[str, int]] = {}
    errors: list[str] = []
    for directory in directories:
        meta = read_meta(directory) if use_meta else {}
        for path in report_files(directory):
            agency, year = meta.get(path.name, (None, None))
            try:
                results = await ingest_paths(db, [path], agency=agency, year=year)
            except IngestBatchError as exc:
                errors.append(f"{path.name}: {exc.errors[0].reason}")
                continue
            keys[path.name] = (results[0].agency, results[0].year)
    return keys, errors


def grade(item: dict, answer, keys: dict[str, tuple[str, int]]) -> str:
    if item["kind"] == "absent":
        return "ok" if answer.answer is None else "answered_absent"
    if answer.answer is None:
        return "refused"
    expected = keys.get(item["report"])
    if expected is None or answer.source is None or (answer.source.agency, answer.source.year) != expected:
        return "wrong_report"
    body = answer_body(answer.answer)
    return "ok" if all(e in body for e in item["expect"]) else "wrong_value"


async def evaluate(qa_file: Path, directories: list[Path], *, use_meta: bool, verbose: bool,
                   today: date | None) -> dict:
    items = [json.loads(line) for line in qa_file.read_text(encoding="utf-8").splitlines() if line.strip()]
    with tempfile.TemporaryDirectory() as tmp:
        db = await open_database(f"sqlite:///{tmp}/kb.db")
        try:
            keys, errors = await load(db, directories, use_meta)
            service = await QAService.load(db)
        finally:
            await db.dispose()
    by_kind: dict[str, Counter] = defaultdict(Counter)
    classes: Counter = Counter()
    failures: list[tuple[str, dict, object]] = []
    for item in items:
        answer = service.answer(item["q"], today=today)
        outcome = grade(item, answer, keys)
        by_kind[item["kind"]][outcome] += 1
        classes[outcome] += 1
        if outcome != "ok":
            failures.append((outcome, item, answer))
    total = len(items)
    ok = classes["ok"]
    print(f"{qa_file.name}: {ok}/{total} = {ok / total:.1%}  (reports loaded {len(keys)}, ingest errors {len(errors)})")
    for error in errors:
        print(f"  ingest error: {error}")
    for kind in sorted(by_kind):
        c = by_kind[kind]
        n = sum(c.values())
        print(f"  {kind:8s} {c['ok']:3d}/{n:<3d} {c['ok'] / n:6.1%}")
    print("  failure classes: " + (", ".join(f"{k} {v}" for k, v in sorted(classes.items()) if k != "ok") or "none"))
    if verbose:
        for outcome, item, answer in failures:
            src = f"{answer.source.agency} {answer.source.year}" if answer.source else answer.note
            print(f"  [{outcome}] {item['q']}  expect={item['expect']} report={item['report']}")
            print(f"      → {(answer.answer or '').replace(chr(10), ' / ')[:300]}  ({src})")
    return {"total": total, "ok": ok, "classes": dict(classes), "ingest_errors": errors}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("qa_file", type=Path)
    parser.add_argument("report_dirs", type=Path, nargs="+")
    parser.add_argument("-v", "--verbose", action="store_true", help="list every failure")
    parser.add_argument("--no-meta", action="store_true", help="ignore meta.txt: infer agency and year")
    parser.add_argument("--today", type=date.fromisoformat, default=None, help="date for 去年/今年 (ISO)")
    args = parser.parse_args()
    asyncio.run(evaluate(args.qa_file, args.report_dirs, use_meta=not args.no_meta, verbose=args.verbose,
                         today=args.today))


if __name__ == "__main__":
    main()
