"""Parameter sweeps: every combination of some knobs, run in parallel, in one tidy table.

A *grid* maps knob names to lists of values; :func:`expand_grid` turns it
into one :class:`~collapse.scenario.Scenario` per combination, and
:func:`sweep` runs them all (serially, on local cores with joblib, or on a
Dask cluster) into one tidy frame and, optionally, one Parquet file:

>>> import collapse
>>> results = collapse.sweep({"synthetic_fraction": [0, 0.5, 1], "sample_size": [10, 100]},
...                          base={"generations": 50, "replicates": 100}, seed=0)  # doctest: +SKIP

Reproducibility follows NumPy's SPEC 7: the sweep has one seed, and each
scenario's seed is derived from it and from the scenario's other knobs
(:func:`scenario_seed`), never from its position in the grid or from the
worker that runs it. So the numbers do not depend on the backend, the number
of workers, the order of the grid, or on which scenarios an earlier,
interrupted run had already finished.

The Parquet output is written incrementally and is crash-safe: each finished
scenario is first written as its own small file in ``OUTPUT.parts/``, and the
parts are merged into ``OUTPUT`` (atomically replaced) when the sweep ends,
fails or is interrupted. Re-running the same sweep skips the scenarios
already in ``OUTPUT`` (or left in ``OUTPUT.parts/`` by a killed run). The
file's metadata records the sweep seed, the fixed knobs and the varied
knobs, and a run that does not match them is refused rather than mixed in.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import difflib
import hashlib
import itertools
import json
import logging
import operator
import os
import signal
import sys
import time
import tomllib
import uuid
import warnings
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from .runner import run
from .scenario import KNOBS, Scenario, ScenarioError, format_value, parse_value

__all__ = [
    "BACKENDS",
    "QUANTILES",
    "add_sweep_arguments",
    "expand_grid",
    "read_grid_toml",
    "scenario_id",
    "scenario_seed",
    "summarize",
    "sweep",
    "sweep_command",
]

#: Where the scenarios run: one process, local cores (joblib/loky) or a Dask cluster.
BACKENDS = ("joblib", "dask", "serial")
#: Summary statistics of each metric over replicates: column suffix -> quantile.
QUANTILES = {"median": 0.5, "q10": 0.1, "q90": 0.9}
#: Worlds that need the user's own data, which a sweep does not take.
_DATA_WORLDS = ("custom", "custom_text")
#: Key of the sweep's description in the Parquet file's metadata.
_METADATA_KEY = b"collapse.sweep"
#: Bumped when the file layout changes, so old files are refused, not misread.
_FORMAT_VERSION = 1
#: Columns every result table has besides the varied knobs and the metrics.
_ID_COLUMNS = ("seed", "scenario_id")


# -- grids ------------------------------------------------------------------------
def _check_knob_names(names, where: str) -> None:
    """Raise ScenarioError naming the first unknown knob (and the likeliest meant one)."""
    for name in names:
        if name not in KNOBS:
            close = difflib.get_close_matches(str(name), KNOBS, n=1)
            hint = f" (did you mean {close[0]}?)" if close else ""
            raise ScenarioError(f"unknown knob {name!r} in {where}{hint}")


def _field_defaults() -> dict[str, Any]:
    """Every knob's default, read from the dataclass (no Scenario is built)."""
    defaults = {}
    for field in dataclasses.fields(Scenario):
        if field.default is not dataclasses.MISSING:
            defaults[field.name] = field.default
        elif field.default_factory is not dataclasses.MISSING:
            defaults[field.name] = field.default_factory()
    return defaults


def _base_values(base: Scenario | Mapping | None) -> dict[str, Any]:
    """The fixed knobs as checked values: every knob, defaults filled in."""
    if base is None:
        return _field_defaults()
    if isinstance(base, Scenario):
        return base.to_dict()
    if not isinstance(base, Mapping):
        raise TypeError(f"base must be a Scenario, a mapping of knobs or None, not {type(base).__name__}")
    _check_knob_names(base, "the base")
    values = _field_defaults()
    values.update({name: parse_value(name, value) for name, value in base.items()})
    return values


def _axis_values(name: str, values: Any) -> list[Any]:
    """One grid axis as checked, distinct values in the given order.

    A list, tuple, array or other iterable holds the axis's values; a string
    or a number is a single value. For a tuple knob each value is itself a tuple
    (``tail_thresholds = [[2, 3], [1, 4]]``).
    """
    if isinstance(values, (str, bytes, Mapping)) or not isinstance(values, Iterable):
        values = [values]
    checked = []
    for value in values:
        # parse_value reads CLI/TOML strings and checks numbers alike; a list is one tuple value
        value = parse_value(name, list(value) if isinstance(value, tuple) else value)
        if value not in checked:  # a value twice would be one scenario twice
            checked.append(value)
    if not checked:
        raise ScenarioError(f"{name} has no values in the grid")
    return checked


def _describe(knobs: Mapping[str, Any]) -> str:
    return ", ".join(f"{name}={format_value(value)}" for name, value in knobs.items())


