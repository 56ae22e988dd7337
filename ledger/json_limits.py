"""JSON from callers, bounded: nesting depth checked before parsing, NUL characters refused.

``json.loads`` recurses once per nesting level, so a document nested 100,000 deep ends in a
``RecursionError`` (a 500) after the whole text was read into nested lists. :func:`nesting_depth`
measures the depth with one linear scan that never recurses, so a document past
:data:`MAX_DEPTH` is refused before the parser starts. A NUL character in a string is refused
too: PostgreSQL cannot store one in a text column and SQLite would keep it silently.
"""

from __future__ import annotations

import json
from typing import Any

from ledger.errors import FieldProblem, ValidationFailed

MAX_DEPTH = 64
"""Deepest nesting of arrays and objects accepted; no record kind needs more than a handful."""

NUL = "\x00"


def nesting_depth(text: str, stop_at: int = MAX_DEPTH) -> int:
    """The deepest nesting of ``[`` and ``{`` outside strings, up to ``stop_at + 1`` (the scan stops there)."""
    depth = deepest = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > stop_at:
                    return deepest
        elif char in "]}":
            depth -= 1
    return deepest


def nul_path(value: Any, path: str = "") -> str | None:
    """The dotted path of the first string (or object key) holding a NUL character, else None."""
    stack: list[tuple[Any, str]] = [(value, path)]
    while stack:
        item, where = stack.pop()
        if isinstance(item, str):
            if NUL in item:
                return where or "(value)"
        elif isinstance(item, dict):
            for key, child in item.items():
                name = f"{where}.{key}" if where else str(key)
                if NUL in str(key):
                    return name
                stack.append((child, name))
        elif isinstance(item, (list, tuple)):
            stack.extend((child, f"{where}[{i}]") for i, child in enumerate(item))
    return None


def refuse_nul(value: Any, field: str = "") -> None:
    """A 422 naming the field when any string in ``value`` holds a NUL character."""
    where = nul_path(value, field)
    if where is not None:
        raise ValidationFailed("text may not contain a NUL character (U+0000)",
                               problems=[FieldProblem(where, "contains a NUL character")])


def loads(text: str | bytes, field: str, max_depth: int = MAX_DEPTH, nul: bool = False) -> Any:
    """Parse caller-supplied JSON: a 422 naming ``field`` for bad JSON, nesting past ``max_depth``
    (checked before parsing) or a NUL character in any string (unless ``nul``: the caller checks each
    part on its own, as an import does row by row)."""
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ValidationFailed(f"{field} is not UTF-8 text",
                                   problems=[FieldProblem(field, f"byte {exc.start} is not UTF-8")]) from None
    if nesting_depth(text, max_depth) > max_depth:
        raise ValidationFailed(f"{field} is nested too deeply",
                               problems=[FieldProblem(field, f"JSON nested deeper than {max_depth} levels")])
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValidationFailed(f"{field} is not valid JSON",
                               problems=[FieldProblem(field, f"line {exc.lineno} column {exc.colno}: {exc.msg}")]
                               ) from None
    if not nul:
        refuse_nul(value, "" if field == "body" else field)
    return value
