"""Splitting run-together table values: ``640020470`` → 64/0/0/2/0/4/70.

Crawler text and some PDF text layers lose the cell borders of a statistics table, so one row's
values arrive as one digit run (or with stray spaces that are not cell borders). A run is split
into the number of cells the table has, under the table's own arithmetic (总计 = the sum of the
applicant columns, each Table 四 总计 = the sum of its four results, cumulative ≥ this year …).

Separators are kept as boundary strengths: ``strong`` (TAB, ``|``) always ends a cell; ``weak``
(a space, a line break) usually does, but crawler text puts stray spaces inside a row and a PDF line
may wrap inside a run of digits, so a split may merge across one at a penalty. Splits with the fewest merged spaces win; when several
remain and disagree, only the cells they agree on are known.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

MAX_INT_DIGITS = 10
MAX_SOLUTIONS = 2000

Check = Callable[[Sequence[float]], bool]


@dataclass(frozen=True)
class Run:
    """Value characters (digits, '.', '-', '%') and the boundary before each character."""

    chars: str
    bounds: tuple[str, ...]  # bounds[i]: "none" / "weak" / "strong" boundary before chars[i]

    @classmethod
    def parse(cls, text: str) -> "Run":
        chars: list[str] = []
        bounds: list[str] = []
        pending = "strong"
        for ch in text:
            if ch == "+":
                pending = "strong"  # +9: a sign starts a new value (本年增/减)
                continue
            if ch in "0123456789.-%":
                if ch == "-" and chars:
                    pending = "strong"  # a sign starts a new value (本年增/减 −15)
                chars.append(ch)
                bounds.append(pending)
                pending = "none"
            elif ch in " \u3000\u00a0\n\r":
                if pending == "none":
                    pending = "weak"  # a line break too: a PDF line may wrap inside a run of digits
            elif ch == ",":
                continue  # thousands separator
            else:
                pending = "strong"
        return cls("".join(chars), tuple(bounds))

    def concat(self, other: "Run") -> "Run":
        if not self.chars:
            return other
        if not other.chars:
            return self
        bounds = ("strong",) + other.bounds[1:]
        return Run(self.chars + other.chars, self.bounds + bounds)

    @property
    def atoms(self) -> list[str]:
        """The values as the separators give them (no split inside a run)."""
        out: list[str] = []
        for ch, bound in zip(self.chars, self.bounds):
            if bound != "none" or not out:
                out.append(ch)
            else:
                out[-1] += ch
        return out


def _valid_number(token: str) -> bool:
    body = token[1:] if token.startswith("-") else token
    if not body or body.count(".") > 1 or "-" in body:
        return False
    body = body.rstrip("%")
    if not body or "%" in body:
        return False
    whole, _, frac = body.partition(".")
    if not whole or not whole.isdigit() or (frac and not frac.isdigit()):
        return False
    if len(whole) > 1 and whole.startswith("0"):
        return False
    if body.endswith("."):
        return False
    return len(whole) <= MAX_INT_DIGITS


def to_number(token: str) -> float:
    return float(token.rstrip("%"))


def solutions(run: Run, count: int, check: Check | None = None) -> list[list[str]]:
    """Every split of ``run`` into ``count`` values that ``check`` accepts, with the fewest
    merged weak separators (the penalty); strong separators are never merged."""
    chars, bounds = run.chars, run.bounds
    n = len(chars)
    if n < count or count == 0:
        return []
    # no split right after '-' or around '.', and not inside a fraction (it runs to a separator)
    can_split = [True] * (n + 1)
    for i in range(1, n):
        if chars[i - 1] == "-" or chars[i] == "." or chars[i - 1] == ".":
            can_split[i] = bounds[i] != "none"
        if chars[i] == "%":
            can_split[i] = False
    in_fraction = False
    for i in range(n):
        if bounds[i] != "none":
            in_fraction = False
        if i > 0 and in_fraction and bounds[i] == "none":
            can_split[i] = False
        if chars[i] == ".":
            in_fraction = True
    must_split = [bounds[i] == "strong" for i in range(n)] + [True]
    best: list[list[str]] = []
    best_penalty = [10**9]

    def walk(start: int, left: int, acc: list[str], penalty: int) -> None:
        if len(best) >= MAX_SOLUTIONS or penalty > best_penalty[0]:
            return
        if left == 0:
            if start == n:
                values = [to_number(v) for v in acc]
                if check is None or check(values):
                    if penalty < best_penalty[0]:
                        best_penalty[0] = penalty
                        best.clear()
                    best.append(list(acc))
            return
        if n - start < left:
            return
        added = 0
        for end in range(start + 1, n + 1):
            if end > start + 1 and bounds[end - 1] == "weak":
                added += 1  # the value now spans a space
            if end > start + 1 and must_split[end - 1]:
                break  # a strong separator inside the value
            if end < n and not can_split[end]:
                continue
            if end == n and left != 1:
                break
            token = chars[start:end]
            if not _valid_number(token):
                if len(token.lstrip("-").split(".")[0]) > MAX_INT_DIGITS:
                    break
                continue
            if end < n and not must_split[end] and left == 1:
                continue
            acc.append(token)
            walk(end, left - 1, acc, penalty + added)
            acc.pop()

    walk(0, count, [], 0)
    return best


def agreed(candidates: list[list[str]]) -> list[str | None]:
    """Per position: the value every candidate gives, or None where they differ."""
    if not candidates:
        return []
    out: list[str | None] = []
    for values in zip(*candidates):
        out.append(values[0] if all(v == values[0] for v in values) else None)
    return out


# --- the tables' own arithmetic -----------------------------------------------------------------

def total_is_sum(values: Sequence[float]) -> bool:
    """Table 三 row: the last column (总计) is the sum of the applicant columns."""
    return abs(values[-1] - sum(values[:-1])) < 1e-6


def groups_of_five_total(values: Sequence[float]) -> bool:
    """Table 四: each group's 总计 is the sum of its four results."""
    return all(abs(values[g + 4] - sum(values[g:g + 4])) < 1e-6 for g in range(0, len(values), 5))


def cumulative_not_less(values: Sequence[float]) -> bool:
    """Pre-2019 统计表 (this year, 历年累计): the running total includes this year; a running
    total far beyond a few decades of this year's figure is a wrong split."""
    this_year, cumulative = values[0], values[1]
    if cumulative < this_year:
        return False
    return this_year == 0 or cumulative <= 40 * this_year
