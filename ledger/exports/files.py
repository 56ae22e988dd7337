"""Plain file work of a volume: small files created fast, hashes, the manifest, the zip."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from ledger.exports import layout


def write_new(path: Path, text: str) -> str:
    """Create a small file (a proof per event: plain ``os`` calls cost a sixth of ``Path.write_text``);
    return its SHA-256 so the manifest need not read it back."""
    data = text.encode("utf-8")
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    try:
        os.write(descriptor, data)
    finally:
        os.close(descriptor)
    return hashlib.sha256(data).hexdigest()


def write_many(root: Path, files: list[tuple[str, str]]) -> list[str]:
    """Create each (relative path, text) under ``root``; their SHA-256s, in order."""
    return [write_new(root / relative, text) for relative, text in files]


def file_hashes(path: Path) -> tuple[str, str, str]:
    md5, sha1, sha256 = hashlib.md5(usedforsecurity=False), hashlib.sha1(usedforsecurity=False), hashlib.sha256()
    with path.open("rb") as stream:
        while chunk := stream.read(1 << 20):
            md5.update(chunk)
            sha1.update(chunk)
            sha256.update(chunk)
    return md5.hexdigest(), sha1.hexdigest(), sha256.hexdigest()


def volume_files(root: Path) -> list[str]:
    """Every file of the volume, relative and '/'-separated, sorted (``os.walk``: no stat per file)."""
    found: list[str] = []
    for folder, _, names in os.walk(root):
        base = Path(folder).relative_to(root).as_posix()
        found.extend(name if base == "." else f"{base}/{name}" for name in names)
    return sorted(found)


def write_manifest(root: Path, known: dict[str, str]) -> tuple[str, dict[str, str]]:
    """Write ``MANIFEST.sha256`` (``<sha256>  <path>`` a line); ``known`` holds hashes taken as files were
    written (the proofs), the rest are read. Return the manifest's own SHA-256 and what it lists."""
    lines = []
    listed: dict[str, str] = {}
    for relative in volume_files(root):
        if relative == layout.MANIFEST:
            continue
        digest = known.get(relative)
        if digest is None:
            hasher = hashlib.sha256()
            with (root / relative).open("rb") as stream:
                while chunk := stream.read(1 << 20):
                    hasher.update(chunk)
            digest = hasher.hexdigest()
        lines.append(f"{digest}  {relative}\n")
        listed[relative] = digest
    data = "".join(lines).encode("utf-8")
    (root / layout.MANIFEST).write_bytes(data)
    return hashlib.sha256(data).hexdigest(), listed


def write_zip(root: Path) -> Path:
    import zipfile

    target = root.with_name(root.name + ".zip")
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(p for p in root.rglob("*") if p.is_file()):
            archive.write(path, f"{root.name}/{path.relative_to(root).as_posix()}")
    return target
