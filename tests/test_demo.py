"""The demo's example store: runs, datasets with roles, models and the lineage between them."""

from __future__ import annotations

from mlops_jlab import lineage
from mlops_jlab.config import StoreLocation
from mlops_jlab.demo import EXPERIMENT, fill_example_store
from mlops_jlab.tracking import Tracker


def test_the_example_store_leads_from_raw_data_to_every_model(tmp_path):
    # Given the embedded store the demo uses (the team store is tested elsewhere)
    tracker = Tracker(StoreLocation(f"sqlite:///{tmp_path / 'demo.sqlite'}", str(tmp_path), "demo"))
    # When the example store is filled
    recorded = fill_example_store(tracker)
    # Then every run finished, and the training runs hold a model and a figure
    runs = tracker.runs(experiment=EXPERIMENT)
    assert len(runs) == recorded and (runs["status"] == "finished").all()
    trained = runs[runs["name"] != "prepare-split"]
    for run_id in trained["run_id"]:
        assert {"model.pkl", "scores.png"} <= set(tracker.get_run(run_id).artifacts)
    # And the train and test sets are versions with their roles
    assert list(tracker.dataset_versions("breast-cancer-train")["role"]) == ["train"]
    assert list(tracker.dataset_versions("breast-cancer-test")["role"]) == ["test"]
    # And the raw data leads through the split to every model
    raw = tracker.get_dataset_version("breast-cancer")["id"]
    with tracker.store.read() as conn:
        down = lineage.graph(conn, "dataset_version", raw, "downstream")
    kinds = [node["kind"] for node in down["nodes"]]
    assert kinds.count("run") == recorded and kinds.count("artifact") == recorded - 1
    tracker.store.dispose()
