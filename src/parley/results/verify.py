"""Read-only verification of a results folder: everything ``--resume`` checks, and more.

:func:`verify_folder` (``parley verify DIR``, and first thing in ``parley report`` and
``parley plot``) takes no lock and writes nothing.  For a run or compare folder it checks

* the manifest: its shape and its identity digest (``identity_sha256``, recomputed from
  the scenarios, seed, run count, chunk size, parameter draws and code version);
* the chunk log: every record's shape, sequence and own checksum (``record_sha256``);
* the rows: ``runs.csv``'s header, every chunk's offsets, size and ``sha256``;
* that the records fit the manifest: one aggregate per scenario, the draw and the worlds
  of each record in the batch's task order, as many rows in each chunk's bytes as its
  aggregates count, no more runs than the target; a folder marked complete holds every
  chunk of its target and nothing after the last one;
* ``summary.json``: its bytes against ``summary_sha256`` in the manifest, and (when the
  manifest says the batch ended) its runs, yes/no counts and shares, and per-draw shares
  of talks, which must equal those summed from the records.

Sweep and hindcast folders get the chunk-log and row checks (their manifests carry
their own digests, checked by their ``--resume``).  Each failure is one
:class:`ResultsFolderError`.  ``--resume`` of a run or compare runs the same manifest
and record checks (:func:`check_batch_manifest`, :func:`check_batch_records`,
:func:`check_summary_file`) before it changes anything.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from parley.errors import ResultsFolderError
from parley.outcomes import BINARY_OUTCOMES, RUNS_HEADER, RUNS_HEADER_WITH_DRAW
from parley.results import load
from parley.results.store import ResultsStore

SUMMARY_CHECKSUM = "summary_sha256"
# what a chunk record's rows file is called in each kind of folder (sweep, hindcast: their
# header is the first line of that file, which their own --resume checks)
_ROWS_FILE = {"run": "runs.csv", "compare": "runs.csv", "sweep": "points.csv",
              "hindcast": "paths.bin"}
_UNEXPECTED = (KeyError, TypeError, ValueError, IndexError, AttributeError, ZeroDivisionError)


@dataclass(frozen=True)
class Verified:
    """What a verified folder holds: its chunks and the rows (runs) they cover."""

    folder: Path
    kind: str
    chunks: int
    runs: int


def verify_folder(folder: str | Path) -> Verified:
    """Every check of the module docstring, read-only; ResultsFolderError on the first
    that fails."""
    folder = Path(folder)
    if not folder.is_dir():
        raise ResultsFolderError(f"{folder}: not a results folder")
    if not (folder / "chunks.jsonl").is_file():
        raise ResultsFolderError(f"{folder}: no chunks.jsonl, so nothing to verify")
    if not (folder / "manifest.json").is_file():
        raise ResultsFolderError(f"{folder}: no manifest.json beside chunks.jsonl")
    manifest = load.read_manifest(folder, load.JOB_KINDS)
    try:
        if manifest["kind"] in load.RUN_KINDS:
            return _verify_batch(folder, manifest)
        return _verify_other(folder, manifest)
    except _UNEXPECTED as exc:
        raise ResultsFolderError(f"{folder}: the chunk records do not fit the manifest "
                                 f"({type(exc).__name__}); the folder is corrupted") from None


def _verify_batch(folder: Path, manifest: dict[str, Any]) -> Verified:
    check_batch_manifest(folder, manifest)
    store = batch_store(folder, manifest)
    records = store.check()
    done = check_batch_records(folder, manifest, records, store.row_counts)
    ended = manifest.get("status") in ("complete", "interrupted")
    if manifest.get("status") == "complete":
        if store.log_tail:
            raise ResultsFolderError(f"{store.log_path}: the batch is complete, but its last "
                                     f"{store.log_tail:,} bytes are not a whole record "
                                     "(truncated or corrupted)")
        if done != manifest.get("target_runs"):
            raise ResultsFolderError(f"{store.log_path}: the batch is complete with "
                                     f"{manifest.get('target_runs')} runs per draw, but its "
                                     f"records cover {done} (chunks lost or cut)")
        if store.rows_tail:
            raise ResultsFolderError(f"{store.runs_path}: {store.rows_tail:,} bytes after the "
                                     "last recorded chunk of a complete batch (corrupted)")
        runs = _pooled_runs(records, len(manifest["scenarios"]))
        if manifest.get("runs") is not None and manifest["runs"] != min(runs, default=0):
            raise ResultsFolderError(f"{folder / 'manifest.json'}: field 'runs' says "
                                     f"{manifest['runs']}, the records {min(runs, default=0)}")
    check_summary_file(folder, manifest)
    if ended and (folder / "summary.json").is_file():
        check_summary_agrees(folder, manifest, records)
    if manifest.get("paths"):
        check_paths_log(folder, records, complete=manifest.get("status") == "complete")
        if manifest.get("status") == "complete":
            check_paths_parquet(folder, manifest, records)
    return Verified(folder, manifest["kind"], len(records), sum(store.row_counts))


def _verify_other(folder: Path, manifest: dict[str, Any]) -> Verified:
    """A sweep or hindcast folder: its chunk log against its rows file."""
    kind = manifest["kind"]
    rows = folder / _ROWS_FILE[kind]
    if not rows.is_file():
        raise ResultsFolderError(f"{folder}: {rows.name} is missing")
    with open(rows, "rb") as fh:
        header = fh.readline(4096)
    if not header.endswith(b"\n"):
        raise ResultsFolderError(f"{rows}: the header line is missing or damaged")
    fields = load.SWEEP_RECORD_FIELDS if kind == "sweep" else {"first_run": int, "n": int}
    store = ResultsStore(folder, header=header.decode("utf-8", "replace"),
                         runs_name=rows.name, fields=fields)
    if store.header.encode() != header:
        raise ResultsFolderError(f"{rows}: the header line is not UTF-8 text (damaged)")
    records = store.check()
    if manifest.get("status") == "complete" and (store.log_tail or store.rows_tail):
        raise ResultsFolderError(f"{folder}: the job is complete, but {store.log_tail:,} bytes "
                                 f"of chunks.jsonl and {store.rows_tail:,} of {rows.name} "
                                 "lie after its last whole record (truncated or corrupted)")
    return Verified(folder, kind, len(records), sum(store.row_counts))


# ------------------------------------------------------- shared with --resume


def batch_store(folder: Path, manifest: dict[str, Any]) -> ResultsStore:
    """The store of a run/compare folder as its manifest describes it (not locked)."""
    draws = manifest.get("parameter_uncertainty")
    return ResultsStore(folder, header=RUNS_HEADER_WITH_DRAW if draws else RUNS_HEADER,
                        require_record_checksums="identity_sha256" in manifest)


def check_batch_manifest(folder: Path, manifest: dict[str, Any]) -> None:
    """The identity digest of a run/compare manifest, recomputed from its fields."""
    load.check_identity(manifest, str(folder / "manifest.json"))


def check_batch_records(folder: Path, manifest: dict[str, Any], records: list[dict[str, Any]],
                        row_counts: list[int]) -> int:
    """The records of a run/compare folder against its manifest; the worlds done per draw
    (whole rows of draws).  ResultsFolderError naming the chunk that does not fit."""
    log = folder / "chunks.jsonl"
    scenarios = manifest["scenarios"]
    n_sc = len(scenarios)
    uncertainty = manifest.get("parameter_uncertainty") or {}
    k = uncertainty.get("draws", 0) if isinstance(uncertainty, dict) else 0
    per_row = max(1, k)
    chunk = manifest["chunk"]
    horizons = [sc["resolved"].get("horizon", {}).get("months") for sc in scenarios]
    camps = {sc["resolved"].get("camp") for sc in scenarios
             if not (sc.get("variant_of") or sc["resolved"].get("variant_of"))}
    if records and "identity_sha256" not in manifest and load.RECORD_CHECKSUM in records[0]:
        raise ResultsFolderError(f"{folder / 'manifest.json'}: the chunk records carry "
                                 "checksums but the manifest has no identity digest "
                                 "(identity_sha256 removed: the manifest was edited)")
    row = (0, 0)
    for seq, rec in enumerate(records):
        where = f"{log}: chunk {seq}"
        if seq % per_row == 0:
            if rec["first_run"] != sum(row):
                raise ResultsFolderError(f"{where}: starts at run {rec['first_run']}, not "
                                         f"{sum(row)} (does not fit the batch)")
            row = (rec["first_run"], rec["n"])
        elif (rec["first_run"], rec["n"]) != row:
            raise ResultsFolderError(f"{where}: its worlds differ from the other draws of its "
                                     "block (does not fit the batch)")
        if not 1 <= rec["n"] <= chunk:
            raise ResultsFolderError(f"{where}: {rec['n']} worlds, but chunks hold 1 to "
                                     f"{chunk} (does not fit the batch)")
        if rec.get("draw") != (seq % per_row if k else None):
            raise ResultsFolderError(f"{where}: field 'draw' does not fit the batch's order")
        aggs = rec["aggregates"]
        if len(aggs) != n_sc or len(rec["pairs"]) != n_sc * (n_sc - 1) // 2 or (
                len(rec["camps"]) != len(camps)):
            raise ResultsFolderError(f"{where}: its aggregates, pairs or camps do not match "
                                     f"the {n_sc} scenario(s) of the manifest")
        for agg, months in zip(aggs, horizons, strict=True):
            _check_aggregate(agg, months, rec["n"], where)
        if seq < len(row_counts) and row_counts[seq] != sum(a["n"] for a in aggs):
            raise ResultsFolderError(f"{where}: its bytes of runs.csv hold {row_counts[seq]} "
                                     f"rows, its aggregates {sum(a['n'] for a in aggs)}")
    complete = records[: len(records) - len(records) % per_row]
    done = max((r["first_run"] + r["n"] for r in complete), default=0)
    reach = max((r["first_run"] + r["n"] for r in records), default=0)
    target = manifest.get("target_runs")
    if isinstance(target, int) and reach > target:
        raise ResultsFolderError(f"{log}: records reach run {reach}, beyond the target of "
                                 f"{target} in the manifest")
    return done


def check_paths_log(folder: Path, records: list[dict[str, Any]], complete: bool = False
                    ) -> int:
    """The paths log of a batch run with ``--paths`` (formats.PATHS_LOG) against the chunk
    records: its header, each chunk's ``paths`` offsets (following one another) and sha256;
    the offset where the last recorded chunk's paths end.  ``complete``: nothing after it."""
    from parley.results.formats import PATHS_LOG, PATHS_LOG_HEADER

    path = folder / PATHS_LOG
    if not path.is_file():
        raise ResultsFolderError(f"{path}: missing, but the manifest says the batch records "
                                 "its paths (--paths)")
    size = path.stat().st_size
    end = len(PATHS_LOG_HEADER)
    with open(path, "rb") as fh:
        if fh.read(end) != PATHS_LOG_HEADER.encode():
            raise ResultsFolderError(f"{path}: the header line is missing or damaged")
        for rec in records:
            where = rec.get("paths")
            if not isinstance(where, dict) or where.get("offset_start") != end or not (
                    isinstance(where.get("offset_end"), int)
                    and end <= where["offset_end"] <= size):
                raise ResultsFolderError(f"{folder / 'chunks.jsonl'}: chunk {rec['seq']}: its "
                                         f"paths do not follow the previous chunk's in {PATHS_LOG}"
                                         " (corrupted or cut)")
            data = fh.read(where["offset_end"] - end)
            if hashlib.sha256(data).hexdigest() != where.get("sha256"):
                raise ResultsFolderError(f"{path}: the paths of chunk {rec['seq']} do not match "
                                         "their checksum in chunks.jsonl (corrupted)")
            end = where["offset_end"]
    if complete and size != end:
        raise ResultsFolderError(f"{path}: {size - end:,} bytes after the last recorded chunk "
                                 "of a complete batch (corrupted)")
    return end


