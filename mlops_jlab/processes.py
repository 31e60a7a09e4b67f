"""Which process runs a run: this one's id and host, and whether a process of this host is
still alive, so that a run whose process is gone can be told from one still running."""

from __future__ import annotations

import functools
import os
import socket
from pathlib import Path

_PROC = Path("/proc")
# A process reusing a dead one's id started after the run did; the start time read from
# /proc is precise to a second (boot time) and the wall clock may have been set since.
_REUSE_SLACK_MS = 10_000


def this_pid() -> int:
    return os.getpid()  # not cached: a forked child is another process


@functools.cache
def this_host() -> str:
    return socket.gethostname()


@functools.cache
def _boot_ms() -> float | None:
    try:
        for line in (_PROC / "stat").read_text().splitlines():
            if line.startswith("btime "):
                return int(line.split()[1]) * 1000.0
    except OSError:
        pass
    return None


def alive(pid: int, started_ms: int | None = None) -> bool:
    """Whether process ``pid`` of this host is running: not gone, not a zombie (killed
    but not yet reaped by its parent), and, when ``started_ms`` is given, started by then
    (else the id belongs to a newer process)."""
    if pid <= 0:
        return False
    stat = _PROC / str(pid) / "stat"
    if not (_PROC / "self" / "stat").exists():  # no /proc: ask the kernel
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True  # another user's process
        return True
    try:
        text = stat.read_text()
    except (FileNotFoundError, ProcessLookupError):
        return False
    except OSError:
        return True  # unreadable here, so not known to be gone
    # After the command name (in parentheses, which may hold spaces): state is the first
    # field, the start time in clock ticks after boot the twentieth.
    fields = text[text.rindex(")") + 2 :].split()
    if fields[0] in ("Z", "X"):
        return False
    boot = _boot_ms()
    if started_ms is None or boot is None:
        return True
    started = boot + int(fields[19]) * 1000.0 / os.sysconf("SC_CLK_TCK")
    return started <= started_ms + _REUSE_SLACK_MS
