"""Sign a cleared clip with a C2PA manifest that points back into the Clearance log.

The manifest holds:

* ``c2pa.actions.v2`` with one ``c2pa.created`` action: digitalSourceType
  ``trainedAlgorithmicMedia``, the generating model as ``softwareAgent``, and
  ``parameters.ingredientIds`` linking every reference input;
* one ingredient per reference input, relationship ``inputTo``;
* ``cawg.training-mining`` with the configured entries (if any);
* the Clearance assertion (:data:`CLEARANCE_LABEL`), see :class:`ClearanceRelease`;
* with a disclosure, the AI-generated disclosure (:mod:`ledger.provenance.disclosure`), the
  ``c2pa.created`` action's ``when`` and the manifest's ``instance_id`` (the disclosure's unique
  identifier). A disclosure missing a field the law requires is refused before anything is written.

Signing goes from file to file through streams and changes nothing but the
manifest: the media samples are copied byte for byte. Memory: c2pa-rs 0.91
still holds about one copy of an MP4/MOV while it signs (benchmarks/provenance.py
measures ~+110 MiB for a 100 MB file); the backing-store setting below keeps it
from holding a second copy of the output.

The *manifest hash* reported is the SHA-256 of the manifest store (the JUMBF
bytes c2pa embeds in the file), exactly as returned by the signer.
:func:`ledger.provenance.verify.verify_file` extracts the embedded store from
JPEG, PNG, WebP and MP4/MOV files and reports the same hash, so a replaced
manifest is visible even when it is validly signed.
"""

from __future__ import annotations

import hashlib
import io
import os
from importlib import metadata
from dataclasses import dataclass, replace
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Sequence

from ledger.errors import Conflict, FieldProblem, MediaRejected, ProvenanceError, ValidationFailed
from ledger.provenance._files import sha256_file, temp_path_beside
from ledger.provenance.assertions import (
    CLEARANCE_LABEL, SIGNABLE_VERDICTS, TRAINED_ALGORITHMIC_MEDIA, ClearanceRelease,
    TrainingMiningEntry,
)
from ledger.provenance.disclosure import DISCLOSURE_LABEL, AiDisclosure
from ledger.provenance.jumbf import manifest_labels
from ledger.provenance.soft_binding import SOFT_BINDING_LABEL, IsccUnits, compute_iscc
from ledger.provenance.keys import SigningIdentity
from ledger.provenance.media import SIGNABLE_TYPES, media_type_of, sniff_media_type
from ledger.provenance.trust import make_context

if TYPE_CHECKING:  # c2pa (~0.15 s to import) loads when a manifest is read or signed
    import c2pa


def _our_version() -> str:
    try:
        return metadata.version("clearance-ledger")
    except metadata.PackageNotFoundError:
        return "0+unknown"


CLAIM_GENERATOR = {"name": "clearance", "version": _our_version()}
# No thumbnails (the manifest describes the clip; it need not carry a copy of it), and
# c2pa-rs spills its output buffer to a temporary file above 16 MB instead of holding
# the whole signed clip in memory.
_BUILDER_SETTINGS = {"builder": {"thumbnail": {"enabled": False}},
                     "core": {"backing_store_memory_threshold_in_mb": 16}}


@dataclass(frozen=True)
class GeneratingModel:
    """The model that generated the clip, recorded as the action's software agent."""

    name: str
    version: str | None = None
    model_id: str | None = None  # the ledger's record id for the model, if any


@dataclass(frozen=True)
class ReferenceInput:
    """A reference input to the generation, recorded as an ``inputTo`` ingredient.

    With ``path`` the file itself is read (its own C2PA manifest, if any, is kept
    as the ingredient's provenance); without it only the description is recorded.
    """

    title: str
    media_type: str
    path: Path | None = None
    asset_id: str | None = None
    sha256: str | None = None
    relationship: str = "inputTo"
    """``parentOf`` for the earlier clip this one is an edit of (then the clip is ``c2pa.opened`` from it
    and ``c2pa.edited``); ``inputTo`` for a reference input."""


@dataclass(frozen=True)
class SignedClip:
    """The outcome of signing: what a ``clip.signed`` event records."""

    path: Path | None          # None when signed in memory (sign_clip_bytes)
    media_type: str
    sha256: str                # of the signed file
    manifest_sha256: str       # of the embedded manifest store (JUMBF)
    manifest_label: str        # the active manifest's label (urn:c2pa:...)
    clip_sha256: str           # of the input, before signing
    size_bytes: int
    soft_binding: IsccUnits | None = None  # the c2pa.soft-binding assertion's ISCC of the input


