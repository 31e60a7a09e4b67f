"""Pipelines: promotion of notebooks, jobs through papermill, sweeps.

:mod:`~.promotion` makes a notebook a pipeline version (snapshot and parameter schema,
:mod:`~.parameters`); :mod:`~.jobs` records jobs and hands them to an executor
(:mod:`~.executor`), which runs each in a process of its own (:mod:`~.runner`, with the
papermill engine of :mod:`~.engine`); :mod:`~.sweeps` runs a grid of jobs;
:mod:`~.records` holds their statements; :mod:`~.api` is the module-level API.
"""

from mlops_jlab.pipelines.jobs import Job
from mlops_jlab.pipelines.promotion import Pipeline
from mlops_jlab.pipelines.sweeps import Sweep

__all__ = ["Job", "Pipeline", "Sweep"]
