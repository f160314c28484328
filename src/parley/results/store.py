"""The results folder on disk: crash-safe appends, atomic JSON, resumable state.

``runs.csv`` grows by whole chunks, each written with a single ``write`` and
flushed to disk *before* its record (byte offset and additive aggregates) is
appended to ``chunks.jsonl``.  A chunk counts as done only once its record
exists; on resume ``runs.csv`` is cut back to the last recorded offset, so a
kill mid-write loses at most the chunk in flight and never duplicates runs.
``manifest.json`` and ``summary.json`` are replaced atomically.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, BinaryIO

from parley.errors import ResultsFolderError
from parley.outcomes import RUNS_HEADER


@contextmanager
def atomic_open(path: str | os.PathLike[str]) -> Iterator[BinaryIO]:
    """A temp file beside ``path`` for binary writing, moved onto ``path`` on success.

    Readers see the old or the new content, never a mix; the temp file is
    removed if writing fails.
    """
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        with open(tmp, "xb") as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def atomic_write_text(path: Path, text: str) -> None:
    """Write a text file atomically (see :func:`atomic_open`)."""
    with atomic_open(path) as fh:
        fh.write(text.encode("utf-8"))


def atomic_write_json(path: Path, data: Any) -> None:
    atomic_write_text(path, json.dumps(data, indent=1, sort_keys=False) + "\n")


def append_durably(path: Path, data: bytes) -> int:
    """Append ``data`` to ``path`` and make it durable; the file's new size."""
    fd = os.open(path, os.O_WRONLY | os.O_APPEND)
    try:
        os.write(fd, data)
        os.fsync(fd)
        return os.fstat(fd).st_size
    finally:
        os.close(fd)


class ResultsStore:
    """Appends chunks to ``runs.csv`` + ``chunks.jsonl`` in one results folder."""

    def __init__(self, folder: Path, header: str = RUNS_HEADER, runs_name: str = "runs.csv"):
        self.folder = folder
        self.runs_path = folder / runs_name
        self.log_path = folder / "chunks.jsonl"
        self.header = header

    def start(self) -> None:
        """Begin a new batch in an empty (or new) folder."""
        self.folder.mkdir(parents=True, exist_ok=True)
        if self.log_path.exists() or self.runs_path.exists():
            raise ResultsFolderError(f"--out {self.folder}: the folder already holds results; "
                                     "give a new --out, or --resume it")
        self.runs_path.write_text(self.header, encoding="utf-8")
        self.log_path.write_text("", encoding="utf-8")

    def recover(self) -> list[dict[str, Any]]:
        """Records of the completed chunks; cut any half-written tail off both files."""
        records: list[dict[str, Any]] = []
        good_bytes = 0
        raw = self.log_path.read_bytes() if self.log_path.exists() else b""
        for line in raw.splitlines(keepends=True):
            if not line.endswith(b"\n"):
                break
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError:
                break
            good_bytes += len(line)
        with open(self.log_path, "r+b") as fh:
            fh.truncate(good_bytes)
        end = records[-1]["offset_end"] if records else len(self.header.encode())
        if not self.runs_path.exists():
            raise ResultsFolderError(f"--resume {self.folder}: {self.runs_path.name} is missing, "
                                     "so this is not a resumable batch")
        with open(self.runs_path, "r+b") as fh:
            fh.truncate(end)
        return records

    def append(self, rows: bytes, record: dict[str, Any]) -> None:
        """Append one chunk's rows, make them durable, then log the chunk as done."""
        fd = os.open(self.runs_path, os.O_WRONLY | os.O_APPEND)
        try:
            os.write(fd, rows)
            os.fsync(fd)
            end = os.fstat(fd).st_size
        finally:
            os.close(fd)
        line = json.dumps({**record, "offset_end": end}, separators=(",", ":")) + "\n"
        with open(self.log_path, "a", encoding="utf-8") as fh:
            fh.write(line)
            fh.flush()
            os.fsync(fh.fileno())
