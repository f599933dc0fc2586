"""The template engine of YAML blueprints: jinja2's immutable sandbox, bounded in time and size.

A template reads values; it is not a program. Each one gets a time limit and a limit on what it
makes (:data:`MAX_CHARS`, the size of a ConfigMap), and the operations that can allocate far more
than they read (``'a' * 10**9``, ``10 ** 10**9``, ``'x'.center(10**9)``, a wide ``format``,
``lipsum(10**6)``, ``join`` and ``replace`` that multiply) are refused before they run. Loops are
bounded by the same clock: ``range`` counts, and on the main thread an interval timer stops loops
that call nothing.

Interpolating a value that is not text on its own is refused too: ``null`` (Python would write
``None``), a boolean (``False``), ``inf`` or ``nan``, and a lossy scalar whose YAML reading lost
its text (``1.20``, ``0777``, ``no``; see :mod:`blueprints.yaml.loading`).
"""

from __future__ import annotations

import math
import signal
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from blueprints._lazy import LazyPattern
from blueprints.yaml.loading import Lossy, LostText

__all__ = ["BLUEPRINT_SECONDS", "MAX_CHARS", "TEMPLATE_SECONDS", "TemplateLimit", "TemplateRefused",
           "reads", "render"]

#: Largest text a template may make: 1 MiB, the most a ConfigMap may hold (kubernetes
#: pkg/apis/core/validation/validation.go, ValidateConfigMap: totalSize > core.MaxSecretSize,
#: pkg/apis/core/types.go MaxSecretSize = 1 * 1024 * 1024).
MAX_CHARS = 1024 * 1024
#: Seconds one template may take, and all of a blueprint's templates together (a template
#: takes well under a millisecond: these only stop runaway loops).
TEMPLATE_SECONDS = 2.0
BLUEPRINT_SECONDS = 20.0
_MAX_INT_BITS = 4096  # a 1,233-digit number: far past anything a manifest holds
_WIDE = LazyPattern(r"(%|\{[^{}]*:)[^a-zA-Z%{}]*?\d{7,}")  # a width or precision >= 1,000,000


class TemplateLimit(BaseException):  # not Exception: no `except Exception` in jinja swallows it
    """A template went over its time or size limit."""


class TemplateRefused(Exception):  # noqa: N818
    """A template interpolated a value that has no faithful text (null, a boolean, inf)."""

    def __init__(self, value: object) -> None:
        super().__init__(_describe(value))
        self.value = value


class _Budget:
    deadline = math.inf
    ticks = 0


_BUDGET = _Budget()


def render(text: str, context: Mapping[str, Any], *, single: str | None,
           deadline: float) -> Any:
    """Render ``text`` (or evaluate ``single``, the expression of a lone ``{{ }}``, keeping its
    type) with ``context``, within :data:`TEMPLATE_SECONDS` and before ``deadline`` (the
    blueprint's, in ``time.monotonic()``).

    Raises:
        TemplateLimit: Over the time or size limit.
        TemplateRefused: A value without faithful text was interpolated.
        LostText: A lossy scalar was turned into text.
        Exception: Whatever the template raised (jinja2's errors, ``ZeroDivisionError``, ...).
    """
    environment = _environment()
    deadline = min(deadline, time.monotonic() + TEMPLATE_SECONDS)
    _BUDGET.deadline, _BUDGET.ticks = deadline, 0
    with _alarm(deadline):
        compiled = _compiled(environment, single if single is not None else text,
                             single is not None)
        if single is not None:
            result = compiled(**context)
            _check_size(result)
            return result
        size = 0
        chunks = []
        for chunk in compiled.generate(**context):
            size += len(chunk)
            if size > MAX_CHARS:
                raise TemplateLimit(f"makes more than {MAX_CHARS} characters")
            _tick()
            chunks.append(chunk)
        return "".join(chunks)


_COMPILED: dict[tuple[str, bool], Any] = {}


#: Names that, after ``values.x``, are the mapping's own methods (jinja2 looks an attribute up
#: before an item): ``values.x.items()`` reads all of ``values.x``.
_MAPPING_METHODS = frozenset({"get", "items", "keys", "values", "copy", "__getitem__"})


