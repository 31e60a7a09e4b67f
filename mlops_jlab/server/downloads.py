"""Serving an artifact: a safe file name, a media type a header can carry, verified bytes.

The digest is checked (32 lowercase hex characters) before it becomes a path; the file
must resolve inside the artifact folder, is opened without following a symlink, and its
bytes are hashed as they are read. The last chunk is held back until the whole content
matches its digest, so a corrupted blob never arrives complete.
"""

from __future__ import annotations

import mimetypes
import os
import re
import stat
from collections.abc import Generator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO
from urllib.parse import quote

import xxhash

from mlops_jlab.artifacts import CHUNK_SIZE, ArtifactStore, check_digest
from mlops_jlab.errors import ArtifactCorruptError, ArtifactNotFoundError

_MEDIA_TYPE_RE = re.compile(r"[A-Za-z0-9][\w.+-]{0,126}/[A-Za-z0-9][\w.+-]{0,126}")
_ASCII_NAME_RE = re.compile(r"[^A-Za-z0-9._\-+()=@, ]")
MAX_NAME = 200


@dataclass
class ArtifactDownload:
    """What ``GET artifacts/{digest}`` sends: headers and verified chunks of the content."""

    digest: str
    media_type: str
    filename: str
    size: int
    chunks: Generator[bytes, None, None]

    @property
    def content_disposition(self) -> str:
        """RFC 6266: an ASCII ``filename`` for old clients, the exact one in ``filename*``."""
        fallback = _ASCII_NAME_RE.sub("_", self.filename)
        return (
            f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(self.filename, safe='')}"
        )


def safe_media_type(media_type: str | None) -> str:
    """The recorded media type when it is a plain ``type/subtype``, else a download."""
    if media_type and _MEDIA_TYPE_RE.fullmatch(media_type):
        return media_type
    return "application/octet-stream"


def download_name(name: str | None, digest: str, media_type: str) -> str:
    """The file name a browser saves: the last part of the name a run gave the artifact,
    without control or direction-changing characters, nor a leading dot."""
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(char for char in base if char.isprintable()).strip().lstrip(".").strip()
    if not base:
        base = f"artifact-{digest[:12]}{mimetypes.guess_extension(media_type) or ''}"
    return base[:MAX_NAME]


def open_download(
    store: ArtifactStore, digest: str, size: int, media_type: str | None, name: str | None
) -> ArtifactDownload:
    """Open the artifact ``digest`` (recorded with ``size`` bytes) for sending.

    Raises
    ------
    InvalidInputError
        The digest is not 32 lowercase hex characters.
    ArtifactNotFoundError
        Its content is not in the artifact store (or lies outside it).
    ArtifactCorruptError
        Its content does not match its size or digest.
    """
    check_digest(digest)
    kind = safe_media_type(media_type)
    filename = download_name(name, digest, kind)
    if not store.is_local:
        data = store.get_bytes(digest)  # verified whole; object stores have no symlinks
        return ArtifactDownload(digest, kind, filename, len(data), _whole(data))
    stream = _open_inside(store, digest)
    actual = os.fstat(stream.fileno()).st_size
    if actual != size:
        stream.close()
        raise _corrupt(store, digest)
    return ArtifactDownload(digest, kind, filename, size, _verified(stream, store, digest))


def _missing(store: ArtifactStore, digest: str) -> ArtifactNotFoundError:
    return ArtifactNotFoundError(
        f"the content of artifact {digest} is not in '{store.root_url}'; it may have been "
        "garbage-collected, or the server points at another artifact location"
    )


def _corrupt(store: ArtifactStore, digest: str) -> ArtifactCorruptError:
    return ArtifactCorruptError(
        f"artifact {digest} in '{store.root_url}' is corrupt: its content no longer matches "
        "its digest. Log it again from its source"
    )


def _open_inside(store: ArtifactStore, digest: str) -> BinaryIO:
    """The blob's file, opened read-only, provided it is a regular file inside the store."""
    path = store.local_path(digest)
    try:
        real = path.resolve(strict=True)
        root = Path(store.root).resolve(strict=True)
    except (FileNotFoundError, NotADirectoryError, RuntimeError) as exc:
        raise _missing(store, digest) from exc
    if not real.is_relative_to(root):
        raise _missing(store, digest)
    try:
        fd = os.open(real, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError as exc:
        raise _missing(store, digest) from exc
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise _missing(store, digest)
    return os.fdopen(fd, "rb")


def _whole(data: bytes) -> Generator[bytes, None, None]:
    yield data


def _verified(stream: BinaryIO, store: ArtifactStore, digest: str) -> Generator[bytes, None, None]:
    hasher = xxhash.xxh3_128()
    with stream:
        pending = stream.read(CHUNK_SIZE)
        hasher.update(pending)
        while chunk := stream.read(CHUNK_SIZE):
            yield pending
            hasher.update(chunk)
            pending = chunk
        if hasher.hexdigest() != digest:
            raise _corrupt(store, digest)
        if pending:
            yield pending
