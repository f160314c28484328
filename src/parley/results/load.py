"""Validated readers of a results folder's files: one clear error, never a traceback.

``manifest.json``, ``summary.json`` and each line of ``chunks.jsonl`` are read
here and checked for shape before any code indexes into them, so a garbage,
truncated, empty or wrongly shaped file ends in one :class:`ResultsFolderError`
naming the file and the field, whatever its content.  Messages quote at most a
short, sanitised excerpt of what was found.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from parley.errors import ResultsFolderError

MAX_JSON_BYTES = 256 * 2**20
_EXCERPT = 40

RUN_KINDS = ("run", "compare")
JOB_KINDS = (*RUN_KINDS, "hindcast", "sweep")


def excerpt(value: Any, limit: int = _EXCERPT) -> str:
    """A short printable rendering of untrusted content for an error message."""
    text = value if isinstance(value, str) else type(value).__name__
    text = text[: 2 * limit]
    text = "".join(ch if ch.isprintable() else ch.encode("unicode_escape", "backslashreplace")
                   .decode("ascii") for ch in text)
    return repr(text if len(text) <= limit else text[:limit] + "...")


def read_json(path: Path, what: str) -> Any:
    """The parsed content of a JSON file, or ResultsFolderError (missing, not a file,
    too large, not UTF-8, not JSON).  Read as every file the user names is
    (:func:`parley.safe_yaml.read_bounded`): a regular file only, never a device or
    FIFO, at most MAX_JSON_BYTES."""
    from parley.errors import printable_path
    from parley.safe_yaml import read_bounded

    data = read_bounded(Path(path), printable_path(path), MAX_JSON_BYTES, f"the {what}",
                        ResultsFolderError, f"the {what} is at most that")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ResultsFolderError(f"{path}: the {what} is not UTF-8 text "
                                 f"(byte {exc.start})") from None
    if not text.strip():
        raise ResultsFolderError(f"{path}: the {what} is empty (truncated?)")
    try:
        return json.loads(text)
    except (json.JSONDecodeError, RecursionError) as exc:
        where = (f"line {exc.lineno}, column {exc.colno}: {exc.msg}"
                 if isinstance(exc, json.JSONDecodeError) else "nested too deeply")
        raise ResultsFolderError(f"{path}: the {what} is not valid JSON ({where}; "
                                 "truncated or corrupted?)") from None


def _require(where: str, data: dict[str, Any], fields: dict[str, Any]) -> None:
    """Check that each field is present with one of the allowed types."""
    for name, types in fields.items():
        if name not in data:
            raise ResultsFolderError(f"{where}: field '{name}' is missing")
        val = data[name]
        if isinstance(val, bool) and bool not in (types if isinstance(types, tuple)
                                                  else (types,)):
            ok = False
        else:
            ok = isinstance(val, types)
        if not ok:
            raise ResultsFolderError(f"{where}: field '{name}' has the wrong type "
                                     f"(got {excerpt(val)})")


_MANIFEST_COMMON = {"kind": str, "master_seed": int, "chunk": int}
_MANIFEST_RUN = {"target_runs": int, "max_runs": int, "precision": (int, float, type(None)),
                 "scenarios": list}
_MANIFEST_HINDCAST = {"target_runs": int, "terms": list, "record_sha256": str}
_MANIFEST_SWEEP = {"scenario": dict, "method": str, "parameters": list,
                   "samples": (int, type(None)), "runs_per_point": int, "outcome": str,
                   "threshold": (int, float), "save_runs": bool, "design_sha256": str}


def read_manifest(folder: Path, kinds: tuple[str, ...] = RUN_KINDS) -> dict[str, Any]:
    """``folder/manifest.json`` checked for what resuming a batch of ``kinds`` needs."""
    path = folder / "manifest.json"
    data = read_json(path, "manifest")
    if not isinstance(data, dict):
        raise ResultsFolderError(f"{path}: the manifest must be a JSON object "
                                 f"(got {excerpt(data)})")
    _require(str(path), data, _MANIFEST_COMMON)
    kind = data["kind"]
    if kind not in kinds:
        other = {"sweep": "parley sweep --resume", "hindcast": "parley hindcast --resume"}.get(
            kind, "parley run/compare --resume")
        raise ResultsFolderError(f"{path}: this is a {excerpt(kind)} folder, not one of "
                                 f"{', '.join(kinds)}; use {other}")
    if data["chunk"] < 1:
        raise ResultsFolderError(f"{path}: field 'chunk' must be positive")
    if kind == "hindcast":
        _require(str(path), data, _MANIFEST_HINDCAST)
        for i, term in enumerate(data["terms"]):
            if not isinstance(term, dict):
                raise ResultsFolderError(f"{path}: terms.{i} must be an object")
            _require(f"{path}: terms.{i}", term, {"name": str, "resolved": dict,
                                                   "file": (str, type(None)),
                                                   "start_state": str})
        return data
    if kind == "sweep":
        _require(str(path), data, _MANIFEST_SWEEP)
        _require(f"{path}: scenario", data["scenario"], {"resolved": dict, "name": str,
                                                        "file": (str, type(None))})
        return data
    _require(str(path), data, _MANIFEST_RUN)
    if not data["scenarios"]:
        raise ResultsFolderError(f"{path}: field 'scenarios' is empty")
    for i, sc in enumerate(data["scenarios"]):
        if not isinstance(sc, dict):
            raise ResultsFolderError(f"{path}: scenarios.{i} must be an object")
        _require(f"{path}: scenarios.{i}", sc, {"name": str, "resolved": dict,
                                                 "file": (str, type(None))})
    return data


_SHARE = {"p": (int, float), "lo": (int, float), "hi": (int, float)}


def check_summary(data: Any, where: str) -> dict[str, Any]:
    """``data`` if it has the shape of a summary; ResultsFolderError naming the field if not."""
    if not isinstance(data, dict):
        raise ResultsFolderError(f"{where}: a summary must be a JSON object "
                                 f"(got {excerpt(data)})")
    _require(where, data, {"scenarios": list})
    for i, sc in enumerate(data["scenarios"]):
        loc = f"{where}: scenarios.{i}"
        if not isinstance(sc, dict):
            raise ResultsFolderError(f"{loc} must be an object (got {excerpt(sc)})")
        _require(loc, sc, {"name": str, "shares": dict})
        for key, share in sc["shares"].items():
            if not isinstance(share, dict):
                raise ResultsFolderError(f"{loc}.shares.{excerpt(key)} must be an object")
            _require(f"{loc}.shares.{excerpt(key)}", share, _SHARE)
    comp = data.get("comparison")
    if comp is not None:
        if not isinstance(comp, dict):
            raise ResultsFolderError(f"{where}: comparison must be an object")
        _require(f"{where}: comparison", comp, {"rows": list, "reference": str})
        for i, row in enumerate(comp["rows"]):
            if not isinstance(row, dict):
                raise ResultsFolderError(f"{where}: comparison.rows.{i} must be an object")
    if data.get("camps") is not None and not isinstance(data["camps"], dict):
        raise ResultsFolderError(f"{where}: camps must be an object")
    return data


# one chunk-log record: where its rows lie in the appended file and their checksum
CHUNK_FIELDS = {"seq": int, "offset_end": int}
BATCH_RECORD_FIELDS = {"first_run": int, "n": int, "aggregates": list, "pairs": list,
                       "camps": list, "errors": list}
SWEEP_RECORD_FIELDS = {"point": int, "first_run": int, "n": int, "tally": dict,
                       "errors": list}


#: the checksum a chunk record carries of its own other fields (absent in older folders)
RECORD_CHECKSUM = "record_sha256"
#: the fields a record with its own checksum always has (older records may lack them)
CHECKSUMMED_RECORD_FIELDS = {"offset_start": int, "bytes": int, "sha256": str}


def canonical_json(value: Any) -> bytes:
    """``value`` as canonical JSON (sorted keys, no spaces, ASCII): the bytes a checksum
    of a record or a manifest field is taken over."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"),
                      ensure_ascii=True).encode("ascii")


