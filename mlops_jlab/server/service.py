"""What the REST API does, without HTTP: the handlers only translate to and from JSON."""

from __future__ import annotations

from mlops_jlab._version import __version__
from mlops_jlab.config import StoreLocation
from mlops_jlab.server.models import DescribeStatus, StoreCounts, StoreInfo
from mlops_jlab.store import open_store
from mlops_jlab.store.engine import mask_url
from mlops_jlab.store.reads import counts


class MlopsService:
    """Operations of the panel and the REST API on one store."""

    def __init__(self, location: StoreLocation):
        self.location = location

    @property
    def store(self):
        return open_store(self.location)

    def status(self) -> DescribeStatus:
        store = self.store
        with store.read() as conn:
            numbers = counts(conn)
        return DescribeStatus(
            version=__version__,
            store=StoreInfo(
                kind=store.kind,
                url=mask_url(store.url),
                artifacts=self.location.artifacts,
                source=self.location.source,
            ),
            counts=StoreCounts(**numbers),
        )
