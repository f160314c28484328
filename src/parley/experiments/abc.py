"""Simulation-based calibration of the untexted values on the record (pyabc's ABC-SMC).

Why pyabc rather than ELFI: pyabc is installed here and needs only a simulator
returning a dict of summaries and a distance; it keeps every generation of an
ABC-SMC run in an SQLite history, so a killed run continues from its last
complete generation (``ABCSMC.load``), whereas an ELFI SMC run keeps its
populations in the Python process (its output pools store simulations, not
the state of the SMC); and pyabc's sampler interface let us keep parley's
reproducibility rule while running on parley's own executors (local worker
processes or a Dask cluster, :func:`parley.experiments.executors.ordered_map`).

Reproducibility: pyabc's own parallel samplers accept the first particles to
finish, so their output depends on timing.  :class:`SeededMappingSampler`
instead maps ``n`` tasks per generation, each seeded from ``(seed, generation,
task)`` and run until it has one accepted particle; results are gathered in
task order.  The serial, local and Dask executors, with any number of jobs,
therefore give the same posterior for a seed (and a resumed run the same as an
uninterrupted one).
Each task saves and restores NumPy's global random state, which pyabc's
proposals use, so the calling process's state is left as it was.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from parley import defaults
from parley.analysis import abc_summary as S
from parley.analysis.calibration import (
    DYNAMICS_GENERATIONS,
    DYNAMICS_PARTICLES,
    DYNAMICS_QUANTILE,
    DYNAMICS_WORLDS,
)
from parley.analysis.record_scores import effective_sample_size
from parley.analysis.terms import Term
from parley.analysis.uncertainty import UncertainParameter
from parley.defaults import SEED_RANGE, is_seed
from parley.errors import printable
from parley.experiments.executors import Executor, ordered_map
from parley.experiments.simulate import Paths, simulate
from parley.randomness import SEED_MAX
from parley.scenario import Scenario

log = logging.getLogger("parley.experiments.abc")

Progress = Callable[[int, int, int], None]  # (generation, particles done, particles wanted)


# ------------------------------------------------------------------ simulator


def term_histories(term: Term, values: dict[str, float], seeds: np.ndarray,
                   months: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Talks (bool) and missile tests (int), worlds x months, of one term.

    ``values`` are keyword overrides (``actor__param``); ``months`` cuts the
    run to the observed part of a right-censored term; each world starts in the
    record's state the month before the term, as the hindcast does.
    """
    paths = simulate(term.scenario, seeds, {"paths": Paths(("talks", "tests"))},
                     start_state=term.start_state, months=months or term.observed,
                     overrides=values)["paths"]
    return paths["talks"], paths["tests"]


@dataclass
class TermSimulator:
    """The pyabc model: parameter values -> summaries of every term (fresh worlds each call).

    World seeds are drawn from NumPy's global generator, which pyabc seeds per
    task (see :class:`SeededMappingSampler`).
    """

    terms: list[Term]
    worlds: int

    def histories(self, values: dict[str, float], seeds: np.ndarray
                  ) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        return {t.name: term_histories(t, values, seeds) for t in self.terms}

    def summaries(self, values: dict[str, float], seeds: np.ndarray) -> dict[str, float]:
        """The summary statistics of every term, ``"<term>.<statistic>"``."""
        out: dict[str, float] = {}
        for name, (talks, tests) in self.histories(values, seeds).items():
            out.update(S.summarise(name, talks, tests))
        return out

    def __call__(self, parameter: Any) -> dict[str, float]:
        values = {k: float(v) for k, v in dict(parameter).items()}
        # pyabc's randomness is NumPy's global state, seeded per task by the sampler
        seeds = np.random.randint(0, SEED_MAX, size=self.worlds, dtype=np.int64)  # noqa: NPY002
        return self.summaries(values, seeds)


# ------------------------------------------------------ what is fitted


#: A declared value is fitted when swinging it from its low to its high end moves the
#: record's summaries (common random numbers) by at least this :func:`S.distance`.
SCREEN_THRESHOLD = 0.05

