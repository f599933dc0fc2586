"""Turning user errors into one line each on stderr, exit code 1; tracebacks only with --debug."""

import os
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from types import FrameType
from typing import Any, NoReturn

import typer

from blueprints.errors import BlueprintError, Problem

__all__ = [
    "GENERIC_INTERRUPT",
    "INTERRUPTED",
    "exit_now",
    "time_limit",
    "user_errors",
    "was_interrupted",
    "watch_interrupts",
]

#: The exit code of a command stopped by Ctrl-C (128 + SIGINT, as shells report it).
INTERRUPTED = 130


#: The line of a Ctrl-C outside any command's own wording.
GENERIC_INTERRUPT = Problem("blueprint", "signal", "SIGINT", "interrupted", "run the command again")

# Set on every SIGINT the process receives, even one whose KeyboardInterrupt Python could not
# raise (it met a finalizer) or that turned into another error first (Ctrl-C reaches Node too,
# and jsii then fails with a broken pipe).
_SIGINT = threading.Event()


def watch_interrupts() -> None:
    """Count every Ctrl-C (the ``blueprint`` script calls this once, before the command)."""
    if signal.getsignal(signal.SIGINT) is not signal.default_int_handler:
        return  # ignored (a background job) or taken over by the embedding program

    def interrupted(number: int, frame: FrameType | None) -> None:
        _SIGINT.set()
        raise KeyboardInterrupt

    signal.signal(signal.SIGINT, interrupted)
    report = sys.unraisablehook

    def unraisable(hook: Any) -> None:
        if issubclass(hook.exc_type, KeyboardInterrupt):
            _SIGINT.set()
        if not _SIGINT.is_set():
            report(hook)  # after a Ctrl-C, finalizers failing on a dead Node are not news

    sys.unraisablehook = unraisable


def was_interrupted() -> bool:
    """Whether a Ctrl-C reached the process (see :func:`watch_interrupts`)."""
    return _SIGINT.is_set()


@contextmanager
def user_errors(debug: bool, exit_code: int = 1, *,
                interrupted: Problem | None = None) -> Iterator[None]:
    """Report a :class:`BlueprintError` as its lines on stderr and exit ``exit_code`` (2 for
    unreadable input, whatever ``exit_code`` says); Ctrl-C as one line (``interrupted``, or a
    generic one) and exit 130, whatever error it caused."""
    try:
        yield
    except BlueprintError as error:
        if debug:
            raise
        if not _SIGINT.is_set():
            for line in error.lines():
                typer.echo(line, err=True)
            raise typer.Exit(getattr(error, "exit_code", exit_code)) from None
        _interrupted(interrupted)
    except KeyboardInterrupt:
        if debug:
            raise
        _interrupted(interrupted)
    except Exception:
        if debug or not _SIGINT.is_set():
            raise
        _interrupted(interrupted)


def _interrupted(problem: Problem | None) -> NoReturn:
    typer.echo((problem or GENERIC_INTERRUPT).line(), err=True)
    raise typer.Exit(INTERRUPTED) from None


@contextmanager
def time_limit(seconds: float, problem: Problem) -> Iterator[None]:
    """End the process with ``problem`` as one line and exit 1 if the block runs longer than
    ``seconds`` (0: no limit).

    A watchdog thread, not an exception in the main thread: the user code it stops may catch
    any exception, and it may be blocked in a call to Node. Nothing is written before the
    block ends, so there is nothing to clean up; the output is committed after it.
    """
    if seconds <= 0:
        yield
        return
    lock = threading.Lock()
    armed = [True]

    def expire() -> None:
        with lock:
            if not armed[0]:
                return
            with suppress(Exception):
                sys.stdout.flush()
            os.write(2, f"{problem.line()}\n".encode())
            exit_now(1)

    timer = threading.Timer(seconds, expire)
    timer.daemon = True
    timer.start()
    try:
        yield
    finally:
        with lock:
            armed[0] = False
        timer.cancel()


def exit_now(code: int) -> NoReturn:
    """End the process now, whatever its other threads do. The exit handlers still run (jsii
    stops Node and removes its temporary folder), in a thread of their own, so that none of
    them can hold the exit up for more than 5 s."""
    import atexit

    cleanup = threading.Thread(target=atexit._run_exitfuncs, daemon=True)
    cleanup.start()
    cleanup.join(timeout=5)
    for stream in (sys.stdout, sys.stderr):
        with suppress(Exception):
            stream.flush()
    os._exit(code)
