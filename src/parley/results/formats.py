"""Parquet copies of a results folder's tables (``--format parquet``).

``runs.parquet`` (and, for a sweep, ``points.parquet``) is a *derived* file: it is
written once, after a batch or sweep has completed, from the finished ``runs.csv``
(``points.csv``), by :func:`write_parquet`.  The CSV stays the source of truth: the
chunk log's offsets and checksums describe it, ``--resume`` recovers and extends it, and
``parley verify`` checks it; nothing reads the Parquet file back, and none of them looks
at it.  A Parquet file can be deleted and rewritten from the CSV at any time, with the
same content.

The Parquet file has explicit column types, chosen by column name from the CSV header
(see :func:`column_type`): the identifiers (``point``, ``draw``, ``run``, ``seed``), the
yes/no outcomes, the counts, ``first_talks_month`` and ``runs`` are int64; the
scenario name and ``final_talks_state`` are strings; every other column (final levels,
shares, means, interval bounds, a sweep's parameter values) is float64.  An empty field
(``first_talks_month`` of a world where talks never resumed) is null; ``nan`` in a float
column stays NaN.  The CSV is read in blocks of whole lines and each block is parsed and
written (one row group) before the next is read, so memory stays flat for millions of
rows (measured: the same peak for 2 and 4 million rows); the file is written to a
temporary file in the same folder and moved into place (``os.replace``), so a reader sees
no file or a whole one.

pyarrow is imported inside the functions: it is the optional ``parquet`` extra.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from parley.errors import MissingExtraError, ResultsContentError, ResultsFolderError
from parley.outcomes import BINARY_OUTCOMES, COUNT_OUTCOMES, DRAW, FINAL_STATE, FIRST_TALKS

FORMATS = ("csv", "parquet")
#: the Parquet file written beside each CSV file with ``--format parquet``
PARQUET_NAMES = {"runs.csv": "runs.parquet", "points.csv": "points.parquet"}

_INT_COLUMNS = frozenset({"point", DRAW, "run", "seed", "runs", FIRST_TALKS,
                          *BINARY_OUTCOMES, *COUNT_OUTCOMES})
_STRING_COLUMNS = frozenset({"scenario", FINAL_STATE})
if TYPE_CHECKING:  # numpy loads with the paths functions, not with `parley --help`
    import numpy as np

_BLOCK_BYTES = 16 * 2**20  # CSV bytes per block read and written (one row group each)
_MAX_HEADER = 2**20


def column_type(name: str) -> str:
    """The Parquet type of a column of runs.csv or points.csv: int64, string or float64."""
    if name in _INT_COLUMNS:
        return "int64"
    if name in _STRING_COLUMNS:
        return "string"
    return "float64"


def require_pyarrow(what: str) -> None:
    """MissingExtraError naming ``what`` unless pyarrow (the parquet extra) can be imported;
    called before a job starts, so that a missing extra costs no simulation."""
    try:
        import pyarrow
        import pyarrow.csv
        import pyarrow.parquet  # noqa: F401
    except ImportError:
        raise MissingExtraError(what, "parquet") from None


def write_parquet(csv_path: str | os.PathLike[str], parquet_path: str | os.PathLike[str]
                  ) -> int:
    """Convert a finished runs.csv or points.csv to Parquet; return the number of rows.

    Streamed block by block and written atomically (see the module docstring).  A CSV
    that cannot be read, or a field that is not of its column's type, is one
    :class:`ResultsContentError`; a failed write leaves no file behind.
    """
    require_pyarrow("writing Parquet")
    import pyarrow as pa
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    from parley.results.store import atomic_open

    csv_path, parquet_path = Path(csv_path), Path(parquet_path)
    names = _header(csv_path)
    types = {"int64": pa.int64(), "string": pa.string(), "float64": pa.float64()}
    schema = pa.schema([pa.field(n, types[column_type(n)], nullable=True) for n in names])
    convert = pacsv.ConvertOptions(column_types=dict(zip(names, schema.types, strict=True)),
                                   null_values=[""], strings_can_be_null=False,
                                   quoted_strings_can_be_null=False)
    rows = 0
    try:
        with atomic_open(parquet_path) as fh, pq.ParquetWriter(
                fh, schema, compression="zstd") as writer:
            for block in _blocks(csv_path):
                table = pacsv.read_csv(pa.BufferReader(block), convert_options=convert)
                writer.write_table(table)
                rows += table.num_rows
    except pa.ArrowInvalid as exc:
        raise ResultsContentError(f"{csv_path}: cannot be written as Parquet "
                                  f"({_first_line(exc)})") from None
    except OSError as exc:
        raise ResultsFolderError(f"{parquet_path}: cannot write ({exc.strerror or exc})"
                                 ) from None
    return rows


def record_format(folder: Path, manifest: dict[str, Any], fmt: str, new_job: bool) -> None:
    """Keep the job's table format in its manifest (``format``; absent means csv) and, for a
    new parquet job, in its replay command; written at once, so that ``--resume`` of an
    interrupted job writes the same files."""
    from parley.results.manifest import write_manifest

    if new_job and fmt != "csv" and isinstance(manifest.get("command"), str):
        manifest["command"] += f" --format {fmt}"
    manifest["format"] = fmt
    write_manifest(folder, manifest)


def write_parquet_beside(folder: Path, csv_names: tuple[str, ...] = ("runs.csv",)
                         ) -> list[Path]:
    """Write the Parquet copy of each of ``csv_names`` present in ``folder``; the paths
    written, in order."""
    written = []
    for name in csv_names:
        if (folder / name).is_file():
            target = folder / PARQUET_NAMES[name]
            write_parquet(folder / name, target)
            written.append(target)
    return written


def _blocks(path: Path) -> Iterator[bytes]:
    """The CSV in blocks of about _BLOCK_BYTES of whole lines, each behind the header line.

    Read here rather than by pyarrow's streaming reader, whose read-ahead grows with the
    file when the writer is slower than the parser; one record per line, as parley writes
    its CSV files."""
    with open(path, "rb") as fh:
        header = fh.readline(_MAX_HEADER)
        rest = b""
        while data := fh.read(_BLOCK_BYTES):
            data = rest + data
            cut = data.rfind(b"\n") + 1
            if cut:
                yield header + data[:cut]
            rest = data[cut:]
        if rest:
            yield header + rest


def _header(path: Path) -> list[str]:
    try:
        with open(path, "rb") as fh:
            line = fh.readline(_MAX_HEADER)
    except OSError as exc:
        raise ResultsContentError(f"{path}: cannot read ({exc.strerror or exc})") from None
    names = line.decode("utf-8", "replace").rstrip("\r\n").split(",")
    if not line.endswith(b"\n") or not all(names) or len(set(names)) != len(names):
        raise ResultsContentError(f"{path}: no CSV header line of distinct column names")
    return names


def _first_line(exc: Any) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


# ------------------------------------------------------------ monthly paths (--paths)

#: the chunk-by-chunk file of monthly paths of a batch run with ``--paths``: appended in
#: task order, each chunk's bytes logged (offsets, sha256) in its record of chunks.jsonl
#: under ``paths``, like runs.csv's; ``paths.parquet`` is written from it at the end
PATHS_LOG = "run_paths.bin"
PATHS_LOG_HEADER = "parley-run-paths/1 run:i8 seed:u8 tension:f8 talks_state:i1 pressure:f8\n"
PATHS_PARQUET = "paths.parquet"
#: the columns of paths.parquet (``draw`` only in a batch with parameter draws)
PATHS_COLUMNS = ("scenario", DRAW, "run", "seed", "month", "tension", "talks_state",
                 "pressure")
_HEAD = [("months", "<u4"), ("n", "<u4")]  # the numpy record dtype of a scenario's head


def encode_paths(runs: np.ndarray, seeds: np.ndarray, arrays: dict[str, np.ndarray]) -> bytes:
    """One scenario's paths in a chunk as bytes: months and worlds (u4 each), then the run
    indices (i8), seeds (u8), and tension (f8), talks state (i1), pressure (f8), worlds x
    months, each little-endian and row-major."""
    import numpy as np
    tension = np.asarray(arrays["tension"], dtype="<f8")
    n, months = tension.shape if tension.ndim == 2 else (len(runs), 0)
    head = np.array([(months, n)], dtype=np.dtype(_HEAD))
    parts = (head, np.asarray(runs, dtype="<i8"), np.asarray(seeds, dtype="<u8"), tension,
             np.asarray(arrays["talks_state"], dtype="i1"),
             np.asarray(arrays["pressure"], dtype="<f8"))
    return b"".join(p.tobytes() for p in parts)


def decode_paths(data: bytes, count: int) -> list[dict[str, np.ndarray]]:
    """The ``count`` scenarios' paths of one chunk's bytes (the inverse of
    :func:`encode_paths`, concatenated); ResultsContentError if they do not parse."""
    import numpy as np

    head_type = np.dtype(_HEAD)
    out, at = [], 0
    try:
        for _ in range(count):
            head = np.frombuffer(data, head_type, 1, at)[0]
            months, n = int(head["months"]), int(head["n"])
            at += head_type.itemsize
            got = {}
            for name, dtype, size in (("run", "<i8", n), ("seed", "<u8", n),
                                      ("tension", "<f8", n * months),
                                      ("talks_state", "i1", n * months),
                                      ("pressure", "<f8", n * months)):
                got[name] = np.frombuffer(data, dtype, size, at)
                at += size * np.dtype(dtype).itemsize
            for name in ("tension", "talks_state", "pressure"):
                got[name] = got[name].reshape(n, months)
            out.append(got)
    except ValueError:
        raise ResultsContentError(f"{PATHS_LOG}: a chunk's paths do not parse") from None
    if at != len(data):
        raise ResultsContentError(f"{PATHS_LOG}: a chunk's paths have {len(data) - at} "
                                  "bytes too many")
    return out


def paths_columns(names: list[str], draw: int | None, decoded: list[dict[str, np.ndarray]],
                  states: tuple[str, ...]) -> dict[str, np.ndarray]:
    """One chunk's paths in long format (PATHS_COLUMNS; no ``draw`` when ``draw`` is None):
    per scenario in batch order, per world in run order, months 1..horizon."""
    import numpy as np

    cols: dict[str, list[np.ndarray]] = {c: [] for c in PATHS_COLUMNS}
    words = np.array(states, dtype=object)
    for name, got in zip(names, decoded, strict=True):
        n, months = got["tension"].shape
        cols["scenario"].append(np.full(n * months, name, dtype=object))
        cols[DRAW].append(np.full(n * months, -1 if draw is None else draw, dtype=np.int64))
        cols["run"].append(np.repeat(got["run"].astype(np.int64), months))
        cols["seed"].append(np.repeat(got["seed"].astype(np.int64), months))
        cols["month"].append(np.tile(np.arange(1, months + 1, dtype=np.int64), n))
        cols["tension"].append(got["tension"].astype(np.float64).ravel())
        cols["talks_state"].append(words[got["talks_state"].ravel().astype(np.int64)])
        cols["pressure"].append(got["pressure"].astype(np.float64).ravel())
    joined = {c: np.concatenate(v) if v else np.zeros(0) for c, v in cols.items()}
    if draw is None:
        del joined[DRAW]
    return joined


def write_paths_parquet(chunks: Iterable[dict[str, np.ndarray]], parquet_path: Path,
                        with_draw: bool) -> int:
    """paths.parquet from the long-format columns of each chunk in task order (one row group
    each, so memory is one chunk's); written atomically; the number of rows."""
    require_pyarrow("writing paths.parquet")
    import pyarrow as pa
    import pyarrow.parquet as pq

    from parley.results.store import atomic_open

    types = {"scenario": pa.string(), DRAW: pa.int64(), "run": pa.int64(),
             "seed": pa.int64(), "month": pa.int64(), "tension": pa.float64(),
             "talks_state": pa.string(), "pressure": pa.float64()}
    names = [c for c in PATHS_COLUMNS if with_draw or c != DRAW]
    schema = pa.schema([pa.field(c, types[c], nullable=False) for c in names])
    rows = 0
    try:
        with atomic_open(parquet_path) as fh, pq.ParquetWriter(
                fh, schema, compression="zstd") as writer:
            for cols in chunks:
                table = pa.table({c: pa.array(cols[c], type=types[c]) for c in names},
                                 schema=schema)
                writer.write_table(table)
                rows += table.num_rows
    except OSError as exc:
        raise ResultsFolderError(f"{parquet_path}: cannot write ({exc.strerror or exc})"
                                 ) from None
    return rows


def batch_paths(folder: Path, manifest: dict[str, Any], records: list[dict[str, Any]],
                states: tuple[str, ...]) -> Iterator[dict[str, np.ndarray]]:
    """Each chunk's paths of a batch run with ``--paths``, in long format and task order,
    read from the paths log where its record says they lie (checksums checked)."""
    import hashlib

    names = [sc["name"] for sc in manifest["scenarios"]]
    path = folder / PATHS_LOG
    with open(path, "rb") as fh:
        for rec in records:
            where = rec["paths"]
            fh.seek(where["offset_start"])
            data = fh.read(where["offset_end"] - where["offset_start"])
            if hashlib.sha256(data).hexdigest() != where["sha256"]:
                raise ResultsFolderError(f"{path}: the paths of chunk {rec['seq']} do not "
                                         "match their checksum in chunks.jsonl (corrupted)")
            yield paths_columns(names, rec.get(DRAW), decode_paths(data, len(names)), states)


def path_rows(worlds: int, horizons: Iterable[int]) -> int:
    """Rows of paths.parquet for ``worlds`` runs of each scenario (one a month)."""
    return worlds * sum(horizons)
