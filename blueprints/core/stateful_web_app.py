"""StatefulWebApp: stable identity and per-pod storage (BP010, BP011, BP012, BP025)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from blueprints.core.names import check_name
from blueprints.core.quantity import parse_quantity
from blueprints.core.web_app import (
    INT32_MAX,
    check_extra_ports,
    check_port,
    check_replicas,
    check_service_port,
    exposure_manifests,
    exposures_of,
)
from blueprints.core.workload import Manifest, Workload, WorkloadProps
from blueprints.errors import ConfigError, Problem

if TYPE_CHECKING:
    from blueprints.core.web_app import Exposable


def __getattr__(name: str) -> Any:
    """``Exposable`` (for the props annotation), from :mod:`blueprints.core.web_app`, which
    builds it when first asked for."""
    if name != "Exposable":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from blueprints.core import web_app

    return web_app.Exposable

__all__ = ["StatefulWebAppCore", "StatefulWebAppProps", "Storage"]

#: The environment variable that lists the peers' stable hostnames, comma-separated.
PEERS_ENV = "PEERS"

#: ``PEERS`` lists the first this many pods. Linux refuses to start a process whose single
#: environment string is longer than MAX_ARG_STRLEN, 32 pages or 128 KiB
#: (include/uapi/linux/binfmts.h), and a hostname here may be some 200 characters long: 256 of
#: them stay under 52 KiB, whatever ``replicas`` is. Larger sets start from those first pods.
MAX_LISTED_PEERS = 256


@dataclass(frozen=True, kw_only=True, slots=True)
class Storage:
    """A PersistentVolumeClaim per pod, kept across rescheduling and node changes (BP012).

    Attributes:
        size: The requested size, for example ``1Gi``. Required.
        mount_path: Where the container sees it. Required.
        name: The claim template's name. Default ``data``.
        storage_class: A StorageClass name. Default: the cluster's default class.
        access_modes: Default ``("ReadWriteOnce",)``.
    """

    size: str
    mount_path: str
    name: str = "data"
    storage_class: str | None = None
    access_modes: Sequence[str] = field(default=("ReadWriteOnce",))


@dataclass(frozen=True, kw_only=True, slots=True)
class StatefulWebAppProps(WorkloadProps):
    """Props of a :class:`~blueprints.StatefulWebApp`; see :class:`WorkloadProps` too.

    Attributes:
        port: The port the app listens on. Default 8080.
        port_name: The port's name. Default ``http``.
        replicas: Pods to run. Default 2.
        storage: Per-pod volumes (``volumeClaimTemplates``). Default none.
        retain_claims_on_scale_down: Keep the claims of removed ordinals, so their data can be
            moved (BP026). Default True.
        retain_claims_on_delete: Keep the claims when the StatefulSet is deleted. Default True.
        extra_ports: More ports by name, e.g. ``{"transport": 9300}``. Default none.
        service_port: The client Service's port for the main port (the headless Service keeps
            the pod's). Default: ``port``.
        expose: Traffic from outside the cluster, as for :class:`~blueprints.WebAppProps`.
            Default: none.
    """

    port: int = 8080
    port_name: str = "http"
    replicas: int = 2
    storage: Sequence[Storage] | Storage = ()
    retain_claims_on_scale_down: bool = True
    retain_claims_on_delete: bool = True
    extra_ports: Mapping[str, int] = field(default_factory=dict)
    service_port: int | None = None
    expose: Exposable = ()


class StatefulWebAppCore(Workload):
    """The pure rendering of a :class:`~blueprints.StatefulWebApp`."""

    role: ClassVar[str] = "web"
    props: StatefulWebAppProps

    def _check(self) -> None:
        props = self.props
        check_name(self.id, component=self.path, field="id", kind="service", max_length=52)
        check_port(props.port, component=self.path)
        check_name(props.port_name, component=self.path, field="port_name", kind="port")
        check_replicas(props.replicas, component=self.path)  # int32 at most
        check_extra_ports(self.path, props.port_name, props.port, props.extra_ports)
        storage = props.storage
        self.storage: tuple[Storage, ...] = (storage,) if isinstance(storage, Storage) else tuple(
            storage)
        seen: set[str] = set()
        for item in self.storage:
            check_name(item.name, component=self.path, field="storage.name")
            if item.name in seen:
                raise ConfigError(Problem(self.path, "storage.name", item.name,
                                          "two volumes share the name", "rename one", "BP006"))
            seen.add(item.name)
            amount = parse_quantity(item.size)
            if amount is None or amount <= 0:
                raise ConfigError(Problem(self.path, "storage.size", item.size,
                                          "not a positive quantity", 'write it like "1Gi"',
                                          "BP012"))
            if not isinstance(item.mount_path, str) or not item.mount_path.startswith("/"):
                raise ConfigError(Problem(self.path, "storage.mount_path", item.mount_path,
                                          "must be an absolute path", 'e.g. "/data"', "BP012"))
        check_service_port(self.path, props.service_port, props.extra_ports)
        self.exposures = exposures_of(self, props.expose)
        self.peers_talk = props.replicas != 1  # one pod has no peers to talk to

    @property
    def ports(self) -> tuple[tuple[str, int], ...]:
        return ((self.props.port_name, self.props.port), *self.props.extra_ports.items())

    def extra_mount_paths(self) -> list[tuple[str, str]]:
        return [("storage.mount_path", s.mount_path) for s in self.storage]

    def service_ports(self) -> tuple[tuple[str, int, int], ...]:
        props = self.props
        main = props.service_port if props.service_port is not None else props.port
        return ((props.port_name, main, props.port),
                *((name, number, number) for name, number in props.extra_ports.items()))

    @property
    def service_name(self) -> str:
        """The client Service's name: the component id."""
        return self.id

    @property
    def headless_service_name(self) -> str:
        """The headless Service that gives each pod its DNS name: ``<id>-headless`` (BP011)."""
        return f"{self.id}-headless"

    def hostname(self, ordinal: int) -> str:
        """The stable DNS name of pod ``ordinal``: ``<id>-<n>.<id>-headless.<namespace>.svc``.

        The cluster domain is left to the resolver's search path, never ``cluster.local``.
        """
        if (isinstance(ordinal, bool) or not isinstance(ordinal, int) or ordinal < 0
                or ordinal > INT32_MAX):
            raise ConfigError(Problem(self.path, "ordinal", ordinal, "must be a whole number "
                                      ">= 0", "pass 0 for the first pod", "BP011"))
        return f"{self.id}-{ordinal}.{self.headless_service_name}.{self.namespace}.svc"

    def peer_hostnames(self) -> list[str]:
        """The stable DNS names of the pods, in ordinal order (BP010, BP011): all of them, or
        the first :data:`MAX_LISTED_PEERS`, so that the list never grows with
        ``replicas`` beyond what a process environment can hold."""
        return [self.hostname(i) for i in range(min(self.props.replicas, MAX_LISTED_PEERS))]

    def render(self) -> list[Manifest]:
        mounts = [{"name": s.name, "mountPath": s.mount_path} for s in self.storage]
        peers = {"name": PEERS_ENV, "value": ",".join(self.peer_hostnames())}
        template = self.pod_template(extra_env=[peers], extra_mounts=mounts)
        claims = [self._claim_template(s) for s in self.storage]
        spec: Manifest = {
            "persistentVolumeClaimRetentionPolicy": {
                "whenDeleted": "Retain" if self.props.retain_claims_on_delete else "Delete",
                "whenScaled": "Retain" if self.props.retain_claims_on_scale_down else "Delete",
            },
            "podManagementPolicy": "OrderedReady",
            "replicas": self.props.replicas,
            "selector": {"matchLabels": dict(self.selector)},
            "serviceName": self.headless_service_name,
            "template": template,
            "updateStrategy": {"type": "RollingUpdate"},
        }
        if claims:
            spec["volumeClaimTemplates"] = claims
        stateful_set = {"apiVersion": "apps/v1", "kind": "StatefulSet",
                        "metadata": self.metadata(self.id), "spec": spec}
        return [
            *self.claims(),
            stateful_set,
            self.service(self.headless_service_name, headless=True),
            self.service(self.service_name),
            self.pod_disruption_budget(),
            *exposure_manifests(self, self.exposures, self.service_name,
                                self.service_ports()[0][1], self.props.port_name),
            self.network_policy(),
        ]

    def _claim_template(self, storage: Storage) -> Manifest:
        # Only the stable labels: volumeClaimTemplates cannot change after creation.
        spec: Manifest = {
            "accessModes": list(storage.access_modes),
            "resources": {"requests": {"storage": storage.size}},
        }
        if storage.storage_class is not None:
            spec["storageClassName"] = storage.storage_class
        return {"metadata": {"name": storage.name, "labels": dict(self.selector)}, "spec": spec}
