"""YAML blueprints: ``blueprint.yaml`` describes the same components as ``blueprint.py``, renders
through the same pure core, and never starts Node.

Templating operates on values, never on text: the file is parsed as YAML first (safe loading
only), then each string scalar that holds ``{{ }}`` is rendered in a sandboxed jinja2
environment with ``StrictUndefined``. A scalar that is exactly one ``{{ expression }}`` keeps the
expression's native type.
"""

from __future__ import annotations

import dataclasses
import difflib
import re
import typing
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from blueprints.core.jobs import CronJobAppCore, CronJobAppProps, DaemonAppCore, DaemonAppProps
from blueprints.core.probes import Probe
from blueprints.core.release import make_release_context, resolve_clients
from blueprints.core.stateful_web_app import StatefulWebAppCore, StatefulWebAppProps, Storage
from blueprints.core.web_app import WebAppCore, WebAppProps
from blueprints.core.worker_with_init import (
    WorkerWithInitCore,
    WorkerWithInitProps,
    dependency_on,
)
from blueprints.core.workload import (
    ConfigMapKeyRef,
    Manifest,
    Resources,
    SecretKeyRef,
    Workload,
    WorkloadProps,
)
from blueprints.documents import Document, parse_documents
from blueprints.errors import ConfigError, Problem
from blueprints.kube import KubeVersion

__all__ = ["API_VERSION", "KINDS", "load_values", "render_yaml_blueprint"]

API_VERSION = "blueprint.dev/v1"
KINDS: dict[str, tuple[type[Workload], type[WorkloadProps]]] = {
    "WebApp": (WebAppCore, WebAppProps),
    "StatefulWebApp": (StatefulWebAppCore, StatefulWebAppProps),
    "WorkerWithInit": (WorkerWithInitCore, WorkerWithInitProps),
    "DaemonApp": (DaemonAppCore, DaemonAppProps),
    "CronJobApp": (CronJobAppCore, CronJobAppProps),
}
_TOP = ("apiVersion", "release", "version", "namespace", "partOf", "annotations", "values",
        "components")
# Props that take Python objects; YAML forms for them are not designed yet.
_PYTHON_ONLY = {"mounts", "post_start", "pre_stop", "sidecars", "env_from", "tolerations",
                "affinity"}
_SINGLE_EXPRESSION = re.compile(r"\s*\{\{(.*)\}\}\s*", re.S)


class _Source:
    """Where a value came from, for messages that carry the file and line."""

    def __init__(self, file: str, document: Document) -> None:
        self.file, self.document = file, document

    def problem(self, path: str, value: object, what: str, fix: str,
                practice: str | None = None) -> ConfigError:
        line = self.document.line_of(path)
        return ConfigError(Problem(f"{self.file}:{line}", path, value, what, fix, practice))


def load_values(text: str, name: str) -> dict[str, Any]:
    """A values file: a YAML mapping.

    Raises:
        ConfigError: Not YAML, or not a mapping.
    """
    documents, problem = parse_documents(text)
    if problem is not None:
        raise ConfigError(Problem(f"{name}:{problem.line}", "values", "<file>",
                                  f"not valid YAML: {problem.message}", "fix the file"))
    value = documents[0].value if documents else {}
    if not isinstance(value, dict):
        raise ConfigError(Problem(f"{name}:1", "values", type(value).__name__,
                                  "a values file is a mapping", "write key: value pairs"))
    return value


