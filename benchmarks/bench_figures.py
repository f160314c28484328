"""The main job's figures: CPU seconds per figure and in total, and save_figures as a whole.

    python benchmarks/bench_figures.py [FOLDER] [--runs 2000] [--repeat 3] [--jobs 2]
        [--baseline-src OTHER_TREE/src]

Without FOLDER, one is made first with a small main job, ``parley compare
scenarios/ --runs N --no-plots`` (the 12 scenarios of the main job: the figures'
work depends on the scenarios and the horizon, hardly on the runs). The folder's
inputs are copied to a temporary folder, so FOLDER itself is never written.

Each measurement runs in a fresh process, as ``parley compare`` draws its figures
once per process:

  * per figure: CPU seconds to draw it and save its PNG (``figure_plan`` then
    ``save_figure``, one figure after the other), and their total;
  * ``save_figures(folder)`` as one call: wall and CPU seconds (CPU of this
    process and of its workers), with ``jobs=1`` and, where the tree has the
    parameter, ``jobs=--jobs``; for the latter also the calling process's own
    CPU and the busiest worker's CPU, which is the call's wall time on free
    cores (on a shared machine the measured wall is longer);
  * the import of the figures package, apart.

Best of --repeat for each number. With ``--baseline-src`` (another checkout's
``src/``, e.g. main's) the same numbers for that tree, measured in turn with
this one so both see the same load. The machine may be shared: the load average
is printed at the start and at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
INPUTS = ("summary.json", "manifest.json", "points.csv", "sensitivity.json", "boxes.json",
          "sweep.json", "hindcast.json")

#: run in a child with the tree's src/ first on the path; prints one JSON line
CHILD = r"""
import json, resource, sys, time
mode, folder, jobs = sys.argv[1], sys.argv[2], int(sys.argv[3])
t0 = time.process_time()
from parley.outputs.figures import folder as figs
imported = time.process_time() - t0
out = {"import": imported}
if mode == "per_figure":
    results = figs.load_results(folder)
    for planned in figs.figure_plan(results):
        c = time.process_time()
        figs.save_figure(planned.make(), f"{folder}/figures/{planned.name}.png")
        out[planned.name] = time.process_time() - c
else:
    import inspect
    if jobs > 1 and "jobs" not in inspect.signature(figs.save_figures).parameters:
        print(json.dumps(None)); sys.exit()
    if jobs > 1:  # each worker's own CPU seconds, written as it ends
        from parley.outputs.figures import workers
        work = workers._work
        def timed(*args):
            work(*args)
            print("WORKER_CPU", time.process_time(), file=sys.stderr, flush=True)
        workers._work = timed
    c, w = time.process_time(), time.perf_counter()
    figs.save_figures(folder, **({"jobs": jobs} if jobs > 1 else {}))
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    out.update(wall=time.perf_counter() - w,
               cpu=time.process_time() - c + kids.ru_utime + kids.ru_stime,
               parent_cpu=time.process_time() - c)
print(json.dumps(out))
"""


def measure(src: Path, mode: str, folder: Path, jobs: int) -> dict | None:
    """One fresh process drawing the figures of a copy of ``folder``."""
    with tempfile.TemporaryDirectory() as tmp:
        for name in INPUTS:
            if (folder / name).is_file():
                shutil.copy(folder / name, tmp)
        env = {**os.environ, "PYTHONPATH": str(src), "MPLBACKEND": "Agg"}
        out = subprocess.run([sys.executable, "-c", CHILD, mode, tmp, str(jobs)], env=env,
                             capture_output=True, text=True, check=False)
        if out.returncode != 0:
            raise SystemExit(f"figures failed under {src}:\n{out.stderr}")
        got = json.loads(out.stdout.strip().splitlines()[-1])
        worker_cpu = [float(line.split()[1]) for line in out.stderr.splitlines()
                      if line.startswith("WORKER_CPU")]
        if got is not None and worker_cpu:
            got["busiest_worker_cpu"] = max(worker_cpu)
        return got


def make_folder(runs: int, where: Path) -> Path:
    folder = where / "compare"
    cmd = [sys.executable, "-m", "parley.cli", "compare", "scenarios/", "--runs", str(runs),
           "--out", str(folder), "--no-plots"]
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    subprocess.run(cmd, cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
    return folder


def best(runs: list[dict | None]) -> dict | None:
    if not runs or runs[0] is None:
        return None
    return {k: min(r[k] for r in runs if k in r) for k in runs[0]}


def collect(trees: dict[str, Path], folder: Path, repeat: int, jobs: int) -> dict:
    """Best-of-``repeat`` numbers per tree, the trees measured in turn within each repeat."""
    cases = [("per_figure", 1), ("whole", 1), ("whole", jobs)]
    raw: dict = {(t, c): [] for t in trees for c in cases}
    for _ in range(repeat):
        for case in cases:
            for tree, src in trees.items():
                raw[tree, case].append(measure(src, case[0], folder, case[1]))
    return {key: best(runs) for key, runs in raw.items()}


def report(trees: list[str], got: dict, jobs: int) -> None:
    per = {t: got[t, ("per_figure", 1)] for t in trees}
    names = [k for k in per[trees[0]] if k != "import"]
    print(f"{'CPU seconds, best of the repeats':<42}" + "".join(f"{t:>12}" for t in trees))
    for name in names:
        print(f"  {name:<40}" + "".join(f"{per[t].get(name, float('nan')):12.3f}"
                                         for t in trees))
    print(f"  {'total of the figures':<40}"
          + "".join(f"{sum(per[t][n] for n in names):12.3f}" for t in trees))
    print(f"  {'import of the figures package':<40}"
          + "".join(f"{per[t]['import']:12.3f}" for t in trees))
    for j in sorted({1, jobs}):
        whats = ["wall", "cpu"] + (["parent_cpu", "busiest_worker_cpu"] if j > 1 else [])
        for what in whats:
            cells = []
            for t in trees:
                r = got[t, ("whole", j)]
                cells.append(f"{r[what]:12.3f}" if r and what in r else f"{'-':>12}")
            label = f"save_figures(jobs={j}), {what.replace('_', ' ')}"
            print(f"  {label:<40}" + "".join(cells))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("folder", nargs="?", type=Path, help="a results folder (default: make one)")
    ap.add_argument("--runs", type=int, default=2000, help="runs per scenario of the made folder")
    ap.add_argument("--repeat", type=int, default=3, help="processes per number (best kept)")
    ap.add_argument("--jobs", type=int, default=2, help="jobs of the concurrent save_figures")
    ap.add_argument("--baseline-src", type=Path, help="another tree's src/, measured in turn")
    args = ap.parse_args()
    print(f"Python {sys.version.split()[0]}, {os.cpu_count()} cores, "
          f"load average {os.getloadavg()[0]:.1f}")
    trees = {"this tree": ROOT / "src"}
    if args.baseline_src:
        trees = {"baseline": args.baseline_src.resolve(), **trees}
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.folder or make_folder(args.runs, Path(tmp))
        got = collect(trees, folder, args.repeat, args.jobs)
    report(list(trees), got, args.jobs)
    print(f"load average at the end {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
