"""Schedules fired by real schedulers: jobs through papermill with real kernels, on crons
with seconds so that each test takes seconds."""

from __future__ import annotations

import contextlib
import itertools
import os
import signal
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from mlops_jlab.config import ARTIFACTS_ENV, DB_URL_ENV
from mlops_jlab.errors import InvalidInputError
from mlops_jlab.pipelines import cron, jobs, promotion, records, schedules
from mlops_jlab.pipelines.executor import LocalExecutor
from mlops_jlab.pipelines.scheduler import Scheduler
from mlops_jlab.store import writes
from tests.pipeline_notebooks import notebook

WAIT = 180


def eventually(check, seconds: float = WAIT, what: str = "the condition"):
    """Poll ``check`` until it answers something true; its answer."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.2)
    raise AssertionError(f"{what} did not happen within {seconds} s")


@contextlib.contextmanager
def scheduler_in_process(tracker, **options):
    executor = LocalExecutor(tracker.location)
    scheduler = Scheduler(tracker.location, executor, **options).start()
    try:
        yield scheduler
    finally:
        scheduler.stop()
        executor.shutdown()


@contextlib.contextmanager
def headless_scheduler(location, folder: Path):
    """``mlops-jlab scheduler`` in a process (and session) of its own."""
    env = {**os.environ, DB_URL_ENV: location.db_url, ARTIFACTS_ENV: location.artifacts}
    process = subprocess.Popen(
        [sys.executable, "-m", "mlops_jlab.cli", "scheduler"],
        cwd=folder,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        line = process.stdout.readline()
        assert line.startswith("scheduler on"), line + process.stdout.read()
        yield process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            process.wait(30)


def schedule_jobs(tracker, schedule_id: int) -> list[dict]:
    with tracker.read() as conn:
        return records.list_jobs(conn, schedule_id=schedule_id)


def quick(tracker, folder: Path, name: str = "quick"):
    return promotion.promote(tracker, notebook(folder / f"{name}.ipynb", "x = 1", "print(x)"))


def test_a_seconds_cron_fires_jobs_that_finish(sqlite_tracker, tmp_path):
    # Given a pipeline scheduled every second, one job at a time
    quick(sqlite_tracker, tmp_path)
    made = schedules.create_schedule(sqlite_tracker, "quick", "* * * * * *")
    assert made.description == "Every second"
    assert made.next_fire_at is not None and made.next_fire_at % 1000 == 0
    # When a scheduler runs until two of its jobs have finished
    with scheduler_in_process(sqlite_tracker):
        eventually(
            lambda: (
                sum(j["status"] == "finished" for j in schedule_jobs(sqlite_tracker, made.id)) >= 2
            ),
            what="two finished jobs",
        )
        made.pause()
    # Then each job ran for one whole-second fire, and fires that found the previous job
    # still at work are recorded as skipped (max_concurrent 1), never doubled
    found = schedule_jobs(sqlite_tracker, made.id)
    fires = [job["fire_time"] for job in found]
    assert len(fires) == len(set(fires)) and all(fire % 1000 == 0 for fire in fires)
    assert {job["status"] for job in found} <= {"finished", "skipped", "running", "queued"}
    assert made.refresh().last_fire_at == max(fires)
    frame = made.jobs()
    assert set(frame["status"]) >= {"finished"}


def test_pause_stops_fires_and_resume_restarts_them(sqlite_tracker, tmp_path):
    # Given a schedule firing every second under a running scheduler
    quick(sqlite_tracker, tmp_path)
    made = schedules.create_schedule(sqlite_tracker, "quick", "* * * * * *", max_concurrent=3)
    with scheduler_in_process(sqlite_tracker):
        eventually(lambda: schedule_jobs(sqlite_tracker, made.id), what="a first fire")
        # When it is paused
        paused = made.pause()
        assert paused.paused and paused.next_fire_at is None
        fired = len(schedule_jobs(sqlite_tracker, made.id))
        time.sleep(3)
        # Then no fire happens while it is paused
        assert len(schedule_jobs(sqlite_tracker, made.id)) == fired
        # and when it is resumed, it fires again, from after the resume
        resumed_at = writes.now_ms()
        made.resume()
        assert not made.paused
        later = eventually(
            lambda: [
                j for j in schedule_jobs(sqlite_tracker, made.id) if j["fire_time"] >= resumed_at
            ],
            what="a fire after the resume",
        )
        assert later
        made.pause()


@pytest.mark.parametrize(("policy", "expected"), [("skip", 0), ("once", 1), ("all", 2)])
def test_fires_missed_while_no_scheduler_ran_follow_catch_up(
    sqlite_tracker, tmp_path, policy, expected
):
    # Given a schedule of two fires a second apart, made while no scheduler runs
    quick(sqlite_tracker, tmp_path)
    start = datetime.fromtimestamp(time.time() + 1.5, ZoneInfo("UTC")).replace(microsecond=0)
    seconds = [start.second, (start.second + 1) % 60]
    made = schedules.create_schedule(
        sqlite_tracker, "quick", f"{seconds[0]},{seconds[1]} * * * * *", catch_up=policy
    )
    missed = [made.next_fire_at, made.next_fire_at + 1000]
    # When a scheduler starts well after both were due
    time.sleep(max(0.0, (missed[1] - writes.now_ms()) / 1000) + 2.5)
    with scheduler_in_process(sqlite_tracker, misfire_grace=1.0):
        eventually(
            lambda: made.refresh().next_fire_at > missed[1], what="the missed fires dealt with"
        )
        found = eventually(
            lambda: (
                [j for j in schedule_jobs(sqlite_tracker, made.id) if records.ended(j["status"])]
                or not expected
            ),
            what="the catch-up jobs",
        )
        eventually(
            lambda: all(records.ended(j["status"]) for j in schedule_jobs(sqlite_tracker, made.id))
        )
        made.pause()
    # Then skip runs none of them, once the latest, all each of them
    found = sorted(j["fire_time"] for j in schedule_jobs(sqlite_tracker, made.id))
    assert found == {"skip": [], "once": missed[1:], "all": missed}[policy]
    assert len(found) == expected
    assert all(j["status"] == "finished" for j in schedule_jobs(sqlite_tracker, made.id))


def test_two_schedulers_on_one_store_never_double_a_fire(tracker, tmp_path):
    # Given a schedule firing every second, and two schedulers on its store: this
    # process's and a headless one
    quick(tracker, tmp_path)
    made = schedules.create_schedule(tracker, "quick", "* * * * * *")
    with headless_scheduler(tracker.location, tmp_path), scheduler_in_process(tracker):
        both = writes.now_ms() + 1000
        # When both run over more than twenty fires
        eventually(
            lambda: (
                len([j for j in schedule_jobs(tracker, made.id) if j["fire_time"] >= both]) >= 22
            ),
            what="22 fires",
        )
        made.pause()
        eventually(lambda: all(records.ended(j["status"]) for j in schedule_jobs(tracker, made.id)))
    # Then every fire of those seconds was recorded exactly once, none missed
    fires = sorted(
        j["fire_time"] for j in schedule_jobs(tracker, made.id) if j["fire_time"] >= both
    )
    window = fires[:20]
    assert window == list(range(window[0], window[0] + 20_000, 1000))
    counts = {fire: fires.count(fire) for fire in window}
    assert set(counts.values()) == {1}
    # and no two jobs of the schedule ever ran at once (max_concurrent 1)
    ran = [j for j in schedule_jobs(tracker, made.id) if j["started_at"] is not None]
    spans = sorted((j["started_at"], j["ended_at"]) for j in ran)
    assert all(after[0] >= before[1] for before, after in itertools.pairwise(spans))


@pytest.mark.parametrize("retries", [0, 1])
def test_a_job_whose_scheduler_was_killed_is_crashed_and_retried_when_asked(
    sqlite_tracker, tmp_path, retries
):
    # Given a scheduled job that runs (sleeping) under a headless scheduler
    marker = tmp_path / "first-attempt"
    path = notebook(
        tmp_path / "slow.ipynb",
        "import os, pathlib, time",
        f"marker = pathlib.Path({str(marker)!r})\n"
        "if not marker.exists():\n"
        "    marker.write_text(str(os.getpid()))\n"
        "    time.sleep(120)",
    )
    promotion.promote(sqlite_tracker, path)
    made = schedules.create_schedule(sqlite_tracker, "slow", "* * * * * *", retries=retries)
    with headless_scheduler(sqlite_tracker.location, tmp_path) as process:
        job = eventually(
            lambda: (
                next(
                    (
                        jobs.get_job(sqlite_tracker, j["id"])
                        for j in schedule_jobs(sqlite_tracker, made.id)
                        if j["status"] == "running" and j["pid"] != process.pid
                    ),
                    None,
                )
                if marker.exists()
                else None
            ),
            what="a running job",
        )
        made.pause()
        # When the scheduler, the job's process and its kernel are killed outright
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        for pid in (job.pid, int(marker.read_text())):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
    eventually(lambda: not _alive(job.pid), what="the job's process gone")
    assert job.refresh().status == "running"
    # Then the next scheduler to start marks it crashed, and runs it again if it may retry
    with scheduler_in_process(sqlite_tracker):
        eventually(lambda: job.refresh().status in ("crashed", "finished"), what="the job's end")
    if retries:
        assert job.status == "finished" and job.attempt == 2
    else:
        assert job.status == "crashed" and "ended without ending the job" in job.error


def _alive(pid: int) -> bool:
    from mlops_jlab import processes

    return processes.alive(pid)


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ({"cron": "61 * * * *"}, "out of range"),
        ({"cron": "* * *"}, "has 3 fields"),
        ({"cron": "0 0 31 2 *"}, "never fires"),
        ({"timezone": "Mars/Olympus"}, "unknown timezone 'Mars/Olympus'"),
        ({"catch_up": "sometimes"}, "catch_up is one of skip, once, all"),
        ({"max_concurrent": 0}, "max_concurrent is a whole number"),
        ({"parameters": {"alpha": 1}}, "unknown parameter 'alpha'"),
    ],
)
def test_bad_schedules_are_refused_naming_what_to_fix(sqlite_tracker, tmp_path, given, message):
    quick(sqlite_tracker, tmp_path)
    values = {"cron": "0 2 * * 1", **given}
    with pytest.raises(InvalidInputError, match=message):
        schedules.create_schedule(sqlite_tracker, "quick", **values)
    assert schedules.list_schedules(sqlite_tracker) == []


def test_a_bad_edit_leaves_the_schedule_as_it_was(sqlite_tracker, tmp_path):
    quick(sqlite_tracker, tmp_path)
    made = schedules.create_schedule(sqlite_tracker, "quick", "0 2 * * 1", timezone="Europe/Paris")
    with pytest.raises(InvalidInputError, match="unknown timezone"):
        made.update(cron="0 3 * * *", timezone="Nowhere/City")
    with pytest.raises(InvalidInputError, match="no setting 'color'"):
        made.update(color="red")
    again = schedules.get_schedule(sqlite_tracker, made.id)
    assert (again.cron, again.timezone, again.next_fire_at) == (
        "0 2 * * 1",
        "Europe/Paris",
        made.next_fire_at,
    )
    assert again.description == "At 02:00 AM, only on Monday"
    edited = made.update(cron="0  3 * * *", catch_up="all")
    assert edited.cron == "0 3 * * *" and edited.catch_up == "all"
    frame = schedules.schedules_frame(sqlite_tracker)
    assert list(frame["description"]) == ["At 03:00 AM"]
    made.delete()
    assert schedules.schedules_frame(sqlite_tracker).empty


def test_fires_keep_the_local_time_across_daylight_saving_changes():
    # Given 02:30 every day in New York, where 2024-03-10 has no 02:30 and 2024-11-03 two
    zone = ZoneInfo("America/New_York")
    since = int(datetime(2024, 3, 9, 12, tzinfo=zone).timestamp() * 1000)
    spring = [
        datetime.fromtimestamp(ms / 1000, zone)
        for ms in cron.next_fires("30 2 * * *", zone, since, 3)
    ]
    # Then the skipped hour's fire happens at the first time that exists, the others at 02:30
    assert [(d.day, d.hour, d.minute) for d in spring] == [(10, 3, 0), (11, 2, 30), (12, 2, 30)]
    since = int(datetime(2024, 11, 2, 12, tzinfo=zone).timestamp() * 1000)
    autumn = cron.next_fires("30 1 * * *", zone, since, 2)
    # and the repeated hour's fire happens once
    assert autumn[1] - autumn[0] == 25 * 3600 * 1000
