"""Thin tornado handlers of the registry's REST API (see :mod:`.handlers` for how requests
are parsed and errors answered): the acting user is the server's authenticated one."""

from __future__ import annotations

import tornado.web

from mlops_jlab.server.handlers import BaseHandler


class ModelsHandler(BaseHandler):
    @tornado.web.authenticated
    async def get(self) -> None:
        self.write_json(await self.call(self.registry_service.list_models))


class ModelHandler(BaseHandler):
    @tornado.web.authenticated
    async def get(self, model: str) -> None:
        self.write_json(await self.call(self.registry_service.describe_model, model))


class ModelVersionsHandler(BaseHandler):
    @tornado.web.authenticated
    async def get(self, model: str) -> None:
        self.write_json(await self.call(self.registry_service.list_versions, model))


class ModelVersionHandler(BaseHandler):
    @tornado.web.authenticated
    async def get(self, model: str, version: str) -> None:
        service = self.registry_service
        self.write_json(await self.call(service.describe_version, model, version))


class ModelAliasHandler(BaseHandler):
    @tornado.web.authenticated
    async def put(self, model: str, alias: str) -> None:
        body = self.parse_body()
        service = self.registry_service
        self.write_json(await self.call(service.set_alias, model, alias, body, self.user_name))

    @tornado.web.authenticated
    async def delete(self, model: str, alias: str) -> None:
        service = self.registry_service
        self.write_json(await self.call(service.remove_alias, model, alias, self.user_name))


class ModelHistoryHandler(BaseHandler):
    @tornado.web.authenticated
    async def get(self, model: str) -> None:
        self.write_json(await self.call(self.registry_service.history, model))


class TransitionRequestsHandler(BaseHandler):
    @tornado.web.authenticated
    async def get(self) -> None:
        query = self.parse_query()
        self.write_json(await self.call(self.registry_service.list_requests, query))

    @tornado.web.authenticated
    async def post(self) -> None:
        body = self.parse_body()
        service = self.registry_service
        self.write_json(await self.call(service.create_request, body, self.user_name), 201)


class TransitionRequestHandler(BaseHandler):
    @tornado.web.authenticated
    async def get(self, request_id: str) -> None:
        self.write_json(await self.call(self.registry_service.describe_request, request_id))


class ApproveRequestHandler(BaseHandler):
    approve = True

    @tornado.web.authenticated
    async def post(self, request_id: str) -> None:
        body = self.parse_body()
        service = self.registry_service
        decided = await self.call(
            service.decide_request, request_id, self.approve, body.comment, self.user_name
        )
        self.write_json(decided)


class RejectRequestHandler(ApproveRequestHandler):
    approve = False


class RecommendationsHandler(BaseHandler):
    @tornado.web.authenticated
    async def get(self) -> None:
        query = self.parse_query()
        service = self.registry_service
        self.write_json(await self.call(service.list_recommendations, query, self.user_name))


class RecommendationHandler(BaseHandler):
    @tornado.web.authenticated
    async def get(self, recommendation_id: str) -> None:
        service = self.registry_service
        self.write_json(await self.call(service.describe_recommendation, recommendation_id))


class AcceptRecommendationHandler(BaseHandler):
    @tornado.web.authenticated
    async def post(self, recommendation_id: str) -> None:
        body = self.parse_body()
        service = self.registry_service
        accepted = await self.call(
            service.accept_recommendation, recommendation_id, body, self.user_name
        )
        self.write_json(accepted)


class DismissRecommendationHandler(BaseHandler):
    @tornado.web.authenticated
    async def post(self, recommendation_id: str) -> None:
        body = self.parse_body()
        service = self.registry_service
        dismissed = await self.call(
            service.dismiss_recommendation, recommendation_id, body, self.user_name
        )
        self.write_json(dismissed)


class ModelDriftHandler(BaseHandler):
    @tornado.web.authenticated
    async def post(self, model: str) -> None:
        body = self.parse_body()
        service = self.registry_service
        self.write_json(await self.call(service.check_drift, model, body, self.user_name))


class FeasibilityHandler(BaseHandler):
    @tornado.web.authenticated
    async def get(self) -> None:
        self.write_json(await self.call(self.registry_service.feasibility_studies))