def check_paths_parquet(folder: Path, manifest: dict[str, Any],
                        records: list[dict[str, Any]]) -> None:
    """paths.parquet of a complete ``--paths`` batch: present, and (when pyarrow is there to
    read its footer) one row per world, scenario and month of the records."""
    from parley.results.formats import PATHS_PARQUET

    path = folder / PATHS_PARQUET
    if not path.is_file():
        raise ResultsFolderError(f"{path}: missing, but the batch is complete with --paths")
    try:
        import pyarrow.parquet as pq
    except ImportError:
        return
    horizons = manifest["paths"]["months"]  # per scenario, as the batch recorded them
    want = sum(a["n"] * months for rec in records
               for a, months in zip(rec["aggregates"], horizons, strict=True))
    try:
        got = pq.ParquetFile(path).metadata.num_rows
    except Exception as exc:  # any unreadable footer is one line
        raise ResultsFolderError(f"{path}: not a readable Parquet file "
                                 f"({type(exc).__name__})") from None
    if got != want:
        raise ResultsFolderError(f"{path}: {got:,} rows, but the chunk records hold {want:,} "
                                 "(one per world, scenario and month)")


def _check_aggregate(agg: Any, months: Any, n: int, where: str) -> None:
    if not isinstance(agg, dict):
        raise ResultsFolderError(f"{where}: an aggregate is not an object")
    load._require(f"{where}: aggregate", agg, {"n": int, "binary": dict, "horizon": int})
    if months is not None and agg["horizon"] != months:
        raise ResultsFolderError(f"{where}: an aggregate's horizon is {agg['horizon']} months, "
                                 f"its scenario's {months}")
    if not 0 <= agg["n"] <= n:
        raise ResultsFolderError(f"{where}: an aggregate counts {agg['n']} runs of {n}")
    for key in BINARY_OUTCOMES:
        val = agg["binary"].get(key)
        if not isinstance(val, int) or isinstance(val, bool) or not 0 <= val <= agg["n"]:
            raise ResultsFolderError(f"{where}: aggregate count '{key}' is missing or out "
                                     "of range")


