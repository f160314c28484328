"""What drives a headline: variance shares over the values we chose, or over luck.

Two decompositions.  **Over the envelope** (:func:`envelope_drivers`, the
default of ``parley drivers``): how much of the variance of P(outcome) over
parameter draws each value we chose carries, each labelled by its provenance
kind (``source``, ``reading``, ``assumption``, or ``constant`` for a rule
constant the scenario does not set), with the Monte Carlo noise of the draw's
worlds as a factor of its own and a group index per kind.  **Over the
streams** (:func:`drivers`, ``--over streams``): how much of the between-world
variance of each outcome each random stream carries (luck, not our choices):


Every random element of a run is a *stream* of the counter-based randomness
(:mod:`parley.randomness`): one decision's draws in every month
(``pyongyang.accept``, ``washington.offer``), a set-up slot or the per-world
draw of a ranged stance value (``range:pyongyang.attitude_threshold``).  The
streams are independent, so the variance of an outcome splits over them as a
Sobol decomposition, estimated by pick-freeze (Saltelli et al. 2010):

* two independent sets of worlds A and B (run seeds ``0..N-1`` and ``N..2N-1``
  of the master seed; A is the batch ``parley run --seed S --runs N`` makes);
* for each stream i, the mix AB_i: the worlds of A with stream i re-seeded from B
  (``NegotiationModel(stream_seeds=...)``);
* first-order index S_i = mean((f(B) - m) (f(AB_i) - f(A))) / V, the share of
  variance stream i explains alone (Saltelli et al. 2010, with f(B) centred on
  the mean m over A and B: same expectation, much smaller error for a binary
  outcome, since f(AB_i) - f(A) is zero wherever stream i does not matter);
  total index ST_i = mean((f(A) - f(AB_i))^2) / (2V) (Jansen 1999), its share with
  all interactions, V the variance over A and B.  Monte Carlo error: the
  standard error of each mean over the N worlds, divided by the variance.

A decision is also shown together with the per-world draws of its ranged
parameters (``washington.offer+``: the offer draws and the outreach rate re-seeded
at once),
the decision as a whole.  Cost: N (k + 2) worlds for k elements.

*Switches* are per-world labels read off a run: the route by which talks first
opened (the month's boolean act, ``accept``, ``flatter`` or a ``bold`` opener,
that was true when talks started; see ROUTE_ACTS).  Their share is the between-group variance share
(correlation ratio, eta squared) of the outcome over the label, with a
jackknife standard error over 20 blocks of worlds.

Each element is labelled by its provenance in the scenario: the texts its
governing parameters cite (``oh2020``, ``yeo2020``, ``data``, ``outside``), or
``assumption`` when any of them is the modellers' own or the decision has no
declared parameter.  A modelling constant (``dynamics.*``) the scenario does not
set is labelled from its declared basis in ``parley.rules.DYNAMICS``: cited only when
the basis cites a text for its size, not only for the mechanism.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from parley import defaults
from parley.experiments.simulate import Routes, Streams, simulate
from parley.outcomes import BINARY_OUTCOMES
from parley.params import ASSUMPTION
from parley.randomness import run_seeds
from parley.rules import DYNAMICS, STREAMS
from parley.scenario import Scenario, with_values

if TYPE_CHECKING:  # pandas loads with the tables, not in a worker that runs a task
    import pandas as pd

Evaluate = Callable[[np.ndarray, dict[str, np.ndarray] | None], dict[str, np.ndarray]]

# decision name (the part of a stream key after the actor) -> the parameters that set
# its probability: the deciding actor's stances, or dotted paths (another actor by
# role name, ``dynamics.*`` modelling constants, ``shocks.*``).  Each rule family
# declares its own (``STREAMS`` in parley/rules/*.py); every stream the model draws
# must be listed (tests/test_drivers.py reads them off a run).
DECISION_PARAMS: dict[str, tuple[str, ...]] = STREAMS
# route to talks (a boolean act true in the month talks first opened) -> (role, decision)
ROUTE_ACTS: dict[str, tuple[str, str]] = {
    "accept": ("pyongyang", "accept"),  # an offer taken up by a willing Pyongyang
    "flatter": ("pyongyang", "flatter"),  # Kim's outreach (or a summit invitation)
    "bold": ("washington", "bold_move"),  # a bold move offered as an opener that month
    "ripe": ("talks", "ripe"),  # a leader-level opening out of a hurting stalemate
}
DECLARED_TEXTS = {"Oh": "oh2020", "Yeo": "yeo2020"}  # a DYNAMICS basis names its text first
JACKKNIFE_BLOCKS = 20


@dataclass(frozen=True)
class Element:
    """A random element or a switch, with the parameters it stands on and their provenance."""

    name: str
    kind: str  # "decision", "range", "decision+range" (both re-seeded together) or "route"
    params: tuple[str, ...]
    provenance: str


# ------------------------------------------------------------ estimators


def pick_freeze(evaluate: Evaluate, elements: Sequence[str] | dict[str, Sequence[str]],
                seeds_a: np.ndarray, seeds_b: np.ndarray,
                map_: Callable[[Callable, Iterable], Iterator] = map) -> pd.DataFrame:
    """First-order and total Sobol indices of every output of ``evaluate`` per element.

    ``evaluate(seeds, stream_seeds)`` returns output name -> float array over worlds.
    An element is one stream key, or a name mapped to several keys re-seeded
    together (a group's indices: what the streams explain jointly).  The ``k + 2``
    evaluations are independent: they run through the ordered ``map_`` (an executor's,
    when ``evaluate`` pickles, as :class:`ModelEvaluator` does; the same table).
    Returns one row per (output, element): first_order, first_order_se, total, total_se.
    """
    groups = elements if isinstance(elements, dict) else {k: (k,) for k in elements}
    return _sobol_table(groups, *_pick_freeze_samples(evaluate, groups, seeds_a, seeds_b, map_))


def _pick_freeze_samples(evaluate: Evaluate, groups: dict[str, Sequence[str]],
                         seeds_a: np.ndarray, seeds_b: np.ndarray, map_) -> tuple:
    """The outputs on the A worlds, the B worlds and, per group, A with the group's streams
    re-seeded from B: the ``k + 2`` evaluations, through ``map_``."""
    calls = [(evaluate, seeds_a, None), (evaluate, seeds_b, None)]
    calls += [(evaluate, seeds_a, dict.fromkeys(keys, seeds_b)) for keys in groups.values()]
    f_a, f_b, *f_abs = map_(_evaluate_seeds, calls)
    return f_a, f_b, f_abs


def _sobol_table(groups: dict[str, Sequence[str]], f_a: dict[str, np.ndarray],
                 f_b: dict[str, np.ndarray], f_abs: list[dict[str, np.ndarray]]) -> pd.DataFrame:
    import pandas as pd

    rows = []
    for name, f_ab in zip(groups, f_abs, strict=True):
        for out in f_a:
            rows.append({"outcome": out, "element": name,
                         **sobol_from_samples(f_a[out], f_b[out], f_ab[out])})
    return pd.DataFrame(rows)


def sobol_from_samples(y_a: np.ndarray, y_b: np.ndarray, y_ab: np.ndarray) -> dict[str, float]:
    """Saltelli (2010, centred) first-order and Jansen total index from pick-freeze samples."""
    y_a, y_b, y_ab = (np.asarray(y, dtype=float) for y in (y_a, y_b, y_ab))
    both = np.concatenate([y_a, y_b])
    mean, var = float(both.mean()), float(both.var())
    n = len(y_a)
    if var <= 0.0:
        nan = float("nan")
        return {"first_order": nan, "first_order_se": nan, "total": nan, "total_se": nan}
    first = (y_b - mean) * (y_ab - y_a)
    total = 0.5 * (y_a - y_ab) ** 2
    return {"first_order": float(first.mean() / var),
            "first_order_se": float(first.std(ddof=1) / np.sqrt(n) / var),
            "total": float(total.mean() / var),
            "total_se": float(total.std(ddof=1) / np.sqrt(n) / var)}


def group_share(y: np.ndarray, labels: np.ndarray) -> tuple[float, float]:
    """Between-group share of the variance of ``y`` (eta squared) and its jackknife SE."""
    y = np.asarray(y, dtype=float)

    def eta2(idx: np.ndarray) -> float:
        yy, ll = y[idx], labels[idx]
        var = yy.var()
        if var <= 0.0:
            return float("nan")
        groups, inverse, counts = np.unique(ll, return_inverse=True, return_counts=True)
        means = np.bincount(inverse, weights=yy, minlength=len(groups)) / counts
        return float(np.sum(counts * (means - yy.mean()) ** 2) / len(yy) / var)

    everything = np.arange(len(y))
    full = eta2(everything)
    blocks = np.array_split(everything, JACKKNIFE_BLOCKS)
    loo = np.array([eta2(np.setdiff1d(everything, b)) for b in blocks])
    g = len(blocks)
    se = float(np.sqrt((g - 1) / g * np.sum((loo - loo.mean()) ** 2)))
    return full, se


# ------------------------------------------------------------ the model


def _evaluate_seeds(call: tuple) -> dict[str, np.ndarray]:
    """One pick-freeze evaluation, ``(evaluate, seeds, stream_seeds)``: a task of ``map_``."""
    evaluate, seeds, stream_seeds = call
    return evaluate(seeds, stream_seeds)


@dataclass(frozen=True)
class ModelEvaluator:
    """``evaluate(seeds, stream_seeds)`` over the model: outcomes as float arrays.  A
    plain object, not a closure, so that worker processes can be sent it."""

    scenario: Scenario
    outcomes: tuple[str, ...]
    overrides: dict[str, Any] | None = None

    def __call__(self, seeds: np.ndarray,
                 stream_seeds: dict[str, np.ndarray] | None) -> dict[str, np.ndarray]:
        out = simulate(self.scenario, seeds, overrides=self.overrides,
                       stream_seeds=stream_seeds)["outcomes"]
        return {k: np.asarray(out[k], dtype=float) for k in self.outcomes}


def model_evaluator(scenario: Scenario, outcomes: Sequence[str],
                    overrides: dict[str, Any] | None = None) -> Evaluate:
    """``evaluate(seeds, stream_seeds)`` over the model (:class:`ModelEvaluator`)."""
    return ModelEvaluator(scenario, tuple(outcomes), overrides)


def stream_keys(scenario: Scenario, seeds: np.ndarray,
                overrides: dict[str, Any] | None = None) -> tuple[list[str], dict[str, np.ndarray]]:
    """The decision streams a run draws, and the routes by which each world's talks opened.

    For each route act (ROUTE_ACTS), whether it was true in the month the
    world's talks first opened (False where they never did).
    """
    seen = simulate(scenario, seeds, {"streams": Streams(), "routes": Routes()},
                    overrides=overrides)
    return seen["streams"], seen["routes"]


def decision_groups(scenario: Scenario, keys: Sequence[str]) -> dict[str, tuple[str, ...]]:
    """Each decision together with the per-world draws of its ranged parameters.

    ``washington.offer+`` re-seeds the offer draws and the draw of
    ``outreach_rate`` at once: the decision as a whole, whatever its rate turns out to be.
    """
    groups = {}
    for key in keys:
        if key.startswith(("range:", "route:")):
            continue
        ranged = tuple(f"range:{p}" for p in describe(scenario, key).params
                       if f"range:{p}" in keys)
        if ranged:
            groups[f"{key}+"] = (key, *ranged)
    return groups


def describe(scenario: Scenario, key: str) -> Element:
    """The element behind a stream key or route name, with its provenance in ``scenario``."""
    if key.endswith("+"):
        inner = describe(scenario, key[:-1])
        return Element(key, "decision+range", inner.params, inner.provenance)
    if key.startswith("route:"):
        role, decision = ROUTE_ACTS[key.removeprefix("route:")]
        owner = role if role == "talks" else actor_of_role(scenario, role)  # the machine's own
        params = _decision_params(scenario, owner, decision)
        return Element(key, "route", params, provenance(scenario, params))
    if key.startswith("range:"):
        path = key.removeprefix("range:")
        return Element(key, "range", (path,), provenance(scenario, (path,)))
    owner, _, decision = key.partition(".")
    params = _decision_params(scenario, owner, decision)
    return Element(key, "decision", params, provenance(scenario, params))


def actor_of_role(scenario: Scenario, role: str) -> str:
    return next(a.name for a in scenario.actors.values() if a.role == role)


def unknown_decisions(keys: Sequence[str]) -> list[str]:
    """Stream keys whose decision DECISION_PARAMS does not list (they would be mislabelled)."""
    return [k for k in keys if not k.startswith(("range:", "route:"))
            and k.partition(".")[2] not in DECISION_PARAMS]


def _decision_params(scenario: Scenario, owner: str, decision: str) -> tuple[str, ...]:
    """The decision's parameters as paths; an unlisted decision has none (an assumption)."""
    actor = scenario.actors.get(owner)
    return tuple(p if "." in p else f"{owner}.{p}" for p in DECISION_PARAMS.get(decision, ())
                 if "." in p or (actor is not None and p in actor.stances))


def provenance(scenario: Scenario, params: Sequence[str]) -> str:
    """The texts the parameters cite ('TEXT (reading)' where the text gives the mechanism
    and the number is ours), or 'assumption' if any is the modellers' own."""
    texts = []
    for path in params:
        stance = _stance(scenario, path)
        text = (_declared_text(path) if stance is None and path.startswith("dynamics.")
                else None if stance is None else _cited_text(stance))
        if text is None:
            return "assumption"
        texts.append(text)
    return "+".join(sorted(set(texts))) if texts else "assumption"


def _cited_text(stance) -> str | None:
    if stance.source is not None:
        return stance.source.text
    if stance.reading is not None:
        return f"{stance.reading.text} (reading)"
    return None


def _declared_text(path: str) -> str | None:
    """The text a modelling constant's declared basis cites for its size, if any.

    A basis that cites a text for the mechanism but says its size is assumed (or
    cites theory) is the modellers' own size: an assumption here.
    """
    decl = DYNAMICS.get(path.removeprefix("dynamics."))
    basis = decl.basis if decl is not None else ASSUMPTION
    if basis == ASSUMPTION or "assum" in basis.lower():
        return None
    return DECLARED_TEXTS.get(basis.split(",")[0].strip())


def _stance(scenario: Scenario, path: str):
    head, _, name = path.partition(".")
    if head in scenario.actors:
        return scenario.actors[head].stances.get(name)
    block = getattr(scenario, head, None)
    return block.get(name) if isinstance(block, dict) else None


def drivers(scenario: Scenario, runs: int = defaults.DRIVERS_RUNS, seed: int = defaults.SEED,
            outcomes: Sequence[str] = BINARY_OUTCOMES,
            overrides: dict[str, Any] | None = None,
            map_: Callable[[Callable, Iterable], Iterator] = map) -> pd.DataFrame:
    """Variance shares of each binary outcome by random element and route to talks.

    One row per (outcome, element): kind, params, provenance, first_order,
    first_order_se, total, total_se (streams), group_share, group_share_se
    (routes; for streams the route columns are NaN and vice versa), and the
    outcome's mean over the A worlds.  Costs ``runs * (k + 2)`` worlds, the ``k + 2``
    model calls through the ordered ``map_`` (the same table whatever runs them).
    """
    import pandas as pd

    seeds_a = run_seeds(seed, range(runs))
    seeds_b = run_seeds(seed, range(runs, 2 * runs))
    keys, routes = stream_keys(scenario, seeds_a, overrides)
    groups = {**{k: (k,) for k in keys}, **decision_groups(scenario, keys)}
    base, f_b, f_abs = _pick_freeze_samples(model_evaluator(scenario, outcomes, overrides),
                                            groups, seeds_a, seeds_b, map_)
    table = _sobol_table(groups, base, f_b, f_abs)  # base: the outputs on the A worlds
    route_rows = []
    for act, opened in routes.items():
        for out in outcomes:
            share_, se = group_share(base[out], opened)
            route_rows.append({"outcome": out, "element": f"route:{act}",
                               "group_share": share_, "group_share_se": se})
    table = pd.concat([table, pd.DataFrame(route_rows)], ignore_index=True)
    info = {k: describe(scenario, k) for k in table["element"].unique()}
    table.insert(2, "kind", [info[k].kind for k in table["element"]])
    table.insert(3, "params", [", ".join(info[k].params) for k in table["element"]])
    table.insert(4, "provenance", [info[k].provenance for k in table["element"]])
    table["mean"] = [float(base[o].mean()) for o in table["outcome"]]
    return table


def largest_uncited(table: pd.DataFrame, outcome: str = "talks_resumed",
                    index: str = "total") -> pd.Series | None:
    """The random element not cited to a text or the data with the largest ``index``.

    Random elements only (decision streams, ranged values and their groups):
    a route is a label read off the outcome's own path, and where one route
    opens nearly all talks its share restates the outcome (1.0 when it is the
    only route), whatever its provenance.
    """
    rows = table[(table["outcome"] == outcome) & (table["provenance"] == "assumption")
                 & (table["kind"] != "route")]
    if rows.empty or rows[index].isna().all():
        return None
    return rows.loc[rows[index].idxmax()]


# ------------------------------------------------------------ over the envelope
#
# The function decomposed is P(outcome) of one parameter draw: the share of W
# worlds in which the outcome happens, at one point x of the envelope (every
# value the envelope of ``parley.analysis.envelope`` moves at a quantile of its
# own).  Its factors are the d values and the set of W worlds (the noise).
# Design (pick-freeze, Saltelli et al. 2010): N points A and N points B, each
# with its own quantiles; A runs on worlds 0..W-1 of the master seed (the worlds
# ``parley run --seed S`` runs), B on worlds W..2W-1; AB_j is A with value j
# (or the group of values of one kind) at B's quantile, on A's worlds, and
# AB_noise is A on B's worlds.  So the points of one row of the design, A_m and
# every AB_j,m, run on the same worlds (common random numbers across envelope
# points, as the draws of a batch do): f(A) - f(AB_j) is the effect of value j
# alone, with no world-to-world noise.  Each row has a fresh set of worlds (row
# m: worlds 2mW .. 2mW + 2W - 1, A's then B's): the worlds are a factor, and a
# factor is sampled once per row.  (With one set of worlds for every row, the
# noise's index and the variance rest on two sets of worlds, A's and B's: tried,
# the noise index then moved by a factor of six from seed to seed.)
#
# Many points run in one simulation: every envelope value is set to its
# [low, high] envelope, which the model samples per world from the stream
# ``range:<path>``, and that stream is re-seeded per world with the point's own
# seed (``stream_seeds``), while every decision stream keeps the world's seed.
# A world of point m then runs exactly as world j of the scenario with the draw
# ``apply_draw(envelope, q_m)`` set (tests/test_drivers_envelope.py checks it).

ENVELOPE_KINDS = ("source", "reading", "assumption", "constant")
NOISE = "(noise)"  # the factor that is the set of worlds a draw runs on
INTERACTIONS = "(interactions)"  # the kind table's remainder
#: the default budget of ``parley drivers``: base points per sample and worlds per point
ENVELOPE_SAMPLES = 128
ENVELOPE_WORLDS = 64
#: base points of the kind-only design (``--by-kind``: a few factors, so many more points)
KIND_SAMPLES = 1024
ENVELOPE_CHUNK = 16_384  # worlds simulated together (memory stays flat, ~0.5 GB)
_POINT_RUNS = 2**48  # run indices of the points' seeds: far from any world's


@dataclass(frozen=True)
class Value:
    """One value a parameter draw moves, with its provenance kind as ``drivers`` labels it.

    ``kind``: ``constant`` for a rule constant the scenario does not set, else
    the value's own provenance; ``basis``: the envelope's kind (for a constant,
    a reading if its declared basis names what it stands on, else an assumption).
    """

    path: str
    low: float
    high: float
    kind: str
    basis: str


def envelope_values(scenario: Scenario) -> list[Value]:
    """The values of ``scenario`` a parameter draw moves (its envelope), in path order.

    The envelope (``parley.analysis.envelope``) labels a rule constant by its
    declared basis; here it is a ``constant`` unless the scenario sets it.
    """
    from parley.analysis.envelope import envelope

    own = {f"dynamics.{name}" for name in scenario.dynamics}
    return [Value(u.path, u.low, u.high,
                  "constant" if u.path.startswith("dynamics.") and u.path not in own
                  else u.kind, u.kind)
            for u in envelope(scenario)]


def kind_counts(scenario: Scenario) -> dict[str, int]:
    """How many values of each kind the envelope of ``scenario`` holds."""
    kinds = [v.kind for v in envelope_values(scenario)]
    return {k: kinds.count(k) for k in ENVELOPE_KINDS}


@dataclass
class EnvelopeDrivers:
    """The variance decomposition over the envelope of one scenario.

    ``table``: one row per (outcome, element): ``level`` is ``value`` (one value),
    ``kind`` (the values of one kind together, a group index), ``noise`` (the
    worlds) or ``rest`` (:data:`INTERACTIONS`: one minus the kinds' first-order
    indices and the noise's total index); columns element, kind, basis, n_values,
    low, high, first_order, first_order_conf, total, total_conf (95% bootstrap
    half-widths), share (kind rows, noise and rest: the parts that sum to one),
    mean and variance of P(outcome) over the points of A and B, and
    noise_within (the noise share from the spread within each point's worlds,
    the same quantity as the noise's total index, estimated another way).
    """

    scenario: str
    table: pd.DataFrame
    samples: int
    worlds: int
    seed: int
    per_value: bool
    counts: dict[str, int]
    points: int  # envelope points simulated (A, B and every AB)
    world_runs: int  # points x worlds


def envelope_drivers(scenario: Scenario, samples: int = ENVELOPE_SAMPLES,
                     worlds: int = ENVELOPE_WORLDS, seed: int = defaults.SEED,
                     outcomes: Sequence[str] = BINARY_OUTCOMES,
                     per_value: bool = True,
                     map_: Callable[[Callable, Iterable], Iterator] = map) -> EnvelopeDrivers:
    """Sobol indices of P(outcome) over the envelope of ``scenario``, with the noise as a factor.

    ``samples`` points in each of A and B, ``worlds`` worlds per point.  With
    ``per_value`` one index pair per value (d values: ``samples * (d + k + 3)``
    points for k kinds present), else only the kinds and the noise
    (``samples * (k + 3)``).  Deterministic in ``seed``, whatever ordered ``map_`` (default
    the builtin; ``parley.experiments.executors.ordered_map`` for worker processes) runs
    the design's model calls.
    """
    import pandas as pd

    from parley.analysis.sensitivity import pick_freeze_indices

    if samples < 2 or worlds < 1:
        raise ValueError(f"needs at least 2 samples and 1 world (got {samples}, {worlds})")
    values = envelope_values(scenario)
    counts = {k: sum(v.kind == k for v in values) for k in ENVELOPE_KINDS}
    kinds = [k for k in ENVELOPE_KINDS if counts[k]]
    factors: dict[str, frozenset[str]] = {}
    if per_value:
        factors.update({v.path: frozenset((v.path,)) for v in values})
    factors.update({f"kind:{k}": frozenset(v.path for v in values if v.kind == k)
                    for k in kinds})
    factors[NOISE] = frozenset((NOISE,))
    ranged = (with_values(scenario, {v.path: [v.low, v.high] for v in values},
                          "its envelope, sampled per point") if values else scenario)
    # row m of the design runs on worlds 2mW .. 2mW + W - 1 (A and every AB_j) and the next
    # W (B and AB_noise): row 0's A worlds are those of `parley run --seed S`
    seeds = run_seeds(seed, range(2 * worlds * samples)).reshape(samples, 2, worlds)
    points = run_seeds(seed, range(_POINT_RUNS, _POINT_RUNS + 2 * samples))
    columns = ["A", "B", *factors]
    y, within = _evaluate_points(ranged, [v.path for v in values], outcomes, columns,
                                 factors, seeds[:, 0], seeds[:, 1], points[:samples],
                                 points[samples:], map_)
    rows = []
    for out in outcomes:
        y_a, y_b = y[out][:, 0], y[out][:, 1]
        y_ab = y[out][:, 2:]
        both = np.concatenate([y_a, y_b])
        var = float(both.var())
        idx = pick_freeze_indices(y_a, y_ab, y_b, seed)
        within_var = np.concatenate([within[out][:, 0], within[out][:, 1]])
        noise_within = float(within_var.mean() / var) if var > 0 else float("nan")
        by_path = {v.path: v for v in values}
        for j, name in enumerate(factors):
            row = {"outcome": out, "element": name,
                   "first_order": idx["S1"][j], "first_order_conf": idx["S1_conf"][j],
                   "total": idx["ST"][j], "total_conf": idx["ST_conf"][j]}
            if name == NOISE:
                row |= {"level": "noise", "kind": "noise", "basis": "", "n_values": 0,
                        "share": idx["ST"][j]}
            elif name.startswith("kind:"):
                k = name.removeprefix("kind:")
                row |= {"level": "kind", "kind": k, "basis": "", "n_values": counts[k],
                        "share": idx["S1"][j]}
            else:
                v = by_path[name]
                row |= {"level": "value", "kind": v.kind, "basis": v.basis, "n_values": 1,
                        "low": v.low, "high": v.high}
            rows.append(row)
        parts = [r["share"] for r in rows[-len(factors):] if r["level"] in ("kind", "noise")]
        rows.append({"outcome": out, "element": INTERACTIONS, "level": "rest", "kind": "rest",
                     "basis": "", "n_values": 0, "share": 1.0 - float(np.sum(parts))})
        for r in rows[-len(factors) - 1:]:
            r |= {"mean": float(both.mean()), "variance": var, "noise_within": noise_within}
    order = ["outcome", "element", "level", "kind", "basis", "n_values", "low", "high",
             "first_order", "first_order_conf", "total", "total_conf", "share", "mean",
             "variance", "noise_within"]
    table = pd.DataFrame(rows).reindex(columns=order)
    n_points = samples * len(columns)
    return EnvelopeDrivers(scenario.name, table, samples, worlds, seed, per_value, counts,
                           n_points, n_points * worlds)


def _evaluate_points(ranged: Scenario, paths: Sequence[str], outcomes: Sequence[str],
                     columns: Sequence[str], factors: dict[str, frozenset[str]],
                     worlds_a: np.ndarray, worlds_b: np.ndarray, points_a: np.ndarray,
                     points_b: np.ndarray, map_: Callable[[Callable, Iterable], Iterator] = map,
                     ) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """P(outcome) at every (point, column) of the design, and the within-point variance
    of the outcome's mean (the binomial variance over the point's worlds, unbiased).

    Column ``A``: A's quantiles on A's worlds; ``B``: B's on B's; a factor: A with
    the factor's values at B's quantiles (the noise: on B's worlds).  ``worlds_a``
    and ``worlds_b``: the world seeds of each row (samples, W).  Returns outcome ->
    array (samples, columns), for the means and for the variances.  The model calls
    (``ENVELOPE_CHUNK`` worlds each) are independent tasks run through ``map_``.
    """
    n, w = worlds_a.shape
    jobs = [(m, c) for m in range(n) for c in range(len(columns))]
    per_call = max(1, ENVELOPE_CHUNK // w)
    y = {o: np.zeros((n, len(columns))) for o in outcomes}
    within = {o: np.zeros((n, len(columns))) for o in outcomes}
    swapped = [frozenset(paths) | {NOISE} if c == "B" else frozenset() if c == "A"
               else factors[c] for c in columns]
    parts = [jobs[start:start + per_call] for start in range(0, len(jobs), per_call)]
    tasks = (_point_task(ranged, paths, outcomes, part, swapped, worlds_a, worlds_b, points_a,
                         points_b) for part in parts)
    for part, (p_hat, var) in zip(parts, map_(_evaluate_call, tasks), strict=True):
        for o in outcomes:
            for (m, c), p_, v_ in zip(part, p_hat[o], var[o], strict=True):
                y[o][m, c], within[o][m, c] = p_, v_
    return y, within


def _point_task(ranged: Scenario, paths: Sequence[str], outcomes: Sequence[str],
                part: list[tuple[int, int]], swapped: list[frozenset[str]],
                worlds_a: np.ndarray, worlds_b: np.ndarray, points_a: np.ndarray,
                points_b: np.ndarray) -> tuple:
    """One model call of the design, compact (its stream seeds are made in the worker):
    (scenario, paths, outcomes, world seeds, which paths take B's point, A's and B's
    point seeds)."""
    from_b = np.array([[key in swapped[c] for key in (*paths, NOISE)] for _, c in part])
    m_idx = np.array([m for m, _ in part])
    world_seeds = np.where(from_b[:, -1:], worlds_b[m_idx], worlds_a[m_idx])
    return (ranged, tuple(paths), tuple(outcomes), world_seeds, from_b[:, :-1],
            points_a[m_idx], points_b[m_idx])


def _evaluate_call(task: tuple) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """A task of :func:`_point_task` run: per outcome, each point's mean over its worlds
    and the unbiased variance of that mean."""
    ranged, paths, outcomes, world_seeds, from_b, points_a, points_b = task
    points, w = world_seeds.shape
    stream_seeds = {f"range:{p}": np.repeat(np.where(from_b[:, j], points_b, points_a), w)
                    for j, p in enumerate(paths)}
    out = simulate(ranged, world_seeds.ravel(), stream_seeds=stream_seeds)["outcomes"]
    p_hat, var = {}, {}
    for o in outcomes:
        per = np.asarray(out[o], dtype=float).reshape(points, w)
        p_hat[o] = per.mean(axis=1)
        var[o] = per.var(axis=1, ddof=1) / w if w > 1 else np.full(points, np.nan)
    return p_hat, var


def kind_shares(result: EnvelopeDrivers, outcome: str = "talks_resumed") -> dict[str, Any]:
    """One scenario's kind table as plain data (``outputs.tables.kind_shares_table``).

    ``shares``: kind -> (first-order group index, its 95% half-width), plus
    ``noise`` (the worlds' total index) and ``interactions`` (the remainder:
    one minus the others, so the parts sum to one by construction).
    """
    rows = result.table[(result.table["outcome"] == outcome)
                        & (result.table["level"] != "value")].set_index("element")
    shares: dict[str, tuple[float, float]] = {}
    for k in ENVELOPE_KINDS:
        name = f"kind:{k}"
        shares[k] = ((float(rows.loc[name, "share"]), float(rows.loc[name, "first_order_conf"]))
                     if name in rows.index else (0.0, 0.0))  # no value of the kind: none
    shares["noise"] = (float(rows.loc[NOISE, "share"]), float(rows.loc[NOISE, "total_conf"]))
    shares["interactions"] = (float(rows.loc[INTERACTIONS, "share"]), float("nan"))
    first = rows.iloc[0]
    return {"scenario": result.scenario, "outcome": outcome, "counts": dict(result.counts),
            "mean": float(first["mean"]), "sd": float(np.sqrt(first["variance"])),
            "noise_within": float(first["noise_within"]), "shares": shares,
            "samples": result.samples, "worlds": result.worlds, "seed": result.seed}
