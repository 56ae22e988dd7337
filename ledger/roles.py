"""Who may do what: the one role table the API routes, the console pages and the log API share.

Each name is a group of roles a route requires (``ledger.api.deps.require``); the log API serves an
event's payload to the same group as the routes that read or make what the event is about
(``ledger.records.log_access``), so a role never reads in the log what its routes would refuse it.
"""

from __future__ import annotations

from ledger.records.enums import Role

READERS = (Role.admin, Role.registrar, Role.legal, Role.auditor)
"""Read rights records (``GET /v1/<kind>``)."""
WRITERS = (Role.admin, Role.registrar)
"""Register records (``POST /v1/<kind>``)."""
REVOKERS = (Role.admin, Role.registrar, Role.legal)
"""Revoke and amend grants."""
LEGAL = (Role.admin, Role.legal)
"""Legal holds, redaction, reviews, and productions: exports, their protocols, privilege designations."""
LOG_READERS = tuple(Role)
"""Read the log's envelopes, leaves, checkpoints and proofs."""
STAFF = tuple(r for r in Role if r is not Role.resolver)
"""Every role but ``resolver``, the outside caller of the Soft Binding Resolution API (``/sbr/v1``)."""
ADMINS = (Role.admin,)
"""API keys."""
