"""Batch throughput against the model's own speed, scaling and memory: one command, one table.

    python benchmarks/bench_batch.py [--scenario scenarios/biden.yaml] [--runs 100000]
        [--large 1000000] [--small 10000] [--baseline-python OTHER_TREE/.venv/bin/python]

Measures in one invocation, side by side (and, with ``--baseline-python``, the
same figures for another checkout, e.g. the commit before a change, measured
in the same session, interleaved case by case so both see the same load):

  * the model alone: ``simulate(scenario, 20,000 seeds)``, worlds per CPU-second,
    best of 3, on biden and trump_oh (no results written, one process); and the same
    in two processes at once, their rates summed: what the model alone does on this
    machine's two cores (two busy cores of a shared VM may not each run as fast as one
    alone), the honest denominator of the 2-worker ratio;
  * the whole command, ``parley run SCENARIO --runs N --jobs J --no-plots``
    (default 20 parameter draws; start-up, writing runs.csv, records and
    summary included): runs per second at ``--runs`` and ``--large`` with 1 and
    2 workers, the speed-up from the second worker, and the ratio of the
    whole command to the model alone (J workers: J x the model's per-CPU rate);
  * peak resident memory of the command's main process (``RUSAGE_SELF``) and of
    its largest worker (``RUSAGE_CHILDREN``) at ``--small`` and ``--large`` runs;
  * the product's two headline commands, whole (start-up, figures and files included),
    best of ``--repeat``: the main job ``parley compare`` on the shipped scenarios and
    ``parley hindcast --runs 10000`` (``--no-headline`` skips them);
  * with ``--scaling N [N ...]``, the second worker's speed-up at each of those run counts
    (each command best of ``--repeat``, 1 and 2 workers interleaved): where a fixed
    start-up stops hiding the second core;
  * at each run count with 1 worker, the serial part of the command (wall clock from its
    start to the batch's first task, and from its last result to the command's exit,
    stamped in the child) and the speed-up it leaves a perfect second worker,
    T1 / (S + (T1 - S) / 2): the ceiling on the measured speed-up; and the speed-up of
    the part the second worker can share, (T1 - S1) / (T2 - S2);
  * the command's start-up to its first task with parley's bytecode cached (as every
    figure here is measured, and as a user's commands run after their first) and with
    parley compiled at every start (what a shell with PYTHONDONTWRITEBYTECODE=1, as this
    machine's, did to every measurement before 2026-12-08);
  * ``mesa.batch_run`` on one world per model, ``--mesa-runs`` runs (200; 0 skips it),
    in this process, against the 2-worker rate at ``--runs``;
  * the load average at the start and at the end.

The machine may be shared: read the ratios, measured side by side, not the
absolute rates alone.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

#: run in a child: the model alone, worlds per CPU-second (best of ``reps``)
MODEL_ALONE = """
import sys, time
import numpy as np
from parley.experiments.simulate import simulate
from parley.scenario_files import load_scenario
sc = load_scenario(sys.argv[1]); n = int(sys.argv[2]); reps = int(sys.argv[3])
seeds = np.arange(n, dtype=np.int64) * 7919 + 11
simulate(sc, seeds[:100])
if sys.argv[4:] == ["sync"]:  # one of a pair: start timing when the other does
    print("ready", flush=True)
    sys.stdin.readline()
best = float("inf")
for _ in range(reps):
    t = time.process_time()
    simulate(sc, seeds)
    best = min(best, time.process_time() - t)
print(n / best)
"""

#: run in a child: one parley command, then the peak RSS of this process and its workers
WHOLE_COMMAND = """
import json, resource, sys, time
import parley.experiments.engine as engine
from parley.cli import main
stamps = {}  # wall clock: when the batch began handing out tasks, when its last result was written
inner = getattr(engine, "write_in_order", None)  # None in a checkout without it: no stamps
def timed(*args, **kwargs):
    stamps.setdefault("tasks_start", time.time())
    try:
        return inner(*args, **kwargs)
    finally:
        stamps["tasks_end"] = time.time()
