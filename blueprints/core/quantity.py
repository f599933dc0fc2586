"""Kubernetes resource quantities (BP040)."""

from __future__ import annotations

import re
from decimal import Decimal, DecimalException

__all__ = ["parse_quantity"]

_QUANTITY = re.compile(
    r"(?P<number>[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+))"
    r"(?P<suffix>Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]|[eE][+-]?[0-9]+)?"
)
_BINARY = {"Ki": 1, "Mi": 2, "Gi": 3, "Ti": 4, "Pi": 5, "Ei": 6}
_DECIMAL = {"n": -9, "u": -6, "m": -3, "k": 3, "M": 6, "G": 9, "T": 12, "P": 15, "E": 18}


def parse_quantity(text: object) -> Decimal | None:
    """The value of a quantity such as ``128Mi`` or ``100m``, or ``None`` when it is malformed."""
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
