"""Read, validate and hash a directory of Cedar policy files.

A directory holds exactly one ``*.cedarschema`` file and any number of
``*.cedar`` files. Loading fails with :class:`PolicyLoadError`, naming every
file and line at fault, when the schema does not parse, a policy file does
not parse or does not validate against the schema, or a policy lacks its
annotations:

* ``@id("...")``: unique across the directory (``engine.`` is reserved);
* ``@sentence("...")``: the plain-English rule reports show;
* ``@verdict("...")``: ``pass`` for a permit, ``review`` or ``block`` for a forbid.

Two more are read when present (the shipped policies all carry them):

* ``@clause("...")``: the statute clause, contract term or house rule the policy encodes;
* ``@jurisdiction("...")``: whose law it is: ``US-CA``, ``US-NY``, ``US-TN`` (a state's pack),
  ``US`` (federal), ``EU``, ``contract`` (the grant's own terms) or ``house`` (the studio's rule);
* ``@facts("...")``: space-separated request paths (``context.consent.performance_fixed_ymd``,
  ``resource.death_ymd``) whose values decide it; each reason quotes them.

Cedar reports no source positions, so lines are found here: each file is cut
into its policies (Cedar numbers them ``policy0``, ``policy1``... in order),
and a validation error is pinned to the first line of its policy (outside
annotations and comments) that names the attribute, type or action the error
quotes, else to the policy's first line.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cedarpy

from policies.decision import PolicyInfo, Verdict
from policies.errors import PolicyLoadError, PolicyProblem

DEFAULT_DIRECTORY = Path(__file__).resolve().parent
RESERVED_PREFIX = "engine."
_ALLOWED_VERDICTS = {"permit": {Verdict.PASS}, "forbid": {Verdict.REVIEW, Verdict.BLOCK}}
_QUOTED = re.compile(r"`([^`]+)`")
_FACT_PATH = re.compile(r"^(context|resource)(\.[A-Za-z_][A-Za-z0-9_]*)+$")


@dataclass(frozen=True)
class Statement:
    """One policy's source text and the 1-based line it starts on."""

    line: int
    text: str


@dataclass(frozen=True)
class LoadedPolicies:
    """A validated policy directory, ready for the engine."""

    directory: Path
    schema: cedarpy.Schema
    policy_set: cedarpy.PolicySet
    policies: dict[str, PolicyInfo]
    cedar_ids: dict[str, str]  # Cedar's positional id (policy0...) -> @id
    policy_set_hash: str
    files: list[Path]


def split_statements(text: str) -> list[Statement]:
    """Cut Cedar policy text into policies at each ``;`` outside strings and comments.

    Trailing text without a closing ``;`` is returned as a last statement so a
    missing semicolon is reported at the right place.
    """
    statements: list[Statement] = []
    start: int | None = None
    line = 1
    start_line = 1
    i = 0
    in_string = False
    while i < len(text):
        ch = text[i]
        if in_string:
            if ch == "\\":
                i += 1
            elif ch == '"':
                in_string = False
        elif ch == "/" and text.startswith("//", i):
            end = text.find("\n", i)
            i = len(text) if end == -1 else end
            continue
        elif ch == ";":
            if start is not None:
                statements.append(Statement(start_line, text[start : i + 1]))
            start = None
        elif not ch.isspace():
            if start is None:
                start, start_line = i, line
            if ch == '"':
                in_string = True
        if i < len(text) and text[i] == "\n":
            line += 1
        i += 1
    if start is not None:
        statements.append(Statement(start_line, text[start:]))
    return statements


def _pinpoint(statement: Statement, message: str, skip: set[str]) -> int:
    """The line inside ``statement`` that names something the error message quotes."""
    for token in _QUOTED.findall(message):
        if token in skip:
            continue
        name = token.rsplit("::", 1)[-1].strip('"')
        pattern = re.compile(rf"(?<![\w:]){re.escape(name)}(?!\w)")
        for offset, source_line in enumerate(statement.text.splitlines()):
            code = source_line.split("//", 1)[0]
            if code.lstrip().startswith("@"):  # annotations are prose, not the policy's logic
                continue
            if pattern.search(code):
                return statement.line + offset
    return statement.line


def policy_set_hash(files: list[Path]) -> str:
    """SHA-256 over the files sorted by name: each as name, NUL, byte length, NUL, bytes."""
    digest = hashlib.sha256()
    for path in sorted(files, key=lambda p: p.name):
        data = path.read_bytes()
        digest.update(path.name.encode() + b"\0" + str(len(data)).encode() + b"\0")
        digest.update(data)
    return digest.hexdigest()


def _find_schema(directory: Path) -> Path:
    schemas = sorted(directory.glob("*.cedarschema"))
    if len(schemas) != 1:
        found = ", ".join(p.name for p in schemas) or "none"
        raise PolicyLoadError(
            f"{directory} must hold exactly one *.cedarschema file (found: {found})",
            [PolicyProblem(str(directory), None, "expected exactly one schema file")],
        )
    return schemas[0]


