"""Every word of the web pages is in ``bot/texts/`` for the office to review: the templates and
scripts hold markup only, and every text a template names exists."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.texts import web as T
from tests.conftest import ROOT

WEB = ROOT / "web"
CJK = re.compile(r"[\u3001-\u303f\u4e00-\u9fff\uff00-\uffef]")  # Han characters, full-width punctuation (not the ideographic space)
FILES = sorted([*WEB.glob("templates/*.html"), *WEB.glob("static/*")])


def _code_without_docstrings(path: Path) -> str:
    import ast

    tree = ast.parse(path.read_text(encoding="utf-8"))
    docs = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.Expr) \
                and isinstance(body[0].value, ast.Constant) and isinstance(body[0].value.value, str):
            docs.add(body[0].value.value)
    strings = [n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)]
    return "\n".join(s for s in strings if s not in docs)


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_templates_and_scripts_hold_no_words(path):
    found = CJK.findall(path.read_text(encoding="utf-8"))
    assert not found, f"{path.name}: move {''.join(found)[:40]!r} to bot/texts/web.py"


@pytest.mark.parametrize("path", sorted(WEB.glob("*.py")), ids=lambda p: p.name)
def test_the_web_code_says_nothing_itself(path):
    assert not CJK.findall(_code_without_docstrings(path)), path.name


def test_every_text_a_template_names_exists():
    names = {m for path in FILES if path.suffix == ".html"
             for m in re.findall(r"\bT\.([A-Z][A-Z0-9_]+)", path.read_text(encoding="utf-8"))}
    assert len(names) > 80
    missing = sorted(n for n in names if not hasattr(T, n))
    assert not missing, missing


def test_the_scan_is_not_blind(tmp_path):
    planted = tmp_path / "x.html"
    planted.write_text("<p>{{ T.OK }}</p><p>提交</p>", encoding="utf-8")
    assert CJK.findall(planted.read_text(encoding="utf-8")) == ["提", "交"]