def check_summary_file(folder: Path, manifest: dict[str, Any]) -> None:
    """``summary.json``'s bytes against the ``summary_sha256`` the manifest recorded when
    the batch last ended (null while a summary is being rewritten: nothing to check)."""
    digest = manifest.get(SUMMARY_CHECKSUM)
    if digest is None:
        return
    path = folder / "summary.json"
    if not path.is_file():
        raise ResultsFolderError(f"{path}: missing, but the manifest records one")
    if hashlib.sha256(path.read_bytes()).hexdigest() != digest:
        raise ResultsFolderError(f"{path}: does not match {SUMMARY_CHECKSUM} in manifest.json "
                                 "(edited or corrupted)")


def check_summary_agrees(folder: Path, manifest: dict[str, Any],
                         records: list[dict[str, Any]]) -> None:
    """The numbers of ``summary.json`` that the records fix exactly: per scenario the runs,
    each yes/no count and share, P(talks | engaged)'s counts, and per draw P(talks).

    An interrupted batch may have written its summary one record early (a second
    Ctrl-C between a chunk's record and its tally): all records, or all but the last.
    """
    path = folder / "summary.json"
    summary = load.check_summary(load.read_json(path, "summary"), str(path))
    problem = _summary_problem(summary, manifest, records)
    if problem and manifest.get("status") == "interrupted" and records and (
            _summary_problem(summary, manifest, records[:-1]) is None):
        return
    if problem:
        raise ResultsFolderError(f"{path}: {problem}, which disagrees with the chunk records "
                                 "(edited or stale)")


