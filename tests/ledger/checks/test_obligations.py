"""New York's synthetic-performer label (GBL § 396-b(3)): which uses the check tells to carry one."""

from __future__ import annotations

from datetime import date

import pytest

from ledger.checks.models import Clip
from ledger.checks.obligations import NY_396B, obligations


def _clip(media: list[str], territories: list[str], synthetic: bool | None) -> Clip:
    return Clip(id="clp_1", sha256="0" * 64, md5="", sha1="", size_bytes=1, filename="ad.mp4", service="svc",
                project="p", media=media, territories=territories, release_date=date(2026, 12, 1), log_index=0,
                synthetic_performer=synthetic)


@pytest.mark.parametrize(("media", "territories", "synthetic", "required"), [
    (["advertising"], ["US-NY"], True, True),
    (["advertising", "social_media"], ["WORLD"], True, True),   # WORLD reaches New York
    (["advertising"], ["US"], None, True),                      # not stated: read as yes (fail closed)
    (["advertising"], ["US-NY"], False, False),                 # stated: no synthetic performer
    (["streaming"], ["US-NY"], True, False),                    # not an advertisement
    (["advertising"], ["US-CA"], True, False),                  # does not reach New York
])
def test_the_label_is_required_for_an_advertisement_reaching_new_york(media: list[str], territories: list[str],
                                                                      synthetic: bool | None, required: bool) -> None:
    found = obligations(_clip(media, territories, synthetic))
    assert bool(found) is required
    if required:
        [label] = found
        assert label["law"] == NY_396B and label["jurisdiction"] == "US-NY" and label["kind"] == "visible_label"
        assert ("failing closed" in label["reason"]) is (synthetic is None)
