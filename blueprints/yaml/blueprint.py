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
import importlib
import re
import time
import typing
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from blueprints._lazy import LazyPattern
from blueprints.core.config_files import ConfigFilesCore
from blueprints.core.connections import Call
from blueprints.core.probes import Probe
from blueprints.core.prop_types import build_props, field_hints, mismatch
from blueprints.core.release import assemble_release, make_release_context, resolve_clients
from blueprints.core.volumes import Mount, Volume
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
from blueprints.errors import BlueprintError, ConfigError, Problem
from blueprints.kube import KubeVersion
from blueprints.release.applyset import with_parent
from blueprints.yaml import templates
from blueprints.yaml.loading import (
    Loaded,
    Lossy,
    LossyInt,
    LostText,
    load_yaml,
    plain,
    read_text,
)
from blueprints.yaml.values import apply_overlays, declare, load_schema, redact, secret_texts

if TYPE_CHECKING:
    from blueprints.core.hooks import Hook
    from blueprints.core.logging_stack import LoggingStackCore

__all__ = ["API_VERSION", "KINDS", "render_yaml_blueprint", "yaml_errors"]

API_VERSION = "blueprint.dev/v1"


class _Kinds(Mapping[str, tuple[type[Workload], type[WorkloadProps]]]):
    """The workload kinds, each (core class, props class), its module imported on first use: a
    blueprint of WebApps never loads the other kinds."""

    _MODULES: ClassVar[dict[str, str]] = {"WebApp": "web_app", "StatefulWebApp": "stateful_web_app",
                "WorkerWithInit": "worker_with_init", "DaemonApp": "jobs", "CronJobApp": "jobs"}

    _LOADED: ClassVar[dict[str, tuple[type[Workload], type[WorkloadProps]]]] = {}

    def __getitem__(self, kind: str) -> tuple[type[Workload], type[WorkloadProps]]:
        found = self._LOADED.get(kind)
        if found is None:
            module = importlib.import_module(f"blueprints.core.{self._MODULES[kind]}")
            found = self._LOADED[kind] = (getattr(module, f"{kind}Core"),
                                          getattr(module, f"{kind}Props"))
        return found

    def __iter__(self) -> Iterator[str]:
        return iter(self._MODULES)

    def __len__(self) -> int:
        return len(self._MODULES)

    def __contains__(self, kind: object) -> bool:
        return kind in self._MODULES


KINDS: Mapping[str, tuple[type[Workload], type[WorkloadProps]]] = _Kinds()
_TOP = ("apiVersion", "release", "version", "namespace", "createNamespace", "partOf",
        "annotations", "egress", "values", "components")
# Props without a YAML form.
_PYTHON_ONLY: set[str] = set()
T = TypeVar("T")
_SINGLE_EXPRESSION = LazyPattern(r"\s*\{\{(.*)\}\}\s*", re.S)
_OCTAL = LazyPattern(r"[-+]?0[0-7_]+")
INT64 = 2**63 - 1
_KIND_NAMES = {int: "an integer", str: "a string", bool: "a boolean"}


