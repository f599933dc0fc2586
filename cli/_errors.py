"""Turning user errors into one line each on stderr, exit code 1; tracebacks only with --debug."""

from collections.abc import Iterator
from contextlib import contextmanager

import typer

from blueprints.errors import BlueprintError

__all__ = ["user_errors"]


@contextmanager
def user_errors(debug: bool, exit_code: int = 1) -> Iterator[None]:
    """Report a :class:`BlueprintError` as its lines on stderr and exit ``exit_code`` (2 for
    unreadable input, whatever ``exit_code`` says)."""
    try:
        yield
    except BlueprintError as error:
        if debug:
            raise
        for line in error.lines():
            typer.echo(line, err=True)
        raise typer.Exit(getattr(error, "exit_code", exit_code)) from None

