"""``clearance-verify PATH --log-key VKEY [--load-files]``: exit 0 when the production holds, 1 when it does not."""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import zipfile
from pathlib import Path

from clearance_verify import vouching
from clearance_verify.completeness import coverage
from clearance_verify.loadcheck import LoadFileReport, check_load_files
from clearance_verify.notes import NoteInvalid
from clearance_verify.production import Report, verify_production
from clearance_verify.witnesses import PolicyInvalid, read_policy


def _unzip(path: Path, into: Path) -> Path:
    with zipfile.ZipFile(path) as archive:
        for name in archive.namelist():
            target = (into / name).resolve()
            if not str(target).startswith(str(into.resolve())):
                raise ValueError(f"the zip holds a path outside itself: {name}")
        archive.extractall(into)
    folders = [p for p in into.iterdir() if p.is_dir()]
    return folders[0] if len(folders) == 1 else into


def _print_verification(report: Report) -> None:
    for what, n in sorted(report.checked.items()):
        print(f"checked {n} {what}")
    for finding in report.findings:
        print(f"FAIL {finding.file}: {finding.problem}")
    print("VERIFIED" if report.ok else f"NOT VERIFIED: {len(report.findings)} finding(s) in "
          f"{', '.join(report.files)}")
    if report.ok:
        print(coverage(report.logged))


def _print_load_files(report: LoadFileReport) -> None:
    for what, n in sorted(report.checked.items()):
        print(f"load files: checked {n} {what}")
    for file, note in report.notes:
        print(f"NOTE {file}: {note}")
    for file, problem in report.findings:
        print(f"LOAD FILE {file}: {problem}")
    print("LOAD FILES WELL FORMED" if report.ok else f"LOAD FILES NOT WELL FORMED: {len(report.findings)} finding(s)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="clearance-verify", description=__doc__)
    parser.add_argument("path", type=Path, help="production folder or .zip")
    parser.add_argument("--log-key", help="the log's verifier key <origin>+<key id>+<base64 key>: verify the "
                                          "production against the log (verifier/SPEC.md)")
    parser.add_argument("--witness-policy", type=Path,
                        help="C2SP tlog-policy file: check witness cosignatures and the quorum")
    parser.add_argument("--tsa-root", type=Path, help="PEM root of the timestamp authority: check LOG/checkpoint.tsr")
    parser.add_argument("--load-files", action="store_true",
                        help="check the DAT and OPT as a review platform's loader would (needs no key; any "
                             "Concordance/Opticon production)")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    args = parser.parse_args(argv)
    if not args.log_key and not args.load_files:
        parser.print_usage(sys.stderr)
        print("clearance-verify: give --log-key to verify, --load-files to check the load files, or both",
              file=sys.stderr)
        return 2
    if not args.path.exists():
        print(f"{args.path}: no such file or folder", file=sys.stderr)
        return 2
    try:
        policy = read_policy(args.witness_policy.read_text("utf-8")) if args.witness_policy else None
        tsa_root = args.tsa_root.read_bytes() if args.tsa_root else None
    except (OSError, UnicodeDecodeError, PolicyInvalid) as exc:
        print(f"bad --witness-policy or --tsa-root: {exc}", file=sys.stderr)
        return 2
    report: Report | None = None
    load_files: LoadFileReport | None = None
    vouched_lines: list[str] = []
    with tempfile.TemporaryDirectory() as scratch:
        root = args.path
        try:
            if args.path.is_file():
                root = _unzip(args.path, Path(scratch))
            if args.log_key:
                report = verify_production(root, args.log_key)
                vouched_lines, findings = vouching.check(root, policy, tsa_root)
                for file, problem in findings:
                    report.fail(file, problem)
            if args.load_files:
                load_files = check_load_files(root)
        except (NoteInvalid, ValueError, zipfile.BadZipFile) as exc:
            print(f"cannot verify: {exc}", file=sys.stderr)
            return 2
    if args.json:
        answer: dict[str, object] = {}
        if report is not None:
            answer.update({**report.as_json(), "covers": coverage(report.logged), "witnesses": vouched_lines})
        if load_files is not None:
            answer["load_files"] = load_files.as_json()
        print(json.dumps(answer, indent=2))
    else:
        for line in vouched_lines:
            print(line)
        if report is not None:
            _print_verification(report)
        if load_files is not None:
            _print_load_files(load_files)
    failed = (report is not None and not report.ok) or (load_files is not None and not load_files.ok)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
