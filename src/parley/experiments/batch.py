"""Run and compare batches: scenarios on the engine into a results folder, summarised.

Folder contents: ``runs.csv`` (one row per run), ``chunks.jsonl`` (progress
log for ``--resume``), ``summary.json``, ``manifest.json`` (everything needed
to replay), ``comparison.csv`` (compare) and ``figures/``.

Parameter uncertainty is on by default: a batch of ``runs`` worlds per scenario
is ``parameter_draws`` draws of ``runs // parameter_draws`` worlds each, the same
worlds in every draw and scenario (common random numbers).  A draw moves every
value we chose (readings, assumptions, the rules' constants) over its envelope
(:mod:`parley.analysis.envelope`), or resamples a calibrated posterior.  With
``parameter_draws=0`` the batch is the point run: the scenarios as they are.
Everything the summary needs is summed chunk by chunk (pooled tallies, per-draw
counts, paired sums across scenarios), so a million runs are never read back.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import itertools
import math
import shlex
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from parley import defaults
from parley.analysis.stats import Z95, share
from parley.experiments.engine import DEFAULT_CHUNK, Batch, runs_for_precision
from parley.experiments.executors import Executor, jobs_problem
from parley.outcomes import BINARY_OUTCOMES, RUNS_HEADER, RUNS_HEADER_WITH_DRAW
from parley.results import verify
from parley.results.formats import PATHS_LOG, PATHS_LOG_HEADER, PATHS_PARQUET, path_rows
from parley.results.load import manifest_identity
from parley.results.manifest import (
    close_manifest,
    new_manifest,
    read_manifest,
    refuse_used_folder,
    resume_manifest,
    write_manifest,
)
from parley.results.store import ResultsStore, atomic_write_json, atomic_write_text, cut_file
from parley.scenario import Scenario, ScenarioError, build_scenario, require_runnable, with_values
from parley.scenario_files import load_scenario, scenario_files, scenario_path

MAX_RUNS = defaults.MAX_RUNS
MAX_DRAWS = defaults.MAX_DRAWS
#: an adjacent pair of ranked scenarios is a tier boundary when the upper one is above
#: the lower in at least this share of parameter draws
TIER_SHARE = 0.9


@dataclass
class BatchOptions:
    """How a batch is run: everything but the scenarios and the folder."""

    runs: int = defaults.RUNS
    seed: int = defaults.SEED
    chunk: int = DEFAULT_CHUNK
    precision: float | None = None
    max_runs: int = MAX_RUNS
    reference: str | None = None
    executor: str | Executor = defaults.EXECUTOR
    jobs: int | None = None
    scheduler: str | None = None
    #: K parameter draws (0: the point run), each on runs // K worlds
    parameter_draws: int = defaults.PARAMETER_DRAWS
    posterior: str | Path | None = None
    #: --paths: keep every world's monthly paths (paths.parquet; the parquet extra)
    paths: bool = False

    #: the options that must be whole numbers (None allowed where the default is None)
    WHOLE = ("runs", "seed", "chunk", "max_runs", "jobs", "parameter_draws")

    def __post_init__(self) -> None:
        for name in self.WHOLE:  # numpy integers (a notebook's np.int64) are plain ints here
            value = getattr(self, name)
            if hasattr(value, "dtype") and getattr(value, "ndim", 1) == 0 and \
                    value.dtype.kind in "iu":
                setattr(self, name, int(value))

    def check(self) -> None:
        """Raise ScenarioError naming every option out of range (or of the wrong type: a
        seed of 1.5 is refused, not rounded)."""
        wrong = [f"--{n.replace('_', '-')} {getattr(self, n)!r}: must be a whole number"
                 for n in self.WHOLE if not _whole(getattr(self, n), none_ok=n == "jobs")]
        if self.precision is not None and (isinstance(self.precision, bool) or not isinstance(
                self.precision, int | float) or self.precision != self.precision):
            wrong.append(f"--precision {self.precision!r}: must be a number")
        if wrong:
            raise ScenarioError(wrong)
        problems = []
        if not 1 <= self.runs <= MAX_RUNS:
            problems.append(f"--runs {self.runs}: allowed 1 to {MAX_RUNS:,}")
        if self.chunk < 1:
            problems.append(f"--chunk {self.chunk}: must be positive")
        elif 1 <= self.runs <= MAX_RUNS and self.batch_tasks > defaults.MAX_BATCH_TASKS:
            problems.append(f"--runs {self.runs:,} with --chunk {self.chunk:,}: "
                            f"{self.batch_tasks:,} chunk tasks, allowed at most "
                            f"{defaults.MAX_BATCH_TASKS:,} (defaults.MAX_BATCH_TASKS); give a "
                            "larger --chunk")
        if problem := jobs_problem(self.jobs):
            problems.append(problem)
        if self.precision is not None and not 0 < self.precision < 0.5:
            problems.append("--precision must lie in (0, 0.5)")
        if self.precision is not None and self.parameter_draws:
            problems.append("--precision works on the point run: give --parameter-draws 0 "
                            "as well")
        if self.precision is not None and not 1 <= self.max_runs <= MAX_RUNS:
            problems.append(f"--max-runs {self.max_runs}: allowed 1 to {MAX_RUNS:,}")
        if not defaults.is_seed(self.seed):
            problems.append(f"--seed must be an integer in {defaults.SEED_RANGE}")
        if not 0 <= self.parameter_draws <= MAX_DRAWS:
            problems.append(f"--parameter-draws {self.parameter_draws}: allowed 0 (the point "
                            f"run) to {MAX_DRAWS:,}")
        elif self.parameter_draws and 1 <= self.runs < self.parameter_draws:
            problems.append(f"--runs {self.runs}: with {self.parameter_draws} parameter draws "
                            "each draw needs a world; give --runs of at least "
                            f"{self.parameter_draws}, or --parameter-draws 0")
        if not isinstance(self.paths, bool):
            problems.append(f"--paths {self.paths!r}: must be True or False")
        elif self.paths and self.precision is not None:
            problems.append("--paths: not with --precision (the rows must be known before the "
                            "batch starts; give --runs)")
        if self.posterior is not None and not self.parameter_draws:
            problems.append("--posterior: give --parameter-draws K as well (K draws from it)")
        if problems:
            raise ScenarioError(problems)

    @property
    def batch_tasks(self) -> int:
        """Chunk tasks of the batch at its target runs: blocks of worlds x draws."""
        draws = self.parameter_draws if isinstance(self.parameter_draws, int) else 0
        worlds = self.runs // draws if 0 < draws <= self.runs else self.runs
        return -(-worlds // self.chunk) * max(1, draws)

    @property
    def worlds_per_draw(self) -> int:
        return self.runs // self.parameter_draws if self.parameter_draws else self.runs


def _whole(value: object, none_ok: bool = False) -> bool:
    if value is None:
        return none_ok
    return isinstance(value, int) and not isinstance(value, bool)


# ---------------------------------------------------------------- driver


def load_scenarios(items: Sequence[str | Path | Scenario]) -> list[Scenario]:
    """Runnable scenarios from files, folders or Scenario objects; names must be unique."""
    scenarios, problems = [], []
    paths = [str(i) for i in items if not isinstance(i, Scenario)]
    files = scenario_files(paths) if paths else []
    if paths and not files:
        raise ScenarioError([f"{', '.join(paths)}: no scenario files found"])
    for item in [i for i in items if isinstance(i, Scenario)] + files:
        try:
            scenarios.append(require_runnable(item if isinstance(item, Scenario)
                                              else load_scenario(item)))
        except ScenarioError as exc:
            problems += exc.problems
    names = [s.name for s in scenarios]
    problems += [f"{s.path or s.name}: name: scenario name {s.name!r} is used twice in this "
                 "batch" for s in scenarios if names.count(s.name) > 1]
    if problems:
        raise ScenarioError(problems)
    return scenarios


def new_batch(scenarios: list[Scenario], options: BatchOptions, folder: Path | None,
              kind: str, sources: Sequence[str] | None = None) -> tuple[Batch, dict[str, Any]]:
    """A batch ready to run, its folder started and its manifest written.

    ``kind`` is run or compare; ``folder=None`` picks
    ``results/<label>-<time>``; ``sources`` are the files or folders as the
    user named them (for the replay command in the manifest).
    """
    options.check()
    compare = kind != "run"
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    label = kind if compare else scenarios[0].name
    folder = folder or Path("results") / f"{label}-{stamp}"
    worlds = options.worlds_per_draw
    chunk = min(options.chunk, worlds)
    start_runs = worlds if not options.precision else min(worlds, 2000)
    reference = None
    if compare:
        names = [s.name for s in scenarios]
        reference = options.reference or ("trump_oh" if "trump_oh" in names else names[0])
        if reference not in names:
            raise ScenarioError([f"--reference: {reference!r} is not among the scenarios "
                                 f"(allowed: {', '.join(names)})"])
    uncertainty = parameter_uncertainty(scenarios, options)
    draws = draw_values(scenarios, uncertainty)
    if draws:  # a draw a scenario cannot take fails before the folder
        for sc, values in zip(scenarios, draws[0], strict=True):
            with_values(sc, values, "parameter draw 0")
    if options.paths:
        check_path_budget(scenarios, options)
    refuse_used_folder(folder)
    store = ResultsStore(folder, header=RUNS_HEADER_WITH_DRAW if draws else RUNS_HEADER)
    fields = {"runs": 0, "requested_runs": options.runs, "target_runs": start_runs,
              "precision": options.precision,
              "max_runs": options.max_runs if options.precision else start_runs,
              "chunk": chunk, "reference": reference}
    if uncertainty:
        fields["parameter_uncertainty"] = uncertainty
    if options.paths:  # absent without --paths: such a manifest is as it was before
        fields["paths"] = {"file": PATHS_PARQUET, "months": [s.horizon.months for s in scenarios]}
    inputs = {"scenarios": [{"name": s.name, "file": str(s.path) if s.path else None,
                             "hash": s.hash, "resolved": s.resolved,
                             "variant_of": s.variant_of} for s in scenarios]}
    sources = sources or [str(s.path or s.name) for s in scenarios]
    manifest = new_manifest(kind, command_line(kind, sources, options, folder), options.seed,
                            fields, inputs)
    # the job's identity (scenarios, seed, runs, chunk, draws, code version), checked on
    # --resume and by `parley verify`
    manifest.update(manifest_identity(manifest))
    store.start()
    if options.paths:
        atomic_write_text(folder / PATHS_LOG, PATHS_LOG_HEADER)
    write_manifest(folder, manifest)
    return Batch(scenarios, options.seed, store, chunk, draws=draws,
                 camps=camp_members(scenarios), paths=options.paths), manifest


def check_path_budget(scenarios: Sequence[Scenario], options: BatchOptions) -> None:
    """--paths within ``defaults.MAX_PATH_ROWS`` rows of paths.parquet (one per world,
    scenario and month), checked before anything runs."""
    worlds = options.worlds_per_draw * max(1, options.parameter_draws)
    rows = path_rows(worlds, (s.horizon.months for s in scenarios))
    if rows > defaults.MAX_PATH_ROWS:
        raise ScenarioError([f"--paths: {worlds:,} runs x {len(scenarios)} scenario(s) x their "
                             f"months is {rows:,} rows, over the budget of "
                             f"{defaults.MAX_PATH_ROWS:,} (defaults.MAX_PATH_ROWS); give fewer "
                             "--runs or drop --paths"])


def camp_members(scenarios: Sequence[Scenario]) -> tuple[tuple[int, ...], ...]:
    """Per camp (sorted by name), the indices of its scenarios; variants are left out, so a
    contested reading shipped twice counts once."""
    camps = sorted({sc.camp for sc in scenarios if not sc.variant_of})
    return tuple(tuple(i for i, sc in enumerate(scenarios) if sc.camp == c and not sc.variant_of)
                 for c in camps)


def parameter_uncertainty(scenarios: list[Scenario], options: BatchOptions
                          ) -> dict[str, Any] | None:
    """The K parameter draws of a batch and where they come from (None for the point run).

    From the envelopes of the scenarios (a Latin hypercube of quantiles, one per
    path, keyed by the batch's master seed: the same command draws the same
    values) or resampled from a posterior file.
    """
    from parley.analysis.envelope import envelope, kind_of, quantile_draws
    from parley.analysis.uncertainty import PosteriorError, load_posterior, parameter_draws

    k = options.parameter_draws
    if not k:
        return None
    base = {"draws": k, "seed": options.seed, "worlds_per_draw": options.worlds_per_draw}
    if options.posterior is not None:
        try:
            posterior = load_posterior(scenario_path(options.posterior))  # parley:... too
        except PosteriorError as exc:
            raise ScenarioError([f"--posterior {exc}"]) from None
        values = [{n.replace("__", "."): v for n, v in d.items()}
                  for d in parameter_draws(k, options.seed, posterior=posterior)]
        return {**base, "source": "posterior", "posterior": str(options.posterior),
                "posterior_sha256": posterior.sha256, "values": values}
    envelopes = [envelope(sc) for sc in scenarios]
    paths = sorted({u.path for env in envelopes for u in env})
    return {**base, "source": "envelope", "posterior": None, "kinds": kind_of(envelopes),
            "quantiles": quantile_draws(paths, k, options.seed)}


def draw_values(scenarios: Sequence[Scenario], uncertainty: dict[str, Any] | None
                ) -> list[tuple[dict[str, float], ...]]:
    """Per draw, per scenario, the values (by path) the draw sets; empty for the point run."""
    from parley.analysis.envelope import apply_draw, envelope

    if not uncertainty:
        return []
    if uncertainty["source"] == "posterior":
        return [tuple(dict(v) for _ in scenarios) for v in uncertainty["values"]]
    envelopes = [envelope(sc) for sc in scenarios]
    return [tuple(apply_draw(env, q) for env in envelopes) for q in uncertainty["quantiles"]]


def resume_batch(folder: Path) -> tuple[Batch, dict[str, Any]]:
    """The batch of an interrupted run or compare, ready to run on.

    Before anything is changed: the manifest's identity digest, every record's checksum
    and fit, the rows' checksums and the summary's digest (parley.results.verify).
    """
    manifest = read_manifest(folder, ("run", "compare"))
    verify.check_batch_manifest(folder, manifest)
    scenarios = [build_scenario(dict(s["resolved"]), s["file"] or s["name"])
                 for s in manifest["scenarios"]]
    draws = draw_values(scenarios, manifest.get("parameter_uncertainty"))
    store = verify.batch_store(folder, manifest)  # its header: with a draw column or not
    batch = Batch(scenarios, manifest["master_seed"], store, manifest["chunk"], draws=draws,
                  camps=camp_members(scenarios), paths=bool(manifest.get("paths")))
    paths_end: list[int] = []

    def restore(records: list[dict[str, Any]]) -> None:
        verify.check_batch_records(folder, manifest, records, store.row_counts)
        verify.check_summary_file(folder, manifest)
        if batch.paths:
            paths_end.append(verify.check_paths_log(folder, records))
        batch.restore(records)

    store.recover_into(restore)
    if paths_end:  # the paths of a chunk killed before its record, cut like its rows
        cut_file(folder / PATHS_LOG, paths_end[0])
        (folder / PATHS_PARQUET).unlink(missing_ok=True)
    return batch, resume_manifest(manifest)


def replay_scenario(folder: Path, name: str, draw: int | None = None) -> Scenario:
    """The scenario a run of the batch in ``folder`` ran: as its manifest resolved it, with
    the values of parameter draw ``draw`` (the ``draw`` column of runs.csv) set.  Run it
    on the row's seed to replay that row alone."""
    from parley.experiments.engine import scenario_variant

    manifest = read_manifest(folder, ("run", "compare"))
    names = [s["name"] for s in manifest["scenarios"]]
    if name not in names:
        raise ScenarioError([f"{folder}: no scenario {name!r} in this batch (allowed: "
                             f"{', '.join(names)})"])
    scenarios = [build_scenario(dict(s["resolved"]), s["file"] or s["name"])
                 for s in manifest["scenarios"]]
    draws = draw_values(scenarios, manifest.get("parameter_uncertainty"))
    index = names.index(name)
    if not draws:
        if draw is not None:
            raise ScenarioError([f"--draw {draw}: {folder} is a point run (no parameter "
                                 "draws); drop --draw"])
        return scenarios[index]
    if draw is None or not 0 <= draw < len(draws):
        raise ScenarioError([f"--draw: {folder} drew {len(draws)} sets of parameter values; "
                             f"give --draw K (0 to {len(draws) - 1}, the draw column of "
                             "runs.csv)"])
    return scenario_variant(scenarios[index].resolved, draws[draw][index])


