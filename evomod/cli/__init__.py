"""``evomod`` command line: one module per subcommand.

Each module in ``COMMANDS`` gives ``add_parser(sub)``, which adds its
subparser and sets ``func`` to its ``command(args) -> exit code``. Bad input
(config key, genome file, flag) raises ``ConfigError``: one line on stderr
and exit code 2, before anything is written. A file the system refuses to
read or write (``OSError``) is one line and exit code 2 as well, and Ctrl-C
at any moment (even while modules load) is one line and exit code 130
(SIGTERM: 143; during a run's generations both save the state first).
"""

from __future__ import annotations

import argparse
import importlib
import os
import signal
import sys
import threading

from evomod import __version__

COMMANDS = ("run", "presets", "show", "modularity", "robustness", "bench", "study", "replicate", "experiment",
            "report", "feasible")


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line, exit 2 (argparse prints usage too)
        self.exit(2, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="evomod", description="Fast evolutionary simulations of how modularity evolves.")
    p.add_argument("--version", action="version", version=f"evomod {__version__}")
    sub = p.add_subparsers(dest="command", parser_class=_Parser)
    for name in COMMANDS:
        importlib.import_module(f"evomod.cli.{name}").add_parser(sub)
    return p


class _Terminated(KeyboardInterrupt):
    """SIGTERM outside a run's generations (loading, measuring): stop like Ctrl-C."""


def _raise_terminated(signum, frame):
    raise _Terminated


def _redeliver(unraisable) -> None:
    """A Ctrl-C or SIGTERM that lands in a callback Python cannot raise from
    (import locks' weakref callbacks) is printed as "Exception ignored" with a
    traceback and lost: send the signal again, so that it stops the command
    at the next line of ordinary code."""
    if isinstance(unraisable.exc_value, KeyboardInterrupt):  # from another thread: raised here, it is lost again
        sig = signal.SIGTERM if isinstance(unraisable.exc_value, _Terminated) else signal.SIGINT
        threading.Timer(0.01, os.kill, (os.getpid(), sig)).start()
    else:
        sys.__unraisablehook__(unraisable)


def main(argv=None) -> int:
    old, old_hook = None, sys.unraisablehook
    sys.unraisablehook = _redeliver
    if threading.current_thread() is threading.main_thread() \
            and signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:
        old = signal.signal(signal.SIGTERM, _raise_terminated)
    try:
        return _main(argv)
    except _Terminated:
        print("\nevomod: terminated", file=sys.stderr)
        return 128 + signal.SIGTERM
    except KeyboardInterrupt:  # raised wherever Ctrl-C lands: importing numba, compiling, measuring
        print("\nevomod: interrupted", file=sys.stderr)
        return 130
    finally:
        sys.unraisablehook = old_hook
        if old is not None:
            signal.signal(signal.SIGTERM, old)


def _main(argv) -> int:
    from evomod.registry import ConfigError  # imports pydantic: inside main's Ctrl-C guard

    parser = build_parser()
    args = parser.parse_args(argv)
    args.argv = list(sys.argv[2:] if argv is None else argv[1:])
    if args.command is None:
        parser.print_help()
        return 0
    try:
        return args.func(args)
    except ConfigError as exc:
        print(f"evomod: error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:  # a file the system refuses: one line, not a traceback
        where = f" {exc.filename}" if exc.filename else ""
        print(f"evomod: error:{where} {exc.strerror or exc.__class__.__name__}".replace("\n", " "),
              file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
