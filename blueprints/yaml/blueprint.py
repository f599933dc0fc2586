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
from typing import Any, TypeVar

from blueprints.core.config_files import ConfigFilesCore
from blueprints.core.data_migration import DataMigrationCore, DataMigrationProps
from blueprints.core.exposure import HTTPRoute, Ingress, LoadBalancer, NodePort
from blueprints.core.hooks import Hook
from blueprints.core.identity import Permission
from blueprints.core.jobs import CronJobAppCore, CronJobAppProps, DaemonAppCore, DaemonAppProps
from blueprints.core.logging_stack import LoggingStackCore, LoggingStackProps
from blueprints.core.probes import Probe
from blueprints.core.prop_types import build_props, mismatch
from blueprints.core.release import assemble_release, make_release_context, resolve_clients
from blueprints.core.stateful_web_app import StatefulWebAppCore, StatefulWebAppProps, Storage
from blueprints.core.volumes import Mount, Volume
from blueprints.core.web_app import WebAppCore, WebAppProps
from blueprints.core.worker_with_init import (
    WorkerWithInitCore,
    WorkerWithInitProps,
    dependency_on,
)
from blueprints.core.workload import (
    ConfigMapKeyRef,
    ConfigMapRef,
    Manifest,
    Resources,
    SecretKeyRef,
    SecretRef,
    Sidecar,
    Workload,
    WorkloadProps,
)
from blueprints.errors import ConfigError, Problem
from blueprints.kube import KubeVersion
from blueprints.lint.documents import Document, parse_documents
from blueprints.release.applyset import with_parent

__all__ = ["API_VERSION", "KINDS", "load_values", "render_yaml_blueprint"]

API_VERSION = "blueprint.dev/v1"
KINDS: dict[str, tuple[type[Workload], type[WorkloadProps]]] = {
    "WebApp": (WebAppCore, WebAppProps),
    "StatefulWebApp": (StatefulWebAppCore, StatefulWebAppProps),
    "WorkerWithInit": (WorkerWithInitCore, WorkerWithInitProps),
    "DaemonApp": (DaemonAppCore, DaemonAppProps),
    "CronJobApp": (CronJobAppCore, CronJobAppProps),
}
_TOP = ("apiVersion", "release", "version", "namespace", "createNamespace", "partOf",
        "annotations", "egress", "values", "components")
# Props without a YAML form.
_PYTHON_ONLY: set[str] = set()
T = TypeVar("T")
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
        kube_version=kube_version,
        egress=_optional_string(source, "egress", spec.get("egress")) or "open",
        create_namespace=_optional_bool(source, "createNamespace", spec.get("createNamespace")))
    components = spec.get("components")
    if not isinstance(components, list) or not components:
        raise source.problem("components", components, "needs a list of components",
                             "add components: [...]")
    parts: dict[str, Any] = {}
    # Configuration first, dependents last: a component may name any other of the file.
    indexed = sorted(enumerate(components), key=lambda item: _ORDER.get(_kind_of(item[1]), 1))
    for index, component in indexed:
        where = f"components[{index}]"
        given = component.get("name") if isinstance(component, dict) else None
        if isinstance(given, str) and given in parts:
            raise source.problem(f"{where}.name", given, "two components share the name",
                                 "give each component its own name", "BP006")
        part = _part(source, where, component, parts, context)
        parts[part.id] = part
    resolve_clients({id: p for id, p in parts.items() if isinstance(p, Workload)}
                    | {p.id: p for s in parts.values() if isinstance(s, _Stack)
                       for p in s.core.parts() if isinstance(p, Workload)})
    ordered = [str(component.get("name")) for component in components]
    objects = [m for id in ordered for m in _manifests(parts[id])]
    return [(context.name, with_parent(context, assemble_release(context, objects)))]


def _manifests(part: Any) -> list[Manifest]:
    identity = part.identity() if isinstance(part, Workload) else []
    return [*identity, *part.render()]


class _Stack:
    """A LoggingStack in a YAML blueprint: its parts render in order."""

    def __init__(self, core: LoggingStackCore) -> None:
        self.core, self.id = core, core.id

    def render(self) -> list[Manifest]:
        return [m for part in self.core.parts() for m in part.render()]


_ORDER = {"ConfigFiles": 0, "WorkerWithInit": 2, "DataMigration": 2}


