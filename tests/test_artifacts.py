"""The content-addressed artifact store, on a local folder and on a real S3 server."""

from __future__ import annotations

import os

import pytest

from mlops_jlab.artifacts import ArtifactStore, digest_bytes
from mlops_jlab.config import StoreLocation
from mlops_jlab.errors import (
    ArtifactCorruptError,
    ArtifactError,
    ArtifactNotFoundError,
    InvalidInputError,
)
from mlops_jlab.tracking import Tracker


def test_identical_content_is_stored_once_under_its_digest(tmp_path):
    store = ArtifactStore(str(tmp_path / "a"))
    first = store.put_bytes(b"model weights")
    second = store.put_bytes(b"model weights")
    assert first == second
    assert first.digest == digest_bytes(b"model weights") and len(first.digest) == 32
    files = [p for p in (tmp_path / "a").rglob("*") if p.is_file()]
    assert files == [store.local_path(first.digest)]


def test_a_file_is_streamed_in_and_read_back_verified(tmp_path):
    source = tmp_path / "big.bin"
    source.write_bytes(os.urandom(3 * 1024 * 1024 + 17))
    store = ArtifactStore(str(tmp_path / "a"))
    blob = store.put_file(source)
    assert blob.size == source.stat().st_size
    assert store.get_bytes(blob.digest) == source.read_bytes()


def test_writes_leave_no_temporary_files(tmp_path):
    store = ArtifactStore(str(tmp_path / "a"))
    for i in range(20):
        store.put_bytes(f"blob {i}".encode())
    assert not [p for p in (tmp_path / "a").rglob(".tmp-*")]


def test_a_failed_write_leaves_nothing_behind(tmp_path):
    # Given a write that fails half way
    store = ArtifactStore(str(tmp_path / "a"))

    def explode(out):
        out.write(b"half")
        raise OSError("disk full")

    path = store._path(digest_bytes(b"whole"))
    with pytest.raises(OSError, match="disk full"):
        store._atomic_local_write(path, explode)
    # Then neither the blob nor a temporary file exists
    assert not store.exists(digest_bytes(b"whole"))
    assert not [p for p in (tmp_path / "a").rglob("*") if p.is_file()]


def test_a_corrupted_blob_is_reported_not_returned(tmp_path):
    store = ArtifactStore(str(tmp_path / "a"))
    blob = store.put_bytes(b"original")
    store.local_path(blob.digest).write_bytes(b"tampered")
    with pytest.raises(ArtifactCorruptError, match="corrupt"):
        store.get_bytes(blob.digest)


def test_a_missing_blob_is_not_found(tmp_path):
    store = ArtifactStore(str(tmp_path / "a"))
    with pytest.raises(ArtifactNotFoundError, match="no artifact"):
        store.get_bytes("0" * 32)


@pytest.mark.parametrize(
    "digest", ["../../etc/passwd", "/etc/passwd", "..%2F..%2Fx", "A" * 32, "0" * 31, "0" * 33]
)
def test_anything_but_a_digest_never_becomes_a_path(tmp_path, digest):
    store = ArtifactStore(str(tmp_path / "a"))
    with pytest.raises(InvalidInputError, match="not an artifact digest"):
        store.get_bytes(digest)


def test_s3_store_on_a_real_s3_server(s3_endpoint, monkeypatch):
    # Given a bucket on the S3 server the tests started
    import s3fs

    options = {"key": "test", "secret": "test", "client_kwargs": {"endpoint_url": s3_endpoint}}
    s3fs.S3FileSystem(**options).mkdir("mlops-artifacts")
    store = ArtifactStore("s3://mlops-artifacts/team", **options)
    # When blobs are put, twice
    blob = store.put_bytes(b"on s3")
    assert store.put_bytes(b"on s3") == blob
    # Then they read back verified, under the content address
    assert store.exists(blob.digest)
    assert store.get_bytes(blob.digest) == b"on s3"
    listing = s3fs.S3FileSystem(**options).find("mlops-artifacts/team")
    assert listing == [f"mlops-artifacts/team/{blob.digest[:2]}/{blob.digest[2:4]}/{blob.digest}"]
    with pytest.raises(ArtifactNotFoundError):
        store.get_bytes("1" * 32)


def test_an_artifact_location_that_is_a_file_says_so(tmp_path):
    blocker = tmp_path / "artifacts"
    blocker.write_text("not a folder")
    store = ArtifactStore(str(blocker))
    with pytest.raises(ArtifactError, match="cannot write artifacts at"):
        store.put_bytes(b"data")
    assert blocker.read_text() == "not a folder"


@pytest.mark.parametrize("umask", [0o022, 0o002, 0o077])
def test_blobs_get_the_permissions_the_umask_gives_like_the_database_file(tmp_path, umask):
    # Given a process whose umask shares new files (or keeps them private)
    before = os.umask(umask)
    try:
        # When a run stores a file and bytes in a new SQLite store
        tracker = Tracker(
            StoreLocation(
                f"sqlite:///{tmp_path / 'store' / 'mlops.sqlite'}", str(tmp_path / "art"), "test"
            )
        )
        source = tmp_path / "model.bin"
        source.write_bytes(b"weights")
        with tracker.start_run("shared") as run:
            from_file = run.log_artifact(source)
            from_bytes = run.log_artifact(b"figure", name="plot.png")
        tracker.store.dispose()
    finally:
        os.umask(before)
    # Then blobs are made as any file is under that umask, and a teammate may read them
    # exactly when they may read the database (which SQLite makes 0644 less the umask)
    database_mode = (tmp_path / "store" / "mlops.sqlite").stat().st_mode
    for digest in (from_file, from_bytes):
        blob = tracker.artifacts.local_path(digest)
        assert blob.stat().st_mode & 0o777 == 0o666 & ~umask
        assert blob.stat().st_mode & 0o444 == database_mode & 0o444
        assert blob.parent.stat().st_mode & 0o777 == 0o777 & ~umask
