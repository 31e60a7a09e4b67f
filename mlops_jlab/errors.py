"""The exceptions mlops-jlab raises for mistakes a user can fix.

Every message says what went wrong and what to do about it; the server maps each
type to an HTTP status so a user's mistake is never a 500.
"""

from __future__ import annotations


class MlopsError(Exception):
    """Base class of every error mlops-jlab raises on purpose."""

    http_status = 400


class InvalidInputError(MlopsError, ValueError):
    """A value given to the API cannot be recorded as it is."""


class NotFoundError(MlopsError, LookupError):
    """An id or name does not exist in the store."""

    http_status = 404


class RunStateError(MlopsError):
    """The run is in a state that does not allow the operation (e.g. it has ended)."""

    http_status = 409


class ConflictError(MlopsError):
    """What is asked conflicts with what is recorded: a request already decided, an alias
    that moved since a request was made."""

    http_status = 409


class ProtectedAliasError(ConflictError):
    """A protected alias (``champion``, ``production``, ...) moves only through an approved
    transition request."""


class ForbiddenError(MlopsError):
    """The user may not do this (approve their own request where the store forbids it)."""

    http_status = 403


class QuerySyntaxError(InvalidInputError):
    """A filter expression could not be parsed; names the token and its position."""

    def __init__(self, message: str, position: int, token: str):
        super().__init__(message)
        self.position = position
        self.token = token


class ConditionSyntaxError(QuerySyntaxError):
    """An ease.ml/ci condition could not be parsed; names the token and its 1-based column
    (``position`` is from 0, as for a filter)."""

    @property
    def column(self) -> int:
        return self.position + 1


class RequestCancelledError(MlopsError):
    """A read was cancelled by whoever asked for it (a REST client that went away): its
    statement was stopped and nobody waits for an answer."""

    http_status = 499  # "client closed request": never sent, the client is gone


class FilterWarning(UserWarning):
    """A filter names a param, metric or tag no run has: it may match nothing for that."""


class StoreError(MlopsError):
    """The store cannot be opened or used."""

    http_status = 503


class StoreConnectionError(StoreError):
    """The database URL could not be reached."""


class StoreCorruptError(StoreError):
    """The store file is not a database mlops-jlab can read, or has damaged pages."""


class StoreReadOnlyError(StoreError):
    """The store can be read but not written (file permissions, a read-only database)."""


class StoreFullError(StoreError):
    """The disk (or the database's size limit) has no room for what is being written."""


class StoreVersionError(StoreError):
    """The store was written by a newer mlops-jlab than this one."""


class ArtifactError(MlopsError):
    """An artifact cannot be stored or read."""


class ArtifactNotFoundError(ArtifactError, NotFoundError):
    """No artifact has this digest."""

    http_status = 404


class ArtifactCorruptError(ArtifactError):
    """The bytes stored under a digest no longer hash to it."""

    http_status = 500