def execute(batch: Batch, manifest: dict[str, Any], executor: Executor,
            progress: Callable[[int], None] | None = None,
            set_total: Callable[[int], None] | None = None) -> dict[str, Any]:
    """Run the batch to its target (and on, with a precision); write summary and manifest.

    ``progress(n)`` is called as runs are written; ``set_total(n)`` when a
    precision target raises the number of runs to do.
    """
    folder = batch.store.folder
    target = manifest["target_runs"]
    manifest["jobs"] = executor.workers
    try:
        with executor, contextlib.closing(batch.store):  # the folder's lock, held to the end
            batch.execute(executor, target, progress)
            while manifest["precision"] and batch.max_half_width() > manifest["precision"]:
                if target >= manifest["max_runs"]:
                    break
                target = runs_for_precision(target, batch.max_half_width(),
                                            manifest["precision"], manifest["max_runs"])
                manifest["target_runs"] = target
                write_manifest(folder, manifest)
                if set_total:
                    set_total(len(batch.scenarios) * target)
                batch.execute(executor, target, progress)
            return _finish(batch, manifest, "complete")
    except KeyboardInterrupt:
        _finish(batch, manifest, "interrupted")
        raise


def scenario_changes(manifest: dict[str, Any]) -> list[str]:
    """One line per scenario file that differs from (or is gone since) the batch's start."""
    lines = []
    for sc in manifest["scenarios"]:
        if not sc.get("file"):
            continue
        try:
            changed = load_scenario(sc["file"]).hash != sc["hash"]
        except (ScenarioError, OSError):
            changed = True
        if changed:
            lines.append(f"{sc['file']} has changed since the batch began; the batch goes on "
                         "with the scenario as it was then (kept in manifest.json)")
    return lines


