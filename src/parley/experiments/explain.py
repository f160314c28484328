"""What explains the gap between two scenarios: Shapley values over the stances that differ.

Scenario A and scenario B differ in some stance values (``washington.legacy_drive``),
whole actors (a patron only B has), or other sections (``events``, ``horizon``):
each such difference is a *group*.  A coalition S of groups is the scenario A
with the groups in S taken from B (values and provenance; re-validated).  Every
coalition is run on the same worlds (common random numbers: the same run seeds,
and every decision meets the same draw under every coalition), and the value
v(S) of an outcome is its per-world result.  The Shapley value of group i is

    phi_i = sum over S without i of |S|! (n - |S| - 1)! / n! * (v(S + i) - v(S)),

computed per world, so the parts add up *exactly*, world by world, to the paired
difference v(all) - v(none) = B - A, whatever the number of worlds; their
standard errors are those of per-world means.  Shapley values are the one
attribution that is order-independent, additive, symmetric (groups with equal
effects get equal shares) and gives zero to a group that changes nothing
(Shapley 1953; Lundberg & Lee 2017 for the per-instance use).

With more than ``EXACT_MAX`` groups (2^n coalitions) the values are estimated
by permutation sampling (Castro, Gomez & Tejada 2009) with antithetic pairs (an
order and its reverse): each order's marginal contributions still add up
exactly to B - A; the standard error adds the spread over orders to the one
over worlds (an approximation: orders and worlds are treated as independent).

Parameter draws are on by default, as in ``parley compare``: with
``parameter_draws=K`` every coalition runs under the same K draws of the values
we chose (the batch's envelope draws: a Latin hypercube of quantiles over the
union of A's and B's envelope paths, keyed by the seed, each coalition mapping a
quantile onto its own envelope), each on the same ``runs // K`` worlds, all in
one model call per coalition (``simulate(world_values=)``).  The parts still add
up exactly, world by world; each row gains ``param_lo``/``param_hi``, the 95%
interval over draws of its per-draw mean (for the total: of the per-draw paired
difference, which is compare's paired difference in that draw).
``parameter_draws=0`` is the point attribution: the scenarios as they are.

The coalitions an attribution needs are known before any is run (all 2^n, or those
the sampled orders visit), so they are run as independent tasks through an ordered
``map_`` (``parley.experiments.executors.ordered_map``: worker processes or a Dask
cluster); each coalition's values depend only on its scenario and the seeds, so the
table is the same whatever runs them.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from math import factorial
from typing import TYPE_CHECKING, Any

import numpy as np

from parley import defaults
from parley.errors import ParleyError
from parley.experiments.simulate import simulate, stacked_draws
from parley.randomness import run_seeds
from parley.scenario import Scenario, build_scenario

if TYPE_CHECKING:  # pandas loads with the tables, not in a worker that runs a task
    import pandas as pd

HEADLINE = ("talks_resumed", "summit_held", "freeze_deal", "relief_granted", "crisis")
EXACT_MAX = 8  # 2^8 = 256 coalitions; beyond, permutation sampling
DESCRIPTIVE = frozenset({"name", "title", "camp", "description", "disagreement", "abstract"})
_ABSENT = object()


@dataclass(frozen=True)
class Group:
    """One difference between A and B: where it sits, both values and both citations."""

    path: tuple[str, ...]
    value_a: str
    cite_a: str
    value_b: str
    cite_b: str

    @property
    def label(self) -> str:
        return ".".join(self.path[1:] if self.path[0] == "actors" else self.path)


def differing_groups(a: Scenario, b: Scenario) -> list[Group]:
    """The stance values, actors and sections in which the two scenarios differ."""
    paths: list[tuple[str, ...]] = []
    keys = sorted((set(a.resolved) | set(b.resolved)) - DESCRIPTIVE)
    for key in keys:
        _walk(a.resolved.get(key, _ABSENT), b.resolved.get(key, _ABSENT), (key,), paths)
    return [Group(p, *_shown(_get(a.resolved, p)), *_shown(_get(b.resolved, p))) for p in paths]


def _walk(x: Any, y: Any, path: tuple[str, ...], out: list[tuple[str, ...]]) -> None:
    if _is_stance(x) and _is_stance(y):
        if x["value"] != y["value"]:
            out.append(path)
        return
    if (isinstance(x, dict) and isinstance(y, dict) and not _is_stance(x) and not _is_stance(y)
            and x.get("role") == y.get("role")):
        for key in sorted(set(x) | set(y)):
            _walk(x.get(key, _ABSENT), y.get(key, _ABSENT), (*path, key), out)
        return
    if x != y:
        out.append(path)


def _is_stance(node: Any) -> bool:
    return isinstance(node, dict) and "value" in node


def _get(raw: dict[str, Any], path: tuple[str, ...]) -> Any:
    node: Any = raw
    for key in path:
        if not isinstance(node, dict) or key not in node:
            return _ABSENT
        node = node[key]
    return node


def _shown(node: Any) -> tuple[str, str]:
    """A value for the table, and its citation."""
    if node is _ABSENT:
        return "(absent)", "-"
    if _is_stance(node):
        src, reading = node.get("source"), node.get("reading")
        cite = (f"{src['text']}, {src['section']}" if src
                else f"{reading['text']}, {reading['section']} (reading)" if reading
                else "assumption")
        return _short(node["value"]), cite
    return _short(node), "several" if isinstance(node, dict | list) else "-"


def _short(value: Any, width: int = 40) -> str:
    text = str(value)
    return text if len(text) <= width else text[: width - 3] + "..."


def hybrid(a: Scenario, b: Scenario, groups: Sequence[Group]) -> Scenario:
    """Scenario A with the given groups taken from B (validated like any scenario)."""
    raw = copy.deepcopy(a.resolved)
    for group in groups:
        *parents, last = group.path
        node = raw
        for key in parents:
            node = node.setdefault(key, {})
        value = _get(b.resolved, group.path)
        if value is _ABSENT:
            node.pop(last, None)
        else:
            node[last] = copy.deepcopy(value)
    labels = ", ".join(g.label for g in groups) or "nothing"
    return build_scenario(raw, f"{a.path or a.name} with {labels} from {b.path or b.name}",
                          a.path)


def _values(scenario: Scenario, seeds: np.ndarray, outcomes: Sequence[str],
            draws: Sequence[dict[str, float]] = ()) -> dict[str, np.ndarray]:
    """Per-world outcomes; with draws, ``seeds`` once per draw, each world under its
    draw's quantiles mapped onto this scenario's envelope."""
    per_world = None
    if draws:
        from parley.analysis.envelope import apply_draw, envelope

        env = envelope(scenario)
        values = [apply_draw(env, q) for q in draws]
        seeds, per_world = stacked_draws(seeds, values, [u.path for u in env])
    out = simulate(scenario, seeds, world_values=per_world)["outcomes"]
    return {k: np.asarray(out[k], dtype=float) for k in outcomes}


def coalition_values(task: tuple) -> dict[str, np.ndarray]:
    """One coalition's per-world outcomes (a task for a worker: its scenario is built
    there): ``task`` is (A, B, the groups taken from B, seeds, outcomes, draws)."""
    a, b, chosen, seeds, outcomes, draws = task
    return _values(hybrid(a, b, chosen), seeds, outcomes, draws)


def explain_draws(a: Scenario, b: Scenario, k: int, seed: int) -> list[dict[str, float]]:
    """The K draws (quantiles by path) every coalition runs under: those of ``parley
    compare A B`` with the same seed and draws."""
    from parley.analysis.envelope import envelope, quantile_draws

    paths = {u.path for sc in (a, b) for u in envelope(sc)}
    return quantile_draws(paths, k, seed) if k else []


def _draw_interval(x: np.ndarray, k: int) -> tuple[float, float]:
    """The 95% interval over draws of the per-draw means of per-world values."""
    from parley.analysis.envelope import spread

    return spread(x.reshape(k, -1).mean(axis=1))


def explain(a: Scenario, b: Scenario, runs: int = defaults.EXPLAIN_RUNS,
            seed: int = defaults.SEED,
            outcomes: Sequence[str] = HEADLINE, permutations: int = 64,
            parameter_draws: int = defaults.PARAMETER_DRAWS,
            map_: Callable[[Callable, Iterable], Iterator] = map) -> pd.DataFrame:
    """Shapley attribution of B - A, per outcome, to each differing group.

    One row per (outcome, group) with both values and citations, ``shapley``
    (its share of the mean paired difference) and ``se``; plus one row per
    outcome with group ``(total)``: the paired difference, its SE, and the two
    means in ``value_a``/``value_b``.  Empty when nothing differs.  With
    ``parameter_draws`` K > 0 (the default), ``runs // K`` worlds under each of K
    draws, and ``param_lo``/``param_hi``: the interval over draws of each row.
    ``map_`` (an ordered map, default the builtin) runs the coalitions; any gives the
    same table.
    """
    import pandas as pd

    k = parameter_draws
    if isinstance(k, bool) or not isinstance(k, int) or not 0 <= k <= defaults.MAX_DRAWS:
        raise ParleyError([f"--parameter-draws {k!r}: allowed 0 (the point attribution) "
                           f"to {defaults.MAX_DRAWS:,}"])
    if k and runs < k:
        raise ParleyError([f"--runs {runs}: with {k} parameter draws each draw needs a "
                           f"world; give --runs of at least {k}, or --parameter-draws 0"])
    groups = differing_groups(a, b)
    if not groups:
        return pd.DataFrame()
    draws = explain_draws(a, b, k, seed)
    k = len(draws)  # no envelope at all: nothing to draw, the point attribution
    seeds = run_seeds(seed, range(runs // k if k else runs))
    n = len(groups)
    orders = None if n <= EXACT_MAX else _orders(n, permutations, seed)
    masks = _masks_needed(n, orders)
    tasks = ((a, b, [g for i, g in enumerate(groups) if mask >> i & 1], seeds, outcomes, draws)
             for mask in masks)
    value = dict(zip(masks, map_(coalition_values, tasks), strict=True)).__getitem__
    if orders is None:
        phi, extra_se = _exact(value, n, outcomes), None
        method = f"exact Shapley over {n} groups ({2 ** n} coalitions)"
    else:
        phi, extra_se = _sampled(value, n, outcomes, orders)
        method = f"Shapley by {len(orders)} sampled orders over {n} groups"
    if k:
        method += f"; {k} parameter draws x {len(seeds)} worlds"
    full = value(2**n - 1)
    none = value(0)
    rows = []

    def drawn(x) -> dict[str, float]:
        if not k:
            return {}
        lo, hi = _draw_interval(np.broadcast_to(x, full[outcomes[0]].shape), k)
        return {"param_lo": lo, "param_hi": hi}

    for out in outcomes:
        diff = full[out] - none[out]
        rows.append({"outcome": out, "group": "(total)", "value_a": f"{none[out].mean():.4f}",
                     "cite_a": "", "value_b": f"{full[out].mean():.4f}", "cite_b": "",
                     "shapley": float(diff.mean()), "se": _se(diff), **drawn(diff),
                     "method": method})
        for i, g in enumerate(groups):
            se = _se(phi[out][i])
            if extra_se is not None:
                se = float(np.hypot(se, extra_se[out][i]))
            rows.append({"outcome": out, "group": g.label, "value_a": g.value_a,
                         "cite_a": g.cite_a, "value_b": g.value_b, "cite_b": g.cite_b,
                         "shapley": float(np.mean(phi[out][i])), "se": se,
                         **drawn(phi[out][i]), "method": method})
    return pd.DataFrame(rows)


def _se(x: np.ndarray) -> float:
    return float(x.std(ddof=1) / np.sqrt(len(x))) if len(x) > 1 else float("nan")


def _exact(value, n: int, outcomes: Sequence[str]) -> dict[str, list[np.ndarray]]:
    """Per-world exact Shapley values: the weighted sum over every coalition."""
    weight = [factorial(s) * factorial(n - s - 1) / factorial(n) for s in range(n)]
    phi = {out: [0.0] * n for out in outcomes}
    for mask in range(2**n):
        size = bin(mask).count("1")
        for i in range(n):
            if mask >> i & 1:
                continue
            with_i, without = value(mask | 1 << i), value(mask)
            for out in outcomes:
                phi[out][i] = phi[out][i] + weight[size] * (with_i[out] - without[out])
    return phi


def _orders(n: int, permutations: int, seed: int) -> list[np.ndarray]:
    """The sampled orders of ``n`` groups: antithetic pairs (an order and its reverse)."""
    rng = np.random.default_rng([seed, n])
    orders = []
    for _ in range(max(permutations // 2, 1)):
        order = rng.permutation(n)
        orders += [order, order[::-1]]
    return orders


def _masks_needed(n: int, orders: list[np.ndarray] | None) -> list[int]:
    """The coalitions (bit masks of groups from B) an attribution reads, in a fixed
    order: every one for the exact values, else none, all, and each order's prefixes."""
    if orders is None:
        return list(range(2**n))
    masks = {0: None, 2**n - 1: None}
    for order in orders:
        mask = 0
        for i in order:
            mask |= 1 << int(i)
            masks[mask] = None
    return list(masks)


def _sampled(value, n: int, outcomes: Sequence[str], orders: list[np.ndarray]):
    """Per-world Shapley estimates from antithetic orders, and the SE over orders."""
    per_order = {out: np.zeros((len(orders), n)) for out in outcomes}
    phi = {out: [0.0] * n for out in outcomes}
    for k, order in enumerate(orders):
        mask, prev = 0, value(0)
        for i in order:
            mask |= 1 << int(i)
            cur = value(mask)
            for out in outcomes:
                step = cur[out] - prev[out]
                phi[out][i] = phi[out][i] + step / len(orders)
                per_order[out][k, i] = step.mean()
            prev = cur
    pairs = {out: (m[0::2] + m[1::2]) / 2 for out, m in per_order.items()}
    order_se = {out: p.std(axis=0, ddof=1) / np.sqrt(len(p)) if len(p) > 1
                else np.zeros(n) for out, p in pairs.items()}
    return phi, order_se
