"""Release: a cdk8s Chart whose components render in Python (one callback, no per-object Node)."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any, Protocol

import cdk8s
from constructs import Construct

from blueprints.core.labels import LABEL_KEYS
from blueprints.core.release import (
    ReleaseContext,
    assemble_release,
    make_release_context,
    resolve_clients,
)
from blueprints.core.workload import Workload
from blueprints.errors import BlueprintError, ConfigError, Problem
from blueprints.kube import current_kube_version
from blueprints.release.applyset import with_parent
from blueprints.rules import raise_errors

__all__ = ["Part", "Release"]


class Part(Protocol):
    """What a release holds: something whose ``core`` renders, and its escape hatches."""

    @property
    def core(self) -> Any:
        """The pure core: ``render()`` and ``resolve_allow_from()``."""

    @property
    def escaped(self) -> Mapping[tuple[str, str], Any]:
        """Objects handed to cdk8s as real ApiObjects, by kind and name."""

_INSTANCE, _PART_OF = LABEL_KEYS[1], LABEL_KEYS[4]


class Release(cdk8s.Chart):
    """A release: a cdk8s Chart that stamps release-wide labels, annotations and a namespace
    on everything inside it.

    Args:
        scope: The cdk8s ``App``.
        id: The release name: the ``app.kubernetes.io/instance`` label and the output file name.
        version: The release version, written to the ``blueprint.dev/release-version``
            annotation of every object (not of pod templates, so pods do not restart).
            Default: none.
        part_of: The ``app.kubernetes.io/part-of`` label. Default: the release name.
        namespace: The namespace of every namespaced object (BP043). Default: the release name.
        annotations: Annotations on every object (BP005), e.g. owner and source. Default none.
        egress: ``"declared"`` gives every component an egress policy admitting exactly its
            callees and the cluster DNS (a component's own ``egress=`` overrides it);
            ``"open"`` leaves egress alone. Default ``"open"``.
        create_namespace: Emit the Namespace, first in the release file, labelled for Pod
            Security Admission (``enforce``, ``audit``, ``warn``) at ``restricted``, or as low
            as its pods' recorded opt-outs require, with the reason in an annotation. Default
            True, except for ``default`` and ``kube-*``; pass False when the namespace belongs
            to someone else (another release, the platform team).

    Components added to it render in Python; other cdk8s constructs inside it (cdk8s-plus,
    imported CRDs, ``ApiObject``) work as in any Chart and get the release's labels, namespace
    and annotations too.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        version: str | None = None,
        part_of: str | None = None,
        namespace: str | None = None,
        annotations: Mapping[str, str] | None = None,
        egress: str = "open",
        create_namespace: bool | None = None,
    ) -> None:
        self.context: ReleaseContext = make_release_context(
            id, version=version, part_of=part_of, namespace=namespace, annotations=annotations,
            kube_version=current_kube_version(), egress=egress,
            create_namespace=create_namespace)
        super().__init__(
            scope, id, namespace=self.context.namespace, disable_resource_name_hashes=True,
            labels={_INSTANCE: self.context.name, _PART_OF: self.context.part_of})
        self._components: dict[str, Part] = {}
        #: Rendered and checked by ``App.synth`` before Node asks for them (:func:`_checked`).
        self._prepared: list[dict[str, Any]] | None = None

    def manifests(self, *, validate: bool = True) -> list[dict[str, Any]]:
        """Every object of the release, rendered, in apply order: the Namespace first, then
        Helm's install order (components' and other constructs' objects alike).

        Args:
            validate: Check the objects through the rule registry (``blueprint synth`` does it
                once for all releases instead).

        Raises:
            ConfigError: A component's ``allow_from`` names no component of the release, or the
                release creates its Namespace and another construct makes one of that name.
            ValidationError: Objects break practices whose build-time severity is *error*.
        """
        resolve_clients({id: part.core for id, part in self._components.items()
                         if isinstance(part.core, Workload)}, self._app_workloads())
        # One round trip for every object cdk8s itself holds: escape hatches and constructs
        # that are not ours (cdk8s-plus, ApiObject, imported CRDs).
        from_node = {_key(m): dict(m) for m in super().to_json()}
        result: list[dict[str, Any]] = []
        for component in self._components.values():
            core = component.core
            identity = core.identity() if isinstance(core, Workload) else []
            for manifest in [*identity, *core.render()]:
                key = _key(manifest)
                if key in component.escaped and key in from_node:
                    # Only components hand out escape hatches (Component.emit_escaped).
                    escaping: Any = component
                    result.append(escaping.emit_escaped(manifest, from_node.pop(key)))
                else:
                    result.append(manifest)
        annotations = self.context.object_annotations()
        for manifest in from_node.values():
            if annotations:
                metadata = manifest.setdefault("metadata", {})
                metadata["annotations"] = {**annotations, **metadata.get("annotations", {})}
            result.append(manifest)
        # The Namespace and apply order first, then the ApplySet parent, whose group-kinds
        # count every object the release applies (the Namespace included).
        result = with_parent(self.context, assemble_release(self.context, result))
        if validate:
            raise_errors(result, self.context.kube_version, info=False)
        return result

    def _app_workloads(self) -> list[Workload]:
        """Every workload of every Release of the app: calls cross releases (BP042)."""
        releases = [c for c in self.node.root.node.children if isinstance(c, Release)]
        if self not in releases:
            releases.append(self)
        return [part.core for release in releases for part in release._components.values()
                if isinstance(part.core, Workload)]

    def to_json(self) -> list[Any]:
        """cdk8s's hook (``cdk8s synth``, ``Testing.synth``): the rendered manifests."""
        prepared, self._prepared = self._prepared, None
        return prepared if prepared is not None else self.manifests()

    def _add(self, component: Part, id: str) -> None:
        self._components[id] = component

    def _check_new_id(self, id: str) -> None:
        if id in self._components:
            raise ConfigError(Problem(f"{self.context.name}/{id}", "id", id,
                                      "two components of the release share the id",
                                      "give each component its own id", "BP006"))


def _checked(synth: Any) -> Any:
    """cdk8s's ``App.synth``, preceded by blueprint's checks of its Releases, in Python.

    Node calls ``Release.to_json`` back while it synthesizes, and jsii turns an exception
    raised there into a ``RuntimeError`` under a page of its own frames. A blueprint run as
    ``python blueprint.py`` (or by ``cdk8s synth``) gets the :class:`ConfigError` itself
    instead, with the one-line message. ``blueprint synth`` replaces ``App.synth`` anyway.
    """
    @functools.wraps(synth)  # its name, docs and jsii's own attributes (and __wrapped__)
    def checked_synth(self: Any) -> None:
        releases = [chart for chart in self.charts if isinstance(chart, Release)]
        try:
            for release in releases:
                try:
                    release._prepared = release.manifests()
                except BlueprintError as error:
                    raise error.with_traceback(None) from None
            synth(self)
        finally:
            for release in releases:
                release._prepared = None

    return checked_synth


if not hasattr(cdk8s.App.synth, "__wrapped__"):
    cdk8s.App.synth = _checked(cdk8s.App.synth)  # type: ignore[method-assign]


def _key(manifest: Mapping[str, Any]) -> tuple[str, str]:
    metadata = manifest.get("metadata") or {}
    return str(manifest.get("kind")), str(metadata.get("name"))