def _part(source: _Source, where: str, component: object, parts: Mapping[str, Any],
          context: Any) -> Any:
    """A component of any kind: a workload, ConfigFiles or a DataMigration."""
    kind = component.get("kind") if isinstance(component, dict) else None
    if isinstance(component, dict) and kind == "ConfigFiles":
        _known_keys(source, f"{where}.", component, ("kind", "name", "data", "description",
                                                     "notSecret"))
        data = {k: _typed(source, f"{where}.data.{k}", v, str)
                for k, v in _mapping(source, f"{where}.data", component.get("data")).items()}
        not_secret = {k: _typed(source, f"{where}.notSecret.{k}", v, str) for k, v in _mapping(
            source, f"{where}.notSecret", component.get("notSecret", {})).items()}
        return ConfigFilesCore(_string(source, f"{where}.name", component.get("name")), data,
                               context, description=component.get("description"),
                               not_secret=not_secret)
    if isinstance(component, dict) and kind == "LoggingStack":
        hints, fields = _shape(LoggingStackProps)
        stack_props: dict[str, Any] = {}
        for key, value in component.items():
            if key in ("kind", "name"):
                continue
            if key not in fields:
                near = difflib.get_close_matches(key, fields, n=1)
                raise source.problem(f"{where}.{key}", key, "unknown key for LoggingStack",
                                     f"did you mean {near[0]}?" if near else "remove it")
            stack_props[fields[key]] = _typed(source, f"{where}.{key}", value, hints[fields[key]])
        built = _build(source, where, LoggingStackProps, stack_props, "LoggingStack",
                       {"credentials_secret": "name the Secret with the elastic and "
                                              "kibana_system passwords (BP031)"})
        return _Stack(LoggingStackCore(_string(source, f"{where}.name", component.get("name")),
                                       built, context))
    if isinstance(component, dict) and kind == "DataMigration":
        target = component.get("stateful")
        stateful = parts.get(target) if isinstance(target, str) else None
        if not isinstance(stateful, StatefulWebAppCore):
            raise source.problem(f"{where}.stateful", target,
                                 "names no StatefulWebApp of the blueprint",
                                 "name the StatefulWebApp whose members depart", "BP026")
        rest = {k: v for k, v in component.items() if k != "stateful"}
        props = _props(source, where, rest, DataMigrationProps, parts, context)
        assert isinstance(props, DataMigrationProps)
        return DataMigrationCore(_string(source, f"{where}.name", rest.get("name")), props,
                                 stateful)
    return _component(source, where, component, parts, context)


def _component(source: _Source, where: str, component: object, cores: Mapping[str, Any],
               context: Any) -> Workload:
    if not isinstance(component, dict):
        raise source.problem(where, component, "a component is a mapping",
                             "write kind:, name: and props")
    kind = component.get("kind")
    if kind not in KINDS:
        known = [*KINDS, "ConfigFiles", "DataMigration"]
        near = difflib.get_close_matches(str(kind), known, n=1)
        raise source.problem(f"{where}.kind", kind, "unknown kind",
                             f"did you mean {near[0]}?" if near else
                             f"use one of {', '.join(known)}")
    core_class, props_class = KINDS[kind]
    props = _props(source, where, component, props_class, cores, context)
    name = component.get("name")
    if not isinstance(name, str):
        raise source.problem(f"{where}.name", name, "every component needs a name",
                             "add name: web")
    return core_class(name, props, context)


def _props(source: _Source, where: str, component: Mapping[str, Any],
           props_class: type[WorkloadProps], cores: Mapping[str, Any], context: Any
           ) -> WorkloadProps:
    kind = component.get("kind")
    hints, fields = _shape(props_class)
    props: dict[str, Any] = {}
    for key, value in component.items():
        if key in ("kind", "name"):
            continue
        field = fields.get(key)
        path = f"{where}.{key}"
        if key == "expose" and field is None:
            raise source.problem(path, value, f"a {kind} has no Service to expose",
                                 "expose a WebApp or StatefulWebApp", "BP042")
        if field is None or field in _PYTHON_ONLY:
            if field in _PYTHON_ONLY:
                raise source.problem(path, key, "not available in YAML blueprints yet",
                                     "use blueprint.py for it")
            near = difflib.get_close_matches(key, fields, n=1)
            raise source.problem(path, key, f"unknown key for {kind}",
                                 f"did you mean {near[0]}?" if near else "remove it")
        props[field] = _convert(source, path, value, hints[field], cores, context, field)
    return _build(source, where, props_class, props, str(kind),
                  {"image": 'add image: "registry/repository:tag"'})


