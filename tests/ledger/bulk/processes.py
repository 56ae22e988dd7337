"""Finding and ending the processes a test started (Ray's head processes and workers), by PID."""

from __future__ import annotations

import os
import signal
from pathlib import Path


def _table() -> dict[int, tuple[int, str]]:
    """Every process: pid -> (parent pid, command line as shown by ps: the title Ray's workers set)."""
    table: dict[int, tuple[int, str]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
        except OSError:
            continue
        table[int(entry.name)] = (int(stat.rsplit(")", 1)[1].split()[1]), command)
    return table


def descendants(root: int) -> set[int]:
    """The processes started by ``root``, and by those, all the way down."""
    table = _table()
    found: set[int] = set()
    frontier = [root]
    while frontier:
        parent = frontier.pop()
        children = [pid for pid, (ppid, _) in table.items() if ppid == parent and pid not in found]
        found.update(children)
        frontier.extend(children)
    return found


def running_titled(title: str, among: set[int] | None = None) -> list[int]:
    """Processes whose title starts with ``title`` (a Ray worker running a task is ``ray::<task name>``)."""
    return sorted(pid for pid, (_, command) in _table().items()
                  if command.startswith(title) and (among is None or pid in among))


def alive(pid: int) -> bool:
    table = _table()
    return pid in table and table[pid][1] != ""  # a zombie keeps its entry but loses its command line


def kill_all(pids: set[int]) -> None:
    """SIGKILL each of ``pids`` that is still there."""
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
