"""The hindcast as a job on the engine: every term simulated month by month, then scored.

Each task is one chunk of worlds of one term (term x chunk, chunk-major), run by
the one kernel (:func:`~parley.experiments.simulate.simulate` with a
:class:`~parley.experiments.simulate.Paths` recorder) on any executor, from the
record's talks state the month before the term.  The monthly paths (in talks,
missile tests) are appended to ``paths.bin`` in task order, each chunk logged in
``chunks.jsonl`` with its checksum, exactly as a batch writes ``runs.csv``: so a
hindcast folder is locked while written, resumes after a kill (``--resume``),
and gives the same bytes for any number of workers.  When every task is written
the paths are read back and scored against the record
(:func:`parley.analysis.record_scores.score_record`) into ``hindcast.json``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import shlex
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from parley import defaults
from parley.analysis import records
from parley.analysis.record_scores import TermPaths, score_record
from parley.analysis.terms import Term, load_terms, term_of
from parley.errors import ResultsFolderError, ScenarioError
from parley.experiments.engine import (
    ChunkTask,
    scenario_from_resolved,
    scenario_variant,
    write_in_order,
)
from parley.experiments.executors import Executor
from parley.experiments.simulate import Paths, simulate
from parley.randomness import run_seeds
from parley.results import manifest as lifecycle
from parley.results.store import ResultsStore, atomic_write_json
from parley.scenario import Scenario, build_scenario

PATHS_FILE = "paths.bin"
#: each world's months: one byte a month in talks (0/1), then one byte a month of tests
PATHS_FORMAT = "parley-paths/1 talks:u1 tests:u1"
RECORD_FIELDS = {"term_index": int, "first_run": int, "n": int}
MAX_TESTS_A_MONTH = 255  # the rules cap a month at 1 + max_extra_tests (at most 41)


@dataclass
class PathsResult:
    seq: int
    term_index: int
    first_run: int
    n: int
    data: bytes


@dataclass(frozen=True)
class TermTask(ChunkTask):
    """A hindcast chunk: with parameter draws, world *i* takes draw ``i % len(values)``."""

    values: tuple[dict[str, float], ...] = ()


def run_paths_chunk(task: ChunkTask) -> PathsResult:
    """Worker entry point of a hindcast: one chunk of one term, its paths as bytes."""
    values = getattr(task, "values", ())
    talks, tests = term_chunk(task.resolved, task.start_state, task.first_run, task.n,
                              task.master_seed, values)
    return PathsResult(task.seq, task.scenario_index, task.first_run, task.n,
                       encode_paths(talks, tests))


def term_chunk(scenario: Scenario | dict[str, Any], start_state: str, first_run: int, n: int,
               master_seed: int, values: Sequence[dict[str, float]] = ()
               ) -> tuple[np.ndarray, np.ndarray]:
    """Monthly talks and tests of worlds ``first_run .. first_run + n - 1`` of a term.

    With parameter draws (``values``, one mapping of path -> value per draw), world *i*
    runs under draw ``i % K`` from run seed *i*: each draw gets every K-th world, so any
    chunking gives the same paths.
    """
    runs = np.arange(first_run, first_run + n)
    seeds = run_seeds(master_seed, runs)
    resolved = scenario if isinstance(scenario, dict) else scenario.resolved
    if not values:
        base = scenario if isinstance(scenario, Scenario) else scenario_from_resolved(resolved)
        return _paths(base, seeds, start_state)
    paths = sorted(values[0])
    if any(sorted(vals) != paths for vals in values):
        return _paths_by_draw(resolved, runs, seeds, start_state, values)
    # every draw in one model: world i gets draw i % K's values (the same paths as one
    # model per draw, tests/test_fused_draws.py), the month's fixed cost paid once.  The
    # model checks the values (numeric paths, within their bounds); no scenario is built
    # per draw (that was 44% of the chunks' CPU time)
    base = scenario if isinstance(scenario, Scenario) else scenario_from_resolved(resolved)
    try:
        draw_of = runs % len(values)
        world_values = {p: np.array([vals[p] for vals in values], dtype=float)[draw_of]
                        for p in paths}
        return _paths(base, seeds, start_state, world_values)
    except Exception:  # a draw refused: one model per draw raises the scenario's own error
        return _paths_by_draw(resolved, runs, seeds, start_state, values)


def _paths_by_draw(resolved: dict[str, Any], runs: np.ndarray, seeds: np.ndarray,
                   start_state: str, values: Sequence[dict[str, float]]
                   ) -> tuple[np.ndarray, np.ndarray]:
    """term_chunk's worlds one model per parameter draw (world i under draw i % K)."""
    months = scenario_from_resolved(resolved).horizon.months
    talks = np.zeros((len(runs), months), dtype=bool)
    tests = np.zeros((len(runs), months), dtype=np.int64)
    for d, vals in enumerate(values):
        sel = runs % len(values) == d
        if sel.any():
            talks[sel], tests[sel] = _paths(scenario_variant(resolved, vals), seeds[sel],
                                            start_state)
    return talks, tests


