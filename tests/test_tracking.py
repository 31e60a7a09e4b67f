"""The Python tracking API, on SQLite and on PostgreSQL."""

from __future__ import annotations

import time

import pandas as pd
import pytest

import mlops_jlab as ml
from mlops_jlab import lineage
from mlops_jlab import tracking as tracking_module
from mlops_jlab.errors import InvalidInputError, MlopsError, NotFoundError, RunStateError
from mlops_jlab.store import reads, writes
from mlops_jlab.tracking import writer
from mlops_jlab.tracking.checks import MAX_TIMESTAMP_MS


def test_a_run_records_params_metrics_tags_and_its_context(tracking):
    # Given a run used as a context manager
    with ml.start_run(name="baseline", experiment="churn", tags={"team": "risk"}) as run:
        ml.log_params({"lr": 0.01, "model": "rf"})
        ml.log_param("depth", 7)
        ml.log_metric("acc", 0.91)
        ml.log_metrics({"f1": 0.8, "loss": 0.3})
        ml.set_tag("stage", "dev")
    # When it is read back
    record = ml.get_run(run.id)
    # Then everything logged is there and the run finished
    assert record.status == "finished"
    assert record.name == "baseline" and record.experiment == "churn"
    assert record.params == {"lr": "0.01", "model": "rf", "depth": "7"}
    assert record.metrics == {"acc": 0.91, "f1": 0.8, "loss": 0.3}
    assert record.tags == {"team": "risk", "stage": "dev"}
    assert record.end_time >= record.start_time
    assert record.environment_hash and record.user
    assert ml.active_run() is None


def test_a_run_inside_a_git_repository_records_the_commit(tracking, tmp_path, monkeypatch):
    # Given a working folder in a repository whose HEAD is a branch
    git = tmp_path / "repo" / ".git"
    (git / "refs" / "heads").mkdir(parents=True)
    (git / "HEAD").write_text("ref: refs/heads/main\n")
    (git / "refs" / "heads" / "main").write_text("a" * 40 + "\n")
    monkeypatch.chdir(tmp_path / "repo")
    # When a run starts there, then it records that commit
    with ml.start_run() as run:
        pass
    assert ml.get_run(run.id).git_commit == "a" * 40


def test_an_exception_ends_the_run_failed_with_the_error(tracking):
    with pytest.raises(ZeroDivisionError), ml.start_run() as run:
        ml.log_metric("acc", 0.5)
        1 / 0  # noqa: B018
    record = ml.get_run(run.id)
    assert record.status == "failed"
    assert "ZeroDivisionError" in record.error
    assert record.metrics == {"acc": 0.5}


def test_ctrl_c_ends_the_run_interrupted(tracking):
    with pytest.raises(KeyboardInterrupt), ml.start_run() as run:
        raise KeyboardInterrupt
    assert ml.get_run(run.id).status == "interrupted"


def test_nested_runs_know_their_parent(tracking):
    with ml.start_run(name="sweep") as parent:
        with ml.start_run(name="trial-1", nested=True) as child:
            assert ml.active_run() is child
        assert ml.active_run() is parent
    assert ml.get_run(child.id).parent_id == parent.id
    assert ml.get_run(child.id).experiment == ml.get_run(parent.id).experiment


def test_a_second_run_while_one_is_active_is_refused_with_advice(tracking):
    with ml.start_run(), pytest.raises(RunStateError, match="nested=True"):
        ml.start_run()


def test_metric_steps_count_up_and_the_latest_follows_the_highest_step(tracking, tracker):
    with ml.start_run() as run:
        for value in (0.5, 0.6, 0.7):
            ml.log_metric("acc", value)
        ml.log_metric("acc", 0.1, step=1)  # a late correction of step 1
    history = tracker.metric_history(run.id, "acc")
    assert list(history["step"]) == [0, 1, 1, 2]
    assert ml.get_run(run.id).metrics["acc"] == 0.7


@pytest.mark.parametrize("bad", ["high", None, b"1", True, [1]])
def test_a_non_numeric_metric_is_refused_and_nothing_is_lost(tracking, bad):
    with ml.start_run() as run:
        ml.log_metric("acc", 0.9)
        with pytest.raises(InvalidInputError, match="must be a number"):
            ml.log_metric("acc", bad)
    assert ml.get_run(run.id).metrics == {"acc": 0.9}


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), -float("inf")])
def test_a_non_finite_metric_is_refused_with_a_way_out(tracking, bad):
    with ml.start_run() as run:
        ml.log_metric("loss", 0.3)
        with pytest.raises(InvalidInputError, match="finite number"):
            ml.log_metric("loss", bad)
    assert ml.get_run(run.id).metrics == {"loss": 0.3}
    assert ml.get_run(run.id).status == "finished"


