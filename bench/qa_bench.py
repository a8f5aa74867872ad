"""Question-answering benchmark (a benchmark, not a test).

Builds knowledge bases of about 4k / 44k / 400k passages from the project's own fixture reports
(tests/fixtures/heldout, tests/fixtures/validation, the bundled sample) and look-alikes of them
(other places, organs, years and numbers), then prints for each size: index build time, memory
added, p50/p99 latency on one core for questions that name their agency, questions that name
none (answered in one pass over the whole index) and the mix, once every question has been asked
(steady state), and the p99 of each question's first asking on the fresh index (first touch:
passages' token sets not yet cached) — and, in the same run, the same for
a naive full scan with ``rapidfuzz.process.extractOne`` (the ratio of the two). Top-1 is graded on
the fixture QA sets by the QA rules. Finally it times the start-up of ``gongkai ask``.

    python bench/qa_bench.py [--sizes 4000 44000 400000] [--naive-questions 30]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rapidfuzz import fuzz, process  # noqa: E402

from knowledge.agencies import parse_agency  # noqa: E402
from knowledge.answer import Answerer, Passage  # noqa: E402
from knowledge.extract import extract_lines  # noqa: E402
from knowledge.ingest import passage_rows  # noqa: E402
from bot.qa import keep_out_of_gc  # noqa: E402
from common import pin_one_core  # noqa: E402
from knowledge.lookalike import ORGANS, make_lookalike, random_place  # noqa: E402
from knowledge.parse import parse_report  # noqa: E402
from knowledge.question import ReportRef  # noqa: E402

FIXTURES = ROOT / "tests" / "fixtures"
QA_SETS = [FIXTURES / "heldout", FIXTURES / "validation"]
CITATION = re.compile(r"（[^（）]*(?:年度|报告|统计表)[^（）]*）\s*$")


def base_reports():
    """(file name, text, parsed report) of every fixture report, plus the bundled sample."""
    out = []
    paths = [p for d in QA_SETS for p in sorted((d / "reports").iterdir())]
    paths += sorted((ROOT / "knowledge" / "samples").iterdir())
    for path in paths:
        lines = extract_lines(path)
        out.append((path.name, "\n".join(lines), parse_report(lines)))
    return out


def questions() -> tuple[list[dict], list[str]]:
    """The fixture questions (named) and the same questions without their agency (unnamed)."""
    named = []
    for d in QA_SETS:
        named += [json.loads(line) for line in (d / "qa.jsonl").read_text(encoding="utf-8").splitlines() if line]
    unnamed = []
    for item in named:
        q = re.sub(r"^[\u4e00-\u9fff]{2,12}?(?:县|市|区|镇|乡|街道|局|委|中心|办|管委会|高新区|经开区)+", "", item["q"])
        if q != item["q"] and len(q) >= 6:
            unnamed.append(q)
    return named, unnamed


def rss_mb() -> float:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def build_corpus(bases, target: int, rng: random.Random):
    reports = [parsed for _, _, parsed in bases]
    count = sum(len(passage_rows(p, 0)) for p in reports)
    taken = {s for p in reports for s in parse_agency(p.agency).place_stems}
    while count < target:
        _, text, parsed = rng.choice(bases)
        new_text, _ = make_lookalike(text, parsed.agency, parsed.year, new_place=random_place(rng, taken),
                                     new_year=rng.randint(2012, 2025), new_organ=rng.choice(ORGANS), rng=rng)
        try:
            new = parse_report(new_text.split("\n"))
        except ValueError:
            continue
        reports.append(new)
        count += len(passage_rows(new, 0))
    return reports


def to_passages(reports):
    refs, passages = [], []
    pid = 0
    for rid, parsed in enumerate(reports, start=1):
        refs.append(ReportRef(id=rid, agency=parsed.agency, year=parsed.year, title=parsed.title))
        for row in passage_rows(parsed, rid):
            pid += 1
            passages.append(Passage(pid, rid, row["kind"], row["section"], row["context"], row["text"],
                                    row["table_name"], row["row_label"], row["col_label"], row["value"], row["unit"],
                                    row["quote"], row["terms"]))
    return refs, passages


def graded(item, answer, keys) -> bool:
    if item["kind"] == "absent":
        return answer.answer is None
    if answer.answer is None or answer.source is None:
        return False
    body = "\n".join(CITATION.sub("", line) for line in answer.answer.splitlines())
    return (answer.source.agency, answer.source.year) == keys.get(item["report"]) and all(e in body for e in item["expect"])


def pct(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q / 100 * (len(values) - 1))))]


def timed(answerer, qs, repeats=3):
    lat = []
    for _ in range(repeats):
        for q in qs:
            t = time.perf_counter()
            answerer.answer(q)
            lat.append((time.perf_counter() - t) * 1000)
    return lat


def bench_size(bases, keys, named, unnamed, target: int, naive_questions: int, rng: random.Random) -> dict:
    reports = build_corpus(bases, target, rng)
    refs, passages = to_passages(reports)
    before = rss_mb()
    t0 = time.perf_counter()
    answerer = Answerer(refs, passages)
    keep_out_of_gc()  # as QAService.load does
    build = time.perf_counter() - t0
    mem = rss_mb() - before
    # first touch: each question once on a fresh index (the passages' token sets not yet cached)
    cold = timed(answerer, [i["q"] for i in named] + unnamed, repeats=1)
    lat_named = timed(answerer, [i["q"] for i in named])
    lat_unnamed = timed(answerer, unnamed)
    ok = sum(graded(i, answerer.answer(i["q"]), keys) for i in named)
    texts = [p.text for p in passages]
    naive = []
    for q in [i["q"] for i in named[:naive_questions]] + unnamed[:naive_questions]:
        t = time.perf_counter()
        process.extractOne(q, texts, scorer=fuzz.ratio)
        naive.append((time.perf_counter() - t) * 1000)
    mix = lat_named + lat_unnamed
    return {"passages": len(passages), "reports": len(refs), "build_s": build, "mem_mb": mem,
            "named_p99": pct(lat_named, 99), "unnamed_p99": pct(lat_unnamed, 99), "p50": pct(mix, 50),
            "p99": pct(mix, 99), "cold_p99": pct(cold, 99), "acc": ok / len(named), "naive_p50": pct(naive, 50), "naive_p99": pct(naive, 99),
            "reports_obj": reports}


def startup_time(reports) -> float:
    """Wall time of `gongkai ask --json` with one question on a knowledge base of ``reports``."""
    from sqlalchemy import create_engine, insert

    from storage.db import migrate
    from storage.models import Passage as PassageRow
    from storage.models import Report

    tmp = tempfile.mkdtemp()
    url = f"sqlite:///{tmp}/kb.db"
    migrate(url)
    engine = create_engine(url)
    with engine.begin() as conn:
        for rid, parsed in enumerate(reports, start=1):
            conn.execute(insert(Report), [{"id": rid, "agency": parsed.agency, "year": parsed.year,
                                           "title": parsed.title, "layout": parsed.layout, "source_name": "bench",
                                           "content_hash": str(rid)}])
            conn.execute(insert(PassageRow), passage_rows(parsed, rid))
    env = dict(os.environ, GONGKAI_DATABASE_URL=url)
    gongkai = str(Path(sys.executable).with_name("gongkai"))
    runs = []
    for _ in range(3):
        t = time.perf_counter()
        subprocess.run([gongkai, "ask", "--json", "蓼川县审计局2022年收到几件信息公开申请"], env=env, check=True,
                       capture_output=True)
        runs.append(time.perf_counter() - t)
    return min(runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[4000, 44000, 400000])
    parser.add_argument("--naive-questions", type=int, default=30)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    pin_one_core()
    bases = base_reports()
    keys = {name: (parsed.agency, parsed.year) for name, _, parsed in bases}
    named, unnamed = questions()
    rng = random.Random(args.seed)
    print(f"machine: {os.cpu_count()} cores, python {sys.version.split()[0]}, one core pinned; "
          f"{len(named)} named and {len(unnamed)} unnamed questions")
    print("passages\treports\tbuild s\tmem MB\tp50 ms\tp99 ms (named / unnamed / mix)\tfirst-touch p99\ttop-1"
          "\t| naive p50 ms\tp99 ms\t| naive/ours p99")
    startup_reports = None
    for size in args.sizes:
        r = bench_size(bases, keys, named, unnamed, size, args.naive_questions, rng)
        print(f"{r['passages']}\t{r['reports']}\t{r['build_s']:.2f}\t{r['mem_mb']:.0f}\t{r['p50']:.2f}\t"
              f"{r['named_p99']:.2f} / {r['unnamed_p99']:.2f} / {r['p99']:.2f}\t{r['cold_p99']:.2f}\t{r['acc']:.0%}\t| "
              f"{r['naive_p50']:.1f}\t{r['naive_p99']:.1f}\t| {r['naive_p99'] / max(r['p99'], 1e-9):.1f}", flush=True)
        if 30000 <= size <= 60000:
            startup_reports = r["reports_obj"]
    if startup_reports is not None:
        print(f"startup of `gongkai ask` (one question) on ~44k passages: {startup_time(startup_reports):.2f} s")
    print(f"peak RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
