"""Content fingerprints: every change of content gives a new digest, layout never does, and
digests are the same in every process."""

from __future__ import annotations

import datetime
import decimal
import json
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import mlops_jlab.datasets.fingerprint as fp
from mlops_jlab.artifacts import digest_bytes
from mlops_jlab.datasets.fingerprint import (
    can_fingerprint,
    clear_cache,
    fingerprint,
    fingerprint_file,
)
from mlops_jlab.errors import InvalidInputError, NotFoundError
from tests.fingerprint_frames import mixed_frame, uncached

ROOT = Path(__file__).resolve().parents[1]
N = 1_000_000


@pytest.fixture(autouse=True)
def fresh_cache():
    clear_cache()
    yield
    clear_cache()


def objects(*values) -> np.ndarray:
    """A 1D object array of exactly these values (np.array would nest lists and tuples)."""
    array = np.empty(len(values), dtype=object)
    for i, value in enumerate(values):
        array[i] = value
    return array


# --- every change of content is a new version ------------------------------------------------


@pytest.fixture(scope="module")
def million():
    rng = np.random.default_rng(0)
    numbers = np.arange(N)
    return pd.DataFrame(
        {
            "f": rng.random(N),
            "i": numbers,
            "s": pd.array(np.char.add("k", numbers.astype(str)), dtype="str"),
            "o": numbers.astype(str).astype(object),
            "c": pd.Categorical(np.where(numbers % 2 == 0, "lo", "hi")),
            "t": pd.date_range("2020-01-01", periods=N, freq="s"),
            "n": pd.array(numbers, dtype="Int64"),
        }
    )


NEW_VALUES = {
    "f": 0.5,
    "i": -1,
    "s": "changed",
    "o": "changed",
    "c": "flip",
    "t": pd.Timestamp("1999-01-01"),
    "n": None,
}


