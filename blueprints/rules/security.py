"""BP040 resources, BP041 Pod Security Standards and API tokens (BP042 lives in ``network``)."""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping, Sequence
from decimal import Decimal
from typing import Any

from blueprints.core.quantity import memory_too_small, parse_quantity
from blueprints.practices import Severity
from blueprints.rules._objects import (
    POD_SPEC_PATHS,
    containers,
    name_of,
    namespace_of,
    of_kinds,
    pod_spec,
)
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
    if context.mode == "lint" and spec.get("hostNetwork") is True:
        yield from _defaulted_host_ports(manifest)
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


def _defaulted_host_ports(manifest: Mapping[str, Any]) -> Iterator[Violation]:
    """With ``hostNetwork: true`` the API server sets each unset ``hostPort`` to the
    ``containerPort`` (``kubernetes/kubernetes``, ``pkg/apis/core/v1/defaults.go``,
    ``SetDefaults_Pod`` calls ``defaultHostNetworkPorts``; since 1.28 for Pods only, so the Pods
    a workload creates), and Pod Security admission then refuses those Pods for Host Ports too
    (``check_hostPorts.go``). The evaluator reports the hostNetwork alone, whose removal settles
    both (synth says it once); lint also names each port the default fills."""
    for path, container, key in containers(manifest):
        ports = container.get("ports")
        for j, port in enumerate(ports if isinstance(ports, list) else ()):
            number = port.get("containerPort") if isinstance(port, dict) else None
            if port.get("hostPort") is None and type(number) is int and number != 0 and (
                    key != "ephemeralContainers"):
                yield Violation(f"{path}.ports[{j}].hostPort", None,
                                f"baseline Pod Security, Host Ports: with hostNetwork the API "
                                f"server sets hostPort to the containerPort ({number}), a port "
                                "on the node", "remove hostNetwork; a node agent that needs it "
                                "runs in a namespace labelled pod-security.kubernetes.io/enforce: "
                                "privileged", Severity.ERROR)


@set_rule("BP041")
def service_account_token_needed(
    manifests: Sequence[Mapping[str, Any]], context: Context
) -> Iterator[tuple[int, Violation]]:
    """Pods get no API token unless RBAC in the same input grants their ServiceAccount something.

    A RoleBinding's ServiceAccount subject without a namespace is in the binding's namespace
    (``kubernetes/kubernetes``, ``pkg/apis/rbac/validation/validation.go``); the groups
    ``system:serviceaccounts`` and ``system:serviceaccounts:<namespace>`` bind every account
    (of the namespace). A ServiceAccount with ``automountServiceAccountToken: false`` mounts no
    token into pods that leave the field unset. Manifests without a namespace are applied with
    ``kubectl -n``, so where either side has none, a subject matches by name in any namespace
    (Argo Rollouts: a namespace-less Deployment, a ClusterRoleBinding naming namespace
    ``argo-rollouts``).
    """
    bound: set[tuple[str | None, str]] = set()
    bound_names: set[str] = set()
    bound_namespaces: set[str] = set()
    no_automount: set[tuple[str | None, str]] = set()
    no_automount_names: set[str] = set()
    pods = of_kinds(manifests, POD_SPEC_PATHS)  # the kind index: no walk over every object
    for index in of_kinds(manifests, ("RoleBinding", "ClusterRoleBinding", "ServiceAccount")):
        m = manifests[index]
        kind = m.get("kind")
        if kind in ("RoleBinding", "ClusterRoleBinding"):
            namespace = namespace_of(m) if kind == "RoleBinding" else None
            subjects = m.get("subjects")
            for subject in subjects if isinstance(subjects, list) else ():
                if not isinstance(subject, dict) or not isinstance(subject.get("name"), str):
                    continue  # lint reports the type at its line
                name = subject["name"]
                if subject.get("kind") == "ServiceAccount":
                    ns = subject.get("namespace")
                    bound.add((ns if isinstance(ns, str) and ns else namespace, name))
                    bound_names.add(name)
                elif subject.get("kind") == "Group" and (
                    name == "system:serviceaccounts"
                    or name.startswith("system:serviceaccounts:")
                ):
                    bound_namespaces.add(name.partition("system:serviceaccounts:")[2] or "*")
        elif (kind == "ServiceAccount" and m.get("automountServiceAccountToken") is False
              and (name := name_of(m)) is not None):
            no_automount.add((namespace_of(m), name))
            no_automount_names.add(name)
    for index in pods:
        manifest = manifests[index]
        found = pod_spec(manifest)
        if found is None:
            continue
        prefix, spec = found
        automount = spec.get("automountServiceAccountToken")
        if automount is False:
            continue
        namespace = namespace_of(manifest)
        account = spec.get("serviceAccountName") or spec.get("serviceAccount") or "default"
        if not isinstance(account, str):
            continue  # lint reports the type at its line
        if _holds(bound, bound_names, namespace, account) or (
            bound_namespaces and (namespace is None or bound_namespaces & {"*", namespace})
        ):
            continue
        if automount is None and _holds(no_automount, no_automount_names, namespace, account):
            continue
        yield index, Violation(f"{prefix}.automountServiceAccountToken", automount,
                               "the pod gets an API token it probably does not need: no "
                               f"RoleBinding or ClusterRoleBinding here grants ServiceAccount "
                               f"{account} anything",
                               "set automountServiceAccountToken: false")


def _holds(pairs: set[tuple[str | None, str]], names: set[str], namespace: str | None,
           name: str) -> bool:
    """Whether ``(namespace, name)`` is among ``pairs``; a namespace-less side (applied with
    ``kubectl -n``) matches the name in any namespace."""
    if namespace is None:
        return name in names
    return (namespace, name) in pairs or (None, name) in pairs
