"""``parley hindcast`` end to end: wall, CPU and where the main process spends the wall.

    python benchmarks/bench_hindcast.py [--runs 10000] [--repeat 3] [--jobs J]
        [--tree OTHER_CHECKOUT ...]

For this checkout's ``src`` (and each ``--tree``'s, e.g. a detached worktree of the
commit before a change: ``git worktree add --detach /tmp/before HEAD~1``), measured in
the same session and interleaved run by run so every tree sees the same load:

  * the whole command, ``python -m parley hindcast --runs N --out TMP`` (figures
    included): wall seconds and CPU seconds (user + system of the command and the
    worker processes it waited for), best of ``--repeat``;
  * the main process's wall by phase, from one more run per repeat with the phases'
    functions wrapped (best of ``--repeat`` per phase): ``start`` (interpreter, imports,
    argument parsing, up to ``new_hindcast``), ``setup`` (terms, draws, folder and
    manifest: ``new_hindcast``), ``simulate`` (``HindcastJob.execute``), ``score``
    (scores, ``hindcast.json``, manifest), ``close`` (the worker pool's shutdown),
    ``figures`` (the rest of the command: its table and figures) and ``exit`` (the
    interpreter's own end);
  * the SHA-256 of ``hindcast.json`` and ``paths.bin``, which must agree between trees;
  * the load average at the start and at the end.

The machine may be shared: compare trees measured side by side, not runs of other days.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PHASES = ("start", "setup", "simulate", "score", "close", "figures", "exit")

#: run in a child: the command with its phases' functions wrapped; prints their times
PHASED = """
import json, sys, time
from parley.experiments import executors as X
from parley.experiments import hindcast as H
stamps = {}

def wrap(owner, name, key):
    fn = getattr(owner, name)
    def timed(*a, **k):
        stamps.setdefault(key + ".begin", time.time())
        try:
            return fn(*a, **k)
        finally:
            stamps[key + ".end"] = time.time()
    setattr(owner, name, timed)

wrap(H, "new_hindcast", "setup")
wrap(H.HindcastJob, "execute", "simulate")
wrap(H, "execute_hindcast", "hindcast")
wrap(X.ProcessExecutor, "close", "close")
from parley.cli import main
code = main(sys.argv[1:])
stamps["main.end"] = time.time()
print(json.dumps(stamps))
sys.exit(code)
"""


def _env(tree: Path) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(tree / "src")}


def _command(runs: int, jobs: int | None, out: Path) -> list[str]:
    return ["hindcast", "--runs", str(runs), *(["--jobs", str(jobs)] if jobs else []),
            "--out", str(out)]


def whole(tree: Path, args: list[str]) -> tuple[float, float]:
    """Wall and CPU seconds of the plain command (``python -m parley``)."""
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "parley", *args], env=_env(tree),
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    if status != 0:
        raise SystemExit(f"{tree}: parley {' '.join(args)} failed:\n"
                         f"{proc.stderr.read().decode()}")
    return wall, usage.ru_utime + usage.ru_stime


def phased(tree: Path, args: list[str]) -> dict[str, float]:
    """The main process's wall seconds by phase (see the module's docstring)."""
    began = time.time()
    proc = subprocess.run([sys.executable, "-c", PHASED, *args], env=_env(tree),
                          capture_output=True, text=True, check=False)
    ended = time.time()
    if proc.returncode != 0:
        raise SystemExit(f"{tree}: phased run failed:\n{proc.stderr}")
    s = json.loads(proc.stdout.strip().splitlines()[-1])
    close = s["close.end"] - s["close.begin"] if "close.begin" in s else 0.0
    return {"start": s["setup.begin"] - began, "setup": s["setup.end"] - s["setup.begin"],
            "simulate": s["simulate.end"] - s["simulate.begin"],
            "score": s["hindcast.end"] - s["simulate.end"] - close, "close": close,
            "figures": s["main.end"] - s["hindcast.end"], "exit": ended - s["main.end"]}


def digests(folder: Path) -> str:
    return " ".join(f"{name} {hashlib.sha256((folder / name).read_bytes()).hexdigest()[:12]}"
                    for name in ("hindcast.json", "paths.bin"))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=10_000, help="worlds per term")
    ap.add_argument("--repeat", type=int, default=3, help="runs per tree (best kept)")
    ap.add_argument("--jobs", type=int, default=None,
                    help="worker processes (default: the command's own, one per core)")
    ap.add_argument("--tree", type=Path, action="append", default=[],
                    help="another checkout to measure beside this one (repeatable)")
    args = ap.parse_args()
    trees = [ROOT, *args.tree]
    print(f"Python {sys.version.split()[0]}, {os.cpu_count()} cores, load average "
          f"{os.getloadavg()[0]:.2f}; parley hindcast --runs {args.runs}"
          + (f" --jobs {args.jobs}" if args.jobs else ""))
    runs: dict[Path, list[tuple[float, float]]] = {t: [] for t in trees}
    phases: dict[Path, list[dict[str, float]]] = {t: [] for t in trees}
    sums: dict[Path, str] = {}
    with tempfile.TemporaryDirectory(prefix="hind-bench-") as tmp:
        for rep in range(args.repeat):
            for i, tree in enumerate(trees):
                out = Path(tmp) / f"{i}-{rep}"
                runs[tree].append(whole(tree, _command(args.runs, args.jobs, out)))
                sums[tree] = digests(out)
                phases[tree].append(phased(tree, _command(args.runs, args.jobs,
                                                          Path(tmp) / f"{i}-{rep}-p")))
    print(f"{'tree':<28} {'wall s':>7} {'CPU s':>6}  " + " ".join(f"{p:>8}" for p in PHASES))
    for tree in trees:
        wall = min(w for w, _ in runs[tree])
        cpu = min(c for _, c in runs[tree])
        best = [min(p[k] for p in phases[tree]) for k in PHASES]
        print(f"{str(tree)[-28:]:<28} {wall:7.2f} {cpu:6.2f}  "
              + " ".join(f"{b:8.2f}" for b in best))
    for tree in trees:
        print(f"{str(tree)[-28:]:<28} {sums[tree]}")
    print(f"load average at the end {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
