"""WorkerWithInit: a Deployment that starts once its dependencies answer (BP010, BP015)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

from blueprints._lazy import LazyPattern
from blueprints.core.image import ImageRef, parse_image
from blueprints.core.names import check_name, is_ip_literal
from blueprints.core.web_app import check_port, check_replicas
from blueprints.core.workload import Manifest, Resources, Workload, WorkloadProps
from blueprints.errors import ConfigError, Problem

__all__ = [
    "Dependency",
    "WorkerWithInitCore",
    "WorkerWithInitProps",
    "dependency_on",
    "parse_dependency",
]

_WAIT_RESOURCES = Resources(cpu="10m", memory="16Mi")
_MAX_WAIT_SECONDS = 24 * 3600

# The namespace comes from the downward API (BP015); the cluster domain from the resolver's
# search path, so "<service>.<namespace>.svc" works in any cluster.
_WAIT_TCP = """\
deadline=$(( $(date +%s) + WAIT_TIMEOUT ))
until nc -z -w 2 "$WAIT_HOST" "$WAIT_PORT"; do
  if [ "$(date +%s)" -ge "$deadline" ]; then
    echo "wait-for: $WAIT_HOST:$WAIT_PORT not reachable after ${WAIT_TIMEOUT}s, giving up" >&2
    exit 1
  fi
  echo "wait-for: waiting for $WAIT_HOST:$WAIT_PORT to accept connections"
  sleep 2
done
echo "wait-for: $WAIT_HOST:$WAIT_PORT is reachable"
"""
_WAIT_DNS = """\
deadline=$(( $(date +%s) + WAIT_TIMEOUT ))
until nslookup "$WAIT_HOST" >/dev/null 2>&1; do
  if [ "$(date +%s)" -ge "$deadline" ]; then
    echo "wait-for: $WAIT_HOST does not resolve after ${WAIT_TIMEOUT}s, giving up" >&2
    exit 1
  fi
  echo "wait-for: waiting for $WAIT_HOST to resolve"
  sleep 2