def _finish(batch: Batch, manifest: dict[str, Any], status: str) -> dict[str, Any]:
    folder = batch.store.folder
    summary = build_summary(batch, manifest)
    if manifest.get(verify.SUMMARY_CHECKSUM) is not None:
        # the summary on disk is about to change: the manifest vouches for none meanwhile
        manifest[verify.SUMMARY_CHECKSUM] = None
        write_manifest(folder, manifest)
    atomic_write_json(folder / "summary.json", summary)
    manifest[verify.SUMMARY_CHECKSUM] = verify.summary_digest(folder / "summary.json")
    if "comparison" in summary:
        atomic_write_text(folder / "comparison.csv", comparison_csv(summary["comparison"]))
    if batch.paths and status == "complete":
        write_paths(folder, manifest)
    close_manifest(folder, manifest, status, batch.errors,
                   min(a.n for a in batch.aggregates) if batch.aggregates else 0)
    return summary


# --------------------------------------------------------------- summary


def write_paths(folder: Path, manifest: dict[str, Any]) -> int:
    """paths.parquet of a completed --paths batch, from the paths log chunk by chunk (one
    row group each, in task order: the same bytes for any worker count or resume)."""
    from parley.results.formats import batch_paths, write_paths_parquet
    from parley.rules.talks import Talks

    store = verify.batch_store(folder, manifest)
    records = store.check()
    states = tuple(s.name.lower() for s in Talks)
    return write_paths_parquet(batch_paths(folder, manifest, records, states),
                               folder / PATHS_PARQUET,
                               with_draw=bool(manifest.get("parameter_uncertainty")))


