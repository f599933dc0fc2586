"""BP040 resources, BP041 restricted pod security (BP042 lives in ``network``)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from blueprints.core.quantity import parse_quantity
from blueprints.rules._objects import containers, pod_spec
from blueprints.rules._registry import Context, Violation, object_rule

__all__ = ["resources_are_set", "restricted_security"]


@object_rule("BP040", pods_only=True)
def resources_are_set(manifest: Mapping[str, Any], context: Context) -> Iterator[Violation]:
    """CPU and memory requests and a memory limit on every container; quantities well formed."""
    for path, container, key in containers(manifest):
        if key == "ephemeralContainers":
            continue
        resources = container.get("resources")
        resources = resources if isinstance(resources, dict) else {}
        for section, resource in (("requests", "cpu"), ("requests", "memory"),
                                  ("limits", "memory")):
            values = resources.get(section)
            value = values.get(resource) if isinstance(values, dict) else None
            field = f"{path}.resources.{section}.{resource}"
            if value is None:
                yield Violation(field, None, f"no {resource} {section[:-1]}",
                                f"set resources.{section}.{resource}")
            elif (amount := parse_quantity(value)) is None or amount < 0:
                yield Violation(field, value, "not a non-negative Kubernetes quantity",
                                'write it like "100m" or "128Mi"')


@object_rule("BP041", pods_only=True)
def restricted_security(manifest: Mapping[str, Any], context: Context) -> Iterator[Violation]:
    """The restricted Pod Security settings, each reported where it is missing."""
    found = pod_spec(manifest)
    if found is None:
        return
    prefix, spec = found
    pod_sc = spec.get("securityContext")
    pod_sc = pod_sc if isinstance(pod_sc, dict) else {}
    if spec.get("automountServiceAccountToken") is not False:
        yield Violation(f"{prefix}.automountServiceAccountToken",
                        spec.get("automountServiceAccountToken"),
                        "the pod gets an API token it probably does not need",
                        "set automountServiceAccountToken: false")
    for path, container, key in containers(manifest):
        if key == "ephemeralContainers":
            continue
        sc = container.get("securityContext")
        sc = sc if isinstance(sc, dict) else {}
        run_as_non_root = sc.get("runAsNonRoot", pod_sc.get("runAsNonRoot"))
        user = sc.get("runAsUser", pod_sc.get("runAsUser"))
        if run_as_non_root is not True or user == 0:
            yield Violation(f"{path}.securityContext.runAsNonRoot", run_as_non_root,
                            "may run as root", "set runAsNonRoot: true and a non-zero runAsUser")
        if sc.get("allowPrivilegeEscalation") is not False:
            yield Violation(f"{path}.securityContext.allowPrivilegeEscalation",
                            sc.get("allowPrivilegeEscalation"), "privilege escalation allowed",
                            "set allowPrivilegeEscalation: false")
        caps = sc.get("capabilities")
        drop = caps.get("drop") if isinstance(caps, dict) else None
        if not isinstance(drop, list) or "ALL" not in drop:
            yield Violation(f"{path}.securityContext.capabilities.drop", drop,
                            "capabilities not dropped", "drop ALL capabilities")
        seccomp = sc.get("seccompProfile", pod_sc.get("seccompProfile"))
        seccomp_type = seccomp.get("type") if isinstance(seccomp, dict) else None
        if seccomp_type not in ("RuntimeDefault", "Localhost"):
            yield Violation(f"{path}.securityContext.seccompProfile.type", seccomp_type,
                            "no seccomp profile", "set seccompProfile.type: RuntimeDefault")
        if sc.get("readOnlyRootFilesystem") is not True:
            yield Violation(f"{path}.securityContext.readOnlyRootFilesystem",
                            sc.get("readOnlyRootFilesystem"), "writable root filesystem",
                            "set readOnlyRootFilesystem: true; mount emptyDirs where it writes")