def _paths(scenario: Scenario, seeds: np.ndarray, start_state: str,
           world_values: dict[str, np.ndarray] | None = None
           ) -> tuple[np.ndarray, np.ndarray]:
    paths = simulate(scenario, seeds, {"paths": Paths(("talks", "tests"))},
                     start_state=start_state, world_values=world_values)["paths"]
    return paths["talks"], paths["tests"]


def simulate_term(term: Term, runs: int, seed: int, chunk: int = defaults.CHUNK,
                  values: Sequence[dict[str, float]] = ()) -> TermPaths:
    """A term's simulated paths in this process (world *i* from run seed *i*, any chunking;
    under draw ``i % K`` of ``values`` when given)."""
    parts = [term_chunk(term.scenario, term.start_state, lo, min(chunk, runs - lo), seed,
                        values) for lo in range(0, runs, chunk)]
    return TermPaths(term, np.concatenate([p[0] for p in parts]),
                     np.concatenate([p[1] for p in parts]))


def term_draws(terms: Sequence[Term], k: int, seed: int) -> list[list[dict[str, float]]]:
    """Per term, K parameter draws over the values we chose (its envelope): one Latin
    hypercube of quantiles over every term's paths, so a draw sits at the same relative
    place in every term (as in a batch).  Empty lists for K = 0 (the point run)."""
    from parley.analysis.envelope import apply_draw, envelope, quantile_draws

    if not k:
        return [[] for _ in terms]
    envelopes = [envelope(t.scenario) for t in terms]
    quantiles = quantile_draws({u.path for env in envelopes for u in env}, k, seed)
    return [[apply_draw(env, q) for q in quantiles] for env in envelopes]


def encode_paths(talks: np.ndarray, tests: np.ndarray) -> bytes:
    """Worlds x months of talks (bool) and tests (int) as bytes: per world, talks then tests."""
    if tests.size and int(tests.max()) > MAX_TESTS_A_MONTH:
        raise ValueError(f"more than {MAX_TESTS_A_MONTH} tests in one month")
    return np.concatenate([talks.astype(np.uint8), tests.astype(np.uint8)], axis=1).tobytes()


def decode_paths(data: bytes, months: int) -> tuple[np.ndarray, np.ndarray]:
    """The inverse of :func:`encode_paths`."""
    flat = np.frombuffer(data, dtype=np.uint8).reshape(-1, 2 * months)
    return flat[:, :months].astype(bool), flat[:, months:].astype(np.int64)


