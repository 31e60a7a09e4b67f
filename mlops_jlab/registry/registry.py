"""The model registry on one store: register run models as numbered versions of a named
model, find them by number or alias, load them (digest verified), and move unprotected
aliases. Protected aliases move through the gate (:mod:`mlops_jlab.registry.gate`).

Every change is appended to the model's history (``registry_events``) in the transaction
that makes it, and a version is a lineage node: an output of the run it came from.
"""

from __future__ import annotations

import contextlib
import pickle
from collections.abc import Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

from sqlalchemy.engine import Connection

from mlops_jlab.environment import current_user
from mlops_jlab.errors import (
    InvalidInputError,
    NotFoundError,
    ProtectedAliasError,
)
from mlops_jlab.registry import records
from mlops_jlab.registry.entities import ModelVersion, stage_of
from mlops_jlab.rules import (
    DEFAULT_PROTECTED_ALIASES,
    MAX_NOTE_LENGTH,
    check_alias,
    check_key,
    check_text,
)
from mlops_jlab.store import reads, writes
from mlops_jlab.tracking.checks import check_mapping
from mlops_jlab.tracking.writer import Flusher

if TYPE_CHECKING:
    from mlops_jlab.tracking import Tracker

MODEL_SCHEME = "models:/"
RUN_SCHEME = "runs:/"
PROTECTED_KEY = "protected_aliases"
SELF_APPROVAL_KEY = "allow_self_approval"


def split_ref(ref: str) -> tuple[str, str]:
    """``"name/3"``, ``"name@champion"`` or either behind ``models:/`` -> (name, "3" or
    "@champion")."""
    text = check_key("model version", ref)
    text = text.removeprefix(MODEL_SCHEME)
    name, at, alias = text.rpartition("@")
    if at and name:
        return name, f"@{alias}"
    name, slash, number = text.rpartition("/")
    if slash and name and number.isascii() and number.isdecimal():
        return name, number
    raise InvalidInputError(
        f"{ref!r} names no model version: write 'name/3' (a version number) or "
        "'name@champion' (an alias), optionally after 'models:/'"
    )