@pytest.mark.parametrize("column", NEW_VALUES)
@pytest.mark.parametrize("row", [0, N // 2, N - 1])
def test_one_changed_value_anywhere_in_a_million_rows_is_a_new_version(million, column, row):
    # Given a 1M-row frame of several dtypes
    df = million.copy(deep=True)
    before = fingerprint(df)
    # When a single value changes, the last row included (a sampled digest misses that)
    new = NEW_VALUES[column]
    if new == "flip":
        new = "hi" if df.at[row, column] == "lo" else "lo"
    df.loc[row, column] = new
    # Then the version is new, and the same as hashing the new content from scratch
    assert fingerprint(df) != before
    assert fingerprint(df) == uncached(df)


def test_index_labels_names_and_column_names_are_content():
    # Given a frame, when one label, name or the column order changes, then it is a new version
    df = pd.DataFrame({"a": [1, 2, 3], "b": [4.0, 5.0, 6.0]})
    base = fingerprint(df)
    assert fingerprint(df.set_axis([0, 1, 7])) != base
    assert fingerprint(df.rename(columns={"a": "A"})) != base
    assert fingerprint(df.rename_axis("row")) != base
    assert fingerprint(df.rename_axis(columns="field")) != base
    assert fingerprint(df[["b", "a"]]) != base  # column order


def test_equal_values_of_another_dtype_are_another_version():
    # Given equal values, when only the dtype differs, then the versions differ
    ints = pd.DataFrame({"a": [1, 2, 3]})
    assert fingerprint(ints) != fingerprint(ints.astype("float64"))
    assert fingerprint(ints) != fingerprint(ints.astype("int32"))
    assert fingerprint(ints) != fingerprint(ints.astype("Int64"))
    assert fingerprint(ints) != fingerprint(ints.astype(str))
    assert fingerprint(ints) != fingerprint(ints.astype("category"))
    dates = pd.DataFrame({"t": pd.to_datetime(["2024-01-01"])})
    assert fingerprint(dates) != fingerprint(dates.astype("datetime64[s]"))
    assert fingerprint(dates) != fingerprint(dates.assign(t=dates.t.dt.tz_localize("UTC")))


def test_categories_and_their_order_are_content():
    # Given the same values, when the categories, their order or orderedness differ, then
    # the versions differ
    values = ["a", "b", "a"]
    plain = pd.Series(pd.Categorical(values))
    assert fingerprint(plain) != fingerprint(pd.Series(pd.Categorical(values, ["b", "a"])))
    assert fingerprint(plain) != fingerprint(pd.Series(pd.Categorical(values, ["a", "b", "c"])))
    assert fingerprint(plain) != fingerprint(pd.Series(pd.Categorical(values, ordered=True)))


def test_object_columns_tell_types_and_boundaries_apart():
    def col(*values):
        return fingerprint(pd.Series(objects(*values), dtype=object))

    # Given object columns, when values differ only in type or in string boundaries, then
    # the versions differ: 1, "1", 1.0 and True are four values
    assert len({col(1), col("1"), col(1.0), col(True)}) == 4
    assert col("ab", "c") != col("a", "bc")
    assert col("a", 1) != col("a", "1")
    assert col(b"a") != col("a")
    assert col("", None) != col(None, "")
    # containers by content: dict key order and set order are not content, list order is
    assert col({"x": 1, "y": [1, 2]}) == col({"y": [1, 2], "x": 1})
    assert col({"x", "y", "z"}) == col({"z", "y", "x"})
    assert col([1, 2]) != col([2, 1])
    assert col((1, 2)) != col([1, 2])


def test_object_columns_encode_values_not_python_types():
    def col(*values):
        return fingerprint(pd.Series(objects(*values), dtype=object))

    # Given object columns, when values are NumPy scalars, then they count as the values
    # they hold
    assert col(np.int64(3), "a") == col(3, "a")
    assert col(np.float32(0.5), "a") == col(0.5, "a")
    assert col(np.str_("a"), 1) == col("a", 1)
    assert col(np.bool_(True), 1) == col(True, 1)
    # integers beyond 64 bits, and strings holding NUL, keep their boundaries
    assert col(2**80, 1) != col(2**80 + 1, 1)
    assert col("a\x00", "b") != col("a", "\x00b")
    assert col("a\x00", 1) != col("a", 1)


def test_missing_values_in_object_columns_are_one_value_but_floats_keep_their_bits():
    # In object columns None, NaN, pd.NA and NaT are all "missing", as for pandas' isna
    digests = {
        fingerprint(pd.Series(objects("a", missing), dtype=object))
        for missing in (None, np.nan, float("nan"), pd.NA, pd.NaT, decimal.Decimal("nan"))
    }
    assert len(digests) == 1
    assert fingerprint(pd.Series(objects(1, None), dtype=object)) == fingerprint(
        pd.Series(objects(1, np.nan), dtype=object)
    )
    # Floats are hashed from their bits: -0.0 is not 0.0 (documented)
    assert fingerprint(pd.Series([0.0])) != fingerprint(pd.Series([-0.0]))


def test_values_a_python_user_meets_in_object_columns_are_encoded():
    # Given an object column of every kind of value a user meets
    values = [
        None,
        "text",
        b"bytes",
        7,
        2**80,
        -3.5,
        complex(1, 2),
        True,
        decimal.Decimal("1.10"),
        datetime.date(2024, 1, 2),
        datetime.datetime(2024, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc),
        datetime.time(1, 2),
        datetime.timedelta(days=1),
        pd.Timestamp("2024-01-02 03:04:05.000000001"),
        pd.Timedelta(1, "ns"),
        np.datetime64("2024-01-02"),
        pd.Period("2024-01", freq="M"),
        pd.Interval(0, 1),
        uuid.UUID(int=5),
        (1, "a"),
        frozenset({1, 2}),
        np.int32(4),
        np.float32(0.5),
    ]
    # When it is fingerprinted, then it has a digest
    digest = fingerprint(pd.Series(objects(*values), dtype=object))
    assert len(digest) == 32
    # and each value on its own is told apart from the others
    singles = {fingerprint(pd.Series(objects(v), dtype=object)) for v in values}
    assert len(singles) == len(values)


def test_other_pandas_dtypes_see_every_change():
    # Given columns of the other pandas dtypes, when the last value changes, then the version
    # does; a slice and its copy are the same version
    pairs = {
        "interval": (pd.interval_range(0, 4), pd.interval_range(0, 4, closed="left")),
        "period": (
            pd.period_range("2024-01", periods=4, freq="M"),
            pd.period_range("2024-02", periods=4, freq="M"),
        ),
        "timedelta": (
            pd.to_timedelta([1, 2, 3, 4], unit="s"),
            pd.to_timedelta([1, 2, 3, 5], unit="s"),
        ),
        "sparse": (
            pd.arrays.SparseArray([0.0, 0.0, 1.0, 0.0]),
            pd.arrays.SparseArray([0.0, 0.0, 1.0, 2.0]),
        ),
        "float64[pyarrow]": (
            pd.array([1.0, None, 3.0, 4.0], "float64[pyarrow]"),
            pd.array([1.0, None, 3.0, 5.0], "float64[pyarrow]"),
        ),
        "Float64": (
            pd.array([1.0, None, 3.0, 4.0], "Float64"),
            pd.array([1.0, None, 3.0, 5.0], "Float64"),
        ),
    }
    for name, (values, changed) in pairs.items():
        s = pd.Series(values)
        assert fingerprint(pd.Series(changed)) != fingerprint(s), name
        assert fingerprint(s.iloc[1:]) == fingerprint(s.iloc[1:].copy(deep=True)), name


def test_what_lies_under_a_missing_value_is_not_content():
    # Given the same nullable values, one made by masking a value that was there
    masked = pd.array([5, 2, 3], dtype="Int64")
    masked[0] = pd.NA
    fresh = pd.array([None, 2, 3], dtype="Int64")
    assert masked._data[0] != fresh._data[0]
    # Then both are the same content
    assert fingerprint(pd.Series(masked)) == fingerprint(pd.Series(fresh))
    arrow = pd.Series([1, 2, 3], dtype="int64[pyarrow]")
    arrow.iloc[0] = None
    assert fingerprint(arrow) == fingerprint(pd.Series([None, 2, 3], dtype="int64[pyarrow]"))


# --- layout is not content -------------------------------------------------------------------


def test_memory_layout_does_not_change_the_digest():
    # Given the same values laid out in memory in different ways, then they are one version
    grid = np.arange(60, dtype="float64").reshape(12, 5)
    expected = fingerprint(pd.DataFrame(grid))
    # C-ordered without a copy (strided columns), Fortran-ordered, and split blocks
    assert fingerprint(pd.DataFrame(grid, copy=False)) == expected
    assert fingerprint(pd.DataFrame(np.asfortranarray(grid))) == expected
    split = pd.concat(
        [pd.DataFrame(grid[:, :2]), pd.DataFrame(grid[:, 2:], columns=[2, 3, 4])], axis=1
    )
    assert len(split._mgr.blocks) > 1
    assert fingerprint(split) == expected
    # a slice and a copy of it, and the RangeIndex against the same int64 labels
    df = mixed_frame(50)
    assert fingerprint(df.iloc[10:20]) == fingerprint(df.iloc[10:20].copy(deep=True))
    assert fingerprint(df.iloc[10:20]) == fingerprint(df.iloc[list(range(10, 20))])
    assert fingerprint(df) == fingerprint(df.set_axis(np.arange(50, dtype="int64")))
    assert fingerprint(df) != fingerprint(df.set_axis(np.arange(50, dtype="int32")))
    # NumPy arrays in any order
    assert fingerprint(grid) == fingerprint(np.asfortranarray(grid))
    assert fingerprint(grid[::2]) == fingerprint(grid[::2].copy())
    assert fingerprint(grid.astype(">f8")) == fingerprint(grid)


def test_string_storage_and_arrow_chunks_are_layout():
    # Given the same strings stored by pyarrow, as Python objects, and in two arrow chunks,
    # then they are one version
    words = ["ab", "c", None, "déjà", ""]
    arrow = pd.Series(words, dtype=pd.StringDtype("pyarrow", na_value=np.nan))
    python = pd.Series(words, dtype=pd.StringDtype("python", na_value=np.nan))
    assert fingerprint(arrow) == fingerprint(python)
    chunked = pd.concat([arrow.iloc[:2], arrow.iloc[2:]], ignore_index=True)
    assert chunked.array._pa_array.num_chunks == 2
    assert fingerprint(chunked) == fingerprint(arrow)


# --- all the kinds of objects ----------------------------------------------------------------


def test_series_index_and_multiindex():
    # Given a Series, an Index and a MultiIndex, when a name, a label or a value changes,
    # then the version does; how pandas stores the same labels does not count
    s = pd.Series([1.0, 2.0], index=["a", "b"], name="x")
    assert fingerprint(s) != fingerprint(s.rename("y"))
    assert fingerprint(s) != fingerprint(s.set_axis(["a", "c"]))
    assert fingerprint(s) != fingerprint(s.to_frame())
    idx = pd.Index(["a", "b"], name="k")
    assert fingerprint(idx) != fingerprint(idx.rename("j"))
    assert fingerprint(pd.RangeIndex(3)) == fingerprint(pd.Index([0, 1, 2]))
    assert fingerprint(pd.RangeIndex(0)) != fingerprint(pd.RangeIndex(1))
    mi = pd.MultiIndex.from_tuples([("a", 1), ("a", 2), ("b", 1)], names=["k", "n"])
    assert fingerprint(mi) != fingerprint(mi.set_names(["k", "m"]))
    assert fingerprint(mi) != fingerprint(
        pd.MultiIndex.from_tuples([("a", 1), ("a", 2), ("b", 2)], names=["k", "n"])
    )
    # unused levels are layout
    assert fingerprint(mi[:2]) == fingerprint(
        pd.MultiIndex.from_tuples([("a", 1), ("a", 2)], names=["k", "n"])
    )
    framed = pd.DataFrame({"v": [1, 2, 3]}, index=mi)
    assert fingerprint(framed) != fingerprint(framed.reset_index())


def test_arrays_count_dtype_shape_and_values():
    # Given NumPy arrays, when the shape, dtype or a value differs, then the versions differ
    a = np.arange(6, dtype="int64")
    assert fingerprint(a.reshape(2, 3)) != fingerprint(a.reshape(3, 2))
    assert fingerprint(a) != fingerprint(a.astype("int32"))
    assert fingerprint(a) != fingerprint(a.astype("float64"))
    b = a.copy()
    b[-1] = 99
    assert fingerprint(a) != fingerprint(b)
    # an ndarray has no copy-on-write: it is hashed every time, so a write is always seen
    before = fingerprint(b)
    b[0] = -1
    assert fingerprint(b) != before
    assert fingerprint(np.array(["x", 1], dtype=object)) != fingerprint(
        np.array(["x", "1"], dtype=object)
    )
    records = np.array([(1, 2.0)], dtype=[("a", "i1"), ("b", "f8")])
    assert fingerprint(records) != fingerprint(records.astype([("a", "i1"), ("c", "f8")]))
    masked = np.ma.array([1, 2, 3], mask=[0, 1, 0])
    assert fingerprint(masked) != fingerprint(np.ma.array([1, 2, 3], mask=[0, 0, 0]))


def test_bytes_and_files_share_the_artifact_store_digest(tmp_path):
    # Given bytes and a file of several read chunks holding them
    data = os.urandom(3 * fp.FILE_CHUNK + 5)
    path = tmp_path / "data.bin"
    path.write_bytes(data)
    # Then they share the digest the artifact store files the bytes under
    assert fingerprint(data) == fingerprint(bytearray(data)) == fingerprint(memoryview(data))
    assert fingerprint_file(path) == fingerprint(data) == digest_bytes(data)
    assert fingerprint_file(str(path)) == fingerprint_file(path)
    # When one byte changes at the very end of the file, then its version is new
    path.write_bytes(data[:-1] + bytes([data[-1] ^ 1]))
    assert fingerprint_file(path) != fingerprint(data)
    (tmp_path / "empty").write_bytes(b"")
    assert fingerprint_file(tmp_path / "empty") == fingerprint(b"")


def test_a_file_rewritten_with_its_old_times_and_size_is_a_new_version(tmp_path, monkeypatch):
    # Given a file hashed once, its digest remembered however recent its last change
    monkeypatch.setattr(fp, "SETTLED_NS", -1)
    path = tmp_path / "table.csv"
    path.write_bytes(b"a,b\n1,2\n")
    before = path.stat()
    first = fingerprint_file(path)
    assert fingerprint_file(path) == first
    # When its content changes in place (a tick of the file system's clock later: within
    # one, SETTLED_NS keeps a file from being remembered), same size, and its modification
    # time is set back
    time.sleep(0.05)
    path.write_bytes(b"a,b\n3,4\n")
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    # Then its fingerprint is the new content's (the change time moved)
    assert fingerprint_file(path) == fingerprint(b"a,b\n3,4\n") != first
    assert fingerprint_file(path, cache=False) == fingerprint(b"a,b\n3,4\n")


def test_file_mistakes_say_what_is_wrong(tmp_path):
    # Given paths that are not readable files, then the error says what is wrong
    with pytest.raises(NotFoundError, match="no such file"):
        fingerprint_file(tmp_path / "missing.csv")
    with pytest.raises(InvalidInputError, match="is a folder"):
        fingerprint_file(tmp_path)
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    with pytest.raises(InvalidInputError, match="not a regular file"):
        fingerprint_file(fifo)
    with pytest.raises(InvalidInputError, match="takes a path"):
        fingerprint_file(42)


def test_empty_frames_are_told_apart():
    # Given empty frames of different columns, dtypes or index, then their versions differ
    digests = {
        fingerprint(pd.DataFrame()),
        fingerprint(pd.DataFrame(columns=["a"])),
        fingerprint(pd.DataFrame({"a": pd.Series([], dtype="int64")})),
        fingerprint(pd.DataFrame({"a": pd.Series([], dtype="float64")})),
        fingerprint(pd.DataFrame(index=[0, 1])),
        fingerprint(pd.Series([], dtype="float64")),
    }
    assert len(digests) == 6
    assert fingerprint(pd.DataFrame()) == fingerprint(pd.DataFrame())


def test_unsupported_things_are_refused_with_advice():
    # Given objects without a stable content encoding, then the error says what to do
    assert can_fingerprint(pd.DataFrame()) and can_fingerprint(np.zeros(1)) and can_fingerprint(b"")
    assert not can_fingerprint({"a": 1}) and not can_fingerprint("data.csv")
    with pytest.raises(InvalidInputError, match=r"takes a pandas DataFrame.*pd\.DataFrame"):
        fingerprint({"a": [1, 2]})
    with pytest.raises(InvalidInputError, match="fingerprint_file"):
        fingerprint("data.csv")

    class Opaque:
        pass

    df = pd.DataFrame({"ok": [1, 2], "bad": np.array([1, Opaque()], dtype=object)})
    with pytest.raises(InvalidInputError, match=r"column 'bad'.*row 1.*Opaque.*astype\(str\)"):
        fingerprint(df)
    with pytest.raises(InvalidInputError, match="Series name"):
        fingerprint(pd.Series([1], name=Opaque()))


# --- the same in every process ---------------------------------------------------------------


def examples() -> dict[str, str]:
    """Digests of objects whose encoding could depend on the process if done carelessly."""
    pandas_and_more = {
        "mixed": mixed_frame(200),
        "containers": pd.Series(
            objects({"b": 1, "a": {2, 3}}, frozenset({"x", "y"}), ("t", None)), dtype=object
        ),
        "multi": pd.MultiIndex.from_product([["a", "b"], [1, 2]], names=["k", "n"]),
        "array": np.arange(12).reshape(3, 4),
        "objects": np.array(["a", 1, 2.5, None], dtype=object),
        "bytes": b"mlops",
    }
    return {name: fingerprint(obj) for name, obj in pandas_and_more.items()}


def test_digests_are_the_same_in_another_process_with_another_hash_seed():
    # Given two other processes with other hash seeds, then they compute the same digests
    script = (
        "import json; from tests.test_fingerprint import examples; print(json.dumps(examples()))"
    )
    results = []
    for seed in ("1", "4242"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        done = subprocess.run(
            [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True
        )
        assert done.returncode == 0, done.stderr
        results.append(json.loads(done.stdout.strip().splitlines()[-1]))
    assert results[0] == results[1] == examples()


def test_digests_are_pinned_so_an_encoding_change_cannot_slip_through():
    # Given known content, then its digest is the one stored versions were recorded under
    df = pd.DataFrame(
        {
            "a": np.array([1, 2, 3], "int64"),
            "b": np.array([0.5, 1.5, np.inf]),
            "o": np.array(["x", 1, None], object),
        }
    )
    assert fingerprint(b"abc") == "06b05ab6733a618578af5f94892f3950"
    assert fingerprint(df) == PINNED_FRAME


PINNED_FRAME = "3a3b2a71ed35722d5853cb784ab1748f"
