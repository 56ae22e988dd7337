"""The body of a check job, whatever runs it: decide the clip once, and say whether to try again."""

from __future__ import annotations

import logging

from ledger.checks import service
from ledger.context import Clearance
from ledger.errors import ClearanceError
from ledger.observability import log_context

log = logging.getLogger(__name__)


def run_check_job(ctx: Clearance, clip_id: str, actor: str, matcher: service.Matcher | None = None) -> bool:
    """Decide the check of ``clip_id``; True once it is decided or failed for good, False to retry.

    ``service.run`` is idempotent on the clip, so a job delivered twice (a worker killed after
    deciding, before acknowledging) returns the first decision. A failure it could record
    (``check.failed``) is the job's end; one it could not record (the database went away) is not,
    and the job is tried again. ``matcher`` replaces the installation's (a worker runs it on
    low-priority threads).
    """
    with log_context(clip_id=clip_id):
        try:
            service.run(ctx, clip_id, actor, matcher)
        except ClearanceError:
            pass  # recorded as check.failed (or the clip is unknown): the job URL reports it
        except Exception:  # noqa: BLE001 - service.run logged it with its traceback
            pass
        try:
            return service.check_for_clip(ctx, clip_id) is not None
        except ClearanceError:
            return True  # no such clip: nothing to retry
