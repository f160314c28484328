"""Time of ``parley calibrate --dynamics`` at its default size: one command, time printed.

    python benchmarks/bench_calibrate.py [--jobs 2] [--executor local]

Runs the whole command (fit, predictive check, posterior file) into a
temporary folder and prints its wall time, the CPU time of its process tree
(what a dedicated machine would need, divided by the jobs), the number
of simulations, the load average, and per generation the epsilon, acceptance rate and
effective sample (Kish) beside the particles.  Target (round 5): under 15 minutes on a
2-core machine with a last-generation effective sample of at least half the particles.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--executor", default="local")
    args = parser.parse_args()
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "posterior.json"
        cmd = [sys.executable, "-m", "parley.cli", "calibrate", "--dynamics",
               "--executor", args.executor, "--jobs", str(args.jobs),
               "--db", str(Path(tmp) / "fit.db"), "--out", str(out)]
        start = time.perf_counter()
        subprocess.run(cmd, cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
        wall = time.perf_counter() - start
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        doc = json.loads(out.read_text())
    cpu = usage.ru_utime + usage.ru_stime
    sims = doc["provenance"]["total_simulations"]
    settings = doc["provenance"]["settings"]
    generations = doc["provenance"]["generations"]
    last = generations[-1]
    enough = last["ess"] >= last["particles"] / 2
    print(f"calibrate --dynamics ({settings['particles']} particles, "
          f"{settings['generations']} generations, {settings['worlds']} worlds per term, "
          f"quantile {settings['quantile']}): wall {wall / 60:.1f} min, CPU {cpu / 60:.1f} min "
          f"({cpu / 60 / args.jobs:.1f} min per job), {sims} simulations, "
          f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    for g in generations:
        print(f"  generation {g['generation']}: epsilon {g['epsilon']:.4f}, acceptance "
              f"{g['acceptance']:.3f}, effective sample {g['ess']:.1f} of {g['particles']}")
    print(f"target < 15 min: {'met' if wall < 900 else 'NOT met'}; last effective sample "
          f">= half the particles: {'met' if enough else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
