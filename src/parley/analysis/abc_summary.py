"""Summary statistics of talks histories and the ABC distance (no Mesa, no model).

A *history* of one term is two arrays over months: whether the US and North
Korea were in talks, and how many missiles were tested.  Simulated histories are
2-D (worlds x months); the record is one world.  Every statistic is computed per
world by :func:`term_statistics`; :func:`summarise` averages them over worlds
(a share for the yes/no statistic), so the record and a simulated batch give
summaries with the same keys, ``"<term>.<statistic>"``.

The terms themselves (a hindcast scenario beside its record) come from
:func:`parley.analysis.terms.load_terms`, the one loader of terms.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np

from parley.analysis.terms import Term

__all__ = [
    "STATISTICS",
    "STATISTIC_SCALES",
    "distance",
    "format_predictive_check",
    "predictive_check",
    "record_summary",
    "spell_counts",
    "summarise",
    "term_statistics",
]

#: Statistic -> what it is.  All are per world and per term.
STATISTICS: dict[str, str] = {
    "talks": "1 if talks took place in the term, else 0",
    "time_to_talks": "months before the first month of talks, as a share of the term "
                     "(1 if no talks)",
    "months_in_talks": "share of the term's months in talks",
    "spells": "number of separate runs of months in talks (any panel state but none)",
    "collapses": "spells that ended before the term's last month",
    "tests_in_talks": "missile tests per month in months of talks (undefined without talks)",
    "tests_out_of_talks": "missile tests per month in months without talks",
}

#: Scale of each statistic in the distance: a difference of one scale counts as much
#: as the difference between talks and no talks.  Fixed (not adapted to the sample) so
#: the distance is the same function in every generation, run and fold.  Spells and
#: collapses are counted from the panel's states (0-2 per term in the record), so one
#: spell more or less counts as much as talks or none.
STATISTIC_SCALES: dict[str, float] = {
    "talks": 1.0,
    "time_to_talks": 1.0,
    "months_in_talks": 0.5,
    "spells": 1.0,
    "collapses": 1.0,
    "tests_in_talks": 3.0,
    "tests_out_of_talks": 3.0,
}


def spell_counts(talks: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per world: runs of months in talks, and how many of them ended inside the term."""
    t = np.atleast_2d(np.asarray(talks, dtype=bool))
    starts = t & ~np.pad(t, ((0, 0), (1, 0)))[:, :-1]
    ends = t & ~np.pad(t, ((0, 0), (0, 1)))[:, 1:]
    ended_inside = ends[:, :-1].sum(axis=1)
    return starts.sum(axis=1), ended_inside


def term_statistics(talks: np.ndarray, tests: np.ndarray) -> dict[str, np.ndarray]:
    """Every statistic of :data:`STATISTICS`, one value per world.

    ``talks`` (bool) and ``tests`` (int) are months (1-D, one world) or
    worlds x months.  Undefined values (tests in talks without talks) are NaN.
    """
    t = np.atleast_2d(np.asarray(talks, dtype=bool))
    n = np.atleast_2d(np.asarray(tests, dtype=float))
    if t.shape != n.shape:
        raise ValueError(f"talks {t.shape} and tests {n.shape} differ in shape")
    months = t.shape[1]
    any_talks = t.any(axis=1)
    first = np.where(any_talks, t.argmax(axis=1), months)
    spells, collapses = spell_counts(t)
    in_months, out_months = t.sum(axis=1), (~t).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        tests_in = np.where(in_months > 0, (n * t).sum(axis=1) / in_months, np.nan)
        tests_out = np.where(out_months > 0, (n * ~t).sum(axis=1) / out_months, np.nan)
    return {
        "talks": any_talks.astype(float),
        "time_to_talks": first / months,
        "months_in_talks": in_months / months,
        "spells": spells.astype(float),
        "collapses": collapses.astype(float),
        "tests_in_talks": tests_in,
        "tests_out_of_talks": tests_out,
    }


def summarise(term: str, talks: np.ndarray, tests: np.ndarray) -> dict[str, float]:
    """Mean over worlds of each statistic, keyed ``"<term>.<statistic>"`` (NaN if undefined)."""
    out = {}
    for stat, values in term_statistics(talks, tests).items():
        defined = values[~np.isnan(values)]
        out[f"{term}.{stat}"] = float(defined.mean()) if defined.size else math.nan
    return out


def record_summary(terms: Sequence[Term]) -> dict[str, float]:
    """The observed summary statistics of the record."""
    out: dict[str, float] = {}
    for term in terms:
        out.update(summarise(term.name, term.obs_talks, term.obs_tests))
    return out


def distance(simulated: Mapping[str, float], observed: Mapping[str, float]) -> float:
    """Root mean square of the scaled differences between simulated and observed summaries.

    Each key ``"<term>.<statistic>"`` of ``observed`` contributes
    ``(sim - obs) / STATISTIC_SCALES[statistic]``.  A statistic the record leaves
    undefined (NaN) is skipped; one the record defines but the simulation never
    produced counts as a full scale of difference.
    """
    total, count = 0.0, 0
    for key, obs in observed.items():
        if math.isnan(obs):
            continue
        sim = simulated[key]
        stat = key.rsplit(".", 1)[1]
        diff = 1.0 if math.isnan(sim) else (sim - obs) / STATISTIC_SCALES[stat]
        total += diff * diff
        count += 1
    if count == 0:
        raise ValueError("no defined observed statistic to compare")
    return math.sqrt(total / count)


def predictive_check(terms: Sequence[Term],
                     simulated: Mapping[str, tuple[np.ndarray, np.ndarray]]
                     ) -> dict[str, dict[str, dict[str, float]]]:
    """Where the record falls among simulated worlds, per term and statistic.

    ``simulated`` maps a term to its talks and tests (worlds x months), e.g.
    worlds pooled over posterior draws.  Each entry gives the observed value,
    the simulated mean, 5% and 95% quantiles and the observed value's mid-rank
    percentile (0-100) among the defined simulated values.
    """
    out: dict[str, dict[str, dict[str, float]]] = {}
    for term in terms:
        observed = term_statistics(term.obs_talks, term.obs_tests)
        sims = term_statistics(*simulated[term.name])
        rows = {}
        for stat in STATISTICS:
            obs, values = float(observed[stat][0]), sims[stat][~np.isnan(sims[stat])]
            if values.size == 0:
                rows[stat] = {"observed": obs, "mean": math.nan, "q05": math.nan,
                              "q95": math.nan, "percentile": math.nan}
                continue
            below, equal = float(np.mean(values < obs)), float(np.mean(values == obs))
            rows[stat] = {"observed": obs, "mean": float(values.mean()),
                          "q05": float(np.quantile(values, 0.05)),
                          "q95": float(np.quantile(values, 0.95)),
                          "percentile": math.nan if math.isnan(obs)
                          else 100 * (below + equal / 2)}
        out[term.name] = rows
    return out


def format_predictive_check(check: Mapping[str, Mapping[str, Mapping[str, float]]]) -> str:
    """The predictive check as a text table (one line per term and statistic)."""
    lines = [f"{'term':<12} {'statistic':<19} {'record':>7} {'sim mean':>9} "
             f"{'5%-95%':>15} {'pctile':>7}"]
    for term, rows in check.items():
        for stat, r in rows.items():
            pct = "-" if math.isnan(r["percentile"]) else f"{r['percentile']:.0f}"
            lines.append(f"{term:<12} {stat:<19} {r['observed']:>7.3g} {r['mean']:>9.3g} "
                         f"{r['q05']:>7.3g}-{r['q95']:<7.3g} {pct:>7}")
    return "\n".join(lines)
