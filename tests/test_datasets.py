"""Dataset versions: descriptions (schema, counts, profiles) and diffs with drift statistics."""

from __future__ import annotations

import json
from itertools import pairwise

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from scipy.spatial import distance

from mlops_jlab.datasets import (
    KS_SKETCH_TOLERANCE,
    PSI_EPSILON,
    ROLES,
    check_role,
    describe,
    diff,
)
from mlops_jlab.errors import InvalidInputError


def stored(result: dict) -> dict:
    """What a store gives back: strict JSON (no NaN, no infinity, no NumPy scalars)."""
    return json.loads(json.dumps(result, allow_nan=False))


def customers(seed: int, n: int = 5000) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "income": rng.lognormal(10, 0.5, n),
            "age": rng.normal(40, 12, n),
            "score": rng.uniform(0, 1, n),
            "visits": rng.poisson(3, n),
            "wait": rng.exponential(2, n),
            "plan": rng.choice(["free", "basic", "pro", "team"], n, p=[0.4, 0.3, 0.2, 0.1]),
        }
    )


def psi_by_hand(reference: np.ndarray, current: np.ndarray) -> float:
    """PSI over the reference's decile bins (right-closed), empty shares raised to 1e-4."""
    deciles = np.unique(np.quantile(reference, np.arange(1, 10) / 10, method="inverted_cdf"))
    bins = np.concatenate(([-np.inf], deciles, [np.inf]))

    def shares(values):
        counts = [np.sum((values > low) & (values <= high)) for low, high in pairwise(bins)]
        return np.maximum(np.array(counts) / len(values), 1e-4)

    a, b = shares(reference), shares(current)
    return float(np.sum((b - a) * np.log(b / a)))


# ------------------------------------------------------------------- drift against scipy


@pytest.mark.parametrize("n", [800, 12_000])  # scipy's exact p-value, then its asymptotic one
def test_drift_of_frames_has_scipys_ks_statistic_and_p_value(n):
    # Given a reference and a current sample whose mean moved by a tenth of a deviation
    rng = np.random.default_rng(7)
    reference = pd.DataFrame({"x": rng.normal(0, 1, n)})
    current = pd.DataFrame({"x": rng.normal(0.1, 1, n + 37)})
    # When the two frames are compared
    result = stored(diff(reference, current))
    # Then the KS test is scipy's, exactly
    expected = stats.ks_2samp(reference["x"], current["x"])
    drift = result["columns"]["x"]["drift"]
    assert result["exact"] is True and drift["exact"] is True
    assert drift["ks_statistic"] == pytest.approx(expected.statistic, rel=1e-12)
    assert drift["ks_pvalue"] == pytest.approx(expected.pvalue, rel=1e-9, abs=1e-300)


def test_drift_of_labels_has_scipys_jensen_shannon_distance_and_chi_square():
    # Given a plan column whose mix moved towards the paid plans
    rng = np.random.default_rng(3)
    plans = ["free", "basic", "pro", "team"]
    reference = pd.DataFrame({"plan": rng.choice(plans, 4000, p=[0.4, 0.3, 0.2, 0.1])})
    current = pd.DataFrame({"plan": rng.choice(plans, 3000, p=[0.3, 0.3, 0.25, 0.15])})
    # When the frames are compared
    drift = stored(diff(reference, current))["columns"]["plan"]["drift"]
    # Then the distance is scipy's (base 2) and the test is scipy's on the table of counts
    counts_a = reference["plan"].value_counts().reindex(plans).to_numpy()
    counts_b = current["plan"].value_counts().reindex(plans).to_numpy()
    assert drift["method"] == "js+chi2"
    assert drift["js_distance"] == pytest.approx(
        distance.jensenshannon(counts_a / 4000, counts_b / 3000, base=2), rel=1e-12
    )
    expected = stats.chi2_contingency(np.array([counts_a, counts_b]))
    assert drift["chi2"] == pytest.approx(expected.statistic, rel=1e-12)
    assert drift["chi2_pvalue"] == pytest.approx(expected.pvalue, rel=1e-9)
    assert drift["chi2_dof"] == expected.dof == 3
    assert {bucket["value"]: (bucket["a"], bucket["b"]) for bucket in drift["buckets"]} == {
        plan: (int(a), int(b)) for plan, a, b in zip(plans, counts_a, counts_b, strict=True)
    }