#: The declared dynamics the fit varies, chosen by :func:`sensitivity_screen` on the
#: eight completed terms at the declared defaults (150 worlds, seed 7), before any fit
#: and without any out-of-sample score.  Swings: freeze_covers_missiles_rung 0.20,
#: deal_p_working 0.19, accept_willing 0.18, walkout_hazard 0.13, engage_tension 0.12,
#: engage_capability 0.10, engage_relief_value 0.08, flex_no_tightening 0.07,
#: tension_drift 0.07, tension_retention 0.05; every other value 0.03 or less (most
#: exactly 0: they act only through moves the hindcast terms never make).  The rest
#: stay at their declared defaults.
FITTED_DYNAMICS: tuple[str, ...] = (
    "accept_willing", "engage_tension", "engage_capability", "engage_relief_value",
    "walkout_hazard", "deal_p_working", "freeze_covers_missiles_rung",
    "flex_no_tightening", "tension_retention", "tension_drift",
)


def fitted_parameters(scenarios: Sequence[Scenario]) -> list[UncertainParameter]:
    """What the fit varies: :data:`FITTED_DYNAMICS`, then every shared assumption."""
    from parley.analysis.uncertainty import declared_dynamics, shared_assumptions

    by_name = {p.name: p for p in declared_dynamics()}
    return ([by_name[f"dynamics__{n}"] for n in FITTED_DYNAMICS]
            + shared_assumptions(scenarios))


def sensitivity_screen(terms: Sequence[Term],
                       parameters: Sequence[UncertainParameter], worlds: int = 150,
                       seed: int = 7) -> list[tuple[str, float]]:
    """Per parameter, the distance between the summaries at its low and high end.

    Every other value stays at its default and every run uses the same world
    seeds, so the swing is the parameter's own effect on the record's
    statistics.  Sorted from the largest swing down.
    """
    simulator = TermSimulator(list(terms), worlds)
    seeds = np.random.default_rng(seed).integers(0, SEED_MAX, size=worlds, dtype=np.int64)
    swings = [(p.name, S.distance(simulator.summaries({p.name: p.high}, seeds),
                                  simulator.summaries({p.name: p.low}, seeds)))
              for p in parameters]
    return sorted(swings, key=lambda item: -item[1])


# -------------------------------------------------------------------- sampler


def _seeded_task(payload: bytes, task_seed: int):
    """Run pyabc's ``simulate_one`` until one particle is accepted, seeded by the task."""
    import cloudpickle

    simulate_one = cloudpickle.loads(payload)
    np_state, py_state = np.random.get_state(), random.getstate()  # noqa: NPY002
    np.random.seed(task_seed)  # noqa: NPY002 - pyabc draws from the global state
    random.seed(task_seed)
    try:
        from pyabc.population import Sample
        sample, n_sims = Sample(record_rejected=False), 0
        while True:
            particle = simulate_one()
            n_sims += 1
            sample.append(particle)
            if particle.accepted:
                return sample, n_sims
    finally:
        np.random.set_state(np_state)  # noqa: NPY002
        random.setstate(py_state)


def _make_sampler_class():
    from pyabc.sampler import Sampler

    class SeededMappingSampler(Sampler):
        """pyabc sampler mapping seeded tasks over any ordered ``map`` (see the module doc)."""

        def __init__(self, seed: int, map_: Callable = map, progress: Progress | None = None):
            super().__init__()
            self.seed, self.map_, self.progress = seed, map_, progress

        def sample_until_n_accepted(self, n, simulate_one, t, *, max_eval=np.inf,
                                    all_accepted=False, ana_vars=None):
            import functools

            import cloudpickle

            seq = np.random.SeedSequence(self.seed, spawn_key=(t + 2, int(all_accepted)))
            seeds = [int(s) for s in seq.generate_state(n, dtype=np.uint32)]
            task = functools.partial(_seeded_task, cloudpickle.dumps(simulate_one))
            sample, total = self._create_empty_sample(), 0
            for done, (part, n_sims) in enumerate(self.map_(task, seeds), start=1):
                sample += part
                total += n_sims
                if self.progress:
                    self.progress(t, done, n)
            self.nr_evaluations_ = total
            return sample

    return SeededMappingSampler


