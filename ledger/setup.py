"""``clearance init``: create the data directory, the database, the log and its key."""

from __future__ import annotations

from dataclasses import dataclass

from ledger.context import Clearance
from ledger.errors import ConfigurationError
from ledger.exports.signing_key import ensure_signer
from ledger.fsutil import sweep_temporaries
from ledger.log import store
from ledger.log.events import Event
from ledger.log.signer import KEY_FILE, LogKey
from ledger.signing import ensure_dev_credentials
from ledger.witness import records


@dataclass(frozen=True)
class InitResult:
    created: bool
    vkey: str
    checkpoint: str
    upgraded: tuple[str, ...] = ()
    """Columns added to (or widened in) a database that an earlier version created (``table.column``)."""
    swept: int = 0
    """Temporary files left by interrupted writes, removed."""


def initialise(ctx: Clearance, origin: str | None = None) -> InitResult:
    """Idempotent: an installation that exists is left as it is, apart from columns later versions added."""
    settings = ctx.settings
    settings.home.mkdir(parents=True, exist_ok=True)
    swept = len(sweep_temporaries(settings.home))
    key_exists = (settings.keys_dir / KEY_FILE).exists()
    new_tables = ctx.db.missing_tables(ctx.tables)
    if "log_entries" in new_tables:  # a new database: nothing is upgraded
        new_tables = []
    ctx.db.create_all(ctx.tables)
    upgraded = (*(f"table {name}" for name in new_tables), *ctx.db.add_missing_columns(ctx.tables),
                *ctx.db.widen_integer_columns(ctx.tables))
    upgraded += tuple(ctx.db.add_missing_enum_values(ctx.tables))  # e.g. the resolver role on PostgreSQL
    if upgraded:  # a column added to an existing table (external_id) needs its unique index too
        upgraded += tuple(ctx.db.create_missing_indexes(ctx.tables))
    with ctx.db.transaction() as session:
        fresh = store.initialise(session)
        if fresh and key_exists:
            key = LogKey.load(settings.keys_dir)
        elif fresh:
            key = LogKey.create(settings.keys_dir, origin or settings.log_origin)
        else:
            if not key_exists:
                raise ConfigurationError(f"the database holds a log but {settings.keys_dir} has no log key")
            key = LogKey.load(settings.keys_dir)
        if fresh:
            ctx.record(session, [Event("log.initialized", {"origin": key.origin, "vkey": key.vkey})])
        records.ensure_tables(store.raw(session))
    ctx.log.use_key(key)
    ensure_dev_credentials(ctx)
    ensure_signer(settings.keys_dir, settings.provider_name)  # signs productions' custody certificates
    return InitResult(fresh, key.vkey, ctx.checkpoint(), upgraded, swept)
