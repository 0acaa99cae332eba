"""Running `trt sandbox` as a real process: start it, read its URL from stdout, stop it."""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

READY_LINE = "Sandbox ready: "
STARTUP_DEADLINE = 30.0
STOP_DEADLINE = 8.0
HEADLESS_UNSET = ("DISPLAY", "WAYLAND_DISPLAY")


class SandboxProcess:
    """A `trt sandbox --no-browser --port 0` child; its log (stderr) goes to `log_path`, its
    stdout lines to `lines` (read by a thread, so waiting for them has a deadline)."""

    def __init__(self, workdir: Path) -> None:
        self.log_path = workdir / "sandbox.log"
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("TELEGRAM_", "KIE_")) and k not in HEADLESS_UNSET
        }  # and no display, as on a server: the announcement says how to reach the page
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "trt_actors", "sandbox", "--no-browser", "--port", "0"],
                cwd=workdir,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=log,
                text=True,
            )
        self.lines: queue.Queue[str | None] = queue.Queue()
        self.url = ""
        threading.Thread(target=self._read_stdout, daemon=True).start()

    def _read_stdout(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(line)
        self.lines.put(None)

    def wait_ready(self, deadline: float = STARTUP_DEADLINE) -> str:
        """The page's URL once the ready line is printed; AssertionError (with the log) if
        the process exits first or prints nothing in `deadline` seconds."""
        end = time.monotonic() + deadline
        while True:
            try:
                line = self.lines.get(timeout=max(0.0, end - time.monotonic()))
            except queue.Empty:
                raise AssertionError(f"no ready line in {deadline} s:\n{self.log()}") from None
            if line is None:
                code = self.process.wait(timeout=STOP_DEADLINE)
                raise AssertionError(f"trt sandbox exited {code}:\n{self.log()}")
            if line.startswith(READY_LINE):
                self.url = line[len(READY_LINE) :].strip()
                return self.url

    def lines_until(self, last: str, deadline: float = STARTUP_DEADLINE) -> list[str]:
        """The stdout lines after the ready line, up to the first one containing `last`."""
        end = time.monotonic() + deadline
        lines: list[str] = []
        while not lines or last not in lines[-1]:
            try:
                line = self.lines.get(timeout=max(0.0, end - time.monotonic()))
            except queue.Empty:
                raise AssertionError(f"no {last!r} in {lines}:\n{self.log()}") from None
            if line is None:
                raise AssertionError(f"stdout closed before {last!r}: {lines}")
            lines.append(line.rstrip("\n"))
        return lines

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-6000:]

    def stop(self, deadline: float = STOP_DEADLINE) -> tuple[int, float]:
        """SIGTERM, then wait: (exit code, seconds it took)."""
        started = time.monotonic()
        self.process.send_signal(signal.SIGTERM)
        code = self.process.wait(timeout=deadline)
        return code, time.monotonic() - started

    def kill(self) -> None:
        """Kill it if it still runs (a failed test's cleanup)."""
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=STOP_DEADLINE)
