"""All exceptions raised by blueprint.

Every user error is a :class:`BlueprintError`. The CLI prints each of its lines to stderr and
exits with code 1; anything else escaping is a bug and keeps its traceback.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

__all__ = [
    "BlueprintError",
    "BlueprintFileError",
    "ConfigError",
    "Problem",
    "UnreadableInputError",
    "ValidationError",
]


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with the user's input, in the house error format.

    Attributes:
        component: Where it is, for example ``shop/web`` or ``synth``.
        field: The prop or manifest field, for example ``image``.
        value: The offending value, as the user wrote it.
        what: What is wrong.
        fix: How to fix it.
        practice: The practice ID (``BP001``), or ``None`` when no practice applies.
    """

    component: str
    field: str
    value: object
    what: str
    fix: str
    practice: str | None = None

    def line(self, prefix: str = "error") -> str:
        """Render as ``<prefix>: <component>: <field>=<value>: <what> (<ID>); <fix>``."""
        practice = f" ({self.practice})" if self.practice else ""
        component, field, value = (_one_line(v) for v in (self.component, self.field, self.value))
        return f"{prefix}: {component}: {field}={value}: {_one_line(self.what)}{practice}; {self.fix}"


class BlueprintError(Exception):
    """Base class of every user error. ``lines()`` gives the messages, one per problem."""

    def lines(self) -> list[str]:
        """The messages to print, one per line, each starting with ``error:``."""
        return [f"error: {_one_line(str(self))}"]


class ConfigError(BlueprintError):
    """A prop, option or argument is invalid. Carries one or more :class:`Problem`."""

    def __init__(self, problems: Problem | Sequence[Problem]) -> None:
        self.problems: tuple[Problem, ...] = (
            (problems,) if isinstance(problems, Problem) else tuple(problems)
        )
        super().__init__("\n".join(p.line() for p in self.problems))

    def lines(self) -> list[str]:
        return [p.line() for p in self.problems]


class ValidationError(ConfigError):
    """Rendered manifests break practices whose build-time severity is *error*."""


class UnreadableInputError(ConfigError):
    """An input file cannot be read as text: not UTF-8, not a regular file, too large. The CLI
    exits 2 for it (unreadable input), not 1."""

    exit_code = 2


class BlueprintFileError(ConfigError):
    """The user's ``blueprint.py`` raised an exception of its own, or synthesized nothing."""


def _one_line(value: object) -> str:
    text = value if isinstance(value, str) and value.isprintable() else repr(value)
    return text if len(text) <= 120 else text[:117] + "..."
