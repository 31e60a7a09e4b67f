"""The service behind the REST handlers is a setting, as jupyter-scheduler's scheduler is:
another package can serve the same routes with its own subclass."""

from __future__ import annotations

import pytest

from mlops_jlab.server.schemas import DescribeStatus
from mlops_jlab.server.service import MlopsService
from tests.api_client import api_caller, server_config


class AuditedService(MlopsService):
    """A service that counts the status requests it answers, as an audit log would."""

    answered = 0

    def status(self) -> DescribeStatus:
        AuditedService.answered += 1
        return super().status()


@pytest.fixture
def jp_server_config(location, monkeypatch):
    return server_config(
        location, monkeypatch, service_class=f"{__name__}.{AuditedService.__qualname__}"
    )


@pytest.fixture
def api(jp_fetch):
    return api_caller(jp_fetch)


async def test_the_configured_service_class_answers_the_api(api, tracker):
    # Given a server whose MlopsApp.service_class names a subclass of MlopsService
    before = AuditedService.answered
    tracker.start_run(name="seen").end()
    # When the panel asks for the status
    answer = await api("GET", "status")
    # Then the subclass answered, with the store's real counts
    assert answer.code == 200
    assert AuditedService.answered == before + 1
    assert answer.body["counts"]["runs"] == 1