class _Source:
    """Where a value came from, for messages that carry the file and line."""

    def __init__(self, file: str, loaded: Loaded) -> None:
        self.file, self.loaded = file, loaded
        #: Scalars whose YAML reading lost their text, by path in the rendered blueprint.
        self.lossy: dict[str, Lossy] = {}
        #: The template each rendered path came from: messages show what the file says.
        self.templates: dict[str, str] = {}
        self.deadline = 0.0

    def problem(self, path: str, value: object, what: str, fix: str,
                practice: str | None = None, *, quoted: bool = False) -> ConfigError:
        line = self.loaded.line_of(path)
        lost = self.lossy.get(path)
        if lost is not None and value == plain(lost):
            value = lost.text
        if path in self.templates:
            value = self.templates[path]
        if isinstance(value, int) and not isinstance(value, bool):
            value = _short(value)  # a number too long to print is described
        return ConfigError(Problem(f"{self.file}:{line}", path, value, what, fix, practice,
                                   quoted=quoted and isinstance(value, str)))

    def lost_text(self, path: str, value: Lossy, template: str | None = None) -> ConfigError:
        """A lossy scalar where text is needed: say what YAML made of it, and to quote it."""
        where = value.origin
        fix = ("use --set-string" if where.startswith("--set") else
               f'quote it at {where}: "{value.text}"')
        return ConfigError(Problem(
            f"{self.file}:{self.loaded.line_of(path)}", path,
            template if template is not None else value.text,
            f"needs text, but YAML reads {value.text or '(empty)'} ({where}) as "
            f"{value.describe().split('read by YAML as ', 1)[1][:-1]}, not as that text", fix))

    def volume_path(self, where: str, name: str) -> str:
        """Where the volume ``name`` is written under the component at ``where``:
        ``components[0].mounts[1].volume.hostPath`` (its kind's mapping, where its options are)."""
        for key in self.loaded.lines:
            if not (key.startswith(f"{where}.") and key.endswith(".volume.name")):
                continue
            volume = key.removesuffix(".name")
            if _lookup(self.loaded.value, volume + ".name") == name:
                kinds = [k for k in _VOLUME_KINDS if f"{volume}.{k}" in self.loaded.lines]
                return f"{volume}.{kinds[0]}" if kinds else volume
        return where

    def container_field(self, where: str, field: str) -> str:
        """A core field that starts with a container's name (``web.mounts``, ``logger.image``),
        as the file writes it: the main container's keys are the component's own, a sidecar's
        are under ``sidecars[i]``."""
        head, _, rest = field.partition(".")
        if not where or not rest:
            return field
        if head == _lookup(self.loaded.value, f"{where}.name"):
            return rest
        for index, sidecar in enumerate(_lookup(self.loaded.value, f"{where}.sidecars") or []):
            if isinstance(sidecar, dict) and sidecar.get("name") == head:
                return f"sidecars[{index}].{rest}"
        return field

    def core_problems(self, error: ConfigError, where: str, cls: type[Any] | None) -> ConfigError:
        """A core check's error, told in the file's terms: file, line and camelCase key."""
        fields = _shape(cls)[1] if cls is not None else {}
        snake = {name for name in fields.values() if "_" in name}
        problems = []
        for problem in error.problems:
            if problem.component.startswith(f"{self.file}:"):
                problems.append(problem)  # already in the file's terms
                continue
            field = self.container_field(where, _camel_path(problem.field))
            base = where
            if problem.component.startswith("volume/") and where:
                base = self.volume_path(where, problem.component.removeprefix("volume/"))
            path = f"{base}.{field}" if base and field else base or field
            problems.append(Problem(f"{self.file}:{self.loaded.line_of(path)}", path,
                                    problem.value, _camel_text(problem.what, snake),
                                    _yaml_words(problem.fix, snake), problem.practice,
                                    quoted=problem.quoted))
        return type(error)(problems)


def render_yaml_blueprint(
    path: Path,
    *,
    kube_version: KubeVersion,
    values: Sequence[Mapping[str, Any]] = (),
) -> list[tuple[str, list[Manifest]]]:
    """Render ``blueprint.yaml`` into ``[(release name, manifests)]``, without Node.

    ``values`` are checked against the declared values and merged over the file's ``values:``
    in order (``--env``, ``--values``, ``--set``; see :mod:`blueprints.yaml.values`).

    Raises:
        ConfigError: Every problem names the file, the line and the key as written; values
            under secret-looking keys are redacted. UnreadableInputError: the file is not text.
    """
    secrets: set[str] = set()
    try:
        return _render_blueprint(path, kube_version, values, secrets)
    except BlueprintError as error:
        raise redact(error, secrets) from None


