"""Run-time types of props, read from the props dataclasses' annotations.

The Python constructs and the YAML blueprints build every props object through
:func:`build_props`, so a user without a type checker gets the same honest message on either
path: ``port="8080"`` is "must be an int, got str '8080'", a string where a list belongs says so,
and a dict where a ``Resources`` belongs names the class to use. Nested props objects
(``Resources``, ``Probe``, ``Mount``, ...) are checked field by field too, whoever built them.

The checks are compiled once per class from its resolved annotations, then cost a few
``isinstance`` calls per prop actually given.
"""

from __future__ import annotations

import dataclasses
import difflib
import functools
import inspect
import sys
import types
import typing
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

from blueprints.errors import ConfigError, Problem, choices

__all__ = [
    "FieldHints",
    "build_props",
    "check_instance",
    "checked_arguments",
    "describe",
    "field_hints",
    "mismatch",
    "safe_repr",
]

T = TypeVar("T")
F = TypeVar("F", bound=Callable[..., Any])
_Check = Callable[[object, str], None]


class _Mismatch(Exception):  # noqa: N818 - internal signal, turned into a Problem
    def __init__(self, field: str, value: object, what: str, fix: str) -> None:
        super().__init__(what)
        self.field, self.value, self.what, self.fix = field, value, what, fix


@dataclasses.dataclass(frozen=True, slots=True)
class _Shape:
    hints: FieldHints
    #: Each field's check, compiled when a value is first given for it (``_LAZY`` until then).
    fields: dict[str, Any]
    required: tuple[str, ...]
    #: Each field's plain default: a value that *is* the default needs no check.
    defaults: Mapping[str, object]

    def check(self, name: str) -> _Check | None:
        check = self.fields[name]
        if check is _LAZY:
            check = self.fields[name] = _compile(self.hints[name])
        return typing.cast("_Check | None", check)


class FieldHints(Mapping[str, Any]):
    """A props class's field annotations, each resolved on first use, as
    ``typing.get_type_hints`` resolves it: a field nobody sets never loads the module of its
    type (a blueprint without exposures never imports :mod:`blueprints.core.exposure`).

    A name the props' module imports lazily (its module ``__getattr__``) is found through it.
    """

    def __init__(self, cls: type[Any]) -> None:
        self._cls = cls
        self._names = [f.name for f in dataclasses.fields(cls)]
        self._resolved: dict[str, Any] = {}

    def __getitem__(self, name: str) -> Any:
        hint = self._resolved.get(name, _LAZY)
        if hint is _LAZY:
            if name not in self._names:
                raise KeyError(name)
            hint = self._resolved[name] = _resolve(self._cls, name)
        return hint

    def __iter__(self) -> typing.Iterator[str]:
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)


def field_hints(cls: type[Any]) -> FieldHints:
    """The lazily resolved annotations of the props dataclass ``cls`` (one per class)."""
    hints = _FIELD_HINTS.get(cls)
    if hints is None:
        hints = _FIELD_HINTS[cls] = FieldHints(cls)
    return hints


class _Names(Mapping[str, Any]):
    """The names an annotation of ``owner`` sees, as ``typing.get_type_hints`` gives them: the
    class's namespace, then its module's names as ``getattr`` finds them (the module's lazy
    ``__getattr__`` included); anything else falls through to the module's globals and the
    builtins."""

    def __init__(self, owner: type[Any], module: types.ModuleType) -> None:
        self._owner, self._module = vars(owner), module

    def __getitem__(self, name: str) -> Any:
        if name in self._owner:
            return self._owner[name]
        try:
            return getattr(self._module, name)
        except AttributeError:
            raise KeyError(name) from None

    def __iter__(self) -> typing.Iterator[str]:
        return iter({**vars(self._module), **self._owner})

    def __len__(self) -> int:
        return len({**vars(self._module), **self._owner})


