"""Read and verify the C2PA manifest of any file, and say in words what is wrong.

:func:`verify_file` never raises for what it finds in a file: no manifest gives
``state == "NoManifest"``; a manifest c2pa cannot parse gives ``Invalid`` with a
``clearance.manifest.unreadable`` code. It raises only when the file cannot be
read at all (:class:`ledger.errors.MediaRejected`) or the trust settings are
unusable (:class:`ledger.errors.ConfigurationError`).

What tampering looks like here:

* changed media bytes, or a manifest moved from another clip: the hard binding
  (``assertion.dataHash.mismatch`` / ``assertion.bmffHash.mismatch``) fails;
* an edited assertion: ``assertion.hashedURI.mismatch``; an edited claim or a
  forged signature: ``claimSignature.mismatch``;
* a replaced, validly signed manifest: the signer is outside the trust anchors
  (``signingCredential.untrusted``), or ``manifest_sha256`` differs from the one
  logged at signing (pass ``expected_manifest_sha256``);
* a Clearance assertion that names another clip: pass ``expected_clip_sha256``
  (the hash the log records for the check). Checking the assertion's log entry
  against a signed checkpoint is the ledger's job; this module returns its fields.
"""

from __future__ import annotations

import hashlib
import io
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from ledger.errors import MediaRejected, ValidationFailed
from ledger.provenance._files import sha256_file
from ledger.provenance.assertions import (
    CLEARANCE_LABEL, TRAINING_MINING_LABELS, ClearanceRelease, TrainingMiningEntry,
    parse_training_mining,
)
from ledger.provenance.jumbf import extract_manifest_store
from ledger.provenance.media import sniff_media_type
from ledger.provenance.trust import TrustSettings, make_context

if TYPE_CHECKING:  # c2pa (~0.15 s to import) loads when a manifest is read or signed
    import c2pa

State = Literal["Trusted", "Valid", "Invalid", "NoManifest"]

UNREADABLE = "clearance.manifest.unreadable"
CLIP_MISMATCH = "clearance.clipHash.mismatch"
MANIFEST_MISMATCH = "clearance.manifestHash.mismatch"
CLEARANCE_MALFORMED = "clearance.assertion.malformed"

_HARD_BINDING = ("assertion.dataHash.mismatch", "assertion.bmffHash.mismatch",
                 "assertion.boxesHash.mismatch", "assertion.collectionHash.mismatch")
_READABLE = {
    **{code: "the media bytes do not match the manifest's hard binding: the content was "
             "changed after signing, or the manifest was moved here from another file"
       for code in _HARD_BINDING},
    "assertion.hashedURI.mismatch": "an assertion was edited after signing (its hash no "
                                    "longer matches the one the claim signed)",
    "assertion.missing": "an assertion the claim signed is missing from the manifest",
    "claimSignature.mismatch": "the claim signature does not verify: the manifest was edited "
                               "or its signature forged",
    "claimSignature.missing": "the manifest has no claim signature",
    "signingCredential.untrusted": "the signing certificate does not chain to a configured "
                                   "trust anchor",
    "signingCredential.invalid": "the signing certificate is not acceptable for C2PA signing",
    "signingCredential.expired": "the signing certificate had expired when it signed",
    "signingCredential.revoked": "the signing certificate has been revoked",
    "claim.missing": "the manifest store has no claim",
    "manifest.missing": "the active manifest is missing",
}


@dataclass(frozen=True)
class StatusCode:
    """One C2PA validation status entry (or a Clearance check, ``clearance.*``)."""

    code: str
    explanation: str | None = None
    url: str | None = None


@dataclass(frozen=True)
class Signer:
    issuer: str | None
    common_name: str | None
    alg: str | None
    serial_number: str | None
    time: str | None


@dataclass(frozen=True)
class Action:
    action: str
    digital_source_type: str | None
    software_agent: str | None
    ingredient_urls: tuple[str, ...]
    parameters: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Ingredient:
    title: str | None
    format: str | None
    relationship: str | None
    instance_id: str | None
    label: str | None
    active_manifest: str | None
    description: str | None


