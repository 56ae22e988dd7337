"""``clearance model add --parent ID:RELATIONSHIP[:SHA256]`` and the lineage tree of ``model show``."""

from __future__ import annotations

from typing import Any

from rich.tree import Tree

from ledger.errors import FieldProblem, ValidationFailed
from ledger.records.enums import ModelRelationship

RELATIONSHIPS = ", ".join(r.value for r in ModelRelationship)


def parse_parents(values: list[str]) -> list[dict[str, Any]]:
    """``ID:fine_tuned_from`` or ``ID:fine_tuned_from:<parent checkpoint sha256>`` -> ``parents`` items."""
    parents = []
    for value in values:
        model_id, _, rest = value.partition(":")
        relationship, _, checkpoint = rest.partition(":")
        if not model_id or not relationship:
            raise ValidationFailed("--parent is ID:RELATIONSHIP[:CHECKPOINT_SHA256]",
                                   problems=[FieldProblem("--parent", f"{value!r}: relationship is one of "
                                                          f"{RELATIONSHIPS}")])
        item: dict[str, Any] = {"model_id": model_id, "relationship": relationship}
        if checkpoint:
            item["checkpoint_sha256"] = checkpoint
        parents.append(item)
    return parents


def _label(node: dict[str, Any]) -> str:
    text = f"[bold]{node['model_id']}[/bold] {node['name']} {node['version']}"
    if node.get("developer_id"):
        text += f" (developer {node['developer_id']})"
    if node.get("relationship"):
        text = f"[cyan]{node['relationship']}[/cyan] " + text
    if node.get("checkpoint_sha256"):
        text += f" checkpoint {node['checkpoint_sha256'][:12]}…"
    return text


def lineage_tree(root: dict[str, Any]) -> Tree:
    """A rich tree of a model (``LineageNode.as_json``) and its ancestors."""
    tree = Tree(_label(root))

    def grow(branch: Tree, node: dict[str, Any]) -> None:
        for parent in node["parents"]:
            grow(branch.add(_label(parent)), parent)

    grow(tree, root)
    return tree
