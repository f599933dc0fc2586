"""What every workload component shares: container and pod props, and their rendering.

Applies BP001/BP002 (image and pull policy), BP003/BP004 (labels, selectors), BP005
(annotations), BP016/BP017 (probes), BP022/BP023 (preStop pause, grace period), BP024
(termination messages), BP040 (resources), BP041 (restricted security), BP042 (NetworkPolicy)
and BP043 (namespace).
"""

from __future__ import annotations

import ipaddress
import json
import re
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from blueprints.core.connections import (
    EGRESS_MODES,
    Connection,
    Declared,
    parse_calls,
)
from blueprints.core.image import ImageRef, parse_image, pull_policy
from blueprints.core.labels import label_value_problem, recommended_labels, selector_labels
from blueprints.core.names import PORT_NAME, check_name, is_ip_literal
from blueprints.core.probes import Probe
from blueprints.core.quantity import memory_too_small, parse_quantity
from blueprints.core.release import ReleaseContext
from blueprints.core.secrets import REDACTED, literal_credential
from blueprints.core.volumes import Mount, Volume, mount_point
from blueprints.errors import ConfigError, Problem
from blueprints.practices import IGNORE_ANNOTATION

if TYPE_CHECKING:
    from blueprints.core.hooks import Hook
    from blueprints.core.identity import Permission

#: Types of props that most components never set, loaded when a props field needs them
#: (:func:`blueprints.core.prop_types.field_hints` resolves annotations through this module).
_LAZY = {"Hook": "blueprints.core.hooks", "Permission": "blueprints.core.identity"}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module), name)

__all__ = [
    "ANYWHERE",
    "DESCRIPTION_ANNOTATION",
    "ClientRef",
    "ConfigMapKeyRef",
    "ConfigMapRef",
    "Manifest",
    "Resources",
    "SecretKeyRef",
    "SecretRef",
    "Sidecar",
    "Workload",
    "WorkloadProps",
]

Manifest = dict[str, Any]

DESCRIPTION_ANNOTATION = "blueprint.dev/description"
#: The ``allow_from`` entry that admits every source, recorded as an opt-out (BP042).
ANYWHERE = "anywhere"
CONFIG_HASH_ANNOTATION = "blueprint.dev/config-hash"
#: The sysctl that lets the pod's processes bind ports from its value up without a capability.
UNPRIVILEGED_PORT_SYSCTL = "net.ipv4.ip_unprivileged_port_start"
_UNPRIVILEGED_PORTS = 1024  # the kernel's default ip_unprivileged_port_start
TERMINATION_MESSAGE_PATH = "/dev/termination-log"
_CONTAINER_ORDER = (
    "name", "image", "imagePullPolicy", "command", "args", "ports", "env", "envFrom",
    "resources", "startupProbe", "readinessProbe", "livenessProbe", "lifecycle",
    "securityContext", "terminationMessagePath", "terminationMessagePolicy", "volumeMounts",
)


@dataclass(frozen=True, slots=True)
class SecretKeyRef:
    """An environment value read from key ``key`` of the Secret ``name`` (never written out)."""

    name: str
    key: str


@dataclass(frozen=True, slots=True)
class ConfigMapKeyRef:
    """An environment value read from key ``key`` of the ConfigMap ``name``."""

    name: str
    key: str


@dataclass(frozen=True, slots=True)
class SecretRef:
    """Every key of the Secret ``name`` as environment variables."""

    name: str


@dataclass(frozen=True, slots=True)
class ConfigMapRef:
    """Every key of the ConfigMap ``name`` as environment variables."""

    name: str


@dataclass(frozen=True, kw_only=True, slots=True)
class Resources:
    """Requests and limits (BP040).

    Attributes:
        cpu: CPU request. Default ``100m``.
        memory: Memory request. Default ``128Mi``.
        memory_limit: Memory limit. Default: the memory request.
        cpu_limit: CPU limit. Default: none (a CPU limit throttles; the request is what schedules).
    """

    cpu: str = "100m"
    memory: str = "128Mi"
    memory_limit: str | None = None
    cpu_limit: str | None = None


@dataclass(frozen=True, slots=True)
class ClientRef:
    """Pods allowed to reach a component (BP042): a label selector, in a namespace.

    ``selector`` empty with a ``namespace`` means every pod of that namespace.
    """

    namespace: str
    selector: Mapping[str, str]
    name: str


EnvValue = str | SecretKeyRef | ConfigMapKeyRef


@dataclass(frozen=True, kw_only=True, slots=True)
class Sidecar:
    """A helper container beside the main one, sharing volumes with it (say, busybox writes,
    nginx serves). It gets every container practice: a pinned image, the termination
    message, requests and limits, the restricted security context.

    Attributes:
        name: The container's name (DNS-1123 label). image: a pinned image. Both required.
        command, args: Exec form. Default: the image's.
        env: Plain strings or key references. Default none.
        mounts: Volumes to mount; share one with the main container by mounting the same
            :class:`Volume`. Default none.
        resources: Default ``Resources(cpu="50m", memory="64Mi")``.
    """

    name: str
    image: str
    command: Sequence[str] = ()
    args: Sequence[str] = ()
    env: Mapping[str, EnvValue] = field(default_factory=dict)
    mounts: Sequence[Mount] = ()
    resources: Resources = field(default_factory=lambda: Resources(cpu="50m", memory="64Mi"))


