"""What a process tree costs, read from /proc (Linux): CPU seconds (user + system, every thread
of the process and of its live descendants, plus the children it already reaped) and resident
memory. No dependency: `psutil` would do the same walk."""

from __future__ import annotations

import os
from pathlib import Path

PROC = Path("/proc")
TICKS = os.sysconf("SC_CLK_TCK")


def _stat_fields(pid: int) -> list[str] | None:
    """The fields of /proc/<pid>/stat after the command name (field 3 on), or None if gone."""
    try:
        text = (PROC / str(pid) / "stat").read_text()
    except OSError:  # exited meanwhile
        return None
    return text[text.rindex(")") + 2 :].split()


def descendants(pid: int) -> list[int]:
    """`pid` and every live process below it."""
    children: dict[int, list[int]] = {}
    for entry in PROC.iterdir():
        if not entry.name.isdigit():
            continue
        fields = _stat_fields(int(entry.name))
        if fields is not None:
            children.setdefault(int(fields[1]), []).append(int(entry.name))
    tree, todo = [], [pid]
    while todo:
        current = todo.pop()
        tree.append(current)
        todo.extend(children.get(current, ()))
    return tree


def cpu_seconds(pid: int) -> float:
    """User and system CPU of `pid`'s tree so far (clock-tick resolution: 10 ms)."""
    ticks = 0
    for member in descendants(pid):
        fields = _stat_fields(member)
        if fields is not None:  # utime, stime, cutime, cstime: fields 14-17
            ticks += sum(int(value) for value in fields[11:15])
    return ticks / TICKS


def rss_bytes(pid: int) -> int:
    """Resident memory of `pid`'s tree now (VmRSS of each member)."""
    total = 0
    for member in descendants(pid):
        try:
            status = (PROC / str(member) / "status").read_text()
        except OSError:
            continue
        for line in status.splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1]) * 1024
                break
    return total
