"""Ctrl-C and SIGTERM during a long command: finish the generation, save, stop.

The first SIGINT or SIGTERM only sets a flag (``GracefulStop.requested``),
which the engine polls between generations: the run then stops at a clean
generation boundary and can checkpoint a state it will resume from exactly
(a ``KeyboardInterrupt`` raised in the middle of a generation could not).
A second signal raises ``KeyboardInterrupt`` at once. A batch system's
SIGTERM before its SIGKILL is thus a checkpoint too.
"""

from __future__ import annotations

import signal
import sys
import threading

_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class GracefulStop:
    """Context manager: within it, SIGINT/SIGTERM request a stop; ``stop()`` tells.

    Installed only in the main thread (where Python delivers signals); in
    other threads it does nothing and ``stop()`` stays False."""

    def __init__(self, note: str = "stopping after this generation (Ctrl-C again to stop at once)"):
        self.note = note
        self.requested = False
        self.forced = False
        self.signal = 0  # the first signal received
        self._old: dict[int, object] = {}

    def __call__(self) -> bool:
        return self.requested

    def _handle(self, signum, frame):
        if self.requested:
            self.forced = True
            raise KeyboardInterrupt
        self.requested, self.signal = True, signum
        print(f"\nevomod: {self.note}", file=sys.stderr, flush=True)

    def __enter__(self) -> GracefulStop:
        if threading.current_thread() is threading.main_thread():
            for sig in _SIGNALS:
                self._old[sig] = signal.signal(sig, self._handle)
        return self

    def __exit__(self, *exc) -> None:
        for sig, old in self._old.items():
            signal.signal(sig, old)
        self._old.clear()
