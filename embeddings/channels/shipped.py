"""Model files that ship inside an installed package, found without importing it.

The face models (``face_recognition_models``) and the speaker encoder (``resemblyzer``) come
in their wheels; both packages' ``__init__`` import ``pkg_resources``, which a new environment
lacks, so only their folders are looked up (``importlib.util.find_spec``).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from ..errors import ModelUnavailable


def shipped_folder(channel: str, package: str, subfolder: str, files: tuple[str, ...], *,
                   what: str, setting: str) -> Path:
    """``<package>/<subfolder>`` holding every one of ``files``; ModelUnavailable naming ``setting`` otherwise.

    ``what`` says what the package ships (for the message when it is not installed); ``setting``
    is the channel's switch (``voice_enabled``, ``identity_enabled``).
    """
    spec = importlib.util.find_spec(package)
    distribution = package.replace("_", "-")
    if spec is None or not spec.submodule_search_locations:
        raise ModelUnavailable(channel, f"package {package} (which ships {what}) is not installed",
                               setting=f"{setting} (install {distribution})")
    folder = Path(next(iter(spec.submodule_search_locations))) / subfolder
    for name in files:
        if not (folder / name).is_file():
            raise ModelUnavailable(channel, f"{what}: {folder / name} is missing",
                                   setting=f"{setting} (reinstall {distribution})")
    return folder
