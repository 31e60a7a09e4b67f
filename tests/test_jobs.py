"""Jobs: a pipeline version's snapshot run through papermill in a process of its own, with
a real kernel, and everything a job records about how it ran."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest
import sqlalchemy as sa

from mlops_jlab.config import StoreLocation
from mlops_jlab.errors import InvalidInputError, StoreReadOnlyError
from mlops_jlab.pipelines import jobs, promotion, records
from mlops_jlab.store import writes
from mlops_jlab.store.tables import ARTIFACTS, JOBS
from mlops_jlab.tracking import Tracker
from tests.pipeline_notebooks import notebook, training

WAIT = 180


def test_a_job_runs_the_snapshot_with_typed_parameters_and_its_cells_become_runs(tracker, tmp_path):
    # Given a promoted notebook whose tracked cell uses its parameters
    pipeline = promotion.promote(tracker, training(tmp_path / "train.ipynb"))
    # When it runs as a job with lr given (an int where the schema says float)
    job = jobs.run_job(tracker, pipeline, {"lr": 2}, wait=True)
    # Then it finished, the value was injected as a float, and the log has what it printed
    assert job.status == "finished", job.error
    assert job.parameters == {"lr": 2.0}
    assert "acc 6.0" in job.log()
    assert job.progress["cell"] == job.progress["cells"]
    # and the output notebook is kept, with the injected parameters and the outputs
    output = job.output()
    sources = ["".join(cell["source"]) for cell in output["cells"]]
    assert any("lr = 2.0" in source for source in sources)
    # and its tracked cell is a run of kind job, linked to it, with the job's parameters
    runs = job.runs()
    assert list(runs["kind"]) == ["job"]
    assert runs["params.lr"][0] == "2.0" and runs["metrics.acc"][0] == 6.0
    assert runs["notebook_path"][0].endswith("train.ipynb")
    assert runs["cell_id"][0] == "cell-1"
    frame = jobs.jobs_frame(tracker, pipeline="train")
    assert list(frame["status"]) == ["finished"]
    # and the runs filter job_id = '<id>' (the Jobs tab's link to a job's runs) finds
    # exactly them, not a run made outside the job
    tracker.start_run(name="by hand").end("finished")
    assert list(tracker.runs(f"job_id = '{job.id}'")["run_id"]) == list(runs["run_id"])


def test_a_failing_cell_is_recorded_with_its_source_error_and_traceback(sqlite_tracker, tmp_path):
    # Given a notebook whose third cell raises
    path = notebook(tmp_path / "boom.ipynb", "x = 1", "print('before')", "raise ValueError('bad')")
    pipeline = promotion.promote(sqlite_tracker, path)
    # When it runs
    job = jobs.run_job(sqlite_tracker, pipeline, wait=True)
    # Then it failed there, and the output notebook (with the error) is kept
    assert job.status == "failed"
    assert job.failing_cell == 2
    assert job.failing_source == "raise ValueError('bad')"
    assert job.error == "ValueError: bad"
    assert "ValueError" in job.traceback and "\x1b[" not in job.traceback
    outputs = [output for cell in job.output()["cells"] for output in cell.get("outputs", [])]
    assert any(output.get("ename") == "ValueError" for output in outputs)
    assert "before" in job.log()


@pytest.mark.parametrize("exit_call", ["sys.exit(1)", "os._exit(1)"])
def test_a_notebook_that_exits_fails_and_never_hangs(sqlite_tracker, tmp_path, exit_call):
    # Given a notebook that exits its kernel half way
    path = notebook(tmp_path / "quit.ipynb", "import os, sys", exit_call, "print('after')")
    pipeline = promotion.promote(sqlite_tracker, path)
    # When it runs, then it ends failed at that cell, without hanging
    job = jobs.run_job(sqlite_tracker, pipeline, wait=False).wait(WAIT)
    assert job.status == "failed", job.status
    assert job.failing_cell == 1
    assert job.error


def test_a_job_past_its_timeout_is_stopped(sqlite_tracker, tmp_path):
    path = notebook(tmp_path / "slow.ipynb", "import time", "time.sleep(120)")
    pipeline = promotion.promote(sqlite_tracker, path)
    job = jobs.run_job(sqlite_tracker, pipeline, timeout=3, wait=False).wait(WAIT)
    assert job.status == "timed_out"
    assert "timed out after 3 s" in job.error


def test_cancel_stops_the_kernel_and_marks_the_job_cancelled(sqlite_tracker, tmp_path):
    # Given a job running a long cell
    path = notebook(tmp_path / "slow.ipynb", "import time", "time.sleep(120)")
    pipeline = promotion.promote(sqlite_tracker, path)
    job = jobs.run_job(sqlite_tracker, pipeline)
    deadline = time.monotonic() + WAIT
    while (job.refresh().progress or {}).get("cell") != 2 and time.monotonic() < deadline:
        time.sleep(0.2)
    assert job.progress["source"] == "time.sleep(120)"
    # When it is cancelled
    jobs.cancel_job(sqlite_tracker, job.id)
    # Then it ends cancelled, its output notebook kept
    job.wait(WAIT)
    assert job.status == "cancelled"
    assert job.output_digest is not None


def test_a_deleted_notebook_still_runs_from_its_snapshot(sqlite_tracker, tmp_path):
    path = notebook(tmp_path / "gone.ipynb", "print('from the snapshot')")
    pipeline = promotion.promote(sqlite_tracker, path)
    path.unlink()
    job = jobs.run_job(sqlite_tracker, pipeline.name, wait=True)
    assert job.status == "finished"
    assert "from the snapshot" in job.log()


def test_a_failed_job_tries_again_when_asked(sqlite_tracker, tmp_path):
    path = notebook(tmp_path / "boom.ipynb", "raise RuntimeError('again')")
    pipeline = promotion.promote(sqlite_tracker, path)
    job = jobs.run_job(sqlite_tracker, pipeline, retries=1).wait(WAIT)
    assert job.status == "failed"
    assert job.attempt == 2


def test_bad_parameters_are_refused_before_anything_starts(sqlite_tracker, tmp_path):
    pipeline = promotion.promote(sqlite_tracker, training(tmp_path / "train.ipynb"))
    with pytest.raises(InvalidInputError, match="parameter 'depth' takes a int"):
        jobs.run_job(sqlite_tracker, pipeline, {"depth": "deep"})
    with pytest.raises(InvalidInputError, match="unknown parameter 'alpha'"):
        jobs.run_job(sqlite_tracker, pipeline, {"alpha": 1})
    assert jobs.jobs_frame(sqlite_tracker).empty


@pytest.mark.postgres
def test_a_store_that_refuses_writes_refuses_the_job_and_records_nothing(postgres_url, tmp_path):
    # Given a pipeline in a store that then refuses writes (as a replica does)
    location = StoreLocation(postgres_url, str(tmp_path / "artifacts"), "test")
    tracker = Tracker(location)
    pipeline = promotion.promote(tracker, training(tmp_path / "train.ipynb"))
    tracker.store.dispose()
    name = postgres_url.rsplit("/", 1)[1]
    admin = sa.create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'ALTER DATABASE "{name}" SET default_transaction_read_only = on'))
    admin.dispose()
    # When a job is asked for, then the store's refusal says why, and no job is recorded
    with pytest.raises(StoreReadOnlyError):
        jobs.run_job(tracker, pipeline)
    assert jobs.jobs_frame(tracker).empty
    tracker.store.dispose()


def test_a_job_whose_process_is_gone_is_marked_crashed(sqlite_tracker, tmp_path):
    # Given a running job whose process has ended without ending it
    pipeline = promotion.promote(sqlite_tracker, training(tmp_path / "train.ipynb"))
    job = jobs.create_job(sqlite_tracker, pipeline)
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    store = sqlite_tracker.store
    with store.write() as conn:
        records.claim(conn, [job.id], None, writes.now_ms())
        records.update_job(conn, job.id, pid=dead.pid)
    # When crashed jobs are looked for
    marked = jobs.mark_crashed_jobs(store, 120)
    # Then it is crashed
    assert [found.id for found in marked] == [job.id]
    assert job.refresh().status == "crashed"


def test_the_limit_on_running_jobs_holds_across_claims(sqlite_tracker, tmp_path):
    # Given five queued jobs
    pipeline = promotion.promote(sqlite_tracker, training(tmp_path / "train.ipynb"))
    ids = [jobs.create_job(sqlite_tracker, pipeline).id for _ in range(5)]
    store = sqlite_tracker.store
    # When two claimers each ask for slots under a limit of two
    with store.write() as conn:
        first = records.claim(conn, ids, 2, writes.now_ms())
    with store.write() as conn:
        second = records.claim(conn, ids, 2, writes.now_ms())
    # Then two run and the rest wait queued
    assert len(first) == 2 and second == []
    statuses = jobs.jobs_frame(sqlite_tracker)["status"].value_counts().to_dict()
    assert statuses == {"queued": 3, "running": 2}


def test_retention_keeps_the_newest_outputs_and_lets_older_blobs_go(sqlite_tracker, tmp_path):
    # Given three ended jobs of a pipeline, each with an output notebook of its own
    pipeline = promotion.promote(sqlite_tracker, training(tmp_path / "train.ipynb"))
    store = sqlite_tracker.store
    digests = []
    for number in range(3):
        job = jobs.create_job(sqlite_tracker, pipeline)
        blob = sqlite_tracker.artifacts.put_bytes(f"output {number}".encode())
        digests.append(blob.digest)
        with store.write() as conn:
            writes.ensure_artifact(conn, blob.digest, blob.size, "application/x-ipynb+json")
            records.update_job(
                conn, job.id, status="finished", ended_at=number + 1, output_digest=blob.digest
            )
    # When only the newest is kept
    forgotten = jobs.apply_retention(store, pipeline.pipeline_id, keep=1)
    # Then the two older outputs are no longer recorded, the newest is
    assert sorted(forgotten) == sorted(digests[:2])
    with store.read() as conn:
        kept = set(conn.execute(sa.select(ARTIFACTS.c.digest)).scalars())
        outputs = set(conn.execute(sa.select(JOBS.c.output_digest)).scalars())
    assert digests[2] in kept and not set(digests[:2]) & kept
    assert outputs == {digests[2], None}


def test_the_command_line_runs_a_pipeline_with_typed_parameters(sqlite_tracker, tmp_path):
    promotion.promote(sqlite_tracker, training(tmp_path / "train.ipynb"))
    env = {**os.environ, "PYTHONPATH": os.environ.get("PYTHONPATH", "")}
    env.pop("MLOPS_JLAB_DB_URL", None)
    env.pop("MLOPS_JLAB_ARTIFACTS", None)
    done = subprocess.run(
        [sys.executable, "-m", "mlops_jlab.cli", "run", "train", "-p", "lr=0.5", "-p", "depth=2"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=WAIT,
    )
    assert done.returncode == 0, done.stderr + done.stdout
    assert "finished" in done.stdout
    job = jobs.get_job(sqlite_tracker, done.stdout.split()[1].rstrip(":"))
    assert job.parameters == {"lr": 0.5, "depth": 2}
    bad = subprocess.run(
        [sys.executable, "-m", "mlops_jlab.cli", "run", "train", "-p", "depth=deep"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=WAIT,
    )
    assert bad.returncode == 2 and "parameter 'depth'" in bad.stderr
