"""The acting person of an export or a privilege designation: a name and the role they acted in.

Over HTTP the person is the API key's name (its label, else its id) and role; on the command
line, the name given with ``--actor`` and the role ``cli``. The log entry's ``actor`` stays what
it is for every event (``key:<id>`` or ``cli``); the person travels in the payload, so the
production, the privilege log and the custody report name someone rather than a key or ``cli``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ledger.errors import FieldProblem, ValidationFailed

CLI_ROLE = "cli"


@dataclass(frozen=True)
class Person:
    name: str
    role: str

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name.strip() or len(self.name) > 200:
            raise ValidationFailed("name the acting person", problems=[FieldProblem(
                "actor", "the name of the person acting (1-200 characters), e.g. --actor 'Dana Reyes'")])

    def as_json(self) -> dict[str, str]:
        return {"name": self.name.strip(), "role": self.role}

    @property
    def label(self) -> str:
        """``Name (role)``, as the privilege log and the custody report print it."""
        return f"{self.name.strip()} ({self.role})"


def from_payload(value: Any, fallback: str) -> str:
    """The ``Name (role)`` label of a payload's person, or ``fallback`` for entries logged without one."""
    if isinstance(value, dict) and isinstance(value.get("name"), str) and isinstance(value.get("role"), str):
        return f"{value['name']} ({value['role']})"
    return fallback
