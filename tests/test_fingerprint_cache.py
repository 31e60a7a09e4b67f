"""The fingerprint cache answers only for objects that pandas' copy-on-write proves
unchanged, rehashes only what changed, and keeps nothing alive."""

from __future__ import annotations

import gc
import weakref

import numpy as np
import pandas as pd
import pytest

from mlops_jlab.datasets.fingerprint import cache as fingerprint_cache
from mlops_jlab.datasets.fingerprint import cache_info, clear_cache, fingerprint
from mlops_jlab.datasets.fingerprint import encoding as fingerprint_encoding
from tests.fingerprint_frames import mixed_frame, uncached


@pytest.fixture(autouse=True)
def fresh_cache():
    clear_cache()
    yield
    clear_cache()


# --- the cache answers only for unchanged objects --------------------------------------------


def frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "a": np.arange(5, dtype="float64"),
            "b": np.arange(5, dtype="int64"),
            "c": pd.Categorical(list("xyxyx")),
            "s": pd.array(list("pqrst"), dtype="str"),
            "n": pd.array([1, None, 3, 4, 5], dtype="Int64"),
            "t": pd.date_range("2024-01-01", periods=5),
        }
    )


def numbers() -> pd.DataFrame:
    return pd.DataFrame({"a": [0.0, 1.5, np.nan, 4.0], "b": [1.0, 2.0, 3.0, 4.0]})


# Each write is run on frame() (or on numbers() where it needs numeric columns only).
WRITES = [
    "df.loc[2, 'a'] = 9.5",
    "df.iloc[-1, 0] = -1.0",
    "df.at[0, 'b'] = 7",
    "df.iat[4, 1] = 7",
    "df.loc[df.b > 2, 'a'] = 0.0",
    "df.loc[:, 'a'] = 1.0",
    "df.iloc[:, 1] = 3",
    "df.iloc[1:3, 0] = 0.5",
    "df['a'] = df['a'] * 2",
    "df['a'] += 1",
    "df['new'] = 1",
    "del df['b']",
    "df.pop('s')",
    "df.insert(0, 'first', 0)",
    "df.rename(columns={'a': 'A'}, inplace=True)",
    "df.index = list('vwxyz')",
    "df.columns = list('ABCDEF')",
    "df.index.name = 'row'",
    "df.columns.name = 'field'",
    "df.sort_values('a', ascending=False, inplace=True)",
    "df.sort_index(ascending=False, inplace=True)",
    "df.fillna({'n': 0}, inplace=True)",
    "df.drop(index=[0], inplace=True)",
    "df.drop(columns=['c'], inplace=True)",
    "df.dropna(inplace=True)",
    "df.update(pd.DataFrame({'a': [100.0]}, index=[3]))",
    "df.replace({'b': {1: 10}}, inplace=True)",
    "df.loc[5] = [5.0, 5, 'x', 'u', 5, pd.Timestamp('2024-02-01')]",
    "df.set_index('s', inplace=True)",
    "df.reset_index(inplace=True)",
    "df.eval('d = a + b', inplace=True)",
    "df.loc[0, 'c'] = 'y'",
    "df.loc[0, 's'] = 'zz'",
    "df.loc[0, 'n'] = pd.NA",
    "df.loc[0, 't'] = pd.Timestamp('1999-01-01')",
    "df['b'] = df['b'].astype('int32')",
    "df['c'] = df['c'].cat.rename_categories(['X', 'Y'])",
    "df.clip(lower=2, inplace=True)",
    "df.where(df > 1, inplace=True)",
    "df.mask(df > 3, inplace=True)",
    "df.interpolate(inplace=True)",
    "df += 1",
    "df *= 2",
]
NUMERIC_ONLY = {"clip", "where", "mask", "interpolate", "df +=", "df *="}


@pytest.mark.parametrize("write", WRITES)
@pytest.mark.filterwarnings("ignore:The inplace keyword")
def test_every_kind_of_write_invalidates_the_cached_digest(write):
    # Given a frame fingerprinted, whose second fingerprint is a cache hit
    df = numbers() if any(word in write for word in NUMERIC_ONLY) else frame()
    before = fingerprint(df)
    hits = cache_info().hits
    assert fingerprint(df) == before and cache_info().hits == hits + 1
    # When the frame is written in place
    exec(write, {"pd": pd, "np": np}, {"df": df})
    # Then its fingerprint is that of its new content, computed from scratch
    after = fingerprint(df)
    assert after == uncached(df) == uncached(df.copy(deep=True))
    assert after != before
    # and once recomputed, the unchanged frame is a cache hit again
    hits = cache_info().hits
    assert fingerprint(df) == after and cache_info().hits == hits + 1


SERIES_WRITES = [
    "s.iloc[0] = 10.0",
    "s.iloc[-1] = 10.0",
    "s.loc['c'] = 10.0",
    "s['b'] = 2.0",
    "s.name = 'other'",
    "s.rename('other', inplace=True)",
    "s.index = list('xyz')",
    "s.index.name = 'key'",
    "s.fillna(0.0, inplace=True)",
    "s.sort_values(inplace=True)",
    "s += 1",
    "s.drop('a', inplace=True)",
    "s.update(pd.Series([7.0], index=['b']))",
    "s.loc['new'] = 1.0",
    "s.clip(upper=2.0, inplace=True)",
]


