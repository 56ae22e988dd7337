"""Plain words for what the policies found: one short reason per work or person, and the fix for each problem.

The policies' sentences and facts stay in the report (behind each row's details); these
phrases are what a reader scans first. A phrase says what is wrong with the grant, or
that there is none; it never decides anything.
"""

from __future__ import annotations

from dataclasses import dataclass

from policies import Reason

# The part of a policy id after its family ("license.", "consent.", "ab1836.") -> what it says of the grant.
_GRANT_PHRASES = {
    "revoked": "was revoked",
    "project-outside-scope": "does not name this project",
    "work-outside-scope": "does not name this work",
    "use-outside-scope": "does not allow training",
    "media-outside-scope": "does not cover the media",
    "territory-outside-scope": "does not cover the territories",
    "not-yet-in-force": "was not yet in force on the date",
    "expired": "had ended by the date",
    "term-outside-scope": "is outside its term on the date",
    "voice-not-covered": "does not cover the voice",
    "likeness-not-covered": "does not cover the likeness",
    "unenforceable-consent": "is unenforceable under AB 2602 (no specific description, no counsel or union)",
    "fixation-date-missing": "does not record when the performance was fixed",
    "consent-not-prior": "was given after the use",
    "ended-at-death": "ended at the performer's death",
    "exception-not-statutory": "relies on an exception the statute does not list",
    "exception-without-sign-off": "relies on an exception no legal reviewer signed off",
    "person-living": "is an estate permission for a living person",
}
_GRANT_NAMES = {"license": "license", "consent": "consent", "estate_permission": "estate permission"}
OPT_OUT = "opt-out"


def policy_phrase(reason: Reason, generic: bool = False) -> str:
    """What the policy found, in a few words (no subject; ``generic``: no grant id either, for chart labels)."""
    family, _, rest = reason.policy_id.partition(".")
    if reason.policy_id == "license.required":
        return "no license on file"
    if reason.policy_id == "ab2602.consent-required":
        return "no consent on file"
    if reason.policy_id == "ab1836.permission-required":
        return "no estate permission on file"
    if family == OPT_OUT:
        return ("the rights holder's opt-out allows training only under constraints a person must read"
                if rest == "constraint-needs-review" else "the rights holder opted out of AI training")
    if rest in _GRANT_PHRASES:
        grant = _GRANT_NAMES.get(reason.grant.kind, reason.grant.kind) if reason.grant else "grant"
        named = f"{grant} {_base(reason.grant.id)}" if reason.grant and not generic else f"the {grant}"
        return f"{named} {_GRANT_PHRASES[rest]}"
    return reason.sentence.rstrip(".")


def _base(grant_id: str) -> str:
    return grant_id.split("#", 1)[0]


@dataclass(frozen=True)
class Problem:
    """A group of works sharing one fix: ``kind`` and ``target`` identify it, ``fix`` says it for N works."""

    kind: str      # license | license_terms | opt_out | person | other
    target: str    # who can fix it: the rights holder, licensor or person (a name), or the policy id

    def fix(self, works: int) -> str:
        plural = "work" if works == 1 else "works"
        if self.kind == "license":
            return f"Get a license from {self.target} for {works} {plural}."
        if self.kind == "license_terms":
            return f"Renew or widen the license from {self.target}: it does not cover {works} {plural} for this use."
        if self.kind == "opt_out":
            return f"Drop {works} opted-out {plural} from the dataset version (the rights holders said no)."
        if self.kind == "person":
            return f"Record a consent of {self.target} that allows this training ({works} {plural} depict them)."
        if self.kind == "deceased":
            return (f"Record the estate's permission for {self.target} before using the {works} {plural} "
                    f"that {'shows' if works == 1 else 'show'} them (Cal. Civ. Code § 3344.1).")
        return f"Resolve \"{self.target}\" for {works} {plural}."


def problem_of(reason: Reason, rights_holder: str, licensor: str, person: str, deceased: bool) -> Problem:
    """The group a not-cleared work falls in for this reason, naming who can fix it."""
    family = reason.policy_id.partition(".")[0]
    if reason.policy_id == "license.required":
        return Problem("license", rights_holder)
    if family == "license":
        return Problem("license_terms", licensor)
    if family == OPT_OUT:
        return Problem("opt_out", "")
    if reason.subject_kind == "person":
        return Problem("deceased" if deceased else "person", person)
    return Problem("other", reason.policy_id)
