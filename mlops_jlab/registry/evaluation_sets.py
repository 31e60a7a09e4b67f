"""The test set of a ci check: a DataFrame, recorded as a dataset version with role ``test``,
or a recorded version whose file is read back and verified against its fingerprint.

A test set's budget is kept per (model, test dataset version), so the same content
always counts as the same test set, under whatever variable it arrives.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy.engine import Connection

from mlops_jlab.errors import InvalidInputError, NotFoundError
from mlops_jlab.rules import check_key
from mlops_jlab.store import reads, writes

if TYPE_CHECKING:
    import pandas as pd

_READERS = {
    ".csv": "read_csv",
    ".tsv": "read_csv",
    ".parquet": "read_parquet",
    ".pq": "read_parquet",
    ".feather": "read_feather",
    ".json": "read_json",
    ".pkl": "read_pickle",
    ".pickle": "read_pickle",
}


@dataclass(frozen=True)
class FrameSet:
    """A DataFrame given as a test set: the dataset it is recorded under and its content's
    fingerprint (recorded with the request that uses it, not before)."""

    name: str
    fingerprint: str
    frame: pd.DataFrame

    def recorded(self, conn: Connection) -> int | None:
        """The id of its version if the store holds it already."""
        return writes.find_dataset_version(conn, self.name, self.fingerprint)

    def record(self, conn: Connection) -> int:
        """The id of its version (role ``test``), recorded if new."""
        from mlops_jlab.datasets import profiling

        return writes.ensure_dataset_version(
            conn, self.name, self.fingerprint, profiling.describe(self.frame), role="test"
        )


def frame_set(frame: Any, name: str) -> FrameSet:
    """A DataFrame as a test set recorded under dataset ``name``."""
    from mlops_jlab.datasets import fingerprint

    if not hasattr(frame, "columns"):
        raise InvalidInputError(
            f"test is a DataFrame or a dataset version such as 'holdout@v2', not "
            f"{type(frame).__name__}"
        )
    return FrameSet(check_key("test name", name), fingerprint.fingerprint(frame), frame)


def find_version(conn: Connection, ref: str) -> dict[str, Any]:
    """A recorded dataset version from ``"name@vN"`` or ``"name"`` (its newest version with
    role ``test``)."""
    text = check_key("test dataset", ref)
    name, at, number = text.rpartition("@v")
    if not (at and number.isdigit()):
        name, number = text, ""
    versions = reads.dataset_versions(conn, name)
    if not versions:
        raise NotFoundError(f"no dataset named {name!r}; list them with mlops_jlab.list_datasets()")
    if number:
        found = [v for v in versions if v["version"] == int(number)]
        if not found:
            raise NotFoundError(f"dataset {name!r} has no version {number}")
        return found[0]
    tests = [v for v in versions if v["role"] == "test"]
    if not tests:
        raise NotFoundError(
            f"dataset {name!r} has no version with role 'test'; name one as '{name}@vN' or "
            "log it with log_dataset(..., role='test')"
        )
    return tests[-1]


def read_back(version: dict[str, Any]) -> pd.DataFrame:
    """The rows of a recorded version, read from its file after checking that the file
    still holds the content recorded (its fingerprint)."""
    import pandas as pd

    from mlops_jlab.datasets import fingerprint

    label = f"{version['name']}@v{version['version']}"
    source = version.get("source")
    if not source or "://" in source:
        raise InvalidInputError(
            f"test set {label} has no local file to read back; pass the DataFrame itself as test="
        )
    path = Path(source)
    if not path.is_file():
        raise NotFoundError(f"the file of test set {label} ({source}) is gone")
    if fingerprint.fingerprint_file(path) != version["fingerprint"]:
        raise InvalidInputError(
            f"the file of test set {label} ({source}) changed since it was recorded: its "
            "content is not that version's. Record the new content as a new test version"
        )
    reader = _READERS.get(path.suffix.lower())
    if reader is None:
        raise InvalidInputError(
            f"cannot read test set {label} from {path.name}: pandas reads "
            f"{', '.join(sorted(_READERS))} files; pass the DataFrame itself as test="
        )
    options = {"sep": "\t"} if path.suffix.lower() == ".tsv" else {}
    return getattr(pd, reader)(path, **options)
