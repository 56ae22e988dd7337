"""Benchmark: whole processes of the installed ``clearance`` command (start-up, imports and work together).

Each command runs ``--runs`` times (default 7) after one untimed warm-up run, as
a fresh process of the installed console script; wall time is taken around the
process and peak RSS from ``os.wait4`` (that process and the children it
waited for, ``ru_maxrss``). Commands are interleaved (one run of each per
round) so all see the same machine load, and ``python -c pass`` is timed beside
them as the interpreter's own start-up on this machine. The table shows the
median, the fastest run and the largest peak RSS against the targets:

* ``clearance --help``                      < 0.3 s
* ``clearance log checkpoint``              < 0.3 s  (a home made once with ``clearance init``)
* ``clearance match IMG``                   < 2 s and < 400 MB peak RSS: one ~1-megapixel photo
  (``../shared/data/faces/two_people.jpg`` resized to 1306 x 766, two faces), perceptual and
  identity channels, semantic switched off (``CLEARANCE_SEMANTIC_ENABLED=false``); once on the
  freshly initialised home (empty indexes) and once on a home holding the ``clearance demo``
  world (registered works and enrolled people, so every index is searched).

For each command it also records the imports that dominate its start-up,
from ``python -X importtime`` of the same command: the slowest first-party
modules and the slowest third-party packages, by cumulative import time.

Run: ``.venv/bin/python benchmarks/cli.py [--runs 7] [--quick]`` (--quick: 3 runs,
no demo home). Writes benchmarks/results/cli.json (atomically).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "cli.json"
SHARED = ROOT.parent / "shared" / "data"
FACES = SHARED / "faces" / "two_people.jpg"
FIRST_PARTY = ("ledger", "embeddings", "policies")


@dataclass(frozen=True)
class Case:
    """One command to time, with its targets."""

    name: str
    args: list[str]
    home: str                       # key into the homes made for the run
    max_seconds: float | None       # None: a reference figure, no target
    max_rss_mb: float | None = None
    env: tuple[tuple[str, str], ...] = ()


def clearance_executable() -> Path:
    """The installed console script beside this interpreter, else the one on PATH."""
    beside = Path(sys.executable).parent / "clearance"
    if beside.is_file():
        return beside
    found = shutil.which("clearance")
    if found is None:
        sys.exit("benchmarks/cli.py: the clearance command is not installed (run scripts/setup.sh)")
    return Path(found)


def child_env(home: Path, extra: tuple[tuple[str, str], ...] = ()) -> dict[str, str]:
    """The environment of a timed command: its home, nothing inherited that changes what it does."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLEARANCE_")}
    env.update({"CLEARANCE_HOME": str(home), "COLUMNS": "100"})
    env.update(dict(extra))
    return env


