"""A real RFC 3161 timestamp authority on 127.0.0.1 for the demo and the tests: OpenSSL's ``ts -reply``
behind a tiny HTTP wrapper, signing with a TSA certificate issued by a CA made here. Not for production:
a studio names a real TSA (CLEARANCE_TSA_URL) and pins its root."""

from __future__ import annotations

import datetime
import shutil
import subprocess
import tempfile
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

CONFIG = """\
[ tsa ]
default_tsa = test_tsa
[ test_tsa ]
dir = {folder}
serial = $dir/serial
crypto_device = builtin
signer_cert = $dir/tsa.pem
signer_key = $dir/tsa.key
signer_digest = sha256
default_policy = 1.3.6.1.4.1.55555.1
digests = sha256, sha384, sha512
accuracy = secs:1
ordering = yes
tsa_name = yes
ess_cert_id_chain = no
ess_cert_id_alg = sha256
"""


def _name(common: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Clearance tests"),
                      x509.NameAttribute(NameOID.COMMON_NAME, common)])


def make_tsa_credentials(folder: Path) -> Path:
    """A root CA and a TSA certificate (critical EKU timeStamping) in ``folder``; returns the root's PEM path."""
    now = datetime.datetime.now(datetime.UTC)
    root_key, tsa_key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    root = (x509.CertificateBuilder().subject_name(_name("Test TSA Root")).issuer_name(_name("Test TSA Root"))
            .public_key(root_key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1)).not_valid_after(now + datetime.timedelta(days=30))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(root_key.public_key()), critical=False)
            .sign(root_key, hashes.SHA256()))
    tsa = (x509.CertificateBuilder().subject_name(_name("Test TSA")).issuer_name(root.subject)
           .public_key(tsa_key.public_key()).serial_number(x509.random_serial_number())
           .not_valid_before(now - datetime.timedelta(hours=1)).not_valid_after(now + datetime.timedelta(days=30))
           .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
           .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
           .add_extension(x509.KeyUsage(True, False, False, False, False, False, False, False, False), critical=True)
           .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(root_key.public_key()), critical=False)
           .sign(root_key, hashes.SHA256()))
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "root.pem").write_bytes(root.public_bytes(serialization.Encoding.PEM))
    (folder / "tsa.pem").write_bytes(tsa.public_bytes(serialization.Encoding.PEM))
    (folder / "tsa.key").write_bytes(tsa_key.private_bytes(serialization.Encoding.PEM,
                                                           serialization.PrivateFormat.PKCS8,
                                                           serialization.NoEncryption()))
    (folder / "serial").write_text("01\n")
    (folder / "openssl.cnf").write_text(CONFIG.format(folder=folder))
    return folder / "root.pem"


@dataclass
class LocalTsa:
    url: str
    root: Path
    server: ThreadingHTTPServer
    thread: threading.Thread

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=10)


def openssl_available() -> bool:
    return shutil.which("openssl") is not None


def start_tsa(folder: Path) -> LocalTsa:
    """Serve on a free port with the CA and TSA certificate in ``folder``, made there when absent."""
    root = folder / "root.pem" if (folder / "openssl.cnf").is_file() else make_tsa_credentials(folder)
    lock = threading.Lock()  # openssl ts keeps its serial number in a file

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            length = int(self.headers.get("Content-Length", "0") or 0)
            if not 0 < length <= 64 * 1024:
                self.send_error(400)
                return
            query = self.rfile.read(length)
            with lock, tempfile.TemporaryDirectory() as scratch:
                tsq, tsr = Path(scratch) / "q.tsq", Path(scratch) / "r.tsr"
                tsq.write_bytes(query)
                done = subprocess.run(["openssl", "ts", "-reply", "-config", str(folder / "openssl.cnf"),
                                       "-queryfile", str(tsq), "-out", str(tsr)], capture_output=True, timeout=30)
                reply = tsr.read_bytes() if done.returncode == 0 and tsr.is_file() else b""
            self.send_response(200 if reply else 500)
            self.send_header("Content-Type", "application/timestamp-reply")
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002 (http.server's name)
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return LocalTsa(f"http://127.0.0.1:{server.server_address[1]}/", root, server, thread)
