"""Every default and limit of the commands and the Python API, declared once.

No imports: the CLI, the API, the engine and the docs read these names, so a
default is written in one place and a test can check that ``--help`` says it.
"""

#: the master seed of every command when none is given (the date the first texts were read)
SEED = 20201130
#: the run seed ``chronicle`` tells when none is given (a run seed, as in runs.csv's ``seed``
#: column, not a master seed)
CHRONICLE_SEED = 1

#: Monte Carlo worlds per scenario of ``run`` and ``compare`` (over every parameter draw)
RUNS = 20_000
#: parameter draws over the readings and assumptions, by default (0: the point run)
PARAMETER_DRAWS = 20
#: worlds per term of ``hindcast`` and ``forecast``
HINDCAST_RUNS = 2_000
#: worlds per design point of ``sweep``
RUNS_PER_POINT = 1_000
#: worlds per sample of ``drivers`` and of ``explain``
DRIVERS_RUNS = 2_000
EXPLAIN_RUNS = 4_000
#: sampled orders of ``explain`` when too many stances differ for exact Shapley
EXPLAIN_PERMUTATIONS = 64

#: worlds stepped together in one task (memory stays flat; results never depend on it)
CHUNK = 5_000
#: worlds one model steps at most when a batch task fuses parameter draws of a block
#: (the model's fixed cost a month is paid once for them; results never depend on it).
#: Fusing only blocks smaller than a chunk keeps a big batch's tasks as they were (same
#: models, same memory) and lifts small ones (the main job's 1,000 worlds a draw) to it.
FUSED_WORLDS = CHUNK
#: worlds one model steps at most when a big batch's task takes consecutive blocks of one
#: draw (engine.row_groups): the month's fixed cost is paid once for them (83,000 worlds
#: per CPU-second at 5,000 worlds a model, 108,000 at 20,000); the writer holds at most
#: MODEL_WORLDS // CHUNK rows of blocks of results.  Results never depend on it.
MODEL_WORLDS = 20_000
#: ... and at most this many chunk rows, so a small --chunk still writes (and stops on
#: Ctrl-C) every few chunks
ROWS_PER_TASK = 4
#: chunks a batch's writer makes durable together at most (two fsyncs each time): a group
#: of chunk rows that becomes ready at once (80 chunks at 20 draws) is written this many
#: chunks at a time, so their records (19 kB of JSON each, several times that as Python
#: objects) are never all built at once (main process at 1,000,000 runs: 79 MB peak at
#: 80, 72 at 20, 69 at 8, 68 at 4; benchmarks/PROFILE.md).  Results never depend on it.
WRITE_BLOCKS = 8
#: runs per scenario (or hindcast term) at most that the CLI runs in its own process when
#: --jobs and --executor are not given: a worker's start (about 1 s: Mesa, pandas, scipy)
#: would cost more than it saves.  Results never depend on it.
SERIAL_RUNS = 2_000
#: runs per scenario a batch may reach, with or without a precision target
MAX_RUNS = 10_000_000
#: the cap on runs a precision target may raise a batch to, unless ``max_runs`` is given
PRECISION_MAX_RUNS = 200_000
#: parameter draws of one batch, at most
MAX_DRAWS = 10_000
#: worlds per term of a hindcast or forecast, at most (every path is kept: 96 bytes a
#: world and term, so 200,000 worlds x 9 terms is about 170 MB)
MAX_HINDCAST_RUNS = 200_000
#: rows of ``paths.parquet`` (``--paths``: one per world, scenario and month) a batch may
#: write, at most: about 20 bytes a row on disk, so some 100 MB
MAX_PATH_ROWS = 5_000_000
#: a sweep's budget, checked before any work (``--samples`` or a sweep file's ``samples``,
#: the design's points, and its worlds: points x runs per point; runs per point are at most
#: MAX_RUNS)
MAX_SWEEP_SAMPLES = 1_000_000
MAX_SWEEP_POINTS = 1_000_000
MAX_SWEEP_WORLDS = 1_000_000_000
#: chunk tasks of one sweep, at most (each is a record in chunks.jsonl)
MAX_SWEEP_TASKS = 1_000_000
#: chunk tasks of one run or compare (blocks x parameter draws), at most
MAX_BATCH_TASKS = 1_000_000
#: bytes of a posterior file (``--posterior``) read, at most: 100,000 particles of a few
#: dozen values are some 40 MB of JSON
MAX_POSTERIOR_BYTES = 64 * 2**20
#: worlds per sample of ``drivers`` and ``explain`` (and worlds per envelope point), at
#: most: every world's streams are kept, about 5.5 kB a world, so 100,000 worlds is some
#: 550 MB (10^6 kept 5.5 GB)
MAX_ATTRIBUTION_RUNS = 100_000
#: sampled orders of ``explain``, at most
MAX_PERMUTATIONS = 10_000
#: envelope points per sample of ``drivers``, at most
MAX_ENVELOPE_SAMPLES = 1_000_000
#: envelope points x worlds per point of one ``drivers`` sample (each design row runs
#: about one column per value on them, so some 10^9 worlds at this bound), at most
MAX_ENVELOPE_DESIGN = 10_000_000
#: simulated histories per period of the plain ``calibrate``, at most
MAX_CALIBRATION_SIMS = 1_000_000
#: error lines ``parley validate`` prints, at most (then a count of the rest)
MAX_VALIDATE_LINES = 50
#: ``calibrate --dynamics`` bounds: particles, generations, worlds per term (its workers
#: are bounded as every command's ``--jobs``: ``experiments.executors.max_jobs``)
MAX_PARTICLES = 100_000
MAX_GENERATIONS = 100
MAX_CALIBRATION_WORLDS = 100_000

#: how tasks are run: in worker processes on this machine, on a Dask cluster, or in process
EXECUTORS = ("local", "dask", "serial")
EXECUTOR = "local"

#: the largest run or master seed (numpy's SeedSequence and the runs.csv seed column take
#: 0 to this), and the range as every error message says it
SEED_MAX = 2**63 - 1
SEED_RANGE = "[0, 2**63)"


def is_seed(value: object) -> bool:
    """Whether ``value`` is a seed: a whole number (not a bool) from 0 to SEED_MAX."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= SEED_MAX
