"""Which jurisdictions' policy packs a use is judged under, from its territories.

Each state's statutes are a pack of policies (``ab2602_consent.cedar`` and ``ab1836_deceased.cedar``
for California, ``ny_replicas.cedar`` for New York, ``tn_elvis.cedar`` for Tennessee) whose forbid rules start with
``context.jurisdictions.contains("US-..")``. The rule each pack applies:

* **California** (``US-CA``) is the studio's home law and applies unless every territory of the use is
  another US state (``US-NY`` alone, say). ``US``, ``WORLD``, ``US-CA`` and any territory outside the
  United States bring it in: failing closed, a use abroad is still held to the studio's own law.
* **New York** (``US-NY``) applies when the use reaches New York: ``US``, ``WORLD`` or ``US-NY``.
  Within it, Civil Rights Law 50-f reaches only people domiciled in New York at death
  (``resource.domicile_at_death``); the policies send an unrecorded domicile to review.
* **Tennessee** (``US-TN``) is selected the same way (``US``, ``WORLD``, ``US-TN``). Besides, the
  ELVIS Act follows its domiciliaries wherever the use is: ``tn_elvis.cedar`` also judges a person
  whose ``domicile`` (living) or ``domicile_at_death`` is ``US-TN``, and a tool dedicated to one.

A nationwide use (``US``) therefore brings in every state pack (fail closed). Territories of grants are
compared in ``policies.entities.covered_territories``: a grant for ``US`` covers ``US-NY``.
"""

from __future__ import annotations

from collections.abc import Iterable

STATE_PACKS = ("US-CA", "US-NY", "US-TN")


def jurisdictions(territories: Iterable[str]) -> frozenset[str]:
    """The state packs that judge a use in ``territories`` (ISO 3166 codes or ``WORLD``)."""
    places = set(territories)
    found = {state for state in STATE_PACKS if places & {"WORLD", "US", state}}
    if any(not (p.startswith("US-") or p == "US") for p in places):
        found.add("US-CA")  # abroad: the studio's home law, failing closed
    return frozenset(found)