done
echo "wait-for: $WAIT_HOST resolves"
"""


@dataclass(frozen=True, slots=True)
class Dependency:
    """A Service the worker waits for.

    Attributes:
        service: The Service name (DNS-1035), never an IP (BP010).
        namespace: Its namespace; ``None`` means the worker's own.
        port: A port to wait on with TCP; ``None`` waits until the name resolves (BP015).
        component: The blueprint component behind it, whose NetworkPolicy then admits the worker.
    """

    service: str
    namespace: str | None = None
    port: int | None = None
    component: Workload | None = None
    pod_port: int | None = None


_DEPENDENCY = LazyPattern(r"(?P<service>[^.:]+)(?:\.(?P<namespace>[^.:]+))?(?::(?P<port>\d+))?")


def parse_dependency(text: object, *, component: str) -> Dependency:
    """Parse ``service``, ``service:port``, ``service.namespace`` or ``service.namespace:port``.

    Raises:
        ConfigError: It is an IP address (BP010), or not a Service name (BP006).
    """
    if not isinstance(text, str):
        raise ConfigError(Problem(component, "wait_for", text,
                                  "a dependency is a Service name or a construct",
                                  'pass "mydb" or "mydb:5432"', "BP010"))
    host = text.rsplit(":", 1)[0] if text.count(":") == 1 else text
    if is_ip_literal(text) or is_ip_literal(host):
        raise ConfigError(Problem(component, "wait_for", text,
                                  "an IP address: pods move and their IPs change",
                                  "name the Service instead, e.g. \"mydb\" or \"mydb:5432\"",
                                  "BP010"))
    match = _DEPENDENCY.fullmatch(text)
    if match is None:
        raise ConfigError(Problem(component, "wait_for", text,
                                  "not service[.namespace][:port]", 'e.g. "mydb:5432"', "BP006"))
    service = check_name(match["service"], component=component, field="wait_for",
                         kind="service")
    namespace = match["namespace"]
    if namespace is not None:
        check_name(namespace, component=component, field="wait_for")
    port = check_port(int(match["port"]), component=component,
                      field="wait_for") if match["port"] else None
    return Dependency(service, namespace, port)


@dataclass(frozen=True, kw_only=True, slots=True)
class WorkerWithInitProps(WorkloadProps):
    """Props of a :class:`~blueprints.WorkerWithInit`; see :class:`WorkloadProps` too.

    Attributes:
        wait_for: Dependencies, each a Service name (``"mydb"``, ``"mydb:5432"``,
            ``"mydb.other-ns:5432"``) or a blueprint construct. Never an IP (BP010).
        wait_timeout_seconds: How long each init container waits before failing the pod
            (which then restarts with back-off). 1 to 86400. Default 300.
        wait_image: The image of the init containers. Default ``busybox:1.36.1``.
        replicas: Pods to run. Default 1.
        wait_for_calls: Also wait for every component in ``calls`` (on the Service port the
            call uses; external addresses are not waited on). Default False.
    """

    wait_for: Sequence[str | Dependency] = ()
    wait_for_calls: bool = False
    wait_timeout_seconds: int = 300
    wait_image: str = "busybox:1.36.1"
    replicas: int = 1


class WorkerWithInitCore(Workload):
    """The pure rendering of a :class:`~blueprints.WorkerWithInit`."""

    role: ClassVar[str] = "worker"
    serves: ClassVar[bool] = False
    props: WorkerWithInitProps

    def _check(self) -> None:
        props = self.props
        check_replicas(props.replicas, component=self.path)
        timeout = props.wait_timeout_seconds
        if isinstance(timeout, bool) or not isinstance(timeout, int) or not (
            0 < timeout <= _MAX_WAIT_SECONDS
        ):
            raise ConfigError(Problem(self.path, "wait_timeout_seconds", timeout,
                                      f"the wait must be bounded: 1 to {_MAX_WAIT_SECONDS}",
                                      "pass a number of seconds, e.g. 300", "BP015"))
        self.wait_image: ImageRef = parse_image(props.wait_image, component=self.path,
                                                field="wait_image")
        if not self.wait_image.pinned:
            raise ConfigError(Problem(self.path, "wait_image", props.wait_image,
                                      str(self.wait_image.moving_reason),
                                      "pin a version tag such as busybox:1.36.1", "BP001"))
        self.dependencies: tuple[Dependency, ...] = tuple(
            dep if isinstance(dep, Dependency) else parse_dependency(dep, component=self.path)
            for dep in props.wait_for
        )
        names = [self._container_name(dep) for dep in self.dependencies]
        for name in names:
            if names.count(name) > 1:
                raise ConfigError(Problem(self.path, "wait_for", name, "listed twice",
                                          "list each dependency once"))

    def waited_components(self) -> list[tuple[Workload, int]]:
        return [(dep.component, dep.pod_port) for dep in self.dependencies
                if dep.component is not None and dep.pod_port is not None]

    def external_wait_ports(self) -> list[int]:
        return [dep.port for dep in self.dependencies
                if dep.component is None and dep.port is not None]

    def render(self) -> list[Manifest]:
        dependencies = list(self.dependencies)
        if self.props.wait_for_calls:
            names = {self._container_name(dep) for dep in dependencies}
            for connection in self.connections:
                if connection.callee is None:
                    continue  # an outside address: no Service name to wait on
                service, _, namespace = connection.host.partition(".")
                dep = Dependency(service, namespace.removesuffix(".svc") or None,
                                 connection.service_port, connection.callee,
                                 connection.pod_port)
                if self._container_name(dep) not in names:
                    dependencies.append(dep)
        waits = [self._wait_container(dep) for dep in dependencies]
        deployment = self.deployment(self.props.replicas, init_containers=waits)
        return [*self.claims(), deployment, self.network_policy()]

    def _container_name(self, dep: Dependency) -> str:
        suffix = f"-{dep.namespace}" if dep.namespace and dep.component is None else ""
        return f"wait-for-{dep.service}{suffix}"[:63].rstrip("-")

    def _wait_container(self, dep: Dependency) -> Manifest:
        namespace = dep.namespace or "$(POD_NAMESPACE)"
        env: list[Manifest] = [
            {"name": "POD_NAMESPACE", "valueFrom": {"fieldRef": {
                "fieldPath": "metadata.namespace"}}},
            {"name": "WAIT_HOST", "value": f"{dep.service}.{namespace}.svc"},
        ]
        if dep.port is not None:
            env.append({"name": "WAIT_PORT", "value": str(dep.port)})
        env.append({"name": "WAIT_TIMEOUT", "value": str(self.props.wait_timeout_seconds)})
        script = _WAIT_TCP if dep.port is not None else _WAIT_DNS
        return self.container(self._container_name(dep), self.wait_image,
                              command=["sh", "-c", script], env=env, resources=_WAIT_RESOURCES)


def dependency_on(component: Workload, namespace_of_worker: str) -> Dependency:
    """A dependency on a blueprint component: its Service and main port, admitted by its policy."""
    service = getattr(component, "service_name", None)
    if service is None:
        raise ConfigError(Problem(component.path, "wait_for", component.path,
                                  "has no Service to wait for",
                                  "depend on a WebApp or StatefulWebApp", "BP015"))
    namespace = component.namespace if component.namespace != namespace_of_worker else None
    # Wait on the port the Service offers; the callee's policy admits the pod port behind it.
    ports = component.service_ports()
    service_port, pod_port = (ports[0][1], ports[0][2]) if ports else (None, None)
    return Dependency(service, namespace, service_port, component, pod_port)

