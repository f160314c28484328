"""Start-up time of the command line: `parley --help` and `parley validate FILE`.

    python benchmarks/bench_startup.py [--repeat 7]

Prints the median wall time of each over --repeat runs.  Target: under 0.5 s
each (the CLI imports only the invoked command's module, and neither Mesa,
scipy, matplotlib nor pandas before a command needs them).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
COMMANDS = {
    "parley --help": ["--help"],
    "parley validate scenarios/biden.yaml": ["validate", str(ROOT / "scenarios" / "biden.yaml")],
}


def median_seconds(argv: list[str], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "parley.cli", *argv], capture_output=True,
                       check=True, cwd=ROOT)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    for label, argv in COMMANDS.items():
        seconds = median_seconds(argv, args.repeat)
        verdict = "ok" if seconds < 0.5 else "over the 0.5 s target"
        print(f"{label:<40} {seconds:.3f} s (median of {args.repeat}; {verdict})")


if __name__ == "__main__":
    main()
