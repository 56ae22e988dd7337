"""The development CA, the signing identity seams, and trust settings."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import pickle
import stat

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from ledger.errors import ConfigurationError, Conflict
from ledger.provenance import (
    SigningIdentity, TrustSettings, create_dev_ca, ecdsa_der_to_raw, sign_clip,
    signing_certificate_problems, verify_file,
)
from ledger.provenance.keys import DOCUMENT_SIGNING, local_key_callback

from .conftest import make_image


def _leaf(creds) -> x509.Certificate:
    return x509.load_pem_x509_certificates(creds.signer_chain.read_bytes())[0]


def test_signer_certificate_has_what_c2pa_requires(dev_creds) -> None:
    leaf = _leaf(dev_creds)
    root = x509.load_pem_x509_certificate(dev_creds.root_cert.read_bytes())
    assert leaf.issuer == root.subject != leaf.subject
    assert leaf.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)
    assert not leaf.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    assert leaf.extensions.get_extension_for_class(x509.KeyUsage).value.digital_signature
    eku = leaf.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert ExtendedKeyUsageOID.EMAIL_PROTECTION in eku and DOCUMENT_SIGNING in eku
    aki = leaf.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value
    root_ski = root.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    assert aki.key_identifier == root_ski.digest
    assert leaf.extensions.get_extension_for_class(x509.SubjectKeyIdentifier)
    assert isinstance(leaf.public_key(), ec.EllipticCurvePublicKey)
    leaf.verify_directly_issued_by(root)
    assert signing_certificate_problems(leaf) == []


def test_key_files_are_owner_only_and_certs_readable(dev_creds) -> None:
    for key in (dev_creds.signer_key, dev_creds.root_key):
        assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert stat.S_IMODE(dev_creds.signer_chain.stat().st_mode) == 0o644
    assert not list(dev_creds.directory.glob("*.tmp"))


def test_trust_settings_anchor_is_the_dev_root(dev_creds) -> None:
    document = json.loads(dev_creds.trust_settings.read_text())
    assert document["trust"]["trust_anchors"].strip() == dev_creds.root_cert.read_text().strip()
    assert document["verify"]["ocsp_fetch"] is False


def test_existing_credentials_are_not_replaced_silently(dev_creds) -> None:
    before = dev_creds.signer_key.read_bytes()
    with pytest.raises(Conflict, match="already exist"):
        create_dev_ca(dev_creds.directory)
    assert dev_creds.signer_key.read_bytes() == before


def test_repr_and_errors_never_show_key_material(dev_creds, tmp_path) -> None:
    key_pem = dev_creds.signer_key.read_bytes()
    secret_line = key_pem.decode().splitlines()[1]
    identity = dev_creds.identity()
    assert secret_line not in repr(identity) and "pem-key" in repr(identity)
    assert secret_line not in str(dataclasses.asdict(identity))
    with pytest.raises(TypeError):
        pickle.dumps(identity)
    broken = tmp_path / "broken.key"
    broken.write_bytes(key_pem[:60] + b"garbage" + key_pem[60:])
    with pytest.raises(ConfigurationError) as caught:
        SigningIdentity.from_pem_files(dev_creds.signer_chain, broken)
    assert str(broken) in str(caught.value)
    assert secret_line[:20] not in str(caught.value) and caught.value.__cause__ is None


def test_key_that_does_not_match_the_certificate_is_refused(dev_creds, tmp_path) -> None:
    other = create_dev_ca(tmp_path / "other")
    with pytest.raises(ConfigurationError, match="does not belong"):
        SigningIdentity.from_pem_files(dev_creds.signer_chain, other.signer_key)


def test_self_signed_certificate_without_organisation_is_refused(tmp_path) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "lonely")])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(1)
            .not_valid_before(now).not_valid_after(now + dt.timedelta(days=1))
            .sign(key, hashes.SHA256()))
    problems = signing_certificate_problems(cert)
    assert any("self-signed" in p for p in problems)
    assert any("O=" in p for p in problems)
    assert any("digitalSignature" in p for p in problems)
    assert any("subject key identifier" in p for p in problems)
    chain = tmp_path / "chain.pem"
    chain.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    keyfile = tmp_path / "k.pem"
    keyfile.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                          serialization.PrivateFormat.PKCS8,
                                          serialization.NoEncryption()))
    with pytest.raises(ConfigurationError, match="self-signed"):
        SigningIdentity.from_pem_files(chain, keyfile)


def test_callback_signer_produces_trusted_manifests(dev_creds, dev_trust, release, model,
                                                    tmp_path) -> None:
    calls: list[int] = []
    inner = local_key_callback(dev_creds.signer_key.read_bytes(), "es256")

    def kms(data: bytes) -> bytes:
        calls.append(len(data))
        return inner(data)

    identity = SigningIdentity.from_callback(dev_creds.signer_chain.read_text(), kms, "es256")
    assert "callback" in repr(identity)
    signed = sign_clip(make_image(tmp_path / "in.jpg"), tmp_path / "out.jpg", identity=identity,
                       release=release, model=model)
    assert calls, "the callback was never asked to sign"
    result = verify_file(signed.path, trust=dev_trust)
    assert result.state == "Trusted", result.reasons


def test_ecdsa_der_to_raw_is_fixed_length() -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    der = key.sign(b"x", ec.ECDSA(hashes.SHA256()))
    raw = ecdsa_der_to_raw(der, "es256")
    assert len(raw) == 64


def test_trust_settings_errors_name_the_file(tmp_path) -> None:
    bad = tmp_path / "trust.json"
    bad.write_text('{"trust": {}}')
    with pytest.raises(ConfigurationError, match="trust.json.*trust_anchors"):
        TrustSettings.load(bad)
    bad.write_text("{not json")
    with pytest.raises(ConfigurationError, match="not valid JSON"):
        TrustSettings.load(bad)
    with pytest.raises(ConfigurationError, match="cannot read"):
        TrustSettings.load(tmp_path / "missing.json")