def _summary_problem(summary: dict[str, Any], manifest: dict[str, Any],
                     records: list[dict[str, Any]]) -> str | None:
    names = [sc["name"] for sc in manifest["scenarios"]]
    if [sc["name"] for sc in summary["scenarios"]] != names:
        return "its scenarios are not the manifest's"
    if summary.get("master_seed") != manifest["master_seed"]:
        return "field 'master_seed'"
    k = (manifest.get("parameter_uncertainty") or {}).get("draws", 0)
    n = [0] * len(names)
    binary = [dict.fromkeys(BINARY_OUTCOMES, 0) for _ in names]
    engaged_talks = [0] * len(names)
    per_draw = [[[0, 0] for _ in range(max(1, k))] for _ in names]
    for rec in records:
        for i, agg in enumerate(rec["aggregates"]):
            n[i] += agg["n"]
            for key in BINARY_OUTCOMES:
                binary[i][key] += agg["binary"][key]
            engaged_talks[i] += agg.get("talks_engaged", 0)
            cell = per_draw[i][rec.get("draw") or 0]
            cell[0] += agg["binary"]["talks_resumed"]
            cell[1] += agg["n"]
    for i, sc in enumerate(summary["scenarios"]):
        where = f"scenarios.{i} ({sc['name']})"
        if sc.get("runs") != n[i]:
            return f"{where}: runs is {sc.get('runs')}, the records count {n[i]}"
        for key in BINARY_OUTCOMES:
            share = sc["shares"].get(key)
            if share is None:
                return f"{where}: share '{key}' is missing"
            if not _share_is(share, binary[i][key], n[i]):
                return f"{where}: share '{key}' is not {binary[i][key]} of {n[i]}"
        given = sc.get("talks_given_engaged")
        if not isinstance(given, dict) or not _share_is(given, engaged_talks[i],
                                                         binary[i]["engaged"]):
            return f"{where}: talks_given_engaged is not {engaged_talks[i]} of " \
                   f"{binary[i]['engaged']}"
    if k:
        drawn = (summary.get("parameter_uncertainty") or {})
        if drawn.get("draws") != k:
            return "parameter_uncertainty.draws"
        talks = drawn.get("per_draw_talks") or {}
        for i, name in enumerate(names):
            want = [t / max(m, 1) for t, m in per_draw[i]]
            if talks.get(name) != want:
                return f"parameter_uncertainty.per_draw_talks.{name}"
    return None


def _share_is(share: dict[str, Any], k: int, n: int) -> bool:
    """A share of the summary is exactly k of n (p = k / n; null or NaN when n is 0)."""
    p = share.get("p")
    if share.get("k") != k or share.get("n") != n:
        return False
    if n == 0:
        return p is None or (isinstance(p, float) and p != p)
    return isinstance(p, int | float) and not isinstance(p, bool) and p == k / n


def _pooled_runs(records: list[dict[str, Any]], n_sc: int) -> list[int]:
    runs = [0] * n_sc
    for rec in records:
        for i, agg in enumerate(rec["aggregates"]):
            runs[i] += agg["n"]
    return runs


def summary_digest(path: Path) -> str:
    """The ``summary_sha256`` of a summary file as written."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


__all__ = ["SUMMARY_CHECKSUM", "Verified", "batch_store", "check_batch_manifest",
           "check_batch_records", "check_paths_log", "check_paths_parquet",
           "check_summary_agrees", "check_summary_file",
           "summary_digest", "verify_folder"]