def render_yaml_blueprint(
    path: Path,
    *,
    kube_version: KubeVersion,
    values: Sequence[Mapping[str, Any]] = (),
) -> list[tuple[str, list[Manifest]]]:
    """Render ``blueprint.yaml`` into ``[(release name, manifests)]``, without Node.

    ``values`` are merged over the file's ``values:`` in order (``--env``, ``--values``,
    ``--set``).

    Raises:
        ConfigError: Every problem names the file and line.
    """
    name = _display(path)
    documents, problem = parse_documents(path.read_text(encoding="utf-8"))
    if problem is not None:
        raise ConfigError(Problem(f"{name}:{problem.line}", "yaml", "<file>",
                                  f"not valid YAML: {problem.message}",
                                  "fix the YAML; only plain data is allowed, no Python tags"))
    if len(documents) != 1 or not isinstance(documents[0].value, dict):
        raise ConfigError(Problem(f"{name}:1", "document", len(documents),
                                  "a blueprint is one YAML mapping", "see blueprint init"))
    source = _Source(name, documents[0])
    spec: dict[str, Any] = documents[0].value
    _known_keys(source, "", spec, _TOP)
    if spec.get("apiVersion") != API_VERSION:
        raise source.problem("apiVersion", spec.get("apiVersion"), "unsupported apiVersion",
                             f"use {API_VERSION}")
    merged = _deep_merge(dict(_mapping(source, "values", spec.get("values", {}))), *values)
    spec = _render(source, "", {k: v for k, v in spec.items() if k != "values"}, merged)
    release = _string(source, "release", spec.get("release"))
    context = make_release_context(
        release, version=_optional_string(source, "version", spec.get("version")),
        part_of=_optional_string(source, "partOf", spec.get("partOf")),
        namespace=_optional_string(source, "namespace", spec.get("namespace")),
        annotations=_mapping(source, "annotations", spec.get("annotations", {})),
        kube_version=kube_version)
    components = spec.get("components")
    if not isinstance(components, list) or not components:
        raise source.problem("components", components, "needs a list of components",
                             "add components: [...]")
    cores: dict[str, Workload] = {}
    ordered: list[str] = []
    # Workers come last, so that waitFor may name any component of the file.
    indexed = sorted(enumerate(components), key=lambda item: _kind_of(item[1]) == "WorkerWithInit")
    for index, component in indexed:
        where = f"components[{index}]"
        core = _component(source, where, component, cores, context)
        if core.id in cores:
            raise source.problem(f"{where}.name", core.id, "two components share the name",
                                 "give each component its own name", "BP006")
        cores[core.id] = core
    for component in components:
        ordered.append(str(component.get("name")))
    resolve_clients(cores)
    return [(context.name, [m for id in ordered for m in cores[id].render()])]


def _component(source: _Source, where: str, component: object, cores: Mapping[str, Workload],
               context: Any) -> Workload:
    if not isinstance(component, dict):
        raise source.problem(where, component, "a component is a mapping",
                             "write kind:, name: and props")
    kind = component.get("kind")
    if kind not in KINDS:
        near = difflib.get_close_matches(str(kind), KINDS, n=1)
        raise source.problem(f"{where}.kind", kind, "unknown kind",
                             f"did you mean {near[0]}?" if near else
                             f"use one of {', '.join(KINDS)}")
    core_class, props_class = KINDS[kind]
    hints, fields = _shape(props_class)
    props: dict[str, Any] = {}
    for key, value in component.items():
        if key in ("kind", "name"):
            continue
        field = fields.get(key)
        path = f"{where}.{key}"
        if field is None or field in _PYTHON_ONLY:
            if field in _PYTHON_ONLY:
                raise source.problem(path, key, "not available in YAML blueprints yet",
                                     "use blueprint.py for it")
            near = difflib.get_close_matches(key, fields, n=1)
            raise source.problem(path, key, f"unknown key for {kind}",
                                 f"did you mean {near[0]}?" if near else "remove it")
        props[field] = _convert(source, path, value, hints[field], cores, context, field)
    name = component.get("name")
    if not isinstance(name, str):
        raise source.problem(f"{where}.name", name, "every component needs a name",
                             "add name: web")
    try:
        return core_class(name, props_class(**props), context)
    except TypeError as error:
        raise source.problem(where, kind, str(error), "check the props") from None


def _convert(source: _Source, path: str, value: Any, hint: Any, cores: Mapping[str, Workload],
             context: Any, field: str) -> Any:
    if field == "wait_for":
        items = _list(source, path, value)
        return [dependency_on(cores[item], context.namespace)
                if isinstance(item, str) and item in cores else item for item in items]
    if field == "env":
        return {key: _env_value(source, f"{path}.{key}", item)
                for key, item in _mapping(source, path, value).items()}
    if field == "storage":
        items = value if isinstance(value, list) else [value]
        return [_dataclass(source, f"{path}", item, Storage) for item in items]
    if field == "resources":
        return _dataclass(source, path, value, Resources)
    if field in ("readiness", "liveness", "startup"):
        return None if value is None else _probe(source, path, value)
    return _typed(source, path, value, hint)


