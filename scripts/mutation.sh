#!/usr/bin/env bash
# Mutation testing of the model core with mutmut (config: [tool.mutmut] in pyproject.toml).
#
#   scripts/mutation.sh                    # every mutant of rules, model, agents, stats, scenario
#   scripts/mutation.sh 'parley.rules*'    # only the mutants of one module
#   scripts/mutation.sh --report 'parley.rules*'   # print the score of the last run only
#
# Needs `pip install -e ".[test,mutation]"`.  Mutants and their results live in ./mutants
# (git-ignored; delete it to start afresh, keep it to resume).  MUTMUT_CHILDREN sets
# the number of parallel workers (default: 2, the cores of the reference machine).
# Prints the score: (killed + timeout) / (total - skipped - not checked), and the survivors.
#
# Cost: mutmut runs, per mutant, only the selected tests that reach the mutated
# function, and stops at the first failure, so survivors cost most.  On the 2-core
# reference machine (shared) 3,618 of the core's 4,031 mutants took 48 min (2026-11-26,
# docs/TESTING.md).  mutmut limits CPU time only: a mutant that blocks (e.g. on a FIFO)
# waits until its child is sent SIGXCPU, which mutmut counts as a timeout.  Faster: more cores (MUTMUT_CHILDREN),
# `mutate_only_covered_lines = true`, or a slimmer pytest_add_cli_args_test_selection.
set -euo pipefail
cd "$(dirname "$0")/.."
unset PYTHONPATH  # mutmut puts mutants/src first on sys.path; an outer src/ would hide it
start=$(date +%s)
if [[ "${1:-}" == "--report" ]]; then
  shift
else
  python3 -m mutmut run --max-children "${MUTMUT_CHILDREN:-2}" "$@" >mutants-run.log 2>&1 || true
fi
elapsed=$(( $(date +%s) - start ))
python3 -m mutmut export-cicd-stats >/dev/null
python3 - "$elapsed" "$@" <<'PY'
import fnmatch, json, subprocess, sys
elapsed, patterns = int(sys.argv[1]), sys.argv[2:] or ["*"]
out = subprocess.run([sys.executable, "-m", "mutmut", "results", "--all", "true"],
                     capture_output=True, text=True).stdout
rows = [line.strip().rsplit(": ", 1) for line in out.splitlines() if ": " in line]
rows = [(name, status) for name, status in rows
        if any(fnmatch.fnmatch(name, p) for p in patterns)]
count = {}
for _, status in rows:
    count[status] = count.get(status, 0) + 1
caught = count.get("killed", 0) + count.get("timeout", 0)
tested = len(rows) - count.get("skipped", 0) - count.get("not checked", 0)
score = 100.0 * caught / tested if tested else 0.0
print(f"mutants: {len(rows)}  " + "  ".join(f"{k}: {v}" for k, v in sorted(count.items())))
print(f"mutation score: {score:.1f}% ({caught} of {tested} caught); this call took {elapsed} s")
for name, status in rows:
    if status == "survived":
        print(f"  survived: {name}   (python3 -m mutmut show {name})")
PY
