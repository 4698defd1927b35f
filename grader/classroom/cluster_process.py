"""The warm grading process of a cluster worker: `grader.classroom.workers._serve` behind two pipes.

Dask's worker processes are daemonic, and a daemonic process may not start multiprocessing
children, so the grading process is started with `subprocess` and handed its two pipe
ends by descriptor; it runs the very loop of `--jobs` (`grader.classroom.workers._serve`: the bank
loaded once, one sandbox zygote, JSON messages) over a Connection built on them. This
module imports nothing of Dask: the grading process stays as light as a `--jobs` worker.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from multiprocessing.connection import Connection
from pathlib import Path

from grader.i18n import ENGLISH, _, speaking

STARTUP_SECONDS = 300.0  # a grading process that has not said ready by then is taken for dead


class GradingProcess:
    """One warm `grader.classroom.workers._serve` process and the pipe to it."""

    def __init__(self, bank: Path, options: dict, language: str = ENGLISH):
        self.bank, self.options, self.language = bank, options, language  # the language it grades in
        self.process: subprocess.Popen | None = None
        self.conn: Connection | None = None
        self.ready = False

    def start(self) -> None:
        ours, theirs = os.pipe(), os.pipe()  # (read, write) each way
        argv = [sys.executable, "-m", "grader.classroom.cluster_process", str(theirs[0]), str(ours[1]), str(self.bank),
                json.dumps(self.options)]
        with speaking(self.language):  # its environment says it: its quiz worker and sandbox speak it too
            self.process = subprocess.Popen(argv, pass_fds=(theirs[0], ours[1]), stdin=subprocess.DEVNULL)
        os.close(theirs[0])
        os.close(ours[1])
        self.conn = _Duplex(ours[0], theirs[1])
        self.ready, self.started = False, time.monotonic()

    def stop(self) -> None:
        if self.process is None:
            return
        try:
            self.conn.send_bytes(b"null")  # the loop's "no more tasks"
        except OSError:
            pass
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.conn.close()
        self.process = None

    def kill(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            self.conn.close()
            self.process = None

    def grade(self, folder: Path, deadline: float) -> dict:
        """{"result": data} or {"error": why} for one folder, or {"fatal": why} that stops the batch."""
        if self.process is None:
            self.start()
        self.conn.send_bytes(json.dumps({"index": 0, "folder": str(folder)}).encode())
        given = time.monotonic()
        while True:
            try:
                message = json.loads(self.conn.recv_bytes()) if self.conn.poll(1.0) else None
            except (EOFError, OSError):
                message = None
            if message is not None:
                if message.get("ready"):
                    self.ready, given = True, time.monotonic()
                    continue
                if "error" in message:  # the loop starts a fresh runner after an error of ours
                    self.ready = False
                return message
            if self.process.poll() is not None:
                code, was_ready = self.process.returncode, self.ready
                self.kill()
                if not was_ready:
                    return {"fatal": _("a grading worker died while starting (exit code {code})").format(code=code)}
                return {"error": _("the grading worker died (exit code {code}) while grading it").format(code=code)}
            waited = time.monotonic() - given
            if self.ready and waited > deadline:
                self.kill()
                return {"error": _("grading took longer than {seconds:.0f} s; the worker was stopped").format(seconds=deadline)}
            if not self.ready and waited > STARTUP_SECONDS:
                self.kill()
                return {"fatal": _("a grading worker did not start within {seconds:.0f} s").format(seconds=STARTUP_SECONDS)}


class _Duplex:
    """A multiprocessing Connection over two pipes (one each way), as `_serve` expects one."""

    def __init__(self, read_fd: int, write_fd: int):
        self.reader, self.writer = Connection(read_fd, writable=False), Connection(write_fd, readable=False)

    def send_bytes(self, data: bytes) -> None:
        self.writer.send_bytes(data)

    def recv_bytes(self) -> bytes:
        return self.reader.recv_bytes()

    def poll(self, timeout: float = 0.0) -> bool:
        return self.reader.poll(timeout)

    def close(self) -> None:
        self.reader.close()
        self.writer.close()


def _watch_parent() -> None:
    """End this grading process when the Dask worker that started it is gone (SIGKILL included):
    its zygote then sees its control socket close and kills the sandboxed children."""
    parent = os.getppid()
    while True:
        time.sleep(1.0)
        if os.getppid() != parent:
            os._exit(1)


def main() -> None:
    """The grading process: `grader.classroom.workers._serve` over the pipes it was handed."""
    from grader.classroom.workers import _serve

    read_fd, write_fd, bank, options = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], json.loads(sys.argv[4])
    threading.Thread(target=_watch_parent, daemon=True).start()
    _serve(_Duplex(read_fd, write_fd), bank, options.pop("public_only"), **options)


if __name__ == "__main__":
    main()
