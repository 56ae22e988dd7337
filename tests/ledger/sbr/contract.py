"""Check HTTP answers against the SBR contract in sbr-openapi.yaml (status documented, body valid)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jsonschema
import yaml

CONTRACT: dict[str, Any] = yaml.safe_load((Path(__file__).parent / "sbr-openapi.yaml").read_text("utf-8"))


def conforms(response: Any, method: str, template: str) -> None:
    """``response`` (httpx-like) answers ``method template`` as the contract documents."""
    operation = CONTRACT["paths"][template][method.lower()]
    status = str(response.status_code)
    assert status in operation["responses"], f"{method} {template} answered {status}, not in the contract"
    content = operation["responses"][status].get("content")
    if not content:
        return
    media_type = response.headers["content-type"].split(";")[0].strip()
    assert media_type in content, f"{method} {template} answered {media_type}, contract: {sorted(content)}"
    schema = content[media_type].get("schema", {})
    if media_type == "application/json":
        jsonschema.validate(response.json(), {**schema, "components": CONTRACT["components"]},
                            format_checker=jsonschema.FormatChecker())
