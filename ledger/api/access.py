"""The role-by-route access matrix, measured from the app itself.

Each operation of the OpenAPI document is called once per role with a key of that role, its
path ids filled with placeholders and an empty JSON body: the role check runs before the body is
validated, so a role that may not use the route gets 403 and one that may gets anything else
(422 for the empty body, 404 for the placeholder id, 200 for a read). Run it on a throwaway
installation: an allowed call with nothing to validate does run.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from ledger.records.enums import Role

Matrix = dict[tuple[str, str], dict[str, bool]]
"""(METHOD, path template) -> role -> allowed."""

PLACEHOLDER = "zz_absent"


def concrete(path: str) -> str:
    """The path with every ``{name}`` filled: ``0`` for indexes, a placeholder id otherwise."""
    return re.sub(r"\{([^}]+)\}", lambda m: "0" if m.group(1) == "index" else PLACEHOLDER, path)


def measure(paths: dict[str, dict[str, object]], call: Callable[[str, str, str], int]) -> Matrix:
    """``call(method, path, role)`` makes the request with that role's key and returns the status."""
    matrix: Matrix = {}
    for template, operations in sorted(paths.items()):
        for method in sorted(operations):
            path = concrete(template)
            matrix[(method.upper(), template)] = {role.value: call(method.upper(), path, role.value) != 403
                                                  for role in Role}
    return matrix


def as_markdown(matrix: Matrix) -> str:
    roles = [role.value for role in Role]
    lines = ["| route | " + " | ".join(roles) + " |", "| --- |" + " --- |" * len(roles)]
    for (method, path), allowed in matrix.items():
        lines.append(f"| `{method} {path}` | " + " | ".join("yes" if allowed[r] else "-" for r in roles) + " |")
    return "\n".join(lines)