if inner is not None:
    engine.write_in_order = timed
try:
    main(sys.argv[2:])
except SystemExit as exc:
    if exc.code not in (0, None):
        raise
me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
with open(sys.argv[1], "w") as fh:
    json.dump({"parent_mb": me.ru_maxrss / 1024, "workers_mb": kids.ru_maxrss / 1024,
               "parent_cpu": me.ru_utime + me.ru_stime,
               "workers_cpu": kids.ru_utime + kids.ru_stime, **stamps}, fh)
"""


def tree_env(cwd: Path, uncached_src: Path | None = None) -> dict[str, str]:
    """The environment of a tree's children: its own ``src`` first on the path, so a python
    run with PYTHONPATH pointing at one tree never measures that tree for another.

    PYTHONDONTWRITEBYTECODE is left out, so the children import parley from the bytecode
    :func:`warm_bytecode` wrote, as a user's commands do after their first (pip compiles an
    installed package; an editable checkout writes ``__pycache__`` on its first import).  A
    shell that sets it (this machine's does) would otherwise have every command compile
    parley's modules again at its start, a cost no user pays.  ``uncached_src``: sources
    holding no bytecode to import instead, with the variable set, so that every module of
    parley is compiled at the start (``startup_bytecode`` measures that cost)."""
    env = {**os.environ, "PYTHONPATH": str(uncached_src or cwd / "src")}
    if uncached_src is None:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
    else:
        env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def warm_bytecode(python: str, cwd: Path) -> None:
    """Compile the tree's ``src`` for that python (its ``__pycache__``, as after a first run)."""
    subprocess.run([python, "-m", "compileall", "-q", str(cwd / "src")], check=True,
                   stdout=subprocess.DEVNULL, env=tree_env(cwd))


def model_alone(python: str, cwd: Path, scenario: str, worlds: int, reps: int = 3) -> float:
    out = subprocess.run([python, "-c", MODEL_ALONE, scenario, str(worlds), str(reps)],
                         cwd=cwd, check=True, capture_output=True, text=True,
                         env=tree_env(cwd))
    return float(out.stdout.strip().splitlines()[-1])


def draws_made_by(python: str, cwd: Path) -> str:
    """Whether that checkout's draws run on the compiled kernel or on numpy."""
    out = subprocess.run([python, "-c", "import parley.randomness as r; "
                          "print(getattr(r, 'COMPILED', False))"],
                         cwd=cwd, check=True, capture_output=True, text=True,
                         env=tree_env(cwd))
    return "compiled kernel" if out.stdout.strip() == "True" else "numpy"


def model_alone_pair(python: str, cwd: Path, scenario: str, worlds: int,
                     reps: int = 3) -> float:
    """:func:`model_alone` in two processes at once: the sum of their rates.  Both are
    released together once both have loaded the scenario and warmed up, so that their
    timed runs overlap (a model of 20,000 worlds takes about 0.15 s: processes merely
    started together could time much of their runs while the other one is still
    importing, and the pair would look as fast as two machines)."""
    args = [python, "-c", MODEL_ALONE, scenario, str(worlds), str(reps), "sync"]
    procs = [subprocess.Popen(args, cwd=cwd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              text=True, env=tree_env(cwd))
             for _ in range(2)]
    for p in procs:
        assert p.stdout is not None and p.stdout.readline().strip() == "ready", cwd
    for p in procs:
        assert p.stdin is not None
        p.stdin.write("go\n")
        p.stdin.flush()
    outs = [p.communicate()[0] for p in procs]
    if any(p.returncode for p in procs):
        raise SystemExit(f"model alone failed in {cwd}")
    return sum(float(o.strip().splitlines()[-1]) for o in outs)


def whole_command(python: str, cwd: Path, scenario: str, runs: int, jobs: int,
                  out: Path, uncached_src: Path | None = None) -> dict[str, float]:
    """One ``parley run`` in a child: wall time, rate, serial part, peak memory and CPU.
    ``uncached_src``: import parley from these sources, which hold no bytecode, and write
    none (every module of parley compiled at the start)."""
    usage_file = out.with_suffix(".usage.json")
    args = [python, "-c", WHOLE_COMMAND, str(usage_file), "run", scenario, "--runs", str(runs),
            "--jobs", str(jobs), "--out", str(out), "--no-plots"]
    start, began = time.perf_counter(), time.time()
    proc = subprocess.run(args, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                          text=True, env=tree_env(cwd, uncached_src))
    wall, ended = time.perf_counter() - start, time.time()
    if proc.returncode != 0:
        raise SystemExit(f"command failed: {' '.join(args[3:])}\n{proc.stderr}")
    usage = json.loads(usage_file.read_text())
    # the part no second worker can share: start-up and set-up before the batch's first
    # task, and the summary, files and exit after its last result (NaN without the stamps)
    first_task = usage["tasks_start"] - began if "tasks_start" in usage else float("nan")
    serial = first_task + ended - usage.get("tasks_end", float("nan"))
    return {"wall": wall, "rate": runs / wall, "serial": serial, "first_task": first_task,
            **usage}


def startup_bytecode(python: str, cwd: Path, scenario: str, runs: int, repeat: int,
                     out: Path) -> tuple[float, float]:
    """The command's wall time to its first task (``runs`` runs, 1 worker, best of
    ``repeat``, interleaved): with the tree's bytecode cached, and with every module of
    parley compiled at the start (a copy of its sources with no ``__pycache__``, and
    PYTHONDONTWRITEBYTECODE=1: what this machine's shell did to every earlier measurement;
    installed packages keep the bytecode pip wrote)."""
    bare = out / "src"
    shutil.copytree(cwd / "src", bare, ignore=shutil.ignore_patterns("__pycache__"))
    best = {"cached": float("inf"), "compiled": float("inf")}
    for k in range(repeat):
        for case in best:
            folder = out / f"{case}-{k}"
            measured = whole_command(python, cwd, scenario, runs, 1, folder,
                                     bare if case == "compiled" else None)
            # NaN (a checkout without the stamps) stays NaN: min() would drop it for inf
            first = measured["first_task"]
            best[case] = first if math.isnan(first) else min(best[case], first)
            shutil.rmtree(folder)
    shutil.rmtree(bare)
    return best["cached"], best["compiled"]


def speed_up_bound(one_worker_wall: float, serial: float) -> float:
    """The second worker's speed-up if it halved everything but the serial part exactly:
    T1 / (S + (T1 - S) / 2), for runs under the same load."""
    return one_worker_wall / (serial + (one_worker_wall - serial) / 2)


def shared_speed_up(one: dict[str, float], two: dict[str, float]) -> float:
    """The second worker's speed-up on what it can share: each command's wall time less its
    own serial part (1 and 2 workers)."""
    return (one["wall"] - one["serial"]) / (two["wall"] - two["serial"])


def scaling(python: str, cwd: Path, scenario: str, runs: int, repeat: int,
            out: Path) -> tuple[float, float, float, float, float, float]:
    """The whole command's best wall time with 1 and with 2 workers (interleaved, so both
    see the same load), the speed-up between them, the serial part of the best 1-worker
    run, the speed-up that serial part allows (:func:`speed_up_bound`) and that of the
    shared part (:func:`shared_speed_up`, the two best runs)."""
    best = {1: {"wall": float("inf")}, 2: {"wall": float("inf")}}
    for k in range(repeat):
        for jobs in best:
            folder = out / f"{jobs}-{k}"
            measured = whole_command(python, cwd, scenario, runs, jobs, folder)
            best[jobs] = min(best[jobs], measured, key=lambda m: m["wall"])
            shutil.rmtree(folder)
    one, two = best[1]["wall"], best[2]["wall"]
    return (one, two, one / two, best[1]["serial"], speed_up_bound(one, best[1]["serial"]),
            shared_speed_up(best[1], best[2]))


#: the headline commands: name -> parley arguments (an --out folder is added)
HEADLINE = {"main job: parley compare (shipped scenarios, figures)": ["compare"],
            "parley hindcast --runs 10000": ["hindcast", "--runs", "10000"]}


def headline_wall(python: str, cwd: Path, args: list[str], out: Path, repeat: int) -> float:
    """Best wall time of a whole ``parley`` command, as a user runs it."""
    best = float("inf")
    for i in range(repeat):
        start = time.perf_counter()
        proc = subprocess.run([python, "-m", "parley", *args, "--out", f"{out}-{i}"], cwd=cwd,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                              env=tree_env(cwd))
        best = min(best, time.perf_counter() - start)
        if proc.returncode != 0:
            raise SystemExit(f"command failed: parley {' '.join(args)}\n{proc.stderr}")
    return best


def mesa_batch_run_rate(scenario: str, runs: int) -> float:
    import mesa

    from parley import NegotiationModel, load_scenario

    sc = load_scenario(ROOT / scenario)
    start = time.perf_counter()
    mesa.batch_run(NegotiationModel, parameters={"scenario": sc, "seed": list(range(runs))},
                   iterations=1, max_steps=48, number_processes=1,
                   data_collection_period=-1, display_progress=False)
    return runs / (time.perf_counter() - start)


def checkout_of(python: str) -> Path:
    """The source tree a python's parley comes from (its editable install; PYTHONPATH, set
    for this tree, is left out)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    out = subprocess.run([python, "-c", "import parley, pathlib; "
                          "print(pathlib.Path(parley.__file__).resolve().parents[2])"],
                         check=True, capture_output=True, text=True, env=env)
    return Path(out.stdout.strip())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scenario", default="scenarios/biden.yaml")
    ap.add_argument("--runs", type=int, default=100_000)
    ap.add_argument("--large", type=int, default=1_000_000,
                    help="the large case, runs (0 to skip it)")
    ap.add_argument("--small", type=int, default=10_000,
                    help="the small case for memory, runs (2 workers)")
    ap.add_argument("--memory-runs", type=int, nargs="*", default=[],
                    help="more sizes (runs, 2 workers) measured for peak RSS only, e.g. 5000000")
    ap.add_argument("--model-worlds", type=int, default=20_000)
    ap.add_argument("--repeat", type=int, default=2,
                    help="runs of each headline command (the best is shown)")
    ap.add_argument("--no-headline", action="store_true",
                    help="skip the main job and the hindcast")
    ap.add_argument("--mesa-runs", type=int, default=200,
                    help="time mesa.batch_run on this many runs, one world per model (this "
                         "checkout only; 0 skips it)")
    ap.add_argument("--scaling", type=int, nargs="*", default=[],
                    help="run counts at which to time the second worker's speed-up "
                         "(best of --repeat each), e.g. 100000 200000 300000 500000")
    ap.add_argument("--baseline-python", default=None,
                    help="a python whose parley is another checkout, measured alongside")
    ap.add_argument("--baseline-tree", default=None,
                    help="the baseline's source tree (its src on PYTHONPATH) when that is not "
                         "where --baseline-python's parley is installed from")
    args = ap.parse_args()

    trees = {"this": (sys.executable, ROOT)}
    if args.baseline_python or args.baseline_tree:
        python = args.baseline_python or sys.executable
        tree = Path(args.baseline_tree).resolve() if args.baseline_tree else checkout_of(python)
        trees = {"baseline": (python, tree), **trees}
    load_start = os.getloadavg()
    res: dict[str, dict[str, object]] = {t: {} for t in trees}
    sizes = [args.runs] + ([args.large] if args.large else [])
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        for py, cwd in trees.values():
            warm_bytecode(py, cwd)
        for name in ("biden", "trump_oh"):
            for tree, (py, cwd) in trees.items():
                res[tree][f"model:{name}"] = model_alone(py, cwd, f"scenarios/{name}.yaml",
                                                         args.model_worlds)
        scen = Path(args.scenario).stem
        for tree, (py, cwd) in trees.items():
            res[tree]["pair"] = model_alone_pair(py, cwd, args.scenario, args.model_worlds)
        for runs in [args.small, *sizes, *args.memory_runs]:
            for jobs in (1, 2) if runs in sizes else (2,):
                for tree, (py, cwd) in trees.items():
                    out = tmp / f"{tree}-{runs}-{jobs}"
                    res[tree][f"run:{runs}:{jobs}"] = whole_command(py, cwd, args.scenario,
                                                                    runs, jobs, out)
        for tree, (py, cwd) in trees.items():
            res[tree]["startup"] = startup_bytecode(py, cwd, args.scenario, args.runs,
                                                    args.repeat, tmp / f"{tree}-bytecode")
        for runs in args.scaling:
            for tree, (py, cwd) in trees.items():
                res[tree][f"scaling:{runs}"] = scaling(py, cwd, args.scenario, runs,
                                                       args.repeat, tmp / f"{tree}-s{runs}")
        if not args.no_headline:
            for k, (label, cmd) in enumerate(HEADLINE.items()):
                for tree, (py, cwd) in trees.items():
                    res[tree][label] = headline_wall(py, cwd, cmd, tmp / f"{tree}-h{k}",
                                                     args.repeat)
        same: dict[int, dict[str, bool]] = {}  # per size: per tree 1 vs 2 workers, and across
        for runs in sizes:
            files = {t: [(tmp / f"{t}-{runs}-{j}" / "runs.csv").read_bytes() for j in (1, 2)]
                     for t in trees}
            same[runs] = {t: f[0] == f[1] for t, f in files.items()}
            if len(trees) > 1:
                same[runs]["checkouts"] = len({f[0] for f in files.values()}) == 1
    mesa_rate = mesa_batch_run_rate(args.scenario, args.mesa_runs) if args.mesa_runs else None
    load_end = os.getloadavg()

    cols = list(trees)

    def row(label: str, cells: Iterable[str]) -> None:
        """One line of the markdown table: the measure, then one cell per tree."""
        print(f"| {label} | " + " | ".join(cells) + " |")

    print(f"scenario {args.scenario}; cpus {os.cpu_count()}; load average (1, 5, 15 min) "
          f"at start {load_start[0]:.2f} {load_start[1]:.2f} {load_start[2]:.2f}, at end "
          f"{load_end[0]:.2f} {load_end[1]:.2f} {load_end[2]:.2f}; commands import "
          "parley's cached bytecode (PYTHONDONTWRITEBYTECODE left out: see tree_env)")
    row("measure", cols)
    print("|---|" + "---|" * len(cols))
    row("draws made by", (draws_made_by(*trees[t]) for t in cols))
    for name in ("biden", "trump_oh"):
        row(f"model alone, {name}, {args.model_worlds:,} worlds, worlds per CPU-second",
            (f"{res[t][f'model:{name}']:,.0f}" for t in cols))
    row(f"model alone, {scen}, two processes at once: worlds per second of the pair "
        "(sum of their CPU rates)", (f"{res[t]['pair']:,.0f}" for t in cols))
    for runs in sizes:
        one, two = f"run:{runs}:1", f"run:{runs}:2"
        for jobs, key in ((1, one), (2, two)):
            row(f"whole command, {runs:,} runs, {jobs} worker{'s' * (jobs > 1)}: runs/s "
                "(wall s)", (f"{res[t][key]['rate']:,.0f} ({res[t][key]['wall']:.1f} s)"
                             for t in cols))
        for jobs, key in ((1, one), (2, two)):
            row(f"{runs:,} runs, {jobs} worker{'s' * (jobs > 1)}: whole command / model "
                f"alone ({scen}, x{jobs} CPU)",
                (f"{res[t][key]['rate'] / (jobs * res[t][f'model:{scen}']):.0%}" for t in cols))
        row(f"{runs:,} runs, 2 workers: whole command / model alone in two processes at once",
            (f"{res[t][two]['rate'] / res[t]['pair']:.0%}" for t in cols))
        for jobs, key in ((1, one), (2, two)):
            row(f"{runs:,} runs, {jobs} worker{'s' * (jobs > 1)}: CPU-s, main process + "
                "workers (less sensitive to load than the wall)",
                (f"{res[t][key]['parent_cpu']:.1f} + {res[t][key]['workers_cpu']:.1f}"
                 for t in cols))
        row(f"{runs:,} runs: speed-up from the second worker",
            (f"{res[t][two]['rate'] / res[t][one]['rate']:.2f}x" for t in cols))
        row(f"{runs:,} runs, 1 worker: serial part (start-up before the first task, summary "
            "and exit after the last), s; the speed-up it allows a perfect second worker",
            (f"{res[t][one]['serial']:.2f} s; "
             f"{speed_up_bound(res[t][one]['wall'], res[t][one]['serial']):.2f}x" for t in cols))
        row(f"{runs:,} runs: speed-up of the part a second worker can share, "
            "(T1 - S1) / (T2 - S2)", (f"{shared_speed_up(res[t][one], res[t][two]):.2f}x"
                                      for t in cols))
    row(f"{args.runs:,} runs, 1 worker: start-up to the first task, s (best of {args.repeat}): "
        "bytecode cached (as measured above) / parley compiled at every start",
        ("{:.2f} / {:.2f}".format(*res[t]["startup"]) for t in cols))
    mem_sizes = [args.small] + ([args.large] if args.large else []) + args.memory_runs
    for runs in mem_sizes:
        key = f"run:{runs}:2"
        row(f"peak RSS at {runs:,} runs, 2 workers: main process / largest worker (MB)",
            (f"{res[t][key]['parent_mb']:.0f} / {res[t][key]['workers_mb']:.0f}" for t in cols))
    small = f"run:{args.small}:2"
    for big in mem_sizes[1:]:
        large = f"run:{big}:2"
        row(f"peak RSS {big:,} / {args.small:,} runs (flat: ~1)",
            (f"{res[t][large]['parent_mb'] / res[t][small]['parent_mb']:.2f} / "
             f"{res[t][large]['workers_mb'] / res[t][small]['workers_mb']:.2f}" for t in cols))
    for runs in args.scaling:
        row(f"{runs:,} runs: 1 / 2 workers, wall s (best of {args.repeat}), speed-up; "
            "serial part of the best 1-worker run, the speed-up it allows; speed-up of the "
            "shared part",
            ("{:.2f} / {:.2f} s, {:.2f}x; {:.2f} s, {:.2f}x; {:.2f}x".format(
                *res[t][f"scaling:{runs}"]) for t in cols))
    for label in HEADLINE if not args.no_headline else ():
        row(f"{label}, wall s (best of {args.repeat})", (f"{res[t][label]:.1f}" for t in cols))
    for r in sizes:
        print(f"runs.csv at {r:,} runs identical for 1 and 2 workers: "
              + ", ".join(f"{t} {same[r][t]}" for t in cols)
              + (f"; across the checkouts: {same[r]['checkouts']} (differs when the change "
                 "moves results)" if "checkouts" in same[r] else ""))
    if mesa_rate:
        r2 = res["this"][f"run:{args.runs}:2"]["rate"]
        print(f"mesa.batch_run, {args.mesa_runs:,} runs, 1 process: {mesa_rate:,.0f} runs/s; "
              f"parley (2 workers, {args.runs:,} runs) is {r2 / mesa_rate:,.0f}x faster")


if __name__ == "__main__":
    main()
