"""The local TSA (OpenSSL's ``ts -reply`` behind HTTP, with a CA made for it) that tests and the demo run."""

from ledger.demo.local_tsa import LocalTsa, make_tsa_credentials, start_tsa

__all__ = ["LocalTsa", "make_tsa_credentials", "start_tsa"]
