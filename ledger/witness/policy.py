"""C2SP ``tlog-policy`` files: the logs, the witnesses and the quorum a checkpoint must meet.

::

    log <vkey> [<url>]
    witness <name> <vkey> [<url>]
    group <name> all|any|<k> <member>...
    quorum <name>|none

Groups and the quorum may name only witnesses and groups defined on earlier lines.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ledger.log.note import NoteError, Verifier
from ledger.witness.cosignature import CosignerVerifier


class PolicyError(ValueError):
    """A policy file is malformed; the message names the line."""


@dataclass(frozen=True)
class PolicyWitness:
    name: str
    verifier: CosignerVerifier
    url: str | None = None


@dataclass(frozen=True)
class Group:
    name: str
    threshold: int
    members: tuple[str, ...]


@dataclass
class Policy:
    logs: list[tuple[Verifier, str | None]] = field(default_factory=list)
    witnesses: dict[str, PolicyWitness] = field(default_factory=dict)
    groups: dict[str, Group] = field(default_factory=dict)
    quorum: str | None = None

    def met_by(self, vouched: set[str]) -> bool:
        """Whether cosignatures from the witnesses named in ``vouched`` meet the quorum."""
        return self.quorum is None or self.quorum == "none" or self._witnessed(self.quorum, vouched)

    def _witnessed(self, name: str, vouched: set[str]) -> bool:
        group = self.groups.get(name)
        if group is None:
            return name in vouched
        return sum(self._witnessed(member, vouched) for member in group.members) >= group.threshold

    def describe_quorum(self) -> str:
        if self.quorum in (None, "none"):
            return "no cosignatures required"
        group = self.groups.get(self.quorum)
        if group is None:
            return f"witness {self.quorum}"
        return f"{group.threshold} of {len(group.members)} in {group.name}"

    def render(self) -> str:
        lines = [f"log {verifier_vkey(v)}" + (f" {url}" if url else "") for v, url in self.logs]
        lines += [f"witness {w.name} {w.verifier.vkey}" + (f" {w.url}" if w.url else "")
                  for w in self.witnesses.values()]
        lines += [f"group {g.name} {g.threshold} {' '.join(g.members)}" for g in self.groups.values()]
        if self.quorum is not None:
            lines.append(f"quorum {self.quorum}")
        return "\n".join(lines) + "\n"


def verifier_vkey(verifier: Verifier) -> str:
    from ledger.log.note import verifier_key

    return verifier_key(verifier.name, verifier.public_key)


def parse_policy(text: str, *, require_quorum: bool = True) -> Policy:
    policy = Policy()
    for number, raw in enumerate(text.splitlines(), start=1):
        words = raw.replace("\t", " ").split()
        if not words or words[0].startswith("#"):
            continue
        try:
            _apply(policy, words)
        except (NoteError, PolicyError) as exc:
            raise PolicyError(f"policy line {number}: {exc}") from None
    if require_quorum and policy.quorum is None:
        raise PolicyError("the policy has no 'quorum' line")
    return policy


def _apply(policy: Policy, words: list[str]) -> None:
    keyword, args = words[0], words[1:]
    if keyword == "log":
        if len(args) not in (1, 2):
            raise PolicyError("expected 'log <vkey> [<url>]'")
        verifier = Verifier.from_vkey(args[0])
        if any(v.public_key.public_bytes_raw() == verifier.public_key.public_bytes_raw() for v, _ in policy.logs):
            raise PolicyError("duplicate log key")
        policy.logs.append((verifier, args[1] if len(args) == 2 else None))
    elif keyword == "witness":
        if len(args) not in (2, 3):
            raise PolicyError("expected 'witness <name> <vkey> [<url>]'")
        _new_name(policy, args[0])
        cosigner = CosignerVerifier.from_vkey(args[1])
        if any(w.verifier.raw_key() == cosigner.raw_key() for w in policy.witnesses.values()):
            raise PolicyError(f"witness {args[0]} repeats another witness's key")
        policy.witnesses[args[0]] = PolicyWitness(args[0], cosigner, args[2] if len(args) == 3 else None)
    elif keyword == "group":
        if len(args) < 3:
            raise PolicyError("expected 'group <name> all|any|<k> <member>...'")
        name, how, members = args[0], args[1], tuple(args[2:])
        _new_name(policy, name)
        for member in members:
            if member not in policy.witnesses and member not in policy.groups:
                raise PolicyError(f"group {name} names {member!r}, not a witness or group defined above")
        if how == "all":
            threshold = len(members)
        elif how == "any":
            threshold = 1
        elif how.isdigit() and 1 <= int(how) <= len(members):
            threshold = int(how)
        else:
            raise PolicyError(f"group {name}: threshold must be all, any or 1..{len(members)}, not {how!r}")
        policy.groups[name] = Group(name, threshold, members)
    elif keyword == "quorum":
        if len(args) != 1:
            raise PolicyError("expected 'quorum <name>'")
        if policy.quorum is not None:
            raise PolicyError("a policy has exactly one quorum line")
        if args[0] != "none" and args[0] not in policy.witnesses and args[0] not in policy.groups:
            raise PolicyError(f"quorum names {args[0]!r}, not a witness or group defined above")
        policy.quorum = args[0]
    else:
        raise PolicyError(f"unknown keyword {keyword!r}")


def _new_name(policy: Policy, name: str) -> None:
    if name == "none":
        raise PolicyError("'none' is reserved")
    if name in policy.witnesses or name in policy.groups:
        raise PolicyError(f"name {name!r} is already defined")