def build_summary(batch: Batch, manifest: dict[str, Any]) -> dict[str, Any]:
    """summary.json: every scenario pooled over draws and worlds; with draws, the interval
    over draws and the orderings and tiers; with several scenarios, the ranked comparison."""
    starts = {sc.horizon.start for sc in batch.scenarios}
    horizons = {sc.horizon.months for sc in batch.scenarios}
    summary: dict[str, Any] = {"level": 0.95,
                               # shared horizon, or None when the scenarios differ
                               "horizon": horizons.pop() if len(horizons) == 1 else None,
                               "start": starts.pop() if len(starts) == 1 else None,
                               "master_seed": batch.master_seed, "scenarios": []}
    for sc, agg in zip(batch.scenarios, batch.aggregates, strict=True):
        summary["scenarios"].append({"name": sc.name, "title": sc.title, "camp": sc.camp,
                                     "variant_of": sc.variant_of,
                                     "start": sc.horizon.start, "months": sc.horizon.months,
                                     **agg.summary()})
    if batch.draws:
        summary["parameter_uncertainty"] = summarise_draws(batch,
                                                           manifest["parameter_uncertainty"])
    if manifest.get("kind") != "run" and len(batch.scenarios) > 1:
        summary["comparison"] = compare_scenarios(batch, summary, manifest["reference"])
        summary["camps"] = camp_shares(batch)
    return summary


