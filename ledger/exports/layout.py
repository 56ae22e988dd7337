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
SIGNING_CERT = "REPORTS/production-signing-cert.pem"
"""The self-issued certificate of the production-signing key, which signs the custody certificate."""
SUMMARY = "production.json"
MANIFEST = "MANIFEST.sha256"
EXPORT = "EXPORT"
EXPORT_EVENT = "EXPORT/export-event.json"
"""The logged ``export.produced`` event (leaf and payload): it commits to the manifest's SHA-256 and the counts."""
EXPORT_PROOF = "EXPORT/export-event.tlog-proof"
EXPORT_CHECKPOINT = "EXPORT/checkpoint.txt"
"""A signed checkpoint (C2SP signed note) covering the export event; witnesses' cosignature lines may follow."""
CUSTODY_PDF = "EXPORT/chain-of-custody.pdf"
"""The signed chain-of-custody certificate: it names the export event and the manifest's hash, so it comes after."""
OUTSIDE_MANIFEST = (MANIFEST, EXPORT_EVENT, EXPORT_PROOF, EXPORT_CHECKPOINT, CUSTODY_PDF)
"""Files the manifest cannot list: itself, the proof of the event that commits to its hash, and the certificate
that names both (protected by its own signature, checked with ``SIGNING_CERT``, which the manifest lists)."""
LOAD_FILES = ("DATA/production.dat", "DATA/production.opt", "DATA/privilege-log.csv", "LOG/events.jsonl",
              "production.json")
"""Files whose SHA-256 the export event names one by one, so an edit to one of them is named."""


def proof_path(index: int) -> str:
    return f"{PROOFS}/{index}.tlog-proof"