def _load_schema(path: Path) -> cedarpy.Schema:
    try:
        return cedarpy.Schema.from_str(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise PolicyLoadError(
            f"schema {path.name} does not parse", [PolicyProblem(path.name, None, str(exc))]
        ) from exc


def _parse_problems(path: Path, statements: list[Statement]) -> list[PolicyProblem]:
    """Find which policies of a file that does not parse are at fault."""
    problems = []
    for statement in statements:
        try:
            cedarpy.PolicySet.from_str(statement.text)
        except ValueError as exc:
            problems.append(PolicyProblem(path.name, statement.line, f"does not parse: {exc}"))
    return problems or [PolicyProblem(path.name, None, "does not parse")]


def _annotation_problems(
    path: Path, statements: list[Statement], est: dict[str, Any], seen: dict[str, PolicyInfo]
) -> tuple[list[PolicyInfo], list[PolicyProblem]]:
    """Check each policy's annotations; return the policies and what is wrong."""
    infos: list[PolicyInfo] = []
    problems: list[PolicyProblem] = []
    if est.get("templates"):
        problems.append(PolicyProblem(path.name, None, "templates (?principal/?resource) are not supported"))
    for index, statement in enumerate(statements):
        body = est["staticPolicies"].get(f"policy{index}")
        if body is None:
            continue
        notes = body.get("annotations", {})
        effect = body["effect"]
        missing = [key for key in ("id", "sentence", "verdict") if not (notes.get(key) or "").strip()]
        policy_id: str | None = notes.get("id") or None
        if missing or policy_id is None:  # a missing @id is among ``missing``
            problems.append(PolicyProblem(path.name, statement.line,
                                          f"missing annotation(s): {', '.join('@' + m for m in missing)}",
                                          policy_id))
            continue
        try:
            verdict = Verdict(notes["verdict"])
        except ValueError:
            verdict = None
        if verdict not in _ALLOWED_VERDICTS[effect]:
            allowed = " or ".join(sorted(v.value for v in _ALLOWED_VERDICTS[effect]))
            problems.append(PolicyProblem(path.name, statement.line,
                                          f'@verdict("{notes["verdict"]}") on a {effect}: expected {allowed}',
                                          policy_id))
            continue
        if policy_id.startswith(RESERVED_PREFIX):
            problems.append(PolicyProblem(path.name, statement.line,
                                          f"ids starting with {RESERVED_PREFIX!r} are reserved", policy_id))
            continue
        if policy_id in seen:
            first = seen[policy_id]
            problems.append(PolicyProblem(path.name, statement.line,
                                          f"duplicate @id, first used at {first.file}:{first.line}", policy_id))
            continue
        facts = tuple((notes.get("facts") or "").split())
        bad = [f for f in facts if not _FACT_PATH.fullmatch(f)]
        if bad:
            problems.append(PolicyProblem(path.name, statement.line,
                                          f"@facts paths must start with context. or resource.: {', '.join(bad)}",
                                          policy_id))
            continue
        info = PolicyInfo(id=policy_id, sentence=notes["sentence"].strip(), verdict=verdict,
                          effect=effect, file=path.name, line=statement.line,
                          clause=(notes.get("clause") or "").strip() or None, facts=facts,
                          jurisdiction=(notes.get("jurisdiction") or "").strip() or None)
        seen[policy_id] = info
        infos.append(info)
    return infos, problems


def _check_file(path: Path, schema: cedarpy.Schema,
                seen: dict[str, PolicyInfo]) -> tuple[str, list[PolicyInfo], list[PolicyProblem]]:
    text = path.read_text(encoding="utf-8")
    statements = split_statements(text)
    try:
        cedarpy.PolicySet.from_str(text)
    except ValueError:
        return text, [], _parse_problems(path, statements)
    problems: list[PolicyProblem] = []
    result = cedarpy.validate_policies(text, schema)
    for error in result.errors:
        index = int(error.policy_id.removeprefix("policy")) if error.policy_id.startswith("policy") else -1
        statement = statements[index] if 0 <= index < len(statements) else None
        line = _pinpoint(statement, error.error, {error.policy_id}) if statement else None
        annotated_id = result.id_annotations_by_policy_id.get(error.policy_id)
        message = error.error.replace(f"for policy `{error.policy_id}`, ", "")
        problems.append(PolicyProblem(path.name, line, message, annotated_id))
    est = json.loads(cedarpy.policies_to_json_str(text))
    infos, annotation_problems = _annotation_problems(path, statements, est, seen)
    return text, infos, problems + annotation_problems


def load_directory(directory: Path | str | None = None) -> LoadedPolicies:
    """Load, validate and hash the policy directory (default: this package's)."""
    root = Path(directory) if directory is not None else DEFAULT_DIRECTORY
    if not root.is_dir():
        raise PolicyLoadError(f"policy directory {root} does not exist")
    schema_path = _find_schema(root)
    schema = _load_schema(schema_path)
    policy_paths = sorted(root.glob("*.cedar"), key=lambda p: p.name)
    if not policy_paths:
        raise PolicyLoadError(f"no *.cedar policy files in {root}")

    texts: list[str] = []
    problems: list[PolicyProblem] = []
    seen: dict[str, PolicyInfo] = {}
    for path in policy_paths:
        text, _, file_problems = _check_file(path, schema, seen)
        texts.append(text)
        problems.extend(file_problems)
    if problems:
        files = sorted({p.file for p in problems})
        raise PolicyLoadError(f"{len(problems)} problem(s) in {', '.join(files)}", problems)

    combined = "\n".join(texts)
    policy_set = cedarpy.PolicySet.from_str(combined)
    est = json.loads(cedarpy.policies_to_json_str(combined))
    return LoadedPolicies(
        directory=root,
        schema=schema,
        policy_set=policy_set,
        policies=seen,
        cedar_ids={pid: body["annotations"]["id"] for pid, body in est["staticPolicies"].items()},
        policy_set_hash=policy_set_hash([schema_path, *policy_paths]),
        files=[schema_path, *policy_paths],
    )
