"""Artifact downloads over the REST API: content, headers, and requests that try to read
outside the artifact store."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
import tornado.httpclient

from mlops_jlab.artifacts import CHUNK_SIZE, digest_bytes
from tests.api_client import server_config

SECRET = b"secret outside the artifact store\n"


@pytest.fixture
def db_url(tmp_path):
    # File serving does not depend on the database: SQLite is enough here.
    (tmp_path / "store").mkdir()
    return f"sqlite:///{tmp_path / 'store' / 'mlops.sqlite'}"


@pytest.fixture
def jp_server_config(location, monkeypatch):
    return server_config(location, monkeypatch)


@pytest.fixture
def fetch(http_server_client, jp_base_url, jp_auth_header):
    """GET a path under the API exactly as written (percent-encodings included)."""

    async def get(path: str) -> tornado.httpclient.HTTPResponse:
        return await http_server_client.fetch(
            f"{jp_base_url}mlops-jlab/api/{path}", headers=jp_auth_header, raise_error=False
        )

    return get


def logged(tracker, data: bytes, name: str) -> str:
    run = tracker.start_run(name="with artifact", experiment="files")
    digest = run.log_artifact(data, name=name)
    run.end()
    return digest


def blob_path(location, digest: str) -> Path:
    return Path(location.artifacts) / digest[:2] / digest[2:4] / digest


@pytest.fixture
def outside(tmp_path) -> Path:
    secret = tmp_path / "secret.txt"
    secret.write_bytes(SECRET)
    return secret


async def test_an_artifact_downloads_with_its_type_and_a_safe_name(tracker, fetch):
    # Given a figure logged by a run
    png = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 10
    digest = logged(tracker, png, "figures/loss curve.png")
    # When it is downloaded
    response = await fetch(f"artifacts/{digest}")
    # Then the bytes come with its media type, as an attachment the browser must not sniff
    assert response.code == 200
    assert response.body == png
    assert response.headers["Content-Type"] == "image/png"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Disposition"] == (
        "attachment; filename=\"loss curve.png\"; filename*=UTF-8''loss%20curve.png"
    )
    assert "sandbox" in response.headers["Content-Security-Policy"]


@pytest.mark.parametrize(
    ("name", "fallback", "exact"),
    [
        ("../../etc/passwd", "passwd", "passwd"),
        ("C:\\Users\\me\\model.pkl", "model.pkl", "model.pkl"),
        ('say "hi"; x=1.txt', "say _hi__ x=1.txt", "say%20%22hi%22%3B%20x%3D1.txt"),
        ("résumé.txt", "r_sum_.txt", "r%C3%A9sum%C3%A9.txt"),
        ("evil\u202etxt.exe", "eviltxt.exe", "eviltxt.exe"),
        (".bashrc", "bashrc", "bashrc"),
    ],
)
async def test_the_download_name_is_sanitised(tracker, fetch, name, fallback, exact):
    digest = logged(tracker, name.encode(), name)
    response = await fetch(f"artifacts/{digest}")
    assert response.code == 200
    disposition = response.headers["Content-Disposition"]
    assert disposition == f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{exact}"


@pytest.mark.parametrize(
    "path",
    [
        "artifacts/..",
        "artifacts/..%2F..%2Fsecret.txt",
        "artifacts/%2e%2e%2f%2e%2e%2fsecret.txt",
        "artifacts/%2Fetc%2Fpasswd",
        "artifacts/ABCDEF0123456789ABCDEF0123456789",
        "artifacts/0123456789abcdef",
        "artifacts/0123456789abcdef0123456789abcdef0",
        "artifacts/0123456789abcdef0123456789abcde%00",
    ],
)
async def test_a_request_that_is_no_digest_reads_no_file(tracker, fetch, outside, path):
    logged(tracker, b"content", "a.bin")
    response = await fetch(path)
    assert response.code in (400, 404), response.body
    assert SECRET not in response.body
    assert "message" in json.loads(response.body)


async def test_a_malformed_digest_is_400(fetch):
    response = await fetch("artifacts/not-a-digest")
    assert response.code == 400
    assert "32 lowercase hex characters" in json.loads(response.body)["message"]


async def test_an_unknown_digest_is_404(fetch):
    response = await fetch(f"artifacts/{digest_bytes(b'never logged')}")
    assert response.code == 404
    assert "no artifact" in json.loads(response.body)["message"]


async def test_a_symlink_in_the_store_is_not_followed(tracker, fetch, location, outside):
    # Given a blob replaced by a symlink to a file outside the store (with the same bytes,
    # so that only the link itself is wrong)
    digest = logged(tracker, SECRET, "secret.txt")
    path = blob_path(location, digest)
    path.unlink()
    path.symlink_to(outside)
    # When it is downloaded, then nothing is read through the link
    response = await fetch(f"artifacts/{digest}")
    assert response.code == 404
    assert SECRET not in response.body


async def test_a_symlinked_folder_in_the_store_is_not_followed(
    tracker, fetch, location, outside, tmp_path
):
    digest = logged(tracker, SECRET, "secret.txt")
    elsewhere = tmp_path / "elsewhere"
    folder = blob_path(location, digest).parent
    folder.rename(elsewhere)
    folder.symlink_to(elsewhere, target_is_directory=True)
    response = await fetch(f"artifacts/{digest}")
    assert response.code == 404
    assert SECRET not in response.body


async def test_a_missing_blob_is_404(tracker, fetch, location):
    digest = logged(tracker, b"gone soon", "gone.txt")
    blob_path(location, digest).unlink()
    response = await fetch(f"artifacts/{digest}")
    assert response.code == 404
    assert "is not in" in json.loads(response.body)["message"]


@pytest.mark.parametrize("replacement", [b"tampered", b"xxxxxxxxx"])
async def test_a_corrupt_small_blob_is_refused_whole(tracker, fetch, location, replacement):
    # Given a blob whose bytes were changed (same size or not)
    digest = logged(tracker, b"original!", "data.txt")
    path = blob_path(location, digest)
    os.chmod(path, 0o644)
    path.write_bytes(replacement)
    # When it is downloaded, then none of it is sent: a JSON error without a traceback
    response = await fetch(f"artifacts/{digest}")
    assert response.code == 500
    assert response.headers["Content-Type"] == "application/json"
    assert "Content-Disposition" not in response.headers
    body = json.loads(response.body)
    assert "is corrupt" in body["message"] and "Traceback" not in body["message"]


async def test_a_large_artifact_streams_in_chunks(tracker, fetch):
    data = os.urandom(CHUNK_SIZE * 3 + 12345)
    digest = logged(tracker, data, "weights.bin")
    response = await fetch(f"artifacts/{digest}")
    assert response.code == 200
    assert response.body == data
    assert int(response.headers["Content-Length"]) == len(data)
    assert response.headers["Content-Type"] == "application/octet-stream"


async def test_a_large_corrupt_artifact_never_arrives_complete(tracker, fetch, location):
    # Given a large blob whose last byte changed
    data = os.urandom(CHUNK_SIZE * 2 + 100)
    digest = logged(tracker, data, "weights.bin")
    path = blob_path(location, digest)
    os.chmod(path, 0o644)
    with path.open("r+b") as blob:
        blob.seek(-1, os.SEEK_END)
        blob.write(bytes([data[-1] ^ 0xFF]))
    # When it is downloaded, then the transfer fails short of its length
    try:
        response = await fetch(f"artifacts/{digest}")
    except (tornado.httpclient.HTTPClientError, OSError):
        return  # the connection was closed mid-transfer
    assert response.code != 200 or len(response.body) < len(data)
