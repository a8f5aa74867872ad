"""Data shapes shared by ingestion, the index and answering (no I/O here)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass(frozen=True)
class Source:
    title: str
    agency: str
    year: int
    section: str

    def cite(self) -> str:
        section = f" · {self.section}" if self.section else ""
        return f"{self.title}{section}"


@dataclass(frozen=True)
class Suggestion:
    text: str
    source: Source | None


@dataclass
class Answer:
    """What ``gongkai ask --json`` prints and what the bot renders."""

    question: str
    answer: str | None
    source: Source | None
    score: float
    suggestions: list[Suggestion] = field(default_factory=list)
    report_id: int | None = None
    note: str | None = None  # e.g. why nothing was answered (agency/year not covered)
    resolution: object | None = field(default=None, repr=False, compare=False)  # question.Resolution

    @property
    def answered(self) -> bool:
        return self.answer is not None

    def to_json(self) -> dict:
        return {
            "question": self.question,
            "answer": self.answer,
            "source": asdict(self.source) if self.source else None,
            "score": round(self.score, 1),
            "suggestions": [
                {"text": s.text, "source": asdict(s.source) if s.source else None} for s in self.suggestions
            ],
        }
