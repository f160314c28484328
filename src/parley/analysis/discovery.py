"""Scenario discovery: boxes of a swept space where an outcome is likely (tree or PRIM)."""

from __future__ import annotations

import inspect
from typing import Any

import numpy as np

from parley.errors import SweepSpecError

DEFAULT_THRESHOLD = 0.6  # P(talks) that makes a design point "likely"


def _round_limit(v: float) -> float:
    return float(f"{v:.6g}")


def discover_boxes(params, x: np.ndarray, p: np.ndarray,
                   threshold: float = DEFAULT_THRESHOLD, method: str = "tree") -> dict[str, Any]:
    """Scenario discovery: boxes of the swept space where P(talks) >= threshold is likely.

    ``tree``: a shallow scikit-learn DecisionTreeClassifier on the design points
    labelled ``p >= threshold``; each leaf predicting "likely" is a box (its
    limits are the tree's splits, within the swept ranges).  ``prim``: EMA
    Workbench's PRIM (needs ema_workbench).  Coverage: share of the likely
    points inside the box; density: share of the box's points that are likely.
    """
    names = [q.path for q in params]
    ranges = {q.path: [q.low, q.high] for q in params}
    likely = np.asarray(p >= threshold)
    out: dict[str, Any] = {"threshold": threshold, "method": method, "points": len(p),
                           "likely_points": int(likely.sum()), "boxes": []}
    if not likely.any():
        return out
    if likely.all():
        out["boxes"] = [{"coverage": 1.0, "density": 1.0,
                         "limits": {k: list(v) for k, v in ranges.items()}}]
        return out
    boxes = (_prim_boxes(names, x, likely, ranges) if method == "prim"
             else _tree_boxes(names, x, likely, ranges))
    out["boxes"] = sorted(boxes, key=lambda b: (-b["coverage"], -b["density"]))
    return out


def _tree_boxes(names, x, likely, ranges) -> list[dict[str, Any]]:
    """Leaves of a shallow tree that predict "likely"; sibling likely leaves merged."""
    from sklearn.tree import DecisionTreeClassifier

    n = len(likely)
    tree = DecisionTreeClassifier(max_depth=3, min_samples_leaf=max(1, round(0.05 * n)),
                                  random_state=0).fit(x, likely)
    t = tree.tree_
    member = tree.decision_path(x).tocsc()
    n_likely = int(likely.sum())

    def inside(node: int) -> np.ndarray:
        return member[:, [node]].toarray().ravel().astype(bool)

    pure: dict[int, bool] = {}

    def judge(node: int) -> bool:  # a leaf predicting "likely", or only such leaves below
        left, right = t.children_left[node], t.children_right[node]
        if left == -1:
            box = inside(node)
            pure[node] = bool(box.any() and np.count_nonzero(likely & box) / box.sum() > 0.5)
        else:
            pure[node] = judge(left) & judge(right)
        return pure[node]

    judge(0)
    boxes = []
    stack = [(0, {k: list(v) for k, v in ranges.items()})]
    while stack:
        node, lim = stack.pop()
        if pure[node]:
            box = inside(node)
            k = int(np.count_nonzero(likely & box))
            boxes.append({"coverage": k / n_likely, "density": k / int(box.sum()),
                          "limits": lim})
            continue
        left, right = t.children_left[node], t.children_right[node]
        if left == -1:
            continue
        name, thr = names[t.feature[node]], _round_limit(float(t.threshold[node]))
        lo_lim = {**lim, name: [lim[name][0], min(lim[name][1], thr)]}
        hi_lim = {**lim, name: [max(lim[name][0], thr), lim[name][1]]}
        stack += [(right, hi_lim), (left, lo_lim)]
    return boxes


def check_prim() -> dict[str, Any]:
    """Check that EMA Workbench's PRIM can be used; the keyword arguments its Prim takes.

    Called before a sweep starts, so that a missing package fails in a second,
    not after the runs.  EMA Workbench 3 dropped ``Prim(threshold=...)``.
    """
    try:
        from ema_workbench.analysis import prim
    except Exception as exc:  # ImportError, or a broken install failing on import
        if isinstance(exc, ImportError) and (exc.name or "").split(".")[0] == "ema_workbench":
            raise SweepSpecError(["--boxes prim (EMA Workbench's PRIM) needs the 'ema' extra: "
                                  "pip install 'parley[ema]'"]) from None
        raise SweepSpecError(["--boxes prim needs EMA Workbench (pip install 'parley[ema]'): "
                              f"{type(exc).__name__}: {exc}"]) from None
    try:
        params = inspect.signature(prim.Prim).parameters
    except (TypeError, ValueError):
        params = {}
    if params and not {"x", "y"} <= set(params):
        raise SweepSpecError(["--boxes prim: this EMA Workbench's Prim takes "
                              f"({', '.join(params)}); parley needs Prim(x, y, ...)"])
    return {"threshold": 0.5} if "threshold" in params else {}


def _prim_boxes(names, x, likely, ranges) -> list[dict[str, Any]]:
    """Up to three PRIM boxes (EMA Workbench), each the densest with coverage >= 0.5."""
    import pandas as pd
    from ema_workbench.analysis import prim

    options = check_prim()
    frame = pd.DataFrame(x, columns=[n.replace(".", "__") for n in names])
    alg = prim.Prim(frame, likely.astype(int), **options)
    init = alg.box_init
    boxes = []
    for _ in range(3):
        box = alg.find_box()
        if box is None:
            break
        traj = box.peeling_trajectory
        ok = traj[traj["coverage"] >= 0.5]
        i = int((ok if len(ok) else traj)["density"].idxmax())
        if float(traj.loc[i, "density"]) <= 0.5:
            break
        box.select(i)
        lims = box.box_lim
        limits = {}
        for j, n in enumerate(names):
            lo, hi = float(lims.iloc[0, j]), float(lims.iloc[1, j])
            lo = ranges[n][0] if lo <= float(init.iloc[0, j]) else _round_limit(lo)
            hi = ranges[n][1] if hi >= float(init.iloc[1, j]) else _round_limit(hi)
            limits[n] = [lo, hi]
        boxes.append({"coverage": float(traj.loc[i, "coverage"]),
                      "density": float(traj.loc[i, "density"]), "limits": limits})
    return boxes


def box_sentence(box: dict[str, Any], ranges: dict[str, list[float]], threshold: float) -> str:
    """'talks resume in >= 60% of runs when A <= x and B >= y (covers ..., ... are such)'."""
    terms = []
    for name, (lo, hi) in box["limits"].items():
        rlo, rhi = ranges[name]
        tol = 1e-9 * max(1.0, abs(rhi - rlo))
        low_cut, high_cut = lo > rlo + tol, hi < rhi - tol
        if low_cut and high_cut:
            terms.append(f"{lo:.3g} <= {name} <= {hi:.3g}")
        elif low_cut:
            terms.append(f"{name} >= {lo:.3g}")
        elif high_cut:
            terms.append(f"{name} <= {hi:.3g}")
    where = "when " + " and ".join(terms) if terms else "across the whole swept range"
    return (f"talks resume in >= {threshold:.0%} of runs {where} (covers "
            f"{box['coverage']:.0%} of such points, {box['density']:.0%} of points in the box "
            "are such)")