def seeded_sampler(seed: int, map_: Callable = map, progress: Progress | None = None):
    """A :class:`SeededMappingSampler` (built lazily so importing this module stays light)."""
    return _make_sampler_class()(seed, map_, progress)


# ---------------------------------------------------------------------- ABC run


@dataclass(frozen=True)
class AbcSettings:
    """How big a fit is: particles per generation, generations, worlds per simulation
    (the defaults are ``parley calibrate --dynamics``'s)."""

    particles: int = DYNAMICS_PARTICLES
    generations: int = DYNAMICS_GENERATIONS
    worlds: int = DYNAMICS_WORLDS
    seed: int = defaults.SEED
    #: epsilon of generation t+1 = this quantile of generation t's distances (generation
    #: 0: of the calibration sample from the prior)
    quantile: float = DYNAMICS_QUANTILE
    min_acceptance: float = 0.02  # stop a fit whose acceptance rate falls below this

    def problems(self) -> list[str]:
        """One line per size outside the bounds of :mod:`parley.defaults` (a whole number
        from 1 up) and for a seed outside SEED_RANGE, named as the command's flag."""
        bounds = {"particles": defaults.MAX_PARTICLES,
                  "generations": defaults.MAX_GENERATIONS,
                  "worlds": defaults.MAX_CALIBRATION_WORLDS}
        out = []
        for name, most in bounds.items():
            value = getattr(self, name)
            whole = isinstance(value, int) and not isinstance(value, bool)
            if not whole or not 1 <= value <= most:
                shown = printable(str(value) if whole else repr(value), 40)
                out.append(f"--{name} {shown}: allowed 1 to {most:,}")
        return out + ([problem] if (problem := seed_problem(self.seed)) else [])


def seed_problem(seed: object) -> str | None:
    """Why ``seed`` cannot be a master seed (the batches' words), or None."""
    if not is_seed(seed):
        return f"--seed {printable(repr(seed), 40)}: must be an integer in {SEED_RANGE}"
    return None


def _prior(parameters: Sequence[UncertainParameter]):
    import pyabc

    return pyabc.Distribution(**{p.name: pyabc.RV("uniform", p.low, p.high - p.low)
                                 for p in parameters})


#: how a fit runs: an executor name (``serial``, ``local``, ``dask``) or an executor object
ExecutorLike = str | Executor


def fit(terms: Sequence[Term], parameters: Sequence[UncertainParameter],
        settings: AbcSettings, db_path: str | Path, *, executor: ExecutorLike = "serial",
        jobs: int | None = None, scheduler: str | None = None,
        progress: Progress | None = None, observed: dict[str, float] | None = None):
    """Run (or continue) the ABC-SMC fit; returns the pyabc ``History``.

    A history already in ``db_path`` for the same observed summaries is
    continued from its last complete generation up to ``settings.generations``.
    ``observed`` replaces the record's summaries (synthetic data in tests).  The
    particles are mapped over ``executor`` (with ``jobs`` and, for ``dask``, a
    ``scheduler`` address; :func:`parley.experiments.executors.ordered_map`), which is
    closed when the fit ends; the posterior does not depend on either.
    """
    with ordered_map(executor, jobs, scheduler) as map_:
        return _fit(terms, parameters, settings, db_path, map_, progress, observed)