def run_once(argv: list[str], env: dict[str, str], cwd: Path) -> tuple[float, float, float]:
    """(wall seconds, CPU seconds, peak RSS in MB) of one process; exits the benchmark if the command fails."""
    with tempfile.TemporaryFile() as errors:
        started = time.perf_counter()
        proc = subprocess.Popen(argv, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=errors)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode != 0:
            errors.seek(0)
            sys.exit(f"benchmarks/cli.py: {' '.join(argv)} exited {proc.returncode}:\n"
                     f"{errors.read().decode(errors='replace')[-2000:]}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def top_imports(argv: list[str], env: dict[str, str], cwd: Path, count: int = 10) -> dict[str, list[dict[str, Any]]]:
    """The slowest imports of one run of the command under ``python -X importtime``."""
    script = Path(argv[0]).read_text().splitlines()
    if not script or not script[0].startswith("#!"):
        return {}
    python = script[0][2:].strip()
    code = ("import sys; from ledger.cli import main; sys.argv = ['clearance'] + sys.argv[1:]; main()")
    done = subprocess.run([python, "-X", "importtime", "-c", code, *argv[1:]], env=env, cwd=cwd,
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    pattern = re.compile(r"^import time:\s+(\d+)\s+\|\s+(\d+)\s+\|(\s*)(\S+)$")
    ours: list[dict[str, Any]] = []
    libraries: dict[str, float] = {}
    for line in done.stderr.splitlines():
        found = pattern.match(line)
        if not found:
            continue
        self_ms, cumulative_ms, name = int(found.group(1)) / 1000, int(found.group(2)) / 1000, found.group(4)
        root = name.split(".")[0]
        if root in FIRST_PARTY:
            ours.append({"module": name, "cumulative_ms": round(cumulative_ms, 1), "self_ms": round(self_ms, 1)})
        elif root == name and root not in sys.stdlib_module_names and not root.startswith("_"):
            libraries[root] = max(libraries.get(root, 0.0), cumulative_ms)
    return {"total_ms": round(sum(int(m.group(1)) for m in map(pattern.match, done.stderr.splitlines()) if m) / 1000, 1),
            "ours_by_self": sorted(ours, key=lambda row: -row["self_ms"])[:count],
            "ours_by_cumulative": sorted(ours, key=lambda row: -row["cumulative_ms"])[:count],
            "libraries": [{"package": k, "cumulative_ms": round(v, 1)}
                          for k, v in sorted(libraries.items(), key=lambda kv: -kv[1])[:count]]}


def make_image(path: Path) -> dict[str, Any]:
    """A ~1-megapixel photo with two faces (two_people.jpg scaled up), saved as JPEG quality 90."""
    from PIL import Image

    with Image.open(FACES) as source:
        image = source.convert("RGB").resize((1306, 766), Image.Resampling.LANCZOS)
    image.save(path, quality=90)
    return {"source": os.path.relpath(FACES, ROOT), "width": 1306, "height": 766, "megapixels": round(1306 * 766 / 1e6, 3),
            "bytes": path.stat().st_size}


def make_home(exe: Path, home: Path, workdir: Path, *, demo: bool) -> float:
    """Initialise a home (and build the demo world in it); returns seconds taken."""
    started = time.perf_counter()
    for args in (["init"], ["demo"]) if demo else (["init"],):
        done = subprocess.run([str(exe), *args], env=child_env(home), cwd=workdir, capture_output=True, text=True)
        if done.returncode != 0:
            sys.exit(f"benchmarks/cli.py: clearance {' '.join(args)} failed:\n{done.stderr[-2000:]}")
    return time.perf_counter() - started


def machine() -> dict[str, Any]:
    facts: dict[str, Any] = {"cpu_count": os.cpu_count(), "platform": platform.platform(),
                             "python": platform.python_version(),
                             "load_average_at_start": [round(x, 2) for x in os.getloadavg()]}
    try:
        facts["git_commit"] = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True,
                                             text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        pass
    return facts


def measure(cases: list[Case], exe: Path, homes: dict[str, Path], workdir: Path, runs: int,
            started: float) -> list[dict[str, Any]]:
    """Time every case ``runs`` times, interleaved (round by round), so all see the same machine load."""
    plans = [([str(exe), *c.args] if c.args[:1] != ["<python>"] else [sys.executable, *c.args[1:]],
              child_env(homes[c.home], c.env)) for c in cases]
    for argv, env in plans:
        run_once(argv, env, workdir)                   # warm-up: file cache, .pyc, SQLite pages
    walls: list[list[float]] = [[] for _ in cases]
    cpus: list[list[float]] = [[] for _ in cases]
    rss: list[list[float]] = [[] for _ in cases]
    for round_number in range(runs):
        print(f"[{time.perf_counter() - started:5.0f}s] round {round_number + 1} of {runs}", flush=True)
        for i, (argv, env) in enumerate(plans):
            wall, cpu, peak = run_once(argv, env, workdir)
            walls[i].append(wall)
            cpus[i].append(cpu)
            rss[i].append(peak)
    out = []
    for case, (argv, env), times, cpu, peaks in zip(cases, plans, walls, cpus, rss):
        median, peak_rss = statistics.median(times), max(peaks)
        met = None if case.max_seconds is None else \
            median < case.max_seconds and (case.max_rss_mb is None or peak_rss < case.max_rss_mb)
        out.append({"name": case.name, "command": " ".join(Path(a).name if "/" in a else a for a in argv),
                    "home": case.home, "env": dict(case.env), "runs": runs,
                    "median_s": round(median, 3), "min_s": round(min(times), 3), "max_s": round(max(times), 3),
                    "all_s": [round(t, 3) for t in times], "cpu_median_s": round(statistics.median(cpu), 3),
                    "peak_rss_mb": round(peak_rss, 1),
                    "target": {"max_seconds": case.max_seconds, "max_rss_mb": case.max_rss_mb}, "met": met,
                    "imports": top_imports(argv, env, workdir) if argv[0] == str(exe) else {}})
    return out


def print_report(report: dict[str, Any]) -> None:
    m = report["machine"]
    print(f"\nClearance CLI benchmark ({report['mode']}), {report['timestamp']}")
    print(f"  {m['cpu_count']} CPUs, Python {m['python']}, load {m['load_average_at_start']} -> "
          f"{m['load_average_at_end']}; median of {report['runs']} runs after one warm-up")
    print(f"\n  {'command':<44}{'target':>18}{'median s':>10}{'min s':>8}{'cpu s':>8}{'peak MB':>9}  met")
    for r in report["results"]:
        t = r["target"]
        target = "-" if t["max_seconds"] is None else \
            f"< {t['max_seconds']} s" + (f", {t['max_rss_mb']:.0f} MB" if t["max_rss_mb"] else "")
        met = {True: "yes", False: "NO", None: "-"}[r["met"]]
        print(f"  {r['name']:<44}{target:>18}{r['median_s']:>10.3f}{r['min_s']:>8.3f}"
              f"{r['cpu_median_s']:>8.3f}{r['peak_rss_mb']:>9.0f}  {met}")
    print("\n  slowest imports (ms, one run under python -X importtime)")
    for r in (r for r in report["results"] if r["imports"]):
        imports = r["imports"]
        ours = ", ".join(f"{i['module']} {i['self_ms']:.0f}" for i in imports.get("ours_by_self", [])[:4])
        libs = ", ".join(f"{i['package']} {i['cumulative_ms']:.0f}" for i in imports.get("libraries", [])[:6])
        print(f"  {r['name']} (all imports {imports.get('total_ms', 0):.0f}):\n"
              f"      ours, own time: {ours}\n      libraries, cumulative: {libs}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=None, help="timed runs per command (default 7; 3 with --quick)")
    parser.add_argument("--quick", action="store_true", help="3 runs, no demo home")
    parser.add_argument("--output", type=Path, default=RESULTS, help=f"JSON file (default {RESULTS})")
    args = parser.parse_args(argv)
    runs = args.runs or (3 if args.quick else 7)
    if runs < 1:
        parser.error("--runs must be at least 1")
    if not FACES.is_file():
        sys.exit(f"benchmarks/cli.py: test photo {FACES} is missing")
    exe = clearance_executable()
    started = time.perf_counter()
    report: dict[str, Any] = {
        "benchmark": "cli", "mode": "quick" if args.quick else "full",
        "timestamp": datetime.now(UTC).isoformat(timespec="seconds"), "machine": machine(), "runs": runs,
        "notes": [
            "each run is a fresh process of the installed console script; wall time around the process, "
            "CPU time (user + system) and peak RSS from os.wait4 (ru_maxrss); one untimed warm-up run per "
            "command; targets are on the median wall time. On a shared, loaded machine the CPU time and "
            "the python -c pass row show how much of the wall time is waiting for a core",
            "match: semantic channel off (CLEARANCE_SEMANTIC_ENABLED=false); the image is decoded and "
            "downscaled to frame_max_side (960) before fingerprinting; the warm-up run writes the home's "
            "dlib face-detector cache, which the timed runs read",
            "imports: one extra run under python -X importtime; total_ms = sum of every module's own time; "
            "ours = ledger/embeddings/policies modules (by own and by cumulative time); libraries = "
            "top-level non-stdlib packages by cumulative time (a package imported inside another counts there too)",
        ],
        "results": [],
    }
    with tempfile.TemporaryDirectory(prefix="clearance-bench-cli-") as tmp:
        workdir = Path(tmp)
        image = workdir / "photo-1mp.jpg"
        report["image"] = make_image(image)
        homes = {"init": workdir / "home-init"}
        report["setup_s"] = {"init": round(make_home(exe, homes["init"], workdir, demo=False), 2)}
        if not args.quick:
            homes["demo"] = workdir / "home-demo"
            report["setup_s"]["demo"] = round(make_home(exe, homes["demo"], workdir, demo=True), 2)
        no_clip = (("CLEARANCE_SEMANTIC_ENABLED", "false"),)
        cases = [Case("python -c pass (interpreter start-up)", ["<python>", "-c", "pass"], "init", None),
                 Case("clearance --help", ["--help"], "init", 0.3),
                 Case("clearance log checkpoint", ["log", "checkpoint"], "init", 0.3),
                 Case("clearance match IMG (empty index)", ["match", str(image)], "init", 2.0, 400.0, no_clip)]
        if "demo" in homes:
            cases.append(Case("clearance match IMG (demo world)", ["match", str(image)], "demo", 2.0, 400.0, no_clip))
        report["results"] = measure(cases, exe, homes, workdir, runs, started)
    report["machine"]["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    report["elapsed_s"] = round(time.perf_counter() - started, 1)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    partial = args.output.with_suffix(".json.tmp")
    partial.write_text(json.dumps(report, indent=2) + "\n")
    os.replace(partial, args.output)
    print_report(report)
    print(f"\n  wrote {args.output} in {report['elapsed_s']} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
