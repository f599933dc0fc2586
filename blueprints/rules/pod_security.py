"""The Pod Security Standards (``baseline`` and ``restricted``), evaluated as upstream does.

A pure evaluator over one pod spec and its metadata, for a target Kubernetes version. It follows
the Pod Security admission controller control by control, version by version
(``kubernetes/pod-security-admission``, ``policy/check_*.go``), and the page that defines the
standards (``kubernetes/website``, ``content/en/docs/concepts/security/pod-security-standards.md``):

- each violation names its control and the lowest level that forbids it; a pod meets
  ``restricted`` when it has no violation, ``baseline`` when it has no ``baseline`` violation;
- where a ``restricted`` control replaces a ``baseline`` one (capabilities, volume types,
  seccomp, ``/proc`` mount), the ``restricted`` violation reports only what ``baseline`` allows,
  so that nothing is said twice;
- the advice is one the API server accepts: it refuses ``allowPrivilegeEscalation: false`` beside
  ``privileged: true`` or an added ``CAP_SYS_ADMIN`` (``kubernetes/kubernetes``,
  ``pkg/apis/core/validation/validation.go``, ``ValidateSecurityContext``), so that advice first
  removes those; and a Windows pod (``spec.os.name: windows``) gets no advice to set a field
  that "cannot be set when spec.os.name is windows" (the API's own field descriptions).

A pod with ``hostNetwork: true`` has its container ports defaulted to host ports before
admission (``pkg/apis/core/v1/defaults.go``, ``defaultHostNetworkPorts``), so the admission
controller also reports Host Ports for them; this evaluator reports the ``hostNetwork`` alone,
whose removal settles both, and the level is the same.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Literal

from blueprints.kube import KubeVersion

__all__ = [
    "BASELINE",
    "CONTROLS",
    "RESTRICTED",
    "Level",
    "PodSecurityViolation",
    "evaluate",
    "remembering",
    "safe_sysctls",
    "strictest_level",
]

Level = Literal["restricted", "baseline", "privileged"]
BASELINE = "baseline"
RESTRICTED = "restricted"
# The way out for a node agent that does need the node, said once.
_NODE_AGENT = ("; a node agent that needs it runs in a namespace labelled "
               "pod-security.kubernetes.io/enforce: privileged")


@dataclass(frozen=True, slots=True)
class PodSecurityViolation:
    """One control of the Pod Security Standards that a pod breaks.

    Attributes:
        level: The lowest level that forbids it: ``baseline`` (so ``restricted`` forbids it
            too) or ``restricted``.
        control: The control's name on the Pod Security Standards page, e.g. ``Host Namespaces``.
        field: Where, inside the pod (or pod template): ``spec.containers[0].securityContext
            .privileged``, ``metadata.annotations['container.apparmor.security.beta.kubernetes
            .io/app']``.
        message: What is wrong. fix: a change the API server accepts.
        value: The offending value (``None`` when the field is missing).
    """

    level: str
    control: str
    field: str
    message: str
    fix: str
    value: object = None


#: Every control, by name, with its level (the names of the Pod Security Standards page).
CONTROLS: dict[str, str] = {
    "Host Namespaces": BASELINE,
    "Privileged Containers": BASELINE,
    "Capabilities": BASELINE,
    "HostPath Volumes": BASELINE,
    "Host Ports": BASELINE,
    "Host Probes / Lifecycle Hooks": BASELINE,
    "AppArmor": BASELINE,
    "SELinux": BASELINE,
    "/proc Mount Type": BASELINE,
    "Seccomp": BASELINE,
    "Sysctls": BASELINE,
    "HostProcess": BASELINE,
    "Volume Types": RESTRICTED,
    "Privilege Escalation": RESTRICTED,
    "Running as Non-root": RESTRICTED,
    "Running as Non-root user": RESTRICTED,
}


def evaluate(
    pod_spec: Mapping[str, Any], pod_metadata: Mapping[str, Any], kube_version: KubeVersion
) -> list[PodSecurityViolation]:
    """Every control of ``baseline`` and ``restricted`` that the pod breaks on ``kube_version``.

    Args:
        pod_spec: A pod's ``spec`` (a workload's ``spec.template.spec``).
        pod_metadata: The pod's ``metadata`` (a workload's ``spec.template.metadata``): the
            AppArmor annotations live there.
        kube_version: The target, e.g. ``(1, 35)``: controls change with it (user namespaces
            relax the non-root controls from 1.35, allowed sysctls grow, ...).

    Returns:
        The violations, ``baseline`` ones first, each in the order of the pod's fields.
    """
    if _REMEMBERED is not None:
        key = (id(pod_spec), id(pod_metadata), kube_version)
        entry = _REMEMBERED.get(key)
        if entry is not None and entry[0] is pod_spec and entry[1] is pod_metadata:
            return list(entry[2])
    pod = _Pod(pod_spec, pod_metadata, kube_version)
    # A control whose fields the pod does not use is skipped: most pods set few of them, and
    # pods set the same few, so the controls to run are found once per set of fields.
    present = frozenset(pod.keys & _GATED)
    plan = _PLANS.get(present)
    if plan is None:
        if len(_PLANS) >= 4096:  # hostile input may combine fields in many ways: stay bounded
            _PLANS.clear()
        plan = _PLANS[present] = tuple(
            check for check, gate in _CHECKS if gate is None or not gate.isdisjoint(present))
    found: list[PodSecurityViolation] = []
    for check in plan:
        check(pod, found)
    if found:
        found.sort(key=lambda v: v.level != BASELINE)  # stable: keeps field order in a level
    if _REMEMBERED is not None:
        # The entry holds the spec and metadata, so their ids are not reused meanwhile.
        _REMEMBERED[key] = (pod_spec, pod_metadata, tuple(found))
    return found


_REMEMBERED: dict[tuple[int, int, KubeVersion], tuple[object, object,
                                                      tuple[PodSecurityViolation, ...]]] | None
_REMEMBERED = None


@contextmanager
def remembering(remember: bool = True) -> Iterator[None]:
    """Within the block, :func:`evaluate` answers for the same pod spec and metadata objects
    from memory: synth evaluates each pod twice, for its Namespace's level and for BP041.

    Only for a block in which nothing changes the pods once they are evaluated (synth, from
    rendering to the rules). ``remember=False`` turns the memory off within a block (a
    blueprint.py's own code, which may change what it rendered).
    """
    global _REMEMBERED  # noqa: PLW0603 - a memo that lives exactly as long as the block
    saved, _REMEMBERED = _REMEMBERED, ({} if remember else None)
    try:
        yield
    finally:
        _REMEMBERED = saved


def strictest_level(
    pods: Iterable[tuple[Mapping[str, Any], Mapping[str, Any]]], kube_version: KubeVersion
) -> Level:
    """The strictest level that every pod meets: the Namespace label that admits them all.

    Args:
        pods: ``(pod_spec, pod_metadata)`` pairs.
        kube_version: The target version.

    Returns:
        ``restricted``, ``baseline``, or ``privileged`` (some pod breaks ``baseline``).
    """
    level: Level = "restricted"
    for spec, metadata in pods:
        for violation in evaluate(spec, metadata, kube_version):
            if violation.level == BASELINE:
                return "privileged"
            level = "baseline"
    return level


# --- the pod as the checks see it ------------------------------------------------------------

_CONTAINER_LISTS = ("initContainers", "containers", "ephemeralContainers")
_ANNOTATIONS = "<annotations>"  # in _Pod.keys when the pod has annotations


def _dict(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: object) -> Sequence[Any]:
    return value if isinstance(value, list) else ()


class _Pod:
    """The fields the checks read, found once."""

    __slots__ = ("annotations", "containers", "keys", "minor", "sc", "spec", "userns", "windows")

    def __init__(
        self, spec: Mapping[str, Any], metadata: Mapping[str, Any], version: KubeVersion
    ) -> None:
        self.spec = spec
        self.sc = _dict(spec.get("securityContext"))
        self.annotations = _dict(_dict(metadata).get("annotations"))
        self.minor = version[1] if version[0] == 1 else 1000
        # Containers in the admission controller's order: init, regular, ephemeral.
        self.containers: list[tuple[str, Mapping[str, Any], Mapping[str, Any]]] = []
        # Every field name the pod uses (spec, pod and container security contexts, containers),
        # so that evaluate skips the controls of fields nobody set.
        keys = set(spec)
        keys.update(self.sc)
        if self.annotations:
            keys.add(_ANNOTATIONS)
        for key in _CONTAINER_LISTS:
            items = spec.get(key)
            if type(items) is not list:
                continue
            for i, container in enumerate(items):
                if type(container) is dict:
                    sc = container.get("securityContext")
                    sc = sc if type(sc) is dict else {}
                    keys.update(container)
                    keys.update(sc)
                    self.containers.append((f"spec.{key}[{i}]", container, sc))
        self.keys = keys
        # check_*.go 1.25+: restricted skips Linux-only controls for Windows pods.
        self.windows = self.minor >= 25 and _dict(spec.get("os")).get("name") == "windows"
        # helpers.go relaxPolicyForUserNamespacePod: hostUsers: false; from 1.35 unconditionally
        # (the 1.0 policies never relax since the feature gate was dropped).
        self.userns = self.minor >= 35 and spec.get("hostUsers") is False


def _v(level: str, control: str, field: str, value: object, message: str,
       fix: str) -> PodSecurityViolation:
    return PodSecurityViolation(level, control, field, message, fix, value)


# --- baseline ---------------------------------------------------------------------------------

def _host_namespaces(pod: _Pod, out: list[PodSecurityViolation]) -> None:
    """check_hostNamespaces.go: hostNetwork, hostPID, hostIPC must not be true."""
    for key, shares in (("hostNetwork", "the node's network"),
                        ("hostPID", "the node's process namespace"),
                        ("hostIPC", "the node's IPC namespace")):
        if pod.spec.get(key) is True:
            out.append(_v(BASELINE, "Host Namespaces", f"spec.{key}", True,
                     f"the pod shares {shares}",
                     f"remove {key} (or set it to false){_NODE_AGENT}"))


def _privileged(pod: _Pod, out: list[PodSecurityViolation]) -> None:
    """check_privileged.go: securityContext.privileged must not be true."""
    for path, _, sc in pod.containers:
        if sc.get("privileged") is True:
            out.append(_v(BASELINE, "Privileged Containers", f"{path}.securityContext.privileged",
                     True, "a privileged container has every capability and the node's devices",
                     f"remove privileged: true (or set it to false){_NODE_AGENT}"))


# check_capabilities_baseline.go capabilities_allowed_1_0 (the container runtime's defaults).
_DEFAULT_CAPABILITIES = frozenset({
    "AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD",
    "NET_BIND_SERVICE", "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT",
})


def _capabilities_baseline(pod: _Pod, out: list[PodSecurityViolation]) -> None:
    """check_capabilities_baseline.go: capabilities.add only from the runtime's default set."""
    for path, _, sc in pod.containers:
        caps = sc.get("capabilities")
        added = caps.get("add") if type(caps) is dict else None
        if type(added) is not list:
            continue
        for j, cap in enumerate(added):
            if str(cap) not in _DEFAULT_CAPABILITIES:
                out.append(_v(BASELINE, "Capabilities",
                         f"{path}.securityContext.capabilities.add[{j}]", cap,
                         f"adds {cap}, beyond the container runtime's default set",
                         f"remove {cap} from capabilities.add{_NODE_AGENT}"))


def _host_path_volumes(pod: _Pod, out: list[PodSecurityViolation]) -> None:
    """check_hostPathVolumes.go: no hostPath volume."""
    for i, volume in enumerate(_list(pod.spec.get("volumes"))):
        if isinstance(volume, dict) and volume.get("hostPath") is not None:
            out.append(_v(BASELINE, "HostPath Volumes", f"spec.volumes[{i}].hostPath",
                     _dict(volume["hostPath"]).get("path"),
                     "a hostPath volume reaches into the node's filesystem",
                     "use a persistentVolumeClaim, emptyDir, configMap or secret volume"
                     f"{_NODE_AGENT}"))


def _host_ports(pod: _Pod, out: list[PodSecurityViolation]) -> None:
    """check_hostPorts.go: hostPort must be 0 or unset."""
    for path, container, _ in pod.containers:
        ports = container.get("ports")
        if type(ports) is not list:
            continue
        for j, port in enumerate(ports):
            host_port = port.get("hostPort") if type(port) is dict else None
            if host_port is not None and host_port != 0:
                out.append(_v(BASELINE, "Host Ports", f"{path}.ports[{j}].hostPort", host_port,
                         "a hostPort binds a port on the node",
                         f"remove hostPort and reach the pod through a Service{_NODE_AGENT}"))


def _host_probes(pod: _Pod, out: list[PodSecurityViolation]) -> None:
    """check_hostProbesAndhostLifecycle.go (1.34+): probes and hooks must not set a host."""
    if pod.minor < 34:
        return
    for path, container, _ in pod.containers:
        for key in _PROBES:
            handler = container.get(key)
            if type(handler) is dict:
                _handler_hosts(out, path, "", key, handler)
        lifecycle = container.get("lifecycle")
        if type(lifecycle) is dict:
            for key in _HOOKS:
                handler = lifecycle.get(key)
                if type(handler) is dict:
                    _handler_hosts(out, path, "lifecycle.", key, handler)


_PROBES = ("livenessProbe", "readinessProbe", "startupProbe")
_HOOKS = ("postStart", "preStop")


def _handler_hosts(out: list[PodSecurityViolation], path: str, prefix: str, key: str,
                   handler: Mapping[str, Any]) -> None:
    for action in ("httpGet", "tcpSocket"):
        target = handler.get(action)
        host = target.get("host") if type(target) is dict else None
        if host:
            out.append(_v(BASELINE, "Host Probes / Lifecycle Hooks",
                     f"{path}.{prefix}{key}.{action}.host", host,
                     "a probe or hook with a host lets the kubelet reach any address",
                     "remove host: the kubelet then calls the pod's own IP"))


def _app_armor(pod: _Pod, out: list[PodSecurityViolation]) -> None:
    """check_appArmorProfile.go: appArmorProfile.type RuntimeDefault or Localhost."""
    profiles = [("spec.securityContext", pod.sc)] + [
        (f"{path}.securityContext", sc) for path, _, sc in pod.containers]
    for where, sc in profiles:
        profile = sc.get("appArmorProfile")
        if profile is not None and _dict(profile).get("type") not in ("RuntimeDefault",
                                                                     "Localhost"):
            value = _dict(profile).get("type")
            out.append(_v(BASELINE, "AppArmor", f"{where}.appArmorProfile.type", value,
                     f"AppArmor profile {value} lifts the runtime's default confinement",
                     "remove appArmorProfile, or set type: RuntimeDefault"))


def _app_armor_annotations(pod: _Pod, out: list[PodSecurityViolation]) -> None:
    """check_appArmorProfile.go: the beta annotations empty, ``runtime/default`` or
    ``localhost/*``."""
    prefix = "container.apparmor.security.beta.kubernetes.io/"
    for key, value in pod.annotations.items():
        if str(key).startswith(prefix) and value and value != "runtime/default" and not (
            str(value).startswith("localhost/")
        ):
            out.append(_v(BASELINE, "AppArmor", f"metadata.annotations[{key!r}]", value,
                     f"AppArmor profile {value} lifts the runtime's default confinement",
                     "remove the annotation, or set it to runtime/default"))


def _se_linux(pod: _Pod, out: list[PodSecurityViolation]) -> None:
    """check_seLinuxOptions.go: type from the container types; user and role unset."""
    allowed = {"", "container_t", "container_init_t", "container_kvm_t"}
    if pod.minor >= 31:
        allowed.add("container_engine_t")
    options = [("spec.securityContext", pod.sc)] + [
        (f"{path}.securityContext", sc) for path, _, sc in pod.containers]
    for where, sc in options:
        opts = sc.get("seLinuxOptions")
        if opts is None:
            continue
        opts = _dict(opts)
        if str(opts.get("type") or "") not in allowed:
            out.append(_v(BASELINE, "SELinux", f"{where}.seLinuxOptions.type", opts.get("type"),
                     "a custom SELinux type escapes the container policy",
                     f"remove it, or use one of {', '.join(sorted(allowed - {''}))}"))
        for key in ("user", "role"):
            if opts.get(key):
                out.append(_v(BASELINE, "SELinux", f"{where}.seLinuxOptions.{key}", opts[key],
                         f"a custom SELinux {key} escapes the container policy",
                         f"remove seLinuxOptions.{key}"))


def _proc_mount(pod: _Pod, out: list[PodSecurityViolation]) -> None:
    """check_procMount_baseline.go / check_procMount_restricted.go: procMount Default or unset;
    from 1.35 baseline allows Unmasked in a user namespace (hostUsers: false), restricted not."""
    level = RESTRICTED if pod.userns else BASELINE
    for path, _, sc in pod.containers:
        mount = sc.get("procMount")
        if mount is not None and mount != "Default":
            out.append(_v(level, "/proc Mount Type", f"{path}.securityContext.procMount", mount,
                     "an unmasked /proc exposes the node's kernel settings",
                     "remove procMount (or set it to Default)"))


def _seccomp(pod: _Pod, out: list[PodSecurityViolation]) -> None:
    """check_seccompProfile_baseline.go (1.19+) and _restricted.go: RuntimeDefault or Localhost
    where set (baseline); set on the pod or on every container (restricted, not on Windows)."""
    fix = "set seccompProfile.type: RuntimeDefault"
    pod_profile = pod.sc.get("seccompProfile")
    pod_set = False
    if pod_profile is not None:
        value = _dict(pod_profile).get("type")
        if value in ("RuntimeDefault", "Localhost"):
            pod_set = True
        else:
            out.append(_v(BASELINE, "Seccomp", "spec.securityContext.seccompProfile.type", value,
                     f"seccomp profile {value} turns the system-call filter off", fix))
    for path, _, sc in pod.containers:
        profile = sc.get("seccompProfile")
        if profile is not None:
            value = profile.get("type") if type(profile) is dict else None
            if value not in ("RuntimeDefault", "Localhost"):
                out.append(_v(BASELINE, "Seccomp", f"{path}.securityContext.seccompProfile.type",
                         value, f"seccomp profile {value} turns the system-call filter off", fix))
        elif not pod_set and not pod.windows:
            out.append(_v(RESTRICTED, "Seccomp", f"{path}.securityContext.seccompProfile.type", None,
                     "no seccomp profile: the container runs without a system-call filter",
                     f"{fix} on the pod's or the container's securityContext"))


# check_sysctls.go: the safe sysctls, by the version that admits them.
_SYSCTLS: tuple[tuple[int, frozenset[str]], ...] = (
    (0, frozenset({"kernel.shm_rmid_forced", "net.ipv4.ip_local_port_range",
                   "net.ipv4.tcp_syncookies", "net.ipv4.ping_group_range",
                   "net.ipv4.ip_unprivileged_port_start"})),
    (27, frozenset({"net.ipv4.ip_local_reserved_ports"})),
    (29, frozenset({"net.ipv4.tcp_keepalive_time", "net.ipv4.tcp_fin_timeout",
                    "net.ipv4.tcp_keepalive_intvl", "net.ipv4.tcp_keepalive_probes"})),
    (32, frozenset({"net.ipv4.tcp_rmem", "net.ipv4.tcp_wmem"})),
    (37, frozenset({"net.ipv4.tcp_slow_start_after_idle", "net.ipv4.tcp_notsent_lowat"})),
)


@functools.cache
def safe_sysctls(kube_version: KubeVersion) -> frozenset[str]:
    """The sysctls that ``baseline`` allows on ``kube_version``."""
    minor = kube_version[1] if kube_version[0] == 1 else 1000
    return frozenset().union(*(names for since, names in _SYSCTLS if minor >= since))


def _sysctls(pod: _Pod, out: list[PodSecurityViolation]) -> None:
    """check_sysctls.go: only the namespaced, isolated ("safe") sysctls of the version."""
    allowed = safe_sysctls((1, pod.minor))
    for i, sysctl in enumerate(_list(pod.sc.get("sysctls"))):
        name = _dict(sysctl).get("name")
        if name not in allowed:
            out.append(_v(BASELINE, "Sysctls", f"spec.securityContext.sysctls[{i}].name", name,
                     f"sysctl {name} is not one of the safe, namespaced sysctls of "
                     f"Kubernetes 1.{pod.minor}",
                     "remove it; set node-wide kernel settings on the node, not in a pod"))


def _host_process(pod: _Pod, out: list[PodSecurityViolation]) -> None:
    """check_windowsHostProcess.go: windowsOptions.hostProcess must not be true."""
    contexts = [("spec.securityContext", pod.sc)] + [
        (f"{path}.securityContext", sc) for path, _, sc in pod.containers]
    for where, sc in contexts:
        if _dict(sc.get("windowsOptions")).get("hostProcess") is True:
            out.append(_v(BASELINE, "HostProcess", f"{where}.windowsOptions.hostProcess", True,
                     "a Windows HostProcess container runs on the node itself",
                     "remove windowsOptions.hostProcess"))


# --- restricted -------------------------------------------------------------------------------

# check_restrictedVolumes.go: the volume types restricted admits (hostPath is baseline's).
_CORE_VOLUMES = frozenset({"configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "image",
                           "persistentVolumeClaim", "projected", "secret"})


def _volume_types(pod: _Pod, out: list[PodSecurityViolation]) -> None:
    """check_restrictedVolumes.go: only core volume types and PersistentVolumeClaims."""
    for i, item in enumerate(_list(pod.spec.get("volumes"))):
        volume = _dict(item)
        if volume.get("hostPath") is not None:
            continue  # baseline's HostPath Volumes
        # A volume without a source is defaulted to emptyDir before admission sees it.
        kinds = [k for k in volume if k != "name" and volume[k] is not None]
        if kinds and not any(k in _CORE_VOLUMES for k in kinds):
            kind = kinds[0]
            out.append(_v(RESTRICTED, "Volume Types", f"spec.volumes[{i}].{kind}", kind,
                     f"a {kind} volume is not one of the types restricted allows",
                     "mount it through a PersistentVolume and a persistentVolumeClaim volume"))


def _privilege_escalation(pod: _Pod, out: list[PodSecurityViolation]) -> None:
    """check_allowPrivilegeEscalation.go: allowPrivilegeEscalation must be false (not on
    Windows from 1.25). The API refuses false beside privileged or CAP_SYS_ADMIN."""
    if pod.windows:
        return
    for path, _, sc in pod.containers:
        value = sc.get("allowPrivilegeEscalation")
        if value is False:
            continue
        blockers = []
        if sc.get("privileged") is True:
            blockers.append("privileged: true")
        caps = sc.get("capabilities")
        added = caps.get("add") if type(caps) is dict else None
        if type(added) is list and "CAP_SYS_ADMIN" in added:
            blockers.append("CAP_SYS_ADMIN from capabilities.add")
        fix = "set allowPrivilegeEscalation: false"
        if blockers:
            fix = (f"remove {' and '.join(blockers)}, then {fix} (the API server refuses "
                   f"false beside {'them' if len(blockers) > 1 else 'it'})")
        out.append(_v(RESTRICTED, "Privilege Escalation",
                 f"{path}.securityContext.allowPrivilegeEscalation", value,
                 "a process may gain more privileges than its parent (setuid binaries)", fix))


def _run_as_non_root(pod: _Pod, out: list[PodSecurityViolation]) -> None:
    """check_runAsNonRoot.go: runAsNonRoot true on the pod or every container, never false;
    from 1.35 relaxed in a user namespace (hostUsers: false)."""
    if pod.userns:
        return
    fix = "set runAsNonRoot: true (and a non-zero runAsUser if the image's USER is root)"
    if pod.windows:  # runAsUser cannot be set on a Windows pod (the API's field description)
        fix = "set runAsNonRoot: true (and windowsOptions.runAsUserName to a non-admin user)"
    pod_value = pod.sc.get("runAsNonRoot")
    if pod_value is not None and pod_value is not True:
        out.append(_v(RESTRICTED, "Running as Non-root", "spec.securityContext.runAsNonRoot",
                 pod_value, "the pod allows running as root", fix))
    for path, _, sc in pod.containers:
        value = sc.get("runAsNonRoot")
        if value is not None and value is not True:
            out.append(_v(RESTRICTED, "Running as Non-root", f"{path}.securityContext.runAsNonRoot",
                     value, "the container allows running as root", fix))
        elif value is None and pod_value is not True:
            # The check asks for runAsNonRoot whatever runAsUser says (check_runAsNonRoot.go):
            # a non-zero runAsUser keeps this container off root, so say so rather than
            # "may run as root".
            user = sc.get("runAsUser", pod.sc.get("runAsUser"))
            if type(user) is int and user != 0:
                what = (f"runAsNonRoot is set on neither the pod nor the container (runAsUser "
                        f"{user} already runs it as a non-root user; the policy asks for the "
                        "field all the same)")
                how = "set runAsNonRoot: true"
            else:
                what = ("may run as root: runAsNonRoot is set on neither the pod nor the "
                        "container")
                how = fix
            out.append(_v(RESTRICTED, "Running as Non-root", f"{path}.securityContext.runAsNonRoot",
                     None, what, how))


def _run_as_user(pod: _Pod, out: list[PodSecurityViolation]) -> None:
    """check_runAsUser.go: runAsUser must not be 0; from 1.35 relaxed in a user namespace."""
    if pod.userns:
        return
    value = pod.sc.get("runAsUser")
    if value == 0 and value is not False:
        _root_user(out, "spec")
    for path, _, sc in pod.containers:
        value = sc.get("runAsUser")
        if value == 0 and value is not False:  # the path is written only for a violation
            _root_user(out, path)


def _root_user(out: list[PodSecurityViolation], where: str) -> None:
    out.append(_v(RESTRICTED, "Running as Non-root user", f"{where}.securityContext.runAsUser", 0,
                  "runs as root (UID 0)", "set runAsUser to a non-zero UID, or remove it and use "
                  "an image whose USER is not root"))


def _capabilities_restricted(pod: _Pod, out: list[PodSecurityViolation]) -> None:
    """check_capabilities_restricted.go: drop ALL; add only NET_BIND_SERVICE (not on Windows)."""
    if pod.windows:
        return
    for path, _, sc in pod.containers:
        caps = sc.get("capabilities")
        caps = caps if type(caps) is dict else {}
        drop = caps.get("drop")
        if type(drop) is not list or "ALL" not in drop:
            out.append(_v(RESTRICTED, "Capabilities", f"{path}.securityContext.capabilities.drop",
                     drop, "the container keeps the runtime's default capabilities",
                     'set capabilities.drop: ["ALL"] (and add back only NET_BIND_SERVICE '
                     "if it binds a port below 1024)"))
        for j, cap in enumerate(_list(caps.get("add"))):
            if cap != "NET_BIND_SERVICE" and str(cap) in _DEFAULT_CAPABILITIES:
                out.append(_v(RESTRICTED, "Capabilities",
                         f"{path}.securityContext.capabilities.add[{j}]", cap,
                         f"adds {cap}: restricted allows adding only NET_BIND_SERVICE",
                         f"remove {cap} from capabilities.add"))


_Check = Callable[[_Pod, list[PodSecurityViolation]], None]


def _gate(*keys: str) -> frozenset[str]:
    return frozenset(keys)


# Each control with the field names it reads (None: it runs on every pod, because restricted
# requires a field to be set).
_CHECKS: tuple[tuple[_Check, frozenset[str] | None], ...] = (
    (_host_namespaces, _gate("hostNetwork", "hostPID", "hostIPC")),
    (_privileged, _gate("privileged")),
    (_capabilities_baseline, _gate("capabilities")),
    (_host_path_volumes, _gate("volumes")),
    (_host_ports, _gate("ports")),
    (_host_probes, _gate("livenessProbe", "readinessProbe", "startupProbe", "lifecycle")),
    (_app_armor, _gate("appArmorProfile")),
    (_app_armor_annotations, _gate(_ANNOTATIONS)),
    (_se_linux, _gate("seLinuxOptions")),
    (_proc_mount, _gate("procMount")),
    (_seccomp, None),
    (_sysctls, _gate("sysctls")),
    (_host_process, _gate("windowsOptions")),
    (_volume_types, _gate("volumes")),
    (_privilege_escalation, None),
    (_run_as_non_root, None),
    (_run_as_user, _gate("runAsUser")),
    (_capabilities_restricted, None),
)
# Every field name some control is gated on, and the controls that each set of them runs.
_GATED = frozenset().union(*(gate for _, gate in _CHECKS if gate is not None))
_PLANS: dict[frozenset[str], tuple[_Check, ...]] = {}
