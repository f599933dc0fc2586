"""The constructs' typed signatures, derived from the core props dataclasses (the one source).

Type checkers and IDEs read ``**props: Unpack[WebAppKwargs]``: the TypedDicts live in the
generated module :mod:`blueprints.cdk._kwargs`, written from the dataclass fields by::

    python -m blueprints.cdk._signatures

(run it after adding or changing a prop; ``tests/typing/test_typing.py`` fails until the
generated module matches the dataclasses). ``help()`` and ``inspect.signature`` read the
``__signature__`` and docstring that :func:`sign` builds at import from the same fields, so
they can never lag behind. Nothing here runs when a construct is made.
"""

from __future__ import annotations

import dataclasses
import inspect
import re
import sys
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

__all__ = ["GENERATED", "REGENERATE", "generate", "prop_docs", "sign"]

REGENERATE = "python -m blueprints.cdk._signatures"
GENERATED = Path(__file__).with_name("_kwargs.py")
#: The construct types a prop that takes constructs accepts besides its core type.
_CONSTRUCT = "Component"
#: Props whose static type is narrower than their run-time annotation. The core keeps ``Any``
#: for ``calls`` so that a wrong callee is answered by its own check, in the words of the
#: component ("names nothing: an entry is a component or host:port"); type checkers still see
#: what a callee may be.
_STATIC = {"calls": f"Sequence[{_CONSTRUCT} | str | Call] | Mapping[str, {_CONSTRUCT} | str | Call]"}
_STATIC_IMPORTS = {"Call": "blueprints.core.connections"}
_ENTRY = re.compile(r"^ {4}([a-z_][a-z0-9_]*(?:, [a-z_][a-z0-9_]*)*): (.*)$")
_CONTINUATION = re.compile(r"^ {8,}(\S.*)$")


def sign(
    cls: type[Any],
    props_class: type[Any],
    *,
    construct_props: Iterable[str] = (),
    leading: Iterable[tuple[inspect.Parameter, str]] = (),
) -> None:
    """Give ``cls`` (and its ``__init__``) the props of ``props_class`` as its signature.

    jsii's metaclass hides ``__init__`` from :func:`inspect.signature`, so the class gets its
    own ``__signature__`` too.
    """
    construct_props, leading = frozenset(construct_props), tuple(leading)
    params = [
        inspect.Parameter("scope", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation="Construct"),
        inspect.Parameter("id", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation="str"),
        *(param for param, _ in leading),
    ]
    for field in dataclasses.fields(props_class):
        if field.default is not dataclasses.MISSING:
            default = field.default
        elif field.default_factory is not dataclasses.MISSING:
            default = field.default_factory()
        else:
            default = inspect.Parameter.empty
        params.append(inspect.Parameter(
            field.name, inspect.Parameter.KEYWORD_ONLY, default=default,
            annotation=annotation(field, field.name in construct_props)))
    signature = inspect.Signature(params, return_annotation="None")
    init = cls.__dict__["__init__"]
    init.__signature__ = signature.replace(parameters=[
        inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD), *params])
    cls.__signature__ = signature.replace(return_annotation=inspect.Signature.empty)
    docs = prop_docs(props_class)
    lines = [f"Create a {cls.__name__} (props: :class:`{props_class.__module__}."
             f"{props_class.__qualname__}`).", "", "Args:",
             "    scope: The :class:`~blueprints.Release` (or a cdk8s Chart) it belongs to.",
             "    id: Its name, unique in the release.",
             *(f"    {param.name}: {doc}" for param, doc in leading)]
    lines += [f"    {field.name}: {docs.get(field.name, '')}"
              for field in dataclasses.fields(props_class)]
    init.__doc__ = "\n".join(lines) + "\n"


def annotation(field: dataclasses.Field[Any], takes_constructs: bool) -> str:
    """The field's annotation as written, widened to constructs for props that take them."""
    if field.name in _STATIC:
        return _STATIC[field.name]
    text = field.type if isinstance(field.type, str) else getattr(field.type, "__name__", "Any")
    if not takes_constructs:
        return text
    if text.startswith("Sequence[") and text.endswith("]"):
        return f"{text[:-1]} | {_CONSTRUCT}]"
    return f"{text} | {_CONSTRUCT}"


def prop_docs(props_class: type[Any]) -> dict[str, str]:
    """Each field's text from the ``Attributes:`` sections of the class and its bases."""
    docs: dict[str, str] = {}
    for klass in reversed(props_class.__mro__):
        names: list[str] = []
        text = inspect.cleandoc(klass.__doc__ or "") if "__doc__" in klass.__dict__ else ""
        for line in text.splitlines():
            entry = _ENTRY.match(line)
            continuation = _CONTINUATION.match(line)
            if entry:
                names = entry[1].split(", ")
                for name in names:
                    docs[name] = entry[2]
            elif continuation and names:
                for name in names:
                    docs[name] += " " + continuation[1]
            else:
                names = []
    return docs