def reads(text: str, root: str = "values") -> set[tuple[str, ...]] | None:
    """The paths under ``root`` that template ``text`` may read, without running it:
    ``{{ values.mongo.image }}`` reads ``("mongo", "image")``. A read that the parse cannot
    pin down (``values[name]``, ``values.x.items()``, ``{% set v = values.x %}``) counts as a
    read of everything under the part it can (``("x",)``, or ``()`` for all of ``root``), so
    the answer never leaves out a value the template uses. ``None`` when ``text`` does not
    parse (rendering reports that).
    """
    import jinja2
    from jinja2 import nodes

    try:
        tree = _environment().parse(text)
    except (jinja2.TemplateSyntaxError, RecursionError):
        return None
    found: set[tuple[str, ...]] = set()

    def chain(node: Any) -> list[str] | None:
        """The path of ``values.a["b"].c``, or ``None`` when ``node`` is not such a chain."""
        if isinstance(node, nodes.Name):
            return [] if node.name == root else None
        if isinstance(node, nodes.Getattr):
            inner = chain(node.node)
            return None if inner is None else [*inner, node.attr]
        if isinstance(node, nodes.Getitem):
            inner = chain(node.node)
            if inner is None:
                return None
            if isinstance(node.arg, nodes.Const) and isinstance(node.arg.value, str | int):
                return [*inner, str(node.arg.value)]
            return [*inner, "\0"]  # a computed key: everything under ``inner``
        return None

    def visit(node: Any) -> None:
        path = chain(node)
        if path is not None:
            cut = next((i for i, part in enumerate(path)
                        if part == "\0" or part in _MAPPING_METHODS), len(path))
            found.add(tuple(path[:cut]))
            if isinstance(node, nodes.Getitem | nodes.Getattr):
                for child in node.iter_child_nodes():  # computed keys may read values too
                    if child is not node.node:
                        visit(child)
                inner = node.node
                while isinstance(inner, nodes.Getitem | nodes.Getattr):
                    if isinstance(inner, nodes.Getitem):
                        visit(inner.arg)
                    inner = inner.node
            return
        for child in node.iter_child_nodes():
            visit(child)

    try:
        visit(tree)
    except RecursionError:  # nested past what a walk can follow: rendering reports it
        return None
    return found


def _compiled(environment: Any, source: str, expression: bool) -> Any:
    """The compiled template or expression: one blueprint repeats the same few templates."""
    key = (source, expression)
    compiled = _COMPILED.get(key)
    if compiled is None:
        if len(_COMPILED) >= 4096:
            _COMPILED.clear()
        compiled = (environment.compile_expression(source, undefined_to_none=False)
                    if expression else environment.from_string(source))
        _COMPILED[key] = compiled
    return compiled


def _overtime() -> TemplateLimit:
    return TemplateLimit(f"ran past its time limit ({TEMPLATE_SECONDS:g} s per template, "
                         f"{BLUEPRINT_SECONDS:g} s per blueprint)")


def _tick() -> None:
    _BUDGET.ticks += 1
    if _BUDGET.ticks & 255 == 0 and time.monotonic() > _BUDGET.deadline:
        raise _overtime()


class _Alarm:
    """An interval timer for the main thread that leaves any earlier timer as it found it."""

    def __init__(self, deadline: float) -> None:
        self.deadline = deadline
        self.armed = False
        self.previous: Any = None
        self.earlier: tuple[float, float] = (0.0, 0.0)
        self.started = 0.0

    def __enter__(self) -> None:
        if threading.current_thread() is not threading.main_thread() or not hasattr(
            signal, "setitimer"
        ):
            return
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            raise _overtime()
        self.earlier = signal.getitimer(signal.ITIMER_REAL)
        if self.earlier[0] and self.earlier[0] <= remaining:
            return  # an earlier timer fires first: the counted checks are enough
        self.started = time.monotonic()
        self.previous = signal.signal(signal.SIGALRM, _on_alarm)
        signal.setitimer(signal.ITIMER_REAL, remaining)
        self.armed = True

    def __exit__(self, *exc: object) -> None:
        if self.armed:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, self.previous)
            delay, interval = self.earlier
            if delay:
                elapsed = time.monotonic() - self.started
                signal.setitimer(signal.ITIMER_REAL, max(delay - elapsed, 0.001), interval)


def _alarm(deadline: float) -> _Alarm:
    return _Alarm(deadline)


