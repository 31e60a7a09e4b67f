"""Content-addressed blob store: a local folder by default, any fsspec URL otherwise.

A blob lives at ``<root>/<d[:2]>/<d[2:4]>/<d>`` where ``d`` is the xxh3-128 of its bytes.
Writes are atomic (a temporary file renamed into place locally; object stores publish a
PUT whole), identical content is stored once, and every read is verified against its
digest, so a corrupted blob is reported rather than handed back. Local blobs get the
permissions the process's umask gives new files, as the database file does, so whoever may
read a shared store may read its artifacts.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import fsspec
import xxhash
from fsspec.implementations.local import LocalFileSystem

from mlops_jlab.errors import (
    ArtifactCorruptError,
    ArtifactError,
    ArtifactNotFoundError,
    InvalidInputError,
    MlopsError,
)
from mlops_jlab.rules import DIGEST_RE

CHUNK_SIZE = 1 << 20
TEMPORARY_PREFIX = ".tmp-"


def digest_bytes(data: bytes) -> str:
    """The xxh3-128 hex digest that addresses ``data``."""
    return xxhash.xxh3_128_hexdigest(data)


def digest_stream(stream: BinaryIO) -> tuple[str, int]:
    """Digest and size of everything left in ``stream``, read in chunks."""
    hasher = xxhash.xxh3_128()
    size = 0
    while chunk := stream.read(CHUNK_SIZE):
        hasher.update(chunk)
        size += len(chunk)
    return hasher.hexdigest(), size


def check_digest(digest: str) -> str:
    """Return ``digest`` if it is well formed; anything else never becomes a path."""
    if not isinstance(digest, str) or not DIGEST_RE.fullmatch(digest):
        raise InvalidInputError(
            f"{digest!r} is not an artifact digest; digests are 32 lowercase hex characters"
        )
    return digest


@dataclass(frozen=True)
class StoredBlob:
    digest: str
    size: int


@dataclass(frozen=True)
class ListedFile:
    """A file under the artifact root: a blob (``digest``) or a write's leftover temporary
    file (``digest`` None), its size and when it was last written (epoch seconds, None
    where the storage does not say)."""

    path: str
    digest: str | None
    size: int
    modified: float | None


def _modified(info: dict[str, Any]) -> float | None:
    stamp = info.get("mtime", info.get("LastModified", info.get("last_modified")))
    if hasattr(stamp, "timestamp"):  # object stores give a datetime
        return stamp.timestamp()
    return float(stamp) if isinstance(stamp, (int, float)) else None


class ArtifactStore:
    """Blobs addressed by content under ``root`` (a folder path or an fsspec URL).

    Parameters
    ----------
    root
        ``/path/to/artifacts``, ``file:///...``, ``s3://bucket/prefix``, ...
    storage_options
        Passed to fsspec (credentials, ``endpoint_url``, ...).
    """

    def __init__(self, root: str, **storage_options: Any):
        self.root_url = str(root)
        try:
            self.fs, root_path = fsspec.core.url_to_fs(self.root_url, **storage_options)
        except (ImportError, ValueError) as exc:
            raise ArtifactError(
                f"cannot use artifact location '{self.root_url}': {exc}. For s3:// install "
                "'mlops-jlab[s3]'; check MLOPS_JLAB_ARTIFACTS"
            ) from exc
        self.root = root_path.rstrip("/")
        self.is_local = isinstance(self.fs, LocalFileSystem)

    def _path(self, digest: str) -> str:
        digest = check_digest(digest)
        return f"{self.root}/{digest[:2]}/{digest[2:4]}/{digest}"

    def local_path(self, digest: str) -> Path:
        """The file holding ``digest`` on a local store (for serving and opening)."""
        if not self.is_local:
            raise ArtifactError(f"artifact store '{self.root_url}' is not a local folder")
        return Path(self._path(digest))

    def exists(self, digest: str) -> bool:
        path = self._path(digest)
        with self._storage("read"):
            return self.fs.exists(path)

    @contextmanager
    def _storage(self, action: str) -> Iterator[None]:
        """Any failure of the storage itself as an ArtifactError that names the location:
        fsspec backends raise their own types (OSError, botocore's, aiohttp's, ...)."""
        try:
            yield
        except MlopsError:
            raise
        except Exception as exc:
            raise ArtifactError(
                f"cannot {action} artifacts at '{self.root_url}' ({type(exc).__name__}: {exc}); "
                "check that the location exists, is writable and its credentials are set "
                "(MLOPS_JLAB_ARTIFACTS)"
            ) from exc

    def put_bytes(self, data: bytes) -> StoredBlob:
        """Store ``data`` (once, however often it is put) and return its address."""
        if not isinstance(data, (bytes, bytearray, memoryview)):
            raise InvalidInputError(f"artifact content must be bytes, not {type(data).__name__}")
        data = bytes(data)
        blob = StoredBlob(digest_bytes(data), len(data))
        path = self._path(blob.digest)
        with self._storage("write"):
            if self._exists_now(path):
                return blob
            if self.is_local:
                self._atomic_local_write(path, lambda out: out.write(data))
            else:
                self.fs.pipe_file(path, data)
        return blob

    def put_file(self, source: str | os.PathLike[str]) -> StoredBlob:
        """Store the file at ``source``, streaming it (large models never sit in memory)."""
        source = Path(source)
        if not source.is_file():
            problem = "it is a folder: log its files" if source.is_dir() else "no such file"
            raise InvalidInputError(f"cannot log '{source}' as an artifact: {problem}")
        try:
            with source.open("rb") as stream:
                digest, size = digest_stream(stream)
        except OSError as exc:
            raise InvalidInputError(
                f"cannot read '{source}' to log it as an artifact: {exc.strerror or exc}"
            ) from exc
        blob = StoredBlob(digest, size)
        path = self._path(digest)

        def copy(out: BinaryIO) -> None:
            with source.open("rb") as stream:
                while chunk := stream.read(CHUNK_SIZE):
                    out.write(chunk)

        with self._storage("write"):
            if self._exists_now(path):
                return blob
            if self.is_local:
                self._atomic_local_write(path, copy)
            else:
                self.fs.put_file(str(source), path)
        return blob

    def _exists_now(self, path: str) -> bool:
        """Whether the blob is stored; a local one is touched, so that garbage collection,
        which spares blobs written within its grace period, spares one a run is about to
        refer to again."""
        if not self.is_local:
            return self.fs.exists(path)
        try:
            os.utime(path)
        except FileNotFoundError:
            return False
        except OSError:  # another user's blob in a shared store: there, but not ours to touch
            return os.path.exists(path)
        return True

    def _atomic_local_write(self, path: str, write) -> None:
        folder = Path(path).parent
        folder.mkdir(parents=True, exist_ok=True)
        tmp = str(folder / f"{TEMPORARY_PREFIX}{secrets.token_hex(8)}")
        # Made as open() makes files, 0666 less the umask, as SQLite makes the database:
        # mkstemp's 0600 would lock a teammate who shares the store out of its artifacts.
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
        fd = os.open(tmp, flags, 0o666)
        try:
            with os.fdopen(fd, "wb") as out:
                write(out)
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def get_bytes(self, digest: str) -> bytes:
        """The bytes stored under ``digest``, verified against it."""
        path = self._path(digest)
        with self._storage("read"):
            try:
                data = self.fs.cat_file(path)
            except FileNotFoundError as exc:
                raise ArtifactNotFoundError(
                    f"no artifact {digest} in '{self.root_url}'; it may have been "
                    "garbage-collected or the store points at another artifact location "
                    "(MLOPS_JLAB_ARTIFACTS)"
                ) from exc
        if digest_bytes(data) != digest:
            raise ArtifactCorruptError(
                f"artifact {digest} in '{self.root_url}' is corrupt: its content no longer "
                "matches its digest. Log it again from its source"
            )
        return data

    def files(self) -> Iterator[ListedFile]:
        """Every blob and leftover temporary file under the root, in no particular order."""
        with self._storage("list"):
            try:
                found = self.fs.find(self.root, detail=True)
            except FileNotFoundError:
                found = {}
        for path, info in found.items():
            name = path.rsplit("/", 1)[-1]
            if DIGEST_RE.fullmatch(name):
                digest: str | None = name
                if path != self._path(name):
                    continue  # not where this store puts a blob: not ours to judge
            elif name.startswith(TEMPORARY_PREFIX):
                digest = None
            else:
                continue
            yield ListedFile(path, digest, int(info.get("size") or 0), _modified(info))

    def remove(self, listed: ListedFile, written_before: float | None = None) -> bool:
        """Delete a file :meth:`files` listed; with ``written_before``, only if it has not
        been written (or stored again) since then. Returns whether it is gone."""
        with self._storage("delete"):
            try:
                if written_before is not None:
                    modified = _modified(self.fs.info(listed.path))
                    if modified is not None and modified > written_before:
                        return False
                self.fs.rm_file(listed.path)
            except FileNotFoundError:
                pass  # already gone: what was asked
        return True
