"""``blueprint explain``."""

from typing import Annotated

import typer

from blueprints.cli._errors import user_errors

__all__ = ["explain"]


def explain(
    practice: Annotated[str | None, typer.Argument(help="A practice ID, e.g. BP022. "
                                                   "Leave it out to list them all.")] = None,
) -> None:
    """Explain a practice: what it asks, why, what the constructs do and what lint finds."""
    with user_errors(False):
        from blueprints.explain import explain_all, explain_one

        typer.echo(explain_all() if practice is None else explain_one(practice), nl=False)