def _on_alarm(signum: int, frame: object) -> None:
    raise _overtime()


def _check_size(value: object) -> None:
    if isinstance(value, str | list | tuple | dict) and len(value) > MAX_CHARS:
        raise TemplateLimit(f"makes more than {MAX_CHARS} characters")


def _too_big(length: float) -> None:
    if length > MAX_CHARS:
        raise TemplateLimit(f"would make more than {MAX_CHARS} characters")


def _finalize(value: Any) -> Any:
    """Every ``{{ }}`` inside text passes here before it becomes text."""
    if isinstance(value, Lossy):
        raise LostText(value)
    if value is None or isinstance(value, bool) or (
        isinstance(value, float) and not math.isfinite(value)
    ):
        raise TemplateRefused(value)
    return value


def _describe(value: object) -> str:
    if value is None:
        return "null, which has no text (Python would write None)"
    if isinstance(value, bool):
        return f"the boolean {'true' if value else 'false'} (Python would write {value})"
    return f"{value!r}, which is not a number a manifest can hold"


_ENVIRONMENT: Any = None


def _environment() -> Any:
    global _ENVIRONMENT  # noqa: PLW0603 - one sandbox per process, built on first use
    if _ENVIRONMENT is None:
        _ENVIRONMENT = _build()
    return _ENVIRONMENT


def _build() -> Any:
    import jinja2
    from jinja2.sandbox import ImmutableSandboxedEnvironment, safe_range

    class Sandbox(ImmutableSandboxedEnvironment):
        intercepted_binops = frozenset({"*", "**", "%", "+"})

        def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
            _tick()
            if operator == "*":
                for seq, times in ((left, right), (right, left)):
                    if isinstance(seq, str | list | tuple) and isinstance(times, int):
                        _too_big(len(seq) * times)
            elif operator == "**":
                if isinstance(left, int) and isinstance(right, int) and abs(left) > 1 and (
                    right > 0 and right * math.log2(abs(left)) > _MAX_INT_BITS
                ):
                    raise TemplateLimit(f"would compute a number of more than {_MAX_INT_BITS} bits "
                                        f"({left} ** {right})")
            elif operator == "%" and isinstance(left, str) and _WIDE.search(left):
                raise TemplateLimit(f"would make more than {MAX_CHARS} characters (a width "
                                    f"in {left!r})")
            elif operator == "+" and isinstance(left, str | list) and isinstance(right, str | list):
                _too_big(len(left) + len(right))
            return super().call_binop(context, operator, left, right)

        def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: N805
            _tick()
            owner = getattr(__obj, "__self__", None)
            if isinstance(owner, str):
                _check_str_method(owner, getattr(__obj, "__name__", ""), args)
            return super().call(__context, __obj, *args, **kwargs)

        def wrap_str_format(self, value: Any) -> Callable[..., str] | None:
            owner = getattr(value, "__self__", None)
            if isinstance(owner, str) and _WIDE.search(owner):
                raise TemplateLimit(f"would make more than {MAX_CHARS} characters (a width "
                                    f"in {owner!r})")
            return super().wrap_str_format(value)

    environment = Sandbox(undefined=jinja2.StrictUndefined, autoescape=False,
                          finalize=_finalize)
    filters = environment.filters
    for name, check in _FILTER_CHECKS.items():
        filters[name] = _guarded(filters[name], check)
    lipsum: Any = environment.globals["lipsum"]

    def bounded_lipsum(n: int = 5, *args: Any, **kwargs: Any) -> Any:
        _too_big(n * 1000)  # a paragraph is at most about a thousand characters
        return lipsum(n, *args, **kwargs)

    def counted_range(*args: int) -> _Range:
        return _Range(safe_range(*args))

    environment.globals.update(lipsum=bounded_lipsum, range=counted_range)
    return environment


class _Range:
    """``range`` whose iteration counts against the time limit."""

    def __init__(self, inner: range) -> None:
        self.inner = inner

    def __iter__(self) -> Iterator[int]:
        for item in self.inner:
            _tick()
            yield item

    def __len__(self) -> int:
        return len(self.inner)

    def __getitem__(self, index: Any) -> Any:
        return self.inner[index]

    def __contains__(self, item: object) -> bool:
        return item in self.inner

    def __reversed__(self) -> Iterator[int]:
        return reversed(self.inner)


