"""The chain-of-custody report (PDF): matter, selection, who exported and when, counts, Bates range, checkpoint."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def custody_lines(summary: dict[str, Any]) -> list[tuple[str, str]]:
    """The report's rows (label, text), in order; also what the PDF's text says."""
    bates, checkpoint = summary["bates"], summary["checkpoint"]
    selection = {k: v for k, v in summary["selection"].items() if v}
    rows = [
        ("Production", summary["production_id"]),
        ("Matter", summary["matter"] or "(none named)"),
        ("Selection", json.dumps(selection, sort_keys=True) if selection else "every record"),
        ("Protocol", summary["protocol"]["name"] or "(settings given with the export)"),
        ("Exported by", f"{summary['exported_by']} ({summary.get('exported_by_role', 'role not stated')})"),
        ("Exported at", summary["exported_at"]),
        ("Bates range", f"{bates['begin']} - {bates['end']}"),
        ("Checkpoint origin", checkpoint["origin"]),
        ("Checkpoint size", str(checkpoint["size"])),
        ("Checkpoint root", checkpoint["root"]),
        ("Legal holds covering produced records", ", ".join(summary["holds"]) or "none"),
        ("Withheld as privileged", str(summary["withheld"])),
        ("Software", f"{summary['software']['name']} {summary['software']['version']}"),
    ]
    if summary.get("previous"):
        rows.append(("Consistent with production", f"{summary['previous']['production_id']} "
                                                    f"(checkpoint size {summary['previous']['checkpoint_size']})"))
    rows.extend((f"Count: {kind}", str(count)) for kind, count in summary["counts"].items())
    return rows


def write_custody_report(path: Path, summary: dict[str, Any]) -> None:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import letter
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
    from xml.sax.saxutils import escape

    styles = getSampleStyleSheet()
    cell = styles["BodyText"]
    story: list[Any] = [Paragraph("Chain of custody: discovery production", styles["Title"]),
                        Paragraph(escape("Every produced log event carries an inclusion proof against the signed "
                                         "checkpoint below; MANIFEST.sha256 lists the SHA-256 of every file."),
                                  cell), Spacer(1, 12)]
    table = Table([[Paragraph(escape(label), cell), Paragraph(escape(text), cell)]
                   for label, text in custody_lines(summary)], colWidths=[170, 330])
    table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.5, colors.grey), ("VALIGN", (0, 0), (-1, -1), "TOP")]))
    story.append(table)
    document = SimpleDocTemplate(str(path), pagesize=letter, title=f"Chain of custody {summary['production_id']}",
                                 author="Clearance", invariant=1)
    document.build(story)