def sha256_of(value: Any) -> str:
    """The sha256 of ``value``'s canonical JSON."""
    return hashlib.sha256(canonical_json(value)).hexdigest()


def record_checksum(record: dict[str, Any]) -> str:
    """The checksum of a chunk record: of every field but ``record_sha256`` itself."""
    return sha256_of({k: v for k, v in record.items() if k != RECORD_CHECKSUM})


def record_line(record: dict[str, Any]) -> bytes:
    """A record as ``chunks.jsonl`` holds it: one line of compact JSON, in field order."""
    return (json.dumps(record, separators=(",", ":")) + "\n").encode("utf-8")


def _is_digest(value: Any) -> bool:
    return (isinstance(value, str) and len(value) == 64
            and all(c in "0123456789abcdef" for c in value))


def parse_chunk_record(line: bytes, where: str, fields: dict[str, Any]) -> dict[str, Any]:
    """One complete line of ``chunks.jsonl`` as a checked record.

    A record carrying ``record_sha256`` (written since record checksums exist) must
    match it, must have its rows' offsets and checksum, and must be byte for byte the
    line parley writes for it (so that no edit, not even an equivalent spelling, passes).
    """
    try:
        rec = json.loads(line)
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError):
        raise ResultsFolderError(f"{where}: not a JSON record (corrupted; "
                                 f"starts {excerpt(line[:_EXCERPT].decode('utf-8', 'replace'))})"
                                 ) from None
    if not isinstance(rec, dict):
        raise ResultsFolderError(f"{where}: a record must be a JSON object "
                                 f"(got {excerpt(rec)})")
    _require(where, rec, {**CHUNK_FIELDS, **fields})
    for name in ("offset_start", "bytes"):
        if name in rec and (not isinstance(rec[name], int) or isinstance(rec[name], bool)):
            raise ResultsFolderError(f"{where}: field '{name}' has the wrong type")
    if "sha256" in rec and not (isinstance(rec["sha256"], str) and len(rec["sha256"]) == 64):
        raise ResultsFolderError(f"{where}: field 'sha256' is not a sha256 hex digest")
    for name in ("first_run", "n", "offset_end"):
        if name in rec and rec[name] < 0:
            raise ResultsFolderError(f"{where}: field '{name}' is negative")
    if RECORD_CHECKSUM in rec:
        if not _is_digest(rec[RECORD_CHECKSUM]):
            raise ResultsFolderError(f"{where}: field '{RECORD_CHECKSUM}' is not a sha256 "
                                     "hex digest")
        _require(where, rec, CHECKSUMMED_RECORD_FIELDS)
        if record_checksum(rec) != rec[RECORD_CHECKSUM]:
            raise ResultsFolderError(f"{where}: the record does not match its checksum "
                                     f"({RECORD_CHECKSUM}): corrupted or edited")
        if record_line(rec) != line + b"\n":
            raise ResultsFolderError(f"{where}: the record is not written as parley writes "
                                     "it (edited)")
    return rec