def _check_str_method(text: str, name: str, args: tuple[Any, ...]) -> None:
    if name in ("center", "ljust", "rjust", "zfill") and args and isinstance(args[0], int):
        _too_big(args[0])
    elif name == "expandtabs":
        _too_big(len(text) * (args[0] if args and isinstance(args[0], int) else 8))
    elif name == "replace" and len(args) >= 2 and isinstance(args[0], str) and isinstance(
        args[1], str
    ):
        _too_big(len(text) + (text.count(args[0]) if args[0] else len(text) + 1) * len(args[1]))
    elif name == "join" and args:
        items = list(args[0])
        _too_big(sum(len(i) for i in items if isinstance(i, str)) + len(text) * len(items))


def _guarded(function: Callable[..., Any], check: Callable[..., None]) -> Callable[..., Any]:
    def guarded(*args: Any, **kwargs: Any) -> Any:
        check(*args, **kwargs)
        return function(*args, **kwargs)

    for attribute in ("jinja_pass_arg",):
        if hasattr(function, attribute):
            setattr(guarded, attribute, getattr(function, attribute))
    guarded.__name__ = getattr(function, "__name__", "filter")
    return guarded


def _args(args: tuple[Any, ...]) -> tuple[Any, ...]:
    """A filter's own arguments, without jinja's leading environment or context."""
    from jinja2.environment import Environment
    from jinja2.nodes import EvalContext
    from jinja2.runtime import Context

    return args[1:] if args and isinstance(args[0], Environment | Context | EvalContext) else args


def _text_len(value: object) -> int:
    return len(value) if isinstance(value, str) else len(repr(value)) if isinstance(
        value, int | float) else 0


def _check_center(*args: Any, **kwargs: Any) -> None:
    _value, *rest = _args(args)
    width = kwargs.get("width", rest[0] if rest else 80)
    if isinstance(width, int):
        _too_big(width)


def _check_indent(*args: Any, **kwargs: Any) -> None:
    value, *rest = _args(args)
    width = kwargs.get("width", rest[0] if rest else 4)
    text = value if isinstance(value, str) else ""
    pad = width if isinstance(width, int) else len(width) if isinstance(width, str) else 0
    _too_big(len(text) + pad * (text.count("\n") + 1))


def _check_format(*args: Any, **kwargs: Any) -> None:
    value, *_ = _args(args)
    if isinstance(value, str) and _WIDE.search(value):
        raise TemplateLimit(f"would make more than {MAX_CHARS} characters (a width in "
                            f"{value!r})")


def _check_join(*args: Any, **kwargs: Any) -> None:
    value, *rest = _args(args)
    separator = kwargs.get("d", rest[0] if rest else "")
    if isinstance(value, str | list | tuple | _Range | dict) and isinstance(separator, str):
        items = list(value)
        _too_big(sum(_text_len(i) for i in items) + len(separator) * len(items))


def _check_replace(*args: Any, **kwargs: Any) -> None:
    value, *rest = _args(args)
    if isinstance(value, str) and len(rest) >= 2 and isinstance(rest[0], str) and isinstance(
        rest[1], str
    ):
        count = value.count(rest[0]) if rest[0] else len(value) + 1
        _too_big(len(value) + count * len(rest[1]))


def _check_wordwrap(*args: Any, **kwargs: Any) -> None:
    value, *rest = _args(args)
    wrap = kwargs.get("wrapstring", rest[2] if len(rest) > 2 else "\n")
    if isinstance(value, str) and isinstance(wrap, str):
        _too_big(len(value) * (1 + len(wrap)))


def _check_tojson(*args: Any, **kwargs: Any) -> None:
    """JSON writes a lossy number in its YAML reading (0777 as 511): refuse it like str()."""
    value, *_ = _args(args)
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, Lossy):
            raise LostText(item)
        if isinstance(item, Mapping):
            stack.extend(item.values())
        elif isinstance(item, list | tuple):
            stack.extend(item)


_FILTER_CHECKS: dict[str, Callable[..., None]] = {
    "tojson": _check_tojson,
    "center": _check_center, "indent": _check_indent, "format": _check_format,
    "join": _check_join, "replace": _check_replace, "wordwrap": _check_wordwrap,
}