def expand_grid(grid: Mapping[str, Sequence], base: Scenario | Mapping | None = None) -> list[Scenario]:
    """Every combination of the grid's values, as scenarios, in a stable order.

    Parameters
    ----------
    grid : mapping of str to sequence
        Knob name -> the values it takes. Values may be strings as typed on a
        command line (``"0.5"``) or Python values; a single non-list value is
        one value. The order is the grid's: the first knob varies slowest, the
        last fastest (as :func:`itertools.product`); repeated values count once.
    base : Scenario or mapping, optional
        The value of every knob not in the grid (default: the knobs' defaults).

    Returns
    -------
    list of Scenario
        One scenario per combination (their ``seed`` is the base's; see
        :func:`sweep` for the seed each one gets there).

    Raises
    ------
    ScenarioError
        If a knob is unknown, a value is out of range (the message names the
        knob), or a combination is not a valid scenario (the message names
        the combination).

    Examples
    --------
    >>> scenarios = expand_grid({"synthetic_fraction": ["0", "1"], "sample_size": [10, 100]},
    ...                         base={"generations": 5, "replicates": 2})
    >>> [(s.synthetic_fraction, s.sample_size) for s in scenarios]
    [(0.0, 10), (0.0, 100), (1.0, 10), (1.0, 100)]
    """
    if not isinstance(grid, Mapping):
        raise TypeError(f"grid must be a mapping of knob name to values, not {type(grid).__name__}")
    _check_knob_names(grid, "the grid")
    axes = {name: _axis_values(name, values) for name, values in grid.items()}
    base_values = _base_values(base)
    scenarios = []
    for combination in itertools.product(*axes.values()):
        knobs = dict(zip(axes, combination))
        try:
            scenarios.append(Scenario(**{**base_values, **knobs}))
        except ScenarioError as err:
            raise ScenarioError(f"{_describe(knobs) or 'the base scenario'}: {err}") from None
    return scenarios


# -- seeds and identities ---------------------------------------------------------
def _as_scenario(scenario: Scenario | Mapping) -> Scenario:
    return scenario if isinstance(scenario, Scenario) else Scenario(**_base_values(scenario))


def _knob_digest(scenario: Scenario) -> bytes:
    """SHA-256 of the canonical JSON of every knob but the seed.

    Canonical: sorted keys, no spaces, the checked values (floats as their
    shortest repr). Stable across processes, machines and Python versions,
    unlike the built-in ``hash``.
    """
    knobs = {name: value for name, value in scenario.to_dict().items() if name != "seed"}
    text = json.dumps(knobs, sort_keys=True, separators=(",", ":"), allow_nan=False)
    return hashlib.sha256(text.encode("utf-8")).digest()


def scenario_id(scenario: Scenario | Mapping) -> str:
    """A short stable key of a scenario's knobs other than its seed (16 hex digits).

    Sweep files identify their scenarios by it (column ``scenario_id``), so a
    resumed sweep can tell which ones are done.
    """
    return _knob_digest(_as_scenario(scenario)).hex()[:16]


def _check_sweep_seed(seed: Any) -> int:
    if isinstance(seed, bool):
        raise ScenarioError(f"the sweep's seed must be a whole number of at least 0; got {seed!r}")
    try:
        seed = operator.index(seed)
    except TypeError:
        raise ScenarioError(f"the sweep's seed must be a whole number of at least 0; got {seed!r}") from None
    if seed < 0:
        raise ScenarioError(f"the sweep's seed must be a whole number of at least 0; got {seed}")
    return seed


def scenario_seed(sweep_seed: int, scenario: Scenario | Mapping) -> int:
    """The seed a scenario runs with in a sweep: from the sweep's seed and the scenario's knobs.

    ``SeedSequence(entropy=sweep_seed, spawn_key=<the knobs' SHA-256 as eight
    32-bit words>)``, whose first 32-bit word is the scenario's seed. Two
    scenarios of one sweep get independent streams, as children spawned from
    one SeedSequence do (SPEC 7), and a scenario's seed does not depend on
    where it sits in the grid, on the other scenarios or on the worker.

    Parameters
    ----------
    sweep_seed : int
        The sweep's seed, at least 0.
    scenario : Scenario or mapping
        The scenario; its own ``seed`` is ignored.

    Returns
    -------
    int
        A seed from 0 to 2**32 - 1, the range of the ``seed`` knob.
    """
    words = np.frombuffer(_knob_digest(_as_scenario(scenario)), dtype="<u4")
    sequence = np.random.SeedSequence(entropy=_check_sweep_seed(sweep_seed), spawn_key=tuple(int(w) for w in words))
    return int(sequence.generate_state(1, dtype=np.uint32)[0])


