"""Loading the policy directory: validation errors name file and line, the hash, annotations."""

from __future__ import annotations

import json
from pathlib import Path

import cedarpy
import pytest

from policies.engine import PolicyEngine
from policies.errors import PolicyError, PolicyLoadError
from policies.loader import DEFAULT_DIRECTORY, policy_set_hash, split_statements


def _problem_lines(error: PolicyLoadError) -> list[tuple[str, int | None]]:
    return [(p.file, p.line) for p in error.problems]


def _append(path: Path, text: str) -> int:
    """Append ``text`` to ``path``; return the 1-based line the text starts on."""
    existing = path.read_text()
    if not existing.endswith("\n"):
        existing += "\n"
    path.write_text(existing + text)
    return existing.count("\n") + 1


BAD_ATTRIBUTE = """
@id("test.bad-attribute")
@verdict("block")
@sentence("Refers to an attribute the schema does not declare.")
forbid (principal, action, resource is Clearance::Asset)
when {
  resource.no_such_attribute == "x"
};
"""


def test_schema_invalid_policy_stops_load_naming_file_and_line(policy_dir: Path) -> None:
    start = _append(policy_dir / "license_scope.cedar", BAD_ATTRIBUTE)
    with pytest.raises(PolicyLoadError) as caught:
        PolicyEngine.load(policy_dir)
    error = caught.value
    assert _problem_lines(error) == [("license_scope.cedar", start + 6)]
    assert error.problems[0].policy_id == "test.bad-attribute"
    text = error.diagnostics()
    assert f"license_scope.cedar:{start + 6}" in text and "no_such_attribute" in text
    assert isinstance(error, PolicyError)


def test_wrong_type_is_reported_at_its_line(policy_dir: Path) -> None:
    start = _append(policy_dir / "similarity.cedar", """
@id("test.bad-type")
@verdict("review")
@sentence("Compares a date with a string.")
forbid (principal, action, resource)
when {
  context.use_ymd == "2025-01-01"
};
""")
    with pytest.raises(PolicyLoadError) as caught:
        PolicyEngine.load(policy_dir)
    assert [p.file for p in caught.value.problems] == ["similarity.cedar"]
    assert caught.value.problems[0].line == start + 1  # the statement; Cedar quotes no name to pin


def test_unguarded_optional_attribute_is_pinned_past_the_annotations(policy_dir: Path) -> None:
    start = _append(policy_dir / "license_scope.cedar", """
@id("test.unguarded")
@verdict("block")
@sentence("Reads the license without checking the context has one.")
forbid (principal, action, resource is Clearance::Asset)
when {
  context.touch.kind == "training" &&
  context.license.revoked
};
""")
    with pytest.raises(PolicyLoadError) as caught:
        PolicyEngine.load(policy_dir)
    lines = set(_problem_lines(caught.value))
    assert lines == {("license_scope.cedar", start + 7)}, caught.value.diagnostics()


def test_misspelt_action_is_pinned_to_its_line(policy_dir: Path) -> None:
    start = _append(policy_dir / "opt_outs.cedar", """
@id("test.misspelt")
@verdict("block")
@sentence("Names an action that does not exist.")
forbid (
  principal,
  action == Clearance::Action::"trian",
  resource
);
""")
    with pytest.raises(PolicyLoadError) as caught:
        PolicyEngine.load(policy_dir)
    assert ("opt_outs.cedar", start + 6) in _problem_lines(caught.value)
    assert "trian" in caught.value.diagnostics()


def test_unparseable_policy_names_file_and_line(policy_dir: Path) -> None:
    start = _append(policy_dir / "opt_outs.cedar", """
@id("test.broken")
@verdict("block")
@sentence("Missing its condition.")
forbid (principal, action, resource) when { };
""")
    with pytest.raises(PolicyLoadError) as caught:
        PolicyEngine.load(policy_dir)
    assert _problem_lines(caught.value) == [("opt_outs.cedar", start + 1)]
    assert "does not parse" in caught.value.diagnostics()