def test_psi_uses_the_reference_deciles_and_stays_finite_for_empty_bins():
    # Given a current sample that moved by half a deviation, and one beyond the reference
    rng = np.random.default_rng(11)
    reference = rng.gamma(2.0, 1.5, 3000)
    moved = reference.std() * 0.5 + rng.gamma(2.0, 1.5, 2500)
    beyond = reference.max() + 1 + rng.random(500)
    for current in (moved, beyond):
        # When the frames are compared
        drift = stored(diff(pd.DataFrame({"x": reference}), pd.DataFrame({"x": current})))
        drift = drift["columns"]["x"]["drift"]
        # Then PSI is the textbook formula on the reference's decile bins
        assert drift["psi"] == pytest.approx(psi_by_hand(reference, current), rel=1e-12)
        deciles = np.quantile(reference, np.arange(1, 10) / 10, method="inverted_cdf")
        assert drift["bins"]["edges"] == pytest.approx(deciles.tolist())
        assert sum(drift["bins"]["a"]) == pytest.approx(1) and sum(drift["bins"]["b"]) == 1
        assert drift["drifted"] and any("PSI" in reason for reason in drift["reasons"])
    # and the emptied bins count as PSI_EPSILON, not as zero
    assert drift["bins"]["b"][:-1] == [0.0] * 9
    assert PSI_EPSILON == 1e-4


# ------------------------------------------------------------ drift from stored versions


def test_stored_versions_give_scipys_ks_within_the_tolerance_and_the_same_verdicts():
    # Given two customer tables from one population (a seed at which scipy's exact test
    # rejects nothing: at alpha 0.05, one column in twenty would by chance) and a third
    # whose income, age and waiting time moved by half a standard deviation
    reference, same = customers(0), customers(100)
    moved = customers(200)
    for column in ("income", "age", "wait"):
        moved[column] += 0.5 * reference[column].std()
    descriptions = [stored(describe(frame)) for frame in (reference, same, moved)]
    for current, described in ((same, descriptions[1]), (moved, descriptions[2])):
        # When the stored versions are compared, and the frames themselves
        estimated = stored(diff(descriptions[0], described))
        exact = stored(diff(reference, current))
        # Then the estimated KS statistics are within the documented tolerance of scipy's
        for column in ("income", "age", "score", "visits", "wait"):
            expected = stats.ks_2samp(reference[column], current[column]).statistic
            statistic = estimated["columns"][column]["drift"]["ks_statistic"]
            assert abs(statistic - expected) <= KS_SKETCH_TOLERANCE
        # and both flag the same columns
        assert estimated["exact"] is False and exact["exact"] is True
        assert estimated["drifted_columns"] == exact["drifted_columns"]
    assert stored(diff(descriptions[0], descriptions[1]))["drifted_columns"] == []
    assert stored(diff(descriptions[0], descriptions[2]))["drifted_columns"] == [
        "income",
        "age",
        "wait",
    ]
    assert KS_SKETCH_TOLERANCE == 0.02


def test_a_stored_version_compared_with_itself_has_not_drifted():
    # Given the stored description of a table of every kind of column
    description = stored(describe(every_kind()))
    # When it is compared with itself
    result = stored(diff(description, description))
    # Then nothing changed and nothing drifted
    assert result["drifted_columns"] == []
    assert result["schema"] == {"added": [], "removed": [], "type_changed": []}
    assert result["rows"] == {"a": 6, "b": 6, "change": 0}
    for column in result["columns"].values():
        assert column["changes"] == {}
        assert column["drift"]["drifted"] is False
        assert column["drift"].get("psi", 0) == 0 and column["drift"].get("js_distance", 0) == 0


def test_large_stored_samples_of_counts_and_mostly_zero_amounts_raise_no_false_alarm():
    # Given large samples of one population of counts and of amounts that are mostly zero
    def sample(seed):
        rng = np.random.default_rng(seed)
        amounts = np.where(rng.random(60_000) < 0.6, 0.0, rng.lognormal(3, 1, 60_000))
        return pd.DataFrame({"visits": rng.poisson(3, 60_000), "amount": amounts})

    reference, current = sample(1), sample(2)
    # When their stored versions are compared
    estimated = stored(diff(stored(describe(reference)), stored(describe(current))))
    # Then the steps of the counts are known exactly, so their KS statistic is scipy's
    visits = estimated["columns"]["visits"]["drift"]
    expected = stats.ks_2samp(reference["visits"], current["visits"]).statistic
    assert visits["ks_statistic"] == pytest.approx(expected, abs=1e-9)
    # and the amounts' is within the tolerance, which the p-value allows for
    amount = estimated["columns"]["amount"]["drift"]
    expected = stats.ks_2samp(reference["amount"], current["amount"]).statistic
    low, high = amount["ks_statistic_range"]
    assert low <= expected <= high
    assert high == pytest.approx(amount["ks_statistic"] + KS_SKETCH_TOLERANCE)
    assert amount["ks_pvalue"] == 1.0
    assert estimated["drifted_columns"] == []


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
    assert x["sampled"] == city["sampled"] == 2000
    assert x["sketch"]["n"] == 2000 and x["distinct_exact"] is False
    assert sum(item["count"] for item in city["top_values"]) + city["other"] == 2000
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