# -- one scenario, in a worker ------------------------------------------------------
def summarize(results: pd.DataFrame) -> pd.DataFrame:
    """Per generation, the median and the 10 % and 90 % quantiles of every metric over replicates.

    Parameters
    ----------
    results : DataFrame
        A run's tidy results (``generation``, ``replicate`` and metrics).

    Returns
    -------
    DataFrame
        One row per generation: ``generation``, then ``<metric>_median``,
        ``<metric>_q10`` and ``<metric>_q90`` for every numeric metric
        (linear interpolation between replicates, as :func:`numpy.quantile`;
        missing values are left out).
    """
    metrics = [name for name in results.columns
               if name not in ("generation", "replicate") and pd.api.types.is_numeric_dtype(results[name])]
    generation = results["generation"].to_numpy()
    order = np.argsort(generation, kind="stable")
    generations, counts = np.unique(generation, return_counts=True)
    values = results[metrics].to_numpy(dtype=float)[order]
    levels = list(QUANTILES.values())
    if np.all(counts == counts[0]):  # as run() gives: every generation has every replicate
        blocks = [values.reshape(len(generations), counts[0], len(metrics))]
    else:
        blocks = [block[None] for block in np.split(values, np.cumsum(counts)[:-1])]
    parts = []
    for block in blocks:  # (generations, replicates, metrics)
        if np.isnan(block).any():
            with warnings.catch_warnings():  # a metric undefined in every replicate stays NaN, quietly
                warnings.simplefilter("ignore", RuntimeWarning)
                parts.append(np.nanquantile(block, levels, axis=1))
        else:  # nanquantile is ~20x slower
            parts.append(np.quantile(block, levels, axis=1))
    statistics = np.concatenate(parts, axis=1).transpose(1, 0, 2)  # (generations, statistics, metrics)
    columns = {f"{metric}_{suffix}": statistics[:, i, j]
               for j, metric in enumerate(metrics) for i, suffix in enumerate(QUANTILES)}
    return pd.DataFrame({"generation": generations, **columns})


_BLAS_LIMITED_FOR_GOOD = False


def _limit_blas_threads_in_worker() -> None:
    """One BLAS thread for the rest of this worker process.

    Workers already share the cores between them; several BLAS threads each
    would oversubscribe them, and a BLAS result can depend on its thread
    count, which would break "same numbers on every backend".
    """
    global _BLAS_LIMITED_FOR_GOOD
    if _BLAS_LIMITED_FOR_GOOD:
        return
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # scikit-learn brings it; loky's environment variables still apply
        return
    threadpool_limits(limits=1)  # not a context: it stays for the process
    _BLAS_LIMITED_FOR_GOOD = True


def _single_blas_thread_here():
    """A context with one BLAS thread in this process (restored afterwards)."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return contextlib.nullcontext()
    return threadpool_limits(limits=1)


def _knob_column(name: str, value: Any, rows: int) -> pa.Array:
    if isinstance(value, tuple):  # a tuple knob is stored as typed on the CLI: "2,3"
        value = format_value(value)
    if isinstance(value, str):
        return pa.array([value] * rows, type=pa.string())
    kind = pa.int64() if KNOBS[name].kind is int else pa.float64()
    return pa.array(np.full(rows, value), type=kind)


def _result_table(results: pd.DataFrame, scenario: Scenario, knob_columns: Sequence[str]) -> pa.Table:
    """The scenario's results with its varied knobs, seed and id in front, as Arrow."""
    table = pa.Table.from_pandas(results, preserve_index=False).replace_schema_metadata(None)
    rows = table.num_rows
    front = {name: _knob_column(name, getattr(scenario, name), rows) for name in knob_columns}
    front["seed"] = pa.array(np.full(rows, scenario.seed), type=pa.int64())
    front["scenario_id"] = pa.array([scenario_id(scenario)] * rows, type=pa.string())
    return pa.table({**front, **{name: table[name] for name in table.column_names}})


def _run_scenario(index: int, scenario: Scenario, knob_columns: Sequence[str], summary: bool,
                  caller_pid: int, parts: _Parts | None = None) -> tuple[int, pa.Table | None]:
    """Run one scenario (in whichever worker): its position and its table.

    With ``parts`` (a worker on the caller's file system) the worker writes
    the table itself and returns None: no table travels back to the caller.
    """
    if os.getpid() != caller_pid:  # the caller's own process is limited by sweep() itself
        _limit_blas_threads_in_worker()
    results = run(scenario)
    if summary:
        results = summarize(results)
    table = _result_table(results, scenario, knob_columns)
    if parts is None:
        return index, table
    parts.write(scenario_id(scenario), table)
    return index, None


# -- backends -------------------------------------------------------------------------
def _cores(n_jobs: int) -> int:
    """joblib's meaning of n_jobs (-1: every core, -2: all but one) as a worker count."""
    if n_jobs == 0:
        raise ValueError("n_jobs must not be 0: use a positive count, or -1 for every core")
    cores = os.cpu_count() or 1
    return n_jobs if n_jobs > 0 else max(1, cores + 1 + n_jobs)


def _run_serial(tasks, parts) -> Iterator[tuple[int, pa.Table | None]]:
    for task in tasks:
        yield _run_scenario(*task, parts)


def _run_joblib(tasks, n_jobs: int, parts) -> Iterator[tuple[int, pa.Table | None]]:
    from joblib import Parallel, delayed, parallel_config

    _cores(n_jobs)  # refuse n_jobs=0 with our message
    # loky sets OMP_NUM_THREADS and friends in its workers before numpy loads
    with parallel_config(backend="loky", inner_max_num_threads=1):
        parallel = Parallel(n_jobs=n_jobs, return_as="generator_unordered")
        yield from parallel(delayed(_run_scenario)(*task, parts) for task in tasks)


