"""Grading a QA set through the `gongkai ingest` / `gongkai ask --json` code path, by the QA rules:
an answer counts when it comes from the report the line names (that file's agency and year as
ingested) and its body — each line without its trailing source citation — holds every expected
string; a question with no answer in the reports counts when nothing is answered."""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from typer.testing import CliRunner

from bot.cli import app
from tests.conftest import skip_or_fail

CITATION = re.compile(r"（[^（）]*(?:年度|报告|统计表)[^（）]*）\s*$")
REPORT_SUFFIXES = {".txt", ".html", ".htm", ".docx", ".pdf"}
runner = CliRunner()


def answer_body(answer: str | None) -> str:
    return "\n".join(CITATION.sub("", line) for line in (answer or "").splitlines())


def require(path: Path) -> Path:
    """Material from ../shared exists beside the repository only in CI: skip without it locally,
    fail without it in CI."""
    if not path.exists():
        skip_or_fail(f"{path} not found: the shared QA material lies beside the repository only in CI")
    return path


@dataclass
class Graded:
    total: int = 0
    ok: int = 0
    classes: Counter = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)

    @property
    def score(self) -> float:
        return self.ok / self.total if self.total else 0.0


def ingest_dir(report_dir: Path, *, use_meta: bool = False) -> dict[str, tuple[str, int]]:
    """Ingest every report of ``report_dir`` one file per call; returns file → (agency, year)."""
    meta = {}
    if use_meta and (report_dir / "meta.txt").exists():
        for line in (report_dir / "meta.txt").read_text(encoding="utf-8").splitlines():
            name, agency, year = line.split("|")
            meta[name] = ["--agency", agency, "--year", year]
    keys = {}
    for path in sorted(p for p in report_dir.iterdir() if p.suffix.lower() in REPORT_SUFFIXES and p.name != "meta.txt"):
        result = runner.invoke(app, ["ingest", str(path), *meta.get(path.name, [])])
        assert result.exit_code == 0, (path.name, result.stderr)
        _, agency, year, *_ = result.stdout.strip().split("\t")
        keys[path.name] = (agency, int(year))
    return keys


def ask_json(questions: list[str]) -> list[dict]:
    result = runner.invoke(app, ["ask", "--json"], input="\n".join(questions) + "\n")
    assert result.exit_code == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines() if line.strip()]
    assert len(rows) == len(questions)
    return rows


def grade(qa_file: Path, report_dir: Path, *, use_meta: bool = False) -> Graded:
    keys = ingest_dir(report_dir, use_meta=use_meta)
    items = [json.loads(line) for line in qa_file.read_text(encoding="utf-8").splitlines() if line.strip()]
    rows = ask_json([item["q"] for item in items])
    out = Graded(total=len(items))
    for item, row in zip(items, rows):
        if item["kind"] == "absent":
            outcome = "ok" if row["answer"] is None else "answered_absent"
        elif row["answer"] is None:
            outcome = "refused"
        elif (row["source"]["agency"], row["source"]["year"]) != keys.get(item["report"]):
            outcome = "wrong_report"
        else:
            body = answer_body(row["answer"])
            outcome = "ok" if all(e in body for e in item["expect"]) else "wrong_value"
        out.classes[outcome] += 1
        if outcome == "ok":
            out.ok += 1
        else:
            out.failures.append(f"[{outcome}] {item['q']} → {(row['answer'] or '')[:120]}")
    return out
