"""The registry's statements on a caller's transaction: models, versions, aliases, requests,
the append-only history and the store's settings (SQLAlchemy Core, as the store's writes).

Nothing here checks a user's input or knows about DataFrames: :mod:`.registry` and
:mod:`.gate` do, and call these inside one short transaction per operation.

The statements of the hot paths (register, move an alias, load, list) are built once, with
bind parameters: SQLAlchemy makes a statement's cache key each time one is built, which
costs more than SQLite takes to run these.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from mlops_jlab.store.tables import (
    ALIASES,
    EVENTS,
    JOBS,
    MODEL_VERSIONS,
    MODELS,
    PIPELINES,
    RECOMMENDATIONS,
    REGISTRY_EVENTS,
    REQUESTS,
    RUN_ARTIFACTS,
    RUNS,
    SETTINGS,
    VERSIONS,
)
from mlops_jlab.store.writes import now_ms

PENDING = "pending"


def _insert(conn: Connection, table: sa.Table) -> Any:
    """An INSERT that takes ON CONFLICT on both backends."""
    return (postgresql if conn.dialect.name == "postgresql" else sqlite).insert(table)


# --- models and versions ----------------------------------------------------------------


_MODEL = sa.select(MODELS).where(MODELS.c.name == sa.bindparam("name"))
_MODEL_LOCKED = _MODEL.with_for_update()
_HIGHEST = sa.select(sa.func.max(MODEL_VERSIONS.c.version)).where(
    MODEL_VERSIONS.c.model_id == sa.bindparam("model_id")
)
_INSERT_VERSION = MODEL_VERSIONS.insert().returning(MODEL_VERSIONS.c.id)
_TOUCH_MODEL = (
    MODELS.update()
    .where(MODELS.c.id == sa.bindparam("model_id"))
    .values(updated_at=sa.bindparam("now"))
)


def model_row(conn: Connection, name: str, *, lock: bool = False) -> Any:
    """The registered model ``name`` (None if there is none); ``lock`` holds its row until
    the transaction ends, so that two registrations number their versions one after the
    other (SQLite's writers are one at a time already)."""
    locked = lock and conn.dialect.name == "postgresql"
    return conn.execute(_MODEL_LOCKED if locked else _MODEL, {"name": name}).first()


def ensure_model(
    conn: Connection, name: str, description: str | None, tags: dict[str, str] | None
) -> Any:
    """The model ``name``, created if new, its row locked (see :func:`model_row`)."""
    found = model_row(conn, name, lock=True)
    if found is not None:
        return found
    now = now_ms()
    # Two first registrations at once: the second waits for the first's row, then finds it
    conn.execute(
        _insert(conn, MODELS)
        .values(name=name, description=description, tags=tags, created_at=now, updated_at=now)
        .on_conflict_do_nothing(index_elements=["name"])
    )
    return model_row(conn, name, lock=True)


def next_version(conn: Connection, model_id: int) -> int:
    highest = conn.execute(_HIGHEST, {"model_id": model_id}).scalar()
    return (highest or 0) + 1


def insert_version(conn: Connection, values: dict[str, Any]) -> int:
    """Record a model version (and that its model changed); returns its id."""
    version_id = conn.execute(_INSERT_VERSION, values).scalar_one()
    conn.execute(_TOUCH_MODEL, {"model_id": values["model_id"], "now": now_ms()})
    return version_id


_VERSIONS = (
    sa.select(MODEL_VERSIONS, MODELS.c.name.label("model"))
    .join(MODELS, MODELS.c.id == MODEL_VERSIONS.c.model_id)
    .order_by(MODEL_VERSIONS.c.model_id, MODEL_VERSIONS.c.version)
)
_VERSIONS_WITH_IDS = _VERSIONS.where(MODEL_VERSIONS.c.id.in_(sa.bindparam("ids", expanding=True)))
_VERSIONS_OF_MODEL = _VERSIONS.where(MODEL_VERSIONS.c.model_id == sa.bindparam("model_id"))
_VERSION_NUMBERED = _VERSIONS_OF_MODEL.where(MODEL_VERSIONS.c.version == sa.bindparam("number"))


def version_rows(
    conn: Connection,
    *,
    model_id: int | None = None,
    version_ids: Sequence[int] | None = None,
    number: int | None = None,
) -> list[dict[str, Any]]:
    """Model versions (with their model's name), oldest first: those with ``version_ids``,
    else those of model ``model_id`` (its version ``number`` alone, if given), else every
    model's."""
    if version_ids is not None:
        result = conn.execute(_VERSIONS_WITH_IDS, {"ids": list(version_ids)})
    elif model_id is None:
        result = conn.execute(_VERSIONS)
    elif number is not None:
        result = conn.execute(_VERSION_NUMBERED, {"model_id": model_id, "number": number})
    else:
        result = conn.execute(_VERSIONS_OF_MODEL, {"model_id": model_id})
    return [dict(row) for row in result.mappings()]


# What ml.model_versions lists; the tags as their JSON text (see version_columns).
VERSION_LIST_COLUMNS = (
    "id",
    "version",
    "run_id",
    "training_dataset_version_id",
    "artifact_name",
    "artifact_digest",
    "description",
    "tags",
    "created_by",
    "created_at",
)
_VERSION_LIST = (
    sa.select(
        *(
            sa.cast(MODEL_VERSIONS.c[column], sa.Text)
            if column == "tags"
            else MODEL_VERSIONS.c[column]
            for column in VERSION_LIST_COLUMNS
        )
    )
    .where(MODEL_VERSIONS.c.model_id == sa.bindparam("model_id"))
    .order_by(MODEL_VERSIONS.c.version)
)


def version_columns(conn: Connection, model_id: int) -> dict[str, list[Any]]:
    """The versions of a model, oldest first, column by column (:data:`VERSION_LIST_COLUMNS`),
    without a dict per row. Each version's tags are its own dict (``{}`` when it has none),
    but the JSON text of equal tags is decoded once: most versions share theirs, and
    decoding took a third of listing a thousand versions."""
    rows = conn.execute(_VERSION_LIST, {"model_id": model_id}).all()
    transposed = list(zip(*rows, strict=True)) or [()] * len(VERSION_LIST_COLUMNS)
    columns = dict(zip(VERSION_LIST_COLUMNS, map(list, transposed), strict=True))
    decoded: dict[str | None, Any] = {None: None}
    for text in columns["tags"]:
        if text not in decoded:
            decoded[text] = json.loads(text)
    # Tags are flat (key -> text): a shallow copy is a copy
    columns["tags"] = [dict(decoded[text] or {}) for text in columns["tags"]]
    return columns


def model_rows(conn: Connection) -> list[dict[str, Any]]:
    """Every registered model with its latest version number, by name."""
    latest = (
        sa.select(sa.func.max(MODEL_VERSIONS.c.version))
        .where(MODEL_VERSIONS.c.model_id == MODELS.c.id)
        .scalar_subquery()
    )
    count = (
        sa.select(sa.func.count())
        .select_from(MODEL_VERSIONS)
        .where(MODEL_VERSIONS.c.model_id == MODELS.c.id)
        .scalar_subquery()
    )
    statement = sa.select(MODELS, latest.label("latest_version"), count.label("versions")).order_by(
        MODELS.c.name
    )
    return [dict(row) for row in conn.execute(statement).mappings()]


_MODEL_ARTIFACTS = (
    sa.select(RUN_ARTIFACTS.c.name, RUN_ARTIFACTS.c.digest)
    .where(RUN_ARTIFACTS.c.run_id == sa.bindparam("run_id"), RUN_ARTIFACTS.c.kind == "model")
    .order_by(RUN_ARTIFACTS.c.name)
)
_RUN_ARTIFACT = sa.select(RUN_ARTIFACTS.c.digest, RUN_ARTIFACTS.c.kind).where(
    RUN_ARTIFACTS.c.run_id == sa.bindparam("run_id"),
    RUN_ARTIFACTS.c.name == sa.bindparam("name"),
)
_TRAINING_INPUTS = (
    sa.select(VERSIONS.c.id, VERSIONS.c.role)
    .select_from(EVENTS.join(VERSIONS, sa.cast(VERSIONS.c.id, sa.String) == EVENTS.c.entity_id))
    .where(
        EVENTS.c.run_id == sa.bindparam("run_id"),
        EVENTS.c.entity_kind == "dataset_version",
        EVENTS.c.direction == "INPUT",
    )
    .order_by(EVENTS.c.id)
)


def model_artifacts(conn: Connection, run_id: str) -> list[tuple[str, str]]:
    """The ``(name, digest)`` of the artifacts of kind ``model`` a run logged, by name."""
    return [tuple(row) for row in conn.execute(_MODEL_ARTIFACTS, {"run_id": run_id})]


def run_artifact(conn: Connection, run_id: str, name: str) -> tuple[str, str] | None:
    """The ``(digest, kind)`` of the run's artifact ``name``."""
    row = conn.execute(_RUN_ARTIFACT, {"run_id": run_id, "name": name}).first()
    return None if row is None else (row[0], row[1])


def training_input(conn: Connection, run_id: str) -> int | None:
    """The dataset version a run trained on: its input with role ``train``, else its
    first input."""
    rows = conn.execute(_TRAINING_INPUTS, {"run_id": run_id}).all()
    for version_id, role in rows:
        if role == "train":
            return version_id
    return rows[0][0] if rows else None


# --- aliases ----------------------------------------------------------------------------


_ALIASES = (
    sa.select(
        ALIASES.c.model_id,
        ALIASES.c.alias,
        ALIASES.c.model_version_id,
        MODEL_VERSIONS.c.version,
        ALIASES.c.updated_at,
        ALIASES.c.updated_by,
    )
    .join(MODEL_VERSIONS, MODEL_VERSIONS.c.id == ALIASES.c.model_version_id)
    .order_by(ALIASES.c.model_id, ALIASES.c.alias)
)
_ALIASES_OF = _ALIASES.where(ALIASES.c.model_id.in_(sa.bindparam("ids", expanding=True)))
_ALIAS_TARGET = sa.select(ALIASES.c.model_version_id).where(
    ALIASES.c.model_id == sa.bindparam("model_id"), ALIASES.c.alias == sa.bindparam("alias")
)


def aliases(conn: Connection, model_ids: Sequence[int] | None = None) -> list[dict[str, Any]]:
    """Aliases with the version number and id they point at, by model and alias."""
    if model_ids is None:
        result = conn.execute(_ALIASES)
    else:
        result = conn.execute(_ALIASES_OF, {"ids": list(model_ids)})
    return [dict(row) for row in result.mappings()]


def alias_target(conn: Connection, model_id: int, alias: str) -> int | None:
    """The id of the version ``alias`` points at, if it is set."""
    return conn.execute(_ALIAS_TARGET, {"model_id": model_id, "alias": alias}).scalar()


@functools.cache
def _put_alias(dialect: str) -> Any:
    """The upsert of an alias, built once per database kind."""
    insert = (postgresql if dialect == "postgresql" else sqlite).insert(ALIASES)
    return insert.on_conflict_do_update(
        index_elements=["model_id", "alias"],
        set_={
            "model_version_id": insert.excluded.model_version_id,
            "updated_at": insert.excluded.updated_at,
            "updated_by": insert.excluded.updated_by,
        },
    )


def put_alias(conn: Connection, model_id: int, alias: str, version_id: int, actor: str | None):
    conn.execute(
        _put_alias(conn.dialect.name),
        {
            "model_id": model_id,
            "alias": alias,
            "model_version_id": version_id,
            "updated_at": now_ms(),
            "updated_by": actor,
        },
    )


def remove_alias(conn: Connection, model_id: int, alias: str) -> None:
    conn.execute(ALIASES.delete().where(ALIASES.c.model_id == model_id, ALIASES.c.alias == alias))


# --- the history ------------------------------------------------------------------------


_INSERT_EVENT = REGISTRY_EVENTS.insert().returning(REGISTRY_EVENTS.c.id)


def add_event(
    conn: Connection,
    model_id: int,
    version_id: int | None,
    kind: str,
    actor: str | None,
    details: dict[str, Any],
) -> int:
    """Append to a model's history (never updated nor deleted); returns the event's id."""
    values = {
        "model_id": model_id,
        "model_version_id": version_id,
        "kind": kind,
        "actor": actor,
        "created_at": now_ms(),
        "details": details,
    }
    return conn.execute(_INSERT_EVENT, values).scalar_one()


def events(conn: Connection, model_id: int) -> list[dict[str, Any]]:
    """A model's history, oldest first, with the version number each event concerns."""
    statement = (
        sa.select(REGISTRY_EVENTS, MODEL_VERSIONS.c.version)
        .outerjoin(MODEL_VERSIONS, MODEL_VERSIONS.c.id == REGISTRY_EVENTS.c.model_version_id)
        .where(REGISTRY_EVENTS.c.model_id == model_id)
        .order_by(REGISTRY_EVENTS.c.id)
    )
    return [dict(row) for row in conn.execute(statement).mappings()]


# --- transition requests ----------------------------------------------------------------


def insert_request(conn: Connection, values: dict[str, Any]) -> int:
    return conn.execute(REQUESTS.insert().values(**values).returning(REQUESTS.c.id)).scalar_one()


_REQUESTS = (
    sa.select(
        REQUESTS,
        MODELS.c.name.label("model"),
        MODELS.c.id.label("model_id"),
        MODEL_VERSIONS.c.version,
    )
    .join(MODEL_VERSIONS, MODEL_VERSIONS.c.id == REQUESTS.c.model_version_id)
    .join(MODELS, MODELS.c.id == MODEL_VERSIONS.c.model_id)
)


def request_rows(
    conn: Connection,
    *,
    request_id: int | None = None,
    status: str | None = None,
    model_id: int | None = None,
    limit: int | None = None,
) -> list[dict[str, Any]]:
    """Transition requests, newest first."""
    statement = _REQUESTS.order_by(REQUESTS.c.id.desc())
    if request_id is not None:
        statement = statement.where(REQUESTS.c.id == request_id)
    if status is not None:
        statement = statement.where(REQUESTS.c.decision == status)
    if model_id is not None:
        statement = statement.where(MODELS.c.id == model_id)
    if limit is not None:
        statement = statement.limit(limit)
    return [dict(row) for row in conn.execute(statement).mappings()]


def spent_outcomes(conn: Connection, model_id: int, test_version_id: int) -> list[str]:
    """The decided outcomes of the checks already run for this model on this test set,
    oldest first: what its budget has spent."""
    statement = (
        sa.select(REQUESTS.c.check_outcome)
        .join(MODEL_VERSIONS, MODEL_VERSIONS.c.id == REQUESTS.c.model_version_id)
        .where(
            MODEL_VERSIONS.c.model_id == model_id,
            REQUESTS.c.test_version_id == test_version_id,
            REQUESTS.c.check_outcome.is_not(None),
        )
        .order_by(REQUESTS.c.id)
    )
    return list(conn.execute(statement).scalars())


def decide(
    conn: Connection, request_id: int, decision: str, actor: str | None, comment: str | None
) -> bool:
    """Record the decision on a pending request; False if it was no longer pending. The
    condition on ``decision`` makes two decisions at once (two approvers, two servers) end
    with one winner: the second UPDATE finds the row decided and changes nothing."""
    result = conn.execute(
        REQUESTS.update()
        .where(REQUESTS.c.id == request_id, REQUESTS.c.decision == PENDING)
        .values(decision=decision, decided_by=actor, decided_at=now_ms(), comment=comment)
    )
    return result.rowcount == 1


def set_version_tags(conn: Connection, version_id: int, tags: dict[str, str]) -> None:
    """Set tags of a model version, keeping its others."""
    current = conn.execute(
        sa.select(MODEL_VERSIONS.c.tags).where(MODEL_VERSIONS.c.id == version_id)
    ).scalar()
    conn.execute(
        MODEL_VERSIONS.update()
        .where(MODEL_VERSIONS.c.id == version_id)
        .values(tags={**(current or {}), **tags})
    )


# --- retraining recommendations ---------------------------------------------------------


def insert_recommendation(conn: Connection, values: dict[str, Any]) -> int | None:
    """Record a recommendation; None when one for the same (model version, dataset
    version) exists already (two listings at once record it once)."""
    result = conn.execute(
        _insert(conn, RECOMMENDATIONS)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["model_version_id", "dataset_version_id"])
        .returning(RECOMMENDATIONS.c.id)
    )
    return result.scalar()