def _build(source: _Source, where: str, cls: type[T], props: Mapping[str, Any], owner: str,
           hints: Mapping[str, str] | None = None) -> T:
    """Build props through the same run-time type checks as the Python constructs."""
    try:
        return build_props(cls, props, component=where, owner=owner, hints=hints)
    except ConfigError as error:
        problem = error.problems[0]
        raise source.problem(f"{where}.{_camel(problem.field)}", problem.value, problem.what,
                             problem.fix, problem.practice) from None


def _convert(source: _Source, path: str, value: Any, hint: Any, cores: Mapping[str, Workload],
             context: Any, field: str) -> Any:
    if field == "wait_for":
        items = _list(source, path, value)
        return [dependency_on(cores[item], context.namespace)
                if isinstance(item, str) and item in cores else item for item in items]
    if field == "calls":
        if isinstance(value, dict):
            return {key: _typed(source, f"{path}.{key}", item, str)
                    for key, item in value.items()}
        return [_typed(source, f"{path}[{i}]", item, str)
                for i, item in enumerate(_list(source, path, value))]
    if field == "expose":
        items = value if isinstance(value, list) else [value]
        return [_exposure(source, f"{path}[{i}]" if isinstance(value, list) else path, item)
                for i, item in enumerate(items)]
    if field == "env":
        return {key: _env_value(source, f"{path}.{key}", item)
                for key, item in _mapping(source, path, value).items()}
    if field == "storage":
        items = value if isinstance(value, list) else [value]
        return [_dataclass(source, f"{path}", item, Storage) for item in items]
    if field == "resources":
        return _dataclass(source, path, value, Resources)
    if field == "permissions":
        return [_dataclass(source, f"{path}[{i}]", item, Permission)
                for i, item in enumerate(_list(source, path, value))]
    if field in ("readiness", "liveness", "startup"):
        return None if value is None else _probe(source, path, value)
    if field == "mounts":
        return [_mount(source, f"{path}[{i}]", item, cores)
                for i, item in enumerate(_list(source, path, value))]
    if field in ("post_start", "pre_stop"):
        return None if value is None else _hook(source, path, value)
    if field == "sidecars":
        return [_sidecar(source, f"{path}[{i}]", item, cores)
                for i, item in enumerate(_list(source, path, value))]
    if field == "env_from":
        return [_env_from(source, f"{path}[{i}]", item)
                for i, item in enumerate(_list(source, path, value))]
    return _typed(source, path, value, hint)


_VOLUME_KINDS = ("emptyDir", "hostPath", "claim", "newClaim", "configMap", "secret",
                 "gitClone", "forData", "configFiles")


def _volume(source: _Source, path: str, value: Any, parts: Mapping[str, Any]) -> Volume:
    data = dict(_mapping(source, path, value))
    name = _string(source, f"{path}.name", data.pop("name", None))
    kinds = [k for k in _VOLUME_KINDS if k in data]
    if len(kinds) != 1:
        raise source.problem(path, value, "a volume names exactly one of "
                             + ", ".join(_VOLUME_KINDS), "e.g. {name: cache, emptyDir: {}}",
                             "BP012")
    kind = kinds[0]
    spec = data.pop(kind)
    extra = {_snake(k): v for k, v in data.items()}
    try:
        if kind == "configFiles":
            files = parts.get(spec) if isinstance(spec, str) else None
            if not isinstance(files, ConfigFilesCore):
                raise source.problem(f"{path}.configFiles", spec,
                                     "names no ConfigFiles of the blueprint",
                                     "name a ConfigFiles component", "BP012")
            return files.volume(name, **extra)
        if kind in ("claim", "configMap", "secret"):
            target = _typed(source, f"{path}.{kind}", spec, str)
            if kind == "claim":
                return Volume.claim(name, target, **extra)
            if kind == "configMap":
                return Volume.config_map(name, target, **extra)
            return Volume.secret(name, target, **extra)
        options = {_snake(k): v for k, v in _mapping(source, f"{path}.{kind}", spec or {}).items()}
        if kind == "emptyDir":
            return Volume.empty_dir(name, **options)
        if kind == "hostPath":
            host = options.pop("path", None)
            return Volume.host_path(name, _typed(source, f"{path}.hostPath.path", host, str),
                                    **options)
        if kind == "newClaim":
            return Volume.new_claim(name, **options)
        if kind == "gitClone":
            repository = options.pop("repository", None)
            return Volume.git_clone(name, repository, **options)
        volume = Volume.for_data(name, **options)
        if volume is None:
            raise source.problem(f"{path}.forData", spec, "the data survives nothing: no "
                                 "volume is needed", "drop the mount", "BP012")
        return volume
    except TypeError as error:
        raise source.problem(path, value, f"unexpected keys: {error}",
                             "see blueprint schema", "BP012") from None