@contextlib.contextmanager
def _children_ignore_ctrl_c():
    """Processes started inside ignore Ctrl-C (Python keeps an inherited SIG_IGN).

    Then Ctrl-C reaches only this process, which saves what finished and shuts
    the cluster down, instead of every worker printing its own traceback.
    """
    try:
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    except ValueError:  # not the main thread: signals are not ours to change
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


_DASK_LOGGERS = ("distributed", "tornado")


async def _silence_dask_logs() -> None:  # a coroutine, so that Client.run need not wait for it
    for name in _DASK_LOGGERS:
        logging.getLogger(name).setLevel(logging.CRITICAL)


@contextlib.contextmanager
def _quiet_shutdown(client):
    """Our own cluster stopped mid-task (Ctrl-C, a failed scenario): no screenful of shutdown warnings.

    The workers' loggers are silenced for good (they are about to stop); this
    process's (the scheduler's) until the context ends.
    """
    with contextlib.suppress(Exception):  # best effort: the workers may be gone already
        client.run(_silence_dask_logs, wait=False)
        client.run(_silence_dask_logs, nanny=True, wait=False)
    loggers = [logging.getLogger(name) for name in _DASK_LOGGERS]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels):
            logger.setLevel(level)


def _run_dask(tasks, n_jobs: int, scheduler, parts) -> Iterator[tuple[int, pa.Table | None]]:
    from distributed import Client, LocalCluster, as_completed

    # exits in reverse: the cluster closes (owned) before the log levels come back (quiet)
    with contextlib.ExitStack() as quiet, contextlib.ExitStack() as owned:
        if isinstance(scheduler, Client):
            client, parts = scheduler, None  # its workers may not see our files: tables come back
        elif scheduler is None:  # a temporary cluster on this machine's cores (and file system)
            with _children_ignore_ctrl_c():
                cluster = owned.enter_context(LocalCluster(
                    n_workers=_cores(n_jobs), threads_per_worker=1, processes=True, dashboard_address=None))
            client = owned.enter_context(Client(cluster))
        else:  # an address ("tcp://host:8786") or a cluster object
            client, parts = owned.enter_context(Client(scheduler)), None
        run_token = uuid.uuid4().hex[:8]  # this run's keys never collide with another sweep's
        futures = [client.submit(_run_scenario, *task, parts, key=f"collapse-sweep-{run_token}-{task[0]}", pure=False)
                   for task in tasks]
        completed = False
        try:
            for future in as_completed(futures):
                yield future.result()
                future.release()  # the worker may drop the result now
            completed = True
        finally:
            client.cancel([future for future in futures if not future.done()])
            if scheduler is None and not completed:
                quiet.enter_context(_quiet_shutdown(client))


# -- the Parquet file -------------------------------------------------------------------
def _conform(table: pa.Table, schema: pa.Schema) -> pa.Table:
    """The table with the schema's columns, in its order: missing metrics are nulls."""
    columns = [table[field.name].cast(field.type) if field.name in table.column_names
               else pa.nulls(table.num_rows, field.type) for field in schema]
    return pa.Table.from_arrays(columns, schema=schema)


def _unify(schemas: Sequence[pa.Schema]) -> pa.Schema:
    # scenarios of different worlds have different metrics; int64 metrics may meet float64
    return pa.unify_schemas([schema.remove_metadata() for schema in schemas], promote_options="permissive")


def _tables_to_frame(tables: Sequence[pa.Table]) -> pd.DataFrame:
    schema = _unify([table.schema for table in tables])
    return pa.concat_tables([_conform(table, schema) for table in tables]).to_pandas()


