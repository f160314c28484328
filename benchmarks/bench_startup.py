"""Start-up of the CLI and the main job's split between simulation and figures, in one run.

    python benchmarks/bench_startup.py [--runs 10000] [--repeat 3]

Prints, for the Python running it:
  * ``parley --help`` and ``parley validate scenarios/biden.yaml``: wall seconds of
    the whole command (best of --repeat); target < 0.5 s each;
  * the main job, ``parley compare scenarios/ --runs N``, split in two: the
    simulation and its files (``--no-plots``), then the figures of that folder
    (``parley plot``); target: figures no slower than the rest.
Wall seconds depend on what else the machine runs; the CPU seconds (the command
and its worker processes) are printed beside them as the steadier measure.
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


def timed(args: list[str]) -> tuple[float, float]:
    """Wall and CPU seconds (user + system, children included) of one parley command."""
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "parley.cli", *args], cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    if status != 0:
        raise SystemExit(f"parley {' '.join(args)} failed:\n{proc.stderr.read().decode()}")
    # wait4's usage covers the process and the children it waited for (its workers)
    return wall, usage.ru_utime + usage.ru_stime


def best_of(args: list[str], repeat: int) -> tuple[float, float]:
    runs = [timed(args) for _ in range(repeat)]
    return min(w for w, _ in runs), min(c for _, c in runs)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=10_000, help="runs per scenario (main job)")
    ap.add_argument("--repeat", type=int, default=3, help="start-up timings (best kept)")
    args = ap.parse_args()
    print(f"Python {sys.version.split()[0]}, {os.cpu_count()} cores, "
          f"load average {os.getloadavg()[0]:.1f}")
    rows = []
    for label, cmd in (("parley --help", ["--help"]),
                       ("parley validate scenarios/biden.yaml",
                        ["validate", "scenarios/biden.yaml"])):
        wall, cpu = best_of(cmd, args.repeat)
        rows.append((label, wall, cpu, "< 0.5 s"))
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "compare"
        sim = timed(["compare", "scenarios/", "--runs", str(args.runs), "--out", str(out),
                     "--no-plots"])
        figs = timed(["plot", str(out)])
    rows.append((f"main job, simulation and files ({args.runs:,} runs)", *sim, ""))
    rows.append(("main job, figures (parley plot)", *figs, "<= simulation and files"))
    width = max(len(r[0]) for r in rows)
    print(f"{'measure':<{width}}  {'wall s':>7}  {'CPU s':>6}  target")
    for label, wall, cpu, target in rows:
        print(f"{label:<{width}}  {wall:7.2f}  {cpu:6.2f}  {target}")
    ratio = figs[0] / sim[0]
    print(f"figures / (simulation and files): {ratio:.2f} wall, {figs[1] / sim[1]:.2f} CPU")


if __name__ == "__main__":
    main()