@dataclass(frozen=True, kw_only=True, slots=True)
class WorkloadProps:
    """Props that every workload component takes.

    Attributes:
        image: The image, with a version tag or a digest (BP001). Required.
        allow_latest: Accept an unpinned image; forces ``imagePullPolicy: Always`` and records
            the opt-out. Default False.
        image_pull_policy: Override the policy derived from the tag (BP002). Default: derived.
        component: The ``app.kubernetes.io/component`` label. Default: per construct.
        version: The ``app.kubernetes.io/version`` label. Default: the image tag.
        description: A ``blueprint.dev/description`` annotation (BP005). Default: none.
        command: The container's command, exec form. Default: the image's entrypoint.
        args: The container's arguments. Default: the image's.
        env: Environment variables: plain strings, ``SecretKeyRef`` or ``ConfigMapKeyRef``. A
            plain string named like a credential (``DB_PASSWORD``, ``API_KEY``), or holding a
            private key or a URL with a password, is refused (BP044): use a ``SecretKeyRef``.
        env_not_secret: Env variables (of every container) that look like credentials but are
            not, each with the reason, e.g. ``{"TOKEN": "a public demo token"}``; recorded as
            an opt-out (BP044). Default none.
        env_from: Whole Secrets or ConfigMaps as environment (``SecretRef``, ``ConfigMapRef``).
        resources: Requests and limits (BP040). Default ``Resources()``.
        writable_paths: Paths the app writes, mounted as ``emptyDir`` volumes because the root
            filesystem is read-only (BP041). Default none.
        run_as_user: The user ID (BP041). Default 65532.
        run_as_group: The group ID of the processes and of mounted volumes (``runAsGroup``,
            ``fsGroup``). Default: the ``run_as_user``.
        allow_root: Allow ``run_as_user=0``; records the opt-out. Default False.
        read_only_root_filesystem: Default True; False records the opt-out (BP041).
        service_account: A ServiceAccount name. Default: none (the namespace's default).
        mount_service_account_token: Mount the API token. Default False (BP041).
        permissions: What the component may do through the Kubernetes API
            (:class:`Permission`: verbs and resources). It then gets its own ServiceAccount, a
            Role and RoleBinding in the release's namespace (a ClusterRole only for
            ``cluster_wide=True``), and its API token. Default none: no token.
        image_pull_secrets: Names of Secrets to pull the image with. Default none.
        node_selector: Node labels the pods must match. Default none.
        tolerations: Kubernetes toleration objects. Default none.
        affinity: A Kubernetes affinity object. Default none.
        readiness: The readiness probe (BP016). Default: TCP on the main port when serving.
        liveness: A liveness probe; must differ from readiness (BP017). Default none.
        startup: A startup probe for slow starters (BP017). Default none.
        pre_stop_seconds: The preStop pause that lets endpoints drain (BP022). Default 5 for
            Service-backed components, 0 otherwise.
        shutdown_seconds: How long the app needs to stop after the signal (BP023). Default 25.
        termination_grace_seconds: Overrides pause + shutdown; must exceed the pause (BP023).
        calls: The components this one calls, and external ``"host:port"`` addresses (BP042):
            a list (``[cart, "api.example.com:443"]``) or a mapping that names each address
            variable (``{"CART_ADDR": cart}``). Each callee gives an environment variable
            (default ``<CALLEE>_ADDR``; ``<CALLEE>_<PORT>_ADDR`` for another port than the
            main one) holding ``<service>:<port>`` in the same namespace,
            ``<service>.<namespace>.svc:<port>`` across namespaces; the callee's NetworkPolicy
            admits this component on exactly that port. Entries are constructs, component
            names of the release, ``"name:port"`` (a named or numbered Service port), or
            :class:`~blueprints.core.connections.Call`, which also gives the host and the port
            in variables of their own (``Call(db, host_env="DB_HOST", port_env="DB_PORT")``;
            then ``<CALLEE>_ADDR`` only when the mapping names it). Default none.
        egress: ``"declared"`` adds an egress policy that admits exactly the callees and the
            cluster DNS; ``"open"`` leaves egress alone. Default: the release's (``open``).
        allow_from: Callers that blueprint does not build, admitted on every port (BP042):
            ``namespace:<name>`` for a whole namespace, a CIDR block, ``"anywhere"`` (recorded
            as an opt-out), component ids or constructs. A text entry may end with one port,
            by name or number: ``"namespace:monitoring:metrics"``, ``"10.0.0.0/8:8080"``,
            ``"anywhere:http"``. Default none: the callers come from ``calls``, and a component
            that nobody calls admits its release.
        labels: Extra labels; they may add to the recommended labels, not replace them (BP003).
        annotations: Extra annotations on every object of the component.
        pod_annotations: Annotations on the component's pods (the pod template), for what
            reads pods: ``{"prometheus.io/scrape": "true"}``, a service mesh's injection
            switch. Unlike ``annotations``, a change of them rolls the pods. Default none.
        mounts: Volumes mounted into the main container (:class:`Volume` chooses the kind by
            what the data must survive). Default none.
        post_start: A ``postStart`` hook (BP020): runs beside the app, holds the pod Pending,
            kills the container when it fails. Default none.
        pre_stop: A ``preStop`` hook (BP021) replacing the default pause; declare how long it
            takes with ``pre_stop_seconds`` unless it is ``Hook.sleep``. Default: the pause.
        sidecars: Helper containers sharing volumes with the main one. Default none.
    """

    image: str
    allow_latest: bool = False
    image_pull_policy: str | None = None
    component: str | None = None
    version: str | None = None
    description: str | None = None
    command: Sequence[str] = ()
    args: Sequence[str] = ()
    env: Mapping[str, EnvValue] = field(default_factory=dict)
    env_not_secret: Mapping[str, str] = field(default_factory=dict)
    env_from: Sequence[SecretRef | ConfigMapRef] = ()
    resources: Resources = field(default_factory=Resources)
    writable_paths: Sequence[str] = ()
    run_as_user: int = 65532
    run_as_group: int | None = None
    allow_root: bool = False
    read_only_root_filesystem: bool = True
    service_account: str | None = None
    mount_service_account_token: bool = False
    permissions: Sequence[Permission] = ()
    image_pull_secrets: Sequence[str] = ()
    node_selector: Mapping[str, str] = field(default_factory=dict)
    tolerations: Sequence[Mapping[str, Any]] = ()
    affinity: Mapping[str, Any] | None = None
    readiness: Probe | None = None
    liveness: Probe | None = None
    startup: Probe | None = None
    pre_stop_seconds: int | None = None
    shutdown_seconds: int = 25
    termination_grace_seconds: int | None = None
    calls: Sequence[Any] | Mapping[str, Any] = ()
    egress: str | None = None
    allow_from: Sequence[str | ClientRef] = ()
    labels: Mapping[str, str] = field(default_factory=dict)
    annotations: Mapping[str, str] = field(default_factory=dict)
    pod_annotations: Mapping[str, str] = field(default_factory=dict)
    mounts: Sequence[Mount] = ()
    post_start: Hook | None = None
    pre_stop: Hook | None = None
    sidecars: Sequence[Sidecar] = ()


