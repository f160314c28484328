"""The results folder on disk: verified appends, atomic JSON, an exclusive lock.

``runs.csv`` grows by whole chunks.  Each chunk's rows are written completely
(a short write is continued, a full disk is an error) and flushed to disk
*before* its record is appended to ``chunks.jsonl``; the record carries where
the rows lie (``offset_start``, ``offset_end``, ``bytes``), their
``sha256``, and ``record_sha256``, a checksum of the record's own other fields.
A chunk counts as done only once its record exists.  A failed write is rolled
back in both files and is never logged.

On resume, every record is checked (its own checksum, its place in the sequence)
and against ``runs.csv`` (header, sizes and checksums) *before* anything is
changed; when they disagree the resume stops with one :class:`ResultsFolderError`
and leaves both files as they were.  When they agree, the half-written tail (a
kill mid-chunk) is cut off.  :meth:`ResultsStore.check` runs the same checks
read-only, without the lock (``parley verify``).

A writer holds an exclusive ``flock`` on ``.lock`` in the folder from
``start``/``recover`` until it closes the store or its process ends (the
kernel releases it even after SIGKILL, so a stale lock never blocks).
``manifest.json`` and ``summary.json`` are replaced atomically.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import tempfile
import uuid
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, BinaryIO, NamedTuple

from parley.outcomes import RUNS_HEADER
from parley.results.load import (
    BATCH_RECORD_FIELDS,
    RECORD_CHECKSUM,
    ResultsFolderError,
    parse_chunk_record,
    record_checksum,
    record_line,
)

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: no advisory locks
    fcntl = None  # type: ignore[assignment]

__all__ = ["RUNS_HEADER", "Parked", "ResultsFolderError", "ResultsStore", "Spill", "atomic_open",
           "atomic_write_json", "atomic_write_text", "cut_file", "write_all"]

LOCK_NAME = ".lock"
_FULL = (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC))
_HASH_BLOCK = 2**20
_COPY_BLOCK = 2**20  # bytes of parked rows copied at a time


def _write_error(path: Path, exc: OSError, what: str) -> ResultsFolderError:
    if exc.errno in _FULL:
        return ResultsFolderError(f"{path}: disk full or quota exceeded while writing {what}; "
                                  "it was not recorded: free space, then --resume")
    return ResultsFolderError(f"{path}: cannot write {what} ({exc.strerror or exc})")


def write_all(fd: int, data: bytes, offset: int | None = None) -> None:
    """Write every byte of ``data`` to ``fd`` (at ``offset`` when given, else at its
    position), continuing short writes.

    A write that makes no progress raises ``OSError(ENOSPC)``: the disk is full.
    """
    view = memoryview(data)
    while view:
        written = (os.write(fd, view) if offset is None
                   else os.pwrite(fd, view, offset + len(data) - len(view)))
        if written <= 0:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        view = view[written:]


class Parked(NamedTuple):
    """Rows set aside in a :class:`Spill` file: where they lie, and their checksum (taken
    while they were in memory, so writing them out never reads them whole)."""

    fd: int
    offset: int
    size: int
    sha256: str

    def __len__(self) -> int:
        return self.size


class Spill:
    """An unnamed temporary file in a results folder for rows that wait their turn.

    A batch's writer parks the rows of results that arrived before the ones they follow
    (:meth:`park`), so this process holds at most the results just received, whatever the
    run count; :func:`append_durably` copies them out in pieces of ``_COPY_BLOCK`` bytes.
    The file has no name (``O_TMPFILE`` where the system has it), so nothing is left in
    the folder even after a kill; :meth:`empty` cuts it back once nothing waits, so the
    kernel mostly drops its pages before they reach the disk.
    """

    def __init__(self, folder: Path):
        try:
            self.fd = os.open(folder, os.O_TMPFILE | os.O_RDWR, 0o600)
        except (AttributeError, OSError):  # no O_TMPFILE here: a named file, unlinked at once
            self.fd, name = tempfile.mkstemp(dir=folder, prefix=".spill-")
            os.unlink(name)
        self.end = 0
        self.parked = 0  # rows parked and not yet written out

    def park(self, rows: bytes) -> Parked:
        """Rows written to the end of the file (OSError if they cannot be: nothing parked)."""
        at = self.end
        write_all(self.fd, rows, at)  # on OSError the next rows go where these would have
        self.end += len(rows)
        self.parked += 1
        return Parked(self.fd, at, len(rows), hashlib.sha256(rows).hexdigest())

    def taken(self, count: int) -> None:
        """``count`` parked rows were written out; once none waits, the file is emptied."""
        self.parked -= count
        if not self.parked and self.end:
            os.ftruncate(self.fd, 0)
            self.end = 0

    def close(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1

    def __enter__(self) -> Spill:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


Rows = bytes | Parked


def _copy_parked(fd: int, part: Parked) -> None:
    at, left = part.offset, part.size
    while left:
        block = os.pread(part.fd, min(left, _COPY_BLOCK), at)
        if not block:
            raise OSError(errno.EIO, "the spill file is shorter than its parked rows")
        write_all(fd, block)
        at += len(block)
        left -= len(block)


def rows_digest(rows: Rows) -> str:
    return rows.sha256 if isinstance(rows, Parked) else hashlib.sha256(rows).hexdigest()


def append_durably(path: Path, data: Rows | list[Rows], what: str) -> tuple[int, int]:
    """Append ``data`` (bytes, or a list of bytes written one after another: no joined
    copy of a group of chunks; rows :class:`Parked` in a spill file are copied from it in
    pieces) to ``path`` and fsync; return (start, end) offsets.

    On any failure the file is cut back to ``start`` and ResultsFolderError is raised.
    """
    parts = data if isinstance(data, list) else [data]
    size = sum(map(len, parts))
    fd = os.open(path, os.O_WRONLY | os.O_APPEND)
    try:
        start = os.fstat(fd).st_size
        try:
            for part in parts:
                if isinstance(part, Parked):
                    _copy_parked(fd, part)
                else:
                    write_all(fd, part)
            os.fsync(fd)
            end = os.fstat(fd).st_size
            if end != start + size:
                raise OSError(errno.EIO, f"{end - start} of {size} bytes written")
        except OSError as exc:
            with contextlib.suppress(OSError):
                os.ftruncate(fd, start)
            raise _write_error(path, exc, what) from None
    finally:
        os.close(fd)
    return start, end


def cut_file(path: Path, end: int) -> None:
    """Truncate ``path`` to ``end`` bytes; refuse (never pad with NULs) if it is shorter."""
    size = path.stat().st_size
    if size < end:
        raise ResultsFolderError(f"{path}: {size:,} bytes, but the chunk log records "
                                 f"{end:,}: runs were lost; nothing was changed")
    with open(path, "r+b") as fh:
        fh.truncate(end)


@contextmanager
def atomic_open(path: str | os.PathLike[str]) -> Iterator[BinaryIO]:
    """A temp file beside ``path`` for binary writing, moved onto ``path`` on success.

    Readers see the old or the new content, never a mix; the temp file is
    removed if writing fails (a full disk included), leaving the old file intact.
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
    """Write a text file atomically (see :func:`atomic_open`); a full disk is one clear error."""
    try:
        with atomic_open(path) as fh:
            fh.write(text.encode("utf-8"))
    except OSError as exc:
        raise _write_error(Path(path), exc, Path(path).name) from None


