"""Verify Clearance discovery productions: RFC 9162 proofs, C2SP signed notes, load files, manifest."""

from clearance_verify.production import Finding, Report, verify_production

__all__ = ["Finding", "Report", "verify_production"]
