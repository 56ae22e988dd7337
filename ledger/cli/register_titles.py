"""Titles a person gives works at registration (``register --title`` / ``--titles``).

A title entered here is marked ``title_source: entered`` and so is read by prompt screening; a file
registered without one keeps the title derived from its file name, which screening skips.
"""

from __future__ import annotations

import csv
from pathlib import Path

from ledger.errors import FieldProblem, ValidationFailed

MAX_TITLE = 500


def _checked(title: str, where: str) -> str:
    title = title.strip()
    if not title:
        raise ValidationFailed(f"{where}: the title is empty", problems=[FieldProblem(where, "empty title")])
    if len(title) > MAX_TITLE:
        raise ValidationFailed(f"{where}: the title is longer than {MAX_TITLE} characters",
                               problems=[FieldProblem(where, f"longer than {MAX_TITLE} characters")])
    return title


def read_titles(path: Path) -> dict[str, str]:
    """A CSV with a header ``file,title``: each file (its name, or its path as given) with its title."""
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            if not reader.fieldnames or not {"file", "title"} <= set(reader.fieldnames):
                raise ValidationFailed(f"{path}: expected a header row with the columns file and title",
                                       problems=[FieldProblem("titles", "columns file and title required")])
            titles: dict[str, str] = {}
            for number, row in enumerate(reader, start=2):
                name = (row.get("file") or "").strip()
                if not name:
                    raise ValidationFailed(f"{path}:{number}: the file column is empty",
                                           problems=[FieldProblem(f"titles:{number}", "file is empty")])
                if name in titles:
                    raise ValidationFailed(f"{path}:{number}: {name!r} is given a title twice",
                                           problems=[FieldProblem(f"titles:{number}", "file listed twice")])
                titles[name] = _checked(row.get("title") or "", f"{path.name}:{number}")
    except OSError as exc:
        raise ValidationFailed(f"{path}: cannot be read ({exc.strerror})",
                               problems=[FieldProblem("titles", "cannot be read")]) from None
    except (UnicodeDecodeError, csv.Error) as exc:
        raise ValidationFailed(f"{path}: not a UTF-8 CSV file ({exc})",
                               problems=[FieldProblem("titles", "not a UTF-8 CSV file")]) from None
    return titles


def titles_for(files: list[Path], title: str | None, titles_file: Path | None) -> dict[str, dict[str, str]]:
    """Per file (as a string), the asset fields that title it; files without a title are absent.

    ``title`` names the one file being registered; ``titles_file`` maps names or paths to titles, and
    a title for a file that is not being registered is refused (a typo would leave a work untitled).
    """
    if title is not None and titles_file is not None:
        raise ValidationFailed("give --title or --titles, not both",
                               problems=[FieldProblem("title", "--title with --titles")])
    if title is not None:
        if len(files) != 1:
            raise ValidationFailed(f"--title names one work, but {len(files)} files were given; use --titles FILE.csv",
                                   problems=[FieldProblem("title", "one file only")])
        return {str(files[0]): {"title": _checked(title, "--title"), "title_source": "entered"}}
    if titles_file is None:
        return {}
    wanted = read_titles(titles_file)
    out: dict[str, dict[str, str]] = {}
    used: set[str] = set()
    for path in files:
        for key in (str(path), path.name):
            if key in wanted:
                out[str(path)] = {"title": wanted[key], "title_source": "entered"}
                used.add(key)
                break
    unknown = sorted(set(wanted) - used)
    if unknown:
        raise ValidationFailed(f"{titles_file}: no file being registered is named {unknown[0]!r}",
                               problems=[FieldProblem("titles", f"unknown file {name!r}") for name in unknown])
    return out
