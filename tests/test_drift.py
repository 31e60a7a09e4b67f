"""Diffs of dataset versions with drift statistics, from frames and from stored versions."""

from __future__ import annotations

import json
from itertools import pairwise

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from scipy.spatial import distance

from mlops_jlab.datasets import profiling
from mlops_jlab.datasets.drift import KS_SKETCH_TOLERANCE, PSI_EPSILON, diff
from mlops_jlab.datasets.profiling import describe
from mlops_jlab.errors import InvalidInputError
from tests.dataset_frames import every_kind, stored


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


def labelled(labels: int, rows: int, seed: int, shift: float) -> pd.Series:
    """``rows`` draws from ``labels`` labels, Zipf-like, with ``shift`` of the mass moved
    to a fresh random order of the labels (a shift that the most frequent values alone do
    not show once there are more than 20 of them)."""
    rng = np.random.default_rng(seed)
    weights = 1 / np.arange(1, labels + 1) ** 0.8
    moved = rng.permutation(weights)
    p = (1 - shift) * weights / weights.sum() + shift * moved / moved.sum()
    names = np.array([f"label-{number:06d}" for number in range(labels)], dtype=object)
    return pd.Series(names[rng.choice(labels, rows, p=p)], name="label")


def scipys_label_drift(a: pd.Series, b: pd.Series) -> tuple[float, object]:
    """Jensen-Shannon distance (base 2) and chi-square of two columns' full counts."""
    counts = pd.concat([a.value_counts(), b.value_counts()], axis=1).fillna(0).to_numpy().T
    js = distance.jensenshannon(counts[0] / counts[0].sum(), counts[1] / counts[1].sum(), base=2)
    return float(js), stats.chi2_contingency(counts)


@pytest.mark.parametrize(("labels", "rows"), [(50, 5_000), (1_000, 30_000), (100_000, 300_000)])
def test_stored_versions_give_scipys_label_drift_on_the_full_data(labels, rows):
    # Given two versions of a label column whose mix moved beyond its 20 most frequent values
    reference = labelled(labels, rows, seed=1, shift=0.0)
    current = labelled(labels, rows + 11, seed=2, shift=0.35)
    # When their stored versions are compared (the path of the REST API and the panel)
    a, b = stored(describe(reference.to_frame())), stored(describe(current.to_frame()))
    drift = stored(diff(a, b))["columns"]["label"]["drift"]
    # Then the Jensen-Shannon distance and the chi-square test are scipy's on the full data
    js, chi2 = scipys_label_drift(reference, current)
    assert drift["exact"] is True
    assert drift["js_distance"] == pytest.approx(js, rel=1e-9)
    assert drift["chi2"] == pytest.approx(chi2.statistic, rel=1e-9)
    assert drift["chi2_pvalue"] == pytest.approx(chi2.pvalue, rel=1e-6, abs=1e-300)
    assert drift["chi2_dof"] == chi2.dof and drift["cells"] == chi2.dof + 1
    # And so is the verdict
    assert drift["drifted"] is (js >= 0.1)
    # And the diff lists the 50 cells most of the data falls in, the rest summed
    assert len(drift["buckets"]) <= 51
    assert sum(bucket["a"] for bucket in drift["buckets"]) == rows
    # And the profile's size grows with the labels only: about 20 bytes a label
    size = len(json.dumps(a["profile"]["label"]))
    assert size < 25 * labels + 5_000


def test_top_lists_that_do_not_overlap_no_longer_hide_drift():
    # Given two versions whose 20 most frequent values are all different
    before = pd.Series([f"a{i % 40}" for i in range(4000)] + [f"b{i % 40}" for i in range(400)])
    after = pd.Series([f"b{i % 40}" for i in range(4000)] + [f"a{i % 40}" for i in range(400)])
    # When the stored versions are compared
    a, b = (stored(describe(frame.to_frame("code"))) for frame in (before, after))
    drift = stored(diff(a, b))["columns"]["code"]["drift"]
    # Then the drift is the data's, not one "other" bucket against itself
    js, chi2 = scipys_label_drift(before, after)
    assert drift["js_distance"] == pytest.approx(js, rel=1e-9) and js > 0.5
    assert drift["chi2_dof"] == chi2.dof == 79 and drift["drifted"] is True


def test_beyond_the_cap_a_sketch_estimates_a_distance_no_larger_than_the_data_s(monkeypatch):
    # Given a profile that keeps the counts of 300 values at most
    monkeypatch.setattr(profiling, "VALUE_COUNTS_CAP", 300)
    reference = labelled(2_000, 40_000, seed=3, shift=0.0)
    current = labelled(2_000, 40_000, seed=4, shift=0.5)
    a, b = stored(describe(reference.to_frame())), stored(describe(current.to_frame()))
    # Then each keeps a sketch of every value's count instead
    for profile in (a["profile"]["label"], b["profile"]["label"]):
        assert "value_counts" not in profile
        assert sum(profile["value_sketch"]["counts"]) == 40_000
        assert len(json.dumps(profile)) < 15_000
    # When they are compared
    drift = stored(diff(a, b))["columns"]["label"]["drift"]
    # Then the distance is an estimate, below the data's (merging values only lowers it)
    # but near it, and the verdict is the data's
    js, _chi2 = scipys_label_drift(reference, current)
    assert drift["exact"] is False
    assert js * 0.8 <= drift["js_distance"] <= js
    assert drift["drifted"] is (js >= 0.1)


def test_versions_stored_before_value_counts_were_kept_still_diff_as_estimates():
    # Given two versions stored by earlier code: their 20 top values and an "other" count
    reference = labelled(50, 5_000, seed=1, shift=0.0)
    current = labelled(50, 5_000, seed=2, shift=0.35)
    a, b = stored(describe(reference.to_frame())), stored(describe(current.to_frame()))
    for old in (a, b):
        del old["profile"]["label"]["value_counts"]
    # When they are compared, with each other and with a version stored now
    old_with_old = stored(diff(a, b))["columns"]["label"]["drift"]
    old_with_new = stored(diff(a, stored(describe(current.to_frame()))))["columns"]["label"]
    # Then each diff is computed, and marked as estimated
    assert old_with_old["method"] == "js+chi2" and old_with_old["exact"] is False
    assert 0 < old_with_old["js_distance"] <= scipys_label_drift(reference, current)[0]
    assert old_with_new["drift"]["exact"] is False


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
