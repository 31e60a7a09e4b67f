"""Retraining advice: recommendations on a model version judged on new data, waiting for
a person.

A recommendation is made when :func:`check_drift` is asked (new data as a DataFrame or a
recorded dataset version), or found by :func:`detect` when a newer version of a model's
training dataset (same name) has appeared. The statistics and the rule are
:mod:`mlops_jlab.easeml.retraining`'s. There is one recommendation per (model version,
dataset version): asking again gives the same one.

Accepting one starts the pipeline that trained the model (its latest version, with the
parameters the training job had) when its run came from a job, else requests retraining
(the model version is tagged ``retrain``); dismissing one needs a reason. Each step is a
``registry_events`` row (recommendation_made, recommendation_accepted,
recommendation_dismissed), in the model's history and its lineage, like the gate's.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy.engine import Connection

from mlops_jlab.environment import current_user
from mlops_jlab.errors import ConflictError, InvalidInputError, NotFoundError
from mlops_jlab.registry import records
from mlops_jlab.registry.entities import Recommendation
from mlops_jlab.registry.registry import MODEL_SCHEME, split_ref
from mlops_jlab.rules import MAX_COMMENT_LENGTH, STAGES, check_key, check_text
from mlops_jlab.store import reads, writes

if TYPE_CHECKING:
    from mlops_jlab.easeml.retraining import Judgement
    from mlops_jlab.pipelines.executor import Executor
    from mlops_jlab.registry.registry import Registry

STATUSES = ("pending", "accepted", "dismissed")
CHECKED = "check_drift"
NEW_VERSION = "new_dataset_version"
RETRAIN_TAG = "retrain"
REALTIME_ROLE = "realtime"
# Where the archived versions are: no recommendation is made for them.
_RETIRED = STAGES[-1]


def _label(row: dict[str, Any] | None) -> str | None:
    return None if row is None else f"{row['name']}@v{row['version']}"


def describe(conn: Connection, rows: list[dict[str, Any]]) -> list[Recommendation]:
    """Recommendation rows as :class:`Recommendation` records."""
    labels: dict[int, str | None] = {}
    for row in rows:
        for version_id in (row["dataset_version_id"], row["training_version_id"]):
            if version_id is not None and version_id not in labels:
                found = reads.dataset_versions(conn, version_id=version_id)
                labels[version_id] = _label(found[0] if found else None)
    return [
        Recommendation(
            id=row["id"],
            model=row["model"],
            version=row["version"],
            model_version_id=row["model_version_id"],
            dataset_version=labels.get(row["dataset_version_id"]),
            dataset_version_id=row["dataset_version_id"],
            training_dataset=labels.get(row["training_version_id"]),
            training_dataset_version_id=row["training_version_id"],
            trigger=row["trigger"],
            action=row["recommendation"],
            reasons=list(row["reasons"] or []),
            drift=row["drift"] or {},
            status=row["status"],
            created_by=row["created_by"],
            created_at=row["created_at"],
            decided_by=row["decided_by"],
            decided_at=row["decided_at"],
            comment=row["comment"],
            outcome=row["outcome"],
            job_id=row["job_id"],
        )
        for row in rows
    ]


def _recommendation_id(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InvalidInputError(f"a recommendation id is a positive whole number, not {value!r}")
    return value


def _one(conn: Connection, recommendation_id: int) -> dict[str, Any]:
    rows = records.recommendation_rows(conn, recommendation_id=recommendation_id)
    if not rows:
        raise NotFoundError(
            f"no retraining recommendation {recommendation_id}; list them with "
            "mlops_jlab.recommendations()"
        )
    return rows[0]


def get_recommendation(registry: Registry, recommendation_id: int) -> Recommendation:
    recommendation_id = _recommendation_id(recommendation_id)
    with registry.read() as conn:
        return describe(conn, [_one(conn, recommendation_id)])[0]


def check_status(status: Any) -> str | None:
    if status is not None and status not in STATUSES:
        raise InvalidInputError(
            f"a recommendation's status is one of {', '.join(STATUSES)}, not {status!r}"
        )
    return status


def list_recommendations(
    registry: Registry, model: str | None = None, status: str | None = None
) -> list[Recommendation]:
    """Recommendations, newest first, of one model and one status if asked (without
    looking for new data: :func:`detect` does)."""
    check_status(status)
    with registry.read() as conn:
        model_id = registry.model_id(conn, model) if model is not None else None
        rows = records.recommendation_rows(conn, status=status, model_id=model_id)
        return describe(conn, rows)


# --- making recommendations -------------------------------------------------------------


def _model_version(registry: Registry, conn: Connection, ref: Any) -> dict[str, Any]:
    """A model version from ``"name/3"``, ``"name@alias"``, ``"models:/..."``, or
    ``"name"``: its latest version."""
    text = check_key("model", ref).removeprefix(MODEL_SCHEME)
    try:
        name, which = split_ref(text)
    except InvalidInputError:
        rows = records.version_rows(conn, model_id=registry.model_id(conn, text))
        if not rows:
            raise NotFoundError(f"model {text!r} has no versions") from None
        return rows[-1]
    return registry.version_row(conn, name, which)


def _training(conn: Connection, version: dict[str, Any]) -> dict[str, Any]:
    training_id = version["training_dataset_version_id"]
    found = reads.dataset_versions(conn, version_id=training_id) if training_id else []
    if not found:
        raise InvalidInputError(
            f"{version['model']} v{version['version']} has no training dataset version "
            "recorded (its run read no dataset), so there is nothing to compare new data "
            "with: register a model whose run logged its training data (role 'train')"
        )
    return found[0]


def _record(
    conn: Connection,
    version: dict[str, Any],
    training_id: int,
    dataset_id: int,
    judgement: Judgement,
    trigger: str,
    actor: str,
) -> int:
    """Record a recommendation and its history event, or find the one recorded already."""
    made = records.insert_recommendation(
        conn,
        {
            "model_version_id": version["id"],
            "dataset_version_id": dataset_id,
            "training_version_id": training_id,
            "trigger": trigger,
            "recommendation": judgement.action,
            "reasons": judgement.reasons,
            "drift": judgement.to_dict(),
            "status": records.PENDING,
            "created_by": actor,
            "created_at": writes.now_ms(),
        },
    )
    if made is None:
        return records.recommendation_for(conn, version["id"], dataset_id)
    labels = {
        key: _label(reads.dataset_versions(conn, version_id=value)[0])
        for key, value in (("dataset", dataset_id), ("training_dataset", training_id))
    }
    records.add_event(
        conn,
        version["model_id"],
        version["id"],
        "recommendation_made",
        actor,
        {
            "recommendation_id": made,
            "action": judgement.action,
            "trigger": trigger,
            **labels,
            "drifted_columns": judgement.drifted,
        },
    )
    return made


def check_drift(
    registry: Registry,
    model: str,
    new_data: Any,
    *,
    name: str | None = None,
    actor: str | None = None,
) -> Recommendation:
    """Judge a model version on new data; see :func:`mlops_jlab.check_drift`."""
    from mlops_jlab.easeml.retraining import judge

    actor = actor or current_user()
    frame = None
    if hasattr(new_data, "columns"):
        from mlops_jlab.datasets import fingerprint, profiling

        frame = (fingerprint.fingerprint(new_data), profiling.describe(new_data))
    elif not isinstance(new_data, (str, int)) or isinstance(new_data, bool):
        raise InvalidInputError(
            "new_data is a DataFrame or a dataset version such as 'churn-train@v3', not "
            f"{type(new_data).__name__}"
        )
    with registry.read() as conn:
        version = _model_version(registry, conn, model)
        training = _training(conn, version)
    if frame is None:
        new = registry.tracker.get_dataset_version(new_data)
        description: dict[str, Any] = new
    else:
        description = frame[1]
    judgement = judge(training, description)
    with registry.write() as conn:
        if frame is None:
            dataset_id = new["id"]
        else:
            recorded_as = check_key("dataset name", name or f"{version['model']}/{REALTIME_ROLE}")
            dataset_id = writes.ensure_dataset_version(
                conn, recorded_as, frame[0], frame[1], role=REALTIME_ROLE
            )
        made = _record(conn, version, training["id"], dataset_id, judgement, CHECKED, actor)
        return describe(conn, [_one(conn, made)])[0]


def _watched(conn: Connection, model_id: int | None) -> list[dict[str, Any]]:
    """The versions recommendations are looked for: those an alias points at (but
    ``archived``) and each model's latest."""
    rows = records.version_rows(conn, model_id=model_id)
    pointed: dict[int, set[str]] = {}
    for alias in records.aliases(conn, None if model_id is None else [model_id]):
        pointed.setdefault(alias["model_version_id"], set()).add(alias["alias"])
    latest = {row["model_id"]: row["id"] for row in rows}
    return [
        row
        for row in rows
        if row["training_dataset_version_id"] is not None
        and (latest[row["model_id"]] == row["id"] or pointed.get(row["id"], set()) - {_RETIRED})
    ]