class Registry:
    """The registry of the store a tracker writes to (see :func:`mlops_jlab.get_tracker`)."""

    def __init__(self, tracker: Tracker):
        self.tracker = tracker

    @property
    def store(self):
        return self.tracker.store

    # --- transactions -----------------------------------------------------------------

    def read(self) -> contextlib.AbstractContextManager[Connection]:
        return self.tracker.read()

    @contextlib.contextmanager
    def write(self) -> Iterator[Connection]:
        """A write transaction that sees what this process's tracked cells queued."""
        Flusher.drain()
        with self.store.write() as conn:
            yield conn

    # --- lookups ----------------------------------------------------------------------

    def model_id(self, conn: Connection, name: str, *, lock: bool = False) -> int:
        row = records.model_row(conn, check_key("model name", name), lock=lock)
        if row is None:
            raise NotFoundError(
                f"no registered model named {name!r}; list them with mlops_jlab.registered_models()"
            )
        return row.id

    def version_row(self, conn: Connection, name: str, which: str | int) -> dict[str, Any]:
        """A version of model ``name`` by number (3 or "3") or alias ("@champion")."""
        model_id = self.model_id(conn, name)
        if isinstance(which, str) and which.startswith("@"):
            alias = check_alias(which[1:])
            version_id = records.alias_target(conn, model_id, alias)
            if version_id is None:
                raise NotFoundError(f"model {name!r} has no alias {alias!r}")
            return records.version_rows(conn, version_ids=[version_id])[0]
        number = _number(which)
        found = records.version_rows(conn, model_id=model_id, number=number)
        if not found:
            raise NotFoundError(
                f"model {name!r} has no version {number}; list them with "
                f"mlops_jlab.model_versions({name!r})"
            )
        return found[0]

    def describe(self, conn: Connection, rows: list[dict[str, Any]]) -> list[ModelVersion]:
        """Version rows as :class:`ModelVersion` records, with aliases and datasets."""
        pointing = self.pointing(conn, sorted({row["model_id"] for row in rows}))
        labels = self.dataset_labels(conn, (row["training_dataset_version_id"] for row in rows))
        return self.describe_rows(rows, pointing, labels)

    @staticmethod
    def pointing(conn: Connection, model_ids: list[int]) -> dict[int, list[str]]:
        """Version id -> the aliases of models ``model_ids`` pointing at it, by name."""
        found: dict[int, list[str]] = {}
        for alias in records.aliases(conn, model_ids):
            found.setdefault(alias["model_version_id"], []).append(alias["alias"])
        return found

    @staticmethod
    def dataset_labels(conn: Connection, version_ids: Iterable[int | None]) -> dict[int, str]:
        """Dataset version id -> ``name@vN``, of the versions that still exist."""
        labels: dict[int, str] = {}
        for version_id in set(version_ids) - {None}:
            found = reads.dataset_versions(conn, version_id=version_id)
            if found:
                labels[version_id] = f"{found[0]['name']}@v{found[0]['version']}"
        return labels

    @staticmethod
    def describe_rows(
        rows: list[dict[str, Any]],
        pointing: Mapping[int, list[str]],
        labels: Mapping[int | None, str | None],
    ) -> list[ModelVersion]:
        """Version rows as :class:`ModelVersion` records, given what :meth:`pointing` and
        :meth:`dataset_labels` found for them."""
        return [
            ModelVersion(
                id=row["id"],
                model=row["model"],
                version=row["version"],
                run_id=row["run_id"],
                artifact_name=row["artifact_name"],
                digest=row["artifact_digest"],
                training_dataset_version_id=row["training_dataset_version_id"],
                training_dataset=labels.get(row["training_dataset_version_id"]),
                signature=row["signature"],
                description=row["description"],
                tags=row["tags"] or {},
                aliases=pointing.get(row["id"], []),
                created_by=row["created_by"],
                created_at=row["created_at"],
            )
            for row in rows
        ]

    def get_version(self, ref: str) -> ModelVersion:
        """A version by ``"name/3"`` or ``"name@alias"`` (``models:/`` in front allowed)."""
        name, which = split_ref(ref)
        with self.read() as conn:
            return self.describe(conn, [self.version_row(conn, name, which)])[0]

    def version(self, name: str, which: str | int) -> ModelVersion:
        """A version of model ``name`` by number or ``"@alias"``."""
        with self.read() as conn:
            return self.describe(conn, [self.version_row(conn, name, which)])[0]

    def versions(self, name: str) -> list[ModelVersion]:
        """Every version of model ``name``, oldest first."""
        with self.read() as conn:
            model_id = self.model_id(conn, name)
            return self.describe(conn, records.version_rows(conn, model_id=model_id))

    def version_columns(self, name: str) -> dict[str, list[Any]]:
        """Every version of model ``name``, oldest first, column by column: ``version``,
        ``aliases``, ``stage``, ``run_id``, ``training_dataset``, ``artifact_name``,
        ``digest``, ``description``, ``tags``, ``created_by``, ``created_at``. Two queries
        and a list per column, for a DataFrame of thousands of versions."""
        with self.read() as conn:
            model_id = self.model_id(conn, name)
            columns = records.version_columns(conn, model_id)
            pointing = self.pointing(conn, [model_id])
            labels = self.dataset_labels(conn, columns["training_dataset_version_id"])
        stages = {version_id: stage_of(found) for version_id, found in pointing.items()}
        return {
            "version": columns["version"],
            "aliases": [pointing.get(version_id, []) for version_id in columns["id"]],
            "stage": [stages.get(version_id) for version_id in columns["id"]],
            "run_id": columns["run_id"],
            "training_dataset": [labels.get(i) for i in columns["training_dataset_version_id"]],
            "artifact_name": columns["artifact_name"],
            "digest": columns["artifact_digest"],
            "description": columns["description"],
            "tags": columns["tags"],
            "created_by": columns["created_by"],
            "created_at": columns["created_at"],
        }

    def models(self) -> list[dict[str, Any]]:
        """Every registered model: name, description, tags, number of versions, latest
        version, aliases (alias -> version number), created_at, updated_at."""
        with self.read() as conn:
            rows = records.model_rows(conn)
            by_model: dict[int, dict[str, int]] = {}
            for alias in records.aliases(conn):
                by_model.setdefault(alias["model_id"], {})[alias["alias"]] = alias["version"]
        return [
            {
                "name": row["name"],
                "description": row["description"],
                "tags": row["tags"] or {},
                "versions": row["versions"],
                "latest_version": row["latest_version"],
                "aliases": by_model.get(row["id"], {}),
                "created_at": row["created_at"],
                "updated_at": row["updated_at"],
            }
            for row in rows
        ]

    def model(self, name: str) -> dict[str, Any]:
        """One registered model as :meth:`models` lists it."""
        check_key("model name", name)
        for described in self.models():
            if described["name"] == name:
                return described
        raise NotFoundError(
            f"no registered model named {name!r}; list them with mlops_jlab.registered_models()"
        )

    def load(self, ref: str) -> Any:
        """The model object of a version, unpickled from its artifact after its content is
        checked against its digest (a corrupt blob raises ArtifactCorruptError)."""
        version = self.get_version(ref)
        if version.digest is None:
            raise NotFoundError(f"{version.ref} has no stored model artifact")
        data = self.tracker.artifacts.get_bytes(version.digest)
        # The store's own blob, its digest verified: what the run pickled
        return pickle.loads(data)

    def history(self, name: str) -> list[dict[str, Any]]:
        """The model's history, oldest first: what happened, to which version, who did it,
        when, and its details."""
        with self.read() as conn:
            model_id = self.model_id(conn, name)
            rows = records.events(conn, model_id)
        return [
            {
                "id": row["id"],
                "kind": row["kind"],
                "version": row["version"],
                "actor": row["actor"],
                "created_at": row["created_at"],
                "details": row["details"],
            }
            for row in rows
        ]

    # --- settings ---------------------------------------------------------------------

    def protected_aliases(self, conn: Connection) -> tuple[str, ...]:
        found = records.setting(conn, PROTECTED_KEY)
        return tuple(found) if found is not None else DEFAULT_PROTECTED_ALIASES

    def self_approval(self, conn: Connection) -> bool:
        """Whether one may approve one's own request: the store's setting, else allowed on
        an embedded (SQLite) store, which one person uses, and not on a team store."""
        found = records.setting(conn, SELF_APPROVAL_KEY)
        return bool(found) if found is not None else self.store.kind == "sqlite"

    def settings(self) -> dict[str, Any]:
        """``{"protected_aliases": [...], "allow_self_approval": bool}``."""
        with self.read() as conn:
            return {
                PROTECTED_KEY: list(self.protected_aliases(conn)),
                SELF_APPROVAL_KEY: self.self_approval(conn),
            }

    def set_settings(
        self,
        protected_aliases: Any = None,
        allow_self_approval: bool | None = None,
        *,
        actor: str | None = None,
    ) -> dict[str, Any]:
        """Change the store's protected aliases or whether one may approve one's own
        request (None: leave as it is); every process of the store obeys them."""
        actor = actor or current_user()
        changes: dict[str, Any] = {}
        if protected_aliases is not None:
            if isinstance(protected_aliases, str) or not hasattr(protected_aliases, "__iter__"):
                raise InvalidInputError(
                    "protected_aliases is a list of aliases, such as ['champion', "
                    f"'production'], not {protected_aliases!r}"
                )
            changes[PROTECTED_KEY] = sorted({check_alias(a) for a in protected_aliases})
        if allow_self_approval is not None:
            if not isinstance(allow_self_approval, bool):
                raise InvalidInputError(
                    f"allow_self_approval is True or False, not {allow_self_approval!r}"
                )
            changes[SELF_APPROVAL_KEY] = allow_self_approval
        with self.write() as conn:
            for key, value in changes.items():
                records.put_setting(conn, key, value, actor)
        return self.settings()

    # --- changes ----------------------------------------------------------------------

    def register(
        self,
        source: str,
        name: str,
        description: str | None = None,
        tags: Mapping[str, Any] | None = None,
        *,
        actor: str | None = None,
    ) -> ModelVersion:
        """Register the model a run logged as the next version of model ``name``.

        Parameters
        ----------
        source
            A run id (or unambiguous prefix) whose run logged one model (``log_model``,
            ``%%track --model``), or ``"runs:/<run id>/<artifact name>"``.
        name
            The registered model's name; created with its first version.
        description, tags
            Of the version (the model's description is its first version's).
        """
        name = check_key("model name", name)
        if description is not None:
            description = check_text("description", name, description, MAX_NOTE_LENGTH)
        checked_tags = {
            check_key("tag key", k): check_text("tag", k, v)
            for k, v in check_mapping("tags", tags or {}).items()
        }
        actor = actor or current_user()
        run, artifact = self._source(source)
        with self.write() as conn:
            run_id = self.tracker.find_run_id(conn, run)
            digest, artifact = self._model_artifact(conn, run_id, artifact)
            training = records.training_input(conn, run_id)
            signature = label = None
            if training is not None:
                found = reads.dataset_versions(conn, version_id=training)[0]
                label = f"{found['name']}@v{found['version']}"
                signature = {"inputs": found["schema"], "dataset": label}
            model = records.ensure_model(conn, name, description, checked_tags or None)
            values = {
                "model_id": model.id,
                "version": records.next_version(conn, model.id),
                "run_id": run_id,
                "artifact_digest": digest,
                "artifact_name": artifact,
                "signature": signature,
                "training_dataset_version_id": training,
                "description": description,
                "tags": checked_tags,
                "created_by": actor,
                "created_at": writes.now_ms(),
            }
            version_id = records.insert_version(conn, values)
            writes.insert_lineage(conn, run_id, [("model_version", str(version_id), "OUTPUT")])
            records.add_event(
                conn,
                model.id,
                version_id,
                "registered",
                actor,
                {
                    "version": values["version"],
                    "run_id": run_id,
                    "artifact": artifact,
                    "digest": digest,
                },
            )
        # Every value is at hand: a new version has no alias yet
        return self.describe_rows(
            [{**values, "id": version_id, "model": name}], {}, {training: label}
        )[0]

    @staticmethod
    def _source(source: Any) -> tuple[str, str | None]:
        """(run id or prefix, artifact name or None) from a run id or ``runs:/<id>/<name>``."""
        if not isinstance(source, str):
            raise InvalidInputError(
                f"register a model from a run id or 'runs:/<run id>/<artifact name>', not "
                f"{type(source).__name__}"
            )
        if source.startswith(RUN_SCHEME):
            run, slash, artifact = source.removeprefix(RUN_SCHEME).partition("/")
            if not slash or not artifact:
                raise InvalidInputError(
                    f"{source!r} names no artifact: write 'runs:/<run id>/<artifact name>', "
                    "such as 'runs:/5f0c1a2b/clf.pkl'"
                )
            return run, artifact
        return source, None

    @staticmethod
    def _model_artifact(conn: Connection, run_id: str, name: str | None) -> tuple[str, str]:
        """(digest, name) of the run's model artifact ``name``, or of its only one."""
        if name is not None:
            for candidate in (name, f"{name}.pkl"):
                found = records.run_artifact(conn, run_id, candidate)
                if found is not None:
                    return found[0], candidate
            raise NotFoundError(
                f"run {run_id} has no artifact named {name!r}; see its artifacts with "
                f"mlops_jlab.get_run({run_id!r}).artifacts"
            )
        models = records.model_artifacts(conn, run_id)
        if not models:
            raise InvalidInputError(
                f"run {run_id} logged no model: log one with mlops_jlab.log_model(model, "
                "'name') or %%track --model NAME, or name an artifact as "
                f"'runs:/{run_id}/<artifact name>'"
            )
        if len(models) > 1:
            names = ", ".join(name for name, _ in models)
            raise InvalidInputError(
                f"run {run_id} logged several models ({names}); pick one as "
                f"'runs:/{run_id}/<artifact name>'"
            )
        return models[0][1], models[0][0]

    def set_alias(
        self, name: str, alias: str, version: int | str, *, actor: str | None = None
    ) -> ModelVersion:
        """Point ``alias`` of model ``name`` at ``version``; a protected alias is refused
        (it moves through an approved :meth:`request_transition`)."""
        alias = check_alias(alias)
        actor = actor or current_user()
        with self.write() as conn:
            row = self.version_row(conn, name, version)
            self._refuse_protected(conn, name, alias, "move")
            before = records.alias_target(conn, row["model_id"], alias)
            records.put_alias(conn, row["model_id"], alias, row["id"], actor)
            records.add_event(
                conn,
                row["model_id"],
                row["id"],
                "alias_set",
                actor,
                {"alias": alias, "version": row["version"], "previous": _number_of(conn, before)},
            )
            return self.describe(conn, [row])[0]

    def remove_alias(self, name: str, alias: str, *, actor: str | None = None) -> None:
        """Remove ``alias`` from model ``name`` (refused for a protected alias)."""
        alias = check_alias(alias)
        actor = actor or current_user()
        with self.write() as conn:
            model_id = self.model_id(conn, name)
            before = records.alias_target(conn, model_id, alias)
            if before is None:
                raise NotFoundError(f"model {name!r} has no alias {alias!r}")
            self._refuse_protected(conn, name, alias, "remove")
            records.remove_alias(conn, model_id, alias)
            records.add_event(
                conn,
                model_id,
                before,
                "alias_removed",
                actor,
                {"alias": alias, "version": _number_of(conn, before)},
            )

    def _refuse_protected(self, conn: Connection, name: str, alias: str, action: str) -> None:
        if alias in self.protected_aliases(conn):
            raise ProtectedAliasError(
                f"alias {alias!r} of model {name!r} is protected: it cannot be {action}d "
                "directly. Ask for the move with mlops_jlab.request_transition("
                f"{name!r}, <version>, {alias!r}, reason=...) and have it approved"
            )


def _number(which: Any) -> int:
    if isinstance(which, bool) or not (
        isinstance(which, int) or (isinstance(which, str) and which.isascii() and which.isdigit())
    ):
        raise InvalidInputError(
            f"a model version is a number such as 3 or an alias such as '@champion', not {which!r}"
        )
    return int(which)


def _number_of(conn: Connection, version_id: int | None) -> int | None:
    if version_id is None:
        return None
    return records.version_rows(conn, version_ids=[version_id])[0]["version"]