def generate(constructs: Mapping[str, tuple[type[Any], frozenset[str]]]) -> str:
    """The source of :mod:`blueprints.cdk._kwargs`: one TypedDict per construct.

    Args:
        constructs: Construct name to (props dataclass, names of props that take constructs).
    """
    imports: dict[str, set[str]] = {"blueprints.cdk._component": {_CONSTRUCT}}
    classes: list[str] = []
    for name, (props_class, construct_props) in constructs.items():
        body = [f"class {name}Kwargs(TypedDict, total=False):",
                f'    """The props of :class:`~blueprints.{name}`: the fields of',
                f'    :class:`~{props_class.__module__}.{props_class.__qualname__}`."""', ""]
        docs = prop_docs(props_class)
        for field in dataclasses.fields(props_class):
            text = annotation(field, field.name in construct_props)
            _collect_imports(text, props_class, imports)
            required = (field.default is dataclasses.MISSING
                        and field.default_factory is dataclasses.MISSING)
            body.append(f"    {field.name}: {f'Required[{text}]' if required else text}")
            doc = docs.get(field.name, "").replace('"""', "'''").replace("\\", "\\\\")
            body.append(f'    """{doc}"""' if len(doc) + 10 <= 110 else
                        '    """' + _wrap(doc, 4) + '"""')
        classes.append("\n".join(body))
    lines = [f'"""Generated by ``{REGENERATE}`` from the props dataclasses: do not edit.',
             "",
             "The props of each construct as a TypedDict, for ``**props: Unpack[...]``: what type "
             "checkers",
             'and IDEs read. Imported only by type checkers."""', "",
             "from __future__ import annotations", "",
             "from typing import TYPE_CHECKING, Required, TypedDict", ""]
    typing_names = sorted(imports.pop("typing", set()))
    abc_names = sorted(imports.pop("collections.abc", set()))
    lines.append("if TYPE_CHECKING:")
    if abc_names:
        lines.append(f"    from collections.abc import {', '.join(abc_names)}")
    if typing_names:
        lines.append(f"    from typing import {', '.join(typing_names)}")
    if abc_names or typing_names:
        lines.append("")
    for module in sorted(imports):
        names = sorted(imports[module])
        line = f"    from {module} import {', '.join(names)}"
        if len(line) > 110:
            line = f"    from {module} import (\n" + "".join(f"        {n},\n" for n in names) + "    )"
        lines.append(line)
    lines += ["", "__all__ = [", *(f'    "{n}Kwargs",' for n in sorted(constructs)), "]", "", ""]
    return "\n".join(lines) + "\n\n\n".join(classes) + "\n"


def _wrap(text: str, indent: int, width: int = 104) -> str:
    words, lines, line = text.split(), [], ""
    for word in words:
        if line and len(line) + 1 + len(word) > width - indent:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    lines.append(line)
    pad = " " * indent
    return ("\n" + pad).join(lines) + "\n" + pad


def _collect_imports(text: str, props_class: type[Any], imports: dict[str, set[str]]) -> None:
    """Find where each name in ``text`` comes from: the module that exports it (``__all__``),
    else the module of the class (or base) whose namespace holds it."""
    builtin = {"str", "int", "bool", "float", "None", "dict", "list", "tuple", _CONSTRUCT}
    for name in set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", text)) - builtin:
        if name in _STATIC_IMPORTS:
            imports.setdefault(_STATIC_IMPORTS[name], set()).add(name)
            continue
        # hasattr: a name the module loads lazily (its __getattr__) counts as its own.
        holders = [klass.__module__ for klass in props_class.__mro__
                   if hasattr(sys.modules[klass.__module__], name)]
        if not holders:
            raise LookupError(f"{props_class.__name__}: cannot resolve {name!r} in {text!r}")
        value = getattr(sys.modules[holders[0]], name)
        origin = getattr(value, "__module__", None) if isinstance(value, type) else None
        if origin in ("typing", "collections.abc") or (
                origin is not None and name in getattr(sys.modules.get(origin), "__all__", ())):
            home = origin
        else:
            exporters = sorted(
                module_name for module_name, module in list(sys.modules.items())
                if module_name.startswith("blueprints.")
                and name in getattr(module, "__all__", ()) and vars(module).get(name) is value)
            home = exporters[0] if exporters else holders[0]
        if name in {n for names in imports.values() for n in names}:
            continue
        imports.setdefault(home, set()).add(name)


def constructs() -> dict[str, tuple[type[Any], frozenset[str]]]:
    """Every construct that takes props, with its props class (imports the cdk layer)."""
    from blueprints.cdk.cron_job_app import CronJobApp
    from blueprints.cdk.daemon_app import DaemonApp
    from blueprints.cdk.data_migration import DataMigration
    from blueprints.cdk.logging_stack import LoggingStack
    from blueprints.cdk.stateful_web_app import StatefulWebApp
    from blueprints.cdk.web_app import WebApp
    from blueprints.cdk.worker_with_init import WorkerWithInit
    from blueprints.core.logging_stack import LoggingStackProps

    result: dict[str, tuple[type[Any], frozenset[str]]] = {
        cls.__name__: (cls.props_class, frozenset(cls.construct_props))
        for cls in (WebApp, StatefulWebApp, WorkerWithInit, DaemonApp, CronJobApp, DataMigration)
    }
    result[LoggingStack.__name__] = (LoggingStackProps, frozenset())
    return result


def _main(write: Callable[[str], object] = GENERATED.write_text) -> None:
    write(generate(constructs()))


if __name__ == "__main__":
    _main()
