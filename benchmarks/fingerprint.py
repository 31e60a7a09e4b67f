"""Throughput of our DataFrame fingerprint against pandas' hash_pandas_object and md5.

Frames of about 100 MB, 300 MB and 1 GB (pandas' deep ``memory_usage``), numeric (float64
and int64 columns) and mixed (numbers, bools, datetimes with and without a time zone,
nullable Int64 and boolean, a categorical, a pyarrow string column and an object column of
Python strings). For each frame, in one run on one machine:

- ours: ``fingerprint(df, cache=False)``, everything hashed;
- ``pd.util.hash_pandas_object(df)``: a uint64 per row (one more hash would make it a digest);
- ``hashlib.md5`` of the same buffers our fingerprint reads, prepared before the clock starts
  (the object column as its UTF-8 bytes).

Then, on the 1 GB frames: an unchanged frame fingerprinted again (median of many calls),
a frame that gained a column, and a frame written in one cell (its block is copied by
copy-on-write and hashed again).

Usage: python benchmarks/fingerprint.py [--quick]
Results: benchmarks/results/fingerprint.json and benchmarks/results/fingerprint.md
"""

from __future__ import annotations

import argparse
import functools
import gc
import hashlib
import statistics
import time
from collections.abc import Callable
from importlib.metadata import version

import common
import numpy as np
import pandas as pd

from mlops_jlab.datasets.fingerprint import cache_info, clear_cache, fingerprint

MB = 1_000_000
TARGET_GBS = 5.0
TARGET_CACHED_MS = 1.0


def numeric_frame(rows: int) -> pd.DataFrame:
    rng = np.random.default_rng(1)
    columns = {f"x{i}": rng.random(rows) for i in range(8)}
    columns |= {f"k{i}": rng.integers(0, 1 << 40, rows) for i in range(4)}
    return pd.DataFrame(columns)


def texts(prefix: str, numbers: np.ndarray) -> np.ndarray:
    """Python strings made one after another, as a CSV reader makes them."""
    return np.char.add(prefix, numbers.astype(str)).astype(object)


def mixed_frame(rows: int) -> pd.DataFrame:
    rng = np.random.default_rng(2)
    picks = rng.integers(0, 200_000, rows)
    nulls = rng.random(rows) < 0.1
    cities = [f"city-{i}" for i in range(100)]
    return pd.DataFrame(
        {
            "price": rng.random(rows),
            "score": rng.normal(size=rows),
            "count": rng.integers(0, 1000, rows),
            "flag": rng.random(rows) > 0.5,
            "when": pd.date_range("2024-01-01", periods=rows, freq="s"),
            "when_utc": pd.date_range("2024-01-01", periods=rows, freq="s", tz="UTC"),
            "qty": pd.arrays.IntegerArray(picks.astype("int64"), nulls),
            "ok": pd.array(rng.random(rows) > 0.3, dtype="boolean"),
            "city": pd.Categorical.from_codes(rng.integers(0, 100, rows), cities),
            "user": pd.array(texts("user-", picks), dtype="str"),
            "note": pd.Series(texts("note ", rng.integers(0, 10**9, rows)), dtype=object),
        }
    )


def one_column(kind: str, rows: int) -> pd.DataFrame:
    """A frame of one column of ``kind``, for the throughput of each kind on its own."""
    rng = np.random.default_rng(3)
    numbers = rng.integers(0, 10**6, rows)
    column = {
        "float64": lambda: rng.random(rows),
        "int64": lambda: numbers,
        "bool": lambda: numbers % 2 == 0,
        "datetime64[ns, UTC]": lambda: pd.date_range("2024", periods=rows, freq="s", tz="UTC"),
        "Int64 (10% NA)": lambda: pd.arrays.IntegerArray(numbers, numbers % 10 == 0),
        "boolean": lambda: pd.array(numbers % 3 == 0, dtype="boolean"),
        "category": lambda: pd.Categorical.from_codes(numbers % 100, [f"c{i}" for i in range(100)]),
        "str (pyarrow)": lambda: pd.array(texts("user-", numbers), dtype="str"),
        "object of str": lambda: pd.Series(texts("user-", numbers), dtype=object),
        "object, mixed types": lambda: pd.Series(
            np.where(numbers % 3 == 0, texts("x", numbers), numbers.astype(object)), dtype=object
        ),
    }[kind]()
    return pd.DataFrame({"v": column})