def test_numpy_numbers_are_metrics(tracking):
    np = pytest.importorskip("numpy")
    with ml.start_run() as run:
        ml.log_metrics({"a": np.float32(0.5), "b": np.int64(3)})
    assert ml.get_run(run.id).metrics == {"a": 0.5, "b": 3.0}


def test_an_over_long_key_is_refused_with_the_limit(tracking):
    with ml.start_run() as run:
        with pytest.raises(InvalidInputError, match="at most 250 characters"):
            ml.log_param("k" * 251, 1)
        ml.log_param("ok", 1)
    assert ml.get_run(run.id).params == {"ok": "1"}


def test_changing_a_logged_param_is_refused_and_the_first_value_kept(tracking):
    with ml.start_run() as run:
        ml.log_param("lr", 0.1)
        ml.log_param("lr", 0.1)  # the same value again is fine
        with pytest.raises(InvalidInputError, match=r"already '0\.1'"):
            ml.log_params({"lr": 0.2, "other": 1})
    assert ml.get_run(run.id).params == {"lr": "0.1"}


def test_logging_to_a_finished_run_is_refused(tracking):
    with ml.start_run() as run:
        pass
    with pytest.raises(RunStateError, match="has ended"):
        run.log_metric("acc", 1.0)
    with pytest.raises(RunStateError, match="no active run"):
        ml.log_metric("acc", 1.0)


def test_a_run_ended_elsewhere_refuses_more_logging(tracking, tracker):
    # Given a run that another process (here: another tracker) ended
    run = tracking.start_run()
    other = tracker.start_run()
    other.id = run.id
    other.end("failed")
    # When this process logs to it, the store refuses
    with pytest.raises(RunStateError, match="failed"):
        run.log_metric("acc", 1.0)
    # (A run marked crashed while its process lives comes back: see test_crashed_runs.py)


def test_an_unknown_run_id_is_not_found(tracking):
    with pytest.raises(NotFoundError, match="no run with id 'nope'"):
        ml.get_run("nope")


def test_artifacts_from_a_path_bytes_and_a_figure(tracking, tmp_path):
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    model = tmp_path / "model.bin"
    model.write_bytes(b"weights" * 1000)
    figure, axes = plt.subplots()
    axes.plot([1, 2, 3])
    with ml.start_run() as run:
        file_digest = ml.log_artifact(model, kind="model")
        bytes_digest = ml.log_artifact(b"hello", name="note.txt")
        figure_digest = ml.log_artifact(figure, name="curve.png")
    plt.close(figure)
    record = ml.get_run(run.id)
    assert record.artifacts == {
        "model.bin": file_digest,
        "note.txt": bytes_digest,
        "curve.png": figure_digest,
    }
    store = tracking.artifacts
    assert store.get_bytes(file_digest) == b"weights" * 1000
    assert store.get_bytes(figure_digest).startswith(b"\x89PNG")
    with pytest.raises(InvalidInputError, match="needs a name"):
        ml.start_run().log_artifact(b"x")


def test_runs_returns_the_dataframe_mlflow_users_know(tracking):
    for lr in (0.1, 0.01):
        with ml.start_run(experiment="e"):
            ml.log_params({"lr": lr})
            ml.log_metric("acc", 1 - lr)
    frame = ml.runs(order_by="metrics.acc DESC")
    assert list(frame["params.lr"]) == ["0.01", "0.1"]
    assert list(frame["metrics.acc"]) == [0.99, 0.9]
    assert {"run_id", "experiment", "status", "start_time"} <= set(frame.columns)
    assert str(frame["start_time"].dtype).startswith("datetime64")


def test_runs_of_an_empty_store_is_an_empty_frame_with_columns(tracking):
    frame = ml.runs()
    assert frame.empty and "run_id" in frame.columns


def _run_with_one_of_each():
    """An active run that already holds a param, a metric and a tag."""
    run = ml.start_run(name="kept")
    ml.log_param("lr", 0.1)
    ml.log_metric("acc", 0.9)
    ml.set_tag("team", "risk")
    return run