class Workload(ABC):
    """A component of a release, resolved and validated once, rendered on demand.

    Subclasses set :attr:`role` and implement :meth:`render`. All checks run in the
    constructor, so a bad prop fails where the user wrote it.
    """

    role: ClassVar[str] = "app"
    serves: ClassVar[bool] = True
    #: Whether hostPath belongs here without an opt-out: node agents only (BP012).
    node_agent: ClassVar[bool] = False

    def __init__(self, id: str, props: WorkloadProps, release: ReleaseContext) -> None:
        self.id = id
        self.props = props
        self.release = release
        self.path = f"{release.name}/{id}"
        check_name(id, component=self.path, field="id", kind="service")
        self.image = self._image()
        self.opt_outs: dict[str, list[str]] = {}
        if props.allow_latest and not self.image.pinned:
            self._opt_out("BP001", "unpinned image accepted with allow_latest=True")
        self.labels = self._labels()
        self.selector = selector_labels(self.labels)
        self._clients: list[ClientRef] = []
        #: Components of ``allow_from`` admitted on one port: (client, [pod port]).
        self._scoped_clients: list[tuple[ClientRef, list[int]]] = []
        #: The text entries of ``allow_from``, parsed once: (entry, source, port or None).
        self._allow_texts: list[tuple[str, str, str | None]] = []
        #: Filled at render by resolve_connections: who calls this component on which pod
        #: port, and what this component calls.
        self._incoming: list[tuple[ClientRef, int]] = []
        self._connections: list[Connection] = []
        self._admitted_by: list[Workload] = []
        #: Whether the component's own pods talk to each other (StatefulWebApp peers).
        self.peers_talk = False
        self.exposures: tuple[Any, ...] = ()
        self._check_numbers()
        self.calls: tuple[Declared, ...] = parse_calls(self, props.calls)
        egress = props.egress if props.egress is not None else release.egress
        if egress not in EGRESS_MODES:
            raise ConfigError(Problem(self.path, "egress", egress, "not an egress mode",
                                      f"use one of {', '.join(EGRESS_MODES)}", "BP042"))
        self.egress: str = egress
        self._check()
        self._probes = self._render_probes()
        self._lifecycle = self._render_lifecycle()
        self._volumes, self._main_mounts, self._extra_inits, self._sidecars = self._render_volumes()

    # -- identity -------------------------------------------------------------------------

    @property
    def namespace(self) -> str:
        """The namespace of every object of this component (BP043)."""
        return self.release.namespace

    def client_ref(self) -> ClientRef:
        """This component's pods, as a client of another component's NetworkPolicy."""
        return ClientRef(self.namespace, dict(self.selector), self.path)

    def add_client(self, client: ClientRef) -> None:
        """Admit ``client`` through this component's NetworkPolicy (BP042)."""
        if client not in self._clients:
            self._clients.append(client)

    @property
    def ports(self) -> tuple[tuple[str, int], ...]:
        """The ports this component serves, as ``(name, number)``."""
        return ()

    def service_ports(self) -> tuple[tuple[str, int, int], ...]:
        """The ports its Service exposes, as ``(name, Service port, pod port)``; none without
        a Service."""
        return ()

    def waited_components(self) -> list[tuple[Workload, int]]:
        """Components this one waits for, with the pod port the wait reaches (none here)."""
        return []

    @property
    def connections(self) -> tuple[Connection, ...]:
        """The resolved calls (after render-time resolution)."""
        return tuple(self._connections)

    @abstractmethod
    def render(self) -> list[Manifest]:
        """The component's manifests, in apply order."""

    def identity(self) -> list[Manifest]:
        """The component's own ServiceAccount, Role and RoleBinding when it declares
        permissions (none otherwise): the release emits them beside :meth:`render`'s objects."""
        if not self.props.permissions:
            return []
        from blueprints.core.identity import identity_manifests

        return identity_manifests(self.id, self.namespace, self.props.permissions,
                                  self.metadata)

    def extra_init_containers(self) -> list[Manifest]:
        """Init containers that the component adds itself, before any other (none by default)."""
        return []

    def departed_mounts(self) -> list[Mount]:
        """Mounts that the component adds to the main container itself (none by default)."""
        return []

    def extra_mount_paths(self) -> list[tuple[str, str]]:
        """``(field, path)`` of the main container's mounts that the subclass renders itself
        (a StatefulWebApp's ``storage``), checked with the others (none by default)."""
        return []

    def _check(self) -> None:  # noqa: B027 - an optional hook, not an abstract method
        """Check the props of the subclass; runs in the constructor before probes are built."""

    # -- metadata -------------------------------------------------------------------------

    def metadata(self, name: str, *, namespaced: bool = True) -> Manifest:
        """Object metadata: name, namespace, the six labels, release and component annotations."""
        meta: Manifest = {"name": name}
        if namespaced:
            meta["namespace"] = self.namespace
        meta["labels"] = dict(self.labels)
        annotations = self.release.object_annotations()
        annotations.update(self._component_annotations())
        if annotations:
            meta["annotations"] = dict(sorted(annotations.items()))
        return meta

    def _component_annotations(self) -> dict[str, str]:
        annotations = dict(self.props.annotations)
        if self.props.description:
            annotations[DESCRIPTION_ANNOTATION] = self.props.description
        if self.opt_outs:
            annotations[IGNORE_ANNOTATION] = "; ".join(
                f"{rule}: {', '.join(reasons)}" for rule, reasons in sorted(self.opt_outs.items())
            )
        return annotations

    # -- pods -----------------------------------------------------------------------------

    @property
    def pre_stop_seconds(self) -> int:
        """The preStop pause (BP022): 5 s for Service-backed components unless set."""
        hook = self.props.pre_stop
        if hook is not None and hook.handler == "sleep":
            return hook.seconds
        if self.props.pre_stop_seconds is not None:
            return self.props.pre_stop_seconds
        return 5 if self.serves and hook is None else 0

    @property
    def grace_seconds(self) -> int:
        """``terminationGracePeriodSeconds``: the pause plus the shutdown time (BP023)."""
        if self.props.termination_grace_seconds is not None:
            return self.props.termination_grace_seconds
        return self.pre_stop_seconds + self.props.shutdown_seconds

    def pod_template(
        self,
        *,
        init_containers: Sequence[Manifest] = (),
        extra_env: Sequence[Manifest] = (),
        extra_mounts: Sequence[Manifest] = (),
        restart_policy: str | None = None,
    ) -> Manifest:
        """The pod template: restricted security, probes, pause, grace, resources, volumes."""
        props = self.props
        volumes = self._volumes
        calls = [{"name": name, "value": value} for c in self._connections
                 for name, value in c.env]
        container = self.container(
            self.id,
            self.image,
            command=props.command,
            args=props.args,
            env=[*extra_env, *_env(props.env), *calls],
            mounts=[*self._main_mounts, *extra_mounts],
            resources=props.resources,
        )
        if props.env_from:
            container["envFrom"] = [
                {"secretRef": {"name": ref.name}} if isinstance(ref, SecretRef)
                else {"configMapRef": {"name": ref.name}}
                for ref in props.env_from
            ]
        self._add_serving(container)
        container = {key: container[key] for key in _CONTAINER_ORDER if key in container}
        group = props.run_as_user if props.run_as_group is None else props.run_as_group
        spec: Manifest = {
            "automountServiceAccountToken": props.mount_service_account_token or bool(
                props.permissions),
            "enableServiceLinks": False,
            "securityContext": {
                "runAsNonRoot": props.run_as_user != 0,
                "runAsUser": props.run_as_user,
                "runAsGroup": group,
                "fsGroup": group,
                "seccompProfile": {"type": "RuntimeDefault"},
            },
            "terminationGracePeriodSeconds": self.grace_seconds,
        }
        low = min((number for _, number in self.ports if number < _UNPRIVILEGED_PORTS),
                  default=None)
        if low is not None and props.run_as_user != 0:
            # A process that is not root binds a port below 1024 only with NET_BIND_SERVICE,
            # which an added capability gives it only through a file capability of its binary
            # (Kubernetes sets no ambient capabilities). The pod's own
            # network namespace lowers the bar instead: a safe sysctl (the kubelet's
            # safeSysctls, pkg/kubelet/sysctl/safe_sysctls.go) that Pod Security's restricted
            # level admits (check_sysctls.go), no capability added.
            spec["securityContext"]["sysctls"] = [
                {"name": UNPRIVILEGED_PORT_SYSCTL, "value": str(low)}]
        if restart_policy is not None:
            spec["restartPolicy"] = restart_policy
        if props.service_account or props.permissions:
            spec["serviceAccountName"] = props.service_account or self.id
        if props.image_pull_secrets:
            spec["imagePullSecrets"] = [{"name": name} for name in props.image_pull_secrets]
        if init_containers or self._extra_inits:
            spec["initContainers"] = [*self._extra_inits, *init_containers]
        spec["containers"] = [container, *self._sidecars]
        if volumes:
            spec["volumes"] = volumes
        if props.node_selector:
            spec["nodeSelector"] = dict(props.node_selector)
        if props.tolerations:
            spec["tolerations"] = [dict(t) for t in props.tolerations]
        if props.affinity:
            spec["affinity"] = dict(props.affinity)
        metadata: Manifest = {"labels": dict(self.labels)}
        annotations = dict(props.pod_annotations)
        hashes = sorted({v.content_hash for v in self._volume_objects if v.content_hash})
        if hashes:
            # A change of mounted configuration changes the template, so the pods roll.
            annotations[CONFIG_HASH_ANNOTATION] = ",".join(hashes)
        if annotations:
            metadata["annotations"] = dict(sorted(annotations.items()))
        return {"metadata": metadata, "spec": spec}

    def container(
        self,
        name: str,
        image: ImageRef,
        *,
        command: Sequence[str] = (),
        args: Sequence[str] = (),
        env: Sequence[Manifest] = (),
        mounts: Sequence[Manifest] = (),
        resources: Resources,
    ) -> Manifest:
        """A container with the practices every container gets, init containers included."""
        if image is self.image and self.props.image_pull_policy is not None:
            policy = self.props.image_pull_policy
        else:
            policy = pull_policy(image)
        container: Manifest = {"name": name, "image": image.text, "imagePullPolicy": policy}
        if command:
            container["command"] = list(command)
        if args:
            container["args"] = list(args)
        if env:
            container["env"] = list(env)
        container["resources"] = self._resources(resources)
        container["securityContext"] = {
            "allowPrivilegeEscalation": False,
            "capabilities": {"drop": ["ALL"]},
            "readOnlyRootFilesystem": self.props.read_only_root_filesystem,
            "runAsNonRoot": self.props.run_as_user != 0,
        }
        container["terminationMessagePath"] = TERMINATION_MESSAGE_PATH
        container["terminationMessagePolicy"] = "FallbackToLogsOnError"
        if mounts:
            container["volumeMounts"] = list(mounts)
        return container

    def _add_serving(self, container: Manifest) -> None:
        if self.ports:
            container["ports"] = [
                {"name": name, "containerPort": number, "protocol": "TCP"}
                for name, number in self.ports
            ]
        container.update(self._probes)
        if self._lifecycle:
            container["lifecycle"] = dict(self._lifecycle)

    def _render_lifecycle(self) -> Manifest:
        props = self.props
        port = self.ports[0][0] if self.ports else None
        lifecycle: Manifest = {}
        if props.post_start is not None:
            lifecycle["postStart"] = props.post_start.render(
                component=self.path, field="post_start", default_port=port)
        if props.pre_stop is not None:
            lifecycle["preStop"] = props.pre_stop.render(
                component=self.path, field="pre_stop", default_port=port)
        elif self.pre_stop_seconds > 0:
            lifecycle["preStop"] = {"sleep": {"seconds": self.pre_stop_seconds}}
        return lifecycle

    def _render_volumes(
        self,
    ) -> tuple[list[Manifest], list[Manifest], list[Manifest], list[Manifest]]:
        """Volumes, main mounts, git-clone init containers and sidecars, all checked."""
        props = self.props
        volumes: dict[str, Volume] = {}
        writable: list[Mount] = []
        for path in props.writable_paths:
            base = re.sub(r"[^a-z0-9]+", "-", path.lower()).strip("-")[:50] or "root"
            name, n = base, 2
            while name in volumes:
                name, n = f"{base}-{n}", n + 1
            volumes[name] = Volume.empty_dir(name)
            writable.append(Mount(volumes[name], path))
        main_mounts = [*writable, *props.mounts, *self.departed_mounts()]
        owners: list[tuple[str, Sequence[Mount]]] = [(self.id, main_mounts)]
        for sidecar in props.sidecars:
            owners.append((sidecar.name, sidecar.mounts))
        for owner, mounts in owners:
            # Each container's mount paths, normalised: the API server refuses two equal
            # mountPaths, and "/tmp/" or "//tmp" would silently hide "/tmp" (BP012).
            paths: dict[str, str] = {}
            for mount in mounts:
                field = "writable_paths" if owner == self.id and any(
                    mount is w for w in writable) else f"{owner}.mounts"
                self._check_mount(owner, mount, field, paths, volumes)
            if owner == self.id:
                for field, extra in self.extra_mount_paths():
                    _claim_path(self.path, field, extra, paths)
        inits = [*self.extra_init_containers(),
                 *(self._clone_container(v) for v in volumes.values() if v.clone is not None)]
        sidecars = [self._sidecar(s) for s in props.sidecars]
        names = [self.id, *(s.name for s in props.sidecars)]
        for name in names:
            if names.count(name) > 1:
                raise ConfigError(Problem(self.path, "sidecars", name,
                                          "two containers share the name", "rename one",
                                          "BP006"))
        self._volume_objects = list(volumes.values())
        return ([v.render() for v in volumes.values()], [m.render() for m in main_mounts],
                inits, sidecars)

    def _check_mount(self, owner: str, mount: Mount, field: str, paths: dict[str, str],
                     volumes: dict[str, Volume]) -> None:
        path = self.path
        if not isinstance(mount, Mount):
            raise ConfigError(Problem(path, f"{owner}.mounts", mount, "not a Mount",
                                      'use Mount(Volume.empty_dir("cache"), "/cache")', "BP012"))
        volume = mount.volume
        if not isinstance(volume, Volume):
            # A mount carries its volume, so it cannot name one that does not exist.
            raise ConfigError(Problem(path, f"{owner}.mounts", volume,
                                      "names no volume: a mount takes the Volume itself",
                                      'e.g. Mount(Volume.config_map("config", "app"), "/etc/app")',
                                      "BP012"))
        check_name(volume.name, component=path, field="volume", kind="label")
        if not isinstance(mount.path, str) or not mount.path.startswith("/"):
            raise ConfigError(Problem(path, f"{owner}.mounts", mount.path,
                                      "mount paths are absolute", 'e.g. "/cache"', "BP012"))
        _claim_path(path, field, mount.path, paths)
        known = volumes.get(volume.name)
        if known is not None and known != volume:
            raise ConfigError(Problem(path, "volume", volume.name,
                                      "two different volumes share the name",
                                      "rename one, or mount the same Volume object", "BP006"))
        volumes[volume.name] = volume
        host_path = "hostPath" in volume.source
        if host_path and not self.node_agent and "BP012" not in volume.opt_outs:
            raise ConfigError(Problem(
                path, "volume", volume.name, "hostPath outside a DaemonSet ties app data to "
                "one node and breaks the Baseline Pod Security level",
                "use Volume.claim or storage=, or pass outside_daemon_reason=...", "BP012"))
        if host_path and mount.read_only is False and "BP013" not in volume.opt_outs:
            raise ConfigError(Problem(path, f"{owner}.mounts", mount.path,
                                      "a writable hostPath mount",
                                      "mount it read-only, or pass writable_reason=... to "
                                      "Volume.host_path", "BP013"))
        if host_path:
            # Baseline Pod Security forbids every hostPath volume (BP041): say so on the object,
            # so that its Namespace is labelled privileged and lint agrees with synth.
            reason = f"hostPath {volume.source['hostPath']['path']} (node access)"
            if reason not in self.opt_outs.get("BP041", []):
                self._opt_out("BP041", reason)
        for practice, reason in volume.opt_outs.items():
            if reason not in self.opt_outs.get(practice, []):
                self._opt_out(practice, reason)
        modes = volume.claim_spec.get("accessModes", []) if volume.claim_spec is not None else []
        many_pods = self.node_agent or getattr(self.props, "replicas", 1) > 1
        if volume.claim_spec is not None and many_pods and not {"ReadWriteMany", "ReadOnlyMany"} & set(
            modes
        ):
            raise ConfigError(Problem(
                path, "volume", volume.name, f"one {'/'.join(modes)} claim cannot serve several "
                "pods on several nodes", "use storage= in a StatefulWebApp for a claim per pod, "
                "a ReadWriteMany class, or replicas=1", "BP012"))

    def _clone_container(self, volume: Volume) -> Manifest:
        assert volume.clone is not None
        repository, revision, image = volume.clone
        return self.container(
            f"clone-{volume.name}"[:63].rstrip("-"), parse_image(image, component=self.path),
            command=["git", "clone", "--depth", "1", "--branch", revision, "--", repository,
                     "/repository"],
            env=[{"name": "HOME", "value": "/repository"}],
            mounts=[{"name": volume.name, "mountPath": "/repository"}],
            resources=Resources(cpu="50m", memory="128Mi"))

    def _sidecar(self, sidecar: Sidecar) -> Manifest:
        check_name(sidecar.name, component=self.path, field="sidecars.name")
        image = parse_image(sidecar.image, component=self.path, field=f"{sidecar.name}.image")
        if not image.pinned:
            raise ConfigError(Problem(self.path, f"{sidecar.name}.image", sidecar.image,
                                      str(image.moving_reason),
                                      "pin a version tag such as :1.27.3 or a digest", "BP001"))
        return self.container(sidecar.name, image, command=sidecar.command, args=sidecar.args,
                              env=_env(sidecar.env), mounts=[m.render() for m in sidecar.mounts],
                              resources=sidecar.resources)

    def _render_probes(self) -> Manifest:
        props, ports = self.props, self.ports
        main_port, main_name = (ports[0][1], ports[0][0]) if ports else (None, None)
        readiness = props.readiness
        if readiness is None and self.serves:
            readiness = Probe.tcp()
        declared = {number for _, number in ports}
        probes = {}
        for field_name, key, probe in (
            ("readiness", "readinessProbe", readiness),
            ("liveness", "livenessProbe", props.liveness),
            ("startup", "startupProbe", props.startup),
        ):
            if probe is not None and probe.port is not None and probe.port not in declared:
                raise ConfigError(Problem(
                    self.path, f"{field_name}.port", probe.port,
                    "is not a port the container declares"
                    + (f" ({', '.join(map(str, sorted(declared)))})" if declared else ""),
                    "probe a declared port, or leave port out for the main one", "BP016"))
            if probe is not None:
                probes[key] = probe.render(component=self.path, field=field_name,
                                           default_port=main_port, port_name=main_name)
        if "livenessProbe" in probes and probes["livenessProbe"] == probes.get("readinessProbe"):
            raise ConfigError(Problem(
                self.path, "liveness", props.liveness,
                "identical to the readiness probe, so a busy pod is restarted instead of "
                "taken out of rotation", "probe something cheaper for liveness, or drop it",
                "BP017"))
        return probes

    def _resources(self, resources: Resources) -> Manifest:
        requests = {"cpu": resources.cpu, "memory": resources.memory}
        limits = {"memory": resources.memory_limit or resources.memory}
        if resources.cpu_limit is not None:
            limits = {"cpu": resources.cpu_limit, **limits}
        return {"limits": limits, "requests": requests}

    # -- shared objects -------------------------------------------------------------------

    def network_policy(self) -> Manifest:
        """Ingress from exactly the declared callers on the ports they call; egress to exactly
        the callees and the cluster DNS when ``egress="declared"`` (BP042).

        Callers are the components whose ``calls`` (or ``wait_for``) name this one, what
        ``allow_from`` lists and what an exposure lets in; a component with none of them admits
        its release. No rule without ``from`` is emitted unless asked for by name
        (``allow_from=["anywhere"]``, or a public Service open to ``0.0.0.0/0``), and that
        opt-out is recorded on the object.
        """
        all_ports = [number for _, number in self.ports]
        if not (self._incoming or self._clients or self.props.allow_from or self.exposures):
            # Nobody declared: the release, which holds the peers too (most components).
            rules = release_ingress(self.release.name, all_ports)
        else:
            rules = self._ingress_rules(all_ports)
        spec: Manifest = {
            "podSelector": {"matchLabels": dict(self.selector)},
            "policyTypes": ["Ingress"],
            "ingress": rules,
        }
        if self.egress == "declared":
            spec["policyTypes"] = ["Ingress", "Egress"]
            spec["egress"] = self._egress_rules()
        return {
            "apiVersion": "networking.k8s.io/v1",
            "kind": "NetworkPolicy",
            "metadata": self.metadata(self.id),
            "spec": spec,
        }

    def _ingress_rules(self, all_ports: list[int]) -> list[Manifest]:
        ingress = _Rules()
        for client, port in self._incoming:
            ingress.admit(_peer(client, self.namespace), [port])
        for client in self._clients:
            ingress.admit(_peer(client, self.namespace), all_ports)
        for client, ports in self._scoped_clients:
            ingress.admit(_peer(client, self.namespace), ports)
        for entry in self.props.allow_from:
            if isinstance(entry, ClientRef):
                ingress.admit(_peer(entry, self.namespace), all_ports)
        for entry, source, scope in self._allow_texts:
            if source == ANYWHERE:
                ingress.admit(None, self.allowed_ports(entry, scope))
            elif source.startswith("namespace:"):
                ingress.admit(_namespace_peer(source.removeprefix("namespace:")),
                              self.allowed_ports(entry, scope))
            elif "/" in source:
                block = _cidr_peer(source)
                assert block is not None, "checked in the constructor"
                ingress.admit(block, self.allowed_ports(entry, scope))
        if self.exposures:
            from blueprints.core.exposure import exposure_peers

            for exposure in self.exposures:
                for peer in exposure_peers(self, exposure):
                    ingress.admit(peer, all_ports[:1])
        if not ingress:  # nobody declared: the release, which holds the peers too
            return release_ingress(self.release.name, all_ports)
        if self.peers_talk:
            ingress.admit({"podSelector": {"matchLabels": dict(self.selector)}}, all_ports)
        return ingress.render("from") if all_ports else []

    def _egress_rules(self) -> list[Manifest]:
        egress = _Rules()
        for connection in self._connections:
            callee = connection.callee
            if callee is None:
                # NetworkPolicy cannot name a host: an external callee opens its port only.
                egress.admit(None, [connection.pod_port])
            else:
                egress.admit(_peer(callee.client_ref(), self.namespace), [connection.pod_port])
        for callee, port in self.waited_components():
            egress.admit(_peer(callee.client_ref(), self.namespace), [port])
        for callee in self._admitted_by:
            egress.admit(_peer(callee.client_ref(), self.namespace),
                         [number for _, number in callee.ports])
        for port in self.external_wait_ports():
            egress.admit(None, [port])
        for volume in self._volume_objects:
            if volume.clone is not None:  # the git-clone init container reaches the remote
                egress.admit(None, [_git_port(volume.clone[0])])
        if self.peers_talk:
            egress.admit({"podSelector": {"matchLabels": dict(self.selector)}},
                         [number for _, number in self.ports])
        # Cluster DNS: CoreDNS keeps the k8s-app: kube-dns label in kube-system (kubernetes/
        # kubernetes, cluster/addons/dns/coredns/coredns.yaml.base).
        dns = {"to": [{"namespaceSelector": {"matchLabels": {
                   "kubernetes.io/metadata.name": "kube-system"}},
                       "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}}}],
               "ports": [{"port": 53, "protocol": "UDP"}, {"port": 53, "protocol": "TCP"}]}
        return [dns, *egress.render("to")]

    def external_wait_ports(self) -> list[int]:
        """Ports of waits on Services that blueprint does not build (none here)."""
        return []

    def deployment(self, replicas: int, *, init_containers: Sequence[Manifest] = ()) -> Manifest:
        """The Deployment of ``replicas`` pods: rolling updates that never take a ready pod away
        before its replacement is ready (``maxUnavailable: 0``)."""
        return {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": self.metadata(self.id),
            "spec": {
                "replicas": replicas,
                "selector": {"matchLabels": dict(self.selector)},
                "strategy": {"type": "RollingUpdate",
                             "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0}},
                "template": self.pod_template(init_containers=init_containers),
            },
        }

    def service(self, name: str, *, headless: bool = False) -> Manifest:
        """A Service on this component's ports; headless ones publish not-ready pods (BP011)."""
        spec: Manifest = {}
        if headless:
            spec["clusterIP"] = "None"
            spec["publishNotReadyAddresses"] = True
        ports = ([(n, number, number) for n, number in self.ports] if headless
                 else self.service_ports() or [(n, number, number) for n, number in self.ports])
        spec["ports"] = [
            {"name": name_, "port": number, "protocol": "TCP", "targetPort": name_}
            for name_, number, _ in ports
        ]
        spec["selector"] = dict(self.selector)
        spec["type"] = "ClusterIP"
        return {"apiVersion": "v1", "kind": "Service", "metadata": self.metadata(name),
                "spec": spec}

    def claims(self) -> list[Manifest]:
        """The PersistentVolumeClaims of ``Volume.new_claim`` volumes, created before the pods."""
        claims = []
        for volume in self._volume_objects:
            if volume.claim_spec is None:
                continue
            name = volume.source["persistentVolumeClaim"]["claimName"]
            claims.append({"apiVersion": "v1", "kind": "PersistentVolumeClaim",
                           "metadata": self.metadata(name), "spec": dict(volume.claim_spec)})
        return claims

    def pod_disruption_budget(self) -> Manifest:
        """At most one pod voluntarily evicted at a time (BP025)."""
        return {
            "apiVersion": "policy/v1",
            "kind": "PodDisruptionBudget",
            "metadata": self.metadata(self.id),
            "spec": {"maxUnavailable": 1, "selector": {"matchLabels": dict(self.selector)}},
        }

    def resolve_allow_from(self, components: Mapping[str, Workload]) -> None:
        """Check that ``allow_from`` names only components of the release (BP042), and admit them.

        Raises:
            ConfigError: An entry names no component of the release.
        """
        self._scoped_clients = []
        for entry, source, port in self._allow_texts:
            pod_ports = self.allowed_ports(entry, port)  # a port it does not serve: an error
            if source.startswith("namespace:") or "/" in source or source == ANYWHERE:
                continue
            if source not in components:
                known = ", ".join(sorted(components)) or "none"
                raise ConfigError(Problem(
                    self.path, "allow_from", entry, "names no component of the release",
                    f"use a component id ({known}), a construct, 'namespace:<name>', a CIDR "
                    "block or 'anywhere'", "BP042"))
            client = components[source].client_ref()
            if port is None:
                self.add_client(client)
            else:
                self._scoped_clients.append((client, pod_ports))

    def allowed_ports(self, entry: str, port: str | None) -> list[int]:
        """The pod ports an ``allow_from`` entry admits: all of the component's ports, or the
        one it names (a port name, or a Service or container port number).

        Raises:
            ConfigError: The component serves no such port.
        """
        if port is None:
            return [number for _, number in self.ports]
        for name, service_port, pod_port in (*self.service_ports(), *(
                (name, number, number) for name, number in self.ports)):
            if port in (name, str(service_port), str(pod_port)):
                return [pod_port]
        offered = ", ".join(f"{name}={number}" for name, number in self.ports) or "none"
        raise ConfigError(Problem(self.path, "allow_from", entry, f"serves no port {port}",
                                  f"name one of its ports ({offered}), or drop ':{port}' to "
                                  "admit all of them", "BP042"))

    # -- checks ---------------------------------------------------------------------------

    def _image(self) -> ImageRef:
        image = parse_image(self.props.image, component=self.path, field="image")
        if not image.pinned and not self.props.allow_latest:
            raise ConfigError(Problem(
                self.path, "image", self.props.image,
                f"{image.moving_reason}: replicas would run different code",
                "pin a version tag such as :1.27.3 or a digest (or pass allow_latest=True)",
                "BP001"))
        return image

    def _labels(self) -> dict[str, str]:
        props = self.props
        version = props.version if props.version is not None else self.image.version
        component = props.component or self.role
        for field_name, value in (("version", version), ("component", component)):
            what = label_value_problem(value)
            if what is not None:
                raise ConfigError(Problem(self.path, field_name, value, what,
                                          f"pass {field_name}=... with a valid label value",
                                          "BP003"))
        labels = recommended_labels(name=self.id, instance=self.release.name, version=version,
                                    component=component, part_of=self.release.part_of)
        for key, value in props.labels.items():
            if key in labels:
                raise ConfigError(Problem(self.path, f"labels[{key!r}]", value,
                                          "the recommended labels are set by blueprint",
                                          "remove it; set it through the prop instead", "BP003"))
            what = label_value_problem(value)
            if what is not None:
                raise ConfigError(Problem(self.path, f"labels[{key!r}]", value, what,
                                          "use a valid label value", "BP003"))
            labels[key] = value
        return labels

    def _check_identity(self) -> None:
        """``run_as_group`` is a group ID; ``permissions`` are well formed (BP041)."""
        group = self.props.run_as_group
        if group is not None and (isinstance(group, bool) or not isinstance(group, int)
                                  or group < 0):
            raise ConfigError(Problem(self.path, "run_as_group", group,
                                      "must be a group ID >= 0",
                                      "pass a number, or leave it out for the run_as_user",
                                      "BP041"))
        permissions = self.props.permissions
        if permissions or type(permissions) not in (tuple, list):  # most declare none
            from blueprints.core.identity import check_permissions

            check_permissions(self.path, permissions, self.props.service_account)

    def _check_secret_env(self) -> None:
        """No literal credential in any container's env unless opted out with a reason
        (BP044); the value is never shown."""
        props = self.props
        for name, reason in props.env_not_secret.items():
            if not isinstance(reason, str) or not reason.strip():
                raise ConfigError(Problem(self.path, f"env_not_secret[{name!r}]", reason,
                                          "an opt-out needs a reason",
                                          'say why it is not a secret, e.g. "a public key"',
                                          "BP044"))
        envs = [("env", props.env), *((f"{s.name}.env", s.env) for s in props.sidecars)]
        for field_name, env in envs:
            for name, value in env.items():
                what = literal_credential(name, value) if isinstance(value, str) else None
                if what is None:
                    continue
                why = props.env_not_secret.get(name)
                if why is None:
                    raise ConfigError(Problem(
                        self.path, f"{field_name}[{name!r}]", REDACTED, what,
                        f'use SecretKeyRef("<secret>", "<key>"), or pass env_not_secret='
                        f'{{"{name}": "<why it is not a secret>"}}', "BP044"))
                recorded = f"{name} is not a secret ({why.strip()})"
                if recorded not in self.opt_outs.get("BP044", []):
                    self._opt_out("BP044", recorded)

    def _opt_out(self, practice: str, reason: str) -> None:
        """Record a loosened practice on the objects, so that lint agrees with synth."""
        self.opt_outs.setdefault(practice, []).append(reason)

    def _check_resources(self) -> None:
        """Quantities well formed, memory in sane amounts, the limit above the request (BP040)."""
        props, path = self.props, self.path
        res = props.resources
        for field_name, quantity in (("resources.cpu", res.cpu), ("resources.memory", res.memory),
                                  ("resources.memory_limit", res.memory_limit),
                                  ("resources.cpu_limit", res.cpu_limit)):
            if quantity is None and field_name.endswith("limit"):
                continue
            amount = parse_quantity(quantity)
            if amount is None or amount < 0:
                raise ConfigError(Problem(path, field_name, quantity,
                                          "not a non-negative Kubernetes quantity",
                                          'write it like "100m", "0.5" or "128Mi"', "BP040"))
            small = memory_too_small(quantity, amount) if "memory" in field_name else None
            if small is not None:
                what, how, instead = small
                raise ConfigError(Problem(path, field_name, quantity, what,
                                          f'{how}: {field_name}="{instead}"', "BP040"))
        memory, limit = parse_quantity(res.memory), parse_quantity(res.memory_limit or res.memory)
        if memory is not None and limit is not None and limit < memory:
            raise ConfigError(Problem(path, "resources.memory_limit", res.memory_limit,
                                      f"below the memory request {res.memory}",
                                      "raise the limit to at least the request", "BP040"))

    def _check_numbers(self) -> None:
        props, path = self.props, self.path
        for field_name, value in (("shutdown_seconds", props.shutdown_seconds),
                                  ("pre_stop_seconds", self.pre_stop_seconds)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ConfigError(Problem(path, field_name, value, "must be a whole number >= 0",
                                          f"set {field_name}=0 or more", "BP023"))
        grace = self.grace_seconds
        if isinstance(grace, bool) or not isinstance(grace, int) or grace <= self.pre_stop_seconds:
            raise ConfigError(Problem(
                path, "termination_grace_seconds", grace,
                f"must be greater than the preStop pause ({self.pre_stop_seconds}s): the grace "
                "period counts from the deletion, pause included",
                f"raise it above {self.pre_stop_seconds}, or set shutdown_seconds instead",
                "BP023"))
        if isinstance(props.run_as_user, bool) or not isinstance(props.run_as_user, int) or (
            props.run_as_user < 0
        ):
            raise ConfigError(Problem(path, "run_as_user", props.run_as_user,
                                      "must be a user ID >= 0", "pass a number", "BP041"))
        self._check_identity()
        if props.run_as_user == 0:
            if not props.allow_root:
                raise ConfigError(Problem(
                    path, "run_as_user", 0, "runs as root", "pick a non-root user ID, or pass "
                    "allow_root=True to opt out on the record", "BP041"))
            self._opt_out("BP041", "runs as root (allow_root=True)")
        if not props.read_only_root_filesystem:
            self._opt_out("BP041", "writable root filesystem (read_only_root_filesystem=False)")
        if props.mount_service_account_token:
            self._opt_out("BP041", "API token mounted (mount_service_account_token=True)")
        if props.image_pull_policy not in (None, "Always", "IfNotPresent", "Never"):
            raise ConfigError(Problem(path, "image_pull_policy", props.image_pull_policy,
                                      "not a pull policy", "use IfNotPresent, Always or Never",
                                      "BP002"))
        self._check_resources()
        for path_ in props.writable_paths:
            if not isinstance(path_, str) or not path_.startswith("/"):
                raise ConfigError(Problem(path, "writable_paths", path_,
                                          "must be an absolute path", 'e.g. "/tmp"', "BP041"))
        for name, env_value in props.env.items():
            if not isinstance(name, str) or not re.fullmatch(r"[-._a-zA-Z][-._a-zA-Z0-9]*", name):
                raise ConfigError(Problem(path, "env", name, "not a valid variable name",
                                          "use letters, digits, '_', '-' and '.'"))
            if isinstance(env_value, str) and is_ip_literal(env_value):
                raise ConfigError(Problem(
                    path, f"env[{name!r}]", env_value, "an IP address: pods move and IPs change",
                    "use the Service name (e.g. mydb.shop.svc)", "BP010"))
            if not isinstance(env_value, str | SecretKeyRef | ConfigMapKeyRef):
                raise ConfigError(Problem(path, f"env[{name!r}]", env_value,
                                          "env values are strings or key references",
                                          "quote the value, or use SecretKeyRef/ConfigMapKeyRef"))
        self._check_secret_env()
        if CONFIG_HASH_ANNOTATION in props.pod_annotations:
            raise ConfigError(Problem(path, f"pod_annotations[{CONFIG_HASH_ANNOTATION!r}]",
                                      props.pod_annotations[CONFIG_HASH_ANNOTATION],
                                      "blueprint sets it: the hash of the mounted configuration",
                                      "remove it (pods roll when their configuration changes)"))
        for entry in props.allow_from:
            if isinstance(entry, ClientRef):
                continue
            if not isinstance(entry, str):
                raise ConfigError(Problem(path, "allow_from", entry, "not a caller",
                                          "use a component, 'namespace:<name>', a CIDR block or "
                                          "'anywhere'", "BP042"))
            source, port = allow_entry(path, entry)
            self._allow_texts.append((entry, source, port))
            on = f" on port {port}" if port is not None else ""
            if source.startswith("namespace:"):
                check_name(source.removeprefix("namespace:"), component=path,
                           field="allow_from")
            elif "/" in source:
                if _cidr_peer(source) is None:
                    raise ConfigError(Problem(path, "allow_from", entry, "not a CIDR block",
                                              'write it like "203.0.113.0/24" (or '
                                              '"203.0.113.0/24:http" for one port)', "BP042"))
                if source in ("0.0.0.0/0", "::/0"):
                    self._opt_out("BP042", f"admits {source}{on} (allow_from)")
            elif source == ANYWHERE:
                self._opt_out("BP042", f"admits traffic from anywhere{on} "
                              f"(allow_from=[{entry!r}])")


def _env(values: Mapping[str, EnvValue]) -> list[Manifest]:
    env: list[Manifest] = []
    for name, value in values.items():
        if isinstance(value, SecretKeyRef):
            env.append({"name": name, "valueFrom": {
                "secretKeyRef": {"name": value.name, "key": value.key}}})
        elif isinstance(value, ConfigMapKeyRef):
            env.append({"name": name, "valueFrom": {
                "configMapKeyRef": {"name": value.name, "key": value.key}}})
        else:
            env.append({"name": name, "value": value})
    return env


def release_ingress(release: str, ports: Sequence[int]) -> list[Manifest]:
    """The ingress rule of a component that nobody declared as a caller: from the pods of its
    release, on its ports (what :class:`_Rules` renders for that one peer)."""
    if not ports:
        return []
    return [{"from": [{"podSelector": {"matchLabels": {"app.kubernetes.io/instance": release}}}],
             "ports": [{"port": number, "protocol": "TCP"} for number in sorted(set(ports))]}]


class _Rules:
    """Policy rules built from (peer, ports) pairs: each peer gets the union of its ports, and
    peers with the same ports share a rule. Sorted, so declaration order changes nothing."""

    def __init__(self) -> None:
        self._ports: dict[str, tuple[Manifest | None, set[int]]] = {}

    def __bool__(self) -> bool:
        return bool(self._ports)

    def admit(self, peer: Manifest | None, ports: Sequence[int]) -> None:
        """Admit ``peer`` (``None``: every source) on ``ports``."""
        key = "" if peer is None else _peer_key(peer)
        self._ports.setdefault(key, (peer, set()))[1].update(ports)

    def render(self, direction: str) -> list[Manifest]:
        """The rules, ``from`` or ``to`` each peer group; a ``None`` peer gets no peer list."""
        groups: dict[tuple[int, ...], list[tuple[str, Manifest | None]]] = {}
        for key, (peer, numbers) in self._ports.items():
            groups.setdefault(tuple(sorted(numbers)), []).append((key, peer))
        rules: list[Manifest] = []
        for ports, group in sorted(groups.items()):
            port_list = [{"port": number, "protocol": "TCP"} for number in ports]
            if any(peer is None for _, peer in group):
                rules.append({"ports": port_list} if port_list else {})
            peers = sorted(((k, p) for k, p in group if p is not None), key=lambda kp: kp[0])
            if peers:
                rule: Manifest = {direction: [p for _, p in peers]}
                if port_list:
                    rule["ports"] = port_list
                rules.append(rule)
        return rules


def _peer_key(peer: Manifest) -> str:
    """The peer's canonical JSON, which orders the rules; peers repeat (every component of a
    release admits the release), so it is found once per distinct peer: its ``repr`` (same
    text, same content) is the key."""
    text = repr(peer)
    key = _PEER_KEYS.get(text)
    if key is None:
        if len(_PEER_KEYS) >= 4096:
            _PEER_KEYS.clear()
        key = _PEER_KEYS[text] = json.dumps(peer, sort_keys=True)
    return key


_PEER_KEYS: dict[str, str] = {}


def _git_port(repository: str) -> int:
    """The port a git remote answers on: 443 for https (the default), 80, 22 or 9418."""
    for prefix, port in (("http://", 80), ("ssh://", 22), ("git://", 9418)):
        if repository.startswith(prefix):
            return port
    return 22 if "@" in repository.split("/", 1)[0] else 443


def allow_entry(path: str, entry: str) -> tuple[str, str | None]:
    """An ``allow_from`` text split into its source and the port it names, if any:
    ``namespace:monitoring:metrics``, ``10.0.0.0/8:8080``, ``anywhere:http``, ``api:metrics``.

    Raises:
        ConfigError: The port is empty, or neither a port name nor a number from 1 to 65535.
    """
    if is_ip_literal(entry):  # one address, IPv6 ones included: not a component and a port
        raise ConfigError(Problem(path, "allow_from", entry, "a single address, not a CIDR block",
                                  f'write it as a block: "{entry.strip("[]")}/'
                                  f'{128 if ":" in entry else 32}"',
                                  "BP042"))
    if entry.startswith("namespace:"):
        name, sep, port = entry.removeprefix("namespace:").partition(":")
        source = f"namespace:{name}"
    elif "/" in entry:  # a CIDR block, IPv6 ones included: the port follows the prefix length
        network, _, tail = entry.rpartition("/")
        prefix, sep, port = tail.partition(":")
        source = f"{network}/{prefix}"
    else:  # anywhere, or a component id
        source, sep, port = entry.partition(":")
    if not sep:
        return source, None
    number = port.isascii() and port.isdigit()  # "²" is a digit to isdigit, not to int
    if not (number and 1 <= int(port) <= 65535) and not (
            not number and PORT_NAME.fullmatch(port)):
        raise ConfigError(Problem(path, "allow_from", entry, f"names no port: {port!r}",
                                  f"end it with a port name or number ({source}:http, "
                                  f"{source}:8080), or with nothing to admit every port",
                                  "BP042"))
    return source, port


def _namespace_peer(namespace: str) -> Manifest:
    return {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": namespace}}}


def _cidr_peer(block: str) -> Manifest | None:
    try:
        network = ipaddress.ip_network(block)
    except ValueError:
        return None
    return {"ipBlock": {"cidr": str(network)}}


def _peer(client: ClientRef, namespace: str) -> Manifest:
    peer: Manifest = {}
    if client.namespace != namespace:
        peer["namespaceSelector"] = {"matchLabels": {
            "kubernetes.io/metadata.name": client.namespace}}
    peer["podSelector"] = {"matchLabels": dict(client.selector)}
    return peer


def _claim_path(component: str, field: str, path: str, paths: dict[str, str]) -> None:
    """Record ``path`` for one container, refusing one that another mount already holds once
    normalised (``/tmp/``, ``//tmp`` and ``/./tmp`` are ``/tmp``)."""
    key = mount_point(path)
    first = paths.get(key)
    if first is not None:
        where = "" if first == f"{field}={path}" else f": {first} mounts there too"
        raise ConfigError(Problem(component, field, path,
                                  f"two volumes mounted at one path{where}",
                                  "mount each volume at its own path", "BP012"))
    paths[key] = f"{field}={path}"
