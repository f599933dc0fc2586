"""Volumes: BP012 (the right volume for the data), BP013 (hostPath), BP014 (gitRepo)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from blueprints.core.volumes import mount_point
from blueprints.practices import Severity
from blueprints.rules._objects import containers, pod_spec
from blueprints.rules._registry import Context, Violation, object_rule

__all__ = [
    "git_repo_is_gone",
    "host_path_for_node_agents_only",
    "host_path_is_scoped",
    "mount_paths_are_unique",
    "node_agent",
    "node_system_path",
]

# Roots whose hostPath mount hands the node to the pod.
_DANGEROUS_ROOTS = frozenset({
    "/", "/etc", "/var", "/var/run", "/run", "/var/lib", "/var/lib/kubelet", "/proc", "/sys",
    "/root", "/home", "/var/run/docker.sock", "/run/containerd/containerd.sock",
    "/var/run/crio/crio.sock", "/run/containerd",
})


def _volumes(manifest: Mapping[str, Any]) -> Iterator[tuple[str, int, Mapping[str, Any]]]:
    found = pod_spec(manifest)
    if found is None:
        return
    prefix, spec = found
    for i, volume in enumerate(spec.get("volumes") or ()):
        if isinstance(volume, dict):
            yield prefix, i, volume


# Where node agents read the node itself, not app data (BP012 is about data): the kernel's
# views, devices, modules, the node's logs and container runtime, its sockets and config. An
# agent's fragments: kubernetes/website content/en/examples/controllers/daemonset.yaml (fluentd:
# /var/log, /var/lib/docker/containers), prometheus-operator/kube-prometheus
# manifests/nodeExporter-daemonset.yaml (node-exporter: /sys, /).
_NODE_SYSTEM_PATHS = (
    "/proc", "/sys", "/dev", "/boot", "/etc", "/usr", "/lib", "/lib64", "/bin", "/sbin",
    "/var/log", "/var/lib/docker", "/var/lib/containerd", "/var/lib/kubelet", "/var/lib/cni",
    "/opt/cni", "/run", "/var/run",
)


def node_system_path(path: str) -> bool:
    """Whether ``path`` is the node's own (its root, kernel, devices, logs, runtime), not data."""
    path = path.rstrip("/") or "/"
    return path == "/" or any(path == p or path.startswith(p + "/") for p in _NODE_SYSTEM_PATHS)


def node_agent(manifest: Mapping[str, Any], spec: Mapping[str, Any]) -> bool:
    """Whether the pods are a node agent's: a DaemonSet, or pods that must run on every node
    whatever its taints (a toleration of every taint, or the system-node-critical priority),
    as static pods such as kube-proxy's are (kubernetes/kubernetes
    cluster/gce/manifests/kube-proxy.manifest)."""
    if manifest.get("kind") == "DaemonSet" or spec.get("priorityClassName") == (
        "system-node-critical"
    ):
        return True
    tolerations = spec.get("tolerations")
    return isinstance(tolerations, list) and any(
        isinstance(t, dict) and t.get("operator") == "Exists" and not t.get("key")
        for t in tolerations)


@object_rule("BP012", pods_only=True)
def host_path_for_node_agents_only(
    manifest: Mapping[str, Any], context: Context
) -> Iterator[Violation]:
    """hostPath for app data outside a node agent keeps it on one node (use a claim). A node's
    system paths (``/proc``, ``/var/log``, the runtime socket...) are node access, not data:
    BP013 and BP041 judge those."""
    found = pod_spec(manifest)
    if found is None or node_agent(manifest, found[1]):
        return
    for prefix, i, volume in _volumes(manifest):
        host_path = volume.get("hostPath")
        if isinstance(host_path, dict) and not node_system_path(str(host_path.get("path", ""))):
            yield Violation(f"{prefix}.volumes[{i}].hostPath", host_path.get("path"),
                            "app data on a node's disk is lost when the pod moves, and hostPath "
                            "is forbidden by the Baseline Pod Security level",
                            "use a PersistentVolumeClaim (volumeClaimTemplates in a StatefulSet)")


