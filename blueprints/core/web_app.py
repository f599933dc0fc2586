"""WebApp: a stateless, Service-backed component (Deployment, Service, PDB, NetworkPolicy)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from blueprints.core.names import check_name
from blueprints.core.workload import Manifest, Workload, WorkloadProps
from blueprints.errors import ConfigError, Problem

__all__ = [
    "Exposable",
    "WebAppCore",
    "WebAppProps",
    "check_extra_ports",
    "check_port",
    "check_replicas",
    "check_service_port",
]

if TYPE_CHECKING:
    from blueprints.core.exposure import HTTPRoute, Ingress, LoadBalancer, NodePort

    #: What ``expose=`` takes: one exposure or several.
    Exposable = Ingress | HTTPRoute | LoadBalancer | NodePort | Sequence[
        Ingress | HTTPRoute | LoadBalancer | NodePort]


def __getattr__(name: str) -> Any:
    """``Exposable``, built when first asked for: most blueprints expose nothing, and never
    load :mod:`blueprints.core.exposure` (its props annotation resolves through here)."""
    if name != "Exposable":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from blueprints.core.exposure import HTTPRoute, Ingress, LoadBalancer, NodePort

    exposable = Ingress | HTTPRoute | LoadBalancer | NodePort | Sequence[
        Ingress | HTTPRoute | LoadBalancer | NodePort]
    globals()["Exposable"] = exposable
    return exposable


def exposures_of(component: Workload, expose: object) -> tuple[Any, ...]:
    """``expose`` checked (:func:`blueprints.core.exposure.check_exposure`); nothing to load
    for a component that is not exposed (most components)."""
    if not expose and type(expose) in (list, tuple):
        return ()
    from blueprints.core.exposure import check_exposure

    return check_exposure(component, expose)


def exposure_manifests(component: Workload, exposures: Sequence[Any], service: str,
                       service_port: int, port_name: str) -> list[Manifest]:
    """The objects of each exposure (:func:`blueprints.core.exposure.exposure_objects`)."""
    if not exposures:
        return []
    from blueprints.core.exposure import exposure_objects

    return [m for exposure in exposures
            for m in exposure_objects(component, exposure, service, service_port, port_name)]


@dataclass(frozen=True, kw_only=True, slots=True)
class WebAppProps(WorkloadProps):
    """Props of a :class:`~blueprints.WebApp`; see :class:`WorkloadProps` for the shared ones.

    Attributes:
        port: The port the app listens on; the Service exposes it too. Default 8080.
        port_name: The port's name, used by probes and the Service. Default ``http``.
        replicas: Pods to run; a PodDisruptionBudget is added when more than one. Default 2.
        extra_ports: More ports by name, e.g. ``{"metrics": 9090}``, on the Service too. The
            NetworkPolicy admits them to what ``allow_from`` lists (or the release, when nobody
            calls the component) and to callers that call them (``Call(web, "metrics")``), not
            to every caller. Default none.
        service_port: The port the Service offers for the main port, e.g. 80 in front of a
            container on 8080; callers' addresses use it. Default: ``port``.
        expose: Traffic from outside the cluster (BP042): ``Ingress(host=...)``,
            ``HTTPRoute(gateway=...)``, ``LoadBalancer(source_ranges=[...])`` or
            ``NodePort(source_ranges=[...])``, or a list of them. The NetworkPolicy admits
            exactly the matching source. Default: none.
    """

    port: int = 8080
    port_name: str = "http"
    replicas: int = 2
    extra_ports: Mapping[str, int] = field(default_factory=dict)
    service_port: int | None = None
    expose: Exposable = ()


class WebAppCore(Workload):
    """The pure rendering of a :class:`~blueprints.WebApp`."""

    role: ClassVar[str] = "web"
    props: WebAppProps

    def _check(self) -> None:
        props = self.props
        check_port(props.port, component=self.path)
        check_name(props.port_name, component=self.path, field="port_name", kind="port")
        check_replicas(props.replicas, component=self.path)
        check_extra_ports(self.path, props.port_name, props.port, props.extra_ports)
        check_service_port(self.path, props.service_port, props.extra_ports)
        self.exposures = exposures_of(self, props.expose)

    @property
    def ports(self) -> tuple[tuple[str, int], ...]:
        return ((self.props.port_name, self.props.port), *self.props.extra_ports.items())

    def service_ports(self) -> tuple[tuple[str, int, int], ...]:
        props = self.props
        main = props.service_port if props.service_port is not None else props.port
        return ((props.port_name, main, props.port),
                *((name, number, number) for name, number in props.extra_ports.items()))

    @property
    def service_name(self) -> str:
        """The Service's name: the component id."""
        return self.id

    def render(self) -> list[Manifest]:
        manifests = [*self.claims(), self.deployment(self.props.replicas),
                     self.service(self.service_name)]
        if self.props.replicas > 1:
            manifests.append(self.pod_disruption_budget())
        manifests.extend(self.exposure_objects())
        manifests.append(self.network_policy())
        return manifests

    def exposure_objects(self) -> list[Manifest]:
        """The Ingress, HTTPRoute or public Service of each exposure, on the main port."""
        name, service_port, _ = self.service_ports()[0]
        return exposure_manifests(self, self.exposures, self.service_name, service_port, name)


