"""What the component constructs share: props in, core rendering, validation, emission."""

from __future__ import annotations

import dataclasses
import inspect
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

import cdk8s
from constructs import Construct

from blueprints.cdk._signatures import sign
from blueprints.cdk.release import Release
from blueprints.core.prop_types import build_props, mismatch
from blueprints.core.release import ReleaseContext, make_release_context
from blueprints.core.workload import Workload, WorkloadProps
from blueprints.errors import ConfigError, Problem
from blueprints.kube import current_kube_version

__all__ = ["Component"]


class Component(Construct):
    """Base of the workload constructs. Subclasses name their props and core classes.

    A subclass declares ``__init__(self, scope, id, **props: Unpack[<Name>Kwargs])`` for type
    checkers; its runtime signature and docstring come from ``props_class``
    (:mod:`blueprints.cdk._signatures`).
    """

    props_class: ClassVar[type[WorkloadProps]]
    core_class: ClassVar[type[Workload]]
    #: Props that take constructs as well (turned into core values by :meth:`_convert`).
    construct_props: ClassVar[frozenset[str]] = frozenset({"allow_from"})
    #: Parameters before the props, with their documentation (e.g. ``stateful``).
    leading_params: ClassVar[tuple[tuple[inspect.Parameter, str], ...]] = ()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "__init__" in cls.__dict__:
            sign(cls, cls.props_class, construct_props=cls.construct_props,
                 leading=cls.leading_params)

    def __repr__(self) -> str:
        """``WebApp('shop/api')``: how a message shows a component given where it does not
        belong (``calls=api`` instead of ``calls=[api]``)."""
        core = getattr(self, "core", None)
        return f"{type(self).__name__}({getattr(core, 'path', '?')!r})"

    def __init__(self, scope: Construct, id: str, **props: Any) -> None:
        release = scope if isinstance(scope, Release) else None
        context = release.context if release is not None else _context_of(scope)
        path = f"{context.name}/{id}"
        self.core: Workload = self._make_core(id, self._props(context, path, props), context)
        if release is not None:
            release._check_new_id(id)
        super().__init__(scope, id)
        self.escaped: dict[tuple[str, str], cdk8s.ApiObject] = {}
        if release is not None:
            release._add(self, id)
        else:
            # Outside a Release nothing else is known: resolve this component's own calls.
            from blueprints.core.connections import resolve_connections

            resolve_connections([self.core])
            for manifest in [*self.core.identity(), *self.core.render()]:
                _api_object(self, manifest)

    def _make_core(self, id: str, props: WorkloadProps, context: ReleaseContext) -> Workload:
        return self.core_class(id, props, context)

    @property
    def namespace(self) -> str:
        """The namespace of the component's objects."""
        return self.core.namespace

    @property
    def labels(self) -> dict[str, str]:
        """The component's labels (a copy)."""
        return dict(self.core.labels)

    @property
    def selector(self) -> dict[str, str]:
        """The stable selector labels of the component's pods (a copy)."""
        return dict(self.core.selector)

    def api_object(self, kind: str, name: str | None = None) -> cdk8s.ApiObject:
        """Escape hatch: the component's ``kind`` object as a real cdk8s ``ApiObject``.

        Patch it with ``add_json_patch``: the release records the patches and applies them to
        the object as it is finally rendered, when the whole app is known, so components
        declared later (callers, ``allow_from``) still count. Changing the object by other
        means (``metadata.add_label``, ...) fails the synth with one line. Each operation is
        checked first, and again on the final object (:mod:`blueprints.core.patches`): a path
        or field that does not exist, or an index out of range, is a ``ConfigError``.

        Raises:
            ConfigError: The component renders no such object.
        """
        name = name or self.node.id
        for manifest in self.core.render():
            key = (manifest["kind"], manifest["metadata"]["name"])
            if key == (kind, name):
                if not isinstance(self.node.scope, Release):
                    found = self.node.try_find_child(f"{kind}-{name}")
                    if isinstance(found, cdk8s.ApiObject):
                        return found
                if key not in self.escaped:
                    self.escaped[key] = _api_object(self, manifest, escaped=True,
                                                    component=self.core.path)
                return self.escaped[key]
        kinds = sorted({f"{m['kind']}/{m['metadata']['name']}" for m in self.core.render()})
        raise ConfigError(Problem(self.core.path, "api_object", f"{kind}/{name}",
                                  "the component renders no such object",
                                  f"use one of {', '.join(kinds)}"))

    def emit_escaped(self, manifest: dict[str, Any], from_node: Mapping[str, Any]) -> Any:
        """The final ``manifest`` with the user's recorded JSON patches applied.

        Raises:
            ConfigError: The object was changed other than by ``add_json_patch``, or a patch
                no longer applies.
        """
        obj = self.escaped[(manifest["kind"], manifest["metadata"]["name"])]
        assert isinstance(obj, EscapedObject)
        path, where = self.core.path, f"{manifest['kind']}/{manifest['metadata']['name']}"
        try:
            expected = cdk8s.JsonPatch.apply(obj.baseline, *obj.patches)
            if expected != from_node:
                raise ConfigError(Problem(
                    path, "api_object", where, "changed by something other than add_json_patch,"
                    " which blueprint cannot replay on the final object",
                    "change it with add_json_patch only"))
            from blueprints.cdk._patching import PatchGuard  # only for the escape hatch

            PatchGuard(path, manifest).check(obj.patches)
            return cdk8s.JsonPatch.apply(manifest, *obj.patches)
        except ConfigError:
            raise
        except Exception as error:  # a jsii error from a patch that does not apply
            raise ConfigError(Problem(path, "api_object", where,
                                      f"a JSON patch does not apply to the final object: "
                                      f"{str(error).splitlines()[0]}",
                                      "patch a path that exists, or use add/replace")) from None

    def _props(self, context: ReleaseContext, path: str, props: dict[str, Any]) -> WorkloadProps:
        if "expose" in props and not hasattr(self.core_class, "service_name"):
            raise ConfigError(Problem(path, "expose", props["expose"],
                                      f"a {type(self).__name__} has no Service to expose",
                                      "expose a WebApp or StatefulWebApp", "BP042"))
        props = self._convert(context, path, dict(props))
        if "calls" in props:
            props["calls"] = _core_calls(props["calls"])
        if "allow_from" in props:
            props["allow_from"] = [
                entry.core.client_ref() if isinstance(entry, Component) else entry
                for entry in _sequence(props["allow_from"], path, "allow_from")
            ]
        return build_props(self.props_class, props, component=path, owner=type(self).__name__,
                           hints={"image": 'pass image="registry/repository:tag"'})

    def _convert(
        self, context: ReleaseContext, path: str, props: dict[str, Any]
    ) -> dict[str, Any]:
        """Turn construct references in ``props`` into core values (subclasses extend)."""
        return props