def summarise_draws(batch: Batch, uncertainty: dict[str, Any]) -> dict[str, Any]:
    """Monte Carlo beside parameter intervals, orderings over draws and the tiers they allow.

    Per scenario and yes/no outcome (and P(talks | engaged)): the pooled mean and its
    Monte Carlo interval, the 95% interval over the per-draw means, and the share of
    their spread that is Monte Carlo noise.  Per pair of scenarios: the share of draws
    in which the first is above, below or tied with the second on P(talks), paired over
    the same worlds.
    """
    tally = batch.by_draw
    names = [sc.name for sc in batch.scenarios]
    per_scenario: dict[str, Any] = {}
    for i, name in enumerate(names):
        n = tally.n[:, i]
        outcomes = {k: _draw_spread(tally.counts[k][:, i], n) for k in BINARY_OUTCOMES}
        outcomes["talks_given_engaged"] = _draw_spread(tally.counts["talks_engaged"][:, i],
                                                       tally.counts["engaged"][:, i])
        per_scenario[name] = outcomes
    orderings = ordering_shares(batch)
    out = {"draws": uncertainty["draws"], "source": uncertainty["source"],
           "posterior": uncertainty.get("posterior"),
           "worlds": int(tally.n.min()) if tally.n.size else 0,
           "scenarios": per_scenario, "orderings": orderings,
           "per_draw_talks": {name: _nan_to_none(
               (tally.counts["talks_resumed"][:, i] / np.maximum(tally.n[:, i], 1)).tolist())
               for i, name in enumerate(names)}}
    if uncertainty.get("kinds"):
        kinds = list(uncertainty["kinds"].values())
        out["drawn_values"] = {k: kinds.count(k) for k in ("source", "reading", "assumption")}
    return _nan_to_none(out)