def every_kind() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "amount": [1.5, np.nan, 3.0, np.inf, 2.0, 2.0],
            "count": pd.array([1, None, 3, 4, 4, 4], dtype="Int64"),
            "paid": [True, False, True, True, False, True],
            "maybe": pd.array([True, None, False, True, None, True], dtype="boolean"),
            "city": pd.Categorical(
                ["Oslo", "Rome", "Oslo", None, "Oslo", "Rome"], categories=["Oslo", "Rome", "Nuuk"]
            ),
            "name": ["ann", "bob", None, "cy", "dee", "ann"],
            "mixed": ["a", 1, None, 2.5, [1, 2], {"k": 1}],
            "seen": pd.to_datetime(
                [
                    "2024-03-01 10:00",
                    "2024-03-02 00:00",
                    None,
                    "2024-03-05 00:00",
                    "2024-03-05 00:00",
                    "2024-04-01 00:00",
                ]
            ).tz_localize("Europe/Oslo"),
            "waited": pd.to_timedelta([1, 2, None, 4, 5, 90], unit="min"),
        }
    )


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


# -------------------------------------------------------------------------------- diffs


def test_a_diff_reports_schema_row_and_profile_changes():
    # Given a version that dropped a column, added one, changed a type and gained rows
    before = pd.DataFrame({"id": [1, 2, 3], "price": [9.5, 10.0, 11.0], "legacy": ["a", "b", "c"]})
    after = pd.DataFrame(
        {"id": ["1", "2", "3", "4"], "price": [9.5, 10.0, 11.0, np.nan], "region": list("nsew")}
    )
    for a, b in ((before, after), (stored(describe(before)), stored(describe(after)))):
        # When the versions are compared (as frames, and as stored descriptions)
        result = stored(diff(a, b))
        # Then the schema changes are listed
        assert result["schema"] == {
            "added": ["region"],
            "removed": ["legacy"],
            "type_changed": [{"name": "id", "from": "int64", "to": "str"}],
        }
        assert result["rows"] == {"a": 3, "b": 4, "change": 1}
        assert result["n_columns"] == {"a": 3, "b": 3, "change": 0}
        # and the changed fields of each column's profile
        price = result["columns"]["price"]["changes"]
        assert price["nulls"] == {"from": 0, "to": 1, "change": 1}
        assert price["null_fraction"] == {"from": 0.0, "to": 0.25, "change": 0.25}
        assert result["columns"]["id"]["changes"]["kind"] == {
            "from": "numeric",
            "to": "categorical",
        }
        assert result["columns"]["id"]["drift"]["reason"].startswith("its kind changed")
        # and added and removed columns carry their profile on their side only
        assert result["columns"]["region"]["a"] is None
        assert result["columns"]["region"]["b"]["distinct"] == 4
        assert result["columns"]["legacy"]["b"] is None
        assert result["columns"]["legacy"]["drift"] is None
    assert result["thresholds"]["psi_threshold"] == 0.2
    assert result["thresholds"]["ks_alpha"] == 0.05 and result["thresholds"]["js_threshold"] == 0.1


def test_a_diff_lists_values_that_appeared_and_vanished_and_flags_label_drift():
    # Given a plan column where "legacy" was retired and "team" launched
    before = pd.DataFrame({"plan": ["free"] * 50 + ["pro"] * 30 + ["legacy"] * 20})
    after = pd.DataFrame({"plan": ["free"] * 50 + ["pro"] * 30 + ["team"] * 20})
    # When the stored versions are compared
    column = stored(diff(stored(describe(before)), stored(describe(after))))["columns"]["plan"]
    # Then the new and vanished values are named and the column has drifted
    assert column["changes"]["values_added"] == ["team"]
    assert column["changes"]["values_removed"] == ["legacy"]
    assert column["drift"]["drifted"] and column["drift"]["js_distance"] == pytest.approx(
        distance.jensenshannon([0.5, 0.3, 0.2, 0], [0.5, 0.3, 0, 0.2], base=2)
    )