def _core_calls(calls: object) -> object:
    """``calls`` with constructs replaced by their pure cores (no jsii object in props)."""
    from blueprints.core.connections import Call

    def core(entry: object) -> object:
        if isinstance(entry, Call) and isinstance(entry.target, Component):
            return dataclasses.replace(entry, target=entry.target.core)
        return entry.core if isinstance(entry, Component) else entry

    if isinstance(calls, Mapping):
        return {key: core(value) for key, value in calls.items()}
    if isinstance(calls, list | tuple):
        return [core(entry) for entry in calls]
    return calls


def _sequence(value: object, path: str, field: str) -> list[Any]:
    wrong = mismatch(value, Sequence[Any], field)
    if wrong is not None or not isinstance(value, list | tuple):
        raise ConfigError(Problem(path, field, value, *(wrong or ("must be a list", "[...]"))))
    return list(value)


def _context_of(scope: Construct) -> ReleaseContext:
    chart = cdk8s.Chart.of(scope)
    name = chart.node.id
    return make_release_context(name, version=None, part_of=None,
                                namespace=chart.namespace or name, annotations=None,
                                kube_version=current_kube_version())


class EscapedObject(cdk8s.ApiObject):
    """An ``ApiObject`` handed out by ``api_object()``: it records the user's JSON patches so
    that the release can replay them on the object as finally rendered."""

    def __init__(self, scope: Construct, id: str, manifest: Mapping[str, Any],
                 component: str) -> None:
        self.patches: list[cdk8s.JsonPatch] = []
        self._recording = False
        metadata = manifest["metadata"]
        super().__init__(scope, id, api_version=manifest["apiVersion"], kind=manifest["kind"],
                         metadata=jsii_metadata(metadata))
        body = _body_patches(manifest)
        if body:
            super().add_json_patch(*body)
        self.baseline: Any = self.to_json()
        from blueprints.cdk._patching import PatchGuard  # only for the escape hatch

        self.guard = PatchGuard(component, manifest)
        self._recording = True

    def add_json_patch(self, *ops: cdk8s.JsonPatch) -> None:
        """Check the patches against the object, record them, then apply them as cdk8s does.

        Raises:
            ConfigError: A path or field does not exist, or an index is out of range.
        """
        if getattr(self, "_recording", False):
            self.guard.check(ops)
            self.patches.extend(ops)
        super().add_json_patch(*ops)


def _body_patches(manifest: Mapping[str, Any]) -> list[cdk8s.JsonPatch]:
    return [cdk8s.JsonPatch.add(f"/{key}", value) for key, value in manifest.items()
            if key not in ("apiVersion", "kind", "metadata")]


def _api_object(scope: Construct, manifest: Mapping[str, Any], *,
                escaped: bool = False, component: str = "") -> cdk8s.ApiObject:
    metadata = manifest["metadata"]
    id = f"{manifest['kind']}-{metadata['name']}"
    if escaped:
        return EscapedObject(scope, id, manifest, component)
    obj = cdk8s.ApiObject(scope, id, api_version=manifest["apiVersion"], kind=manifest["kind"],
                          metadata=jsii_metadata(metadata))
    patches = _body_patches(manifest)
    if patches:
        obj.add_json_patch(*patches)
    return obj


def jsii_metadata(metadata: Mapping[str, Any]) -> cdk8s.ApiObjectMetadata:
    """Our metadata as cdk8s's struct (name, namespace, labels, annotations)."""
    return cdk8s.ApiObjectMetadata(
        name=metadata.get("name"), namespace=metadata.get("namespace"),
        labels=metadata.get("labels"), annotations=metadata.get("annotations"))