KINDS = [
    "float64",
    "int64",
    "bool",
    "datetime64[ns, UTC]",
    "Int64 (10% NA)",
    "boolean",
    "category",
    "str (pyarrow)",
    "object of str",
    "object, mixed types",
]


def buffers(df: pd.DataFrame) -> list:
    """The bytes our fingerprint reads, for md5 to hash the same (prepared, not timed)."""
    out = []
    for name in df.columns:
        values = df[name].array
        if isinstance(values, pd.arrays.NumpyExtensionArray):
            array = values.to_numpy()
            if array.dtype == object:
                out.append("\0".join(map(str, array.tolist())).encode())
            else:
                out.append(array)
        elif isinstance(values, pd.arrays.DatetimeArray):
            out.append(values._ndarray.view("int64"))
        elif isinstance(values, (pd.arrays.IntegerArray, pd.arrays.BooleanArray)):
            out += [values._data, values._mask]
        elif isinstance(values, pd.Categorical):
            out.append(values.codes)
        elif isinstance(values, pd.arrays.ArrowStringArray):
            for chunk in values.__arrow_array__().chunks:
                out += [b for b in chunk.buffers() if b is not None]
        else:
            raise TypeError(f"no buffers for {type(values).__name__}")
    return [memoryview(b).cast("B") if not isinstance(b, bytes) else b for b in out]


def md5_of(parts: list) -> str:
    digest = hashlib.md5()
    for part in parts:
        digest.update(part)
    return digest.hexdigest()


def best_seconds(fn: Callable[[], object], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        gc.collect()
        started = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - started)
    return best


def rows_for(make: Callable[[int], pd.DataFrame], size: int) -> int:
    sample = make(100_000)
    per_row = sample.memory_usage(deep=True).sum() / len(sample)
    return int(size / per_row)


def throughput(kind: str, make: Callable[[int], pd.DataFrame], size: int, repeat: int) -> dict:
    df = make(rows_for(make, size))
    nbytes = int(df.memory_usage(deep=True).sum())
    parts = buffers(df)
    seconds = {
        "ours": best_seconds(lambda: fingerprint(df, cache=False), repeat),
        "hash_pandas_object": best_seconds(lambda: pd.util.hash_pandas_object(df), 1),
        "md5": best_seconds(lambda: md5_of(parts), 1),
    }
    result = {
        "kind": kind,
        "rows": len(df),
        "columns": df.shape[1],
        "megabytes": round(nbytes / MB),
        "md5_input_megabytes": round(sum(len(p) for p in parts) / MB),
        "seconds": {k: round(v, 4) for k, v in seconds.items()},
        "gb_per_s": {k: round(nbytes / v / 1e9, 2) for k, v in seconds.items()},
    }
    print(f"  {kind} {result['megabytes']} MB: {result['gb_per_s']}")
    return result


def cached_refingerprint(df: pd.DataFrame, calls: int) -> dict:
    clear_cache()
    fingerprint(df)
    hits = cache_info().hits
    samples = common.timed(lambda: fingerprint(df), calls)
    assert cache_info().hits == hits + calls, "the unchanged frame was hashed again"
    return {
        "calls": calls,
        "median_ms": round(statistics.median(samples), 4),
        "p95_ms": common.summary(samples)["p95_ms"],
    }


def after_changes(df: pd.DataFrame, repeat: int = 5) -> dict:
    """What a frame costs after the usual notebook changes (median of ``repeat``), against
    hashing all of it: a new column, and one cell written (copy-on-write copies the column)."""
    clear_cache()
    fingerprint(df)
    first = df.columns[0]
    added, written = [], []
    for i in range(repeat):
        df[f"added{i}"] = df[first] * 2
        started = time.perf_counter()
        fingerprint(df)
        added.append((time.perf_counter() - started) * 1000)
        df.loc[i, first] = -1.0 - i
        started = time.perf_counter()
        fingerprint(df)
        written.append((time.perf_counter() - started) * 1000)
    everything = best_seconds(lambda: fingerprint(df, cache=False), 1) * 1000
    for i in range(repeat):
        del df[f"added{i}"]
    return {
        "new_column_ms": round(statistics.median(added), 2),
        "one_cell_written_ms": round(statistics.median(written), 2),
        "everything_hashed_ms": round(everything, 2),
    }