def _typed(source: _Source, path: str, value: Any, hint: Any) -> Any:
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if hint is Any:
        return value
    if origin in (typing.Union, type(int | None)):
        if value is None and type(None) in args:
            return None
        options = [a for a in args if a is not type(None)]
        for option in options:
            try:
                return _typed(source, path, value, option)
            except ConfigError:
                continue
        return _typed(source, path, value, options[0])
    if origin in (Sequence, list, tuple) or hint in (list, tuple):
        return [_typed(source, f"{path}[{i}]", item, args[0] if args else Any)
                for i, item in enumerate(_list(source, path, value))]
    if origin in (Mapping, dict):
        return {k: _typed(source, f"{path}.{k}", v, args[1] if args else Any)
                for k, v in _mapping(source, path, value).items()}
    expected = {int: "integer", str: "string", bool: "boolean"}.get(hint)
    if expected is not None:
        if type(value) is not hint:
            raise source.problem(path, value, f"expected {expected}, got {value!r}",
                                 f"write a {expected}")
        return value
    return value


def _dataclass(source: _Source, path: str, value: Any, cls: type[Any]) -> Any:
    data = _mapping(source, path, value)
    hints, fields = _shape(cls)
    converted = {}
    for key, item in data.items():
        if key not in fields:
            near = difflib.get_close_matches(key, fields, n=1)
            raise source.problem(f"{path}.{key}", key, f"unknown key for {cls.__name__}",
                                 f"did you mean {near[0]}?" if near else "remove it")
        converted[fields[key]] = _typed(source, f"{path}.{key}", item, hints[fields[key]])
    try:
        return cls(**converted)
    except TypeError as error:
        raise source.problem(path, value, str(error), "check the keys") from None


def _probe(source: _Source, path: str, value: Any) -> Probe:
    data = dict(_mapping(source, path, value))
    handlers = [h for h in ("http", "tcp", "exec", "grpc") if h in data]
    if len(handlers) != 1:
        raise source.problem(path, value, "a probe names exactly one of http, tcp, exec, grpc",
                             'e.g. {http: /healthz} or {exec: [ls, /var/ready]}', "BP016")
    handler = handlers[0]
    target = data.pop(handler)
    timing = {_snake(k): _typed(source, f"{path}.{k}", v, int) for k, v in data.items()
              if k in ("initialDelaySeconds", "periodSeconds", "timeoutSeconds",
                       "failureThreshold") or _unknown(source, f"{path}.{k}", k)}
    port = data.get("port")
    if handler == "exec":
        command = [_typed(source, f"{path}.exec", c, str) for c in _list(source, path, target)]
        return Probe.exec(*command, **timing)
    if handler == "http":
        return Probe.http(_typed(source, f"{path}.http", target, str), port=port, **timing)
    if handler == "tcp":
        return Probe.tcp(port=target if isinstance(target, int) else port, **timing)
    return Probe.grpc(port=target if isinstance(target, int) else port, **timing)


def _unknown(source: _Source, path: str, key: str) -> bool:
    if key == "port":
        return False
    raise source.problem(path, key, "unknown probe key",
                         "use initialDelaySeconds, periodSeconds, timeoutSeconds, "
                         "failureThreshold or port")


def _env_value(source: _Source, path: str, value: Any) -> Any:
    if isinstance(value, dict) and len(value) == 1:
        (key, ref), = value.items()
        data = _mapping(source, f"{path}.{key}", ref)
        if key in ("secretKeyRef", "configMapKeyRef") and set(data) == {"name", "key"}:
            cls = SecretKeyRef if key == "secretKeyRef" else ConfigMapKeyRef
            return cls(str(data["name"]), str(data["key"]))
    if isinstance(value, bool | int | float):
        raise source.problem(path, value, f"expected string, got {value!r}",
                             f'quote it: "{value}"')
    if not isinstance(value, str):
        raise source.problem(path, value, "env values are strings or key references",
                             "use {secretKeyRef: {name: ..., key: ...}}")
    return value


