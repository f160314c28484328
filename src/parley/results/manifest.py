"""``manifest.json``: what a results folder records about how it was made, and its lifecycle.

One lifecycle for every kind of job (run, compare, hindcast, sweep):
:func:`new_manifest` (status ``running``), :func:`read_manifest` +
:func:`resume_manifest` for ``--resume``, :func:`close_manifest`
(``complete`` or ``interrupted``).
"""

from __future__ import annotations

import datetime as dt
import platform
import subprocess
from pathlib import Path
from typing import Any

from parley.errors import ResultsFolderError
from parley.installed import installed_version
from parley.results.store import atomic_write_json

MANIFEST = "manifest.json"
# what a results folder holds; a new job refuses a folder holding any of them
RESULT_FILES = (MANIFEST, "chunks.jsonl", "runs.csv", "paths.bin", "points.csv", "summary.json",
                "comparison.csv", "hindcast.json", "sweep.json", "sensitivity.json",
                "boxes.json", "report.html", "run_paths.bin", "paths.parquet")


def now() -> str:
    """The current UTC time, ISO 8601 to the second."""
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def git_commit() -> str | None:
    """The commit of the source tree parley runs from, when it is a git checkout."""
    root = Path(__file__).resolve().parents[3]
    try:
        out = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"],
                             capture_output=True, text=True, timeout=5, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return (out.stdout.strip() or None) if out.returncode == 0 else None


def versions(*extra: str) -> dict[str, str]:
    """Versions of parley, Mesa, numpy, Python and any ``extra`` distributions."""
    from parley import __version__

    # read from the installed distributions, so that a manifest does not import Mesa
    out = {"parley": __version__, "mesa": _version_of("mesa"), "numpy": _version_of("numpy"),
           "python": platform.python_version()}
    out.update({pkg: _version_of(pkg) for pkg in extra})
    return out


def _version_of(package: str) -> str:
    return installed_version(package) or "not installed"


def new_manifest(kind: str, command: str, master_seed: int, fields: dict[str, Any],
                 inputs: dict[str, Any], extra_versions: tuple[str, ...] = ()) -> dict[str, Any]:
    """A new job's manifest: how it was asked for (``fields``), what it read (``inputs``)."""
    return {"command": command, "kind": kind, "status": "running", "master_seed": master_seed,
            **fields, "started": now(), "finished": None, "git_commit": git_commit(),
            "versions": versions(*extra_versions), **inputs, "errors": []}


def refuse_used_folder(folder: Path) -> None:
    """Refuse to start a job in a folder that already holds results (ours or anyone's)."""
    if folder.exists() and not folder.is_dir():
        raise ResultsFolderError(f"--out {folder}: is a file, not a folder")
    used = [name for name in RESULT_FILES if (folder / name).exists()]
    if used:
        raise ResultsFolderError(f"--out {folder}: already holds results ({', '.join(used)}); "
                                 f"give a new --out, or --resume {folder}")


def write_manifest(folder: Path, manifest: dict[str, Any]) -> None:
    atomic_write_json(folder / MANIFEST, manifest)


def read_manifest(folder: Path, kinds: tuple[str, ...] | None = None) -> dict[str, Any]:
    """The manifest of a results folder to resume, validated (parley.results.load) and
    checked to be of one of ``kinds``."""
    from parley.results import load

    if not (folder / MANIFEST).is_file():
        raise ResultsFolderError(f"--resume {folder}: no {MANIFEST} there")
    return load.read_manifest(folder, kinds or load.JOB_KINDS)


def resume_manifest(manifest: dict[str, Any]) -> dict[str, Any]:
    """Mark a manifest read back for ``--resume`` as running again."""
    manifest["status"] = "running"
    manifest.setdefault("resumed", []).append(now())
    return manifest


def close_manifest(folder: Path | None, manifest: dict[str, Any], status: str,
                   errors: list[dict[str, Any]], runs: int) -> None:
    """Record how a job ended (``complete`` or ``interrupted``) and write the manifest."""
    manifest.update(status=status, finished=now(), errors=errors, runs=runs)
    if folder is not None:
        write_manifest(folder, manifest)