def _draw_spread(k: np.ndarray, n: np.ndarray) -> dict[str, Any]:
    """Pooled share with its Monte Carlo interval, and the interval over the draws' shares."""
    kk, nn = int(k.sum()), int(n.sum())
    pooled = share(kk, nn)
    ok = n > 0
    means = k[ok] / n[ok]
    if not len(means):
        nan = float("nan")
        return {"mean": nan, "mc_lo": nan, "mc_hi": nan, "param_lo": nan, "param_hi": nan,
                "mc_share": nan, "draws": 0, "worlds": 0}
    between = float(means.var(ddof=1)) if len(means) > 1 else math.nan
    noise = float(np.mean(means * (1 - means) / np.maximum(n[ok] - 1, 1)))
    return {"mean": pooled["p"], "mc_lo": pooled["lo"], "mc_hi": pooled["hi"],
            "param_lo": float(np.quantile(means, 0.025)),
            "param_hi": float(np.quantile(means, 0.975)),
            "mc_share": min(1.0, noise / between) if between and between > 0 else math.nan,
            "draws": int(ok.sum()), "worlds": int(np.median(n[ok]))}


def ordering_shares(batch: Batch) -> list[dict[str, Any]]:
    """For every pair (a, b): the share of draws in which a is above, below or tied with b.

    In each draw the paired difference of P(talks) over the same worlds is set beside
    its standard error: within +-1.96 of it the draw cannot tell them apart (tied).
    """
    names = [sc.name for sc in batch.scenarios]
    if len(names) < 2 or not batch.draws:
        return []
    rows = []
    for i, a in enumerate(names):
        for j in range(i + 1, len(names)):
            sums = batch.by_draw.pairs[:, batch.pair_index(i, j)]
            counts = {"above": 0, "below": 0, "tied": 0}
            for total, squares, n in sums:
                if n < 2:
                    continue
                diff = total / n
                se = math.sqrt(max(squares / n - diff * diff, 0.0) / (n - 1))
                verdict = ("above" if diff > Z95 * se else "below" if diff < -Z95 * se
                           else "tied")
                counts[verdict] += 1
            k = sum(counts.values())
            rows.append({"a": a, "b": names[j], "outcome": "talks_resumed", "draws": k,
                         **{key: n / k if k else math.nan for key, n in counts.items()}})
    return rows