@object_rule("BP012", pods_only=True)
def mount_paths_are_unique(manifest: Mapping[str, Any], context: Context) -> Iterator[Violation]:
    """Two volumes mounted at one path of a container: the API server refuses equal
    ``mountPath`` values ("must be unique", ``ValidateVolumeMounts`` in kubernetes/kubernetes
    pkg/apis/core/validation/validation.go), an error; paths equal once normalised (``/tmp``
    and ``/tmp/``) pass it, but one volume hides the other, a warning."""
    for path, container, _ in containers(manifest):
        mounts = container.get("volumeMounts")
        if not isinstance(mounts, list) or len(mounts) < 2:
            continue
        exact: dict[str, int] = {}
        normalised: dict[str, int] = {}
        for j, mount in enumerate(mounts):
            target = mount.get("mountPath") if isinstance(mount, dict) else None
            if not isinstance(target, str) or not target:
                continue
            key = mount_point(target)
            if target in exact:
                yield Violation(f"{path}.volumeMounts[{j}].mountPath", target,
                                f"two volumes mounted at one path, like volumeMounts["
                                f"{exact[target]}]: the API server refuses a pod whose "
                                "mountPaths repeat",
                                "mount each volume at its own path", Severity.ERROR)
            elif key in normalised:
                yield Violation(f"{path}.volumeMounts[{j}].mountPath", target,
                                f"two volumes mounted at one path, like volumeMounts["
                                f"{normalised[key]}] once normalised: the later mount hides "
                                "the earlier",
                                "mount each volume at its own path", Severity.WARNING)
            exact.setdefault(target, j)
            normalised.setdefault(key, j)


@object_rule("BP013", pods_only=True)
def host_path_is_scoped(manifest: Mapping[str, Any], context: Context) -> Iterator[Violation]:
    """hostPath volumes are typed, not node roots, and mounted read-only everywhere."""
    host_paths: dict[str, str] = {}
    for prefix, i, volume in _volumes(manifest):
        host_path = volume.get("hostPath")
        if not isinstance(host_path, dict):
            continue
        path = str(host_path.get("path", "")).rstrip("/") or "/"
        host_paths[str(volume.get("name"))] = path
        where = f"{prefix}.volumes[{i}].hostPath"
        if not host_path.get("type"):
            yield Violation(f"{where}.type", None, "no type: anything at that path is mounted",
                            "set type: File, Directory, Socket, ...")
        if path in _DANGEROUS_ROOTS:
            yield Violation(f"{where}.path", path, "mounts a node root or runtime socket",
                            "scope it to the exact file or directory needed")
    if not host_paths:
        return
    for path, container, _ in containers(manifest):
        for j, mount in enumerate(container.get("volumeMounts") or ()):
            if isinstance(mount, dict) and str(mount.get("name")) in host_paths and (
                mount.get("readOnly") is not True
            ):
                yield Violation(f"{path}.volumeMounts[{j}].readOnly", mount.get("readOnly"),
                                f"hostPath {host_paths[str(mount.get('name'))]} mounted writable",
                                "mount it with readOnly: true")


@object_rule("BP014", pods_only=True)
def git_repo_is_gone(manifest: Mapping[str, Any], context: Context) -> Iterator[Violation]:
    """The gitRepo volume is disabled from 1.33 and impossible to enable from 1.36."""
    for prefix, i, volume in _volumes(manifest):
        if "gitRepo" in volume:
            repo = volume["gitRepo"].get("repository") if isinstance(volume["gitRepo"], dict) \
                else None
            yield Violation(f"{prefix}.volumes[{i}].gitRepo", repo,
                            "the gitRepo volume is gone (KEP-5040)",
                            "clone with an init container into an emptyDir")
