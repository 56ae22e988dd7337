"""Model files shipped in an installed package are found without importing it, or the setting is named."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from embeddings.channels.shipped import shipped_folder
from embeddings.errors import ModelUnavailable


def test_it_finds_the_folder_holding_the_files() -> None:
    folder = shipped_folder("test", "json", "", ("decoder.py", "encoder.py"), what="a parser", setting="x_enabled")
    assert folder == Path(json.__file__).parent


def test_a_package_that_is_not_installed_names_the_setting_and_what_to_install() -> None:
    with pytest.raises(ModelUnavailable) as caught:
        shipped_folder("voice", "no_such_model_pkg", "", ("w.pt",), what="the weights", setting="voice_enabled")
    assert caught.value.channel == "voice"
    assert "no_such_model_pkg (which ships the weights) is not installed" in caught.value.reason
    assert caught.value.setting == "voice_enabled (install no-such-model-pkg)"


def test_a_missing_file_names_it_and_asks_for_a_reinstall() -> None:
    with pytest.raises(ModelUnavailable) as caught:
        shipped_folder("identity", "json", "", ("absent.dat",), what="the face models", setting="identity_enabled")
    assert "absent.dat is missing" in caught.value.reason
    assert caught.value.setting == "identity_enabled (reinstall json)"
