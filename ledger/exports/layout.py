"""Where each file of a production volume lies (paths relative to the volume folder, '/'-separated)."""

from __future__ import annotations

FORMAT = "clearance-production/v1"
DATA = "DATA"
IMAGES = "IMAGES"
NATIVES = "NATIVES"
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


def proof_path(index: int) -> str:
    return f"{PROOFS}/{index}.tlog-proof"
