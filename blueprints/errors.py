"""All exceptions raised by blueprint.

Every user error is a :class:`BlueprintError`. The CLI prints each of its lines to stderr and
exits with code 1; anything else escaping is a bug and keeps its traceback.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

__all__ = [
    "BlueprintError",
    "BlueprintFileError",
    "ConfigError",
    "Problem",
    "UnreadableInputError",
    "ValidationError",
    "choices",
    "format_value",
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
        quoted: Show a string value in quotes (``port="3306"``): for a value whose type is the
            problem, where ``port=3306`` would hide it. Default False.
    """

    component: str
    field: str
    value: object
    what: str
    fix: str
    practice: str | None = None
    quoted: bool = False

    def line(self, prefix: str = "error") -> str:
        """Render as ``<prefix>: <component>: <field>=<value>: <what> (<ID>); <fix>``."""
        practice = f" ({self.practice})" if self.practice else ""
        component, field = format_value(self.component), format_value(self.field)
        value = format_value(self.value, quoted=self.quoted)
        what = format_value(self.what, limit=_LONG)
        return f"{prefix}: {component}: {field}={value}: {what}{practice}; {self.fix}"


class BlueprintError(Exception):
    """Base class of every user error. ``lines()`` gives the messages, one per problem."""

    def lines(self) -> list[str]:
        """The messages to print, one per line, each starting with ``error:``."""
        return [f"error: {format_value(str(self), limit=_LONG)}"]


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


#: How long a value may be in a message; what is wrong (our own words) may be longer.
_SHORT = 120
_LONG = 400
# Where a long value may be cut: after a space or punctuation, never inside a word.
_BOUNDARY = re.compile(r"[\s,;:/=.)\]}>-](?=[^\s,;:/=.)\]}>-])")


def choices(names: Iterable[object], *, limit: int = 8) -> str:
    """A list of choices as a message gives it: all of them when few, else the first
    ``limit`` and how many there are (``a, b, c, ... (44 in all)``)."""
    items = [str(n) for n in names]
    if len(items) <= limit:
        return ", ".join(items)
    return f"{', '.join(items[:limit])}, ... ({len(items)} in all)"


def format_value(value: object, *, quoted: bool = False, limit: int = _SHORT) -> str:
    """A value as every message shows it: on one line, a string as written (in double quotes
    when ``quoted``, or when it is not printable), anything else as ``repr``; longer than
    ``limit``, cut after the last space or punctuation that keeps most of it, never inside a
    word, and marked with ``...``."""
    if isinstance(value, str) and quoted:
        text = '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
        text = text if text.isprintable() else repr(value)
    elif isinstance(value, str) and value.isprintable():
        text = value
    else:
        try:
            text = repr(value)
        except Exception:  # an integer too long to print, a user object whose repr breaks
            text = f"<{type(value).__name__}>"
    text = " ".join(text.split("\n")) if "\n" in text else text
    if len(text) <= limit:
        return text
    cut = limit - 3
    boundaries = [m.end() for m in _BOUNDARY.finditer(text, 0, cut)]
    if boundaries and boundaries[-1] >= cut * 2 // 3:
        cut = boundaries[-1]
    return text[:cut].rstrip() + "..."
