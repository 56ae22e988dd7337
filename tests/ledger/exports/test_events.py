"""The Bates counter is state kept by events: replay refuses a gap or a reuse; privilege designations project."""

from __future__ import annotations

import pytest

from ledger.context import Clearance
from ledger.errors import IntegrityError, NotFound, ValidationFailed
from ledger.exports.models import BatesCounter, PrivilegeDesignation, Production
from ledger.exports.privilege import assert_privilege, withdraw_privilege
from ledger.log.events import Event


def _produced(production_id: str, first: int, last: int) -> Event:
    return Event("export.produced", {"production_id": production_id, "matter": "M", "selection": {},
                                     "protocol": {}, "bates": {"prefix": "ABC", "padding": 5, "start": 1,
                                                               "first": first, "last": last},
                                     "checkpoint_size": 1, "manifest_sha256": "0" * 64, "counts": {}, "holds": []},
                 "production", production_id, "counsel")


def test_numbers_continue_and_a_gap_or_reuse_is_refused(sqlite_ctx: Clearance) -> None:
    ctx = sqlite_ctx
    with ctx.db.transaction() as session:
        ctx.record(session, [_produced("prd_a", 1, 10), _produced("prd_b", 11, 12)])
    with ctx.db.reader() as session:
        counter = session.get(BatesCounter, "ABC")
        assert counter is not None and counter.next_number == 13
        assert session.get(Production, "prd_b").first_number == 11  # type: ignore[union-attr]
    for first in (12, 14):  # a reuse, then a gap
        with pytest.raises(IntegrityError, match="a gap or a reuse"):
            with ctx.db.transaction() as session:
                ctx.record(session, [_produced("prd_c", first, first + 1)])


def test_a_privilege_designation_names_who_asserted_it(sqlite_ctx: Clearance) -> None:
    from ledger.records import service
    from ledger.records.kinds import KINDS

    ctx = sqlite_ctx
    service.create_record(ctx, KINDS["party"], {"id": "p", "kind": "person", "name": "A"}, "registrar")
    assert_privilege(ctx, "party", "p", "attorney-client", "memo to counsel about this person", "counsel-7")
    with ctx.db.reader() as session:
        row = session.get(PrivilegeDesignation, ("party", "p"))
        assert row is not None and (row.privilege, row.asserted_by) == ("attorney-client", "counsel-7")
    with pytest.raises(ValidationFailed, match="unknown privilege"):
        assert_privilege(ctx, "party", "p", "secret", "x", "counsel")
    with pytest.raises(NotFound):
        assert_privilege(ctx, "party", "nobody", "work-product", "x", "counsel")
    withdraw_privilege(ctx, "party", "p", "produced after review", "counsel-7")
    with ctx.db.reader() as session:
        assert session.get(PrivilegeDesignation, ("party", "p")) is None
