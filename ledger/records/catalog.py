"""What kinds of record exist: names, plurals, id prefixes and what may happen to them.

This is the part of the record-kind registry that needs no models, so the CLI can
lay out its ``clearance <kind> ...`` commands (and answer ``--help``) without
loading the database layer. :mod:`ledger.records.kinds` pairs each entry with its
fields and table.
"""

from __future__ import annotations

from dataclasses import dataclass

from ledger.errors import NotFound


@dataclass(frozen=True)
class KindInfo:
    name: str
    plural: str
    id_prefix: str
    summary: str
    revocable: bool = False
    amendable: bool = False
    """Grants (licenses, consents, estate permissions) change by a logged amendment."""

    @property
    def command(self) -> str:
        """The CLI command group: ``estate-permission``."""
        return self.name.replace("_", "-")


CATALOG: dict[str, KindInfo] = {k.name: k for k in (
    KindInfo("party", "parties", "pty", "People, organisations and estates"),
    KindInfo("license", "licenses", "lic", "Licenses for training assets and reference works",
             revocable=True, amendable=True),
    KindInfo("asset", "assets", "ast", "Training assets, reference works and likeness references"),
    KindInfo("consent", "consents", "cns", "Performer consents for digital replicas (AB 2602)",
             revocable=True, amendable=True),
    KindInfo("estate_permission", "estate-permissions", "est",
             "Estate permissions for deceased personalities (AB 1836)", revocable=True, amendable=True),
    KindInfo("opt_out", "opt-outs", "opt", "Training and data-mining opt-out signals read from assets"),
    KindInfo("dataset", "datasets", "dst", "Datasets"),
    KindInfo("dataset_version", "dataset-versions", "dsv", "Frozen dataset versions and their assets"),
    KindInfo("model", "models", "mdl", "Models and the dataset versions they were trained on"),
    KindInfo("model_license", "model-licenses", "mlc",
             "Licenses of a model to another party (templates for their fine-tunes)", revocable=True, amendable=True),
    KindInfo("legal_hold", "legal-holds", "hld", "Legal holds: records that may not be redacted or changed"),
)}


def info_named(name: str) -> KindInfo:
    """A kind by its name or plural, with ``-`` or ``_`` (``estate-permissions``, ``legal_hold``)."""
    normalised = name.replace("-", "_")
    for info in CATALOG.values():
        if normalised in (info.name, info.plural.replace("-", "_")):
            return info
    raise NotFound(f"unknown record kind {name!r}; known kinds: {', '.join(CATALOG)}")
