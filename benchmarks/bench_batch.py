"""Batch throughput, scaling, Mesa comparison and memory: one command, figures printed.

    python benchmarks/bench_batch.py [--scenario scenarios/biden.yaml] [--runs 100000]

Measures, in one invocation on a shipped scenario:
  * runs per second of ``parley run`` for --runs at 1 and at 2 workers, whole
    command included (start-up, writing runs.csv and summary.json);
  * 1,000 runs through ``mesa.batch_run`` (one world per model, 1 process)
    against parley's own rate, as a ratio;
  * peak resident memory of the whole command (its process tree) at a tenth
    of --runs and at --runs, to show memory flat in the number of runs.
Targets (2-core machine): >= 10,000 runs/s with 2 workers, >= 1.7x from 1 to 2
workers, >= 20x mesa.batch_run, memory flat in the number of runs.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def timed_command(args: list[str]) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB, largest process in the tree) of one command."""
    start = time.perf_counter()
    proc = subprocess.Popen(args, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    if status != 0:
        raise SystemExit(f"command failed: {' '.join(args)}\n{proc.stderr.read().decode()}")
    return wall, usage.ru_maxrss / 1024


def parley_run(scenario: str, runs: int, jobs: int, out: Path) -> tuple[float, float]:
    return timed_command([sys.executable, "-m", "parley.cli", "run", scenario, "--runs",
                          str(runs), "--jobs", str(jobs), "--out", str(out), "--no-plots"])


def mesa_batch_run_rate(scenario: str, runs: int) -> float:
    import mesa

    from parley import NegotiationModel, load_scenario

    sc = load_scenario(ROOT / scenario)
    start = time.perf_counter()
    mesa.batch_run(NegotiationModel, parameters={"scenario": sc, "seed": list(range(runs))},
                   iterations=1, max_steps=48, number_processes=1,
                   data_collection_period=-1, display_progress=False)
    return runs / (time.perf_counter() - start)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scenario", default="scenarios/biden.yaml")
    ap.add_argument("--runs", type=int, default=100_000)
    ap.add_argument("--mesa-runs", type=int, default=1_000)
    ap.add_argument("--large", type=int, default=1_000_000,
                    help="also time this many runs at 1 and 2 workers (0 to skip)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        t1, m1 = parley_run(args.scenario, args.runs, 1, tmp / "j1")
        t2, m2 = parley_run(args.scenario, args.runs, 2, tmp / "j2")
        small = max(args.runs // 10, 1)
        _, m_small = parley_run(args.scenario, small, 2, tmp / "small")
        same = (tmp / "j1" / "runs.csv").read_bytes() == (tmp / "j2" / "runs.csv").read_bytes()
        start_up, _ = timed_command([sys.executable, "-m", "parley.cli", "run", "--help"])
        large = []
        for jobs in (1, 2) if args.large else ():
            large.append(parley_run(args.scenario, args.large, jobs, tmp / f"large{jobs}"))
    r1, r2 = args.runs / t1, args.runs / t2
    mesa_rate = mesa_batch_run_rate(args.scenario, args.mesa_runs)
    print(f"scenario {args.scenario}, {args.runs:,} runs, whole command, cpus {os.cpu_count()}")
    print(f"  1 worker : {t1:6.2f} s  {r1:9,.0f} runs/s   peak RSS {m1:6.0f} MB")
    print(f"  2 workers: {t2:6.2f} s  {r2:9,.0f} runs/s   peak RSS {m2:6.0f} MB"
          f"   (target >= 10,000 runs/s)")
    print(f"  scaling 1 -> 2 workers: {r2 / r1:.2f}x (target >= 1.7x); "
          f"runs.csv identical: {same}")
    print(f"  mesa.batch_run, {args.mesa_runs:,} runs, 1 process: {mesa_rate:,.0f} runs/s;"
          f" parley (2 workers) / mesa.batch_run = {r2 / mesa_rate:.0f}x (target >= 20x)")
    print(f"  peak RSS at {small:,} runs: {m_small:.0f} MB; at {args.runs:,} runs: {m2:.0f} MB"
          f" (ratio {m2 / m_small:.2f}; flat means ~1)")
    c1, c2 = t1 - start_up, t2 - start_up
    print(f"  start-up alone (imports; `parley run --help`): {start_up:.2f} s; without it the"
          f" {args.runs:,} runs scale {c1 / c2:.2f}x from 1 to 2 workers")
    if large:
        (l1, lm1), (l2, lm2) = large
        print(f"  {args.large:,} runs: 1 worker {l1:.1f} s ({args.large / l1:,.0f} runs/s), "
              f"2 workers {l2:.1f} s ({args.large / l2:,.0f} runs/s): {l1 / l2:.2f}x; "
              f"peak RSS {lm1:.0f} / {lm2:.0f} MB")


if __name__ == "__main__":
    main()