@pytest.mark.parametrize("write", SERIES_WRITES)
@pytest.mark.filterwarnings("ignore:The inplace keyword")
def test_every_kind_of_series_write_invalidates_the_cached_digest(write):
    # Given a fingerprinted Series, when it is written in place, then the digest follows
    s = pd.Series([3.0, np.nan, 1.0], index=list("abc"), name="v")
    before = fingerprint(s)
    assert fingerprint(s) == before and cache_info().hits == 1
    exec(write, {"pd": pd, "np": np}, {"s": s})
    assert fingerprint(s) == uncached(s) == uncached(s.copy(deep=True)) != before


def test_an_unchanged_frame_is_not_hashed_again(monkeypatch):
    # Given a frame fingerprinted once
    df = mixed_frame()
    digest = fingerprint(df)
    calls = []
    monkeypatch.setattr(fingerprint_cache, "digest_pandas", lambda *a, **k: calls.append(a))
    # When it is fingerprinted again, and read in every way that does not write
    df.describe()
    _ = df["f"].to_numpy(), df.values, df[["f", "i"]], df.loc[df.i > 3]
    view = df["f"]
    view.iloc[0] = 123.0  # a Series taken from the frame is its own object under copy-on-write
    # Then the digest comes from the cache, without hashing
    assert fingerprint(df) == digest
    assert calls == []
    assert cache_info().hits == 1


def test_a_new_or_replaced_column_hashes_only_that_column(monkeypatch):
    # Given a wide frame fingerprinted once
    df = pd.DataFrame(np.random.default_rng(1).random((1000, 20)))
    fingerprint(df)
    hashed = []
    real = fingerprint_encoding.raw

    def spy(a):
        hashed.append(a.shape)
        return real(a)

    monkeypatch.setattr(fingerprint_encoding, "raw", spy)
    # When a column is added, then one replaced
    df["new"] = 1.0
    assert fingerprint(df) == uncached(df)
    df[3] = 0.0
    hashed.clear()
    digest = fingerprint(df)
    # Then only the replaced column was read again, and the digest is right
    assert len(hashed) == 1
    monkeypatch.setattr(fingerprint_encoding, "raw", real)
    assert digest == uncached(df)
    # and a new frame sharing the columns (assign, rename) reuses them too
    hashed.clear()
    monkeypatch.setattr(fingerprint_encoding, "raw", spy)
    fingerprint(df.rename(columns=str).assign(extra=2.0))
    assert len(hashed) == 1


def test_frames_with_mutable_values_are_never_cached():
    # Given an object column of lists, which can change without pandas knowing
    df = pd.DataFrame({"tags": [["a"], ["b"]]})
    before = fingerprint(df)
    # When a list inside changes
    df.loc[0, "tags"].append("c")
    # Then the digest follows
    assert fingerprint(df) != before
    assert cache_info().entries == 0


def test_an_index_is_cached_until_its_names_change():
    # Given a fingerprinted Index, when its name changes in place, then the digest follows
    idx = pd.Index(["a", "b", "c"])
    before = fingerprint(idx)
    assert fingerprint(idx) == before and cache_info().hits == 1
    idx.name = "key"
    assert fingerprint(idx) == uncached(idx) != before


def test_writes_around_pandas_need_cache_false():
    # Given a frame sharing memory with a NumPy array (copy=False), fingerprinted
    data = np.zeros((4, 2))
    df = pd.DataFrame(data, copy=False)
    before = fingerprint(df)
    # When the array is written behind pandas' back (documented: pandas does not see it either)
    data[-1, 0] = 1.0
    # Then cache=False, or clearing the cache, sees the new content
    assert fingerprint(df, cache=False) != before
    clear_cache()
    assert fingerprint(df) != before


def test_the_cache_keeps_no_frame_and_no_old_data_alive():
    # Given a fingerprinted frame
    df = pd.DataFrame({"a": np.arange(1000.0)})
    fingerprint(df)
    old_values = weakref.ref(df._mgr.blocks[0].values)
    # When it is written, its old block is copied away and nothing holds the old copy
    df.loc[0, "a"] = -1.0
    gc.collect()
    assert old_values() is None
    # When it is deleted, its entry goes too
    fingerprint(df)
    gone = weakref.ref(df)
    del df
    gc.collect()
    assert gone() is None
    assert cache_info().entries == 0 and cache_info().columns == 0


def test_the_cache_is_bounded(monkeypatch):
    # Given more live frames than the cache holds, then it keeps its bound and stays right
    monkeypatch.setattr(fingerprint_cache.CACHE, "max_entries", 8)
    frames = [pd.DataFrame({"a": [float(i)]}) for i in range(20)]
    digests = [fingerprint(f) for f in frames]
    assert cache_info().entries == 8
    assert [fingerprint(f) for f in frames] == digests


def test_a_guard_proves_a_frame_unchanged_without_hashing_it():
    frame = pd.DataFrame({"a": [1, 2, 3], "b": ["x", "y", "z"]})
    proof = fingerprint_cache.guard(frame)
    assert proof.unchanged(frame)
    assert not proof.unchanged(frame.copy())  # another object, even with equal content
    frame.iloc[-1, 0] = 4
    assert not proof.unchanged(frame)