def _fit(terms: Sequence[Term], parameters: Sequence[UncertainParameter],
         settings: AbcSettings, db_path: str | Path, map_: Callable,
         progress: Progress | None, observed: dict[str, float] | None = None):
    """:func:`fit` over an ordered ``map_`` already running."""
    import pyabc

    if observed is None:
        observed = S.record_summary(terms)
    observed = {k: v for k, v in observed.items() if not np.isnan(v)}
    simulator = TermSimulator(list(terms), settings.worlds)
    db_url = f"sqlite:///{Path(db_path).resolve()}"
    abc = pyabc.ABCSMC(
        simulator, _prior(parameters), S.distance,
        population_size=settings.particles,
        sampler=seeded_sampler(settings.seed, map_, progress),
        eps=pyabc.QuantileEpsilon(alpha=settings.quantile))
    done = _completed_generations(db_path, observed)
    if done:
        abc.load(db_url, 1)
        log.info("continuing %s after %d generation(s)", db_path, done)
    else:  # never delete: only a missing file is started afresh (checked above)
        abc.new(db_url, observed)
    left = settings.generations - done
    if left > 0:
        abc.run(max_nr_populations=left, min_acceptance_rate=settings.min_acceptance)
    return abc.history


SQLITE_MAGIC = b"SQLite format 3\x00"


def _completed_generations(db_path: str | Path, observed: dict[str, float]) -> int:
    """Generations stored in a history of the same data (0 if there is no file yet).

    The file the user named is never deleted or replaced: anything there that is not a
    pyabc history of this same fit (a device, a FIFO, another file, another fit's history)
    is refused with one line, and the user chooses another ``--db``.
    """
    import stat as st

    import pyabc

    from parley.errors import ParleyError

    path = Path(db_path)
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        return 0
    except OSError as exc:
        raise ParleyError(f"--db {printable(str(path), 200)}: cannot read it "
                          f"({exc.strerror})") from None
    refuse = (f"--db {printable(str(path), 200)}: {{}}; parley never replaces a file it did "
              "not make: give a new --db path (or remove this file yourself)")
    if not st.S_ISREG(mode):
        raise ParleyError(refuse.format("not a regular file"))
    with open(path, "rb") as fh:
        if fh.read(len(SQLITE_MAGIC)) != SQLITE_MAGIC:
            raise ParleyError(refuse.format("not a pyabc history (not an SQLite database)"))
    try:
        history = pyabc.History(f"sqlite:///{path.resolve()}", _id=1)
        stored = history.observed_sum_stat()
        n = history.max_t + 1
    except Exception:  # an SQLite file that is not a readable pyabc history
        raise ParleyError(refuse.format("not a readable pyabc history")) from None
    same = set(stored) == set(observed) and all(
        abs(float(stored[k]) - observed[k]) < 1e-12 for k in observed)
    if not same:
        raise ParleyError(refuse.format("it holds a history of another fit (other data)"))
    if n <= 0:  # this fit's own history, killed before a generation completed: restart it
        path.unlink()
    return max(n, 0)


def generations_table(history) -> list[dict[str, float]]:
    """Per generation: epsilon, particles, simulations, acceptance rate, effective sample."""
    pops = history.get_all_populations()
    rows = []
    for _, row in pops[pops["t"] >= 0].iterrows():
        t = int(row["t"])
        n = history.get_nr_particles_per_population()[t]
        _, weights = history.get_distribution(m=0, t=t)
        rows.append({"generation": t, "epsilon": float(row["epsilon"]),
                     "particles": int(n), "simulations": int(row["samples"]),
                     "acceptance": float(n / row["samples"]) if row["samples"] else float("nan"),
                     "ess": round(effective_sample_size(weights), 6)})
    return rows


def posterior_rows(result: Calibration) -> list[dict[str, Any]]:
    """Per fitted value: its prior range, the posterior mean and the weighted 5%-95%."""
    by_name = {p.name: p for p in result.parameters}
    rows = []
    for j, name in enumerate(result.names):
        values, w = result.particles[:, j], result.weights
        order = np.argsort(values)
        cdf = np.cumsum(w[order])
        q05, q95 = values[order][np.searchsorted(cdf, [0.05, 0.95])]
        p = by_name[name]
        rows.append({"parameter": name, "low": p.low, "high": p.high, "default": p.default,
                     "posterior_mean": float(w @ values), "q05": float(q05),
                     "q95": float(q95)})
    return rows


