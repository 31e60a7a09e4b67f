"""What a run records about where it ran: Python and its packages, user, git commit.

The package set is read once per process and addressed by its hash; the git commit is
read from ``.git`` directly (no subprocess), because a run must start in microseconds.
"""

from __future__ import annotations

import functools
import getpass
import importlib.metadata
import json
import os
import platform
import sys
import time
from pathlib import Path
from typing import Any

import xxhash


@functools.cache
def python_environment() -> dict[str, Any]:
    """This interpreter's version, platform and installed packages, with their hash."""
    packages: dict[str, str] = {}
    for dist in importlib.metadata.distributions():
        name = dist.metadata["Name"]
        if name:
            packages[name.lower()] = dist.version
    packages = dict(sorted(packages.items()))
    python_version = platform.python_version()
    described = {"python": python_version, "platform": sys.platform, "packages": packages}
    digest = xxhash.xxh3_128_hexdigest(json.dumps(described, sort_keys=True).encode())
    return {
        "hash": digest,
        "python_version": python_version,
        "platform": platform.platform(),
        "packages": packages,
    }


@functools.cache
def current_user() -> str | None:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return None


def _git_dir(start: Path) -> Path | None:
    return _git_dir_found(start, int(time.monotonic() // GIT_LOOKUP_SECONDS))


@functools.lru_cache(maxsize=16)
def _git_dir_found(start: Path, _period: int) -> Path | None:
    """The walk up to the repository, done once per folder and period: every run asks,
    and a walk to ``/`` is a dozen file system calls (HEAD itself is read every time)."""
    for folder in (start, *start.parents):
        candidate = folder / ".git"
        if candidate.is_dir():
            return candidate
        if candidate.is_file():
            text = candidate.read_text(errors="replace").strip()
            if text.startswith("gitdir:"):
                return (folder / text.removeprefix("gitdir:").strip()).resolve()
    return None


GIT_LOOKUP_SECONDS = 10


def git_commit(start: str | os.PathLike[str] | None = None) -> str | None:
    """The commit checked out in the repository containing ``start``, if any."""
    try:
        git_dir = _git_dir(Path(start or Path.cwd()).resolve())
        if git_dir is None:
            return None
        head = (git_dir / "HEAD").read_text().strip()
        if not head.startswith("ref:"):
            return head or None
        ref = head.removeprefix("ref:").strip()
        common = git_dir
        commondir = git_dir / "commondir"
        if commondir.is_file():
            common = (git_dir / commondir.read_text().strip()).resolve()
        for folder in (git_dir, common):
            ref_file = folder / ref
            if ref_file.is_file():
                return ref_file.read_text().strip() or None
        packed = common / "packed-refs"
        if packed.is_file():
            for line in packed.read_text().splitlines():
                sha, _, name = line.partition(" ")
                if name == ref:
                    return sha
    except OSError:
        return None
    return None
