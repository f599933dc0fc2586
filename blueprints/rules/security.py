"""BP040 resources, BP041 Pod Security Standards and API tokens (BP042 lives in ``network``)."""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping, Sequence
from decimal import Decimal
from typing import Any

from blueprints.core.quantity import memory_too_small, parse_quantity
from blueprints.practices import Severity
from blueprints.rules._objects import POD_SPEC_PATHS, containers, pod_spec
from blueprints.rules._registry import Context, Violation, object_rule, set_rule
from blueprints.rules.pod_security import BASELINE, evaluate

__all__ = [
    "pod_security_standards",
    "resources_are_set",
    "service_account_token_needed",
]


@object_rule("BP040", pods_only=True)
def resources_are_set(manifest: Mapping[str, Any], context: Context) -> Iterator[Violation]:
    """CPU and memory requests and a memory limit on every container; quantities well formed.

    A request left out where the limit is set is no finding: the API server copies the limit
    into the request of containers and init containers (``kubernetes/kubernetes``,
    ``pkg/apis/core/v1/defaults.go``, ``SetDefaults_Pod``). A quantity may be a YAML
    number (``cpu: 0.15``, ``memory: 128974848``), as the API reads it.
    """
    for path, container, key in containers(manifest):
        if key == "ephemeralContainers":
            continue
        resources = container.get("resources")
        resources = resources if isinstance(resources, dict) else {}
        limits = resources.get("limits")
        limits = limits if isinstance(limits, dict) else {}
        for section, resource in (("requests", "cpu"), ("requests", "memory"),
                                  ("limits", "memory")):
            values = resources.get(section)
            value = values.get(resource) if isinstance(values, dict) else None
            field = f"{path}.resources.{section}.{resource}"
            if value is None:
                if section == "requests" and limits.get(resource) is not None:
                    continue  # defaulted to the limit
                yield Violation(field, None, f"no {resource} {section[:-1]}",
                                f"set resources.{section}.{resource}")
            elif (amount := _quantity(value)) is None or amount < 0:
                yield Violation(field, value, "not a non-negative Kubernetes quantity",
                                'write it like "100m" or "128Mi"')
            elif resource == "memory" and (small := memory_too_small(value, amount)):
                yield Violation(field, value, small[0], f'{small[1]}, e.g. "{small[2]}"')


def _quantity(value: object) -> Decimal | None:
    """A quantity as the API reads it: a string, or a YAML integer or float."""
    if isinstance(value, float):
        return parse_quantity(repr(value)) if math.isfinite(value) else None
    return parse_quantity(value)


@object_rule("BP041", pods_only=True)
def pod_security_standards(manifest: Mapping[str, Any], context: Context) -> Iterator[Violation]:
    """Each Pod Security Standards control the pod breaks on the target version: an error for
    ``baseline``, a warning for ``restricted`` (:mod:`blueprints.rules.pod_security`); and a
    read-only root filesystem, which no level requires but BP041 does."""
    found = pod_spec(manifest)
    if found is None:
        return
    prefix, spec = found
    # The pod's metadata sits beside its spec: spec.template.metadata, or a Pod's own metadata.
    meta_prefix = prefix[: -len("spec")] + "metadata"
    metadata: object = manifest
    for key in meta_prefix.split("."):
        metadata = metadata.get(key) if isinstance(metadata, dict) else None
    for v in evaluate(spec, metadata if isinstance(metadata, dict) else {}, context.kube_version):
        where, _, rest = v.field.partition(".")
        field = f"{prefix if where == 'spec' else meta_prefix}.{rest}"
        yield Violation(field, v.value, f"{v.level} Pod Security, {v.control}: {v.message}", v.fix,
                        Severity.ERROR if v.level == BASELINE else None)
    os_ = spec.get("os")
    if isinstance(os_, dict) and os_.get("name") == "windows":
        return  # readOnlyRootFilesystem "cannot be set when spec.os.name is windows" (the API)
    for path, container, key in containers(manifest):
        if key == "ephemeralContainers":
            continue
        sc = container.get("securityContext")
        sc = sc if isinstance(sc, dict) else {}
        if sc.get("readOnlyRootFilesystem") is not True:
            yield Violation(f"{path}.securityContext.readOnlyRootFilesystem",
                            sc.get("readOnlyRootFilesystem"), "writable root filesystem",
                            "set readOnlyRootFilesystem: true; mount emptyDirs where it writes")


@set_rule("BP041")
def service_account_token_needed(
    manifests: Sequence[Mapping[str, Any]], context: Context
) -> Iterator[tuple[int, Violation]]:
    """Pods get no API token unless RBAC in the same input grants their ServiceAccount something.

    A RoleBinding's ServiceAccount subject without a namespace is in the binding's namespace
    (``kubernetes/kubernetes``, ``pkg/apis/rbac/validation/validation.go``); the groups
    ``system:serviceaccounts`` and ``system:serviceaccounts:<namespace>`` bind every account
    (of the namespace). A ServiceAccount with ``automountServiceAccountToken: false`` mounts no
    token into pods that leave the field unset.
    """
    bound: set[tuple[object, object]] = set()
    bound_namespaces: set[object] = set()
    no_automount: set[tuple[object, object]] = set()
    pods: list[int] = []
    for index, m in enumerate(manifests):
        kind = m.get("kind")
        if kind in POD_SPEC_PATHS:
            pods.append(index)
        elif kind in ("RoleBinding", "ClusterRoleBinding"):
            namespace = _namespace(m) if kind == "RoleBinding" else None
            for subject in m.get("subjects") or ():
                if not isinstance(subject, dict):
                    continue
                name = subject.get("name")
                if subject.get("kind") == "ServiceAccount":
                    bound.add((subject.get("namespace") or namespace, name))
                elif subject.get("kind") == "Group" and isinstance(name, str) and (
                    name == "system:serviceaccounts"
                    or name.startswith("system:serviceaccounts:")
                ):
                    bound_namespaces.add(name.partition("system:serviceaccounts:")[2] or "*")
        elif kind == "ServiceAccount" and m.get("automountServiceAccountToken") is False:
            no_automount.add((_namespace(m), _name(m)))
    for index in pods:
        manifest = manifests[index]
        found = pod_spec(manifest)
        if found is None:
            continue
        prefix, spec = found
        automount = spec.get("automountServiceAccountToken")
        if automount is False:
            continue
        namespace = _namespace(manifest)
        account = spec.get("serviceAccountName") or spec.get("serviceAccount") or "default"
        if (namespace, account) in bound or bound_namespaces & {"*", namespace}:
            continue
        if automount is None and (namespace, account) in no_automount:
            continue
        yield index, Violation(f"{prefix}.automountServiceAccountToken", automount,
                               "the pod gets an API token it probably does not need: no "
                               f"RoleBinding or ClusterRoleBinding here grants ServiceAccount "
                               f"{account} anything",
                               "set automountServiceAccountToken: false")


def _namespace(manifest: Mapping[str, Any]) -> object:
    metadata = manifest.get("metadata")
    return metadata.get("namespace") if isinstance(metadata, dict) else None


def _name(manifest: Mapping[str, Any]) -> object:
    metadata = manifest.get("metadata")
    return metadata.get("name") if isinstance(metadata, dict) else None