# --------------------------------------------------------------- manifest identity

#: what identifies a run/compare job: its digest is written when the batch starts and
#: checked by --resume and `parley verify` (status, progress and timings are not in it)
IDENTITY_FIELDS = ("kind", "master_seed", "requested_runs", "chunk", "precision", "max_runs",
                   "reference", "scenarios", "parameter_uncertainty", "versions", "git_commit",
                   "paths")


def manifest_identity(manifest: dict[str, Any]) -> dict[str, Any]:
    """The identity digest of a new job's manifest: one sha256 per identity field present
    (``identity_fields``) and one over those (``identity_sha256``)."""
    digests = {name: sha256_of(manifest[name]) for name in IDENTITY_FIELDS if name in manifest}
    return {"identity_fields": digests, "identity_sha256": sha256_of(digests)}


def check_identity(manifest: dict[str, Any], where: str) -> None:
    """Recompute a manifest's identity digest from its fields; ResultsFolderError naming
    the field that differs (or saying the manifest was edited).  A manifest from before
    identity digests (no ``identity_sha256``) passes."""
    if "identity_sha256" not in manifest and "identity_fields" not in manifest:
        return
    recorded = manifest.get("identity_fields")
    if not isinstance(recorded, dict) or not _is_digest(manifest.get("identity_sha256")):
        raise ResultsFolderError(f"{where}: the identity digest is damaged (the manifest was "
                                 "edited)")
    for name in IDENTITY_FIELDS:
        if name in recorded and name not in manifest:
            raise ResultsFolderError(f"{where}: field '{name}' was removed since the job "
                                     "began (the manifest was edited)")
        if name in manifest and name not in recorded:
            raise ResultsFolderError(f"{where}: field '{name}' was added since the job began "
                                     "(the manifest was edited)")
        if name in manifest and sha256_of(manifest[name]) != recorded[name]:
            raise ResultsFolderError(f"{where}: field '{name}' differs from the job as it "
                                     "began (identity_sha256; the manifest was edited)")
    if set(recorded) - set(IDENTITY_FIELDS) or sha256_of(recorded) != manifest["identity_sha256"]:
        raise ResultsFolderError(f"{where}: the identity digest does not match (the manifest "
                                 "was edited)")