def posterior_sample(history) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Parameter names, particles (n x d) and normalised weights of the last generation."""
    frame, weights = history.get_distribution(m=0, t=history.max_t)
    names = sorted(frame.columns)
    w = np.asarray(weights, dtype=float)
    return names, frame[names].to_numpy(dtype=float), w / w.sum()


# ---------------------------------------------------------- predictive checks


def predictive_histories(terms: Sequence[Term], draws: Sequence[dict[str, float]],
                         worlds: int, seed: int
                         ) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Simulated histories of every term: ``worlds`` worlds for each parameter draw, stacked.

    World seeds come from ``seed`` and are the same for every draw (common
    random numbers across draws).
    """
    simulator = TermSimulator(list(terms), worlds)
    seeds = np.random.default_rng(seed).integers(0, SEED_MAX, size=worlds, dtype=np.int64)
    stacked: dict[str, list] = {t.name: [[], []] for t in terms}
    for values in draws:
        for name, (talks, tests) in simulator.histories(values, seeds).items():
            stacked[name][0].append(talks)
            stacked[name][1].append(tests)
    return {k: (np.concatenate(v[0]), np.concatenate(v[1])) for k, v in stacked.items()}


# ----------------------------------------------------- the whole calibration


@dataclass
class Calibration:
    """A finished fit: the posterior, how it was reached, and its predictive check."""

    parameters: list[UncertainParameter]
    names: list[str]
    particles: np.ndarray
    weights: np.ndarray
    generations: list[dict[str, float]]
    total_simulations: int
    check: dict[str, dict[str, dict[str, float]]]


def calibrate(terms: Sequence[Term], parameters: Sequence[UncertainParameter],
              settings: AbcSettings, db_path: str | Path, *,
              executor: ExecutorLike = "serial", jobs: int | None = None,
              scheduler: str | None = None, progress: Progress | None = None,
              check_draws: int = 40) -> Calibration:
    """Fit (resumably, see :func:`fit`), then check the posterior predictive against the
    record (in this process)."""
    from parley.analysis.uncertainty import Posterior, parameter_draws

    history = fit(terms, parameters, settings, db_path, executor=executor, jobs=jobs,
                  scheduler=scheduler, progress=progress)
    names, particles, weights = posterior_sample(history)
    posterior = Posterior(tuple(names), particles, weights, {})
    draws = parameter_draws(check_draws, settings.seed, posterior=posterior)
    simulated = predictive_histories(terms, draws, settings.worlds, settings.seed)
    return Calibration(list(parameters), names, particles, weights, generations_table(history),
                       int(history.total_nr_simulations),
                       S.predictive_check(terms, simulated))


def _sha256_file(path: Path) -> str:
    import hashlib

    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def data_provenance(terms: Sequence[Term]) -> dict[str, Any]:
    """Hashes of the record files and of each term's scenario file."""
    from importlib import resources

    from parley.analysis import records

    refdata = resources.files("parley.analysis") / "refdata"
    return {
        "record_files": {name: _sha256_file(Path(str(refdata / name)))
                         for name in (records.MISSILE_FILE, records.PANEL_FILE,
                                      records.EPISODES_FILE)},
        "panel_last_month": str(records.panel_last_month()),
        "terms": [{"name": t.name, "start": t.start, "months": t.observed,
                   "start_state": t.start_state, "scenario": str(t.scenario.path),
                   "scenario_sha256": _sha256_file(t.scenario.path)}
                  for t in terms],
    }


