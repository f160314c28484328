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
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from parley.errors import MissingExtraError, ResultsContentError, ResultsFolderError
from parley.outcomes import BINARY_OUTCOMES, COUNT_OUTCOMES, DRAW, FINAL_STATE, FIRST_TALKS

FORMATS = ("csv", "parquet")
#: the Parquet file written beside each CSV file with ``--format parquet``
PARQUET_NAMES = {"runs.csv": "runs.parquet", "points.csv": "points.parquet"}

_INT_COLUMNS = frozenset({"point", DRAW, "run", "seed", "runs", FIRST_TALKS,
                          *BINARY_OUTCOMES, *COUNT_OUTCOMES})
_STRING_COLUMNS = frozenset({"scenario", FINAL_STATE})
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