def _render_blueprint(path: Path, kube_version: KubeVersion, values: Sequence[Mapping[str, Any]],
                      secrets: set[str]) -> list[tuple[str, list[Manifest]]]:
    name = _display(path)
    for overlay in values:
        secrets |= secret_texts(overlay)
    text = read_text(path, name)
    loaded = load_yaml(text, name)
    if not isinstance(loaded.value, dict):
        raise ConfigError(Problem(f"{name}:1", "document", type(loaded.value).__name__,
                                  "a blueprint is one YAML mapping", "see blueprint init"))
    source = _Source(name, loaded)
    spec: dict[str, Any] = loaded.value
    _known_keys(source, "", spec, _TOP)
    if spec.get("apiVersion") != API_VERSION:
        raise source.problem("apiVersion", spec.get("apiVersion"), "unsupported apiVersion",
                             f"use {API_VERSION}")
    defaults = dict(_mapping(source, "values", spec.get("values", {})))
    schema, schema_name = load_schema(path)
    declared = declare(loaded, defaults, schema, schema_name)
    merged = apply_overlays(defaults, declared, values,
                            _template_reads(spec) if values else None)
    secrets |= secret_texts(merged)
    source.deadline = time.monotonic() + templates.BLUEPRINT_SECONDS
    spec = _rendered(source, text, spec, merged)
    release = _string(source, "release", spec.get("release"))
    try:
        context = make_release_context(
            release, version=_optional_string(source, "version", spec.get("version")),
            part_of=_optional_string(source, "partOf", spec.get("partOf")),
            namespace=_optional_string(source, "namespace", spec.get("namespace")),
            annotations=_mapping(source, "annotations", spec.get("annotations", {})),
            kube_version=kube_version,
            egress=_optional_string(source, "egress", spec.get("egress")) or "open",
            create_namespace=_optional_bool(source, "createNamespace",
                                            spec.get("createNamespace")))
    except ConfigError as error:
        raise source.core_problems(error, "", None) from None
    components = spec.get("components")
    if not isinstance(components, list) or not components:
        raise source.problem("components", components, "needs a list of components",
                             "add components: [...]")
    parts: dict[str, Any] = {}
    places: dict[str, str] = {}
    # Configuration first, dependents last: a component may name any other of the file.
    indexed = sorted(enumerate(components), key=lambda item: _ORDER.get(_kind_of(item[1]), 1))
    for index, component in indexed:
        where = f"components[{index}]"
        given = component.get("name") if isinstance(component, dict) else None
        if isinstance(given, str) and given in parts:
            raise source.problem(f"{where}.name", given, "two components share the name",
                                 "give each component its own name", "BP006")
        try:
            part = _part(source, where, component, parts, context)
        except ConfigError as error:
            if error.problems and error.problems[0].component.startswith(f"{name}:"):
                raise
            raise source.core_problems(error, where, _props_class(component)) from None
        parts[part.id] = part
        places[f"{context.name}/{part.id}"] = where
    try:
        resolve_clients({id: p for id, p in parts.items() if isinstance(p, Workload)}
                        | {p.id: p for s in parts.values() if isinstance(s, _Stack)
                           for p in s.core.parts() if isinstance(p, Workload)})
        ordered = [str(component.get("name")) for component in components]
        objects = [m for id in ordered for m in _manifests(parts[id])]
        return [(context.name, with_parent(context, assemble_release(context, objects)))]
    except ConfigError as error:
        owner = error.problems[0].component if error.problems else ""
        where = places.get(owner, "components")
        cls = (_props_class(components[int(where[len("components["):-1])])
               if where != "components" else None)
        raise source.core_problems(error, where, cls) from None


def _lookup(value: Any, path: str) -> Any:
    """The value at a path such as ``components[0].mounts[1].volume.name``."""
    for part in re.findall(r"[^.\[\]]+|\[\d+\]", path):
        if part.startswith("["):
            index = int(part[1:-1])
            value = value[index] if isinstance(value, list) and index < len(value) else None
        else:
            value = value.get(part) if isinstance(value, dict) else None
    return value