@pytest.mark.parametrize(
    ("mistake", "message"),
    [
        (lambda tmp: ml.log_metric("acc", 10**400), "finite number"),
        (lambda tmp: ml.log_metric("acc", 0.5, step=2**63), "64-bit"),
        (lambda tmp: ml.log_metric("acc", 0.5, step=1.5), "must be an integer"),
        (lambda tmp: ml.active_run().log_metric("acc", 0.5, timestamp="now"), "milliseconds"),
        (lambda tmp: ml.active_run().log_metric("acc", 0.5, timestamp=1.5e12), "milliseconds"),
        (lambda tmp: ml.active_run().log_metric("acc", 0.5, timestamp=-1), "milliseconds"),
        (lambda tmp: ml.log_param("big", 10**5000), "cannot be written as text"),
        (lambda tmp: ml.log_params([("depth", 3)]), "dict of key to value"),
        (lambda tmp: ml.log_metrics("acc"), "dict of key to value"),
        (lambda tmp: ml.set_tags(None), "dict of key to value"),
        (lambda tmp: ml.log_param("", 1), "non-empty string"),
        (lambda tmp: ml.set_tag("a\nb", 1), "control characters"),
        (lambda tmp: ml.log_artifact(tmp), "it is a folder"),
        (lambda tmp: ml.log_artifact(tmp / "missing.bin"), "no such file"),
        (lambda tmp: ml.start_run(experiment="", nested=True), "experiment name"),
        (lambda tmp: ml.start_run(name=5, nested=True), "run name"),
        (lambda tmp: ml.runs(5), "a filter is a string"),
        (lambda tmp: ml.runs(None, 5), "order_by must be"),
        (lambda tmp: ml.runs(max_results=2**70), "at most"),
        (lambda tmp: ml.runs(max_results=True), "positive integer"),
        (lambda tmp: ml.runs(experiment=5), "experiment's name"),
        (lambda tmp: ml.end_run("done"), "ends as one of"),
        (lambda tmp: ml.active_run().log_metric("acc", 1, timestamp=time.time_ns()), "millis"),
        (lambda tmp: ml.log_param("k", "a\x00b"), "cannot be stored"),
        (lambda tmp: ml.set_tag("caf\udce9", 1), "not valid Unicode"),
        (lambda tmp: ml.start_run(nested=True, job_id="nope"), "no job with id 'nope'"),
        (lambda tmp: ml.start_run(nested=True, code=b"x = 1"), "code must be a string"),
        (lambda tmp: ml.start_run(nested=True, execution_count=2**63), "execution_count"),
        (lambda tmp: ml.start_run(nested=True, cell_id="c" * 300), "at most 250"),
        (lambda tmp: ml.set_store(tmp / "runs.sqlite"), "set_store takes db_url"),
        (lambda tmp: ml.get_run(["abc"]), "run id"),
        (lambda tmp: ml.metric_history(ml.active_run().id, ["acc"]), "metric key"),
        (lambda tmp: ml.metric_history("nope", "acc"), "no run with id 'nope'"),
        (lambda tmp: ml.log_artifact(b"x", name="n.bin", kind=[]), "artifact kind"),
        (lambda tmp: ml.log_dataset(tmp, direction="sideways"), "'input' or 'output'"),
        (lambda tmp: ml.log_dataset(tmp, direction=None), "'input' or 'output'"),
    ],
)
def test_a_mistake_gets_advice_and_loses_nothing(tracking, tmp_path, mistake, message):
    # Given a run that has recorded one of each
    run = _run_with_one_of_each()
    # When a call is wrong, the package's own error says what to fix
    with pytest.raises(MlopsError, match=message):
        mistake(tmp_path)
    # Then the run goes on and everything recorded is still there
    ml.log_metric("acc", 0.95)
    ml.end_run()
    record = ml.get_run(run.id)
    assert record.status == "finished"
    assert record.params == {"lr": "0.1"}
    assert record.metrics == {"acc": 0.95}
    assert record.tags["team"] == "risk"
    assert record.name == "kept"


def test_runs_returns_more_than_a_thousand_runs_by_default(tracker, monkeypatch):
    # Given more runs than one statement can name by id (the loader works in batches)
    monkeypatch.setattr("mlops_jlab.store.reads.ID_BATCH", 7)
    for number in range(1005):
        run = tracker.start_run(name=f"r{number}")
        run.end()
    # When all runs are asked for without max_results, all come back
    frame = tracker.runs(order_by="name")
    assert len(frame) == 1005
    assert list(frame["name"][:3]) == ["r0", "r1", "r10"]


def test_an_unknown_parent_run_is_not_found(tracker):
    with pytest.raises(NotFoundError, match="no parent run with id 'nope'"):
        tracker.start_run(parent_id="nope")
    assert tracker.runs().empty