def _json_ready(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value


@dataclasses.dataclass(frozen=True)
class _Parts:
    """The folder of finished scenarios' files; small and picklable, so local workers write there."""

    folder: Path
    metadata: dict
    dictionary_columns: tuple[str, ...]

    def write_options(self, schema: pa.Schema) -> dict[str, Any]:
        # dictionaries pay off for the few distinct knob values, not for the metrics' floats
        return {"compression": "zstd",
                "use_dictionary": [name for name in self.dictionary_columns if name in schema.names]}

    def write(self, scenario_key: str, table: pa.Table) -> None:
        """Write one finished scenario as its own file, atomically (a killed write leaves a .tmp only)."""
        self.folder.mkdir(exist_ok=True)
        target = self.folder / f"{scenario_key}.parquet"
        temporary = self.folder / f"{scenario_key}.{os.getpid()}.tmp"
        pq.write_table(table.replace_schema_metadata(self.metadata), temporary, **self.write_options(table.schema))
        os.replace(temporary, target)


class _SweepFile:
    """A sweep's Parquet file, its finished parts, and what it was run with.

    ``config`` (seed, varied and fixed knobs, summary or not) is stored in the
    file's metadata and in every part; a file or part with another config is
    refused with a message saying what differs.
    """

    def __init__(self, path: str | os.PathLike, config: dict[str, Any]):
        self.path = Path(path)
        self.parts = self.path.with_name(self.path.name + ".parts")
        self.config = config
        self.metadata = {_METADATA_KEY: json.dumps(config, sort_keys=True).encode()}
        self.writer = _Parts(self.parts, self.metadata, (*config["knobs"], *_ID_COLUMNS, "generation", "replicate"))
        if self.path.is_dir():
            raise ScenarioError(f"{self.path} is a folder: give the output a file name")
        if not self.path.parent.is_dir():
            raise ScenarioError(f"cannot write {self.path}: folder {self.path.parent} does not exist")
        if self.path.exists():
            self._check(self.path)
        for part in self._part_files():
            self._check(part)

    def _part_files(self) -> list[Path]:
        return sorted(self.parts.glob("*.parquet")) if self.parts.is_dir() else []

    def _check(self, path: Path) -> None:
        try:
            metadata = pq.read_schema(path).metadata or {}
        except (OSError, pa.ArrowException) as err:
            raise ScenarioError(f"{path} exists but is not a readable Parquet file ({err}): "
                                "choose another output") from None
        if _METADATA_KEY not in metadata:
            raise ScenarioError(f"{path} exists but was not written by a sweep: choose another output")
        found = json.loads(metadata[_METADATA_KEY])
        problem = self._difference(found)
        if problem:
            where = f"{path}" if path == self.path else f"{self.parts} (left by an unfinished run)"
            advice = "or choose another output" if path == self.path else "or delete that folder"
            raise ScenarioError(f"{where} holds another sweep: {problem}; run that sweep to resume it, {advice}")

    def _difference(self, found: dict[str, Any]) -> str:
        """What differs between the stored config and this sweep's, in words ('' if nothing)."""
        mine = self.config
        if found.get("format") != mine["format"]:
            return f"file format {found.get('format')}, not {mine['format']}"
        if found["seed"] != mine["seed"]:
            return f"its seed is {found['seed']}, not {mine['seed']}"
        if found["summary"] != mine["summary"]:
            return "it holds summaries (--summary)" if found["summary"] else "it holds every replicate (no --summary)"
        if set(found["knobs"]) != set(mine["knobs"]):
            return f"it varies {', '.join(found['knobs']) or 'nothing'}, not {', '.join(mine['knobs']) or 'nothing'}"
        changed = [f"{name}={format_value(found['base'].get(name))} (not {format_value(value)})"
                   for name, value in mine["base"].items() if found["base"].get(name) != value]
        changed += [f"{name} is no longer a knob" for name in found["base"] if name not in mine["base"]]
        return "its fixed knobs differ: " + ", ".join(changed[:3]) if changed else ""

    def done_ids(self) -> set[str]:
        """Scenario ids already in the file or in its parts."""
        done = {part.stem for part in self._part_files()}
        if self.path.exists():
            done |= set(pq.read_table(self.path, columns=["scenario_id"])["scenario_id"].to_pylist())
        return done

    def consolidate(self, order: Sequence[str]) -> None:
        """Merge the parts into the file (old rows first, then the parts in grid order); remove the parts."""
        parts = self._part_files()
        if not parts:
            return
        rank = {key: i for i, key in enumerate(order)}
        stored = set(pq.read_table(self.path, columns=["scenario_id"])["scenario_id"].to_pylist()) \
            if self.path.exists() else set()
        # a part already in the file was merged just before a crash: drop it, never duplicate
        fresh = sorted((part for part in parts if part.stem not in stored),
                       key=lambda part: (rank.get(part.stem, len(rank)), part.stem))
        if fresh:
            old = pq.ParquetFile(self.path) if self.path.exists() else None
            schemas = ([old.schema_arrow] if old else []) + [pq.read_schema(part) for part in fresh]
            schema = _unify(schemas).with_metadata(self.metadata)
            temporary = self.path.with_name(self.path.name + ".tmp")
            with pq.ParquetWriter(temporary, schema, **self.writer.write_options(schema)) as writer:
                for group in range(old.num_row_groups if old else 0):
                    writer.write_table(_conform(old.read_row_group(group), schema))
                for part in fresh:
                    writer.write_table(_conform(pq.read_table(part), schema))
            if old:
                old.close()
            os.replace(temporary, self.path)  # readers see the old file or the new, never half of one
        for part in parts:
            part.unlink()
        for leftover in self.parts.glob("*.tmp"):
            leftover.unlink()
        with contextlib.suppress(OSError):
            self.parts.rmdir()

    def read(self, order: Sequence[str]) -> pd.DataFrame:
        """The rows of the scenarios ``order`` names, in that order."""
        table = pq.read_table(self.path).replace_schema_metadata(None)
        return _in_order(table, order).to_pandas()

    def rows(self) -> int:
        return pq.ParquetFile(self.path).metadata.num_rows if self.path.exists() else 0


def _in_order(table: pa.Table, order: Sequence[str]) -> pa.Table:
    """The table's rows of the scenarios ``order`` names, scenarios in that order (rows within each kept)."""
    rank = pc.index_in(table["scenario_id"], value_set=pa.array(list(order), type=pa.string()))
    if rank.null_count:  # rows of scenarios outside this grid (an earlier, larger sweep)
        table, rank = table.filter(rank.is_valid()), rank.drop_null()
    ranks = rank.to_numpy(zero_copy_only=False)
    if np.all(ranks[1:] >= ranks[:-1]):
        return table
    return table.take(np.argsort(ranks, kind="stable"))


# -- progress ---------------------------------------------------------------------------
class _LineProgress:
    """A plain progress line on stderr, for when tqdm is not installed."""

    def __init__(self, total: int, initial: int):
        self.total, self.done, self.shown = total, initial, 0.0
        self.live = sys.stderr.isatty()

    def update(self, count: int = 1) -> None:
        self.done += count
        now = time.monotonic()
        if self.done == self.total or now - self.shown >= 1.0:
            self.shown = now
            end = "\r" if self.live and self.done < self.total else "\n"
            print(f"sweep: {self.done}/{self.total} scenarios", end=end, file=sys.stderr, flush=True)

    def close(self) -> None:
        if self.live and self.done < self.total:
            print(file=sys.stderr)


def _progress_bar(total: int, initial: int, enabled: bool):
    if not enabled:
        return contextlib.nullcontext(type("_Quiet", (), {"update": lambda self, n=1: None})())
    try:
        from tqdm import tqdm
    except ImportError:
        return contextlib.closing(_LineProgress(total, initial))
    return tqdm(total=total, initial=initial, unit="scenario", desc="sweep", file=sys.stderr, dynamic_ncols=True)


# -- the sweep ----------------------------------------------------------------------------
def sweep(
    grid: Mapping[str, Sequence],
    *,
    base: Scenario | Mapping | None = None,
    seed: int = 0,
    backend: str = "joblib",
    n_jobs: int = -1,
    scheduler=None,
    output: str | os.PathLike | None = None,
    summary: bool = False,
    progress: bool = True,
) -> pd.DataFrame:
    """Run every combination of the grid's knob values and gather the tidy results.

    Parameters
    ----------
    grid : mapping of str to sequence
        Knob name -> the values it takes (see :func:`expand_grid`). The
        ``seed`` knob cannot vary: each scenario's seed is derived from ``seed``.
    base : Scenario or mapping, optional
        The value of every knob not in the grid (default: the knobs'
        defaults). A Scenario's own seed is ignored.
    seed : int, default 0
        The sweep's seed. Scenario ``s`` runs with seed
        ``scenario_seed(seed, s)``, so its numbers depend only on its knobs
        and this seed: not on the backend, the workers or the grid's order.
    backend : {"joblib", "dask", "serial"}, default "joblib"
        Where the scenarios run: on local cores in joblib's loky worker
        processes, on a Dask cluster, or one after another in this process.
    n_jobs : int, default -1
        joblib's worker count (-1: every core), or the worker processes of the
        temporary Dask LocalCluster when ``backend="dask"`` and no scheduler.
    scheduler : str or distributed.Client, optional
        For ``backend="dask"``: a scheduler address (``"tcp://host:8786"``) or
        a Client. None starts a LocalCluster for this sweep and closes it after.
        The workers must have this package installed.
    output : path, optional
        A Parquet file to write. Finished scenarios are saved as they finish,
        so an interrupted or failed sweep keeps them; a re-run skips the
        scenarios already there. A file from a sweep with another seed,
        other fixed knobs, other varied knobs or the other ``summary`` is refused.
    summary : bool, default False
        Keep, per scenario and generation, the median and the 10 % and 90 %
        quantiles of each metric (:func:`summarize`) instead of every replicate.
    progress : bool, default True
        Show a progress bar on stderr (tqdm if installed).

    Returns
    -------
    pandas.DataFrame
        One row per (scenario, generation, replicate), or per (scenario,
        generation) with ``summary``, scenarios in grid order. Columns: every
        grid knob, ``seed`` (the scenario's derived seed), ``scenario_id``
        (:func:`scenario_id`), ``generation``, ``replicate`` (not with
        ``summary``), then the metrics (``<metric>_median``, ``_q10``,
        ``_q90`` with ``summary``). Scenarios of different worlds may have
        different metrics; a metric a scenario lacks is missing (NaN) there.
        With ``output``, the frame is read back from the file.

    Raises
    ------
    ScenarioError
        If a knob or value is bad (the message names it), or ``output``
        holds another sweep (the message says what differs).
    KeyboardInterrupt
        Passed on after the finished scenarios are saved to ``output``.

    Examples
    --------
    >>> import collapse
    >>> frame = collapse.sweep({"synthetic_fraction": [0.5, 1], "sample_size": [10, 100]},
    ...                        base={"generations": 20, "replicates": 50}, seed=0,
    ...                        backend="serial", progress=False)  # doctest: +SKIP
    >>> final = frame[frame.generation == 20]                      # doctest: +SKIP
    >>> final.groupby(["synthetic_fraction", "sample_size"])["std"].median()  # doctest: +SKIP
    """
    return _sweep(grid, base=base, seed=seed, backend=backend, n_jobs=n_jobs, scheduler=scheduler, output=output,
                  summary=summary, progress=progress).frame


@dataclasses.dataclass
class _Outcome:
    """What a sweep did: its scenarios, how many ran now, the rows in the result, the frame if read."""

    scenarios: int
    ran: int
    rows: int
    frame: pd.DataFrame | None


def _sweep(grid, *, base, seed, backend, n_jobs, scheduler, output, summary, progress, read_back=True) -> _Outcome:
    """:func:`sweep`, optionally without reading the whole file back (the CLI only reports counts)."""
    if backend not in BACKENDS:
        raise ValueError(f"backend must be one of {', '.join(BACKENDS)}; got {backend!r}")
    seed = _check_sweep_seed(seed)
    if "seed" in grid:
        raise ScenarioError("seed cannot vary in a sweep: each scenario's seed is derived from the sweep's "
                            "seed; add replicates, or run sweeps with other seeds")
    if isinstance(base, Mapping) and "seed" in base:
        raise ScenarioError("set the sweep's seed with seed=..., not in base: each scenario's seed is derived from it")
    scenarios = expand_grid(grid, base)
    for scenario in scenarios:
        if scenario.world in _DATA_WORLDS:
            raise ScenarioError(f"world {scenario.world} needs your own data, which a sweep does not take: "
                                "sweep the built-in worlds")
    knob_columns = list(grid)
    unique: dict[str, Scenario] = {}
    for scenario in scenarios:  # two combinations may be one scenario: keep the first
        unique.setdefault(scenario_id(scenario), scenario.replace(seed=scenario_seed(seed, scenario)))
    keys = list(unique)

    fixed = {name: _json_ready(value) for name, value in _base_values(base).items()
             if name != "seed" and name not in grid}
    config = {"format": _FORMAT_VERSION, "seed": seed, "summary": bool(summary),
              "knobs": knob_columns, "base": fixed}
    store = _SweepFile(output, config) if output is not None else None
    done = store.done_ids() if store else set()
    caller = os.getpid()
    tasks = [(i, unique[key], knob_columns, bool(summary), caller) for i, key in enumerate(keys) if key not in done]
    parts = store.writer if store else None
    if backend == "serial" or not tasks:  # nothing to run: start no workers
        finished = _run_serial(tasks, parts)
    elif backend == "joblib":
        finished = _run_joblib(tasks, n_jobs, parts)
    else:
        finished = _run_dask(tasks, n_jobs, scheduler, parts)

    tables: dict[int, pa.Table] = {}
    try:
        with _single_blas_thread_here(), contextlib.closing(finished), \
                _progress_bar(len(keys), len(keys) - len(tasks), progress) as bar:
            for index, table in finished:
                if table is not None and store:  # a remote worker's result: saved here
                    store.writer.write(keys[index], table)
                elif table is not None:
                    tables[index] = table
                bar.update(1)
    finally:
        if store:  # also on Ctrl-C or a failed scenario: keep what finished
            store.consolidate(keys)
    if store:
        frame = store.read(keys) if read_back else None
        return _Outcome(len(keys), len(tasks), store.rows() if frame is None else len(frame), frame)
    frame = _tables_to_frame([tables[i] for i in sorted(tables)]) if tables else pd.DataFrame()
    return _Outcome(len(keys), len(tasks), len(frame), frame)


# -- TOML grids -------------------------------------------------------------------------------
def read_grid_toml(path: str | os.PathLike) -> tuple[dict[str, list], dict[str, Any], int]:
    """Read a sweep from a TOML file: the grid, the fixed knobs and the seed.

    The file has a ``[grid]`` table (knob -> list of values), an optional
    ``[base]`` table (knob -> one value) and an optional top-level ``seed``
    (default 0)::

        seed = 0

        [grid]
        synthetic_fraction = [0, 0.5, 0.9, 1]
        sample_size = [10, 100, 1000]

        [base]
        generations = 200
        replicates = 1000

    Returns
    -------
    grid : dict of str to list
        In the file's order; values checked.
    base : dict of str to value
        Values checked.
    seed : int

    Raises
    ------
    ScenarioError
        If the file cannot be read, is not TOML, or names an unknown knob or a
        bad value (the message names the file and the knob).
    """
    try:
        with open(path, "rb") as handle:
            data = tomllib.load(handle)
    except OSError as err:
        raise ScenarioError(f"cannot read grid file {path}: {err.strerror}") from None
    except tomllib.TOMLDecodeError as err:
        raise ScenarioError(f"grid file {path} is not valid TOML: {err}") from None
    unknown = sorted(set(data) - {"grid", "base", "seed"})
    if unknown:
        raise ScenarioError(f"grid file {path}: unknown key {unknown[0]!r}: expected [grid], [base] and seed")
    tables = {}
    for section in ("grid", "base"):
        table = data.get(section, {})
        if not isinstance(table, dict):
            raise ScenarioError(f"grid file {path}: {section} must be a table ([{section}])")
        if "seed" in table:
            raise ScenarioError(f"grid file {path}: set the sweep's seed at the top (seed = 0), not in [{section}]")
        try:
            _check_knob_names(table, f"[{section}]")
            if section == "grid":
                tables[section] = {name: _axis_values(name, values) for name, values in table.items()}
            else:
                tables[section] = {name: parse_value(name, value) for name, value in table.items()}
        except ScenarioError as err:
            raise ScenarioError(f"grid file {path}: {err}") from None
    both = sorted(set(tables["grid"]) & set(tables["base"]))
    if both:
        raise ScenarioError(f"grid file {path}: {both[0]} is in both [grid] and [base]")
    try:
        seed = _check_sweep_seed(data.get("seed", 0))
    except ScenarioError as err:
        raise ScenarioError(f"grid file {path}: {err}") from None
    return tables["grid"], tables["base"], seed


# -- command line ------------------------------------------------------------------------------
def _knob_type(name: str):
    def convert(text: str):
        try:
            return parse_value(name, text)
        except ScenarioError as err:
            # argparse puts the flag's name in front of an ArgumentTypeError
            raise argparse.ArgumentTypeError(str(err).removeprefix(name + " ")) from None

    convert.__name__ = name
    return convert


def _sweep_seed_type(text: str) -> int:
    try:
        return _check_sweep_seed(int(text))
    except (ValueError, ScenarioError):
        raise argparse.ArgumentTypeError(f"must be a whole number of at least 0; got {text!r}") from None


def _jobs_type(text: str) -> int:
    try:
        jobs = int(text)
    except ValueError:
        jobs = 0
    if jobs == 0:
        raise argparse.ArgumentTypeError(f"must be a whole number other than 0 (-1: every core); got {text!r}")
    return jobs


def add_sweep_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the ``sweep`` subcommand's flags to ``parser``.

    Every knob but ``seed`` has a flag taking one or more values
    (``--synthetic-fraction 0 0.5 0.9 1``): several values vary the knob, one
    value fixes it. A tuple knob (``--tail-thresholds 2 3``) is always fixed,
    as in ``run``; vary one from a TOML grid. ``--seed`` is the sweep's seed.
    """
    defaults = _field_defaults()
    knobs = parser.add_argument_group("knobs", "several values vary a knob; one value fixes it")
    for knob in KNOBS.values():
        if knob.name == "seed":  # the sweep's --seed below; each scenario's is derived from it
            continue
        default = format_value(defaults[knob.name])
        knobs.add_argument(
            knob.flag, dest=knob.name, nargs="+", type=_knob_type(knob.name), default=None,
            metavar=knob.name.upper(),
            help=f"{knob.help} Allowed: {knob.allowed()}. Default: {default}.".replace("%", "%%"),
        )
    parser.add_argument("--grid", metavar="FILE.toml",
                        help="a TOML file with [grid] (knob = [values]), [base] (knob = value) and seed; "
                             "knob flags override it")
    parser.add_argument("--output", "-o", required=True, metavar="PATH",
                        help="the Parquet file to write; if it exists, the scenarios already in it are skipped")
    parser.add_argument("--summary", action="store_true",
                        help="per scenario and generation, only the median and 10 %% and 90 %% quantiles "
                             "of each metric")
    parser.add_argument("--jobs", "-j", type=_jobs_type, default=-1, metavar="N",
                        help="worker processes (default -1: every core)")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--scheduler", metavar="ADDRESS",
                       help="run on the Dask cluster whose scheduler is at ADDRESS (tcp://host:8786)")
    where.add_argument("--dask-local", action="store_true",
                       help="run on a temporary Dask LocalCluster with --jobs worker processes")
    parser.add_argument("--seed", dest="sweep_seed", type=_sweep_seed_type, default=None,
                        help="the sweep's seed (default 0, or the grid file's); each scenario's seed is "
                             "derived from it and the scenario's knobs")
    parser.add_argument("--no-progress", dest="progress", action="store_false", help="no progress bar")
    parser.set_defaults(sweep_prog=parser.prog)


def _grid_from_args(args: argparse.Namespace) -> tuple[dict, dict, int]:
    grid, base, seed = read_grid_toml(args.grid) if args.grid else ({}, {}, 0)
    for name, knob in KNOBS.items():
        values = getattr(args, name, None)
        if values is None or name == "seed":
            continue
        grid.pop(name, None)
        base.pop(name, None)
        if knob.kind is tuple:  # nargs="+" gives a list of tuples: one fixed tuple, as in `run`
            base[name] = tuple(x for part in values for x in part)
        elif len(values) == 1:
            base[name] = values[0]
        else:
            grid[name] = values
    if args.sweep_seed is not None:
        seed = args.sweep_seed
    return grid, base, seed


def sweep_command(args: argparse.Namespace) -> int:
    """Run ``collapse sweep`` from parsed arguments (see :func:`add_sweep_arguments`).

    Returns
    -------
    int
        0 when done; 2 after one line on stderr for bad input (a knob, the
        grid file, an output of another sweep, an unreachable scheduler);
        130 when interrupted (the finished scenarios are saved).
    """
    prog = getattr(args, "sweep_prog", "collapse sweep")
    started = time.perf_counter()
    try:
        grid, base, seed = _grid_from_args(args)
        outcome = _sweep(grid, base=base, seed=seed, backend="dask" if args.scheduler or args.dask_local else "joblib",
                         n_jobs=args.jobs, scheduler=args.scheduler, output=args.output, summary=args.summary,
                         progress=args.progress, read_back=False)
    except KeyboardInterrupt:
        print(f"{prog}: interrupted; the finished scenarios are in {args.output}: "
              "run the same command again to resume", file=sys.stderr)
        return 130
    except (ValueError, OSError) as err:  # ScenarioError, TOML, Arrow and connection errors
        message = " ".join(str(err).split()) or type(err).__name__
        print(f"{prog}: error: {message}", file=sys.stderr)
        return 2
    skipped = outcome.scenarios - outcome.ran
    print(f"{prog}: {outcome.scenarios} scenarios ({outcome.ran} run now, {skipped} already there), "
          f"{outcome.rows:,} rows in {args.output} ({time.perf_counter() - started:.1f} s)", file=sys.stderr)
    return 0