def _manifest_definition(title: str, media_type: str, release: ClearanceRelease,
                         model: GeneratingModel, references: Sequence[ReferenceInput],
                         training_mining: Sequence[TrainingMiningEntry],
                         disclosure: AiDisclosure | None = None,
                         soft_binding: IsccUnits | None = None) -> dict[str, Any]:
    agent = {"name": model.name}
    if model.version:
        agent["version"] = model.version
    if model.model_id:
        agent["clearance_model_id"] = model.model_id
    parents = [f"reference-{i}" for i, r in enumerate(references) if r.relationship == "parentOf"]
    inputs = [f"reference-{i}" for i, r in enumerate(references) if r.relationship != "parentOf"]
    action: dict[str, Any] = {"action": "c2pa.edited" if parents else "c2pa.created",
                    "digitalSourceType": TRAINED_ALGORITHMIC_MEDIA, "softwareAgent": agent}
    if disclosure is not None:
        action["when"] = disclosure.created_at
    if inputs:
        action["parameters"] = {"ingredientIds": inputs}
    actions = [action]
    if parents:  # an edit of an earlier clip: opened from its parent, then edited by the model
        actions.insert(0, {"action": "c2pa.opened", "parameters": {"ingredientIds": parents}})
    assertions: list[dict[str, Any]] = [{"label": "c2pa.actions.v2", "data": {"actions": actions}}]
    if training_mining:
        assertions.append({"label": "cawg.training-mining",
                           "data": {"entries": {e.key: e.as_dict() for e in training_mining}}})
    assertions.append({"label": CLEARANCE_LABEL, "data": release.as_assertion_data()})
    if disclosure is not None:
        assertions.append({"label": DISCLOSURE_LABEL, "data": disclosure.as_assertion_data()})
    if soft_binding is not None:
        assertions.append({"label": SOFT_BINDING_LABEL, "data": soft_binding.assertion_data()})
    definition = {"claim_generator_info": [CLAIM_GENERATOR], "title": title, "format": media_type,
                  "assertions": assertions}
    if disclosure is not None and disclosure.identifier:
        definition["instance_id"] = disclosure.identifier
    return definition


def _ingredient_definition(index: int, ref: ReferenceInput) -> dict[str, Any]:
    body: dict[str, Any] = {"title": ref.title, "format": ref.media_type, "relationship": ref.relationship,
                  "label": f"reference-{index}"}
    if ref.asset_id:
        body["instance_id"] = f"clearance:asset:{ref.asset_id}"
    if ref.sha256:
        body["description"] = f"sha256:{ref.sha256}"
    return body


def _check_disclosure(disclosure: AiDisclosure | None, model: GeneratingModel) -> None:
    """Refuse a disclosure that lacks a field the law requires, or names another system than the action's agent."""
    if disclosure is None:
        return
    problems = disclosure.problems()
    if (disclosure.system_name, disclosure.system_version) != (model.name, model.version):
        problems.append(FieldProblem("system_name", f"the disclosure names {disclosure.system_name} "
                                     f"{disclosure.system_version}, the generating model {model.name} {model.version}"))
    if problems:
        raise ValidationFailed("refusing to sign: the AI disclosure the law requires is incomplete or inconsistent",
                               problems=problems)


def _check_request(release: ClearanceRelease) -> None:
    if release.verdict not in SIGNABLE_VERDICTS:
        raise Conflict(f"check {release.check_id} has verdict {release.verdict!r}; only a check that "
                       "passed or a review that was approved may be signed")
    problems = release.problems()
    if problems:
        raise ValidationFailed("the release record to sign is incomplete", problems=problems)


def _build(definition: dict[str, Any], references: Sequence[ReferenceInput]) -> c2pa.Builder:
    """A Builder for ``definition``; described-only references go into the definition,
    references with a file are read through ``add_ingredient``."""
    import c2pa

    described = [_ingredient_definition(i, r) for i, r in enumerate(references) if r.path is None]
    if described:
        definition = {**definition, "ingredients": described}
    builder = c2pa.Builder(definition, make_context(None, _BUILDER_SETTINGS))
    for index, ref in enumerate(references):
        if ref.path is None:
            continue
        try:
            with open(ref.path, "rb") as handle:
                builder.add_ingredient(_ingredient_definition(index, ref), ref.media_type, handle)
        except OSError as exc:
            builder.close()
            raise ProvenanceError(f"reference input {ref.path}: {exc.strerror}") from None
        except c2pa.C2paError as exc:
            builder.close()
            raise ProvenanceError(f"reference input {ref.path} could not be added as an "
                                  f"ingredient: {exc}") from None
    return builder


