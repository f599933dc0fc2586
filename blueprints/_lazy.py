"""Regular expressions compiled on first use, off the start-up path.

``re.compile`` of a pattern costs 0.1-0.5 ms; a pattern that only some inputs need (a cron
schedule, a shell script, a credential) is compiled when one of them arrives, not on every
``blueprint`` command. Hot patterns stay module-level ``re.compile``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

__all__ = ["LazyPattern"]


class LazyPattern:
    """A ``re.Pattern[str]`` compiled on the first call of one of its methods."""

    __slots__ = ("_compiled", "flags", "pattern")

    def __init__(self, pattern: str, flags: int = 0) -> None:
        self.pattern, self.flags = pattern, flags
        self._compiled: re.Pattern[str] | None = None

    def compiled(self) -> re.Pattern[str]:
        """The compiled pattern."""
        if self._compiled is None:
            self._compiled = re.compile(self.pattern, self.flags)
        return self._compiled

    def match(self, string: str) -> re.Match[str] | None:
        """``re.Pattern.match``."""
        return self.compiled().match(string)

    def fullmatch(self, string: str) -> re.Match[str] | None:
        """``re.Pattern.fullmatch``."""
        return self.compiled().fullmatch(string)

    def search(self, string: str) -> re.Match[str] | None:
        """``re.Pattern.search``."""
        return self.compiled().search(string)

    def finditer(self, string: str) -> Iterator[re.Match[str]]:
        """``re.Pattern.finditer``."""
        return self.compiled().finditer(string)

    def findall(self, string: str) -> list[str]:
        """``re.Pattern.findall``."""
        return self.compiled().findall(string)