def posterior_document(result: Calibration, terms: Sequence[Term],
                       settings: AbcSettings) -> dict[str, Any]:
    """The posterior file's content (format ``parley-posterior/1``).

    It depends only on the fit (settings, data, code versions): no clock time and no
    executor or job count, so the same fit writes the same bytes however it was run.
    """
    import dataclasses

    import pyabc

    from parley import __version__
    from parley.analysis.uncertainty import POSTERIOR_FORMAT, declared_dynamics

    by_name = {p.name: p for p in result.parameters}
    observed = S.record_summary(terms)
    return {
        "format": POSTERIOR_FORMAT,
        "parameters": [{"name": n, "prior": "uniform", "low": by_name[n].low,
                        "high": by_name[n].high, "default": by_name[n].default,
                        "reason": by_name[n].reason} for n in result.names],
        "particles": result.particles.round(6).tolist(),
        "weights": result.weights.round(9).tolist(),
        "posterior_mean": dict(zip(result.names, (result.weights @ result.particles).round(6)
                                   .tolist(), strict=True)),
        "provenance": {
            "method": "ABC-SMC (pyabc), uniform priors, seeded mapping sampler",
            "selection": f"declared dynamics whose low-to-high swing moves the record's "
                         f"summaries by at least {SCREEN_THRESHOLD} (sensitivity_screen), "
                         "plus every assumption the hindcast scenarios share",
            "fixed_at_default": sorted(
                p.name for p in declared_dynamics() if p.name not in by_name),
            "data": data_provenance(terms),
            "summary_statistics": S.STATISTICS,
            "statistic_scales": S.STATISTIC_SCALES,
            "observed_summaries": {k: (None if np.isnan(v) else round(v, 6))
                                   for k, v in observed.items()},
            "distance": "root mean square over defined observed statistics of "
                        "(simulated mean over worlds - observed) / scale",
            "settings": dataclasses.asdict(settings),
            "generations": result.generations,
            "total_simulations": result.total_simulations,
            "versions": {"parley": __version__, "pyabc": pyabc.__version__},
        },
        "predictive_check": result.check,
    }


# --------------------------------------------------- leave one term out


@dataclass
class FoldForecast:
    """The out-of-sample forecast of one held-out term."""

    term: str
    p_talks: float
    p_monthly: np.ndarray
    talks_happened: bool
    talks_monthly: np.ndarray
    posterior_mean: dict[str, float]
    #: the simulated paths (draws x worlds, months) the forecast pools, for scoring
    talks: np.ndarray | None = None
    tests: np.ndarray | None = None


def forecast_term(term: Term, draws: Sequence[dict[str, float]], worlds: int,
                  seed: int) -> tuple[np.ndarray, np.ndarray]:
    """The term's simulated talks and tests paths, pooled over draws x worlds."""
    return predictive_histories([term], draws, worlds, seed)[term.name]


def leave_one_term_out(terms: Sequence[Term], parameters: Sequence[UncertainParameter],
                       settings: AbcSettings, workdir: str | Path, *,
                       executor: ExecutorLike = "serial", jobs: int | None = None,
                       scheduler: str | None = None, progress: Progress | None = None,
                       draws: int = 40) -> list[FoldForecast]:
    """For each term: fit on the others (history ``workdir/loto_<term>.db``), forecast it.
    Every fold maps over the same executor, started once."""
    with ordered_map(executor, jobs, scheduler) as map_:
        return [_fold(terms, held, parameters, settings, workdir, map_, progress, draws)
                for held in terms]


def _fold(terms: Sequence[Term], held: Term, parameters: Sequence[UncertainParameter],
          settings: AbcSettings, workdir: str | Path, map_: Callable,
          progress: Progress | None, draws: int) -> FoldForecast:
    """One fold of :func:`leave_one_term_out`: fit without ``held``, then forecast it."""
    from parley.analysis.uncertainty import Posterior, parameter_draws

    rest = [t for t in terms if t.name != held.name]
    history = _fit(rest, parameters, settings, Path(workdir) / f"loto_{held.name}.db",
                   map_, progress)
    names, particles, weights = posterior_sample(history)
    posterior = Posterior(tuple(names), particles, weights, {})
    talks, tests = forecast_term(
        held, parameter_draws(draws, settings.seed, posterior=posterior), settings.worlds,
        settings.seed)
    p_term = float(talks.any(axis=1).mean())
    log.info("fold %s: P(talks) %.3f, happened %s", held.name, p_term, held.obs_talks.any())
    return FoldForecast(held.name, p_term, talks.mean(axis=0), bool(held.obs_talks.any()),
                        held.obs_talks.copy(), posterior.mean(), talks, tests)