def recommendation_for(conn: Connection, version_id: int, dataset_version_id: int) -> int | None:
    """The id of the recommendation on a model version for a dataset version, if any."""
    return conn.execute(
        sa.select(RECOMMENDATIONS.c.id).where(
            RECOMMENDATIONS.c.model_version_id == version_id,
            RECOMMENDATIONS.c.dataset_version_id == dataset_version_id,
        )
    ).scalar()


_RECOMMENDATIONS = (
    sa.select(
        RECOMMENDATIONS,
        MODELS.c.name.label("model"),
        MODELS.c.id.label("model_id"),
        MODEL_VERSIONS.c.version,
        MODEL_VERSIONS.c.run_id,
    )
    .join(MODEL_VERSIONS, MODEL_VERSIONS.c.id == RECOMMENDATIONS.c.model_version_id)
    .join(MODELS, MODELS.c.id == MODEL_VERSIONS.c.model_id)
)


def recommendation_rows(
    conn: Connection,
    *,
    recommendation_id: int | None = None,
    status: str | None = None,
    model_id: int | None = None,
) -> list[dict[str, Any]]:
    """Recommendations, newest first."""
    statement = _RECOMMENDATIONS.order_by(RECOMMENDATIONS.c.id.desc())
    if recommendation_id is not None:
        statement = statement.where(RECOMMENDATIONS.c.id == recommendation_id)
    if status is not None:
        statement = statement.where(RECOMMENDATIONS.c.status == status)
    if model_id is not None:
        statement = statement.where(MODELS.c.id == model_id)
    return [dict(row) for row in conn.execute(statement).mappings()]