def _mount(source: _Source, path: str, value: Any, parts: Mapping[str, Any]) -> Mount:
    data = _mapping(source, path, value)
    _known_keys(source, f"{path}.", data, ("volume", "path", "subPath", "readOnly"))
    read_only = data.get("readOnly")
    return Mount(_volume(source, f"{path}.volume", data.get("volume"), parts),
                 _typed(source, f"{path}.path", data.get("path"), str),
                 sub_path=data.get("subPath"),
                 read_only=None if read_only is None else _typed(source, f"{path}.readOnly",
                                                                  read_only, bool))


_EXPOSURES: dict[str, type[Any]] = {"ingress": Ingress, "httpRoute": HTTPRoute,
                                     "loadBalancer": LoadBalancer, "nodePort": NodePort}


def _exposure(source: _Source, path: str, value: Any) -> Any:
    data = _mapping(source, path, value)
    if len(data) != 1 or next(iter(data)) not in _EXPOSURES:
        raise source.problem(path, value, "an exposure names exactly one of "
                             + ", ".join(_EXPOSURES), "e.g. {ingress: {host: shop.example.com}}",
                             "BP042")
    (key, spec), = data.items()
    return _dataclass(source, f"{path}.{key}", spec, _EXPOSURES[key])


def _hook(source: _Source, path: str, value: Any) -> Hook:
    data = dict(_mapping(source, path, value))
    log = data.pop("logToMain", False)
    port = data.pop("port", None)
    if set(data) == {"exec"}:
        command = [_typed(source, f"{path}.exec", c, str)
                   for c in _list(source, f"{path}.exec", data["exec"])]
        return Hook.exec(*command, log_to_main=_typed(source, f"{path}.logToMain", log, bool))
    if set(data) == {"http"}:
        return Hook.http(_typed(source, f"{path}.http", data["http"], str), port=port)
    if set(data) == {"sleep"}:
        return Hook.sleep(_typed(source, f"{path}.sleep", data["sleep"], int))
    raise source.problem(path, value, "a hook names exactly one of exec, http, sleep",
                         "e.g. {exec: [nginx, -s, quit]} or {sleep: 5}", "BP020")


def _sidecar(source: _Source, path: str, value: Any, parts: Mapping[str, Any]) -> Sidecar:
    data = _mapping(source, path, value)
    hints, fields = _shape(Sidecar)
    converted: dict[str, Any] = {}
    for key, item in data.items():
        field = fields.get(key)
        if field is None:
            near = difflib.get_close_matches(key, fields, n=1)
            raise source.problem(f"{path}.{key}", key, "unknown key for a sidecar",
                                 f"did you mean {near[0]}?" if near else "remove it")
        if field == "mounts":
            converted[field] = [_mount(source, f"{path}.mounts[{i}]", m, parts)
                                for i, m in enumerate(_list(source, f"{path}.mounts", item))]
        elif field == "env":
            converted[field] = {k: _env_value(source, f"{path}.env.{k}", v)
                                for k, v in _mapping(source, f"{path}.env", item).items()}
        elif field == "resources":
            converted[field] = _dataclass(source, f"{path}.resources", item, Resources)
        else:
            converted[field] = _typed(source, f"{path}.{key}", item, hints[field])
    return _build(source, path, Sidecar, converted, "a sidecar")


def _env_from(source: _Source, path: str, value: Any) -> SecretRef | ConfigMapRef:
    data = _mapping(source, path, value)
    if set(data) == {"secretRef"}:
        return SecretRef(_typed(source, f"{path}.secretRef", data["secretRef"], str))
    if set(data) == {"configMapRef"}:
        return ConfigMapRef(_typed(source, f"{path}.configMapRef", data["configMapRef"], str))
    raise source.problem(path, value, "envFrom items are {secretRef: name} or "
                         "{configMapRef: name}", "name a Secret or a ConfigMap")


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
    if hint in (int, str, bool):
        wrong = mismatch(value, hint, path.rsplit(".", 1)[-1])
        if wrong is not None:
            raise source.problem(path, value, *wrong)
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
    return _build(source, path, cls, converted, cls.__name__)


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


def _optional_bool(source: _Source, path: str, value: Any) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    raise source.problem(path, value, f"expected true or false, got {value!r}",
                         f"write {path}: false")


def _kind_of(component: object) -> str:
    kind = component.get("kind") if isinstance(component, dict) else None
    return kind if isinstance(kind, str) else ""


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