@dataclass(frozen=True)
class Manifest:
    """The parts of one manifest that Clearance records."""

    label: str
    claim_generator: str | None
    title: str | None
    format: str | None
    signer: Signer
    actions: tuple[Action, ...]
    ingredients: tuple[Ingredient, ...]
    assertions: dict[str, Any]
    training_mining: tuple[TrainingMiningEntry, ...]
    training_mining_label: str | None
    clearance: ClearanceRelease | None
    instance_id: str | None = None

    @property
    def opt_outs(self) -> tuple[TrainingMiningEntry, ...]:
        """Training-mining entries that are opt-out signals (``notAllowed`` or ``constrained``)."""
        return tuple(e for e in self.training_mining if e.opt_out)


@dataclass(frozen=True)
class VerificationResult:
    """Everything :func:`verify_file` found. ``reasons`` are sentences for people."""

    source: str
    media_type: str | None
    file_sha256: str
    state: State
    failures: tuple[StatusCode, ...] = ()
    ingredient_failures: tuple[StatusCode, ...] = ()
    informational: tuple[StatusCode, ...] = ()
    active_manifest: Manifest | None = None
    manifest_count: int = 0
    manifest_sha256: str | None = None
    reasons: tuple[str, ...] = ()

    @property
    def has_manifest(self) -> bool:
        return self.state != "NoManifest"

    @property
    def trusted(self) -> bool:
        """Valid, signed by a trust anchor's certificate, and no Clearance check failed."""
        return self.state == "Trusted" and not self.failures

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(f.code for f in self.failures)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form for ``clearance verify --json`` and ``POST /v1/verify``."""
        out = asdict(self)
        out["has_manifest"] = self.has_manifest
        out["trusted"] = self.trusted
        if self.active_manifest is not None:
            out["active_manifest"]["training_mining"] = [
                {"key": e.key, "use": e.use, "constraint_info": e.constraint_info,
                 "effective_use": e.effective_use, "opt_out": e.opt_out}
                for e in self.active_manifest.training_mining]
        return out


def _codes(entries: Any) -> tuple[StatusCode, ...]:
    if not isinstance(entries, list):
        return ()
    return tuple(StatusCode(str(e.get("code")), e.get("explanation"), e.get("url"))
                 for e in entries if isinstance(e, dict) and e.get("code"))


def _agent(value: Any) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and value.get("name"):
        return " ".join(str(value[k]) for k in ("name", "version") if value.get(k))
    return None


def _actions(assertions: list[dict[str, Any]]) -> tuple[Action, ...]:
    found: list[Action] = []
    for assertion in assertions:
        if not str(assertion.get("label", "")).startswith("c2pa.actions"):
            continue
        for item in (assertion.get("data") or {}).get("actions") or []:
            params = item.get("parameters") or {}
            urls = tuple(i.get("url", "") for i in params.get("ingredients") or []
                         if isinstance(i, dict))
            if isinstance(params.get("ingredient"), dict):  # v1 actions: a single ingredient
                urls += (params["ingredient"].get("url", ""),)
            found.append(Action(str(item.get("action")), item.get("digitalSourceType"),
                                _agent(item.get("softwareAgent")), urls, dict(params)))
    return tuple(found)


def _manifest(label: str, data: dict[str, Any], reasons: list[str],
              failures: list[StatusCode]) -> Manifest:
    assertions = [a for a in data.get("assertions") or [] if isinstance(a, dict)]
    by_label = {str(a.get("label")): a.get("data") for a in assertions}
    sig = data.get("signature_info") or {}
    generator = data.get("claim_generator")
    if not generator and data.get("claim_generator_info"):
        generator = _agent(data["claim_generator_info"][0])
    training: tuple[TrainingMiningEntry, ...] = ()
    training_label: str | None = None
    for candidate in TRAINING_MINING_LABELS:
        if candidate in by_label:
            training, training_label = tuple(parse_training_mining(by_label[candidate])), candidate
            break
    clearance = None
    if CLEARANCE_LABEL in by_label:
        try:
            clearance = ClearanceRelease.from_assertion_data(by_label[CLEARANCE_LABEL] or {})
        except ValidationFailed as exc:
            fields = ", ".join(f"{p.field} ({p.message})" for p in exc.problems)
            failures.append(StatusCode(CLEARANCE_MALFORMED, f"malformed fields: {fields}"))
            reasons.append(f"the Clearance assertion is malformed: {fields}")
    return Manifest(
        label=label, claim_generator=generator, title=data.get("title"), format=data.get("format"),
        signer=Signer(sig.get("issuer"), sig.get("common_name"), sig.get("alg"),
                      sig.get("cert_serial_number"), sig.get("time")),
        actions=_actions(assertions),
        ingredients=tuple(Ingredient(i.get("title"), i.get("format"), i.get("relationship"),
                                     i.get("instance_id"), i.get("label"),
                                     i.get("active_manifest"), i.get("description"))
                          for i in data.get("ingredients") or [] if isinstance(i, dict)),
        assertions=by_label, training_mining=training, training_mining_label=training_label,
        clearance=clearance, instance_id=data.get("instance_id") if isinstance(data.get("instance_id"), str) else None)


def _reason(code: StatusCode) -> str:
    return _READABLE.get(code.code) or f"{code.code}: {code.explanation or 'validation failed'}"


class _Unsupported(Exception):
    """c2pa cannot carry a manifest in this format at all."""


def _read(stream: Any, media_type: str | None, context: c2pa.Context,
          manifest_data: bytes | None = None) -> dict[str, Any] | str | None:
    """The parsed manifest store, None for no manifest, or the error text if unreadable.

    ``manifest_data``: a manifest store obtained apart from the file (a recovered one), validated against it.
    """
    import c2pa

    try:
        reader = c2pa.Reader.try_create(media_type, stream, manifest_data, context)
    except c2pa.C2paError.NotSupported:
        raise _Unsupported() from None
    except c2pa.C2paError as exc:
        return str(exc) or type(exc).__name__
    if reader is None:
        return None
    with reader:
        try:
            # json.loads returns Any; a manifest store is a JSON object
            store: dict[str, Any] = json.loads(reader.json())
            return store
        except (c2pa.C2paError, ValueError) as exc:
            return str(exc) or type(exc).__name__


def _verify(stream: Any, source: str, media_type: str | None, file_sha256: str,
            store_bytes: bytes | None, trust: TrustSettings | None,
            expected_clip_sha256: str | None, expected_manifest_sha256: str | None,
            manifest_data: bytes | None = None) -> VerificationResult:
    context = make_context(trust)
    try:
        store = _read(stream, media_type, context, manifest_data)
    except _Unsupported:
        return VerificationResult(source, media_type, file_sha256, "NoManifest",
                                  reasons=(f"{source} is not a format that can carry a C2PA "
                                           "manifest",))
    finally:
        context.close()
    manifest_sha256 = hashlib.sha256(store_bytes).hexdigest() if store_bytes else None
    if store is None:
        return VerificationResult(source, media_type, file_sha256, "NoManifest",
                                  reasons=(f"{source} carries no C2PA manifest",))
    if isinstance(store, str):
        code = StatusCode(UNREADABLE, store)
        return VerificationResult(source, media_type, file_sha256, "Invalid", failures=(code,),
                                  manifest_sha256=manifest_sha256,
                                  reasons=(f"{source} has a C2PA manifest that cannot be read "
                                           f"({store})",))
    results = store.get("validation_results") or {}
    active = results.get("activeManifest") or {}
    failures = list(_codes(active.get("failure")))
    if not results and store.get("validation_status"):  # older readers: flat list of failures
        failures = list(_codes(store.get("validation_status")))
    ingredient_failures = tuple(code for delta in results.get("ingredientDeltas") or []
                                for code in _codes((delta.get("validationDeltas") or {})
                                                   .get("failure")))
    state: State = store.get("validation_state") or ("Invalid" if failures else "Valid")
    c2pa_failures = len(failures)  # later entries are Clearance's own checks
    reasons = list(dict.fromkeys(_reason(code) for code in failures))
    manifests = store.get("manifests") or {}
    label = store.get("active_manifest")
    manifest = None
    if isinstance(label, str) and label in manifests:  # JSON keys are strings
        manifest = _manifest(label, manifests[label], reasons, failures)
    else:
        failures.append(StatusCode("manifest.missing", "no active manifest in the store"))
        reasons.append(_READABLE["manifest.missing"])
    clearance = manifest.clearance if manifest else None
    if clearance is not None and state == "Valid":
        reasons.append("the Clearance assertion is not signed by a trusted Clearance signer, "
                       "so it may be forged")
    if expected_clip_sha256 and (clearance is None or clearance.clip_sha256 != expected_clip_sha256):
        failures.append(StatusCode(CLIP_MISMATCH, f"expected clip {expected_clip_sha256}"))
        reasons.append("the Clearance assertion does not describe the clip the log records "
                       "for this check")
    if expected_manifest_sha256 and manifest_sha256 != expected_manifest_sha256:
        failures.append(StatusCode(MANIFEST_MISMATCH, f"expected {expected_manifest_sha256}"))
        reasons.append("the manifest is not the one logged when the clip was signed: it was "
                       "replaced")
    if ingredient_failures and state != "Invalid":
        reasons.append("an ingredient's own manifest did not validate: "
                       + "; ".join(dict.fromkeys(_reason(c) for c in ingredient_failures)))
    if state == "Valid" and not reasons:
        reasons.append("the manifest is valid but not trusted under the configured trust anchors")
    return VerificationResult(
        source=source, media_type=media_type, file_sha256=file_sha256,
        state="Invalid" if len(failures) > c2pa_failures else state,
        failures=tuple(failures), ingredient_failures=ingredient_failures,
        informational=_codes(active.get("informational")), active_manifest=manifest,
        manifest_count=len(manifests), manifest_sha256=manifest_sha256, reasons=tuple(reasons))


def verify_file(path: Path, *, trust: TrustSettings | None,
                expected_clip_sha256: str | None = None,
                expected_manifest_sha256: str | None = None) -> VerificationResult:
    """Verify the file at ``path`` under ``trust`` (None: no anchors, so never Trusted).

    c2pa reads the file through a stream (c2pa-rs 0.91 still buffers about one
    copy of an MP4 while validating it); one more pass computes ``file_sha256``.
    """
    path = Path(path)
    try:
        with open(path, "rb") as handle:
            media_type = sniff_media_type(handle.read(32))
            file_sha256 = sha256_file(path)
            store_bytes = extract_manifest_store(handle, media_type) if media_type else None
            handle.seek(0)
            return _verify(handle, str(path), media_type, file_sha256, store_bytes, trust,
                           expected_clip_sha256, expected_manifest_sha256)
    except OSError as exc:
        raise MediaRejected(f"cannot read {path}: {exc.strerror}") from None


def verify_bytes(data: bytes, *, trust: TrustSettings | None, name: str = "upload",
                 expected_clip_sha256: str | None = None,
                 expected_manifest_sha256: str | None = None) -> VerificationResult:
    """:func:`verify_file` for an in-memory upload (``POST /v1/verify``)."""
    media_type = sniff_media_type(data[:32])
    store_bytes = extract_manifest_store(io.BytesIO(data), media_type) if media_type else None
    return _verify(io.BytesIO(data), name, media_type, hashlib.sha256(data).hexdigest(),
                   store_bytes, trust, expected_clip_sha256, expected_manifest_sha256)


def verify_detached(path: Path, store: bytes, *, trust: TrustSettings | None) -> VerificationResult:
    """Validate a manifest store obtained apart from ``path`` (recovered by a soft binding) against that file.

    The signature, certificate chain and assertions are checked as usual; the hard binding (the hash of
    the signed bytes) fails wherever the file is a copy rather than the signed file itself.
    """
    path = Path(path)
    try:
        with open(path, "rb") as handle:
            media_type = sniff_media_type(handle.read(32))
            file_sha256 = sha256_file(path)
            handle.seek(0)
            return _verify(handle, str(path), media_type, file_sha256, store, trust, None, None, manifest_data=store)
    except OSError as exc:
        raise MediaRejected(f"cannot read {path}: {exc.strerror}") from None