def test_steps_that_count_up_past_a_64_bit_integer_are_refused(tracking):
    with ml.start_run() as run:
        ml.log_metric("m", 1.0, step=2**63 - 1)
        with pytest.raises(InvalidInputError, match="64-bit"):
            ml.log_metric("m", 2.0)
    assert ml.get_run(run.id).metrics == {"m": 1.0}


def test_metric_history_reads_back_the_earliest_and_latest_timestamps(tracking):
    with ml.start_run() as run:
        ml.active_run().log_metric("m", 1.0, timestamp=0)
        ml.active_run().log_metric("m", 2.0, timestamp=MAX_TIMESTAMP_MS)
    history = ml.metric_history(run.id, "m")
    assert list(history["value"]) == [1.0, 2.0]
    assert history["timestamp"].iloc[1].year == 2262


# -- buffered runs (tracked cells) ----------------------------------------------------


def test_a_buffered_run_writes_everything_when_it_ends(tracker):
    # Given a buffered run that logged params, metrics, tags and a dataset
    run = tracker.start_run("buffered", "cells", kind="cell", buffered=True)
    run.log_params({"lr": 0.1})
    run.log_metrics({"acc": 0.5})
    run.log_metrics({"acc": 0.7})
    run.set_tags({"stage": "dev"})
    run.log_dataset(pd.DataFrame({"x": [1, 2]}), "frame")
    # Then nothing is in the store yet
    assert tracker.runs(experiment="cells").empty
    # When it ends
    run.end()
    # Then it is there whole, finished
    stored = tracker.get_run(run.id)
    assert stored.status == "finished" and stored.end_time is not None
    assert stored.params == {"lr": "0.1"} and stored.metrics == {"acc": 0.7}
    assert stored.tags == {"stage": "dev"}
    assert list(tracker.metric_history(run.id, "acc")["value"]) == [0.5, 0.7]
    assert list(tracker.dataset_versions("frame")["version"]) == [1]


def test_a_long_buffered_run_shows_up_while_it_runs(tracker, monkeypatch):
    # Given a short flush interval and a buffered run that keeps running
    monkeypatch.setattr(writer, "FLUSH_SECONDS", 0.2)
    run = tracker.start_run("long", "cells", kind="cell", buffered=True)
    run.log_metrics({"loss": 1.0})
    # Then the run and what it logged appear without it ending
    deadline = time.monotonic() + 30
    while tracker.runs(experiment="cells").empty and time.monotonic() < deadline:
        time.sleep(0.05)
    stored = tracker.get_run(run.id)
    assert stored.status == "running" and stored.metrics == {"loss": 1.0}
    run.log_metrics({"loss": 0.5})
    run.end()
    assert tracker.get_run(run.id).metrics == {"loss": 0.5}


def test_when_ending_a_buffered_run_fails_nothing_it_recorded_is_lost(tracker, monkeypatch):
    # Given a buffered run whose end cannot be written the first time
    run = tracker.start_run("retry", "cells", kind="cell", buffered=True)
    run.log_params({"depth": 3})
    run.log_dataset(pd.DataFrame({"y": [1.5]}), "inputs")
    real_insert = writes.insert_lineage

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(writes, "insert_lineage", broken)
    with pytest.raises(OSError):
        run.end()
    assert tracker.runs(experiment="cells").empty
    # When it is ended again once the store works
    monkeypatch.setattr(writes, "insert_lineage", real_insert)
    run.end()
    # Then the run holds everything it recorded, its dataset version and lineage included
    stored = tracker.get_run(run.id)
    assert stored.status == "finished" and stored.params == {"depth": "3"}
    assert list(tracker.dataset_versions("inputs")["version"]) == [1]


def test_a_run_ended_without_waiting_is_written_before_this_process_reads(tracker):
    # Given a buffered run ended without waiting for its write
    run = tracker.start_run("no-wait", "cells", kind="cell", buffered=True)
    run.log_metrics({"acc": 0.9})
    run.end(wait=False)
    # Then a read in this process sees it whole
    assert tracker.get_run(run.id).metrics == {"acc": 0.9}


def test_a_run_ended_without_waiting_is_written_once_the_process_is_idle(tracker):
    # Given a buffered run ended without waiting, and nothing reading the store afterwards
    run = tracker.start_run("idle", "cells", kind="cell", buffered=True)
    run.log_params({"lr": 0.1})
    run.end(wait=False)
    # Then the background thread writes it (seen through the store, not the tracker,
    # whose reads would write it first)
    deadline = time.monotonic() + 30
    status = None
    while status is None and time.monotonic() < deadline:
        time.sleep(0.02)
        with tracker.store.read() as conn:
            status = reads.run_status(conn, run.id)
    assert status == "finished"