def atomic_write_json(path: Path, data: Any) -> None:
    atomic_write_text(path, json.dumps(data, indent=1, sort_keys=False) + "\n")


class ResultsStore:
    """Appends chunks to ``runs.csv`` + ``chunks.jsonl`` in one results folder.

    ``fields`` are the record fields (besides ``seq`` and the offsets) whose
    types ``recover`` checks, so a wrongly shaped record is an error, not a crash.
    ``require_record_checksums``: every record must carry ``record_sha256`` (a folder
    begun since record checksums exist); otherwise records from before them pass, but
    once one record has a checksum every later one must.
    """

    def __init__(self, folder: Path, header: str = RUNS_HEADER, runs_name: str = "runs.csv",
                 fields: dict[str, Any] | None = None, require_record_checksums: bool = False):
        self.folder = folder
        self.runs_path = folder / runs_name
        self.log_path = folder / "chunks.jsonl"
        self.header = header
        self.fields = BATCH_RECORD_FIELDS if fields is None else fields
        self.require_record_checksums = require_record_checksums
        #: after check/recover: per record, the rows (lines) its byte range holds
        self.row_counts: list[int] = []
        #: after check/recover: bytes past the last complete record (log) and its rows
        self.log_tail = 0
        self.rows_tail = 0
        self._lock_fd: int | None = None
        self._release: weakref.finalize | None = None

    # ------------------------------------------------------------- locking

    def lock(self) -> None:
        """Take the folder's exclusive lock, or raise ResultsFolderError if another holds it."""
        if self._lock_fd is not None or fcntl is None:
            return
        path = self.folder / LOCK_NAME
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
            os.close(fd)
            if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                who = f" (pid {holder})" if holder.isdigit() else ""
                raise ResultsFolderError(f"{self.folder}: another parley process{who} is "
                                         "writing this folder; wait for it to end") from None
            raise ResultsFolderError(f"{path}: cannot lock ({exc.strerror})") from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        self._lock_fd = fd
        self._release = weakref.finalize(self, os.close, fd)

    def close(self) -> None:
        """Release the lock (also done when the store is collected or the process ends)."""
        if self._release is not None:
            self._release()
        self._lock_fd = None
        self._release = None

    # ------------------------------------------------------------ writing

    def start(self) -> None:
        """Begin a new batch in an empty (or new) folder, holding its lock."""
        self.folder.mkdir(parents=True, exist_ok=True)
        self.lock()
        if self.log_path.exists() or self.runs_path.exists():
            raise ResultsFolderError(f"--out {self.folder}: the folder already holds results; "
                                     "give a new --out, or --resume it")
        try:
            for path, text in ((self.runs_path, self.header), (self.log_path, "")):
                with open(path, "xb") as fh:
                    fh.write(text.encode("utf-8"))
                    fh.flush()
                    os.fsync(fh.fileno())
        except OSError as exc:
            self.runs_path.unlink(missing_ok=True)
            self.log_path.unlink(missing_ok=True)
            raise _write_error(self.folder, exc, "the new results files") from None

    def append(self, rows: bytes, record: dict[str, Any]) -> dict[str, Any]:
        """Append one chunk's rows, make them durable, then log the chunk as done.

        A short write or a full disk rolls both files back and raises
        ResultsFolderError: a chunk is logged only when all its bytes are on disk.
        Returns the record as logged (with where its rows lie and their checksum).
        """
        return self.append_many([(rows, record)])[0]

    def append_many(self, chunks: list[tuple[Rows, dict[str, Any]]]) -> list[dict[str, Any]]:
        """:meth:`append` for several chunks at once, in order: every chunk's rows made
        durable in one write, then their records in one (two fsyncs, not two a chunk).
        A chunk's rows may be :class:`Parked` in a :class:`Spill` (copied from it).

        The files hold what appending them one by one would give, byte for byte; a
        failure rolls both files back to before the first chunk.
        """
        if not chunks:
            return []
        what = (f"chunk {chunks[0][1].get('seq')}" if len(chunks) == 1 else
                f"chunks {chunks[0][1].get('seq')} to {chunks[-1][1].get('seq')}")
        start, _ = append_durably(self.runs_path, [rows for rows, _ in chunks], what)
        logged_all, lines, at = [], [], start
        for rows, record in chunks:
            logged = {k: v for k, v in record.items() if k != RECORD_CHECKSUM}
            logged.update(offset_start=at, offset_end=at + len(rows), bytes=len(rows),
                          sha256=rows_digest(rows))
            line = record_line(logged)
            logged = json.loads(line)  # as it will be read back (the same JSON text)
            logged[RECORD_CHECKSUM] = record_checksum(logged)
            # record_line(logged), without writing the whole record out a second time
            lines.append(line[:-2] + b',"' + RECORD_CHECKSUM.encode() + b'":"'
                         + logged[RECORD_CHECKSUM].encode() + b'"}\n')
            logged_all.append(logged)
            at += len(rows)
        try:
            append_durably(self.log_path, b"".join(lines),
                           f"the record{'s' * (len(chunks) > 1)} of {what}")
        except ResultsFolderError:
            cut_file(self.runs_path, start)
            raise
        return logged_all

    # ----------------------------------------------------------- resuming

    def recover_into(self, restore) -> None:
        """Verify the folder (:meth:`recover`) and hand its chunk records to ``restore``
        before anything is cut; records that do not fit the job (valid JSON of the wrong
        shape) are one error and leave the folder as it was."""
        self.recover(restore)

    def recover(self, restore=None) -> list[dict[str, Any]]:
        """Records of the completed chunks, verified against the rows file.

        Takes the lock; checks every record (and, given ``restore``, hands them to it)
        first and changes nothing if one disagrees; then cuts the half-written tail (after
        the last record) off both files.
        """
        self.lock()
        if not self.runs_path.is_file():
            raise ResultsFolderError(f"--resume {self.folder}: {self.runs_path.name} is "
                                     "missing, so this is not a resumable batch")
        if not self.log_path.is_file():
            raise ResultsFolderError(f"--resume {self.folder}: chunks.jsonl is missing, so "
                                     "this is not a resumable batch")
        records, good_bytes = self._check()
        if restore is not None:
            try:
                restore(records)
            except (KeyError, TypeError, ValueError, IndexError, AttributeError) as exc:
                raise ResultsFolderError(
                    f"{self.log_path}: a chunk record does not fit this job "
                    f"({type(exc).__name__}); the log is corrupted; nothing was changed"
                ) from None
        with open(self.log_path, "r+b") as fh:
            fh.truncate(good_bytes)
        end = records[-1]["offset_end"] if records else len(self.header.encode())
        cut_file(self.runs_path, end)
        return records

    def check(self) -> list[dict[str, Any]]:
        """The records of the completed chunks, verified against the rows file, read-only:
        no lock is taken and nothing is written or cut (``parley verify``).  Sets
        ``row_counts``, ``log_tail`` and ``rows_tail``."""
        for path in (self.runs_path, self.log_path):
            if not path.is_file():
                raise ResultsFolderError(f"{self.folder}: {path.name} is missing")
        return self._check()[0]

    def _check(self) -> tuple[list[dict[str, Any]], int]:
        records, good_bytes = self._read_log()
        self._verify_rows(records)
        return records, good_bytes

    def _read_log(self) -> tuple[list[dict[str, Any]], int]:
        raw = self.log_path.read_bytes()
        lines = raw.split(b"\n")
        records: list[dict[str, Any]] = []
        good_bytes = 0
        checksummed = self.require_record_checksums
        # the last piece has no newline: a record cut by a kill, dropped
        for number, line in enumerate(lines[:-1], 1):
            where = f"{self.log_path}: line {number}"
            rec = parse_chunk_record(line, where, self.fields)
            if rec["seq"] != len(records):
                raise ResultsFolderError(f"{where}: chunk {rec['seq']} where chunk "
                                         f"{len(records)} was expected (corrupted log)")
            if RECORD_CHECKSUM in rec:
                checksummed = True
            elif checksummed:  # records never lose their checksum once they have one
                raise ResultsFolderError(f"{where}: field '{RECORD_CHECKSUM}' is missing "
                                         "(the record was edited); nothing was changed")
            records.append(rec)
            good_bytes += len(line) + 1
        self.log_tail = len(raw) - good_bytes
        return records, good_bytes

    def _verify_rows(self, records: list[dict[str, Any]]) -> None:
        """Header, offsets, sizes and checksums of ``runs.csv`` against the records."""
        header = self.header.encode()
        size = self.runs_path.stat().st_size
        with open(self.runs_path, "rb") as fh:
            if fh.read(len(header)) != header:
                raise ResultsFolderError(f"{self.runs_path}: the header line is missing or "
                                         "damaged; nothing was changed")
            prev_end = len(header)
            self.row_counts = []
            for rec in records:
                where = f"{self.log_path}: chunk {rec['seq']}"
                start = rec.get("offset_start", prev_end)
                if start != prev_end or rec["offset_end"] < start or (
                        "bytes" in rec and rec["offset_end"] - start != rec["bytes"]):
                    raise ResultsFolderError(f"{where}: its offsets do not follow the previous "
                                             "chunk (corrupted log); nothing was changed")
                if rec["offset_end"] > size:
                    raise ResultsFolderError(
                        f"{self.runs_path}: {size:,} bytes, but the chunk log records "
                        f"{records[-1]['offset_end']:,}: runs were lost; nothing was changed")
                lines = _range_matches(fh, start, rec["offset_end"], rec.get("sha256"))
                if lines is None:
                    raise ResultsFolderError(
                        f"{self.runs_path}: the rows of chunk {rec['seq']} (bytes {start:,} to "
                        f"{rec['offset_end']:,}) do not match their checksum in chunks.jsonl "
                        "(corrupted); nothing was changed")
                self.row_counts.append(lines)
                prev_end = rec["offset_end"]
            self.rows_tail = size - prev_end


def _range_matches(fh: BinaryIO, start: int, end: int, sha256: str | None) -> int | None:
    """The number of lines in bytes ``start..end`` of ``fh`` if they hash to ``sha256``,
    else None.

    Records written before checksums existed have none: then whole lines without NULs.
    """
    fh.seek(start)
    digest = hashlib.sha256()
    last = b""
    lines = 0
    left = end - start
    while left > 0:
        block = fh.read(min(left, _HASH_BLOCK))
        if not block:
            return None
        if sha256 is None and b"\0" in block:
            return None
        digest.update(block)
        lines += block.count(b"\n")
        last = block
        left -= len(block)
    if sha256 is None:
        return lines if end == start or last.endswith(b"\n") else None
    return lines if digest.hexdigest() == sha256 else None
