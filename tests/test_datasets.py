"""Dataset versions: their roles and the descriptions they keep (schema, counts, profiles)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mlops_jlab.datasets import profiling
from mlops_jlab.datasets.drift import diff
from mlops_jlab.datasets.profiling import describe
from mlops_jlab.datasets.roles import ROLES, check_role
from mlops_jlab.errors import InvalidInputError
from tests.dataset_frames import every_kind, stored

# ---------------------------------------------------------------------------- profiles


def test_a_numeric_profile_matches_pandas():
    # Given a float column with missing values and an integer column
    rng = np.random.default_rng(2)
    x = pd.Series(rng.normal(3, 2, 1000))
    x[rng.choice(1000, 50, replace=False)] = np.nan
    frame = pd.DataFrame({"x": x, "n": rng.integers(-5, 400, 1000)})
    # When it is described
    description = stored(describe(frame))
    profile = description["profile"]["x"]
    # Then the statistics are pandas' own
    assert profile["kind"] == "numeric" and profile["dtype"] == "float64"
    assert profile["count"] == x.count() == 950 and profile["nulls"] == 50
    assert profile["null_fraction"] == 0.05
    assert profile["min"] == x.min() and profile["max"] == x.max()
    assert profile["mean"] == pytest.approx(x.mean(), rel=1e-12)
    assert profile["std"] == pytest.approx(x.std(), rel=1e-12)
    assert profile["distinct"] == x.nunique() and profile["distinct_exact"] is True
    for key, level in (("p1", 0.01), ("p25", 0.25), ("p50", 0.5), ("p99", 0.99)):
        assert profile["quantiles"][key] == pytest.approx(x.quantile(level), rel=1e-12)
    # and the histogram is numpy's over the same edges, counting every non-null value
    histogram = profile["histogram"]
    assert len(histogram["counts"]) == 20 and len(histogram["edges"]) == 21
    assert histogram["edges"][0] == x.min() and histogram["edges"][-1] == x.max()
    assert histogram["counts"] == np.histogram(x.dropna(), bins=histogram["edges"])[0].tolist()
    assert sum(histogram["counts"]) == 950
    # and an integer column keeps exact integer bounds
    n = description["profile"]["n"]
    assert (n["min"], n["max"]) == (frame["n"].min(), frame["n"].max())
    assert isinstance(n["min"], int) and n["std"] == pytest.approx(frame["n"].std(), rel=1e-12)
    assert description["schema"] == [
        {"name": "x", "dtype": "float64"},
        {"name": "n", "dtype": "int64"},
    ]
    assert description["n_rows"] == 1000 and description["n_columns"] == 2


def test_a_small_integer_column_has_one_bin_per_value():
    # Given ratings from 1 to 5
    ratings = pd.DataFrame({"stars": [1, 2, 2, 3, 5, 5, 5]})
    # When described, then each rating has its own bin
    histogram = stored(describe(ratings))["profile"]["stars"]["histogram"]
    assert histogram == {"edges": [1, 2, 3, 4, 5, 6], "counts": [1, 2, 1, 0, 3]}


def test_infinities_are_counted_apart_and_kept_out_of_the_statistics():
    # Given a float column holding +inf and -inf
    x = pd.Series([1.0, 2.0, np.inf, 4.0, -np.inf, np.nan])
    # When it is described (and stored as strict JSON)
    profile = stored(describe(pd.DataFrame({"x": x})))["profile"]["x"]
    # Then the infinities are counted, and the statistics are those of the finite values
    assert profile["count"] == 5 and profile["nulls"] == 1 and profile["infinite"] == 2
    finite = x[np.isfinite(x)]
    assert (profile["min"], profile["max"]) == (1.0, 4.0)
    assert profile["mean"] == pytest.approx(finite.mean())
    assert profile["std"] == pytest.approx(finite.std())
    assert sum(profile["histogram"]["counts"]) == 3
    # and a column of nothing but infinities has no statistics, yet stores and compares
    only = stored(describe(pd.DataFrame({"x": [np.inf, -np.inf]})))
    assert only["profile"]["x"]["mean"] is None and only["profile"]["x"]["infinite"] == 2
    assert stored(diff(only, only))["columns"]["x"]["drift"]["method"] is None


def test_a_constant_column_has_no_spread_and_one_degenerate_bin():
    # Given a constant column
    frame = pd.DataFrame({"c": [2.5] * 40})
    # When described, then its deviation is 0 and its one bin has equal edges
    profile = stored(describe(frame))["profile"]["c"]
    assert profile["std"] == 0.0 and profile["distinct"] == 1
    assert profile["histogram"] == {"edges": [2.5, 2.5], "counts": [40]}
    # and a constant compared with itself has not drifted, with finite statistics
    for result in (diff(frame, frame), diff(describe(frame), describe(frame))):
        drift = stored(result)["columns"]["c"]["drift"]
        assert drift["psi"] == 0 and drift["ks_statistic"] == 0 and not drift["drifted"]
    # while a constant that changed has
    moved = stored(diff(frame, frame + 1))["columns"]["c"]["drift"]
    assert moved["drifted"] and moved["ks_statistic"] == 1


def test_empty_frames_single_rows_and_all_null_columns_describe_and_compare():
    # Given frames at the edges: no rows, one row, nothing but nulls, no columns
    empty = pd.DataFrame({"x": pd.Series([], dtype=float), "s": pd.Series([], dtype=object)})
    single = pd.DataFrame({"x": [1.5], "s": ["a"]})
    nulls = pd.DataFrame({"x": [np.nan] * 3, "s": [None] * 3})
    for frame in (empty, single, nulls, pd.DataFrame()):
        # When each is described and compared with the others
        description = stored(describe(frame))
        for other in (empty, single, nulls):
            stored(diff(frame, other))
            stored(diff(description, stored(describe(other))))
    # Then each says what it holds
    none = stored(describe(empty))["profile"]["x"]
    assert (none["count"], none["null_fraction"], none["min"], none["std"]) == (0, None, None, None)
    assert none["histogram"] == {"edges": [], "counts": []} and none["sketch"] is None
    one = stored(describe(single))["profile"]["x"]
    assert one["std"] is None and one["mean"] == 1.5 and one["histogram"]["counts"] == [1]
    all_null = stored(describe(nulls))["profile"]
    assert all_null["x"]["nulls"] == 3 and all_null["x"]["count"] == 0
    assert all_null["s"]["top_values"] == [] and all_null["s"]["null_fraction"] == 1.0
    # and a column that became all null is a change, not a drift statistic
    became = stored(diff(single, nulls))["columns"]["x"]
    assert became["changes"]["nulls"] == {"from": 0, "to": 3, "change": 3}
    assert became["drift"] == {
        "method": None,
        "drifted": False,
        "reason": "b has no finite values to compare (or no stored sketch)",
    }
    assert stored(describe(pd.DataFrame())) == {
        "schema": [],
        "n_rows": 0,
        "n_columns": 0,
        "profile": {},
    }


def test_every_kind_of_column_has_a_profile_that_stores_as_json():
    # Given columns of every kind a user's table holds
    frame = every_kind()
    # When it is described
    profile = stored(describe(frame))["profile"]
    # Then each column gets the profile of its kind
    assert {name: column["kind"] for name, column in profile.items()} == {
        "amount": "numeric",
        "count": "numeric",
        "paid": "boolean",
        "maybe": "boolean",
        "city": "categorical",
        "name": "categorical",
        "mixed": "other",
        "seen": "datetime",
        "waited": "numeric",
    }
    # nullable integers as pandas counts them
    assert profile["count"]["nulls"] == 1 and profile["count"]["min"] == 1
    assert profile["count"]["max"] == 4 and profile["count"]["mean"] == pytest.approx(3.2)
    # booleans and labels by their most frequent values; unused categories are left out
    assert profile["paid"]["top_values"] == [
        {"value": "True", "count": 4},
        {"value": "False", "count": 2},
    ]
    assert profile["maybe"]["nulls"] == 2 and profile["maybe"]["count"] == 4
    assert profile["city"]["top_values"] == [
        {"value": "Oslo", "count": 3},
        {"value": "Rome", "count": 2},
    ]
    assert profile["city"]["distinct"] == 2 and profile["city"]["other"] == 0
    assert profile["name"]["top_values"][0] == {"value": "ann", "count": 2}
    # mixed objects, even unhashable ones, by their text
    assert {item["value"] for item in profile["mixed"]["top_values"]} == {
        "a",
        "1",
        "2.5",
        "[1, 2]",
        "{'k': 1}",
    }
    # datetimes in their own time zone
    seen = profile["seen"]
    assert seen["timezone"] == "Europe/Oslo" and seen["nulls"] == 1
    assert seen["min"] == "2024-03-01T10:00:00+01:00" and seen["max"] == "2024-04-01T00:00:00+02:00"
    assert seen["histogram"]["edges"][0] == seen["min"] and sum(seen["histogram"]["counts"]) == 5
    # and durations in seconds
    assert profile["waited"]["unit"] == "s" and profile["waited"]["max"] == 5400.0


def test_text_of_mostly_distinct_values_is_text_and_its_top_values_are_bounded():
    # Given free text: 500 distinct comments, one of them repeated
    comments = [f"comment {i}" for i in range(500)] + ["great"] * 30
    # When described
    profile = stored(describe(pd.DataFrame({"comment": comments})))["profile"]["comment"]
    # Then it is text, its top list is bounded and the rest is counted as other
    assert profile["kind"] == "text" and profile["distinct"] == 501
    assert len(profile["top_values"]) == 20
    assert profile["top_values"][0] == {"value": "great", "count": 30}
    assert sum(item["count"] for item in profile["top_values"]) + profile["other"] == 530


def test_column_names_become_unique_text():
    # Given a MultiIndex, a repeated name, and names that are not text
    grouped = pd.DataFrame(
        [[1, 2, 3]], columns=pd.MultiIndex.from_tuples([("a", "x"), ("a", ""), ("b", 1)])
    )
    repeated = pd.DataFrame([[1, 2, 3, 4]], columns=["a", "a", "a.1", 0])
    # When described, then each column has a unique text name
    assert [c["name"] for c in stored(describe(grouped))["schema"]] == ["a.x", "a", "b.1"]
    assert [c["name"] for c in stored(describe(repeated))["schema"]] == ["a", "a.1", "a.1.1", "0"]
    # and a Series is a one-column frame
    assert stored(describe(pd.Series([1, 2], name="y")))["schema"] == [
        {"name": "y", "dtype": "int64"}
    ]
    # and text a store cannot keep is replaced
    odd = pd.DataFrame([["x\x00y"]], columns=pd.Index(["bad\x00name"], dtype=object), dtype=object)
    description = stored(describe(odd))
    assert description["schema"][0]["name"] == "bad\ufffdname"
    assert description["profile"]["bad\ufffdname"]["top_values"][0]["value"] == "x\ufffdy"


# ------------------------------------------------------------------------ large frames


def test_a_large_frame_is_profiled_on_a_fixed_sample_and_says_so():
    # Given a frame larger than the sample size
    rng = np.random.default_rng(5)
    sparse = np.where(rng.random(20_000) < 0.95, np.nan, rng.normal(size=20_000))
    frame = pd.DataFrame(
        {
            "x": rng.normal(size=20_000),
            "city": rng.choice([f"c{i}" for i in range(30)], 20_000),
            "sparse": sparse,
        }
    )
    # When it is described with a sample of 2,000 rows, twice
    first = stored(describe(frame, sample_rows=2000))
    # Then the same data gives the same description
    assert stored(describe(frame, sample_rows=2000)) == first
    x, city = first["profile"]["x"], first["profile"]["city"]
    # and the sketches say they summarise the sample
    assert x["sampled"] == 2000
    assert x["sketch"]["n"] == 2000 and x["distinct_exact"] is False
    # while a column of few labels is counted on every row, every value's count kept
    assert city["sampled"] is None and city["distinct_exact"] is True
    assert sum(item["count"] for item in city["top_values"]) + city["other"] == 20_000
    assert sum(city["value_counts"]["counts"]) == 20_000
    # while counts, moments and the histogram still cover every row
    assert x["count"] == 20_000 and sum(x["histogram"]["counts"]) == 20_000
    assert x["mean"] == pytest.approx(frame["x"].mean(), rel=1e-12)
    assert x["min"] == frame["x"].min() and x["max"] == frame["x"].max()
    # and the distinct count is estimated near the truth
    assert x["distinct"] == pytest.approx(20_000, rel=0.5)
    assert city["distinct"] == 30
    # and a column with fewer values than the sample is profiled on all of them
    assert first["profile"]["sparse"]["sampled"] is None
    assert first["profile"]["sparse"]["distinct"] == pd.Series(sparse).nunique()
    # and a stored sampled version compared with another sample of the same data agrees
    other = stored(describe(frame.sample(frac=1.0, random_state=1), sample_rows=2000))
    assert stored(diff(first, other))["drifted_columns"] == []


def test_free_text_with_more_values_than_a_profile_keeps_is_counted_on_the_sample(
    monkeypatch,
):
    # Given profiles that keep the counts of 100 values at most, and a column of ids
    monkeypatch.setattr(profiling, "VALUE_COUNTS_CAP", 100)
    frame = pd.DataFrame({"id": [f"order-{number}" for number in range(20_000)]})
    # When it is described with a sample of 2,000 rows
    profile = stored(describe(frame, sample_rows=2000))["profile"]["id"]
    # Then it is text, counted on the sample, and keeps a sketch of its counts, not a list
    assert profile["kind"] == "text" and profile["sampled"] == 2000
    assert "value_counts" not in profile and sum(profile["value_sketch"]["counts"]) == 2000
    assert profile["distinct"] == pytest.approx(20_000, rel=0.2)


# ----------------------------------------------------------------- bad input and roles


def test_describe_refuses_what_is_not_a_frame():
    with pytest.raises(InvalidInputError, match=r"pd\.DataFrame"):
        describe([[1, 2]])
    with pytest.raises(InvalidInputError, match="sample_rows"):
        describe(pd.DataFrame({"x": [1]}), sample_rows=0)


def test_roles_are_the_four_data_pillars():
    assert ROLES == ("train", "dev", "test", "realtime")
    assert check_role(None) is None
    assert check_role(" Train ") == "train" and check_role("realtime") == "realtime"
    for wrong in ("validation", "", 3):
        with pytest.raises(InvalidInputError, match="train, dev, test, realtime") as raised:
            check_role(wrong)
        assert "'dev' is the validation set" in str(raised.value)