@dataclass
class HindcastJob:
    """A hindcast in a results folder: terms, seeds, chunking, and progress so far."""

    terms: list[Term]
    runs: int
    master_seed: int
    store: ResultsStore
    chunk: int = defaults.CHUNK
    #: per term, the K parameter draws' values (empty: the point run)
    draws: list[list[dict[str, float]]] = field(default_factory=list)
    records: list[dict[str, Any]] = field(default_factory=list)

    def tasks(self) -> Iterator[ChunkTask]:
        """The chunks not yet written, chunk-major then term, made lazily."""
        seq = 0
        for first in range(0, self.runs, self.chunk):
            n = min(self.chunk, self.runs - first)
            for i, term in enumerate(self.terms):
                if seq >= len(self.records):
                    values = tuple(self.draws[i]) if self.draws else ()
                    yield TermTask(seq, i, term.scenario.resolved, first, n,
                                   self.master_seed, start_state=term.start_state,
                                   values=values)
                seq += 1

    def worlds_done(self) -> int:
        """Worlds written for every term so far (whole chunk rows)."""
        per_term = [0] * len(self.terms)
        for rec in self.records:
            per_term[rec["term_index"]] += rec["n"]
        return min(per_term, default=0)

    @property
    def total_tasks(self) -> int:
        return -(-self.runs // self.chunk) * len(self.terms)

    def restore(self, records: list[dict[str, Any]]) -> None:
        """Progress from the chunk records of an interrupted hindcast (a prefix of the tasks)."""
        expected = {t.seq: t for t in self._all_tasks()}
        for rec in records:
            task = expected.get(rec["seq"])
            if task is None or (rec["term_index"], rec["first_run"], rec["n"]) != (
                    task.scenario_index, task.first_run, task.n):
                raise ResultsFolderError(f"{self.store.log_path}: chunk {rec['seq']} does not "
                                         "fit this hindcast (corrupted log)")
        self.records = list(records)

    def _all_tasks(self) -> Iterator[ChunkTask]:
        done, self.records = self.records, []
        try:
            yield from self.tasks()
        finally:
            self.records = done

    def execute(self, executor: Executor, progress: Callable[[int], None] | None = None) -> None:
        def write(res: PathsResult) -> None:
            record = {"seq": res.seq, "term_index": res.term_index,
                      "scenario": self.terms[res.term_index].name,
                      "first_run": res.first_run, "n": res.n}
            self.records.append(self.store.append(res.data, record))
            if progress:
                progress(res.n)

        write_in_order(executor, run_paths_chunk, self.tasks(), len(self.records), write)

    def term_paths(self) -> list[TermPaths]:
        """Every term's simulated paths beside its record, read back from ``paths.bin``."""
        parts: list[list[bytes]] = [[] for _ in self.terms]
        with open(self.store.runs_path, "rb") as fh:
            for rec in self.records:
                fh.seek(rec["offset_start"])
                parts[rec["term_index"]].append(fh.read(rec["offset_end"] - rec["offset_start"]))
        out = []
        for term, chunks in zip(self.terms, parts, strict=True):
            talks, tests = decode_paths(b"".join(chunks), term.months)
            out.append(TermPaths(term, talks, tests))
        return out


def term_inputs(terms: Sequence[Term]) -> list[dict[str, Any]]:
    """What the manifest records of each term: name, file, hash, resolved stances, start."""
    return [{"name": t.name, "file": str(t.scenario.path) if t.scenario.path else None,
             "hash": t.scenario.hash, "resolved": t.scenario.resolved,
             "start_state": t.start_state} for t in terms]


def record_digest() -> str:
    """SHA-256 of the record files a hindcast scores against (missile counts, talks panel)."""
    digest = hashlib.sha256()
    for name in (records.MISSILE_FILE, records.PANEL_FILE, records.EPISODES_FILE):
        digest.update(records.refdata_bytes(name))
    return digest.hexdigest()


def new_hindcast(items: Sequence[str | Path | Scenario] | None, runs: int, seed: int,
                 folder: Path | None, chunk: int = defaults.CHUNK,
                 parameter_draws: int = defaults.PARAMETER_DRAWS
                 ) -> tuple[HindcastJob, dict]:
    """A hindcast ready to run: its terms loaded and checked, its folder started.

    With ``parameter_draws`` K > 0 each term's worlds are spread over K draws of the values
    we chose (world *i* under draw ``i % K``), so its probabilities carry that uncertainty.
    """
    check_options(runs, seed, chunk, parameter_draws)
    terms = load_terms(items)
    check_draws(runs, parameter_draws)
    draws = term_draws(terms, parameter_draws, seed)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    folder = folder or Path("results") / f"hindcast-{stamp}"
    lifecycle.refuse_used_folder(folder)
    store = ResultsStore(folder, header=PATHS_FORMAT + "\n", runs_name=PATHS_FILE,
                         fields=RECORD_FIELDS)
    chunk = min(chunk, runs)
    sources = [str(i) for i in items or () if not isinstance(i, Scenario)]
    fields = {"runs": 0, "target_runs": runs, "chunk": chunk,
              "panel_last_month": str(records.panel_last_month()),
              "record_sha256": record_digest(), "parameter_draws": parameter_draws}
    manifest = lifecycle.new_manifest("hindcast", command_line(sources, runs, seed, folder,
                                                               chunk, parameter_draws),
                                      seed, fields, {"terms": term_inputs(terms),
                                                     "draw_values": draws})
    store.start()
    lifecycle.write_manifest(folder, manifest)
    return HindcastJob(terms, runs, seed, store, chunk, draws), manifest


def check_options(runs: int, seed: int, chunk: int,
                  parameter_draws: int = defaults.PARAMETER_DRAWS) -> None:
    problems = []
    if not 0 <= parameter_draws <= defaults.MAX_DRAWS:
        problems.append(f"--parameter-draws {parameter_draws}: allowed 0 to "
                        f"{defaults.MAX_DRAWS:,}")

    if isinstance(runs, bool) or not isinstance(runs, int) or not (
            2 <= runs <= defaults.MAX_HINDCAST_RUNS):
        problems.append(f"--runs {runs!r}: allowed 2 to {defaults.MAX_HINDCAST_RUNS:,} "
                        "(every world's monthly path is kept)")
    if not defaults.is_seed(seed):
        problems.append(f"--seed must be an integer in {defaults.SEED_RANGE}")
    if chunk < 1:
        problems.append(f"--chunk {chunk}: must be positive")
    if problems:
        raise ScenarioError(problems)


def check_draws(runs: int, parameter_draws: int) -> None:
    """Each parameter draw needs at least one world (checked after the terms load, so a
    file's own problem is reported first)."""
    if parameter_draws and runs < parameter_draws:
        raise ScenarioError([f"--runs {runs}: with {parameter_draws} parameter draws each "
                             f"draw needs a world; give --runs of at least {parameter_draws}, "
                             "or --parameter-draws 0"])


def resume_hindcast(folder: Path) -> tuple[HindcastJob, dict[str, Any]]:
    """The hindcast of an interrupted ``parley hindcast``, ready to run on."""
    manifest = lifecycle.read_manifest(folder, ("hindcast",))
    if manifest.get("record_sha256") != record_digest():
        raise ResultsFolderError(f"--resume {folder}: the record files have changed since this "
                                 "hindcast began; start a new one")
    terms = []
    for t in manifest["terms"]:
        sc = build_scenario(dict(t["resolved"]), t["file"] or t["name"],
                            Path(t["file"]) if t["file"] else None)
        terms.append(term_of(sc))
    store = ResultsStore(folder, header=PATHS_FORMAT + "\n", runs_name=PATHS_FILE,
                         fields=RECORD_FIELDS)
    draws = manifest.get("draw_values") or [[] for _ in terms]
    if len(draws) != len(terms) or not all(isinstance(d, list) for d in draws):
        raise ResultsFolderError(f"--resume {folder}: the manifest's draw_values do not fit "
                                 "its terms (corrupted manifest)")
    job = HindcastJob(terms, manifest["target_runs"], manifest["master_seed"], store,
                      manifest["chunk"], draws)
    store.recover_into(job.restore)
    return job, lifecycle.resume_manifest(manifest)


def execute_hindcast(job: HindcastJob, manifest: dict[str, Any], executor: Executor,
                     progress: Callable[[int], None] | None = None) -> dict[str, Any]:
    """Run the remaining tasks; score every term; write ``hindcast.json`` and the manifest."""
    manifest["jobs"] = executor.workers
    folder = job.store.folder
    try:
        with executor, contextlib.closing(job.store):  # the folder's lock, held to the end
            job.execute(executor, progress)
            result = score(job)
            atomic_write_json(folder / "hindcast.json", result)
            lifecycle.close_manifest(folder, manifest, "complete", [], job.runs)
            return result
    except KeyboardInterrupt:
        lifecycle.close_manifest(folder, manifest, "interrupted", [], job.worlds_done())
        raise


def score(job: HindcastJob) -> dict[str, Any]:
    """Scores of every term against the record (see :func:`score_record`), plus settings."""
    draws = len(job.draws[0]) if job.draws else 0
    result = score_record(job.term_paths(), draws)
    result.update({"runs": job.runs, "seed": job.master_seed, "parameter_draws": draws,
                   "panel_last_month": str(records.panel_last_month())})
    return result


def command_line(sources: Sequence[str], runs: int, seed: int, folder: Path,
                 chunk: int, parameter_draws: int = defaults.PARAMETER_DRAWS) -> str:
    """The ``parley`` command that replays this hindcast (recorded in the manifest)."""
    parts = ["parley", "hindcast", *sources, "--runs", str(runs), "--seed", str(seed),
             "--parameter-draws", str(parameter_draws), "--out", str(folder)]
    if chunk != defaults.CHUNK:
        parts += ["--chunk", str(chunk)]
    return shlex.join(parts)