def _render(source: _Source, path: str, value: Any, values: Mapping[str, Any]) -> Any:
    if isinstance(value, dict):
        return {k: _render(source, f"{path}.{k}" if path else str(k), v, values)
                for k, v in value.items()}
    if isinstance(value, list):
        return [_render(source, f"{path}[{i}]", v, values) for i, v in enumerate(value)]
    if isinstance(value, str) and ("{{" in value or "{%" in value):
        return _template(source, path, value, values)
    return value


_ENVIRONMENT: Any = None


def _template(source: _Source, path: str, text: str, values: Mapping[str, Any]) -> Any:
    global _ENVIRONMENT  # noqa: PLW0603 - one sandbox per process, built on first use
    import jinja2
    from jinja2.exceptions import SecurityError
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    if _ENVIRONMENT is None:
        _ENVIRONMENT = ImmutableSandboxedEnvironment(undefined=jinja2.StrictUndefined,
                                                     autoescape=False)
    context = {"values": values}
    try:
        single = _SINGLE_EXPRESSION.fullmatch(text)
        if single and "{{" not in single[1] and "}}" not in single[1]:
            result = _ENVIRONMENT.compile_expression(single[1], undefined_to_none=False)(
                **context)
            if isinstance(result, jinja2.Undefined):
                str(result)  # raises UndefinedError with the name
            return result
        return _ENVIRONMENT.from_string(text).render(**context)
    except jinja2.UndefinedError as error:
        raise source.problem(path, text, f"undefined template variable: {error.message}",
                             "define it under values:, in --values or with --set") from None
    except SecurityError as error:
        raise source.problem(path, text, f"the template sandbox refuses it: {error}",
                             "templates read values; they cannot reach Python") from None
    except jinja2.TemplateError as error:
        raise source.problem(path, text, f"template error: {error}",
                             "fix the {{ }} expression") from None


def _known_keys(source: _Source, path: str, data: Mapping[str, Any],
                allowed: Sequence[str]) -> None:
    for key in data:
        if key not in allowed:
            near = difflib.get_close_matches(str(key), allowed, n=1)
            raise source.problem(f"{path}{key}", key, "unknown key",
                                 f"did you mean {near[0]}?" if near else "remove it")


def _deep_merge(base: dict[str, Any], *overlays: Mapping[str, Any]) -> dict[str, Any]:
    for overlay in overlays:
        for key, value in overlay.items():
            if isinstance(value, Mapping) and isinstance(base.get(key), dict):
                base[key] = _deep_merge(dict(base[key]), value)
            else:
                base[key] = value
    return base


def _mapping(source: _Source, path: str, value: Any) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise source.problem(path, value, f"expected a mapping, got {type(value).__name__}",
                             "write key: value pairs")
    return value


def _list(source: _Source, path: str, value: Any) -> list[Any]:
    if not isinstance(value, list):
        raise source.problem(path, value, f"expected a list, got {type(value).__name__}",
                             "write [a, b] or one item per line")
    return value


def _string(source: _Source, path: str, value: Any) -> str:
    if not isinstance(value, str) or not value:
        raise source.problem(path, value, "expected a string", f"set {path}: ...")
    return value


def _optional_string(source: _Source, path: str, value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        value = str(value)
    return _string(source, path, value)


def _kind_of(component: object) -> object:
    return component.get("kind") if isinstance(component, dict) else None


_SHAPES: dict[str, tuple[dict[str, Any], dict[str, str]]] = {}


def _shape(cls: type[Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """A props class's resolved field types, and its camelCase keys to field names (resolving
    string annotations is slow: once per class, not once per component)."""
    key = f"{cls.__module__}.{cls.__qualname__}"
    if key not in _SHAPES:
        _SHAPES[key] = (typing.get_type_hints(cls),
                        {_camel(f.name): f.name for f in dataclasses.fields(cls)})
    return _SHAPES[key]


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.capitalize() for part in rest)


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)
