"""Schedules over REST on a real Jupyter server: made, read, edited, paused, resumed and
deleted, crons described as the user types, bad input answered 400; and the server's own
scheduler fires them."""

from __future__ import annotations

import asyncio
import time
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from mlops_jlab.pipelines import promotion, records
from tests.api_client import api_caller, server_config
from tests.pipeline_notebooks import notebook


@pytest.fixture
def jp_server_config(location, monkeypatch, request):
    scheduler = getattr(request, "param", False)
    return server_config(location, monkeypatch, scheduler=scheduler)


@pytest.fixture
def api(jp_fetch):
    return api_caller(jp_fetch)


@pytest.fixture
def pipeline(tracker, tmp_path):
    return promotion.promote(
        tracker, notebook(tmp_path / "quick.ipynb", "x = 1", parameters="n = 2")
    )


async def test_a_schedule_is_made_read_edited_paused_resumed_and_deleted(api, pipeline):
    # When a schedule is made
    made = await api(
        "POST",
        "schedules",
        body={"pipeline": "quick", "cron": "0 2 * * 1", "parameters": {"n": 5}},
    )
    # Then it answers with the cron in words and its next three fires
    assert made.code == 201, made
    schedule = made.body
    assert schedule["description"] == "At 02:00 AM, only on Monday"
    assert (
        len(schedule["next_fires"]) == 3 and schedule["next_fire_at"] == schedule["next_fires"][0]
    )
    assert schedule["parameters"] == {"n": 5} and schedule["catch_up"] == "skip"
    sid = str(schedule["id"])
    listed = await api("GET", "schedules", params={"pipeline": "quick"})
    assert [item["id"] for item in listed.body["schedules"]] == [schedule["id"]]
    # When its cron and timezone change, then its words and fires follow
    edited = await api(
        "PATCH", "schedules", sid, body={"cron": "*/10 * * * * *", "timezone": "Europe/Paris"}
    )
    assert edited.code == 200, edited
    assert edited.body["description"] == "Every 10 seconds"
    assert edited.body["timezone"] == "Europe/Paris"
    # When paused, it has no next fire; resumed, it has one again
    paused = await api("POST", "schedules", sid, "pause")
    assert paused.body["paused"] is True and paused.body["next_fire_at"] is None
    resumed = await api("POST", "schedules", sid, "resume")
    assert resumed.body["paused"] is False and resumed.body["next_fire_at"] is not None
    # When deleted, it is gone
    deleted = await api("DELETE", "schedules", sid)
    assert deleted.code == 200 and deleted.body["id"] == schedule["id"]
    gone = await api("GET", "schedules", sid)
    assert gone.code == 404 and "no schedule" in gone.body["message"]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"cron": "61 * * * *"}, "out of range"),
        ({"cron": "every day"}, "has 2 fields"),
        ({"cron": "0 2 * * 1", "timezone": "Mars/Olympus"}, "unknown timezone"),
        ({"cron": "0 2 * * 1", "catch_up": "sometimes"}, "catch_up"),
        ({"cron": "0 2 * * 1", "parameters": {"n": "five"}}, "parameter 'n' takes a int"),
    ],
)
async def test_bad_schedules_are_answered_400_and_nothing_is_recorded(api, pipeline, body, message):
    answer = await api("POST", "schedules", body={"pipeline": "quick", **body})
    assert answer.code == 400, answer
    assert message in answer.body["message"]
    listed = await api("GET", "schedules")
    assert listed.body["schedules"] == []


async def test_a_bad_edit_is_answered_400_and_changes_nothing(api, pipeline):
    made = (await api("POST", "schedules", body={"pipeline": "quick", "cron": "0 2 * * 1"})).body
    answer = await api("PATCH", "schedules", str(made["id"]), body={"cron": "0 2 * *"})
    assert answer.code == 400 and "has 4 fields" in answer.body["message"]
    again = await api("GET", "schedules", str(made["id"]))
    assert again.body["cron"] == "0 2 * * 1"


async def test_a_cron_is_described_as_the_user_types(api):
    # When the schedule dialog asks what a cron means in a timezone
    answer = await api(
        "GET", "cron/describe", params={"cron": "0 2 * * 1", "timezone": "America/New_York"}
    )
    # Then it gets the words and the next three fires (each a Monday 02:00 there)
    assert answer.code == 200, answer
    assert answer.body["description"] == "At 02:00 AM, only on Monday"
    fires = answer.body["next_fires"]
    assert len(fires) == 3 and fires == sorted(fires)
    local = [datetime.fromtimestamp(fire / 1000, ZoneInfo("America/New_York")) for fire in fires]
    assert {(day.weekday(), day.hour, day.minute) for day in local} == {(0, 2, 0)}
    bad = await api("GET", "cron/describe", params={"cron": "0 25 * * *"})
    assert bad.code == 400 and "out of range" in bad.body["message"]
    zone = await api("GET", "cron/describe", params={"cron": "0 2 * * *", "timezone": "Nowhere"})
    assert zone.code == 400 and "unknown timezone 'Nowhere'" in zone.body["message"]


@pytest.mark.parametrize("jp_server_config", [True], indirect=True)
async def test_the_servers_scheduler_fires_a_schedule(api, pipeline, tracker):
    # Given a server whose scheduler is on (MlopsApp.scheduler)
    made = await api(
        "POST", "schedules", body={"pipeline": "quick", "cron": "* * * * * *", "parameters": {}}
    )
    sid = made.body["id"]
    # When its first job has finished
    deadline = time.monotonic() + 180
    finished = []
    while not finished and time.monotonic() < deadline:
        await asyncio.sleep(0.5)
        listed = await api("GET", "jobs", params={"schedule": str(sid)})
        finished = [job for job in listed.body["jobs"] if job["status"] == "finished"]
    await api("POST", "schedules", str(sid), "pause")
    # Then it ran for a fire of the schedule
    assert finished, "no job of the schedule finished"
    assert finished[0]["schedule_id"] == sid and finished[0]["fire_time"] % 1000 == 0
    with tracker.read() as conn:
        assert records.job(conn, finished[0]["id"])["status"] == "finished"
