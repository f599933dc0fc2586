"""The escape hatch's guard: ``api_object(...).add_json_patch`` checks each operation first.

cdk8s keeps a ``JsonPatch``'s operation private to its JavaScript side, so the factories
(``JsonPatch.add`` and the others) are wrapped once to remember, on the Python side, what each
patch they return does. The wrapped factories return the very same objects; only the memory is
added. The checks themselves are pure: :func:`blueprints.core.patches.validate_patch`.
"""

from __future__ import annotations

import contextlib
import functools
import weakref
from collections.abc import Mapping, Sequence
from typing import Any

import cdk8s

from blueprints.core.patches import Operation, apply_operation, validate_patch
from blueprints.errors import ConfigError

__all__ = ["JsonPatch", "PatchGuard", "operation_of"]

#: cdk8s's ``JsonPatch``, with its factories recording (below): ``from blueprints import
#: JsonPatch`` comes from here, so that a patch made before the first ``api_object()`` is
#: checked too.
JsonPatch = cdk8s.JsonPatch

# op -> the factory's parameter names, in order
_FACTORIES = {"add": ("path", "value"), "remove": ("path",), "replace": ("path", "value"),
              "copy": ("from_", "path"), "move": ("from_", "path"), "test": ("path", "value")}
_OPERATIONS: weakref.WeakKeyDictionary[Any, Operation] = weakref.WeakKeyDictionary()


def operation_of(patch: Any) -> Operation | None:
    """What a ``cdk8s.JsonPatch`` does, when it was made by one of the factories."""
    try:
        return _OPERATIONS.get(patch)
    except TypeError:  # not weak-referenceable: not a JsonPatch we have seen
        return None


class PatchGuard:
    """The object as a component rendered it, followed through each checked patch."""

    def __init__(self, component: str, manifest: Mapping[str, Any]) -> None:
        self.component = component
        self.current: dict[str, Any] | None = dict(manifest)

    def check(self, ops: Sequence[Any]) -> None:
        """Check ``ops`` in order, each against the object as the ones before left it.

        Raises:
            ConfigError: A path or field does not exist, or an index is out of range.
        """
        for patch in ops:
            operation = operation_of(patch)
            if self.current is None or operation is None:
                self.current = None  # an operation we cannot see: stop guessing the object
                return
            problem = validate_patch(self.current, operation, component=self.component)
            if problem is not None:
                raise ConfigError(problem)
            self.current = apply_operation(self.current, operation)


def _record(op: str, factory: Any) -> Any:
    names = _FACTORIES[op]

    @functools.wraps(factory)
    def recording(cls: Any, *args: Any, **kwargs: Any) -> Any:
        patch = factory(cls, *args, **kwargs)
        given = dict(zip(names, args, strict=False)) | kwargs
        # An object that cannot be remembered is simply not checked.
        with contextlib.suppress(TypeError):
            _OPERATIONS[patch] = Operation(op, str(given.get("path")), given.get("value"),
                                           given.get("from_"))
        return patch

    recording.__blueprint_recording__ = True  # type: ignore[attr-defined]
    return recording


for _op in _FACTORIES:
    _factory = vars(cdk8s.JsonPatch)[_op]
    if not getattr(_factory.__func__, "__blueprint_recording__", False):
        setattr(cdk8s.JsonPatch, _op, classmethod(_record(_op, _factory.__func__)))