def detect(registry: Registry, model: str | None = None, actor: str | None = None) -> list[int]:
    """Make the pending recommendations new training data calls for: for each watched
    version whose training dataset has a newer version (same name) that no recommendation
    covers, one on that newest version. Returns the ids made."""
    from mlops_jlab.easeml.retraining import judge

    actor = actor or current_user()
    work = []
    with registry.read() as conn:
        model_id = registry.model_id(conn, model) if model is not None else None
        for version in _watched(conn, model_id):
            training_id = version["training_dataset_version_id"]
            newest = records.newest_version_of_dataset(conn, training_id)
            if newest is None or newest <= training_id:
                continue
            if records.recommendation_for(conn, version["id"], newest) is not None:
                continue
            training, new = (
                reads.dataset_versions(conn, version_id=v)[0] for v in (training_id, newest)
            )
            work.append((version, training, new))
    made = []
    for version, training, new in work:
        judgement = judge(training, new)
        with registry.write() as conn:
            made.append(
                _record(
                    conn,
                    version,
                    training["id"],
                    new["id"],
                    judgement,
                    NEW_VERSION,
                    actor,
                )
            )
    return made


# --- decisions --------------------------------------------------------------------------


def _refuse_decided(row: dict[str, Any], verb: str) -> None:
    if row["status"] != records.PENDING:
        raise ConflictError(
            f"recommendation {row['id']} was already {row['status']} by {row['decided_by']}; "
            f"it cannot be {verb}ed: a decision is final"
        )