def _sign_streams(source: IO[bytes], dest: IO[bytes], media_type: str, *, identity: SigningIdentity,
                  release: ClearanceRelease, model: GeneratingModel,
                  references: Sequence[ReferenceInput],
                  training_mining: Sequence[TrainingMiningEntry], title: str,
                  source_name: str, disclosure: AiDisclosure | None = None,
                  soft_binding: IsccUnits | None = None) -> tuple[bytes, str]:
    import c2pa

    definition = _manifest_definition(title, media_type, release, model, references, training_mining, disclosure,
                                      soft_binding)
    builder = _build(definition, references)
    with identity.c2pa_signer() as signer:
        try:
            store = builder.sign(signer, media_type, source, dest)
        except c2pa.C2paError as exc:
            raise ProvenanceError(f"signing {source_name} failed: {exc}") from None
        finally:
            builder.close()
    if not store:
        raise ProvenanceError(f"signing {source_name} produced no manifest")
    return store, _active_label(store)


def _active_label(store: bytes) -> str:
    labels = manifest_labels(store)
    return labels[-1] if labels else ""


def _soft_binding(data: bytes, media_type: str, source_name: str) -> IsccUnits:
    try:
        return compute_iscc(data, media_type)
    except MediaRejected as exc:
        raise ProvenanceError(f"signing {source_name} failed: {exc}") from None


def sign_clip(source: Path, dest: Path, *, identity: SigningIdentity, release: ClearanceRelease,
              model: GeneratingModel, references: Sequence[ReferenceInput] = (),
              training_mining: Sequence[TrainingMiningEntry] = (), title: str | None = None,
              clip_sha256: str | None = None, disclosure: AiDisclosure | None = None) -> SignedClip:
    """Sign the clip at ``source`` and write it to ``dest`` atomically.

    ``clip_sha256``: the SHA-256 the ledger already stored the clip under; when
    omitted it is computed from ``source`` (one extra read of the file). It is
    recorded in the Clearance assertion. Nothing is written to ``dest`` unless
    signing succeeds.
    """
    source, dest = Path(source), Path(dest)
    _check_request(release)
    _check_disclosure(disclosure, model)
    media_type = media_type_of(source)
    if source.resolve() == dest.resolve():
        raise ValidationFailed("cannot sign a file in place",
                               problems=[FieldProblem("dest", f"{dest} is the source file")])
    release = replace(release, clip_sha256=clip_sha256 or sha256_file(source))
    _check_request(release)
    binding = _soft_binding(source.read_bytes(), media_type, str(source))
    tmp = temp_path_beside(dest)
    try:
        with open(source, "rb") as src, open(tmp, "w+b") as out:
            store, label = _sign_streams(src, out, media_type, identity=identity, release=release,
                                         model=model, references=references,
                                         training_mining=training_mining,
                                         title=title or dest.name, source_name=str(source),
                                         disclosure=disclosure, soft_binding=binding)
        digest = sha256_file(tmp)
        size = tmp.stat().st_size
        os.chmod(tmp, 0o644)
        os.replace(tmp, dest)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return SignedClip(path=dest, media_type=media_type, sha256=digest,
                      manifest_sha256=hashlib.sha256(store).hexdigest(), manifest_label=label,
                      clip_sha256=release.clip_sha256 or "", size_bytes=size, soft_binding=binding)


def sign_clip_bytes(data: bytes, *, identity: SigningIdentity, release: ClearanceRelease,
                    model: GeneratingModel, references: Sequence[ReferenceInput] = (),
                    training_mining: Sequence[TrainingMiningEntry] = (),
                    title: str = "clip", disclosure: AiDisclosure | None = None) -> tuple[bytes, SignedClip]:
    """Sign an in-memory clip (small images, API uploads); returns the signed bytes."""
    _check_request(release)
    _check_disclosure(disclosure, model)
    media_type = sniff_media_type(data[:32])
    if media_type is None:
        raise MediaRejected(f"{title} is not a format Clearance signs "
                            f"(expected one of: {', '.join(SIGNABLE_TYPES)})")
    release = replace(release, clip_sha256=hashlib.sha256(data).hexdigest())
    binding = _soft_binding(data, media_type, title)
    out = io.BytesIO()
    store, label = _sign_streams(io.BytesIO(data), out, media_type, identity=identity,
                                 release=release, model=model, references=references,
                                 training_mining=training_mining, title=title, source_name=title,
                                 disclosure=disclosure, soft_binding=binding)
    signed = out.getvalue()
    return signed, SignedClip(path=None, media_type=media_type,
                              sha256=hashlib.sha256(signed).hexdigest(),
                              manifest_sha256=hashlib.sha256(store).hexdigest(),
                              manifest_label=label, clip_sha256=release.clip_sha256 or "",
                              size_bytes=len(signed), soft_binding=binding)
