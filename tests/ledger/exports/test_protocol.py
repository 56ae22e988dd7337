"""Production protocol settings: each setting is checked for its type and range, and named when wrong."""

from __future__ import annotations

from typing import Any

import pytest

from ledger.errors import ValidationFailed
from ledger.exports.protocol import ProtocolSettings


def _refused(**settings: Any) -> list[str]:
    with pytest.raises(ValidationFailed) as caught:
        ProtocolSettings.from_json(settings)
    return sorted(problem.field for problem in caught.value.problems)


def test_defaults_and_a_full_set_of_valid_settings_are_accepted() -> None:
    assert ProtocolSettings().bates(1) == "CLR0000001"
    settings = ProtocolSettings.from_json({"bates_prefix": "NLP", "bates_start": 500, "bates_padding": 6,
                                           "natives": True, "image_format": "png", "fields": ["F_NAME"]})
    assert settings.bates(settings.bates_start) == "NLP000500" and settings.natives is True


@pytest.mark.parametrize("value", ["no", "false", "yes", 0, 1])
def test_natives_must_be_true_or_false_not_a_word_that_would_read_as_true(value: object) -> None:
    assert _refused(natives=value) == ["natives"]


@pytest.mark.parametrize("field", ["bates_start", "bates_padding"])
@pytest.mark.parametrize("value", [True, "7", 2.0, 0, -3])
def test_bates_numbers_must_be_whole_numbers_in_range(field: str, value: object) -> None:
    assert _refused(**{field: value}) == [field]


def test_every_wrong_setting_is_named_at_once() -> None:
    assert _refused(bates_prefix="lower", natives="yes", image_format="gif", fields=["NAME"]) == \
        ["bates_prefix", "fields", "image_format", "natives"]


def test_an_unknown_setting_is_refused_by_name() -> None:
    assert _refused(bates_suffix="X") == ["bates_suffix"]