@pytest.mark.parametrize(
    ("annotations", "message"),
    [
        ('@verdict("block")\n@sentence("No id.")', "@id"),
        ('@id("test.no-sentence")\n@verdict("block")', "@sentence"),
        ('@id("test.no-verdict")\n@sentence("No verdict.")', "@verdict"),
        ('@id("test.pass-forbid")\n@verdict("pass")\n@sentence("A forbid cannot pass.")', "expected block or review"),
        ('@id("base.cleared-unless-forbidden")\n@verdict("block")\n@sentence("Duplicate.")', "duplicate @id"),
        ('@id("engine.mine")\n@verdict("block")\n@sentence("Reserved.")', "reserved"),
    ],
)
def test_annotation_problems_stop_load(policy_dir: Path, annotations: str, message: str) -> None:
    start = _append(policy_dir / "prompts.cedar",
                    f"{annotations}\nforbid (principal, action, resource is Clearance::Clip);\n")
    with pytest.raises(PolicyLoadError) as caught:
        PolicyEngine.load(policy_dir)
    assert _problem_lines(caught.value) == [("prompts.cedar", start)]
    assert message in caught.value.diagnostics()


def test_broken_schema_stops_load(policy_dir: Path) -> None:
    schema = policy_dir / "clearance.cedarschema"
    schema.write_text(schema.read_text().replace("death_ymd?: Long", "death_ymd?: Lnog"))
    with pytest.raises(PolicyLoadError) as caught:
        PolicyEngine.load(policy_dir)
    assert caught.value.problems[0].file == "clearance.cedarschema"


def test_missing_schema_stops_load(policy_dir: Path) -> None:
    (policy_dir / "clearance.cedarschema").unlink()
    with pytest.raises(PolicyLoadError, match="cedarschema"):
        PolicyEngine.load(policy_dir)


def test_missing_directory_stops_load(tmp_path: Path) -> None:
    with pytest.raises(PolicyLoadError, match="does not exist"):
        PolicyEngine.load(tmp_path / "nowhere")


def test_policy_set_hash_is_stable_and_tracks_every_file(policy_dir: Path) -> None:
    first = PolicyEngine.load(policy_dir).policy_set_hash
    assert PolicyEngine.load(policy_dir).policy_set_hash == first
    assert len(first) == 64
    policy = policy_dir / "base.cedar"
    policy.write_text(policy.read_text() + "\n// a comment changes the bytes\n")
    second = PolicyEngine.load(policy_dir).policy_set_hash
    assert second != first
    schema = policy_dir / "clearance.cedarschema"
    schema.write_text(schema.read_text() + "\n")
    assert PolicyEngine.load(policy_dir).policy_set_hash not in (first, second)


def test_policy_set_hash_matches_its_definition(engine: PolicyEngine) -> None:
    files = sorted([*DEFAULT_DIRECTORY.glob("*.cedar"), *DEFAULT_DIRECTORY.glob("*.cedarschema")],
                   key=lambda p: p.name)
    assert engine.policy_set_hash == policy_set_hash(files)


def test_every_shipped_policy_has_id_sentence_and_verdict(engine: PolicyEngine) -> None:
    """Read the raw files with Cedar (not the engine) and check every policy is annotated."""
    total = 0
    for path in sorted(DEFAULT_DIRECTORY.glob("*.cedar")):
        est = json.loads(cedarpy.policies_to_json_str(path.read_text()))
        assert not est["templates"], path.name
        for body in est["staticPolicies"].values():
            notes = body.get("annotations", {})
            assert notes.get("id"), f"{path.name}: policy without @id"
            assert notes.get("sentence", "").strip().endswith("."), f"{path.name}: {notes.get('id')} sentence"
            expected = {"pass"} if body["effect"] == "permit" else {"review", "block"}
            assert notes.get("verdict") in expected, f"{path.name}: {notes['id']} verdict"
            total += 1
    assert total == len(engine.policies)
    assert len({p.id for p in engine.policies}) == total


def test_one_file_per_concern(engine: PolicyEngine) -> None:
    files = {p.file for p in engine.policies}
    assert {"license_scope.cedar", "ab2602_consent.cedar", "ab1836_deceased.cedar", "opt_outs.cedar",
            "similarity.cedar"} <= files


def test_policy_lines_point_at_their_annotations(engine: PolicyEngine) -> None:
    for info in engine.policies:
        source_line = (DEFAULT_DIRECTORY / info.file).read_text().splitlines()[info.line - 1]
        assert source_line.strip() == f'@id("{info.id}")'


def test_split_statements_ignores_semicolons_in_strings_and_comments() -> None:
    text = '// a; comment\n@id("a;b")\npermit (principal, action, resource);\n\n  forbid (principal, action, resource)\n;'
    statements = split_statements(text)
    assert [s.line for s in statements] == [2, 5]
    assert statements[0].text.startswith('@id("a;b")')
