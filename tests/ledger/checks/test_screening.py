"""Prompt screening: which registered names, aliases and titles a prompt is found to name, and what it reports."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import count
from pathlib import Path
from typing import Any

import pytest

from ledger.checks.screening import PromptFindings, screen_prompt
from ledger.context import Clearance
from ledger.records.kinds import KINDS
from ledger.records.service import create_record
from ledger.settings import Settings
from ledger.setup import initialise

_sha = count(1)


class World:
    """A ledger holding a few people, an organisation and some works."""

    def __init__(self, home: Path) -> None:
        self.ctx = Clearance(Settings.load(environ={"CLEARANCE_HOME": str(home)}))
        initialise(self.ctx)
        self.ids: dict[str, str] = {}

    def add(self, key: str, record_kind: str, **data: Any) -> None:
        self.ids[key] = create_record(self.ctx, KINDS[record_kind], data, "test").record["id"]

    def asset(self, key: str, title: str, role: str = "reference_work", **fields: Any) -> None:
        self.add(key, "asset", role=role, title=title, media_type="image/png", sha256=f"{next(_sha):064x}",
                 acquisition_method="purchased", **fields)

    def screen(self, prompt: str) -> PromptFindings:
        with self.ctx.db.reader() as session:
            return screen_prompt(session, prompt)

    def people(self, prompt: str) -> list[tuple[str, str]]:
        """(id, matched term) of each person found, sorted."""
        return sorted((p["id"], p["matched"]) for p in self.screen(prompt).people)

    def works(self, prompt: str) -> list[tuple[str, str]]:
        return sorted((w["id"], w["matched"]) for w in self.screen(prompt).works)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    w = World(tmp_path_factory.mktemp("screening") / "home")
    w.add("crane", "party", kind="person", name="Victor Crane", aliases=["Vic Crane", "V.C.", "Al"])
    w.add("anna", "party", kind="person", name="Anna Berg", aliases=["Anna"])
    w.add("zoe", "party", kind="person", name="Zoë Hart")
    w.add("studio", "party", kind="organisation", name="Northlight Pictures")
    w.asset("harbor", "Harbor at Dusk (1998, reel 3)")
    w.asset("bridge", "Bridge at Dawn: a photograph")
    w.asset("train", "Night Train \u2014 Director's Cut")
    w.asset("cold", "Cold Harbour - Episode 2", role="training_asset")
    w.asset("lamp", "Lamp-Post Serenade")
    w.asset("it", "It (2017)")
    w.asset("up", "Up")
    w.asset("headshot", "Marigold Portrait", role="likeness_reference")
    w.asset("chair", "chair-orig-22-sd-bar", title_source="derived")
    w.asset("window", "The Wooden Chair by the Window", title_source="confirmed")
    w.asset("cafe", "Café Noir", title_source="entered")
    yield w
    w.ctx.db.dispose()


# ---------------------------------------------------------------- people

def test_nothing_is_found_in_an_empty_blank_or_unrelated_prompt(world: World) -> None:
    for prompt in ("", "   \n\t", "a lighthouse in the rain, 35mm, golden hour"):
        findings = world.screen(prompt)
        assert (findings.people, findings.works) == ([], []), prompt


def test_a_persons_name_is_found_whatever_its_case(world: World) -> None:
    findings = world.screen("a harbour at night in the style of VICTOR crane")
    assert findings.people == [{"id": world.ids["crane"], "name": "Victor Crane", "matched": "Victor Crane",
                                "quote": "VICTOR crane"}]
    assert findings.works == []


def test_an_alias_reports_the_registered_name_and_the_alias_it_matched(world: World) -> None:
    assert world.screen("in the manner of vic crane").people == [
        {"id": world.ids["crane"], "name": "Victor Crane", "matched": "Vic Crane", "quote": "vic crane"}]


def test_a_person_named_twice_is_one_finding_matched_by_the_name_first(world: World) -> None:
    assert world.people("Victor Crane, also known as Vic Crane") == [(world.ids["crane"], "Victor Crane")]


def test_names_match_whole_words_only(world: World) -> None:
    assert world.people("annabel at the window") == []
    assert world.people("the victor cranes his neck") == []
    assert world.people("a kanna plant") == []
    assert world.people("Anna's bicycle") == [(world.ids["anna"], "Anna")]
    assert world.people("(Victor Crane)") == [(world.ids["crane"], "Victor Crane")]


def test_terms_shorter_than_three_characters_never_match(world: World) -> None:
    assert world.people("al") == []
    assert world.people("Al and the sea") == []


def test_punctuation_in_a_name_is_matched_literally(world: World) -> None:
    assert world.people("a portrait by V.C. in oils") == [(world.ids["crane"], "V.C.")]
    assert world.people("a portrait by VxCx in oils") == []


def test_non_ascii_names_match_case_and_accent_insensitively(world: World) -> None:
    """Issue 11 makes matching accent-insensitive: "zoe hart" now finds Zoë Hart (it used not to)."""
    assert world.people("ZOË HART dancing") == [(world.ids["zoe"], "Zoë Hart")]
    assert world.people("zoe hart dancing") == [(world.ids["zoe"], "Zoë Hart")]
    assert world.screen("ZOE HÁRT dancing").people[0]["quote"] == "ZOE HÁRT"


def test_organisations_are_not_screened_as_people(world: World) -> None:
    assert world.screen("a Northlight Pictures logo").people == []


def test_every_person_named_is_found(world: World) -> None:
    assert world.people("Anna Berg and Zoë Hart meet Vic Crane") == sorted([
        (world.ids["anna"], "Anna Berg"), (world.ids["zoe"], "Zoë Hart"), (world.ids["crane"], "Vic Crane")])


# ---------------------------------------------------------------- works

def test_a_full_title_is_found_and_reported_with_the_title(world: World) -> None:
    findings = world.screen("recreate harbor at dusk (1998, reel 3) shot for shot")
    assert findings.works == [{"id": world.ids["harbor"], "title": "Harbor at Dusk (1998, reel 3)",
                               "matched": "Harbor at Dusk (1998, reel 3)",
                               "quote": "harbor at dusk (1998, reel 3)"}]
    assert findings.people == []


@pytest.mark.parametrize("key, prompt, matched", [
    ("harbor", "Harbor at Dusk, but in winter", "Harbor at Dusk"),
    ("bridge", "the bridge at dawn, oil painting", "Bridge at Dawn"),
    ("train", "a scene from Night Train", "Night Train"),
    ("cold", "cold harbour opening titles", "Cold Harbour"),
])
def test_the_main_part_of_a_title_is_found_on_its_own(world: World, key: str, prompt: str, matched: str) -> None:
    """The part before a parenthesis, colon, dash or spaced hyphen."""
    assert world.works(prompt) == [(world.ids[key], matched)]


def test_a_hyphen_inside_a_word_does_not_cut_a_title(world: World) -> None:
    assert world.works("a lamp on a desk at night") == []
    assert world.works("the lamp-post serenade, remade") == [(world.ids["lamp"], "Lamp-Post Serenade")]


def test_short_titles_match_only_in_full(world: World) -> None:
    assert world.works("up in the sky, it rains") == []
    assert world.works("a poster for It (2017)") == [(world.ids["it"], "It (2017)")]


def test_titles_match_whole_words_only(world: World) -> None:
    assert world.works("night trains at the station") == []
    assert world.works("cold harbours of the north") == []


def test_likeness_references_are_not_works(world: World) -> None:
    assert world.works("a marigold portrait in the sun") == []


def test_people_and_works_in_one_prompt_are_all_reported(world: World) -> None:
    report = world.screen("Zoë Hart walks through Harbor at Dusk and Night Train").as_json()
    assert set(report) == {"people", "works"}
    assert report["people"] == [{"id": world.ids["zoe"], "name": "Zoë Hart", "matched": "Zoë Hart",
                                 "quote": "Zoë Hart"}]
    by_id = sorted(report["works"], key=lambda w: w["id"])
    assert by_id == sorted([
        {"id": world.ids["harbor"], "title": "Harbor at Dusk (1998, reel 3)", "matched": "Harbor at Dusk",
         "quote": "Harbor at Dusk"},
        {"id": world.ids["train"], "title": "Night Train \u2014 Director's Cut", "matched": "Night Train",
         "quote": "Night Train"},
    ], key=lambda w: w["id"])


# ---------------------------------------------------------------- issue 11: what is screened, how it is quoted

def test_a_title_derived_from_a_file_name_is_not_screened(world: World) -> None:
    """register titles an asset after its file name; such a title is no work's name."""
    assert world.works("a wooden chair by the window") == []
    assert world.works("chair-orig-22-sd-bar") == []


def test_a_title_a_person_confirmed_or_entered_is_screened(world: World) -> None:
    assert world.works("The wooden chair by the window, remade") == [
        (world.ids["window"], "The Wooden Chair by the Window")]
    assert world.screen("a CAFE NOIR poster").works == [
        {"id": world.ids["cafe"], "title": "Café Noir", "matched": "Café Noir", "quote": "CAFE NOIR"}]


def test_accent_folding_keeps_whole_words(world: World) -> None:
    assert world.works("a café noirish mood") == []