def test_datetime_columns_drift_when_their_dates_move():
    # Given event times, then the same times a month later
    rng = np.random.default_rng(4)
    start = pd.Timestamp("2024-01-01", tz="UTC")
    times = start + pd.to_timedelta(rng.uniform(0, 90 * 86400, 3000), unit="s")
    before = pd.DataFrame({"at": times})
    after = pd.DataFrame({"at": times + pd.Timedelta(days=30)})
    # When compared, as frames and as stored versions
    for result in (diff(before, after), diff(describe(before), describe(after))):
        drift = stored(result)["columns"]["at"]["drift"]
        # Then the column has drifted, with its bins shown as dates
        assert drift["drifted"] and drift["ks_statistic"] == pytest.approx(1 / 3, abs=0.02)
        assert drift["bins"]["edges"][0].startswith("2024-01-")
    assert stored(diff(before, after))["columns"]["at"]["drift"]["ks_statistic"] == pytest.approx(
        stats.ks_2samp(before["at"].astype("int64"), after["at"].astype("int64")).statistic
    )


def test_thresholds_decide_what_has_drifted():
    # Given a small shift
    rng = np.random.default_rng(9)
    a = pd.DataFrame({"x": rng.normal(0, 1, 2000)})
    b = pd.DataFrame({"x": rng.normal(0.15, 1, 2000)})
    # When compared with the default thresholds and with stricter ones
    default = stored(diff(a, b))
    strict = stored(diff(a, b, psi_threshold=5, ks_alpha=1e-9))
    # Then the default flags it (KS) and the strict thresholds, reported back, do not
    assert default["drifted_columns"] == ["x"]
    assert default["columns"]["x"]["drift"]["reasons"][0].startswith("KS p-value")
    assert strict["drifted_columns"] == []
    assert strict["thresholds"]["psi_threshold"] == 5 and strict["thresholds"]["ks_alpha"] == 1e-9


def test_a_damaged_stored_profile_loses_its_drift_statistics_but_not_the_diff():
    # Given a stored version whose sketch and top values were damaged
    frame = customers(0, n=300)
    damaged = stored(describe(frame))
    damaged["profile"]["age"]["sketch"] = {"n": 300, "levels": [0, 1], "quantiles": ["?", 2]}
    damaged["profile"]["plan"]["top_values"] = [{"count": 3}]
    # When it is compared with a sound one
    result = stored(diff(stored(describe(frame)), damaged))
    # Then those columns say why they have no statistics and the others compare as usual
    assert result["columns"]["age"]["drift"]["method"] is None
    assert "not one describe() writes" in result["columns"]["plan"]["drift"]["reason"]
    assert result["columns"]["income"]["drift"]["psi"] == 0 and result["drifted_columns"] == []


def test_a_frame_and_a_stored_version_compare_as_estimates():
    frame = customers(0, n=500)
    result = stored(diff(frame, stored(describe(frame))))
    assert result["exact"] is False and result["drifted_columns"] == []


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("a", "b", "message"),
    [
        (1, "x", "a is a int"),
        (pd.DataFrame({"x": [1]}), [1, 2], "b is a list"),
        ({"schema": []}, {"schema": []}, "it has no n_rows, n_columns, profile"),
        (
            {"schema": [{"name": 1}], "n_rows": 1, "n_columns": 1, "profile": {}},
            pd.DataFrame(),
            "schema must be a list",
        ),
        (
            {"schema": [], "n_rows": -1, "n_columns": 0, "profile": {}},
            pd.DataFrame(),
            "n_rows must be a count",
        ),
    ],
)
def test_diff_refuses_what_is_not_a_dataset_and_says_what_to_pass(a, b, message):
    with pytest.raises(InvalidInputError, match=r"describe\(\)") as raised:
        diff(a, b)
    assert message in str(raised.value)


@pytest.mark.parametrize(
    ("keyword", "value"),
    [
        ("psi_threshold", 0),
        ("psi_threshold", float("inf")),
        ("ks_alpha", 1.5),
        ("ks_alpha", True),
        ("js_threshold", "0.1"),
        ("js_threshold", float("nan")),
    ],
)
def test_diff_refuses_thresholds_out_of_range(keyword, value):
    frame = pd.DataFrame({"x": [1.0, 2.0]})
    with pytest.raises(InvalidInputError, match=f"{keyword} must be a number"):
        diff(frame, frame, **{keyword: value})


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
