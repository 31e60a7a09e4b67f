"""Thin handlers of the pipelines, jobs and sweeps routes (see :mod:`.handlers`)."""

from __future__ import annotations

import tornado.web

from mlops_jlab.server.handlers import BaseHandler
from mlops_jlab.server.pipeline_service import PipelineService


class PipelineHandler(BaseHandler):
    @property
    def pipelines(self) -> PipelineService:
        return self.settings["mlops_jlab_pipelines"]


class PipelinesHandler(PipelineHandler):
    @tornado.web.authenticated
    async def get(self) -> None:
        self.write_json(await self.call(self.pipelines.list_pipelines))

    @tornado.web.authenticated
    async def post(self) -> None:
        request = self.parse_body()
        self.write_json(await self.call(self.pipelines.promote, request))


class PipelineDetailHandler(PipelineHandler):
    @tornado.web.authenticated
    async def get(self, name: str) -> None:
        self.write_json(await self.call(self.pipelines.describe_pipeline, name))


class PipelineVersionsHandler(PipelineHandler):
    @tornado.web.authenticated
    async def get(self, name: str) -> None:
        self.write_json(await self.call(self.pipelines.list_versions, name))


class PipelineJobsHandler(PipelineHandler):
    @tornado.web.authenticated
    async def post(self, name: str) -> None:
        request = self.parse_body()
        self.write_json(await self.call(self.pipelines.run, name, request), 201)


class PipelineSweepsHandler(PipelineHandler):
    @tornado.web.authenticated
    async def post(self, name: str) -> None:
        request = self.parse_body()
        self.write_json(await self.call(self.pipelines.create_sweep, name, request), 201)


class JobsHandler(PipelineHandler):
    @tornado.web.authenticated
    async def get(self) -> None:
        query = self.parse_query()
        self.write_json(await self.call(self.pipelines.list_jobs, query))


class JobHandler(PipelineHandler):
    @tornado.web.authenticated
    async def get(self, job_id: str) -> None:
        self.write_json(await self.call(self.pipelines.describe_job, job_id))


class JobLogHandler(PipelineHandler):
    @tornado.web.authenticated
    async def get(self, job_id: str) -> None:
        self.write_json(await self.call(self.pipelines.job_log, job_id))


class JobOutputHandler(PipelineHandler):
    @tornado.web.authenticated
    async def get(self, job_id: str) -> None:
        self.write_json(await self.call(self.pipelines.job_output, job_id))

    @tornado.web.authenticated
    async def post(self, job_id: str) -> None:
        request = self.parse_body()
        self.write_json(await self.call(self.pipelines.save_job_output, job_id, request))


class JobCancelHandler(PipelineHandler):
    @tornado.web.authenticated
    async def post(self, job_id: str) -> None:
        self.write_json(await self.call(self.pipelines.cancel, job_id))


class JobRerunHandler(PipelineHandler):
    @tornado.web.authenticated
    async def post(self, job_id: str) -> None:
        request = self.parse_body()
        self.write_json(await self.call(self.pipelines.rerun, job_id, request), 201)


class SweepHandler(PipelineHandler):
    @tornado.web.authenticated
    async def get(self, sweep_id: str) -> None:
        self.write_json(await self.call(self.pipelines.describe_sweep, sweep_id))


class SchedulesHandler(PipelineHandler):
    @tornado.web.authenticated
    async def get(self) -> None:
        query = self.parse_query()
        self.write_json(await self.call(self.pipelines.list_schedules, query))

    @tornado.web.authenticated
    async def post(self) -> None:
        request = self.parse_body()
        self.write_json(await self.call(self.pipelines.create_schedule, request), 201)


class ScheduleHandler(PipelineHandler):
    @tornado.web.authenticated
    async def get(self, schedule_id: str) -> None:
        self.write_json(await self.call(self.pipelines.describe_schedule, schedule_id))

    @tornado.web.authenticated
    async def patch(self, schedule_id: str) -> None:
        request = self.parse_body()
        self.write_json(await self.call(self.pipelines.update_schedule, schedule_id, request))

    @tornado.web.authenticated
    async def delete(self, schedule_id: str) -> None:
        self.write_json(await self.call(self.pipelines.delete_schedule, schedule_id))


class SchedulePauseHandler(PipelineHandler):
    @tornado.web.authenticated
    async def post(self, schedule_id: str) -> None:
        self.write_json(await self.call(self.pipelines.pause_schedule, schedule_id, True))


class ScheduleResumeHandler(PipelineHandler):
    @tornado.web.authenticated
    async def post(self, schedule_id: str) -> None:
        self.write_json(await self.call(self.pipelines.pause_schedule, schedule_id, False))


class CronDescribeHandler(PipelineHandler):
    @tornado.web.authenticated
    async def get(self) -> None:
        query = self.parse_query()
        self.write_json(await self.call(self.pipelines.describe_cron, query))
