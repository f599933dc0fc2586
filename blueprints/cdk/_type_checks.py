"""jsii's run-time type check, answered without typeguard where the answer is certain.

jsii's generated code checks every argument of every call into cdk8s (``Construct(scope,
id)``, ``Chart(...)``, ``App(...)``) with ``typeguard.check_type``. The first check imports
typeguard, which imports ``unittest.mock`` and with it the ``unittest`` package (about 17 ms),
and each check then costs about 10 us. blueprint's own calls pass values it has built and
already checked (a ``Release``, an id it validated, ``None`` for an unset option), so nearly
every check is a plain ``isinstance``.

:func:`install` puts a fast path in front of jsii's check. It *accepts* only what every
typeguard version jsii supports accepts too: an exact ``str``, ``int``, ``float``, ``bool`` or
``None``; an instance of a jsii class; and unions, dicts and lists built of those. Anything
else, every rejection included, goes to typeguard through jsii's own loader, so a wrong
argument still fails with typeguard's message (``type of argument id must be str; got int
instead``). Nothing is skipped: the fast path decides only where the check is an
``isinstance`` whose answer is yes.
"""

from __future__ import annotations

import collections.abc
import typing
from collections.abc import Callable
from typing import Any

__all__ = ["certain", "install"]

#: Types whose exact instances typeguard accepts by ``isinstance`` alone (no items, no
#: protocol, no numeric tower to consult).
_PLAIN: frozenset[Any] = frozenset({str, int, float, bool, type(None)})
_MAPPINGS: frozenset[Any] = frozenset({collections.abc.Mapping, dict})
_SEQUENCES: frozenset[Any] = frozenset({collections.abc.Sequence, list})

_jsii_class: type[type] | None = None  # jsii's metaclass, once installed


def certain(value: object, expected: Any) -> bool:
    """Whether typeguard certainly accepts ``value`` for ``expected`` (``False``: ask it)."""
    kind = type(value)
    if kind is expected and kind in _PLAIN:
        return True
    if _jsii_class is not None and isinstance(expected, _jsii_class):
        # A jsii class (not an interface: those are protocols, with their own check).
        return isinstance(value, expected)
    origin = getattr(expected, "__origin__", None)
    args: tuple[Any, ...] = getattr(expected, "__args__", ())  # none: a bare typing.Dict
    if origin is typing.Union:
        return any(certain(value, member) for member in args)
    if origin in _MAPPINGS and kind is dict and len(args) == 2:
        keys, values = args
        return all(certain(k, keys) and certain(v, values)
                   for k, v in value.items())  # type: ignore[attr-defined]
    if origin in _SEQUENCES and kind is list and len(args) == 1:
        (item,) = args
        return all(certain(v, item) for v in value)  # type: ignore[attr-defined]
    return False


def install() -> None:
    """Put :func:`certain` in front of jsii's type check, for this process. Idempotent; a jsii
    without the hook (older or newer than the one this was written for) is left as it is."""
    global _jsii_class  # noqa: PLW0603 - one hook per process
    if _jsii_class is not None:
        return
    try:
        from jsii import _type_checking as checking
        from jsii._runtime import JSIIMeta
    except ImportError:
        return
    if not callable(getattr(checking, "_load_typeguard_check", None)) or not hasattr(
            checking, "_resolved_check"):
        return
    typeguard: Callable[..., Any] | None = checking._resolved_check  # resolved already, or not

    def check(argname: str, value: object, expected_type: Any) -> Any:
        nonlocal typeguard
        if certain(value, expected_type):
            return None
        if typeguard is None:
            typeguard = checking._load_typeguard_check()
        return typeguard(argname=argname, value=value, expected_type=expected_type)

    _jsii_class = JSIIMeta
    checking._resolved_check = check
