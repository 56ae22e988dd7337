"""Fill the disk under a SQLite installation and check what users and the database see.

    sudo .venv/bin/python scripts/full_disk.py [--size-mib 24]

Mounts a tmpfs of --size-mib as the data directory (needs root; without it, pass --dir of a small
filesystem you made), registers assets over the HTTP API until a write fails for want of space,
then checks: every failure is a problem-details 507 naming the data directory (not a 500, no
traceback); every acknowledged write is in the log exactly once and `log verify` passes; no
temporary file is left behind; the CLI prints one line and exits 9. Writes the figures to
`benchmarks/results/full-disk.json`.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size-mib", type=int, default=24)
    parser.add_argument("--dir", type=Path, default=None, help="a small filesystem to use instead of a tmpfs")
    parser.add_argument("--max-uploads", type=int, default=2000)
    args = parser.parse_args()

    mounted = None
    if args.dir is None:
        mounted = Path(tempfile.mkdtemp(prefix="clearance-full-"))
        subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={args.size_mib}m", "tmpfs", str(mounted)], check=True)
    target = args.dir or mounted
    assert target is not None
    try:
        return run(target / "home", args.max_uploads)
    finally:
        if mounted is not None:
            subprocess.run(["umount", str(mounted)], check=False)
            mounted.rmdir()


def run(home: Path, max_uploads: int) -> int:
    from fastapi.testclient import TestClient

    from ledger.api.app import create_app
    from ledger.audit import replay
    from ledger.auth.keys import create_key
    from ledger.context import Clearance
    from ledger.demo.media import synthetic_work
    from ledger.log import store
    from ledger.settings import Settings
    from ledger.setup import initialise

    environ = {"CLEARANCE_HOME": str(home), "CLEARANCE_RATE_LIMIT_PER_KEY": "1000000/minute",
               "CLEARANCE_SEMANTIC_ENABLED": "false", "CLEARANCE_IDENTITY_ENABLED": "false"}
    ctx = Clearance(Settings.load(environ=environ))
    initialise(ctx)
    key, _ = create_key(ctx, "registrar")
    client = TestClient(create_app(ctx), raise_server_exceptions=False)
    headers = {"Authorization": f"Bearer {key}"}
    acknowledged: list[str] = []
    statuses: dict[int, int] = {}
    refusals: list[dict[str, object]] = []
    for seed in range(max_uploads):
        response = client.post("/v1/assets/upload", headers=headers,
                               files={"file": (f"work-{seed}.png", synthetic_work(seed, (1280, 720)), "image/png")},
                               data={"record": '{"role": "training_asset", "acquisition_method": "licensed"}'})
        statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
        if response.status_code == 201:
            acknowledged.append(response.json()["record"]["id"])
        else:
            refusals.append({"status": response.status_code, "content_type": response.headers.get("content-type"),
                             "body": response.json() if "json" in response.headers.get("content-type", "") else
                             response.text[:200]})
            if len(refusals) >= 5:
                break
    full_answers_ok = bool(refusals) and all(
        r["status"] == 507 and str(r["content_type"]).startswith("application/problem+json")
        and isinstance(r["body"], dict) and r["body"].get("data_directory") == str(home) for r in refusals)
    with ctx.db.reader() as session:
        logged = [e.payload for e in store.iter_entries(session)]
    logged_assets = [json.loads(p) for p in logged if p and b'"role":"training_asset"' in p]
    temporaries = [str(p) for p in home.rglob(".*.tmp")]
    with tempfile.NamedTemporaryFile(suffix=".png") as media:  # outside the full filesystem
        media.write(synthetic_work(max_uploads + 1, (1280, 720)))
        media.flush()
        cli = subprocess.run([sys.executable, "-c", "from ledger.cli import main; main()", "asset", "add",
                              "title=One too many", "role=training_asset", "acquisition_method=licensed",
                              "--file", media.name],
                             env={**os.environ, **environ}, capture_output=True, text=True, timeout=300)
    ctx.db.dispose()
    reopened = Clearance(Settings.load(environ=environ))
    verified = replay.verify(reopened).ok
    reopened.db.dispose()
    result = {
        "data_directory_size_mib": round(os.statvfs(home).f_blocks * os.statvfs(home).f_frsize / 2**20, 1),
        "uploads_acknowledged": len(acknowledged), "answers": statuses,
        "every_refusal_is_507_problem_naming_the_data_directory": full_answers_ok,
        "first_refusal": refusals[0] if refusals else None,
        "acknowledged_assets_logged": len(logged_assets),
        "each_acknowledged_write_logged_once": len(logged_assets) == len(acknowledged),
        "log_verify_ok": verified, "temporary_files_left": temporaries,
        "cli": {"exit": cli.returncode, "stderr_lines": len(cli.stderr.strip().splitlines()),
                "stderr": cli.stderr.strip()[:300]},
    }
    out = ROOT / "benchmarks" / "results" / "full-disk.json"
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    ok = (full_answers_ok and result["each_acknowledged_write_logged_once"] and verified and not temporaries
          and 500 not in statuses)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