def decide_recommendation(
    conn: Connection, recommendation_id: int, status: str, actor: str | None, **values: Any
) -> bool:
    """Record the decision on a pending recommendation; False if it was no longer pending
    (of two decisions at once, the second changes nothing)."""
    result = conn.execute(
        RECOMMENDATIONS.update()
        .where(RECOMMENDATIONS.c.id == recommendation_id, RECOMMENDATIONS.c.status == PENDING)
        .values(status=status, decided_by=actor, decided_at=now_ms(), **values)
    )
    return result.rowcount == 1


def newest_version_of_dataset(conn: Connection, version_id: int) -> int | None:
    """The newest version of the dataset that version ``version_id`` belongs to."""
    dataset = sa.select(VERSIONS.c.dataset_id).where(VERSIONS.c.id == version_id)
    return conn.execute(
        sa.select(sa.func.max(VERSIONS.c.id)).where(VERSIONS.c.dataset_id.in_(dataset))
    ).scalar()


def source_job(conn: Connection, run_id: str | None) -> dict[str, Any] | None:
    """The job whose run ``run_id`` is (its pipeline's name and its parameters), if any."""
    if run_id is None:
        return None
    row = conn.execute(
        sa.select(JOBS.c.id, JOBS.c.parameters, PIPELINES.c.name.label("pipeline"))
        .select_from(
            RUNS.join(JOBS, JOBS.c.id == RUNS.c.job_id).join(
                PIPELINES, PIPELINES.c.id == JOBS.c.pipeline_id
            )
        )
        .where(RUNS.c.id == run_id)
    ).first()
    return None if row is None else dict(row._mapping)


# --- settings ---------------------------------------------------------------------------


_SETTING = sa.select(SETTINGS.c.value).where(SETTINGS.c.key == sa.bindparam("key"))


def setting(conn: Connection, key: str) -> Any:
    """A store setting's value, or None when it was never set."""
    return conn.execute(_SETTING, {"key": key}).scalar()


def put_setting(conn: Connection, key: str, value: Any, actor: str | None) -> None:
    now = now_ms()
    conn.execute(
        _insert(conn, SETTINGS)
        .values(key=key, value=value, updated_by=actor, updated_at=now)
        .on_conflict_do_update(
            index_elements=["key"], set_={"value": value, "updated_by": actor, "updated_at": now}
        )
    )
