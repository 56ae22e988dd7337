"""Where each file of a production volume lies (paths relative to the volume folder, '/'-separated)."""

from __future__ import annotations

FORMAT = "clearance-production/v1"
DATA = "DATA"
IMAGES = "IMAGES"
NATIVES = "NATIVES"
TEXT = "TEXT"
LOG = "LOG"
PROOFS = "LOG/proofs"
REPORTS = "REPORTS"
DAT = "DATA/production.dat"
OPT = "DATA/production.opt"
PRIVILEGE_LOG = "DATA/privilege-log.csv"
EVENTS = "LOG/events.jsonl"
CHECKPOINT = "LOG/checkpoint.txt"
CHECKPOINT_TSR = "LOG/checkpoint.tsr"
PREVIOUS_CHECKPOINT = "LOG/previous-checkpoint.txt"
CONSISTENCY = "LOG/consistency-proof.txt"
CONSISTENCY_HEADER = "clearance.consistency-proof/v1"
CUSTODY_PDF = "REPORTS/chain-of-custody.pdf"
SUMMARY = "production.json"
MANIFEST = "MANIFEST.sha256"
EXPORT = "EXPORT"
EXPORT_EVENT = "EXPORT/export-event.json"
"""The logged ``export.produced`` event (leaf and payload): it commits to the manifest's SHA-256 and the counts."""
EXPORT_PROOF = "EXPORT/export-event.tlog-proof"
EXPORT_CHECKPOINT = "EXPORT/checkpoint.txt"
"""A signed checkpoint (C2SP signed note) covering the export event; witnesses' cosignature lines may follow."""
OUTSIDE_MANIFEST = (MANIFEST, EXPORT_EVENT, EXPORT_PROOF, EXPORT_CHECKPOINT)
"""Files the manifest cannot list: itself, and the proof of the event that commits to its hash."""
LOAD_FILES = ("DATA/production.dat", "DATA/production.opt", "DATA/privilege-log.csv", "LOG/events.jsonl",
              "production.json")
"""Files whose SHA-256 the export event names one by one, so an edit to one of them is named."""


def proof_path(index: int) -> str:
    return f"{PROOFS}/{index}.tlog-proof"
