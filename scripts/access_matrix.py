"""Print the role-by-route access matrix of the API, measured on a throwaway SQLite installation.

    .venv/bin/python scripts/access_matrix.py [--json]

Every operation in the OpenAPI document is called with a key of each role (see ledger/api/access.py);
"yes" means the role passed the role check, "-" means it got 403.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path


def main() -> int:
    from fastapi.testclient import TestClient

    from ledger.api.access import as_markdown, measure
    from ledger.api.app import create_app
    from ledger.auth.keys import create_key
    from ledger.context import Clearance
    from ledger.records.enums import Role
    from ledger.settings import Settings
    from ledger.setup import initialise

    with tempfile.TemporaryDirectory(prefix="clearance-access-") as home:
        ctx = Clearance(Settings.load(environ={"CLEARANCE_HOME": str(Path(home) / "home"),
                                               "CLEARANCE_RATE_LIMIT_PER_KEY": "1000000/minute"}))
        initialise(ctx)
        keys = {role.value: create_key(ctx, role.value)[0] for role in Role}
        client = TestClient(create_app(ctx))

        def call(method: str, path: str, role: str) -> int:
            return client.request(method, path, json={}, headers={"Authorization": f"Bearer {keys[role]}"}).status_code

        matrix = measure(client.get("/openapi.json").json()["paths"], call)
        ctx.db.dispose()
    if "--json" in sys.argv:
        print(json.dumps([{"method": m, "path": p, "allowed": sorted(r for r, ok in a.items() if ok)}
                          for (m, p), a in matrix.items()], indent=2))
    else:
        print(as_markdown(matrix))
    return 0


if __name__ == "__main__":
    sys.exit(main())
