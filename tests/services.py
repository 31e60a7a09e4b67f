"""Real services the tests start themselves: a PostgreSQL server and an S3 server.

Both run on loopback in temporary folders and are stopped when the session ends. Neither
is optional: a missing PostgreSQL is an error that says how to install it, never a skip.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, process: subprocess.Popen, what: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{what} exited with code {process.returncode} before listening")
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError(f"{what} did not listen on port {port} within {seconds} s")


def _postgres_bin() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not found:
        raise RuntimeError(
            "PostgreSQL server binaries not found under /usr/lib/postgresql; run `make test`, "
            "which installs Debian's postgresql package"
        )
    return Path(found[-1]).parent


@contextmanager
def postgres_server(data: Path | None = None):
    """Start a throwaway PostgreSQL server; yields its base URL (no database name).

    With ``data``, the server keeps its data there (made by ``initdb`` when absent, left in
    place when it stops: the benchmarks cache a seeded store so); its folder must be one the
    server's user can reach."""
    bindir = _postgres_bin()
    # Not under pytest's temporary folder: that one is private to root, and the server
    # runs as the postgres user.
    workdir = Path(tempfile.mkdtemp(prefix="mlops-jlab-pg-"))
    try:
        with _postgres_in(bindir, workdir, data or workdir / "pgdata") as url:
            yield url
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


@contextmanager
def _postgres_in(bindir: Path, workdir: Path, data: Path):
    sockets = workdir / "pgsock"
    sockets.mkdir(parents=True)
    port = free_port()
    as_user: list[str] = []
    if os.geteuid() == 0:
        # initdb and postgres refuse to run as root.
        as_user = ["runuser", "-u", "postgres", "--"]
        entry = pwd.getpwnam("postgres")
        for path in (workdir, sockets):
            os.chown(path, entry.pw_uid, entry.pw_gid)
    if not data.exists():
        _initdb(bindir, data, as_user)
    log = workdir / "postgres.log"
    process = subprocess.Popen(
        [
            *as_user,
            str(bindir / "postgres"),
            "-D",
            str(data),
            "-p",
            str(port),
            "-h",
            "127.0.0.1",
            "-k",
            str(sockets),
            "-c",
            "fsync=off",
            "-c",
            "synchronous_commit=off",
            "-c",
            "full_page_writes=off",
        ],
        stdout=subprocess.DEVNULL,
        stderr=open(log, "wb"),  # noqa: SIM115 - the server owns it until it stops
    )
    try:
        wait_for_port(port, process, f"PostgreSQL (log: {log})")
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=30)


def _initdb(bindir: Path, data: Path, as_user: list[str]) -> None:
    initdb = subprocess.run(
        [
            *as_user,
            str(bindir / "initdb"),
            "-D",
            str(data),
            "-U",
            "postgres",
            "-A",
            "trust",
            "--no-sync",
            "-E",
            "UTF8",
        ],
        capture_output=True,
        text=True,
    )
    if initdb.returncode != 0:
        raise RuntimeError(f"initdb failed: {initdb.stderr or initdb.stdout}")


@contextmanager
def s3_server():
    """Start moto's S3-compatible server on loopback; yields its endpoint URL."""
    port = free_port()
    executable = shutil.which("moto_server") or shutil.which(
        "moto_server", path=str(Path(sys.executable).parent)
    )
    if executable is None:
        raise RuntimeError("moto_server not found: install the test extra (make test does)")
    process = subprocess.Popen(
        [executable, "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_port(port, process, "moto S3 server")
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=30)