def _props_class(component: object) -> type[Any] | None:
    kind = _kind_of(component)
    if kind in KINDS:
        return KINDS[kind][1]
    if kind == "LoggingStack":
        from blueprints.core.logging_stack import LoggingStackProps

        return LoggingStackProps
    if kind == "DataMigration":
        from blueprints.core.data_migration import DataMigrationProps

        return DataMigrationProps
    return None


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
        from blueprints.core.logging_stack import LoggingStackCore, LoggingStackProps

        hints, fields = _shape(LoggingStackProps)
        stack_props: dict[str, Any] = {}
        for key, value in component.items():
            if key in ("kind", "name"):
                continue
            if key not in fields:
                near = difflib.get_close_matches(str(key), fields, n=1)
                raise source.problem(f"{where}.{key}", _brief(value), "unknown key for LoggingStack",
                                     f"did you mean {near[0]}?" if near else "remove it")
            stack_props[fields[key]] = _typed(source, f"{where}.{key}", value, hints[fields[key]])
        built = _build(source, where, LoggingStackProps, stack_props, "LoggingStack",
                       {"credentials_secret": "name the Secret with the elastic and "
                                              "kibana_system passwords (BP031)"})
        return _Stack(LoggingStackCore(_string(source, f"{where}.name", component.get("name")),
                                       built, context))
    if isinstance(component, dict) and kind == "DataMigration":
        from blueprints.core.data_migration import DataMigrationCore, DataMigrationProps
        from blueprints.core.stateful_web_app import StatefulWebAppCore

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
    if not isinstance(kind, str) or kind not in KINDS:
        known = [*KINDS, "ConfigFiles", "DataMigration", "LoggingStack"]
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
            near = difflib.get_close_matches(str(key), fields, n=1)
            raise source.problem(path, _brief(value), f"unknown key for {kind}",
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
                             problem.fix, problem.practice, quoted=problem.quoted) from None


def _convert(source: _Source, path: str, value: Any, hint: Any, cores: Mapping[str, Workload],
             context: Any, field: str) -> Any:
    if field == "wait_for":
        from blueprints.core.worker_with_init import dependency_on

        items = _list(source, path, value)
        return [dependency_on(cores[item], context.namespace)
                if isinstance(item, str) and item in cores else item for item in items]
    if field == "calls":
        if isinstance(value, dict):
            return {key: _call(source, f"{path}.{key}", item) for key, item in value.items()}
        return [_call(source, f"{path}[{i}]", item)
                for i, item in enumerate(_list(source, path, value))]
    if field == "expose":
        items = value if isinstance(value, list) else [value]
        return [_exposure(source, f"{path}[{i}]" if isinstance(value, list) else path, item)
                for i, item in enumerate(items)]
    if field == "env":
        return {key: _env_value(source, f"{path}.{key}", item)
                for key, item in _mapping(source, path, value).items()}
    if field == "storage":
        from blueprints.core.stateful_web_app import Storage

        items = value if isinstance(value, list) else [value]
        return [_dataclass(source, f"{path}", item, Storage) for item in items]
    if field == "resources":
        return _dataclass(source, path, value, Resources)
    if field == "permissions":
        from blueprints.core.identity import Permission

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


#: The keys of an exposure, by the name of its class in :mod:`blueprints.core.exposure`.
_EXPOSURES = {"ingress": "Ingress", "httpRoute": "HTTPRoute", "loadBalancer": "LoadBalancer",
              "nodePort": "NodePort"}


def _exposure(source: _Source, path: str, value: Any) -> Any:
    data = _mapping(source, path, value)
    if len(data) != 1 or next(iter(data)) not in _EXPOSURES:
        raise source.problem(path, value, "an exposure names exactly one of "
                             + ", ".join(_EXPOSURES), "e.g. {ingress: {host: shop.example.com}}",
                             "BP042")
    from blueprints.core import exposure

    (key, spec), = data.items()
    return _dataclass(source, f"{path}.{key}", spec, getattr(exposure, _EXPOSURES[key]))