def tiers(ranked: Sequence[str], orderings: Sequence[dict[str, Any]],
          share_needed: float = TIER_SHARE) -> tuple[list[list[str]], list[dict[str, Any]]]:
    """Scenarios (ranked by pooled P) cut into tiers where an ordering holds in at least
    ``share_needed`` of the draws: the ordering share of each adjacent pair decides."""
    lookup = {}
    for o in orderings:
        lookup[(o["a"], o["b"])] = (o["above"], o["tied"], o["below"])
        lookup[(o["b"], o["a"])] = (o["below"], o["tied"], o["above"])
    groups: list[list[str]] = [[ranked[0]]] if ranked else []
    pairs = []
    for upper, lower in itertools.pairwise(ranked):
        above, tied, below = lookup[(upper, lower)]
        # undefined (nan or None) when no draw had two worlds to compare: no boundary
        boundary = above is not None and math.isfinite(above) and above >= share_needed
        pairs.append({"upper": upper, "lower": lower, "above": above, "tied": tied,
                      "below": below, "boundary": boundary})
        if boundary:
            groups.append([lower])
        else:
            groups[-1].append(lower)
    return groups, pairs


def compare_scenarios(batch: Batch, summary: dict[str, Any], reference: str,
                      outcome: str = "talks_resumed") -> dict[str, Any]:
    """Rank scenarios by pooled P(outcome); paired differences against the reference;
    with draws, the interval over draws and the tiers."""
    names = [sc.name for sc in batch.scenarios]
    ref = names.index(reference)
    params = (summary.get("parameter_uncertainty") or {}).get("scenarios", {})
    rows = []
    for i, sc in enumerate(summary["scenarios"]):
        sh = sc["shares"][outcome]
        given = sc["talks_given_engaged"]
        diff = _paired(batch, i, ref, sh["p"], sc_shares(summary, ref)[outcome]["p"])
        row = {"scenario": sc["name"], "title": sc["title"], "camp": sc["camp"],
               "variant_of": sc["variant_of"], "p": sh["p"], "lo": sh["lo"], "hi": sh["hi"],
               "p_given_engaged": given["p"], "given_engaged_lo": given["lo"],
               "given_engaged_hi": given["hi"], **diff}
        if sc["name"] in params:
            spread = params[sc["name"]][outcome]
            row.update(param_lo=spread["param_lo"], param_hi=spread["param_hi"])
        rows.append(row)
    rows.sort(key=lambda r: -r["p"])
    out = {"reference": reference, "outcome": outcome, "target": "new_spell",
           "paired_runs": int(batch.by_draw.n[:, 0].sum()), "rows": rows}
    orderings = (summary.get("parameter_uncertainty") or {}).get("orderings")
    if orderings:
        groups, adjacent = tiers([r["scenario"] for r in rows], orderings)
        out.update(tiers=groups, adjacent=adjacent, tier_share=TIER_SHARE)
    return out


