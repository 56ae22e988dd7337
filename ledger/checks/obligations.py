"""What the law asks the studio to do with a cleared clip besides clearing it: pure, no I/O.

A verdict says whether a clip may be used; an obligation says what must come with it. The one
obligation judged here is New York's synthetic-performer label:

**N.Y. General Business Law § 396-b(3)** (as amended in 2025, in force 2026-06-09): whoever produces
or creates an advertisement for a commercial purpose must conspicuously disclose that it contains a
*synthetic performer* (§ 396-b(1): a digital asset made or modified by generative AI or a software
algorithm to give the impression of a human performer who is not recognisable as any identifiable
natural performer) when they know it does. How it is read here:

* an advertisement: the request's media include ``advertising``;
* the use reaches New York: its territories bring in the ``US-NY`` pack (``policies.jurisdictions``);
* a synthetic performer: the request's ``synthetic_performer``. The caller's statement is the
  studio's knowledge. A request that does not say (``null``) is read as saying yes, failing closed:
  the label is required until the caller states ``synthetic_performer: false``.
* the obligation does not wait for the use date: an advertisement first shown before 2026-06-09 and
  still running is shown after it;
* § 396-b(4) spares advertisements for expressive works (films, series, games) that use the synthetic
  performer as the work does; whether it applies is for counsel, so it never lifts the obligation here.

A recognisable real person's replica is not a synthetic performer: that is a consent question for the
policies (Civil Rights Law § 50-f, GOL § 5-302), not this label. The label is visible, so signing can
only record that it is required (``visible_labels_required`` in the ``dev.clearance.ai-disclosure``
assertion); the caller must put it on screen.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from ledger.checks.models import Clip
from policies.jurisdictions import jurisdictions

NY_396B = "N.Y. Gen. Bus. Law § 396-b(3)"
NY_396B_IN_FORCE = date(2026, 6, 9)
NY_LABEL = "conspicuous disclosure, visible in the advertisement, that it contains a synthetic performer"


def obligations(clip: Clip) -> list[dict[str, Any]]:
    """The obligations that come with the clip's use (empty when none), as the ``check.decided`` payload holds them."""
    if "advertising" not in clip.media or "US-NY" not in jurisdictions(clip.territories):
        return []
    stated = clip.synthetic_performer
    if stated is False:
        return []
    why = ("the request states that a synthetic performer appears" if stated else
           "the request does not say whether a synthetic performer appears (read as yes, failing closed; "
           "state synthetic_performer false when none does)")
    return [{"kind": "visible_label", "law": NY_396B, "jurisdiction": "US-NY", "label": NY_LABEL,
             "in_force_from": NY_396B_IN_FORCE.isoformat(),
             "reason": f"an advertisement used in New York: {why}; counsel may find § 396-b(4) (advertising an "
                       "expressive work that uses the performer the same way) spares it"}]
