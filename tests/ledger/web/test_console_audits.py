"""Issue 25: the console's datasets page runs logged audits and links each to its report."""

from __future__ import annotations

from ledger.context import Clearance
from tests.ledger.reports.test_audit_content import build_studio
from tests.ledger.web.console import Console, csrf_of


def test_datasets_page_runs_a_logged_audit_and_lists_it_with_its_report(ctx: Clearance) -> None:
    studio = build_studio(ctx)
    console = Console(ctx)
    legal = console.signed_in("legal")
    page = legal.get(f"/ui/datasets?version={studio.version}")
    assert page.status_code == 200 and "No audit of this version has been logged yet." in page.text
    ran = legal.post("/ui/datasets/audit", data={"csrf_token": csrf_of(page.text), "version": studio.version,
                                                 "model": studio.model, "territory": "US", "as_of": "2026-03-02",
                                                 "project": ""}, follow_redirects=False)
    assert ran.status_code == 303, ran.text
    report = legal.get(ran.headers["location"])
    assert report.status_code == 200 and "May this dataset train" in report.text and "2026-03-02" in report.text
    listed = console.signed_in("auditor").get(f"/ui/datasets?version={studio.version}")
    assert ran.headers["location"] in listed.text and "2 of 6" in listed.text and "2026-03-02" in listed.text
    csv_link = ran.headers["location"].replace("report.html", "report.csv")
    assert legal.get(csv_link).content.startswith(b"\xef\xbb\xbf")
    generator = console.signed_in("generator")
    assert generator.get(ran.headers["location"]).status_code == 403
    refused = legal.post("/ui/datasets/audit", data={"csrf_token": csrf_of(page.text), "version": studio.version,
                                                     "territory": "usa"}, follow_redirects=False)
    assert refused.status_code == 422 and "territory" in refused.text
    no_token = legal.post("/ui/datasets/audit", data={"version": studio.version}, follow_redirects=False)
    assert no_token.status_code == 403
