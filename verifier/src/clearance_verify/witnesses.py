"""Witness cosignatures (C2SP tlog-cosignature, ``cosignature/v1``, Ed25519) and trust policies (C2SP
tlog-policy), read from the specifications for whoever checks a production.

A cosignature line is ``— <name> base64(key id || u64 timestamp || Ed25519 signature)``; the key id is the
first four bytes of SHA-256(name, newline, 0x04, public key); the signature covers
``cosignature/v1`` newline, ``time <timestamp>`` newline, and the checkpoint text.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

COSIGNATURE_V1 = 0x04
LOG_ED25519 = 0x01
DASH = "\u2014 "


class PolicyInvalid(Exception):
    """A trust policy or witness key is malformed."""


@dataclass(frozen=True)
class WitnessKey:
    name: str
    key_id: bytes
    public_key: Ed25519PublicKey
    raw: bytes

    @classmethod
    def parse(cls, vkey: str) -> WitnessKey:
        pieces = vkey.split("+")
        if len(pieces) < 3:
            raise PolicyInvalid(f"witness key {vkey[:40]!r} is not <name>+<id>+<key>")
        name, hex_id, encoded = pieces[0], pieces[1], "+".join(pieces[2:])
        try:
            key_id = bytes.fromhex(hex_id)
            raw = base64.b64decode(encoded, validate=True)
        except (ValueError, binascii.Error) as exc:
            raise PolicyInvalid(f"witness key of {name!r} is not hex id and base64 key") from exc
        if len(raw) != 33 or raw[0] != COSIGNATURE_V1:
            raise PolicyInvalid(f"witness key of {name!r} is not an Ed25519 cosignature/v1 key (0x04)")
        if hashlib.sha256(name.encode() + b"\n" + raw).digest()[:4] != key_id:
            raise PolicyInvalid(f"witness key of {name!r}: its id does not match its name and key")
        return cls(name, key_id, Ed25519PublicKey.from_public_bytes(raw[1:]), raw[1:])

    def cosigned_at(self, line: str, text: str) -> int | None:
        """The cosignature's POSIX time if ``line`` is this witness's valid cosignature of ``text``;
        None if the line is someone else's; PolicyInvalid if it is this key's and does not verify."""
        if not line.startswith(DASH):
            return None
        name, _, encoded = line[len(DASH):].rpartition(" ")
        if name != self.name:
            return None
        try:
            blob = base64.b64decode(encoded, validate=True)
        except (ValueError, binascii.Error):
            return None
        if blob[:4] != self.key_id:
            return None
        if len(blob) != 76:
            raise PolicyInvalid(f"the cosignature by {name} is {len(blob)} bytes, not 76")
        when = int.from_bytes(blob[4:12], "big")
        message = b"cosignature/v1\ntime " + str(when).encode() + b"\n" + text.encode("utf-8")
        try:
            self.public_key.verify(blob[12:], message)
        except InvalidSignature as exc:
            raise PolicyInvalid(f"the cosignature by {name} does not verify") from exc
        return when


@dataclass
class TrustPolicy:
    witnesses: dict[str, WitnessKey] = field(default_factory=dict)
    groups: dict[str, tuple[int, list[str]]] = field(default_factory=dict)
    quorum: str = "none"

    def satisfied(self, vouched: set[str], name: str | None = None) -> bool:
        name = self.quorum if name is None else name
        if name == "none":
            return True
        if name in self.groups:
            need, members = self.groups[name]
            return sum(1 for m in members if self.satisfied(vouched, m)) >= need
        return name in vouched

    def quorum_text(self) -> str:
        if self.quorum == "none":
            return "none"
        if self.quorum in self.groups:
            need, members = self.groups[self.quorum]
            return f"{self.quorum}: {need} of {len(members)}"
        return self.quorum


def read_policy(text: str) -> TrustPolicy:
    policy = TrustPolicy()
    quorum_seen = False
    for number, line in enumerate(text.split("\n"), start=1):
        words = line.replace("\t", " ").split()
        if not words or words[0].startswith("#"):
            continue
        where = f"policy line {number}"
        keyword = words[0]
        if keyword == "log":
            if len(words) not in (2, 3):
                raise PolicyInvalid(f"{where}: log <vkey> [<url>]")
        elif keyword == "witness":
            if len(words) not in (3, 4):
                raise PolicyInvalid(f"{where}: witness <name> <vkey> [<url>]")
            _fresh(policy, words[1], where)
            key = WitnessKey.parse(words[2])
            if any(k.raw == key.raw for k in policy.witnesses.values()):
                raise PolicyInvalid(f"{where}: duplicate witness key")
            policy.witnesses[words[1]] = key
        elif keyword == "group":
            if len(words) < 4:
                raise PolicyInvalid(f"{where}: group <name> all|any|<k> <member>...")
            name, how, members = words[1], words[2], words[3:]
            _fresh(policy, name, where)
            for member in members:
                if member not in policy.witnesses and member not in policy.groups:
                    raise PolicyInvalid(f"{where}: {member!r} is not defined above")
            need = len(members) if how == "all" else 1 if how == "any" else int(how) if how.isdigit() else 0
            if not 1 <= need <= len(members):
                raise PolicyInvalid(f"{where}: threshold {how!r} is not all, any or 1..{len(members)}")
            policy.groups[name] = (need, members)
        elif keyword == "quorum":
            if quorum_seen or len(words) != 2:
                raise PolicyInvalid(f"{where}: exactly one 'quorum <name>' line")
            if words[1] != "none" and words[1] not in policy.witnesses and words[1] not in policy.groups:
                raise PolicyInvalid(f"{where}: quorum {words[1]!r} is not defined above")
            policy.quorum, quorum_seen = words[1], True
        else:
            raise PolicyInvalid(f"{where}: unknown keyword {keyword!r}")
    if not quorum_seen:
        raise PolicyInvalid("the policy has no quorum line")
    return policy


def _fresh(policy: TrustPolicy, name: str, where: str) -> None:
    if name == "none" or name in policy.witnesses or name in policy.groups:
        raise PolicyInvalid(f"{where}: the name {name!r} is reserved or already used")


def cosignatures(note: str, policy: TrustPolicy) -> tuple[dict[str, int], list[str]]:
    """(policy name -> cosignature time for each witness that validly cosigned, problems with lines that a
    policy key claims but that do not verify)."""
    text, _, block = note.partition("\n\n")
    text += "\n"
    vouched: dict[str, int] = {}
    problems: list[str] = []
    for line in block.split("\n"):
        for name, key in policy.witnesses.items():
            try:
                when = key.cosigned_at(line, text)
            except PolicyInvalid as exc:
                problems.append(str(exc))
                continue
            if when is not None:
                vouched[name] = when
    return vouched, problems
