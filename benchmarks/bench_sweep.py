"""Throughput and peak memory of ``parley sweep``: ``python benchmarks/bench_sweep.py``.

Runs ``parley sweep`` in a subprocess twice on the Biden scenario over
``washington.outreach_rate`` (100 grid points): 1,000 runs per point (100,000
runs) and 10,000 runs per point (1,000,000 runs).  Prints runs/s and peak
resident memory: of the sweep's main process (``os.wait4`` rusage, like
``RUSAGE_CHILDREN``), of the largest worker and of the whole process tree
(sampled with psutil).  Memory should not grow with the number of runs; the
target is < 300 MB for the 1,000,000-run sweep.

Options: ``--jobs J`` (default 2), ``--quick`` (10x fewer runs).

``--draws``: instead, the cost of parameter draws.  Each shipped sweep file
(``biden_outreach_1d.yaml``, 1,000 runs a point; ``sobol_8.yaml`` at ``--samples
16``, 100 runs a point) runs in the same invocation as the point sweep
(``--parameter-draws 0``) and with the default draws, alternately, twice each;
prints the faster time of each and their ratio (the target: draws cost at most
1.5x the point sweep).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET_MB = 300


def _sample_tree(pid: int, peaks: dict[str, float], stop: threading.Event) -> None:
    try:
        import psutil
    except ImportError:
        return
    try:
        main = psutil.Process(pid)
        while not stop.is_set():
            try:
                rss_main = main.memory_info().rss
                kids = [c.memory_info().rss for c in main.children(recursive=True)]
            except psutil.Error:
                break
            peaks["tree"] = max(peaks.get("tree", 0), rss_main + sum(kids))
            peaks["worker"] = max(peaks.get("worker", 0), max(kids, default=0))
            time.sleep(0.05)
    except psutil.Error:
        return


def run_sweep(points: int, runs: int, jobs: int, what: list[str] | None = None
              ) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        what = what or [str(ROOT / "scenarios" / "biden.yaml"), "--vary",
                        f"washington.outreach_rate=0:1:{points}"]
        cmd = [sys.executable, "-m", "parley.cli", "sweep", *what, "--runs-per-point", str(runs),
               "--jobs", str(jobs), "--no-plots", "--out", str(Path(tmp) / "sweep")]
        env = {**os.environ, "PYTHONWARNINGS": "ignore"}
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
        peaks: dict[str, float] = {}
        stop = threading.Event()
        sampler = threading.Thread(target=_sample_tree, args=(proc.pid, peaks, stop), daemon=True)
        sampler.start()
        _, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - start
        stop.set()
        sampler.join()
        proc.returncode = os.waitstatus_to_exitcode(status)
        err = proc.stderr.read().decode() if proc.stderr else ""
        if proc.returncode != 0:
            raise SystemExit(f"sweep failed ({proc.returncode}): {err}")
        lines = (Path(tmp) / "sweep" / "points.csv").read_text().count("\n") - 1
        assert lines == points, f"points.csv has {lines} rows, expected {points}"
    return {"runs": points * runs, "seconds": elapsed, "runs_per_s": points * runs / elapsed,
            "main_mb": usage.ru_maxrss / 1024, "worker_mb": peaks.get("worker", 0) / 2**20,
            "tree_mb": peaks.get("tree", 0) / 2**20}


#: (sweep file, extra options, points, runs a point) of the --draws comparison
DRAW_CASES = (("biden_outreach_1d.yaml", [], 11, 1_000),
              ("sobol_8.yaml", ["--samples", "16"], 16 * 12, 100))  # N (D + 2), D = 10
DRAW_TARGET = 1.5


def draws_cost(jobs: int, repeats: int = 2) -> int:
    """The point sweep and the default draws side by side, on the shipped sweep files."""
    print(f"parley sweep, --parameter-draws 0 against the default draws, --jobs {jobs}, "
          f"{os.cpu_count()} cores")
    print(f"{'sweep file':>24} {'points':>6} {'runs/point':>10} {'draws 0 s':>9} "
          f"{'default s':>9} {'ratio':>6}")
    worst = 0.0
    for name, extra, points, runs in DRAW_CASES:
        what = [str(ROOT / "scenarios" / "sweeps" / name), *extra]
        times: dict[str, list[float]] = {"point": [], "drawn": []}
        for _ in range(repeats):  # alternated, the fastest of each kept: a shared machine
            times["point"].append(run_sweep(points, runs, jobs,
                                            [*what, "--parameter-draws", "0"])["seconds"])
            times["drawn"].append(run_sweep(points, runs, jobs, what)["seconds"])
        point, drawn = ({"seconds": min(v)} for v in times.values())
        ratio = drawn["seconds"] / point["seconds"]
        worst = max(worst, ratio)
        print(f"{name:>24} {points:>6} {runs:>10,} {point['seconds']:>9.1f} "
              f"{drawn['seconds']:>9.1f} {ratio:>6.2f}")
    ok = worst <= DRAW_TARGET
    print(f"worst ratio {worst:.2f} (target <= {DRAW_TARGET}: {'met' if ok else 'MISSED'})")
    return 0 if ok else 1


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--quick", action="store_true", help="10x fewer runs")
    ap.add_argument("--draws", action="store_true",
                    help="the cost of the default parameter draws against the point sweep")
    args = ap.parse_args()
    if args.draws:
        return draws_cost(args.jobs)
    scale = 10 if args.quick else 1
    print(f"parley sweep benchmark: biden.yaml, washington.outreach_rate, 100 points, "
          f"--jobs {args.jobs}, {os.cpu_count()} cores")
    print(f"{'runs':>10} {'runs/point':>10} {'seconds':>8} {'runs/s':>9} {'main MB':>8} "
          f"{'worker MB':>9} {'tree MB':>8}")
    results = []
    for per_point in (1_000 // scale, 10_000 // scale):
        r = run_sweep(100, per_point, args.jobs)
        results.append(r)
        print(f"{r['runs']:>10,} {per_point:>10,} {r['seconds']:>8.1f} {r['runs_per_s']:>9,.0f} "
              f"{r['main_mb']:>8.0f} {r['worker_mb']:>9.0f} {r['tree_mb']:>8.0f}")
    small, big = results
    growth = big["main_mb"] - small["main_mb"]
    ok = big["main_mb"] < TARGET_MB
    print(f"main-process peak {big['main_mb']:.0f} MB for {big['runs']:,} runs "
          f"(target < {TARGET_MB} MB: {'met' if ok else 'MISSED'}); "
          f"growth over {small['runs']:,} runs: {growth:+.0f} MB")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
