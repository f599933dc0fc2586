"""What the component constructs share: props in, core rendering, validation, emission."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any, ClassVar

import cdk8s
from constructs import Construct

from blueprints.cdk.release import Release
from blueprints.core.release import ReleaseContext, make_release_context
from blueprints.core.workload import Workload, WorkloadProps
from blueprints.errors import ConfigError, Problem
from blueprints.kube import current_kube_version

__all__ = ["Component"]


class Component(Construct):
    """Base of the workload constructs. Subclasses name their props and core classes."""

    props_class: ClassVar[type[WorkloadProps]]
    core_class: ClassVar[type[Workload]]

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

        Patch it with ``add_json_patch``; the release then emits the patched object in its
        place. It holds the object as rendered now, so take it after declaring dependents.

        Raises:
            ConfigError: The component renders no such object.
        """
        name = name or self.node.id
        for manifest in self.core.render():
            key = (manifest["kind"], manifest["metadata"]["name"])
            if key == (kind, name):
                if key not in self.escaped:
                    self.escaped[key] = _api_object(self, manifest)
                return self.escaped[key]
        kinds = sorted({f"{m['kind']}/{m['metadata']['name']}" for m in self.core.render()})
        raise ConfigError(Problem(self.core.path, "api_object", f"{kind}/{name}",
                                  "the component renders no such object",
                                  f"use one of {', '.join(kinds)}"))

    def _props(self, context: ReleaseContext, path: str, props: dict[str, Any]) -> WorkloadProps:
        fields = {f.name for f in dataclasses.fields(self.props_class)}
        unknown = sorted(set(props) - fields)
        if unknown:
            raise ConfigError(Problem(path, unknown[0], props[unknown[0]],
                                      f"{type(self).__name__} has no such prop",
                                      f"use one of: {', '.join(sorted(fields))}"))
        if "image" not in props:
            raise ConfigError(Problem(path, "image", None, "required",
                                      'pass image="registry/repository:tag"', "BP001"))
        props = self._convert(context, path, dict(props))
        if "allow_from" in props:
            props["allow_from"] = [
                entry.core.client_ref() if isinstance(entry, Component) else entry
                for entry in _sequence(props["allow_from"], path, "allow_from")
            ]
        try:
            return self.props_class(**props)
        except TypeError as error:  # a prop of the wrong shape that dataclasses refused
            raise ConfigError(Problem(path, "props", props, str(error),
                                      "check the prop types")) from error

    def _convert(
        self, context: ReleaseContext, path: str, props: dict[str, Any]
    ) -> dict[str, Any]:
        """Turn construct references in ``props`` into core values (subclasses extend)."""
        return props


def _sequence(value: object, path: str, field: str) -> list[Any]:
    if isinstance(value, str) or not isinstance(value, list | tuple):
        raise ConfigError(Problem(path, field, value, "must be a list",
                                  f"pass {field}=[...]"))
    return list(value)


def _context_of(scope: Construct) -> ReleaseContext:
    chart = cdk8s.Chart.of(scope)
    name = chart.node.id
    return make_release_context(name, version=None, part_of=None,
                                namespace=chart.namespace or name, annotations=None,
                                kube_version=current_kube_version())


def _api_object(scope: Construct, manifest: Mapping[str, Any]) -> cdk8s.ApiObject:
    metadata = manifest["metadata"]
    obj = cdk8s.ApiObject(scope, f"{manifest['kind']}-{metadata['name']}",
                          api_version=manifest["apiVersion"], kind=manifest["kind"],
                          metadata=jsii_metadata(metadata))
    patches = [cdk8s.JsonPatch.add(f"/{key}", value) for key, value in manifest.items()
               if key not in ("apiVersion", "kind", "metadata")]
    if patches:
        obj.add_json_patch(*patches)
    return obj


def jsii_metadata(metadata: Mapping[str, Any]) -> cdk8s.ApiObjectMetadata:
    """Our metadata as cdk8s's struct (name, namespace, labels, annotations)."""
    return cdk8s.ApiObjectMetadata(
        name=metadata.get("name"), namespace=metadata.get("namespace"),
        labels=metadata.get("labels"), annotations=metadata.get("annotations"))

