"""JSON from callers, bounded: nesting depth checked before parsing, NUL characters refused, and only
values canonical JSON (RFC 8785) can write exactly.

``json.loads`` recurses once per nesting level, so a document nested 100,000 deep ends in a
``RecursionError`` (a 500) after the whole text was read into nested lists. :func:`nesting_depth`
measures the depth with one linear scan that never recurses, so a document past
:data:`MAX_DEPTH` is refused before the parser starts. A NUL character in a string is refused
too: PostgreSQL cannot store one in a text column and SQLite would keep it silently.

Every event payload is written as RFC 8785 canonical JSON, whose numbers are IEEE doubles: an
integer past +/-(2**53 - 1) would change value, ``NaN``, ``Infinity`` and overflowing numbers such
as ``1e400`` have no form at all, and a lone surrogate (``"\ud800"``) is not Unicode text. Python's
``json`` module accepts all of them, so :func:`unrepresentable` finds them, and :func:`loads` and
:func:`refuse_unrepresentable` refuse them naming the field, wherever input arrives (API body,
multipart field, CLI option, import file).
"""

from __future__ import annotations

import json
import math
from typing import Any

from ledger.errors import FieldProblem, ValidationFailed

MAX_DEPTH = 64
"""Deepest nesting of arrays and objects accepted; no record kind needs more than a handful."""

NUL = "\x00"

MAX_EXACT_INTEGER = 2**53 - 1
"""The largest integer canonical JSON (RFC 8785, I-JSON) writes exactly; its negative is the smallest."""


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


def _text_problem(text: str) -> str | None:
    if NUL in text:
        return "contains a NUL character"
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError as exc:
            return f"character {exc.start} is a lone surrogate (U+{ord(text[exc.start]):04X}), not Unicode text"
    return None


def _number_problem(value: Any) -> str | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        if -MAX_EXACT_INTEGER <= value <= MAX_EXACT_INTEGER:
            return None
        return f"integer {value} is past +/-(2**53 - 1) = {MAX_EXACT_INTEGER}, which JSON cannot carry exactly"
    if isinstance(value, float) and not math.isfinite(value):
        return f"{value} is not a finite number (NaN, Infinity and numbers past 1.8e308 have no JSON form)"
    return None


def unrepresentable(value: Any, path: str = "") -> tuple[str, str] | None:
    """``(dotted path, what is wrong)`` of the first value canonical JSON cannot write exactly: a string or
    key with a NUL or a lone surrogate, an integer past +/-(2**53 - 1), a non-finite float; else None."""
    stack: list[tuple[Any, str]] = [(value, path)]
    while stack:
        item, where = stack.pop()
        if isinstance(item, str):
            problem = _text_problem(item)
        elif isinstance(item, dict):
            problem = None
            for key, child in item.items():
                name = f"{where}.{key}" if where else str(key)
                key_problem = _text_problem(key) if isinstance(key, str) else None
                if key_problem is not None:
                    return (where or "(value)"), f"a key {key_problem}"
                stack.append((child, name))
        elif isinstance(item, (list, tuple)):
            problem = None
            stack.extend((child, f"{where}[{i}]") for i, child in enumerate(item))
        else:
            problem = _number_problem(item)
        if problem is not None:
            return (where or "(value)"), problem
    return None


def refuse_unrepresentable(value: Any, field: str = "") -> None:
    """A 422 naming the field when ``value`` holds anything canonical JSON cannot write exactly
    (see :func:`unrepresentable`)."""
    found = unrepresentable(value, field)
    if found is not None:
        where, problem = found
        detail = ("text may not contain a NUL character (U+0000)" if "NUL" in problem
                  else "a value canonical JSON (RFC 8785) cannot write exactly")
        raise ValidationFailed(detail, problems=[FieldProblem(where, problem)])


def refuse_nul(value: Any, field: str = "") -> None:
    """A 422 naming the field when any string in ``value`` holds a NUL character."""
    where = nul_path(value, field)
    if where is not None:
        raise ValidationFailed("text may not contain a NUL character (U+0000)",
                               problems=[FieldProblem(where, "contains a NUL character")])


def loads(text: str | bytes, field: str, max_depth: int = MAX_DEPTH, nul: bool = False) -> Any:
    """Parse caller-supplied JSON: a 422 naming ``field`` for bad JSON, nesting past ``max_depth``
    (checked before parsing), or a NUL character, lone surrogate, integer past 2**53 or non-finite
    number anywhere in it (unless ``nul``: the caller checks each part on its own, as an import does
    row by row)."""
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
        refuse_unrepresentable(value, "" if field == "body" else field)
    return value
