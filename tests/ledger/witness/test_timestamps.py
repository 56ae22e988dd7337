"""RFC 3161 tokens from a real TSA (OpenSSL behind HTTP, a test CA): obtained, verified, and accepted by
``openssl ts -verify``."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from ledger.witness.timestamps import TimestampError, request_token, verify_token
from tests.ledger.witness.tsa import LocalTsa, make_tsa_credentials, start_tsa

BODY = b"example.test/log\n12\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"


@pytest.fixture
def tsa(tmp_path: Path) -> Iterator[LocalTsa]:
    server = start_tsa(tmp_path / "tsa")
    yield server
    server.stop()


def test_a_token_verifies_against_the_pinned_root_and_with_openssl(tsa, tmp_path) -> None:
    root_pem = tsa.root.read_bytes()
    token = request_token(tsa.url, BODY, root_pem, timeout_s=10)
    when = verify_token(token, BODY, root_pem)
    assert when.year >= 2024
    (tmp_path / "body.txt").write_bytes(BODY)
    (tmp_path / "token.tsr").write_bytes(token)
    checked = subprocess.run(["openssl", "ts", "-verify", "-data", str(tmp_path / "body.txt"), "-in",
                              str(tmp_path / "token.tsr"), "-CAfile", str(tsa.root)], capture_output=True, text=True)
    assert checked.returncode == 0 and "Verification: OK" in checked.stdout, checked.stderr


def test_a_token_fails_for_other_bytes_or_another_root(tsa, tmp_path) -> None:
    token = request_token(tsa.url, BODY, None, timeout_s=10)
    with pytest.raises(TimestampError):
        verify_token(token, BODY.replace(b"12", b"13"), tsa.root.read_bytes())
    stranger = make_tsa_credentials(tmp_path / "stranger").read_bytes()
    with pytest.raises(TimestampError):
        verify_token(token, BODY, stranger)
    with pytest.raises(TimestampError, match="does not verify"):
        request_token(tsa.url, BODY, stranger, timeout_s=10)


def test_an_unreachable_tsa_is_a_clear_error(tsa) -> None:
    url = tsa.url
    tsa.stop()
    with pytest.raises(TimestampError, match="unreachable"):
        request_token(url, BODY, None, timeout_s=2)
