"""The review queue's routes: roles per route (measured as the access matrix does), filters and sorts,
taking and assigning checks, notes, saved filters, and the log they leave (replayed and role-filtered)."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from ledger.api.access import measure
from ledger.api.app import create_app
from ledger.audit import replay
from ledger.auth.keys import create_key
from ledger.context import Clearance
from ledger.records.enums import Role
from tests.ledger.review_studio import review_studio, team_queue

QUEUE_ROUTES = {("GET", "/v1/review-queue"), ("GET", "/v1/review-queue/reviewers"), ("POST", "/v1/review-queue/take"),
                ("POST", "/v1/checks/{check_id}/assignment"), ("GET", "/v1/checks/{check_id}/notes"),
                ("POST", "/v1/checks/{check_id}/notes"), ("GET", "/v1/review-queue/filters"),
                ("POST", "/v1/review-queue/filters"), ("DELETE", "/v1/review-queue/filters/{filter_id}")}
READ_BY_QUEUE_READERS = {("GET", "/v1/review-queue"), ("GET", "/v1/review-queue/reviewers"),
                         ("GET", "/v1/checks/{check_id}/notes")}


class Team:
    def __init__(self, ctx: Clearance) -> None:
        self.studio = review_studio(ctx)
        self.more = team_queue(self.studio)
        created = {role.value: create_key(ctx, role.value, label=f"{role.value}-jo") for role in Role}
        created["legal2"] = create_key(ctx, "legal", label="legal-sam")
        self.keys = {name: secret for name, (secret, _) in created.items()}
        self.key_ids = {name: row.id for name, (_, row) in created.items()}
        self.client = TestClient(create_app(ctx))
        self.ctx = ctx

    def call(self, who: str, method: str, path: str, **kwargs: Any) -> Any:
        return self.client.request(method, path, headers={"Authorization": f"Bearer {self.keys[who]}"}, **kwargs)

    def queue(self, who: str = "legal", **params: Any) -> list[str]:
        answer = self.call(who, "GET", "/v1/review-queue", params=params)
        assert answer.status_code == 200, answer.text
        return [item["filename"] for item in answer.json()["items"]]


@pytest.fixture
def team(ctx: Clearance) -> Team:
    return Team(ctx)


def test_each_queue_route_admits_exactly_its_roles(sqlite_ctx: Clearance) -> None:
    world = Team(sqlite_ctx)
    paths = {p: ops for p, ops in world.client.get("/openapi.json").json()["paths"].items()
             if any((m.upper(), p) in QUEUE_ROUTES for m in ops)}
    matrix = measure(paths, lambda method, path, role: world.call(role, method, path, json={}).status_code)
    assert set(matrix) == QUEUE_ROUTES
    for route, allowed in matrix.items():
        expected = {"admin", "legal", "auditor"} if route in READ_BY_QUEUE_READERS else {"admin", "legal"}
        assert {role for role, ok in allowed.items() if ok} == expected, route


def test_the_queue_filters_and_sorts_and_shows_age_release_date_and_service(team: Team) -> None:
    answer = team.call("auditor", "GET", "/v1/review-queue").json()
    assert answer["total"] == answer["total_pending"] == 4
    first = answer["items"][0]
    assert first["filename"] == "lighthouse-variant.jpg" and first["service"] == "gen-svc"
    assert first["age_s"] >= 0 and first["release_date"] and first["decided_at"] and first["assignee"] is None
    assert "a person must compare them" in " ".join(r["sentence"] for r in first["reasons"])
    assert answer["facets"]["channels"] == ["perceptual", "semantic"]
    assert team.queue(service="storyboard-svc") == ["harbour-teaser.jpg", "harbour-poster.jpg"]
    assert team.queue(project="Tidewater", sort="newest") == ["tidewater-pan.jpg", "lighthouse-variant.jpg"]
    assert team.queue(policy="prompt.work-title-unlicensed", service="storyboard-svc") == ["harbour-poster.jpg"]
    assert team.queue(channel="semantic") == ["harbour-teaser.jpg"]
    assert team.queue(sort="release")[:3] == ["lighthouse-variant.jpg", "harbour-poster.jpg", "tidewater-pan.jpg"]
    assert team.queue(release_before="2030-06-30", service="storyboard-svc") == ["harbour-poster.jpg"]
    assert team.queue(min_age_days=1) == []  # everything here was decided moments ago
    paged = team.call("legal", "GET", "/v1/review-queue", params={"limit": 3}).json()
    assert len(paged["items"]) == 3 and paged["next_cursor"] == "3"
    bad = team.call("legal", "GET", "/v1/review-queue", params={"sort": "loudest", "release_before": "soon"})
    assert bad.status_code == 422 and {p["field"] for p in bad.json()["errors"]} == {"query.sort",
                                                                                     "query.release_before"}


def test_take_next_assigns_each_check_once_and_assignment_is_checked(team: Team) -> None:
    taken = team.call("legal", "POST", "/v1/review-queue/take", json={"service": "storyboard-svc"})
    assert taken.status_code == 200, taken.text
    first = taken.json()["assignment"]
    assert first["assignee_name"] == "legal-jo" and taken.json()["log"]["index"] == first["log_index"]
    again = team.call("legal2", "POST", "/v1/review-queue/take", json={"service": "storyboard-svc"}).json()
    assert again["assignment"]["check_id"] != first["check_id"]
    none_left = team.call("legal", "POST", "/v1/review-queue/take", json={"service": "storyboard-svc"})
    assert none_left.status_code == 404 and "no unassigned check" in none_left.json()["detail"]
    assert team.queue(assignee="me") == ["harbour-teaser.jpg"]
    assert team.queue("legal2", assignee="me") == ["harbour-poster.jpg"]
    assert len(team.queue(assignee="none")) == 2

    check_id = team.studio.check_id
    path = f"/v1/checks/{check_id}/assignment"
    to_auditor = team.call("legal", "POST", path, json={"assignee_key_id": team.key_ids["auditor"]})
    assert to_auditor.status_code == 422 and to_auditor.json()["errors"][0]["field"] == "assignee"
    assert team.call("legal", "POST", path, json={"assignee_key_id": "../../etc"}).status_code == 422
    moved = team.call("admin", "POST", path, json={"assignee_key_id": team.key_ids["legal2"]}).json()["assignment"]
    assert moved["assignee_name"] == "legal-sam" and moved["assigned_by"] == f"key:{team.key_ids['admin']}"
    released = team.call("legal2", "POST", path, json={"assignee_key_id": None}).json()["assignment"]
    assert released["assignee_key_id"] is None
    decided = team.call("legal", "POST", f"/v1/reviews/{check_id}", json={"decision": "reject", "reason": "a copy"})
    assert decided.status_code == 200
    late = team.call("legal", "POST", path, json={"assignee_key_id": team.key_ids["legal"]})
    assert late.status_code == 409 and "not awaiting review" in late.json()["detail"]
    assert "lighthouse-variant.jpg" not in team.queue()


def test_notes_are_logged_with_their_author_and_only_queue_readers_read_them(team: Team) -> None:
    check_id = team.studio.check_id
    empty = team.call("legal", "POST", f"/v1/checks/{check_id}/notes", json={"text": ""})
    assert empty.status_code == 422
    assert team.call("legal", "POST", "/v1/checks/chk_absent/notes", json={"text": "x"}).status_code == 404
    noted = team.call("legal", "POST", f"/v1/checks/{check_id}/notes", json={"text": "Tower shape differs; ask Sam."})
    assert noted.status_code == 201
    note = noted.json()["note"]
    assert note["author"] == "legal-jo" and note["author_role"] == "legal"
    assert team.call("auditor", "GET", f"/v1/checks/{check_id}/notes").json()["items"] == [note]
    entry = team.call("admin", "GET", f"/v1/log/entries/{note['log_index']}").json()
    assert entry["envelope"]["type"] == "review.noted" and entry["envelope"]["subject"] == {"kind": "check",
                                                                                           "id": check_id}
    assert entry["payload"]["text"] == "Tower shape differs; ask Sam."
    for role in ("generator", "registrar", "resolver"):
        seen = team.call(role, "GET", f"/v1/log/entries/{note['log_index']}").json()
        assert seen["payload"] is None and "may not read review.noted events" in seen["withheld"]["reason"]
        assert "Tower shape" not in team.call(role, "GET", "/v1/log/entries", params={"limit": 1000}).text


def test_saved_filters_belong_to_their_reviewer(team: Team) -> None:
    saved = team.call("legal", "POST", "/v1/review-queue/filters",
                      json={"name": "Harbour by release", "criteria": {"project": "Harbour Lights", "sort": "release"}})
    assert saved.status_code == 201, saved.text
    flt = saved.json()["filter"]
    assert flt["criteria"] == {"project": "Harbour Lights", "sort": "release"}
    assert team.queue(saved=flt["id"]) == ["harbour-poster.jpg", "harbour-teaser.jpg"]
    replaced = team.call("legal", "POST", "/v1/review-queue/filters",
                         json={"name": "Harbour by release", "criteria": {"project": "Harbour Lights"}}).json()
    assert replaced["filter"]["id"] == flt["id"]
    assert [f["name"] for f in team.call("legal", "GET", "/v1/review-queue/filters").json()["items"]] == [
        "Harbour by release"]
    assert team.call("legal2", "GET", "/v1/review-queue/filters").json()["items"] == []
    theirs = team.call("legal2", "GET", "/v1/review-queue", params={"saved": flt["id"]})
    assert theirs.status_code == 404
    assert team.call("legal2", "DELETE", f"/v1/review-queue/filters/{flt['id']}").status_code == 404
    unknown = team.call("legal", "POST", "/v1/review-queue/filters", json={"name": "x", "criteria": {"colour": "red"}})
    assert unknown.status_code == 422
    assert team.call("legal", "DELETE", f"/v1/review-queue/filters/{flt['id']}").status_code == 200
    assert team.call("legal", "GET", "/v1/review-queue/filters").json()["items"] == []


def test_the_replay_audit_rebuilds_assignments_notes_and_filters_from_the_log(team: Team) -> None:
    team.call("legal", "POST", "/v1/review-queue/take", json={})
    team.call("legal", "POST", f"/v1/checks/{team.studio.check_id}/notes", json={"text": "first look done"})
    kept = team.call("legal", "POST", "/v1/review-queue/filters", json={"name": "mine", "criteria": {"assignee": "me"}})
    gone = team.call("legal", "POST", "/v1/review-queue/filters", json={"name": "old", "criteria": {}}).json()
    team.call("legal", "DELETE", f"/v1/review-queue/filters/{gone['filter']['id']}")
    assert kept.status_code == 201
    report = replay.verify(team.ctx)
    assert report.ok, report.findings


def test_the_next_check_after_a_decision_is_the_reviewers_or_no_ones(team: Team) -> None:
    from ledger.worklist.criteria import parse
    from ledger.worklist.queue import next_check

    mine, other = team.key_ids["legal"], team.key_ids["legal2"]
    first = team.call("legal2", "POST", "/v1/review-queue/take", json={}).json()["assignment"]["check_id"]
    assert first == team.studio.check_id
    after = next_check(team.ctx, parse({}), mine, after=None)
    assert after == team.more[0].check["id"], "the oldest check is Sam's: Jo's next is the next one"
    assert next_check(team.ctx, parse({}), other, after=first) == team.more[0].check["id"]
    assert next_check(team.ctx, parse({"channel": "voice"}), mine) is None
