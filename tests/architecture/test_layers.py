"""The layer contracts, read from the source: which packages may import which, and no import circles.

Every import counts, also one inside a function body, except those under
``if TYPE_CHECKING:`` (they never run). CI also runs import-linter with the
contracts in ``pyproject.toml``; this test says the same in plain Python and adds
the one thing import-linter does not check: no circle between any two modules.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("ledger", "policies", "embeddings")
FEATURES = ("ledger.records", "ledger.checks", "ledger.fingerprints", "ledger.provenance", "ledger.audit",
            "ledger.exports",
            "ledger.api", "ledger.cli", "ledger.demo", "ledger.auth", "ledger.context", "ledger.signing",
            "ledger.setup", "ledger.media_store", "ledger.observability")
LOG_MAY_IMPORT = ("ledger.log", "ledger.errors", "ledger.settings", "ledger.fsutil", "ledger.db", "ledger.dbapi",
                  "ledger.batching")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or \
        (isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _imports(tree: ast.AST, module: str, is_package: bool, modules: set[str]) -> Iterator[str]:
    """The modules this one imports; ``from package import submodule`` names the submodule, as grimp does."""
    package = module if is_package else module.rpartition(".")[0]
    stack: list[ast.AST] = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.If) and _is_type_checking(node):
            stack.extend(node.orelse)
            continue
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[:len(anchor) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                yield f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base
        stack.extend(ast.iter_child_nodes(node))


def _graph() -> dict[str, set[str]]:
    files = {(_module_name(p), p) for package in PACKAGES for p in (ROOT / package).rglob("*.py")}
    modules = {name for name, _ in files}
    graph: dict[str, set[str]] = {}
    for name, path in files:
        tree = ast.parse(path.read_text(), filename=str(path))
        targets = {t for t in _imports(tree, name, path.name == "__init__.py", modules) if t in modules}
        graph[name] = targets - {name}
    return graph


GRAPH = _graph()


def _violations(importer: str, forbidden: tuple[str, ...], allowed: tuple[str, ...] = ()) -> list[str]:
    def inside(module: str, prefixes: tuple[str, ...]) -> bool:
        return any(module == p or module.startswith(p + ".") for p in prefixes)

    return sorted(f"{source} -> {target}" for source, targets in GRAPH.items() if inside(source, (importer,))
                  for target in targets if inside(target, forbidden) and not inside(target, allowed))


@pytest.mark.parametrize("package", ["embeddings", "policies"])
def test_embeddings_and_policies_never_import_the_ledger(package: str) -> None:
    assert _violations(package, ("ledger",)) == []


def test_embeddings_and_policies_know_nothing_of_each_other() -> None:
    assert _violations("embeddings", ("policies",)) == [] and _violations("policies", ("embeddings",)) == []


def test_the_log_imports_nothing_above_it() -> None:
    assert _violations("ledger.log", ("ledger",), allowed=LOG_MAY_IMPORT) == []


def _cycles() -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan's algorithm, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    found: list[list[str]] = []
    counter = 0
    for root in sorted(GRAPH):
        if root in index:
            continue
        work = [(root, iter(sorted(GRAPH[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(GRAPH[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_no_import_circles() -> None:
    assert _cycles() == []


def test_the_contracts_see_real_imports() -> None:
    """Guard against a parser that finds nothing: known arrows must be present."""
    assert "ledger.log.store" in GRAPH["ledger.log.writer"]
    assert "ledger.context" in GRAPH["ledger.checks.service"]
    assert "policies" in GRAPH["ledger.checks.decide"] or "policies.engine" in GRAPH["ledger.checks.decide"]