def _text(what: str, text: Any, required: bool) -> str | None:
    if text is None or (isinstance(text, str) and not text.strip()):
        if required:
            raise InvalidInputError(
                f"dismissing a recommendation needs a {what} saying why (e.g. 'the shift "
                "is seasonal')"
            )
        return None
    return check_text("recommendation", what, text, MAX_COMMENT_LENGTH)


def _retraining_job(
    registry: Registry, row: dict[str, Any], actor: str
) -> tuple[dict[str, Any], str] | None:
    """The row of the job that would retrain the version, and the pipeline version it runs:
    its training job's pipeline (the latest version), with the parameters that job had
    that the pipeline still takes."""
    from mlops_jlab.pipelines import jobs
    from mlops_jlab.pipelines.promotion import get_pipeline

    with registry.read() as conn:
        source = records.source_job(conn, row["run_id"])
    if source is None:
        return None
    pipeline = get_pipeline(registry.tracker, source["pipeline"])
    known = {parameter["name"] for parameter in pipeline.parameters}
    given = {k: v for k, v in (source["parameters"] or {}).items() if k in known}
    job = {**jobs.job_row(pipeline, given), "created_by": actor}
    return job, f"{pipeline.name} v{pipeline.version}"


def accept(
    registry: Registry,
    recommendation_id: int,
    comment: str | None = None,
    actor: str | None = None,
    executor: Executor | None = None,
) -> Recommendation:
    """Accept a pending recommendation; see :func:`mlops_jlab.accept_recommendation`."""
    from mlops_jlab.pipelines import jobs
    from mlops_jlab.pipelines import records as job_records

    recommendation_id = _recommendation_id(recommendation_id)
    comment = _text("comment", comment, required=False)
    actor = actor or current_user()
    with registry.read() as conn:
        row = _one(conn, recommendation_id)
    _refuse_decided(row, "accept")
    planned = None
    if row["recommendation"] == "retrain":
        planned = _retraining_job(registry, row, actor)
    job = planned[0] if planned else None
    if row["recommendation"] != "retrain":
        outcome = "kept: no retraining"
    elif planned is not None:
        outcome = f"retraining job {planned[0]['id']} of pipeline {planned[1]} started"
    else:
        outcome = f"retraining requested: v{row['version']} is tagged {RETRAIN_TAG}"
    with registry.write() as conn:
        if job is not None:
            job_records.insert_jobs(conn, [job])
        decided = records.decide_recommendation(
            conn,
            recommendation_id,
            "accepted",
            actor,
            comment=comment,
            outcome=outcome,
            job_id=job["id"] if job else None,
        )
        if not decided:  # decided meanwhile: nothing of this one is kept
            _refuse_decided(_one(conn, recommendation_id), "accept")
        if row["recommendation"] == "retrain" and job is None:
            records.set_version_tags(conn, row["model_version_id"], {RETRAIN_TAG: "requested"})
        records.add_event(
            conn,
            row["model_id"],
            row["model_version_id"],
            "recommendation_accepted",
            actor,
            {
                "recommendation_id": recommendation_id,
                "action": row["recommendation"],
                "comment": comment,
                "outcome": outcome,
                "job_id": job["id"] if job else None,
            },
        )
    if job is not None:
        jobs.start(registry.tracker, [job["id"]], executor)
    return get_recommendation(registry, recommendation_id)


def dismiss(
    registry: Registry, recommendation_id: int, reason: str, actor: str | None = None
) -> Recommendation:
    """Dismiss a pending recommendation, saying why."""
    recommendation_id = _recommendation_id(recommendation_id)
    reason = _text("reason", reason, required=True)
    actor = actor or current_user()
    with registry.write() as conn:
        row = _one(conn, recommendation_id)
        _refuse_decided(row, "dismiss")
        if not records.decide_recommendation(
            conn, recommendation_id, "dismissed", actor, comment=reason
        ):
            _refuse_decided(_one(conn, recommendation_id), "dismiss")
        records.add_event(
            conn,
            row["model_id"],
            row["model_version_id"],
            "recommendation_dismissed",
            actor,
            {
                "recommendation_id": recommendation_id,
                "action": row["recommendation"],
                "comment": reason,
            },
        )
        return describe(conn, [_one(conn, recommendation_id)])[0]