def check_port(port: object, *, component: str, field: str = "port") -> int:
    """Return ``port`` when it is 1 to 65535.

    Raises:
        ConfigError: It is not.
    """
    if isinstance(port, bool) or not isinstance(port, int) or not 0 < port < 65536:
        raise ConfigError(Problem(component, field, port, "ports are 1 to 65535",
                                  "pass a port in that range, e.g. 8080"))
    return port


def check_extra_ports(component: str, main_name: str, main_port: int,
                      extra: Mapping[str, int]) -> None:
    """Check extra ports: valid names and numbers, none repeating another.

    Raises:
        ConfigError: A name or number is invalid or taken.
    """
    names, numbers = {main_name}, {main_port}
    for name, number in extra.items():
        check_name(name, component=component, field="extra_ports", kind="port")
        check_port(number, component=component, field=f"extra_ports[{name!r}]")
        if name in names or number in numbers:
            raise ConfigError(Problem(component, "extra_ports", f"{name}={number}",
                                      "repeats a port name or number", "use each once"))
        names.add(name)
        numbers.add(number)


def check_service_port(component: str, service_port: object,
                       extra: Mapping[str, int]) -> None:
    """Check the main port's Service port: 1 to 65535, not taken by an extra port.

    Raises:
        ConfigError: It is out of range or taken.
    """
    if service_port is None:
        return
    check_port(service_port, component=component, field="service_port")
    if service_port in extra.values():
        raise ConfigError(Problem(component, "service_port", service_port,
                                  "an extra port already uses the number",
                                  "pick another Service port"))


#: The largest int32: ``replicas`` of a Deployment or StatefulSet is ``format: int32`` in the
#: Kubernetes API (api/openapi-spec, io.k8s.api.apps.v1.DeploymentSpec and StatefulSetSpec).
INT32_MAX = 2**31 - 1


def check_replicas(replicas: object, *, component: str) -> int:
    """Return ``replicas`` when it is a whole number >= 0.

    Raises:
        ConfigError: It is not.
    """
    if isinstance(replicas, bool) or not isinstance(replicas, int) or replicas < 0:
        raise ConfigError(Problem(component, "replicas", replicas,
                                  "must be a whole number >= 0", "pass replicas=1 or more"))
    if replicas > INT32_MAX:
        raise ConfigError(Problem(component, "replicas", replicas,
                                  f"beyond {INT32_MAX}, the most the API takes (int32)",
                                  "pass a smaller number"))
    return replicas
