"""Errors raised by the policies package.

``policies`` is independent of the ledger, so it has its own small hierarchy
rooted at :class:`PolicyError`. The ledger maps these onto its own error
classes: a :class:`PolicyLoadError` stops start-up, a :class:`FactsError` is a
bad request (the records handed in contradict each other), and an
:class:`EvaluationError` is an internal failure of the engine.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PolicyProblem:
    """One thing wrong with one policy file (or the schema).

    ``line`` is 1-based and ``None`` when Cedar gives no position and none can
    be inferred (for instance a schema that does not parse).
    """

    file: str
    line: int | None
    message: str
    policy_id: str | None = None

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        who = f" [{self.policy_id}]" if self.policy_id else ""
        return f"{where}{who}: {self.message}"


class PolicyError(Exception):
    """Root of every error this package raises on purpose."""

    title = "Policy error"

    def __init__(self, detail: str, problems: list[PolicyProblem] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.problems: list[PolicyProblem] = list(problems or [])

    def diagnostics(self) -> str:
        """A human-readable, multi-line explanation naming files and lines."""
        lines = [f"{self.title}: {self.detail}"]
        lines.extend(f"  - {problem}" for problem in self.problems)
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.diagnostics()


class PolicyLoadError(PolicyError):
    """The schema or a policy file is missing, does not parse, or does not validate."""

    title = "Policies failed to load"


class FactsError(PolicyError):
    """The facts handed to the engine are inconsistent (e.g. a match names an unknown asset)."""

    title = "Inconsistent policy facts"


class EvaluationError(PolicyError):
    """Cedar could not evaluate a request the engine built (a bug, not bad input)."""

    title = "Policy evaluation failed"