def _resolve(cls: type[Any], name: str) -> Any:
    """One field's annotation, resolved by ``typing.get_type_hints`` in the namespace of the
    class that declares it (:class:`_Names`); one that cannot be resolved at run time is left
    unchecked (``Any``) rather than breaking every construct."""
    owner = next(k for k in cls.__mro__ if name in inspect.get_annotations(k))
    module = sys.modules[owner.__module__]

    def holder() -> None:
        """Carries the one annotation to resolve."""

    holder.__annotations__ = {name: inspect.get_annotations(owner)[name]}
    try:
        return typing.get_type_hints(holder, globalns=vars(module),
                                     localns=_Names(owner, module))[name]
    except NameError:
        return Any


_SHAPES: dict[type[Any], _Shape] = {}
_FIELD_HINTS: dict[type[Any], FieldHints] = {}
_NO_DEFAULT = object()
_LAZY = object()
_HINTS: dict[Any, _Check | None] = {}


def build_props(
    props_class: type[T],
    given: Mapping[str, Any],
    *,
    component: str,
    owner: str | None = None,
    hints: Mapping[str, str] | None = None,
) -> T:
    """Check ``given`` against ``props_class``'s fields and types, then build it.

    Args:
        props_class: A props dataclass.
        given: The props as passed, by field name.
        component: Where, for the message (``shop/web``).
        owner: Whose props, for an unknown name (``WebApp``). Default: the class name.
        hints: A fix per required field, for a missing one (default ``pass <field>=...``).

    Raises:
        ConfigError: An unknown name, a missing required prop or a value of the wrong type.
    """
    shape = _shape_of(props_class)
    for name, value in given.items():
        if name not in shape.fields:
            near = difflib.get_close_matches(str(name), list(shape.fields), n=1)
            raise ConfigError(Problem(
                component, safe_repr(name) if not isinstance(name, str) else name, _shown(value),
                f"{owner or props_class.__name__} has no such prop",
                f"did you mean {near[0]}?" if near else
                f"use one of: {choices(sorted(shape.fields))}; help("
                f"{owner or props_class.__name__}) lists them all"))
    for name in shape.required:
        if name not in given:
            fix = (hints or {}).get(name, f"pass {name}=...")
            raise ConfigError(Problem(component, name, None, "required", fix,
                                      "BP001" if name == "image" else None))
    defaults = shape.defaults
    try:
        for name, value in given.items():
            if value is not defaults.get(name, _NO_DEFAULT):
                check = shape.check(name)
                if check is not None:
                    check(value, name)
    except _Mismatch as mismatch:
        raise ConfigError(Problem(component, mismatch.field, _shown(mismatch.value),
                                  mismatch.what, mismatch.fix,
                                  quoted=isinstance(mismatch.value, str))) from None
    return props_class(**given)


def check_instance(obj: object, *, component: str, prefix: str = "") -> None:
    """Check every field of a props object built elsewhere (e.g. a ``Resources(...)``).

    Raises:
        ConfigError: A field holds a value of the wrong type.
    """
    try:
        _check_fields(obj, prefix)
    except _Mismatch as mismatch:
        raise ConfigError(Problem(component, mismatch.field, _shown(mismatch.value),
                                  mismatch.what, mismatch.fix,
                                  quoted=isinstance(mismatch.value, str))) from None


def checked_arguments(kind: str) -> Callable[[F], F]:
    """Check a builder's arguments against its annotations before it runs
    (``Volume.config_map(..., items="x")``), with ``<kind>/<name>`` as the place.

    The annotations are resolved on the first call. A call of the wrong shape (a missing or
    unknown argument) stays Python's own ``TypeError`` at the caller's line.
    """
    def decorate(function: F) -> F:
        signature = inspect.signature(function)
        compiled: dict[str, _Check | None] = {}

        @functools.wraps(function)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if not compiled:
                hints = typing.get_type_hints(function)
                compiled.update({n: _compile(h) for n, h in hints.items() if n != "return"})
            try:
                bound = signature.bind(*args, **kwargs)
            except TypeError:
                return function(*args, **kwargs)  # Python's own message, at the caller's line
            name = bound.arguments.get("name")
            try:
                for param, value in bound.arguments.items():
                    check = compiled.get(param)
                    if check is None:
                        continue
                    if signature.parameters[param].kind is inspect.Parameter.VAR_POSITIONAL:
                        for index, item in enumerate(value):
                            check(item, f"{param}[{index}]")
                    elif signature.parameters[param].kind is not inspect.Parameter.VAR_KEYWORD:
                        check(value, param)
            except _Mismatch as wrong:
                where = f"{kind}/{name}" if isinstance(name, str) else kind
                raise ConfigError(Problem(where, wrong.field, _shown(wrong.value), wrong.what,
                                          wrong.fix, quoted=isinstance(wrong.value, str))
                                  ) from None
            return function(*args, **kwargs)

        return typing.cast(F, wrapper)

    return decorate


