"""Turn a report file (txt or Markdown, html, docx, pdf) into plain lines.

Tables found in HTML and Word documents are expanded into a grid (rowspan/colspan repeated) and
emitted as TAB-separated lines, so one text-table parser serves every format.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from pathlib import Path

# pypdf logs the damage it finds; the reason reaches the user once, through ExtractError.
logging.getLogger("pypdf").setLevel(logging.ERROR)


class ExtractError(ValueError):
    """The file cannot be read as a report (empty, binary, unsupported, unreadable)."""


TEXT_SUFFIXES = (".txt", ".md", ".markdown")  # Markdown (a PDF converter's output) is read as text
HTML_SUFFIXES = (".html", ".htm", ".shtml", ".xhtml")
SUPPORTED = (*TEXT_SUFFIXES, *HTML_SUFFIXES, ".docx", ".pdf")
MAX_BYTES = 50 * 1024 * 1024


def extract_lines(path: Path) -> list[str]:
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED:
        raise ExtractError(f"不支持的文件类型 {suffix or '（无扩展名）'}，支持 {'、'.join(SUPPORTED)}")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ExtractError(f"无法读取文件：{exc.strerror or exc}") from exc
    if not data.strip():
        raise ExtractError("文件为空")
    if len(data) > MAX_BYTES:
        raise ExtractError("文件过大（超过 50 MB）")
    if suffix in TEXT_SUFFIXES:
        return _split(decode_text(data))
    if suffix in HTML_SUFFIXES:
        return html_lines(decode_text(data))
    if suffix == ".docx":
        return docx_lines(path)
    return pdf_lines(path)


def decode_text(data: bytes) -> str:
    if b"\x00" in data[:4096] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ExtractError("文件是二进制内容，不是文本")
    for encoding in ("utf-8-sig", "utf-16", "gb18030"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if encoding == "utf-16" and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
            continue
        if _looks_textual(text):
            return text
    raise ExtractError("无法识别文件编码（应为 UTF-8 或 GB18030 文本）")


def _looks_textual(text: str) -> bool:
    sample = text[:20000]
    if not sample:
        return False
    bad = sum(1 for ch in sample if unicodedata.category(ch) in ("Cc", "Co", "Cs") and ch not in "\t\r\n\f")
    return bad / len(sample) < 0.01


def _split(text: str) -> list[str]:
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


# --- HTML -----------------------------------------------------------------------------------

_BLOCK_TAGS = {"p", "div", "br", "h1", "h2", "h3", "h4", "h5", "h6", "li", "tr", "section", "article", "title"}
_JUNK_TAGS = ("script", "style", "noscript", "iframe", "nav", "header", "footer", "form", "button", "select", "aside")


def html_lines(html: str) -> list[str]:
    from bs4 import BeautifulSoup, NavigableString, Tag

    soup = BeautifulSoup(html, "lxml")
    for tag in soup(list(_JUNK_TAGS)):
        tag.decompose()
    body = _article_root(soup) or soup.body or soup
    lines: list[str] = []
    title = soup.title.get_text(" ", strip=True) if soup.title else ""
    if title:
        lines.append(title)
    buffer: list[str] = []

    def flush() -> None:
        text = "".join(buffer).strip()
        if text:
            lines.append(text)
        buffer.clear()

    def walk(node) -> None:
        for child in node.children:
            if isinstance(child, NavigableString):
                buffer.append(re.sub(r"[ \t\r\n]+", " ", str(child)))
            elif isinstance(child, Tag):
                if child.name == "table":
                    flush()
                    lines.extend("\t".join(row) for row in table_grid(child))
                    lines.append("")
                    continue
                block = child.name in _BLOCK_TAGS
                if block:
                    flush()
                walk(child)
                if block:
                    flush()

    walk(body)
    flush()
    return lines


def _article_root(soup):
    """The element holding the report text: the smallest one containing most of the Chinese."""
    best = None
    total = _han_count(soup.get_text())
    if total == 0:
        return None
    for tag in soup.find_all(["div", "article", "section", "td", "main"]):
        count = _han_count(tag.get_text())
        if count >= 0.6 * total and (best is None or count <= _han_count(best.get_text())):
            best = tag
    return best


def _han_count(text: str) -> int:
    return sum(1 for ch in text if "\u4e00" <= ch <= "\u9fff")


def table_grid(table) -> list[list[str]]:
    """Expand rowspan/colspan into a full grid of cell texts."""
    grid: dict[tuple[int, int], str] = {}
    origin: dict[tuple[int, int], int] = {}
    rows = [tr for tr in table.find_all("tr") if tr.find_parent("table") is table]
    for r, tr in enumerate(rows):
        c = 0
        for cell in tr.find_all(["td", "th"], recursive=False):
            while (r, c) in grid:
                c += 1
            text = re.sub(r"\s+", " ", cell.get_text(" ", strip=True)).strip()
            rowspan = _span(cell.get("rowspan"))
            colspan = _span(cell.get("colspan"))
            for dr in range(rowspan):
                for dc in range(colspan):
                    grid[(r + dr, c + dc)] = text
                    origin[(r + dr, c + dc)] = id(cell)
            c += colspan
    if not grid:
        return []
    height = max(r for r, _ in grid) + 1
    width = max(c for _, c in grid) + 1
    out = []
    for r in range(height):
        row: list[str] = []
        for c in range(width):
            if c > 0 and origin.get((r, c)) == origin.get((r, c - 1)) and (r, c) in origin:
                continue  # the same source cell spread by colspan: keep it once
            row.append(grid.get((r, c), ""))
        out.append(row)
    return out


def _span(value) -> int:
    try:
        return max(1, min(int(str(value).strip()), 100))
    except (TypeError, ValueError):
        return 1


# --- Word -----------------------------------------------------------------------------------

def docx_lines(path: Path) -> list[str]:
    try:
        import docx
        from docx.table import Table
        from docx.text.paragraph import Paragraph

        document = docx.Document(str(path))
    except Exception as exc:  # python-docx raises several types for broken packages
        raise ExtractError(f"无法读取 Word 文档：{exc.__class__.__name__}") from exc
    lines: list[str] = []
    for block in document.element.body.iterchildren():
        tag = block.tag.rsplit("}", 1)[-1]
        if tag == "p":
            lines.append(Paragraph(block, document).text)
        elif tag == "tbl":
            table = Table(block, document)
            for row in table.rows:
                cells = []
                previous = None
                for cell in row.cells:  # a cell merged across columns is listed once per column
                    if previous is not None and cell._tc is previous:
                        continue
                    previous = cell._tc
                    cells.append(re.sub(r"\s+", " ", cell.text).strip())
                lines.append("\t".join(cells))
            lines.append("")
    return lines


# --- PDF ------------------------------------------------------------------------------------

def pdf_lines(path: Path) -> list[str]:
    try:
        from pypdf import PdfReader

        reader = PdfReader(str(path))
        if reader.is_encrypted:
            reader.decrypt("")
        text = "\n".join((page.extract_text() or "") for page in reader.pages)
    except Exception as exc:
        raise ExtractError(f"无法读取 PDF：{exc.__class__.__name__}") from exc
    if _han_count(text) < 20:
        raise ExtractError("PDF 中没有可提取的文字（可能是扫描件）")
    return _split(text)