def sc_shares(summary: dict[str, Any], i: int) -> dict[str, Any]:
    return summary["scenarios"][i]["shares"]


def _paired(batch: Batch, i: int, ref: int, p_i: float, p_ref: float) -> dict[str, float]:
    """The paired difference of P(talks) of scenario i from the reference, over every world
    and draw, with paired and unpaired 95% intervals."""
    if i == ref:
        total = squares = 0.0
        n = float(batch.by_draw.n[:, i].sum())
    else:
        a, b, sign = (i, ref, 1.0) if i < ref else (ref, i, -1.0)
        total, squares, n = batch.by_draw.pairs[:, batch.pair_index(a, b)].sum(axis=0)
        total *= sign
    diff = total / n if n else math.nan
    se_pair = math.sqrt(max(squares / n - diff * diff, 0.0) / (n - 1)) if n > 1 else math.inf
    se_unpair = (math.sqrt((p_i * (1 - p_i) + p_ref * (1 - p_ref)) / (n - 1))
                 if n > 1 else math.inf)
    return {"diff": diff, "diff_lo": diff - Z95 * se_pair, "diff_hi": diff + Z95 * se_pair,
            "unpaired_lo": diff - Z95 * se_unpair, "unpaired_hi": diff + Z95 * se_unpair}


def camp_shares(batch: Batch) -> dict[str, Any]:
    """P(talks resume) averaged over each camp's scenarios (equal weight, variants left out).

    Runs share seeds across scenarios (common random numbers), so the scenarios of a
    camp are not independent samples: the interval is built from the per-run camp
    average, a normal interval on its mean.
    """
    names = sorted({sc.camp for sc in batch.scenarios if not sc.variant_of})
    out: dict[str, Any] = {}
    for camp, members, (total, squares, n) in zip(names, batch.camps, batch.camp_totals,
                                                  strict=True):
        p = total / n if n else math.nan
        sd = math.sqrt(max(squares / n - p * p, 0.0) * n / (n - 1)) if n > 1 else math.nan
        half = Z95 * sd / math.sqrt(n) if n > 1 else math.nan
        out[camp] = {"p": p, "lo": max(0.0, p - half), "hi": min(1.0, p + half),
                     "scenarios": [batch.scenarios[i].name for i in members], "runs": int(n)}
    return out


def _nan_to_none(value: Any) -> Any:
    """NaN (an undefined share: no spread, no engaged run) as JSON null, not bare NaN."""
    if isinstance(value, dict):
        return {k: _nan_to_none(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_nan_to_none(v) for v in value]
    if isinstance(value, float) and value != value:
        return None
    return value


def comparison_csv(comparison: dict[str, Any]) -> str:
    cols = ["scenario", "camp", "p", "lo", "hi", "p_given_engaged", "given_engaged_lo",
            "given_engaged_hi", "diff", "diff_lo", "diff_hi", "unpaired_lo", "unpaired_hi"]
    if comparison["rows"] and "param_lo" in comparison["rows"][0]:
        cols += ["param_lo", "param_hi"]
    lines = [",".join(cols)]
    for r in comparison["rows"]:
        lines.append(",".join(str(r[c]) if isinstance(r[c], str) else f"{r[c]:.6f}"
                              for c in cols))
    return "\n".join(lines) + "\n"


def command_line(kind: str, sources: Sequence[str], options: BatchOptions,
                 folder: Path) -> str:
    """The ``parley`` command that replays this batch (recorded in the manifest)."""
    parts = ["parley", kind, *map(str, sources)]
    parts += ["--runs", str(options.runs), "--seed", str(options.seed), "--out", str(folder)]
    if options.precision:
        parts += ["--precision", str(options.precision), "--max-runs", str(options.max_runs)]
    if options.reference:
        parts += ["--reference", options.reference]
    if options.chunk != DEFAULT_CHUNK:
        parts += ["--chunk", str(options.chunk)]
    if options.parameter_draws != defaults.PARAMETER_DRAWS:
        parts += ["--parameter-draws", str(options.parameter_draws)]
    if options.posterior is not None:
        parts += ["--posterior", str(options.posterior)]
    return shlex.join(parts)
