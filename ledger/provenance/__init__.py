"""C2PA provenance for Clearance: sign cleared clips, verify any file, read manifests on ingest.

Standalone: this package takes paths, bytes and plain values and returns frozen
dataclasses; of the rest of ``ledger`` it imports only ``ledger.errors``.

* keys: :func:`create_dev_ca`, :class:`SigningIdentity` (PEM files or a KMS/HSM callback)
* trust: :class:`TrustSettings`
* signing: :func:`sign_clip`, :func:`sign_clip_bytes` -> :class:`SignedClip`
* verifying and reading: :func:`verify_file`, :func:`verify_bytes` -> :class:`VerificationResult`
"""

from ledger.provenance.assertions import (
    CLEARANCE_LABEL, NO_AI_TRAINING, TRAINED_ALGORITHMIC_MEDIA, ClearanceRelease,
    TrainingMiningEntry,
)
from ledger.provenance.disclosure import DISCLOSURE_LABEL, AiDisclosure, VisibleLabel, read_disclosure
from ledger.provenance.keys import (
    DevCredentials, SigningIdentity, create_dev_ca, ecdsa_der_to_raw, signing_certificate_problems,
)
from ledger.provenance.media import SIGNABLE_TYPES
from ledger.provenance.sign import (
    GeneratingModel, ReferenceInput, SignedClip, sign_clip, sign_clip_bytes,
)
from ledger.provenance.trust import TrustSettings
from ledger.provenance.verify import (
    Action, Ingredient, Manifest, Signer, StatusCode, VerificationResult, verify_bytes, verify_file,
)

__all__ = [
    "CLEARANCE_LABEL", "DISCLOSURE_LABEL", "NO_AI_TRAINING", "SIGNABLE_TYPES", "TRAINED_ALGORITHMIC_MEDIA",
    "Action", "AiDisclosure", "ClearanceRelease", "DevCredentials", "GeneratingModel", "Ingredient", "Manifest",
    "ReferenceInput", "SignedClip", "Signer", "SigningIdentity", "StatusCode",
    "TrainingMiningEntry", "TrustSettings", "VerificationResult", "VisibleLabel", "create_dev_ca",
    "ecdsa_der_to_raw", "read_disclosure", "sign_clip", "sign_clip_bytes", "signing_certificate_problems",
    "verify_bytes", "verify_file",
]