def test_cells_ended_one_after_another_are_written_in_one_transaction(tracker, monkeypatch):
    # Given a store that counts its write transactions, and no idle time to write in
    monkeypatch.setattr(writer, "WRITE_DELAY", 60.0)
    monkeypatch.setattr(writer, "BATCH_SECONDS", 60.0)
    store = tracker.store
    real_write = store.write
    transactions = []

    def counted():
        transactions.append(1)
        return real_write()

    monkeypatch.setattr(store, "write", counted)
    # When five buffered runs end in a row without waiting, and are then flushed
    runs = []
    for number in range(5):
        run = tracker.start_run(f"cell {number}", "cells", kind="cell", buffered=True)
        run.log_metrics({"acc": number / 10})
        run.log_dataset(pd.DataFrame({"x": [number]}), "frame")
        run.end(wait=False)
        runs.append(run)
    ml.flush()
    # Then one transaction wrote all of them, each with its metrics and lineage
    assert transactions == [1]
    monkeypatch.setattr(store, "write", real_write)
    for number, run in enumerate(runs):
        stored = tracker.get_run(run.id)
        assert stored.status == "finished" and stored.metrics == {"acc": number / 10}
    assert list(tracker.dataset_versions("frame")["version"]) == [1, 2, 3, 4, 5]


def test_a_run_that_cannot_be_written_holds_back_no_other(tracker, monkeypatch):
    # Given three runs ended in a row, the second of which the store refuses
    monkeypatch.setattr(writer, "WRITE_DELAY", 60.0)
    monkeypatch.setattr(writer, "BATCH_SECONDS", 60.0)
    runs = []
    for name in ("first", "refused", "third"):
        run = tracker.start_run(name, "cells", kind="cell", buffered=True)
        run.log_dataset(pd.DataFrame({"x": [name]}), name)
        run.end(wait=False)
        runs.append(run)
    real_insert = writes.insert_lineage

    def refuse_second(conn, run_id, events):
        if run_id == runs[1].id:
            raise OSError("disk full")
        return real_insert(conn, run_id, events)

    monkeypatch.setattr(writes, "insert_lineage", refuse_second)
    # When they are flushed, flush says one is not written
    with pytest.raises(MlopsError, match=r"a tracked run is not written yet.*disk full"):
        ml.flush()
    # Then the others are written, and the refused one is reported and kept
    problems = tracking_module.write_problems()
    assert len(problems) == 1 and "refused" in problems[0] and "disk full" in problems[0]
    with tracker.store.read() as conn:
        statuses = [reads.run_status(conn, run.id) for run in runs]
    assert statuses == ["finished", None, "finished"]
    # And once the store takes it, it is written whole
    monkeypatch.setattr(writes, "insert_lineage", real_insert)
    assert tracker.get_run(runs[1].id).status == "finished"
    assert list(tracker.dataset_versions("refused")["version"]) == [1]


def test_a_failed_background_write_is_reported_and_kept_for_the_next_try(tracker, monkeypatch):
    # Given a run ended without waiting while the store refuses its lineage
    run = tracker.start_run("later", "cells", kind="cell", buffered=True)
    run.log_dataset(pd.DataFrame({"z": [1]}), "kept")
    real_insert = writes.insert_lineage
    monkeypatch.setattr(writes, "insert_lineage", lambda *a, **k: 1 / 0)
    run.end(wait=False)
    with pytest.raises(MlopsError, match="not written yet"):
        tracking_module.flush()
    # Then the problem is reported once
    problems = tracking_module.write_problems()
    assert len(problems) == 1 and "later" in problems[0]
    assert tracking_module.write_problems() == []
    # And once the store works again, the next read writes the run whole
    monkeypatch.setattr(writes, "insert_lineage", real_insert)
    assert tracker.get_run(run.id).status == "finished"
    assert list(tracker.dataset_versions("kept")["version"]) == [1]


@pytest.mark.parametrize(("given", "recorded"), [("INPUT", "input"), ("Output", "output")])
def test_a_dataset_direction_is_taken_in_either_case(tracking, given, recorded):
    # Given the direction written as lineage and the README write it
    with ml.start_run(name="cased") as run:
        ml.log_dataset(pd.DataFrame({"x": [1, 2]}), "frame", direction=given)
    # Then the dataset is the run's input (or output), as if written in lower case
    with tracking.read() as conn:
        edges = lineage.graph(conn, "run", run.id, "both")["edges"]
    assert [edge["kind"] for edge in edges] == [recorded]