def markdown(results: dict) -> str:
    lines = [
        "| frame | MB | ours GB/s | hash_pandas_object GB/s | md5 GB/s "
        "| ours / hash_pandas_object |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for r in results["throughput"]:
        rate = r["gb_per_s"]
        ratio = rate["ours"] / rate["hash_pandas_object"]
        lines.append(
            f"| {r['kind']} | {r['megabytes']} | {rate['ours']} | {rate['hash_pandas_object']} "
            f"| {rate['md5']} | {ratio:.0f}x |"
        )
    cached, changed = results["cached"], results["after_changes"]
    calls = cached["numeric"]["calls"]
    microseconds = [f"{cached[kind]['median_ms'] * 1000:.0f} us" for kind in ("numeric", "mixed")]
    lines += [
        "",
        "| largest frame | numeric | mixed |",
        "| --- | --- | --- |",
        f"| unchanged, fingerprinted again (median of {calls}) | {' | '.join(microseconds)} |",
    ]
    for key, label in [
        ("new_column_ms", "after a column is added (median of 5)"),
        ("one_cell_written_ms", "after one cell is written (median of 5)"),
        ("everything_hashed_ms", "everything hashed"),
    ]:
        lines.append(f"| {label} | {changed['numeric'][key]} ms | {changed['mixed'][key]} ms |")
    lines += [
        "",
        "| one column of | MB | ours GB/s | hash_pandas_object GB/s | md5 GB/s |",
        "| --- | --- | --- | --- | --- |",
    ]
    for r in results["per_kind"]:
        rate = r["gb_per_s"]
        lines.append(
            f"| {r['kind']} | {r['megabytes']} | {rate['ours']} | {rate['hash_pandas_object']} "
            f"| {rate['md5']} |"
        )
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke run")
    args = parser.parse_args()
    sizes = [20 * MB] if args.quick else [100 * MB, 300 * MB, 1000 * MB]
    makers = {"numeric": numeric_frame, "mixed": mixed_frame}
    results: dict = {
        "machine": {
            **common.machine(),
            "pandas": pd.__version__,
            "numpy": np.__version__,
            "xxhash": version("xxhash"),
            "pyarrow": version("pyarrow"),
        },
        "throughput": [],
        "cached": {},
        "after_changes": {},
        "per_kind": [],
    }
    for kind, make in makers.items():
        for size in sizes:
            results["throughput"].append(throughput(kind, make, size, repeat=5))
            gc.collect()
        df = make(rows_for(make, sizes[-1]))
        results["cached"][kind] = cached_refingerprint(df, 200 if args.quick else 2000)
        results["after_changes"][kind] = after_changes(df)
        print(
            f"  {kind} cached: {results['cached'][kind]}, after changes: "
            f"{results['after_changes'][kind]}"
        )
        del df
        gc.collect()
    for kind in KINDS:
        make = functools.partial(one_column, kind)
        results["per_kind"].append(throughput(kind, make, sizes[0], repeat=5))
        gc.collect()
    numeric = [r["gb_per_s"]["ours"] for r in results["throughput"] if r["kind"] == "numeric"]
    slowest_cached = max(v["median_ms"] for v in results["cached"].values())
    results["targets"] = {
        "numeric_gb_per_s": TARGET_GBS,
        "numeric_met": min(numeric) >= TARGET_GBS,
        "cached_ms": TARGET_CACHED_MS,
        "cached_met": slowest_cached < TARGET_CACHED_MS,
    }
    table = markdown(results)
    print(table)
    if not args.quick:
        print(f"results: {common.write_results('fingerprint', results)}")
        (common.RESULTS / "fingerprint.md").write_text(table)


if __name__ == "__main__":
    main()
