"""Soft binding resolution: from a copy without its manifest back to the manifest Clearance signed.

* :mod:`.signed`: the signed clips (their manifest ids, soft bindings and manifest stores)
* :mod:`.by_binding`: an ``io.iscc.v0`` value -> manifests whose ISCC is close enough
* :mod:`.by_content`: media -> manifests, through the full matcher of the check over an index of signed clips

The HTTP face (the C2PA Soft Binding Resolution API) is :mod:`ledger.api.routers.sbr`.
"""

from ledger.resolution.matches import Match, UnsupportedQuery

__all__ = ["Match", "UnsupportedQuery"]
