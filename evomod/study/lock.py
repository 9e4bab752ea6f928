"""One writer per study directory: an OS file lock on ``OUT/study.lock``.

Two ``evomod study`` processes on one ``--out`` would both compute every
run and write each other's parts. The first takes an exclusive ``flock`` on
``OUT/study.lock`` and writes its pid, host and start time into it; a second
is refused at once with one line naming them. The lock is the kernel's: it
goes away with the process, however that ends (SIGKILL included), so a stale
lock file never blocks anyone. ``evomod report`` takes it too when it can,
and otherwise reads without cleaning up.
"""

from __future__ import annotations

import errno
import fcntl
import os
import socket
import time
from pathlib import Path

from evomod.io.files import file_mode
from evomod.registry import ConfigError

LOCK_FILE = "study.lock"


def _holder(path: Path) -> str:
    try:
        text = path.read_text(encoding="utf-8").split()
        pid, host, since = text[0], text[1], float(text[2])
        return f"pid {pid} on {host}, since {time.strftime('%Y-%m-%d %H:%M:%S', time.localtime(since))}"
    except (OSError, ValueError, IndexError):
        return "holder unknown"


class StudyLock:
    """An exclusive lock on a study directory, held until ``release()``.

    Parameters
    ----------
    out : pathlib.Path
        The study directory (it must exist).
    required : bool
        True (a writer): a lock held elsewhere, or a directory that cannot
        hold a lock file, is a one-line ``ConfigError``. False (a reader):
        ``held`` is False instead.
    """

    def __init__(self, out, required: bool = True):
        self.out = Path(out)
        self.path = self.out / LOCK_FILE
        self.held = False
        self._fd = None
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, file_mode())
        except OSError as exc:
            if required:
                raise ConfigError(f"--out {self.out}: cannot write there ({exc.strerror}); a study needs a "
                                  "writable directory", "--out") from None
            return
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            os.close(fd)
            if not required:
                return
            if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                raise ConfigError(f"--out {self.out}: in use by another evomod study ({_holder(self.path)}); "
                                  "wait for it to end or use another --out", "--out") from None
            raise ConfigError(f"--out {self.out}: the file system refuses a lock ({exc.strerror}); use a "
                              "local or lock-capable directory", "--out") from None
        self._fd, self.held = fd, True
        try:
            os.ftruncate(fd, 0)
            os.write(fd, f"{os.getpid()} {socket.gethostname()} {time.time():.0f}\n".encode())
        except OSError:
            pass  # who holds it is a courtesy to the next process; the lock itself is taken

    def release(self) -> None:
        if self._fd is not None:
            try:
                fcntl.flock(self._fd, fcntl.LOCK_UN)
            finally:
                os.close(self._fd)
            self._fd, self.held = None, False

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.release()
