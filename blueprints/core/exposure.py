"""Exposure: how traffic from outside the cluster reaches a component (BP042).

Each kind renders its object (an Ingress, a Gateway API HTTPRoute, a LoadBalancer or NodePort
Service) and names the one source the component's NetworkPolicy admits: the ingress
controller's namespace, the gateway's namespace, or the load balancer's source ranges.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from blueprints.core.names import check_name, name_problem
from blueprints.errors import ConfigError, Problem

if TYPE_CHECKING:
    from blueprints.core.workload import Workload

__all__ = [
    "DEFAULT_INGRESS_NAMESPACE",
    "HTTPRoute",
    "Ingress",
    "LoadBalancer",
    "NodePort",
    "check_exposure",
    "exposure_objects",
    "exposure_peers",
]

#: Where the ingress-nginx controller runs when installed as its quick start shows
#: (kubernetes/ingress-nginx, docs/deploy/index.md: "It will install the controller in the
#: `ingress-nginx` namespace").
DEFAULT_INGRESS_NAMESPACE = "ingress-nginx"
_EVERYWHERE = ("0.0.0.0/0", "::/0")


@dataclass(frozen=True, kw_only=True, slots=True)
class Ingress:
    """An ``networking.k8s.io/v1`` Ingress to the component's Service port.

    Attributes:
        host: The host name, e.g. ``shop.example.com``. Required.
        path: A path prefix. Default ``/``.
        class_name: The IngressClass. Default: the cluster's default class.
        tls_secret: A Secret holding the certificate for ``host``. Default: no TLS.
        controller_namespace: Where the ingress controller's pods run; the NetworkPolicy admits
            that namespace, and only it. Default ``ingress-nginx``.
    """

    host: str
    path: str = "/"
    class_name: str | None = None
    tls_secret: str | None = None
    controller_namespace: str = DEFAULT_INGRESS_NAMESPACE


@dataclass(frozen=True, kw_only=True, slots=True)
class HTTPRoute:
    """A Gateway API ``gateway.networking.k8s.io/v1`` HTTPRoute attached to a Gateway.

    Attributes:
        gateway: The parent Gateway's name. Required.
        gateway_namespace: The Gateway's namespace (its listeners must allow routes from the
            component's namespace). Default: the component's namespace.
        section_name: A listener of the Gateway. Default: all of them.
        hostnames: Host names the route answers. Default: the listener's.
        path: A path prefix. Default ``/``.
        proxy_namespace: Where the gateway's proxy pods run; the NetworkPolicy admits that
            namespace, and only it. Default: the Gateway's namespace.
    """

    gateway: str
    gateway_namespace: str | None = None
    section_name: str | None = None
    hostnames: Sequence[str] = ()
    path: str = "/"
    proxy_namespace: str | None = None


@dataclass(frozen=True, kw_only=True, slots=True)
class LoadBalancer:
    """A ``<id>-public`` Service of type LoadBalancer on the main port.

    ``externalTrafficPolicy: Local`` keeps the client's address, so the NetworkPolicy can
    admit exactly ``source_ranges`` (with ``Cluster`` the node's address replaces it).

    Attributes:
        source_ranges: CIDR blocks allowed in, e.g. ``["203.0.113.0/24"]``. Required:
            ``["0.0.0.0/0"]`` admits the internet, recorded as an opt-out (BP042).
    """

    source_ranges: Sequence[str]


@dataclass(frozen=True, kw_only=True, slots=True)
class NodePort:
    """A ``<id>-public`` Service of type NodePort on the main port.

    Attributes:
        source_ranges: CIDR blocks allowed in. Required (see :class:`LoadBalancer`).
        node_port: The port on every node (30000-32767). Default: chosen by the cluster.
    """

    source_ranges: Sequence[str]
    node_port: int | None = None


Exposure = Ingress | HTTPRoute | LoadBalancer | NodePort


def check_exposure(component: Workload, expose: object) -> tuple[Exposure, ...]:
    """Validate ``expose`` and record the opt-out of traffic from anywhere.

    Raises:
        ConfigError: Not an exposure, a bad name, host, path or CIDR block.
    """
    path = component.path
    items = expose if isinstance(expose, list | tuple) else (expose,)
    result: list[Exposure] = []
    for item in items:
        if not isinstance(item, Ingress | HTTPRoute | LoadBalancer | NodePort):
            raise ConfigError(Problem(
                path, "expose", item, "not an exposure",
                'use Ingress(host=...), HTTPRoute(gateway=...), LoadBalancer(source_ranges=...) '
                "or NodePort(source_ranges=...)", "BP042"))
        if isinstance(item, Ingress):
            check_name(item.host, component=path, field="expose.host", kind="subdomain",
                       fix=_host_fix("host", item.host))
            check_name(item.controller_namespace, component=path,
                       field="expose.controller_namespace")
            if item.tls_secret is not None:
                check_name(item.tls_secret, component=path, field="expose.tls_secret",
                           kind="subdomain")
            _check_path(path, item.path)
        elif isinstance(item, HTTPRoute):
            check_name(item.gateway, component=path, field="expose.gateway", kind="subdomain")
            for field, value in (("gateway_namespace", item.gateway_namespace),
                                 ("proxy_namespace", item.proxy_namespace)):
                if value is not None:
                    check_name(value, component=path, field=f"expose.{field}")
            if isinstance(item.hostnames, str) or not isinstance(item.hostnames, list | tuple):
                raise ConfigError(Problem(path, "expose.hostnames", item.hostnames,
                                          "must be a list", 'e.g. hostnames=["shop.example.com"]'))
            for host in item.hostnames:
                check_name(host, component=path, field="expose.hostnames", kind="subdomain",
                           fix=_host_fix("hostnames", host))
            _check_path(path, item.path)
        else:
            if isinstance(item.source_ranges, str) or not item.source_ranges:
                raise ConfigError(Problem(
                    path, "expose.source_ranges", item.source_ranges,
                    "a public Service needs the list of addresses it admits",
                    'pass source_ranges=["203.0.113.0/24"], or ["0.0.0.0/0"] for the internet',
                    "BP042"))
            for block in item.source_ranges:
                try:
                    ipaddress.ip_network(block)
                except (TypeError, ValueError):
                    raise ConfigError(Problem(
                        path, "expose.source_ranges", block, "not a CIDR block",
                        'write it like "203.0.113.0/24"', "BP042")) from None
                if block in _EVERYWHERE:
                    component._opt_out("BP042", f"{type(item).__name__} admits {block}")
            if isinstance(item, NodePort) and item.node_port is not None and (
                isinstance(item.node_port, bool) or not isinstance(item.node_port, int)
                or not 30000 <= item.node_port <= 32767
            ):
                raise ConfigError(Problem(path, "expose.node_port", item.node_port,
                                          "outside the default node port range 30000-32767",
                                          "pick a port in that range, or leave it out"))
        result.append(item)
    public = [i for i in result if isinstance(i, LoadBalancer | NodePort)]
    if len(public) > 1:
        raise ConfigError(Problem(path, "expose", public[1], "one public Service per component",
                                  "keep one LoadBalancer or NodePort"))
    return tuple(result)


def exposure_peers(component: Workload, exposure: Exposure) -> list[dict[str, Any]]:
    """The NetworkPolicy peers that let ``exposure``'s traffic in, and nothing else."""
    if isinstance(exposure, Ingress):
        return [_namespace_peer(exposure.controller_namespace)]
    if isinstance(exposure, HTTPRoute):
        return [_namespace_peer(exposure.proxy_namespace or exposure.gateway_namespace
                                or component.namespace)]
    return [{"ipBlock": {"cidr": block}} for block in exposure.source_ranges]


def exposure_objects(component: Workload, exposure: Exposure, service: str,
                     service_port: int, port_name: str) -> list[dict[str, Any]]:
    """The objects that route outside traffic to ``service`` on ``service_port``."""
    meta = component.metadata
    if isinstance(exposure, Ingress):
        rule = {"host": exposure.host, "http": {"paths": [{
            "backend": {"service": {"name": service, "port": {"number": service_port}}},
            "path": exposure.path, "pathType": "Prefix"}]}}
        spec: dict[str, Any] = {}
        if exposure.class_name is not None:
            spec["ingressClassName"] = exposure.class_name
        spec["rules"] = [rule]
        if exposure.tls_secret is not None:
            spec["tls"] = [{"hosts": [exposure.host], "secretName": exposure.tls_secret}]
        return [{"apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
                 "metadata": meta(component.id), "spec": spec}]
    if isinstance(exposure, HTTPRoute):
        parent: dict[str, Any] = {"group": "gateway.networking.k8s.io", "kind": "Gateway",
                                  "name": exposure.gateway}
        if exposure.gateway_namespace is not None:
            parent["namespace"] = exposure.gateway_namespace
        if exposure.section_name is not None:
            parent["sectionName"] = exposure.section_name
        route: dict[str, Any] = {"parentRefs": [parent]}
        if exposure.hostnames:
            route["hostnames"] = list(exposure.hostnames)
        route["rules"] = [{
            "matches": [{"path": {"type": "PathPrefix", "value": exposure.path}}],
            "backendRefs": [{"group": "", "kind": "Service", "name": service,
                             "port": service_port}],
        }]
        return [{"apiVersion": "gateway.networking.k8s.io/v1", "kind": "HTTPRoute",
                 "metadata": meta(component.id), "spec": route}]
    port: dict[str, Any] = {"name": port_name, "port": service_port, "protocol": "TCP",
                            "targetPort": port_name}
    if isinstance(exposure, NodePort) and exposure.node_port is not None:
        port["nodePort"] = exposure.node_port
    public: dict[str, Any] = {
        # "Local preserves the client source IP ... for LoadBalancer and NodePort type
        # services", so the NetworkPolicy's ipBlock sees the client (kubernetes/website,
        # content/en/docs/tasks/access-application-cluster/create-external-load-balancer.md,
        # "Preserving the client source IP"); with Cluster it sees a node.
        "externalTrafficPolicy": "Local",
    }
    if isinstance(exposure, LoadBalancer):
        public["loadBalancerSourceRanges"] = list(exposure.source_ranges)
    public["ports"] = [port]
    public["selector"] = dict(component.selector)
    public["type"] = "LoadBalancer" if isinstance(exposure, LoadBalancer) else "NodePort"
    return [{"apiVersion": "v1", "kind": "Service", "metadata": meta(f"{component.id}-public"),
             "spec": public}]


def _namespace_peer(namespace: str) -> dict[str, Any]:
    return {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": namespace}}}


def _check_path(component: str, path: object) -> None:
    if not isinstance(path, str) or not path.startswith("/"):
        raise ConfigError(Problem(component, "expose.path", path, "paths start with '/'",
                                  'e.g. "/" or "/api"'))


def _host_fix(field: str, value: object) -> str:
    """Advice for a host that is not a DNS name: the host alone when a URL was given
    (``https://shop.example.com/`` -> ``shop.example.com``), else an example."""
    if isinstance(value, str):
        text = value.strip()
        text = text.split("://", 1)[1] if "://" in text else text
        host = text.split("/", 1)[0].rsplit("@", 1)[-1].split(":", 1)[0].lower().rstrip(".")
        if host and host != value and name_problem(host, kind="subdomain") is None:
            shown = f"[{host!r}]" if field == "hostnames" else repr(host)
            return f"write the host name alone, without scheme, port or path: {field}={shown}"
    return f"write a host name, e.g. {field}=" + (
        "['shop.example.com']" if field == "hostnames" else "'shop.example.com'")
