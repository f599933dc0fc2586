"""Kubernetes resource quantities (BP040)."""

from __future__ import annotations

import re
from decimal import Decimal, DecimalException

__all__ = ["MIN_MEMORY", "memory_too_small", "parse_quantity"]

#: The least memory a container is given: 4Mi. Below it a bare number was meant in MiB
#: (``memory="512"`` is 512 bytes), and a container limited to it cannot start: the runtimes
#: refuse such limits (moby daemon/daemon_unix.go ``linuxMinMemory``: 6 MiB today, 4 MiB
#: before; podman the same 4 MiB).
MIN_MEMORY = Decimal(4 * 1024 * 1024)

_QUANTITY = re.compile(
    r"(?P<number>[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+))"
    r"(?P<suffix>Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]|[eE][+-]?[0-9]+)?"
)
_BINARY = {"Ki": 1, "Mi": 2, "Gi": 3, "Ti": 4, "Pi": 5, "Ei": 6}
_DECIMAL = {"n": -9, "u": -6, "m": -3, "k": 3, "M": 6, "G": 9, "T": 12, "P": 15, "E": 18}


def parse_quantity(text: object) -> Decimal | None:
    """The value of a quantity such as ``128Mi`` or ``100m``, or ``None`` when it is malformed."""
    if type(text) is str:
        # A release writes a few quantities in every container, and the rules read them again.
        if text in _PARSED:
            return _PARSED[text]
        found = _parse(text)
        if len(_PARSED) < 4096:
            _PARSED[text] = found
        return found
    return _parse(text)


_PARSED: dict[str, Decimal | None] = {}


def _parse(text: object) -> Decimal | None:
    if isinstance(text, bool) or not isinstance(text, str | int):
        return None
    match = _QUANTITY.fullmatch(str(text))
    if match is None:
        return None
    number, suffix = Decimal(match["number"]), match["suffix"] or ""
    try:
        if suffix in _BINARY:
            return number * Decimal(1024) ** _BINARY[suffix]
        if suffix in _DECIMAL:
            return Decimal(number.scaleb(_DECIMAL[suffix]))
        if suffix:
            return Decimal(number.scaleb(int(suffix[1:])))
    except (DecimalException, ValueError):  # an exponent beyond any decimal: 1e99999999999
        return None
    return number


def memory_too_small(value: object, amount: Decimal | None) -> tuple[str, str, str] | None:
    """What is wrong with the memory quantity ``value`` (``amount`` bytes), how to fix it and
    the quantity to write instead (``512Mi``); ``None`` if it is sane (zero and malformed
    quantities are other checks' business)."""
    if amount is None or not 0 < amount < MIN_MEMORY:
        return None
    text = str(value).strip()
    if text.isdigit():
        return (f"{text} bytes (a bare number is bytes), below the 4Mi that container runtimes "
                "start a container with", "write it with a unit", f"{text}Mi")
    return ("below 4Mi: container runtimes refuse to start a container limited to so little "
            "(Docker: below 6MB)", "give it at least 4Mi", "64Mi")
