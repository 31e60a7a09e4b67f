"""Request and response bodies of the REST API, named by operation."""

from __future__ import annotations

from pydantic import BaseModel


class StoreInfo(BaseModel):
    kind: str
    url: str
    artifacts: str
    source: str


class StoreCounts(BaseModel):
    experiments: int
    runs: int
    datasets: int
    models: int


class DescribeStatus(BaseModel):
    """``GET status``: the server's version, its store and what the store holds."""

    version: str
    store: StoreInfo
    counts: StoreCounts