def _call(source: _Source, path: str, value: Any) -> Any:
    """A ``calls`` entry: a name or ``"host:port"``, or ``{target: db, hostEnv: DB_HOST,
    portEnv: DB_PORT, port: ...}`` (:class:`~blueprints.core.connections.Call`)."""
    if isinstance(value, dict):
        call = _dataclass(source, path, value, Call)
        if not isinstance(call.target, str):
            raise source.problem(f"{path}.target", call.target, "names no component",
                                 'e.g. {target: db, hostEnv: DB_HOST, portEnv: DB_PORT}',
                                 "BP042")
        return call
    return _typed(source, path, value, str)


def _hook(source: _Source, path: str, value: Any) -> Hook:
    from blueprints.core.hooks import Hook

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
            near = difflib.get_close_matches(str(key), fields, n=1)
            raise source.problem(f"{path}.{key}", _brief(item), "unknown key for a sidecar",
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
    # The common case, text or a number as written, passes every check below.
    if hint is str and type(value) is str and path not in source.lossy:
        return value
    if hint is int and type(value) is int and abs(value) <= INT64 and path not in source.lossy:
        return value
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
        lost = source.lossy.get(path)
        if lost is not None and hint is str:
            raise source.lost_text(path, lost)
        if isinstance(lost, LossyInt) and hint is int and _OCTAL.fullmatch(lost.text):
            raise source.problem(path, lost.text, f"YAML 1.1 reads a leading 0 as octal "
                                 f"({int(lost)}), YAML 1.2 as decimal",
                                 "write the number without the leading 0")
        if hint is int and type(value) is int and abs(value) > INT64:
            raise source.problem(path, value, f"beyond {INT64}, the largest number the "
                                 "Kubernetes API takes (int64)", "write a smaller number")
        if isinstance(value, Mapping | list) and type(value) is not hint:
            raise source.problem(path, value, f"expected {_KIND_NAMES[hint]}, got "
                                 f"{_short(value)}", f"write {_KIND_NAMES[hint]}")
        wrong = mismatch(value, hint, path.rsplit(".", 1)[-1])
        if wrong is not None:  # text where another type belongs is shown in its quotes
            raise source.problem(path, value, wrong[0], _yaml_words(wrong[1], set()),
                                 quoted=True)
    return value


def _dataclass(source: _Source, path: str, value: Any, cls: type[Any]) -> Any:
    data = _mapping(source, path, value)
    hints, fields = _shape(cls)
    converted = {}
    for key, item in data.items():
        if key not in fields:
            near = difflib.get_close_matches(str(key), fields, n=1)
            raise source.problem(f"{path}.{key}", _brief(item), f"unknown key for {cls.__name__}",
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
    if path in source.lossy:
        raise source.lost_text(path, source.lossy[path])
    if isinstance(value, bool | int | float):
        raise source.problem(path, value, f"expected string, got {_short(value)}",
                             f'quote it: "{value}"')
    if not isinstance(value, str):
        raise source.problem(path, value, "env values are strings or key references",
                             "use {secretKeyRef: {name: ..., key: ...}}")
    return value


def _template_reads(spec: Mapping[str, Any]) -> set[tuple[str, ...]]:
    """The value paths that the blueprint's templates read (outside ``values:`` itself)."""
    found: set[tuple[str, ...]] = set()
    stack: list[Any] = [v for k, v in spec.items() if k != "values"]
    while stack:
        value = stack.pop()
        if isinstance(value, dict):
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)
        elif isinstance(value, str) and ("{{" in value or "{%" in value):
            paths = templates.reads(value)
            found |= {()} if paths is None else paths  # a broken template: rendering says so
    return found


def _rendered(source: _Source, text: str, spec: Mapping[str, Any],
              values: Mapping[str, Any]) -> dict[str, Any]:
    """The blueprint but its ``values:``, its templates rendered and lossy scalars unwrapped:
    a file without either is taken as it is (no walk over every value)."""
    spec = {k: v for k, v in spec.items() if k != "values"}
    if source.loaded.lossy or "{{" in text or "{%" in text:
        rendered: dict[str, Any] = _render(source, "", spec, values)
        return rendered
    return spec


def _render(source: _Source, path: str, value: Any, values: Mapping[str, Any]) -> Any:
    """Render every template and unwrap every lossy scalar, remembering where each one was."""
    if isinstance(value, dict):
        return {k: _render(source, f"{path}.{k}" if path else str(k), v, values)
                for k, v in value.items()}
    if isinstance(value, list):
        return [_render(source, f"{path}[{i}]", v, values) for i, v in enumerate(value)]
    if isinstance(value, str) and ("{{" in value or "{%" in value):
        source.templates[path] = value
        return _unwrap(source, path, _template(source, path, value, values))
    if isinstance(value, Lossy):
        source.lossy[path] = value
        return plain(value)
    return value


def _brief(value: object) -> object:
    """A value as a message shows it: a mapping or a list is described, not printed whole."""
    return _short(value) if isinstance(value, Mapping | list | tuple) else value


def _short(value: object) -> str:
    """A value for a message: never a whole mapping (it may be the values map), never a number
    too long to print."""
    if isinstance(value, Mapping):
        return f"a mapping ({len(value)} keys)"
    if isinstance(value, list | tuple):
        return f"a list ({len(value)} items)"
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 4096:
        return f"a {value.bit_length()}-bit integer"
    return repr(value)


def _unwrap(source: _Source, path: str, value: Any) -> Any:
    """A template's native result, with the lossy scalars it carries unwrapped (and kept)."""
    if isinstance(value, Mapping):
        return {k: _unwrap(source, f"{path}.{k}", v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_unwrap(source, f"{path}[{i}]", v) for i, v in enumerate(value)]
    if isinstance(value, Lossy):
        source.lossy[path] = value
        return plain(value)
    if isinstance(value, str) and type(value) is not str:
        return str(value)  # jinja2's Markup (tojson, safe): text all the same
    return value


def _template(source: _Source, path: str, text: str, values: Mapping[str, Any]) -> Any:
    import jinja2
    from jinja2.exceptions import SecurityError

    single = _SINGLE_EXPRESSION.fullmatch(text)
    expression = single[1] if single and "{{" not in single[1] and "}}" not in single[1] else None
    try:
        result = templates.render(text, {"values": values}, single=expression,
                                  deadline=source.deadline)
        if isinstance(result, jinja2.Undefined):
            str(result)  # raises UndefinedError with the name
        return result
    except jinja2.UndefinedError as error:
        raise source.problem(path, text, f"undefined template variable: {error.message}",
                             "define it under values:, in --values or with --set") from None
    except SecurityError as error:
        raise source.problem(path, text, f"the template sandbox refuses it: {error}",
                             "templates read values; they cannot reach Python") from None
    except LostText as error:
        raise source.lost_text(path, error.value, text) from None
    except templates.TemplateRefused as error:
        raise source.problem(path, text, f"puts {error} into text",
                             "give the value as text in the values (quoted), or test it with "
                             "{% if %}") from None
    except templates.TemplateLimit as error:
        raise source.problem(path, text, f"the template {error}",
                             "templates read values; keep loops and generated data out of "
                             "the blueprint") from None
    except jinja2.TemplateSyntaxError as error:
        raise source.problem(path, text, f"template syntax error: {error.message}",
                             "fix the {{ }} expression") from None
    except (Exception, RecursionError) as error:  # templates are user code: any error is theirs
        message = " ".join(str(error).split()) or "no message"
        raise source.problem(path, text, f"template error: {type(error).__name__}: {message}",
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
    if path in source.lossy:
        raise source.lost_text(path, source.lossy[path])
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


_SHAPES: dict[str, tuple[Mapping[str, Any], dict[str, str]]] = {}


def _shape(cls: type[Any]) -> tuple[Mapping[str, Any], dict[str, str]]:
    """A props class's field types (each resolved when first needed, :func:`field_hints`), and
    its camelCase keys to field names; once per class, not once per component."""
    key = f"{cls.__module__}.{cls.__qualname__}"
    if key not in _SHAPES:
        _SHAPES[key] = (field_hints(cls),
                        {_camel(f.name): f.name for f in dataclasses.fields(cls)})
    return _SHAPES[key]


def _camel_path(field: str) -> str:
    """A core field (``resources.memory_limit``, ``env['DB']``) as the file writes it."""
    parts = re.split(r"\.|\[(?:'|\")?|(?:'|\")?\]", field)
    return ".".join(_camel(part) if "_" in part and part.islower() else part
                    for part in parts if part)


def _camel_text(text: str, fields: set[str]) -> str:
    """A core message in the file's words: ``allow_root=True`` is ``allowRoot: true``."""
    for name in sorted(fields, key=len, reverse=True):
        text = re.sub(rf"\b{name}\b", _camel(name), text)
    text = re.sub(r"\b([a-z][A-Za-z0-9]*)=(True|False)\b",
                  lambda m: f"{m[1]}: {m[2].lower()}", text)
    return re.sub(r"\b([a-z][A-Za-z0-9]*)=(?=[0-9\"'{\[])", r"\1: ", text)


_KEY_REF = re.compile(r'\b(SecretKeyRef|ConfigMapKeyRef)\("([^"]*)", "([^"]*)"\)')


def _yaml_words(text: str, fields: set[str]) -> str:
    """A core fix as a YAML user writes it: ``port=3306`` is ``port: 3306``,
    ``SecretKeyRef("<secret>", "<key>")`` is ``{secretKeyRef: {name: <secret>, key: <key>}}``
    and ``True or False`` is ``true or false``."""
    text = _KEY_REF.sub(lambda m: f"{{{_camel(m[1][0].lower() + m[1][1:])}: {{name: {m[2]}, "
                        f"key: {m[3]}}}}}", text)
    return _camel_text(text, fields).replace("True or False", "true or false")


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


@contextmanager
def yaml_errors(path: Path, *, kube_version: KubeVersion,
                values: Sequence[Mapping[str, Any]] = ()) -> Iterator[None]:
    """Around the checks that run on a YAML blueprint's rendered objects (unique names, the rule
    registry): place each problem at the component that made the object, with the file and
    line, and redact what the overlays gave to secret-looking keys."""
    from blueprints.errors import ValidationError
    from blueprints.yaml.values import redacting

    with redacting(values):
        try:
            yield
        except ValidationError as error:
            raise _located(path, error, kube_version, values) from None


def _located(path: Path, error: ConfigError, kube_version: KubeVersion,
             values: Sequence[Mapping[str, Any]]) -> ConfigError:
    name = _display(path)
    try:
        charts = render_yaml_blueprint(path, kube_version=kube_version, values=values)
        loaded = load_yaml(read_text(path, name), name)
    except BlueprintError:
        return error
    owners: dict[str, str] = {}
    for _, manifests in charts:
        for manifest in manifests:
            metadata = manifest.get("metadata") or {}
            owner = (metadata.get("labels") or {}).get("app.kubernetes.io/name")
            if isinstance(owner, str):
                owners[f"{manifest.get('kind')}/{metadata.get('name')}"] = owner
    components = loaded.value.get("components") if isinstance(loaded.value, dict) else None
    index = {str(c.get("name")): i for i, c in enumerate(components or [])
             if isinstance(c, dict)}
    problems = []
    for problem in error.problems:
        owner = owners.get(problem.component)
        if owner is None or owner not in index:
            problems.append(problem)
            continue
        where = f"components[{index[owner]}]"
        problems.append(dataclasses.replace(
            problem, component=f"{name}:{loaded.line_of(f'{where}.name')}",
            field=f"{where} {problem.component} {problem.field}"))
    return type(error)(problems)
