"""The approval gate: a protected alias moves only when a person approves a transition
request, and every request and decision is kept for good.

A request may carry an ease.ml/ci check (:mod:`mlops_jlab.easeml.ci`): the new version
against the one that holds the alias now, on a test set whose budget is kept per (model,
test dataset version). A request whose check fails, or cannot run (the model's predict
raises), is recorded as ``failed`` with its report, and nothing moves on it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy.engine import Connection

from mlops_jlab.environment import current_user
from mlops_jlab.errors import (
    ConflictError,
    ForbiddenError,
    InvalidInputError,
    NotFoundError,
)
from mlops_jlab.registry import evaluation_sets, records
from mlops_jlab.registry.entities import TransitionRequest
from mlops_jlab.rules import MAX_COMMENT_LENGTH, check_alias, check_text
from mlops_jlab.store import reads, writes

if TYPE_CHECKING:
    from mlops_jlab.registry.registry import Registry

STATUSES = ("pending", "approved", "rejected", "failed")


def _comment(what: str, text: Any, required: bool) -> str | None:
    if text is None or (isinstance(text, str) and not text.strip()):
        if required:
            raise InvalidInputError(f"a {what} needs a comment saying why")
        return None
    return check_text(what, "comment", text, MAX_COMMENT_LENGTH)


def describe_requests(
    registry: Registry, conn: Connection, rows: list[dict[str, Any]]
) -> list[TransitionRequest]:
    """Request rows as :class:`TransitionRequest` records that remember ``registry``, so that
    their notebook view decides on the store they came from."""
    numbers = {
        row["id"]: row["version"]
        for row in records.version_rows(
            conn, version_ids=[r["from_version_id"] for r in rows if r["from_version_id"]]
        )
    }
    labels: dict[int, str] = {}
    for row in rows:
        test = row["test_version_id"]
        if test is not None and test not in labels:
            found = reads.dataset_versions(conn, version_id=test)
            if found:
                labels[test] = f"{found[0]['name']}@v{found[0]['version']}"
    requests = [
        TransitionRequest(
            id=row["id"],
            model=row["model"],
            version=row["version"],
            to=row["to_stage"],
            from_version=numbers.get(row["from_version_id"]),
            status=row["decision"],
            requested_by=row["requested_by"],
            requested_at=row["requested_at"],
            reason=row["reason"],
            condition=row["condition"],
            test_dataset=labels.get(row["test_version_id"]),
            test_dataset_version_id=row["test_version_id"],
            report=row["check_report"],
            decided_by=row["decided_by"],
            decided_at=row["decided_at"],
            comment=row["comment"],
        )
        for row in rows
    ]
    for request in requests:
        request._registry = registry
    return requests


def get_request(registry: Registry, request_id: int) -> TransitionRequest:
    request_id = _request_id(request_id)
    with registry.read() as conn:
        rows = records.request_rows(conn, request_id=request_id)
        if not rows:
            raise NotFoundError(f"no transition request {request_id}")
        return describe_requests(registry, conn, rows)[0]


def list_requests(
    registry: Registry,
    status: str | None = None,
    model: str | None = None,
    limit: int | None = None,
) -> list[TransitionRequest]:
    """Requests, newest first, of one status and one model if asked."""
    if status is not None and status not in STATUSES:
        raise InvalidInputError(
            f"a request's status is one of {', '.join(STATUSES)}, not {status!r}"
        )
    with registry.read() as conn:
        model_id = registry.model_id(conn, model) if model is not None else None
        rows = records.request_rows(conn, status=status, model_id=model_id, limit=limit)
        return describe_requests(registry, conn, rows)


def _request_id(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InvalidInputError(f"a request id is a positive whole number, not {value!r}")
    return value


def request_transition(
    registry: Registry,
    name: str,
    version: int | str,
    to: str,
    condition: str | None = None,
    test: Any = None,
    *,
    reliability: float | None = None,
    mode: str | None = None,
    adaptivity: str | None = None,
    steps: int | None = None,
    target: str | None = None,
    features: Sequence[str] | None = None,
    reason: str | None = None,
    test_name: str | None = None,
    actor: str | None = None,
) -> TransitionRequest:
    """Ask for alias ``to`` of model ``name`` to move to ``version``; see
    :func:`mlops_jlab.request_transition`."""
    to = check_alias(to)
    reason = _comment("request", reason, required=False)
    actor = actor or current_user()
    check = None
    if condition is not None:
        check = _prepare_check(condition, reliability, mode, adaptivity, steps)
    elif test is not None:
        raise InvalidInputError("a test set is for a check: give a condition as well")
    with registry.read() as conn:
        row = registry.version_row(conn, name, version)
        old_id = records.alias_target(conn, row["model_id"], to)
        if old_id == row["id"]:
            raise ConflictError(
                f"alias {to!r} of model {name!r} already points at v{row['version']}"
            )
        old_row = records.version_rows(conn, version_ids=[old_id])[0] if old_id else None
    values: dict[str, Any] = {
        "model_version_id": row["id"],
        "to_stage": to,
        "requested_by": actor,
        "requested_at": writes.now_ms(),
        "decision": records.PENDING,
        "reason": reason,
        "from_version_id": old_id,
    }
    if check is not None:
        values.update(
            _run_check(
                registry,
                check,
                row,
                old_row,
                to,
                test,
                target,
                features,
                test_name or f"{name}/test",
            )
        )
    with registry.write() as conn:
        if check is not None:
            given = values["test_version_id"]
            if isinstance(given, evaluation_sets.FrameSet):
                values["test_version_id"] = given.record(conn)
            _refuse_spent(conn, check, row["model_id"], values["test_version_id"])
        request_id = records.insert_request(conn, values)
        records.add_event(
            conn,
            row["model_id"],
            row["id"],
            "request_created",
            actor,
            {
                "request_id": request_id,
                "to": to,
                "from_version": old_row["version"] if old_row else None,
                "status": values["decision"],
                "condition": values.get("condition"),
                "outcome": values.get("check_outcome"),
                "reason": reason,
            },
        )
        rows = records.request_rows(conn, request_id=request_id)
        return describe_requests(registry, conn, rows)[0]


def _prepare_check(condition, reliability, mode, adaptivity, steps) -> tuple[Any, Any]:
    """The parsed condition and checked settings: a mistake in either is refused before
    any data is read or any model loaded."""
    from mlops_jlab.easeml import ci

    given = {
        "reliability": reliability,
        "mode": mode,
        "adaptivity": adaptivity,
        "steps": steps,
    }
    settings = ci.CiSettings(**{k: v for k, v in given.items() if v is not None}).checked()
    return ci.parse_condition(condition), settings


def _run_check(
    registry: Registry,
    check: tuple[Any, Any],
    row: dict[str, Any],
    old_row: dict[str, Any] | None,
    to: str,
    test: Any,
    target: str | None,
    features: Sequence[str] | None,
    test_name: str,
) -> dict[str, Any]:
    """Run the check; the request's columns that record it (a test set given as a
    DataFrame as its :class:`~.evaluation_sets.FrameSet`, recorded with the request)."""
    from mlops_jlab.easeml import ci

    condition, settings = check
    uses_old = sorted(condition.variables & {"o", "d"})
    if uses_old and old_row is None:
        raise InvalidInputError(
            f"the condition uses {' and '.join(uses_old)} (the old model's accuracy, or the "
            f"disagreement with it), but alias {to!r} of model {row['model']!r} points at no "
            "version yet: there is no old model to compare with. Use a condition on n "
            "alone, such as 'n > 0.8 +/- 0.05'"
        )
    if test is None:
        raise InvalidInputError(
            "a condition is checked on a test set: pass test= a DataFrame or a dataset "
            "version such as 'holdout@v2'"
        )
    given = None
    with registry.read() as conn:
        if isinstance(test, str):
            version = evaluation_sets.find_version(conn, test)
            version_id: int | None = version["id"]
        else:
            given = evaluation_sets.frame_set(test, test_name)
            version_id = given.recorded(conn)
        outcomes = records.spent_outcomes(conn, row["model_id"], version_id) if version_id else []
    frame = given.frame if given is not None else evaluation_sets.read_back(version)
    new_model = registry.load(f"{row['model']}/{row['version']}")
    old_model = registry.load(f"{old_row['model']}/{old_row['version']}") if old_row else None
    target, features = _columns(new_model, frame, target, features)
    report = ci.check_models(
        condition, settings, new_model, old_model, frame, target, features, outcomes=outcomes
    )
    failed = report.error is not None or report.decision == "fail"
    return {
        "condition": condition.text,
        "test_version_id": version_id if given is None else given,
        "check_report": {**report.to_dict(), "target": target},
        "check_outcome": None if report.error is not None else report.decision,
        "decision": "failed" if failed else records.PENDING,
    }


def _columns(
    model: Any, frame: Any, target: str | None, features: Sequence[str] | None
) -> tuple[str, list[str] | None]:
    """The label column and the features: as given, else those a scikit-learn model was
    fitted on (``feature_names_in_``) and the one other column of the test set."""
    fitted = getattr(model, "feature_names_in_", None)
    if features is None and fitted is not None:
        features = [str(name) for name in fitted]
    if target is None:
        others = [c for c in frame.columns if features is None or c not in set(features)]
        if features is None or len(others) != 1:
            raise InvalidInputError(
                "say which column of the test set holds the labels: target='<column>' "
                f"(its columns: {', '.join(map(str, frame.columns[:20]))})"
            )
        target = others[0]
    return target, list(features) if features is not None else None


def _refuse_spent(conn: Connection, check: tuple[Any, Any], model_id: int, test_id: int) -> None:
    """Refuse a request whose test set was used up meanwhile (by a request made while this
    one's check ran)."""
    from mlops_jlab.easeml import ci

    _condition, settings = check
    spent = records.spent_outcomes(conn, model_id, test_id)
    if ci.budget(settings, spent).exhausted:
        raise ConflictError(
            "the test set is used up (other checks spent its budget while this one ran): "
            "register a fresh version of it with role 'test'"
        )


def decide(
    registry: Registry,
    request_id: int,
    approve: bool,
    comment: str | None,
    actor: str | None = None,
) -> TransitionRequest:
    """Approve (moving the alias, in the same transaction) or reject a pending request."""
    request_id = _request_id(request_id)
    verb = "approve" if approve else "reject"
    comment = _comment("rejection" if not approve else "approval", comment, required=not approve)
    actor = actor or current_user()
    with registry.write() as conn:
        rows = records.request_rows(conn, request_id=request_id)
        if not rows:
            raise NotFoundError(f"no transition request {request_id}")
        row = rows[0]
        _refuse_decided(row, verb)
        if approve and row["requested_by"] == actor and not registry.self_approval(conn):
            raise ForbiddenError(
                f"request {request_id} is yours ({actor}): on this store another person must "
                "approve it (the store's allow_self_approval setting is off)"
            )
        now_at = records.alias_target(conn, row["model_id"], row["to_stage"])
        if approve and now_at != row["from_version_id"]:
            raise ConflictError(
                f"alias {row['to_stage']!r} moved since request {request_id} was made; its "
                "check compared with another version. Reject it and request again"
            )
        decision = "approved" if approve else "rejected"
        if not records.decide(conn, request_id, decision, actor, comment):
            _refuse_decided(records.request_rows(conn, request_id=request_id)[0], verb)
        details = {"request_id": request_id, "to": row["to_stage"], "comment": comment}
        records.add_event(
            conn, row["model_id"], row["model_version_id"], f"request_{decision}", actor, details
        )
        if approve:
            records.put_alias(
                conn, row["model_id"], row["to_stage"], row["model_version_id"], actor
            )
            previous = None
            if row["from_version_id"] is not None:
                previous = records.version_rows(conn, version_ids=[row["from_version_id"]])[0][
                    "version"
                ]
            records.add_event(
                conn,
                row["model_id"],
                row["model_version_id"],
                "alias_set",
                actor,
                {
                    "alias": row["to_stage"],
                    "version": row["version"],
                    "previous": previous,
                    "request_id": request_id,
                },
            )
        rows = records.request_rows(conn, request_id=request_id)
        return describe_requests(registry, conn, rows)[0]


def _refuse_decided(row: dict[str, Any], verb: str) -> None:
    status = row["decision"]
    if status == records.PENDING:
        return
    if status == "failed":
        raise ConflictError(
            f"request {row['id']} failed its check and cannot be {verb}d; request again with "
            "another version or test set"
        )
    raise ConflictError(
        f"request {row['id']} was already {status} by {row['decided_by']}; a decision is final"
    )
