"""The datasets, lineage and staleness REST API on a real Jupyter server and a real store
(SQLite and PostgreSQL): datasets and their versions, one version whole, two versions'
diff with drift, lineage graphs, stale runs, and the datasets compared runs read."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from scipy.spatial import distance

from tests.api_client import api_caller, server_config


@pytest.fixture
def jp_server_config(location, monkeypatch):
    return server_config(location, monkeypatch)


@pytest.fixture
def api(jp_fetch):
    return api_caller(jp_fetch)


def frame(shift: float = 0.0, rows: int = 500, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "age": rng.normal(40 + shift, 5, rows),
            "city": rng.choice(["Basel", "Bern", "Zug"], rows),
        }
    )


def run_with(tracker, name: str, *, reads=(), writes=()) -> str:
    """A finished run that read and wrote datasets: ``(name, frame[, role])`` each."""
    run = tracker.start_run(name=name, experiment="data")
    for direction, datasets in (("input", reads), ("output", writes)):
        for dataset, data, *role in datasets:
            run.log_dataset(data, dataset, direction=direction, role=role[0] if role else None)
    run.end()
    return run.id


@pytest.fixture
def churn(tracker):
    """data/train.csv in two versions (the second shifted in age) and a test split."""
    first = run_with(tracker, "prepare", writes=[("data/train.csv", frame())])
    second = run_with(
        tracker, "refresh", writes=[("data/train.csv", frame(shift=8, seed=2), "train")]
    )
    fit = run_with(
        tracker,
        "fit",
        reads=[("data/train.csv", frame(shift=8, seed=2)), ("test", frame(), "test")],
    )
    versions = tracker.dataset_versions("data/train.csv")
    return {"runs": (first, second, fit), "versions": [int(v) for v in versions["id"]]}


async def test_datasets_are_listed_with_their_version_counts(api, churn):
    # When the datasets are listed
    answer = await api("GET", "datasets")
    # Then each is there once, by name, with its number of versions
    assert answer.code == 200, answer
    listed = {item["name"]: item for item in answer.body["datasets"]}
    assert sorted(listed) == ["data/train.csv", "test"]
    assert listed["data/train.csv"]["versions"] == 2
    assert listed["test"]["versions"] == 1


async def test_a_dataset_s_versions_come_oldest_first_by_percent_encoded_name(
    churn, http_server_client, jp_base_url, jp_auth_header
):
    # When the versions of a dataset whose name has a slash are asked for, the slash
    # percent-encoded
    response = await http_server_client.fetch(
        f"{jp_base_url}mlops-jlab/api/datasets/data%2Ftrain.csv/versions",
        headers=jp_auth_header,
        raise_error=False,
    )
    # Then they come numbered, oldest first, with their shape and fingerprint
    assert response.code == 200, response.body
    versions = json.loads(response.body)["versions"]
    assert [v["version"] for v in versions] == [1, 2]
    assert [v["id"] for v in versions] == churn["versions"]
    assert all(v["dataset"] == "data/train.csv" and v["n_rows"] == 500 for v in versions)
    assert versions[0]["fingerprint"] != versions[1]["fingerprint"]


async def test_an_unknown_dataset_is_404_naming_the_known_ones(api, churn):
    answer = await api("GET", "datasets", "nope", "versions")
    assert answer.code == 404, answer
    assert "no dataset named 'nope'" in answer.body["message"]
    assert "data/train.csv" in answer.body["message"]


async def test_a_version_answers_its_schema_profile_and_runs(api, churn):
    # Given the second version of the training data, written by one run and read by another
    _first, second, _fit = churn["runs"]
    version_id = churn["versions"][1]
    # When it is asked for
    answer = await api("GET", "dataset-versions", str(version_id))
    # Then it has its schema, a profile per column and the runs that used it
    assert answer.code == 200, answer
    body = answer.body
    assert body["dataset"] == "data/train.csv" and body["version"] == 2
    assert [c["name"] for c in body["columns"]] == ["age", "city"]
    assert body["profile"]["age"]["kind"] == "numeric"
    assert 44 < body["profile"]["age"]["mean"] < 52
    assert {top["value"] for top in body["profile"]["city"]["top_values"]} == {
        "Basel",
        "Bern",
        "Zug",
    }
    assert body["written_by"] == [second]
    assert body["read_by"] == 1
    # And no other dataset holds its content
    assert body["same_content"] == []


async def test_the_same_content_under_two_names_is_shown_under_both(api, tracker, churn):
    # Given the first version of the training data, whose rows the fit run read again as
    # the dataset "test"
    first = churn["versions"][0]
    test = int(tracker.get_dataset_version("test@v1")["id"])
    # When either version is asked for
    answers = [await api("GET", "dataset-versions", str(v)) for v in (first, test)]
    # Then each names the other as the same content
    assert answers[0].body["same_content"] == [{"id": test, "dataset": "test", "version": 1}]
    assert answers[1].body["same_content"] == [
        {"id": first, "dataset": "data/train.csv", "version": 1}
    ]
    # And the notebook's API says the same
    assert tracker.get_dataset_version("test@v1")["same_content"] == ["data/train.csv@v1"]


async def test_a_diff_finds_drift_among_fifty_labels_and_answers_readable_profiles(api, tracker):
    # Given two versions of a 50-label column whose mix moved outside its 20 commonest values
    rng = np.random.default_rng(4)
    labels = [f"shop-{number:02d}" for number in range(50)]
    weights = 1 / np.arange(1, 51)
    before = pd.DataFrame({"shop": rng.choice(labels, 5000, p=weights / weights.sum())})
    moved = np.concatenate((weights[:20], weights[20:][::-1] * 8))
    after = pd.DataFrame({"shop": rng.choice(labels, 5000, p=moved / moved.sum())})
    run_with(tracker, "before", writes=[("shops", before)])
    run_with(tracker, "after", writes=[("shops", after)])
    a, b = (int(v) for v in tracker.dataset_versions("shops")["id"])
    # When the panel asks for their diff and for a version
    answer = await api("GET", "dataset-versions", "diff", params={"a": str(a), "b": str(b)})
    version = await api("GET", "dataset-versions", str(a))
    # Then the drift is that of the data, every label counted
    assert answer.code == 200, answer
    drift = answer.body["columns"]["shop"]["drift"]
    counts = pd.concat([before.shop.value_counts(), after.shop.value_counts()], axis=1)
    table = counts.fillna(0).to_numpy().T
    expected = distance.jensenshannon(table[0] / 5000, table[1] / 5000, base=2)
    assert drift["exact"] is True and drift["cells"] == 50
    assert drift["js_distance"] == pytest.approx(expected, rel=1e-9) and expected > 0.1
    assert "shop" in answer.body["drifted_columns"]
    # And profiles come with their top values, without the counts drift was computed from
    for profile in (version.body["profile"]["shop"], answer.body["columns"]["shop"]["a"]):
        assert len(profile["top_values"]) == 20 and "value_counts" not in profile


@pytest.mark.parametrize("version_id", ["999999", "0", "abc", "1.5", "99999999999"])
async def test_an_unknown_version_is_404(api, churn, version_id):
    answer = await api("GET", "dataset-versions", version_id)
    assert answer.code == 404, answer
    assert "no dataset version" in answer.body["message"]


async def test_a_diff_reports_the_shifted_column_as_drifted(api, churn):
    # Given two versions whose ages differ by 8 years on average
    a, b = churn["versions"]
    # When the second is diffed against the first
    answer = await api("GET", "dataset-versions", "diff", params={"a": a, "b": b})
    # Then age has drifted (PSI and KS), city has not, and the thresholds are named
    assert answer.code == 200, answer
    body = answer.body
    assert body["a"]["id"] == a and body["b"]["id"] == b
    assert body["drifted_columns"] == ["age"]
    age = body["columns"]["age"]["drift"]
    assert age["method"] == "psi+ks" and age["psi"] > 0.2 and age["drifted"] is True
    assert body["columns"]["city"]["drift"]["drifted"] is False
    thresholds = {"psi_threshold": 0.2, "ks_alpha": 0.05, "js_threshold": 0.1}
    assert body["thresholds"].items() >= thresholds.items()
    assert body["schema_changes"] == {"added": [], "removed": [], "type_changed": []}
    assert body["rows"]["change"] == 0 and body["exact"] is False


async def test_a_diff_takes_its_thresholds(api, churn):
    a, b = churn["versions"]
    answer = await api(
        "GET", "dataset-versions", "diff", params={"a": a, "b": b, "psi_threshold": 99}
    )
    assert answer.code == 200, answer
    assert answer.body["thresholds"]["psi_threshold"] == 99
    assert answer.body["columns"]["age"]["drift"]["psi"] < 99


@pytest.mark.parametrize(
    ("params", "code", "says"),
    [
        ({"a": "x", "b": 1}, 400, "a: Input should be a valid integer"),
        ({"a": 1}, 400, "b: Field required"),
        ({"a": 1, "b": 2, "ks_alpha": 2}, 400, "ks_alpha"),
        ({"a": 1, "b": 999999}, 404, "no dataset version 999999"),
    ],
)
async def test_a_bad_diff_query_says_what_is_wrong(api, churn, params, code, says):
    answer = await api("GET", "dataset-versions", "diff", params=params)
    assert answer.code == code, answer
    assert says in answer.body["message"]


async def test_lineage_upstream_of_a_model_reaches_the_raw_data(api, pipeline):
    # When the lineage upstream of the model artifact is asked for
    answer = await api("GET", "lineage", "artifact", pipeline.model, params={"direction": "up"})
    # Then nodes and edges lead from raw.csv through both runs to the model
    assert answer.code == 200, answer
    body = answer.body
    assert body["root"] == f"artifact:{pipeline.model}"
    ids = {node["id"] for node in body["nodes"]}
    expected = {
        f"artifact:{pipeline.model}",
        f"run:{pipeline.train_run}",
        f"dataset_version:{pipeline.clean}",
        f"run:{pipeline.clean_run}",
        f"dataset_version:{pipeline.raw}",
    }
    assert ids == expected
    edges = {(edge["source"], edge["target"], edge["kind"]) for edge in body["edges"]}
    assert (f"dataset_version:{pipeline.raw}", f"dataset_version:{pipeline.clean}", "derived") in (
        edges
    )
    assert (f"run:{pipeline.train_run}", f"artifact:{pipeline.model}", "output") in edges


async def test_lineage_downstream_with_a_depth(api, pipeline):
    # When one step downstream of the raw data is asked for
    answer = await api(
        "GET",
        "lineage",
        "dataset_version",
        str(pipeline.raw),
        params={"direction": "down", "depth": 1},
    )
    # Then only the run that read it and the version derived from it are reached
    assert answer.code == 200, answer
    ids = {node["id"] for node in answer.body["nodes"]}
    assert ids == {
        f"dataset_version:{pipeline.raw}",
        f"run:{pipeline.clean_run}",
        f"dataset_version:{pipeline.clean}",
    }


@pytest.mark.parametrize(
    ("path", "params", "code", "says"),
    [
        (("lineage", "table", "1"), None, 400, "a lineage node's kind is one of"),
        (("lineage", "dataset_version", "x"), None, 404, "there is no dataset_version 'x'"),
        (("lineage", "dataset_version", "0" * 31 + "a"), None, 404, "no dataset_version"),
        (("lineage", "run", "12"), None, 404, "there is no run"),
        (("lineage", "dataset_version", "987654"), None, 404, "no dataset_version"),
        (("lineage", "run", "0" * 32), None, 404, "there is no run"),
        (("lineage", "run", "0" * 32), {"direction": "sideways"}, 400, "direction"),
        (("lineage", "run", "0" * 32), {"depth": -1}, 400, "depth"),
    ],
)
async def test_a_bad_lineage_request_says_what_is_wrong(api, pipeline, path, params, code, says):
    answer = await api("GET", *path, params=params)
    assert answer.code == code, answer
    assert says in answer.body["message"]


async def test_stale_runs_are_listed_and_marked_with_their_reasons(api, tracker):
    # Given a run that read v1 of a dataset which a later run replaced by v2
    old = run_with(tracker, "old fit", reads=[("features", frame())])
    run_with(tracker, "new data", writes=[("features", frame(shift=1, seed=3))])
    fresh = run_with(tracker, "new fit", reads=[("features", frame(shift=1, seed=3))])
    # When the stale runs are listed
    answer = await api("GET", "runs", params={"stale": "true"})
    # Then only the old fit is, with why
    assert answer.code == 200, answer
    assert [run["id"] for run in answer.body["runs"]] == [old]
    counted = await api("GET", "runs", "count", params={"stale": "true"})
    assert counted.body == {"total": 1, "complete": True, "is_estimate": False}
    assert answer.body["runs"][0]["stale_reasons"] == ["read features v1; v2 is newer"]
    # And every listed run says whether it is stale
    everything = await api("GET", "runs")
    reasons = {run["id"]: run["stale_reasons"] for run in everything.body["runs"]}
    assert reasons[fresh] == [] and reasons[old] != []
    described = await api("GET", "runs", old)
    assert described.body["stale_reasons"] == ["read features v1; v2 is newer"]


async def test_compare_shows_the_input_versions_side_by_side(api, tracker, churn):
    # Given two fits, one on each version of the training data, both on the same test set
    fit_old = run_with(tracker, "fit v1", reads=[("data/train.csv", frame()), ("test", frame())])
    fit_new = churn["runs"][2]
    # When they are compared
    answer = await api("POST", "runs", "compare", body={"run_ids": [fit_old, fit_new]})
    # Then each dataset is a row with the version each run read, and the training data differs
    assert answer.code == 200, answer
    rows = {row["dataset"]: row for row in answer.body["datasets"]}
    assert sorted(rows) == ["data/train.csv", "test"]
    train = rows["data/train.csv"]
    assert [[ref["version"] for ref in refs] for refs in train["versions"]] == [[1], [2]]
    assert train["differs"] is True
    assert train["versions"][1][0]["role"] == "train"
    assert rows["test"]["differs"] is False


@pytest.mark.parametrize(
    "path",
    [
        "datasets/a%00b/versions",
        "lineage/run/abc%00def",
        "lineage/artifact/%00",
        "dataset-versions/1%00",
    ],
)
async def test_a_name_or_id_no_store_can_hold_is_404(
    churn, http_server_client, jp_base_url, jp_auth_header, path
):
    # When a name or id holds a NUL character, which PostgreSQL cannot even compare
    response = await http_server_client.fetch(
        f"{jp_base_url}mlops-jlab/api/{path}", headers=jp_auth_header, raise_error=False
    )
    # Then the answer says it does not exist, rather than failing
    assert response.code == 404, response.body
    assert "no " in json.loads(response.body)["message"]
