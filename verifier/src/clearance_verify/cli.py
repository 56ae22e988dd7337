"""``clearance-verify PATH --log-key VKEY``: exit 0 when the production holds, 1 when it does not."""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import zipfile
from pathlib import Path

from clearance_verify.completeness import coverage
from clearance_verify.notes import NoteInvalid
from clearance_verify.production import verify_production


def _unzip(path: Path, into: Path) -> Path:
    with zipfile.ZipFile(path) as archive:
        for name in archive.namelist():
            target = (into / name).resolve()
            if not str(target).startswith(str(into.resolve())):
                raise ValueError(f"the zip holds a path outside itself: {name}")
        archive.extractall(into)
    folders = [p for p in into.iterdir() if p.is_dir()]
    return folders[0] if len(folders) == 1 else into


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="clearance-verify", description=__doc__)
    parser.add_argument("path", type=Path, help="production folder or .zip")
    parser.add_argument("--log-key", required=True, help="the log's verifier key <origin>+<key id>+<base64 key>")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    args = parser.parse_args(argv)
    if not args.path.exists():
        print(f"{args.path}: no such file or folder", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as scratch:
        root = args.path
        try:
            if args.path.is_file():
                root = _unzip(args.path, Path(scratch))
            report = verify_production(root, args.log_key)
        except (NoteInvalid, ValueError, zipfile.BadZipFile) as exc:
            print(f"cannot verify: {exc}", file=sys.stderr)
            return 2
    if args.json:
        print(json.dumps({**report.as_json(), "covers": coverage(report.logged)}, indent=2))
    else:
        for what, n in sorted(report.checked.items()):
            print(f"checked {n} {what}")
        for finding in report.findings:
            print(f"FAIL {finding.file}: {finding.problem}")
        print("VERIFIED" if report.ok else f"NOT VERIFIED: {len(report.findings)} finding(s) in "
              f"{', '.join(report.files)}")
        if report.ok:
            print(coverage(report.logged))
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