def mismatch(value: object, hint: Any, field: str) -> tuple[str, str] | None:
    """What is wrong with ``value`` for the annotation ``hint``, and the fix; ``None`` if it fits.

    For callers that report with their own location (the YAML blueprint's file and line).
    """
    check = _HINTS.get(hint)
    if check is None:
        check = _HINTS[hint] = _compile(hint)
    if check is not None:
        try:
            check(value, field)
        except _Mismatch as error:
            return error.what, error.fix
    return None


def describe(hint: Any) -> str:
    """A type as a user reads it: ``an int``, ``a list of str``, ``a Probe or None``."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        plain = [a for a in args if a is not type(None)]
        # Ingress | ... | Sequence[Ingress | ...]: the list says "a list of them", once.
        lists = [a for a in plain if typing.get_origin(a) in (Sequence, list, tuple)
                 and set(typing.get_args(typing.get_args(a)[0]) or typing.get_args(a)[:1])
                 == {b for b in plain if typing.get_origin(b) not in (Sequence, list, tuple)}]
        options = [describe(a) for a in plain if a not in lists]
        if lists:
            text = options[0] if len(options) == 1 else (
                f"{', '.join(options[:-1])} or {options[-1]}") + ", or a list of them"
        else:
            text = " or ".join(options)
        return f"{text}, or None" if type(None) in args and lists else (
            f"{text} or None" if type(None) in args else text)
    if origin in (Sequence, list, tuple) and (len(args) == 1 or not args):
        return f"a list of {_bare(args[0])}" if args and args[0] is not Any else "a list"
    if origin is tuple:
        return f"a tuple of {', '.join(_bare(a) for a in args)}"
    if origin in (Mapping, dict):
        return f"a mapping of {_bare(args[0])} to {_bare(args[1])}" if args and (
            args[1] is not Any) else "a mapping"
    name = _bare(hint)
    return f"{'an' if name[:1] in 'aeiouAEIOU' else 'a'} {name}"


def safe_repr(value: object, limit: int = 60) -> str:
    """``repr`` that never raises and stays short (a user's object may break ``repr``)."""
    try:
        text = repr(value)
    except Exception:
        text = f"<{type(value).__name__} object>"
    return text if len(text) <= limit else text[: limit - 3] + "..."


# -- compiling the checks ----------------------------------------------------------------


def _shape_of(cls: type[Any]) -> _Shape:
    shape = _SHAPES.get(cls)
    if shape is None:
        fields = dataclasses.fields(cls)
        shape = _Shape(
            field_hints(cls),
            dict.fromkeys((f.name for f in fields), _LAZY),
            tuple(f.name for f in fields if f.default is dataclasses.MISSING
                  and f.default_factory is dataclasses.MISSING),
            {f.name: f.default for f in fields if f.default is not dataclasses.MISSING})
        _SHAPES[cls] = shape
    return shape


def _check_fields(obj: object, prefix: str) -> None:
    shape = _shape_of(type(obj))
    defaults = shape.defaults
    for name in shape.fields:
        value = getattr(obj, name)
        if value is not defaults.get(name, _NO_DEFAULT):
            check = shape.check(name)
            if check is not None:
                check(value, prefix + name)


def _compile(hint: Any) -> _Check | None:
    """A function that raises :class:`_Mismatch` when a value does not fit ``hint``."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if hint is Any or hint is object:
        return None
    if origin in (typing.Union, types.UnionType):
        return _union(hint, args)
    if origin is typing.Literal:
        allowed = args

        def literal(value: object, field: str) -> None:
            if value not in allowed:
                raise _Mismatch(field, value, f"must be one of {', '.join(map(repr, allowed))}",
                                f"pass {field}={allowed[0]!r}")
        return literal
    if origin in (Sequence, list) or (origin is tuple and len(args) == 2 and args[1] is ...):
        return _sequence(hint, _compile(args[0]) if args else None)
    if origin is tuple:
        return _tuple(hint, [_compile(a) for a in args])
    if origin in (Mapping, dict):
        return _mapping(hint, *((_compile(args[0]), _compile(args[1])) if args else (None, None)))
    if hint is bool:
        return _scalar(hint, lambda v: v is True or v is False)
    if hint is int:
        return _scalar(hint, lambda v: type(v) is int or (
            isinstance(v, int) and not isinstance(v, bool)))
    if hint is float:
        return _scalar(hint, lambda v: isinstance(v, int | float) and not isinstance(v, bool))
    if hint is str:
        return _scalar(hint, lambda v: isinstance(v, str))
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        return _dataclass(hint)
    if isinstance(hint, type):
        return _scalar(hint, lambda v: isinstance(v, hint))
    return None  # Protocols, callables: not checked at run time


def _scalar(hint: Any, accepts: Callable[[object], bool]) -> _Check:
    exact = hint if hint in (int, str) else None

    def check(value: object, field: str) -> None:
        if type(value) is not exact and not accepts(value):
            raise _Mismatch(field, value, _wrong(hint, value), _fix(hint, value, field))
    return check


def _union(hint: Any, args: tuple[Any, ...]) -> _Check:
    optional = type(None) in args
    options = [(a, _compile(a)) for a in args if a is not type(None)]
    kinds = [a for a, _ in options]
    dataclass_options = [a for a in kinds if isinstance(a, type) and dataclasses.is_dataclass(a)]
    # Only lists and mappings (``calls``): a lone value is told to go in a list.
    containers = bool(kinds) and all(
        typing.get_origin(a) in (Sequence, list, Mapping, dict) for a in kinds) and any(
        typing.get_origin(a) in (Sequence, list) for a in kinds)
    mappings = any(typing.get_origin(a) in (Mapping, dict) for a in kinds)

    def check(value: object, field: str) -> None:
        if value is None and optional:
            return
        first: _Mismatch | None = None
        for _, option in options:
            if option is None:
                return
            try:
                option(value, field)
                return
            except _Mismatch as wrong:
                # A value of the right kind with a wrong inside says what is wrong inside.
                if wrong.field != field:
                    raise
                first = first or wrong
        raise _Mismatch(field, value, _wrong(hint, value), fix(value, field, first))

    def fix(value: object, field: str, first: _Mismatch | None) -> str:
        numbers = isinstance(value, int | float) and not isinstance(value, bool)
        if first is not None and (len(options) == 1 or (numbers and str in args)):
            return first.fix
        if dataclass_options and isinstance(value, Mapping):
            return _build_hint(dataclass_options[0], field)
        named = [a for a in dataclass_options
                 if isinstance(value, str) and a.__name__.lower() == value.lower()]
        if named:
            return _call_hint(named[0], field, dataclass_options)
        if containers:
            item = safe_repr(value) if isinstance(value, str) else "..."
            return (f"pass {field}=[{item}] (a list, even of one entry)"
                    + (f", or {field}={{...}}" if mappings else ""))
        return f"pass {describe(hint)}"

    return check


def _sequence(hint: Any, item: _Check | None) -> _Check:
    def check(value: object, field: str) -> None:
        if isinstance(value, str | bytes) or not isinstance(value, list | tuple):
            example = f"[{safe_repr(value)}]" if isinstance(value, str) else "[...]"
            raise _Mismatch(field, value, _wrong(hint, value), f"pass {field}={example}")
        if item is not None:
            for index, entry in enumerate(value):
                item(entry, f"{field}[{index}]")
    return check


def _tuple(hint: Any, items: list[_Check | None]) -> _Check:
    def check(value: object, field: str) -> None:
        if not isinstance(value, tuple | list) or len(value) != len(items):
            raise _Mismatch(field, value, _wrong(hint, value), f"pass {describe(hint)}")
        for index, (entry, item) in enumerate(zip(value, items, strict=True)):
            if item is not None:
                item(entry, f"{field}[{index}]")
    return check


def _mapping(hint: Any, key: _Check | None, item: _Check | None) -> _Check:
    def check(value: object, field: str) -> None:
        if not isinstance(value, Mapping):
            raise _Mismatch(field, value, _wrong(hint, value), f"pass {field}={{...}}")
        for name, entry in value.items():
            where = f"{field}[{safe_repr(name)}]"
            if key is not None:
                key(name, where)
            if item is not None:
                item(entry, where)
    return check


def _dataclass(cls: type[Any]) -> _Check:
    def check(value: object, field: str) -> None:
        if isinstance(value, cls):
            _check_fields(value, f"{field}.")
            return
        fix = _build_hint(cls, field)
        if isinstance(value, Mapping) and fix.endswith(f"={cls.__name__}(...)"):
            names = [f.name for f in dataclasses.fields(cls)]
            keys = [k for k in value if isinstance(k, str) and k in names]
            fix = f"pass {field}={cls.__name__}({', '.join(f'{k}=...' for k in keys or names)})"
        raise _Mismatch(field, value, _wrong(cls, value), fix)
    return check


# -- wording ------------------------------------------------------------------------------


def _wrong(hint: Any, value: object) -> str:
    kind = type(value).__name__
    shown = safe_repr(value) if not isinstance(value, Mapping | list | tuple) else ""
    # An object whose repr names its type (WebApp('shop/api'), Ingress(...)) is shown once.
    got = shown if shown.startswith(f"{kind}(") else f"{kind} {shown}".rstrip()
    return f"must be {describe(hint)}, got {got}"


def _fix(hint: Any, value: object, field: str) -> str:
    if hint is int and isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return f"write it without quotes: {field}={int(value)}"
    if hint is str and isinstance(value, int | float) and not isinstance(value, bool):
        if field.endswith(("memory", "memory_limit")) and isinstance(value, int):
            # A bare memory number is bytes: "512" would be 512 bytes, never what was meant.
            return f'write it with a unit: {field}="{value}Mi" (a bare number is bytes)'
        if field.endswith(("cpu", "cpu_limit")) and isinstance(value, int) and value >= 10:
            return f'quote it: {field}="{value}m" for millicores, or "{value}" for cores'
        return f'quote it: {field}="{safe_repr(value)}"'
    if hint is int:
        return "pass a whole number"
    if hint is bool:
        return "pass True or False"
    return f"pass {describe(hint)}"


def _build_hint(cls: type[Any], field: str) -> str:
    """How to make a ``cls``: its constructors when it has some (``Volume.empty_dir``)."""
    builders = [name for name, attr in vars(cls).items()
                if isinstance(attr, classmethod) and not name.startswith("_")]
    if builders:
        return (f"pass {field}={cls.__name__}.{builders[0]}(...)"
                + (f" or another of {cls.__name__}.{', .'.join(builders[1:])}" if builders[1:]
                   else ""))
    return f"pass {field}={cls.__name__}(...)"


def _call_hint(cls: type[Any], field: str, others: Sequence[type[Any]]) -> str:
    """A string that names a class (``expose="ingress"``): how to build that class, with its
    required fields (``pass expose=Ingress(host=...)``), and the other choices by name."""
    required = [f.name for f in dataclasses.fields(cls) if f.default is dataclasses.MISSING
                and f.default_factory is dataclasses.MISSING]
    rest = [o.__name__ for o in others if o is not cls]
    return (f"pass {field}={cls.__name__}({', '.join(f'{r}=...' for r in required)})"
            + (f", or one of {', '.join(rest)}" if rest else ""))


def _bare(hint: Any) -> str:
    if hint is type(None):
        return "None"
    origin = typing.get_origin(hint)
    if origin is not None:
        return describe(hint).removeprefix("a ").removeprefix("an ")
    return getattr(hint, "__name__", str(hint))


def _shown(value: object) -> object:
    """The value as the message shows it: plain values as they are, objects through
    :func:`safe_repr` (``Problem.line`` would call their ``repr`` unguarded)."""
    if value is None or type(value) in (str, int, float, bool):
        return value
    return safe_repr(value, 120)
