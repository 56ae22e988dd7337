"""What a production check found: findings naming their files, counts, and what was read for completeness."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Observed:
    """What the checks read from the volume, compared afterwards with the logged export."""

    manifest_files: int | None = None
    documents: int | None = None
    bates: tuple[int, int] | None = None
    events: int | None = None
    checkpoint_size: int | None = None


@dataclass(frozen=True)
class LoggedExport:
    """The proved ``export.produced`` event of the production."""

    index: int
    checkpoint_size: int
    payload: dict[str, Any]


@dataclass
class ExportReport:
    problems: list[tuple[str, str]] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    seen: Observed = field(default_factory=Observed)
    logged: LoggedExport | None = None

    @property
    def ok(self) -> bool:
        return not self.problems

    def fail(self, name: str, problem: str) -> None:
        self.problems.append((name, problem))

    def count(self, what: str, n: int = 1) -> None:
        self.counts[what] = self.counts.get(what, 0) + n

    def as_json(self) -> dict[str, Any]:
        return {"ok": self.ok, "counts": self.counts, "files": sorted({n for n, _ in self.problems}),
                "problems": [{"file": n, "problem": p} for n, p in self.problems]}
